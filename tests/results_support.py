"""Campaign results, independently: hand-built send logs and events, and the per-contact outcome
computed by plain loops over the rows (the definitions of ``docs/results.md``, read literally)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from workbench.send.campaigns import Campaign
from workbench.send.tables import SEND_LOG, ensure_tables
from workbench.store.workspace import Workspace

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
AS_OF = T0 + timedelta(days=7)
DAY = timedelta(days=1)

CAMPAIGN = Campaign("cb", "Come back", "lapsed", "email", "/t", holdout=0.3)
OTHER = Campaign("other", "Other", "lapsed", "email", "/t")
BIG_ONLY = Campaign(  # the same sends, counting only purchases of at least 50
    "cb",
    "Come back",
    "lapsed",
    "email",
    "/t",
    holdout=0.3,
    conversion_where=json.dumps([{"property": "amount", "op": "gte", "value": 50}]),
)


def log_row(campaign_id: str, contact_id: str, status: str, settled_at: datetime) -> dict:
    return {
        "campaign_id": campaign_id,
        "contact_id": contact_id,
        "channel": "email",
        "address": f"{contact_id}@example.org",
        "status": status,
        "reason": "HTTP 400" if status == "failed" else None,
        "attempts": 1,
        "run_id": "run-1",
        "message_id": f"<wb.{campaign_id}.{contact_id}@x>",
        "provider_id": None,
        "claimed_at": settled_at,
        "settled_at": settled_at,
    }


def event(name: str, ts: datetime, contact_id: str | None = None, campaign_id: str | None = None, **extra) -> dict:
    source = "messaging" if campaign_id else "custom"
    key = f"{name}-{contact_id or extra.get('anonymous_id')}-{campaign_id}-{ts:%Y%m%d%H%M%S}"
    row = {"event_id": key, "contact_id": contact_id, "source": source, "name": name, "ts": ts}
    if campaign_id:
        row |= {"campaign_id": campaign_id, "channel": "email"}
    return row | extra


def hand_built() -> tuple[list[dict], list[dict], list[dict]]:
    """(send log rows, events, identities): every edge the definitions decide."""
    settle = T0 + timedelta(seconds=30)
    log = [log_row("cb", c, "sent", settle) for c in ("r1", "r2", "r3", "r4", "r5", "r6", "r7")]
    log += [log_row("cb", c, "holdout", T0) for c in ("h1", "h2", "h3")]
    log += [log_row("cb", "x1", "failed", settle), log_row("cb", "p1", "pending", settle)]
    log += [log_row("other", c, "sent", T0 + 2 * DAY) for c in ("r6", "r1")]
    sent = [event("email_sent", T0, c, "cb") for c in ("r1", "r2", "r3", "r4", "r5", "r6")]
    events = [
        *sent,
        event("email_sent", T0 + 10 * DAY, "r7", "cb"),  # sent after the as-of instant
        event("email_sent", T0 + 2 * DAY, "r6", "other"),
        event("email_sent", T0 + 2 * DAY, "r1", "other"),
        # r1: a purchase exactly at the end of the window counts, one a second later does not
        event("purchase", T0 + 5 * DAY, "r1", amount=Decimal("100.00"), currency="PLN"),
        event("purchase", T0 + 5 * DAY + timedelta(seconds=1), "r1", amount=Decimal("50.00"), currency="PLN"),
        # r2: a bounce, then an open: delivered after all
        event("bounce", T0 + timedelta(minutes=1), "r2", "cb", properties={"type": "soft"}),
        event("email_open", T0 + timedelta(hours=1), "r2", "cb"),
        # r3: bounced; a purchase at the very instant of the message is not after it
        event("bounce", T0 + timedelta(minutes=1), "r3", "cb", properties={"type": "hard"}),
        event("purchase", T0, "r3", amount=Decimal("5.00"), currency="PLN"),
        # r4: clicked twice, opened, two purchases in the window, one before the message
        event("email_open", T0 + timedelta(hours=2), "r4", "cb"),
        event("email_click", T0 + timedelta(hours=2, minutes=1), "r4", "cb"),
        event("email_click", T0 + timedelta(hours=3), "r4", "cb"),
        event("purchase", T0 - DAY, "r4", amount=Decimal("999.00"), currency="PLN"),
        event("purchase", T0 + DAY, "r4", amount=Decimal("10.50"), currency="PLN"),
        event("purchase", T0 + 2 * DAY, "r4", amount=Decimal("20.25"), currency="PLN"),
        # r5: an anonymous purchase, its cookie linked to r5 later; unsubscribed
        event("purchase", T0 + 3 * DAY, None, anonymous_id="anon5", amount=Decimal("40.00"), currency="PLN"),
        event("unsubscribe", T0 + 4 * DAY, "r5", "cb"),
        # r6: two campaigns' messages; one purchase in both windows; an open of the other campaign only
        event("purchase", T0 + 3 * DAY, "r6", amount=Decimal("60.00"), currency="PLN"),
        event("email_open", T0 + 2 * DAY, "r6", "other"),
        # the holdout: h1 converts, h2 does not, h3 converts after the as-of instant
        event("purchase", T0 + 2 * DAY, "h1", amount=Decimal("70.00"), currency="PLN"),
        event("purchase", T0 + 4 * DAY + timedelta(hours=23, minutes=59), "h2", properties={"note": "x"}),
        event("purchase", AS_OF + timedelta(seconds=1), "h3", amount=Decimal("15.00"), currency="PLN"),
        # r7's purchase after its (later) message
        event("purchase", T0 + 11 * DAY, "r7", amount=Decimal("1.00"), currency="PLN"),
    ]
    identities = [{"anonymous_id": "anon5", "contact_id": "r5", "linked_at": T0 + 6 * DAY}]
    return log, events, identities


def load(ws: Workspace, log: list[dict], events: list[dict], identities: list[dict]) -> None:
    """Store the rows: the send log directly, events and identities through the importer."""
    contacts = sorted({r["contact_id"] for r in log})
    report = ws.append("contacts", [{"contact_id": c, "created_at": T0 - 30 * DAY} for c in contacts])
    assert not report.rejected, report.rejects
    for kind, rows in (("events", events), ("identities", identities)):
        if rows:
            report = ws.append(kind, rows)
            assert not report.rejected, report.rejects
    ensure_tables(ws)
    with ws.connector.writing() as con:
        con.insert(SEND_LOG.name, SEND_LOG.arrow(log))


def _link(identities: list[dict], anonymous_id: str | None) -> str | None:
    links = [i for i in identities if i["anonymous_id"] == anonymous_id]
    if not links:
        return None
    return max(links, key=lambda i: (i["linked_at"], i["contact_id"]))["contact_id"]


def _passes(where: list[dict], e: dict) -> bool:
    for prop in where:  # the few operators the tests use
        value = e.get(prop["property"], (e.get("properties") or {}).get(prop["property"]))
        if value is None:
            return False
        if prop["op"] == "gte" and not Decimal(str(value)) >= Decimal(str(prop["value"])):
            return False
        if prop["op"] == "eq" and value != prop["value"]:
            return False
    return True


def reference_outcomes(
    campaigns: Iterable[Campaign], log: list[dict], events: list[dict], identities: list[dict], as_of: datetime
) -> list[dict]:
    """The outcome table by plain loops (see ``workbench.results.outcomes`` for the definitions)."""
    out = []
    for campaign in campaigns:
        cid, channel = campaign.campaign_id, campaign.channel
        window = timedelta(seconds=int(campaign.attribution[:-1]) * {"d": 86400, "h": 3600}[campaign.attribution[-1]])
        where = json.loads(campaign.conversion_where) if campaign.conversion_where else []
        for row in sorted(log, key=lambda r: r["contact_id"]):
            occurrence = row["campaign_id"]  # the campaign, or one of its triggered occurrences
            if not (occurrence == cid or occurrence.startswith(cid + ".")) or row["status"] not in ("sent", "holdout"):
                continue
            contact = row["contact_id"]
            is_sent = row["status"] == "sent"
            mine = [
                e
                for e in events
                if e["ts"] <= as_of and (e["contact_id"] or _link(identities, e.get("anonymous_id"))) == contact
            ]
            if is_sent:
                sent_at = [  # the message's own event, whenever it happened (a later one is "not yet")
                    e["ts"]
                    for e in events
                    if e["name"] == f"{channel}_sent"
                    and e.get("campaign_id") == occurrence
                    and e["contact_id"] == contact
                ]
                at = min(sent_at) if sent_at else row["settled_at"]
            else:
                at = row["settled_at"]
            if at > as_of:
                continue
            own = {e["name"] for e in mine if e.get("campaign_id") == occurrence}
            opened = is_sent and f"{channel}_open" in own
            clicked = is_sent and f"{channel}_click" in own
            bounced = is_sent and "bounce" in own and not opened and not clicked
            hits = [
                e
                for e in mine
                if e["name"] == campaign.conversion_event and at < e["ts"] <= at + window and _passes(where, e)
            ]
            out.append(
                {
                    "campaign_id": occurrence,
                    "contact_id": contact,
                    "channel": channel,
                    "group": "recipient" if is_sent else "holdout",
                    "at": at,
                    "sent": is_sent,
                    "delivered": is_sent and not bounced,
                    "opened": opened,
                    "clicked": clicked,
                    "unsubscribed": is_sent and "unsubscribe" in own,
                    "bounced": bounced,
                    "converted": bool(hits),
                    "conversions": len(hits),
                    "revenue": sum((Decimal(str(e.get("amount") or 0)) for e in hits), Decimal(0)),
                    "first_conversion_at": min((e["ts"] for e in hits), default=None),
                }
            )
    return sorted(out, key=lambda r: (r["campaign_id"], r["contact_id"]))


def with_occurrences() -> tuple[list[dict], list[dict], list[dict]]:
    """The hand-built rows plus a repeating trigger's second occurrence of ``cb``, ``cb.2``, three
    days later: r1 messaged again (and opening it), h1 held out again; and campaign ``cb-2``,
    whose id merely starts like it."""
    log, events, identities = hand_built()
    again = T0 + 3 * DAY
    log += [log_row("cb.2", "r1", "sent", again), log_row("cb.2", "h1", "holdout", again)]
    log += [log_row("cb-2", "r2", "sent", again)]
    events += [
        event("email_sent", again, "r1", "cb.2"),
        event("email_open", again + timedelta(hours=1), "r1", "cb.2"),
        event("email_sent", again, "r2", "cb-2"),
    ]
    return log, events, identities
