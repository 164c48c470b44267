"""The ``workbench`` command group and what every command shares: ``--db``, error exits,
``--as-of`` parsing and progress bars."""

from __future__ import annotations

import functools
import importlib
import json
import logging
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from workbench.errors import NotFound, SegmentError, WorkbenchError
from workbench.expr.timeutil import parse_instant
from workbench.store.workspace import connect

err = Console(stderr=True)
T = TypeVar("T")
EXIT_INVALID = 2


def fail(message: str, code: int) -> None:
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
                fail(str(exc), EXIT_INVALID)
            except NotFound as exc:
                fail(f"error: {exc}", EXIT_INVALID)
            except WorkbenchError as exc:
                fail(f"error: {exc}", 1)
            except Exception as exc:
                if not _from_the_engine(exc):
                    raise
                # a store that is not one, a full disk, a server gone: a line, not a traceback
                logging.getLogger(__name__).debug("the store failed", exc_info=True)
                fail(f"error: the store failed: {str(exc).strip().splitlines()[0]}", 1)

        run = click.option(
            "--db",
            envvar="WORKBENCH_DB",
            metavar="URL",
            help="Store URL (duckdb:///path, postgres://…); default ./workbench.duckdb",
        )(run)
        return group.command(name)(run)

    return wrap


def _from_the_engine(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's or PostgreSQL's driver's own (their modules are imported
    only with the engine in use)."""
    return type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb", "psycopg")


def echo_list(
    items: Iterable[T], as_json: bool, *, row: Callable[[T], dict], line: Callable[[T], str], ensure_ascii: bool = True
) -> None:
    """What a ``list`` command prints: one JSON array of ``row(item)`` with ``--json``, else
    ``line(item)`` a line each."""
    if as_json:
        click.echo(json.dumps([row(item) for item in items], ensure_ascii=ensure_ascii))
        return
    for item in items:
        click.echo(line(item))


def remove_command(group: click.Group, remove: str, argument: str, help: str) -> None:
    """``<group> remove ID``: ``remove`` (``"module:function"``, imported when the command runs
    so that the CLI starts without the package) deletes the thing by id; prints ``removed ID``."""

    def run(db: str | None, **kwargs: str) -> None:
        module, function = remove.split(":")
        item_id = kwargs[argument]
        getattr(importlib.import_module(module), function)(connect(db), item_id)
        click.echo(f"removed {item_id}")

    run.__doc__ = help
    command(group, "remove")(click.argument(argument)(run))


def as_of_option(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise SegmentError.at("--as-of", str(exc)) from exc


def progress_bar(label: str) -> Progress:
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
