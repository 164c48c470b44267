"""Hand-computed cases that pin the reference evaluation (tests/reference.py) to the
contract (SEGMENT_SPEC.md §1, §3, §4) and to docs/semantics.md.

Every expected set below was worked out by hand from the documents, never by running
the oracle. Times are UTC unless a case says otherwise; T is the evaluation instant.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from tests.reference import evaluate

T = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)  # a Sunday, 12:00 UTC (14:00 in Warsaw)
WARSAW = "Europe/Warsaw"

_event_ids = itertools.count(1)


def at(text: str) -> datetime:
    """An aware datetime from ISO text; no offset means UTC."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def contact(cid: str, created_at: str = "2020-01-01T00:00:00", **fields) -> dict:
    """A contacts row with every SPEC §1 column (nulls and false consents by default)."""
    row = {
        "contact_id": cid,
        "email": None,
        "phone": None,
        "push_token": None,
        "first_name": None,
        "last_name": None,
        "gender": None,
        "birth_date": None,
        "city": None,
        "country": None,
        "language": None,
        "status": None,
        "tags": None,
        "email_consent": False,
        "sms_consent": False,
        "push_consent": False,
        "created_at": at(created_at),
        "updated_at": at(created_at),
    }
    row.update(fields)
    return row


def event(
    cid: str | None,
    name: str,
    when: str,
    *,
    anon: str | None = None,
    eid: str | None = None,
    properties: dict | None = None,
    **columns,
) -> dict:
    """An events row with every SPEC §1 column."""
    row = {
        "event_id": eid or f"e{next(_event_ids):05d}",
        "contact_id": cid,
        "anonymous_id": anon,
        "source": "web",
        "name": name,
        "ts": at(when),
        "received_at": at(when),
        "url": None,
        "category": None,
        "product_id": None,
        "campaign_id": None,
        "channel": None,
        "currency": None,
        "amount": None,
        "duration_s": None,
        "quantity": None,
        "properties": properties,
    }
    row.update(columns)
    return row


def link(anon: str, cid: str, when: str) -> dict:
    return {"anonymous_id": anon, "contact_id": cid, "linked_at": at(when)}


def run(rule, contacts, events=(), identities=(), *, as_of=T, tz="UTC", **kw) -> set:
    return evaluate(
        rule,
        contacts=list(contacts),
        events=list(events),
        identities=list(identities),
        as_of=as_of,
        tz=tz,
        **kw,
    )


def attr(name, op, value=None):
    rule = {"attribute": name, "op": op}
    if value is not None:
        rule["value"] = value
    return rule


# ======================================================================================
# Attribute conditions: every operator family, nulls under positive and negative ops
# ======================================================================================

PEOPLE = [
    contact(
        "a",
        city="Warszawa",
        status="vip",
        email="Anna@Example.com",
        tags=["vip", "newsletter"],
        email_consent=True,
        birth_date=date(1990, 6, 3),
        vip_flag=True,
        orders=3,
        score=4.5,
        last_order_date=date(2026, 5, 30),
        last_seen=at("2026-05-31T10:00:00"),
    ),
    contact(
        "b",
        city="Kraków",
        status="customer",
        email="bob@test.pl",
        tags=[],
        birth_date=date(1985, 5, 31),
        vip_flag=False,
        orders=0,
        score=2,
        last_order_date=date(2026, 5, 1),
        last_seen=at("2026-05-20T00:00:00"),
    ),
    contact(
        "c",
        vip_flag=None,
        orders=None,
        score=None,
        last_order_date=None,
        last_seen=None,
    ),
    contact(
        "d",
        city="",
        status="lead",
        email="",
        tags=["newsletter"],
        birth_date=date(1970, 12, 31),
        vip_flag=None,
        orders=12,
        score=10.0,
        last_order_date=date(2025, 12, 31),
        last_seen=at("2026-01-01T00:00:00"),
    ),
    # Created after T: never in any result at T.
    contact(
        "late",
        created_at="2026-06-01T00:00:00",
        city="Warszawa",
        status="vip",
        tags=["vip"],
        email_consent=True,
        orders=3,
        last_seen=at("2026-05-31T11:00:00"),
    ),
]
EVERYONE = {"a", "b", "c", "d"}

ATTRIBUTE_CASES = [
    # string: exact and case-sensitive
    ("str-eq", attr("city", "eq", "Warszawa"), {"a"}),
    ("str-eq-case-sensitive", attr("city", "eq", "warszawa"), set()),
    ("str-eq-empty-string", attr("city", "eq", ""), {"d"}),
    ("str-ne-matches-null-and-empty", attr("city", "ne", "Warszawa"), {"b", "c", "d"}),
    ("str-in", attr("city", "in", ["Warszawa", "Kraków"]), {"a", "b"}),
    ("str-not-in", attr("city", "not_in", ["Warszawa", "Kraków"]), {"c", "d"}),
    # string: contains / starts_with / ends_with ignore case
    ("str-contains-ignores-case", attr("city", "contains", "KRA"), {"b"}),
    ("str-contains-unicode-case", attr("city", "contains", "KÓW"), {"b"}),
    ("str-not-contains", attr("city", "not_contains", "kra"), {"a", "c", "d"}),
    ("str-starts-with", attr("city", "starts_with", "war"), {"a"}),
    ("str-ends-with", attr("city", "ends_with", "ÓW"), {"b"}),
    ("str-email-contains", attr("email", "contains", "example.COM"), {"a"}),
    # is_set: "" is not set
    ("str-is-set", attr("city", "is_set"), {"a", "b"}),
    ("str-is-not-set", attr("city", "is_not_set"), {"c", "d"}),
    # number (int and float columns)
    ("num-eq", attr("orders", "eq", 3), {"a"}),
    ("num-ne", attr("orders", "ne", 3), {"b", "c", "d"}),
    ("num-gt", attr("orders", "gt", 0), {"a", "d"}),
    ("num-gte", attr("orders", "gte", 3), {"a", "d"}),
    ("num-lt", attr("orders", "lt", 3), {"b"}),
    ("num-lte", attr("orders", "lte", 3), {"a", "b"}),
    ("num-between-inclusive", attr("orders", "between", [3, 12]), {"a", "d"}),
    ("num-between-zero", attr("orders", "between", [0, 2]), {"b"}),
    ("num-in", attr("orders", "in", [0, 12]), {"b", "d"}),
    ("num-not-in", attr("orders", "not_in", [0, 12]), {"a", "c"}),
    ("num-float-eq-int", attr("score", "eq", 10), {"d"}),
    ("num-int-eq-float", attr("score", "eq", 2.0), {"b"}),
    ("num-float-gt", attr("score", "gt", 4), {"a", "d"}),
    ("num-zero-is-set", attr("orders", "is_set"), {"a", "b", "d"}),
    ("num-is-not-set", attr("orders", "is_not_set"), {"c"}),
    # boolean
    ("bool-is-true", attr("email_consent", "is_true"), {"a"}),
    ("bool-is-false", attr("email_consent", "is_false"), {"b", "c", "d"}),
    ("bool-null-is-true", attr("vip_flag", "is_true"), {"a"}),
    ("bool-null-is-false", attr("vip_flag", "is_false"), {"b"}),
    ("bool-false-is-set", attr("vip_flag", "is_set"), {"a", "b"}),
    ("bool-is-not-set", attr("vip_flag", "is_not_set"), {"c", "d"}),
    # array of string: [] is not set
    ("arr-has", attr("tags", "has", "vip"), {"a"}),
    ("arr-has-case-sensitive", attr("tags", "has", "VIP"), set()),
    ("arr-has-not", attr("tags", "has_not", "vip"), {"b", "c", "d"}),
    ("arr-has-any", attr("tags", "has_any", ["vip", "newsletter"]), {"a", "d"}),
    ("arr-has-all", attr("tags", "has_all", ["vip", "newsletter"]), {"a"}),
    ("arr-has-all-one", attr("tags", "has_all", ["newsletter"]), {"a", "d"}),
    ("arr-is-set", attr("tags", "is_set"), {"a", "d"}),
    ("arr-is-not-set", attr("tags", "is_not_set"), {"b", "c"}),
    # date (T = 2026-05-31 12:00 UTC): TIME values are local dates
    ("date-eq", attr("last_order_date", "eq", "2026-05-30"), {"a"}),
    ("date-before", attr("last_order_date", "before", "2026-05-01"), {"d"}),
    ("date-after", attr("last_order_date", "after", "2026-05-01"), {"a"}),
    (
        "date-between-inclusive",
        attr("last_order_date", "between", ["2026-05-01", "2026-05-30"]),
        {"a", "b"},
    ),
    (
        "date-eq-instant-is-its-local-date",
        attr("last_order_date", "eq", "2026-05-30T23:30:00+02:00"),
        {"a"},
    ),
    # T - 1d = 2026-05-30 12:00 -> date 2026-05-30; before means v < 2026-05-30
    ("date-before-ago", attr("last_order_date", "before", {"ago": "1d"}), {"b", "d"}),
    # date(T - 7d) = 2026-05-24 < v <= 2026-05-31
    ("date-within-last-7d", attr("last_order_date", "within_last", "7d"), {"a"}),
    # T - 1mo = 2026-04-30 12:00 -> 2026-04-30 < v <= 2026-05-31
    ("date-within-last-1mo", attr("last_order_date", "within_last", "1mo"), {"a", "b"}),
    # date(T - 30d) = 2026-05-01 < v: 2026-05-01 itself is out
    ("date-within-last-30d", attr("last_order_date", "within_last", "30d"), {"a"}),
    (
        "date-not-within-last-matches-null",
        attr("last_order_date", "not_within_last", "7d"),
        {"b", "c", "d"},
    ),
    ("date-is-not-set", attr("last_order_date", "is_not_set"), {"c"}),
    # anniversary on birth_date, today = 2026-05-31
    ("anniv-today", attr("birth_date", "anniversary_within_days", 0), {"b"}),
    ("anniv-n2", attr("birth_date", "anniversary_within_days", 2), {"b"}),
    ("anniv-n3", attr("birth_date", "anniversary_within_days", 3), {"a", "b"}),
    (
        "anniv-n365-all-set",
        attr("birth_date", "anniversary_within_days", 365),
        {"a", "b", "d"},
    ),
    # timestamp (last_seen), T - 2h = 10:00 exactly = a's value, which is excluded
    ("ts-within-last-edge", attr("last_seen", "within_last", "2h"), set()),
    ("ts-within-last-121m", attr("last_seen", "within_last", "121m"), {"a"}),
    ("ts-not-within-last", attr("last_seen", "not_within_last", "2h"), EVERYONE),
    ("ts-before-date-is-day-start", attr("last_seen", "before", "2026-05-20"), {"d"}),
    ("ts-after-date-is-day-end", attr("last_seen", "after", "2026-05-20"), {"a"}),
    ("ts-eq-date-whole-day", attr("last_seen", "eq", "2026-05-20"), {"b"}),
    ("ts-eq-instant", attr("last_seen", "eq", "2026-05-20T00:00:00Z"), {"b"}),
    (
        "ts-eq-instant-offset",
        attr("last_seen", "eq", "2026-05-20T02:00:00+02:00"),
        {"b"},
    ),
    ("ts-eq-instant-miss", attr("last_seen", "eq", "2026-05-20T00:00:01Z"), set()),
    (
        "ts-before-instant-strict",
        attr("last_seen", "before", "2026-05-20T00:00:00"),
        {"d"},
    ),
    (
        "ts-after-instant-strict",
        attr("last_seen", "after", "2026-05-20T00:00:00"),
        {"a"},
    ),
    (
        "ts-between-date-and-instant",
        attr("last_seen", "between", ["2026-05-20", "2026-05-31T10:00:00Z"]),
        {"a", "b"},
    ),
    (
        "ts-between-inclusive-no-offset-is-utc",
        attr("last_seen", "between", ["2026-01-01T00:00:00", "2026-05-20T00:00:00"]),
        {"b", "d"},
    ),
    ("ts-after-ago", attr("last_seen", "after", {"ago": "3h"}), {"a"}),
    # created_at of everyone in the universe is 2020-01-01
    ("ts-created-before", attr("created_at", "before", "2021-01-01"), EVERYONE),
]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [pytest.param(rule, expected, id=name) for name, rule, expected in ATTRIBUTE_CASES],
)
def test_attribute_operators(rule, expected):
    assert run(rule, PEOPLE) == expected


