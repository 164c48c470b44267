"""The compiler against the reference evaluation of the SPEC, case by case and at random."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conformance_cases import CASES, NEGATION_PAIRS, rules
from tests.conftest import EVALUATION_BACKENDS
from tests.reference import evaluate
from tests.world import load, make_world
from workbench.errors import SegmentError
from workbench.expr.rules import Segment
from workbench.store.workspace import Workspace

WORLD_SEEDS = (1, 2, 3)


@pytest.fixture(scope="module", params=EVALUATION_BACKENDS)
def backend_name(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def store(new_store):
    return new_store()


@pytest.fixture(scope="module")
def scratch(new_store):
    """A second store for tests that load worlds of their own."""
    return new_store()


@pytest.fixture(scope="module", params=WORLD_SEEDS, ids=lambda s: f"world{s}")
def world(request, store):
    world = make_world(request.param)
    load(store, world)
    return world


def members(ws: Workspace, rule: dict, world, name: str = "case") -> set[str]:
    return set(ws.members({"id": name, "name": name, "rule": rule}, world.as_of))


@pytest.mark.parametrize("case", sorted(CASES))
def test_case_matches_reference(store, world, case):
    rule = CASES[case]
    expected = evaluate(rule, **world.reference_kwargs())
    assert members(store, rule, world) == expected


@pytest.mark.parametrize("pair", sorted(NEGATION_PAIRS))
def test_negative_operator_is_complement(store, world, pair):
    positive, negative = NEGATION_PAIRS[pair]
    universe = evaluate({"all": []}, **world.reference_kwargs())
    got_not = members(store, {"not": positive}, world)
    got_negative = members(store, negative, world)
    assert got_not == got_negative == universe - evaluate(positive, **world.reference_kwargs())


def test_worlds_are_not_trivial(store, world):
    """The cases would prove little if most selected no one or everyone."""
    universe = evaluate({"all": []}, **world.reference_kwargs())
    trivial = [c for c, r in CASES.items() if evaluate(r, **world.reference_kwargs()) in (set(), universe)]
    assert len(trivial) < len(CASES) / 2, trivial


class TestReferences:
    @pytest.fixture
    def library(self, store, world):
        store.create_list("friends", ["c01", "c02", "c03", "nobody"])
        store.save_segment(
            {"id": "gdansk", "name": "Gdańsk", "rule": {"attribute": "city", "op": "eq", "value": "Gdańsk"}}
        )
        store.save_segment(
            {
                "id": "buyers",
                "name": "Buyers",
                "rule": {"all": [{"in_segment": "gdansk"}, {"event": "purchase", "window": {"last": "30d"}}]},
            }
        )
        yield {
            "segments": {
                "gdansk": {"attribute": "city", "op": "eq", "value": "Gdańsk"},
                "buyers": {"all": [{"in_segment": "gdansk"}, {"event": "purchase", "window": {"last": "30d"}}]},
            },
            "lists": {"friends": {"c01", "c02", "c03", "nobody"}},
        }
        store.delete_segment("buyers")
        store.delete_segment("gdansk")

    @pytest.mark.parametrize(
        "rule",
        [
            {"in_segment": "buyers"},
            {"not": {"in_segment": "buyers"}},
            {"any": [{"in_segment": "gdansk"}, {"in_list": "friends"}]},
            {"in_list": "friends"},
            {"all": [{"in_segment": "buyers"}, {"event": "purchase", "window": {"last": "30d"}}]},
        ],
        ids=["nested-ref", "not-ref", "ref-or-list", "list-within-universe", "shared-condition"],
    )
    def test_reference_rules(self, store, world, library, rule):
        expected = evaluate(rule, **world.reference_kwargs(**library))
        assert members(store, rule, world) == expected

    def test_cycle_is_refused_with_path(self, store, world, library):
        with pytest.raises(SegmentError, match=r"rule\.in_segment: segment reference cycle: gdansk → buyers → gdansk"):
            store.save_segment({"id": "gdansk", "name": "G", "rule": {"in_segment": "buyers"}})

    def test_delete_refused_while_referenced(self, store, world, library):
        with pytest.raises(Exception, match="used by buyers"):
            store.delete_segment("gdansk")


TZ_CASES = (
    "birth-anniversary-0",
    "birth-anniversary-7",
    "distinct-days",
    "created-eq-day",
    "created-after-day",
    "birth-within-last",
    "between-days",
    "last-time-eq-day",
    "purchase-3mo-calendar",
    "purchase-1y",
    "created-anniversary",
    "calendar-within",
)


# Kiritimati is UTC+14 (local today is already 1 June at T); Warsaw has summer time.
@pytest.mark.parametrize("tz", ["Pacific/Kiritimati", "Europe/Warsaw"])
def test_time_zone_changes_calendar_rules(store, world, tz):
    store.set_timezone(tz)
    try:
        for case in TZ_CASES:
            rule = CASES[case]
            expected = evaluate(rule, tz=tz, **world.reference_kwargs())
            assert members(store, rule, world) == expected, case
    finally:
        store.set_timezone("UTC")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule=rules())
def test_random_rules_match_reference(store, world, rule):
    assert members(store, rule, world) == evaluate(rule, **world.reference_kwargs())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(100, 10_000), rule=rules())
def test_random_worlds_match_reference(scratch, seed, rule):
    world = make_world(seed, n_contacts=25, n_events=150)
    load(scratch, world)
    assert members(scratch, rule, world) == evaluate(rule, **world.reference_kwargs())


def test_segment_round_trip_of_every_case():
    for case, rule in CASES.items():
        doc = {"version": 1, "id": "x", "name": "X", "rule": rule}
        assert Segment.from_dict(doc).to_dict() == doc, case
