"""Small worlds of contacts and events for the conformance suite, and a loader into a store.

Values cluster on the edges that semantics hinge on: timestamps exactly at window bounds
(and a microsecond either side), nulls, empty strings and arrays, 29 February, ties, and
anonymous events linked later. Rows are plain dicts: the reference evaluation reads them
as they are, and :func:`load` stores them through Arrow, bypassing the importer so that
the compiler is tested alone.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa

from workbench.expr.catalog import Catalog, EventType, Field
from workbench.store import catalog_store
from workbench.store.connection import transaction
from workbench.store.schema import CONTACTS, EVENTS, IDENTITIES
from workbench.store.statements import insert_arrow
from workbench.store.workspace import Workspace

UTC = UTC
T = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)
US = timedelta(microseconds=1)
DURATIONS = {
    "1h": timedelta(hours=1),
    "2h": timedelta(hours=2),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
CALENDAR_EDGES = [datetime(2026, 2, 28, 12, 0, tzinfo=UTC), datetime(2025, 5, 31, 12, 0, tzinfo=UTC)]  # T−3mo, T−1y

CITIES = ["Gdańsk", "Kraków", "Warszawa", "gdańsk", "", None]
STATUSES = ["lead", "customer", "vip", None]
TAGS = [["newsletter"], ["newsletter", "vip"], ["b2b"], [], None]
CATEGORIES = ["running", "cooking", "Tech", None]
PRODUCTS = ["p1", "p2", "p3", None]
CARTS = ["k1", "k2", "k3", None]
EVENT_NAMES = ["page_view", "purchase", "add_to_cart", "email_open", "email_click", "app_open"]
SOURCES = {
    "page_view": "web",
    "purchase": "custom",
    "add_to_cart": "custom",
    "email_open": "messaging",
    "email_click": "messaging",
    "app_open": "custom",
}
CUSTOM_FIELDS = {"loyalty_points": "number", "vip": "boolean"}
# a ``properties`` key holding amounts (declared decimal in every store the world is loaded into)
DECIMAL_PROPERTIES = ("price",)
# Purchases whose amounts add up exactly to 1001.00, 1000.00 and 1000.00 (averages 100.10,
# 90.9090…, 333.3333…), where binary floating point sums to 1000.9999999999999 and friends.
MONEY_EDGES = (
    (100.10,) * 10,
    (0.10,) * 10 + (999.00,),
    (333.33, 333.33, 333.34),
)


def edge_instants(as_of: datetime = T) -> list[datetime]:
    """Instants on and around every window bound the rules use."""
    points = [as_of, as_of - US, as_of + US, as_of + timedelta(days=1)]
    for delta in DURATIONS.values():
        points += [as_of - delta - US, as_of - delta, as_of - delta + US]
    for edge in CALENDAR_EDGES:
        points += [edge - US, edge, edge + US]
    return points


@dataclass
class World:
    """Rows of the three canonical tables, plus what the catalog needs to know."""

    contacts: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    identities: list[dict] = field(default_factory=list)
    as_of: datetime = T

    def reference_kwargs(self, **extra) -> dict:
        return {
            "contacts": self.contacts,
            "events": self.events,
            "identities": self.identities,
            "as_of": self.as_of,
            "decimal_properties": DECIMAL_PROPERTIES,
            **extra,
        }


def make_world(seed: int, n_contacts: int = 40, n_events: int = 400, as_of: datetime = T) -> World:
    """A deterministic random world whose values sit on the semantic edges."""
    rnd = random.Random(seed)
    instants = edge_instants(as_of)

    def instant() -> datetime:
        if rnd.random() < 0.6:
            return rnd.choice(instants)
        return as_of - timedelta(seconds=rnd.randrange(0, 400 * 86400))

    world = World(as_of=as_of)
    for i in range(n_contacts):
        created = rnd.choice([as_of - timedelta(days=400), as_of - timedelta(days=3), as_of, as_of + US, instant()])
        birth = rnd.choice(
            [date(2000, 2, 29), date(1990, 6, 1), date(1985, 5, 31), date(1999, 12, 31), date(1970, 1, 1), None]
        )
        world.contacts.append(
            {
                "contact_id": f"c{i:02d}",
                "email": rnd.choice([f"c{i}@example.pl", None, ""]),
                "phone": rnd.choice(["+48500100200", None]),
                "push_token": rnd.choice(["tok", None]),
                "first_name": rnd.choice(["Anna", "Piotr", "Zoë", None]),
                "last_name": rnd.choice(["Nowak", "Kowalska", None]),
                "gender": rnd.choice(["female", "male", "other", None]),
                "birth_date": birth,
                "city": rnd.choice(CITIES),
                "country": rnd.choice(["PL", "DE", None]),
                "language": rnd.choice(["pl", "en", None]),
                "status": rnd.choice(STATUSES),
                "tags": rnd.choice(TAGS),
                "email_consent": rnd.random() < 0.5,
                "sms_consent": rnd.random() < 0.5,
                "push_consent": rnd.random() < 0.5,
                "created_at": created,
                "updated_at": created,
                "loyalty_points": rnd.choice([0.0, 10.0, 250.5, 1000.0, None]),
                "vip": rnd.choice([True, False, None]),
            }
        )
    anon_ids = [f"a{i}" for i in range(8)]
    for a in anon_ids[:5]:
        contact = rnd.choice(world.contacts)["contact_id"]
        world.identities.append({"anonymous_id": a, "contact_id": contact, "linked_at": instant()})
    # one anonymous id linked twice: the latest link wins
    world.identities.append(
        {
            "anonymous_id": anon_ids[0],
            "contact_id": world.contacts[1]["contact_id"],
            "linked_at": as_of + timedelta(days=30),
        }
    )
    for j in range(n_events):
        name = rnd.choice(EVENT_NAMES)
        anonymous = rnd.random() < 0.2
        contact = None if anonymous else rnd.choice(world.contacts)["contact_id"]
        props: dict | None = {}
        if name in ("purchase", "add_to_cart"):
            props["cart_id"] = rnd.choice(CARTS)
            props["gift"] = rnd.choice([True, False])
        if name == "page_view":
            props["title"] = rnd.choice(["Buty", "Blog", "Sale"])
        if name == "app_open":
            props["app_version"] = rnd.choice([1, 2, 3.5])
        props = {k: v for k, v in props.items() if v is not None} or rnd.choice([None, {}])
        world.events.append(
            {
                "event_id": f"e{j:04d}",
                "contact_id": contact,
                "anonymous_id": rnd.choice(anon_ids) if anonymous or rnd.random() < 0.1 else None,
                "source": SOURCES[name],
                "name": name,
                "ts": instant(),
                "received_at": as_of,
                "url": rnd.choice(["/p/p1", "/blog/running/a", "/", None])
                if name in ("page_view", "email_click")
                else None,
                "category": rnd.choice(CATEGORIES) if name == "page_view" else None,
                "product_id": rnd.choice(PRODUCTS) if name in ("purchase", "add_to_cart", "page_view") else None,
                "campaign_id": rnd.choice(["cmp1", "cmp2"]) if name.startswith("email") else None,
                "channel": "email" if name.startswith("email") else None,
                "currency": "PLN" if name == "purchase" else None,
                "amount": rnd.choice([10.0, 99.99, 500.0, 1000.0, None])
                if name in ("purchase", "add_to_cart")
                else None,
                "duration_s": rnd.choice([5.0, 30.0, None]) if name == "page_view" else None,
                "quantity": rnd.choice([1.0, 2.0]) if name == "purchase" else None,
                "properties": props,
            }
        )
    _add_money_edges(world, as_of)
    # events carrying both ids make a link too
    for event in world.events:
        if event["contact_id"] is not None and event["anonymous_id"] is not None:
            world.identities.append(
                {"anonymous_id": event["anonymous_id"], "contact_id": event["contact_id"], "linked_at": event["ts"]}
            )
    return world


def _add_money_edges(world: World, as_of: datetime) -> None:
    """Purchases of :data:`MONEY_EDGES` for the first contacts of the universe, each amount also as the
    ``price`` property; every purchase and cart of the world gets its amount as ``price``."""
    for event in world.events:
        if event["amount"] is not None:
            event["properties"] = {**(event["properties"] or {}), "price": event["amount"]}
    buyers = [c["contact_id"] for c in world.contacts if c["created_at"] <= as_of]
    for i, amounts in enumerate(MONEY_EDGES):
        for j, amount in enumerate(amounts):
            world.events.append(
                {
                    "event_id": f"m{i}-{j:02d}",
                    "contact_id": buyers[i],
                    "anonymous_id": None,
                    "source": "custom",
                    "name": "purchase",
                    "ts": as_of - timedelta(days=1 + j),
                    "received_at": as_of,
                    **dict.fromkeys(("url", "category", "product_id", "campaign_id", "channel", "duration_s")),
                    "currency": "PLN",
                    "amount": amount,
                    "quantity": 1.0,
                    "properties": {"price": amount},
                }
            )


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


def learned_properties(events: list[dict]) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    learned: dict[str, dict[str, str]] = {}
    sources: dict[str, str] = {}
    for e in events:
        props = learned.setdefault(e["name"], {})
        sources[e["name"]] = e["source"]
        for k, v in (e["properties"] or {}).items():
            props[k] = _json_type(v)
    return learned, sources


def event_table(events: list[dict]) -> pa.Table:
    """Event rows as the store holds them: ``properties`` as JSON text, amounts as decimals."""
    rows = [
        {
            **e,
            "properties": None if e["properties"] is None else json.dumps(e["properties"]),
            "amount": Decimal(repr(e["amount"])) if isinstance(e.get("amount"), float) else e.get("amount"),
        }
        for e in events
    ]
    return pa.Table.from_pylist(rows, schema=EVENTS.to_pyarrow())


def load(ws, world: World, all_event_names: bool = True) -> Catalog:
    """Replace the store's rows by the world's (and register custom fields); returns the catalog.

    ``ws`` is a Workspace, or the chdb store of ``tests/chdb_store.py``.
    """
    contacts_schema = pa.schema(
        [*CONTACTS.to_pyarrow(), pa.field("loyalty_points", pa.float64()), pa.field("vip", pa.bool_())]
    )
    tables = {
        "contacts": pa.Table.from_pylist(world.contacts, schema=contacts_schema),
        "events": event_table(world.events),
        "identities": pa.Table.from_pylist(world.identities, schema=IDENTITIES.to_pyarrow()),
    }
    learned, sources = learned_properties(world.events)
    if all_event_names:
        for name in EVENT_NAMES:
            learned.setdefault(name, {})
            sources.setdefault(name, SOURCES[name])
    if not isinstance(ws, Workspace):
        ws.decimal_properties = frozenset(DECIMAL_PROPERTIES)
        custom = tuple(Field(name, type_, name, custom=True) for name, type_ in CUSTOM_FIELDS.items())
        ws.load_tables(tables, custom, {n: EventType(n, sources[n], learned[n]) for n in learned})
        return ws.catalog
    ws.set_decimal_properties(DECIMAL_PROPERTIES)
    existing = {f.name for f in ws.catalog.custom_fields}
    for name, type_ in CUSTOM_FIELDS.items():
        if name not in existing:
            ws.add_field(name, type_)
    with ws.connector.writing() as con, transaction(con):
        for name, table in tables.items():
            con.truncate_table(name)
            if table.num_rows:
                insert_arrow(con, name, table)
        con.truncate_table("wb_event_properties")
        catalog_store.bump(con, "catalog")  # whoever changes the catalog's tables says so
        anonymous = frozenset(e["name"] for e in world.events if e["contact_id"] is None)
        catalog_store.learn_events(con, learned, sources, {}, anonymous)
    return ws.catalog
