"""The marketers' app without a browser, as ipywidgets' own tests do.

The views' methods are what their buttons call, so most tests call them; some set widget
values and ``click()`` buttons as the browser would. Every number is checked against an
independent computation: ``Workspace.count`` / ``members`` and set operations in Python.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import itertools
import json
import re
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ibis
import nbformat
import pyarrow as pa
import pytest

from tests.network import free_port
from tests.send_support import SmtpSink
from workbench.app import SegmentsApp, open_app, page_opened, preheat
from workbench.app import figures as figures_module
from workbench.app import figures_cache as figures_cache_module
from workbench.app import library_view as library_view_module
from workbench.app import overlap as overlap_module
from workbench.app import recipients as recipients_module
from workbench.app.channels import CHANNELS
from workbench.app.evaluate import Evaluator
from workbench.app.history import size_history
from workbench.app.launch_send import list_templates, template_path
from workbench.app.lists import combine_lists, match_contacts, read_contact_file
from workbench.app.overlap import compute_overlap
from workbench.app.recipients import consent_preview
from workbench.charts import pairwise_heatmap, size_over_time_chart, to_png, to_svg, upset_chart
from workbench.errors import NotFound, WorkbenchError
from workbench.sample import SAMPLE_AS_OF
from workbench.sample.load import load_sample
from workbench.send import Campaign, SendPolicy, get_campaign, list_schedules, prepare_send
from workbench.send.heartbeat import beat
from workbench.send.recipients import CONTACT_REASONS
from workbench.send.tables import CAMPAIGNS, SEND_LOG
from workbench.store.workspace import Workspace
from workbench.widgets import SegmentBuilder

AS_OF = SAMPLE_AS_OF
NOTEBOOK = "voila_apps/segments.ipynb"


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    workspace = Workspace(f"duckdb://{tmp_path_factory.mktemp('app') / 'shop.duckdb'}")
    load_sample(workspace, 800)
    return workspace


@pytest.fixture(scope="module")
def send_ws(ws, tmp_path_factory) -> Workspace:
    """A copy of ``ws`` for ``prepare_send``, which adds the send package's tables to its store."""
    folder = tmp_path_factory.mktemp("sends")
    for part in ws.url.path.parent.glob(ws.url.path.name + "*"):
        shutil.copy(part, folder / part.name)
    return Workspace(f"duckdb://{folder / ws.url.path.name}")


@pytest.fixture(scope="module")
def app(ws) -> Iterator[SegmentsApp]:
    opened = SegmentsApp(ws, as_of=AS_OF)
    opened.library.wait()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def contacts(ws) -> dict[str, dict]:
    return {row["contact_id"]: row for row in ws.table("contacts").to_pylist()}


def reachable(contact: dict, channel: str) -> bool:
    """An address and consent for the channel (the launch preview without the send package)."""
    spec = CHANNELS[channel]
    address = contact[spec.address]
    return bool(address and address.strip() and contact[spec.consent])


SAMPLE_TEMPLATES = {"email": "thank_you", "sms": "flash_sale", "push": "come_back"}


def send_reach(ws: Workspace, segment_id: str, channel: str, as_of: datetime = AS_OF) -> int:
    """Whom ``prepare_send`` reaches with a new campaign on the channel, before frequency caps
    and quiet hours: its members less those its gate excludes for the contact's own reasons;
    with no caps and no quiet hours, exactly its recipients."""
    template = Path("sample_data/templates") / SAMPLE_TEMPLATES[channel]
    campaign = Campaign(f"reach-{segment_id}-{channel}", "Reach", segment_id, channel, str(template))
    no_caps = SendPolicy(max_per_day=None, max_per_week=None, quiet_hours=None)
    counts = prepare_send(ws, campaign, as_of=as_of, dry_run=True, policy=no_caps).audience.counts()
    reach = counts["members"] - sum(counts[reason] for reason in CONTACT_REASONS)
    assert counts["recipients"] == reach
    return reach


def count_queries(ws: Workspace, monkeypatch) -> list[object]:
    """Record every query this thread sends through ``Workspace.query`` (not the background
    work of an app a previous test opened)."""
    sent: list[object] = []
    original = Workspace.query
    mine = threading.current_thread()

    def recording(self, build):
        if threading.current_thread() is mine:
            sent.append(build)
        return original(self, build)

    monkeypatch.setattr(Workspace, "query", recording)
    return sent


def data_url_content(link_html: str) -> bytes:
    match = re.search(r'href="data:[^;]+;base64,([^"]+)"', link_html)
    assert match, link_html
    return base64.b64decode(match.group(1))


# --- overlap -------------------------------------------------------------------------------

OVERLAP_CHOICES = [
    ("vip", "lapsed", "target_city"),
    ("vip", "cross_sell"),
    ("mobile_active", "lapsed", "no_email_opens", "push_ignored", "new_subscribers", "interested"),
]


@pytest.mark.parametrize("chosen", OVERLAP_CHOICES, ids=["-".join(c) for c in OVERLAP_CHOICES])
def test_overlap_matches_set_operations_on_the_members(ws, send_ws, contacts, chosen):
    members = {sid: set(ws.members(sid, AS_OF)) for sid in chosen}
    overlap = compute_overlap(Evaluator.read(ws), chosen, AS_OF)

    # Every exclusive intersection: contacts in exactly these segments.
    everyone = set().union(*members.values())
    expected = {}
    for contact in everyone:
        key = frozenset(sid for sid in chosen if contact in members[sid])
        expected[key] = expected.get(key, 0) + 1
    assert dict(overlap.intersections()) == expected
    assert overlap.union_size == len(everyone)
    for a, b in itertools.product(chosen, repeat=2):
        assert overlap.shared(a, b) == len(members[a] & members[b])
    for sid in chosen:
        assert overlap.size(sid) == len(members[sid]) == ws.count(sid, AS_OF)
        for channel in CHANNELS:
            # never more than address and consent allow; the send gate decides the rest
            assert overlap.reachable(sid, channel) <= sum(reachable(contacts[c], channel) for c in members[sid])
    first = chosen[0]
    for channel in CHANNELS:
        assert overlap.reachable(first, channel) == send_reach(send_ws, first, channel)


