"""Who a send goes to: the segment as it is at the moment of sending, then one gate.

The gate gives every member at most one exclusion reason, the first that applies, in the
order of ``GATE``; of the others, the campaign's holdout (:mod:`workbench.send.holdout`) is
counted but not messaged, and the rest are the recipients. So ``members = recipients +
holdout + excluded``, to the contact, and the counts by reason tell an auditor why each
contact was left out.

The reasons that depend on events (unsubscribed, bounced, frequency cap) are themselves
segment rules, compiled by the segment compiler and described as segments are (in the
workspace's language unless asked otherwise), so that they mean exactly what the same rule
would mean in a segment. The whole gate is one query whose
SQL goes into the audit record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from workbench.expr.catalog import Catalog
from workbench.expr.compile import contacts_schema
from workbench.expr.context import CompileContext
from workbench.expr.describe import describe
from workbench.expr.reader import rule_from_dict
from workbench.expr.rules import Rule, Segment
from workbench.expr.timeutil import zone
from workbench.i18n import N_, Texts, texts
from workbench.schema import SCOPE, SCOPE_TABLE
from workbench.send.campaigns import Campaign, ChannelSpec
from workbench.send.holdout import NO_HOLDOUT, HoldoutSplit, global_control_share
from workbench.send.policy import SendPolicy
from workbench.send.tables import SEND_LOG, ensure_tables
from workbench.send.values import SegmentValues, segment_values
from workbench.store.staging import contact_scope
from workbench.store.workspace import Workspace

GATE = (
    "already_sent",
    "failed_earlier",
    "no_address",
    "no_consent",
    "unsubscribed",
    "bounced",
    "frequency_cap",
    "quiet_hours",
)
"""Exclusion reasons, in the order they are checked."""

HOLDOUT = "holdout"
"""The ``reason`` of a member who passed the gate and is held out: counted, not messaged."""

REASON_TEXT = {  # messages: written in the reader's language by the gate
    "already_sent": N_("already sent, or being sent by another run, in this campaign"),
    "failed_earlier": N_("failed permanently in an earlier run of this campaign"),
    "no_address": N_("has no {address} for the channel"),
    "no_consent": N_("has not given {consent}"),
    "unsubscribed": N_("unsubscribed from the channel"),
    "bounced": N_("had a hard bounce on the channel"),
    "frequency_cap": N_("reached the frequency cap"),
    "quiet_hours": N_("the send time falls in quiet hours"),
}
"""What each reason checks, in words (English message ids)."""


@dataclass(frozen=True)
class Audience:
    """The segment's members at ``as_of``, each with its exclusion reason (null: a recipient)."""

    campaign: Campaign
    as_of: datetime
    policy: SendPolicy
    timezone: str
    segment: Segment
    rows: pa.Table  # contact_id, address, reason, the contact's columns, the segment's values
    contact_columns: tuple[str, ...]
    values: SegmentValues
    query: ir.Table  # what selected the rows
    dialect: str
    rules: dict[str, str]  # reason -> what it checks, in the language of ``texts``
    split: HoldoutSplit = NO_HOLDOUT
    texts: Texts = field(default_factory=texts)

    @cached_property
    def sql(self) -> str:
        """The SQL that selected the rows, for the audit record. Made when asked: compiling
        it costs more than running it for a triggered send of a few recipients."""
        return ibis.to_sql(self.query, dialect=self.dialect)

    @property
    def members(self) -> int:
        return self.rows.num_rows

    def counts(self) -> dict[str, int]:
        """Members, each reason's count (zeros included), the holdout and the recipients:
        ``members = recipients + holdout + Σ reasons``."""
        reasons = self.rows.column("reason").to_pylist()
        by_reason = {key: reasons.count(key) for key in GATE}
        return {
            "members": self.members,
            **by_reason,
            HOLDOUT: reasons.count(HOLDOUT),
            "recipients": reasons.count(None),
        }

    def held_out(self) -> list[dict]:
        """The members who passed the gate and are held out, ordered by contact id."""
        return [r for r in self.rows.to_pylist() if r["reason"] == HOLDOUT]

    def recipients(self) -> list[dict]:
        """The rows that pass the gate, ordered by contact id."""
        return [r for r in self.rows.to_pylist() if r["reason"] is None]

    def excluded(self) -> dict[str, str]:
        """contact_id -> reason, for the members the gate left out (not the holdout)."""
        ids, reasons = self.rows.column("contact_id").to_pylist(), self.rows.column("reason").to_pylist()
        return {c: r for c, r in zip(ids, reasons, strict=True) if r is not None and r != HOLDOUT}

    def report(self) -> pd.DataFrame:
        """One line per reason: what it checks and how many members it excluded."""
        counts, t = self.counts(), self.texts
        members = t._("members of segment {id} at {time}", id=self.segment.id, time=self.as_of.isoformat())
        held = t._("passed the gate, held out: {how}", how=self.split.describe(t))
        rest = t._("members who pass the gate and are not held out")
        lines = [("members", members, counts["members"])]
        lines += [(key, self.rules[key], counts[key]) for key in GATE]
        lines += [(HOLDOUT, held, counts[HOLDOUT]), ("recipients", rest, counts["recipients"])]
        return pd.DataFrame(lines, columns=["reason", "rule", "contacts"])

    def context(self, row: dict) -> dict:
        """A row's template variables: ``contact`` (its attributes) and ``segment`` (its values)."""
        return {"contact": {c: row[c] for c in self.contact_columns}, "segment": self.values.nest(row)}

    def variables(self) -> dict[str, object]:
        """The variable tree a template of this audience may use (see ``templates``)."""
        return {"contact": dict.fromkeys(self.contact_columns), "segment": self.values.names}


