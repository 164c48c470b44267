"""Trigger commands (workbench.triggers): track, untrack, trigger, watch, history."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from datetime import timedelta
from pathlib import Path

import click

from workbench.cli.base import command, echo_list, err, main, remove_command
from workbench.errors import SegmentError, WorkbenchError
from workbench.expr.timeutil import Duration
from workbench.store.workspace import connect


def _duration(option: str, text: str | None) -> timedelta | None:
    if text is None:
        return None
    try:
        duration = Duration.parse(text)
    except ValueError as exc:
        raise SegmentError.at(option, str(exc)) from exc
    if duration.is_calendar:
        raise SegmentError.at(option, f"{text!r}: use days or shorter units (months have no fixed length)")
    return timedelta(seconds=duration.seconds)


@command(main, "track")
@click.argument("segment_id")
def track_cmd(db: str | None, segment_id: str) -> None:
    """Record SEGMENT's entries and exits from now on (the watcher evaluates it)."""
    from workbench.triggers import track

    added = track(connect(db), segment_id)
    click.echo(f"tracking {segment_id}" if added else f"{segment_id} was already tracked")


@command(main, "untrack")
@click.argument("segment_id")
def untrack_cmd(db: str | None, segment_id: str) -> None:
    """Stop tracking SEGMENT and delete its membership history."""
    from workbench.triggers import untrack

    untrack(connect(db), segment_id)
    click.echo(f"stopped tracking {segment_id}")


@main.group("trigger")
def trigger_group() -> None:
    """Actions on segment entry and exit: add, list, remove; hosts webhooks may reach."""


@command(trigger_group, "add")
@click.argument("trigger_id")
@click.option("--segment", required=True, help="The saved segment whose entries (or exits) fire it.")
@click.option("--on", "on_change", type=click.Choice(["enter", "exit"]), default="enter", show_default=True)
@click.option("--campaign", help="Send this campaign to the contact (a stored one, or define it with the next two).")
@click.option("--channel", type=click.Choice(["email", "sms", "push"]), help="Define --campaign: its channel.")
@click.option("--template", type=click.Path(exists=True, path_type=Path), help="Define --campaign: its template.")
@click.option("--webhook", metavar="URL", help="POST the change as signed JSON to this URL.")
@click.option("--delay", metavar="DURATION", help="Act this long after the change, e.g. 30m.")
@click.option("--repeat-after", metavar="DURATION", help="Send again on a re-entry this long after the last one.")
def trigger_add(
    db: str | None,
    trigger_id: str,
    segment: str,
    on_change: str,
    campaign: str | None,
    channel: str | None,
    template: Path | None,
    webhook: str | None,
    delay: str | None,
    repeat_after: str | None,
) -> None:
    """Define a trigger; a webhook trigger prints its signing secret (shown once)."""
    from workbench.send import define_campaign
    from workbench.triggers import TargetRefused, add_trigger

    ws = connect(db)
    if (channel is None) != (template is None) or (channel and not campaign):
        raise SegmentError.at("trigger add", "--channel and --template go together, with --campaign")
    if channel is not None:
        define_campaign(ws, campaign, segment=segment, channel=channel, template=template.resolve())
    try:
        trigger = add_trigger(
            ws,
            trigger_id,
            segment=segment,
            on=on_change,
            campaign=campaign,
            webhook=webhook,
            delay=_duration("--delay", delay) or timedelta(0),
            repeat_after=_duration("--repeat-after", repeat_after),
        )
    except TargetRefused as exc:  # bad input, like any other invalid option: exit 2
        raise SegmentError.at("--webhook", str(exc)) from exc
    click.echo(f"{trigger.trigger_id}: {trigger.describe()}")
    if trigger.secret:
        click.echo(f"signing secret (give it to the receiver; it is not shown again): {trigger.secret}")


@command(trigger_group, "list")
@click.option("--json", "as_json", is_flag=True)
def trigger_list(db: str | None, as_json: bool) -> None:
    """Every trigger, with what it does."""
    from workbench.triggers import list_triggers

    echo_list(
        list_triggers(connect(db)),
        as_json,
        row=lambda t: {
            "id": t.trigger_id,
            "segment": t.segment_id,
            "on": t.on_change,
            "action": t.action,
            "target": t.target,
            "delay_s": t.delay.total_seconds(),
            "repeat_after_s": t.repeat_after.total_seconds() if t.repeat_after else None,
        },
        line=lambda t: f"{t.trigger_id}\t{t.describe()}",
    )