# `not` C and C with its negative operator select the same contacts (SPEC §3).
NEGATION_CASES = [
    (
        "eq/ne",
        attr("city", "eq", "Warszawa"),
        attr("city", "ne", "Warszawa"),
        {"b", "c", "d"},
    ),
    (
        "in/not_in",
        attr("orders", "in", [0, 3]),
        attr("orders", "not_in", [0, 3]),
        {"c", "d"},
    ),
    (
        "contains/not_contains",
        attr("email", "contains", "@"),
        attr("email", "not_contains", "@"),
        {"c", "d"},
    ),
    (
        "has/has_not",
        attr("tags", "has", "newsletter"),
        attr("tags", "has_not", "newsletter"),
        {"b", "c"},
    ),
    (
        "within_last/not_within_last",
        attr("last_seen", "within_last", "30d"),
        attr("last_seen", "not_within_last", "30d"),
        {"c", "d"},
    ),
    (
        "is_set/is_not_set",
        attr("tags", "is_set"),
        attr("tags", "is_not_set"),
        {"b", "c"},
    ),
]


@pytest.mark.parametrize(
    ("positive", "negative", "expected"),
    [pytest.param(p, n, e, id=name) for name, p, n, e in NEGATION_CASES],
)
def test_not_equals_negative_operator(positive, negative, expected):
    assert run({"not": positive}, PEOPLE) == expected
    assert run(negative, PEOPLE) == expected
    assert run(positive, PEOPLE) == EVERYONE - expected


# ======================================================================================
# Groups and the universe
# ======================================================================================

GROUP_CASES = [
    ("all-empty-is-universe", {"all": []}, EVERYONE),
    ("any-empty-is-nobody", {"any": []}, set()),
    ("not-any-empty", {"not": {"any": []}}, EVERYONE),
    ("not-all-empty", {"not": {"all": []}}, set()),
    (
        "all",
        {"all": [attr("city", "eq", "Warszawa"), attr("status", "eq", "vip")]},
        {"a"},
    ),
    (
        "any",
        {"any": [attr("city", "eq", "Warszawa"), attr("orders", "gt", 10)]},
        {"a", "d"},
    ),
    ("not-not", {"not": {"not": attr("status", "eq", "lead")}}, {"d"}),
    (
        "nested",
        {
            "all": [
                {
                    "any": [
                        attr("tags", "has", "newsletter"),
                        attr("status", "eq", "customer"),
                    ]
                },
                {"not": attr("email_consent", "is_true")},
            ]
        },
        {"b", "d"},
    ),
]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [pytest.param(rule, expected, id=name) for name, rule, expected in GROUP_CASES],
)
def test_groups(rule, expected):
    assert run(rule, PEOPLE) == expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        pytest.param(T, EVERYONE, id="before-created-at"),
        pytest.param(at("2026-06-01T00:00:00"), EVERYONE | {"late"}, id="at-created-at"),
    ],
)
def test_universe_is_created_at_le_t(as_of, expected):
    assert run({"all": []}, PEOPLE, as_of=as_of) == expected


def test_contact_created_after_t_is_in_no_result():
    # "late" is a vip from Warszawa with email consent but is created after T.
    assert run(attr("status", "eq", "vip"), PEOPLE) == {"a"}
    assert run(attr("status", "ne", "customer"), PEOPLE) == {"a", "c", "d"}
    assert run({"event": "page_view", "op": "eq", "value": 0}, PEOPLE) == EVERYONE


# ======================================================================================
# Event windows: edges at T - D and T
# ======================================================================================

WINDOW_CONTACTS = {
    "at_start": "2026-05-24T12:00:00",  # exactly T - 7d
    "after_start": "2026-05-24T12:00:00.000001",
    "before_start": "2026-05-24T11:59:59.999999",
    "day_end": "2026-05-24T23:59:59.999999",
    "at_T": "2026-05-31T12:00:00",
    "after_T": "2026-05-31T12:00:00.000001",
    "early": "2026-05-01T00:00:00",
}
WINDOW_PEOPLE = [contact(cid) for cid in WINDOW_CONTACTS] + [contact("no_events")]
WINDOW_EVENTS = [event(cid, "page_view", when) for cid, when in WINDOW_CONTACTS.items()]

