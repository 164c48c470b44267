"""Schedules (cron + time zone) and the scheduler that runs due sends, once.

At every tick the scheduler looks, for each schedule, at the **latest** occurrence due at or
before now. The occurrence is claimed by inserting its (schedule, due time) row in a write
transaction, anti-joined with the rows already there (plus a unique index): of two
schedulers ticking at once, one claims it and runs the send, the other sees the row and
skips. Missed runs: occurrences that passed while no scheduler ran are not replayed. Only
the latest one is considered, and it runs late only if it is at most ``max_late`` (default
1 hour) old; otherwise it is recorded as ``missed``. A firing whose scheduler died (its
process is gone) is taken over at the next tick; the send log makes that re-run send only
the messages not yet sent.

Each occurrence sends as its own campaign ``<campaign>-<YYYYMMDD-HHMM>`` (local time), so a
weekly newsletter reaches a contact every week; ``each_occurrence=False`` sends every
occurrence as the campaign itself, so each contact gets it once ever (e.g. a welcome mail
sent hourly to new subscribers).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
from croniter import croniter

from workbench.errors import WorkbenchError
from workbench.expr.timeutil import zone
from workbench.send.audit import RunFiles, run_send_notebook
from workbench.send.campaigns import check_campaign_id, define_campaign, get_campaign
from workbench.send.heartbeat import beat, forget
from workbench.send.sendlog import process_alive, this_host
from workbench.send.tables import SCHEDULE_FIRINGS, SCHEDULE_REGISTRY, ensure_tables
from workbench.store.connection import transaction
from workbench.store.statements import update_where
from workbench.store.workspace import Workspace

log = logging.getLogger(__name__)

REMOTE_CLAIM_TIMEOUT = timedelta(hours=6)
"""A firing claimed by a scheduler on another machine is taken over after this long."""


@dataclass(frozen=True)
class Schedule:
    """When a campaign is sent: a cron expression read in a time zone."""

    schedule_id: str
    campaign_id: str
    cron: str
    tz: str
    each_occurrence: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None

    def latest_due(self, now: datetime) -> datetime | None:
        """The latest occurrence at or before ``now`` (UTC), if it is after the schedule's creation."""
        local = now.astimezone(zone(self.tz))
        due = croniter(self.cron, local + timedelta(microseconds=1)).get_prev(datetime).astimezone(UTC)
        return due if self.created_at is None or due >= self.created_at.replace(microsecond=0) else None

    def next_due(self, now: datetime) -> datetime:
        return croniter(self.cron, now.astimezone(zone(self.tz))).get_next(datetime).astimezone(UTC)

    def campaign_for(self, due: datetime) -> str:
        """The campaign id an occurrence sends as (see the module doc)."""
        if not self.each_occurrence:
            return self.campaign_id
        return f"{self.campaign_id}-{due.astimezone(zone(self.tz)):%Y%m%d-%H%M}"


@dataclass(frozen=True)
class Firing:
    """One occurrence of a schedule, claimed by one scheduler."""

    schedule_id: str
    due_at: datetime
    campaign_id: str
    status: str = "running"
    detail: str | None = None


def _read(row: dict) -> Schedule:
    return Schedule(**{**row, "options": json.loads(row["options"])})


def add_schedule(
    ws: Workspace,
    campaign_id: str,
    cron: str,
    tz: str = "UTC",
    *,
    each_occurrence: bool = True,
    options: dict[str, Any] | None = None,
    schedule_id: str | None = None,
    now: datetime | None = None,
) -> Schedule:
    """Schedule a stored campaign; ``options`` are send notebook parameters (batch_size, …)."""
    get_campaign(ws, campaign_id)
    if not croniter.is_valid(cron):
        raise WorkbenchError(f"{cron!r} is not a cron expression (minute hour day month weekday, e.g. '0 9 * * MON')")
    zone(tz)
    digest = hashlib.sha1(f"{cron}|{tz}".encode()).hexdigest()[:6]
    schedule = Schedule(
        check_campaign_id(schedule_id or f"{campaign_id}-{digest}"),
        campaign_id,
        cron,
        tz,
        each_occurrence,
        dict(options or {}),
        now or datetime.now(UTC),
    )
    row = {**schedule.__dict__, "options": json.dumps(schedule.options, sort_keys=True)}
    with ws.connector.writing() as con, transaction(con):
        SCHEDULE_REGISTRY.add(con, row, retry="pick another --id")
    return schedule


def list_schedules(ws: Workspace) -> list[Schedule]:
    ensure_tables(ws)
    with ws.connector.reading() as con:
        return [_read(r) for r in SCHEDULE_REGISTRY.rows(con)]


def remove_schedule(ws: Workspace, schedule_id: str) -> None:
    ensure_tables(ws)
    with ws.connector.writing() as con, transaction(con):
        SCHEDULE_REGISTRY.remove(con, schedule_id)


Runner = Callable[[Schedule, Firing], None]
"""Sends one firing; raising marks the firing failed."""


