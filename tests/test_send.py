"""Campaign sends against real servers: SMTP (aiosmtpd), an HTTP provider, papermill.

Expected recipients are computed independently in ``tests/send_support.py`` from the
contacts and events rows (the segment by the reference evaluation, the gate in plain Python).
"""

from __future__ import annotations

import email
import email.policy
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import nbformat
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from tests.send_support import (
    AS_OF,
    EMAIL_TEMPLATE,
    HAND_MADE,
    PUSH_TEMPLATE,
    SEGMENT_ID,
    SMS_TEMPLATE,
    ProviderServer,
    RecordingTransport,
    Rows,
    SmtpSink,
    build_store,
    copy_store,
    expected_reasons,
    make_certificate,
    write_template,
)
from workbench.cli import main
from workbench.send import (
    GATE,
    FunctionTracker,
    QuietHours,
    RetryPolicy,
    Scheduler,
    SendOptions,
    SendPolicy,
    TemplateError,
    add_schedule,
    current_tracker,
    define_campaign,
    list_schedules,
    load_templates,
    prepare_send,
    select_audience,
    use_tracker,
)
from workbench.send.tables import SCHEDULE_FIRINGS, SEND_LOG, SEND_RUNS
from workbench.send.tracking import track_text
from workbench.store.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
CAPS = {"max_per_day": 1, "max_per_week": 3}


@pytest.fixture(scope="module")
def base_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("send-base") / "base.duckdb"
    build_store(path).close()
    return path


@pytest.fixture
def ws(base_store, tmp_path) -> Workspace:
    return copy_store(base_store, tmp_path / "w.duckdb")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


def sent_events(ws: Workspace, campaign_id: str, name: str) -> list[str]:
    events = ws.table("events")
    mask = pc.and_(pc.equal(events["campaign_id"], campaign_id), pc.equal(events["name"], name))
    return sorted(events.filter(mask).column("contact_id").to_pylist())


