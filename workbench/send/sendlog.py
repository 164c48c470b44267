"""The send log: at most one row per (campaign, contact), and the runs that write it.

A message's life in the log:

1. **claim** — before a batch is sent, its contacts are inserted as ``pending`` rows of the
   run, in one write transaction, anti-joined with the rows already there (plus a unique
   index). A contact claimed by another run, or sent before, is not claimed again.
2. the message is delivered and its outcome appended to the run's journal (fsync'ed);
3. **settle** — after the batch, its ``*_sent`` (and bounce) events are stored, with ids
   derived from (campaign, contact) so storing them twice stores them once; then the
   run's ``pending`` rows become ``sent`` / ``failed`` rows, and claims whose messages were
   deferred are released.
4. **recover** — a later run finds ``pending`` rows of runs that died (their process is gone,
   or their heartbeat is older than the lease), settles them from the dead run's journal and
   releases the rest, which the new run then sends.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

from workbench.errors import WorkbenchError
from workbench.send.campaigns import Campaign
from workbench.send.journal import read_journal
from workbench.send.retry import Delivery
from workbench.send.tables import SEND_LOG, SEND_RUNS, ensure_tables
from workbench.store.connection import transaction
from workbench.store.statements import delete_in, update_in, update_where
from workbench.store.workspace import Workspace

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=float(os.environ.get("WORKBENCH_SEND_LEASE_MINUTES", "15")))
"""A run whose heartbeat (refreshed by every claim and settle) is older than this is dead."""


def this_host() -> str:
    return socket.gethostname()


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def owner_alive(
    host: str, pid: int, heartbeat_at: datetime, now: datetime | None = None, lease: timedelta = LEASE
) -> bool:
    """Whether a run or scheduler is still working: on this host its process must exist; anywhere,
    its heartbeat must be younger than the lease (which also catches a reused process id)."""
    now = now or datetime.now(UTC)
    if now - heartbeat_at > lease:
        return False
    return process_alive(pid) if host == this_host() else True


@dataclass(frozen=True)
class Recovery:
    """What recovering the campaign's interrupted runs did."""

    runs: tuple[str, ...] = ()
    settled: int = 0  # messages the journal showed as sent or failed
    released: int = 0  # claims with no outcome: sent again by this run

    def __str__(self) -> str:
        if not self.runs:
            return "no interrupted run to recover"
        return (
            f"recovered {len(self.runs)} interrupted run(s) ({', '.join(self.runs)}): {self.settled} outcome(s) "
            f"settled from the journal, {self.released} unconfirmed claim(s) released to be sent again"
        )


def start_run(ws: Workspace, campaign_id: str, as_of: datetime, journal: Path, notebook: Path | None) -> str:
    """Register a run of the campaign by this process; returns its id."""
    ensure_tables(ws)
    now = datetime.now(UTC)
    run_id = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    row = {
        "run_id": run_id,
        "campaign_id": campaign_id,
        "as_of": as_of,
        "started_at": now,
        "heartbeat_at": now,
        "finished_at": None,
        "status": "running",
        "host": this_host(),
        "pid": os.getpid(),
        "journal": str(Path(journal).resolve()),
        "notebook": str(notebook) if notebook else None,
        "summary": None,
    }
    with ws.connector.writing() as con:
        con.insert(SEND_RUNS.name, ibis.memtable(pa.Table.from_pylist([row], schema=SEND_RUNS.schema.to_pyarrow())))
    return run_id


def finish_run(ws: Workspace, run_id: str, status: str, summary: dict) -> None:
    now = datetime.now(UTC)
    with ws.connector.writing() as con:
        update_where(
            con,
            SEND_RUNS.name,
            {"status": status, "finished_at": now, "heartbeat_at": now, "summary": json.dumps(summary)},
            run_id=run_id,
        )


def _touch(con: BaseBackend, run_id: str) -> None:
    update_where(con, SEND_RUNS.name, {"heartbeat_at": datetime.now(UTC)}, run_id=run_id)