def test_overlap_is_one_query_whatever_the_number_of_segments(ws, monkeypatch):
    evaluator = Evaluator.read(ws)
    sent = count_queries(ws, monkeypatch)
    compute_overlap(evaluator, OVERLAP_CHOICES[2], AS_OF)
    assert len(sent) == 1


@pytest.mark.parametrize(
    "chosen",
    [
        pytest.param((), id="none"),
        pytest.param(("vip",), id="one"),
        pytest.param(("vip", "vip"), id="one-twice"),
        pytest.param(tuple(f"s{i}" for i in range(7)), id="seven"),
    ],
)
def test_overlap_takes_two_to_six_segments(ws, chosen):
    with pytest.raises(WorkbenchError, match="Choose 2 to 6 segments"):
        compute_overlap(Evaluator.read(ws), chosen, AS_OF)


def test_the_overlap_view_draws_both_charts_and_the_reach_table(app):
    view = app.overlap
    view.choose(["vip", "lapsed", "target_city"])
    view.compare_button.click()  # as the browser clicks it
    assert view.feedback.kind != "error", view.feedback.text
    assert view.upset.svg.startswith("<svg") and "Lapsed contacts" in view.upset.svg
    assert view.heatmap.svg.startswith("<svg") and "100%" in view.heatmap.svg
    links = view.upset.downloads.value + view.heatmap.downloads.value
    assert data_url_content(links).startswith(b"\x89PNG")  # the first link is the PNG
    assert links.count('download="overlap-target_city-lapsed-vip') == 4  # in the order shown
    table = html.unescape(view.reach.value)
    for name in ("VIP customers", "Lapsed contacts", "Gdańsk"):
        assert name in table


def test_segments_with_the_same_name_are_told_apart_on_the_charts(ws, app):
    ws.save_segment(dataclasses.replace(ws.segment("target_city"), id="gdansk-again"))
    app.segments_changed()
    try:
        app.overlap.choose(["target_city", "gdansk-again"])
        overlap = app.overlap.compare()
        assert overlap is not None and overlap.labels() == {
            "target_city": "Gdańsk (target_city)",
            "gdansk-again": "Gdańsk (gdansk-again)",
        }
        assert "Gdańsk (gdansk-again)" in app.overlap.heatmap.svg
    finally:
        ws.delete_segment("gdansk-again")
        app.segments_changed()


def test_ticking_checkboxes_is_what_compare_reads(app):
    view = app.overlap
    view.choose([])
    view.checkboxes["vip"].value = True
    view.checkboxes["birthday"].value = True
    assert set(view.chosen()) == {"birthday", "vip"}
    result = view.compare()
    assert result is not None and set(result.segment_ids) == {"vip", "birthday"}


def test_the_app_computes_the_same_on_every_backend(backend_url):
    """The overlap, size-over-time, list and CSV-matching queries on DuckDB and PostgreSQL."""
    store = Workspace(backend_url)
    load_sample(store, 300)
    evaluator = Evaluator.read(store)
    chosen = ("vip", "lapsed", "target_city")
    members = {sid: set(store.members(sid, AS_OF)) for sid in chosen}
    overlap = compute_overlap(evaluator, chosen, AS_OF)
    assert overlap.union_size == len(set().union(*members.values()))
    for a, b in itertools.product(chosen, repeat=2):
        assert overlap.shared(a, b) == len(members[a] & members[b])
    for sid in chosen:
        assert overlap.reachable(sid, "email") == send_reach(store, sid, "email")
    everyone = {row["contact_id"]: row for row in store.table("contacts").to_pylist()}
    history = size_history(evaluator, "mobile_active", AS_OF, days=2)
    assert [n for _, n in history.points] == [store.count("mobile_active", t) for t, _ in history.points]
    store.snapshot("vip", "a", AS_OF)
    store.snapshot("target_city", "b", AS_OF)
    assert set(combine_lists(store, "union", "a", "b")) == members["vip"] | members["target_city"]
    assert set(combine_lists(store, "difference", "a", "b")) == members["vip"] - members["target_city"]
    some = sorted(members["vip"])[:2]
    file = read_contact_file(("email\n" + "\n".join(everyone[c]["email"].upper() for c in some) + "\nx@y.z\n").encode())
    match = match_contacts(Evaluator.read(store), file)
    assert (set(match.contact_ids), match.unmatched) == (set(some), ("x@y.z",))


# --- size over time -------------------------------------------------------------------------


def test_size_over_time_is_the_count_at_each_past_day(ws, monkeypatch):
    evaluator = Evaluator.read(ws)
    sent = count_queries(ws, monkeypatch)
    history = size_history(evaluator, "vip", AS_OF)
    assert len(sent) == 1  # 31 evaluations, one query
    assert len(history.points) == 31
    assert history.points[-1][0] == AS_OF
    assert [t for t, _ in history.points] == sorted(t for t, _ in history.points)
    for instant, members in (history.points[0], history.points[13], history.points[-1]):
        assert members == ws.count("vip", instant)


def test_the_size_over_time_view_charts_off_the_ui_thread(app):
    app.library.select("target_city")
    app.library.buttons["Size over time"].click()
    assert app.tabs.selected_index == 3
    history = app.history.wait()
    assert history is not None and history.segment_id == "target_city"
    assert app.history.chart.svg.startswith("<svg") and "Gdańsk: size over time" in app.history.chart.svg
    numbers = data_url_content(app.history.data.value).decode()
    assert numbers.splitlines()[0] == "time,contacts" and len(numbers.splitlines()) == 32


# --- the library ------------------------------------------------------------------------------


def test_the_library_lists_every_segment_with_its_figures_english_and_last_edited(ws, app):
    app.library.wait()
    saved = {s.id: s for s in ws.segments()}
    assert set(app.library.rows) >= set(saved)
    for segment_id in saved:
        assert app.library.rows[segment_id].figures.members == ws.count(segment_id, AS_OF)
    cells = html.unescape(app.library.rows["vip"].cells.value)
    assert f'<span class="wb-size">{ws.count("vip", AS_OF):,}</span>' in cells
    assert "spent more than 1000 PLN on purchase in the last 3 months" in cells
    assert "Spent more than 1000 PLN in the last 3 months." in cells  # the segment's own description
    assert saved["vip"].updated_at.strftime("%Y-%m-%d %H:%M") in cells
    assert "wb-pending" not in cells
    assert "members as of 2026-11-30 12:00 UTC" in app.library.summary.value


