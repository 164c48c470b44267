"""The ``workbench`` command line (SPEC §5). It only calls the Python API."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from workbench.errors import NotFound, SegmentError, WorkbenchError
from workbench.expr.describe import describe
from workbench.expr.timeutil import parse_instant
from workbench.store.workspace import Workspace, connect

err = Console(stderr=True)
EXIT_INVALID = 2


def _fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def command(group: click.Group, name: str | None = None) -> Callable:
    """A subcommand with ``--db`` and the workbench's error handling (exit 2 on bad input)."""

    def wrap(fn: Callable) -> click.Command:
        @functools.wraps(fn)
        def run(*args: Any, db: str | None, **kwargs: Any) -> None:
            try:
                fn(*args, db=db or click.get_current_context().obj, **kwargs)
            except SegmentError as exc:
                _fail(str(exc), EXIT_INVALID)
            except NotFound as exc:
                _fail(f"error: {exc}", EXIT_INVALID)
            except WorkbenchError as exc:
                _fail(f"error: {exc}", 1)

        run = click.option(
            "--db",
            envvar="WORKBENCH_DB",
            metavar="URL",
            help="Store URL (duckdb:///path, postgres://…); default ./workbench.duckdb",
        )(run)
        return group.command(name)(run)

    return wrap


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise SegmentError.at("--as-of", str(exc)) from exc


def _progress(label: str) -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal,
    )


@click.group()
@click.option("--db", envvar="WORKBENCH_DB", metavar="URL", help="Store URL for every command.")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
@click.version_option(package_name="segment-workbench")
@click.pass_context
def main(ctx: click.Context, db: str | None, verbose: bool) -> None:
    """Segment Workbench: audiences as rules over contacts and events."""
    ctx.obj = db
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@command(main, "init")
def init_cmd(db: str | None) -> None:
    """Create the tables (idempotent)."""
    ws = Workspace(db)
    ws.init()
    click.echo(f"initialised {ws.url.url}")


@command(main, "import")
@click.argument("kind", type=click.Choice(["contacts", "events", "identities"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def import_cmd(db: str | None, kind: str, file: Path, as_json: bool) -> None:
    """Import contacts, events or identities from CSV or Parquet."""
    ws = connect(db)
    with _progress(f"importing {file.name}") as progress:
        task = progress.add_task("import", total=None)
        report = ws.import_file(
            kind, file, progress=lambda done, total: progress.update(task, completed=done, total=total)
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
    rows = [
        {
            "id": s.id,
            "name": s.segment.name,
            "updated_at": s.updated_at.isoformat(),
            "rule": describe(s.segment, catalog),
        }
        for s in ws.segments()
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['id']}\t{row['name']}\t{row['rule']}")


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
    count, elapsed = connect(db).count_timed(segment_ref, _as_of(as_of))
    click.echo(json.dumps({"count": count, "elapsed_ms": round(elapsed, 3)}) if as_json else str(count))


@command(main, "members")
@click.argument("segment_ref", metavar="SEGMENT")
@click.option("--as-of", help="Evaluation time (ISO 8601); default now.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to .csv or .parquet.")
def members_cmd(db: str | None, segment_ref: str, as_of: str | None, out: Path | None) -> None:
    """Print member contact ids, one per line, or write them to a file."""
    if out is not None and out.suffix not in (".csv", ".parquet"):
        raise SegmentError.at("--out", f"{out} must end in .csv or .parquet")
    ids = connect(db).members(segment_ref, _as_of(as_of))
    if out is None:
        click.echo("\n".join(ids) if ids else "", nl=bool(ids))
        return
    table = pa.table({"contact_id": pa.array(ids, pa.string())})
    if out.suffix == ".csv":
        pa_csv.write_csv(table, out)
    else:
        pq.write_table(table, out)
    err.print(f"wrote {len(ids)} contacts to {out}")


@command(main, "sql")
@click.argument("segment_ref", metavar="SEGMENT")
@click.option("--dialect", type=click.Choice(["duckdb", "postgres", "clickhouse"]), help="Default: the store's.")
@click.option("--as-of", help="Evaluation time (ISO 8601); default now.")
def sql_cmd(db: str | None, segment_ref: str, dialect: str | None, as_of: str | None) -> None:
    """Print the SQL that would run."""
    click.echo(connect(db).sql(segment_ref, dialect, _as_of(as_of)))


@command(main, "describe")
@click.argument("segment_ref", metavar="SEGMENT")
def describe_cmd(db: str | None, segment_ref: str) -> None:
    """Print the segment's rule as an English sentence."""
    ws = connect(db)
    click.echo(describe(ws.validate(segment_ref), ws.catalog))


@command(main, "demo-data")
@click.option("--contacts", "n_contacts", type=click.IntRange(1), default=5000, show_default=True)
@click.option("--out", help="Store URL or DuckDB file to fill (default: --db).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--as-of", help="The sample's reference time (default: the sample's fixed time).")
@click.option("--segments/--no-segments", default=True, help="Also save the example segments.")
def demo_data_cmd(
    db: str | None, n_contacts: int, out: str | None, seed: int, as_of: str | None, segments: bool
) -> None:
    """Generate the sample Polish shop and import it."""
    from workbench.sample.load import load_sample

    ws = connect(out or db)
    reference = _as_of(as_of)
    with _progress("generating sample") as progress:
        task = progress.add_task("sample", total=n_contacts)
        summary = load_sample(
            ws,
            n_contacts,
            seed=seed,
            as_of=reference,
            save_segments=segments,
            progress=lambda done: progress.update(task, completed=done),
        )
    click.echo(summary)


if __name__ == "__main__":  # pragma: no cover
    main()
