"""The sample-data generator: determinism, the column contract, consistency, and that each
example audience of the docs is non-empty and not everyone on the 5,000-contact sample.

The audiences are computed here with plain pandas, independently of the compiler, following
docs/semantics.md (an anonymous event counts for the contact its anonymous_id is linked to).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from workbench.sample import CROSS_SELL_PAIR, SAMPLE_AS_OF, campaigns, generate, write_parquet
from workbench.store.schema import CANONICAL

T = pd.Timestamp(SAMPLE_AS_OF)
N = 5000


def _tables(contacts: int, **kw) -> dict[str, pa.Table]:
    parts: dict[str, list[pa.Table]] = {}
    for name, table in generate(contacts, **kw):
        parts.setdefault(name, []).append(table)
    return {name: pa.concat_tables(tables) for name, tables in parts.items()}


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return _tables(N)


@pytest.fixture(scope="module")
def contacts(tables) -> pd.DataFrame:
    return tables["contacts"].to_pandas()


@pytest.fixture(scope="module")
def identities(tables) -> pd.DataFrame:
    return tables["identities"].to_pandas()


@pytest.fixture(scope="module")
def events(tables, identities) -> pd.DataFrame:
    """Events with ``who``: the contact_id, or the contact the anonymous_id is linked to."""
    ev = tables["events"].to_pandas()
    latest = identities.sort_values(["linked_at", "contact_id"]).drop_duplicates("anonymous_id", keep="last")
    linked = ev["anonymous_id"].map(latest.set_index("anonymous_id")["contact_id"])
    ev["who"] = ev["contact_id"].fillna(linked)
    ev["props"] = ev["properties"].map(lambda p: json.loads(p) if isinstance(p, str) else {})
    return ev


def _members(contacts: pd.DataFrame, ids) -> set[str]:
    return set(ids) & set(contacts["contact_id"])


def _check_audience(contacts: pd.DataFrame, ids) -> set[str]:
    found = _members(contacts, ids)
    assert 0 < len(found) < len(contacts), f"{len(found)} of {len(contacts)}"
    return found


# ---------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------


def test_deterministic_across_runs_and_batches():
    a = _tables(1200, batch_contacts=500)
    b = _tables(1200, batch_contacts=500)
    for name in ("contacts", "events", "identities"):
        assert a[name].equals(b[name]), name
    other = _tables(1200, batch_contacts=500, seed=8)
    assert not a["events"].equals(other["events"])
    # ids stay unique when several batches are generated
    assert pa.compute.count_distinct(a["events"]["event_id"]).as_py() == a["events"].num_rows
    assert pa.compute.count_distinct(a["contacts"]["contact_id"]).as_py() == 1200
    assert a["contacts"]["contact_id"][0].as_py() == "c_0000001"


def test_generate_yields_contacts_of_a_batch_before_its_events():
    names = [name for name, _ in generate(250, batch_contacts=100)]
    assert names == ["contacts", "events", "identities"] * 3


def test_write_parquet_is_byte_identical_and_reports_progress(tmp_path, tables):
    seen: list[int] = []
    files = write_parquet(tmp_path / "a", 300, progress=seen.append)
    again = write_parquet(tmp_path / "b", 300)
    assert seen == [300]
    assert sorted(files) == ["contacts", "events", "identities"]
    for name, paths in files.items():
        assert [p.name for p in paths] == ["part-00000.parquet"]
        assert paths[0].read_bytes() == again[name][0].read_bytes()
        assert pq.read_table(paths[0]).equals(_tables(300)[name])


@pytest.mark.parametrize("name", ["contacts", "events", "identities"])
def test_schema_matches_the_store_schema(tables, name):
    assert tables[name].schema.equals(CANONICAL[name].to_pyarrow(), check_metadata=False)
    assert set(tables[name].column_names) == set(CANONICAL[name].names)


def test_campaign_ids():
    ids = {c.campaign_id for c in campaigns()}
    assert {"cmp_2026_11_black_friday", "cmp_2026_11_cyber_monday", "cmp_2026_11_newsletter"} <= ids
    assert all(c.sent_at < SAMPLE_AS_OF for c in campaigns())


# ---------------------------------------------------------------------------------------
# Contacts
# ---------------------------------------------------------------------------------------


def test_contacts_attributes(contacts):
    c = contacts
    assert c["contact_id"].is_unique
    assert (c["created_at"] <= T).all() and (c["updated_at"] >= c["created_at"]).all()
    assert (c["updated_at"] <= T).all()
    assert c["created_at"].min() >= T - timedelta(days=735)
    for col in (
        "email",
        "phone",
        "push_token",
        "first_name",
        "last_name",
        "gender",
        "birth_date",
        "city",
        "country",
        "language",
        "status",
        "tags",
    ):
        share = c[col].isna().mean()
        assert 0 < share < 0.8, col
    assert set(c["gender"].dropna()) == {"female", "male", "other"}
    assert set(c["status"].dropna()) == {"lead", "customer", "vip"}
    assert c["country"].value_counts(normalize=True)["PL"] > 0.85
    assert {"DE", "CZ", "UA"} <= set(c["country"].dropna())
    assert c["email"].dropna().is_unique
    assert c["phone"].dropna().str.fullmatch(r"\+\d{11,13}").all()
    assert (c.loc[c["country"] == "PL", "phone"].dropna().str.startswith("+48")).all()
    assert list(c["city"].value_counts().index[:2]) == ["Warszawa", "Kraków"]
    tags = set(t for ts in c["tags"].dropna() for t in ts)
    assert {"newsletter", "b2b", "loyalty"} <= tags
    feb29 = c["birth_date"].dropna().map(lambda d: (d.month, d.day) == (2, 29))
    assert feb29.sum() >= 3
    # push tokens only for app users, consents only with an address
    assert not (c["push_consent"] & c["push_token"].isna()).any()
    assert not (c["sms_consent"] & c["phone"].isna()).any()
    assert not (c["email_consent"] & c["email"].isna()).any()


def test_gender_agrees_with_polish_names(contacts):
    pl = contacts[(contacts["country"] == "PL") & contacts["first_name"].notna()]
    female, male = pl[pl["gender"] == "female"], pl[pl["gender"] == "male"]
    assert female["first_name"].str.endswith("a").mean() > 0.99
    assert male["first_name"].str.endswith("a").mean() < 0.01  # Mykola: Ukrainians living in Poland
    assert not female["last_name"].dropna().str.endswith(("ski", "cki", "dzki")).any()
    assert not male["last_name"].dropna().str.endswith(("ska", "cka", "dzka")).any()


# ---------------------------------------------------------------------------------------
# Events and identities
# ---------------------------------------------------------------------------------------


def test_event_ids_unique_and_times(events):
    assert events["event_id"].is_unique
    assert (events["ts"] <= T).all()
    assert (events["received_at"] >= events["ts"]).all() and (events["received_at"] <= T).all()
    assert (events["ts"] > T - timedelta(days=365)).mean() > 0.8
    assert 15 < len(events) / N < 35


def test_event_catalogue(events):
    expected = {
        "web": {"page_view"},
        "messaging": {
            "email_sent",
            "email_open",
            "email_click",
            "sms_sent",
            "sms_click",
            "push_sent",
            "push_open",
            "bounce",
            "unsubscribe",
        },
        "custom": {"purchase", "add_to_cart", "app_open", "loyalty_status_change"},
    }
    assert {s: set(g) for s, g in events.groupby("source")["name"].unique().items()} == expected
    for p in events["properties"].dropna().sample(2000, random_state=1):
        assert json.dumps(json.loads(p), sort_keys=True) == p
    money = events[events["name"].isin(["purchase", "add_to_cart"])]
    assert (money["currency"] == "PLN").all() and (money["amount"] > 0).all() and (money["quantity"] >= 1).all()
    assert events.loc[~events["name"].isin(["purchase", "add_to_cart"]), "currency"].isna().all()
    pv = events[events["name"] == "page_view"]
    assert pv["url"].notna().all() and pv["duration_s"].isna().any() and (pv["duration_s"].dropna() > 0).all()
    product_pages = pv[pv["url"].str.startswith("/p/")]
    assert (product_pages["url"] == "/p/" + product_pages["product_id"]).all()
    assert {"title", "referrer"} == set(pv["props"].iloc[0])
    purchases = events[events["name"] == "purchase"]
    assert set(purchases["props"].map(lambda p: p["store"])) == {"online", "pos"}
    apps = events[events["name"] == "app_open"]
    assert set(apps["props"].map(lambda p: p["platform"])) == {"ios", "android"}


def test_identities_are_consistent(events, identities, contacts):
    assert identities["anonymous_id"].is_unique
    assert set(identities["contact_id"]) <= set(contacts["contact_id"])
    created = contacts.set_index("contact_id")["created_at"]
    assert (identities["linked_at"] >= identities["contact_id"].map(created)).all()
    assert (identities["linked_at"] <= T).all()
    link = identities.set_index("anonymous_id")
    both = events[events["contact_id"].notna() & events["anonymous_id"].notna()]
    assert (both["anonymous_id"].map(link["contact_id"]) == both["contact_id"]).all()
    assert (both["ts"] >= both["anonymous_id"].map(link["linked_at"])).all()
    # linked_at is the device's first identified event
    first = both.groupby("anonymous_id")["ts"].min()
    assert first.reindex(link.index).equals(link["linked_at"].rename("ts"))
    anon = events[events["contact_id"].isna()]
    assert anon["anonymous_id"].notna().all() and (anon["source"] == "web").all()
    stitched = anon[anon["anonymous_id"].isin(link.index)]
    assert len(stitched) > 0  # anonymous history that identities attach to a contact
    assert (stitched["ts"] < stitched["anonymous_id"].map(link["linked_at"])).all()
    assert (~anon["anonymous_id"].isin(link.index)).sum() > 0  # never identified visitors


def test_messages_respect_addresses_and_consent(events, contacts):
    c = contacts.set_index("contact_id")
    sent = events[events["source"] == "messaging"]
    unsubscribed = set(events.loc[events["name"] == "unsubscribe", "contact_id"])
    for prefix, address, consent in (
        ("email", "email", "email_consent"),
        ("sms", "phone", "sms_consent"),
        ("push", "push_token", "push_consent"),
    ):
        who = sent.loc[sent["channel"] == prefix, "contact_id"].unique()
        assert c.loc[who, address].notna().all(), prefix
        if prefix == "email":
            assert all(c.loc[w, consent] or w in unsubscribed for w in who)
        else:
            assert c.loc[who, consent].all(), prefix
    assert not c.loc[list(unsubscribed), "email_consent"].any()
    assert (sent["campaign_id"].str.match(r"cmp_\d{4}_\d{2}_")).all()


def test_purchases_follow_their_carts(events):
    adds = events[events["name"] == "add_to_cart"].assign(cart=lambda d: d["props"].map(lambda p: p["cart_id"]))
    buys = events[events["name"] == "purchase"].assign(cart=lambda d: d["props"].map(lambda p: p.get("cart_id")))
    online = buys[buys["cart"].notna()]
    first_add = adds.groupby("cart")["ts"].max()
    assert online["cart"].isin(first_add.index).all()
    assert (online["ts"] >= online["cart"].map(first_add)).all()
    lines = set(zip(adds["cart"], adds["product_id"], strict=True))
    assert set(zip(online["cart"], online["product_id"], strict=True)) <= lines


# ---------------------------------------------------------------------------------------
# The example audiences
# ---------------------------------------------------------------------------------------


def _last(events: pd.DataFrame, delta: timedelta) -> pd.DataFrame:
    return events[(events["ts"] > T - delta) & (events["ts"] <= T)]


def test_audience_three_blog_articles_of_one_category_in_7_days(events, contacts):
    blog = _last(events, timedelta(days=7))
    blog = blog[(blog["name"] == "page_view") & blog["url"].str.startswith("/blog/", na=False)]
    per = blog.groupby(["who", "category"]).size()
    _check_audience(contacts, per[per >= 3].index.get_level_values("who"))


def test_audience_app_open_in_7_days(events, contacts):
    e = _last(events, timedelta(days=7))
    _check_audience(contacts, e.loc[e["name"] == "app_open", "who"])


def test_audience_created_in_7_days(contacts):
    found = _check_audience(contacts, contacts.loc[contacts["created_at"] > T - timedelta(days=7), "contact_id"])
    assert len(found) < 0.05 * N


def test_audience_spent_over_1000_pln_in_3_months(events, contacts):
    three_months = datetime(2026, 8, 30, 12, tzinfo=UTC)  # T - 3mo (calendar)
    e = events[(events["name"] == "purchase") & (events["ts"] > three_months)]
    spend = e.groupby("who")["amount"].sum()
    _check_audience(contacts, spend[spend > 1000].index)


def test_audience_no_events_in_30_days(events, contacts):
    active = set(_last(events, timedelta(days=30))["who"].dropna())
    _check_audience(contacts, set(contacts["contact_id"]) - active)


def test_audience_no_email_open_in_30_days(events, contacts):
    e = _last(events, timedelta(days=30))
    _check_audience(contacts, set(contacts["contact_id"]) - set(e.loc[e["name"] == "email_open", "who"]))


def test_audience_same_product_page_twice_in_a_week(events, contacts):
    e = _last(events, timedelta(days=7))
    e = e[(e["name"] == "page_view") & e["product_id"].notna()]
    per = e.groupby(["who", "product_id"]).size()
    _check_audience(contacts, per[per >= 2].index.get_level_values("who"))


def test_audience_birthday_in_next_7_days(contacts):
    today = T.date()
    days = {((today + timedelta(days=k)).month, (today + timedelta(days=k)).day) for k in range(8)}
    bd = contacts.dropna(subset=["birth_date"])
    hit = bd["birth_date"].map(lambda d: (d.month, d.day) in days)
    _check_audience(contacts, bd.loc[hit, "contact_id"])


def test_audience_city(contacts):
    found = _check_audience(contacts, contacts.loc[contacts["city"] == "Gdańsk", "contact_id"])
    assert 0.02 * N < len(found) < 0.08 * N


def test_audience_bought_a_but_never_b(events, contacts):
    a, b = CROSS_SELL_PAIR
    buys = events[events["name"] == "purchase"]
    bought_a = set(buys.loc[buys["product_id"] == a, "who"])
    bought_b = set(buys.loc[buys["product_id"] == b, "who"])
    _check_audience(contacts, bought_a - bought_b)
    assert bought_a & bought_b  # the cross-sell happens too


def test_audience_email_click_then_page_view_within_24h(events, contacts):
    clicks = events.loc[events["name"] == "email_click", ["who", "ts"]].sort_values("ts")
    views = events.loc[(events["name"] == "page_view") & events["who"].notna(), ["who", "ts"]].sort_values("ts")
    nxt = pd.merge_asof(
        clicks, views.rename(columns={"ts": "view_ts"}), left_on="ts", right_on="view_ts", by="who", direction="forward"
    )
    hit = nxt[(nxt["view_ts"] - nxt["ts"]) <= timedelta(hours=24)]
    _check_audience(contacts, hit["who"])


def _abandoned(events: pd.DataFrame, first: str, then: str, within: timedelta, key=None) -> set[str]:
    """Sequence [first, not then] as in docs/semantics.md (optionally with match_on ``key``)."""
    a = events[events["name"] == first].copy()
    b = events[events["name"] == then].copy()
    for d in (a, b):
        if key is None:
            d["key"] = 0
        elif key in d.columns:  # an events column, else a key of properties
            d["key"] = d[key]
        else:
            d["key"] = d["props"].map(lambda p: p.get(key))
    a = a[a["key"].notna()]
    latest = a.sort_values("ts").groupby(["who", "key"]).tail(1)
    latest = latest[latest["ts"] <= T - within]
    later = latest.merge(b[["who", "key", "ts"]], on=["who", "key"], how="left", suffixes=("", "_then"))
    later["after"] = later["ts_then"] >= later["ts"]
    done = later.groupby(["who", "key"])["after"].any()
    return set(done[~done].index.get_level_values("who"))


def test_audience_abandoned_cart_2h(events, contacts):
    found = _check_audience(contacts, _abandoned(events, "add_to_cart", "purchase", timedelta(hours=2), "cart_id"))
    # fresh carts: some abandoned 2-10h before T, some added less than 2h ago and not bought
    adds = events[events["name"] == "add_to_cart"]
    bought = set(events.loc[events["name"] == "purchase", "props"].map(lambda p: p.get("cart_id")))
    open_carts = adds[~adds["props"].map(lambda p: p["cart_id"]).isin(bought)]
    age = T - open_carts.groupby(open_carts["props"].map(lambda p: p["cart_id"]))["ts"].max()
    assert ((age >= timedelta(hours=2)) & (age <= timedelta(hours=10))).any()
    assert (age < timedelta(hours=2)).any()
    assert len(found) < 0.5 * N


def test_audience_push_not_opened_in_24h(events, contacts):
    _check_audience(contacts, _abandoned(events, "push_sent", "push_open", timedelta(hours=24)))
    _check_audience(contacts, _abandoned(events, "push_sent", "push_open", timedelta(hours=24), "campaign_id"))
