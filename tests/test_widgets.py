"""The visual rule builder, without a browser (as ipywidgets' own tests do).

The builder's methods are what clicks call, so most tests call them directly; a few set
widget values (``dropdown.value = …``, ``set_state``) as the browser would and check the
tree changed. Counts are compared with ``Workspace.count`` at the same instant.
"""

from __future__ import annotations

import html
import json
import threading
import time
from collections.abc import Callable

import pytest

from tests.sample_store import snapshot
from workbench.errors import Problem
from workbench.expr import paths
from workbench.expr.editor import EditError, adapt_value
from workbench.expr.operators import NUMBER
from workbench.expr.rules import UNSET, Ago, All, Rule, Segment
from workbench.sample import SAMPLE_AS_OF
from workbench.sample.load import example_segment_files, load_sample
from workbench.store.workspace import Workspace
from workbench.widgets import SegmentBuilder
from workbench.widgets.evaluation import Preview
from workbench.widgets.messages import by_node

AS_OF = SAMPLE_AS_OF
EXAMPLES = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in example_segment_files()}


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    workspace = Workspace(f"duckdb://{tmp_path_factory.mktemp('widgets') / 'shop.duckdb'}")
    load_sample(workspace, 1500)
    return workspace


@pytest.fixture
def make(ws) -> Callable[..., SegmentBuilder]:
    """Open builders at the sample's reference time; they are closed after the test.

    The long debounce keeps the worker idle while a test clicks: ``wait_for_count`` runs
    the count of the final state at once, so each test counts only what it looks at.
    """
    opened: list[SegmentBuilder] = []

    def open_builder(segment=None, **options) -> SegmentBuilder:
        builder = SegmentBuilder(ws, segment, as_of=AS_OF, **{"debounce": 30, **options})
        opened.append(builder)
        return builder

    yield open_builder
    for builder in opened:
        builder.close()


def messages_at(builder: SegmentBuilder, path: str) -> str:
    return builder.view_at(path).problems.value


# --- every example, rebuilt by clicking -----------------------------------------------------


def single(b: SegmentBuilder, kind: str, **picked) -> str:
    """Add one condition to the empty root group, then ungroup it: the rule is that condition."""
    b.add_condition("rule", kind, **picked)
    return b.unwrap("rule")


def filter_on(b: SegmentBuilder, path: str, prop: str, op: str, value=None) -> str:
    where = b.add_where(path)
    b.set_property(where, prop)
    b.set_op(where, op)
    if value is not None:
        b.set_value(where, value)
    return where


def abandoned_cart(b):
    s = single(b, "sequence", steps=["add_to_cart", "purchase"])
    b.set_negated("rule.sequence[1]", True)
    b.set_within(s, "2h")
    b.set_window(s, last="7d")
    b.set_match_on(s, "cart_id")


def birthday(b):
    a = single(b, "attribute", field="birth_date")
    b.set_op(a, "anniversary_within_days")
    b.set_value(a, 7)


def cross_sell(b):
    shoes = b.add_condition("rule", "event", event="purchase")
    filter_on(b, shoes, "product_id", "eq", "p_shoe_run_01")
    socks = b.duplicate(shoes)
    b.set_value(f"{socks}.where[0]", "p_socks_run_01")
    b.set_did(socks, False)


def interested(b):
    s = single(b, "sequence", steps=["page_view", "page_view"])
    for step in ("rule.sequence[0]", "rule.sequence[1]"):
        filter_on(b, step, "product_id", "is_set")
    b.set_within(s, "7d")
    b.set_window(s, last="7d")
    b.set_match_on(s, "product_id")


def lapsed(b):
    e = single(b, "event", event="*")
    b.set_window(e, last="30d")
    b.set_did(e, False)


def mobile_active(b):
    b.set_window(single(b, "event", event="app_open"), last="7d")


def multichannel(b):
    s = single(b, "sequence", steps=["email_click", "page_view"])
    b.set_within(s, "24h")
    b.set_window(s, last="30d")


def new_subscribers(b):
    a = single(b, "attribute", field="created_at")
    b.set_op(a, "within_last")
    b.set_value(a, "7d")


def no_email_opens(b):
    sent = b.add_condition("rule", "event", event="email_sent")
    b.set_window(sent, last="30d")
    opened = b.add_condition("rule", "event", event="email_open")
    b.set_window(opened, last="30d")
    b.set_did(opened, False)


