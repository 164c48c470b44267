"""Tracked segments and triggers with a clock the test moves: entries, exits, re-entries,
the abandoned cart after 2 hours, welcome on subscription, delays, repeats, webhooks.

Expected members at each instant are written out by hand from the events the test stores;
every email counted is one that reached a real SMTP server.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from tests.send_support import SmtpSink
from tests.trigger_support import (
    RECENT_CART,
    REMINDER_TEMPLATE,
    T0,
    WELCOME_TEMPLATE,
    Clock,
    WebhookReceiver,
    campaign,
    contact,
    event,
    shop,
    store,
)
from workbench.errors import WorkbenchError
from workbench.send import SendSettings
from workbench.triggers import (
    SIGNATURE_HEADER,
    Dispatcher,
    Watcher,
    add_trigger,
    allow_webhook_host,
    history,
    list_triggers,
    remove_trigger,
    sizes,
    track,
    untrack,
    verify_signature,
)
from workbench.triggers.tables import JOBS

ABANDONED = "sample_data/segments/abandoned_cart.json"


@pytest.fixture(params=["duckdb", "postgres"])
def store_at(request, tmp_path):
    """Where a test's store goes: a DuckDB file, or a new PostgreSQL database."""
    from tests.conftest import new_postgres_database

    return str(tmp_path / "s.duckdb") if request.param == "duckdb" else new_postgres_database()


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


def watcher_for(ws, clock, tmp_path, smtp=None, **kwargs) -> Watcher:
    settings = SendSettings.from_env(smtp.env()) if smtp else None
    return Watcher(ws, clock=clock, dispatcher=Dispatcher(ws, runs_dir=tmp_path / "runs", settings=settings, **kwargs))


def jobs(ws) -> list[dict]:
    with ws.connector.reading() as con:
        return con.to_pyarrow(JOBS.unbound().order_by(["contact_id", "seq", "change"])).to_pylist()


# --- entry, exit, re-entry ----------------------------------------------------------------------


def test_enter_exit_reenter_is_recorded_with_its_times_and_fires_each_change_once(tmp_path, store_at):
    ws = shop(
        store_at if store_at.startswith("postgres") else Path(store_at),
        [contact("anna", "Anna"), contact("bart", "Bart"), contact("cyryl", "Cyryl")],
        [event("anna", "add_to_cart", T0 - timedelta(minutes=10))],
    )
    ws.save_segment(RECENT_CART)
    allow_webhook_host(ws, "127.0.0.1")  # the receiver runs here; webhooks go to public addresses only
    clock = Clock(T0)
    with WebhookReceiver() as hook:
        entered = add_trigger(ws, "in", segment="recent_cart", webhook=hook.url)
        left = add_trigger(ws, "out", segment="recent_cart", on="exit", webhook=hook.url)
        watcher = watcher_for(ws, clock, tmp_path)

        first = watcher.tick()  # the baseline: anna is in, nothing fires
        assert [(c.contact_id, c.change, c.baseline) for c in first.changes] == [("anna", "enter", True)]
        assert first.entries == [] and hook.requests == []

        clock.move(minutes=1)
        store(ws, "events", [event("bart", "add_to_cart", clock.at)])
        tick = watcher.tick()
        assert [(c.contact_id, c.change, c.seq) for c in tick.entries] == [("bart", "enter", 1)]

        clock.move(minutes=55)  # anna's cart (T0-10m) left the 1h window at T0+50m
        tick = watcher.tick()
        assert [(c.contact_id, c.change) for c in tick.exits] == [("anna", "exit")]

        clock.move(minutes=10)  # T0+66m: bart's cart (T0+1m) is 65 minutes old
        assert [c.contact_id for c in watcher.tick().exits] == ["bart"]

        clock.move(minutes=30)
        store(ws, "events", [event("bart", "add_to_cart", clock.at)])
        assert [(c.contact_id, c.seq) for c in watcher.tick().entries] == [("bart", 2)]
        for _ in range(3):  # nothing new: nothing recorded, nothing sent again
            clock.move(seconds=5)
            assert watcher.tick().changes == []

    stays = {
        (r["contact_id"], r["seq"]): (r["entered_at"], r["exited_at"], r["baseline"])
        for r in history(ws, "recent_cart").to_pylist()
    }
    assert stays == {
        ("anna", 1): (T0, T0 + timedelta(minutes=56), True),
        ("bart", 1): (T0 + timedelta(minutes=1), T0 + timedelta(minutes=66), False),
        ("bart", 2): (T0 + timedelta(minutes=96), None, False),
    }
    delivered = [(c["contact_id"], c["type"], c["seq"]) for c in hook.changes()]
    assert sorted(delivered) == sorted([
        ("bart", "segment.entered", 1), ("anna", "segment.exited", 1),
        ("bart", "segment.exited", 1), ("bart", "segment.entered", 2),
    ])  # fmt: skip
    for headers, body in hook.requests:
        assert verify_signature(entered.secret if b'"in"' in body else left.secret, headers[SIGNATURE_HEADER], body)
        assert not verify_signature("wrong", headers[SIGNATURE_HEADER], body)
    assert {j["status"] for j in jobs(ws)} == {"sent"}


