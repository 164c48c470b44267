"""The shop's campaigns as the contacts live them: sends, opens, clicks (each starting a web
session), bounces and unsubscribes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from workbench.sample.arrays import (
    MIN,
    NEVER,
    SEC,
    lognormal_us,
    pick_product,
    ranks,
)
from workbench.sample.vocabulary import (
    BLOG_CATEGORIES,
    BLOG_COUNT,
    BLOG_START,
    CH_EMAIL,
    CH_PUSH,
    CH_SMS,
    E_BOUNCE,
    E_EMAIL_CLICK,
    E_EMAIL_OPEN,
    E_EMAIL_SENT,
    E_PUSH_OPEN,
    E_PUSH_SENT,
    E_SMS_CLICK,
    E_SMS_SENT,
    E_UNSUB,
    FLASH,
    INT_BCAT,
    INT_PCAT,
    NEWSLETTER,
    PAGE_BLOG0,
    PAGE_CAT,
    PAGE_LIST0,
    PAGE_PROD0,
    PAGE_PRODUCT,
)

if TYPE_CHECKING:
    from workbench.sample.simulation import Batch


def _landing(sim: Batch, r: np.random.Generator, c: np.ndarray, camp: np.ndarray) -> np.ndarray:
    """The page a click on campaign ``camp`` by contact ``c`` leads to."""
    p, ctx = sim.p, sim.ctx
    m = len(c)
    interest = p["interest"][c]
    bc = np.where(r.random(m) < 0.7, INT_BCAT[interest], r.integers(0, len(BLOG_CATEGORIES), m))
    article = BLOG_START[bc] + (r.random(m) * BLOG_COUNT[bc]).astype(np.int64)
    cat = ctx.c_cat[camp]
    pcat = np.where(cat >= 0, cat, INT_PCAT[interest])
    use_cset = ((cat < 0) | (cat == INT_PCAT[interest])) & (r.random(m) < 0.5)
    prod = np.where(use_cset, p["cset"][c, r.integers(0, 4, m)], pick_product(r, pcat))
    listing = r.random(m) < 0.2
    page = np.where(listing, PAGE_LIST0 + pcat, PAGE_PROD0 + prod)
    return np.where(ctx.c_kind[camp] == NEWSLETTER, PAGE_BLOG0 + article, page)


def _sends(sim: Batch, r, channel: int, eligible: np.ndarray, audience) -> tuple[np.ndarray, ...]:
    ctx = sim.ctx
    cs = np.flatnonzero(ctx.c_channel == channel)  # this channel's sends, in time order
    send = ctx.c_send[cs]
    mask = eligible[:, None] & (sim.p["created"][:, None] < send[None, :])
    mask &= audience(cs)
    ci, cj = np.nonzero(mask)  # ordered by contact, then by send time
    return ci, cs[cj]


def _clicks(sim: Batch, r, event: int, channel: int, contacts: np.ndarray, camps: np.ndarray, ts: np.ndarray) -> None:
    """Record the clicks on campaign messages made by ``as_of``; each lands on a page where a web
    session starts (see :meth:`web`)."""
    made = ts <= sim.ctx.as_of
    contacts, camps, ts = contacts[made], camps[made], ts[made]
    page = _landing(sim, r, contacts, camps)
    sim.ev.add(
        event,
        ts,
        contact=contacts,
        campaign=sim.ctx.c_id[camps],
        channel=channel,
        url=page,
        category=PAGE_CAT[page],
        product=PAGE_PRODUCT[page],
    )
    sim.clicks.append((contacts, ts, page))


def messaging(sim: Batch) -> None:
    r, ctx, p, now, n = sim.rng(2), sim.ctx, sim.p, sim.ctx.as_of, sim.n
    e, ev = p["e"], sim.ev
    sim.clicks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # contact, ts, page

    # E-mail.
    def email_audience(cs):
        themed = r.random((n, len(cs))) < 0.45
        return np.where(ctx.c_kind[cs][None, :] == NEWSLETTER, p["news"][:, None], themed)

    c, camp = _sends(sim, r, CH_EMAIL, p["email_ever"], email_audience)
    ts = ctx.c_send[camp] + r.integers(0, 40 * MIN, len(c))
    rank = ranks(c)
    keep = ~p["bad_email"][c] | (rank == 0)  # a hard bounce stops further sends
    c, camp, ts, rank = c[keep], camp[keep], ts[keep], rank[keep]
    hard = p["bad_email"][c]
    # Unsubscribes: one of the contact's sends, the later ones are not sent.
    first_row = np.searchsorted(c, np.arange(n))
    size = np.searchsorted(c, np.arange(n), side="right") - first_row
    k = (r.random(n) * size).astype(np.int64)
    unsub = p["unsub_intent"] & ~p["bad_email"] & (size > 0)
    unsub_row = np.where(unsub, first_row + k, 0)
    if len(ts):
        unsub_ts = ts[unsub_row] + lognormal_us(r, 3600, 1.2, n, 5 * 86400)
        unsub_camp = camp[unsub_row]
    else:
        unsub_ts = np.full(n, NEVER)
        unsub_camp = np.zeros(n, dtype=np.int64)
    unsub &= unsub_ts <= now
    keep = ~unsub[c] | (rank <= k[c])
    c, camp, ts, hard = c[keep], camp[keep], ts[keep], hard[keep]
    sim.unsubscribed = unsub
    sim.unsub_ts = np.where(unsub, unsub_ts, -1)
    ev.add(E_EMAIL_SENT, ts, ctx.v_sent_props, camp, contact=c, campaign=ctx.c_id[camp], channel=CH_EMAIL)
    soft = ~hard & (r.random(len(c)) < 0.006)
    bounced = hard | soft
    bts = ts[bounced] + r.integers(2 * SEC, 60 * SEC, int(bounced.sum()))
    ev.add(
        E_BOUNCE,
        bts,
        ctx.v_bounce_props,
        np.where(hard[bounced], 0, 1),
        contact=c[bounced],
        campaign=ctx.c_id[camp[bounced]],
        channel=CH_EMAIL,
    )
    uc = np.flatnonzero(unsub)
    ev.add(E_UNSUB, unsub_ts[uc], contact=uc, campaign=ctx.c_id[unsub_camp[uc]], channel=CH_EMAIL)
    p_open = np.clip(0.03 + 0.2 * e, 0, 0.8)[c] * np.where(ts > p["end"][c], 0.35, 1.0) * ctx.c_boost[camp]
    opened = ~bounced & (r.random(len(c)) < p_open)
    oc, ocamp = c[opened], camp[opened]
    ots = ts[opened] + lognormal_us(r, 2.5 * 3600, 1.3, len(oc), 10 * 86400)
    again = r.random(len(oc)) < 0.2
    ots2 = ots[again] + lognormal_us(r, 20 * 3600, 1.0, int(again.sum()), 20 * 86400)
    ok, ok2 = ots <= now, ots2 <= now
    ev.add(E_EMAIL_OPEN, ots[ok], contact=oc[ok], campaign=ctx.c_id[ocamp[ok]], channel=CH_EMAIL)
    ev.add(E_EMAIL_OPEN, ots2[ok2], contact=oc[again][ok2], campaign=ctx.c_id[ocamp[again][ok2]], channel=CH_EMAIL)
    p_click = np.where(ctx.c_kind[ocamp] == NEWSLETTER, 0.10, 0.18) * np.minimum(1.5, 0.6 + 0.4 * e[oc])
    clicked = ok & (r.random(len(oc)) < p_click)
    cc, ccamp = oc[clicked], ocamp[clicked]
    _clicks(sim, r, E_EMAIL_CLICK, CH_EMAIL, cc, ccamp, ots[clicked] + r.integers(5 * SEC, 120 * SEC, len(cc)))

    # SMS.
    c, camp = _sends(sim, r, CH_SMS, p["sms_consent"], lambda cs: r.random((n, len(cs))) < 0.6)
    ts = ctx.c_send[camp] + r.integers(0, 10 * MIN, len(c))
    ev.add(E_SMS_SENT, ts, contact=c, campaign=ctx.c_id[camp], channel=CH_SMS)
    clicked = r.random(len(c)) < 0.04 * np.minimum(2.0, e[c]) * ctx.c_boost[camp]
    cc, ccamp = c[clicked], camp[clicked]
    _clicks(sim, r, E_SMS_CLICK, CH_SMS, cc, ccamp, ts[clicked] + lognormal_us(r, 8 * 60, 1.2, len(cc), 3 * 86400))

    # Push.
    def push_audience(cs):
        frac = np.where(ctx.c_kind[cs] == FLASH, 0.6, 0.8)
        return (r.random((n, len(cs))) < frac[None, :]) & (p["install"][:, None] < ctx.c_send[cs][None, :])

    c, camp = _sends(sim, r, CH_PUSH, p["push_consent"], push_audience)
    ts = ctx.c_send[camp] + r.integers(0, 2 * MIN, len(c))
    ev.add(E_PUSH_SENT, ts, ctx.v_sent_props, camp, contact=c, campaign=ctx.c_id[camp], channel=CH_PUSH)
    p_open = np.clip(0.04 + 0.1 * e[c], 0, 0.6) * np.where(ts > p["end"][c], 0.3, 1.0) * ctx.c_boost[camp]
    opened = r.random(len(c)) < p_open
    oc, ocamp = c[opened], camp[opened]
    ots = ts[opened] + lognormal_us(r, 25 * 60, 1.2, len(oc), 2 * 86400)
    ok = ots <= now
    oc, ocamp, ots = oc[ok], ocamp[ok], ots[ok]
    ev.add(E_PUSH_OPEN, ots, contact=oc, campaign=ctx.c_id[ocamp], channel=CH_PUSH)
    # opening a push opens the app
    sim.push_app_opens = (oc, np.minimum(ots + r.integers(1 * SEC, 4 * SEC, len(oc)), now))
