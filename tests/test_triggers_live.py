"""Triggers with real processes: the watcher killed mid-send and restarted, and events POSTed
to a running collector producing emails at a real SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.collector_support import CollectorProcess, client
from tests.send_support import SmtpSink
from tests.trigger_support import RECENT_CART, REMINDER_TEMPLATE, Clock, campaign, contact, event, shop, store
from workbench.collector import create_write_key
from workbench.send import SendSettings
from workbench.triggers import Dispatcher, Watcher, add_trigger, tracked_segments
from workbench.triggers.tables import JOBS

ROOT = Path(__file__).resolve().parents[1]
ABANDONED = ROOT / "sample_data/segments/abandoned_cart.json"


def watcher_process(ws, env: dict, runs: Path, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "workbench.cli", "--db", ws.url.url, "-v", "watch", "--interval", "1"]
    with log.open("ab") as out:
        return subprocess.Popen(
            [*command, "--runs-dir", str(runs)], cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=out
        )


def wait_for(condition, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}" + (f":\n{log.read_text()}" if log else ""))
        time.sleep(0.1)


def job_statuses(ws) -> Counter:
    with ws.connector.reading() as con:
        return Counter(con.to_pyarrow(JOBS.unbound().select("status")).column(0).to_pylist())


def test_a_watcher_killed_mid_send_and_restarted_sends_each_triggered_message_exactly_once(tmp_path):
    people = [contact(f"p{i:03}", f"P{i}") for i in range(40)]
    ws = shop(tmp_path / "s.duckdb", people, [])
    ws.save_segment(RECENT_CART)
    campaign(ws, tmp_path, "nudge", "recent_cart", REMINDER_TEMPLATE)
    add_trigger(ws, "nudge", segment="recent_cart", campaign="nudge")
    runs, log = tmp_path / "runs", tmp_path / "watch.log"
    process: dict = {}

    def kill_at_the_16th(count: int) -> None:  # count: messages received so far
        if count == 15 and "first" in process and not process.get("killed"):
            process["killed"] = True
            os.kill(process["first"].pid, signal.SIGKILL)

    with SmtpSink(on_new_message=kill_at_the_16th) as sink:
        process["first"] = watcher_process(ws, sink.env(), runs, log)
        wait_for(lambda: tracked_segments(ws)["recent_cart"]["baseline_at"] is not None, 60, "the baseline", log)
        store(ws, "events", [event(p["contact_id"], "add_to_cart", datetime.now(UTC)) for p in people])
        assert process["first"].wait(timeout=120) == -signal.SIGKILL
        assert len(sink.recipients) == 15  # killed when it asked to send the 16th
        assert job_statuses(ws)["pending"] == 40  # killed before settling its jobs

        second = watcher_process(ws, sink.env(), runs, log)  # takes the dead watcher's lease over
        try:
            wait_for(lambda: job_statuses(ws) == Counter({"sent": 40}), 120, "every job settled", log)
        finally:
            second.terminate()
            second.wait(timeout=30)
    assert Counter(sink.recipients) == Counter({f"{p['contact_id']}@example.org": 1 for p in people})


def test_events_posted_to_the_collector_trigger_emails(tmp_path):
    """A real-time entry reaches the SMTP server through a watcher process; the abandoned cart
    (with the watcher's clock moved 2 hours on) produces one reminder, and none for a buyer."""
    ws = shop(tmp_path / "s.duckdb", [contact("ala", "Ala"), contact("bob", "Bob"), contact("cyd", "Cyd")], [])
    ws.save_segment(RECENT_CART)
    ws.save_segment(ABANDONED)
    campaign(ws, tmp_path, "hello", "recent_cart", REMINDER_TEMPLATE)
    campaign(ws, tmp_path, "cart-reminder", "abandoned_cart", REMINDER_TEMPLATE)
    key = create_write_key(ws, "shop")[1]
    collector = CollectorProcess(ws.url.url, tmp_path / "collector.log").start()
    try:
        with SmtpSink() as sink, client(collector, key) as api:
            # 1. real time: a watcher process, an event POSTed, an email arrives
            add_trigger(ws, "hello", segment="recent_cart", campaign="hello")
            log = tmp_path / "watch.log"
            watcher = watcher_process(ws, sink.env(), tmp_path / "runs", log)
            try:
                wait_for(lambda: tracked_segments(ws)["recent_cart"]["baseline_at"] is not None, 60, "baseline", log)
                body = {"events": [{"contact_id": "cyd", "name": "add_to_cart", "cart_id": "k9", "value": 5.0}]}
                assert api.post("/v1/events", json=body).status_code == 200
                wait_for(lambda: sink.recipients == ["cyd@example.org"], 60, "the triggered email", log)
            finally:
                watcher.terminate()
                assert watcher.wait(timeout=30) == 0  # SIGTERM ends it after its round, not in the middle

            # 2. the abandoned cart: ala carts and leaves, bob carts and buys within the hour
            add_trigger(ws, "cart-reminder", segment="abandoned_cart", campaign="cart-reminder")
            now = datetime.now(UTC).replace(microsecond=0)
            clock = Clock(now)
            settings = SendSettings.from_env(sink.env())
            watch = Watcher(ws, clock=clock, dispatcher=Dispatcher(ws, runs_dir=tmp_path / "runs", settings=settings))
            watch.tick()  # baseline of abandoned_cart
            carts = [
                {"contact_id": who, "name": "add_to_cart", "ts": now.isoformat(), "cart_id": f"c-{who}", "value": 99.0}
                for who in ("ala", "bob")
            ]
            assert api.post("/v1/events", json={"events": carts}).status_code == 200
            clock.move(minutes=40)
            paid = {
                "contact_id": "bob",
                "name": "purchase",
                "ts": clock.at.isoformat(),
                "cart_id": "c-bob",
                "value": 99.0,
            }
            assert api.post("/v1/events", json={"events": [paid]}).status_code == 200
            for step in (timedelta(minutes=30), timedelta(minutes=49), timedelta(minutes=2), timedelta(hours=1)):
                clock.move(seconds=step.total_seconds())
                watch.tick()
                if clock.at < now + timedelta(hours=2):
                    assert sink.recipients == ["cyd@example.org"]  # nothing before 2 hours
            assert sink.recipients == ["cyd@example.org", "ala@example.org"]
    finally:
        collector.stop()