@pytest.mark.parametrize("segment_id", ["vip", "lapsed", "target_city", "abandoned_cart"])
def test_the_library_reaches_per_channel_whom_prepare_send_reaches(ws, send_ws, app, contacts, segment_id):
    app.library.wait()
    figures = app.library.rows[segment_id].figures
    members = ws.members(segment_id, AS_OF)
    for channel in CHANNELS:
        assert figures.reach[channel] == send_reach(send_ws, segment_id, channel)
        assert f"{figures.reach[channel]:,}" in app.library.rows[segment_id].cells.value
    # The gate is more than address and consent: the sample's unsubscribes and hard bounces count.
    by_contact = {channel: sum(reachable(contacts[c], channel) for c in members) for channel in CHANNELS}
    assert all(figures.reach[c] <= by_contact[c] for c in CHANNELS)
    if segment_id == "lapsed":
        assert figures.reach["email"] < by_contact["email"]


def test_the_library_trend_is_the_size_each_week(ws, app):
    app.library.wait()
    for segment_id in ("vip", "abandoned_cart", "birthday"):
        trend = app.library.rows[segment_id].figures.trend
        assert [t for t, _ in trend] == [AS_OF - timedelta(weeks=w) for w in (4, 3, 2, 1, 0)]
        assert [n for _, n in trend] == [ws.count(segment_id, t) for t, _ in trend]
        assert "<svg" in app.library.rows[segment_id].cells.value


def test_a_tracked_segments_trend_comes_from_its_membership_history(ws, monkeypatch):
    recorded = {AS_OF - timedelta(weeks=2): 7, AS_OF - timedelta(weeks=1): 8, AS_OF: 9}

    def history(_evaluator, segment_id, instants):
        return [recorded.get(t) if segment_id == "vip" else None for t in instants]

    monkeypatch.setattr(figures_module, "recorded_sizes", history)
    figures = figures_module.library_figures(Evaluator.read(ws), ["vip", "lapsed"], AS_OF)
    vip = dict(figures["vip"].trend)
    assert [vip[t] for t in sorted(recorded)] == [7, 8, 9]  # what the watcher saw, now included
    assert vip[AS_OF - timedelta(weeks=4)] == ws.count("vip", AS_OF - timedelta(weeks=4))
    assert figures["vip"].members == ws.count("vip", AS_OF)  # members now are counted, not recorded
    assert [n for _, n in figures["lapsed"].trend] == [ws.count("lapsed", t) for t, _ in figures["lapsed"].trend]


def test_the_library_counts_in_two_queries_plus_one_per_past_week(ws, monkeypatch):
    monkeypatch.setattr(figures_module, "recorded_sizes", lambda _e, _s, instants: [None] * len(instants))
    sent = count_queries(ws, monkeypatch)
    figures_module.library_figures(Evaluator.read(ws), [s.id for s in ws.segments()], AS_OF)
    assert len(sent) == 1 + figures_module.TREND_WEEKS  # members and reach now, then each past week


@pytest.fixture
def fresh_cache(monkeypatch, tmp_path) -> Path:
    """An empty figures cache, as on a machine where no kernel counted yet."""
    monkeypatch.setattr(figures_cache_module, "cache_dir", lambda: tmp_path)
    return tmp_path


def test_kernels_arriving_together_count_the_library_once(ws, fresh_cache, monkeypatch):
    counted = []
    original = figures_module.library_figures

    def slow_count(*args, **kwargs):
        counted.append(threading.current_thread().name)
        time.sleep(0.5)  # long enough for the others to arrive meanwhile
        return original(*args, **kwargs)

    ids = [s.id for s in ws.segments()]
    results = []

    def kernel() -> None:  # what each page's kernel does (threads stand in for processes: flock is per open file)
        results.append(
            figures_cache_module.shared_figures(ws, ids, AS_OF, lambda: slow_count(Evaluator.read(ws), ids, AS_OF))
        )

    team = [threading.Thread(target=kernel, name=f"kernel-{n}") for n in range(4)]
    for member in team:
        member.start()
    for member in team:
        member.join(120)
    assert len(counted) == 1 and len(results) == 4
    assert all(figures == results[0][0] for figures, _ in results)
    assert results[0][0]["vip"].members == ws.count("vip", AS_OF)


def test_the_shared_figures_follow_the_store(ws, fresh_cache):
    calls = []

    def count():
        calls.append(1)
        return figures_module.library_figures(Evaluator.read(ws), ["vip"], AS_OF)

    first, _ = figures_cache_module.shared_figures(ws, ["vip"], AS_OF, count)
    again, _ = figures_cache_module.shared_figures(ws, ["vip"], AS_OF, count)
    assert len(calls) == 1 and again == first
    ws.save_segment(dataclasses.replace(ws.segment("target_city"), id="bumps-the-library"))
    try:
        figures_cache_module.shared_figures(ws, ["vip"], AS_OF, count)  # the store changed: counted again
        assert len(calls) == 2
        figures_cache_module.shared_figures(ws, ["vip"], AS_OF - timedelta(days=1), count)  # another instant
        assert len(calls) == 3
    finally:
        ws.delete_segment("bumps-the-library")


def test_the_library_shows_its_rows_before_their_figures(ws, fresh_cache, monkeypatch):
    counting = threading.Event()
    release = threading.Event()
    original = library_view_module.library_figures

    def slow(*args, **kwargs):
        counting.set()
        release.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(library_view_module, "library_figures", slow)
    opened = SegmentsApp(ws, as_of=AS_OF)
    try:
        assert counting.wait(30)
        assert set(opened.library.rows) == {s.id for s in ws.segments()}
        assert all("wb-pending" in row.cells.value for row in opened.library.rows.values())
        assert "counting…" in opened.library.summary.value
        release.set()
        opened.library.wait()
        assert not any("wb-pending" in row.cells.value for row in opened.library.rows.values())
    finally:
        release.set()
        opened.close()


