"""The measured segments in pandas: a second independent implementation, and a reference point
for what an analyst's dataframe code costs.

``load`` reads the columns the segments use from the store once (timed apart from the
segments): the events as of T with ``properties->>'cart_id'`` extracted while reading
(parsing 20 million JSON texts in Python would be all the cost), stitched to their contact
in pandas (the latest identity link of an anonymous id wins), with the low-cardinality
columns as categoricals. Each segment then works on those frames alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from bench.segments.handwritten import birthday_keys, months_before

_DAY, _HOUR = timedelta(days=1), timedelta(hours=1)


@dataclass
class Frames:
    contacts: pd.DataFrame  # contact_id, created_at, birth_date, city, email_consent
    events: pd.DataFrame  # cid, name, ts, url, category, product_id, campaign_id, amount, cart_id
    universe: pd.Index  # contact ids created at or before T
    t: pd.Timestamp


def _frame(result: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    table = result.arrow()
    return (table.read_all() if hasattr(table, "read_all") else table).to_pandas()


def load(path: str, t: datetime) -> Frames:
    """Read a DuckDB store's contacts, events (ts <= T) and identities into pandas."""
    con = duckdb.connect(path, read_only=True)
    try:
        con.execute("SET enable_progress_bar = false")
        contacts = _frame(con.execute("SELECT contact_id, created_at, birth_date, city, email_consent FROM contacts"))
        links = _frame(con.execute("SELECT anonymous_id, contact_id, linked_at FROM identities"))
        events = _frame(
            con.execute(
                """SELECT contact_id, anonymous_id, name, ts, url, category, product_id, campaign_id, amount,
                          CASE WHEN name IN ('add_to_cart', 'purchase') THEN properties->>'cart_id' END AS cart_id
                   FROM events WHERE ts <= $t""",
                {"t": t},
            )
        )
    finally:
        con.close()
    links = links.sort_values(["anonymous_id", "linked_at", "contact_id"]).drop_duplicates("anonymous_id", keep="last")
    link_of = pd.Series(links["contact_id"].to_numpy(), index=links["anonymous_id"].to_numpy())
    cid = events["contact_id"].where(events["contact_id"].notna(), events["anonymous_id"].map(link_of))
    events = events.drop(columns=["contact_id", "anonymous_id"])
    events.insert(0, "cid", cid)
    events = events[events["cid"].notna()].reset_index(drop=True)
    for column in ("cid", "name", "url", "category", "product_id", "campaign_id", "cart_id"):
        events[column] = events[column].astype("category")
    tz_t = pd.Timestamp(t)
    universe = pd.Index(contacts.loc[contacts["created_at"] <= tz_t, "contact_id"])
    return Frames(contacts, events, universe, tz_t)


def _in_window(f: Frames, names: tuple[str, ...] | None, lo: datetime | None) -> pd.DataFrame:
    ev = f.events
    mask = ev["ts"] <= f.t
    if names is not None:
        mask &= ev["name"].isin(names)
    if lo is not None:
        mask &= ev["ts"] > pd.Timestamp(lo)
    return ev[mask]


def _members(f: Frames, ids) -> list[str]:
    """The ids that are in the universe, sorted."""
    ids = pd.Index(pd.unique(np.asarray(ids, dtype=object)))
    return sorted(f.universe.intersection(ids).tolist())


def _ids(series: pd.Series) -> np.ndarray:
    return series.astype(object).to_numpy()


def _no_later(f: Frames, first: str, negated: str, key: str, window: timedelta, within: timedelta) -> list[str]:
    """[first, not negated] matched on ``key``: the latest ``first`` per (contact, key) in the
    window, at least ``within`` old, with no ``negated`` of the same key at or after it."""
    lo = f.t - window
    starts = _in_window(f, (first,), lo)
    starts = starts[starts[key].notna()]
    latest = starts.groupby(["cid", key], observed=True)["ts"].max().reset_index()
    latest = latest[latest["ts"] <= f.t - within]
    later = _in_window(f, (negated,), lo)[["cid", key, "ts"]]
    later = later[later[key].notna()]
    pairs = latest.merge(later, on=["cid", key], how="left", suffixes=("", "_neg"))
    blocked = pairs[pairs["ts_neg"] >= pairs["ts"]][["cid", key]].drop_duplicates()
    kept = latest.merge(blocked.assign(blocked=True), on=["cid", key], how="left")
    return _members(f, _ids(kept.loc[kept["blocked"].isna(), "cid"]))


def abandoned_cart(f: Frames) -> list[str]:
    return _no_later(f, "add_to_cart", "purchase", "cart_id", 7 * _DAY, 2 * _HOUR)


def push_ignored(f: Frames) -> list[str]:
    return _no_later(f, "push_sent", "push_open", "campaign_id", 7 * _DAY, 24 * _HOUR)


