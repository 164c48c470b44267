"""The conformance cases: one rule per line, each compared with the reference evaluation.

Grouped by what they exercise; the ids name the case. Every operator of SPEC §3 appears
for every type it applies to, positive and negative, and each event aggregate, window
form, sequence form and group kind.
"""

from __future__ import annotations


def a(field, op, value=None):
    rule = {"attribute": field, "op": op}
    if value is not None:
        rule["value"] = value
    return rule


def ev(name, **kw):
    return {"event": name, **kw}


ATTRIBUTE_CASES = {
    # string
    "city-eq": a("city", "eq", "Gdańsk"),
    "city-eq-case-sensitive": a("city", "eq", "gdańsk"),
    "city-ne": a("city", "ne", "Gdańsk"),
    "city-in": a("city", "in", ["Gdańsk", "Kraków"]),
    "city-not-in": a("city", "not_in", ["Gdańsk", "Kraków"]),
    "city-contains-ignores-case": a("city", "contains", "GDA"),
    "city-not-contains": a("city", "not_contains", "gda"),
    "city-starts-with": a("city", "starts_with", "kra"),
    "city-ends-with": a("city", "ends_with", "SZAWA"),
    "city-is-set": a("city", "is_set"),
    "city-is-not-set": a("city", "is_not_set"),
    "email-is-set-empty-string": a("email", "is_set"),
    "name-contains-unicode": a("first_name", "contains", "zoË"),
    "gender-eq": a("gender", "eq", "other"),
    # number (custom field)
    "points-gt": a("loyalty_points", "gt", 10),
    "points-gte": a("loyalty_points", "gte", 10),
    "points-lt": a("loyalty_points", "lt", 250.5),
    "points-lte": a("loyalty_points", "lte", 250.5),
    "points-eq": a("loyalty_points", "eq", 1000),
    "points-ne": a("loyalty_points", "ne", 1000),
    "points-between": a("loyalty_points", "between", [10, 250.5]),
    "points-in": a("loyalty_points", "in", [0, 1000]),
    "points-not-in": a("loyalty_points", "not_in", [0, 1000]),
    "points-is-not-set": a("loyalty_points", "is_not_set"),
    # boolean
    "consent-true": a("email_consent", "is_true"),
    "consent-false": a("email_consent", "is_false"),
    "vip-true-null": a("vip", "is_true"),
    "vip-false-null": a("vip", "is_false"),
    "vip-is-not-set": a("vip", "is_not_set"),
    "vip-is-set": a("vip", "is_set"),
    # date
    "birth-eq": a("birth_date", "eq", "2000-02-29"),
    "birth-before": a("birth_date", "before", "1990-06-01"),
    "birth-after": a("birth_date", "after", "1990-06-01"),
    "birth-between": a("birth_date", "between", ["1985-05-31", "1999-12-31"]),
    "birth-anniversary-0": a("birth_date", "anniversary_within_days", 0),
    "birth-anniversary-7": a("birth_date", "anniversary_within_days", 7),
    "birth-anniversary-365": a("birth_date", "anniversary_within_days", 365),
    "birth-within-last": a("birth_date", "within_last", "30y"),
    "birth-not-within-last": a("birth_date", "not_within_last", "30y"),
    "birth-is-set": a("birth_date", "is_set"),
    "birth-is-not-set": a("birth_date", "is_not_set"),
    # timestamp
    "created-within-7d": a("created_at", "within_last", "7d"),
    "created-not-within-7d": a("created_at", "not_within_last", "7d"),
    "created-before-ago": a("created_at", "before", {"ago": "3d"}),
    "created-after-instant": a("created_at", "after", "2026-05-28T12:00:00Z"),
    "created-after-day": a("created_at", "after", "2026-05-28"),
    "created-eq-day": a("created_at", "eq", "2026-05-31"),
    "created-eq-instant": a("created_at", "eq", "2026-05-31T12:00:00Z"),
    "created-between-days": a("created_at", "between", ["2025-05-01", "2026-05-28"]),
    "created-anniversary": a("created_at", "anniversary_within_days", 3),
    # array
    "tags-has": a("tags", "has", "vip"),
    "tags-has-not": a("tags", "has_not", "vip"),
    "tags-has-any": a("tags", "has_any", ["vip", "b2b"]),
    "tags-has-all": a("tags", "has_all", ["vip", "newsletter"]),
    "tags-is-set": a("tags", "is_set"),
    "tags-is-not-set": a("tags", "is_not_set"),
}

