"""The per-contact outcome table of campaigns: one Ibis expression over ``events`` and the send log.

One row per contact a campaign messaged (send log status ``sent``) or held out (``holdout``),
as of an instant T; a repeating trigger's occurrences (``<campaign>.<seq>``) are rows of the
campaign too, one per occurrence (``campaign_id`` names it), each measured from its own message:

- ``at`` — when the message went out: the earliest ``<channel>_sent`` event of the campaign for
  the contact (the send log's ``settled_at`` when there is none); for the holdout, the send
  log's ``settled_at``, the moment their message would have gone out. Rows with ``at`` after T
  are not there yet.
- ``opened``, ``clicked``, ``unsubscribed`` — the contact has a ``<channel>_open``,
  ``<channel>_click``, ``unsubscribe`` event carrying the campaign's id, at or before T
  (unique per contact: many opens are one opened contact).
- ``bounced`` — a ``bounce`` event of the campaign and no open or click of it (an open proves
  the message arrived: a soft bounce the server retried); ``delivered`` = sent and not bounced.
- ``conversions``, ``revenue``, ``first_conversion_at`` — the contact's conversion events (the
  campaign's ``conversion_event`` passing its ``conversion_where``) with ``at < ts <= at +
  attribution`` and ``ts <= T``: after the message, up to the end of the window inclusive.
  Anonymous events count for the contact their ``anonymous_id`` is linked to
  (``identities``), as in segments. ``revenue`` sums their ``amount``.

Identifiers come from the declared tables, values are bound literals; the same expression
compiles for DuckDB, PostgreSQL and ClickHouse.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import ibis
import ibis.expr.types as ir

from workbench.expr.context import CompileContext
from workbench.expr.reader import rule_from_dict
from workbench.expr.rules import Event
from workbench.expr.timeutil import Duration
from workbench.send.campaigns import Campaign
from workbench.send.tables import SEND_LOG

RECIPIENT = "recipient"
HOLDOUT = "holdout"
GROUPS = (RECIPIENT, HOLDOUT)

COLUMNS = (
    "campaign_id",
    "contact_id",
    "channel",
    "group",
    "at",
    "sent",
    "delivered",
    "opened",
    "clicked",
    "unsubscribed",
    "bounced",
    "converted",
    "conversions",
    "revenue",
    "first_conversion_at",
)


def conversion_rule(campaign: Campaign) -> Event:
    """The campaign's conversion as a segment event condition (its ``where`` checked like a segment's)."""
    where = json.loads(campaign.conversion_where) if campaign.conversion_where else []
    rule = rule_from_dict(
        {"event": campaign.conversion_event, "where": where} if where else {"event": campaign.conversion_event}
    )
    assert isinstance(rule, Event)
    return rule


def of_campaign(column: ir.StringValue, campaign_id: str) -> ir.BooleanValue:
    """The campaign's own rows and those of its triggered occurrences, ``<campaign>.<seq>``
    (campaign ids never hold a dot, so the prefix is the campaign's alone)."""
    return (column == campaign_id) | column.startswith(f"{campaign_id}.")


def outcome_table(campaigns: Sequence[Campaign], as_of: datetime, context: CompileContext) -> ir.Table:
    """The outcome rows of ``campaigns`` at ``as_of`` (columns :data:`COLUMNS`), unbound: it
    reads ``events``, ``identities`` and the send log by name when executed."""
    if not campaigns:
        raise ValueError("outcome_table needs at least one campaign")
    parts = [_one(campaign, as_of, context) for campaign in campaigns]
    table = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    return table.order_by(["campaign_id", "contact_id"])


def _one(campaign: Campaign, as_of: datetime, context: CompileContext) -> ir.Table:
    compiler = context.compiler(as_of)
    now = compiler.ts(compiler.now)
    spec = campaign.spec
    cid = campaign.campaign_id

    log = SEND_LOG.unbound()
    mine = log.filter(of_campaign(log.campaign_id, cid), log.status.isin(["sent", HOLDOUT]))
    events = compiler.tables["events"]
    sent = events.filter(
        events.name == spec.sent_event, of_campaign(events.campaign_id, cid), events.contact_id.notnull()
    )
    sent = sent.group_by(s_campaign=sent.campaign_id, s_contact=sent.contact_id).aggregate(sent_at=sent.ts.min())
    people = mine.left_join(sent, (mine.campaign_id == sent.s_campaign) & (mine.contact_id == sent.s_contact))
    is_sent = people.status == "sent"
    at = ibis.ifelse(is_sent, people.sent_at.fill_null(people.settled_at), people.settled_at)
    people = people.select(
        campaign_id=people.campaign_id,
        contact_id=people.contact_id,
        channel=people.channel,
        group=ibis.ifelse(is_sent, RECIPIENT, HOLDOUT),
        at=at,
    ).filter(lambda t: t.at <= now)

    open_name, click_name = f"{spec.name}_open", f"{spec.name}_click"
    engaged = compiler.stitched_events(names={open_name, click_name, "bounce", "unsubscribe"})
    engaged = engaged.filter(of_campaign(engaged.campaign_id, cid))
    flags = engaged.group_by(e_campaign=engaged.campaign_id, e_contact=engaged.cid).aggregate(
        e_opened=(engaged.name == open_name).any(),
        e_clicked=(engaged.name == click_name).any(),
        e_bounced=(engaged.name == "bounce").any(),
        e_unsubscribed=(engaged.name == "unsubscribe").any(),
    )

    rule = conversion_rule(campaign)
    conv = compiler.stitched_events(names=set(rule.names or ()))
    conv = conv.filter(compiler.event_match(conv, rule.names, rule.where))
    window = ibis.interval(seconds=Duration.parse(campaign.attribution).seconds)
    exposed = people.select(x_campaign=people.campaign_id, x_contact=people.contact_id, x_at=people.at)
    hits = exposed.join(conv, [exposed.x_contact == conv.cid, conv.ts > exposed.x_at, conv.ts <= exposed.x_at + window])
    converted = hits.group_by(c_campaign=hits.x_campaign, c_contact=hits.x_contact).aggregate(
        c_conversions=hits.count(), c_revenue=hits.amount.sum(), c_first=hits.ts.min()
    )

    joined = people.left_join(
        flags, (people.campaign_id == flags.e_campaign) & (people.contact_id == flags.e_contact)
    ).left_join(converted, (people.campaign_id == converted.c_campaign) & (people.contact_id == converted.c_contact))
    was_sent = joined.group == RECIPIENT
    opened = was_sent & joined.e_opened.fill_null(False)
    clicked = was_sent & joined.e_clicked.fill_null(False)
    bounced = was_sent & joined.e_bounced.fill_null(False) & ~opened & ~clicked
    conversions = joined.c_conversions.fill_null(0)
    return joined.select(
        campaign_id=joined.campaign_id,
        contact_id=joined.contact_id,
        channel=joined.channel,
        group=joined.group,
        at=joined.at,
        sent=was_sent,
        delivered=was_sent & ~bounced,
        opened=opened,
        clicked=clicked,
        unsubscribed=was_sent & joined.e_unsubscribed.fill_null(False),
        bounced=bounced,
        converted=conversions > 0,
        conversions=conversions.cast("int64"),
        revenue=joined.c_revenue.fill_null(0),
        first_conversion_at=joined.c_first,
    )
