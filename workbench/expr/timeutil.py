"""Durations and points in time of segment documents (SPEC §3 WINDOW, TIME, DURATION).

Windows are relative to the evaluation instant T, which is known when a segment is
compiled, so every window bound is computed here, in Python, with calendar arithmetic:
the SQL then compares with constants and gives the same answer on every backend.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workbench.errors import InvalidValue
from workbench.i18n import later

DURATION_RE = re.compile(r"^([0-9]+)(s|m|h|d|w|mo|y)$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UNIT_NAMES = {
    "s": "second",
    "m": "minute",
    "h": "hour",
    "d": "day",
    "w": "week",
    "mo": "month",
    "y": "year",
}
FIXED_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class Duration:
    """A number of calendar units, e.g. ``Duration(3, "mo")`` for ``"3mo"``."""

    amount: int
    unit: str

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``"90m"``, ``"2h"``, ``"3mo"``…; raises ValueError (:class:`InvalidValue`)
        naming the valid form."""
        match = DURATION_RE.match(text) if isinstance(text, str) else None
        if not match:
            raise InvalidValue(
                later._(
                    "{value} is not a duration; write a whole number and a unit (s, m, h, d, w, mo, y), "
                    "e.g. '7d' or '3mo'",
                    value=repr(text),
                )
            )
        return cls(int(match.group(1)), match.group(2))

    @property
    def is_calendar(self) -> bool:
        """Months and years have no fixed length."""
        return self.unit in ("mo", "y")

    @property
    def months(self) -> int:
        return self.amount * (12 if self.unit == "y" else 1) if self.is_calendar else 0

    @property
    def seconds(self) -> int:
        return 0 if self.is_calendar else self.amount * FIXED_UNITS[self.unit]

    def before(self, instant: datetime, tz: tzinfo = UTC) -> datetime:
        """``instant − self``. Months and years move the local calendar of ``tz`` (keeping the
        wall-clock time, clamping the day to the month's end); other units are fixed lengths."""
        return self._shift(instant, -1, tz)

    def after(self, instant: datetime, tz: tzinfo = UTC) -> datetime:
        """``instant + self``, as :meth:`before`."""
        return self._shift(instant, 1, tz)

    def _shift(self, instant: datetime, sign: int, tz: tzinfo) -> datetime:
        if self.is_calendar:
            return add_months(instant.astimezone(tz), sign * self.months).astimezone(UTC)
        return instant + sign * timedelta(seconds=self.seconds)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def describe(self) -> str:
        """English: ``3 months``, ``1 day``."""
        name = UNIT_NAMES[self.unit]
        return f"{self.amount} {name}{'' if self.amount == 1 else 's'}"


def add_months(value: datetime | date, months: int) -> datetime | date:
    """Move a date or datetime by whole calendar months, clamping the day."""
    total = value.year * 12 + value.month - 1 + months
    year, month = divmod(total, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def zone(name: str) -> ZoneInfo:
    """The workspace time zone; raises ValueError for an unknown name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Warsaw'") from exc


def is_date_text(text: object) -> bool:
    """Whether a TIME string names a whole day (``2026-11-30``)."""
    return isinstance(text, str) and bool(DATE_RE.match(text))


def parse_instant(text: str) -> datetime:
    """An ISO 8601 timestamp as an aware UTC datetime; no offset means UTC (SPEC §2)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError, AttributeError) as exc:  # AttributeError: not text at all
        raise InvalidValue(
            later._(
                "{value} is not a time; write ISO 8601 like '2026-11-30T12:00:00Z', "
                'a date like \'2026-11-30\', or {{"ago": "7d"}}',
                value=repr(text),
            )
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def instant_or_now(value: datetime | str | None) -> datetime:
    """An ``as_of`` argument as an aware instant: None or ``""`` is now, text is parsed as
    :func:`parse_instant`, a naive datetime is UTC."""
    if value is None or value == "":
        return datetime.now(UTC)
    if isinstance(value, str):
        return parse_instant(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_date(text: str) -> date:
    """A ``YYYY-MM-DD`` string as a date."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidValue(later._("{value} is not a valid date (YYYY-MM-DD)", value=repr(text))) from exc


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) of a local day."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The local calendar date of an instant."""
    return instant.astimezone(tz).date()


def anniversary_keys(today: date, days: int) -> list[int]:
    """``month * 100 + day`` of every day from ``today`` to ``today + days``.

    29 February is included when 28 February is in range in a non-leap year, so a
    leap-day birthday is celebrated on 28 February.
    """
    if days >= 365:
        return sorted({d.month * 100 + d.day for d in _days(date(2000, 1, 1), 366)})
    keys = set()
    for day in _days(today, days + 1):
        keys.add(day.month * 100 + day.day)
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            keys.add(229)
    return sorted(keys)


def _days(start: date, count: int):
    return (start + timedelta(days=i) for i in range(count))
