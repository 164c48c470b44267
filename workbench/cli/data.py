"""Commands over the store and its segments: init, import, segment, count, members, sql,
describe, demo-data, compact, export (SPEC §5)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.cli.base import as_of_option, command, echo_list, err, main, progress_bar
from workbench.csvsafe import write_csv
from workbench.errors import SegmentError
from workbench.expr.describe import describe
from workbench.i18n import LOCALES
from workbench.store.layout import worth_compacting
from workbench.store.workspace import Workspace, connect


@command(main, "init")
def init_cmd(db: str | None) -> None:
    """Create the tables (idempotent)."""
    ws = Workspace(db)
    ws.init()
    click.echo(f"initialised {ws.url.url}")


@command(main, "import")
@click.argument("kind", type=click.Choice(["contacts", "events", "identities"]))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def import_cmd(db: str | None, kind: str, files: tuple[Path, ...], as_json: bool) -> None:
    """Import contacts, events or identities from CSV or Parquet files (several: one import)."""
    ws = connect(db)
    label = files[0].name if len(files) == 1 else f"{len(files)} files"
    with progress_bar(f"importing {label}") as progress:
        task = progress.add_task("import", total=None)
        report = ws.import_file(
            kind, list(files), progress=lambda done, total: progress.update(task, completed=done, total=total)
        )
    if as_json:
        click.echo(
            json.dumps({**report.__dict__, "rejects_path": str(report.rejects_path) if report.rejects_path else None})
        )
    else:
        click.echo(report.summary())
    if report.rejected:
        sys.exit(1)


@main.group()
def segment() -> None:
    """The segment library: save, list, show, delete."""


@command(segment, "save")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def segment_save(db: str | None, file: Path) -> None:
    """Validate and save a segment document."""
    saved = connect(db).save_segment(file)
    click.echo(f"saved {saved.id}")


@command(segment, "list")
@click.option("--json", "as_json", is_flag=True)
def segment_list(db: str | None, as_json: bool) -> None:
    """Every saved segment."""
    ws = connect(db)
    catalog = ws.catalog
    echo_list(
        ws.segments(),
        as_json,
        row=lambda s: {
            "id": s.id,
            "name": s.segment.name,
            "updated_at": s.updated_at.isoformat(),
            "rule": describe(s.segment, catalog),
        },
        line=lambda s: f"{s.id}\t{s.segment.name}\t{describe(s.segment, catalog)}",
        ensure_ascii=False,
    )


@command(segment, "show")
@click.argument("segment_id")
def segment_show(db: str | None, segment_id: str) -> None:
    """Print a saved segment's document."""
    click.echo(json.dumps(connect(db).segment(segment_id).to_dict(), indent=2, ensure_ascii=False))


@command(segment, "delete")
@click.argument("segment_id")
def segment_delete(db: str | None, segment_id: str) -> None:
    """Delete a saved segment (refused while another one uses it)."""
    connect(db).delete_segment(segment_id)
    click.echo(f"deleted {segment_id}")


@command(main, "count")
@click.argument("segment_ref", metavar="SEGMENT")
@click.option("--as-of", help="Evaluation time (ISO 8601); default now.")
@click.option("--json", "as_json", is_flag=True, help='Print {"count": …, "elapsed_ms": …}.')
def count_cmd(db: str | None, segment_ref: str, as_of: str | None, as_json: bool) -> None:
    """Print the number of members (last line)."""
    count, elapsed = connect(db).count_timed(segment_ref, as_of_option(as_of))
    click.echo(json.dumps({"count": count, "elapsed_ms": round(elapsed, 3)}) if as_json else str(count))


@command(main, "members")
@click.argument("segment_ref", metavar="SEGMENT")
@click.option("--as-of", help="Evaluation time (ISO 8601); default now.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to .csv or .parquet.")
def members_cmd(db: str | None, segment_ref: str, as_of: str | None, out: Path | None) -> None:
    """Print member contact ids, one per line, or write them to a file."""
    if out is not None and out.suffix not in (".csv", ".parquet"):
        raise SegmentError.at("--out", f"{out} must end in .csv or .parquet")
    ids = connect(db).members(segment_ref, as_of_option(as_of))
    if out is None:
        click.echo("\n".join(ids) if ids else "", nl=bool(ids))
        return
    table = pa.table({"contact_id": pa.array(ids, pa.string())})
    if out.suffix == ".csv":
        write_csv(table, out)  # text cells neutralised for spreadsheets; Parquet is written as is
    else:
        pq.write_table(table, out)
    err.print(f"wrote {len(ids)} contacts to {out}")


