"""The trigger package's tables: tracked segments, membership history, triggers, their jobs,
and the watcher's lease.

``wb_membership`` holds one row per stay of a contact in a tracked segment: ``seq`` counts the
contact's entries (1, 2, …), ``exited_at`` is null while the stay lasts. A job is one action
owed for one change; its key (trigger, contact, change, seq) is what makes a change act once.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

from workbench.errors import WorkbenchError
from workbench.store.registry import Registry
from workbench.store.schema import TIMESTAMP
from workbench.store.statements import create_missing
from workbench.store.tables import Table
from workbench.store.workspace import Workspace

_TS = TIMESTAMP.copy(nullable=False)
_TEXT = dt.String(nullable=False)
_INT = dt.Int64(nullable=False)

TRACKED = Table(
    "wb_tracked",
    ibis.schema(
        {
            "segment_id": _TEXT,
            "since": _TS,  # when tracking was asked for
            "baseline_at": TIMESTAMP,  # the first evaluation: history is known from here on
            "evaluated_at": TIMESTAMP,  # the last evaluation
        }
    ),
    key=("segment_id",),
)

MEMBERSHIP = Table(
    "wb_membership",
    ibis.schema(
        {
            "segment_id": _TEXT,
            "contact_id": _TEXT,
            "seq": _INT,  # the contact's n-th entry into the segment
            "entered_at": _TS,  # the evaluation that first saw the contact in
            "exited_at": TIMESTAMP,  # the evaluation that first saw it out; null while in
            "baseline": dt.Boolean(nullable=False),  # a member when tracking started: no trigger fired
        }
    ),
    key=("segment_id", "contact_id", "seq"),
)

TRIGGERS = Table(
    "wb_triggers",
    ibis.schema(
        {
            "trigger_id": _TEXT,
            "segment_id": _TEXT,
            "on_change": _TEXT,  # enter | exit
            "action": _TEXT,  # campaign | webhook
            "target": _TEXT,  # the campaign id, or the webhook URL
            "secret": dt.string,  # a webhook's signing secret
            "delay_s": _INT,  # act this long after the change
            "repeat_after_s": dt.int64,  # campaigns: null = once per contact; else again after this long
            "created_at": _TS,
        }
    ),
    key=("trigger_id",),
)

JOBS = Table(
    "wb_trigger_jobs",
    ibis.schema(
        {
            "trigger_id": _TEXT,
            "contact_id": _TEXT,
            "change": _TEXT,  # enter | exit
            "seq": _INT,  # the membership stay it belongs to
            "changed_at": _TS,
            "due_at": _TS,
            "status": _TEXT,  # pending | sent | failed | excluded | cancelled
            "detail": dt.string,
            "attempts": _INT,
            "updated_at": _TS,
        }
    ),
    key=("trigger_id", "contact_id", "change", "seq"),
)

LEASES = Table(
    "wb_leases",
    ibis.schema(
        {
            "name": _TEXT,
            "host": _TEXT,
            "pid": _INT,
            "heartbeat_at": _TS,
        }
    ),
    key=("name",),
)

TABLES = (TRACKED, MEMBERSHIP, TRIGGERS, JOBS, LEASES)

TRIGGER_REGISTRY = Registry(TRIGGERS, "trigger", "triggers")


def ensure_tables(ws: Workspace) -> None:
    """Create the trigger tables where missing; triggers need a store that can UPDATE rows."""
    if ws.dialect == "clickhouse":
        raise WorkbenchError(
            "tracked segments and triggers need a DuckDB or PostgreSQL store (ClickHouse tables are append-only)"
        )
    create_missing(ws, TABLES)
