"""What the watcher watches: tracked segments, and triggers on their entries and exits."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from workbench.errors import WorkbenchError
from workbench.store.connection import transaction
from workbench.store.statements import delete_in, insert_new, update_where
from workbench.store.workspace import Workspace
from workbench.triggers.tables import JOBS, MEMBERSHIP, TRACKED, TRIGGER_REGISTRY, ensure_tables
from workbench.triggers.targets import Resolver, read_policy, system_resolver

TRIGGER_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
CHANGES = ("enter", "exit")
ACTIONS = ("campaign", "webhook")


@dataclass(frozen=True)
class Trigger:
    """When a contact enters (or exits) ``segment_id``, send campaign ``target`` or POST the
    change to the webhook URL ``target``, ``delay`` after the change.

    A campaign goes to a contact once, unless ``repeat_after`` is set: then a later entry sends
    it again if the previous message of this trigger is at least that old.
    """

    trigger_id: str
    segment_id: str
    on_change: str
    action: str
    target: str
    secret: str | None = None
    delay: timedelta = timedelta(0)
    repeat_after: timedelta | None = None
    created_at: datetime | None = None

    def describe(self) -> str:
        when = "enters" if self.on_change == "enter" else "leaves"
        what = f"send campaign {self.target}" if self.action == "campaign" else f"POST to {self.target}"
        delay = f" after {self.delay}" if self.delay else ""
        again = ""
        if self.action == "campaign":
            again = f", again on re-entry after {self.repeat_after}" if self.repeat_after else ", once per contact"
        return f"when a contact {when} {self.segment_id}: {what}{delay}{again}"


def track(ws: Workspace, segment_id: str, *, now: datetime | None = None) -> bool:
    """Mark a saved segment as tracked; False when it already was.

    The watcher's first evaluation records the members of that moment as a baseline: they
    are in the history, but no trigger fires for them.
    """
    ensure_tables(ws)
    ws.segment(segment_id)  # NotFound for an unknown id
    row = {"segment_id": segment_id, "since": now or datetime.now(UTC), "baseline_at": None, "evaluated_at": None}
    with ws.connector.writing() as con, transaction(con):
        return insert_new(con, TRACKED, row)


def untrack(ws: Workspace, segment_id: str) -> None:
    """Stop tracking a segment and forget its history; refused while a trigger uses it."""
    ensure_tables(ws)
    users = [t.trigger_id for t in list_triggers(ws) if t.segment_id == segment_id]
    if users:
        raise WorkbenchError(f"segment {segment_id!r} is used by trigger(s) {', '.join(users)}; remove them first")
    with ws.connector.writing() as con, transaction(con):
        delete_in(con, TRACKED.name, "segment_id", [segment_id])
        delete_in(con, MEMBERSHIP.name, "segment_id", [segment_id])


def tracked_segments(ws: Workspace) -> dict[str, dict]:
    """segment id -> its ``wb_tracked`` row."""
    ensure_tables(ws)
    with ws.connector.reading() as con:
        rows = con.to_pyarrow(TRACKED.unbound()).to_pylist()
    return {r["segment_id"]: r for r in rows}


def add_trigger(
    ws: Workspace,
    trigger_id: str,
    *,
    segment: str,
    on: str = "enter",
    campaign: str | None = None,
    webhook: str | None = None,
    delay: timedelta = timedelta(0),
    repeat_after: timedelta | None = None,
    resolver: Resolver = system_resolver,
) -> Trigger:
    """Define a trigger (tracking its segment if needed). A webhook trigger gets a new signing
    secret, returned in ``Trigger.secret``: give it to the receiver to check signatures.

    A webhook URL must reach a public internet address, or a host the workspace allows
    (``workbench.triggers.targets``); otherwise TargetRefused says why. ``resolver`` looks
    host names up (the system's by default; tests give their own).
    """
    if not TRIGGER_ID_RE.match(trigger_id):
        raise WorkbenchError(
            f"{trigger_id!r} is not a valid trigger id (lower-case letters, digits, '_' and '-', at most 100)"
        )
    if on not in CHANGES:
        raise WorkbenchError(f"on={on!r}: a trigger fires on one of {', '.join(CHANGES)}")
    if (campaign is None) == (webhook is None):
        raise WorkbenchError("a trigger needs exactly one action: a campaign or a webhook URL")
    if delay < timedelta(0):
        raise WorkbenchError(f"delay {delay} is negative")
    if repeat_after is not None and (webhook is not None or repeat_after <= timedelta(0)):
        raise WorkbenchError("repeat_after is a positive duration, for campaign triggers only")
    if campaign is not None:
        from workbench.send.campaigns import get_campaign

        get_campaign(ws, campaign)  # NotFound names the stored campaigns
    if webhook is not None:
        read_policy(ws, resolver).check_definition(webhook)
    ensure_tables(ws)
    track(ws, segment)
    trigger = Trigger(
        trigger_id,
        segment,
        on,
        "campaign" if campaign else "webhook",
        campaign or webhook or "",
        secrets.token_urlsafe(32) if webhook else None,
        delay,
        repeat_after,
        datetime.now(UTC),
    )
    row = {
        "trigger_id": trigger.trigger_id,
        "segment_id": trigger.segment_id,
        "on_change": trigger.on_change,
        "action": trigger.action,
        "target": trigger.target,
        "secret": trigger.secret,
        "delay_s": int(delay.total_seconds()),
        "repeat_after_s": int(repeat_after.total_seconds()) if repeat_after else None,
        "created_at": trigger.created_at,
    }
    with ws.connector.writing() as con, transaction(con):
        TRIGGER_REGISTRY.add(con, row)
    return trigger


def list_triggers(ws: Workspace) -> list[Trigger]:
    """Every trigger, ordered by id."""
    ensure_tables(ws)
    with ws.connector.reading() as con:
        return [_read(row) for row in TRIGGER_REGISTRY.rows(con)]


def get_trigger(ws: Workspace, trigger_id: str) -> Trigger:
    """A trigger; ``NotFound`` names the triggers there are."""
    ensure_tables(ws)
    with ws.connector.reading() as con:
        return _read(TRIGGER_REGISTRY.get(con, trigger_id))


def remove_trigger(ws: Workspace, trigger_id: str) -> None:
    """Delete a trigger; its pending jobs are cancelled, its history of jobs stays."""
    ensure_tables(ws)
    with ws.connector.writing() as con, transaction(con):
        TRIGGER_REGISTRY.get(con, trigger_id)
        update_where(
            con,
            JOBS.name,
            {"status": "cancelled", "detail": "trigger removed", "updated_at": datetime.now(UTC)},
            trigger_id=trigger_id,
            status="pending",
        )
        TRIGGER_REGISTRY.remove(con, trigger_id)


def _read(row: dict) -> Trigger:
    repeat = row["repeat_after_s"]
    return Trigger(
        row["trigger_id"],
        row["segment_id"],
        row["on_change"],
        row["action"],
        row["target"],
        row["secret"],
        timedelta(seconds=row["delay_s"]),
        timedelta(seconds=repeat) if repeat is not None else None,
        row["created_at"],
    )
