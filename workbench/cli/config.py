"""``workbench config``: the workspace's settings (language, time zone, global control group)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import click

from workbench.cli.base import EXIT_INVALID, command, fail, main
from workbench.errors import WorkbenchError
from workbench.expr.timeutil import zone
from workbench.i18n import LOCALES, check_locale
from workbench.store.workspace import Workspace, connect


def _share(value: str) -> float:
    from workbench.send.holdout import check_share  # the send package: imported when used

    try:
        number = float(value)
    except ValueError:
        raise WorkbenchError(f"{value!r} is not a share: write 0.05 for 5%") from None
    return check_share(number, "global control")


def _write_share(ws: Workspace, value: str) -> None:
    from workbench.send.holdout import set_global_control

    set_global_control(ws, _share(value))


def _read_share(ws: Workspace) -> str:
    from workbench.send.holdout import global_control_share

    return repr(global_control_share(ws))


@dataclass(frozen=True)
class Setting:
    """A setting ``workbench config`` reads and writes: what it means, how a value is checked
    (raises before anything is written), stored and read back."""

    meaning: str
    check: Callable[[str], object]
    write: Callable[[Workspace, str], None]
    read: Callable[[Workspace], str]


SETTINGS = {
    "locale": Setting(
        f"language of the app, rule sentences and send prose: {', '.join(LOCALES)}",
        check_locale,
        lambda ws, value: ws.set_locale(value),
        lambda ws: ws.catalog.locale,
    ),
    "timezone": Setting(
        "IANA time zone of calendar rules and dates shown, e.g. Europe/Warsaw",
        zone,
        lambda ws, value: ws.set_timezone(value),
        lambda ws: ws.catalog.timezone,
    ),
    "global_control": Setting(
        "share of all contacts no campaign messages unless it reaches the control group, e.g. 0.05",
        _share,
        _write_share,
        _read_share,
    ),
}


@main.group()
def config() -> None:
    """Show or change the workspace's settings."""


def _check(key: str, value: str) -> None:
    """Refuse a bad key or value (exit 2) before anything is written."""
    if key not in SETTINGS:
        fail(f"error: unknown setting {key!r}; use one of {', '.join(SETTINGS)}", EXIT_INVALID)
    try:
        SETTINGS[key].check(value)
    except (WorkbenchError, ValueError) as exc:
        fail(f"error: {key}: {exc}", EXIT_INVALID)


@command(config, "set")
@click.argument("key", metavar="KEY")
@click.argument("value")
def config_set(db: str | None, key: str, value: str) -> None:
    """Set KEY (locale, timezone, global_control) to VALUE."""
    _check(key, value)
    SETTINGS[key].write(connect(db), value)
    click.echo(f"{key} = {value}")


@command(config, "show")
def config_show(db: str | None) -> None:
    """Print every setting, one ``key = value`` a line."""
    ws = connect(db)
    for key, setting in SETTINGS.items():
        click.echo(f"{key} = {setting.read(ws)}")
