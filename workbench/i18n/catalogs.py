"""The translations of each locale, read from the ``.po`` files in the package.

The ``.po`` files are read at first use (and kept) rather than compiled to ``.mo`` at build
time: a clean clone, an editable install and a wheel then all find the same text, with no
build step to forget.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DOMAIN = "workbench"
LOCALE_DIR = Path(__file__).parent / "locale"


def po_path(locale: str) -> Path:
    """Where the catalog of ``locale`` lives in the repository."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(locale: str) -> Catalog:
    """The ``.po`` file of ``locale`` as Babel reads it."""
    with po_path(locale).open("rb") as f:
        return read_po(f, locale=locale, domain=DOMAIN)


@functools.cache
def translations(locale: str) -> Translations:
    """gettext translations of ``locale``, with its plural rule (from the ``.po`` header)."""
    buffer = io.BytesIO()
    # fuzzy entries are drafts, not translations: gettext falls back to the English text
    write_mo(buffer, read_catalog(locale), use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)