def notebook_text(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


# --- email, end to end through the CLI and the notebook ---------------------------------------------


def test_email_end_to_end_through_the_send_notebook(ws, tmp_path, certificate, monkeypatch):
    rows = Rows.of(ws)
    expected = expected_reasons(rows, "email", **CAPS)
    recipients = sorted(c for c, r in expected.items() if r is None)
    excluded = {c: r for c, r in expected.items() if r is not None}
    assert len(recipients) >= 10 and len(set(excluded.values())) >= 4  # a meaningful mix
    template = write_template(tmp_path / "tpl", EMAIL_TEMPLATE)
    runs = tmp_path / "runs"
    batch = 8

    with SmtpSink(certificate=certificate, require_login=True) as sink:
        env = sink.env(ca_file=certificate[0])
        result = CliRunner().invoke(
            main,
            [
                "--db", ws.url.url, "send", "--segment", SEGMENT_ID, "--channel", "email",
                "--template", str(template), "--campaign", "nov-email", "--as-of", AS_OF.isoformat(),
                "--batch-size", str(batch), "--max-per-day", "1", "--max-per-week", "3", "--runs-dir", str(runs),
            ],
            env=env,
            catch_exceptions=False,
        )  # fmt: skip
        assert result.exit_code == 0, result.output

        # exactly one message per eligible member, and nobody else
        by_address = Counter(sink.recipients)
        address_of = {c: rows.contact(c)["email"] for c in recipients}
        assert sorted(by_address) == sorted(address_of.values())
        assert set(by_address.values()) == {1}
        # one TLS connection with a login per batch
        assert len(sink.connections) == math.ceil(len(recipients) / batch)
        assert len(sink.logins) == len(sink.connections) and sink.tls_sessions == len(recipients)

        # personalisation and headers, checked against the rows
        contact_of = {v: k for k, v in address_of.items()}
        for message in sink.messages:
            contact_id = contact_of[message["To"].addresses[0].addr_spec]
            contact = rows.contact(contact_id)
            purchases = sum(
                1
                for e in rows.events
                if e["name"] == "purchase" and e["contact_id"] == contact_id and AS_OF - timedelta(days=90) < e["ts"]
                and e["ts"] <= AS_OF
            )  # fmt: skip
            assert message["Subject"] == f"{contact['first_name'] or 'Kliencie'}, {purchases} zakupów w 90 dni"
            assert message["From"] == "Sklep Testowy <news@shop.example>"
            assert message["Message-ID"] == f"<wb.nov-email.{contact_id}@shop.example>"
            unsubscribe = message["List-Unsubscribe"]
            assert f"<https://shop.example/unsubscribe?c=nov-email&u={contact_id}>" in unsubscribe
            assert "<mailto:news@shop.example?subject=unsubscribe" in unsubscribe
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            html = message.get_body(("html",)).get_content()
            text = message.get_body(("plain",)).get_content()
            assert f"Cześć {contact['first_name']} z {contact['city']}!" in html
            assert f'href="https://shop.example/oferta?k={contact_id}&amp;z=1"' in html  # no tracker: untouched
            assert text.startswith(f"Cześć {contact['first_name']}!")

    # the audit record: the executed notebook and the recipient list beside it
    notebooks = list((runs / "nov-email").glob("*.ipynb"))
    assert len(notebooks) == 1
    nb = nbformat.read(notebooks[0], as_version=4)
    assert nb.metadata.papermill.parameters["as_of"] == AS_OF.isoformat()
    text = notebook_text(notebooks[0])
    assert f"as of:     {AS_OF.isoformat()}" in text
    assert 'FROM "contacts"' in text and "CASE" in text  # the segment's and the gate's SQL
    counts = Counter(expected.values())
    for reason in GATE:
        assert f"\n{reason}: {counts.get(reason, 0)}\n" in text
    assert f"\nrecipients: {len(recipients)}\n" in text
    assert f"sent: {len(recipients)}" in text
    listed = pq.read_table(notebooks[0].with_suffix(".recipients.parquet")).to_pylist()
    assert {r["contact_id"]: r["excluded_reason"] for r in listed} == expected
    assert sorted(r["contact_id"] for r in listed if r["status"] == "sent") == recipients
    # preview = sent + excluded, to the contact
    assert len(rows.members()) == len(sink.messages) + len(excluded)
    # every message is a messaging event that segments can use
    assert sent_events(ws, "nov-email", "email_sent") == recipients

    # a re-run sends nothing more: everyone is "already sent"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with SmtpSink(certificate=certificate, require_login=True) as again:
        for key, value in again.env(ca_file=certificate[0]).items():
            monkeypatch.setenv(key, value)
        plan = prepare_send(ws, "nov-email", as_of=AS_OF, policy=SendPolicy(1, 3, None))
        report = plan.execute(SendOptions(progress=False), journal=tmp_path / "again.jsonl")
        assert plan.audience.counts()["already_sent"] == len(recipients)
        assert report.summary()["sent"] == 0 and again.messages == []


# --- the gate -------------------------------------------------------------------------------------


def test_a_triggered_send_reads_its_contacts_alone_and_gets_their_reasons_and_values(ws):
    """A trigger names the contacts (those that just entered): the gate and the template
    values are computed from their rows and events alone, and must be what the whole
    segment's send gives each of them, whichever reason it is built to hit."""
    rows = Rows.of(ws)
    campaign = define_campaign(ws, "gate", segment=SEGMENT_ID, channel="email", template=_email_template(ws))
    policy = SendPolicy(1, 3, None)
    whole = select_audience(ws, campaign, AS_OF, policy).rows.to_pylist()
    named = [*sorted(HAND_MADE)[::2], "t_ok_2"]
    triggered = select_audience(ws, campaign, AS_OF, policy, contacts=named)
    got = {r["contact_id"]: r for r in triggered.rows.to_pylist()}
    assert sorted(got) == sorted(set(named))
    expected = expected_reasons(rows, "email", **CAPS)
    assert {c: r["reason"] for c, r in got.items()} == {c: expected[c] for c in got}
    assert got == {r["contact_id"]: r for r in whole if r["contact_id"] in got}  # values too
    assert "wb_scope" in triggered.sql  # only the named contacts were read


def test_a_send_opens_the_store_for_writing_once_between_deliveries_and_never_during_one(ws, tmp_path, monkeypatch):
    """Start and first claim share one write connection, each batch's settling and the next
    claim another, the last settling and the end another; while messages go out no write
    lock is held (other writers, the collector's loader among them, go on)."""
    from workbench.store.connection import Connector

    opened: list[bool] = []
    real_open = Connector._open_duckdb

    def counting(self, read_only):
        opened.append(read_only)
        return real_open(self, read_only)

    template = _email_template(ws)
    for batches in (1, 3):
        campaign = define_campaign(ws, f"writes{batches}", segment=SEGMENT_ID, channel="email", template=template)
        plan = prepare_send(ws, campaign, policy=SendPolicy(None, None, None))
        recipients = plan.audience.recipients()
        channel = RecordingTransport(check=ws.connector._gate.wanted_by_writer)
        opened.clear()
        monkeypatch.setattr(Connector, "_open_duckdb", counting)
        options = SendOptions(batch_size=math.ceil(len(recipients) / batches), progress=False)
        report = plan.execute(options, journal=tmp_path / f"{batches}.jsonl", transport=channel)
        monkeypatch.setattr(Connector, "_open_duckdb", real_open)
        assert len(recipients) >= 10 and report.summary()["sent"] == len(channel.checked) >= 10
        # start + claim; then (settle + next claim) between batches; then settle + finish
        assert opened.count(False) == 1 + batches
        assert not any(channel.checked)  # no write lock during any delivery


def test_every_exclusion_reason_matches_the_hand_computed_one(ws):
    rows = Rows.of(ws)
    campaign = define_campaign(ws, "gate", segment=SEGMENT_ID, channel="email", template=_email_template(ws))
    audience = select_audience(ws, campaign, AS_OF, SendPolicy(1, 3, None))
    got = dict(
        zip(audience.rows.column("contact_id").to_pylist(), audience.rows.column("reason").to_pylist(), strict=True)
    )
    assert got == expected_reasons(rows, "email", **CAPS)
    for contact_id, reason in HAND_MADE.items():
        assert got[contact_id] == reason, contact_id
    counts = audience.counts()
    assert counts["members"] == counts["recipients"] + sum(counts[r] for r in GATE)  # preview = recipients + excluded

    # quiet hours (workspace time zone): every otherwise eligible member waits
    ws.set_timezone("Europe/Warsaw")  # 12:00 UTC is 13:00 in Warsaw
    quiet = select_audience(ws, campaign, AS_OF, SendPolicy(1, 3, QuietHours(time(12, 30), time(14))))
    got_quiet = dict(
        zip(quiet.rows.column("contact_id").to_pylist(), quiet.rows.column("reason").to_pylist(), strict=True)
    )
    assert got_quiet == expected_reasons(rows, "email", **CAPS, in_quiet_hours=True)
    assert quiet.counts()["quiet_hours"] == counts["recipients"] > 0
    outside = select_audience(ws, campaign, AS_OF, SendPolicy(1, 3, QuietHours(time(21), time(12, 30))))
    assert outside.counts()["quiet_hours"] == 0


def _email_template(ws: Workspace) -> Path:
    folder = Path(ws.url.path).parent / "tpl-email"
    return write_template(folder, EMAIL_TEMPLATE)


# --- SMS and push through an HTTP provider -------------------------------------------------------------


@pytest.mark.parametrize("channel", ["sms", "push"])
def test_provider_adapter_retries_5xx_and_records_4xx(ws, tmp_path, monkeypatch, channel):
    rows = Rows.of(ws)
    caps = {"max_per_day": 1, "max_per_week": 2}
    expected = expected_reasons(rows, channel, **caps)
    recipients = sorted(c for c, r in expected.items() if r is None)
    address = {c: rows.contact(c)["phone" if channel == "sms" else "push_token"] for c in recipients}
    unique = [c for c in recipients if list(address.values()).count(address[c]) == 1]  # families share phones
    flaky, refused = unique[0], unique[1]
    template = write_template(tmp_path / "tpl", SMS_TEMPLATE if channel == "sms" else PUSH_TEMPLATE)
    campaign = define_campaign(ws, f"nov-{channel}", segment=SEGMENT_ID, channel=channel, template=template)

    with ProviderServer({address[flaky]: [503, 503, 200], address[refused]: [400]}) as provider:
        monkeypatch.setenv(f"WORKBENCH_{channel.upper()}_URL", provider.url)
        monkeypatch.setenv("WORKBENCH_WEBHOOK_TOKEN", "tok-123")
        plan = prepare_send(ws, campaign, as_of=AS_OF, policy=SendPolicy(1, 2, None))
        options = SendOptions(batch_size=7, retry=RetryPolicy(attempts=4, first_delay=0.01), progress=False)
        report = plan.execute(options, journal=tmp_path / "journal.jsonl")

    by_contact = Counter(r["json"]["contact_id"] for r in provider.requests)
    assert by_contact[flaky] == 3 and by_contact[refused] == 1
    delivered = Counter(r["json"]["contact_id"] for r in provider.requests if r["status"] == 200)
    assert sorted(delivered) == sorted(set(recipients) - {refused}) and set(delivered.values()) == {1}
    for request in provider.requests:
        body = request["json"]
        assert body["to"] == address[body["contact_id"]]
        assert request["headers"]["Authorization"] == "Bearer tok-123"
        assert request["headers"]["Idempotency-Key"] == body["message_id"]
        first_name = rows.contact(body["contact_id"])["first_name"]
        if channel == "sms":
            assert body["text"] == f"{first_name}: -20% dziś https://shop.example/s"
        else:
            assert body["title"] == f"Hej {first_name}"

    log = {r["contact_id"]: r for r in Workspace(ws.url.url).table(SEND_LOG.name).to_pylist()}
    assert log[flaky]["status"] == "sent" and log[flaky]["attempts"] == 3
    assert log[refused]["status"] == "failed" and log[refused]["reason"].startswith("HTTP 400")
    assert report.summary() | {"run_id": None} == {
        "campaign_id": f"nov-{channel}",
        "run_id": None,
        "dry_run": False,
        "planned": len(recipients),
        "sent": len(recipients) - 1,
        "failed": 1,
        "deferred": 0,
        "claimed_elsewhere": 0,
        "holdout": 0,
        "not_attempted": 0,
        "stopped": None,
    }
    assert sent_events(ws, f"nov-{channel}", f"{channel}_sent") == sorted(set(recipients) - {refused})
    again = select_audience(ws, campaign, AS_OF, SendPolicy(1, 2, None))
    assert again.excluded()[refused] == "failed_earlier" and again.counts()["recipients"] == 0


# --- a crash in the middle ------------------------------------------------------------------------------


def test_run_killed_mid_send_then_rerun_sends_exactly_the_rest(ws, tmp_path, monkeypatch):
    rows = Rows.of(ws)
    expected = expected_reasons(rows, "email", max_per_day=None, max_per_week=None)
    recipients = sorted(c for c, r in expected.items() if r is None)
    kill_after = 15  # mid-way through the second batch of 10
    assert len(recipients) > 25
    define_campaign(
        ws, "crash", segment=SEGMENT_ID, channel="email", template=write_template(tmp_path / "t", EMAIL_TEMPLATE)
    )

    process: dict[str, subprocess.Popen] = {}

    def kill_when(count: int) -> None:
        if count == kill_after and "proc" in process:  # the sender asks to send message K+1
            os.kill(process["proc"].pid, signal.SIGKILL)

    with SmtpSink(on_new_message=kill_when) as sink:
        env = {**os.environ, **sink.env()}
        process["proc"] = subprocess.Popen(
            [
                sys.executable, "-m", "tests.send_support", "send", "--db", ws.url.url, "--campaign", "crash",
                "--journal", str(tmp_path / "first.journal.jsonl"), "--batch-size", "10",
            ],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        assert process["proc"].wait(timeout=120) == -signal.SIGKILL
        del process["proc"]
        assert len(sink.messages) == kill_after

        for key, value in sink.env().items():
            monkeypatch.setenv(key, value)
        plan = prepare_send(ws, "crash", as_of=AS_OF, policy=SendPolicy(None, None, None))
        # the first batch was settled; the journal settles the second batch's 5 and releases its other 5
        assert len(plan.recovery.runs) == 1
        assert (plan.recovery.settled, plan.recovery.released) == (5, 5)
        assert plan.audience.counts()["already_sent"] == kill_after
        report = plan.execute(SendOptions(batch_size=10, progress=False), journal=tmp_path / "second.journal.jsonl")

    assert report.summary()["sent"] == len(recipients) - kill_after
    delivered = Counter(sink.recipients)
    assert set(delivered.values()) == {1}  # no duplicates
    assert sorted(delivered) == sorted(rows.contact(c)["email"] for c in recipients)  # no misses
    log = ws.table(SEND_LOG.name).to_pylist()
    assert sorted(r["contact_id"] for r in log if r["status"] == "sent") == recipients
    assert sent_events(ws, "crash", "email_sent") == recipients


# --- templates ------------------------------------------------------------------------------------------


def test_unknown_variable_is_refused_before_anything_is_sent(ws, tmp_path):
    bad = write_template(tmp_path / "bad", {**EMAIL_TEMPLATE, "subject.txt": "Hej {{ contact.frist_name }}"})
    runs = tmp_path / "runs"
    result = CliRunner().invoke(
        main,
        ["--db", ws.url.url, "send", "--segment", SEGMENT_ID, "--channel", "email", "--template", str(bad),
         "--campaign", "bad", "--runs-dir", str(runs)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "subject: unknown variable 'contact.frist_name' (did you mean 'contact.first_name'?)" in result.output
    assert "nothing was sent" in result.output
    assert not runs.exists() and ws.table(SEND_LOG.name).num_rows == 0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{{ coupon }}", "unknown variable 'coupon'"),
        (
            "{{ segment.purchase_sum }}",
            "unknown variable 'segment.purchase_sum' (did you mean 'segment.purchase_count'?)",
        ),
        ("{{ campaign.owner }}", "unknown variable 'campaign.owner'"),
        ("{% for t in contact.tags %}{{ t }}{% endfor %}{{ contact.tags[0] }}", None),
        ("{% set n = contact.first_name %}{{ n.upper() }}", None),
    ],
)
def test_template_variables_are_checked_statically(tmp_path, text, problem):
    templates = load_templates(write_template(tmp_path / "t", {"text.txt": text}), "sms")
    variables = {"contact": {"first_name": None, "tags": None}, "segment": {"purchase_count": None}}
    if problem is None:
        templates.check(variables)
    else:
        with pytest.raises(TemplateError, match=re.escape(problem)):
            templates.check(variables)


def test_templates_run_sandboxed(tmp_path):
    templates = load_templates(write_template(tmp_path / "t", {"text.txt": "{{ ''.__class__.__mro__ }}"}), "sms")
    with pytest.raises(TemplateError, match="part 'text'"):
        templates.render({"contact": {}})


# --- tracking and dry runs ------------------------------------------------------------------------------


def test_tracking_hook_rewrites_links_and_adds_the_pixel_in_a_dry_run(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_UNSUBSCRIBE_URL", "https://shop.example/unsubscribe?c={campaign_id}&u={contact_id}")
    monkeypatch.setenv("WORKBENCH_MAIL_FROM", "news@shop.example")
    monkeypatch.setenv("WORKBENCH_TRACKER", "tests.send_support:recording_tracker")  # a factory given the workspace
    campaign = define_campaign(ws, "dry", segment=SEGMENT_ID, channel="email", template=_email_template(ws))
    plan = prepare_send(ws, campaign, as_of=AS_OF, policy=SendPolicy(1, 3, None), dry_run=True)
    report = plan.execute(SendOptions(progress=False), outbox=tmp_path / "outbox")

    files = sorted((tmp_path / "outbox" / "dry").glob("*.eml"))
    assert len(files) == plan.audience.counts()["recipients"] == report.summary()["sent"]
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    contact_id = files[0].stem
    html = message.get_body(("html",)).get_content()
    tracked = f"https://t.example/c/email/dry/{contact_id}?to=https://shop.example/oferta"
    assert f'href="{tracked}?k={contact_id}&amp;z=1"' in html
    assert f'<img src="https://t.example/o/dry/{contact_id}.gif"' in html
    assert f'href="https://shop.example/unsubscribe?c=dry&amp;u={contact_id}"' in html  # never tracked
    assert tracked in message.get_body(("plain",)).get_content()
    # a dry run records nothing
    assert ws.table(SEND_LOG.name).num_rows == 0 and ws.table(SEND_RUNS.name).num_rows == 0
    assert sent_events(ws, "dry", "email_sent") == []


def test_sms_links_are_tracked_as_sms_clicks():
    tracker = FunctionTracker(lambda *a: None, lambda cid, contact, url, channel="email": f"T/{channel}/{url}")
    use_tracker(tracker)
    try:
        assert current_tracker() is tracker
        text = track_text("-20% https://shop.example/s dziś", current_tracker(), "c", "k", frozenset(), "sms")
    finally:
        use_tracker(None)
    assert text == "-20% T/sms/https://shop.example/s dziś"


# --- schedules ------------------------------------------------------------------------------------------


def test_schedule_fires_once_at_its_time_even_with_two_schedulers(ws, tmp_path):
    define_campaign(ws, "weekly", segment=SEGMENT_ID, channel="email", template=_email_template(ws))
    created = datetime(2026, 11, 29, 12, tzinfo=UTC)  # a Sunday
    schedule = add_schedule(ws, "weekly", "0 9 * * MON", "Europe/Warsaw", now=created)  # 08:00 UTC in winter
    now = {"t": datetime(2026, 11, 30, 7, 59, tzinfo=UTC)}
    calls: list[tuple[str, datetime]] = []
    lock = threading.Lock()

    def runner(sched, firing) -> None:
        with lock:
            calls.append((firing.campaign_id, firing.due_at))

    schedulers = [
        Scheduler(Workspace(ws.url.url), runner, clock=lambda: now["t"], max_late=timedelta(hours=1)) for _ in range(2)
    ]

    def tick_all() -> None:
        threads = [threading.Thread(target=s.tick) for s in schedulers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    tick_all()
    assert calls == []  # not yet due
    now["t"] = datetime(2026, 11, 30, 8, 0, 20, tzinfo=UTC)
    tick_all()
    tick_all()
    assert calls == [("weekly-20261130-0900", datetime(2026, 11, 30, 8, tzinfo=UTC))]  # once, by one of the two
    now["t"] = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)  # three hours late: missed, not run
    tick_all()
    now["t"] = datetime(2026, 12, 14, 8, 5, tzinfo=UTC)
    tick_all()
    assert [c for c, _ in calls] == ["weekly-20261130-0900", "weekly-20261214-0900"]
    firings = sorted(ws.table(SCHEDULE_FIRINGS.name).to_pylist(), key=lambda r: r["due_at"])
    assert [(f["due_at"].date().isoformat(), f["status"]) for f in firings] == [
        ("2026-11-30", "done"),
        ("2026-12-07", "missed"),
        ("2026-12-14", "done"),
    ]
    assert schedule.next_due(now["t"]) == datetime(2026, 12, 21, 8, tzinfo=UTC)


def test_schedule_commands(ws, tmp_path):
    runner = CliRunner()
    template = _email_template(ws)
    add = runner.invoke(
        main,
        ["--db", ws.url.url, "schedule", "add", "--campaign", "news", "--segment", SEGMENT_ID, "--channel", "email",
         "--template", str(template), "--cron", "0 9 * * MON", "--tz", "Europe/Warsaw", "--id", "news-monday"],
    )  # fmt: skip
    assert add.exit_code == 0, add.output
    assert add.output.startswith("scheduled news-monday: next at ")
    listed = runner.invoke(main, ["--db", ws.url.url, "schedule", "list", "--json"])
    assert [s["id"] for s in json.loads(listed.output)] == ["news-monday"]
    bad = runner.invoke(main, ["--db", ws.url.url, "schedule", "add", "--campaign", "news", "--cron", "every day"])
    assert bad.exit_code == 1 and "is not a cron expression" in bad.output
    assert runner.invoke(main, ["--db", ws.url.url, "schedule", "remove", "news-monday"]).exit_code == 0
    assert list_schedules(ws) == []
    missing = runner.invoke(main, ["--db", ws.url.url, "schedule", "remove", "news-monday"])
    assert missing.exit_code == 2


def test_sent_email_is_tracked_through_the_collector_end_to_end(ws, tmp_path, certificate, monkeypatch):
    """A workspace with a collector (started with --public-url) tracks sends by default: the
    pixel records email_open, the link records email_click and redirects to the shop."""
    import httpx

    from tests.collector_support import CollectorProcess
    from workbench.collector import wait_for_collected

    collector = CollectorProcess(ws.url.url, tmp_path / "collector.log").start()
    try:
        monkeypatch.setenv("WORKBENCH_UNSUBSCRIBE_URL", "https://shop.example/unsubscribe?u={contact_id}")
        monkeypatch.setenv("WORKBENCH_MAIL_FROM", "news@shop.example")
        monkeypatch.delenv("WORKBENCH_TRACKER", raising=False)
        campaign = define_campaign(ws, "tracked", segment=SEGMENT_ID, channel="email", template=_email_template(ws))
        with SmtpSink(certificate=certificate, require_login=True) as sink:
            for key, value in sink.env(ca_file=certificate[0]).items():
                monkeypatch.setenv(key, value)
            plan = prepare_send(ws, campaign, as_of=AS_OF, policy=SendPolicy(1, 3, None))
            plan.execute(SendOptions(progress=False), journal=tmp_path / "tracked.jsonl")
            message = sink.messages[0]
        html = message.get_body(("html",)).get_content()
        pixel = re.search(r'<img src="([^"]+)"', html).group(1)
        link = re.search(r'<a href="([^"]+)">Oferta', html).group(1)
        assert pixel.startswith(f"{collector.base}/t/o/") and link.startswith(f"{collector.base}/t/c/")
        unsubscribe = re.search(r'<a href="([^"]+)">Wypisz', html).group(1)
        assert unsubscribe.startswith("https://shop.example/unsubscribe")  # never tracked

        assert httpx.get(pixel.replace("&amp;", "&")).headers["content-type"] == "image/gif"
        redirect = httpx.get(link.replace("&amp;", "&"), follow_redirects=False)
        assert redirect.status_code == 302
        assert redirect.headers["location"].startswith("https://shop.example/oferta?k=")
        contact_id = redirect.headers["location"].split("k=", 1)[1].split("&", 1)[0]

        wait_for_collected(ws)  # the collector stores what it answered within a second
        events = [e for e in ws.table("events").to_pylist() if e["campaign_id"] == "tracked"]
        recorded = sorted(e["name"] for e in events if e["contact_id"] == contact_id)
        assert recorded == ["email_click", "email_open", "email_sent"]
    finally:
        collector.stop()


def test_a_dry_run_without_outbox_writes_to_the_callers_outbox_not_the_runs_folder(ws, tmp_path, monkeypatch):
    template = write_template(tmp_path / "tpl", EMAIL_TEMPLATE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WORKBENCH_OUTBOX", raising=False)
    result = CliRunner().invoke(
        main,
        ["--db", ws.url.url, "send", "--segment", SEGMENT_ID, "--channel", "email", "--template", str(template),
         "--campaign", "dry-default", "--as-of", AS_OF.isoformat(), "--dry-run", "--json"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = sorted((tmp_path / "outbox").rglob("*.eml"))
    expected = expected_reasons(Rows.of(ws), "email", **CAPS)
    assert len(written) == sum(reason is None for reason in expected.values()) > 0
    assert not list((tmp_path / "runs").rglob("*.eml"))
