"""Contact-pressure rules of a send: frequency caps and quiet hours, per channel.

Defaults below; a workspace overrides them with settings (``send.<channel>.max_per_day``,
``send.<channel>.max_per_week``, ``send.<channel>.quiet_hours``) and a run with explicit
values. A cap of 0 and quiet hours ``"none"`` switch the rule off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from workbench.errors import WorkbenchError
from workbench.i18n import Texts, texts
from workbench.store import catalog_store
from workbench.store.workspace import Workspace

_HOURS_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class QuietHours:
    """A daily span of local time during which nobody is messaged; may wrap past midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """``"21:00-08:00"``; ``"none"`` or ``""`` mean no quiet hours."""
        text = text.strip()
        if text.lower() in ("", "none", "off"):
            return None
        match = _HOURS_RE.match(text)
        if not match:
            raise WorkbenchError(f"quiet hours {text!r} must look like 21:00-08:00 (or 'none')")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        return cls(time(h1, m1), time(h2, m2))

    def contains(self, instant: datetime, tz: ZoneInfo) -> bool:
        local = instant.astimezone(tz).time().replace(tzinfo=None)
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, instant: datetime, tz: ZoneInfo) -> datetime:
        """The first end of quiet hours after ``instant`` (local wall time; UTC result)."""
        local = instant.astimezone(tz)
        end = datetime.combine(local.date(), self.end, tzinfo=tz)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=tz)
        return end.astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class SendPolicy:
    """At most ``max_per_day`` / ``max_per_week`` messages per contact on the channel (in the
    24 hours / 7 days before the send), and none during ``quiet_hours`` (workspace time zone)."""

    max_per_day: int | None
    max_per_week: int | None
    quiet_hours: QuietHours | None

    def describe(self, t: Texts | None = None) -> str:
        """The policy in words: ``at most 1 per day, at most 3 per week; no quiet hours``."""
        t = t or texts()
        caps = []
        if self.max_per_day:
            caps.append(t._("at most {n} per day", n=t.number(self.max_per_day)))
        if self.max_per_week:
            caps.append(t._("at most {n} per week", n=t.number(self.max_per_week)))
        parts = [", ".join(caps) if caps else t._("no frequency cap")]
        parts.append(t._("quiet hours {hours}", hours=self.quiet_hours) if self.quiet_hours else t._("no quiet hours"))
        return "; ".join(parts)


DEFAULTS = {
    "email": SendPolicy(1, 3, None),
    "sms": SendPolicy(1, 2, QuietHours(time(21), time(8))),
    "push": SendPolicy(2, 5, QuietHours(time(21), time(8))),
}


def _cap(value: int | str | None, what: str) -> int | None:
    number = int(value)
    if number < 0:
        raise WorkbenchError(f"{what} must be 0 (no cap) or more, not {number}")
    return number or None


def resolve_policy(
    ws: Workspace,
    channel: str,
    *,
    max_per_day: int | None = None,
    max_per_week: int | None = None,
    quiet_hours: str | None = None,
) -> SendPolicy:
    """The channel's defaults, then the workspace's settings, then the given values (None: keep)."""
    policy = DEFAULTS[channel]
    with ws.connector.reading() as con:
        settings = catalog_store.read_settings(con)
    stored = tuple(settings.get(f"send.{channel}.{key}") for key in ("max_per_day", "max_per_week", "quiet_hours"))
    layers = [stored, (max_per_day, max_per_week, quiet_hours)]
    for day, week, quiet in layers:
        if day is not None:
            policy = replace(policy, max_per_day=_cap(day, "max per day"))
        if week is not None:
            policy = replace(policy, max_per_week=_cap(week, "max per week"))
        if quiet is not None:
            policy = replace(policy, quiet_hours=QuietHours.parse(quiet))
    return policy


def save_policy_setting(ws: Workspace, channel: str, key: str, value: str) -> None:
    """Store a workspace default, e.g. ``("sms", "quiet_hours", "20:00-09:00")``."""
    if key not in ("max_per_day", "max_per_week", "quiet_hours"):
        raise WorkbenchError(f"unknown send setting {key!r}; use max_per_day, max_per_week or quiet_hours")
    if key == "quiet_hours":
        QuietHours.parse(value)
    else:
        _cap(value, key)
    with ws.connector.writing() as con:
        catalog_store.write_setting(con, f"send.{channel}.{key}", str(value))