WINDOW_CASES = [
    ("last-7d", {"last": "7d"}, {"after_start", "day_end", "at_T"}),
    ("last-1w", {"last": "1w"}, {"after_start", "day_end", "at_T"}),
    ("last-168h", {"last": "168h"}, {"after_start", "day_end", "at_T"}),
    ("last-10080m", {"last": "10080m"}, {"after_start", "day_end", "at_T"}),
    ("last-604800s", {"last": "604800s"}, {"after_start", "day_end", "at_T"}),
    (
        "since-instant-inclusive",
        {"since": "2026-05-24T12:00:00Z"},
        {"at_start", "after_start", "day_end", "at_T"},
    ),
    (
        "since-instant-offset",
        {"since": "2026-05-24T14:00:00+02:00"},
        {"at_start", "after_start", "day_end", "at_T"},
    ),
    (
        "since-ago",
        {"since": {"ago": "7d"}},
        {"at_start", "after_start", "day_end", "at_T"},
    ),
    (
        "since-date-is-day-start",
        {"since": "2026-05-24"},
        {"at_start", "after_start", "before_start", "day_end", "at_T"},
    ),
    (
        "between-dates-whole-days",
        {"between": ["2026-05-01", "2026-05-24"]},
        {"early", "at_start", "after_start", "before_start", "day_end"},
    ),
    (
        "between-instants-inclusive",
        {"between": ["2026-05-24T12:00:00Z", "2026-05-31T12:00:00Z"]},
        {"at_start", "after_start", "day_end", "at_T"},
    ),
    ("between-capped-at-T", {"between": ["2026-05-25", "2026-06-30"]}, {"at_T"}),
    (
        "between-agos",
        {"between": [{"ago": "30d"}, {"ago": "7d"}]},  # [05-01 12:00, 05-24 12:00]
        {"at_start", "before_start"},
    ),
    (
        "no-window-is-all-time-up-to-T",
        None,
        {"at_start", "after_start", "before_start", "day_end", "at_T", "early"},
    ),
]


@pytest.mark.parametrize(
    ("window", "expected"),
    [pytest.param(w, e, id=name) for name, w, e in WINDOW_CASES],
)
def test_event_window_edges(window, expected):
    rule = {"event": "page_view"}
    if window is not None:
        rule["window"] = window
    assert run(rule, WINDOW_PEOPLE, WINDOW_EVENTS) == expected


# ======================================================================================
# Calendar months and years (clamped to the month's last day)
# ======================================================================================

CALENDAR_CASES = [
    # T = 2026-05-31 12:00; T - 3mo = 2026-02-28 12:00 (clamped), excluded
    ("3mo-start-excluded", T, "3mo", "2026-02-28T12:00:00", False),
    ("3mo-just-after-start", T, "3mo", "2026-02-28T12:00:01", True),
    ("3mo-same-day-earlier", T, "3mo", "2026-02-28T11:00:00", False),
    ("3mo-march-1", T, "3mo", "2026-03-01T00:00:00", True),
    # T - 90d = 2026-03-02 12:00, but 3mo reaches back further
    ("3mo-is-not-90d", T, "3mo", "2026-03-02T11:00:00", True),
    # leap year: 2024-05-31 - 3mo = 2024-02-29 12:00
    (
        "3mo-leap-start-excluded",
        at("2024-05-31T12:00:00"),
        "3mo",
        "2024-02-29T12:00:00",
        False,
    ),
    ("3mo-leap-before", at("2024-05-31T12:00:00"), "3mo", "2024-02-29T11:00:00", False),
    ("3mo-leap-after", at("2024-05-31T12:00:00"), "3mo", "2024-02-29T13:00:00", True),
    # 2026-03-31 - 1mo = 2026-02-28
    (
        "1mo-from-31-march",
        at("2026-03-31T00:00:00"),
        "1mo",
        "2026-02-28T00:00:01",
        True,
    ),
    (
        "1mo-from-31-march-edge",
        at("2026-03-31T00:00:00"),
        "1mo",
        "2026-02-28T00:00:00",
        False,
    ),
    (
        "1mo-from-31-march-feb-27",
        at("2026-03-31T00:00:00"),
        "1mo",
        "2026-02-27T23:00:00",
        False,
    ),
    # 2028-02-29 - 1y = 2027-02-28 12:00
    (
        "1y-from-29-feb-edge",
        at("2028-02-29T12:00:00"),
        "1y",
        "2027-02-28T12:00:00",
        False,
    ),
    (
        "1y-from-29-feb-after",
        at("2028-02-29T12:00:00"),
        "1y",
        "2027-02-28T12:00:01",
        True,
    ),
    (
        "1y-from-29-feb-march",
        at("2028-02-29T12:00:00"),
        "1y",
        "2027-03-01T00:00:00",
        True,
    ),
    # 12mo = 1y
    ("12mo", T, "12mo", "2025-05-31T12:00:01", True),
    ("12mo-edge", T, "12mo", "2025-05-31T12:00:00", False),
]


@pytest.mark.parametrize(
    ("as_of", "duration", "when", "expected"),
    [pytest.param(t, d, w, e, id=name) for name, t, d, w, e in CALENDAR_CASES],
)
def test_calendar_windows(as_of, duration, when, expected):
    people = [contact("x")]
    events = [event("x", "purchase", when)]
    rule = {"event": "purchase", "window": {"last": duration}}
    assert run(rule, people, events, as_of=as_of) == ({"x"} if expected else set())


def test_calendar_ago_in_time_value():
    # {"ago": "1mo"} at 2026-03-31 00:00 = 2026-02-28 00:00
    people = [
        contact("on", seen=at("2026-02-28T00:00:00")),
        contact("before", seen=at("2026-02-27T23:59:59")),
    ]
    as_of = at("2026-03-31T00:00:00")
    assert run(attr("seen", "eq", {"ago": "1mo"}), people, as_of=as_of) == {"on"}
    assert run(attr("seen", "before", {"ago": "1mo"}), people, as_of=as_of) == {"before"}


# ======================================================================================
# Anniversaries
# ======================================================================================

ANNIVERSARY_CASES = [
    # T = 2026-12-29, N = 7: today .. today + 7 = Dec 29 .. Jan 5
    ("year-end-dec-28", "2026-12-29T12:00:00", date(1990, 12, 28), 7, False),
    ("year-end-dec-29", "2026-12-29T12:00:00", date(1990, 12, 29), 7, True),
    ("year-end-dec-31", "2026-12-29T12:00:00", date(1990, 12, 31), 7, True),
    ("year-end-jan-4", "2026-12-29T12:00:00", date(1990, 1, 4), 7, True),
    ("year-end-jan-5", "2026-12-29T12:00:00", date(1990, 1, 5), 7, True),
    ("year-end-jan-6", "2026-12-29T12:00:00", date(1990, 1, 6), 7, False),
    ("n0-today", "2026-12-29T12:00:00", date(1990, 12, 29), 0, True),
    ("n0-tomorrow", "2026-12-29T12:00:00", date(1990, 12, 30), 0, False),
    ("n0-yesterday", "2026-12-29T12:00:00", date(1990, 12, 28), 0, False),
    ("future-birth-date", "2026-12-29T12:00:00", date(2030, 12, 30), 1, True),
    # 29 February
    ("feb29-on-feb28-non-leap", "2027-02-28T12:00:00", date(2000, 2, 29), 0, True),
    ("feb29-on-mar1-non-leap", "2027-03-01T12:00:00", date(2000, 2, 29), 0, False),
    ("feb29-on-feb27-n0", "2027-02-27T12:00:00", date(2000, 2, 29), 0, False),
    ("feb29-on-feb27-n1", "2027-02-27T12:00:00", date(2000, 2, 29), 1, True),
    ("feb29-on-feb28-leap", "2028-02-28T12:00:00", date(2000, 2, 29), 0, False),
    ("feb29-on-feb29-leap", "2028-02-29T12:00:00", date(2000, 2, 29), 0, True),
    ("feb29-from-feb27-leap-n2", "2028-02-27T12:00:00", date(2000, 2, 29), 2, True),
    ("feb29-from-feb27-leap-n1", "2028-02-27T12:00:00", date(2000, 2, 29), 1, False),
    ("feb28-on-feb29-leap", "2028-02-29T12:00:00", date(2001, 2, 28), 0, False),
    ("feb28-on-feb28-leap", "2028-02-28T12:00:00", date(2001, 2, 28), 0, True),
    ("mar1-on-feb29-leap-n1", "2028-02-29T12:00:00", date(2001, 3, 1), 1, True),
    # N >= 365: every day
    ("n365", "2026-07-16T12:00:00", date(1990, 7, 15), 365, True),
    (
        "n364-covers-a-non-leap-year",
        "2026-07-16T12:00:00",
        date(1990, 7, 15),
        364,
        True,
    ),
    # 2027-03-01 + 364d = 2028-02-28, a leap year's 28th: not 29 February's day
    ("n364-misses-feb29", "2027-03-01T12:00:00", date(2000, 2, 29), 364, False),
    ("n365-feb29", "2027-03-01T12:00:00", date(2000, 2, 29), 365, True),
    ("n1000", "2026-07-16T12:00:00", date(1990, 7, 15), 1000, True),
]


@pytest.mark.parametrize(
    ("as_of", "born", "n", "expected"),
    [pytest.param(t, b, n, e, id=name) for name, t, b, n, e in ANNIVERSARY_CASES],
)
def test_anniversary(as_of, born, n, expected):
    people = [contact("x", birth_date=born), contact("nobirth")]
    rule = attr("birth_date", "anniversary_within_days", n)
    assert run(rule, people, as_of=at(as_of)) == ({"x"} if expected else set())


