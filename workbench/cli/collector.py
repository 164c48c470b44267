"""The ``collector`` command: the real-time ingestion service and its write keys."""

from __future__ import annotations

import click

from workbench.cli.base import command, main


@command(main, "collector")
@click.argument(
    "action",
    nargs=-1,
    metavar="[key create NAME | key list | key revoke KEY_ID | reserved [add|remove NAME…] | limits [WHAT N]]",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port to listen on.")
@click.option("--origin", "origins", multiple=True, metavar="URL", help="Site origin allowed to send beacons (repeat).")
@click.option("--public-url", metavar="URL", help="Public URL of this collector, for tracking links.")
@click.option("--workers", type=click.IntRange(1, 64), help="HTTP processes (default: one per core, up to 4).")
@click.option("--journal", metavar="DIR", help="Where accepted events wait for the store (default: beside the file).")
def collector_cmd(
    db: str | None,
    action: tuple[str, ...],
    host: str,
    port: int,
    origins: tuple[str, ...],
    public_url: str | None,
    workers: int | None,
    journal: str | None,
) -> None:
    """Run the real-time ingestion service (see docs/collector.md), or manage it: write keys,
    the event names browsers may not send (reserved), and the caps on names (limits).

    --origin, --public-url and --journal are remembered in the store for later runs.
    """
    from workbench.collector.server import key_command, serve

    if action:
        key_command(db, action, click.echo)
        return
    serve(
        db, host=host, port=port, origins=origins or None, public_url=public_url, workers=workers, journal_dir=journal
    )
