"""An import holds one chunk at a time, whatever the file's size.

Ibis 12 keeps every ``ibis.memtable`` registered with its connection until the process
exits; the importer reads a file chunk by chunk on one private DuckDB connection, so each
chunk used to stay in memory to the end (a 200M-event import grew by 70 MB a chunk, to
16 GB). Here the importer's connection is looked at as each chunk is learned from: no
earlier chunk may still be registered with it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
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


def test_reading_a_parquet_file_holds_a_chunks_memory_not_the_files(tmp_path, monkeypatch):
    """pyarrow's pre-buffering Parquet reader keeps what it read ahead of every row group
    until the file is closed (about half a MB a row group here; 32 bytes a row, 6 GB, over a
    200M-event file written by DuckDB). The importer's reader must hold a chunk's memory."""
    path = tmp_path / "events.parquet"
    duckdb.connect().execute(
        "COPY (SELECT 'e' || i AS event_id, 'c_' || (hash(i) % 100000) AS contact_id, 'page_view' AS name,"
        " TIMESTAMP '2026-01-01' + to_seconds(i) AS ts, '{\"url\": \"/p/' || (i % 300) || '\"}' AS properties"
        f" FROM range(3000000) t(i)) TO '{path}' (FORMAT parquet)"
    )
    assert pq.ParquetFile(path).metadata.num_row_groups >= 20
    monkeypatch.setattr(reading, "CHUNK_ROWS", 100_000)
    held = []
    for chunk in reading._read_parquet(path, reading._open_parquet(path)):
        held.append(pa.total_allocated_bytes())
        del chunk
    assert len(held) == 30
    assert max(held) - held[0] < 6 * 2**20, [(h - held[0]) >> 20 for h in held]  # MB grown, chunk by chunk
