"""The incremental watcher: rounds that evaluate only the contacts that can have changed
record exactly the memberships a full evaluation finds, round after round.

Random rules (the conformance cases nested in all/any/not) are tracked over a random world;
each round moves the clock by a random step (crossing windows of seconds to months, and
local midnights), and stores random new events (some in the future, some anonymous, some
of anonymous ids later linked), contacts and links. After every round, the open stays must
equal the members a full evaluation finds at that instant, and the incremental round must
have looked at fewer contacts than the universe when little changed.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conformance_cases import rules
from tests.world import EVENT_NAMES, SOURCES, load, make_world
from workbench.store.workspace import Workspace
from workbench.triggers import Watcher, track
from workbench.triggers.membership import history

STEPS = [
    timedelta(seconds=1),
    timedelta(minutes=59),
    timedelta(hours=2),
    timedelta(hours=13),
    timedelta(days=1),
    timedelta(days=7, microseconds=1),
    timedelta(days=31),
]


class Clock:
    def __init__(self, at):
        self.at = at

    def __call__(self):
        return self.at


def open_stays(ws: Workspace, segment_id: str) -> set[str]:
    return {r["contact_id"] for r in history(ws, segment_id).to_pylist() if r["exited_at"] is None}


def new_rows(rnd: random.Random, n: int, at, contacts: list[str], anonymous: list[str]) -> list[dict]:
    rows = []
    for _ in range(n):
        name = rnd.choice(EVENT_NAMES)
        anon = rnd.random() < 0.25
        rows.append(
            {
                "event_id": f"r{rnd.getrandbits(48)}",
                "contact_id": None if anon else rnd.choice(contacts),
                "anonymous_id": rnd.choice(anonymous) if anon else None,
                "source": SOURCES[name],
                "name": name,
                # mostly now, sometimes late (an earlier ts) or ahead of the clock
                "ts": at + rnd.choice([timedelta(0), -timedelta(hours=3), -timedelta(days=40), timedelta(hours=5)]),
                "amount": rnd.choice([None, 10.0, 500.0]) if name in ("purchase", "add_to_cart") else None,
            }
        )
    return rows


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(1, 10_000), tracked=st.lists(rules(), min_size=1, max_size=3))
def test_incremental_rounds_record_what_full_evaluation_finds(tmp_path_factory, seed, tracked):
    rnd = random.Random(seed)
    world = make_world(seed, n_contacts=30, n_events=200)
    ws = Workspace(f"duckdb://{tmp_path_factory.mktemp('incremental') / 'wb.duckdb'}")
    ws.init()
    load(ws, world)
    ids = []
    for i, rule in enumerate(tracked):
        ws.save_segment({"id": f"s{i}", "name": f"s{i}", "rule": rule})
        track(ws, f"s{i}", now=world.as_of)
        ids.append(f"s{i}")
    clock = Clock(world.as_of)
    watcher = Watcher(ws, clock=clock, full_every=timedelta(days=3650))  # never full after the first
    watcher.tick()
    contacts = [c["contact_id"] for c in world.contacts]
    anonymous = [f"a{i}" for i in range(10)]
    # the documented reasons for a full round (docs/triggers.md): a new catalog (names or
    # property types learned), or a new local day for calendar rules on events or instants
    calendar = "anniversary_within_days" in json.dumps(tracked)
    zone = ZoneInfo(ws.catalog.timezone)
    for round_no in range(5):
        previous, catalog_before = clock.at, ws.versions()["catalog"]
        clock.at += rnd.choice(STEPS)
        if rnd.random() < 0.7:
            ws.append("events", new_rows(rnd, rnd.randint(1, 6), clock.at, contacts, anonymous))
        if rnd.random() < 0.3:  # an anonymous visitor logs in
            ws.append("identities", [{"anonymous_id": rnd.choice(anonymous), "contact_id": rnd.choice(contacts),
                                      "linked_at": clock.at}])  # fmt: skip
        if rnd.random() < 0.3:  # a new contact, and an old one moving
            fresh = f"n{seed}-{round_no}"
            contacts.append(fresh)
            ws.append("contacts", [{"contact_id": fresh, "created_at": clock.at - timedelta(seconds=1),
                                    "city": rnd.choice(["Gdańsk", "Kraków", None])},
                                   {"contact_id": rnd.choice(contacts[:-1]), "city": "Gdańsk",
                                    "created_at": world.as_of - timedelta(days=400)}])  # fmt: skip
        tick = watcher.tick()
        new_day = previous.astimezone(zone).date() != clock.at.astimezone(zone).date()
        may_be_full = ws.versions()["catalog"] != catalog_before or (calendar and new_day)
        assert tick.scope is not None or may_be_full, (round_no, "a full round without a reason")
        full = ws.membership(ids, clock.at)
        for sid in ids:
            expected = {
                c for c, member in zip(full["contact_id"].to_pylist(), full[sid].to_pylist(), strict=True) if member
            }
            assert open_stays(ws, sid) == expected, (round_no, sid, tick.scope)
    ws.close()


def test_a_full_round_counts_what_incremental_rounds_missed(tmp_path, monkeypatch):
    """The safety net finds a change hidden from the incremental rounds, and says so."""
    from workbench.triggers import scope as scope_module

    world = make_world(3, n_contacts=30, n_events=200)
    ws = Workspace(f"duckdb://{tmp_path / 'wb.duckdb'}")
    ws.init()
    load(ws, world)
    ws.save_segment({"id": "bought", "name": "bought", "rule": {"event": "purchase", "window": {"last": "1d"}}})
    track(ws, "bought", now=world.as_of)
    clock = Clock(world.as_of)
    watcher = Watcher(ws, clock=clock, full_every=timedelta(hours=1))
    watcher.tick()
    monkeypatch.setattr(scope_module, "changed_contacts", lambda *args: set())  # blind incremental rounds
    buyer = world.contacts[0]["contact_id"]
    clock.at += timedelta(minutes=1)
    ws.append(
        "events", [{"event_id": "x1", "contact_id": buyer, "source": "custom", "name": "purchase", "ts": clock.at}]
    )
    blind = watcher.tick()
    assert (blind.scope, blind.changes) == (0, [])
    clock.at += timedelta(hours=1)
    full = watcher.tick()
    assert full.scope is None and full.missed >= 1
    assert buyer in open_stays(ws, "bought") or world.contacts[0]["created_at"] > clock.at


@pytest.mark.parametrize(
    "rule",
    [
        {"event": "email_open", "aggregate": {"fn": "last_time"}, "op": "before", "value": {"ago": "7d"}},
        {"event": "email_open", "aggregate": {"fn": "first_time"}, "op": "before", "value": {"ago": "7d"}},
        {"attribute": "created_at", "op": "before", "value": {"ago": "7d"}},
    ],
)
def test_an_instant_exactly_on_a_strict_boundary_is_seen_when_time_moves_past_it(tmp_path, rule):
    """``before {"ago": "7d"}`` is ``x < T − 7d``: false at P for x = P − 7d, true a day later."""
    ws = Workspace(f"duckdb://{tmp_path / 'wb.duckdb'}")
    ws.init()
    start = datetime(2026, 5, 31, 12, tzinfo=UTC)
    edge = start - timedelta(days=7)
    ws.append("contacts", [{"contact_id": "c1", "created_at": edge}])
    ws.append(
        "events", [{"event_id": "e1", "contact_id": "c1", "source": "messaging", "name": "email_open", "ts": edge}]
    )
    ws.save_segment({"id": "s", "name": "s", "rule": rule})
    track(ws, "s", now=start)
    clock = Clock(start)
    watcher = Watcher(ws, clock=clock, full_every=timedelta(days=3650))
    watcher.tick()
    assert open_stays(ws, "s") == set()
    clock.at += timedelta(days=1)
    tick = watcher.tick()
    assert tick.scope is not None  # an incremental round, not the safety net
    assert open_stays(ws, "s") == {"c1"} == set(ws.members("s", clock.at))
    ws.close()


def test_a_catalog_or_library_change_makes_a_full_round_only_when_it_changes_what_is_evaluated(tmp_path):
    """A send's records teach the catalog new names and properties, and marketers save
    segments all day: neither changes what a tracked segment means, and neither may cost a
    full round (seconds at a million contacts). Editing the tracked rule, or a change of the
    catalog that changes its SQL (a property declared decimal), must."""
    ws = Workspace(f"duckdb://{tmp_path / 'wb.duckdb'}")
    ws.init()
    start = datetime(2026, 5, 31, 12, tzinfo=UTC)
    ws.append("contacts", [{"contact_id": "c1", "created_at": start - timedelta(days=30)}])
    buy = {"event_id": "e1", "contact_id": "c1", "source": "custom", "name": "purchase", "properties": {"points": 3}}
    ws.append("events", [{**buy, "ts": start - timedelta(hours=1)}])
    rule = {"event": "purchase", "where": [{"property": "points", "op": "gt", "value": 1}], "window": {"last": "1d"}}
    ws.save_segment({"id": "s", "name": "s", "rule": rule})
    track(ws, "s", now=start)
    clock = Clock(start)
    watcher = Watcher(ws, clock=clock, full_every=timedelta(days=3650))
    watcher.tick()

    def round_after(change) -> int | None:
        clock.at += timedelta(minutes=1)
        change()
        return watcher.tick().scope

    versions = ws.versions()
    sent = {
        "event_id": "e2",
        "contact_id": "c1",
        "source": "messaging",
        "name": "email_sent",
        "template_language": "pl",
    }
    assert round_after(lambda: ws.append("events", [{**sent, "ts": clock.at}])) is not None
    assert round_after(lambda: ws.save_segment({"id": "other", "name": "other", "rule": rule})) is not None
    assert ws.versions()["catalog"] > versions["catalog"] and ws.versions()["library"] > versions["library"]
    assert (
        round_after(lambda: ws.save_segment({"id": "s", "name": "s", "rule": {**rule, "window": {"last": "2d"}}}))
        is None
    )
    assert round_after(lambda: ws.set_decimal_properties(["points"])) is None
    assert round_after(lambda: None) is not None
    assert open_stays(ws, "s") == set(ws.members("s", clock.at)) == {"c1"}
    ws.close()
