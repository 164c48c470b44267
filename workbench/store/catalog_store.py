"""Reading and updating the field catalog kept in the store."""

from __future__ import annotations

import re
from collections.abc import Mapping

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

from workbench.errors import WorkbenchError
from workbench.expr.catalog import STANDARD_FIELDS, Catalog, EventType, Field
from workbench.expr.operators import TYPES
from workbench.store.dml import add_column, delete_where
from workbench.store.reads import fetch, internal_table
from workbench.store.schema import CONTACT_FIELDS, EVENT_PROPERTIES, SETTINGS

FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def read_catalog(con: BaseBackend, segments: frozenset[str], lists: frozenset[str]) -> Catalog:
    """The catalog as the store holds it now."""
    custom = tuple(
        Field(r["name"], r["type"], r["label"], r["description"] or "", custom=True)
        for r in fetch(con, internal_table("wb_contact_fields")).to_pylist()
    )
    events: dict[str, dict] = {}
    for r in fetch(con, internal_table("wb_event_properties")).to_pylist():
        entry = events.setdefault(r["event"], {"source": r["source"], "properties": {}})
        if r["property"] is not None:
            entry["properties"][r["property"]] = r["type"]
    settings = read_settings(con)
    return Catalog.standard(
        custom,
        events={name: EventType(name, e["source"], e["properties"]) for name, e in events.items()},
        segments=segments,
        lists=lists,
        timezone=settings.get("timezone", "UTC"),
        currency=settings.get("currency", "PLN"),
    )


def read_settings(con: BaseBackend) -> dict[str, str]:
    return {r["key"]: r["value"] for r in fetch(con, internal_table("wb_settings")).to_pylist()}


def write_setting(con: BaseBackend, key: str, value: str) -> None:
    delete_where(con, "wb_settings", key=key)
    con.insert("wb_settings", ibis.memtable(pa.table({"key": [key], "value": [value]}, schema=SETTINGS.to_pyarrow())))


def register_field(con: BaseBackend, name: str, type_: str, label: str, description: str) -> Field:
    """Add a typed custom contact field: a new ``contacts`` column and its catalog entry."""
    if not FIELD_NAME_RE.match(name):
        raise WorkbenchError(f"field name {name!r} must be lower-case letters, digits and '_', starting with a letter")
    if name in {f.name for f in STANDARD_FIELDS} or name in con.table("contacts").columns:
        raise WorkbenchError(f"contacts already has a field {name!r}")
    if type_ not in TYPES:
        raise WorkbenchError(f"unknown field type {type_!r}; use one of {', '.join(TYPES)}")
    add_column(con, "contacts", name, type_)
    row = {"name": name, "type": type_, "label": label, "description": description}
    con.insert("wb_contact_fields", ibis.memtable(pa.Table.from_pylist([row], schema=CONTACT_FIELDS.to_pyarrow())))
    return Field(name, type_, label, description, custom=True)


def learn_events(
    con: BaseBackend, learned: Mapping[str, Mapping[str, str]], sources: Mapping[str, str], seen: Mapping[str, int]
) -> None:
    """Merge event names and property types seen in new data into the catalog."""
    table = con.table("wb_event_properties")
    current = {(r["event"], r["property"]): r for r in con.to_pyarrow(table).to_pylist()}
    for event, props in learned.items():
        key = (event, None)
        row = current.setdefault(
            key, {"event": event, "source": sources.get(event, "custom"), "property": None, "type": None, "seen": 0}
        )
        row["seen"] += seen.get(event, 0)
        for prop, type_ in props.items():
            prow = current.setdefault(
                (event, prop), {"event": event, "source": row["source"], "property": prop, "type": type_, "seen": 0}
            )
            if prow["type"] != type_:
                prow["type"] = "string"  # mixed types across events: compare as text
    rows = pa.Table.from_pylist(list(current.values()), schema=EVENT_PROPERTIES.to_pyarrow())
    con.truncate_table("wb_event_properties")
    con.insert("wb_event_properties", ibis.memtable(rows))