def test_a_library_that_cannot_be_counted_says_so_and_keeps_working(ws, fresh_cache, monkeypatch):
    on_fire = threading.Event()
    on_fire.set()
    original = library_view_module.library_figures

    def sometimes_broken(*args, **kwargs):
        if on_fire.is_set():
            raise RuntimeError("the disk is on fire")
        return original(*args, **kwargs)

    monkeypatch.setattr(library_view_module, "library_figures", sometimes_broken)
    opened = SegmentsApp(ws, as_of=AS_OF)
    try:
        opened.library.wait()
        assert "Something went wrong (RuntimeError: the disk is on fire)" in opened.library.feedback.text
        assert all("cannot count" in row.cells.value for row in opened.library.rows.values())
        assert "counting…" not in opened.library.summary.value
        on_fire.clear()  # the disk cooled down: Refresh counts
        opened.library.recount()
        opened.library.wait()
        assert opened.library.rows["vip"].figures.members == ws.count("vip", AS_OF)
    finally:
        opened.close()


def test_only_the_library_is_built_when_the_app_opens(ws):
    opened = SegmentsApp(ws, as_of=AS_OF)
    try:
        placeholders = [place.children[0] for place in opened.tabs.children[1:]]
        assert all(isinstance(p, type(placeholders[0])) and "Opening…" in p.value for p in placeholders)
        opened.tabs.selected_index = 2  # as the browser shows the Overlap tab
        assert opened.tabs.children[2].children == (opened.overlap.widget,)
        assert opened.tabs.children[4].children[0] is placeholders[0]  # the lists tab still waits
        opened.list_view.refresh()  # used from another view: built then
        assert opened.tabs.children[4].children == (opened.list_view.widget,)
    finally:
        opened.close()


def test_a_preheated_page_waits_for_its_visitor_then_counts_again(ws, monkeypatch):
    came = threading.Event()
    monkeypatch.setattr(preheat, "wait_for_visitor", lambda: came.wait(60) and {})
    opened = SegmentsApp(ws, as_of=AS_OF)
    try:
        assert page_opened(opened) is None  # a kernel started for its visitor: nobody to wait for
        monkeypatch.setenv("VOILA_PREHEAT", "True")  # what Voila sets in its pool's kernels
        waiter = page_opened(opened)
        opened.library.wait()
        ws.save_segment(dataclasses.replace(ws.segment("vip"), id="vip-meanwhile"))
        assert "vip-meanwhile" not in opened.library.rows
        came.set()  # the visitor comes
        waiter.join(60)
        opened.library.wait()
        assert opened.library.rows["vip-meanwhile"].figures.members == ws.count("vip", AS_OF)
    finally:
        came.set()
        ws.delete_segment("vip-meanwhile")
        opened.close()


def test_a_page_opened_later_counts_again_what_changed_meanwhile(ws):
    opened = SegmentsApp(ws, as_of=AS_OF)  # as a preheated kernel builds it, before its visitor
    try:
        opened.library.wait()
        assert not opened.page_opened()  # a fixed instant and an unchanged store: nothing to do
        ws.save_segment(dataclasses.replace(ws.segment("vip"), id="vip-later"))  # meanwhile, another page
        assert opened.page_opened()
        opened.library.wait()
        assert opened.library.rows["vip-later"].figures == opened.library.rows["vip"].figures
    finally:
        ws.delete_segment("vip-later")
        opened.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("gdansk", {"target_city"}, id="without-accents"),
        pytest.param("VIP", {"vip"}, id="upper-case"),
        # every word, anywhere: name, id, description, English
        pytest.param("purchase 3 months", {"vip"}, id="words-anywhere"),
        pytest.param("push_ignored", {"push_ignored"}, id="id"),
        pytest.param("no such thing", set(), id="nothing"),
    ],
)
def test_searching_the_library(app, text, expected):
    app.library.search_box.value = text  # as typed in the browser
    assert set(app.library.visible()) == expected
    app.library.search_box.value = ""
    assert len(app.library.visible()) == len(app.library.rows)


def test_duplicate_rename_and_delete(ws, app):
    library = app.library
    library.wait()
    copy = library.duplicate("vip")
    assert copy.id == "vip-copy" and copy.rule == ws.segment("vip").rule
    assert library.rows["vip-copy"].figures == library.rows["vip"].figures
    assert library.selected == "vip-copy"
    library.rename("vip-copy", "Big spenders")
    assert ws.segment("vip-copy").name == "Big spenders"
    assert library.rows["vip-copy"].name.description == "Big spenders"
    assert ("Big spenders (vip-copy)", "vip-copy") in app.segment_options()
    assert "vip-copy" in app.overlap.checkboxes
    library.delete("vip-copy")
    assert "vip-copy" not in {s.id for s in ws.segments()}
    assert "vip-copy" not in library.rows and "vip-copy" not in app.overlap.checkboxes


def test_delete_is_refused_with_the_reason_while_a_segment_uses_it(ws, app):
    ws.save_segment({"id": "vip-in-gdansk", "name": "VIP in Gdańsk", "rule": {"all": [
        {"in_segment": "vip"}, {"attribute": "city", "op": "eq", "value": "Gdańsk"}]}})  # fmt: skip
    app.segments_changed()
    try:
        app.library.select("vip")
        app.library.buttons["Delete…"].click()  # asks first
        assert "This cannot be undone" in app.library.delete_question.value
        app.library.confirm_delete.click()
        assert app.library.feedback.kind == "error"
        assert "'vip' cannot be deleted: segment 'vip-in-gdansk' uses it" in app.library.feedback.text
        assert "vip" in {s.id for s in ws.segments()}
    finally:
        ws.delete_segment("vip-in-gdansk")
        app.segments_changed()


def test_delete_is_refused_while_a_campaign_sends_to_it(ws, app):
    campaigns = pa.table({"campaign_id": ["black-friday"], "segment": ["birthday"], "channel": ["email"]})
    with ws.connector.writing() as con:
        con.create_table(CAMPAIGNS.name, ibis.memtable(campaigns))
    try:
        with pytest.raises(WorkbenchError, match="campaign 'black-friday' sends to it"):
            app.library.delete("birthday")
    finally:
        with ws.connector.writing() as con:
            con.drop_table(CAMPAIGNS.name)


