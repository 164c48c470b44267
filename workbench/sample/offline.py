"""Activity beyond the website: purchases in stores (POS), app opens and the loyalty
programme."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from workbench.sample.arrays import (
    DAY,
    SEC,
    digits,
    diurnal,
    fixed,
    join_columns,
    pick_product,
    ranks,
    recent,
)
from workbench.sample.vocabulary import (
    CAT_OF_PRODUCT,
    E_APP_OPEN,
    E_LOYALTY,
    E_PURCHASE,
    INT_PCAT,
    P_PRICE,
    PRODUCT_CATEGORIES,
    STORE_HOUR_W,
    TIER_THRESHOLDS,
    cdf_of,
)

if TYPE_CHECKING:
    from workbench.sample.simulation import Batch


def stores(sim: Batch) -> None:
    r, p, now, n = sim.rng(4), sim.p, sim.ctx.as_of, sim.n
    a = np.maximum(p["created"], now - 540 * DAY)
    years = np.maximum(p["end"] - a, 0) / (365 * DAY)
    k = np.where(p["pos_shopper"], r.poisson(1.6 * np.minimum(p["e"], 3) * years), 0)
    c = np.repeat(np.arange(n), k)
    day = recent(r, a[c], p["end"][c], 300)
    ts = diurnal(r, day, a[c], p["end"][c], cdf_of(STORE_HOUR_W))
    lines = 1 + (r.random(len(c)) > 0.6) + (r.random(len(c)) > 0.88)
    order = np.repeat(np.arange(len(c)), lines)
    lc, lts = c[order], ts[order]
    cat = np.where(
        r.random(len(order)) < 0.6, INT_PCAT[p["interest"][lc]], r.integers(0, len(PRODUCT_CATEGORIES), len(order))
    )
    prod = pick_product(r, cat)
    qty = 1.0 + (r.random(len(order)) > 0.9)
    amount = np.round(P_PRICE[prod] * qty, 2)
    if sim.n_orders + len(c) >= 10_000_000:
        raise ValueError("too many orders in one batch; lower batch_contacts")
    order_ids = fixed("ord_", digits(sim._order_base + sim.n_orders + order, sim._order_width))
    props = join_columns('{"order_id": "', order_ids, '", "store": "pos"}')
    sim.purchases.append((lc, lts, prod, amount, qty, props))
    for pc_, pts, pprod, pamount, pqty, pprops in sim.purchases:
        sim.ev.add(
            E_PURCHASE,
            pts,
            pprops,
            contact=pc_,
            category=CAT_OF_PRODUCT[pprod],
            product=pprod,
            amount=pamount,
            quantity=pqty,
        )


def app(sim: Batch) -> None:
    r, ctx, p, now, n = sim.rng(5), sim.ctx, sim.p, sim.ctx.as_of, sim.n
    e = p["e"]
    days = np.maximum(p["end"] - p["install"], 0) / DAY
    k = np.where(p["app"], r.poisson(np.minimum(0.035 * e * days, 400)), 0)
    c = np.repeat(np.arange(n), k)
    ts = diurnal(r, recent(r, p["install"][c], p["end"][c], 200), p["install"][c], p["end"][c])
    k2 = np.where(p["app"] & ~p["churned"], r.poisson(1.5 * e), 0)
    c2 = np.repeat(np.arange(n), k2)
    ts2 = np.maximum(now - (7 * DAY * r.random(len(c2))).astype(np.int64), p["install"][c2])
    ts2 = diurnal(r, ts2, np.maximum(now - 7 * DAY, p["install"][c2]), now)
    pc3, ts3 = sim.push_app_opens
    c = np.concatenate([c, c2, pc3])
    ts = np.concatenate([ts, ts2, ts3])
    lag = (r.exponential(6.0, n) * DAY).astype(np.int64)
    version = np.maximum(np.searchsorted(ctx.releases, ts - lag[c], side="right") - 1, 0)
    props = version * 2 + np.where(p["ios"][c], 0, 1)
    sim.ev.add(E_APP_OPEN, ts, ctx.v_app_props, props, contact=c)


def loyalty(sim: Batch) -> None:
    p, n = sim.p, sim.n
    c = np.concatenate([x[0] for x in sim.purchases])
    ts = np.concatenate([x[1] for x in sim.purchases])
    amount = np.concatenate([x[3] for x in sim.purchases])
    o = np.lexsort((ts, c))
    c, ts, amount = c[o], ts[o], amount[o]
    spend = np.bincount(c, weights=amount, minlength=n)
    buyer = np.bincount(c, minlength=n) > 0
    member = buyer & (p["loyal_draw"] < 0.45)
    cum = np.cumsum(amount)
    starts = np.searchsorted(c, np.arange(n))
    before = np.r_[0.0, cum][starts][c]
    cum -= before
    prev = cum - amount
    rank = ranks(c)
    m = member[c]
    ev_c, ev_ts, ev_step = (
        [c[m & (rank == 0)]],
        [ts[m & (rank == 0)] + SEC],
        [np.zeros(int((m & (rank == 0)).sum()))],
    )
    for step, thr in enumerate(TIER_THRESHOLDS, start=1):
        cross = m & (prev < thr) & (cum >= thr)
        ev_c.append(c[cross])
        ev_ts.append(ts[cross] + (step + 1) * SEC)
        ev_step.append(np.full(int(cross.sum()), step))
    lc, lts, lstep = (np.concatenate(x) for x in (ev_c, ev_ts, ev_step))
    lts = np.minimum(lts, sim.ctx.as_of)
    sim.ev.add(E_LOYALTY, lts, sim.ctx.v_loyalty_props, lstep, contact=lc)
    tier = np.zeros(n, dtype=np.int64)
    np.maximum.at(tier, lc, lstep.astype(np.int64) + 1)
    last_change = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_change, lc, lts)
    sim.member, sim.tier, sim.spend, sim.buyer, sim.last_change = member, tier, spend, buyer, last_change
