"""Campaign history for the sample shop: a "come back" e-mail with a holdout whose effect is known.

Added on top of a loaded sample (it reads the store: who was lapsed, who bought anyway), so the
generated contacts and events stay exactly what they were. Fourteen days before the sample's
reference time, campaign ``come_back`` went to the ``lapsed`` contacts reachable by e-mail;
25% of them, chosen by the send path's own holdout hash, were held out. The send log and the
messaging events are written as a real send would write them.

**The planted effect.** Some contacts of the audience buy in the 5 days after the send anyway
(the sample's own purchases); call their share ``p_s``. The holdout's conversion rate is made
``p_h = p_s + (1 − p_s) · BASE_RATE`` by adding one purchase to a ``BASE_RATE`` share of the
holdout contacts who had none; the recipients' is made ``EFFECT · p_h`` the same way. So in
expectation the recipients convert at exactly ``EFFECT`` (1.5) times the holdout's rate, and
the results' interval should cover it. Deterministic for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.sample.vocabulary import PRODUCTS, SAMPLE_AS_OF
from workbench.send.campaigns import define_campaign
from workbench.send.holdout import bucket
from workbench.send.tables import SEND_LOG, ensure_tables
from workbench.store.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN_ID = "come_back"
SEGMENT = ROOT / "sample_data" / "segments" / "lapsed.json"
# not among sample_data/templates, which the app offers for new campaigns
TEMPLATE = ROOT / "sample_data" / "campaign_history" / "come_back_email"
HOLDOUT = 0.25
BASE_RATE = 0.12
EFFECT = 1.5
SENT_DAYS_BEFORE = 14
ATTRIBUTION = timedelta(days=5)


@dataclass(frozen=True)
class History:
    """What :func:`load_history` wrote, and the rates it planted."""

    campaign_id: str
    sent_at: datetime
    recipients: int
    holdout: int
    background_rate: float  # p_s: the audience's own conversion rate in the window
    holdout_rate: float  # p_h, expected
    recipient_rate: float  # EFFECT · p_h, expected

    def __str__(self) -> str:
        return (
            f"campaign history: {self.campaign_id} sent {self.sent_at:%Y-%m-%d} to {self.recipients} contacts, "
            f"{self.holdout} held out; planted conversion {self.recipient_rate:.1%} vs {self.holdout_rate:.1%} "
            f"({EFFECT}×)"
        )


CHUNK = 100_000
"""Contacts written at a time: at ten million contacts the audience is millions."""


def load_history(ws: Workspace, *, seed: int = 7, as_of: datetime = SAMPLE_AS_OF) -> History:
    """Write the ``come_back`` campaign's history into a store holding the sample shop."""
    sent_at = as_of - timedelta(days=SENT_DAYS_BEFORE)
    ids, emails = _audience(ws, sent_at)
    window_end = sent_at + ATTRIBUTION
    bought = {"event": "purchase", "window": {"between": [sent_at.isoformat(), window_end.isoformat()]}}
    already = set(ws.members({"id": "bought", "name": "bought", "rule": bought}, as_of=window_end))
    held = np.array([bucket(CAMPAIGN_ID, c) < HOLDOUT for c in ids], dtype=bool)
    background = sum(c in already for c in ids) / len(ids) if ids else 0.0
    holdout_rate = background + (1 - background) * BASE_RATE
    recipient_rate = EFFECT * holdout_rate
    # the share of the not-yet-converted to convert, so that each group reaches its rate
    top_up = np.where(held, BASE_RATE, (recipient_rate - background) / (1 - background) if background < 1 else 0.0)

    rng = np.random.default_rng([seed, 19])
    n = len(ids)
    draw, opens, clicks, bounce = (rng.random(n) for _ in range(4))
    buy_after = rng.uniform(3600, ATTRIBUTION.total_seconds() - 3600, n)
    open_after = rng.uniform(300, 2 * 86400, n)
    products = rng.integers(0, len(PRODUCTS), n)

    define_campaign(
        ws,
        CAMPAIGN_ID,
        segment=str(SEGMENT),
        channel="email",
        template=TEMPLATE,
        name="Come back (sample history)",
        holdout=HOLDOUT,
    )
    ensure_tables(ws)
    with ws.connector.reading() as con:
        stored = con.table(SEND_LOG.name)
        logged = int(con.execute(stored.filter(stored.campaign_id == CAMPAIGN_ID).count()))
    for start in range(0, n, CHUNK):
        log, events = [], []
        for i in range(start, min(start + CHUNK, n)):
            cid = ids[i]
            status = "holdout" if held[i] else "sent"
            log.append(_log_row(cid, emails[i], status, sent_at))
            common = {"contact_id": cid, "campaign_id": CAMPAIGN_ID, "channel": "email", "source": "messaging"}
            if not held[i]:
                events.append(
                    {"event_id": f"email_sent:{CAMPAIGN_ID}:{cid}", "name": "email_sent", "ts": sent_at, **common}
                )
                if bounce[i] < 0.02:
                    events.append(
                        {"event_id": f"bounce:{CAMPAIGN_ID}:{cid}", "name": "bounce", "ts": sent_at, **common}
                        | {"properties": {"type": "hard"}}
                    )
                elif opens[i] < 0.35:
                    opened_at = sent_at + timedelta(seconds=int(open_after[i]))
                    events.append(
                        {
                            "event_id": f"sample-open:{CAMPAIGN_ID}:{cid}",
                            "name": "email_open",
                            "ts": opened_at,
                            **common,
                        }
                    )
                    if clicks[i] < 0.3:
                        clicked_at = opened_at + timedelta(seconds=30)
                        events.append(
                            {
                                "event_id": f"sample-click:{CAMPAIGN_ID}:{cid}",
                                "name": "email_click",
                                "ts": clicked_at,
                                **common,
                            }
                        )
            if cid not in already and draw[i] < top_up[i]:
                product = PRODUCTS[int(products[i])]
                events.append(
                    {
                        "event_id": f"sample-purchase:{CAMPAIGN_ID}:{cid}",
                        "contact_id": cid,
                        "source": "custom",
                        "name": "purchase",
                        "ts": sent_at + timedelta(seconds=int(buy_after[i])),
                        "product_id": product.product_id,
                        "category": product.category,
                        "amount": Decimal(str(product.price)),
                        "currency": "PLN",
                        "quantity": 1,
                    }
                )
        if not logged:  # a second load into the same store writes no second log
            with ws.connector.writing() as con:
                con.insert(SEND_LOG.name, SEND_LOG.arrow(log))
        if events:
            report = ws.append("events", events, label=f"sample campaign {CAMPAIGN_ID}")
            assert not report.rejected, report.rejects
    return History(CAMPAIGN_ID, sent_at, int((~held).sum()), int(held.sum()), background, holdout_rate, recipient_rate)