def select_audience(
    ws: Workspace,
    campaign: Campaign,
    as_of: datetime,
    policy: SendPolicy,
    contacts: Sequence[str] | None = None,
    t: Texts | None = None,
) -> Audience:
    """Evaluate the campaign's segment at ``as_of`` and pass every member through the gate.

    ``contacts`` names the members instead (a trigger decided who qualifies: the contacts
    that just entered, or left, a segment); the segment still provides the template values.
    Then only those contacts and their events are read, so a triggered send's cost follows
    its recipients, not the size of the base. The gate's rules are written with ``t``
    (default: the workspace's language).
    """
    ensure_tables(ws)
    control = global_control_share(ws)
    segment = ws.validate(campaign.segment)
    saved = {s.id: s.segment for s in ws.segments()}
    catalog = ws.catalog
    t = t or texts(catalog.locale, catalog.timezone)
    given, scoped = contacts, contacts is not None
    with ws.connector.reading() as con:
        dialect = con.name
        context = CompileContext(catalog, saved.__getitem__, dialect)
        members = ibis.table(SCOPE, name=SCOPE_TABLE) if scoped else context.members(segment, as_of)
        contacts = ibis.table(contacts_schema(catalog), name="contacts")
        # the few on the right: see store.connection._planned_as_written
        base = contacts.join(members, "contact_id")
        values = segment_values(segment, context, as_of, scoped)
        if values.table is not None:
            base = base.left_join(values.table, base.contact_id == values.table.vcid).drop("vcid")
            if values.zero_when_empty:
                base = base.mutate(**{name: base[name].fill_null(0) for name in values.zero_when_empty})
        checks, rules = _gate(base, campaign, catalog, as_of, policy, dialect, t, scoped)
        reason = ibis.cases(*[(checks[key], key) for key in GATE], else_=ibis.null("string"))
        log = SEND_LOG.unbound()
        logged_holdout = log.filter((log.campaign_id == campaign.campaign_id) & (log.status == HOLDOUT))
        query = base.mutate(
            address=base[campaign.spec.address], reason=reason, _held=base.contact_id.isin(logged_holdout.contact_id)
        ).order_by("contact_id")
        with contact_scope(con, SCOPE_TABLE, given):
            rows = con.to_pyarrow(query)
    split = HoldoutSplit(campaign.holdout_key, campaign.holdout, 0.0 if campaign.reach_control else control)
    rows = _hold_out(rows, split)
    order = ["contact_id", "address", "reason"]
    rows = rows.select(order + [c for c in rows.column_names if c not in order])
    return Audience(
        campaign,
        as_of,
        policy,
        catalog.timezone,
        segment,
        rows,
        tuple(contacts.columns),
        values,
        query,
        dialect,
        rules,
        split,
        t,
    )


def _hold_out(rows: pa.Table, split: HoldoutSplit) -> pa.Table:
    """Mark the holdout among the members the gate let through: by the split's hash, and
    whoever an earlier run of the campaign held out (a changed global control group must not
    get a held-out contact messaged later)."""
    reasons = rows.column("reason").to_pylist()
    earlier = rows.column("_held").to_pylist()
    ids = rows.column("contact_id").to_pylist()
    marked = [
        HOLDOUT if reason is None and (held or split.held_out(cid)) else reason
        for cid, reason, held in zip(ids, reasons, earlier, strict=True)
    ]
    at = rows.column_names.index("reason")
    return rows.set_column(at, "reason", pa.array(marked, pa.string())).drop_columns(["_held"])


