"""The trigger package's tables: tracked segments, membership history, triggers, their jobs,
and the watcher's lease.

``wb_membership`` holds one row per stay of a contact in a tracked segment: ``seq`` counts the
contact's entries (1, 2, …), ``exited_at`` is null while the stay lasts. A job is one action
owed for one change; its key (trigger, contact, change, seq) is what makes a change act once.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from workbench.errors import WorkbenchError
from workbench.store.schema import TIMESTAMP
from workbench.store.statements import create_missing
from workbench.store.workspace import Workspace

_TS = TIMESTAMP.copy(nullable=False)
_TEXT = dt.String(nullable=False)
_INT = dt.Int64(nullable=False)

TRACKED = ibis.schema(
    {
        "segment_id": _TEXT,
        "since": _TS,  # when tracking was asked for
        "baseline_at": TIMESTAMP,  # the first evaluation: history is known from here on
        "evaluated_at": TIMESTAMP,  # the last evaluation
    }
)

MEMBERSHIP = ibis.schema(
    {
        "segment_id": _TEXT,
        "contact_id": _TEXT,
        "seq": _INT,  # the contact's n-th entry into the segment
        "entered_at": _TS,  # the evaluation that first saw the contact in
        "exited_at": TIMESTAMP,  # the evaluation that first saw it out; null while in
        "baseline": dt.Boolean(nullable=False),  # a member when tracking started: no trigger fired
    }
)

TRIGGERS = ibis.schema(
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
)

JOBS = ibis.schema(
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
)

LEASES = ibis.schema(
    {
        "name": _TEXT,
        "host": _TEXT,
        "pid": _INT,
        "heartbeat_at": _TS,
    }
)

TABLES = {
    "wb_tracked": TRACKED,
    "wb_membership": MEMBERSHIP,
    "wb_triggers": TRIGGERS,
    "wb_trigger_jobs": JOBS,
    "wb_leases": LEASES,
}
UNIQUE_KEYS = {
    "wb_tracked": ("segment_id",),
    "wb_membership": ("segment_id", "contact_id", "seq"),
    "wb_triggers": ("trigger_id",),
    "wb_trigger_jobs": ("trigger_id", "contact_id", "change", "seq"),
    "wb_leases": ("name",),
}


def table(name: str) -> ir.Table:
    """An unbound table of this package's schema (bound by name when executed)."""
    return ibis.table(TABLES[name], name=name)


def ensure_tables(ws: Workspace) -> None:
    """Create the trigger tables where missing; triggers need a store that can UPDATE rows."""
    if ws.dialect == "clickhouse":
        raise WorkbenchError(
            "tracked segments and triggers need a DuckDB or PostgreSQL store (ClickHouse tables are append-only)"
        )
    create_missing(ws, TABLES, UNIQUE_KEYS)
