"""Many segments in one pass, and compiled SQL reused at a new instant, against the reference.

``CompileContext.many`` must give each segment exactly the members ``members`` gives it
(and the reference evaluation of the SPEC): sharing an event condition between segments
must not change anyone's membership. Templates (``workbench.expr.template``) must give
the same members as compiling afresh, at any T.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conformance_cases import CASES
from tests.conftest import EVALUATION_BACKENDS
from tests.reference import evaluate
from tests.world import load, make_world
from workbench.expr.builders import ALL_DAY_KEYS, KEY_CIRCLE, anniversary_arc
from workbench.expr.context import CompileContext
from workbench.expr.rules import Segment
from workbench.expr.timeutil import anniversary_keys

WORLD_SEEDS = (1, 2)
SHIFTS = (timedelta(0), timedelta(days=-1, microseconds=-7), timedelta(days=-45, hours=-5))


@pytest.fixture(scope="module", params=EVALUATION_BACKENDS)
def backend_name(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def store(new_store):
    return new_store()


@pytest.fixture(scope="module", params=WORLD_SEEDS, ids=lambda s: f"world{s}")
def world(request, store):
    world = make_world(request.param)
    load(store, world)
    return world


def _docs(rules: dict[str, dict]) -> dict[str, Segment]:
    return {key: Segment.from_dict({"id": "x", "name": "x", "rule": rule}) for key, rule in rules.items()}


def membership(store, rules: dict[str, dict], as_of) -> dict[str, set[str]]:
    """Each key's members, from one shared pass."""
    rows = store.membership(_docs(rules), as_of).to_pylist()
    return {key: {r["contact_id"] for r in rows if r[key]} for key in rules}


def counts(store, rules: dict[str, dict], as_of) -> dict[str, int]:
    return store.counts(_docs(rules), as_of)


def single(store, rule: dict, as_of) -> set[str]:
    """Members from the single-segment path (its SQL template)."""
    return set(store.members({"id": "case", "name": "case", "rule": rule}, as_of))


def test_every_case_in_one_pass_matches_reference(store, world):
    got = membership(store, CASES, world.as_of)
    kwargs = world.reference_kwargs()
    wrong = [case for case, rule in CASES.items() if got[case] != evaluate(rule, **kwargs)]
    assert not wrong


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_case_in_one_scoped_pass_matches_reference_within_the_scope(store, world, seed):
    """A watcher round evaluates only some contacts (``scope``): each must get exactly the
    membership the reference gives it, whether its events are its own or an anonymous id's
    linked to it (and events of contacts outside the scope must not leak in)."""
    import random

    rnd = random.Random(seed)
    ids = sorted(c["contact_id"] for c in world.contacts)
    linked = sorted({link["contact_id"] for link in world.identities})
    scope = set(rnd.sample(ids, max(1, len(ids) // 5))) | set(rnd.sample(linked, min(3, len(linked))))
    rows = store.membership(_docs(CASES), world.as_of, scope=scope).to_pylist()
    assert {r["contact_id"] for r in rows} <= scope
    kwargs = world.reference_kwargs()
    wrong = [
        case
        for case, rule in CASES.items()
        if {r["contact_id"] for r in rows if r[case]} != evaluate(rule, **kwargs) & scope
    ]
    assert not wrong


def test_counts_in_one_pass(store, world):
    chosen = dict(sorted(CASES.items())[::7])
    kwargs = world.reference_kwargs()
    assert counts(store, chosen, world.as_of) == {k: len(evaluate(r, **kwargs)) for k, r in chosen.items()}


@pytest.mark.parametrize("shift", SHIFTS, ids=["T", "T-1d", "T-45d"])
def test_templates_at_other_instants_match_reference(store, world, shift):
    """The second and later instants fill the template made at the first."""
    as_of = world.as_of + shift
    kwargs = {**world.reference_kwargs(), "as_of": as_of}
    for case in sorted(CASES)[::5]:
        assert single(store, CASES[case], as_of) == evaluate(CASES[case], **kwargs), case
    chosen = dict(sorted(CASES.items())[1::4])
    got = membership(store, chosen, as_of)
    assert got == {k: evaluate(r, **kwargs) for k, r in chosen.items()}


# On and around the worlds' window edges (T − 1h, T − 24h, T − 7d …)
OFFSETS = (timedelta(days=7), timedelta(hours=24, microseconds=1), timedelta(hours=1), timedelta(0))


def test_counts_at_several_instants_in_one_pass(store, world):
    """``CompileContext.instants_sql`` (the size-over-time chart): each point is the count at its instant."""
    for case in sorted(CASES)[::3]:
        rule = CASES[case]
        segment = Segment.from_dict({"id": "x", "name": "x", "rule": rule})
        sql = CompileContext(store.catalog, dialect=store.dialect).instants_sql(segment, world.as_of, OFFSETS)
        got = [int(n or 0) for n in store.query(sql).iloc[0]]
        expected = [len(evaluate(rule, **{**world.reference_kwargs(), "as_of": world.as_of - o})) for o in OFFSETS]
        assert got == expected, case


def rule_sets() -> st.SearchStrategy[dict[str, dict]]:
    leaf = st.sampled_from(sorted(CASES)).map(lambda k: CASES[k])
    rule = st.recursive(
        leaf,
        lambda children: st.one_of(
            st.lists(children, max_size=3).map(lambda rs: {"all": rs}),
            st.lists(children, max_size=3).map(lambda rs: {"any": rs}),
            children.map(lambda r: {"not": r}),
        ),
        max_leaves=4,
    )
    return st.lists(rule, min_size=1, max_size=4).map(lambda rs: {f"r{i}": r for i, r in enumerate(rs)})


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rules=rule_sets())
def test_random_sets_match_single_and_reference(store, world, rules):
    kwargs = world.reference_kwargs()
    got = membership(store, rules, world.as_of)
    for key, rule in rules.items():
        expected = evaluate(rule, **kwargs)
        assert got[key] == expected, key
        assert single(store, rule, world.as_of) == expected, key


def test_anniversary_arc_is_the_day_keys():
    """Day keys as one arc on the circle of keys (so the SQL has one shape at every T):
    walking the calendar's keys from ``lo`` to ``hi`` gives exactly the days, and the
    compiled test, ``(key - lo) mod 1300 <= (hi - lo) mod 1300``, picks exactly those."""
    for offset in range(0, 4 * 366, 3):
        today = date(2027, 1, 1) + timedelta(days=offset)
        for days in (*range(0, 70), 180, 300, 363, 364, 365, 400):
            lo, hi = anniversary_arc(today, days)
            start = ALL_DAY_KEYS.index(lo)
            walked = []
            for i in range(len(ALL_DAY_KEYS)):
                walked.append(ALL_DAY_KEYS[(start + i) % len(ALL_DAY_KEYS)])
                if walked[-1] == hi:
                    break
            assert set(walked) == set(anniversary_keys(today, days)), (today, days)
            picked = {
                k for k in ALL_DAY_KEYS if (k - lo + KEY_CIRCLE) % KEY_CIRCLE <= (hi - lo + KEY_CIRCLE) % KEY_CIRCLE
            }
            assert picked == set(walked), (today, days)
