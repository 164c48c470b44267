"""Which schedulers are running: each records its latest tick in ``wb_schedulers``.

Schedules fire only while a scheduler runs, so the web app says whether one does. A
scheduler looping every ``every_s`` seconds counts as running while its last tick is
younger than two intervals (plus a margin for a slow send) and, on this host, its process
exists; one started per tick by cron or a systemd timer (``--once``: no interval) while
its last tick is younger than :data:`ONCE_WINDOW`. A clean stop removes the row; rows
older than :data:`FORGET_AFTER` are removed by the next tick of any scheduler.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from workbench.send.sendlog import owner_alive, this_host
from workbench.send.tables import SCHEDULERS
from workbench.store.connection import transaction
from workbench.store.statements import delete_where, insert_new, update_where
from workbench.store.workspace import Workspace

ONCE_WINDOW = timedelta(minutes=5)
"""How long a ``--once`` tick counts as a running scheduler (cron runs it every minute or so)."""
MARGIN = timedelta(minutes=2)
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class SchedulerSeen:
    """A scheduler's latest heartbeat."""

    host: str
    pid: int
    started_at: datetime
    seen_at: datetime
    every_s: float | None

    def running(self, now: datetime) -> bool:
        """Whether it still ticks: recently seen and, on this host, its process alive."""
        if self.every_s is None:
            return now - self.seen_at <= ONCE_WINDOW
        return owner_alive(self.host, self.pid, self.seen_at, now, lease=2 * timedelta(seconds=self.every_s) + MARGIN)


def beat(ws: Workspace, now: datetime, every_s: float | None) -> None:
    """Record this process's tick at ``now``, and forget schedulers silent for a day."""
    host, pid = this_host(), os.getpid()
    row = {"host": host, "pid": pid, "started_at": now, "seen_at": now, "every_s": every_s}
    with ws.connector.writing() as con, transaction(con):
        if not insert_new(con, SCHEDULERS, row):
            update_where(con, SCHEDULERS.name, {"seen_at": now, "every_s": every_s}, host=host, pid=pid)
        rows = con.table(SCHEDULERS.name)
        stale = con.to_pyarrow(rows.filter(rows.seen_at < now - FORGET_AFTER).select("host", "pid")).to_pylist()
        for old in stale:
            delete_where(con, SCHEDULERS.name, host=old["host"], pid=old["pid"])


def forget(ws: Workspace) -> None:
    """Remove this process's heartbeat (a clean stop)."""
    with ws.connector.writing() as con:
        delete_where(con, SCHEDULERS.name, host=this_host(), pid=os.getpid())


def running_schedulers(ws: Workspace, now: datetime | None = None) -> list[SchedulerSeen]:
    """The schedulers that are running, latest seen first; none before any scheduler ran
    (reading does not create the send tables)."""
    now = now or datetime.now(UTC)
    with ws.connector.reading() as con:
        if SCHEDULERS.name not in con.list_tables():
            return []
        rows = con.to_pyarrow(con.table(SCHEDULERS.name)).to_pylist()
    seen = [SchedulerSeen(**row) for row in rows]
    return sorted((s for s in seen if s.running(now)), key=lambda s: s.seen_at, reverse=True)