# ======================================================================================
# Non-UTC workspace time zone (Europe/Warsaw: CET +1 in winter, CEST +2 in summer)
# ======================================================================================


@pytest.mark.parametrize(
    ("tz", "expected"),
    [pytest.param("UTC", 1, id="utc"), pytest.param(WARSAW, 2, id="warsaw")],
)
def test_distinct_days_use_local_dates(tz, expected):
    # 21:30Z = 23:30 on May 30 in Warsaw; 22:30Z = 00:30 on May 31 in Warsaw
    people = [contact("x")]
    events = [
        event("x", "app_open", "2026-05-30T21:30:00"),
        event("x", "app_open", "2026-05-30T22:30:00"),
    ]
    rule = {
        "event": "app_open",
        "aggregate": {"fn": "distinct_days"},
        "op": "eq",
        "value": expected,
    }
    assert run(rule, people, events, tz=tz) == {"x"}


# T = 2026-05-31 22:30Z: in UTC today is May 31 and date(T - 7d) = May 24;
# in Warsaw T is 00:30 on June 1 and date(T - 7d) = May 25.
LATE_T = at("2026-05-31T22:30:00")
DATE_TZ_CASES = [
    ("utc-may-25", "UTC", date(2026, 5, 25), True),
    ("warsaw-may-25", WARSAW, date(2026, 5, 25), False),
    ("utc-may-26", "UTC", date(2026, 5, 26), True),
    ("warsaw-may-26", WARSAW, date(2026, 5, 26), True),
    ("utc-june-1", "UTC", date(2026, 6, 1), False),
    ("warsaw-june-1", WARSAW, date(2026, 6, 1), True),
]


@pytest.mark.parametrize(
    ("tz", "value", "expected"),
    [pytest.param(tz, v, e, id=name) for name, tz, v, e in DATE_TZ_CASES],
)
def test_date_within_last_uses_local_dates(tz, value, expected):
    people = [contact("x", last_order_date=value)]
    rule = attr("last_order_date", "within_last", "7d")
    assert run(rule, people, as_of=LATE_T, tz=tz) == ({"x"} if expected else set())


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        pytest.param("UTC", {"ts_local"}, id="utc"),
        pytest.param(WARSAW, {"x", "ts_local"}, id="warsaw"),
    ],
)
def test_anniversary_uses_local_today_and_local_date_of_timestamps(tz, expected):
    # T = 2026-03-14 23:30Z: today is March 14 in UTC, March 15 in Warsaw (CET).
    people = [
        contact("x", birth_date=date(1990, 3, 15)),
        # 2020-03-15 23:30Z: March 15 in UTC, March 16 in Warsaw
        contact("ts_next", first_buy=at("2020-03-15T23:30:00")),
        # 2020-03-14 23:15Z: March 14 in UTC, March 15 in Warsaw
        contact("ts_local", first_buy=at("2020-03-14T23:15:00")),
    ]
    as_of = at("2026-03-14T23:30:00")
    rule = {
        "any": [
            attr("birth_date", "anniversary_within_days", 0),
            attr("first_buy", "anniversary_within_days", 0),
        ]
    }
    assert run(rule, people, as_of=as_of, tz=tz) == expected


TZ_TIME_CASES = [
    # 2026-05-19 22:30Z is 2026-05-20 00:30 in Warsaw (CEST)
    ("ts-eq-date-utc", "UTC", attr("seen", "eq", "2026-05-20"), set()),
    ("ts-eq-date-warsaw", WARSAW, attr("seen", "eq", "2026-05-20"), {"x"}),
    ("ts-before-date-utc", "UTC", attr("seen", "before", "2026-05-20"), {"x"}),
    ("ts-before-date-warsaw", WARSAW, attr("seen", "before", "2026-05-20"), set()),
    # a date field compared with an instant takes the instant's local date
    ("date-eq-instant-utc", "UTC", attr("day", "eq", "2026-05-19T22:30:00Z"), set()),
    (
        "date-eq-instant-warsaw",
        WARSAW,
        attr("day", "eq", "2026-05-19T22:30:00Z"),
        {"x"},
    ),
]


@pytest.mark.parametrize(
    ("tz", "rule", "expected"),
    [pytest.param(tz, r, e, id=name) for name, tz, r, e in TZ_TIME_CASES],
)
def test_time_values_in_workspace_time_zone(tz, rule, expected):
    people = [contact("x", seen=at("2026-05-19T22:30:00"), day=date(2026, 5, 20))]
    assert run(rule, people, tz=tz) == expected


@pytest.mark.parametrize(
    ("tz", "window", "expected"),
    [
        # Warsaw May 24 starts at 2026-05-23 22:00Z
        pytest.param("UTC", {"since": "2026-05-24"}, set(), id="since-date-utc"),
        pytest.param(WARSAW, {"since": "2026-05-24"}, {"x"}, id="since-date-warsaw"),
        # Warsaw May 23 ends at 2026-05-23 21:59:59.999999Z
        pytest.param(
            "UTC",
            {"between": ["2026-05-01", "2026-05-23"]},
            {"x"},
            id="between-date-utc",
        ),
        pytest.param(
            WARSAW,
            {"between": ["2026-05-01", "2026-05-23"]},
            set(),
            id="between-date-warsaw",
        ),
    ],
)
def test_date_window_bounds_are_local_days(tz, window, expected):
    people = [contact("x")]
    events = [event("x", "page_view", "2026-05-23T22:30:00")]
    assert run({"event": "page_view", "window": window}, people, events, tz=tz) == expected


@pytest.mark.parametrize(
    ("tz", "when", "expected"),
    [
        # UTC: T - 3mo = 2026-02-28 12:00Z
        pytest.param("UTC", "2026-02-28T12:30:00", True, id="utc-12:30"),
        pytest.param("UTC", "2026-02-28T12:00:00", False, id="utc-edge"),
        # Warsaw: T = 14:00 CEST; 2026-02-28 14:00 CET = 13:00Z (local wall-clock)
        pytest.param(WARSAW, "2026-02-28T12:30:00", False, id="warsaw-12:30"),
        pytest.param(WARSAW, "2026-02-28T13:00:00", False, id="warsaw-edge"),
        pytest.param(WARSAW, "2026-02-28T13:00:01", True, id="warsaw-after-edge"),
    ],
)
def test_calendar_months_move_the_local_wall_clock(tz, when, expected):
    people = [contact("x")]
    events = [event("x", "purchase", when)]
    rule = {"event": "purchase", "window": {"last": "3mo"}}
    assert run(rule, people, events, tz=tz) == ({"x"} if expected else set())


def test_days_are_24_hours_across_dst():
    # DST starts in Warsaw on 2026-03-29; T - 1d is still T - 24h.
    as_of = at("2026-03-29T12:00:00")
    people = [contact("x"), contact("y")]
    events = [
        event("x", "page_view", "2026-03-28T12:00:00"),  # exactly T - 24h: out
        event("y", "page_view", "2026-03-28T12:00:01"),
    ]
    rule = {"event": "page_view", "window": {"last": "1d"}}
    assert run(rule, people, events, as_of=as_of, tz=WARSAW) == {"y"}


# ======================================================================================
# Aggregates
# ======================================================================================

AGG_PEOPLE = [contact("x"), contact("y"), contact("z")]
AGG_EVENTS = [
    event("x", "purchase", "2026-05-01T10:00:00", amount=100.0, properties={"sku": "A"}),
    event("x", "purchase", "2026-05-01T20:00:00", amount=50.5, properties={"sku": "B"}),
    event("x", "purchase", "2026-05-10T09:00:00", properties={"sku": "A"}),
    event("x", "page_view", "2026-05-12T09:00:00", amount=999.0),
    event("x", "purchase", "2026-06-02T09:00:00", amount=1000.0),  # after T
    event("y", "purchase", "2026-04-01T00:00:00", properties={}),
]


def agg(fn, op, value=None, prop=None, name="purchase"):
    aggregate = {"fn": fn}
    if prop is not None:
        aggregate["property"] = prop
    rule = {"event": name, "aggregate": aggregate, "op": op}
    if value is not None:
        rule["value"] = value
    return rule