def test_history_gives_the_size_over_time_that_evaluation_gives(tmp_path):
    ws = shop(
        tmp_path / "s.duckdb",
        [contact(f"c{i}", f"C{i}") for i in range(6)],
        [event(f"c{i}", "add_to_cart", T0 + timedelta(minutes=20 * i)) for i in range(6)],
    )
    ws.save_segment(RECENT_CART)
    track(ws, "recent_cart")
    clock = Clock(T0)
    watcher = watcher_for(ws, clock, tmp_path)
    instants = []
    for _ in range(16):  # every 10 minutes for 2.5 hours
        watcher.tick()
        instants.append(clock.at)
        clock.move(minutes=10)
    # one cart every 20 minutes (T0 … T0+100m), each a member while under an hour old
    expected = [ws.count("recent_cart", t) for t in instants]
    assert expected == [1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 1, 1]
    before = T0 - timedelta(minutes=5)
    between = [t + timedelta(minutes=5) for t in instants[:-1]]  # unchanged since the last evaluation
    assert sizes(ws, "recent_cart", [before, *instants, *between]) == [None, *expected, *expected[:-1]]


# --- the abandoned cart ---------------------------------------------------------------------


def test_abandoned_cart_reminder_goes_out_two_hours_later_once_and_a_purchase_prevents_it(tmp_path, smtp, store_at):
    cart = {"cart_id": "k1", "value": 120.0}
    ws = shop(
        store_at if store_at.startswith("postgres") else Path(store_at),
        [contact("ala", "Ala"), contact("bob", "Bob"), contact("cel", "Cel")],
        [  # cel's cart a month ago, bought at once (and the catalog learns the events)
            event("cel", "add_to_cart", T0 - timedelta(days=30), cart_id="k0", value=50.0),
            event("cel", "purchase", T0 - timedelta(days=30, minutes=-5), cart_id="k0", value=50.0),
        ],
    )
    ws.save_segment(ABANDONED)
    campaign(ws, tmp_path, "cart-reminder", "abandoned_cart", REMINDER_TEMPLATE)
    add_trigger(ws, "cart-reminder", segment="abandoned_cart", campaign="cart-reminder")
    clock = Clock(T0)
    watcher = watcher_for(ws, clock, tmp_path, smtp)
    watcher.tick()  # baseline: nobody

    store(ws, "events", [event("ala", "add_to_cart", clock.at, **cart), event("bob", "add_to_cart", clock.at, **cart)])
    clock.move(minutes=1)
    assert watcher.tick().changes == []
    clock.move(minutes=59)
    store(ws, "events", [event("bob", "purchase", clock.at, cart_id="k1", value=120.0)])  # bob buys at T0+1h
    for minutes in (1, 58):  # T0+1h01, T0+1h59: nothing yet, no new events arrive
        clock.move(minutes=minutes)
        assert watcher.tick().changes == []
    assert smtp.recipients == []

    clock.move(minutes=1, seconds=1)  # T0+2h00m01s: only time has passed
    tick = watcher.tick()
    assert [c.contact_id for c in tick.entries] == ["ala"]
    assert tick.jobs == Counter({"sent": 1})
    assert smtp.recipients == ["ala@example.org"]
    assert smtp.messages[0]["Subject"] == "Ala, your cart is waiting"
    for _ in range(5):
        clock.move(minutes=10)
        watcher.tick()
    assert smtp.recipients == ["ala@example.org"]  # exactly one, and none for bob


