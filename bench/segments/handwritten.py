"""Hand-written SQL for every measured segment: the baseline the compiler is measured against.

Written from ``SEGMENT_SPEC.md`` §3–4, ``docs/semantics.md`` and the segment documents in
``sample_data/segments`` (and ``bench/segments/documents``, the benchmark's own),
independently of the compiler (nothing here imports ``workbench.expr``). It is the SQL an
engineer who knows the data model would write for each segment: read the events of the
segment's names and window once, stitch the anonymous ones to their contact, aggregate per
contact, keep the contacts of the universe.

Each query returns the member ``contact_id``s. Parameters are written ``:name`` and bound
as values (window bounds are computed from ``as_of`` in Python, with calendar months);
``render`` turns them into DuckDB's ``$name`` or psycopg's ``%(name)s``. The text is the
same on DuckDB and PostgreSQL but for the latest-link lookup (``arg_max`` on DuckDB,
``DISTINCT ON`` on PostgreSQL: each engine's idiom).

Stitching (semantics.md, "Events"): an event belongs to its ``contact_id``; an event
without one belongs to the contact its ``anonymous_id`` is linked to, the latest link
winning (largest ``linked_at``, then largest ``contact_id``).

``scripts/bench.sh --show-sql ID`` prints a query.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta


def latest_links(dialect: str, anonymous: str) -> str:
    """The latest link of each anonymous id listed by the query ``anonymous``."""
    if dialect == "postgres":
        return f"""SELECT DISTINCT ON (anonymous_id) anonymous_id, contact_id FROM identities
    WHERE anonymous_id IN ({anonymous})
    ORDER BY anonymous_id, linked_at DESC, contact_id DESC"""
    return f"""SELECT anonymous_id, arg_max(contact_id, (linked_at, contact_id)) AS contact_id FROM identities
    WHERE anonymous_id IN ({anonymous})
    GROUP BY anonymous_id"""


def stitched(dialect: str, name: str, columns: dict[str, str], where: str) -> str:
    """CTEs ending in ``name``: the events passing ``where`` (on ``e``) read once, with the
    ``columns`` (alias: expression on ``e``) and each event's contact ``cid`` — its own
    contact id, else the latest link of its anonymous id (only the ids in play are looked up)."""
    exprs = ", ".join(f"{expr} AS {alias}" for alias, expr in columns.items())
    aliases = ", ".join(f"r.{alias}" for alias in columns)
    return f"""{name}_raw AS (
    SELECT e.contact_id, e.anonymous_id, {exprs} FROM events e WHERE {where}
),
{name}_links AS (
    {latest_links(dialect, f"SELECT anonymous_id FROM {name}_raw WHERE contact_id IS NULL")}
),
{name} AS (
    SELECT r.contact_id AS cid, {aliases} FROM {name}_raw r WHERE r.contact_id IS NOT NULL
    UNION ALL
    SELECT l.contact_id AS cid, {aliases}
    FROM {name}_raw r JOIN {name}_links l ON l.anonymous_id = r.anonymous_id
    WHERE r.contact_id IS NULL
)"""


def universe_of(source: str) -> str:
    """The contacts of the universe whose id is in ``source`` (a query of ``cid``)."""
    return f"""SELECT c.contact_id FROM contacts c
