"""The locales the workbench speaks."""

from __future__ import annotations

from workbench.errors import WorkbenchError

DEFAULT_LOCALE = "en"
"""The library's and the command line's language unless a workspace says otherwise."""

LOCALES: dict[str, str] = {"en": "English", "pl": "Polski"}
"""Each supported locale code, with its name in its own language (for a language switch)."""


def check_locale(code: str) -> str:
    """``code`` if the workbench speaks it; otherwise a WorkbenchError naming the valid ones."""
    if code not in LOCALES:
        raise WorkbenchError(f"unknown locale {code!r}; use one of {', '.join(LOCALES)}")
    return code
