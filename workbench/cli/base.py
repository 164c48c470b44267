"""The ``workbench`` command group and what every command shares: ``--db``, error exits,
``--as-of`` parsing and progress bars."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from workbench.errors import NotFound, SegmentError, WorkbenchError
from workbench.expr.timeutil import parse_instant

err = Console(stderr=True)
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

        run = click.option(
            "--db",
            envvar="WORKBENCH_DB",
            metavar="URL",
            help="Store URL (duckdb:///path, postgres://…); default ./workbench.duckdb",
        )(run)
        return group.command(name)(run)

    return wrap


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