def push_ignored(b):
    s = single(b, "sequence")
    b.set_event("rule.sequence[0]", "push_sent")
    b.set_event("rule.sequence[1]", "push_open")
    b.set_negated("rule.sequence[1]", True)
    b.set_within(s, "24h")
    b.set_window(s, last="7d")
    b.set_match_on(s, "campaign_id")


def target_city(b):
    a = single(b, "attribute", field="city")
    b.set_op(a, "eq")
    b.set_value(a, "Gdańsk")


def topic_readers(b):
    e = single(b, "event", event="page_view")
    filter_on(b, e, "url", "starts_with", "/blog/")
    filter_on(b, e, "category", "eq", "running")
    b.set_window(e, last="7d")
    b.set_op(e, "gte")
    b.set_value(e, 3)


def vip(b):
    e = single(b, "event", event="purchase")
    b.set_window(e, last="3mo")
    b.set_aggregate(e, "sum", "amount")
    b.set_op(e, "gt")
    b.set_value(e, 1000)


RECIPES = {f.__name__: f for f in (abandoned_cart, birthday, cross_sell, interested, lapsed, mobile_active)} | {
    f.__name__: f
    for f in (multichannel, new_subscribers, no_email_opens, push_ignored, target_city, topic_readers, vip)
}


def test_every_example_has_a_recipe():
    assert sorted(RECIPES) == sorted(EXAMPLES)


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_example_rebuilt_by_clicking_emits_the_file_and_counts_right(ws, make, example):
    doc = EXAMPLES[example]
    b = make()
    b.set_name(doc["name"])
    b.set_id(doc["id"])
    b.set_description(doc["description"])
    RECIPES[example](b)

    assert b.segment.to_dict() == doc
    assert b.problems == []
    shown = b.wait_for_count()
    expected = ws.count(doc, AS_OF)
    assert shown.total == expected
    assert f'<b style="font-size:130%">{expected:,}</b> contacts' in b.preview.count.value
    assert "as of 2026-11-30 12:00 UTC" in b.preview.count.value
    assert (shown.added, shown.removed) == (0, 0)  # the same as the saved example
    assert "Same members as the saved version" in b.preview.diff.value
    assert b.preview.sentence.value.startswith("<i>")


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_loading_and_saving_unchanged_gives_the_same_document(ws, make, example):
    b = make(EXAMPLES[example])
    assert b.segment.to_dict() == EXAMPLES[example]
    assert b.save() is not None
    assert ws.segment(example).to_dict() == EXAMPLES[example]
    assert b.segment.to_dict() == EXAMPLES[example]


# --- live counting ----------------------------------------------------------------------------


def test_a_burst_of_edits_is_counted_once_for_the_last_state(make):
    counted: list[Rule] = []

    def slow(request) -> Preview:
        counted.append(request.segment.rule)
        time.sleep(0.2)
        return Preview(as_of=AS_OF, total=len(counted))

    b = make(debounce=0.3, counter=slow)
    city = b.add_condition("rule", "attribute", field="city")
    b.set_op(city, "eq")
    for typed in ("G", "Gd", "Gda", "Gdańsk"):
        b.set_value(city, typed)
    assert "counting…" in b.preview.count.value
    assert b.wait_for_count(5).total == 1
    assert counted == [b.segment.rule]


def test_a_result_arriving_after_a_newer_edit_is_dropped(make):
    first_started, release = threading.Event(), threading.Event()

    def counter(request) -> Preview:
        if request.segment.rule == All():
            first_started.set()
            release.wait(5)
            return Preview(as_of=AS_OF, total=111)
        return Preview(as_of=AS_OF, total=222)

    b = make(debounce=0, counter=counter)
    shown: list[str] = []
    b.preview.count.observe(lambda change: shown.append(change["new"]), "value")
    assert first_started.wait(5)
    b.add_condition("rule", "attribute", field="city", op="eq", value="Gdańsk")
    release.set()
    assert b.wait_for_count(5).total == 222
    assert "222" in b.preview.count.value
    assert not any("111" in text for text in shown)


def test_each_condition_shows_how_many_it_matches_alone(ws, make):
    b = make("cross_sell")
    b.wait_for_count()
    for path in ("rule.all[0]", "rule.all[1]"):
        alone = ws.count(paths.node_at(b.segment.rule, path), AS_OF)
        assert f"{alone:,} contacts" in b.view_at(path).count.value