AGGREGATE_CASES = [
    ("default-did-it", {"event": "purchase"}, {"x", "y"}),
    ("count-gte-3", agg("count", "gte", 3), {"x"}),
    ("count-eq-1", agg("count", "eq", 1), {"y"}),
    ("count-eq-0-never", agg("count", "eq", 0), {"z"}),
    (
        "count-explicit-default-op",
        {"event": "purchase", "aggregate": {"fn": "count"}, "value": 3},
        {"x"},
    ),
    ("count-star", agg("count", "eq", 4, name="*"), {"x"}),
    ("count-name-list", agg("count", "eq", 4, name=["purchase", "page_view"]), {"x"}),
    ("count-name-list-one", agg("count", "eq", 1, name=["page_view", "signup"]), {"x"}),
    ("sum", agg("sum", "eq", 150.5, "amount"), {"x"}),
    ("sum-all-missing-is-0", agg("sum", "eq", 0, "amount"), {"y", "z"}),
    ("sum-gt", agg("sum", "gt", 150, "amount"), {"x"}),
    ("avg", agg("avg", "eq", 75.25, "amount"), {"x"}),
    ("avg-null-never-positive", agg("avg", "lt", 1000, "amount"), {"x"}),
    ("avg-ne-matches-null", agg("avg", "ne", 75.25, "amount"), {"y", "z"}),
    ("avg-is-not-set", agg("avg", "is_not_set", None, "amount"), {"y", "z"}),
    ("min", agg("min", "eq", 50.5, "amount"), {"x"}),
    ("max", agg("max", "eq", 100, "amount"), {"x"}),
    ("max-null", agg("max", "gte", 0, "amount"), {"x"}),
    ("max-not-in-null", agg("max", "not_in", [100], "amount"), {"y", "z"}),
    ("count-distinct-property", agg("count_distinct", "eq", 2, "sku"), {"x"}),
    ("count-distinct-column", agg("count_distinct", "eq", 2, "amount"), {"x"}),
    ("count-distinct-zero", agg("count_distinct", "eq", 0, "sku"), {"y", "z"}),
    ("distinct-days", agg("distinct_days", "eq", 2), {"x"}),
    ("distinct-days-one", agg("distinct_days", "eq", 1), {"y"}),
    ("distinct-days-zero", agg("distinct_days", "lt", 1), {"z"}),
    ("first-time-eq", agg("first_time", "eq", "2026-05-01T10:00:00Z"), {"x"}),
    ("first-time-before", agg("first_time", "before", "2026-05-01"), {"y"}),
    ("last-time-after", agg("last_time", "after", "2026-05-09"), {"x"}),
    # T - 30d = 2026-05-01 12:00
    ("last-time-within", agg("last_time", "within_last", "30d"), {"x"}),
    ("first-time-within", agg("first_time", "within_last", "30d"), set()),
    ("last-time-not-within", agg("last_time", "not_within_last", "30d"), {"y", "z"}),
    ("first-time-is-not-set", agg("first_time", "is_not_set"), {"z"}),
    (
        "count-with-where",
        {
            **agg("count", "eq", 1),
            "where": [{"property": "amount", "op": "gt", "value": 60}],
        },
        {"x"},
    ),
    (
        "count-in-window",
        {**agg("count", "eq", 2), "window": {"last": "30d"}},
        {"x"},
    ),
    (
        "sum-in-window",
        {
            **agg("sum", "eq", 50.5, "amount"),
            "window": {"since": "2026-05-01T12:00:00Z"},
        },
        {"x"},
    ),
    ("count-between", agg("count", "between", [1, 3]), {"x", "y"}),
]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [pytest.param(rule, expected, id=name) for name, rule, expected in AGGREGATE_CASES],
)
def test_aggregates(rule, expected):
    assert run(rule, AGG_PEOPLE, AGG_EVENTS) == expected


def test_not_of_aggregate_equals_negative_operator():
    positive = agg("avg", "eq", 75.25, "amount")
    negative = agg("avg", "ne", 75.25, "amount")
    assert run({"not": positive}, AGG_PEOPLE, AGG_EVENTS) == {"y", "z"}
    assert run(negative, AGG_PEOPLE, AGG_EVENTS) == {"y", "z"}


# Amounts are exact decimals of four places (SPEC §1). In binary floating point ten
# purchases of 100.10 sum to 1000.9999999999999 and 0.10 × 10 + 999.00 to 999.9999999999999.
MONEY_PEOPLE = [contact(cid) for cid in ("ten", "mix", "third", "half", "none")]
MONEY_EVENTS = [
    *(event("ten", "purchase", f"2026-05-{day:02d}T09:00:00", amount=100.10) for day in range(1, 11)),
    *(event("mix", "purchase", f"2026-05-{day:02d}T09:00:00", amount=0.10) for day in range(1, 11)),
    event("mix", "purchase", "2026-05-20T09:00:00", amount=999.00),
    event("third", "purchase", "2026-05-01T09:00:00", amount=333.33),
    event("third", "purchase", "2026-05-02T09:00:00", amount=333.33),
    event("third", "purchase", "2026-05-03T09:00:00", amount=333.34),
    # more than four places: rounded half away from zero (0.00005 → 0.0001), as stored
    event("half", "purchase", "2026-05-01T09:00:00", amount=0.00005),
    event("half", "purchase", "2026-05-02T09:00:00", properties={"price": -0.00005}),
]
MONEY_CASES = [
    ("sum-eq-1001", agg("sum", "eq", 1001, "amount"), {"ten"}),
    ("sum-gt-1001", agg("sum", "gt", 1001, "amount"), set()),
    ("sum-eq-1000", agg("sum", "eq", 1000, "amount"), {"mix", "third"}),
    ("sum-lt-1000", agg("sum", "lt", 1000, "amount"), {"half", "none"}),
    ("avg-eq-100.10", agg("avg", "eq", 100.10, "amount"), {"ten"}),
    ("avg-between", agg("avg", "between", [100.1, 100.1], "amount"), {"ten"}),
    # 1000 / 11 = 90.9090…, 1000 / 3 = 333.3333…: no rounding of the average
    ("avg-eq-rounded-third", agg("avg", "eq", 333.3333, "amount"), set()),
    ("avg-gt-rounded-third", agg("avg", "gt", 333.3333, "amount"), {"third"}),
    ("avg-lt-91", agg("avg", "lt", 90.91, "amount"), {"mix", "half"}),
    ("half-rounds-up", agg("sum", "eq", 0.0001, "amount"), {"half"}),
    ("half-rounds-away-from-zero", agg("min", "eq", -0.0001, "price"), {"half"}),
    (
        "where-amount-eq",
        {**agg("count", "eq", 10), "where": [{"property": "amount", "op": "eq", "value": 0.1}]},
        {"mix"},
    ),
]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [pytest.param(rule, expected, id=name) for name, rule, expected in MONEY_CASES],
)
def test_amounts_are_exact_decimals(rule, expected):
    assert run(rule, MONEY_PEOPLE, MONEY_EVENTS, decimal_properties=["price"]) == expected


def test_resent_event_is_counted_once():
    people = [contact("x")]
    once = event("x", "purchase", "2026-05-01T10:00:00", eid="same")
    assert run(agg("count", "eq", 1), people, [once, dict(once)]) == {"x"}


# ======================================================================================
# where: event columns and properties, types, case, negative operators
# ======================================================================================

WHERE_PEOPLE = [contact(cid) for cid in ("p", "q", "r", "s", "none")]
WHERE_EVENTS = [
    event(
        "p",
        "page_view",
        "2026-05-30T10:00:00",
        url="https://shop.example/Promo/summer",
        category="Shoes",
        properties={"cart_id": "c1", "items": 3, "member": True},
    ),
    event(
        "q",
        "page_view",
        "2026-05-30T10:00:00",
        url="https://shop.example/home",
        properties={"cart_id": 7, "items": "3", "member": False},
    ),
    event("r", "page_view", "2026-05-30T10:00:00"),
    # a properties key that shadows a column: the column wins
    event("s", "page_view", "2026-05-30T10:00:00", properties={"url": "https://x/promo"}),
]


def where(*props):
    return {
        "event": "page_view",
        "where": [{"property": p, "op": op, "value": v} for p, op, v in props],
    }


