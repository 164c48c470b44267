"""Holdout groups on sends: a deterministic split, counted and never messaged.

The expected holdout is computed here from the hash's documented definition (hashlib, not the
workbench's function) over the gate's expected recipients (``tests/send_support.py``).
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.send_support import (
    AS_OF,
    EMAIL_TEMPLATE,
    SEGMENT_ID,
    RecordingTransport,
    Rows,
    build_store,
    copy_store,
    expected_reasons,
    write_template,
)
from workbench.errors import WorkbenchError
from workbench.send import GATE, SendOptions, SendPolicy, define_campaign, prepare_send, select_audience
from workbench.send.audit import write_recipients
from workbench.send.holdout import GLOBAL_CONTROL_KEY, bucket, set_global_control
from workbench.send.tables import SEND_LOG
from workbench.store.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
POLICY = SendPolicy(1, 3, None)


def documented_bucket(key: str, contact_id: str) -> float:
    """docs/results.md: SHA-256 of key, U+001F, contact id; first 8 bytes big-endian over 2**64."""
    digest = hashlib.sha256((key + "\x1f" + contact_id).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@pytest.fixture(scope="module")
def base_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("holdout-base") / "base.duckdb"
    build_store(path).close()
    return path


@pytest.fixture
def ws(base_store, tmp_path) -> Workspace:
    return copy_store(base_store, tmp_path / "w.duckdb")


def _template(ws: Workspace) -> Path:
    return write_template(Path(ws.url.path).parent / "tpl", EMAIL_TEMPLATE)


def _log(ws: Workspace, campaign_id: str) -> dict[str, str]:
    with ws.connector.reading() as con:
        rows = con.table(SEND_LOG.name)
        got = con.to_pyarrow(rows.filter(rows.campaign_id == campaign_id).select("contact_id", "status"))
    return dict(zip(got.column(0).to_pylist(), got.column(1).to_pylist(), strict=True))


# --- the hash ---------------------------------------------------------------------------------------


def test_bucket_is_the_documented_hash_and_pinned():
    for key, contact in [("come-back", "c1"), ("x", ""), ("vip-2026-11", "zażółć")]:
        assert bucket(key, contact) == documented_bucket(key, contact)
    # pinned, so that a change of the definition (which would move every contact) is noticed
    assert bucket("come-back", "c1") == 0.4008361625808276
    assert 0 <= bucket("a", "b") < 1
    assert bucket("a", "b") != bucket("a", "c") != bucket("b", "b")


@pytest.mark.parametrize("share", [0.05, 0.1, 0.5])
def test_requested_share_within_sampling_error(share):
    n = 40_000
    held = sum(bucket("camp", f"c{i}") < share for i in range(n))
    sigma = math.sqrt(n * share * (1 - share))
    assert abs(held - n * share) < 4 * sigma


def test_the_split_is_the_same_in_another_process():
    ids = [f"c{i}" for i in range(2000)]
    here = [i for i in ids if bucket("camp", i) < 0.1]
    code = (
        "import json, sys; from workbench.send.holdout import bucket; "
        "ids = json.load(sys.stdin); print(json.dumps([i for i in ids if bucket('camp', i) < 0.1]))"
    )
    env = {"PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], input=json.dumps(ids), capture_output=True, text=True, check=True, env=env
    )
    assert json.loads(out.stdout) == here


# --- sends ------------------------------------------------------------------------------------------


def test_holdout_is_counted_recorded_and_never_messaged(ws, tmp_path):
    rows = Rows.of(ws)
    campaign = define_campaign(
        ws, "come-back", segment=SEGMENT_ID, channel="email", template=_template(ws), holdout=0.3
    )
    assert campaign.holdout == 0.3 and campaign.holdout_key == "come-back"
    eligible = [c for c, reason in expected_reasons(rows, "email", max_per_day=1, max_per_week=3).items() if not reason]
    expected_holdout = {c for c in eligible if documented_bucket("come-back", c) < 0.3}
    assert 0 < len(expected_holdout) < len(eligible)

    plan = prepare_send(ws, campaign, as_of=AS_OF, policy=POLICY)
    counts = plan.audience.counts()
    assert {r["contact_id"] for r in plan.audience.held_out()} == expected_holdout
    assert counts["holdout"] == len(expected_holdout)
    assert counts["members"] == counts["recipients"] + counts["holdout"] + sum(counts[r] for r in GATE)
    assert not expected_holdout & {r["contact_id"] for r in plan.audience.recipients()}
    assert not expected_holdout & set(plan.audience.excluded())
    assert "held out" in plan.audience.report().to_string()

    transport = RecordingTransport()
    report = plan.execute(SendOptions(progress=False), journal=tmp_path / "j.jsonl", transport=transport)
    assert set(transport.to) == set(eligible) - expected_holdout
    assert report.summary()["holdout"] == len(expected_holdout)
    log = _log(ws, "come-back")
    assert {c for c, s in log.items() if s == "holdout"} == expected_holdout
    assert {c for c, s in log.items() if s == "sent"} == set(eligible) - expected_holdout
    sent_events = ws.table("events").to_pylist()
    messaged = {e["contact_id"] for e in sent_events if e["campaign_id"] == "come-back"}
    assert not messaged & expected_holdout

    listed = write_recipients(tmp_path / "r.parquet", plan.audience, report)
    by_status = {r["contact_id"]: r for r in pq.read_table(tmp_path / "r.parquet").to_pylist()}
    assert listed.num_rows == counts["members"]
    assert {c for c, r in by_status.items() if r["status"] == "holdout"} == expected_holdout
    assert all(by_status[c]["excluded_reason"] is None for c in expected_holdout)

    # a re-run keeps the split: nothing sent, the same holdout, no new log rows
    again = prepare_send(ws, campaign, as_of=AS_OF, policy=POLICY)
    assert {r["contact_id"] for r in again.audience.held_out()} == expected_holdout
    assert again.audience.counts()["recipients"] == 0
    second = RecordingTransport()
    again.execute(SendOptions(progress=False), journal=tmp_path / "j2.jsonl", transport=second)
    assert second.to == []
    assert _log(ws, "come-back") == log

    # the holdout cannot change once the campaign sent
    with pytest.raises(WorkbenchError, match="cannot change"):
        define_campaign(ws, "come-back", segment=SEGMENT_ID, channel="email", template=_template(ws), holdout=0.5)
    # leaving it out keeps the stored holdout; results options may change
    kept = define_campaign(
        ws, "come-back", segment=SEGMENT_ID, channel="email", template=_template(ws), attribution="7d"
    )
    assert (kept.holdout, kept.attribution) == (0.3, "7d")


def test_a_held_out_contact_stays_held_out_when_the_global_control_changes(ws, tmp_path):
    campaign = define_campaign(ws, "ctl", segment=SEGMENT_ID, channel="email", template=_template(ws))
    set_global_control(ws, 0.4)
    plan = prepare_send(ws, campaign, as_of=AS_OF, policy=POLICY)
    held = {r["contact_id"] for r in plan.audience.held_out()}
    passed = held | {r["contact_id"] for r in plan.audience.recipients()}
    assert held == {c for c in passed if documented_bucket(GLOBAL_CONTROL_KEY, c) < 0.4}
    plan.execute(SendOptions(progress=False), journal=tmp_path / "j.jsonl", transport=RecordingTransport())
    set_global_control(ws, 0.0)  # the group is dissolved: the campaign's held-out contacts stay held out
    again = prepare_send(ws, campaign, as_of=AS_OF, policy=POLICY)
    assert {r["contact_id"] for r in again.audience.held_out()} == held
    assert again.audience.counts()["recipients"] == 0


def test_a_campaign_may_reach_the_global_control_group(ws):
    set_global_control(ws, 0.5)
    plain = define_campaign(ws, "plain", segment=SEGMENT_ID, channel="email", template=_template(ws))
    reaching = define_campaign(
        ws, "reaching", segment=SEGMENT_ID, channel="email", template=_template(ws), reach_control=True
    )
    assert select_audience(ws, plain, AS_OF, POLICY).counts()["holdout"] > 0
    assert select_audience(ws, reaching, AS_OF, POLICY).counts()["holdout"] == 0


def test_occurrences_keep_their_campaigns_split(ws):
    """A repeating trigger sends its stays as ``<campaign>.<seq>``, a schedule its occurrences as
    new campaigns: both keep the campaign's holdout key, so a contact stays in its group."""
    base = define_campaign(ws, "welcome", segment=SEGMENT_ID, channel="email", template=_template(ws), holdout=0.5)
    first = select_audience(ws, base, AS_OF, POLICY)
    occurrence = replace(base, campaign_id="welcome.2")  # what the trigger dispatcher sends as
    later = select_audience(ws, occurrence, AS_OF, POLICY)
    assert [r["contact_id"] for r in later.held_out()] == [r["contact_id"] for r in first.held_out()]
    options = {k: v for k, v in base.options_row().items() if k != "campaign_id"}
    scheduled = define_campaign(  # what the scheduler defines for an occurrence
        ws, "welcome-20261130-0900", segment=SEGMENT_ID, channel="email", template=_template(ws), **options
    )
    assert scheduled.holdout_key == "welcome"
    again = select_audience(ws, scheduled, AS_OF, POLICY)
    assert [r["contact_id"] for r in again.held_out()] == [r["contact_id"] for r in first.held_out()]


