"""The store's version counters, and the catalog and library cached by them.

A Workspace keeps the catalog and the segment library it read, per process, for as long
as the store's counters say nobody changed them; every write bumps its counter in its own
transaction, so no reader, in this process or another, works from a stale catalog.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from workbench.store import catalog_store, library
from workbench.store.connection import transaction
from workbench.store.workspace import Workspace, connect

T = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)
CONTACTS = [
    {"contact_id": f"c{i}", "city": "Gdańsk" if i % 2 else "Kraków", "created_at": "2026-01-01"} for i in range(6)
]


def q(rule: dict) -> dict:
    return {"id": "q", "name": "q", "rule": rule}


@pytest.fixture
def pair(new_store_url):
    """Two Workspace objects on one new store, with a few contacts."""
    url = new_store_url()
    first = connect(url)
    first.append("contacts", CONTACTS)
    return first, Workspace(url)


def test_every_write_bumps_its_counter(pair):
    ws, _ = pair
    start = ws.versions()
    assert set(start) == {"catalog", "library", "lists", "data", "epoch"}

    def changed() -> set[str]:
        nonlocal start
        now = ws.versions()
        moved = {k for k in now if now[k] != start[k]}
        start = now
        return moved

    ws.add_field("loyalty_points", "number")
    assert changed() == {"catalog"}
    ws.set_timezone("Europe/Warsaw")
    assert changed() == {"catalog"}
    ws.save_segment({"id": "gd", "name": "Gdańsk", "rule": {"attribute": "city", "op": "eq", "value": "Gdańsk"}})
    assert changed() == {"library"}
    ws.create_list("friends", ["c1", "c2"])
    assert changed() == {"lists"}
    ws.append("events", [{"contact_id": "c1", "name": "app_open", "source": "custom", "ts": "2026-05-01T10:00:00Z"}])
    assert changed() == {"data", "catalog"}  # a new event name is learned
    ws.append("events", [{"contact_id": "c2", "name": "app_open", "source": "custom", "ts": "2026-05-02T10:00:00Z"}])
    assert changed() == {"data"}  # nothing new for the catalog
    ws.append("contacts", [{"contact_id": "c9", "created_at": "2026-01-01"}])
    assert changed() == {"data"}
    ws.append("events", [{"contact_id": "c2", "name": "app_open", "source": "custom", "ts": "2026-05-02T10:00:00Z"}])
    assert changed() == set()  # the same event again: nothing new was stored
    ws.delete_segment("gd")
    assert changed() == {"library"}
    ws.count(q({"attribute": "city", "op": "eq", "value": "Gdańsk"}), T)
    assert changed() == set()  # reading changes nothing


def test_a_change_by_another_workspace_is_seen_at_once(pair):
    first, second = pair
    gdansk = {"attribute": "city", "op": "eq", "value": "Gdańsk"}
    assert second.count(q(gdansk), T) == 3
    assert second.segments() == [] and second.catalog.lists == frozenset()

    first.save_segment({"id": "gd", "name": "Gdańsk", "rule": gdansk})
    assert [s.id for s in second.segments()] == ["gd"]
    assert second.count("gd", T) == 3
    first.save_segment({"id": "gd", "name": "Gdańsk", "rule": {"not": gdansk}})
    assert second.count("gd", T) == 3 and second.segment("gd").rule.to_dict() == {"not": gdansk}

    first.create_list("friends", ["c0", "c1"])
    assert second.catalog.lists == frozenset({"friends"})
    assert second.count(q({"in_list": "friends"}), T) == 2

    first.add_field("vip", "boolean")
    assert "vip" in second.catalog.fields
    first.set_timezone("Pacific/Kiritimati")
    assert second.catalog.timezone == "Pacific/Kiritimati"
    first.append(
        "events", [{"contact_id": "c1", "name": "quiz_done", "source": "custom", "ts": "2026-05-01T10:00:00Z"}]
    )
    assert "quiz_done" in second.catalog.events
    assert second.count(q({"event": "quiz_done"}), T) == 1

    first.delete_segment("gd")
    assert second.segments() == []


def test_reads_come_from_the_cache_until_a_write(pair, monkeypatch):
    ws, other = pair
    ws.save_segment({"id": "gd", "name": "Gdańsk", "rule": {"attribute": "city", "op": "eq", "value": "Gdańsk"}})
    loads = []
    original = library.load_segments
    monkeypatch.setattr(library, "load_segments", lambda con: loads.append(1) or original(con))
    for _ in range(3):
        assert ws.count("gd", T) == 3
        assert other.count("gd", T) == 3
    assert len(loads) == 1
    other.create_list("x", ["c1"])
    assert ws.catalog.lists == frozenset({"x"})
    assert len(loads) == 2


def test_a_write_that_fails_leaves_the_counters(pair):
    ws, _ = pair
    before = ws.versions()
    with pytest.raises(RuntimeError), ws.connector.writing() as con, transaction(con):
        catalog_store.bump(con, "catalog", "library")
        raise RuntimeError("rolled back")
    assert ws.versions() == before


def test_a_write_from_another_process_is_seen(tmp_path):
    url = f"duckdb://{tmp_path / 'shared.duckdb'}"
    ws = connect(url)
    ws.append("contacts", CONTACTS)
    assert ws.segments() == []
    script = textwrap.dedent(
        f"""
        from workbench.store.workspace import Workspace
        ws = Workspace({url!r})
        ws.save_segment({{"id": "kr", "name": "Kraków", "rule": {{"attribute": "city", "op": "eq", "value": "Kraków"}}}})
        ws.add_field("points", "number")
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).parent.parent)
    assert [s.id for s in ws.segments()] == ["kr"]
    assert "points" in ws.catalog.fields
    assert ws.count("kr", T) == 3


def test_a_new_store_at_the_same_path_is_not_the_old_one(tmp_path):
    path = tmp_path / "again.duckdb"
    ws = connect(f"duckdb://{path}")
    ws.save_segment({"id": "all", "name": "All", "rule": {"all": []}})
    assert [s.id for s in ws.segments()] == ["all"]
    ws.close()
    path.unlink()
    again = connect(f"duckdb://{path}")
    assert again.segments() == []


def test_a_store_made_before_the_counters_still_works(tmp_path):
    url = f"duckdb://{tmp_path / 'old.duckdb'}"
    ws = connect(url)
    ws.append("contacts", CONTACTS)
    with ws.connector.writing() as con:
        con.raw_sql(f"DROP TABLE {catalog_store.VERSIONS_TABLE}")
    old = Workspace(url)
    assert old.versions()["catalog"] == 0
    assert old.count(q({"attribute": "city", "op": "eq", "value": "Kraków"}), T) == 3
    old.save_segment({"id": "kr", "name": "Kraków", "rule": {"attribute": "city", "op": "eq", "value": "Kraków"}})
    assert old.versions()["library"] == 1  # the first write made the counters
    assert [s.id for s in Workspace(url).segments()] == ["kr"]
    connect(url)  # init adds nothing more, and fails on nothing
    assert old.count("kr", T) == 3