def test_the_diff_with_the_saved_version_before_saving(ws, make):
    b = make("vip")
    b.set_value("rule", 500)
    shown = b.wait_for_count()
    now, saved = set(ws.members(b.segment, AS_OF)), set(ws.members("vip", AS_OF))
    assert (shown.added, shown.removed) == (len(now - saved), len(saved - now))
    assert shown.added > 0
    assert f"+{shown.added:,}" in b.preview.diff.value


def test_an_empty_audience_counts_zero(make):
    b = make()
    b.add_condition("rule", "attribute", field="city", op="eq", value="Gdańsk")
    b.add_condition("rule", "attribute", field="city", op="eq", value="Kraków")
    shown = b.wait_for_count()
    assert shown.total == 0
    assert '<b style="font-size:130%">0</b> contacts' in b.preview.count.value


def test_a_failing_count_is_a_message_not_a_traceback(make):
    def broken(request) -> Preview:
        raise RuntimeError("the store went away")

    b = make(counter=broken)
    b.wait_for_count(5)
    assert "Could not count (RuntimeError: the store went away)" in b.preview.count.value


# --- invalid states -----------------------------------------------------------------------------


def test_an_operator_that_no_longer_fits_the_field_is_flagged_at_the_node(make):
    b = make()
    p = b.add_condition("rule", "attribute", field="city", op="contains", value="gda")
    b.set_field(p, "email_consent")
    assert b.segment.rule.rules[0].op == "contains"  # kept, not silently changed
    assert "“contains” does not apply to Email consent" in messages_at(b, p)
    assert b.view_at(p).comparison.op.value is None
    assert [key for _label, key in b.view_at(p).comparison.op.options] == [
        "is_set",
        "is_not_set",
        "is_true",
        "is_false",
    ]
    assert b.wait_for_count(5).total is None
    assert "Fix the highlighted conditions" in b.preview.count.value
    assert b.save() is None
    assert "Not saved" in b.header.message.value


def test_an_empty_value_asks_for_one(make):
    b = make()
    p = b.add_condition("rule", "attribute", field="city", op="eq", value="Gdańsk")
    b.view_at(p).comparison.value.widget.value = ""  # the user clears the box
    assert b.segment.rule.rules[0].value is UNSET
    assert "Enter a value." in messages_at(b, p)
    assert "The rule is not complete yet" in b.preview.sentence.value


@pytest.mark.parametrize(
    ("field", "op", "value", "message"),
    [
        ("status", "in", [], "Add at least one value."),
        ("birth_date", "within_last", "soon", "Enter a duration, e.g. 7 days."),
        ("created_at", "before", "next tuesday", "Enter a date, or a time ago."),
        ("city", "", None, "Pick a comparison."),
    ],
)
def test_invalid_values_read_as_instructions(make, field, op, value, message):
    b = make()
    p = b.add_condition("rule", "attribute", field=field, op=op, value=value)
    assert message in messages_at(b, p)


def test_problems_of_filters_and_steps_show_at_them(make):
    b = make()
    e = b.add_condition("rule", "event", event="purchase")
    where = b.add_where(e, "amount", "gt", "lots")
    s = b.add_condition("rule", "sequence", steps=["add_to_cart", ""])
    assert "Enter a number." in messages_at(b, where)
    assert "Pick an event." in messages_at(b, f"{s}.sequence[1]")
    assert messages_at(b, e) == ""


def test_the_document_needs_a_name_and_a_valid_id(make):
    b = make()
    b.set_name("")
    b.set_id("Not An Id")
    assert "Give the segment a name." in b.header.problems.value
    assert "The id may use lower-case letters" in b.header.problems.value
    assert b.save() is None


# --- editing the tree ---------------------------------------------------------------------------


def test_new_segment_id_follows_its_name_until_set(make):
    b = make()
    b.set_name("Klienci z Łodzi")
    assert b.segment.id == "klienci-z-lodzi"
    b.set_id("lodz")
    b.set_name("Klienci z Łodzi (VIP)")
    assert b.segment.id == "lodz"


