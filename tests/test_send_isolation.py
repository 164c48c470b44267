"""One recipient's message that cannot be made never stops a send: hostile names and addresses,
templates that would take gigabytes, in real sends, dry runs and triggered sends.

Every message counted is one a real SMTP server (aiosmtpd) received; expected recipients come
from ``tests/send_support.py``'s independent reading of the gate.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.send_support import (
    AS_OF,
    EMAIL_TEMPLATE,
    SEGMENT_ID,
    Rows,
    SmtpSink,
    build_store,
    contact_row,
    copy_store,
    expected_reasons,
    write_template,
)
from tests.trigger_support import REMINDER_TEMPLATE, T0, Clock, campaign, contact, event, shop, store
from workbench.cli import main
from workbench.send import (
    GATE,
    RetryPolicy,
    SendOptions,
    SendPolicy,
    SendSettings,
    TemplateError,
    TemplateLimitError,
    define_campaign,
    load_templates,
    prepare_send,
    write_recipients,
)
from workbench.send.limits import MAX_OUTPUT_CHARS, MAX_RANGE, MAX_STEPS, MAX_VALUE_CHARS
from workbench.send.tables import SEND_LOG
from workbench.store.workspace import Workspace
from workbench.triggers import Dispatcher, Watcher, add_trigger
from workbench.triggers.tables import JOBS

NO_CAPS = SendPolicy(None, None, None)
INJECTED = "victim@evil.example"
# Two contacts sorted among the sample shop's (c_0000001…), so in the middle of the audience: a
# name that would add a Bcc header, and an address that would add a recipient to the envelope.
BAD_NAME, BAD_ADDRESS = "c_0000150x", "c_0000150y"
HOSTILE_CONTACTS = [
    contact_row(BAD_NAME, f"Ewa\r\nBcc: {INJECTED}"),
    contact_row(BAD_ADDRESS, "Olek", email=f"{BAD_ADDRESS}@example.org\r\nRCPT TO:<{INJECTED}>"),
]
REASONS = {
    BAD_NAME: "subject: contains a line break (U+000D)",
    BAD_ADDRESS: "address: contains a line break (U+000D)",
}


@pytest.fixture(scope="module")
def base_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("isolation-base") / "base.duckdb"
    build_store(path).close()
    return path


@pytest.fixture
def ws(base_store, tmp_path) -> Workspace:
    return copy_store(base_store, tmp_path / "w.duckdb")


def with_contacts(ws: Workspace, rows: list[dict]) -> Workspace:
    report = ws.append("contacts", rows)
    assert not report.rejected, report.rejects
    return ws


def recipients_of(ws: Workspace) -> list[str]:
    expected = expected_reasons(Rows.of(ws), "email", max_per_day=None, max_per_week=None)
    return sorted(c for c, reason in expected.items() if reason is None)


def settings_for(sink: SmtpSink) -> SendSettings:
    return SendSettings.from_env(sink.env())


def headers_of(message) -> str:
    return "\n".join(f"{name}: {value}" for name, value in message.items())


# --- a hostile name or address in the middle of the audience ------------------------------------------


def test_a_line_break_in_a_name_or_address_fails_that_contact_alone_and_a_rerun_sends_nothing_new(ws, tmp_path):
    with_contacts(ws, HOSTILE_CONTACTS)
    recipients = recipients_of(ws)
    assert set(REASONS) < set(recipients) and 5 < recipients.index(BAD_NAME) < len(recipients) - 5
    address = {c: Rows.of(ws).contact(c)["email"] for c in recipients}
    good = [c for c in recipients if c not in REASONS]
    template = write_template(tmp_path / "tpl", EMAIL_TEMPLATE)
    runs = tmp_path / "runs"
    send = ["--db", ws.url.url, "send", "--segment", SEGMENT_ID, "--channel", "email", "--template", str(template),
            "--campaign", "hostile", "--as-of", AS_OF.isoformat(), "--batch-size", "4", "--max-per-day", "0",
            "--max-per-week", "0", "--runs-dir", str(runs)]  # fmt: skip

    with SmtpSink() as sink:
        first = CliRunner().invoke(main, send, env=sink.env(), catch_exceptions=False)
        assert first.exit_code == 0, first.output
        # every other recipient got exactly one message, before and after the bad ones
        assert Counter(sink.recipients) == Counter(address[c] for c in good)
        assert INJECTED not in sink.recipients
        assert not any(INJECTED in headers_of(m) for m in sink.messages)
        assert f"sent: {len(good)}" in first.output and "failed: 2" in first.output

        again = CliRunner().invoke(main, send, env=sink.env(), catch_exceptions=False)
        assert again.exit_code == 0, again.output
        assert len(sink.messages) == len(good)  # nothing new, and no stop at the same contact
        assert f"excluded (already_sent): {len(good)}" in again.output
        assert "excluded (failed_earlier): 2" in again.output

    # the send log, the journal and the audit record hold the failures with their reasons
    log = {r["contact_id"]: r for r in ws.table(SEND_LOG.name).to_pylist()}
    assert {c: (log[c]["status"], log[c]["reason"], log[c]["attempts"]) for c in REASONS} == {
        c: ("failed", reason, 0) for c, reason in REASONS.items()
    }
    assert sorted(c for c, r in log.items() if r["status"] == "sent") == good
    first_run = sorted(runs.glob("hostile/*.recipients.parquet"))[0]
    listed = {r["contact_id"]: r for r in pq.read_table(first_run).to_pylist()}
    assert {c: (listed[c]["status"], listed[c]["failure_reason"]) for c in REASONS} == {
        c: ("failed", reason) for c, reason in REASONS.items()
    }
    statuses = Counter(r["status"] for r in listed.values() if r["excluded_reason"] is None)
    assert statuses == Counter({"sent": len(good), "failed": 2})  # recipients = sent + failed
    assert len(listed) == len(recipients) + sum(r["excluded_reason"] is not None for r in listed.values())
    journal = first_run.with_name(first_run.name.replace(".recipients.parquet", ".journal.jsonl"))
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert {line["contact_id"]: line["reason"] for line in lines if line["status"] == "failed"} == REASONS


def test_the_first_recipients_values_breaking_the_template_stop_neither_the_previews_nor_the_send(ws, tmp_path):
    """The send notebook previews its first recipients before sending: a message that cannot be
    made for one of them is shown with its reason there, and that recipient fails alone."""
    first = "c_0000000a"  # before every contact of the sample shop
    with_contacts(ws, [contact_row(first, "Ala")])
    recipients = recipients_of(ws)
    assert recipients[0] == first
    breaks_for_first = "{% if contact.contact_id == '" + first + "' %}{{ 1 // 0 }}{% endif %}"
    template = write_template(
        tmp_path / "tpl", {**EMAIL_TEMPLATE, "body.txt": breaks_for_first + EMAIL_TEMPLATE["body.txt"]}
    )
    send = ["--db", ws.url.url, "send", "--segment", SEGMENT_ID, "--channel", "email", "--template", str(template),
            "--campaign", "first-breaks", "--as-of", AS_OF.isoformat(), "--max-per-day", "0",
            "--max-per-week", "0", "--runs-dir", str(tmp_path / "runs")]  # fmt: skip
    with SmtpSink() as sink:
        result = CliRunner().invoke(main, send, env=sink.env(), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert len(sink.messages) == len(recipients) - 1
    log = {r["contact_id"]: r for r in ws.table(SEND_LOG.name).to_pylist()}
    assert (log[first]["status"], log[first]["reason"]) == (
        "failed",
        "template: part 'text': ZeroDivisionError: integer division or modulo by zero",
    )
    assert f"sent: {len(recipients) - 1}" in result.output and "failed: 1" in result.output

    campaign = define_campaign(ws, "first-breaks-preview", segment=SEGMENT_ID, channel="email", template=template)
    plan = prepare_send(ws, campaign, as_of=AS_OF, policy=NO_CAPS)
    previews = plan.previews(3)
    assert previews[0] == {
        "contact_id": first,
        "to": Rows.of(ws).contact(first)["email"],
        "error": "template: part 'text': ZeroDivisionError: integer division or modulo by zero",
    }
    assert all("error" not in p and "Cześć" in p["text"] for p in previews[1:])


def test_a_dry_run_reports_the_contacts_whose_messages_cannot_be_written_and_writes_the_others(ws, tmp_path):
    with_contacts(ws, HOSTILE_CONTACTS)
    recipients = recipients_of(ws)
    campaign = define_campaign(
        ws, "dry", segment=SEGMENT_ID, channel="email", template=write_template(tmp_path / "t", EMAIL_TEMPLATE)
    )
    settings = SendSettings.from_env({"WORKBENCH_MAIL_FROM": "news@shop.example"})
    plan = prepare_send(ws, campaign, as_of=AS_OF, policy=NO_CAPS, dry_run=True, settings=settings)
    report = plan.execute(SendOptions(batch_size=4, progress=False), outbox=tmp_path / "outbox")

    summary = report.summary()
    assert (summary["sent"], summary["failed"], summary["not_attempted"]) == (len(recipients) - 2, 2, 0)
    assert dict(zip(report.failures().contact_id, report.failures().reason, strict=True)) == REASONS
    written = sorted(p.stem for p in (tmp_path / "outbox" / "dry").glob("*.eml"))
    assert written == [c for c in recipients if c not in REASONS]
    listed = write_recipients(tmp_path / "dry.parquet", plan.audience, report).to_pylist()
    outcome = {r["contact_id"]: (r["status"], r["failure_reason"]) for r in listed if r["excluded_reason"] is None}
    assert {c: outcome.pop(c) for c in REASONS} == {c: ("failed", reason) for c, reason in REASONS.items()}
    assert set(outcome.values()) == {("dry_run", None)}
    assert ws.table(SEND_LOG.name).num_rows == 0  # a dry run records nothing


# --- templates that would take gigabytes -----------------------------------------------------------------

ONLY_FOR = "{%% if contact.contact_id == '%s' %%}%s{%% endif %%}"
HUNGRY = {
    "c_0000150a": ("{{ 'x' * 10**9 }}", "'*' would make a value of 1,000,000,000 characters; the limit is 1,000,000"),
    "c_0000150b": ("{{ range(10**9) | list }}", "range() of 1,000,000,000 numbers; the limit is 10,000"),
    "c_0000150c": ("{{ contact.first_name | center(10**9) }}", "the center filter would make a value of 1,000,000,000"),
}


def test_a_template_going_past_its_limits_for_some_recipients_fails_them_quickly_and_sends_the_rest(ws, tmp_path):
    with_contacts(ws, [contact_row(c, "Ala") for c in HUNGRY])
    recipients = recipients_of(ws)
    text = "".join(ONLY_FOR % (contact_id, expression) for contact_id, (expression, _) in HUNGRY.items())
    template = write_template(tmp_path / "t", {**EMAIL_TEMPLATE, "body.txt": text + EMAIL_TEMPLATE["body.txt"]})
    campaign = define_campaign(ws, "hungry", segment=SEGMENT_ID, channel="email", template=template)

    with SmtpSink() as sink:
        plan = prepare_send(ws, campaign, as_of=AS_OF, policy=NO_CAPS, settings=settings_for(sink))
        rows = {r["contact_id"]: r for r in plan.audience.recipients()}
        for contact_id, (_, reason) in HUNGRY.items():
            started = time.monotonic()
            with pytest.raises(TemplateLimitError, match=re.escape(f"part 'text': {reason}")):
                plan.composer.compose(rows[contact_id])
            assert time.monotonic() - started < 1.0
        tracemalloc.start()
        try:
            report = plan.execute(SendOptions(batch_size=5, progress=False), journal=tmp_path / "j.jsonl")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert peak < 200_000_000  # the send's Python objects, not a gigabyte string
    failed = {c: d.reason for c, d in report.outcomes.items() if d.status == "failed"}
    assert set(failed) == set(HUNGRY)
    for contact_id, (_, reason) in HUNGRY.items():
        assert failed[contact_id].startswith(f"template: part 'text': {reason}")
    good = [c for c in recipients if c not in HUNGRY]
    assert len(sink.messages) == len(good) == report.summary()["sent"]
    assert sorted(m["Message-ID"] for m in sink.messages) == sorted(f"<wb.hungry.{c}@shop.example>" for c in good)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("{{ 'x' * 10**9 }}", "'*' would make a value of 1,000,000,000 characters"),
        ("{{ range(10**9) | list }}", "range() of 1,000,000,000 numbers"),
        ("{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}", "more than 1,000,000 steps"),
    ],
    ids=["repeat", "range", "nested-loops"],
)
def test_a_template_past_its_limits_whoever_the_recipient_is_refused_before_anything_is_sent(
    ws, tmp_path, expression, reason
):
    template = write_template(tmp_path / "t", {**EMAIL_TEMPLATE, "subject.txt": expression})
    runs = tmp_path / "runs"
    result = CliRunner().invoke(
        main,
        ["--db", ws.url.url, "send", "--segment", SEGMENT_ID, "--channel", "email", "--template", str(template),
         "--campaign", "greedy", "--runs-dir", str(runs)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "goes past the rendering limits whoever the recipient; nothing was sent" in result.output
    assert f"subject: {reason}" in result.output
    assert not runs.exists() and ws.table(SEND_LOG.name).num_rows == 0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{{ 'x' * 10**9 }}", f"'*' would make a value of 1,000,000,000 characters; the limit is {MAX_VALUE_CHARS:,}"),
        ("{{ [contact.first_name] * 10**7 }}", "'*' would make a value of 50,000,000 characters"),
        ("{{ 'ab' ~ contact.first_name * 600000 }}", "'*' would make a value of 2,400,000 characters"),
        ("{% set a = 'x' * 600000 %}{{ a ~ a }}", "'~' would make a value of 1,200,000 characters"),
        ("{{ 7 ** (10**6) }}", "'**' would make a number of 1,000,000 digits; the limit is 4,300"),
        ("{{ '%0999999999d' % 1 }}", "'%' would make a value of 1,000,000,342 characters"),
        ("{{ '{:>999999999}'.format(1) }}", "format() would make a value of 1,000,000,344 characters"),
        ("{{ 'x'.ljust(10**9) }}", "ljust() would make a value of 1,000,000,000 characters"),
        ("{{ ('x' * 900000) | replace('x', 'yy') }}", "the replace filter would make a value of 1,800,000 characters"),
        ("{{ contact.first_name | indent(10**9) }}", "the indent filter would make a value of 1,000,000,004"),
        ("{{ 'ab' | wordwrap(1, wrapstring='x' * 900000) }}", "the wordwrap filter would make a value of"),
        ("{{ range(10**9) | list }}", f"range() of 1,000,000,000 numbers; the limit is {MAX_RANGE:,}"),
        (
            "{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}",
            f"more than {MAX_STEPS:,} steps",
        ),
        ("{% macro deep(n) %}{% for i in range(9999) %}{{ deep(n) }}{% endfor %}{% endmacro %}{{ deep(1) }}", "steps"),
        (
            "{% for i in range(9999) %}{% set s = 'x' * 999999 %}{% endfor %}",
            "more than 20,000,000 characters of values built",
        ),
        ("{% for i in range(1002) %}{{ 'x' * 999 }}{% endfor %}", f"renders more than {MAX_OUTPUT_CHARS:,} characters"),
        ("{{ [contact.first_name * 200000] * 9 }}", "'*' would make a value of 7,200,009 characters"),
        (
            "{% set big %}{% for i in range(9999) %}{{ 'x' * 99999 }}{% endfor %}{% endset %}",
            "characters of values built",
        ),
    ],
)
def test_rendering_limits_fail_the_message_with_a_reason_that_names_the_part_and_the_limit(tmp_path, text, problem):
    templates = load_templates(write_template(tmp_path / "t", {"text.txt": text}), "sms")
    started = time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(TemplateLimitError) as caught:
            templates.render({"contact": {"first_name": "Jana"}})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(caught.value).startswith("part 'text': ") and problem in str(caught.value)
    assert time.monotonic() - started < 10 and peak < 100_000_000


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("{% for i in range(3) %}{{ i }}{% endfor %}", "012"),
        ("{{ ', '.join(contact.tags) }} / {{ contact.tags | join('-') }}", "a, b / a-b"),
        ("{{ '%s has %d' % (contact.first_name, 2) }} {{ '{:>5}'.format('x') }}", "Jana has 2     x"),
        ("{{ contact.first_name ~ '!' * 3 }} {{ 2 ** 10 }} {{ [1] * 3 }}", "Jana!!! 1024 [1, 1, 1]"),
        ("{% for t in contact.tags %}{{ t | upper }}{% else %}none{% endfor %}", "AB"),
        ("{{ range(5) | map('string') | join }}", "01234"),
    ],
)
def test_ordinary_templates_render_as_before(tmp_path, text, rendered):
    templates = load_templates(write_template(tmp_path / "t", {"text.txt": text}), "sms")
    templates.check({"contact": {"first_name": None, "tags": None}})  # range and the like are known names
    assert templates.render({"contact": {"first_name": "Jana", "tags": ["a", "b"]}}) == {"text": rendered}


def test_an_error_other_than_a_template_error_also_fails_only_its_part(tmp_path):
    templates = load_templates(write_template(tmp_path / "t", {"text.txt": "{{ 10 / contact.count }}"}), "sms")
    with pytest.raises(TemplateError, match=re.escape("part 'text': ZeroDivisionError: division by zero")):
        templates.render({"contact": {"count": 0}})


# --- triggered sends ---------------------------------------------------------------------------------------

RECENT_CART = {"version": 1, "id": "recent_cart", "name": "Carted in the last hour",
               "rule": {"event": "add_to_cart", "window": {"last": "1h"}}}  # fmt: skip


def test_a_triggered_send_fails_the_contact_with_a_line_break_and_sends_to_the_others(tmp_path):
    people = [contact("ala", "Ala"), contact("bea", f"Bea\r\nBcc: {INJECTED}"), contact("cel", "Cel")]
    ws = shop(tmp_path / "s.duckdb", people, [])
    ws.save_segment(RECENT_CART)
    campaign(ws, tmp_path, "nudge", "recent_cart", REMINDER_TEMPLATE)
    add_trigger(ws, "nudge", segment="recent_cart", campaign="nudge")
    clock = Clock(T0)
    with SmtpSink() as sink:
        dispatcher = Dispatcher(ws, runs_dir=tmp_path / "runs", settings=settings_for(sink))
        watcher = Watcher(ws, clock=clock, dispatcher=dispatcher)
        watcher.tick()
        store(ws, "events", [event(c["contact_id"], "add_to_cart", clock.move(seconds=1)) for c in people])
        assert watcher.tick().jobs == Counter({"sent": 2, "failed": 1})
        for _ in range(3):  # later rounds neither stop nor send again
            clock.move(minutes=10)
            watcher.tick()
        assert sorted(sink.recipients) == ["ala@example.org", "cel@example.org"]
        assert not any(INJECTED in headers_of(m) for m in sink.messages)
    with ws.connector.reading() as con:
        jobs = {j["contact_id"]: j for j in con.to_pyarrow(JOBS.unbound()).to_pylist()}
    assert (jobs["bea"]["status"], jobs["bea"]["detail"]) == ("failed", "subject: contains a line break (U+000D)")
    assert {jobs[c]["status"] for c in ("ala", "cel")} == {"sent"}


# --- any text in the fields a template uses ------------------------------------------------------------------

HOSTILE_PIECES = [
    "\r",
    "\n",
    "\r\n",
    "\x00",
    "\x1b",
    "\u2028",
    "\x85",
    "\t",
    "Bcc: x@evil.example",
    "{{ 1 }}",
    "ż",
    "🎉",
]
text_values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=5)), max_size=8).map("".join),
    st.sampled_from([998, 999, 5_000, MAX_OUTPUT_CHARS + 1]).map(lambda n: "ż" * n),
)
addresses = st.sampled_from(
    [
        "{id}@example.org",
        "{id}@example.org\r\nBcc: x@evil.example",
        "{id}\x00@example.org",
        "żółw.{id}@example.org",
        " ",
    ]
)
PROPERTY_TEMPLATE = {
    "subject.txt": "{{ contact.first_name or 'Kliencie' }}, oferta w {{ contact.city }}",
    "body.html": "<p>Cześć {{ contact.first_name }} {{ contact.last_name }} z {{ contact.city }}!</p>",
    "body.txt": "Cześć {{ contact.first_name }}! {{ contact.city | upper }}",
}
PROPERTY_SEGMENT = {
    "version": 1,
    "id": "poles",
    "name": "In Poland",
    "rule": {"attribute": "country", "op": "eq", "value": "PL"},
}


@pytest.fixture(scope="module")
def property_sink():
    with SmtpSink() as sink:
        yield sink


def property_contact(index: int, first_name: str | None, last_name: str | None, city: str | None, address: str) -> dict:
    contact_id = f"p{index}"
    created = datetime(2026, 1, 5, tzinfo=UTC)
    return {"contact_id": contact_id, "email": address.format(id=contact_id), "first_name": first_name,
            "last_name": last_name, "city": city, "country": "PL", "email_consent": True,
            "created_at": created, "updated_at": created}  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(st.tuples(text_values, text_values, text_values, addresses), min_size=1, max_size=5))
def test_any_text_in_a_templates_fields_is_sent_or_fails_with_a_reason_and_the_counts_add_up(
    property_sink, people, tmp_path_factory
):
    sink = property_sink
    with tempfile.TemporaryDirectory(dir=tmp_path_factory.getbasetemp()) as folder:
        ws = Workspace(f"duckdb://{Path(folder) / 's.duckdb'}")
        ws.init()
        report = ws.append("contacts", [property_contact(i, *values) for i, values in enumerate(people)])
        stored = {c["contact_id"] for c in ws.table("contacts").to_pylist()}
        assert len(stored) == report.stored  # whatever the importer refused is not part of the send
        ws.save_segment(PROPERTY_SEGMENT)
        template = write_template(Path(folder) / "t", PROPERTY_TEMPLATE)
        define_campaign(ws, "anything", segment="poles", channel="email", template=template)
        before = len(sink.messages)

        plan = prepare_send(ws, "anything", as_of=AS_OF, policy=NO_CAPS, settings=settings_for(sink))
        options = SendOptions(batch_size=2, progress=False, retry=RetryPolicy(attempts=2, first_delay=0.01))
        result = plan.execute(options, journal=Path(folder) / "j.jsonl")

        counts, summary = plan.audience.counts(), result.summary()
        assert counts["members"] == len(stored) == counts["recipients"] + sum(counts[r] for r in GATE)
        assert summary["stopped"] is None and summary["not_attempted"] == 0
        assert summary["sent"] + summary["failed"] == counts["recipients"]
        assert all(d.reason for d in result.outcomes.values() if d.status == "failed")
        sent = sorted(c for c, d in result.outcomes.items() if d.status == "sent")
        received = sorted(m["Message-ID"] for m in sink.messages[before:])
        assert received == sorted(f"<wb.anything.{c}@shop.example>" for c in sent)  # one message each, no more
        log = {r["contact_id"]: r["status"] for r in ws.table(SEND_LOG.name).to_pylist()}
        assert log == {c: d.status for c, d in result.outcomes.items()}
        ws.close()
