"""Moving a workspace between engines: DuckDB → Parquet → PostgreSQL keeps every audience."""

from __future__ import annotations

import pytest

from tests.conftest import new_postgres_database
from tests.sample_store import build
from workbench.sample import SAMPLE_AS_OF
from workbench.store.workspace import Workspace

pytestmark = pytest.mark.postgres


def test_export_from_duckdb_import_into_postgres_same_members(tmp_path):
    source = build(f"duckdb://{tmp_path / 'src.duckdb'}", contacts=600).ws
    exported = source.export(tmp_path / "export")
    target = Workspace(new_postgres_database())
    target.init()
    for kind in ("contacts", "identities", "events"):
        report = target.import_file(kind, exported[kind])
        assert report.rejected == 0 and report.stored == report.rows_read
    for path in sorted((tmp_path / "export" / "segments").glob("*.json")):
        target.save_segment(path)
    assert [s.id for s in target.segments()] == [s.id for s in source.segments()]
    for saved in source.segments():
        assert target.members(saved.id, SAMPLE_AS_OF) == source.members(saved.id, SAMPLE_AS_OF), saved.id
    assert target.catalog.events == source.catalog.events


def test_postgres_init_is_idempotent_and_indexed():
    ws = Workspace(new_postgres_database())
    ws.init()
    ws.init()
    indexes = ws.query(lambda con: con.sql("SELECT indexname FROM pg_indexes WHERE tablename = 'events'"))
    assert {"ix_events_contact_id_ts", "ix_events_name_ts"} <= set(indexes["indexname"])


def test_export_command_writes_parquet_and_segments(tmp_path):
    from click.testing import CliRunner

    from workbench.cli import main

    source = build(f"duckdb://{tmp_path / 'src.duckdb'}", contacts=200).ws
    result = CliRunner().invoke(main, ["--db", source.url.url, "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").glob("*.parquet")) == [
        "contacts.parquet",
        "events.parquet",
        "identities.parquet",
    ]
    assert len(list((tmp_path / "out" / "segments").glob("*.json"))) == 13


def test_postgres_sql_from_the_cli_runs_on_postgres(tmp_path):
    """``workbench sql --dialect postgres`` prints SQL that PostgreSQL runs, with the store's members."""
    import psycopg
    from click.testing import CliRunner

    from workbench.cli import main

    target = Workspace(new_postgres_database())
    sample = build(target.url.url, contacts=300)
    for segment_id in ("vip", "abandoned_cart", "birthday", "multichannel"):
        result = CliRunner().invoke(
            main,
            ["--db", target.url.url, "sql", segment_id, "--dialect", "postgres", "--as-of", SAMPLE_AS_OF.isoformat()],
        )
        assert result.exit_code == 0, result.output
        with psycopg.connect(target.url.url.replace("postgres://", "postgresql://", 1)) as conn:
            rows = sorted(r[0] for r in conn.execute(result.output))
        assert rows == sample.ws.members(segment_id, SAMPLE_AS_OF), segment_id
