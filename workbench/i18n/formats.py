"""Numbers, money, dates and spans of time written the way a locale writes them (Babel/CLDR).

Babel separates thousands and the currency symbol in Polish with a no-break space
(``1 000,50 zł`` is ``1\\xa0000,50\\xa0zł``); we keep it, so that a number never breaks
across lines, and tests spell it out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers

Number = int | float | Decimal


def number(value: Number, locale: str, places: int | None = None) -> str:
    """``1234.5`` → ``1,234.5`` (en), ``1 234,5`` (pl); whole floats without decimals;
    with ``places``, always that many decimals (``1 234,50``)."""
    if places is not None:
        return numbers.format_decimal(value, format="#,##0." + "0" * places, locale=locale)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return numbers.format_decimal(value, locale=locale)


def money(value: Number, currency: str, locale: str) -> str:
    """An amount with its currency: ``PLN 1,000.50`` (en), ``1 000,50 zł`` (pl)."""
    return numbers.format_currency(value, currency, locale=locale)


def amount(value: Number, currency: str, locale: str) -> str:
    """An amount as a rule states it, without forced decimals: ``1 000 zł`` (pl)."""
    # the locale's own currency pattern, with its decimals made optional
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace("0.00", "0.##")
    return numbers.format_currency(value, currency, format=pattern, currency_digits=False, locale=locale)


def currency_symbol(currency: str, locale: str) -> str:
    """``zł`` for PLN in Polish."""
    return numbers.get_currency_symbol(currency, locale=locale)


def percent(value: float, locale: str) -> str:
    """``0.42`` → ``42%`` (en), ``42%`` (pl)."""
    return numbers.format_percent(value, locale=locale)


def long_date(value: date | datetime, locale: str, timezone: str = "UTC") -> str:
    """``7 grudnia 2026`` (pl), ``December 7, 2026`` (en); an instant is read in ``timezone``."""
    if isinstance(value, datetime):
        value = _local(value, timezone).date()
    return dates.format_date(value, format="long", locale=locale)


def when(value: datetime, locale: str, timezone: str = "UTC") -> str:
    """An instant to the minute in ``timezone``: ``7 gru 2026, 10:05`` (pl), ``2026-12-07 09:05 UTC`` (en:
    the unambiguous form the app and the CLI have always written)."""
    local = _local(value, timezone)
    if locale == "en":
        return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or timezone)
    day = dates.format_date(local, format="medium", locale=locale)
    time = dates.format_time(local, format="short", locale=locale)
    # the locale's own order of date and time ("{1}, {0}")
    return dates.get_datetime_format("medium", locale=locale).replace("{1}", day).replace("{0}", time)


def occurrence(value: datetime, locale: str, timezone: str) -> str:
    """When a schedule fires, with the weekday and the zone it is read in: ``Mon 2026-12-07
    09:00 Europe/Warsaw`` (en), ``pon. 7 gru 2026, 09:00 Europe/Warsaw`` (pl)."""
    local = _local(value, timezone)
    if locale == "en":
        return local.strftime("%a %Y-%m-%d %H:%M ") + timezone
    weekday = dates.format_date(local, format="EEE", locale=locale)
    return f"{weekday} {when(value, locale, timezone)} {timezone}"


def relative(delta: timedelta, locale: str) -> str:
    """A span from now: ``3 miesiące temu`` (negative: in the past), ``za 2 godziny``."""
    return dates.format_timedelta(delta, add_direction=True, locale=locale)


def _local(value: datetime, timezone: str) -> datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(timezone))


def vega_locales(locale: str) -> tuple[dict, dict]:
    """The number and time locales of Vega (d3-format, d3-time-format) built from Babel's
    CLDR data, so that a chart writes ``1 234`` and ``7 gru`` as the rest of the page does
    (d3's own ``pl-PL`` differs: ``1.234``, ``Grudz.``)."""
    cldr = Locale.parse(locale)
    symbols = cldr.number_symbols["latn"]
    number = {"decimal": symbols["decimal"], "thousands": symbols["group"], "grouping": [3], "currency": ["", ""]}

    def names(kind: dict, width: str, first: int) -> list[str]:
        return [kind[width][i] for i in range(first, first + len(kind[width]))]

    # d3 counts weekdays from Sunday, CLDR from Monday
    days = [cldr.days["format"]["wide"][i] for i in (6, 0, 1, 2, 3, 4, 5)]
    short_days = [cldr.days["format"]["abbreviated"][i] for i in (6, 0, 1, 2, 3, 4, 5)]
    time = {
        "dateTime": "%x, %X",
        "date": "%Y-%m-%d",
        "time": "%H:%M:%S",
        "periods": [cldr.day_periods["format"]["abbreviated"][p] for p in ("am", "pm")],
        "days": days,
        "shortDays": short_days,
        "months": names(cldr.months["format"], "wide", 1),
        "shortMonths": names(cldr.months["format"], "abbreviated", 1),
    }
    return number, time
