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
    NEVER,
    SEC,
    amounts,
    digits,
    diurnal,
    draw,
    fixed,
    floats,
    hex,
    join_columns,
    lognormal_us,
    mix64,
    pick_product,
    ranks,
    recent,
    take_codes,
    timestamps,
    to_us,
    within,
)
from workbench.sample.vocabulary import (
    BLOG_CATEGORIES,
    BLOG_COUNT,
    BLOG_START,
    CAT_OF_PRODUCT,
    CATEGORIES,
    CH_EMAIL,
    CH_PUSH,
    CH_SMS,
    CHANNELS,
    CITY_BY_COUNTRY,
    CITY_VOCAB,
    COUNTRIES,
    COUNTRY_W,
    DOMAIN_W,
    E_ADD,
    E_APP_OPEN,
    E_BOUNCE,
    E_EMAIL_CLICK,
    E_EMAIL_OPEN,
    E_EMAIL_SENT,
    E_LOYALTY,
    E_PURCHASE,
    E_PUSH_OPEN,
    E_PUSH_SENT,
    E_PV,
    E_SMS_CLICK,
    E_SMS_SENT,
    E_UNSUB,
    EMAIL_DOMAINS,
    EVENT_NAMES,
    EXT_REF,
    FLASH,
    GENDERS,
    INT_BCAT,
    INT_PCAT,
    INTERESTS,
    LANG_W,
    LANGUAGES,
    NAMES,
    NEWSLETTER,
    NEXT,
    NPAGES,
    P_IDS,
    P_PRICE,
    PAGE_BLOG0,
    PAGE_CAT,
    PAGE_KIND,
    PAGE_LIST0,
    PAGE_PROD0,
    PAGE_PRODUCT,
    PAGE_URL,
    PHONE_FIRST,
    PHONE_PREFIX,
    PL,
    PROD,
    PROD_A,
    PROD_B,
    PRODUCT_CATEGORIES,
    SAMPLE_AS_OF,
    SOURCE_OF,
    SOURCES,
    STATUSES,
    STORE_HOUR_W,
    TAGS,
    TIER_THRESHOLDS,
    TIERS,
    UA,
    campaigns,
    cdf_of,
    page_view_properties,
)
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


