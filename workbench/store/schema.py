"""The workbench's own tables as Ibis schemas, beside the canonical ones of
:mod:`workbench.schema` (re-exported here for the store's users).

One definition serves every backend: the store creates tables from these schemas.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

from workbench.schema import (
    CANONICAL,
    CONTACTS,
    EVENT_COLUMN_TYPES,
    EVENT_SOURCES,
    EVENTS,
    GENDERS,
    IDENTITIES,
    LIST_MEMBERS,
    MESSAGING_EVENTS,
    MONEY,
    MONEY_SCALE,
    TIMESTAMP,
)

__all__ = [
    "CANONICAL",
    "CONTACTS",
    "CONTACT_FIELDS",
    "EVENTS",
    "EVENT_COLUMN_TYPES",
    "EVENT_PROPERTIES",
    "EVENT_SOURCES",
    "GENDERS",
    "IDENTITIES",
    "LISTS",
    "LIST_MEMBERS",
    "MESSAGING_EVENTS",
    "MONEY",
    "MONEY_SCALE",
    "SEGMENTS",
    "SETTINGS",
    "TIMESTAMP",
]

# The workbench's own tables: the segment library, static lists and the field catalog.
SEGMENTS = ibis.schema(
    {
        "segment_id": dt.String(nullable=False),
        "name": dt.String(nullable=False),
        "document": dt.String(nullable=False),
        "created_at": TIMESTAMP.copy(nullable=False),
        "updated_at": TIMESTAMP.copy(nullable=False),
    }
)

LISTS = ibis.schema(
    {
        "list_id": dt.String(nullable=False),
        "name": dt.String(nullable=False),
        "description": dt.string,
        "origin": dt.string,
        "created_at": TIMESTAMP.copy(nullable=False),
    }
)


CONTACT_FIELDS = ibis.schema(
    {
        "name": dt.String(nullable=False),
        "type": dt.String(nullable=False),
        "label": dt.String(nullable=False),
        "description": dt.string,
    }
)

EVENT_PROPERTIES = ibis.schema(
    {
        "event": dt.String(nullable=False),
        "source": dt.String(nullable=False),
        "property": dt.string,
        "type": dt.string,
        "seen": dt.Int64(nullable=False),
    }
)

SETTINGS = ibis.schema({"key": dt.String(nullable=False), "value": dt.String(nullable=False)})
