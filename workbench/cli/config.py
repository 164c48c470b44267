"""``workbench config``: the workspace's settings (its language and time zone)."""

from __future__ import annotations

import click

from workbench.cli.base import EXIT_INVALID, command, fail, main
from workbench.errors import WorkbenchError
from workbench.expr.timeutil import zone
from workbench.i18n import LOCALES, check_locale
from workbench.store.workspace import connect

KEYS = {
    "locale": f"language of the app, rule sentences and send prose: {', '.join(LOCALES)}",
    "timezone": "IANA time zone of calendar rules and dates shown, e.g. Europe/Warsaw",
}


@main.group()
def config() -> None:
    """Show or change the workspace's settings."""


def _check(key: str, value: str) -> None:
    """Refuse a bad key or value (exit 2) before anything is written."""
    if key not in KEYS:
        fail(f"error: unknown setting {key!r}; use one of {', '.join(KEYS)}", EXIT_INVALID)
    try:
        check_locale(value) if key == "locale" else zone(value)
    except (WorkbenchError, ValueError) as exc:
        fail(f"error: {exc}", EXIT_INVALID)


@command(config, "set")
@click.argument("key", metavar="KEY")
@click.argument("value")
def config_set(db: str | None, key: str, value: str) -> None:
    """Set KEY (locale, timezone) to VALUE."""
    _check(key, value)
    ws = connect(db)
    ws.set_locale(value) if key == "locale" else ws.set_timezone(value)
    click.echo(f"{key} = {value}")


@command(config, "show")
def config_show(db: str | None) -> None:
    """Print every setting, one ``key = value`` a line."""
    catalog = connect(db).catalog
    click.echo(f"locale = {catalog.locale}")
    click.echo(f"timezone = {catalog.timezone}")