def birthday(f: Frames) -> list[str]:
    c = f.contacts
    bd = pd.to_datetime(c["birth_date"])
    keys = bd.dt.month * 100 + bd.dt.day
    return _members(f, c.loc[keys.isin(birthday_keys(f.t.to_pydatetime(), 7)), "contact_id"])


def cross_sell(f: Frames) -> list[str]:
    buys = _in_window(f, ("purchase",), None)
    a = set(_ids(buys.loc[buys["product_id"] == "p_shoe_run_01", "cid"]))
    b = set(_ids(buys.loc[buys["product_id"] == "p_socks_run_01", "cid"]))
    return _members(f, list(a - b))


def interested(f: Frames) -> list[str]:
    views = _in_window(f, ("page_view",), f.t - 7 * _DAY)
    views = views[views["product_id"].notna() & (views["product_id"] != "")]
    n = views.groupby(["cid", "product_id"], observed=True).size()
    return _members(f, _ids(n[n >= 2].reset_index()["cid"]))


def lapsed(f: Frames) -> list[str]:
    active = set(_ids(_in_window(f, None, f.t - 30 * _DAY)["cid"]))
    return sorted(set(f.universe) - active)


def mobile_active(f: Frames) -> list[str]:
    return _members(f, _ids(_in_window(f, ("app_open",), f.t - 7 * _DAY)["cid"]))


def multichannel(f: Frames) -> list[str]:
    lo = f.t - 30 * _DAY
    clicks = _in_window(f, ("email_click",), lo)[["cid", "ts"]].sort_values("ts")
    views = _in_window(f, ("page_view",), lo)[["cid", "ts"]].sort_values("ts")
    clicks = clicks.assign(cid=clicks["cid"].astype(object))
    views = views.assign(cid=views["cid"].astype(object), view_ts=views["ts"])
    # for every click, the first view of that contact at or after it
    first = pd.merge_asof(clicks, views, on="ts", by="cid", direction="forward")
    hit = first["view_ts"].notna() & (first["view_ts"] - first["ts"] <= pd.Timedelta(hours=24))
    return _members(f, first.loc[hit, "cid"].to_numpy())


def new_subscribers(f: Frames) -> list[str]:
    c = f.contacts
    return _members(f, c.loc[c["created_at"] > f.t - 7 * _DAY, "contact_id"])


def no_email_opens(f: Frames) -> list[str]:
    mail = _in_window(f, ("email_sent", "email_open"), f.t - 30 * _DAY)
    sent = set(_ids(mail.loc[mail["name"] == "email_sent", "cid"]))
    opened = set(_ids(mail.loc[mail["name"] == "email_open", "cid"]))
    return _members(f, list(sent - opened))


def target_city(f: Frames) -> list[str]:
    c = f.contacts
    return _members(f, c.loc[c["city"] == "Gdańsk", "contact_id"])


def topic_readers(f: Frames) -> list[str]:
    views = _in_window(f, ("page_view",), f.t - 7 * _DAY)
    url = views["url"].astype(object)
    ok = url.notna() & url.fillna("").str.lower().str.startswith("/blog/") & (views["category"] == "running")
    n = views[ok.to_numpy()].groupby("cid", observed=True).size()
    return _members(f, n[n >= 3].index.astype(object))


def vip(f: Frames) -> list[str]:
    buys = _in_window(f, ("purchase",), months_before(f.t.to_pydatetime(), 3))
    spent = buys.groupby("cid", observed=True)["amount"].sum(min_count=0)
    return _members(f, spent[spent > 1000].index.astype(object))


def two_attributes(f: Frames) -> list[str]:
    c = f.contacts
    chosen = c["city"].isin(["Szczecin", "Lublin"]) & c["email_consent"].fillna(False).astype(bool)
    buys = _in_window(f, ("purchase",), f.t - 30 * _DAY).groupby("cid", observed=True).size()
    viewed = set(_ids(_in_window(f, ("page_view",), f.t - 7 * _DAY)["cid"]))
    repeat = set(buys[buys >= 2].index.astype(object))
    return _members(f, list((set(c.loc[chosen, "contact_id"]) & repeat) - viewed))


SEGMENTS: dict[str, Callable[[Frames], list[str]]] = {
    "abandoned_cart": abandoned_cart,
    "birthday": birthday,
    "cross_sell": cross_sell,
    "interested": interested,
    "lapsed": lapsed,
    "mobile_active": mobile_active,
    "multichannel": multichannel,
    "new_subscribers": new_subscribers,
    "no_email_opens": no_email_opens,
    "push_ignored": push_ignored,
    "target_city": target_city,
    "topic_readers": topic_readers,
    "vip": vip,
    "two_attributes": two_attributes,
}

__all__ = ["SEGMENTS", "Frames", "load"]