@pytest.mark.parametrize("share", [-0.1, 1.0, 2])
def test_a_share_outside_0_to_1_is_refused(ws, share):
    with pytest.raises(WorkbenchError, match="share"):
        define_campaign(ws, "bad", segment=SEGMENT_ID, channel="email", template=_template(ws), holdout=share)


# --- triggered sends -----------------------------------------------------------------------------------


def test_a_triggered_campaign_keeps_each_contact_in_its_group_across_occurrences(tmp_path):
    from tests.send_support import SmtpSink
    from tests.trigger_support import RECENT_CART, T0, WELCOME_TEMPLATE, Clock, contact, event, shop, store
    from workbench.send import SendSettings
    from workbench.triggers import Dispatcher, Watcher, add_trigger
    from workbench.triggers.tables import JOBS

    people = [f"p{i}" for i in range(12)]
    ws = shop(tmp_path / "s.duckdb", [contact(p, p.upper()) for p in people], [])
    ws.save_segment(RECENT_CART)
    template = write_template(tmp_path / "again", WELCOME_TEMPLATE)
    define_campaign(ws, "again", segment="recent_cart", channel="email", template=template, holdout=0.4)
    add_trigger(ws, "again", segment="recent_cart", campaign="again", repeat_after=timedelta(hours=3))
    held = {p for p in people if documented_bucket("again", p) < 0.4}
    assert 0 < len(held) < len(people)
    clock = Clock(T0)
    with SmtpSink() as smtp:
        settings = SendSettings.from_env(smtp.env())
        dispatcher = Dispatcher(ws, runs_dir=tmp_path / "runs", settings=settings)
        watcher = Watcher(ws, clock=clock, dispatcher=dispatcher)
        watcher.tick()
        for hours in (0, 4):  # two stays: the campaign, then its occurrence again.2
            clock.at = T0 + timedelta(hours=hours, seconds=1)
            store(ws, "events", [event(p, "add_to_cart", clock.at) for p in people])
            watcher.tick()
            clock.move(minutes=90)
            watcher.tick()
        reached = [m["To"].split("<")[-1].split("@")[0] for m in smtp.messages]
    assert sorted(reached) == sorted([p for p in people if p not in held] * 2)
    for campaign_id in ("again", "again.2"):
        log = _log(ws, campaign_id)
        assert {c for c, s in log.items() if s == "holdout"} == held, campaign_id
    with ws.connector.reading() as con:
        jobs = con.to_pyarrow(JOBS.unbound()).to_pylist()
    for job in jobs:
        if job["contact_id"] in held:
            assert (job["status"], job["detail"]) == ("excluded", "holdout: counted in the send log, not messaged")
        else:
            assert job["status"] == "sent"