def _audience(ws: Workspace, sent_at: datetime) -> tuple[list[str], list[str]]:
    """The campaign's audience at ``sent_at``, by contact id: the lapsed contacts with an
    e-mail address and e-mail consent, and their addresses. Only these columns are read."""
    lapsed = pa.array(ws.members(str(SEGMENT), as_of=sent_at), pa.string())
    with ws.connector.reading() as con:
        contacts = con.to_pyarrow(con.table("contacts").select("contact_id", "email", "email_consent"))
    chosen = contacts.filter(
        pc.and_(pc.is_in(contacts["contact_id"], lapsed), pc.fill_null(contacts["email_consent"], False))
    )
    rows = sorted(
        (cid, email)
        for cid, email in zip(chosen["contact_id"].to_pylist(), chosen["email"].to_pylist(), strict=True)
        if (email or "").strip()
    )
    return [cid for cid, _ in rows], [email for _, email in rows]


def _log_row(contact_id: str, address: str, status: str, at: datetime) -> dict:
    return {
        "campaign_id": CAMPAIGN_ID,
        "contact_id": contact_id,
        "channel": "email",
        "address": address,
        "status": status,
        "reason": None,
        "attempts": 0 if status == "holdout" else 1,
        "run_id": "sample-history",
        "message_id": f"<wb.{CAMPAIGN_ID}.{contact_id}@shop.example>",
        "provider_id": None,
        "claimed_at": at,
        "settled_at": at,
    }
