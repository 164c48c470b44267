"""Generated SQL per dialect: snapshots to review changes, and the ClickHouse SQL run in chdb.

Set ``UPDATE_SNAPSHOTS=1`` to write the snapshot files after a deliberate change, then review
the diff like any other code change; a missing snapshot fails the test.
"""

from __future__ import annotations

import os

import pyarrow as pa
import pytest
from click.testing import CliRunner

from tests.chdb_store import ChdbStore
from tests.sample_store import SNAPSHOTS, build
from tests.world import event_table
from workbench.cli import main
from workbench.expr.catalog import EventType
from workbench.sample import SAMPLE_AS_OF
from workbench.sample.load import example_segment_files
from workbench.store.schema import CONTACTS, IDENTITIES

EXAMPLES = [p.stem for p in example_segment_files()]
AS_OF = SAMPLE_AS_OF.isoformat()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return build(f"duckdb://{tmp_path_factory.mktemp('sql') / 'sample.duckdb'}", contacts=800)


def cli_sql(sample, segment_id: str, dialect: str) -> str:
    result = CliRunner().invoke(
        main,
        ["--db", sample.ws.url.url, "sql", segment_id, "--dialect", dialect, "--as-of", AS_OF],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "clickhouse"])
@pytest.mark.parametrize("segment_id", EXAMPLES)
def test_sql_snapshot(sample, segment_id, dialect):
    sql = cli_sql(sample, segment_id, dialect)
    path = SNAPSHOTS / dialect / f"{segment_id}.sql"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    # a missing snapshot fails: writing it here would compare the SQL with itself
    assert path.exists(), f"no snapshot {path}: write it with UPDATE_SNAPSHOTS=1 and review it"
    assert sql == path.read_text(encoding="utf-8"), f"generated SQL changed: review and UPDATE_SNAPSHOTS=1 {path}"


@pytest.fixture(scope="module")
def clickhouse(sample):
    store = ChdbStore()
    rows = sample.rows
    tables = {
        "contacts": pa.Table.from_pylist(rows["contacts"], schema=CONTACTS.to_pyarrow()),
        "events": event_table(rows["events"]),
        "identities": pa.Table.from_pylist(rows["identities"], schema=IDENTITIES.to_pyarrow()),
    }
    catalog = sample.ws.catalog
    store.load_tables(tables, (), dict(catalog.events.items()) or {"x": EventType("x", "custom")})
    return store


@pytest.mark.parametrize("segment_id", EXAMPLES)
def test_clickhouse_sql_from_the_cli_runs_in_clickhouse(sample, clickhouse, segment_id):
    """``workbench sql --dialect clickhouse`` prints SQL that ClickHouse runs, with DuckDB's members."""
    result = clickhouse.session.query(cli_sql(sample, segment_id, "clickhouse"), "CSV")
    got = sorted(line.strip('"') for line in result.bytes().decode().splitlines() if line)
    assert got == sample.ws.members(segment_id, SAMPLE_AS_OF)
    assert got, "every example has members on the sample"
