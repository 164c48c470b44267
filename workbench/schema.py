"""The canonical tables of SEGMENT_SPEC §1 as Ibis schemas: the bottom layer.

Both the compiler (``workbench.expr``, which builds its queries on unbound tables of these
schemas) and the store (``workbench.store``, which creates the tables from them) import
this module; it imports neither. The workbench's own ``wb_*`` tables are declared in
``workbench.store.schema``, except the list members, which rules read.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

TIMESTAMP = dt.Timestamp(timezone="UTC")

MONEY_SCALE = 4
MONEY = dt.Decimal(precision=18, scale=MONEY_SCALE)
"""Amounts of money: exact decimals with four places, below 10^14 in magnitude. Sums,
averages and comparisons of them are exact and the same on every engine (SPEC §1); an
amount given with more places is rounded half away from zero when it is stored."""

CONTACTS = ibis.schema(
    {
        "contact_id": dt.String(nullable=False),
        "email": dt.string,
        "phone": dt.string,
        "push_token": dt.string,
        "first_name": dt.string,
        "last_name": dt.string,
        "gender": dt.string,
        "birth_date": dt.date,
        "city": dt.string,
        "country": dt.string,
        "language": dt.string,
        "status": dt.string,
        "tags": dt.Array(dt.string),
        "email_consent": dt.Boolean(nullable=False),
        "sms_consent": dt.Boolean(nullable=False),
        "push_consent": dt.Boolean(nullable=False),
        "created_at": TIMESTAMP.copy(nullable=False),
        "updated_at": TIMESTAMP.copy(nullable=False),
    }
)

EVENTS = ibis.schema(
    {
        "event_id": dt.String(nullable=False),
        "contact_id": dt.string,
        "anonymous_id": dt.string,
        "source": dt.String(nullable=False),
        "name": dt.String(nullable=False),
        "ts": TIMESTAMP.copy(nullable=False),
        "received_at": TIMESTAMP.copy(nullable=False),
        "url": dt.string,
        "category": dt.string,
        "product_id": dt.string,
        "campaign_id": dt.string,
        "channel": dt.string,
        "currency": dt.string,
        "amount": MONEY,
        "duration_s": dt.float64,
        "quantity": dt.float64,
        "properties": dt.JSON(binary=True),
    }
)

IDENTITIES = ibis.schema(
    {
        "anonymous_id": dt.String(nullable=False),
        "contact_id": dt.String(nullable=False),
        "linked_at": TIMESTAMP.copy(nullable=False),
    }
)

CANONICAL = {"contacts": CONTACTS, "events": EVENTS, "identities": IDENTITIES}

EVENT_SOURCES = ("web", "messaging", "custom")
MESSAGING_EVENTS = (
    "email_sent",
    "email_open",
    "email_click",
    "sms_sent",
    "sms_click",
    "push_sent",
    "push_open",
    "bounce",
    "unsubscribe",
)
GENDERS = ("female", "male", "other")

LIST_MEMBERS_TABLE = "wb_list_members"  # the compiler reads it for "is on list" rules; the store keeps it
LIST_MEMBERS = ibis.schema({"list_id": dt.String(nullable=False), "contact_id": dt.String(nullable=False)})

SCOPE_TABLE = "wb_scope"
"""A scoped evaluation (``CompileContext.many_sql(scoped=True)``) reads only the contacts listed
in a table of this name, which the caller provides for the query (the watcher: contacts that
may have changed since its last round)."""
SCOPE = ibis.schema({"contact_id": dt.String(nullable=False)})

# Event columns that rules may name as properties, with their catalog types.
EVENT_COLUMN_TYPES = {
    "source": "string",
    "name": "string",
    "url": "string",
    "category": "string",
    "product_id": "string",
    "campaign_id": "string",
    "channel": "string",
    "currency": "string",
    "amount": "number",
    "duration_s": "number",
    "quantity": "number",
    "anonymous_id": "string",
    "ts": "timestamp",
}