EVENT_CASES = {
    "did-purchase": ev("purchase"),
    "never-purchase": ev("purchase", op="eq", value=0),
    "any-event-7d": ev("*", window={"last": "7d"}),
    "no-event-30d": ev("*", window={"last": "30d"}, op="eq", value=0),
    "names-list": ev(["email_open", "email_click"], window={"last": "30d"}, op="gte", value=2),
    "page-view-1h-edge": ev("page_view", window={"last": "1h"}),
    "page-view-24h": ev("page_view", window={"last": "24h"}, op="gte", value=2),
    "purchase-3mo-calendar": ev("purchase", window={"last": "3mo"}),
    "purchase-1y": ev("purchase", window={"last": "1y"}, op="lt", value=3),
    "since-instant": ev("purchase", window={"since": "2026-05-24T12:00:00Z"}),
    "since-ago": ev("purchase", window={"since": {"ago": "7d"}}),
    "between-days": ev("page_view", window={"between": ["2026-02-28", "2026-05-24"]}),
    "between-instants": ev("page_view", window={"between": ["2026-05-24T12:00:00Z", "2026-05-31T11:00:00Z"]}),
    "between-past-T": ev("page_view", window={"between": [{"ago": "1h"}, "2027-01-01"]}),
    "where-column-eq": ev("page_view", where=[{"property": "category", "op": "eq", "value": "running"}]),
    "where-column-ne-null": ev("page_view", where=[{"property": "category", "op": "ne", "value": "running"}]),
    "where-column-contains": ev("page_view", where=[{"property": "category", "op": "contains", "value": "TECH"}]),
    "where-json-string": ev("purchase", where=[{"property": "cart_id", "op": "in", "value": ["k1", "k2"]}]),
    "where-json-not-in": ev("purchase", where=[{"property": "cart_id", "op": "not_in", "value": ["k1"]}]),
    "where-json-bool": ev("add_to_cart", where=[{"property": "gift", "op": "is_true"}]),
    "where-json-number": ev("app_open", where=[{"property": "app_version", "op": "gte", "value": 2}]),
    "where-json-is-not-set": ev("purchase", where=[{"property": "cart_id", "op": "is_not_set"}]),
    "where-two": ev(
        "page_view",
        where=[{"property": "category", "op": "is_set"}, {"property": "duration_s", "op": "gt", "value": 5}],
    ),
    "sum-amount": ev(
        "purchase", window={"last": "3mo"}, aggregate={"fn": "sum", "property": "amount"}, op="gt", value=1000
    ),
    "sum-zero": ev("purchase", aggregate={"fn": "sum", "property": "amount"}, op="eq", value=0),
    "sum-lte-includes-none": ev("purchase", aggregate={"fn": "sum", "property": "amount"}, op="lte", value=99.99),
    "avg-amount": ev("purchase", aggregate={"fn": "avg", "property": "amount"}, op="gte", value=500),
    "avg-ne-null": ev("purchase", aggregate={"fn": "avg", "property": "amount"}, op="ne", value=500),
    "min-amount": ev("add_to_cart", aggregate={"fn": "min", "property": "amount"}, op="lt", value=100),
    "max-amount": ev("add_to_cart", aggregate={"fn": "max", "property": "amount"}, op="between", value=[100, 1000]),
    "count-distinct-products": ev(
        "page_view", aggregate={"fn": "count_distinct", "property": "product_id"}, op="gte", value=2
    ),
    "count-distinct-json": ev("purchase", aggregate={"fn": "count_distinct", "property": "cart_id"}, op="gte", value=2),
    "distinct-days": ev("page_view", aggregate={"fn": "distinct_days"}, op="gte", value=3),
    "first-time-within": ev("purchase", aggregate={"fn": "first_time"}, op="within_last", value="30d"),
    "last-time-not-within": ev("*", aggregate={"fn": "last_time"}, op="not_within_last", value="30d"),
    "last-time-before": ev("email_open", aggregate={"fn": "last_time"}, op="before", value={"ago": "7d"}),
    "last-time-eq-day": ev("page_view", aggregate={"fn": "last_time"}, op="eq", value="2026-05-31"),
    "last-time-anniversary": ev("purchase", aggregate={"fn": "last_time"}, op="anniversary_within_days", value=2),
    "last-time-is-set": ev("email_open", aggregate={"fn": "last_time"}, op="is_set"),
    "first-time-is-not-set": ev("app_open", aggregate={"fn": "first_time"}, op="is_not_set"),
    "max-ts": ev("page_view", aggregate={"fn": "max", "property": "ts"}, op="after", value={"ago": "24h"}),
    "count-between": ev("page_view", op="between", value=[2, 4]),
    "count-in": ev("page_view", op="in", value=[1, 3]),
    "count-not-in": ev("page_view", op="not_in", value=[0, 1]),
}