def test_structure_edits(make):
    b = make()
    a = b.add_condition("rule", "attribute", field="city", op="eq", value="Gdańsk")
    e = b.add_condition("rule", "event", event="purchase")
    assert b.move(e, 0) == "rule.all[0]"
    assert b.segment.to_dict()["rule"]["all"][1] == {"attribute": "city", "op": "eq", "value": "Gdańsk"}
    b.wrap("rule.all[1]", "not")
    assert b.segment.to_dict()["rule"]["all"][1] == {"not": {"attribute": "city", "op": "eq", "value": "Gdańsk"}}
    b.remove("rule.all[1].not")  # the rule inside a NOT goes with its NOT
    assert b.segment.to_dict()["rule"] == {"all": [{"event": "purchase"}]}
    g = b.add_group("rule", "any")
    b.add_condition(g, "in_segment", segment="vip")
    b.set_group_kind(g, "all")
    b.unwrap(g)
    assert b.segment.to_dict()["rule"]["all"][1] == {"in_segment": "vip"}
    where = b.add_where("rule.all[0]", "amount", "gt", 10)
    b.remove(where)
    assert b.segment.to_dict()["rule"]["all"][0] == {"event": "purchase"}  # no empty "where" left
    assert a == "rule.all[0]"
    b.remove("rule")
    assert b.segment.rule == All()


def test_a_sequence_keeps_two_steps(make):
    b = make()
    s = b.add_condition("rule", "sequence", steps=["add_to_cart", "purchase"])
    with pytest.raises(EditError, match="at least two steps"):
        b.remove(f"{s}.sequence[1]")
    assert b.view_at(f"{s}.sequence[1]").toolbar.delete.disabled
    third = b.add_step(s, "page_view")
    b.remove(third)
    assert len(b.segment.rule.rules[0].steps) == 2


@pytest.mark.parametrize(
    ("value", "op", "type_", "kept"),
    [
        pytest.param("Gdańsk", "in", "string", ("Gdańsk",), id="one-value-to-a-list"),
        pytest.param(("Gdańsk",), "eq", "string", "Gdańsk", id="list-of-one-to-a-value"),
        pytest.param(("a", "b"), "eq", "string", UNSET, id="list-of-two-to-a-value"),
        pytest.param(5, "between", NUMBER, UNSET, id="number-to-a-range"),
        pytest.param("Gdańsk", "is_set", "string", UNSET, id="value-to-no-value"),
        pytest.param("7d", "before", "timestamp", UNSET, id="duration-to-an-instant"),
        pytest.param(Ago("7d"), "after", "timestamp", Ago("7d"), id="ago-to-an-instant"),
    ],
)
def test_the_value_is_kept_across_operators_when_it_fits(value, op, type_, kept):
    assert adapt_value(value, op, type_) == kept


def test_paths_address_nodes_and_own_problems():
    rule = Segment.from_dict(EXAMPLES["cross_sell"]).rule
    assert paths.node_at(rule, "rule.all[1].where[0]").value == "p_socks_run_01"
    node_paths = [path for path, _ in paths.walk(rule)]
    assert node_paths == ["rule", "rule.all[0]", "rule.all[0].where[0]", "rule.all[1]", "rule.all[1].where[0]"]
    owners = by_node([Problem("rule.all[1].where[0].value", "x"), Problem("rule.all[1].op", "y")], node_paths)
    assert sorted(owners) == ["rule.all[1]", "rule.all[1].where[0]"]
    negated = Segment.from_dict(EXAMPLES["abandoned_cart"]).rule
    assert paths.owner_of("rule.sequence[1].not.event", [p for p, _ in paths.walk(negated)]) == "rule.sequence[1]"
    with pytest.raises(paths.PathError):
        paths.node_at(rule, "rule.any[0]")


# --- the widgets, driven as a browser would -------------------------------------------------------


def test_the_field_picker_is_grouped_by_source_with_labels(make):
    labels = [label for label, _ in make().view_at("rule").add.options]
    assert "Contact › City" in labels
    assert "Website activity › page view" in labels
    assert "Messaging › email open" in labels
    assert "Custom events › purchase" in labels
    sources = [label.split(" › ")[0] for label in labels[1:]]
    assert sources.index("Contact") < sources.index("Website activity") < sources.index("Messaging")
    assert sources.index("Messaging") < sources.index("Custom events")


def test_clicking_through_a_condition_changes_the_tree(make):
    b = make()
    b.view_at("rule").add.value = ("attribute", "city")
    view = b.view_at("rule.all[0]")
    op = view.comparison.op
    op.set_state({"index": [key for _label, key in op.options].index("eq")})
    assert "Gdańsk" in view.comparison.value.widget.options  # suggested from the data
    view.comparison.value.widget.value = "Gdańsk"
    assert b.segment.to_dict()["rule"] == {"all": [{"attribute": "city", "op": "eq", "value": "Gdańsk"}]}
    b.view_at("rule").kind.value = "any"
    assert "any" in b.segment.to_dict()["rule"]
    b.view_at("rule.any[0]").toolbar.delete.click()
    assert b.segment.rule.to_dict() == {"any": []}