WHERE_CASES = [
    ("column-contains-ignores-case", where(("url", "contains", "PROMO")), {"p"}),
    (
        "column-not-contains-matches-null",
        where(("url", "not_contains", "promo")),
        {"q", "r", "s"},
    ),
    ("column-eq-case-sensitive", where(("category", "eq", "shoes")), set()),
    ("column-eq", where(("category", "eq", "Shoes")), {"p"}),
    ("column-is-not-set", where(("category", "is_not_set", None)), {"q", "r", "s"}),
    ("column-starts-with", where(("url", "starts_with", "HTTPS://SHOP")), {"p", "q"}),
    ("column-source", where(("source", "eq", "web")), {"p", "q", "r", "s"}),
    ("column-ts", where(("ts", "after", "2026-05-30T09:00:00Z")), {"p", "q", "r", "s"}),
    ("property-eq", where(("cart_id", "eq", "c1")), {"p"}),
    ("property-string-op-on-number", where(("cart_id", "starts_with", "7")), set()),
    (
        "property-neg-string-op-on-number",
        where(("cart_id", "not_contains", "c")),
        {"q", "r", "s"},
    ),
    ("property-number-eq", where(("cart_id", "eq", 7)), {"q"}),
    ("property-number-op-on-string", where(("items", "gt", 2)), {"p"}),
    ("property-string-eq", where(("items", "eq", "3")), {"q"}),
    ("property-ne", where(("items", "ne", 3)), {"q", "r", "s"}),
    ("property-in", where(("items", "in", [1, 2, 3])), {"p"}),
    ("property-is-true", where(("member", "is_true", None)), {"p"}),
    ("property-is-false", where(("member", "is_false", None)), {"q"}),
    ("property-is-set", where(("cart_id", "is_set", None)), {"p", "q"}),
    ("property-is-not-set", where(("cart_id", "is_not_set", None)), {"r", "s"}),
    (
        "where-all-must-pass",
        where(("url", "contains", "shop"), ("items", "gte", 3)),
        {"p"},
    ),
    ("where-empty-list", where(), {"p", "q", "r", "s"}),
]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [pytest.param(rule, expected, id=name) for name, rule, expected in WHERE_CASES],
)
def test_where(rule, expected):
    assert run(rule, WHERE_PEOPLE, WHERE_EVENTS) == expected


def test_negative_where_is_per_event_not_per_contact():
    # One promo view and one other view: "viewed a non-promo page" holds, and so does
    # "viewed a promo page"; `not` of the latter does not.
    people = [contact("x")]
    events = [
        event("x", "page_view", "2026-05-30T10:00:00", url="https://a/promo"),
        event("x", "page_view", "2026-05-30T11:00:00", url="https://a/home"),
    ]
    assert run(where(("url", "not_contains", "promo")), people, events) == {"x"}
    assert run(where(("url", "contains", "promo")), people, events) == {"x"}
    assert run({"not": where(("url", "contains", "promo"))}, people, events) == set()


# ======================================================================================
# Identity stitching
# ======================================================================================

STITCH_PEOPLE = [
    contact("u1"),
    contact("u2"),
    contact("u3"),
    contact("u4", created_at="2026-06-10T00:00:00"),  # not in the universe at T
]

STITCH_CASES = [
    (
        "event-before-link-counts",
        [link("a1", "u1", "2026-05-10T00:00:00")],
        [event(None, "page_view", "2026-05-01T00:00:00", anon="a1")],
        {"u1"},
    ),
    (
        "unlinked-anonymous-counts-for-nobody",
        [],
        [event(None, "page_view", "2026-05-01T00:00:00", anon="a9")],
        set(),
    ),
    (
        "link-via-event-with-both-ids",
        [],
        [
            event(None, "page_view", "2026-04-01T00:00:00", anon="a5"),
            event("u2", "login", "2026-05-20T00:00:00", anon="a5"),
        ],
        {"u2"},
    ),
    (
        "conflicting-links-latest-wins",
        [
            link("a2", "u1", "2026-01-01T00:00:00"),
            link("a2", "u2", "2026-03-01T00:00:00"),
        ],
        [event(None, "page_view", "2026-05-01T00:00:00", anon="a2")],
        {"u2"},
    ),
    (
        "conflicting-links-tie-largest-contact-id",
        [
            link("a3", "u3", "2026-02-01T00:00:00"),
            link("a3", "u1", "2026-02-01T00:00:00"),
        ],
        [event(None, "page_view", "2026-05-01T00:00:00", anon="a3")],
        {"u3"},
    ),
    (
        "conflicting-links-tie-largest-contact-id-any-row-order",
        [
            link("a3", "u1", "2026-02-01T00:00:00"),
            link("a3", "u3", "2026-02-01T00:00:00"),
            link("a3", "u2", "2026-02-01T00:00:00"),
        ],
        [event(None, "page_view", "2026-05-01T00:00:00", anon="a3")],
        {"u3"},
    ),
    (
        "tie-between-identities-row-and-event-link",
        [link("a13", "u1", "2026-02-01T00:00:00")],
        [
            event("u2", "login", "2026-02-01T00:00:00", anon="a13"),
            event(None, "page_view", "2026-05-01T00:00:00", anon="a13"),
        ],
        {"u2"},
    ),
    (
        "event-link-newer-than-identities-row",
        [link("a6", "u3", "2026-04-01T00:00:00")],
        [
            event("u1", "login", "2026-05-01T00:00:00", anon="a6"),
            event(None, "page_view", "2026-03-01T00:00:00", anon="a6"),
        ],
        {"u1"},
    ),
    (
        "identities-row-newer-than-event-link",
        [link("a6", "u3", "2026-05-15T00:00:00")],
        [
            event("u1", "login", "2026-05-01T00:00:00", anon="a6"),
            event(None, "page_view", "2026-03-01T00:00:00", anon="a6"),
        ],
        {"u3"},
    ),
    (
        "link-made-after-T-counts",
        [link("a7", "u3", "2026-07-01T00:00:00")],
        [event(None, "page_view", "2026-05-01T00:00:00", anon="a7")],
        {"u3"},
    ),
    (
        "event-after-T-still-links",
        [],
        [
            event("u1", "login", "2026-06-15T00:00:00", anon="a10"),
            event(None, "page_view", "2026-05-01T00:00:00", anon="a10"),
        ],
        {"u1"},
    ),
    (
        "own-contact-id-beats-anonymous-link",
        [link("a8", "u1", "2026-05-01T00:00:00")],
        [event("u2", "page_view", "2026-04-01T00:00:00", anon="a8")],
        {"u2"},
    ),
    (
        "latest-link-to-contact-outside-universe",
        [
            link("a11", "u1", "2026-01-01T00:00:00"),
            link("a11", "u4", "2026-06-10T00:00:00"),
        ],
        [event(None, "page_view", "2026-05-01T00:00:00", anon="a11")],
        set(),
    ),
    (
        "anonymous-event-after-T-does-not-count",
        [link("a12", "u1", "2026-01-01T00:00:00")],
        [event(None, "page_view", "2026-06-01T00:00:00", anon="a12")],
        set(),
    ),
]


@pytest.mark.parametrize(
    ("identities", "events", "expected"),
    [pytest.param(i, e, x, id=name) for name, i, e, x in STITCH_CASES],
)
def test_identity_stitching(identities, events, expected):
    assert run({"event": "page_view"}, STITCH_PEOPLE, events, identities) == expected


def test_own_and_anonymous_events_are_counted_together():
    events = [
        event("u1", "page_view", "2026-05-01T00:00:00"),
        event(None, "page_view", "2026-05-02T00:00:00", anon="a1"),
        event(None, "page_view", "2026-05-03T00:00:00", anon="a1"),
    ]
    identities = [link("a1", "u1", "2026-05-05T00:00:00")]
    rule = agg("count", "eq", 3, name="page_view")
    assert run(rule, STITCH_PEOPLE, events, identities) == {"u1"}
    never = agg("count", "eq", 0, name="page_view")
    assert run(never, STITCH_PEOPLE, events, identities) == {"u2", "u3"}


# ======================================================================================
# Sequences: all steps positive
# ======================================================================================

CLICK_THEN_VISIT = {
    "sequence": [{"event": "email_click"}, {"event": "page_view"}],
    "within": "24h",
}
SEQ_EVENTS = {
    "s_ok": [
        ("email_click", "2026-05-30T10:00:00"),
        ("page_view", "2026-05-30T20:00:00"),
    ],
    "s_exact": [
        ("email_click", "2026-05-29T10:00:00"),
        ("page_view", "2026-05-30T10:00:00"),
    ],
    "s_late": [
        ("email_click", "2026-05-29T10:00:00"),
        ("page_view", "2026-05-30T10:00:01"),
    ],
    "s_order": [
        ("page_view", "2026-05-30T09:00:00"),
        ("email_click", "2026-05-30T10:00:00"),
    ],
    "s_equal": [
        ("email_click", "2026-05-30T10:00:00"),
        ("page_view", "2026-05-30T10:00:00"),
    ],
    "s_multi": [
        ("email_click", "2026-05-20T10:00:00"),
        ("email_click", "2026-05-29T23:00:00"),
        ("page_view", "2026-05-30T10:00:00"),
    ],
    "s_one_step": [("email_click", "2026-05-30T10:00:00")],
    "s_after_T": [
        ("email_click", "2026-05-31T11:00:00"),
        ("page_view", "2026-05-31T12:30:00"),
    ],
    "s_recent": [
        ("email_click", "2026-05-31T01:00:00"),
        ("page_view", "2026-05-31T02:00:00"),
    ],
}
SEQ_PEOPLE = [contact(cid) for cid in SEQ_EVENTS]
SEQ_ROWS = [event(cid, n, w) for cid, evs in SEQ_EVENTS.items() for n, w in evs]

