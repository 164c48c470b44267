"""Membership of tracked segments: recording entries and exits, and reading the history.

The watcher evaluates each tracked segment at an instant T and compares the members with
the open stays in ``wb_membership``. New members get a stay (``entered_at = T``), members
gone have theirs closed (``exited_at = T``), and every change owes a job to each trigger
on it — all in one transaction, so a watcher killed at any point has either recorded a
change together with its jobs, or neither (and the next evaluation finds the change again).

Times are evaluation instants: the history says what the watcher saw at each evaluation,
and a count at instant t is the membership of the last evaluation at or before t.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

from workbench.errors import WorkbenchError
from workbench.schema import SCOPE_TABLE
from workbench.store.connection import transaction
from workbench.store.staging import contact_scope
from workbench.store.statements import update_in
from workbench.store.workspace import Workspace
from workbench.triggers.definitions import Trigger
from workbench.triggers.tables import JOBS, MEMBERSHIP, TRACKED, ensure_tables

log = logging.getLogger(__name__)

UPDATE_CHUNK = 1000  # contacts per UPDATE … IN (…) statement


@dataclass(frozen=True)
class Change:
    """A contact entering or leaving a tracked segment, as one evaluation saw it."""

    segment_id: str
    contact_id: str
    change: str  # enter | exit
    seq: int  # the stay it opens or closes
    at: datetime
    baseline: bool = False  # a member when tracking started


def evaluate(
    ws: Workspace, segment_ids: Sequence[str], at: datetime, scope: set[str] | None = None
) -> dict[str, set[str]]:
    """The members of each segment at ``at``, in one pass over events (``Workspace.membership``);
    with ``scope``, of those contacts only. A segment that cannot be evaluated (deleted, or
    made invalid by a change to the catalog) is left out with an error in the log: its
    history stays as it was, and the other segments are still watched (then each is
    evaluated on its own, to find which)."""
    if not segment_ids:
        return {}
    try:
        flags = ws.membership(list(segment_ids), at, scope=scope)
    except WorkbenchError:
        pass
    else:
        ids = flags.column("contact_id").to_pylist()
        return {
            sid: {cid for cid, member in zip(ids, flags.column(sid).to_pylist(), strict=True) if member}
            for sid in segment_ids
        }
    members = {}
    for sid in segment_ids:
        try:
            found = set(ws.members(sid, at))
            members[sid] = found if scope is None else found & scope
        except WorkbenchError as exc:
            log.error("tracked segment %s cannot be evaluated, skipped: %s", sid, exc)
    return members


def record(
    ws: Workspace,
    members: Mapping[str, set[str]],
    at: datetime,
    triggers: Iterable[Trigger],
    scope: set[str] | None = None,
    also: Callable[[BaseBackend], None] | None = None,
) -> list[Change]:
    """Store the changes between ``members`` (evaluated at ``at``; with ``scope``, of those
    contacts only) and the open stays, with the jobs they owe to ``triggers``, in one
    transaction, in which ``also`` runs too; returns the changes."""
    ensure_tables(ws)
    by_segment: dict[tuple[str, str], list[Trigger]] = {}
    for trigger in triggers:
        by_segment.setdefault((trigger.segment_id, trigger.on_change), []).append(trigger)
    with ws.connector.writing() as con, transaction(con):
        tracked = {r["segment_id"]: r for r in con.to_pyarrow(TRACKED.unbound()).to_pylist()}
        segment_ids = [sid for sid in members if sid in tracked]  # untracked meanwhile: skip
        with contact_scope(con, SCOPE_TABLE, scope):  # the stays of the contacts evaluated
            stays = _stays(con, segment_ids, scoped=scope is not None)
        changes: list[Change] = []
        for sid in segment_ids:
            baseline = tracked[sid]["baseline_at"] is None
            open_seq, last_seq = stays.get(sid, ({}, {}))
            now_in = members[sid]
            changes += [
                Change(sid, cid, "enter", last_seq.get(cid, 0) + 1, at, baseline)
                for cid in sorted(now_in - open_seq.keys())
            ]
            changes += [Change(sid, cid, "exit", open_seq[cid], at) for cid in sorted(open_seq.keys() - now_in)]
        _store(con, changes, at, by_segment)
        update_in(con, TRACKED.name, {"evaluated_at": at}, "segment_id", segment_ids)
        first = [sid for sid in segment_ids if tracked[sid]["baseline_at"] is None]
        update_in(con, TRACKED.name, {"baseline_at": at}, "segment_id", first)
        if also is not None:
            also(con)
    if changes:
        entered = sum(c.change == "enter" for c in changes)
        log.info("at %s: %d entries, %d exits", at.isoformat(), entered, len(changes) - entered)
    return changes


def _stays(con, segment_ids: Sequence[str], scoped: bool) -> dict[str, tuple[dict[str, int], dict[str, int]]]:
    """segment -> (contact -> seq of its open stay, contact -> its last seq); ``scoped``: of
    the contacts of SCOPE_TABLE only."""
    if not segment_ids:
        return {}
    rows = con.table(MEMBERSHIP.name)
    mine = rows.filter(rows.segment_id.isin(list(segment_ids)))
    if scoped:
        mine = mine.filter(mine.contact_id.isin(con.table(SCOPE_TABLE).contact_id))
    summary = mine.group_by("segment_id", "contact_id").aggregate(
        # ibis types a filtered max of a non-null column as non-null; it is null when no stay is open
        last=mine.seq.max(),
        open=mine.seq.max(where=mine.exited_at.isnull()).cast("int64"),
    )
    out: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
    for row in con.to_pyarrow(summary).to_pylist():
        open_seq, last_seq = out.setdefault(row["segment_id"], ({}, {}))
        last_seq[row["contact_id"]] = row["last"]
        if row["open"] is not None:
            open_seq[row["contact_id"]] = row["open"]
    return out


def _store(con, changes: list[Change], at: datetime, triggers: Mapping[tuple[str, str], list[Trigger]]) -> None:
    entries = [
        {
            "segment_id": c.segment_id,
            "contact_id": c.contact_id,
            "seq": c.seq,
            "entered_at": at,
            "exited_at": None,
            "baseline": c.baseline,
        }
        for c in changes
        if c.change == "enter"
    ]
    if entries:
        con.insert(MEMBERSHIP.name, ibis.memtable(pa.Table.from_pylist(entries, schema=MEMBERSHIP.schema.to_pyarrow())))
    exits: dict[str, list[str]] = {}
    for c in changes:
        if c.change == "exit":
            exits.setdefault(c.segment_id, []).append(c.contact_id)
    for sid, contacts in exits.items():
        for start in range(0, len(contacts), UPDATE_CHUNK):
            chunk = contacts[start : start + UPDATE_CHUNK]
            update_in(con, MEMBERSHIP.name, {"exited_at": at}, "contact_id", chunk, segment_id=sid, exited_at=None)
    jobs = [
        {
            "trigger_id": t.trigger_id,
            "contact_id": c.contact_id,
            "change": c.change,
            "seq": c.seq,
            "changed_at": at,
            "due_at": at + t.delay,
            "status": "pending",
            "detail": None,
            "attempts": 0,
            "updated_at": at,
        }
        for c in changes
        if not c.baseline
        for t in triggers.get((c.segment_id, c.change), ())
    ]
    if jobs:
        con.insert(JOBS.name, ibis.memtable(pa.Table.from_pylist(jobs, schema=JOBS.schema.to_pyarrow())))


def history(ws: Workspace, segment_id: str, contact_id: str | None = None) -> pa.Table:
    """Every stay in the segment (of one contact, if given): contact_id, seq, entered_at,
    exited_at, baseline; ordered by entry time."""
    ensure_tables(ws)
    rows = MEMBERSHIP.unbound()
    mine = rows.filter(rows.segment_id == segment_id)
    if contact_id is not None:
        mine = mine.filter(mine.contact_id == contact_id)
    query = mine.select("contact_id", "seq", "entered_at", "exited_at", "baseline").order_by(
        ["entered_at", "contact_id"]
    )
    with ws.connector.reading() as con:
        return con.to_pyarrow(query)


def sizes(ws: Workspace, segment_id: str, instants: Sequence[datetime]) -> list[int | None]:
    """The segment's size at each instant from its history (one query), or None for an
    instant the history does not cover: before the first evaluation or after the last, or
    a segment not tracked. Reads only: a store without trigger tables has no history."""
    unknown: list[int | None] = [None] * len(instants)
    tracked = TRACKED.unbound()
    with ws.connector.reading() as con:
        if not instants or TRACKED.name not in con.list_tables():
            return unknown
        found = con.to_pyarrow(tracked.filter(tracked.segment_id == segment_id)).to_pylist()
        if not found or found[0]["baseline_at"] is None:
            return unknown
        start, end = found[0]["baseline_at"], found[0]["evaluated_at"]
        points = ibis.memtable(pa.table({"t": pa.array(list(instants), pa.timestamp("us", tz="UTC"))}))
        stays = MEMBERSHIP.unbound()
        stays = stays.filter(stays.segment_id == segment_id)
        joined = points.left_join(
            stays, (stays.entered_at <= points.t) & (stays.exited_at.isnull() | (stays.exited_at > points.t))
        )
        counts = joined.group_by("t").aggregate(n=joined.contact_id.count())
        by_instant = {row["t"]: row["n"] for row in con.to_pyarrow(counts).to_pylist()}
    return [by_instant.get(t, 0) if start <= t <= end else None for t in instants]
