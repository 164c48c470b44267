"""Web sessions: page views on two devices per contact (stitched once identified), carts
and their purchases or abandonment."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from workbench.sample.arrays import (
    DAY,
    HOUR,
    MIN,
    NEVER,
    SEC,
    digits,
    diurnal,
    draw,
    fixed,
    hex,
    join_columns,
    pick_product,
    recent,
    within,
)
from workbench.sample.vocabulary import (
    BLOG_CATEGORIES,
    BLOG_COUNT,
    BLOG_START,
    CAT_OF_PRODUCT,
    E_ADD,
    E_PV,
    EXT_REF,
    INT_BCAT,
    INT_PCAT,
    INTERESTS,
    NEXT,
    NPAGES,
    P_PRICE,
    PAGE_BLOG0,
    PAGE_CAT,
    PAGE_KIND,
    PAGE_LIST0,
    PAGE_PROD0,
    PAGE_PRODUCT,
    PROD,
    PROD_A,
    PROD_B,
    PRODUCT_CATEGORIES,
    cdf_of,
)

if TYPE_CHECKING:
    from workbench.sample.simulation import Batch


def web(sim: Batch) -> None:
    r, ctx, p, now, n = sim.rng(3), sim.ctx, sim.p, sim.ctx.as_of, sim.n
    e = p["e"]
    sess: dict[str, list[np.ndarray]] = {k: [] for k in ("dev", "start", "kind", "interest", "landing")}

    def sessions(dev, start, kind, landing=None, interest=None):
        if interest is None:  # a contact's device (dev < 2n): mostly the contact's interest
            interest = np.where(
                r.random(len(dev)) < 0.8, p["interest"][dev % n], r.integers(0, len(INTERESTS), len(dev))
            )
        sess["dev"].append(dev)
        sess["start"].append(start)
        sess["kind"].append(kind)
        sess["interest"].append(interest)
        sess["landing"].append(np.full(len(dev), -1) if landing is None else landing)

    def device(c):
        return np.where(p["dev2"][c] & (r.random(len(c)) < 0.4), c + n, c)

    def kind(c):
        return np.where(r.random(len(c)) < np.where(p["blog_reader"][c], 0.55, 0.12), 1, 0)

    # Regular sessions over the contact's active time (at most 18 months back).
    a = np.maximum(p["created"], now - 540 * DAY)
    days = np.maximum(p["end"] - a, 0) / DAY
    k = np.where(p["web"], r.poisson(0.0055 * e * days), 0)
    c = np.repeat(np.arange(n), k)
    start = diurnal(r, recent(r, a[c], p["end"][c], 240), a[c], p["end"][c])
    sessions(device(c), start, kind(c))
    # The last week, busier towards as_of (Cyber Monday morning).
    k = np.where(p["web"] & ~p["churned"], r.poisson(0.3 * e), 0)
    c = np.repeat(np.arange(n), k)
    start = np.maximum(now - (7 * DAY * r.random(len(c)) ** 1.5).astype(np.int64), p["created"][c])
    sessions(device(c), start, kind(c))
    # Anonymous browsing before signing up, and the sign-up session itself.
    k = np.where(p["pre"], 1 + r.poisson(0.8, n), 0)
    c = np.repeat(np.arange(n), k)
    start = p["created"][c] - r.integers(10 * MIN, 60 * DAY, len(c))
    sessions(c, diurnal(r, start, start - DAY, p["created"][c] - 10 * MIN), kind(c))
    c = np.flatnonzero(p["web_signup"])
    sessions(c, p["created"][c] - r.integers(1 * MIN, 8 * MIN, len(c)), np.zeros(len(c), np.int64))
    # Clicks in messages open a session on the landing page.
    for cc, cts, page in sim.clicks:
        sessions(cc, cts + r.integers(2 * SEC, 20 * SEC, len(cc)), np.full(len(cc), 2), landing=page)
    # Visitors never identified.
    v = round(0.3 * n)
    sim.n_visitors = v
    k = 1 + r.poisson(0.6, v)
    dv = np.repeat(np.arange(v), k)
    start = diurnal(r, recent(r, np.full(len(dv), now - 400 * DAY), np.full(len(dv), now), 240), now - 401 * DAY, now)
    sessions(
        2 * n + dv,
        start,
        np.where(r.random(len(dv)) < 0.3, 1, 0),
        interest=draw(r, cdf_of([i[1] for i in INTERESTS]), len(dv)),
    )

    dev = np.concatenate(sess["dev"])
    start = np.concatenate(sess["start"])
    skind = np.concatenate(sess["kind"])
    sint = np.concatenate(sess["interest"])
    landing = np.concatenate(sess["landing"])
    ns = len(dev)

    # Page views.
    npv = np.minimum(r.geometric(np.array([0.3, 0.4, 0.4])[skind]), 15)
    sid = np.repeat(np.arange(ns), npv)
    pos = within(npv)
    m = len(sid)
    first = pos == 0
    k_ = skind[sid]
    table = np.array(
        [  # HOME, CART, LIST, PROD, BLOG
            [[0.07, 0.12, 0.14, 0.67, 0.0], [0.35, 0.0, 0.20, 0.45, 0.0]],  # product session
            [[0.08, 0.0, 0.04, 0.13, 0.75], [0.08, 0.0, 0.0, 0.0, 0.92]],  # blog session
            [[0.07, 0.12, 0.14, 0.67, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0]],  # click session
        ]
    ).cumsum(axis=2)
    cdf = table[k_, first.astype(np.int64)]
    pk = np.minimum((r.random(m)[:, None] >= cdf).sum(axis=1), 4)
    owner = np.where(dev < n, dev, np.where(dev < 2 * n, dev - n, -1))[sid]
    pcat = np.where(r.random(m) < 0.8, INT_PCAT[sint[sid]], r.integers(0, len(PRODUCT_CATEGORIES), m))
    use_cset = (owner >= 0) & (r.random(m) < 0.55)
    prod = np.where(use_cset, p["cset"][np.maximum(owner, 0), r.integers(0, 4, m)], pick_product(r, pcat))
    bcat = np.where(r.random(m) < 0.85, INT_BCAT[sint[sid]], r.integers(0, len(BLOG_CATEGORIES), m))
    article = BLOG_START[bcat] + (r.random(m) * BLOG_COUNT[bcat]).astype(np.int64)
    page_of_kind = np.stack([np.zeros(m, np.int64), np.ones(m, np.int64), PAGE_LIST0 + pcat,
                             PAGE_PROD0 + prod, PAGE_BLOG0 + article], axis=1)  # fmt: skip
    page = page_of_kind[np.arange(m), pk]
    lnd = landing[sid]
    page = np.where(first & (lnd >= 0), lnd, page)
    pk = PAGE_KIND[page]

    med = np.array([12.0, 30.0, 25.0, 45.0, 140.0])[pk]
    dur = np.clip(np.round(r.lognormal(np.log(med), 0.8)), 1, 3600)
    gap = dur.astype(np.int64) * SEC + r.integers(1 * SEC, 5 * SEC, m)
    offs = np.cumsum(gap) - gap
    offs -= np.repeat(offs[first], npv)
    ts = start[sid] + offs
    last_in_session = np.r_[pos[1:] == 0, True]
    duration = np.where(last_in_session & (r.random(m) < 0.35), np.nan, dur)
    ext = draw(r, cdf_of([w for _, w in EXT_REF]), m)
    ext = np.where(skind[sid] == 2, 0, ext)  # mail apps send no referrer
    prev = np.r_[0, page[:-1]]
    ref = np.where(first, ext, NEXT + prev)

    d = dev[sid]
    link = np.where(
        d < n,
        p["created"][d % n],
        np.where(d < 2 * n, np.where(p["dev2"][(d - n) % n], p["link2"][(d - n) % n], NEVER), NEVER),
    )
    contact = np.where(ts >= link, owner, -1)
    ok = ts <= now
    sim.ev.add(
        E_PV,
        ts[ok],
        ctx.v_pv_props,
        (ref * NPAGES + page)[ok],
        contact=contact[ok],
        anon=d[ok],
        url=page[ok],
        category=PAGE_CAT[page][ok],
        product=PAGE_PRODUCT[page][ok],
        duration=duration[ok],
    )

    # Identities: each device's first identified page view links it.
    idf = ok & (contact >= 0)
    first_seen = np.full(2 * n, NEVER)
    np.minimum.at(first_seen, d[idf], ts[idf])
    linked = np.flatnonzero(first_seen < NEVER)
    sim.identities = (linked, linked % n, first_seen[linked])
    anon_vis = fixed("anon_", hex(ctx.uid(2, sim.b, np.arange(v))))
    sim.anon_ids = pa.concat_arrays([sim.anon_ids_contacts, anon_vis])

    # Carts: product pages of identified sessions.
    p_add = np.where(skind[sid] == 2, 0.2, 0.13)
    add = ok & (contact >= 0) & (pk == PROD) & (r.random(m) < p_add)
    ai = np.flatnonzero(add)
    a_ts = ts[ai] + (r.uniform(0.2, 1.0, len(ai)) * dur[ai] * SEC).astype(np.int64)
    a_sid, a_c, a_prod = sid[ai], contact[ai], PAGE_PRODUCT[page[ai]]
    x = (a_prod == PROD_A) & (r.random(len(ai)) < 0.35)  # socks with the shoes
    a_ts = np.concatenate([a_ts, a_ts[x] + r.integers(20 * SEC, 120 * SEC, int(x.sum()))])
    a_sid = np.concatenate([a_sid, a_sid[x]])
    a_c = np.concatenate([a_c, a_c[x]])
    a_prod = np.concatenate([a_prod, np.full(int(x.sum()), PROD_B)])
    ok = a_ts <= now
    a_ts, a_sid, a_c, a_prod = a_ts[ok], a_sid[ok], a_c[ok], a_prod[ok]
    o = np.lexsort((a_ts, a_sid))
    a_ts, a_sid, a_c, a_prod = a_ts[o], a_sid[o], a_c[o], a_prod[o]
    u = r.random(len(a_ts))
    qty = 1.0 + (u > 0.85) + (u > 0.96) + (P_PRICE[a_prod] < 70) * (r.random(len(a_ts)) < 0.3)
    amount = np.round(P_PRICE[a_prod] * qty, 2)
    carts, cart_of = np.unique(a_sid, return_inverse=True)
    cart_ids = fixed("cart_", hex(ctx.uid(3, sim.b, carts)))
    cart_col = cart_ids.take(pa.array(cart_of))
    sim.ev.add(
        E_ADD,
        a_ts,
        join_columns('{"cart_id": "', cart_col, '"}'),
        contact=a_c,
        category=CAT_OF_PRODUCT[a_prod],
        product=a_prod,
        amount=amount,
        quantity=qty,
    )
    nc = len(carts)
    last_add = np.full(nc, np.iinfo(np.int64).min)
    np.maximum.at(last_add, cart_of, a_ts)
    u = r.random(nc)
    delay = np.where(
        u < 0.75,
        r.integers(2 * MIN, 45 * MIN, nc),
        np.where(u < 0.95, r.integers(1 * HOUR, 20 * HOUR, nc), r.integers(1 * DAY, 4 * DAY, nc)),
    )
    bought = (r.random(nc) < 0.68) & (last_add + delay <= now)
    order_no = np.cumsum(bought) - 1
    sim.n_orders = int(bought.sum())
    rows = bought[cart_of]
    ccart = cart_of[rows]
    order_ids = fixed("ord_", digits(sim._order_base + order_no[ccart], sim._order_width))
    props = join_columns(
        '{"cart_id": "', cart_col.filter(pa.array(rows)), '", "order_id": "', order_ids, '", "store": "online"}'
    )
    sim.purchases = [(a_c[rows], (last_add + delay)[ccart], a_prod[rows], amount[rows], qty[rows], props)]