POSITIVE_SEQUENCE_CASES = [
    (
        "within-24h",
        CLICK_THEN_VISIT,
        {"s_ok", "s_exact", "s_equal", "s_multi", "s_recent"},
    ),
    (
        "no-within-no-limit",
        {"sequence": CLICK_THEN_VISIT["sequence"]},
        {"s_ok", "s_exact", "s_late", "s_equal", "s_multi", "s_recent"},
    ),
    # (2026-05-30 12:00, 2026-05-31 12:00]
    ("window-last-1d", {**CLICK_THEN_VISIT, "window": {"last": "1d"}}, {"s_recent"}),
    (
        "window-between",
        {
            **CLICK_THEN_VISIT,
            "window": {"between": ["2026-05-29", "2026-05-30T10:00:00Z"]},
        },
        {"s_exact", "s_equal", "s_multi"},
    ),
    ("within-1h", {**CLICK_THEN_VISIT, "within": "1h"}, {"s_equal", "s_recent"}),
    (
        "within-11h",
        {**CLICK_THEN_VISIT, "within": "11h"},
        {"s_ok", "s_equal", "s_multi", "s_recent"},
    ),
]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [pytest.param(r, e, id=name) for name, r, e in POSITIVE_SEQUENCE_CASES],
)
def test_positive_sequence(rule, expected):
    assert run(rule, SEQ_PEOPLE, SEQ_ROWS) == expected


PROMO = {"property": "url", "op": "contains", "value": "PROMO"}
HOME = {"property": "url", "op": "contains", "value": "home"}
SEQUENCE_SHAPE_CASES = [
    (
        "same-step-twice-needs-two-events",
        [{"event": "page_view"}, {"event": "page_view"}],
        [("page_view", "2026-05-30T10:00:00")],
        False,
    ),
    (
        "same-step-twice-equal-ts",
        [{"event": "page_view"}, {"event": "page_view"}],
        [("page_view", "2026-05-30T10:00:00"), ("page_view", "2026-05-30T10:00:00")],
        True,
    ),
    (
        "equal-ts-either-order-in-the-data",
        [{"event": "page_view"}, {"event": "email_click"}],
        [("email_click", "2026-05-30T10:00:00"), ("page_view", "2026-05-30T10:00:00")],
        True,
    ),
    (
        "equal-ts-the-wildcard-step-takes-the-other-event",
        [{"event": "*"}, {"event": "page_view"}],
        [("page_view", "2026-05-30T10:00:00"), ("email_click", "2026-05-30T10:00:00")],
        True,
    ),
    (
        "equal-ts-a-middle-wildcard-step-takes-the-other-event",
        [{"event": "signup"}, {"event": "*"}, {"event": "page_view"}],
        [
            ("signup", "2026-05-30T09:30:00"),
            ("page_view", "2026-05-30T10:00:00"),
            ("email_click", "2026-05-30T10:00:00"),
        ],
        True,
    ),
    (
        "wildcard-step-cannot-reuse-the-first-event",
        [{"event": "*"}, {"event": "page_view"}],
        [("page_view", "2026-05-30T10:00:00")],
        False,
    ),
    (
        "three-steps-in-order",
        [{"event": "page_view"}, {"event": "add_to_cart"}, {"event": "purchase"}],
        [
            ("page_view", "2026-05-30T10:00:00"),
            ("add_to_cart", "2026-05-30T10:10:00"),
            ("purchase", "2026-05-30T10:20:00"),
        ],
        True,
    ),
    (
        "three-steps-out-of-order",
        [{"event": "page_view"}, {"event": "add_to_cart"}, {"event": "purchase"}],
        [
            ("add_to_cart", "2026-05-30T10:00:00"),
            ("page_view", "2026-05-30T10:10:00"),
            ("purchase", "2026-05-30T10:20:00"),
        ],
        False,
    ),
    (
        "three-steps-later-repeat-completes",
        [{"event": "page_view"}, {"event": "add_to_cart"}, {"event": "purchase"}],
        [
            ("add_to_cart", "2026-05-30T10:00:00"),
            ("page_view", "2026-05-30T10:10:00"),
            ("purchase", "2026-05-30T10:20:00"),
            ("add_to_cart", "2026-05-30T10:30:00"),
            ("purchase", "2026-05-30T10:40:00"),
        ],
        True,
    ),
    (
        "step-where-passes",
        [{"event": "page_view", "where": [PROMO]}, {"event": "purchase"}],
        [("page_view", "2026-05-30T09:00:00"), ("purchase", "2026-05-30T10:00:00")],
        True,
    ),
    (
        "step-where-fails",
        [{"event": "page_view", "where": [HOME]}, {"event": "purchase"}],
        [("page_view", "2026-05-30T09:00:00"), ("purchase", "2026-05-30T10:00:00")],
        False,
    ),
]


@pytest.mark.parametrize(
    ("steps", "rows", "expected"),
    [pytest.param(s, r, e, id=name) for name, s, r, e in SEQUENCE_SHAPE_CASES],
)
def test_sequence_shapes(steps, rows, expected):
    people = [contact("x")]
    events = [event("x", n, w, url="https://a/promo") for n, w in rows]
    rule = {"sequence": steps, "within": "1h"}
    assert run(rule, people, events) == ({"x"} if expected else set())


def test_sequence_within_months():
    # 2026-01-31 + 1mo = 2026-02-28 (clamped)
    people = [contact("in"), contact("out")]
    events = [
        event("in", "signup", "2026-01-31T08:00:00"),
        event("in", "purchase", "2026-02-28T08:00:00"),
        event("out", "signup", "2026-01-31T08:00:00"),
        event("out", "purchase", "2026-02-28T08:00:01"),
    ]
    rule = {"sequence": [{"event": "signup"}, {"event": "purchase"}], "within": "1mo"}
    assert run(rule, people, events) == {"in"}


CART_THEN_BUY = [{"event": "add_to_cart"}, {"event": "purchase"}]
MATCH_ON_ROWS = {
    "m_same": [("add_to_cart", "10:00", "c1"), ("purchase", "11:00", "c1")],
    "m_diff": [("add_to_cart", "10:00", "c1"), ("purchase", "11:00", "c2")],
    "m_null": [("add_to_cart", "10:00", None), ("purchase", "11:00", None)],
    "m_type": [("add_to_cart", "10:00", "7"), ("purchase", "11:00", 7)],
    "m_mixed": [
        ("add_to_cart", "09:00", "c1"),
        ("add_to_cart", "10:00", "c2"),
        ("purchase", "11:00", "c1"),
    ],
}


def cart_rows(spec: dict[str, list], day: str = "2026-05-30") -> list[dict]:
    rows = []
    for cid, evs in spec.items():
        for name, hhmm, cart in evs:
            props = {} if cart is None else {"cart_id": cart}
            rows.append(event(cid, name, f"{day}T{hhmm}:00", properties=props))
    return rows


@pytest.mark.parametrize(
    ("match_on", "expected"),
    [
        pytest.param("cart_id", {"m_same", "m_mixed"}, id="with-match-on"),
        pytest.param(None, {"m_same", "m_diff", "m_null", "m_type", "m_mixed"}, id="without"),
    ],
)
def test_positive_sequence_match_on(match_on, expected):
    people = [contact(cid) for cid in MATCH_ON_ROWS]
    rule = {"sequence": CART_THEN_BUY, "within": "1d"}
    if match_on:
        rule["match_on"] = match_on
    assert run(rule, people, cart_rows(MATCH_ON_ROWS)) == expected


# ======================================================================================
# Sequences: [STEP, {"not": STEP}] — the abandoned cart (T = 2026-05-31 12:00)
# ======================================================================================

ABANDONED = [{"event": "add_to_cart"}, {"not": {"event": "purchase"}}]
ABANDON_ROWS = {
    "ab_plain": [("add_to_cart", "08:00", "c1")],
    "ab_bought": [("add_to_cart", "08:00", "c1"), ("purchase", "09:00", "c1")],
    "ab_other_cart_bought": [
        ("add_to_cart", "08:00", "c1"),
        ("purchase", "09:00", "c2"),
    ],
    "ab_young": [("add_to_cart", "10:30", "c1")],
    "ab_exactly_2h": [("add_to_cart", "10:00", "c1")],
    "ab_readded": [
        ("add_to_cart", "07:00", "c1"),
        ("purchase", "08:00", "c1"),
        ("add_to_cart", "09:00", "c1"),
    ],
    "ab_young_readd": [("add_to_cart", "07:00", "c1"), ("add_to_cart", "11:00", "c1")],
    "ab_second_cart": [
        ("add_to_cart", "07:00", "c1"),
        ("purchase", "08:00", "c1"),
        ("add_to_cart", "09:00", "c2"),
    ],
    "ab_bought_before": [("purchase", "06:00", "c1"), ("add_to_cart", "07:00", "c1")],
    "ab_bought_same_ts": [("add_to_cart", "08:00", "c1"), ("purchase", "08:00", "c1")],
    "ab_null_cart": [("add_to_cart", "08:00", None)],
    "ab_bought_after_T": [("add_to_cart", "08:00", "c1"), ("purchase", "12:30", "c1")],
    "ab_bought_late": [("add_to_cart", "08:00", "c1"), ("purchase", "10:00", "c1")],
    "ab_no_events": [],
}
ABANDON_PEOPLE = [contact(cid) for cid in ABANDON_ROWS]
ABANDON_EVENTS = cart_rows(ABANDON_ROWS, day="2026-05-31")