def test_welcome_goes_to_new_subscribers_not_to_the_members_when_tracking_started(tmp_path, smtp):
    ws = shop(
        tmp_path / "s.duckdb",
        [contact("old", "Old"), contact("recent", "Recent", created_at=T0 - timedelta(days=2))],
        [],
    )
    ws.save_segment("sample_data/segments/new_subscribers.json")
    campaign(ws, tmp_path, "welcome", "new_subscribers", WELCOME_TEMPLATE)
    add_trigger(ws, "welcome", segment="new_subscribers", campaign="welcome")
    clock = Clock(T0)
    watcher = watcher_for(ws, clock, tmp_path, smtp)
    watcher.tick()
    clock.move(minutes=5)
    store(
        ws,
        "contacts",
        [
            contact("newbie", "Nina", created_at=clock.at),
            contact("nocon", "Nel", created_at=clock.at, email_consent=False),
        ],
    )
    clock.move(seconds=3)
    tick = watcher.tick()
    assert sorted(c.contact_id for c in tick.entries) == ["newbie", "nocon"]
    assert smtp.recipients == ["newbie@example.org"]
    assert {(j["contact_id"], j["status"], j["detail"]) for j in jobs(ws)} == {
        ("newbie", "sent", None),
        ("nocon", "excluded", "no_consent"),
    }


# --- delays, repeats, quiet hours ---------------------------------------------------------------


def test_a_delayed_action_waits_and_is_cancelled_when_the_contact_leaves_first(tmp_path, smtp):
    ws = shop(tmp_path / "s.duckdb", [contact("ala", "Ala"), contact("bob", "Bob")], [])
    ws.save_segment(RECENT_CART)
    campaign(ws, tmp_path, "nudge", "recent_cart", REMINDER_TEMPLATE)
    add_trigger(ws, "nudge", segment="recent_cart", campaign="nudge", delay=timedelta(minutes=45))
    clock = Clock(T0)
    watcher = watcher_for(ws, clock, tmp_path, smtp)
    watcher.tick()
    store(
        ws,
        "events",
        [event("ala", "add_to_cart", clock.at), event("bob", "add_to_cart", clock.at - timedelta(minutes=30))],
    )
    clock.move(seconds=1)
    assert len(watcher.tick().entries) == 2
    clock.move(minutes=40)  # T0+40m: bob's cart is 70 minutes old: he left; nothing is due yet
    assert [c.contact_id for c in watcher.tick().exits] == ["bob"]
    assert smtp.recipients == []
    clock.move(minutes=6)  # both jobs due (T0+45m01s): ala is still in, bob is not
    assert watcher.tick().jobs == Counter({"sent": 1, "cancelled": 1})
    assert smtp.recipients == ["ala@example.org"]


def test_once_per_contact_or_again_after_the_repeat_period(tmp_path, smtp):
    ws = shop(tmp_path / "s.duckdb", [contact("ala", "Ala")], [])
    ws.save_segment(RECENT_CART)
    campaign(ws, tmp_path, "once", "recent_cart", REMINDER_TEMPLATE)
    campaign(ws, tmp_path, "again", "recent_cart", WELCOME_TEMPLATE)
    add_trigger(ws, "once", segment="recent_cart", campaign="once")
    add_trigger(ws, "again", segment="recent_cart", campaign="again", repeat_after=timedelta(hours=3))
    clock = Clock(T0)
    watcher = watcher_for(ws, clock, tmp_path, smtp)
    watcher.tick()
    subjects = []
    for hours in (0, 2, 4):  # enters at T0, T0+2h and T0+4h, leaving in between
        clock.at = T0 + timedelta(hours=hours, seconds=1)
        store(ws, "events", [event("ala", "add_to_cart", clock.at)])
        assert len(watcher.tick().entries) == 1
        subjects.append(sorted(m["Subject"] for m in smtp.messages))
        clock.move(minutes=90)
        assert len(watcher.tick().exits) == 1
    once, again = "Ala, your cart is waiting", "Welcome, Ala!"
    assert subjects[0] == sorted([once, again])
    assert subjects[1] == sorted([once, again])  # 2h after the last: not again yet
    assert subjects[2] == sorted([once, again, again])  # 4h after: again; "once" never again
    details = {(j["trigger_id"], j["seq"]): (j["status"], j["detail"]) for j in jobs(ws)}
    assert details[("once", 2)] == ("excluded", "already_sent")
    assert details[("again", 2)][0] == "excluded" and "less than 3:00:00 ago" in details[("again", 2)][1]
    assert details[("again", 3)] == ("sent", None)


