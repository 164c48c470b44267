"""The rule tree as data: the DSL, JSON round trips, walking, and the English rendering."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.expr.reader import rule_from_dict
from workbench.expr.rules import All, Attribute, Event, Not, Prop, Segment, slugify

DSL_CASES = {
    "attr-eq": (wb.attr("city") == "Gdańsk", {"attribute": "city", "op": "eq", "value": "Gdańsk"}),
    "attr-in": (
        wb.attr("status").isin(["vip", "customer"]),
        {"attribute": "status", "op": "in", "value": ["vip", "customer"]},
    ),
    "attr-set": (wb.attr("phone").is_set(), {"attribute": "phone", "op": "is_set"}),
    "attr-between": (
        wb.attr("birth_date").between("1990-01-01", "1999-12-31"),
        {"attribute": "birth_date", "op": "between", "value": ["1990-01-01", "1999-12-31"]},
    ),
    "attr-ago": (
        wb.attr("created_at").after(wb.ago("7d")),
        {"attribute": "created_at", "op": "after", "value": {"ago": "7d"}},
    ),
    "tags": (wb.attr("tags").has_any(["vip", "b2b"]), {"attribute": "tags", "op": "has_any", "value": ["vip", "b2b"]}),
    "event-did": (wb.event("app_open").last("7d").to_rule(), {"event": "app_open", "window": {"last": "7d"}}),
    "event-sum": (
        wb.event("purchase").last("3mo").sum("amount") > 1000,
        {
            "event": "purchase",
            "window": {"last": "3mo"},
            "aggregate": {"fn": "sum", "property": "amount"},
            "op": "gt",
            "value": 1000,
        },
    ),
    "event-where": (
        wb.event("page_view").where(wb.prop("url").startswith("/blog/"), category="running").last("7d") >= 3,
        {
            "event": "page_view",
            "where": [
                {"property": "url", "op": "starts_with", "value": "/blog/"},
                {"property": "category", "op": "eq", "value": "running"},
            ],
            "window": {"last": "7d"},
            "op": "gte",
            "value": 3,
        },
    ),
    "event-never": (wb.event("purchase").never(), {"event": "purchase", "op": "eq", "value": 0}),
    "event-names": (
        wb.event("email_open", "email_click").since("2026-01-01").to_rule(),
        {"event": ["email_open", "email_click"], "window": {"since": "2026-01-01"}},
    ),
    "not-event": (~wb.event("email_open").last("30d"), {"not": {"event": "email_open", "window": {"last": "30d"}}}),
    "and-flattens": (
        (wb.attr("city") == "A") & (wb.attr("city") == "B") & wb.event("x"),
        {
            "all": [
                {"attribute": "city", "op": "eq", "value": "A"},
                {"attribute": "city", "op": "eq", "value": "B"},
                {"event": "x"},
            ]
        },
    ),
    "or": (
        (wb.attr("city") == "A") | wb.in_list("friends"),
        {"any": [{"attribute": "city", "op": "eq", "value": "A"}, {"in_list": "friends"}]},
    ),
    "double-not": (~~(wb.attr("city") == "A"), {"attribute": "city", "op": "eq", "value": "A"}),
    "sequence": (
        wb.sequence("email_click", "page_view", within="24h"),
        {"sequence": [{"event": "email_click"}, {"event": "page_view"}], "within": "24h"},
    ),
    "abandoned": (
        wb.sequence("add_to_cart", ~wb.step("purchase"), within="2h", match_on="cart_id", window="7d"),
        {
            "sequence": [{"event": "add_to_cart"}, {"not": {"event": "purchase"}}],
            "within": "2h",
            "window": {"last": "7d"},
            "match_on": "cart_id",
        },
    ),
    "in-segment": (
        wb.all_(wb.in_segment("vip"), wb.not_(wb.in_list("x"))),
        {"all": [{"in_segment": "vip"}, {"not": {"in_list": "x"}}]},
    ),
}


@pytest.mark.parametrize("case", sorted(DSL_CASES))
def test_dsl_builds_the_json_tree(case):
    built, expected = DSL_CASES[case]
    assert built.to_dict() == expected
    assert rule_from_dict(expected) == built  # the same frozen tree, equal and hashable
    assert hash(rule_from_dict(expected)) == hash(built)


def test_round_trip_keeps_what_was_left_out():
    doc = {"event": "purchase", "where": [], "op": "gte"}
    assert rule_from_dict(doc).to_dict() == doc
    assert rule_from_dict({"event": "purchase"}).to_dict() == {"event": "purchase"}


def test_walk_visits_every_node_in_order():
    rule = rule_from_dict(
        {
            "all": [
                {"not": {"attribute": "city", "op": "eq", "value": "A"}},
                {"event": "x", "where": [{"property": "p", "op": "is_set"}]},
            ]
        }
    )
    kinds = [type(n).__name__ for n in rule.walk()]
    assert kinds == ["All", "Not", "Attribute", "Event", "Prop"]
    assert isinstance(rule, All) and isinstance(rule.rules[0], Not)
    assert rule.rules[1] == Event("x", (Prop("p", "is_set"),))
    assert Attribute("city", "eq", "A") in set(rule.walk())


def test_segment_id_from_name():
    assert Segment.from_dict({"name": "VIP – Łódź & Gdańsk", "rule": {"all": []}}).id == "vip-lodz-gdansk"
    assert slugify("!!!") == "segment"


DESCRIBE_CASES = {
    "vip": (
        {
            "event": "purchase",
            "window": {"last": "3mo"},
            "aggregate": {"fn": "sum", "property": "amount"},
            "op": "gt",
            "value": 1000,
        },
        "spent more than 1000 PLN on purchase in the last 3 months",
    ),
    "did": ({"event": "app_open", "window": {"last": "7d"}}, "did app_open in the last 7 days"),
    "never": (
        {"event": "*", "window": {"last": "30d"}, "op": "eq", "value": 0},
        "never did any event in the last 30 days",
    ),
    "times": (
        {
            "event": "page_view",
            "where": [{"property": "category", "op": "eq", "value": "running"}],
            "window": {"last": "1w"},
            "op": "gte",
            "value": 3,
        },
        "did page_view at least 3 times where category is running in the last 1 week",
    ),
    "city": (
        {"attribute": "city", "op": "in", "value": ["Gdańsk", "Sopot", "Gdynia"]},
        "city is one of Gdańsk, Sopot or Gdynia",
    ),
    "birthday": (
        {"attribute": "birth_date", "op": "anniversary_within_days", "value": 7},
        "birth date has its anniversary within the next 7 days",
    ),
    "abandoned": (
        {"sequence": [{"event": "add_to_cart"}, {"not": {"event": "purchase"}}], "within": "2h", "match_on": "cart_id"},
        "did add_to_cart, and no purchase since for at least 2 hours (same cart id)",
    ),
    "then": (
        {"sequence": [{"event": "email_click"}, {"event": "page_view"}], "within": "24h"},
        "did email_click, then page_view within 24 hours",
    ),
    "groups": (
        {
            "all": [
                {"attribute": "city", "op": "eq", "value": "A"},
                {"any": [{"in_segment": "vip"}, {"not": {"in_list": "x"}}]},
            ]
        },
        "city is A and (is in segment 'vip' or is not on list 'x')",
    ),
    "not-in-segment": ({"not": {"in_segment": "vip"}}, "is not in segment 'vip'"),
    "empty": ({"any": []}, "no one"),
    "last-time": (
        {"event": "purchase", "aggregate": {"fn": "last_time"}, "op": "not_within_last", "value": "90d"},
        "last purchase is not within the last 90 days",
    ),
}


@pytest.mark.parametrize("case", sorted(DESCRIBE_CASES))
def test_describe_reads_as_english(case):
    rule, sentence = DESCRIBE_CASES[case]
    assert wb.describe(rule_from_dict(rule)) == sentence


# --- nesting: bounded, refused with the path, never a RecursionError ----------------------


def nested_nots(depth: int) -> dict:
    rule: dict = {"attribute": "city", "op": "eq", "value": "Gdańsk"}
    for _ in range(depth):
        rule = {"not": rule}
    return rule


def test_rules_nest_at_most_max_depth_and_the_deeper_node_is_named():
    from workbench.errors import SegmentError
    from workbench.expr.reader import MAX_DEPTH

    assert MAX_DEPTH == 32
    rule_from_dict(nested_nots(MAX_DEPTH - 1))  # 31 nots and the condition: 32 levels
    for depth in (MAX_DEPTH, 300, 100_000):
        with pytest.raises(SegmentError) as caught:
            rule_from_dict(nested_nots(depth))
        [problem] = caught.value.problems
        assert problem.path == "rule" + ".not" * MAX_DEPTH
        assert problem.message == "rules nest at most 32 levels deep; this one goes deeper"


def test_a_value_nested_arbitrarily_deep_is_refused():
    from workbench.errors import SegmentError

    value: list = []
    for _ in range(100_000):
        value = [value]
    with pytest.raises(SegmentError, match=r"rule\.value\[0\]: list items must be"):
        rule_from_dict({"attribute": "city", "op": "in", "value": value})


def test_segments_that_use_each_other_nest_at_most_the_inlined_limit():
    from workbench.errors import SegmentError
    from workbench.expr.catalog import Catalog
    from workbench.expr.validate import MAX_INLINED_DEPTH, validate

    # a chain of segments, each 31 levels of not over a reference to the next
    chain = {}
    for i in range(6):
        inner: dict = {"in_segment": f"s{i + 1}"} if i < 5 else {"attribute": "city", "op": "is_set"}
        for _ in range(30):
            inner = {"not": inner}
        chain[f"s{i}"] = Segment.from_dict({"id": f"s{i}", "name": f"s{i}", "rule": inner})
    catalog = Catalog.standard(segments=frozenset(chain))
    validate(chain["s3"], catalog, chain.__getitem__)  # 3 x 31 levels: fine
    assert MAX_INLINED_DEPTH == 100
    with pytest.raises(SegmentError, match="with the segments it uses, this rule nests more than 100 levels deep"):
        validate(chain["s0"], catalog, chain.__getitem__)
    # a long chain of bare references is refused too, before any recursion runs out
    refs = {
        f"r{i}": Segment.from_dict({"id": f"r{i}", "name": f"r{i}", "rule": {"in_segment": f"r{i + 1}"}})
        for i in range(2000)
    }
    refs["r2000"] = Segment.from_dict({"id": "r2000", "name": "r2000", "rule": {"attribute": "city", "op": "is_set"}})
    with pytest.raises(SegmentError):
        validate(refs["r0"], Catalog.standard(segments=frozenset(refs)), refs.__getitem__)


def test_the_cli_refuses_a_deep_document_with_exit_2_naming_the_path(tmp_path):
    import json

    from click.testing import CliRunner

    from workbench.cli import main

    db = f"duckdb://{tmp_path / 'wb.duckdb'}"
    CliRunner().invoke(main, ["--db", db, "init"], catch_exceptions=False)
    for name, text in {
        "nots.json": json.dumps({"id": "deep", "name": "deep", "rule": nested_nots(300)}),
        "arrays.json": '{"id": "deep", "name": "deep", "rule": ' + "[" * 100_000 + "]" * 100_000 + "}",
    }.items():
        path = tmp_path / name
        path.write_text(text)
        result = CliRunner().invoke(main, ["--db", db, "count", str(path)], catch_exceptions=False)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        expected = "rule" + ".not" * 32 + ": rules nest at most 32" if name == "nots.json" else "document: "
        assert expected in result.output