def test_a_segment_saved_in_the_builder_appears_counted_in_the_library(ws, app):
    app.library.new()
    assert app.tabs.selected_index == 1
    builder = app.builder.builder
    assert isinstance(builder, SegmentBuilder)
    builder.set_name("Customers in Kraków")
    path = builder.add_condition("rule", "attribute", field="city")
    builder.set_op(path, "eq")
    builder.set_value(path, "Kraków")
    builder.header.save.click()
    try:
        assert "Saved as 'customers-in-krakow'" in builder.header.message.value.replace("&#x27;", "'")
        app.library.wait()
        row = app.library.rows["customers-in-krakow"]
        assert row.figures.members == ws.count("customers-in-krakow", AS_OF)
        app.library.open("target_city")
        assert app.builder.builder.segment.id == "target_city"
    finally:
        app.library.delete("customers-in-krakow")


# --- static lists ------------------------------------------------------------------------------


def test_snapshot_combine_and_export_lists(ws, app):
    lists = app.list_view
    assert lists.snapshot("vip", "vip-now") == ws.count("vip", AS_OF)
    assert lists.snapshot("target_city", "gdansk-now") == ws.count("target_city", AS_OF)
    vip, gdansk = set(ws.list_members("vip-now")), set(ws.list_members("gdansk-now"))
    assert vip == set(ws.members("vip", AS_OF))
    for operation, expected in (("union", vip | gdansk), ("intersection", vip & gdansk), ("difference", vip - gdansk)):
        assert lists.combine(operation, "vip-now", "gdansk-now", f"combined-{operation}") == len(expected)
        assert set(ws.list_members(f"combined-{operation}")) == expected
    csv_text = lists.export(("list", "vip-now")).decode()
    assert csv_text.splitlines()[0] == "contact_id,email,phone,first_name,last_name,city"
    assert {line.split(",")[0] for line in csv_text.splitlines()[1:]} == vip
    assert data_url_content(lists.export_link.value).decode() == csv_text
    segment_csv = lists.export(("segment", "target_city")).decode()
    assert len(segment_csv.splitlines()) == ws.count("target_city", AS_OF) + 1


def test_list_mistakes_are_messages_and_the_view_keeps_working(app):
    lists = app.list_view
    lists.snapshot_segment.value = "vip"
    for bad_id, message in (("Bad Id!", "cannot be a list id"), ("vip-now-2", None)):
        lists.snapshot_id.value = bad_id
        lists.snapshot_button.click()
        if message:
            assert lists.feedback.kind == "error" and message in lists.feedback.text
        else:
            assert lists.feedback.kind == "info", lists.feedback.text
    lists.snapshot_id.value = "vip-now-2"
    lists.snapshot_button.click()  # the same id again
    assert "already exists" in lists.feedback.text


def test_importing_a_csv_reports_what_did_not_match(ws, app, contacts):
    known = sorted(contacts)[:3]
    emails = [contacts[c]["email"] for c in known if contacts[c]["email"]]
    content = (
        "Email\n" + "\n".join(e.upper() for e in emails) + "\nnobody@example.com\n\n" + emails[0] + "\n"
    ).encode()
    match = app.list_view.import_csv(content, "imported-emails", "emails.csv")
    assert set(match.contact_ids) == {c for c in known if contacts[c]["email"]}
    assert match.unmatched == ("nobody@example.com",)
    assert set(ws.list_members("imported-emails")) == set(match.contact_ids)
    assert "1 did not match any contact (nobody@example.com)" in app.list_view.feedback.text


def test_a_file_matching_nobody_makes_no_list(ws, app):
    with pytest.raises(WorkbenchError, match="None of the 2 values in the file matches a contact"):
        app.list_view.import_csv(b"email\nx@y.z\nq@r.s\n", "nobody")
    assert "nobody" not in {info.list_id for info in ws.lists()}


def test_importing_through_the_upload_widget(ws, app):
    content = b"c_0000001\nc_0000002\nzzz\n"
    # What the browser sends when a file is chosen.
    picked = {"name": "ids.csv", "type": "text/csv", "size": len(content), "content": memoryview(content)}
    app.list_view.upload.set_state({"value": [{**picked, "last_modified": 1_700_000_000_000}]})
    app.list_view.import_id.value = "uploaded-ids"
    app.list_view.import_button.click()
    assert app.list_view.feedback.kind == "info", app.list_view.feedback.text
    assert ws.list_members("uploaded-ids") == ["c_0000001", "c_0000002"]
    assert "1 did not match any contact (zzz)" in app.list_view.feedback.text


@pytest.mark.parametrize(
    ("content", "kind", "values"),
    [
        (b"contact_id;name\nc1;Ann\nc2;Bob\n", "contact_id", ("c1", "c2")),
        (b"\xef\xbb\xbfemail\r\na@b.pl\r\n", "email", ("a@b.pl",)),
        (b"a@b.pl\nc@d.pl\n", "email", ("a@b.pl", "c@d.pl")),
        (b"c1\nc2\nc1\n", "contact_id", ("c1", "c2")),
    ],
    ids=["semicolons-with-header", "bom-crlf", "emails-without-header", "ids-without-header-deduplicated"],
)
def test_reading_contact_files(content, kind, values):
    file = read_contact_file(content)
    assert (file.kind, file.values) == (kind, values)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"name,city\nAnn,Ko\n", "none is headed"), (b"\xff\xfe\x00", "not UTF-8")],
)
def test_unreadable_contact_files_are_explained(content, message):
    with pytest.raises(WorkbenchError, match=message):
        read_contact_file(content)


# --- campaign launch -------------------------------------------------------------------------


@pytest.mark.parametrize("channel", list(CHANNELS))
def test_the_consent_preview_counts_address_and_consent(ws, contacts, channel):
    members = ws.members("vip", AS_OF)
    preview = consent_preview(Evaluator.read(ws), "vip", channel, AS_OF)
    assert preview.members == len(members)
    assert preview.recipients == sum(reachable(contacts[c], channel) for c in members)
    assert preview.members - sum(n for _, n in preview.excluded) == preview.recipients


