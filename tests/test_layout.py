"""The stored order of events (workbench/store/layout.py): imports store each batch by
(name, ts), and ``compact`` rewrites the whole table in that order, losing nothing.

The physical order is read with a one-thread scan without ORDER BY, which DuckDB returns
in storage order; the content is compared as a sorted list of whole rows.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from click.testing import CliRunner

from tests.conftest import new_postgres_database
from workbench.cli import main
from workbench.store import layout
from workbench.store.workspace import connect

START = datetime(2026, 5, 1, tzinfo=UTC)
NAMES = ["page_view", "purchase", "app_open", "email_open"]


def events(n: int, seed: int, prefix: str) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "event_id": f"{prefix}{i}",
            "contact_id": f"c{rng.randrange(20)}",
            "name": rng.choice(NAMES),
            "source": "custom",
            "ts": (START + timedelta(minutes=rng.randrange(40_000))).isoformat(),
            "amount": rng.choice([None, 10.0, 99.5]),
            "plan": rng.choice(["gold", "silver"]),  # an unknown key: stored in properties
        }
        for i in range(n)
    ]


@pytest.fixture
def store(tmp_path):
    ws = connect(f"duckdb://{tmp_path / 'wb.duckdb'}")
    ws.append("contacts", [{"contact_id": f"c{i}", "created_at": "2026-01-01"} for i in range(20)])
    for batch in range(4):  # four batches: each in order, the table not
        ws.append("events", events(250, seed=batch, prefix=f"b{batch}-"))
    return ws


def stored(ws, query: str) -> list[tuple]:
    con = duckdb.connect(str(ws.url.path), read_only=True)
    try:
        con.execute("SET threads = 1")
        return con.execute(query).fetchall()
    finally:
        con.close()


def physical_order(ws) -> list[tuple]:
    return stored(ws, "SELECT name, epoch_us(ts) FROM events")


def all_rows(ws) -> list[tuple]:
    return sorted(stored(ws, "SELECT COLUMNS(*)::VARCHAR FROM events"), key=repr)


def test_each_import_is_stored_by_name_then_time(store):
    order = physical_order(store)
    batches = [order[i : i + 250] for i in range(0, 1000, 250)]
    assert all(batch == sorted(batch) for batch in batches)
    assert order != sorted(order)  # the batches interleave: what compact is for


def test_compact_orders_the_table_and_keeps_every_row(store):
    before = all_rows(store)
    sid = "buyers"
    store.save_segment({"id": sid, "name": sid, "rule": {"event": "purchase", "op": "gte", "value": 2}})
    count = store.count(sid, as_of=START + timedelta(days=40))

    assert store.compact() == 1000

    assert all_rows(store) == before
    order = physical_order(store)
    assert order == sorted(order)
    assert store.count(sid, as_of=START + timedelta(days=40)) == count
    assert "_wb_events_compacted" not in stored(store, "SELECT table_name FROM duckdb_tables()")


def test_compact_keeps_constraints_and_extra_columns(store):
    con = duckdb.connect(str(store.url.path))
    con.execute("ALTER TABLE events ADD COLUMN store_code VARCHAR")  # extra columns are allowed (SPEC §1)
    con.execute("UPDATE events SET store_code = 'S-' || event_id")
    con.close()

    store.compact()

    assert stored(store, "SELECT count(*) FROM events WHERE store_code = 'S-' || event_id") == [(1000,)]
    con = duckdb.connect(str(store.url.path))
    try:
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
            con.execute("INSERT INTO events (event_id, source, ts, received_at) VALUES ('x', 'custom', now(), now())")
    finally:
        con.close()
    store.append("events", events(10, seed=9, prefix="late-"))  # the table still takes imports
    assert stored(store, "SELECT count(*) FROM events") == [(1010,)]


def test_a_failed_compaction_leaves_the_table_as_it_was(store, monkeypatch):
    before = [*physical_order(store)]

    def fail(*_args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(layout, "rename_table", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        store.compact()

    assert physical_order(store) == before
    assert "_wb_events_compacted" not in stored(store, "SELECT table_name FROM duckdb_tables()")


def test_cli_compacts_a_duckdb_store(store):
    result = CliRunner().invoke(main, ["--db", str(store.url.path), "compact"])
    assert result.exit_code == 0, result.output
    assert "compacted 1,000 events" in result.output
    order = physical_order(store)
    assert order == sorted(order)


@pytest.mark.postgres
def test_cli_says_postgres_keeps_its_own_order():
    url = new_postgres_database()
    connect(url)
    result = CliRunner().invoke(main, ["--db", url, "compact"])
    assert result.exit_code == 0, result.output
    assert "nothing to do: postgres" in result.output


def test_if_needed_compacts_once_a_tenth_of_the_events_arrived_since(store):
    assert store.events_since_compaction() == (750, 1000)  # the first batch came into an empty table, in order
    assert store.compact(if_needed=True) == 1000
    assert store.events_since_compaction() == (0, 1000)
    store.append("events", events(50, seed=11, prefix="later-"))
    assert store.events_since_compaction() == (50, 1050)
    assert store.compact(if_needed=True) == 0  # under a tenth: left as it is
    order = physical_order(store)
    assert order != sorted(order)
    store.append("events", events(70, seed=12, prefix="more-"))
    assert store.events_since_compaction() == (120, 1120)
    assert store.compact(if_needed=True) == 1120
    order = physical_order(store)
    assert order == sorted(order)


def test_cli_if_needed_says_why_it_did_nothing(store):
    store.compact()
    result = CliRunner().invoke(main, ["--db", str(store.url.path), "compact", "--if-needed"])
    assert result.exit_code == 0, result.output
    assert "nothing to do: 0 of 1,000 events arrived since the last compaction" in result.output


def test_one_import_into_an_empty_table_leaves_it_in_order(tmp_path):
    ws = connect(f"duckdb://{tmp_path / 'wb.duckdb'}")
    ws.append("events", events(300, seed=5, prefix="only-"))
    assert ws.events_since_compaction() == (0, 300)
    order = physical_order(ws)
    assert order == sorted(order)
    assert ws.compact(if_needed=True) == 0