class Scheduler:
    """Runs due schedules. ``clock`` is injectable so tests control time."""

    def __init__(
        self,
        ws: Workspace,
        runner: Runner,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_late: timedelta = timedelta(hours=1),
    ) -> None:
        ensure_tables(ws)
        self.ws = ws
        self.runner = runner
        self.clock = clock
        self.max_late = max_late
        self.every_s: float | None = None  # set by run_forever: None is one tick per start

    def tick(self) -> list[Firing]:
        """Record this scheduler's heartbeat, then run every schedule's latest due occurrence
        that no scheduler has claimed; returns the firings this scheduler ran."""
        beat(self.ws, self.clock(), self.every_s)
        ran = []
        for schedule in list_schedules(self.ws):
            now = self.clock()
            due = schedule.latest_due(now)
            if due is None:
                continue
            if self._settled(schedule, due):
                continue  # a cheap read first: claiming takes the store's write lock
            late = now - due > self.max_late
            firing = self._claim(schedule, due, now, "missed" if late else "running")
            if firing is None:
                continue
            if late:
                log.warning(
                    "schedule %s: the occurrence due %s is %s late (more than %s); recorded as missed",
                    schedule.schedule_id,
                    due.isoformat(),
                    now - due,
                    self.max_late,
                )
                continue
            ran.append(self._run(schedule, firing))
        return ran

    def _run(self, schedule: Schedule, firing: Firing) -> Firing:
        log.info("schedule %s: sending %s (due %s)", schedule.schedule_id, firing.campaign_id, firing.due_at)
        status, detail = "done", None
        try:
            self.runner(schedule, firing)
        except Exception as exc:  # a failed send must not stop the scheduler; it is recorded
            status, detail = "failed", f"{type(exc).__name__}: {exc}"
            log.exception("schedule %s: the send of %s failed", schedule.schedule_id, firing.campaign_id)
        with self.ws.connector.writing() as con:
            update_where(
                con,
                SCHEDULE_FIRINGS.name,
                {"status": status, "finished_at": self.clock(), "detail": detail},
                schedule_id=schedule.schedule_id,
                due_at=firing.due_at,
            )
        return Firing(firing.schedule_id, firing.due_at, firing.campaign_id, status, detail)

    def _settled(self, schedule: Schedule, due: datetime) -> bool:
        """Whether the occurrence already has a firing that is not running."""
        with self.ws.connector.reading() as con:
            firings = con.table(SCHEDULE_FIRINGS.name)
            mine = firings.filter(
                (firings.schedule_id == schedule.schedule_id) & (firings.due_at == due) & (firings.status != "running")
            )
            return bool(int(con.execute(mine.count())))

    def _claim(self, schedule: Schedule, due: datetime, now: datetime, status: str) -> Firing | None:
        """Insert the occurrence's firing row unless one exists (the no-double-run guarantee)."""
        firing = Firing(schedule.schedule_id, due, schedule.campaign_for(due), status)
        row = {
            "schedule_id": schedule.schedule_id,
            "due_at": due,
            "status": status,
            "owner_host": this_host(),
            "owner_pid": _pid(),
            "claimed_at": now,
            "finished_at": now if status == "missed" else None,
            "campaign_id": firing.campaign_id,
            "detail": None,
        }
        staged = ibis.memtable(pa.Table.from_pylist([row], schema=SCHEDULE_FIRINGS.schema.to_pyarrow()))
        with self.ws.connector.writing() as con, transaction(con):
            firings = con.table(SCHEDULE_FIRINGS.name)
            existing = con.to_pyarrow(
                firings.filter((firings.schedule_id == schedule.schedule_id) & (firings.due_at == due))
            ).to_pylist()
            if not existing:
                con.insert(SCHEDULE_FIRINGS.name, staged)
                return firing
            held = existing[0]
            if held["status"] != "running" or _owner_alive(held, now):
                return None
            # its scheduler died mid-send: take the firing over
            update_where(
                con,
                SCHEDULE_FIRINGS.name,
                {"owner_host": this_host(), "owner_pid": _pid(), "claimed_at": now},
                schedule_id=schedule.schedule_id,
                due_at=due,
            )
        log.warning("schedule %s: taking over the firing due %s from a scheduler that died", schedule.schedule_id, due)
        return firing

    def run_forever(self, interval: float = 30.0, stop: threading.Event | None = None) -> None:
        """Tick every ``interval`` seconds until ``stop`` is set (or the process ends)."""
        stop = stop or threading.Event()
        self.every_s = interval
        try:
            while not stop.is_set():
                try:
                    self.tick()
                except WorkbenchError as exc:
                    log.error("scheduler tick failed: %s", exc)
                stop.wait(interval)
        finally:
            forget(self.ws)  # the app stops counting it at once


def _pid() -> int:
    return os.getpid()


def _owner_alive(firing: dict, now: datetime) -> bool:
    if firing["owner_host"] == this_host():
        return process_alive(firing["owner_pid"])
    return now - firing["claimed_at"] < REMOTE_CLAIM_TIMEOUT


def notebook_runner(db: str | None, runs_dir: str | Path) -> Runner:
    """The scheduler's default way to send: the send notebook, as ``workbench send`` runs it."""

    def run(schedule: Schedule, firing: Firing) -> None:
        from workbench.store.workspace import connect

        ws = connect(db)
        base = get_campaign(ws, schedule.campaign_id)
        if firing.campaign_id != base.campaign_id:
            define_campaign(
                ws,
                firing.campaign_id,
                segment=base.segment,
                channel=base.channel,
                template=base.template,
                name=f"{base.name} ({firing.due_at.astimezone(zone(schedule.tz)):%Y-%m-%d %H:%M})",
                # the occurrence keeps its campaign's holdout split and what its results count
                **{k: v for k, v in base.options_row().items() if k != "campaign_id"},
            )
        files = RunFiles.new(runs_dir, firing.campaign_id)
        params = {**schedule.options, "db": ws.url.url, "campaign_id": firing.campaign_id, "as_of": None}
        run_send_notebook(params, files)

    return run
