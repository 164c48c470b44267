"""Who the sample contacts are: names, addresses, consents, devices, dates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.sample.arrays import (
    DAY,
    digits,
    diurnal,
    draw,
    fixed,
    hex,
    join_columns,
    pick_product,
    take_codes,
)
from workbench.sample.vocabulary import (
    CITY_BY_COUNTRY,
    COUNTRY_W,
    DOMAIN_W,
    INT_PCAT,
    INTERESTS,
    LANG_W,
    NAMES,
    PHONE_FIRST,
    PL,
    UA,
    cdf_of,
)

if TYPE_CHECKING:
    from workbench.sample.simulation import Batch


def people(sim: Batch) -> None:
    r, n, ctx = sim.rng(1), sim.n, sim.ctx
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
    num = sim.start + np.arange(n) + 1
    sim.contact_ids = fixed("c_", digits(num, ctx.id_width))
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
    h = [hex(uid(10 + k, sim.b, idx)) for k in range(4)]
    ios_tok = fixed("", np.hstack(h))
    android_tok = fixed(
        "",
        np.hstack([h[0][:, :11], np.frombuffer(b":APA91b", np.uint8)[None, :].repeat(n, 0), h[1], h[2], h[3][:, :8]]),
    )
    token = pc.if_else(pa.array(ios), ios_tok, android_tok)
    sim.push_token = pc.if_else(pa.array(app), token, pa.scalar(None, pa.string()))
    # Devices (tracking cookies): [0, n) first device, [n, 2n) second device, then the
    # never-identified visitors added by web().
    sim.anon_ids_contacts = fixed("anon_", hex(uid(1, sim.b, np.arange(2 * n))))

    sim.p = dict(
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
