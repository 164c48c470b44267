"""The audit record of a send: where its files go, the recipient list, and running the
send notebook with papermill.

``runs/<campaign>/<stamp>.ipynb`` is the executed notebook (as-of time, compiled SQL,
counts by reason, previews, outcome); beside it ``<stamp>.recipients.parquet`` has one row
per segment member (who was excluded and why, who was sent what, who failed and why) and
``<stamp>.journal.jsonl`` the outcome of every message in the order they were sent.
The Parquet file holds ids, addresses and outcomes only, not the contacts' other data.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from workbench.send.recipients import HOLDOUT, Audience

log = logging.getLogger(__name__)

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "send_campaign.ipynb"

RECIPIENTS_SCHEMA = pa.schema(
    [
        ("contact_id", pa.string()),
        ("address", pa.string()),
        ("excluded_reason", pa.string()),
        # sent | failed | deferred | claimed_elsewhere | dry_run | not_attempted | holdout | null (excluded)
        ("status", pa.string()),
        ("failure_reason", pa.string()),
        ("attempts", pa.int64()),
        ("message_id", pa.string()),
        ("sent_at", pa.timestamp("us", tz="UTC")),
        # the template's language variant the message was made from (``pl``, ``default``);
        # null when not attempted or when the template has no variants
        ("template_language", pa.string()),
    ]
)


@dataclass(frozen=True)
class RunFiles:
    """The files of one run of a campaign, named by the run's start time."""

    folder: Path
    stamp: str

    @classmethod
    def new(cls, runs_dir: str | Path, campaign_id: str, stamp: str | None = None) -> RunFiles:
        stamp = stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return cls(Path(runs_dir).resolve() / campaign_id, stamp)

    @property
    def notebook(self) -> Path:
        return self.folder / f"{self.stamp}.ipynb"

    @property
    def recipients(self) -> Path:
        return self.folder / f"{self.stamp}.recipients.parquet"

    @property
    def journal(self) -> Path:
        return self.folder / f"{self.stamp}.journal.jsonl"

    @property
    def progress(self) -> Path:
        return self.folder / f"{self.stamp}.progress.json"


def write_recipients(path: Path, audience: Audience, report: Any | None = None) -> pa.Table:
    """Every member with its exclusion reason and, once sent, its outcome (see the schema)."""
    outcomes = report.outcomes if report is not None else {}
    elsewhere = set(report.claimed_elsewhere) if report is not None else set()
    rows = []
    for row in audience.rows.select(["contact_id", "address", "reason"]).to_pylist():
        d = outcomes.get(row["contact_id"])
        if row["reason"] == HOLDOUT:
            row["reason"], status = None, HOLDOUT  # counted, not messaged
        elif row["reason"] is not None:
            status = None
        elif d is not None:
            status = "dry_run" if report.dry_run and d.status == "sent" else d.status  # a dry run's failures show
        elif row["contact_id"] in elsewhere:
            status = "claimed_elsewhere"
        else:
            status = "not_attempted" if report is not None else None
        rows.append(
            {
                "contact_id": row["contact_id"],
                "address": row["address"],
                "excluded_reason": row["reason"],
                "status": status,
                "failure_reason": d.reason if d else None,
                "attempts": d.attempts if d else None,
                "message_id": d.message_id if d else None,
                "sent_at": d.at if d and d.status == "sent" and not report.dry_run else None,
                "template_language": d.properties.get("template_language") if d else None,
            }
        )
    table = pa.Table.from_pylist(rows, schema=RECIPIENTS_SCHEMA)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return table


def run_send_notebook(
    parameters: dict[str, Any],
    files: RunFiles,
    *,
    on_progress: Callable[[dict], None] | None = None,
    kernel_name: str = "python3",
) -> Path:
    """Execute ``notebooks/send_campaign.ipynb`` with papermill into ``files.notebook``.

    ``on_progress`` is called with the run's progress counts while it sends (polled from the
    progress file the notebook writes). Returns the executed notebook's path; a failing cell
    raises papermill's ``PapermillExecutionError`` and the partial notebook stays as the record.
    """
    import papermill as pm  # imported here: only runs that use the notebook need it

    files.folder.mkdir(parents=True, exist_ok=True)
    params = {
        **parameters,
        "journal_path": str(files.journal),
        "recipients_path": str(files.recipients),
        "progress_path": str(files.progress),
        "notebook_path": str(files.notebook),
    }
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.25):
            try:
                on_progress(json.loads(files.progress.read_text()))
            except (OSError, ValueError):
                continue

    poller = threading.Thread(target=poll, daemon=True) if on_progress else None
    if poller:
        poller.start()
    try:
        pm.execute_notebook(
            str(NOTEBOOK),
            str(files.notebook),
            parameters=params,
            kernel_name=kernel_name,
            cwd=str(files.folder),
            progress_bar=False,
            log_output=False,
        )
    finally:
        done.set()
        if poller:
            poller.join()
        if on_progress:
            with contextlib.suppress(OSError, ValueError):
                on_progress(json.loads(files.progress.read_text()))
        files.progress.unlink(missing_ok=True)
    log.info("audit record: %s", files.notebook)
    return files.notebook


def run_summary(files: RunFiles) -> dict[str, Any] | None:
    """A run's counts read back from its recipient list: members, excluded by reason, and
    outcomes by status (what ``workbench send`` prints); None before the run wrote the list."""
    try:
        rows = pq.read_table(files.recipients, columns=["excluded_reason", "status"]).to_pylist()
    except (OSError, ValueError):
        return None
    excluded: dict[str, int] = {}
    outcome: dict[str, int] = {}
    for row in rows:
        if row["excluded_reason"]:
            excluded[row["excluded_reason"]] = excluded.get(row["excluded_reason"], 0) + 1
        elif row["status"]:
            outcome[row["status"]] = outcome.get(row["status"], 0) + 1
    return {"members": len(rows), "excluded": excluded, "outcome": outcome}