def claim(ws: Workspace, campaign: Campaign, run_id: str, recipients: Iterable[tuple[str, str, str]]) -> list[str]:
    """Claim (contact_id, address, message_id) for this run; returns the contact ids claimed."""
    return _insert_new(ws, campaign, run_id, _log_rows(campaign, run_id, recipients, "pending", settled=False))


def record_holdout(
    ws: Workspace, campaign: Campaign, run_id: str, held_out: Iterable[tuple[str, str | None, str]]
) -> list[str]:
    """Record (contact_id, address, message_id) of the holdout as final ``holdout`` rows of the
    run: counted, never messaged. ``claimed_at`` and ``settled_at`` are the moment the run
    starts sending, the moment the holdout's message would have gone out (results measure
    from it). A contact with a row already (an earlier run's holdout) keeps it; returns the
    contact ids recorded now."""
    return _insert_new(ws, campaign, run_id, _log_rows(campaign, run_id, held_out, "holdout", settled=True))


def _log_rows(
    campaign: Campaign, run_id: str, entries: Iterable[tuple[str, str | None, str]], status: str, *, settled: bool
) -> list[dict]:
    """Send-log rows of (contact_id, address, message_id), claimed now (and settled now, when final)."""
    now = datetime.now(UTC)
    return [
        {
            "campaign_id": campaign.campaign_id,
            "contact_id": contact_id,
            "channel": campaign.channel,
            "address": address,
            "status": status,
            "reason": None,
            "attempts": 0,
            "run_id": run_id,
            "message_id": message_id,
            "provider_id": None,
            "claimed_at": now,
            "settled_at": now if settled else None,
        }
        for contact_id, address, message_id in entries
    ]


def _insert_new(ws: Workspace, campaign: Campaign, run_id: str, rows: list[dict]) -> list[str]:
    """Insert the rows of contacts the campaign has no row for yet (an anti-join inside the
    write transaction, plus the unique index); the contact ids inserted, sorted."""
    if not rows:
        return []
    staged = ibis.memtable(pa.Table.from_pylist(rows, schema=SEND_LOG.schema.to_pyarrow()))
    with ws.connector.writing() as con, transaction(con):
        taken = con.table(SEND_LOG.name)
        # only the rows of these contacts, hashed: not every send of the campaign so far
        claimed = taken.filter(taken.campaign_id == campaign.campaign_id, taken.contact_id.isin(staged.contact_id))
        fresh = staged.anti_join(claimed, "contact_id")
        inserted = con.to_pyarrow(fresh.select("contact_id")).column(0).to_pylist()
        if inserted:
            con.insert(SEND_LOG.name, fresh)
        _touch(con, run_id)
    return sorted(inserted)


def record_events(ws: Workspace, campaign: Campaign, outcomes: Iterable[Delivery]) -> int:
    """Store the ``*_sent`` event of every sent message and a hard ``bounce`` for every refused
    address; ids come from (campaign, contact), so recording twice stores once."""
    spec = campaign.spec
    rows = []
    for d in outcomes:
        common = {"contact_id": d.contact_id, "source": "messaging", "ts": d.at}
        common |= {"campaign_id": campaign.campaign_id, "channel": campaign.channel}
        if d.status == "sent":
            event_id = f"{spec.sent_event}:{campaign.campaign_id}:{d.contact_id}"
            rows.append({"event_id": event_id, "name": spec.sent_event, **common, "properties": d.properties})
        elif d.bounce:
            event_id = f"bounce:{campaign.campaign_id}:{d.contact_id}"
            props = {"type": "hard", "reason": d.reason, "message_id": d.message_id}
            rows.append({"event_id": event_id, "name": "bounce", **common, "properties": props})
    if not rows:
        return 0
    report = ws.append("events", rows, label=f"campaign {campaign.campaign_id}")
    if report.rejected:
        raise WorkbenchError(f"messaging events of campaign {campaign.campaign_id} were refused: {report.rejects}")
    return report.stored


