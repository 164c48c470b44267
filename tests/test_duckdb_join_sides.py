"""DuckDB hashes the side of each join that the compiler puts on the right
(``connection._planned_as_written``), on every connection of a DuckDB store: left to its
estimates, DuckDB hashed all 6.2M identity links of the 10M-contact store to look up the
anonymous ids of a 7-day window (docs/benchmarks.md). Which side a plan hashes depends on
DuckDB's estimates, which small test data does not reproduce; this holds the setting on
the connections that evaluate, and the answer through the links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workbench.store.workspace import connect

AS_OF = datetime(2026, 11, 30, 12, tzinfo=UTC)
SEGMENT = {
    "name": "recent readers",
    "rule": {"event": "page_view", "window": {"last": "7d"}, "op": "gte", "value": 1},
}


@pytest.fixture(params=["file", "memory"])
def store(request, tmp_path):
    ws = connect(f"duckdb://{tmp_path / 'wb.duckdb'}" if request.param == "file" else "duckdb://:memory:")
    ws.init()
    ws.append("contacts", [{"contact_id": f"c{i}", "created_at": "2024-01-01"} for i in range(30)])
    ws.append(
        "identities",
        [{"anonymous_id": f"a{i}", "contact_id": f"c{i}", "linked_at": "2026-01-01T00:00:00Z"} for i in range(30)],
    )
    recent = [  # anonymous page views of ten linked ids in the window, one old one of another
        {
            "event_id": f"r{i}",
            "anonymous_id": f"a{i % 10}",
            "source": "web",
            "name": "page_view",
            "ts": (AS_OF - timedelta(hours=1 + i)).isoformat(),
        }
        for i in range(40)
    ]
    old = {"event_id": "old", "anonymous_id": "a20", "source": "web", "name": "page_view", "ts": "2025-01-01T00:00:00Z"}
    ws.append("events", [*recent, old])
    return ws


def test_every_connection_that_evaluates_plans_joins_as_written(store):
    with store.connector.reading() as con:
        setting = con.raw_sql("SELECT current_setting('disabled_optimizers')").fetchone()[0]
    assert "build_side_probe_side" in setting
    with store.connector.writing() as con:
        setting = con.raw_sql("SELECT current_setting('disabled_optimizers')").fetchone()[0]
    assert "build_side_probe_side" in setting
    assert sorted(store.members(SEGMENT, as_of=AS_OF)) == sorted(f"c{i}" for i in range(10))
