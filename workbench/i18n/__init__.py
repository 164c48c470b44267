"""Everything a marketer reads, in English or Polish.

Text is looked up in gettext catalogs (``locale/<code>/LC_MESSAGES/workbench.po``, kept
with Babel: see ``scripts/i18n-update.sh``), through a :class:`Texts` bound to one locale.
A ``Texts`` is passed down explicitly rather than switched globally: one process (a Voila
server, a notebook kernel) may serve people reading different languages at once.

>>> t = texts("pl")
>>> t.ngettext("{n} contact", "{n} contacts", 22)
'22 kontakty'
>>> texts("en").money(1000.5, "PLN")
'PLN1,000.50'
"""

from __future__ import annotations

from workbench.i18n.locales import DEFAULT_LOCALE, LOCALES, check_locale
from workbench.i18n.messages import Message, later
from workbench.i18n.texts import Texts, texts


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark a message for extraction where it is defined; it is translated where it is shown."""
    return message


__all__ = ["DEFAULT_LOCALE", "LOCALES", "N_", "Message", "Texts", "check_locale", "later", "texts"]