def test_the_launch_view_previews_recipients_through_the_send_gate_when_installed(ws, app, monkeypatch):
    app.library.select("vip")
    app.library.buttons["Launch campaign"].click()
    assert app.tabs.selected_index == 5 and app.launch.segment.value == "vip"
    app.launch.channel.value = "sms"
    app.launch.preview_button.click()
    gated = app.launch.last
    assert gated is not None and app.launch.feedback.kind != "error", app.launch.feedback.text
    consent_only = consent_preview(Evaluator.read(ws), "vip", "sms", AS_OF)
    assert gated.members == consent_only.members and gated.recipients <= consent_only.recipients
    assert f"{gated.recipients:,} recipient" in app.launch.result.value
    # Without the send package, the preview is the address-and-consent check.
    monkeypatch.setattr(recipients_module, "_send_gate", lambda: None)
    assert app.launch.preview("vip", "sms") == dataclasses.replace(consent_only, as_of=AS_OF)


def test_the_builders_open_list_follows_library_changes(app):
    app.builder.open(None)
    header = app.builder.builder.header
    app.library.duplicate("vip")
    try:
        assert "vip-copy" in {value for _, value in header.open.options}
        app.library.rename("vip-copy", "Big spenders")
        assert ("Big spenders (vip-copy)", "vip-copy") in header.open.options
    finally:
        app.library.delete("vip-copy")
    assert "vip-copy" not in {value for _, value in header.open.options}


# --- campaign launch: sending and scheduling ----------------------------------------------------
# A small store of hand-made contacts; the recipients are computed here from the rows.

LAUNCH_TEMPLATES = {
    "hello": {
        "subject.txt": "Hello {{ contact.first_name }}",
        "body.txt": "Hi {{ contact.first_name }} from {{ contact.city }}",
    },
    "broken": {"subject.txt": "Hello {{ contact.frist_name }}", "body.txt": "Hi"},
    "flash": {"text.txt": "{{ contact.first_name }}: -20% today"},
}


def _small_contact(n: int, city: str, **extra) -> dict:
    created = datetime(2026, 1, 5, tzinfo=UTC)
    row = {
        "contact_id": f"c{n:02d}",
        "email": f"c{n:02d}@example.org",
        "phone": f"+486000000{n:02d}",
        "push_token": None,
        "first_name": f"Name{n}",
        "last_name": "Testowy",
        "city": city,
        "country": "PL",
        "email_consent": True,
        "sms_consent": True,
        "push_consent": False,
        "created_at": created,
        "updated_at": created,
    }
    return row | extra


SMALL_CONTACTS = [
    _small_contact(1, "Testowo"),
    _small_contact(2, "Testowo"),
    _small_contact(3, "Testowo", email=None),
    _small_contact(4, "Testowo", email="   "),
    _small_contact(5, "Testowo", email_consent=False),
    _small_contact(6, "Testowo"),
    _small_contact(7, "Testowo", first_name=None),
    _small_contact(8, "Elsewhere"),
    _small_contact(9, "Elsewhere", email_consent=False),
]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Iterator[tuple[SegmentsApp, Workspace, Path]]:
    opened, ws, folder = open_small(tmp_path_factory.mktemp("launch"))
    yield opened, ws, folder
    opened.close()


def open_small(folder: Path) -> tuple[SegmentsApp, Workspace, Path]:
    """The app over a store of ``SMALL_CONTACTS`` with the segment ``testowo`` and the launch templates."""
    ws = Workspace(f"duckdb://{folder / 'small.duckdb'}")
    ws.init()
    report = ws.append("contacts", SMALL_CONTACTS)
    assert not report.rejected, report.rejects
    ws.save_segment(
        {"id": "testowo", "name": "In Testowo", "rule": {"attribute": "city", "op": "eq", "value": "Testowo"}}
    )
    for name, files in LAUNCH_TEMPLATES.items():
        (folder / "templates" / name).mkdir(parents=True)
        for file, text in files.items():
            (folder / "templates" / name / file).write_text(text)
    opened = SegmentsApp(
        ws, as_of=AS_OF, templates=folder / "templates", runs_dir=folder / "runs", outbox=folder / "outbox"
    )
    return opened, ws, folder


def expected_email_recipients() -> dict[str, str]:
    """contact id -> address: in Testowo, with a non-blank email and email consent."""
    return {
        c["contact_id"]: c["email"]
        for c in SMALL_CONTACTS
        if c["city"] == "Testowo" and (c["email"] or "").strip() and c["email_consent"]
    }


def pick_campaign(view, segment: str, channel: str, template: str, campaign_id: str | None = None) -> None:
    view.segment.value = segment
    view.channel.value = channel
    view.template.value = template
    if campaign_id is not None:
        view.campaign_id.value = campaign_id


def finish(job, seconds: float = 240) -> None:
    assert job.wait(seconds), "the send did not finish"
    assert job.error is None, job.error


def test_templates_are_offered_by_channel_from_the_templates_folder(small):
    app, _ws, _folder = small
    view = app.launch
    assert view.template_options("email") == ["broken", "hello"]
    assert view.template_options("sms") == ["flash"]
    pick_campaign(view, "testowo", "email", "hello")
    assert view.campaign_id.value == "testowo-email-hello"  # as workbench send names it
    view.channel.value = "sms"
    assert view.template.value == "flash" and view.campaign_id.value == "testowo-sms-flash"
    view.campaign_id.value = "my-own-id"
    view.channel.value = "email"
    assert view.campaign_id.value == "my-own-id"  # a typed id stays
    # The shipped samples: one template per channel.
    shipped = {t.name: t.channels for t in list_templates(Path("sample_data/templates"))}
    assert shipped == {"come_back": ("push",), "flash_sale": ("sms",), "thank_you": ("email",)}
    # Only names of the folder's templates and valid ids are accepted.
    view.template.value = "hello"
    for bad_id in ("Bad Id!", "../x", "x" * 101):
        view.campaign_id.value = bad_id
        with pytest.raises(WorkbenchError):
            view.choice()
    with pytest.raises(WorkbenchError, match=r"no template '\.\./hello'"):
        template_path(app.templates, "../hello", "email")
    with pytest.raises(WorkbenchError, match="'flash' is for sms, not email"):
        template_path(app.templates, "flash", "email")
    view.refresh()


