"""The send package's own tables: campaigns, runs, the send log, schedules, their firings and
the schedulers' heartbeats.

Created on first use from the declarations below (``create_missing``). The send log and
the firings carry unique indexes; every insert into them is also an anti-join inside a
write transaction, which DuckDB file writers (serialised by the store's lock) rely on, while
the index is what a concurrent PostgreSQL writer runs into.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

from workbench.store.registry import Registry
from workbench.store.schema import TIMESTAMP
from workbench.store.statements import create_missing
from workbench.store.tables import Table
from workbench.store.workspace import Workspace

_TS = TIMESTAMP.copy(nullable=False)

CAMPAIGNS = Table(
    "wb_campaigns",
    ibis.schema(
        {
            "campaign_id": dt.String(nullable=False),
            "name": dt.String(nullable=False),
            "segment": dt.String(nullable=False),  # a saved segment id or a segment file's absolute path
            "channel": dt.String(nullable=False),
            "template": dt.String(nullable=False),  # the template file or folder, absolute
            "created_at": _TS,
            "updated_at": _TS,
        }
    ),
    key=("campaign_id",),
)

CAMPAIGN_OPTIONS = Table(
    "wb_campaign_options",
    ibis.schema(
        {
            "campaign_id": dt.String(nullable=False),
            "holdout": dt.Float64(nullable=False),  # share of eligible recipients held out, [0, 1)
            "holdout_key": dt.String(nullable=False),  # what the split hashes with the contact id
            "reach_control": dt.Boolean(nullable=False),  # also message the workspace's global control group
            "conversion_event": dt.String(nullable=False),  # what counts as a conversion in results
            "conversion_where": dt.string,  # JSON list of segment PROP filters on that event
            "attribution": dt.String(nullable=False),  # DURATION after the message a conversion counts
        }
    ),
    key=("campaign_id",),
)
"""Holdout and results options of a campaign, beside ``wb_campaigns`` (a table of its own, so
stores made before it need no change: a campaign without a row has the defaults)."""

SEND_RUNS = Table(
    "wb_send_runs",
    ibis.schema(
        {
            "run_id": dt.String(nullable=False),
            "campaign_id": dt.String(nullable=False),
            "as_of": _TS,
            "started_at": _TS,
            "heartbeat_at": _TS,
            "finished_at": TIMESTAMP,
            "status": dt.String(nullable=False),  # running | finished | stopped | interrupted
            "host": dt.String(nullable=False),
            "pid": dt.Int64(nullable=False),
            "journal": dt.String(nullable=False),
            "notebook": dt.string,
            "summary": dt.string,  # JSON counts when finished
        }
    ),
    key=("run_id",),
)

SEND_LOG = Table(
    "wb_send_log",
    ibis.schema(
        {
            "campaign_id": dt.String(nullable=False),
            "contact_id": dt.String(nullable=False),
            "channel": dt.String(nullable=False),
            "address": dt.string,
            "status": dt.String(nullable=False),  # pending | sent | failed | holdout (counted, not messaged)
            "reason": dt.string,  # why it failed
            "attempts": dt.Int64(nullable=False),
            "run_id": dt.String(nullable=False),
            "message_id": dt.String(nullable=False),
            "provider_id": dt.string,
            "claimed_at": _TS,
            "settled_at": TIMESTAMP,
        }
    ),
    key=("campaign_id", "contact_id"),
)

SCHEDULES = Table(
    "wb_schedules",
    ibis.schema(
        {
            "schedule_id": dt.String(nullable=False),
            "campaign_id": dt.String(nullable=False),
            "cron": dt.String(nullable=False),
            "tz": dt.String(nullable=False),
            "each_occurrence": dt.Boolean(nullable=False),  # a new send per occurrence, or one campaign
            "options": dt.String(nullable=False),  # JSON: batch size, rate limit, policy overrides
            "created_at": _TS,
        }
    ),
    key=("schedule_id",),
)

SCHEDULE_FIRINGS = Table(
    "wb_schedule_firings",
    ibis.schema(
        {
            "schedule_id": dt.String(nullable=False),
            "due_at": _TS,
            "status": dt.String(nullable=False),  # running | done | failed | missed
            "owner_host": dt.String(nullable=False),
            "owner_pid": dt.Int64(nullable=False),
            "claimed_at": _TS,
            "finished_at": TIMESTAMP,
            "campaign_id": dt.string,  # the campaign the occurrence sent as
            "detail": dt.string,
        }
    ),
    key=("schedule_id", "due_at"),
)

SCHEDULERS = Table(
    "wb_schedulers",
    ibis.schema(
        {
            "host": dt.String(nullable=False),
            "pid": dt.Int64(nullable=False),
            "started_at": _TS,
            "seen_at": _TS,  # its latest tick
            "every_s": dt.float64,  # seconds between its ticks; null: one tick per start (cron, timers)
        }
    ),
    key=("host", "pid"),
)

TABLES = (CAMPAIGNS, CAMPAIGN_OPTIONS, SEND_RUNS, SEND_LOG, SCHEDULES, SCHEDULE_FIRINGS, SCHEDULERS)

CAMPAIGN_REGISTRY = Registry(CAMPAIGNS, "campaign", "campaigns")
OPTIONS_REGISTRY = Registry(CAMPAIGN_OPTIONS, "campaign option", "campaign options")
SCHEDULE_REGISTRY = Registry(SCHEDULES, "schedule", "schedules")


def ensure_tables(ws: Workspace) -> None:
    """Create the send tables and their unique indexes where missing (idempotent)."""
    create_missing(ws, TABLES)