WHERE c.created_at <= :t AND c.contact_id IN ({source})"""


def build(dialect: str) -> dict[str, str]:
    """Every measured segment's query, in ``dialect``."""
    q: dict[str, str] = {}

    def ev(name: str, columns: dict[str, str], where: str) -> str:
        return stitched(dialect, name, columns, where)

    # Added to cart in the last 7 days (the latest add of each cart), at least 2 h ago, and
    # no purchase of that cart since. A purchase after the add is necessarily in the window,
    # so only the window's purchases are read.
    cart = {"ts": "e.ts", "cart_id": "e.properties->>'cart_id'"}
    not_bought = """SELECT a.cid FROM latest a
    WHERE a.ts <= :stale
      AND NOT EXISTS (SELECT 1 FROM buys b WHERE b.cid = a.cid AND b.cart_id = a.cart_id AND b.ts >= a.ts)"""
    q["abandoned_cart"] = f"""WITH
{ev("adds", cart, "e.name = 'add_to_cart' AND e.ts > :lo AND e.ts <= :t")},
{ev("buys", cart, "e.name = 'purchase' AND e.ts > :lo AND e.ts <= :t")},
latest AS (
    SELECT cid, cart_id, max(ts) AS ts FROM adds WHERE cart_id IS NOT NULL GROUP BY cid, cart_id
)
{universe_of(not_bought)}"""

    # Birthday (month and day of birth_date) today or in the next 7 days; the keys
    # month*100+day are computed in Python (29 February counts on 28 February in a common year).
    q["birthday"] = """SELECT c.contact_id FROM contacts c
WHERE c.created_at <= :t AND c.birth_date IS NOT NULL
  AND extract(month FROM c.birth_date) * 100 + extract(day FROM c.birth_date) IN (:keys)"""

    # Bought the running shoe at least once and the socks never (all time up to T).
    shoe_not_socks = """SELECT cid FROM buys GROUP BY cid
    HAVING count(*) FILTER (WHERE product_id = :product_a) >= 1
       AND count(*) FILTER (WHERE product_id = :product_b) = 0"""
    q["cross_sell"] = f"""WITH
{ev("buys", {"product_id": "e.product_id"}, "e.name = 'purchase' AND e.ts <= :t AND e.product_id IN (:product_a, :product_b)")}
{universe_of(shoe_not_socks)}"""

    # Two distinct product page views of the same product in the last 7 days, at most 7 days
    # apart: the window is no longer than `within`, so any two views in it qualify.
    q["interested"] = f"""WITH
{ev("views", {"product_id": "e.product_id"}, "e.name = 'page_view' AND e.ts > :lo AND e.ts <= :t AND e.product_id IS NOT NULL AND e.product_id <> ''")}
{universe_of("SELECT cid FROM views GROUP BY cid, product_id HAVING count(*) >= 2")}"""

    # No event of any kind in the last 30 days (contacts without events included).
    q["lapsed"] = f"""WITH
{ev("recent", {"ts": "e.ts"}, "e.ts > :lo AND e.ts <= :t")}
SELECT c.contact_id FROM contacts c
WHERE c.created_at <= :t AND NOT EXISTS (SELECT 1 FROM recent r WHERE r.cid = c.contact_id)"""

    # Opened the app in the last 7 days.
    q["mobile_active"] = f"""WITH
{ev("opens", {"ts": "e.ts"}, "e.name = 'app_open' AND e.ts > :lo AND e.ts <= :t")}
{universe_of("SELECT cid FROM opens")}"""

    # An email click, then a page view at most 24 h later (same instant allowed), both in
    # the last 30 days.
    click_then_view = """SELECT k.cid FROM clicks k JOIN views v
    ON v.cid = k.cid AND v.ts >= k.ts AND v.ts <= k.ts + :within"""
    q["multichannel"] = f"""WITH
{ev("clicks", {"ts": "e.ts"}, "e.name = 'email_click' AND e.ts > :lo AND e.ts <= :t")},
{ev("views", {"ts": "e.ts"}, "e.name = 'page_view' AND e.ts > :lo AND e.ts <= :t")}
{universe_of(click_then_view)}"""

    # Created in the last 7 days.
    q["new_subscribers"] = """SELECT c.contact_id FROM contacts c
WHERE c.created_at <= :t AND c.created_at > :lo"""

    # Sent an email in the last 30 days and opened none in that window.
    sent_not_opened = """SELECT cid FROM mail GROUP BY cid
    HAVING count(*) FILTER (WHERE name = 'email_sent') >= 1
       AND count(*) FILTER (WHERE name = 'email_open') = 0"""
    q["no_email_opens"] = f"""WITH
{ev("mail", {"name": "e.name"}, "e.name IN ('email_sent', 'email_open') AND e.ts > :lo AND e.ts <= :t")}
{universe_of(sent_not_opened)}"""

    # The latest push of each campaign in the last 7 days, at least 24 h old, without an
    # open of that campaign since.
    push = {"ts": "e.ts", "campaign_id": "e.campaign_id"}
    not_opened = """SELECT s.cid FROM latest s
    WHERE s.ts <= :stale
      AND NOT EXISTS (SELECT 1 FROM opens o WHERE o.cid = s.cid AND o.campaign_id = s.campaign_id AND o.ts >= s.ts)"""
    q["push_ignored"] = f"""WITH
{ev("sends", push, "e.name = 'push_sent' AND e.ts > :lo AND e.ts <= :t")},
{ev("opens", push, "e.name = 'push_open' AND e.ts > :lo AND e.ts <= :t")},
latest AS (
    SELECT cid, campaign_id, max(ts) AS ts FROM sends WHERE campaign_id IS NOT NULL GROUP BY cid, campaign_id
)
{universe_of(not_opened)}"""

    # Living in Gdańsk (exact, case-sensitive).
    q["target_city"] = """SELECT c.contact_id FROM contacts c
WHERE c.created_at <= :t AND c.city = :city"""

    # At least 3 page views of running blog articles (URL starting with /blog/, any case)
    # in the last 7 days.
    q["topic_readers"] = f"""WITH
{ev("reads", {"ts": "e.ts"}, "e.name = 'page_view' AND e.ts > :lo AND e.ts <= :t AND lower(e.url) LIKE :url_pattern AND e.category = :category")}
{universe_of("SELECT cid FROM reads GROUP BY cid HAVING count(*) >= :min_reads")}"""

    # Spent more than 1000 on purchases in the last 3 calendar months.
    q["vip"] = f"""WITH
{ev("buys", {"amount": "e.amount"}, "e.name = 'purchase' AND e.ts > :lo AND e.ts <= :t")}
{universe_of("SELECT cid FROM buys GROUP BY cid HAVING coalesce(sum(amount), 0) > :spent")}"""

    # Benchmark only (bench/segments/documents): living in one of two cities, consenting to
    # e-mail, at least 2 purchases in the last 30 days and no page view in the last 7. The
    # contacts are narrowed down first; then only their events are read: their own, and the
    # anonymous ones of the ids ever linked to them (the latest link decides, among all of an
    # id's links). No purchase means no member, so only contacts with events can qualify.
    recent_activity = """((e.name = 'purchase' AND e.ts > :lo) OR (e.name = 'page_view' AND e.ts > :recent))
      AND e.ts <= :t
      AND (e.contact_id IN (SELECT contact_id FROM candidates)
           OR (e.contact_id IS NULL AND e.anonymous_id IN (SELECT anonymous_id FROM candidate_ids)))"""
    q["two_attributes"] = f"""WITH
candidates AS (
    SELECT c.contact_id FROM contacts c
    WHERE c.created_at <= :t AND c.city IN (:cities) AND c.email_consent
),
candidate_ids AS (
    SELECT DISTINCT i.anonymous_id FROM identities i WHERE i.contact_id IN (SELECT contact_id FROM candidates)
),
{ev("acts", {"name": "e.name"}, recent_activity)}
SELECT a.cid AS contact_id FROM acts a
WHERE a.cid IN (SELECT contact_id FROM candidates)
GROUP BY a.cid
HAVING count(*) FILTER (WHERE a.name = 'purchase') >= :min_purchases
   AND count(*) FILTER (WHERE a.name = 'page_view') = 0"""
    return q