def spent(fn, op, value=None, prop="amount"):
    rule = ev("purchase", aggregate={"fn": fn, "property": prop}, op=op)
    return rule if value is None else {**rule, "value": value}


# Amounts are exact decimals (SPEC §1): the world's MONEY_EDGES sum to exactly 1001.00 and
# 1000.00, where binary floating point misses by one unit in the last place.
MONEY_CASES = {
    f"money-{prop}-{case}": rule
    for prop in ("amount", "price")
    for case, rule in {
        "sum-eq-1001": spent("sum", "eq", 1001, prop),
        "sum-gt-1001": spent("sum", "gt", 1001, prop),
        "sum-gte-1001": spent("sum", "gte", 1001.00, prop),
        "sum-eq-1000": spent("sum", "eq", 1000, prop),
        "sum-lt-1000": spent("sum", "lt", 1000, prop),
        "sum-in": spent("sum", "in", [1000, 1001], prop),
        "sum-between": spent("sum", "between", [1000.0, 1000.0], prop),
        "avg-eq": spent("avg", "eq", 100.1, prop),
        "avg-gte": spent("avg", "gte", 100.10, prop),
        "avg-lt": spent("avg", "lt", 100.1, prop),
        "avg-ne": spent("avg", "ne", 100.1, prop),
        "avg-third-gt": spent("avg", "gt", 333.3333, prop),
        "avg-third-lt": spent("avg", "lt", 333.3334, prop),
        "avg-between": spent("avg", "between", [90.9, 100.1], prop),
        "avg-in": spent("avg", "in", [100.1, 333.3333], prop),
        "avg-not-in": spent("avg", "not_in", [100.1], prop),
        "avg-is-set": spent("avg", "is_set", prop=prop),
        "where-eq": ev("purchase", where=[{"property": prop, "op": "eq", "value": 0.1}], op="gte", value=10),
        "where-in": ev("purchase", where=[{"property": prop, "op": "in", "value": [100.1, 99.99]}]),
        "max-eq": spent("max", "eq", 999, prop),
        "min-lte": spent("min", "lte", 0.1, prop),
        # decimals whose nearest double lies below them (333.32999…): read as written
        "min-eq-333.33": spent("min", "eq", 333.33, prop),
        "where-eq-333.34": ev("purchase", where=[{"property": prop, "op": "eq", "value": 333.34}]),
    }.items()
}

SEQUENCE_CASES = {
    "click-then-view-24h": {"sequence": [{"event": "email_click"}, {"event": "page_view"}], "within": "24h"},
    "view-then-view": {"sequence": [{"event": "page_view"}, {"event": "page_view"}], "within": "1h"},
    "three-steps": {"sequence": [{"event": "page_view"}, {"event": "add_to_cart"}, {"event": "purchase"}]},
    "steps-with-where": {
        "sequence": [
            {"event": "page_view", "where": [{"property": "category", "op": "eq", "value": "running"}]},
            {"event": "purchase"},
        ],
        "within": "30d",
        "window": {"last": "1y"},
    },
    "cart-then-purchase-match": {
        "sequence": [{"event": "add_to_cart"}, {"event": "purchase"}],
        "within": "7d",
        "match_on": "cart_id",
    },
    "product-match": {"sequence": [{"event": "page_view"}, {"event": "purchase"}], "match_on": "product_id"},
    "calendar-within": {"sequence": [{"event": "email_open"}, {"event": "purchase"}], "within": "3mo"},
    "abandoned-cart": {
        "sequence": [{"event": "add_to_cart"}, {"not": {"event": "purchase"}}],
        "within": "2h",
        "match_on": "cart_id",
    },
    "abandoned-any-cart": {"sequence": [{"event": "add_to_cart"}, {"not": {"event": "purchase"}}], "within": "2h"},
    "abandoned-window": {
        "sequence": [{"event": "add_to_cart"}, {"not": {"event": "purchase"}}],
        "within": "1h",
        "window": {"last": "7d"},
        "match_on": "cart_id",
    },
    "push-ignored-no-within": {"sequence": [{"event": "email_open"}, {"not": {"event": "email_click"}}]},
    "same-name-negated": {"sequence": [{"event": "page_view"}, {"not": {"event": "page_view"}}], "within": "24h"},
    # one step repeated: counted when the window is within reach, chained otherwise
    "repeat-in-reach": {
        "sequence": [{"event": "page_view"}, {"event": "page_view"}],
        "within": "30d",
        "window": {"last": "30d"},
        "match_on": "product_id",
    },
    "repeat-out-of-reach": {
        "sequence": [{"event": "page_view"}, {"event": "page_view"}],
        "within": "2d",
        "window": {"last": "90d"},
        "match_on": "product_id",
    },
    "repeat-three-no-within": {"sequence": [{"event": "purchase"}, {"event": "purchase"}, {"event": "purchase"}]},
    "repeat-with-where": {
        "sequence": [
            {"event": "page_view", "where": [{"property": "category", "op": "eq", "value": "running"}]},
            {"event": "page_view", "where": [{"property": "category", "op": "eq", "value": "running"}]},
        ],
        "within": "60d",
        "window": {"last": "60d"},
    },
}