def test_a_test_run_writes_the_outbox_and_sends_nothing(small, monkeypatch):
    # Before the real send below, whose messages then count towards the daily frequency cap.
    app, ws, folder = small
    view, sending = app.launch, app.launch.sending
    expected = expected_email_recipients()
    pick_campaign(view, "testowo", "email", "hello", "hello-dry")
    with SmtpSink() as sink:
        for key, value in sink.env().items():
            monkeypatch.setenv(key, value)
        sending.dry_run.value = True
        try:
            assert sending.ask() == len(expected)
            assert "Test run: write 4 messages to the outbox" in sending.question.value
            finish(sending.start())
        finally:
            sending.dry_run.value = False
        assert sink.messages == []
    written = sorted(path.stem for path in (folder / "outbox" / "hello-dry").glob("*.eml"))
    assert written == sorted(expected)
    assert "Test run of hello-dry: 4 messages written to the outbox" in html.unescape(sending.status.value)
    log = ws.table(SEND_LOG.name).to_pylist()
    assert not [row for row in log if row["campaign_id"] == "hello-dry"]


def test_send_now_reaches_the_previewed_recipients_once(small, monkeypatch):
    app, _ws, _folder = small
    view, sending = app.launch, app.launch.sending
    expected = expected_email_recipients()
    assert len(expected) == 4 and len([c for c in SMALL_CONTACTS if c["city"] == "Testowo"]) == 7
    pick_campaign(view, "testowo", "email", "hello", "hello-testowo")
    with SmtpSink() as sink:
        for key, value in sink.env().items():
            monkeypatch.setenv(key, value)
        view.preview_button.click()
        assert view.feedback.kind != "error", view.feedback.text
        assert view.last.members == 7 and view.last.recipients == len(expected)
        assert html.unescape(view.messages.value).count('class="wb-message"') == 3
        assert "Hi Name1 from Testowo" in view.messages.value

        sending.send_button.click()
        assert sending.feedback.kind != "error", sending.feedback.text
        assert "Send to 4 recipients?" in sending.question.value
        sending.confirm_button.click()
        assert sending.feedback.kind != "error", sending.feedback.text
        job = sending.job
        sending.send_button.click()  # a second send while the first runs is refused
        assert sending.feedback.kind == "error" and "A send is running (hello-testowo)" in sending.feedback.text
        finish(job)
        assert sorted(sink.recipients) == sorted(expected.values())
        assert {m["Subject"] for m in sink.messages} == {
            f"Hello {c['first_name'] or ''}".strip() for c in SMALL_CONTACTS if c["contact_id"] in expected
        }
        status = html.unescape(sending.status.value)
        assert "Campaign hello-testowo: sent 4, failed 0." in status
        assert "no address 2" in status and "no consent 1" in status
        assert job.audit_record.exists() and str(job.audit_record) in status

        # Again: the send package's log leaves nobody to send to.
        sending.send_button.click()
        assert "Send to 0 recipients?" in sending.question.value
        assert "already sent" in view.result.value
        sending.confirm_button.click()
        finish(sending.job)
        assert len(sink.messages) == 4
        assert "sent 0, failed 0" in sending.status.value and "already sent 4" in sending.status.value


def test_a_send_with_a_holdout_from_the_app_messages_only_the_rest_and_its_results_show_both(tmp_path, monkeypatch):
    """The marketer's path of issue 19: a holdout in the launch tab, the send, then the results tab."""
    app, ws, _folder = open_small(tmp_path)
    try:
        view, sending = app.launch, app.launch.sending
        expected = expected_email_recipients()
        pick_campaign(view, "testowo", "email", "hello", "hello-holdout")
        view.holdout.value = 50

        def bucket(contact_id: str) -> float:  # docs/sending.md: SHA-256 of "<campaign>\x1f<contact>", 8 bytes
            digest = hashlib.sha256(f"hello-holdout\x1f{contact_id}".encode()).digest()
            return int.from_bytes(digest[:8], "big") / 2**64

        held = {cid for cid in expected if bucket(cid) < 0.5}
        assert 0 < len(held) < len(expected)  # the id is chosen so that both groups have someone
        with SmtpSink() as sink:
            for key, value in sink.env().items():
                monkeypatch.setenv(key, value)
            view.preview_button.click()
            assert view.feedback.kind != "error", view.feedback.text
            assert (view.last.holdout, view.last.recipients) == (len(held), len(expected) - len(held))
            assert "held out: counted, not messaged" in view.result.value
            sending.send_button.click()
            assert f"{len(held)} contact" in sending.question.value and "held out" in sending.question.value
            sending.confirm_button.click()
            assert sending.feedback.kind != "error", sending.feedback.text
            finish(sending.job)
            assert sorted(sink.recipients) == sorted(address for cid, address in expected.items() if cid not in held)
        log = {r["contact_id"]: r["status"] for r in ws.table(SEND_LOG.name).to_pylist()
               if r["campaign_id"] == "hello-holdout"}  # fmt: skip
        assert log == {cid: "holdout" if cid in held else "sent" for cid in expected}
        app.as_of = None  # the send happened now, after the fixed instant the other views use
        results = app._view("Results").show("hello-holdout")
        assert (results.recipients.contacts, results.holdout.contacts) == (len(expected) - len(held), len(held))
        assert "hello-holdout" in app._view("Results").table.value
    finally:
        app.close()