DIALECTS = ("duckdb", "postgres")
QUERIES: dict[str, dict[str, str]] = {dialect: build(dialect) for dialect in DIALECTS}
SEGMENT_IDS = tuple(QUERIES["duckdb"])


# --- parameters --------------------------------------------------------------------------


def months_before(t: datetime, months: int) -> datetime:
    """``t`` moved back by calendar months, the day clamped to the month's length."""
    index = t.year * 12 + t.month - 1 - months
    year, month = divmod(index, 12)
    day = min(t.day, calendar.monthrange(year, month + 1)[1])
    return t.replace(year=year, month=month + 1, day=day)


def birthday_keys(t: datetime, days: int) -> list[int]:
    """month*100+day of today … today+days (UTC); 29 Feb counts on 28 Feb in a common year."""
    today = t.date()
    keys = []
    for i in range(min(days, 366) + 1):
        d = today + timedelta(days=i)
        keys.append(d.month * 100 + d.day)
        if d.month == 2 and d.day == 28 and not calendar.isleap(d.year):
            keys.append(229)
    return sorted(set(keys))


def params(segment_id: str, t: datetime) -> dict:
    """The values bound into a segment's query at evaluation time ``t`` (aware, UTC)."""
    day, hour = timedelta(days=1), timedelta(hours=1)
    return {
        "abandoned_cart": {"t": t, "lo": t - 7 * day, "stale": t - 2 * hour},
        "birthday": {"t": t, "keys": birthday_keys(t, 7)},
        "cross_sell": {"t": t, "product_a": "p_shoe_run_01", "product_b": "p_socks_run_01"},
        "interested": {"t": t, "lo": t - 7 * day},
        "lapsed": {"t": t, "lo": t - 30 * day},
        "mobile_active": {"t": t, "lo": t - 7 * day},
        "multichannel": {"t": t, "lo": t - 30 * day, "within": 24 * hour},
        "new_subscribers": {"t": t, "lo": t - 7 * day},
        "no_email_opens": {"t": t, "lo": t - 30 * day},
        "push_ignored": {"t": t, "lo": t - 7 * day, "stale": t - 24 * hour},
        "target_city": {"t": t, "city": "Gdańsk"},
        "topic_readers": {"t": t, "lo": t - 7 * day, "url_pattern": "/blog/%", "category": "running", "min_reads": 3},
        "vip": {"t": t, "lo": months_before(t, 3), "spent": 1000},
        "two_attributes": {
            "t": t,
            "cities": ["Szczecin", "Lublin"],
            "lo": t - 30 * day,
            "recent": t - 7 * day,
            "min_purchases": 2,
        },
    }[segment_id]


_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


def render(segment_id: str, t: datetime, dialect: str, count: bool = False) -> tuple[str, dict]:
    """The query text and its bound values for ``dialect`` (``duckdb`` or ``postgres``).
    A list value becomes one parameter per element. ``count`` wraps the query in a count."""
    given = params(segment_id, t)
    values: dict = {}

    def placeholder(name: str) -> str:
        return f"${name}" if dialect == "duckdb" else f"%({name})s"

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        value = given[name]
        if isinstance(value, list):
            names = [f"{name}_{i}" for i in range(len(value))]
            values.update(zip(names, value, strict=True))
            return ", ".join(placeholder(n) for n in names)
        values[name] = value
        return placeholder(name)

    text = _PARAM.sub(substitute, QUERIES[dialect][segment_id])
    if count:
        text = f"SELECT count(*) FROM (\n{text}\n) AS members"
    return text, values


def sql_text(segment_id: str, dialect: str = "duckdb") -> str:
    """The query as written, with its ``:name`` parameters."""
    return QUERIES[dialect][segment_id]