@command(main, "sql")
@click.argument("segment_ref", metavar="SEGMENT")
@click.option("--dialect", type=click.Choice(["duckdb", "postgres", "clickhouse"]), help="Default: the store's.")
@click.option("--as-of", help="Evaluation time (ISO 8601); default now.")
def sql_cmd(db: str | None, segment_ref: str, dialect: str | None, as_of: str | None) -> None:
    """Print the SQL that would run."""
    click.echo(connect(db).sql(segment_ref, dialect, as_of_option(as_of)))


@command(main, "describe")
@click.argument("segment_ref", metavar="SEGMENT")
@click.option(
    "--locale",
    type=click.Choice(sorted(LOCALES)),
    help="The sentence's language (default English; the workspace's labels in that language).",
)
def describe_cmd(db: str | None, segment_ref: str, locale: str | None) -> None:
    """Print the segment's rule as a sentence (English unless --locale says otherwise)."""
    ws = connect(db)
    click.echo(describe(ws.validate(segment_ref), ws.catalog, locale))


@command(main, "demo-data")
@click.option("--contacts", "n_contacts", type=click.IntRange(1), default=5000, show_default=True)
@click.option("--out", help="Store URL or DuckDB file to fill (default: --db).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--as-of", help="The sample's reference time (default: the sample's fixed time).")
@click.option("--segments/--no-segments", default=True, help="Also save the example segments.")
@click.option(
    "--history/--no-history",
    default=True,
    help="Also a past campaign with a holdout and a known effect, for results (docs/results.md).",
)
def demo_data_cmd(
    db: str | None, n_contacts: int, out: str | None, seed: int, as_of: str | None, segments: bool, history: bool
) -> None:
    """Generate the sample Polish shop and import it."""
    from workbench.sample.load import load_sample

    ws = connect(out or db)
    reference = as_of_option(as_of)
    with progress_bar("generating sample") as progress:
        task = progress.add_task("sample", total=n_contacts)
        summary = load_sample(
            ws,
            n_contacts,
            seed=seed,
            as_of=reference,
            save_segments=segments,
            progress=lambda done: progress.update(task, completed=done),
            history=history,
        )
    click.echo(summary)


@command(main, "compact")
@click.option("--if-needed", is_flag=True, help="Only if a tenth of the events arrived since the last compaction.")
def compact_cmd(db: str | None, if_needed: bool) -> None:
    """Rewrite the events in the order segments read them (name, then time).

    Imports store each batch in this order; events appended a few at a time, or in many
    batches, interleave. Run it after large imports, or nightly with --if-needed; it holds
    the store for writing meanwhile (about a minute for 20 million events on DuckDB).
    PostgreSQL and ClickHouse keep their own order: there it does nothing."""
    ws = connect(db)
    if ws.dialect != "duckdb":
        click.echo(f"nothing to do: {ws.dialect} keeps events in its own order")
        return
    since, total = ws.events_since_compaction()
    share = f"{since:,} of {total:,} events arrived since the last compaction"
    if total == 0 or (if_needed and not worth_compacting(since, total)):
        click.echo(f"nothing to do: {share}")
        return
    with progress_bar("compacting events") as progress:
        progress.add_task("compact", total=None)
        rows = ws.compact()
    click.echo(f"compacted {rows:,} events in (name, time) order ({share})")


@command(main, "export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_cmd(db: str | None, directory: Path) -> None:
    """Write contacts, events, identities (Parquet) and the segment library (JSON) to DIRECTORY,
    for `workbench import` into another store (see docs/deployment.md)."""
    written = connect(db).export(directory)
    for name, path in written.items():
        click.echo(f"{name}: {path}")
