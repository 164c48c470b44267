"""Acting on due jobs: triggered campaign sends and outgoing webhooks.

A campaign job goes through the send package's path — recover, gate, compose, claim,
deliver, settle — with the job's contacts as the audience. The send log makes the message
exactly-once per (campaign, contact): a trigger that sends once per contact sends as the
campaign itself; one that may repeat sends each stay as its own occurrence,
``<campaign>.<seq>`` (the first stay as the campaign), so a restarted watcher re-running a
job finds the message already sent instead of sending it twice.

Jobs whose action failed for a reason that may pass (the provider is down, the webhook
receiver answers 5xx) are retried with backoff, and fail for good after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.expr.timeutil import zone
from workbench.send.campaigns import Campaign, get_campaign
from workbench.send.channels import Transport
from workbench.send.policy import resolve_policy
from workbench.send.run import SendOptions, prepare_send
from workbench.send.settings import SendSettings
from workbench.send.tables import SEND_LOG, SEND_RUNS
from workbench.store.connection import transaction
from workbench.store.statements import update_in
from workbench.store.workspace import Workspace
from workbench.triggers.definitions import Trigger, list_triggers
from workbench.triggers.tables import JOBS, MEMBERSHIP
from workbench.triggers.webhooks import WebhookPoster, checked_poster, post_changes

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 500  # jobs acted on per trigger per round
LOGGED_REASONS = ("already_sent", "failed_earlier")  # the gate's reasons read from the send log


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 30 s, 1 min, 2 min, … at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass(frozen=True)
class Job:
    trigger_id: str
    contact_id: str
    change: str
    seq: int
    changed_at: datetime
    due_at: datetime
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What became of a job: a final status, or ``pending`` with a new due time."""

    status: str  # sent | failed | excluded | cancelled | pending
    detail: str | None = None
    due_at: datetime | None = None