CONTACT_REASONS = ("no_address", "no_consent", "unsubscribed", "bounced")
"""The reasons that depend on the contact alone, not on the campaign or the moment of
sending: together they say whether a contact can be messaged on the channel at all."""


def reachable(base: ir.Table, channel: str, *, catalog: Catalog, as_of: datetime, dialect: str) -> ir.BooleanValue:
    """For each row of ``base`` (``contact_id`` and the contacts' columns): whether the gate's
    :data:`CONTACT_REASONS` let it through on ``channel`` at ``as_of``.

    This is what a send of a new campaign would reach before its frequency caps and quiet
    hours, which depend on the moment of sending: for a segment's members, the count of
    rows it holds for equals ``members`` minus the counts of these reasons in
    :meth:`Audience.counts` (the app's library shows it per channel).
    """
    campaign = Campaign("reach", "Reach", "", channel, "")
    no_caps = SendPolicy(max_per_day=None, max_per_week=None, quiet_hours=None)
    checks, _ = _gate(base, campaign, catalog, as_of, no_caps, dialect, texts())
    excluded = checks[CONTACT_REASONS[0]]
    for key in CONTACT_REASONS[1:]:
        excluded = excluded | checks[key]
    return ~excluded


def _gate(
    base: ir.Table,
    campaign: Campaign,
    catalog: Catalog,
    as_of: datetime,
    policy: SendPolicy,
    dialect: str,
    t: Texts,
    scoped: bool = False,
) -> tuple[dict[str, ir.BooleanValue], dict[str, str]]:
    """Each reason's check on the rows of ``base``, and its rule in words; ``scoped``: the
    rows are the contacts of :data:`~workbench.schema.SCOPE_TABLE`, whose events alone are read."""
    spec: ChannelSpec = campaign.spec
    log = SEND_LOG.unbound()
    mine = log.filter(log.campaign_id == campaign.campaign_id)
    address = base[spec.address]
    checks: dict[str, ir.BooleanValue] = {
        "already_sent": base.contact_id.isin(mine.filter(mine.status.isin(["sent", "pending"])).contact_id),
        "failed_earlier": base.contact_id.isin(mine.filter(mine.status == "failed").contact_id),
        "no_address": address.isnull() | (address.strip() == ""),
        "no_consent": ~base[spec.consent].fill_null(False),
    }
    rules = {key: t._(text, address=spec.address, consent=spec.consent) for key, text in REASON_TEXT.items()}
    for key, rule in _event_rules(campaign, catalog, policy).items():
        if rule is None:
            checks[key] = ibis.literal(False)
            continue
        expr = CompileContext(catalog, dialect=dialect).members(rule, as_of, scoped)
        checks[key] = base.contact_id.isin(expr.contact_id)
        rules[key] = f"{rules[key]}: {describe(rule, catalog, t.locale)}"
    quiet = policy.quiet_hours is not None and policy.quiet_hours.contains(as_of, zone(catalog.timezone))
    checks["quiet_hours"] = ibis.literal(quiet)
    hours = (
        f"{policy.quiet_hours}, {catalog.timezone}" if policy.quiet_hours else t._("no quiet hours for this channel")
    )
    rules["quiet_hours"] += f" ({hours})"
    return checks, rules


def _event_rules(campaign: Campaign, catalog: Catalog, policy: SendPolicy) -> dict[str, Rule | None]:
    """The reasons that depend on the contact's messaging events, as segment rules."""
    channel = campaign.channel
    on_channel = {"property": "channel", "op": "eq", "value": channel}
    anywhere = {"property": "channel", "op": "is_not_set"}
    unsubscribed = {
        "any": [
            {"event": "unsubscribe", "where": [on_channel]},
            {"event": "unsubscribe", "where": [anywhere]},
        ]
    }
    bounced = None
    if catalog.property_type(("bounce",), "type") is not None:
        hard = {"property": "type", "op": "eq", "value": "hard"}
        bounced = {
            "any": [{"event": "bounce", "where": [hard, on_channel]}, {"event": "bounce", "where": [hard, anywhere]}]
        }
    caps = [
        {"event": campaign.spec.sent_event, "window": {"last": window}, "op": "gte", "value": limit}
        for limit, window in ((policy.max_per_day, "24h"), (policy.max_per_week, "7d"))
        if limit
    ]
    return {
        "unsubscribed": rule_from_dict(unsubscribed),
        "bounced": rule_from_dict(bounced) if bounced else None,
        "frequency_cap": rule_from_dict({"any": caps}) if caps else None,
    }