GROUP_CASES = {
    "empty-all": {"all": []},
    "empty-any": {"any": []},
    "not-empty-any": {"not": {"any": []}},
    "not-vs-negative": {"not": {"attribute": "city", "op": "eq", "value": "Gdańsk"}},
    "not-event": {"not": {"event": "purchase", "window": {"last": "30d"}}},
    "nested": {
        "all": [
            {"any": [a("city", "eq", "Gdańsk"), a("tags", "has", "vip")]},
            {"not": ev("email_open", window={"last": "30d"})},
            ev("purchase", aggregate={"fn": "sum", "property": "amount"}, op="gte", value=10),
        ]
    },
    "same-condition-twice": {
        "any": [ev("purchase", window={"last": "7d"}), {"not": ev("purchase", window={"last": "7d"})}]
    },
    "double-not": {"not": {"not": a("status", "eq", "vip")}},
    # aggregates over no events of their own, for contacts the shared pass still groups
    "empty-last-time-beside-any-event": {
        "all": [
            ev("*", window={"last": "7d"}),
            ev("email_open", aggregate={"fn": "last_time"}, op="before", value={"ago": "7d"}),
        ]
    },
    "empty-min-beside-any-event": {
        "all": [
            ev("*", window={"last": "30d"}),
            ev("add_to_cart", aggregate={"fn": "min", "property": "amount"}, op="ne", value=10),
        ]
    },
    # attributes every member must have: only those contacts' events are aggregated
    "candidates-all": {
        "all": [
            a("city", "in", ["Gdańsk", "Kraków"]),
            a("email_consent", "is_true"),
            ev("purchase", window={"last": "30d"}, op="gte", value=1),
            {"not": ev("page_view", window={"last": "7d"})},
        ]
    },
    "candidates-any-of-alls": {
        "any": [
            {"all": [a("city", "eq", "Gdańsk"), ev("purchase")]},
            {"all": [a("status", "eq", "vip"), {"not": ev("email_open", window={"last": "30d"})}]},
        ]
    },
    "candidates-not-attribute": {"all": [{"not": a("city", "eq", "Gdańsk")}, ev("app_open", op="eq", value=0)]},
    "no-candidates-any-with-event": {"any": [a("city", "eq", "Gdańsk"), ev("purchase", window={"last": "7d"})]},
    "empty-avg-beside-any-event": {
        "all": [
            ev("*", window={"last": "30d"}),
            ev("purchase", window={"last": "7d"}, aggregate={"fn": "avg", "property": "amount"}, op="lt", value=100),
        ]
    },
}

CASES = {**ATTRIBUTE_CASES, **EVENT_CASES, **MONEY_CASES, **SEQUENCE_CASES, **GROUP_CASES}

# Complements: C with its negative operator selects exactly the contacts `not C` selects.
NEGATION_PAIRS = {
    "ne": (a("city", "eq", "Gdańsk"), a("city", "ne", "Gdańsk")),
    "not_in": (a("loyalty_points", "in", [0, 10]), a("loyalty_points", "not_in", [0, 10])),
    "not_contains": (a("city", "contains", "k"), a("city", "not_contains", "k")),
    "has_not": (a("tags", "has", "newsletter"), a("tags", "has_not", "newsletter")),
    "not_within_last": (a("created_at", "within_last", "7d"), a("created_at", "not_within_last", "7d")),
    "is_not_set": (a("city", "is_set"), a("city", "is_not_set")),
    "event-ne": (ev("purchase", op="eq", value=1), ev("purchase", op="ne", value=1)),
    "avg-ne": (spent("avg", "eq", 100.1), spent("avg", "ne", 100.1)),
}


def rules():
    """A hypothesis strategy of rules: the cases above, nested in all, any and not."""
    from hypothesis import strategies as st

    leaf = st.sampled_from(sorted(CASES)).map(lambda k: CASES[k])
    return st.recursive(
        leaf,
        lambda children: st.one_of(
            st.lists(children, max_size=3).map(lambda rs: {"all": rs}),
            st.lists(children, max_size=3).map(lambda rs: {"any": rs}),
            children.map(lambda r: {"not": r}),
        ),
        max_leaves=5,
    )
