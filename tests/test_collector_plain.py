"""The plain path of ``POST /v1/events`` (``collector/plain.py``) against the models.

The models define what the API accepts. On any body, the plain path either leaves the
decision to them (None) or accepts exactly what they accept, with the very rows, in the
very key order, that ``event_row`` makes from them and the same fields for the naming
policy. And the bodies real integrations send do take the plain path: otherwise it would
be slow code that never runs.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from workbench.collector import models
from workbench.collector.config import TimestampRange
from workbench.collector.plain import _CHECKS, _NOT_NULL, plain_events
from workbench.collector.service import _property_fields, event_row

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
RANGE = TimestampRange()

DECLARED = [
    "event_id", "contact_id", "anonymous_id", "source", "name", "ts", "url", "category", "product_id",
    "campaign_id", "channel", "currency", "amount", "duration_s", "quantity", "properties", "received_at",
]  # fmt: skip

plain_texts = st.text(string.ascii_letters + string.digits + "-_ ", min_size=1, max_size=12)
texts = st.one_of(
    plain_texts,
    plain_texts,
    plain_texts,
    st.text(max_size=6),  # any code point: NUL, lone surrogates, other scripts
    st.sampled_from(["", "x" * 200, "x" * 201, "y" * 1000, "y" * 1001, "a\x00b", "\ud800", "Łódź", "web", " WEB "]),
)
timestamps = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.sampled_from([UTC, None])
    ).map(datetime.isoformat),
    st.sampled_from(
        [
            "2026-12-07T11:00:00Z",
            "2026-12-07",
            "2026-02-30",
            "2026-12-07T24:00:00",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2027-12-07T00:00:00Z",
            "1969-12-31T23:59:59Z",
            " 2026-12-07t10:00:00z ",
        ]
    ),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 19.99, 2**53, 2**53 - 1, -(2**53), 1e20, True, False]),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-9, 9), plain_texts, numbers, texts),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=8,
)
anything = st.one_of(texts, numbers, timestamps, st.none(), json_values)
property_keys = st.one_of(st.sampled_from(["store", "cart_id", "a.b", "x" * 64, "x" * 65, "", "$", "\x01"]), texts)
properties = st.one_of(st.none(), st.dictionaries(property_keys, json_values, max_size=4), anything)


@st.composite
def events(draw) -> dict:
    """An event near the valid ones: every declared field sometimes, each value sometimes of
    the right kind and sometimes not, and made-up fields beside them."""
    event = {}
    if draw(st.booleans()):
        event["contact_id"] = draw(st.one_of(st.just("c42"), st.just("c7"), texts))
    if draw(st.booleans()):
        event["anonymous_id"] = draw(st.one_of(st.just("a-1"), texts, st.none()))
    event["name"] = draw(st.one_of(st.just("purchase"), st.just("add_to_cart"), plain_texts, texts, anything))
    for field in draw(st.lists(st.sampled_from(DECLARED), max_size=5)):
        kind = {
            "ts": timestamps,
            "amount": numbers,
            "duration_s": numbers,
            "quantity": numbers,
            "properties": properties,
            "source": st.sampled_from(["custom", "web", "messaging", " Web", "CUSTOM", "pos", ""]),
        }.get(field, texts)
        event[field] = draw(kind if draw(st.integers(0, 5)) else anything)  # mostly of the right kind
    for key in draw(st.lists(st.one_of(st.sampled_from(["store", "cart_id"]), property_keys), max_size=2)):
        event[key] = draw(json_values)
    return event


bodies = st.one_of(
    st.builds(lambda evs: {"events": evs}, st.lists(events(), min_size=1, max_size=3)),
    st.sampled_from([{"events": []}, {"events": {}}, {"events": [1]}, [], "x", {"events": [{}], "more": 1}]),
)


def ordered(value):
    """``value`` with every dict as its list of items: equal only in the same key order."""
    if isinstance(value, dict):
        return [(k, ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value


def models_view(data) -> tuple[list[list], list] | None:
    """What the models' path makes of ``data``: the rows and the named fields, or None."""
    try:
        batch = models.EventBatch.model_validate(data, context=models.validation_context(RANGE, NOW))
    except ValidationError:
        return None
    return (
        [ordered(event_row(e, NOW)) for e in batch.events],
        [(i, e.name, _property_fields(e)) for i, e in enumerate(batch.events)],
    )


@settings(max_examples=500, deadline=None)
@given(bodies)
def test_the_plain_path_accepts_only_what_the_models_accept_with_the_same_rows(data):
    plain = plain_events(data, RANGE, NOW)
    if plain is None:
        return
    expected = models_view(data)
    assert expected is not None, "the plain path accepted a body the models refuse"
    assert ([ordered(row) for row in plain.rows], plain.named) == expected


plain_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**62), 2**62), st.floats(allow_nan=False, allow_infinity=False),
              st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(plain_texts, inner, max_size=3)),
    max_leaves=6,
)  # fmt: skip
in_range = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2026, 12, 7), timezones=st.just(UTC))


