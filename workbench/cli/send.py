"""Campaign commands (workbench.send): send, schedule, scheduler."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from workbench.cli.base import (
    EXIT_INVALID,
    as_of_option,
    command,
    echo_list,
    err,
    fail,
    main,
    progress_bar,
    remove_command,
)
from workbench.errors import SegmentError
from workbench.store.workspace import connect


@command(main, "send")
@click.option("--segment", "segment_ref", metavar="SEGMENT", help="Saved segment id or segment JSON file.")
@click.option("--channel", type=click.Choice(["email", "sms", "push"]))
@click.option("--template", type=click.Path(exists=True, path_type=Path), help="Template folder or file.")
@click.option("--campaign", "campaign_id", help="Campaign id (default: from segment, channel and template).")
@click.option("--name", help="The campaign's display name.")
@click.option("--as-of", help="The moment of sending (ISO 8601); default now.")
@click.option("--dry-run", is_flag=True, help="Write messages to the outbox; send and record nothing.")
@click.option("--batch-size", type=click.IntRange(1), default=100, show_default=True)
@click.option("--rate-limit", type=click.FloatRange(min=0, min_open=True), help="Messages per second.")
@click.option("--max-per-day", type=click.IntRange(0), help="Frequency cap per contact and channel (0: none).")
@click.option("--max-per-week", type=click.IntRange(0), help="Weekly frequency cap (0: none).")
@click.option("--quiet-hours", metavar="HH:MM-HH:MM", help="No sends in this local span ('none' to allow).")
@click.option("--outbox", type=click.Path(file_okay=False, path_type=Path), help="Dry-run folder.")
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"), show_default=True)
@click.option(
    "--holdout",
    type=click.FloatRange(0, 1, max_open=True),
    help="Share of eligible recipients held out, counted and not messaged (0.1: 10%).",
)
@click.option("--reach-control", is_flag=True, default=None, help="Also message the workspace's global control group.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def send_cmd(
    db: str | None,
    segment_ref: str | None,
    channel: str | None,
    template: Path | None,
    campaign_id: str | None,
    name: str | None,
    as_of: str | None,
    dry_run: bool,
    batch_size: int,
    rate_limit: float | None,
    max_per_day: int | None,
    max_per_week: int | None,
    quiet_hours: str | None,
    outbox: Path | None,
    runs_dir: Path,
    holdout: float | None,
    reach_control: bool | None,
    as_json: bool,
) -> None:
    """Send a campaign to a segment's eligible members through the send notebook.

    The executed notebook is kept as runs/<campaign>/<timestamp>.ipynb, the audit record,
    with the recipient list beside it. A re-run sends only what was not sent.
    """
    from papermill.exceptions import PapermillExecutionError

    from workbench.send.audit import RunFiles, run_send_notebook, run_summary
    from workbench.send.campaigns import default_campaign_id, define_campaign, get_campaign
    from workbench.send.errors import TemplateError
    from workbench.send.policy import QuietHours
    from workbench.send.run import check_template
    from workbench.send.settings import SendSettings

    ws = connect(db)
    at = as_of_option(as_of)
    if quiet_hours is not None:
        QuietHours.parse(quiet_hours)
    defining = [segment_ref, channel, template]
    if any(defining) and not all(defining):
        raise SegmentError.at("send", "--segment, --channel and --template go together (or give only --campaign)")
    if not any(defining) and not campaign_id:
        raise SegmentError.at("send", "give --segment, --channel and --template, or --campaign of a stored campaign")
    options = {"holdout": holdout, "reach_control": reach_control}
    if all(defining):
        campaign_id = campaign_id or default_campaign_id(ws.segment(segment_ref).id, channel, template)
        campaign = define_campaign(
            ws, campaign_id, segment=segment_ref, channel=channel, template=template, name=name, **options
        )
    else:
        campaign = get_campaign(ws, campaign_id)
        if holdout is not None or reach_control is not None:  # a stored campaign given a holdout: define it so
            campaign = define_campaign(
                ws,
                campaign_id,
                segment=campaign.segment,
                channel=campaign.channel,
                template=campaign.template,
                **options,
            )
    try:
        check_template(ws, campaign)
    except TemplateError as exc:
        fail(f"error: {exc}", EXIT_INVALID)
    files = RunFiles.new(runs_dir, campaign.campaign_id)
    parameters = {
        "db": ws.url.url,
        "campaign_id": campaign.campaign_id,
        "as_of": at.isoformat() if at else None,
        "dry_run": dry_run,
        "batch_size": batch_size,
        "rate_limit": rate_limit,
        "max_per_day": max_per_day,
        "max_per_week": max_per_week,
        "quiet_hours": quiet_hours,
        # absolute: the notebook runs in the run's folder, and ./outbox means the caller's
        "outbox": str((outbox or SendSettings.from_env().outbox).resolve()) if dry_run else None,
    }
    with progress_bar(f"sending {campaign.campaign_id}") as progress:
        task = progress.add_task("send", total=None)

        def update(counts: dict) -> None:
            progress.update(task, completed=counts.get("done", 0), total=counts.get("total"))

        try:
            run_send_notebook(parameters, files, on_progress=update)
        except PapermillExecutionError as exc:
            fail(
                f"error: the send stopped in the notebook: {exc.ename}: {exc.evalue}\naudit record: {files.notebook}", 1
            )
    summary = {"audit_record": str(files.notebook), "recipients": str(files.recipients), **run_summary(files)}
    if as_json:
        click.echo(json.dumps(summary))
        return
    click.echo(f"audit record: {summary['audit_record']}")
    click.echo(f"recipient list: {summary['recipients']}")
    click.echo(f"members: {summary['members']}")
    for reason, count in sorted(summary["excluded"].items()):
        click.echo(f"excluded ({reason}): {count}")
    for status, count in sorted(summary["outcome"].items()):
        click.echo(f"{status}: {count}")


@main.group("schedule")
def schedule_group() -> None:
    """Recurring sends of a campaign: add, list, remove."""


@command(schedule_group, "add")
@click.option("--campaign", "campaign_id", required=True, help="A stored campaign (or define it with the next three).")
@click.option("--segment", "segment_ref", metavar="SEGMENT")
@click.option("--channel", type=click.Choice(["email", "sms", "push"]))
@click.option("--template", type=click.Path(exists=True, path_type=Path))
@click.option("--cron", required=True, help="Cron expression, e.g. '0 9 * * MON'.")
@click.option("--tz", default="UTC", show_default=True, help="Time zone the cron expression is read in.")
@click.option("--id", "schedule_id", help="Schedule id (default: from campaign, cron and tz).")
@click.option(
    "--once-per-contact", is_flag=True, help="Every occurrence sends as the same campaign: each contact gets it once."
)
@click.option("--batch-size", type=click.IntRange(1))
@click.option("--rate-limit", type=click.FloatRange(min=0, min_open=True))
def schedule_add(
    db: str | None,
    campaign_id: str,
    segment_ref: str | None,
    channel: str | None,
    template: Path | None,
    cron: str,
    tz: str,
    schedule_id: str | None,
    once_per_contact: bool,
    batch_size: int | None,
    rate_limit: float | None,
) -> None:
    """Send a campaign on a cron schedule (run 'workbench scheduler' to carry it out)."""
    from workbench.send.campaigns import define_campaign
    from workbench.send.schedule import add_schedule

    ws = connect(db)
    if segment_ref or channel or template:
        if not (segment_ref and channel and template):
            raise SegmentError.at("schedule add", "--segment, --channel and --template go together")
        define_campaign(ws, campaign_id, segment=segment_ref, channel=channel, template=template)
    options = {k: v for k, v in {"batch_size": batch_size, "rate_limit": rate_limit}.items() if v is not None}
    schedule = add_schedule(
        ws, campaign_id, cron, tz, each_occurrence=not once_per_contact, options=options, schedule_id=schedule_id
    )
    click.echo(f"scheduled {schedule.schedule_id}: next at {schedule.next_due(datetime.now(UTC)).isoformat()}")


@command(schedule_group, "list")
@click.option("--json", "as_json", is_flag=True)
def schedule_list(db: str | None, as_json: bool) -> None:
    """Every schedule with its next run."""
    from workbench.send.schedule import list_schedules

    now = datetime.now(UTC)
    echo_list(
        list_schedules(connect(db)),
        as_json,
        row=lambda s: {
            "id": s.schedule_id,
            "campaign": s.campaign_id,
            "cron": s.cron,
            "tz": s.tz,
            "each_occurrence": s.each_occurrence,
            "next": s.next_due(now).isoformat(),
        },
        line=lambda s: f"{s.schedule_id}\t{s.campaign_id}\t{s.cron}\t{s.tz}\tnext {s.next_due(now).isoformat()}",
    )


remove_command(
    schedule_group,
    "workbench.send.schedule:remove_schedule",
    "schedule_id",
    "Delete a schedule (its past firings stay as history).",
)


@command(main, "scheduler")
@click.option("--interval", type=click.FloatRange(min=1), default=30, show_default=True, help="Seconds between checks.")
@click.option("--max-late", default="1h", show_default=True, help="Run a missed occurrence only if at most this late.")
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs"), show_default=True)
@click.option("--once", is_flag=True, help="Check once and exit (for cron or systemd timers).")
def scheduler_cmd(db: str | None, interval: float, max_late: str, runs_dir: Path, once: bool) -> None:
    """Run due scheduled sends; safe to start on several machines at once."""
    from datetime import timedelta

    from workbench.expr.timeutil import Duration
    from workbench.send.schedule import Scheduler, notebook_runner

    try:
        late = timedelta(seconds=Duration.parse(max_late).seconds)
    except ValueError as exc:
        raise SegmentError.at("--max-late", str(exc)) from exc
    ws = connect(db)
    scheduler = Scheduler(ws, notebook_runner(ws.url.url, runs_dir.resolve()), max_late=late)
    if once:
        for firing in scheduler.tick():
            click.echo(f"{firing.schedule_id}\t{firing.campaign_id}\t{firing.status}")
        return
    err.print(f"scheduler running (every {interval:g}s); Ctrl-C to stop")
    try:
        scheduler.run_forever(interval)
    except KeyboardInterrupt:
        err.print("scheduler stopped")