def settle(ws: Workspace, campaign: Campaign, run_id: str, outcomes: dict[str, Delivery]) -> None:
    """Make the run's pending rows final: events first, then the log (see the module doc).
    Two transactions on one connection: the store is opened for writing once per batch."""
    with ws.connector.hold(write=True) as con:
        record_events(ws, campaign, outcomes.values())
        with transaction(con):
            _settle_rows(con, campaign, run_id, outcomes)
            _touch(con, run_id)


def _settle_rows(con: BaseBackend, campaign: Campaign, run_id: str, outcomes: dict[str, Delivery]) -> tuple[int, int]:
    """Turn the run's pending rows into final ones; pending rows without a final outcome are
    released (deleted). Returns (settled, released).

    Rows are updated in place, grouped by identical values: DuckDB refuses a delete and a
    re-insert of the same unique key inside one transaction.
    """
    log_table = con.table(SEND_LOG.name)
    mine = (log_table.campaign_id == campaign.campaign_id) & (log_table.run_id == run_id)
    pending = con.to_pyarrow(log_table.filter(mine & (log_table.status == "pending")).select("contact_id"))
    now = datetime.now(UTC)
    groups: dict[tuple, list[str]] = {}
    released = []
    for contact_id in pending.column(0).to_pylist():
        outcome = outcomes.get(contact_id)
        if outcome is None or outcome.status == "deferred":
            released.append(contact_id)
            continue
        key = (outcome.status, outcome.reason, outcome.attempts, outcome.provider_id)
        groups.setdefault(key, []).append(contact_id)
    for (status, reason, attempts, provider_id), contact_ids in groups.items():
        values = {"status": status, "reason": reason, "attempts": attempts, "provider_id": provider_id}
        update_in(
            con,
            SEND_LOG.name,
            {**values, "settled_at": now},
            "contact_id",
            contact_ids,
            campaign_id=campaign.campaign_id,
            run_id=run_id,
        )
    delete_in(con, SEND_LOG.name, "contact_id", released, campaign_id=campaign.campaign_id, run_id=run_id)
    return pending.num_rows - len(released), len(released)


def recover(ws: Workspace, campaign: Campaign) -> Recovery:
    """Settle or release the claims of this campaign's runs that died mid-way."""
    ensure_tables(ws)
    with ws.connector.reading() as con:
        runs, log_table = con.table(SEND_RUNS.name), con.table(SEND_LOG.name)
        holders = (
            log_table.filter((log_table.campaign_id == campaign.campaign_id) & (log_table.status == "pending"))
            .select("run_id")
            .distinct()
        )
        candidates = con.to_pyarrow(runs.semi_join(holders, "run_id")).to_pylist()
    dead = [r for r in candidates if not owner_alive(r["host"], r["pid"], r["heartbeat_at"])]
    settled = released = 0
    for run in dead:
        with ws.connector.reading() as con:
            mine = con.table(SEND_LOG.name)
            pending = set(
                con.to_pyarrow(
                    mine.filter((mine.run_id == run["run_id"]) & (mine.status == "pending")).select("contact_id")
                )
                .column(0)
                .to_pylist()
            )
        journal = read_journal(Path(run["journal"]))
        outcomes = {c: d for c, d in journal.items() if c in pending and d.status != "deferred"}
        record_events(ws, campaign, outcomes.values())
        with ws.connector.writing() as con, transaction(con):
            done, freed = _settle_rows(con, campaign, run["run_id"], outcomes)
            update_where(con, SEND_RUNS.name, {"status": "interrupted"}, run_id=run["run_id"])
        settled, released = settled + done, released + freed
        log.warning(
            "run %s of campaign %s was interrupted: %d outcome(s) settled from %s, %d claim(s) released "
            "(at most one of them, the message in flight at the crash, may have reached the provider)",
            run["run_id"],
            campaign.campaign_id,
            done,
            run["journal"],
            freed,
        )
    return Recovery(tuple(r["run_id"] for r in dead), settled, released)
