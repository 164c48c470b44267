"""A :class:`Texts`: the messages and formats of one locale, to pass down to what writes text."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from workbench.i18n import formats
from workbench.i18n.catalogs import translations
from workbench.i18n.locales import DEFAULT_LOCALE, check_locale


@dataclass(frozen=True)
class Texts:
    """Messages and formats in one locale. Immutable, so safe to share between threads.

    Every message method formats its result with ``str.format(**values)``; a plural
    message receives ``n`` as the locale writes the number (``1 000 000``).
    """

    locale: str
    timezone: str = "UTC"

    def _(self, message: str, **values: object) -> str:
        """``message`` in this locale."""
        return _fill(translations(self.locale).gettext(message), values)

    def pgettext(self, context: str, message: str, **values: object) -> str:
        """``message`` in this locale, told apart from the same English words by ``context``."""
        return _fill(translations(self.locale).pgettext(context, message), values)

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The form of ``singular``/``plural`` this locale uses for ``n`` (Polish has three)."""
        return _fill(translations(self.locale).ngettext(singular, plural, n), {"n": self.number(n), **values})

    def npgettext(self, context: str, singular: str, plural: str, n: int, **values: object) -> str:
        """:meth:`ngettext` told apart by ``context``."""
        text = translations(self.locale).npgettext(context, singular, plural, n)
        return _fill(text, {"n": self.number(n), **values})

    def contacts(self, n: int) -> str:
        """``1 contact``; in Polish ``1 kontakt``, ``2 kontakty``, ``5 kontaktów``, ``22 kontakty``:
        the noun every view counts."""
        return self.ngettext("{n} contact", "{n} contacts", n)

    def number(self, value: formats.Number, places: int | None = None) -> str:
        """See :func:`workbench.i18n.formats.number`."""
        return formats.number(value, self.locale, places)

    def money(self, value: formats.Number, currency: str) -> str:
        """See :func:`workbench.i18n.formats.money`."""
        return formats.money(value, currency, self.locale)

    def amount(self, value: formats.Number, currency: str) -> str:
        """See :func:`workbench.i18n.formats.amount`."""
        return formats.amount(value, currency, self.locale)

    def percent(self, value: float) -> str:
        """See :func:`workbench.i18n.formats.percent`."""
        return formats.percent(value, self.locale)

    def long_date(self, value: date | datetime) -> str:
        """See :func:`workbench.i18n.formats.long_date` (in this workspace's time zone)."""
        return formats.long_date(value, self.locale, self.timezone)

    def when(self, value: datetime) -> str:
        """See :func:`workbench.i18n.formats.when` (in this workspace's time zone)."""
        return formats.when(value, self.locale, self.timezone)

    def occurrence(self, value: datetime, timezone: str) -> str:
        """See :func:`workbench.i18n.formats.occurrence` (in ``timezone``, a schedule's own)."""
        return formats.occurrence(value, self.locale, timezone)

    def relative(self, delta: timedelta) -> str:
        """See :func:`workbench.i18n.formats.relative`."""
        return formats.relative(delta, self.locale)


def _fill(text: str, values: dict[str, object]) -> str:
    # without values, braces in a message are literal text
    return text.format(**values) if values else text


@functools.cache
def texts(locale: str | None = None, timezone: str = "UTC") -> Texts:
    """The :class:`Texts` of ``locale`` (default English); raises WorkbenchError for an unknown one."""
    return Texts(check_locale(locale or DEFAULT_LOCALE), timezone)