class _Batch:
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

    # ---------------------------------------------------------------- contacts
    def people(self) -> None:
        r, n, ctx = self.rng(1), self.n, self.ctx
        now = ctx.as_of
        country = draw(r, cdf_of(COUNTRY_W), n)
        female = r.random(n) < 0.52
        ua_in_pl = (country == PL) & (r.random(n) < 0.035)
        origin = np.where(ua_in_pl, UA, country)
        first = np.empty(n, dtype=np.int64)
        last = np.empty(n, dtype=np.int64)
        for o, (fc, fcdf, mc, mcdf, scdf, sm, sf) in NAMES.by_origin.items():
            for fem in (True, False):
                m = (origin == o) & (female == fem)
                k = int(m.sum())
                if k:
                    first[m] = fc[draw(r, fcdf, k)] if fem else mc[draw(r, mcdf, k)]
                    last[m] = (sf if fem else sm)[draw(r, scdf, k)]
        first[r.random(n) < 0.025] = -1
        last[r.random(n) < 0.03] = -1
        gender = np.where(female, 0, 1)
        gender[r.random(n) < 0.012] = 2
        gender[(r.random(n) < 0.04) | ((first < 0) & (r.random(n) < 0.7))] = -1

        city = np.empty(n, dtype=np.int64)
        lang = np.empty(n, dtype=np.int64)
        for c, (codes, cdf) in CITY_BY_COUNTRY.items():
            m = country == c
            city[m] = codes[draw(r, cdf, int(m.sum()))]
            for key, mm in ((c, m & ~ua_in_pl), ("ua_in_pl", m & ua_in_pl)):
                k = int(mm.sum())
                if k:
                    lang[mm] = draw(r, cdf_of(LANG_W[key]), k)
        city[r.random(n) < 0.05] = -1
        lang[r.random(n) < 0.02] = -1
        country_col = np.where(r.random(n) < 0.015, -1, country)

        age_years = np.clip(r.normal(39, 13, n), 16, 85)
        bdays = ctx.as_of_day - (age_years * 365.25).astype(np.int64)
        has_bd = r.random(n) < 0.7
        feb29 = r.random(n) < 0.006
        years = bdays.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        leap = years - years % 4
        feb29_days = (leap - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64) + 59
        bdays = np.where(feb29, feb29_days, bdays)

        age_days = 730 * r.random(n) ** 1.15
        created = now - (age_days * DAY).astype(np.int64)
        created = diurnal(r, created, now - 731 * DAY, now)
        e = r.lognormal(-0.32, 0.8, n)
        churned = r.random(n) < 0.22
        end = np.where(churned, created + ((now - created) * r.uniform(0.1, 0.95, n)).astype(np.int64), now)

        has_email = r.random(n) < 0.93
        has_phone = r.random(n) < np.where(country == PL, 0.78, 0.5)
        app = r.random(n) < np.where(age_years < 35, 0.42, 0.2)
        ios = r.random(n) < 0.38
        email_ever = has_email & (r.random(n) < 0.72)
        news = email_ever & (r.random(n) < 0.55)
        unsub_intent = email_ever & (r.random(n) < 0.07)
        bad_email = has_email & (r.random(n) < 0.012)
        sms_consent = has_phone & (r.random(n) < 0.4)
        push_consent = app & (r.random(n) < 0.75)
        install = created + ((end - created) * 0.9 * r.random(n) ** 1.5).astype(np.int64)
        web = r.random(n) < 0.72
        dev2 = web & (r.random(n) < 0.3)
        link2 = created + ((now - created) * r.uniform(0.05, 1.0, n)).astype(np.int64)
        pre = web & (r.random(n) < 0.45)
        web_signup = web & (r.random(n) < 0.6)
        interest = draw(r, cdf_of([i[1] for i in INTERESTS]), n)
        cset = pick_product(r, np.repeat(INT_PCAT[interest], 4)).reshape(n, 4)
        blog_reader = r.random(n) < 0.45
        pos_shopper = (country == PL) & (city >= 0) & (r.random(n) < 0.18)
        b2b = r.random(n) < 0.03
        promo = r.random(n) < 0.08
        marketplace = r.random(n) < 0.05
        tags_null = r.random(n) < 0.08
        status_null = r.random(n) < 0.02
        loyal_draw = r.random(n)
        updated_draw = r.random(n)

        # Addresses.
        num = self.start + np.arange(n) + 1
        self.contact_ids = fixed("c_", digits(num, ctx.id_width))
        domain = np.empty(n, dtype=np.int64)
        for c, w in DOMAIN_W.items():
            m = country == c
            domain[m] = draw(r, cdf_of(w), int(m.sum()))
        nf, nl = len(NAMES.first), len(NAMES.last)
        named = (first >= 0) & (last >= 0)
        local_first = np.where(first >= 0, first, nf)  # "klient" when no first name
        local_last = np.where(named, last, nl)  # "" when not both names
        sep = pa.array(np.where(named, ".", ""), pa.string())
        email = join_columns(
            take_codes(ctx.v_first_ascii, local_first), sep, take_codes(ctx.v_last_ascii, local_last),
            pc.cast(pa.array(num), pa.string()), "@", take_codes(ctx.v_domains, domain),
        )  # fmt: skip
        email = pc.if_else(pa.array(has_email), email, pa.scalar(None, pa.string()))
        first_digit = np.empty(n, dtype=np.int64)
        for c, choices in enumerate(PHONE_FIRST):
            m = country == c
            first_digit[m] = np.asarray(choices)[r.integers(0, len(choices), int(m.sum()))]
        phone_num = first_digit * 100_000_000 + r.integers(0, 100_000_000, n)
        phone = join_columns(take_codes(ctx.v_phone_prefix, country), fixed("", digits(phone_num, 9)))
        phone = pc.if_else(pa.array(has_phone), phone, pa.scalar(None, pa.string()))
        uid = ctx.uid
        idx = np.arange(n)
        h = [hex(uid(10 + k, self.b, idx)) for k in range(4)]
        ios_tok = fixed("", np.hstack(h))
        android_tok = fixed(
            "",
            np.hstack(
                [h[0][:, :11], np.frombuffer(b":APA91b", np.uint8)[None, :].repeat(n, 0), h[1], h[2], h[3][:, :8]]
            ),
        )
        token = pc.if_else(pa.array(ios), ios_tok, android_tok)
        self.push_token = pc.if_else(pa.array(app), token, pa.scalar(None, pa.string()))
        # Devices (tracking cookies): [0, n) first device, [n, 2n) second device, then the
        # never-identified visitors added by web().
        self.anon_ids_contacts = fixed("anon_", hex(uid(1, self.b, np.arange(2 * n))))

        self.p = dict(
            country=country_col, origin=origin, first=first, last=last, gender=gender, city=city,
            lang=lang, bdays=np.where(has_bd, bdays, -1), has_bd=has_bd, created=created, e=e,
            churned=churned, end=end, has_email=has_email, has_phone=has_phone, app=app, ios=ios,
            email_ever=email_ever, news=news, unsub_intent=unsub_intent, bad_email=bad_email,
            sms_consent=sms_consent, push_consent=push_consent, install=install, web=web,
            dev2=dev2, link2=link2, pre=pre, web_signup=web_signup, interest=interest, cset=cset,
            blog_reader=blog_reader, pos_shopper=pos_shopper, b2b=b2b, promo=promo,
            marketplace=marketplace, tags_null=tags_null, status_null=status_null,
            loyal_draw=loyal_draw, updated_draw=updated_draw, email=email, phone=phone,
        )  # fmt: skip

    # ---------------------------------------------------------------- messaging
    def _landing(self, r: np.random.Generator, c: np.ndarray, camp: np.ndarray) -> np.ndarray:
        """The page a click on campaign ``camp`` by contact ``c`` leads to."""
        p, ctx = self.p, self.ctx
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

    def _sends(self, r, channel: int, eligible: np.ndarray, audience) -> tuple[np.ndarray, ...]:
        ctx = self.ctx
        cs = np.flatnonzero(ctx.c_channel == channel)  # this channel's sends, in time order
        send = ctx.c_send[cs]
        mask = eligible[:, None] & (self.p["created"][:, None] < send[None, :])
        mask &= audience(cs)
        ci, cj = np.nonzero(mask)  # ordered by contact, then by send time
        return ci, cs[cj]

    def _clicks(self, r, event: int, channel: int, contacts: np.ndarray, camps: np.ndarray, ts: np.ndarray) -> None:
        """Record the clicks on campaign messages made by ``as_of``; each lands on a page where a web
        session starts (see :meth:`web`)."""
        made = ts <= self.ctx.as_of
        contacts, camps, ts = contacts[made], camps[made], ts[made]
        page = self._landing(r, contacts, camps)
        self.ev.add(
            event,
            ts,
            contact=contacts,
            campaign=self.ctx.c_id[camps],
            channel=channel,
            url=page,
            category=PAGE_CAT[page],
            product=PAGE_PRODUCT[page],
        )
        self.clicks.append((contacts, ts, page))

    def messaging(self) -> None:
        r, ctx, p, now, n = self.rng(2), self.ctx, self.p, self.ctx.as_of, self.n
        e, ev = p["e"], self.ev
        self.clicks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # contact, ts, page

        # E-mail.
        def email_audience(cs):
            themed = r.random((n, len(cs))) < 0.45
            return np.where(ctx.c_kind[cs][None, :] == NEWSLETTER, p["news"][:, None], themed)

        c, camp = self._sends(r, CH_EMAIL, p["email_ever"], email_audience)
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
        self.unsubscribed = unsub
        self.unsub_ts = np.where(unsub, unsub_ts, -1)
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
        self._clicks(r, E_EMAIL_CLICK, CH_EMAIL, cc, ccamp, ots[clicked] + r.integers(5 * SEC, 120 * SEC, len(cc)))

        # SMS.
        c, camp = self._sends(r, CH_SMS, p["sms_consent"], lambda cs: r.random((n, len(cs))) < 0.6)
        ts = ctx.c_send[camp] + r.integers(0, 10 * MIN, len(c))
        ev.add(E_SMS_SENT, ts, contact=c, campaign=ctx.c_id[camp], channel=CH_SMS)
        clicked = r.random(len(c)) < 0.04 * np.minimum(2.0, e[c]) * ctx.c_boost[camp]
        cc, ccamp = c[clicked], camp[clicked]
        self._clicks(r, E_SMS_CLICK, CH_SMS, cc, ccamp, ts[clicked] + lognormal_us(r, 8 * 60, 1.2, len(cc), 3 * 86400))

        # Push.
        def push_audience(cs):
            frac = np.where(ctx.c_kind[cs] == FLASH, 0.6, 0.8)
            return (r.random((n, len(cs))) < frac[None, :]) & (p["install"][:, None] < ctx.c_send[cs][None, :])

        c, camp = self._sends(r, CH_PUSH, p["push_consent"], push_audience)
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
        self.push_app_opens = (oc, np.minimum(ots + r.integers(1 * SEC, 4 * SEC, len(oc)), now))

    # ---------------------------------------------------------------- web
    def web(self) -> None:
        r, ctx, p, now, n = self.rng(3), self.ctx, self.p, self.ctx.as_of, self.n
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
        for cc, cts, page in self.clicks:
            sessions(cc, cts + r.integers(2 * SEC, 20 * SEC, len(cc)), np.full(len(cc), 2), landing=page)
        # Visitors never identified.
        v = round(0.3 * n)
        self.n_visitors = v
        k = 1 + r.poisson(0.6, v)
        dv = np.repeat(np.arange(v), k)
        start = diurnal(
            r, recent(r, np.full(len(dv), now - 400 * DAY), np.full(len(dv), now), 240), now - 401 * DAY, now
        )
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
        self.ev.add(
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
        self.identities = (linked, linked % n, first_seen[linked])
        anon_vis = fixed("anon_", hex(ctx.uid(2, self.b, np.arange(v))))
        self.anon_ids = pa.concat_arrays([self.anon_ids_contacts, anon_vis])

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
        cart_ids = fixed("cart_", hex(ctx.uid(3, self.b, carts)))
        cart_col = cart_ids.take(pa.array(cart_of))
        self.ev.add(
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
        self.n_orders = int(bought.sum())
        rows = bought[cart_of]
        ccart = cart_of[rows]
        order_ids = fixed("ord_", digits(self._order_base + order_no[ccart], self._order_width))
        props = join_columns(
            '{"cart_id": "', cart_col.filter(pa.array(rows)), '", "order_id": "', order_ids, '", "store": "online"}'
        )
        self.purchases = [(a_c[rows], (last_add + delay)[ccart], a_prod[rows], amount[rows], qty[rows], props)]

    # ---------------------------------------------------------------- stores, app, loyalty
    def stores(self) -> None:
        r, p, now, n = self.rng(4), self.p, self.ctx.as_of, self.n
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
        if self.n_orders + len(c) >= 10_000_000:
            raise ValueError("too many orders in one batch; lower batch_contacts")
        order_ids = fixed("ord_", digits(self._order_base + self.n_orders + order, self._order_width))
        props = join_columns('{"order_id": "', order_ids, '", "store": "pos"}')
        self.purchases.append((lc, lts, prod, amount, qty, props))
        for pc_, pts, pprod, pamount, pqty, pprops in self.purchases:
            self.ev.add(
                E_PURCHASE,
                pts,
                pprops,
                contact=pc_,
                category=CAT_OF_PRODUCT[pprod],
                product=pprod,
                amount=pamount,
                quantity=pqty,
            )

    def app(self) -> None:
        r, ctx, p, now, n = self.rng(5), self.ctx, self.p, self.ctx.as_of, self.n
        e = p["e"]
        days = np.maximum(p["end"] - p["install"], 0) / DAY
        k = np.where(p["app"], r.poisson(np.minimum(0.035 * e * days, 400)), 0)
        c = np.repeat(np.arange(n), k)
        ts = diurnal(r, recent(r, p["install"][c], p["end"][c], 200), p["install"][c], p["end"][c])
        k2 = np.where(p["app"] & ~p["churned"], r.poisson(1.5 * e), 0)
        c2 = np.repeat(np.arange(n), k2)
        ts2 = np.maximum(now - (7 * DAY * r.random(len(c2))).astype(np.int64), p["install"][c2])
        ts2 = diurnal(r, ts2, np.maximum(now - 7 * DAY, p["install"][c2]), now)
        pc3, ts3 = self.push_app_opens
        c = np.concatenate([c, c2, pc3])
        ts = np.concatenate([ts, ts2, ts3])
        lag = (r.exponential(6.0, n) * DAY).astype(np.int64)
        version = np.maximum(np.searchsorted(ctx.releases, ts - lag[c], side="right") - 1, 0)
        props = version * 2 + np.where(p["ios"][c], 0, 1)
        self.ev.add(E_APP_OPEN, ts, ctx.v_app_props, props, contact=c)

    def loyalty(self) -> None:
        p, n = self.p, self.n
        c = np.concatenate([x[0] for x in self.purchases])
        ts = np.concatenate([x[1] for x in self.purchases])
        amount = np.concatenate([x[3] for x in self.purchases])
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
        lts = np.minimum(lts, self.ctx.as_of)
        self.ev.add(E_LOYALTY, lts, self.ctx.v_loyalty_props, lstep, contact=lc)
        tier = np.zeros(n, dtype=np.int64)
        np.maximum.at(tier, lc, lstep.astype(np.int64) + 1)
        last_change = np.full(n, -1, dtype=np.int64)
        np.maximum.at(last_change, lc, lts)
        self.member, self.tier, self.spend, self.buyer, self.last_change = member, tier, spend, buyer, last_change

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
        self.people()
        self.messaging()
        self.web()
        self.stores()
        self.app()
        self.loyalty()
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
        batch = _Batch(ctx, index, start, min(batch_contacts, contacts - start))
        c, e, i = batch.run()
        yield "contacts", c
        yield "events", e
        yield "identities", i