ABANDON_CASES = [
    (
        "match-on-within-2h",
        {"match_on": "cart_id", "within": "2h"},
        {
            "ab_plain",
            "ab_other_cart_bought",
            "ab_exactly_2h",
            "ab_readded",
            "ab_second_cart",
            "ab_bought_before",
            "ab_bought_after_T",
        },
    ),
    (
        "no-match-on-within-2h",
        {"within": "2h"},
        {
            "ab_plain",
            "ab_exactly_2h",
            "ab_readded",
            "ab_second_cart",
            "ab_bought_before",
            "ab_null_cart",
            "ab_bought_after_T",
        },
    ),
    (
        "match-on-no-within",
        {"match_on": "cart_id"},
        {
            "ab_plain",
            "ab_other_cart_bought",
            "ab_young",
            "ab_exactly_2h",
            "ab_readded",
            "ab_young_readd",
            "ab_second_cart",
            "ab_bought_before",
            "ab_bought_after_T",
        },
    ),
    (
        # the negated step is not limited by the window; the latest cart is the
        # latest within the window
        "window-ends-before-the-purchase",
        {
            "match_on": "cart_id",
            "within": "2h",
            "window": {"between": ["2026-05-31T00:00:00Z", "2026-05-31T09:00:00Z"]},
        },
        {
            "ab_plain",
            "ab_other_cart_bought",
            "ab_readded",
            "ab_young_readd",
            "ab_second_cart",
            "ab_bought_before",
            "ab_bought_after_T",
        },
    ),
    # (09:00, 12:00]: only carts added after 09:00 and at least 2h old (<= 10:00)
    (
        "window-last-3h",
        {"match_on": "cart_id", "within": "2h", "window": {"last": "3h"}},
        {"ab_exactly_2h"},
    ),
]


@pytest.mark.parametrize(
    ("options", "expected"),
    [pytest.param(o, e, id=name) for name, o, e in ABANDON_CASES],
)
def test_abandoned_cart(options, expected):
    rule = {"sequence": ABANDONED, **options}
    assert run(rule, ABANDON_PEOPLE, ABANDON_EVENTS) == expected


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # the latest page view is itself a checkout view: no *other* checkout view
        # happened at or after it, so it matches (semantics.md: "no other event")
        pytest.param([("page_view", "08:00", "/checkout")], True, id="e-itself"),
        pytest.param(
            [("page_view", "08:00", "/checkout"), ("page_view", "08:00", "/checkout")],
            False,
            id="another-at-the-same-ts",
        ),
        pytest.param(
            [("page_view", "08:00", "/home"), ("page_view", "09:00", "/checkout")],
            True,
            id="latest-is-the-checkout",
        ),
        pytest.param(
            [("page_view", "08:00", "/checkout"), ("page_view", "09:00", "/home")],
            True,
            id="checkout-before-latest",
        ),
    ],
)
def test_negated_step_ignores_the_first_step_event_itself(rows, expected):
    people = [contact("x")]
    events = [event("x", n, f"2026-05-31T{hhmm}:00", url=url) for n, hhmm, url in rows]
    checkout = {"property": "url", "op": "eq", "value": "/checkout"}
    rule = {
        "sequence": [
            {"event": "page_view"},
            {"not": {"event": "page_view", "where": [checkout]}},
        ],
        "within": "2h",
    }
    assert run(rule, people, events) == ({"x"} if expected else set())


def test_negated_step_with_where():
    # Only a purchase over 50 saves the cart.
    people = [contact("small"), contact("big")]
    events = [
        event("small", "add_to_cart", "2026-05-31T08:00:00"),
        event("small", "purchase", "2026-05-31T09:00:00", amount=20.0),
        event("big", "add_to_cart", "2026-05-31T08:00:00"),
        event("big", "purchase", "2026-05-31T09:00:00", amount=80.0),
    ]
    rule = {
        "sequence": [
            {"event": "add_to_cart"},
            {
                "not": {
                    "event": "purchase",
                    "where": [{"property": "amount", "op": "gt", "value": 50}],
                }
            },
        ],
        "within": "2h",
    }
    assert run(rule, people, events) == {"small"}


# ======================================================================================
# References: in_segment and in_list
# ======================================================================================

SEGMENTS = {
    "vip": attr("status", "eq", "vip"),
    "warsaw_vip": {"all": [{"in_segment": "vip"}, attr("city", "eq", "Warszawa")]},
    "not_vip": {"not": {"in_segment": "vip"}},
    "doc": {"version": 1, "id": "doc", "name": "Doc", "rule": attr("orders", "gt", 10)},
    "loop_a": {"in_segment": "loop_b"},
    "loop_b": {"any": [attr("city", "eq", "Kraków"), {"in_segment": "loop_a"}]},
    "self": {"not": {"in_segment": "self"}},
    "buyer_7d": {"event": "purchase", "window": {"last": "7d"}},
}
LISTS = {"l1": {"a", "late", "ghost"}, "empty": set()}

REFERENCE_CASES = [
    ("in-segment", {"in_segment": "vip"}, {"a"}),
    ("in-segment-nested", {"in_segment": "warsaw_vip"}, {"a"}),
    ("in-segment-of-not", {"in_segment": "not_vip"}, {"b", "c", "d"}),
    ("not-in-segment", {"not": {"in_segment": "vip"}}, {"b", "c", "d"}),
    ("in-segment-document-form", {"in_segment": "doc"}, {"d"}),
    ("in-list-limited-to-universe", {"in_list": "l1"}, {"a"}),
    ("not-in-list", {"not": {"in_list": "l1"}}, {"b", "c", "d"}),
    ("in-empty-list", {"in_list": "empty"}, set()),
    ("combined", {"any": [{"in_list": "l1"}, {"in_segment": "doc"}]}, {"a", "d"}),
]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [pytest.param(r, e, id=name) for name, r, e in REFERENCE_CASES],
)
def test_references(rule, expected):
    assert run(rule, PEOPLE, segments=SEGMENTS, lists=LISTS) == expected


def test_in_list_whatever_t_is_within_universe():
    later = at("2026-06-02T00:00:00")
    assert run({"in_list": "l1"}, PEOPLE, as_of=later, lists=LISTS) == {"a", "late"}


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        pytest.param(T, set(), id="at-T"),  # 2026-05-20 is out of (05-24, 05-31]
        pytest.param(at("2026-05-25T00:00:00"), {"b"}, id="earlier-T"),
    ],
)
def test_in_segment_is_evaluated_at_the_same_t(as_of, expected):
    events = [event("b", "purchase", "2026-05-20T00:00:00")]
    rule = {"in_segment": "buyer_7d"}
    assert run(rule, PEOPLE, events, as_of=as_of, segments=SEGMENTS) == expected


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param({"in_segment": "loop_a"}, id="two-cycle"),
        pytest.param({"in_segment": "self"}, id="self-cycle"),
        pytest.param({"any": [attr("city", "eq", "x"), {"in_segment": "loop_b"}]}, id="deep"),
        pytest.param({"in_segment": "nope"}, id="unknown-segment"),
        pytest.param({"in_list": "nope"}, id="unknown-list"),
    ],
)
def test_reference_errors(rule):
    with pytest.raises(ValueError, match=r"cycle|unknown"):
        run(rule, PEOPLE, segments=SEGMENTS, lists=LISTS)


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param(attr("no_such_field", "eq", "x"), id="unknown-field"),
        pytest.param(attr("city", "like", "x"), id="unknown-operator"),
        pytest.param({"event": "x", "window": {"last": "7days"}}, id="bad-duration"),
        pytest.param({"event": "x", "window": {"last": "1.5mo"}}, id="fractional-months"),
        pytest.param({"frobnicate": 1}, id="unknown-node"),
        pytest.param(
            {"sequence": [{"not": {"event": "a"}}, {"event": "b"}]},
            id="negated-first-step",
        ),
    ],
)
def test_malformed_rules_raise(rule):
    with pytest.raises(ValueError):
        run(rule, PEOPLE, [event("a", "x", "2026-05-30T00:00:00")])