def test_quiet_hours_postpone_a_triggered_message_to_their_end(tmp_path):
    from workbench.send.policy import save_policy_setting

    ws = shop(tmp_path / "s.duckdb", [contact("ala", "Ala")], [])
    ws.save_segment(RECENT_CART)
    save_policy_setting(ws, "email", "quiet_hours", "21:00-08:00")
    campaign(ws, tmp_path, "nudge", "recent_cart", REMINDER_TEMPLATE)
    add_trigger(ws, "nudge", segment="recent_cart", campaign="nudge", delay=timedelta(minutes=0))
    night = T0.replace(hour=22)
    clock = Clock(night)
    with SmtpSink() as smtp:
        watcher = watcher_for(ws, clock, tmp_path, smtp)
        watcher.tick()
        store(ws, "events", [event("ala", "add_to_cart", clock.at)])
        clock.move(seconds=1)
        assert watcher.tick().jobs == Counter({"pending": 1})
        [job] = jobs(ws)
        assert job["due_at"] == (night + timedelta(days=1)).replace(hour=8) and "quiet hours" in job["detail"]
        clock.at = job["due_at"]  # she has left the 1h window by then: the message no longer applies
        assert watcher.tick().jobs == Counter({"cancelled": 1})
        assert smtp.recipients == []


# --- webhooks -----------------------------------------------------------------------------------


def test_a_failing_webhook_is_retried_with_backoff_and_a_refusing_one_fails(tmp_path):
    ws = shop(tmp_path / "s.duckdb", [contact("ala", "Ala")], [])
    ws.save_segment(RECENT_CART)
    allow_webhook_host(ws, "127.0.0.1")
    clock = Clock(T0)
    with WebhookReceiver(statuses=[503, 500]) as flaky, WebhookReceiver(statuses=[410]) as gone:
        add_trigger(ws, "flaky", segment="recent_cart", webhook=flaky.url)
        add_trigger(ws, "gone", segment="recent_cart", webhook=gone.url)
        watcher = watcher_for(ws, clock, tmp_path)
        watcher.tick()
        store(ws, "events", [event("ala", "add_to_cart", clock.at)])
        clock.move(seconds=1)
        assert watcher.tick().jobs == Counter({"pending": 1, "failed": 1})
        clock.move(seconds=29)
        assert watcher.tick().jobs == Counter()  # the retry waits 30 s
        clock.move(seconds=2)
        assert watcher.tick().jobs == Counter({"pending": 1})  # 500 this time: wait 60 s
        clock.move(seconds=61)
        assert watcher.tick().jobs == Counter({"sent": 1})
        assert len(flaky.requests) == 3 and len(gone.requests) == 1
        ids = {json.loads(body)["changes"][0]["id"] for _, body in flaky.requests}
        assert ids == {"flaky:ala:enter:1"}  # the same change each time: the receiver can deduplicate
    status = {j["trigger_id"]: (j["status"], j["attempts"]) for j in jobs(ws)}
    assert status == {"flaky": ("sent", 2), "gone": ("failed", 1)}


# --- definitions ------------------------------------------------------------------------------


