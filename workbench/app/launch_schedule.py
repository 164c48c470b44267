"""The launch tab's schedules: send the campaign on a cron schedule, see and remove schedules.

A schedule is the send package's (``add_schedule``); the scheduler process (``workbench
scheduler``) carries it out. Schedulers record a heartbeat at every tick, so the panel says
whether one is running, warns when none is, and shows the latest firing any recorded.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import ipywidgets as widgets
from croniter import croniter

from workbench.app.feedback import Feedback
from workbench.errors import WorkbenchError
from workbench.expr.timeutil import zone
from workbench.i18n import N_, Texts, texts
from workbench.send import (
    Schedule,
    SchedulerSeen,
    add_schedule,
    define_campaign,
    list_schedules,
    remove_schedule,
    running_schedulers,
)
from workbench.send.run import check_template
from workbench.send.tables import SCHEDULE_FIRINGS, SCHEDULES
from workbench.store.workspace import Workspace

if TYPE_CHECKING:
    from workbench.app.launch_view import LaunchView

PRESETS = (  # (label, cron); the labels are messages
    (N_("Every day at 09:00"), "0 9 * * *"),
    (N_("Weekdays at 09:00"), "0 9 * * MON-FRI"),
    (N_("Mondays at 09:00"), "0 9 * * MON"),
    (N_("Custom (type a cron expression)"), ""),
)

SCHEDULER_NOTE = N_(
    "Schedules are carried out by the scheduler process, {scheduler}, running beside the store (or "
    "{once} every minute from cron or a systemd timer): while none runs, nothing is sent, and "
    "occurrences missed by more than an hour are skipped. Each occurrence is sent through the same "
    "send notebook, with its own audit record."
)

# What became of an occurrence (wb_schedule_firings.status), in words (messages).
FIRING_STATUS = {"running": N_("running"), "done": N_("done"), "failed": N_("failed"), "missed": N_("missed")}


def _code(command: str) -> str:
    return f"<code>{html.escape(command)}</code>"


def scheduler_status(seen: list[SchedulerSeen], now: datetime, t: Texts | None = None) -> str:
    """One line (HTML) on the running schedulers, or the warning that none runs."""
    t = t or texts()
    if not seen:
        head = html.escape(t._("No scheduler is running"))
        rest = html.escape(t._("scheduled sends will not go out until one is started"))
        return f"<b>{head}</b>: {rest} ({_code('workbench scheduler')})."
    latest = seen[0]
    ago = max(0, int((now - latest.seen_at).total_seconds()))
    if latest.every_s is not None:
        how = t._("every {seconds} s", seconds=t.number(round(latest.every_s, 3)))
    else:
        how = t._("from cron or a timer")
    line = t._(
        "on {host} (pid {pid}, {how}), last seen {ago} s ago", host=latest.host, pid=latest.pid, how=how, ago=ago
    )
    if len(seen) > 1:
        line += " " + t.ngettext("(and {n} more)", "(and {n} more)", len(seen) - 1)
    head = html.escape(t._("Scheduler running"))
    return f"<b>{head}</b> {html.escape(line)}."


def stored_schedules(ws: Workspace) -> list[Schedule]:
    """The schedules in the store; opening the app does not create the send tables."""
    with ws.connector.reading() as con:
        if SCHEDULES.name not in con.list_tables():
            return []
    return list_schedules(ws)


def latest_firing(ws: Workspace) -> dict | None:
    """The most recent occurrence any scheduler claimed (``wb_schedule_firings``), or None."""
    with ws.connector.reading() as con:
        if SCHEDULE_FIRINGS.name not in con.list_tables():
            return None
        firings = con.table(SCHEDULE_FIRINGS.name)
        rows = con.to_pyarrow(firings.order_by(firings.claimed_at.desc()).limit(1)).to_pylist()
    return rows[0] if rows else None


class SchedulePanel:
    """Schedule the launch tab's campaign; list and remove schedules."""

    def __init__(self, view: LaunchView) -> None:
        self.view = view
        self.t = t = view.t
        self.feedback = Feedback(t)
        presets = [(t._(label), cron) for label, cron in PRESETS]
        self.preset = widgets.Dropdown(options=presets, value=PRESETS[0][1], description=t._("When"))
        self.cron = widgets.Text(
            value=PRESETS[0][1], description="Cron", placeholder=t._("minute hour day month weekday")
        )
        self.preset.observe(lambda change: self._preset(change["new"]), "value")
        self.tz = widgets.Text(description=t._("Time zone"), value=self._default_tz())
        self.each = widgets.Checkbox(value=True, description=t._("New campaign per occurrence"), indent=False)
        self.each.tooltip = t._("Off: every occurrence sends as the same campaign, so each contact gets it once")
        self.add_button = widgets.Button(description=t._("Schedule"), icon="clock-o", button_style="primary")
        self.add_button.on_click(lambda _b: self.feedback.run(self.add_from_widgets))
        self.listing = widgets.VBox()
        self.listing.add_class("wb-schedules")
        self.scheduler = widgets.HTML()
        self.widget = widgets.VBox(
            [
                widgets.HTML('<div class="wb-section">' + html.escape(t._("Schedule")) + "</div>"),
                widgets.HBox([self.preset, self.cron, self.tz]),
                widgets.HBox([self.each, self.add_button]),
                self.feedback.widget,
                self.listing,
                self.scheduler,
            ]
        )
        self.widget.add_class("wb-launch-schedule")

    def _default_tz(self) -> str:
        return self.view.app.workspace.catalog.timezone or "UTC"

    def _preset(self, cron: str) -> None:
        if cron:
            self.cron.value = cron

    def add_from_widgets(self) -> Schedule:
        return self.add(self.cron.value, self.tz.value, each_occurrence=self.each.value)

    def add(self, cron: str, tz: str, *, each_occurrence: bool = True) -> Schedule:
        """Store the tab's campaign and schedule it (``cron`` read in time zone ``tz``)."""
        t = self.t
        cron, tz = " ".join(cron.split()), tz.strip() or "UTC"
        if not cron:
            raise WorkbenchError(t._("Type a cron expression (minute hour day month weekday), e.g. '0 9 * * MON'."))
        if not croniter.is_valid(cron):
            raise WorkbenchError(
                t._(
                    "{cron} is not a cron expression (minute hour day month weekday, e.g. '0 9 * * MON').",
                    cron=repr(cron),
                )
            )
        try:
            zone(tz)
        except ValueError:
            raise WorkbenchError(
                t._("Unknown time zone {zone}; use an IANA name such as 'Europe/Warsaw'.", zone=repr(tz))
            ) from None
        ws = self.view.app.workspace
        choice = self.view.choice()
        campaign = define_campaign(
            ws, choice.campaign_id, segment=choice.segment_id, channel=choice.channel, template=choice.template
        )
        check_template(ws, campaign)
        schedule = add_schedule(ws, campaign.campaign_id, cron, tz, each_occurrence=each_occurrence)
        self.refresh()
        next_at = t.occurrence(schedule.next_due(datetime.now(UTC)), tz)
        self.feedback.say(
            t._("Scheduled {id}: next at {when}, if a scheduler is running.", id=schedule.schedule_id, when=next_at)
        )
        return schedule

    def remove(self, schedule_id: str) -> None:
        """Delete a schedule (what it sent stays recorded)."""
        remove_schedule(self.view.app.workspace, schedule_id)
        self.refresh()
        self.feedback.say(self.t._("Removed schedule {id}.", id=schedule_id))

    def refresh(self) -> list[Schedule]:
        """List the stored schedules with their next occurrence, and the scheduler note."""
        t, ws = self.t, self.view.app.workspace
        schedules = stored_schedules(ws)
        now = datetime.now(UTC)
        rows = []
        for schedule in schedules:
            kind = t._("a new campaign each time") if schedule.each_occurrence else t._("once per contact")
            what = t._("campaign {id}", id=schedule.campaign_id)
            zone_kind = t._("in {zone} ({kind})", zone=schedule.tz, kind=kind)
            next_at = t._("next {when}", when=t.occurrence(schedule.next_due(now), schedule.tz))
            text = widgets.HTML(
                f"<b>{html.escape(schedule.schedule_id)}</b>: {html.escape(what)}, {_code(schedule.cron)} "
                f"{html.escape(zone_kind)} · {html.escape(next_at)}"
            )
            remove = widgets.Button(description=t._("Remove"), icon="trash", layout=widgets.Layout(width="100px"))
            remove.on_click(lambda _b, sid=schedule.schedule_id: self.feedback.run(lambda: self.remove(sid)))
            row = widgets.HBox([remove, text])
            row.add_class("wb-schedule-row")
            rows.append(row)
        for old in self.listing.children:
            for part in (*getattr(old, "children", ()), old):
                part.close()
        none = html.escape(t._("No schedules yet."))
        self.listing.children = rows or [widgets.HTML(f'<div class="wb-muted">{none}</div>')]
        firing = latest_firing(ws)
        if firing:
            last = t._(
                "The latest occurrence a scheduler ran: {id} due {when}, {status}, on {host}.",
                id=firing["schedule_id"],
                when=t.occurrence(firing["due_at"], "UTC"),
                status=t._(FIRING_STATUS[firing["status"]]) if firing["status"] in FIRING_STATUS else firing["status"],
                host=firing["owner_host"],
            )
        else:
            last = t._("No scheduler has run an occurrence in this store yet.")
        status = scheduler_status(running_schedulers(ws, now), now, t)
        note = html.escape(t._(SCHEDULER_NOTE)).format(
            scheduler=_code("workbench scheduler"), once=_code("workbench scheduler --once")
        )
        self.scheduler.value = f'<div class="wb-note">{status} {note} {html.escape(last)}</div>'
        return schedules