def test_an_event_condition_by_its_widgets(make):
    b = make()
    b.view_at("rule").add.value = ("event", "purchase")
    view = b.view_at("rule.all[0]")
    view.window.kind.value = "last"
    duration = view.window.editor("last")
    duration.amount.value = "3"
    duration.unit.value = "mo"
    view.mode.value = "compare"
    view.aggregate.value = "sum"
    assert [key for _label, key in view.aggregate_of.options] == ["amount", "duration_s", "quantity"]
    view.aggregate_of.value = "amount"
    assert [key for _label, key in view.comparison.op.options] == [
        "is_set", "is_not_set", "eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between",
    ]  # fmt: skip
    view.comparison.op.value = "gt"
    view.comparison.value.widget.value = "1000"
    assert b.segment.rule.rules[0].to_dict() == EXAMPLES["vip"]["rule"]
    view.mode.value = "did_not"
    assert b.segment.rule.rules[0].to_dict() == {"event": "purchase", "window": {"last": "3mo"}, "op": "eq", "value": 0}


def test_opening_saving_and_starting_anew_from_the_header(ws, make):
    b = make()
    b.header.open.value = "lapsed"
    assert b.segment.to_dict() == EXAMPLES["lapsed"]
    b.header.name.value = "Lapsed (60 days)"
    b.view_at("rule").window.editor("last").amount.value = "60"
    b.header.save.click()
    assert html.escape("Saved as 'lapsed'") in b.header.message.value
    assert ws.segment("lapsed").to_dict()["rule"]["window"] == {"last": "60d"}
    b.load(EXAMPLES["lapsed"])
    assert b.save().to_dict() == EXAMPLES["lapsed"]  # the sample is as it was for the other tests
    b.header.new.click()
    assert (b.segment.id, b.segment.rule) == ("new-segment", All())


def test_members_sample_sql_and_explanation_panels(ws, make):
    b = make("vip")
    b.preview.details.selected_index = 0
    expected = snapshot("duckdb", "vip").removesuffix("\n")
    assert b.wait_for_count().sql == expected
    assert b.preview.sql.value.startswith(f"<b>SQL</b><pre>{html.escape(expected)}</pre><b>Ibis expression</b><pre>")
    b.preview.details.selected_index = 2
    sample = b.wait_for_count().members
    members = ws.members("vip", AS_OF)
    assert [row["contact_id"] for row in sample] == members[: len(sample)]
    assert "First name" in b.preview.members.value

    verdict = b.explain(members[0])
    assert verdict.met and verdict.evidence.startswith("total Amount: ")
    b.preview.contact.value = members[0]
    b.preview.explain_button.click()
    b.wait_for_explanation()
    assert "✓" in b.preview.explanation.value and "total Amount" in b.preview.explanation.value
    b.preview.contact.value = "nobody"
    b.preview.explain_button.click()
    b.wait_for_explanation()
    assert html.escape("no contact 'nobody'") in b.preview.explanation.value


def test_explaining_a_group_says_which_conditions_hold(ws, make):
    b = make("no_email_opens")
    member = ws.members("no_email_opens", AS_OF)[0]
    verdict = b.explain(member)
    assert verdict.met
    assert [child.met for child in verdict.children] == [True, True]
    assert [child.evidence for child in verdict.children][1] == "events: 0"


def test_a_saved_version_that_no_longer_compiles_gives_the_count_without_a_diff(ws):
    from workbench.expr.reader import rule_from_dict
    from workbench.widgets.evaluation import CountRequest, PreviewCounter

    rule = rule_from_dict({"attribute": "city", "op": "eq", "value": "Gdańsk"})
    saved = Segment("gdansk", "Gdańsk", rule_from_dict({"in_segment": "deleted_meanwhile"}))
    request = CountRequest(
        segment=Segment("gdansk", "Gdańsk", rule),
        catalog=ws.catalog,
        library={s.id: s.segment for s in ws.segments()},
        as_of=SAMPLE_AS_OF,
        valid=True,
        saved=saved,
    )
    preview = PreviewCounter(ws)(request)
    expected = sum(1 for row in ws.table("contacts").to_pylist() if row["city"] == "Gdańsk")
    assert preview.total == expected > 0
    assert preview.added is None and preview.removed is None