def test_trigger_definitions_are_checked_and_tracking_is_kept_while_used(tmp_path):
    ws = shop(tmp_path / "s.duckdb", [contact("ala", "Ala")], [])
    ws.save_segment(RECENT_CART)
    with pytest.raises(WorkbenchError, match="exactly one action"):
        add_trigger(ws, "x", segment="recent_cart")
    with pytest.raises(WorkbenchError, match="no campaign 'nope'"):
        add_trigger(ws, "x", segment="recent_cart", campaign="nope")
    with pytest.raises(WorkbenchError, match="absolute http"):
        add_trigger(ws, "x", segment="recent_cart", webhook="file:///etc/passwd")
    allow_webhook_host(ws, "127.0.0.1")
    with pytest.raises(WorkbenchError, match="no saved segment"):
        add_trigger(ws, "x", segment="missing", webhook="http://127.0.0.1:9/h")
    with pytest.raises(WorkbenchError, match="not a valid trigger id"):
        add_trigger(ws, "Bad Id", segment="recent_cart", webhook="http://127.0.0.1:9/h")
    add_trigger(ws, "x", segment="recent_cart", webhook="http://127.0.0.1:9/h")
    with pytest.raises(WorkbenchError, match="exists"):
        add_trigger(ws, "x", segment="recent_cart", webhook="http://127.0.0.1:9/h")
    with pytest.raises(WorkbenchError, match="used by trigger"):
        untrack(ws, "recent_cart")
    remove_trigger(ws, "x")
    assert list_triggers(ws) == []
    untrack(ws, "recent_cart")


def test_a_tracked_segment_deleted_meanwhile_is_skipped_and_the_others_are_still_watched(tmp_path, caplog):
    from workbench.app.references import deletion_blockers

    ws = shop(tmp_path / "s.duckdb", [contact("ala", "Ala")], [])
    ws.save_segment(RECENT_CART)
    ws.save_segment({**RECENT_CART, "id": "carted_today", "rule": {"event": "add_to_cart", "window": {"last": "1d"}}})
    allow_webhook_host(ws, "127.0.0.1")
    add_trigger(ws, "hook", segment="carted_today", webhook="http://127.0.0.1:9/h")
    track(ws, "recent_cart")
    assert deletion_blockers(ws, "carted_today") == ["trigger 'hook' fires on it"]
    clock = Clock(T0)
    watcher = watcher_for(ws, clock, tmp_path)
    watcher.tick()
    ws.delete_segment("recent_cart")  # tracking does not hold a segment; a trigger does (above)
    store(ws, "events", [event("ala", "add_to_cart", clock.move(seconds=1))])
    tick = watcher.tick()
    assert [(c.segment_id, c.contact_id) for c in tick.entries] == [("carted_today", "ala")]
    assert "tracked segment recent_cart cannot be evaluated" in caplog.text


