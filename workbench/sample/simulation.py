"""Deterministic sample data: contacts, events and identities of a Polish online shop.

The shop sells sport (running), kitchen, electronics, clothing, home & garden and beauty
products for PLN, runs a blog (running, cooking, tech, fashion, garden), a mobile app,
brick-and-mortar stores (POS) and a loyalty programme, and sends email, SMS and push
campaigns. ``generate`` yields pyarrow tables whose schemas are exactly those of
``workbench/store/schema.py`` (SEGMENT_SPEC §1); ``write_parquet`` writes them as part files.

Everything is vectorised with numpy and built in batches of contacts. Each batch draws from
its own ``PCG64`` streams seeded from ``(seed, batch index, stream)``, so a batch depends only
on the seed, ``as_of``, its index and ``batch_contacts``: the same arguments give
byte-identical tables. Ids are unique across batches (event ids embed the batch index;
anonymous and cart ids come from a bijective mix of (kind, batch, counter)).

Shape of the data (all instants are ``<= as_of``):

- contacts ``c_0000001`` … created over the two years before ``as_of`` with a steady trickle
  of recent sign-ups; about a fifth of them "churned" (no own activity after some day).
- web ``page_view`` sessions on two devices per contact (``anonymous_id``); page views before
  a device is linked carry no ``contact_id`` (identity stitching), plus never-identified
  visitors. ``identities`` holds one link per identified device (its first identified view).
- ``messaging`` sends for monthly campaigns (``cmp_YYYY_MM_<slug>``) to contacts with the
  address and consent for the channel; opens, clicks (each click starts a web session),
  bounces and unsubscribes (which clear ``email_consent``).
- ``custom`` ``add_to_cart`` during product views, ``purchase`` of most carts within minutes
  or hours (some abandoned, some still open at ``as_of``), POS purchases, ``app_open`` and
  ``loyalty_status_change``; ``status`` and the ``loyalty`` tag follow the purchases.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.sample.arrays import (
    DAY,
    HOUR,
    MIN,
    amounts,
    digits,
    fixed,
    floats,
    lognormal_us,
    mix64,
    take_codes,
    timestamps,
    to_us,
)
from workbench.sample.messaging import messaging
from workbench.sample.offline import app, loyalty, stores
from workbench.sample.people import people
from workbench.sample.vocabulary import (
    CATEGORIES,
    CHANNELS,
    CITY_VOCAB,
    COUNTRIES,
    E_APP_OPEN,
    EMAIL_DOMAINS,
    EVENT_NAMES,
    GENDERS,
    LANGUAGES,
    NAMES,
    P_IDS,
    PAGE_URL,
    PHONE_PREFIX,
    PRODUCT_CATEGORIES,
    SAMPLE_AS_OF,
    SOURCE_OF,
    SOURCES,
    STATUSES,
    TAGS,
    TIERS,
    campaigns,
    page_view_properties,
)
from workbench.sample.web import web
from workbench.store.schema import CONTACTS, EVENTS, IDENTITIES

# The canonical tables' own schemas (SPEC §1), as the store keeps them.
CONTACTS_SCHEMA = CONTACTS.to_pyarrow()
EVENTS_SCHEMA = EVENTS.to_pyarrow()
IDENTITIES_SCHEMA = IDENTITIES.to_pyarrow()
SCHEMAS = {"contacts": CONTACTS_SCHEMA, "events": EVENTS_SCHEMA, "identities": IDENTITIES_SCHEMA}

# --------------------------------------------------------------------------------------
# Per-run context (vocabularies as arrow arrays, campaigns, app versions)
# --------------------------------------------------------------------------------------


class _Context:
    def __init__(self, seed: int, as_of: datetime, total: int):
        self.seed = seed
        self.as_of = to_us(as_of)
        self.as_of_day = self.as_of // DAY
        self.salt = int(mix64(np.array([seed], dtype=np.uint64))[0])
        self.id_width = max(7, len(str(total)))
        s = pa.string()
        self.v_names = pa.array(EVENT_NAMES, s)
        self.v_sources = pa.array(SOURCES, s)
        self.v_urls = pa.array(PAGE_URL, s)
        self.v_cats = pa.array(CATEGORIES, s)
        self.v_products = pa.array(P_IDS, s)
        self.v_channels = pa.array(CHANNELS, s)
        self.v_pv_props = pa.array(page_view_properties(), s)
        self.v_first = pa.array(NAMES.first, s)
        self.v_last = pa.array(NAMES.last, s)
        self.v_first_ascii = pa.array([*NAMES.first_ascii, "klient"], s)
        self.v_last_ascii = pa.array([*NAMES.last_ascii, ""], s)
        self.v_cities = pa.array(CITY_VOCAB, s)
        self.v_countries = pa.array(COUNTRIES, s)
        self.v_languages = pa.array(LANGUAGES, s)
        self.v_genders = pa.array(GENDERS, s)
        self.v_statuses = pa.array(STATUSES, s)
        self.v_tags = pa.array(TAGS, s)
        self.v_domains = pa.array(EMAIL_DOMAINS, s)
        self.v_phone_prefix = pa.array(PHONE_PREFIX, s)
        self.v_loyalty_props = pa.array(
            [json.dumps({"from": TIERS[i], "to": TIERS[i + 1]}, sort_keys=True) for i in range(3)], s
        )
        self.v_bounce_props = pa.array([json.dumps({"type": t}) for t in ("hard", "soft")], s)

        camps = campaigns(as_of)
        ids = sorted({c.campaign_id for c in camps})
        self.v_campaigns = pa.array(ids, s)
        self.c_id = np.array([ids.index(c.campaign_id) for c in camps], dtype=np.int64)
        self.c_channel = np.array([CHANNELS.index(c.channel) for c in camps])
        self.c_send = np.array([to_us(c.sent_at) for c in camps], dtype=np.int64)
        self.c_kind = np.array([("newsletter", "themed", "flash").index(c.kind) for c in camps])
        self.c_cat = np.array([PRODUCT_CATEGORIES.index(c.category) if c.category else -1 for c in camps])
        self.c_boost = np.array([1.4 if "black_friday" in c.campaign_id or "cyber" in c.campaign_id
                                 else 1.0 for c in camps])  # fmt: skip
        # email_sent carries {"subject"}, push_sent {"title"}; indexed by campaign send.
        self.v_sent_props = pa.array(
            [json.dumps({"subject" if c.channel == "email" else "title": c.subject}) for c in camps], s
        )

        # App releases every three weeks; (version, platform) properties of app_open.
        k = 36
        self.releases = self.as_of - 10 * DAY - (k - 1 - np.arange(k)) * 21 * DAY
        versions = [f"{4 + i // 12}.{i % 12}.{(i * 7) % 3}" for i in range(k)]
        self.v_app_props = pa.array(
            [
                json.dumps({"app_version": v, "platform": p}, sort_keys=True)
                for v in versions
                for p in ("ios", "android")
            ],
            s,
        )

    def uid(self, kind: int, batch: int, idx: np.ndarray) -> np.ndarray:
        """Unique, random-looking uint64 per (kind, batch, idx) for this seed."""
        key = (np.uint64(kind) << np.uint64(56)) | (np.uint64(batch) << np.uint64(32)) | idx.astype(np.uint64)
        return mix64(key ^ np.uint64(self.salt))


# --------------------------------------------------------------------------------------
# One batch
# --------------------------------------------------------------------------------------


class _EventParts:
    """Accumulates event columns as codes; ``-1`` / NaN mean null."""

    _CODES = ("contact", "anon", "url", "category", "product", "campaign", "channel")
    _FLOATS = ("amount", "duration", "quantity")

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, name: int, ts: np.ndarray, props: pa.Array | None = None, codes=None, **cols) -> None:
        """Adds events; ``props`` are their JSON properties, or a vocabulary indexed by ``codes``."""
        n = len(ts)
        part = {"name": np.full(n, name, dtype=np.int8), "ts": np.asarray(ts, dtype=np.int64)}
        for c in self._CODES:
            v = cols.pop(c, -1)
            part[c] = np.broadcast_to(np.asarray(v, dtype=np.int64), (n,))
        for c in self._FLOATS:
            v = cols.pop(c, np.nan)
            part[c] = np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))
        if cols:
            raise TypeError(f"unknown event columns {sorted(cols)}")
        if props is None:
            part["props"] = (None, np.full(n, -1, dtype=np.int64))
        else:
            part["props"] = (props, np.arange(n) if codes is None else np.asarray(codes, dtype=np.int64))
            assert len(part["props"][1]) == n
        self.parts.append(part)

    def concat(self) -> dict:
        keys = ("name", "ts", *self._CODES, *self._FLOATS)
        out = {k: np.concatenate([p[k] for p in self.parts]) for k in keys}
        # One vocabulary for the batch's properties; codes are offset into it so that the
        # column is built once, in the final (sorted) order.
        vocabs: dict[int, tuple[int, pa.Array]] = {}
        codes = []
        size = 0
        for part in self.parts:
            vocab, c = part["props"]
            if vocab is None:
                codes.append(c)
                continue
            if id(vocab) not in vocabs:
                vocabs[id(vocab)] = (size, vocab)
                size += len(vocab)
            codes.append(np.where(c >= 0, c + vocabs[id(vocab)][0], -1))
        out["props"] = np.concatenate(codes)
        out["props_vocab"] = pa.concat_arrays([v for _, v in vocabs.values()] or [pa.array([], pa.string())])
        return out


class Batch:
    def __init__(self, ctx: _Context, index: int, start: int, n: int):
        self.ctx = ctx
        self.b = index
        self.start = start
        self.n = n
        self.ev = _EventParts()
        # order numbers: the batch index, then 7 digits; event ids: the batch index, then 8
        self._order_base = index * 10_000_000
        self._order_width = max(11, len(str(self._order_base + 9_999_999)))

    def rng(self, stream: int) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.ctx.seed, self.b, stream])))

    # ---------------------------------------------------------------- tables
    def contacts_table(self) -> pa.Table:
        ctx, p, now = self.ctx, self.p, self.ctx.as_of
        status = np.where(self.buyer, 1, 0)
        status = np.where((self.tier >= 3) | (self.spend >= 6000), 2, status)
        status = np.where(p["status_null"], -1, status)
        news_tag = p["news"] & ~self.unsubscribed
        flags = np.stack([news_tag, p["b2b"], self.member, p["promo"], p["marketplace"]], axis=1)
        counts = np.where(p["tags_null"], 0, flags.sum(axis=1))
        _, which = np.nonzero(flags & ~p["tags_null"][:, None])  # row-major: each contact's tags in order
        offsets = np.r_[0, np.cumsum(counts)].astype(np.int32)
        tags = pa.ListArray.from_arrays(pa.array(offsets), take_codes(ctx.v_tags, which), mask=pa.array(p["tags_null"]))
        created = p["created"]
        updated = created + ((now - created) * p["updated_draw"] ** 2).astype(np.int64)
        updated = np.maximum.reduce([updated, self.unsub_ts, self.last_change])
        updated = np.clip(updated, created, now)
        cols = {
            "contact_id": self.contact_ids,
            "email": p["email"],
            "phone": p["phone"],
            "push_token": self.push_token,
            "first_name": take_codes(ctx.v_first, p["first"]),
            "last_name": take_codes(ctx.v_last, p["last"]),
            "gender": take_codes(ctx.v_genders, p["gender"]),
            "birth_date": pa.array(p["bdays"].astype(np.int32), pa.date32(), mask=~p["has_bd"]),
            "city": take_codes(ctx.v_cities, p["city"]),
            "country": take_codes(ctx.v_countries, p["country"]),
            "language": take_codes(ctx.v_languages, p["lang"]),
            "status": take_codes(ctx.v_statuses, status),
            "tags": tags,
            "email_consent": pa.array(p["email_ever"] & ~self.unsubscribed),
            "sms_consent": pa.array(p["sms_consent"]),
            "push_consent": pa.array(p["push_consent"]),
            "created_at": timestamps(created),
            "updated_at": timestamps(updated),
        }
        return pa.Table.from_arrays(list(cols.values()), schema=CONTACTS_SCHEMA)

    def events_table(self) -> pa.Table:
        ctx, now = self.ctx, self.ctx.as_of
        e = self.ev.concat()
        order = np.argsort(e["ts"], kind="stable")
        m = len(order)
        if m >= 100_000_000:
            raise ValueError("too many events in one batch; lower batch_contacts")
        r = self.rng(7)
        name = e["name"][order].astype(np.int64)
        ts = e["ts"][order]
        delay = lognormal_us(r, 1.5, 0.7, m, 60)
        late = (name == E_APP_OPEN) & (r.random(m) < 0.04)  # apps upload in batches
        delay = np.where(late, r.integers(1 * MIN, 6 * HOUR, m), delay)
        received = np.maximum(ts, np.minimum(ts + delay, now))
        amount = e["amount"][order]
        cols = {
            "event_id": fixed("ev_", digits(self.b * 100_000_000 + np.arange(m), max(12, len(str(self.b + 1)) + 8))),
            "contact_id": take_codes(self.contact_ids, e["contact"][order]),
            "anonymous_id": take_codes(self.anon_ids, e["anon"][order]),
            "source": take_codes(ctx.v_sources, SOURCE_OF[name]),
            "name": take_codes(ctx.v_names, name),
            "ts": timestamps(ts),
            "received_at": timestamps(received),
            "url": take_codes(ctx.v_urls, e["url"][order]),
            "category": take_codes(ctx.v_cats, e["category"][order]),
            "product_id": take_codes(ctx.v_products, e["product"][order]),
            "campaign_id": take_codes(ctx.v_campaigns, e["campaign"][order]),
            "channel": take_codes(ctx.v_channels, e["channel"][order]),
            "currency": pc.if_else(pa.array(~np.isnan(amount)), pa.scalar("PLN"), pa.scalar(None, pa.string())),
            "amount": amounts(amount),
            "duration_s": floats(e["duration"][order]),
            "quantity": floats(e["quantity"][order]),
            "properties": take_codes(e["props_vocab"], e["props"][order]),
        }
        return pa.Table.from_arrays(list(cols.values()), schema=EVENTS_SCHEMA)

    def identities_table(self) -> pa.Table:
        dev, contact, linked = self.identities
        return pa.Table.from_arrays(
            [self.anon_ids.take(pa.array(dev)), self.contact_ids.take(pa.array(contact)), timestamps(linked)],
            schema=IDENTITIES_SCHEMA,
        )

    def run(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        people(self)
        messaging(self)
        web(self)
        stores(self)
        app(self)
        loyalty(self)
        return self.contacts_table(), self.events_table(), self.identities_table()


def generate(
    contacts: int = 5000,
    *,
    seed: int = 7,
    as_of: datetime = SAMPLE_AS_OF,
    batch_contacts: int = 50_000,
) -> Iterator[tuple[str, pa.Table]]:
    """Yields ("contacts"|"events"|"identities", table) batches; contacts of a batch before its events."""
    if contacts < 0 or batch_contacts <= 0:
        raise ValueError("contacts must be >= 0 and batch_contacts > 0")
    ctx = _Context(seed, as_of, contacts)
    for index, start in enumerate(range(0, contacts, batch_contacts)):
        batch = Batch(ctx, index, start, min(batch_contacts, contacts - start))
        c, e, i = batch.run()
        yield "contacts", c
        yield "events", e
        yield "identities", i