EXTRA_KEYS = ["store", "cart_id", "Sklep.ID", "a:b"]


@st.composite
def valid_events(draw) -> dict:
    """Events as integrations write them: right kinds, any values of those kinds."""
    event = {"contact_id": draw(plain_texts), "name": draw(st.text(min_size=1, max_size=20).filter(str.isprintable))}
    optional = {
        "event_id": plain_texts, "anonymous_id": plain_texts, "source": st.sampled_from(["custom", "web", "messaging"]),
        "ts": in_range.map(datetime.isoformat), "url": plain_texts, "category": plain_texts, "currency": plain_texts,
        "amount": st.one_of(st.integers(-(10**9), 10**9), st.floats(-1e9, 1e9)), "quantity": st.integers(0, 99),
        "properties": st.dictionaries(st.one_of(plain_texts, st.sampled_from(EXTRA_KEYS)), plain_values, max_size=3),
    }  # fmt: skip
    for field in draw(st.lists(st.sampled_from(sorted(optional)), max_size=6)):
        event[field] = draw(optional[field])
    for key in draw(st.lists(st.sampled_from(EXTRA_KEYS), max_size=2)):
        event[key] = draw(plain_values)
    return event


@settings(max_examples=200, deadline=None)
@given(st.lists(valid_events(), min_size=1, max_size=5))
def test_valid_events_take_the_plain_path_with_the_models_rows(evs):
    body = {"events": evs}
    plain = plain_events(body, RANGE, NOW)
    assert plain is not None
    assert ([ordered(row) for row in plain.rows], plain.named) == models_view(body)


ORDINARY = {
    "the benchmark's add_to_cart": {
        "event_id": "b-1-2", "contact_id": "c7", "name": "add_to_cart", "ts": "2026-12-07T10:00:00.123456+00:00",
        "product_id": "p3", "amount": 19.99, "cart_id": "k1",
    },
    "the API docs' purchase": {
        "event_id": "pos-2026-000123", "contact_id": "c42", "name": "purchase", "ts": "2026-03-01T12:30:00Z",
        "amount": 129.9, "currency": "PLN", "store": "Gdańsk Oliwa",
    },
    "an app event without time or id": {"anonymous_id": "dev-9", "name": "app_open", "source": "custom"},
    "a POS sale with properties": {
        "contact_id": "c1", "name": "purchase", "amount": 100, "quantity": 2, "source": "CUSTOM",
        "properties": {"sku": ["a", "b"], "loyalty": {"points": 10, "tier": None}, "paid_by_card": True},
    },
    "a field beside properties of the same name": {
        "contact_id": "c1", "name": "visit", "properties": {"store": "Gdynia", "floor": 1}, "store": "Gdańsk",
    },
}  # fmt: skip


@pytest.mark.parametrize("event", list(ORDINARY.values()), ids=list(ORDINARY))
def test_what_integrations_send_takes_the_plain_path(event):
    body = {"events": [event] * 3}
    plain = plain_events(body, RANGE, NOW)
    assert plain is not None
    assert ([ordered(row) for row in plain.rows], plain.named) == models_view(body)


def test_events_without_a_time_take_the_collectors_clock():
    plain = plain_events({"events": [{"contact_id": "c", "name": "x"}]}, RANGE, NOW)
    assert plain.rows == [{"contact_id": "c", "source": "custom", "name": "x", "ts": NOW}]


@pytest.mark.parametrize(
    "event",
    [
        {"contact_id": "c", "name": "x", "amount": "19.99"},  # the models read the text as a number
        {"contact_id": "c", "name": "x", "amount": 2**60},  # not exactly a float
        {"contact_id": "c", "name": "x", "ts": (NOW + timedelta(days=400)).isoformat()},  # refused: too far ahead
        {"name": "x"},  # refused: nobody
        {"contact_id": "c", "name": "x", "bad\x01key": 1},  # refused: a control character
    ],
    ids=["amount-as-text", "huge-integer", "ts-ahead", "no-contact", "control-in-key"],
)
def test_anything_unusual_is_left_to_the_models(event):
    assert plain_events({"events": [event]}, RANGE, NOW) is None


@pytest.mark.parametrize("field", sorted(_CHECKS))
def test_a_null_field_is_decided_as_the_models_decide_it(field):
    """Null is "not given" for most fields, but the models refuse ``"source": null``: the
    plain path must not accept it (found by the property test above)."""
    data = {"events": [{"name": "purchase", "contact_id": "c1", field: None}]}
    plain, expected = plain_events(data, RANGE, NOW), models_view(data)
    assert plain is None or expected is not None
    assert {"name", "source"} == _NOT_NULL  # read from the models' field types
    if plain is not None:
        assert ([ordered(row) for row in plain.rows], plain.named) == expected


def test_the_fields_that_refuse_null_are_read_from_the_models():
    assert {"name", "source"} == _NOT_NULL