def test_the_command_line_tracks_adds_lists_watches_and_shows_history(tmp_path):
    from click.testing import CliRunner

    from workbench.cli import main

    ws = shop(tmp_path / "s.duckdb", [contact("ala", "Ala")], [event("ala", "add_to_cart", T0)])
    ws.save_segment(RECENT_CART)
    db = ["--db", ws.url.url]

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, [*db, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    assert run("trigger", "allow-host", "127.0.0.1") == "webhooks may reach 127.0.0.1\n"
    added = run(
        "trigger", "add", "hook", "--segment", "recent_cart", "--webhook", "http://127.0.0.1:9/h", "--delay", "10m"
    )
    assert "when a contact enters recent_cart: POST to http://127.0.0.1:9/h after 0:10:00" in added
    assert "signing secret" in added
    assert json.loads(run("trigger", "list", "--json")) == [
        {"id": "hook", "segment": "recent_cart", "on": "enter", "action": "webhook",
         "target": "http://127.0.0.1:9/h", "delay_s": 600.0, "repeat_after_s": None}
    ]  # fmt: skip
    run("watch", "--once")  # now (2026-11-30 or later): ala's cart of T0 is long gone; the baseline is empty
    assert json.loads(run("history", "recent_cart", "--json")) == []
    bad = CliRunner().invoke(
        main, [*db, "trigger", "add", "x", "--segment", "recent_cart", "--webhook", "http://h/", "--delay", "1mo"]
    )
    assert bad.exit_code == 2 and "--delay" in bad.output and "months have no fixed length" in bad.output
    refused = CliRunner().invoke(main, [*db, "untrack", "recent_cart"])
    assert refused.exit_code == 1 and "used by trigger(s) hook" in refused.output
    run("trigger", "remove", "hook")
    assert run("trigger", "list") == ""
    assert "stopped tracking recent_cart" in run("untrack", "recent_cart")


def test_a_round_killed_while_recording_leaves_nothing_half_written_and_the_next_finds_the_entry(tmp_path, monkeypatch):
    from workbench.triggers import membership

    ws = shop(tmp_path / "s.duckdb", [contact("ala", "Ala")], [])
    ws.save_segment(RECENT_CART)
    allow_webhook_host(ws, "127.0.0.1")
    add_trigger(ws, "hook", segment="recent_cart", webhook="http://127.0.0.1:9/h", delay=timedelta(hours=1))
    clock = Clock(T0)
    watcher = watcher_for(ws, clock, tmp_path)
    watcher.tick()
    store(ws, "events", [event("ala", "add_to_cart", clock.move(seconds=1))])
    real_store = membership._store

    def store_then_die(con, *args):
        real_store(con, *args)  # the stays and the jobs are written…
        raise KeyboardInterrupt  # …and the process is stopped before the commit

    monkeypatch.setattr(membership, "_store", store_then_die)
    with pytest.raises(KeyboardInterrupt):
        watcher.tick()
    assert history(ws, "recent_cart").num_rows == 0 and jobs(ws) == []
    monkeypatch.setattr(membership, "_store", real_store)
    clock.move(seconds=5)
    assert [(c.contact_id, c.seq) for c in watcher.tick().entries] == [("ala", 1)]
    assert [(j["contact_id"], j["seq"], j["status"]) for j in jobs(ws)] == [("ala", 1, "pending")]
    assert watcher.tick().changes == []


def test_the_apps_size_over_time_reads_a_tracked_segments_history_instead_of_re_evaluating(tmp_path):
    from workbench.app.evaluate import Evaluator
    from workbench.app.history import size_history

    as_of = T0 + timedelta(days=2)
    day_a, day_b = as_of - timedelta(days=2), as_of - timedelta(days=1)
    ws = shop(tmp_path / "s.duckdb", [contact("ala", "Ala"), contact("bob", "Bob")], [])
    ws.save_segment(RECENT_CART)
    track(ws, "recent_cart")
    store(ws, "events", [event("ala", "add_to_cart", day_b - timedelta(minutes=10))])
    clock = Clock(day_b - timedelta(minutes=30))
    watcher = watcher_for(ws, clock, tmp_path)
    watcher.tick()  # the baseline, half an hour before day B: nobody
    clock.at = day_b
    assert [c.contact_id for c in watcher.tick().entries] == ["ala"]
    clock.at = as_of
    assert [c.contact_id for c in watcher.tick().exits] == ["ala"]
    # an event arriving late, dated 5 minutes before day B: evaluating day B now counts bob too,
    # but the watcher did not see him then
    store(ws, "events", [event("bob", "add_to_cart", day_b - timedelta(minutes=5))])
    assert ws.count("recent_cart", day_b) == 2

    points = size_history(Evaluator.read(ws), "recent_cart", as_of, days=2).points
    assert points == ((day_a, 0), (day_b, 1), (as_of, 0))  # day A evaluated (before tracking), B and now recorded


def test_a_campaign_trigger_is_defined_from_the_command_line_and_sends_on_entry(tmp_path, smtp):
    from click.testing import CliRunner

    from tests.send_support import write_template
    from workbench.cli import main

    ws = shop(tmp_path / "s.duckdb", [contact("ala", "Ala")], [])
    ws.save_segment(RECENT_CART)
    template = write_template(tmp_path / "reminder", REMINDER_TEMPLATE)
    args = ["--db", ws.url.url, "trigger", "add", "nudge", "--segment", "recent_cart", "--campaign", "nudge"]
    half = CliRunner().invoke(main, [*args, "--channel", "email"])
    assert half.exit_code == 2 and "--channel and --template go together" in half.output
    result = CliRunner().invoke(main, [*args, "--channel", "email", "--template", str(template)])
    assert result.exit_code == 0, result.output
    assert "when a contact enters recent_cart: send campaign nudge, once per contact" in result.output
    clock = Clock(T0)
    watcher = watcher_for(ws, clock, tmp_path, smtp)
    watcher.tick()
    store(ws, "events", [event("ala", "add_to_cart", clock.move(seconds=1))])
    assert watcher.tick().jobs == Counter({"sent": 1})
    assert smtp.recipients == ["ala@example.org"] and smtp.messages[0]["Subject"] == "Ala, your cart is waiting"