def test_template_and_channel_problems_are_messages(small, monkeypatch):
    app, _ws, _folder = small
    view, sending = app.launch, app.launch.sending
    pick_campaign(view, "testowo", "email", "broken", "broken-one")
    view.preview_button.click()
    assert view.feedback.kind == "error"
    assert "unknown variable 'contact.frist_name' (did you mean 'contact.first_name'?)" in view.feedback.text
    assert view.last.members == 7 and "members of testowo" in view.result.value  # the counts are shown anyway
    sending.send_button.click()
    assert sending.feedback.kind == "error" and "frist_name" in sending.feedback.text
    assert sending.confirm_panel.layout.display == "none"
    with pytest.raises(WorkbenchError, match="Press Send now… first"):
        sending.start()
    # SMS without a provider: refused before anything is stored or sent.
    monkeypatch.delenv("WORKBENCH_SMS_URL", raising=False)
    pick_campaign(view, "testowo", "sms", "flash", "flash-one")
    sending.send_button.click()
    sending.confirm_button.click()
    assert sending.feedback.kind == "error"
    assert sending.feedback.text == "No webhook for sms: set WORKBENCH_SMS_URL. Nothing was sent."
    with pytest.raises(NotFound):
        get_campaign(app.workspace, "flash-one")
    # Email to a server that is not there: refused before the notebook starts.
    monkeypatch.setenv("WORKBENCH_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    pick_campaign(view, "testowo", "email", "hello", "hello-nowhere")
    sending.send_button.click()
    sending.confirm_button.click()
    assert sending.feedback.kind == "error" and "Cannot connect to SMTP server 127.0.0.1" in sending.feedback.text
    # The app keeps working.
    view.preview_button.click()
    assert view.feedback.kind != "error" and view.last.members == 7


def test_schedules_are_created_listed_and_removed(small):
    app, ws, _folder = small
    view, panel = app.launch, app.launch.scheduling
    pick_campaign(view, "testowo", "email", "hello", "weekly-hello")
    assert panel.tz.value == "UTC"  # the workspace time zone
    panel.preset.value = "0 9 * * MON"
    assert panel.cron.value == "0 9 * * MON"
    panel.tz.value = "Europe/Warsaw"
    panel.add_button.click()
    assert panel.feedback.kind != "error", panel.feedback.text
    (schedule,) = [s for s in list_schedules(ws) if s.campaign_id == "weekly-hello"]
    assert (schedule.cron, schedule.tz, schedule.each_occurrence) == ("0 9 * * MON", "Europe/Warsaw", True)
    listed = html.unescape(" ".join(row.children[1].value for row in panel.listing.children))
    assert schedule.schedule_id in listed and "next Mon " in listed and "09:00 Europe/Warsaw" in listed
    assert "workbench scheduler" in panel.scheduler.value
    assert "No scheduler is running" in panel.scheduler.value  # nothing would send it
    beat(ws, datetime.now(UTC), 30.0)  # a scheduler's tick
    panel.refresh()
    assert "Scheduler running" in panel.scheduler.value and "No scheduler is running" not in panel.scheduler.value
    for cron, tz, message in (
        ("every day", "UTC", "is not a cron expression"),
        ("0 9 * * *", "Mars/Base", "Unknown time zone"),
    ):
        panel.cron.value, panel.tz.value = cron, tz
        panel.add_button.click()
        assert panel.feedback.kind == "error" and message in panel.feedback.text
    panel.listing.children[0].children[0].click()  # its Remove button
    assert panel.feedback.kind != "error", panel.feedback.text
    assert [s for s in list_schedules(ws) if s.campaign_id == "weekly-hello"] == []
    assert "No schedules yet" in panel.listing.children[0].value


# --- errors ------------------------------------------------------------------------------------


def test_an_unexpected_failure_is_a_message_and_the_app_keeps_working(app, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    # the view first: importing it then binds the real function, which undo() puts back
    monkeypatch.setattr("workbench.app.overlap_view.compute_overlap", broken)
    monkeypatch.setattr(overlap_module, "compute_overlap", broken)
    app.overlap.choose(["vip", "lapsed"])
    assert app.overlap.compare() is None
    assert app.overlap.feedback.text == (
        "Something went wrong (RuntimeError: disk on fire). Nothing was changed; you can go on."
    )
    assert "Traceback" not in app.overlap.feedback.widget.value
    monkeypatch.undo()
    got = app.overlap.compare()
    assert app.overlap.feedback.text == ""
    assert got is not None


def test_a_store_that_cannot_be_opened_is_a_message(tmp_path):
    shown = open_app("mysql://nowhere/db")
    assert "wb-app-error" in shown._dom_classes
    assert "could not open its store" in shown.value and "Unsupported store URL" in shown.value


def test_a_deleted_segment_is_a_message_in_every_view(app):
    for action in (
        lambda: app.overlap.feedback.run(lambda: compute_overlap(app.evaluator(), ["vip", "gone"], AS_OF)),
        lambda: app.launch.feedback.run(lambda: app.launch.preview("gone", "email")),
    ):
        assert action() is None
    assert "no saved segment 'gone'" in app.overlap.feedback.text.lower()
    assert "no saved segment 'gone'" in app.launch.feedback.text.lower()


# --- charts, offline -----------------------------------------------------------------------------


def test_charts_render_to_svg_and_png_without_a_browser():
    sets = ["VIP customers", "Gdańsk"]
    charts = [
        upset_chart(sets, [(frozenset(sets), 3), (frozenset(sets[:1]), 10)]),
        pairwise_heatmap(sets, {(a, b): 3 if a != b else 10 for a in sets for b in sets}, dict.fromkeys(sets, 10)),
        size_over_time_chart("VIP customers", [(AS_OF, 10)]),
    ]
    for chart in charts:
        svg = to_svg(chart)
        assert svg.startswith("<svg") and "VIP customers" in svg
        assert "<script" not in svg and "http://" not in svg.replace("http://www.w3.org/", "")
        assert to_png(chart).startswith(b"\x89PNG")


# --- the notebook Voila serves -----------------------------------------------------------------


def test_every_setting_of_voila_json_is_documented():
    config = json.loads(Path("voila.json").read_text())
    documented = Path("docs/app.md").read_text()
    for section, settings in config.items():
        for key in settings:
            if (section, key) != ("Voila", "tornado_settings"):  # the CSP, documented on its own
                assert section in documented, section
                assert f"`{key}`" in documented or f".{key}`" in documented, key


def test_the_app_notebook_only_opens_the_app():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    assert "app = open_app(db, as_of=as_of)\napp" in code[1].source  # what the page shows
    assert code[-1].source.strip().endswith("page_opened(app);")  # ";": the waiting thread is not shown
    assert all(not cell.get("outputs") for cell in code)  # nothing stale is shown before it runs
    assert not any(re.search(r"\b(eval|exec)\(", cell.source) for cell in code)
    assert json.loads(json.dumps(notebook.metadata))["kernelspec"]["name"] == "python3"