def test_send_command_takes_a_holdout(ws, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from workbench.cli import main
    from workbench.send import get_campaign

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WORKBENCH_OUTBOX", raising=False)
    result = CliRunner().invoke(
        main,
        ["--db", ws.url.url, "send", "--segment", SEGMENT_ID, "--channel", "email", "--template", str(_template(ws)),
         "--campaign", "cli-holdout", "--as-of", AS_OF.isoformat(), "--dry-run", "--holdout", "0.3", "--json"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert get_campaign(ws, "cli-holdout").holdout == 0.3
    rows = Rows.of(ws)
    eligible = [c for c, reason in expected_reasons(rows, "email", max_per_day=1, max_per_week=3).items() if not reason]
    held = [c for c in eligible if documented_bucket("cli-holdout", c) < 0.3]
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["outcome"]["holdout"] == len(held) > 0
    assert summary["outcome"]["dry_run"] == len(eligible) - len(held)
    assert len(list((tmp_path / "outbox").rglob("*.eml"))) == len(eligible) - len(held)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"attribution": "1mo"}, "not months or years"),
        ({"attribution": "soon"}, "attribution window"),
        ({"conversion_where": "{not json"}, "JSON list"),
        ({"conversion_where": '{"property": "amount"}'}, "JSON list"),
    ],
)
def test_results_options_are_checked(ws, options, problem):
    with pytest.raises(WorkbenchError, match=problem):
        define_campaign(ws, "opts", segment=SEGMENT_ID, channel="email", template=_template(ws), **options)


def test_the_global_control_group_is_set_from_the_command_line(tmp_path):
    from click.testing import CliRunner

    from workbench.cli import main
    from workbench.send.holdout import global_control_share

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    run = CliRunner()
    assert run.invoke(main, ["--db", url, "init"]).exit_code == 0
    result = run.invoke(main, ["--db", url, "config", "set", "global_control", "0.05"])
    assert result.exit_code == 0, result.output
    assert global_control_share(Workspace(url)) == 0.05
    assert "global_control = 0.05" in run.invoke(main, ["--db", url, "config", "show"]).output
    for bad in ("1", "-0.1", "5%", "lots"):
        refused = run.invoke(main, ["--db", url, "config", "set", "--", "global_control", bad])
        assert refused.exit_code == 2 and "error: global_control:" in refused.output, bad
    assert global_control_share(Workspace(url)) == 0.05  # nothing written by a refusal
