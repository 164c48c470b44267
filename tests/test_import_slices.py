"""A big import's events are inserted slice by slice (``staging.SLICE_ROWS``), each slice
sorted alone, so that sorting takes the room of a slice and not of the file. Checked with
slices of a few dozen events against a plain-Python reading of SPEC §2: the first row of
each event id in file order is stored, once, and the table holds them in (name, ts) order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from workbench.store import staging
from workbench.store.workspace import Workspace

NAMES = ("purchase", "page_view", "Zakup-ąę", "a'b", "Ärger", "add_to_cart", "z")
START = datetime(2026, 1, 1, tzinfo=UTC)


def events_file(path, rng: random.Random, ids: range, repeats: int) -> list[dict]:
    """Events over 40 days; ``repeats`` of them repeat an earlier id with other values."""
    rows = [
        {
            "event_id": f"e{i}",
            "contact_id": f"c{rng.randrange(50)}" if rng.random() > 0.1 else None,
            "anonymous_id": None,
            "source": "custom",
            "name": rng.choice(NAMES),
            "ts": START + timedelta(seconds=rng.randrange(40 * 86400)),
        }
        for i in ids
    ]
    for row in rng.sample(rows, repeats):
        rows.append({**row, "name": rng.choice(NAMES), "ts": START + timedelta(days=rng.randrange(40))})
    for row in rows:
        if row["contact_id"] is None:
            row["anonymous_id"] = "a1"
    pq.write_table(pa.Table.from_pylist(rows), path)
    return rows


def first_of_each_id(rows: list[dict]) -> dict[str, tuple[str, datetime]]:
    kept: dict[str, tuple[str, datetime]] = {}
    for row in rows:
        kept.setdefault(row["event_id"], (row["name"], row["ts"]))
    return kept


@pytest.fixture
def store(backend_url, new_store_url) -> Workspace:
    ws = Workspace(new_store_url())
    ws.init()
    return ws


def test_a_big_file_is_inserted_in_slices_in_the_stored_order(store, tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "SLICE_ROWS", 60)
    sliced = []
    real_finish = staging.Staging.finish

    def finish(self, *args, **kwargs):
        staged, dropped = real_finish(self, *args, **kwargs)
        sliced.append(len(staged.slices))
        return staged, dropped

    monkeypatch.setattr(staging.Staging, "finish", finish)
    rng = random.Random(16)
    first = events_file(tmp_path / "first.parquet", rng, range(1500), repeats=200)
    report = store.import_file("events", tmp_path / "first.parquet")
    assert sliced[0] >= 1500 // 60  # cut into slices (a (name, day) run of at most 60 events each)
    expected = first_of_each_id(first)
    assert (report.stored, report.duplicates_in_file) == (1500, 200)
    stored = store.table("events").to_pylist()
    assert {r["event_id"]: (r["name"], r["ts"]) for r in stored} == expected
    in_order = [(r["name"], r["ts"]) for r in stored]
    assert in_order == sorted(in_order)  # names by code point, then time: the order segments read

    # A second file overlapping the first: only its new ids are stored, the first copies stay.
    second = events_file(tmp_path / "second.parquet", rng, range(1000, 2500), repeats=100)
    report = store.import_file("events", tmp_path / "second.parquet")
    assert report.stored == 1000
    expected.update({k: v for k, v in first_of_each_id(second).items() if k not in expected})
    assert {r["event_id"]: (r["name"], r["ts"]) for r in store.table("events").to_pylist()} == expected
    assert set(store.catalog.events) == set(NAMES)  # the catalog learns every slice's names
    assert store.import_file("events", tmp_path / "second.parquet").stored == 0  # idempotent


def test_the_slice_plan_keeps_the_stored_order_and_its_bound():
    cells = [("b", 2, 5), ("a", 1, 70), ("b", 1, 30), ("ą", 1, 1), ("a", 2, 10), ("B", 1, 40)]
    plan = staging.slice_plan(cells, 50)
    # by hand: B/1 (40) | a/1 (70, alone: one cell bigger than the bound) | a/2, b/1, b/2, ą/1 (46)
    assert plan == {("B", 1): 0, ("a", 1): 1, ("a", 2): 2, ("b", 1): 2, ("b", 2): 2, ("ą", 1): 2}
