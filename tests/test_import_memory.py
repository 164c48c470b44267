"""An import holds one chunk at a time, whatever the file's size.

Ibis 12 keeps every ``ibis.memtable`` registered with its connection until the process
exits; the importer reads a file chunk by chunk on one private DuckDB connection, so each
chunk used to stay in memory to the end (a 200M-event import grew by 70 MB a chunk, to
16 GB). Here the importer's connection is looked at as each chunk is learned from: no
earlier chunk may still be registered with it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from workbench.store import importer
from workbench.store.importer import reading

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def registered_tables(con) -> list[str]:
    """Arrow data registered with the DuckDB connection (memtables and views of ours)."""
    rows = con.con.execute("SELECT view_name FROM duckdb_views() WHERE temporary AND internal = false").fetchall()
    return [name for (name,) in rows if name.startswith(("ibis_pyarrow_memtable", "wb_arrow_"))]


@pytest.mark.parametrize("missing_ids", [False, True], ids=["with-ids", "ids-derived"])
def test_no_chunk_stays_registered_while_the_next_are_read(tmp_path, monkeypatch, missing_ids):
    path = tmp_path / "events.parquet"
    # text columns, as a CSV gives them: parsed by the importer's DuckDB, chunk by chunk
    columns = {
        "event_id": [None if missing_ids else f"e{i}" for i in range(50)],
        "contact_id": [f"c{i % 7}" for i in range(50)],
        "source": ["custom"] * 50,
        "name": ["purchase"] * 50,
        "ts": [f"2026-01-01T00:00:{i % 60:02d}Z" for i in range(50)],
        "amount": [f"{i}.5" for i in range(50)],
        "properties": [f'{{"shop": "s{i % 3}"}}' for i in range(50)],
        "extra": [f"x{i}" for i in range(50)],
    }
    pq.write_table(pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()}), path)
    monkeypatch.setattr(reading, "CHUNK_ROWS", 10)
    seen: list[list[str]] = []
    learn = importer._Learner.add

    def add(self, con, good):
        seen.append(registered_tables(con))
        learn(self, con, good)

    monkeypatch.setattr(importer._Learner, "add", add)
    (tmp_path / "staging").mkdir()
    prepared = importer.prepare("events", path, now=NOW, stage_in=tmp_path / "staging")
    assert prepared.rows_read == 50 and not prepared.rejects
    assert len(seen) == 5
    assert seen == [[]] * 5
