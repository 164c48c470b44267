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

from workbench.app.feedback import Feedback
from workbench.errors import WorkbenchError
from workbench.expr.timeutil import zone
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

PRESETS = (
    ("Every day at 09:00", "0 9 * * *"),
    ("Weekdays at 09:00", "0 9 * * MON-FRI"),
    ("Mondays at 09:00", "0 9 * * MON"),
    ("Custom (type a cron expression)", ""),
)

SCHEDULER_NOTE = (
    "Schedules are carried out by the scheduler process, <code>workbench scheduler</code>, running "
    "beside the store (or <code>workbench scheduler --once</code> every minute from cron or a systemd "
    "timer): while none runs, nothing is sent, and occurrences missed by more than an hour are skipped. "
    "Each occurrence is sent through the same send notebook, with its own audit record."
)
NO_SCHEDULER = (
    "<b>No scheduler is running</b>: scheduled sends will not go out until one is started "
    "(<code>workbench scheduler</code>)."
)


def scheduler_status(seen: list[SchedulerSeen], now: datetime) -> str:
    """One line on the running schedulers, or the warning that none runs."""
    if not seen:
        return NO_SCHEDULER
    latest = seen[0]
    ago = max(0, int((now - latest.seen_at).total_seconds()))
    how = f"every {latest.every_s:g} s" if latest.every_s is not None else "from cron or a timer"
    more = f" (and {len(seen) - 1} more)" if len(seen) > 1 else ""
    return (
        f"<b>Scheduler running</b> on {html.escape(latest.host)} (pid {latest.pid}, {how}), "
        f"last seen {ago} s ago{more}."
    )


def local(instant: datetime, tz: str) -> str:
    return instant.astimezone(zone(tz)).strftime("%a %Y-%m-%d %H:%M ") + tz


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
        self.feedback = Feedback()
        self.preset = widgets.Dropdown(options=PRESETS, value=PRESETS[0][1], description="When")
        self.cron = widgets.Text(value=PRESETS[0][1], description="Cron", placeholder="minute hour day month weekday")
        self.preset.observe(lambda change: self._preset(change["new"]), "value")
        self.tz = widgets.Text(description="Time zone", value=self._default_tz())
        self.each = widgets.Checkbox(value=True, description="New campaign per occurrence", indent=False)
        self.each.tooltip = "Off: every occurrence sends as the same campaign, so each contact gets it once"
        self.add_button = widgets.Button(description="Schedule", icon="clock-o", button_style="primary")
        self.add_button.on_click(lambda _b: self.feedback.run(self.add_from_widgets))
        self.listing = widgets.VBox()
        self.listing.add_class("wb-schedules")
        self.scheduler = widgets.HTML()
        self.widget = widgets.VBox(
            [
                widgets.HTML('<div class="wb-section">Schedule</div>'),
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
        cron, tz = " ".join(cron.split()), tz.strip() or "UTC"
        if not cron:
            raise WorkbenchError("Type a cron expression (minute hour day month weekday), e.g. '0 9 * * MON'.")
        try:
            zone(tz)
        except ValueError as exc:
            raise WorkbenchError(str(exc)) from exc
        ws = self.view.app.workspace
        choice = self.view.choice()
        campaign = define_campaign(
            ws, choice.campaign_id, segment=choice.segment_id, channel=choice.channel, template=choice.template
        )
        check_template(ws, campaign)
        schedule = add_schedule(ws, campaign.campaign_id, cron, tz, each_occurrence=each_occurrence)
        self.refresh()
        self.feedback.say(
            f"Scheduled {schedule.schedule_id}: next at {local(schedule.next_due(datetime.now(UTC)), tz)}, "
            "if a scheduler is running."
        )
        return schedule

    def remove(self, schedule_id: str) -> None:
        """Delete a schedule (what it sent stays recorded)."""
        remove_schedule(self.view.app.workspace, schedule_id)
        self.refresh()
        self.feedback.say(f"Removed schedule {schedule_id}.")

    def refresh(self) -> list[Schedule]:
        """List the stored schedules with their next occurrence, and the scheduler note."""
        ws = self.view.app.workspace
        schedules = stored_schedules(ws)
        now = datetime.now(UTC)
        rows = []
        for schedule in schedules:
            kind = "a new campaign each time" if schedule.each_occurrence else "once per contact"
            text = widgets.HTML(
                f"<b>{html.escape(schedule.schedule_id)}</b>: campaign {html.escape(schedule.campaign_id)}, "
                f"<code>{html.escape(schedule.cron)}</code> in {html.escape(schedule.tz)} ({kind}) · "
                f"next {html.escape(local(schedule.next_due(now), schedule.tz))}"
            )
            remove = widgets.Button(description="Remove", icon="trash", layout=widgets.Layout(width="100px"))
            remove.on_click(lambda _b, sid=schedule.schedule_id: self.feedback.run(lambda: self.remove(sid)))
            row = widgets.HBox([remove, text])
            row.add_class("wb-schedule-row")
            rows.append(row)
        for old in self.listing.children:
            for part in (*getattr(old, "children", ()), old):
                part.close()
        self.listing.children = rows or [widgets.HTML('<div class="wb-muted">No schedules yet.</div>')]
        firing = latest_firing(ws)
        last = (
            f" The latest occurrence a scheduler ran: {html.escape(firing['schedule_id'])} due "
            f"{html.escape(local(firing['due_at'], 'UTC'))}, {html.escape(firing['status'])}, "
            f"on {html.escape(firing['owner_host'])}."
            if firing
            else " No scheduler has run an occurrence in this store yet."
        )
        status = scheduler_status(running_schedulers(ws, now), now)
        self.scheduler.value = f'<div class="wb-note">{status} {SCHEDULER_NOTE}{last}</div>'
        return schedules
