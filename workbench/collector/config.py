"""What a collector is configured with: the site origins allowed to send beacons, the
public URL its tracking links point to, and the range of event times it accepts. All are
remembered in the workspace, so a send run can mint links and a restarted collector keeps
its settings."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from workbench.collector import tables
from workbench.collector.tokens import PUBLIC_URL_SETTING, check_link_target
from workbench.errors import WorkbenchError
from workbench.store.workspace import Workspace

ORIGINS_SETTING = tables.SETTING_PREFIX + "allowed_origins"
TS_EARLIEST_SETTING = tables.SETTING_PREFIX + "ts_earliest"
TS_AHEAD_SETTING = tables.SETTING_PREFIX + "ts_ahead_s"
ANY_ORIGIN = "*"


def normalize_origin(origin: str) -> str:
    """``https://Shop.example/`` -> ``https://shop.example``: the form browsers send.

    >>> normalize_origin("https://Shop.example/")
    'https://shop.example'
    >>> normalize_origin("http://localhost:8000")
    'http://localhost:8000'
    """
    origin = origin.strip()
    if origin == ANY_ORIGIN:
        return origin
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
        raise WorkbenchError(f"{origin!r} is not a site origin; write it as https://shop.example (scheme and host)")
    return f"{parts.scheme}://{parts.netloc.lower()}"


@dataclass(frozen=True)
class TimestampRange:
    """The event times ``POST /v1/events`` accepts: from ``earliest`` to ``ahead`` past the
    collector's clock.

    A time far outside is a client's mistake (milliseconds read as seconds, a placeholder
    such as 9999-12-31, a device whose clock is wrong) that would otherwise stay in the
    store for good: an event "in the future" counts in every "in the last 30 days" window
    until that day comes. The defaults suit live ingestion and backfills of this century;
    widen ``earliest`` to send older history.

    >>> TimestampRange().problem(datetime(9999, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    "9999-01-01T00:00:00Z is more than 1 day ahead of the collector's clock"
    """

    earliest: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    ahead: timedelta = timedelta(days=1)

    def __post_init__(self) -> None:
        if self.earliest.tzinfo is None:
            raise WorkbenchError(f"the earliest event time needs a time zone: {self.earliest.isoformat()}")
        if self.ahead < timedelta(0):
            raise WorkbenchError("the time events may be ahead of the collector's clock cannot be negative")

    def problem(self, ts: datetime, now: datetime) -> str | None:
        """Why ``ts`` is refused when the collector's clock says ``now``, or None."""
        if ts < self.earliest:
            return f"{_iso(ts)} is before {_iso(self.earliest)}, the earliest event time this collector accepts"
        if ts > now + self.ahead:
            return f"{_iso(ts)} is more than {_duration(self.ahead)} ahead of the collector's clock"
        return None


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _duration(span: timedelta) -> str:
    """``1 day``, ``400 days``, ``6 hours``, ``90 seconds``: how the range is said in refusals."""
    seconds = int(span.total_seconds())
    count, unit = seconds, "second"
    for name, size in (("day", 86400), ("hour", 3600)):
        if seconds and seconds % size == 0:
            count, unit = seconds // size, name
            break
    return f"{count} {unit}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class CollectorConfig:
    """Origins whose pages may send beacons (``*``: any, for development), the public URL,
    and the event times accepted."""

    origins: tuple[str, ...] = ()
    public_url: str | None = None
    ts_range: TimestampRange = field(default_factory=TimestampRange)

    def allows(self, origin: str | None) -> bool:
        if not origin:
            return False
        return ANY_ORIGIN in self.origins or origin.lower() in self.origins


def resolve_config(
    ws: Workspace, origins: Iterable[str] | None, public_url: str | None, ts_range: TimestampRange | None = None
) -> CollectorConfig:
    """The configuration to run with: values given now are saved; missing ones are read back."""
    saved = tables.read_settings(ws)
    if origins:
        chosen = tuple(dict.fromkeys(normalize_origin(o) for o in origins))
        tables.write_setting(ws, ORIGINS_SETTING, json.dumps(list(chosen)))
    else:
        chosen = tuple(json.loads(saved.get(ORIGINS_SETTING, "[]")))
    if public_url:
        public_url = check_link_target(public_url).rstrip("/")
        tables.write_setting(ws, PUBLIC_URL_SETTING, public_url)
    else:
        public_url = saved.get(PUBLIC_URL_SETTING)
    if ts_range:
        tables.write_setting(ws, TS_EARLIEST_SETTING, ts_range.earliest.isoformat())
        tables.write_setting(ws, TS_AHEAD_SETTING, str(ts_range.ahead.total_seconds()))
    else:
        ts_range = _saved_ts_range(saved)
    return CollectorConfig(chosen, public_url, ts_range)


def _saved_ts_range(saved: dict[str, str]) -> TimestampRange:
    default = TimestampRange()
    earliest = saved.get(TS_EARLIEST_SETTING)
    ahead = saved.get(TS_AHEAD_SETTING)
    return TimestampRange(
        datetime.fromisoformat(earliest) if earliest else default.earliest,
        timedelta(seconds=float(ahead)) if ahead else default.ahead,
    )
