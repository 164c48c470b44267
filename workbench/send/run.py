"""The send loop: recover, select, check, then deliver in batches, exactly once per contact.

``prepare_send`` does everything that decides who gets what (and refuses a bad template)
before a single message leaves; ``SendPlan.execute`` sends. See :mod:`workbench.send.sendlog`
for how claims, the journal and settling make a killed-and-restarted run send exactly the
messages that were not sent.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from workbench.collector.loader import wait_for_collected
from workbench.expr.compile import contacts_schema
from workbench.expr.context import CompileContext
from workbench.expr.timeutil import instant_or_now
from workbench.i18n import Texts
from workbench.send.campaigns import Campaign, get_campaign
from workbench.send.channels import Transport, open_transport
from workbench.send.compose import Composer, message_id
from workbench.send.errors import ChannelConfigError, ProviderUnavailable, TemplateError
from workbench.send.journal import Journal
from workbench.send.policy import SendPolicy, resolve_policy
from workbench.send.recipients import Audience, select_audience
from workbench.send.retry import Delivery, RateLimiter, RetryPolicy, deliver_with_retry
from workbench.send.sendlog import Recovery, claim, finish_run, record_holdout, recover, settle, start_run
from workbench.send.settings import SendSettings
from workbench.send.templates import TemplateSet, load_templates
from workbench.send.tracking import Tracker, current_tracker
from workbench.send.values import segment_values
from workbench.store.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendOptions:
    """How to send: batch size (one connection and one store write per batch), a rate limit
    in messages per second, retries, and when to give up on a failing provider."""

    batch_size: int = 100
    rate_limit: float | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    stop_after_deferred: int = 5  # this many messages in a row deferred: the provider is down
    progress: bool = True
    progress_file: Path | None = None


@dataclass
class SendReport:
    """What a run did; ``outcomes`` has one entry per message attempted."""

    campaign_id: str
    run_id: str | None
    dry_run: bool
    planned: int
    outcomes: dict[str, Delivery] = field(default_factory=dict)
    claimed_elsewhere: list[str] = field(default_factory=list)
    held_out: list[str] = field(default_factory=list)  # the holdout: counted in the send log, not messaged
    stopped: str | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None

    def count(self, status: str) -> int:
        return sum(1 for d in self.outcomes.values() if d.status == status)

    def summary(self) -> dict:
        return {
            "campaign_id": self.campaign_id,
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "planned": self.planned,
            "sent": self.count("sent"),
            "failed": self.count("failed"),
            "deferred": self.count("deferred"),
            "claimed_elsewhere": len(self.claimed_elsewhere),
            "holdout": len(self.held_out),
            "not_attempted": self.planned - len(self.outcomes) - len(self.claimed_elsewhere),
            "stopped": self.stopped,
        }

    def failures(self) -> pd.DataFrame:
        rows = [(d.contact_id, d.address, d.status, d.reason) for d in self.outcomes.values() if d.status != "sent"]
        return pd.DataFrame(rows, columns=["contact_id", "address", "status", "reason"])

    def raise_if_incomplete(self) -> None:
        """Fail (e.g. the notebook, so papermill reports it) when the run stopped early."""
        if self.stopped:
            raise ProviderUnavailable(f"the run stopped: {self.stopped}; run the send again to resume")


@dataclass
class SendPlan:
    """Everything decided before sending: the campaign, its checked template, the audience."""

    ws: Workspace
    campaign: Campaign
    templates: TemplateSet
    audience: Audience
    composer: Composer
    settings: SendSettings
    recovery: Recovery
    dry_run: bool

    def previews(self, n: int = 3) -> list[dict]:
        """The first ``n`` recipients' messages, rendered without tracking. A recipient whose
        message cannot be composed has the reason under ``error`` instead, as the send would
        record it: that recipient fails alone, so a preview must not stop the send either."""
        out = []
        for row in self.audience.recipients()[:n]:
            try:
                message = self.composer.compose(row, track=False)
            except (ChannelConfigError, ProviderUnavailable):
                raise
            except Exception as exc:
                out.append({"contact_id": row["contact_id"], "to": row["address"], "error": _reason(exc)})
                continue
            out.append({"contact_id": message.contact_id, "to": message.to, **message.content})
        return out

    def execute(
        self,
        options: SendOptions | None = None,
        *,
        journal: Path | None = None,
        notebook: Path | None = None,
        transport: Transport | None = None,
        outbox: Path | None = None,
    ) -> SendReport:
        """Send to the recipients (a dry run writes to the outbox and records nothing)."""
        options = options or SendOptions()
        transport = transport or open_transport(
            self.campaign.channel, self.settings, dry_run=self.dry_run, outbox=outbox
        )
        return _deliver(self, transport, options, journal, notebook)


def prepare_send(
    ws: Workspace,
    campaign: Campaign | str,
    *,
    as_of: datetime | str | None = None,
    policy: SendPolicy | None = None,
    dry_run: bool = False,
    settings: SendSettings | None = None,
    tracker: Tracker | None = None,
    contacts: Sequence[str] | None = None,
    t: Texts | None = None,
) -> SendPlan:
    """Recover interrupted runs, evaluate the segment at ``as_of`` (default now), apply the
    gate and check the template against the recipients' variables. Nothing is sent.

    ``contacts`` replaces the segment's members (see ``select_audience``): triggered sends.
    ``t`` writes the gate's rules (default: the workspace's language)."""
    campaign = get_campaign(ws, campaign) if isinstance(campaign, str) else campaign
    at = instant_or_now(as_of)
    settings = settings or SendSettings.from_env()
    templates = load_templates(campaign.template, campaign.channel)
    recovery = Recovery() if dry_run else recover(ws, campaign)
    if recovery.runs:
        log.warning("%s", recovery)
    wait_for_collected(ws)  # the events a collector answered for by now (an unsubscribe click…) count
    audience = select_audience(ws, campaign, at, policy or resolve_policy(ws, campaign.channel), contacts, t)
    templates.check(audience.variables())
    composer = Composer(campaign, audience, templates, settings, tracker or current_tracker(ws))
    composer.check_links()
    log.info("campaign %s: %s", campaign.campaign_id, audience.counts())
    return SendPlan(ws, campaign, templates, audience, composer, settings, recovery, dry_run)


def check_template(ws: Workspace, campaign: Campaign) -> TemplateSet:
    """Load the campaign's template and check its variables without evaluating the segment
    (the same check ``prepare_send`` makes, for refusing a bad template before a run starts)."""
    templates = load_templates(campaign.template, campaign.channel)
    segment = ws.validate(campaign.segment)
    saved = {s.id: s.segment for s in ws.segments()}
    catalog = ws.catalog
    values = segment_values(segment, CompileContext(catalog, saved.__getitem__), datetime.now(UTC))
    templates.check({"contact": dict.fromkeys(contacts_schema(catalog).names), "segment": values.names})
    return templates


def _batches(rows: list[dict], size: int) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class _Progress:
    """A tqdm bar on stderr, and optionally a JSON file a parent process polls (``workbench send``)."""

    def __init__(self, total: int, label: str, options: SendOptions) -> None:
        self.bar = tqdm(total=total, desc=label, unit="msg", file=sys.stderr, disable=not options.progress)
        self.file = options.progress_file
        self.counts = {"total": total, "done": 0, "sent": 0, "failed": 0, "deferred": 0, "skipped": 0}
        self.written_at = 0.0
        self._write(force=True)

    def advance(self, status: str) -> None:
        self.counts["done"] += 1
        self.counts[status] += 1
        self.bar.update(1)
        self.bar.set_postfix(sent=self.counts["sent"], failed=self.counts["failed"], refresh=False)
        self._write()

    def _write(self, force: bool = False) -> None:
        if self.file is None or (not force and time.monotonic() - self.written_at < 0.2):
            return
        tmp = self.file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.counts))
        os.replace(tmp, self.file)
        self.written_at = time.monotonic()

    def close(self) -> None:
        self._write(force=True)
        self.bar.close()


def _deliver(
    plan: SendPlan, transport: Transport, options: SendOptions, journal_path: Path | None, notebook: Path | None
) -> SendReport:
    campaign, ws = plan.campaign, plan.ws
    recipients = plan.audience.recipients()
    writes = _Writes(ws, enabled=not plan.dry_run)
    if plan.dry_run:
        run_id = None
    else:
        journal_path = (
            journal_path or Path("runs") / campaign.campaign_id / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.journal.jsonl"
        )
        writes.open()
        run_id = start_run(ws, campaign.campaign_id, plan.audience.as_of, journal_path, notebook)
    report = SendReport(campaign.campaign_id, run_id, plan.dry_run, len(recipients))
    held_out = plan.audience.held_out()
    report.held_out = [r["contact_id"] for r in held_out]
    if not plan.dry_run and held_out:
        domain = plan.settings.sender_domain
        record_holdout(
            ws,
            campaign,
            run_id,
            [
                (r["contact_id"], r["address"], message_id(campaign.campaign_id, r["contact_id"], domain))
                for r in held_out
            ],
        )
    log.info("campaign %s run %s: %d recipients via %s", campaign.campaign_id, run_id, len(recipients), transport.name)
    progress = _Progress(len(recipients), f"{campaign.campaign_id} ({campaign.channel})", options)
    limiter = RateLimiter(options.rate_limit)
    journal = Journal(journal_path) if journal_path is not None and not plan.dry_run else None
    deferred_in_row = 0
    status = "finished"
    try:
        for batch in _batches(recipients, options.batch_size):
            if plan.dry_run:
                mine = {r["contact_id"] for r in batch}
            else:
                domain = plan.settings.sender_domain
                wanted = [
                    (r["contact_id"], r["address"], message_id(campaign.campaign_id, r["contact_id"], domain))
                    for r in batch
                ]
                writes.open()
                mine = set(claim(ws, campaign, run_id, wanted))
            outcomes: dict[str, Delivery] = {}
            try:
                writes.close()  # never held while messages go out
                with transport.session() as session:
                    for row in batch:
                        if row["contact_id"] not in mine:
                            report.claimed_elsewhere.append(row["contact_id"])
                            progress.advance("skipped")
                            continue
                        outcome = _send_one(plan, session, row, limiter, options)
                        if journal is not None:
                            journal.record(outcome)
                        outcomes[row["contact_id"]] = outcome
                        progress.advance(outcome.status)
                        deferred_in_row = deferred_in_row + 1 if outcome.status == "deferred" else 0
                        if deferred_in_row >= options.stop_after_deferred:
                            raise ProviderUnavailable(
                                f"{deferred_in_row} messages in a row could not be delivered (last: {outcome.reason})"
                            )
            finally:
                if not plan.dry_run:
                    writes.open()
                    settle(ws, campaign, run_id, outcomes)
                report.outcomes.update(outcomes)
    except (ProviderUnavailable, ChannelConfigError) as exc:
        report.stopped, status = str(exc), "stopped"
        log.error("campaign %s stopped: %s", campaign.campaign_id, exc)
    except BaseException:
        status = "failed"
        raise
    finally:
        progress.close()
        if journal is not None:
            journal.close()
        report.finished_at = datetime.now(UTC)
        try:
            if run_id is not None:
                writes.open()
                finish_run(ws, run_id, status, report.summary())
        finally:
            writes.close()
    log.info("campaign %s: %s", campaign.campaign_id, report.summary())
    return report


class _Writes:
    """One write connection for the store's work between two deliveries: the run's start,
    its holdout and the first claim; then each batch's settling and the next claim; the last
    settling and the run's end. Each keeps its own transaction; the connection is opened once
    for them (a triggered send of one message opened four), and closed before messages go out
    so that the store is never held while a channel answers."""

    def __init__(self, ws: Workspace, enabled: bool) -> None:
        self.ws, self.enabled = ws, enabled
        self._held: ExitStack | None = None

    def open(self) -> None:
        if self.enabled and self._held is None:
            held = ExitStack()
            held.enter_context(self.ws.connector.hold(write=True))
            self._held = held

    def close(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.close()


def _send_one(plan: SendPlan, session, row: dict, limiter: RateLimiter, options: SendOptions) -> Delivery:
    """One recipient's outcome. A message that cannot be composed (the template fails on this
    recipient's values, or goes past a limit) or put in the channel's form (a header value with
    a line break: ``MessageError`` from the session) fails this recipient only; a channel that
    cannot work stops the run as before."""
    try:
        message = plan.composer.compose(row)
    except (ChannelConfigError, ProviderUnavailable):
        raise
    except Exception as exc:  # this recipient's values break the message: it alone fails, the run goes on
        return _not_composed(plan, row, exc)
    limiter.wait()
    return deliver_with_retry(session, message, options.retry)


def _reason(exc: Exception) -> str:
    """Why a recipient's message could not be composed, short enough for the send log."""
    return _shortened(f"template: {exc}" if isinstance(exc, TemplateError) else f"message: {type(exc).__name__}: {exc}")


def _not_composed(plan: SendPlan, row: dict, exc: Exception) -> Delivery:
    """The failed outcome of a message that could not be composed, with the reason."""
    return Delivery(
        row["contact_id"],
        row["address"],
        "failed",
        0,
        message_id(plan.campaign.campaign_id, row["contact_id"], plan.settings.sender_domain),
        datetime.now(UTC),
        reason=_reason(exc),
        properties=_variant_property(plan, row),
    )


def _variant_property(plan: SendPlan, row: dict) -> dict[str, str]:
    """The language variant a message that could not be composed was made from, when the
    template has variants: the recipient list says which variant failed."""
    language = plan.composer.template_language(row)
    return {"template_language": language} if language is not None else {}


def _shortened(reason: str, limit: int = 500) -> str:
    """A reason short enough for the send log and the journal (an error may quote a long value)."""
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"
