"""Whether a scheduler is running (workbench/send/heartbeat.py): every tick records a
heartbeat, the launch tab reads it, a clean stop removes it, and a killed or silent
scheduler stops counting."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest

from workbench.app.launch_schedule import scheduler_status
from workbench.send import Scheduler, running_schedulers
from workbench.send.heartbeat import SchedulerSeen
from workbench.send.sendlog import this_host
from workbench.send.tables import SCHEDULERS
from workbench.store.statements import update_where
from workbench.store.workspace import Workspace, connect

T = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return connect(f"duckdb://{tmp_path / 'wb.duckdb'}")


def never(_schedule, _firing) -> None:
    raise AssertionError("nothing is scheduled")


def test_no_scheduler_before_any_ran_and_reading_creates_nothing(ws):
    assert running_schedulers(ws, T) == []
    with ws.connector.reading() as con:
        assert SCHEDULERS.name not in con.list_tables()
    status = scheduler_status([], T)
    assert "No scheduler is running" in status and "workbench scheduler" in status


def test_a_looping_scheduler_counts_while_it_ticks(ws):
    clock = {"now": T}
    scheduler = Scheduler(ws, never, clock=lambda: clock["now"])
    scheduler.every_s = 30.0
    scheduler.tick()
    (seen,) = running_schedulers(ws, T + timedelta(seconds=10))
    assert (seen.host, seen.pid, seen.started_at, seen.seen_at, seen.every_s) == (this_host(), os.getpid(), T, T, 30.0)
    clock["now"] = T + timedelta(seconds=30)
    scheduler.tick()
    (seen,) = running_schedulers(ws, T + timedelta(seconds=40))
    assert (seen.started_at, seen.seen_at) == (T, T + timedelta(seconds=30))  # one row, updated
    # silent for more than two intervals and the margin: no longer running
    assert running_schedulers(ws, T + timedelta(seconds=30 + 60 + 121)) == []
    assert running_schedulers(ws, T + timedelta(seconds=30 + 60 + 119)) != []
    status = scheduler_status(running_schedulers(ws, T + timedelta(seconds=42)), T + timedelta(seconds=42))
    assert "Scheduler running" in status and f"pid {os.getpid()}" in status and "last seen 12 s ago" in status


def test_run_forever_removes_its_heartbeat_on_a_clean_stop(ws):
    stop = threading.Event()
    scheduler = Scheduler(ws, never)
    thread = threading.Thread(target=scheduler.run_forever, kwargs={"interval": 0.05, "stop": stop})
    thread.start()
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=30)
        while not running_schedulers(ws) and datetime.now(UTC) < deadline:
            threading.Event().wait(0.05)
        (seen,) = running_schedulers(ws)
        assert seen.every_s == 0.05
    finally:
        stop.set()
        thread.join(timeout=30)
    assert running_schedulers(ws) == []
    assert ws.table(SCHEDULERS.name).num_rows == 0


def test_a_once_scheduler_counts_for_a_few_minutes_though_its_process_ended(ws):
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "--db", ws.url.url, "scheduler", "--once"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (seen,) = running_schedulers(ws)
    assert seen.pid != os.getpid() and seen.every_s is None
    assert "from cron or a timer" in scheduler_status([seen], datetime.now(UTC))
    assert running_schedulers(ws, seen.seen_at + timedelta(minutes=6)) == []


def test_a_killed_looping_scheduler_on_this_host_stops_counting_at_once():
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    seen = SchedulerSeen(this_host(), dead_pid, T, T, 30.0)
    assert not seen.running(T + timedelta(seconds=1))
    elsewhere = SchedulerSeen("another-host", dead_pid, T, T, 30.0)
    assert elsewhere.running(T + timedelta(seconds=1))  # only its heartbeat can tell


def test_a_day_old_heartbeat_is_forgotten_by_the_next_tick(ws):
    old = Scheduler(ws, never, clock=lambda: T)
    old.tick()
    later = T + timedelta(days=2)
    with ws.connector.writing() as con:  # as if another scheduler, long gone, had left it
        update_where(con, SCHEDULERS.name, {"pid": 1}, host=this_host(), pid=os.getpid())
    Scheduler(ws, never, clock=lambda: later).tick()
    rows = ws.table(SCHEDULERS.name).to_pylist()
    assert [(r["pid"], r["seen_at"]) for r in rows] == [(os.getpid(), later)]