remove_command(
    trigger_group,
    "workbench.triggers:remove_trigger",
    "trigger_id",
    "Delete a trigger; its pending actions are cancelled.",
)


@command(trigger_group, "allow-host")
@click.argument("hosts", metavar="HOST...", nargs=-1, required=True)
def trigger_allow_host(db: str | None, hosts: tuple[str, ...]) -> None:
    """Let webhooks reach HOST (name or address, as in the URL) even on a private network."""
    from workbench.triggers import allow_webhook_host
    from workbench.triggers.targets import normalise_host

    for host in hosts:  # every one checked before any is stored
        try:
            normalise_host(host)
        except WorkbenchError as exc:
            raise SegmentError.at("HOST", str(exc)) from exc
    ws = connect(db)
    for host in hosts:
        click.echo(f"webhooks may reach {allow_webhook_host(ws, host)}")


@command(trigger_group, "disallow-host")
@click.argument("hosts", metavar="HOST...", nargs=-1, required=True)
def trigger_disallow_host(db: str | None, hosts: tuple[str, ...]) -> None:
    """Stop allowing HOST; webhooks to it must reach a public address again."""
    from workbench.triggers import disallow_webhook_host

    ws = connect(db)
    for host in hosts:
        was = disallow_webhook_host(ws, host)
        click.echo(f"{host} is no longer allowed" if was else f"{host} was not allowed")


@command(trigger_group, "allowed-hosts")
@click.option("--json", "as_json", is_flag=True)
def trigger_allowed_hosts(db: str | None, as_json: bool) -> None:
    """The hosts webhooks may reach besides public internet addresses."""
    from workbench.triggers import webhook_allowed_hosts

    hosts = webhook_allowed_hosts(connect(db))
    if as_json:
        click.echo(json.dumps(hosts))
        return
    for host in hosts:
        click.echo(host)


@command(main, "watch")
@click.option(
    "--interval", type=click.FloatRange(min=0.5), default=5, show_default=True, help="Seconds between rounds."
)
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"), show_default=True)
@click.option("--once", is_flag=True, help="One round, then exit.")
@click.option(
    "--full-every",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    help="Seconds between rounds that evaluate every contact (the others evaluate those that changed).",
)
def watch_cmd(db: str | None, interval: float, runs_dir: Path, once: bool, full_every: float) -> None:
    """Evaluate tracked segments continuously; record entries and exits; run triggers."""
    from workbench.triggers import Dispatcher, Tick, Watcher

    ws = connect(db)
    watcher = Watcher(
        ws, dispatcher=Dispatcher(ws, runs_dir=runs_dir.resolve()), full_every=timedelta(seconds=full_every)
    )

    def report(tick: Tick) -> None:
        if tick.changes or tick.jobs:
            jobs = ", ".join(f"{status} {n}" for status, n in sorted(tick.jobs.items())) or "no actions"
            err.print(f"{tick.at:%H:%M:%S} +{len(tick.entries)} −{len(tick.exits)}; {jobs}")

    if once:
        report(watcher.tick())
        return
    stop = threading.Event()
    # a service manager stops with SIGTERM: finish the round in progress (its messages
    # journaled and settled) rather than die between a delivery and its record
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    err.print(f"watching (every {interval:g}s and on new data); Ctrl-C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        watcher.run(interval=interval, on_tick=report, stop=stop)
    err.print("watcher stopped")


@command(main, "history")
@click.argument("segment_id")
@click.option("--contact", help="Only this contact's stays.")
@click.option("--json", "as_json", is_flag=True)
def history_cmd(db: str | None, segment_id: str, contact: str | None, as_json: bool) -> None:
    """A tracked segment's membership history: one line per stay."""
    from workbench.triggers import history

    rows = history(connect(db), segment_id, contact).to_pylist()
    for row in rows:
        for key in ("entered_at", "exited_at"):
            row[key] = row[key].isoformat() if row[key] else None
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        flag = " (baseline)" if row["baseline"] else ""
        click.echo(f"{row['contact_id']}\t#{row['seq']}\t{row['entered_at']}\t{row['exited_at'] or '…'}{flag}")