class Dispatcher:
    """Acts on the jobs due at an instant. ``transport`` (channel -> Transport) and ``poster``
    replace the real channels and HTTP client where a test or benchmark needs to."""

    def __init__(
        self,
        ws: Workspace,
        *,
        runs_dir: Path = Path("runs"),
        settings: SendSettings | None = None,
        transport: Callable[[str], Transport] | None = None,
        poster: WebhookPoster | None = None,
    ) -> None:
        self.ws = ws
        self.runs_dir = Path(runs_dir)
        self.settings = settings
        self.transport = transport
        self.poster = poster

    def run_due(self, now: datetime) -> Counter:
        """Act on every job due at ``now``; returns how many ended in each status."""
        with self.ws.connector.hold():
            due = self._due(now)
            triggers = {t.trigger_id: t for t in list_triggers(self.ws)} if due else {}
        if not due:
            return Counter()
        by_trigger: dict[str, list[Job]] = {}
        for job in due:
            by_trigger.setdefault(job.trigger_id, []).append(job)
        totals: Counter = Counter()
        for trigger_id, jobs in by_trigger.items():
            trigger = triggers.get(trigger_id)
            if trigger is None:
                outcomes = {job: Outcome("cancelled", "the trigger was removed") for job in jobs}
            elif trigger.action == "campaign":
                outcomes = self._campaign(trigger, jobs, now)
            else:
                outcomes = self._webhook(trigger, jobs, now)
            self._settle(outcomes, now)
            totals.update(o.status for o in outcomes.values())
        log.info("jobs due at %s: %s", now.isoformat(), dict(totals))
        return totals

    # --- reading and settling jobs -------------------------------------------------------

    def _due(self, now: datetime) -> list[Job]:
        jobs = JOBS.unbound()
        query = (
            jobs.filter((jobs.status == "pending") & (jobs.due_at <= now))
            .order_by(["due_at", "trigger_id", "contact_id"])
            .select("trigger_id", "contact_id", "change", "seq", "changed_at", "due_at", "attempts")
        )
        with self.ws.connector.reading() as con:
            return [Job(**row) for row in con.to_pyarrow(query).to_pylist()]

    def _settle(self, outcomes: dict[Job, Outcome], now: datetime) -> None:
        groups: dict[tuple, list[str]] = {}
        for job, outcome in outcomes.items():
            attempts = job.attempts + (outcome.status in ("pending", "failed"))
            key = (job.trigger_id, job.change, job.seq, outcome.status, outcome.detail, outcome.due_at, attempts)
            groups.setdefault(key, []).append(job.contact_id)
        with self.ws.connector.writing() as con, transaction(con):
            for (trigger_id, change, seq, status, detail, due_at, attempts), contacts in groups.items():
                values = {"status": status, "detail": detail, "attempts": attempts, "updated_at": now}
                if due_at is not None:
                    values["due_at"] = due_at
                update_in(
                    con,
                    JOBS.name,
                    values,
                    "contact_id",
                    contacts,
                    trigger_id=trigger_id,
                    change=change,
                    seq=seq,
                    status="pending",
                )

    def _retry_or_fail(self, job: Job, now: datetime, reason: str) -> Outcome:
        if job.attempts + 1 >= MAX_ATTEMPTS:
            return Outcome("failed", f"gave up after {MAX_ATTEMPTS} attempts: {reason}")
        return Outcome("pending", reason, now + backoff(job.attempts + 1))

    # --- campaigns ------------------------------------------------------------------------

    def _campaign(self, trigger: Trigger, jobs: list[Job], now: datetime) -> dict[Job, Outcome]:
        with self.ws.connector.hold():  # the decisions' reads on one connection
            outcomes, sends = self._decide(trigger, jobs[:BATCH], now)
        for campaign, group in sends:
            outcomes |= self._send(campaign, group, now)
        return outcomes

    def _decide(
        self, trigger: Trigger, jobs: list[Job], now: datetime
    ) -> tuple[dict[Job, Outcome], list[tuple[Campaign, list[Job]]]]:
        """The jobs settled without sending (cancelled, postponed, excluded), and the sends to make."""
        outcomes: dict[Job, Outcome] = {}
        if trigger.on_change == "enter":
            still_in = self._open_stays(trigger.segment_id, [j.contact_id for j in jobs])
            for job in jobs:
                if still_in.get(job.contact_id) != job.seq:
                    outcomes[job] = Outcome("cancelled", "left the segment before the message was due")
        live = [j for j in jobs if j not in outcomes]
        if not live:
            return outcomes, []
        try:
            base = get_campaign(self.ws, trigger.target)
            policy = resolve_policy(self.ws, base.channel)
        except WorkbenchError as exc:
            return outcomes | {job: self._retry_or_fail(job, now, str(exc)) for job in live}, []
        quiet = policy.quiet_hours
        if quiet is not None:
            tz = zone(self.ws.catalog.timezone)
            if quiet.contains(now, tz):
                resume = quiet.end_after(now, tz)
                postponed = {job: Outcome("pending", f"quiet hours until {resume:%H:%M} UTC", resume) for job in live}
                return outcomes | postponed, []
        if trigger.repeat_after is not None:
            recent = self._sent_since(trigger, [j.contact_id for j in live], now - trigger.repeat_after)
            for job in live:
                if job.contact_id in recent:
                    outcomes[job] = Outcome(
                        "excluded", f"got this trigger's message less than {trigger.repeat_after} ago"
                    )
            live = [j for j in live if j not in outcomes]
        by_occurrence: dict[str, list[Job]] = {}
        for job in live:
            by_occurrence.setdefault(self._occurrence(trigger, base, job), []).append(job)
        return outcomes, [(replace(base, campaign_id=occurrence), group) for occurrence, group in by_occurrence.items()]

    @staticmethod
    def _occurrence(trigger: Trigger, base: Campaign, job: Job) -> str:
        if trigger.repeat_after is None or job.seq == 1:
            return base.campaign_id
        return f"{base.campaign_id}.{job.seq}"

    def _send(self, campaign: Campaign, jobs: list[Job], now: datetime) -> dict[Job, Outcome]:
        contacts = [j.contact_id for j in jobs]
        try:
            settings = self.settings or SendSettings.from_env()
            plan = prepare_send(self.ws, campaign, as_of=now, contacts=contacts, settings=settings)
            journal = self.runs_dir / "triggers" / campaign.campaign_id / f"{now:%Y%m%dT%H%M%S%fZ}.journal.jsonl"
            journal.parent.mkdir(parents=True, exist_ok=True)
            transport = self.transport(campaign.channel) if self.transport else None
            report = plan.execute(SendOptions(progress=False), journal=journal, transport=transport)
        except WorkbenchError as exc:
            log.error("triggered send of %s failed: %s", campaign.campaign_id, exc)
            return {job: self._retry_or_fail(job, now, str(exc)) for job in jobs}
        excluded = plan.audience.excluded()
        held_out = set(report.held_out)
        earlier = self._logged(campaign.campaign_id, [c for c, r in excluded.items() if r in LOGGED_REASONS])
        outcomes: dict[Job, Outcome] = {}
        for job in jobs:
            cid = job.contact_id
            logged = earlier.get(cid)
            if logged is not None and logged["as_of"] >= job.changed_at:
                # this job's own message, sent (or refused) by a run that died before the job was settled
                status = {"sent": "sent", "failed": "failed"}.get(logged["status"])
                outcomes[job] = (
                    Outcome(status, logged["reason"] or "by an earlier run")
                    if status
                    else self._retry_or_fail(job, now, "being sent by another run")
                )
            elif cid in report.outcomes:
                delivery = report.outcomes[cid]
                if delivery.status == "deferred":
                    outcomes[job] = self._retry_or_fail(job, now, delivery.reason or "deferred by the provider")
                else:
                    outcomes[job] = Outcome(delivery.status, delivery.reason)
            elif cid in excluded:
                outcomes[job] = Outcome("excluded", excluded[cid])
            elif cid in held_out:
                outcomes[job] = Outcome("excluded", "holdout: counted in the send log, not messaged")
            else:  # claimed by another run, or not reached because the run stopped: try again
                outcomes[job] = self._retry_or_fail(job, now, report.stopped or "being sent by another run")
        return outcomes

    def _logged(self, campaign_id: str, contacts: Sequence[str]) -> dict[str, dict]:
        """The send log's rows for these contacts, with the as-of time of the run that wrote each."""
        if not contacts:
            return {}
        log_rows, runs = SEND_LOG.unbound(), SEND_RUNS.unbound()
        mine = log_rows.filter((log_rows.campaign_id == campaign_id) & log_rows.contact_id.isin(list(contacts)))
        query = mine.join(runs.select("run_id", "as_of"), "run_id").select("contact_id", "status", "reason", "as_of")
        with self.ws.connector.reading() as con:
            return {r["contact_id"]: r for r in con.to_pyarrow(query).to_pylist()}

    def _open_stays(self, segment_id: str, contacts: Sequence[str]) -> dict[str, int]:
        stays = MEMBERSHIP.unbound()
        query = stays.filter(
            (stays.segment_id == segment_id) & stays.exited_at.isnull() & stays.contact_id.isin(list(contacts))
        ).select("contact_id", "seq")
        with self.ws.connector.reading() as con:
            return {r["contact_id"]: r["seq"] for r in con.to_pyarrow(query).to_pylist()}

    def _sent_since(self, trigger: Trigger, contacts: Sequence[str], since: datetime) -> set[str]:
        jobs = JOBS.unbound()
        query = jobs.filter(
            (jobs.trigger_id == trigger.trigger_id)
            & (jobs.status == "sent")
            & (jobs.updated_at > since)
            & jobs.contact_id.isin(list(contacts))
        ).select("contact_id")
        with self.ws.connector.reading() as con:
            return set(con.to_pyarrow(query).column(0).to_pylist())

    # --- webhooks -------------------------------------------------------------------------

    def _webhook(self, trigger: Trigger, jobs: list[Job], now: datetime) -> dict[Job, Outcome]:
        jobs = jobs[:BATCH]
        failure = post_changes(trigger, jobs, now, self.poster or checked_poster(self.ws))
        if failure is None:
            return {job: Outcome("sent") for job in jobs}
        if failure.permanent:
            return {job: Outcome("failed", failure.reason) for job in jobs}
        return {job: self._retry_or_fail(job, now, failure.reason) for job in jobs}
