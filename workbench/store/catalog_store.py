"""Reading and updating the field catalog kept in the store, and the store's version counters.

``wb_versions`` holds one counter per kind of change: ``catalog`` (custom fields, settings,
event names and property types learned from data), ``library`` (saved segments),
``lists`` (static lists) and ``data`` (contacts, events and identities stored). Every
write bumps its counter in the same transaction, so a process that cached what it read
knows, from one tiny query, whether anyone (any process) changed it since; the ``epoch``
row is random per store, so a store made anew at the same URL is never mistaken for the
old one. ClickHouse has no transactions: there, nothing is cached.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ibis
import pyarrow as pa
import sqlglot.expressions as exp
from ibis.backends import BaseBackend

from workbench.errors import WorkbenchError
from workbench.expr.catalog import STANDARD_FIELDS, Catalog, EventType, Field
from workbench.expr.labels import Labels
from workbench.expr.operators import TYPES
from workbench.i18n import DEFAULT_LOCALE
from workbench.store.reads import fetch
from workbench.store.statements import add_column, delete_where, execute, update_where
from workbench.store.tables import CONTACT_FIELDS, EVENT_PROPERTIES, SETTINGS

FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def read_catalog(con: BaseBackend, segments: frozenset[str], lists: frozenset[str]) -> Catalog:
    """The catalog as the store holds it now."""
    custom = tuple(
        Field(r["name"], r["type"], r["label"], r["description"] or "", custom=True)
        for r in fetch(con, CONTACT_FIELDS.unbound()).to_pylist()
    )
    events: dict[str, dict] = {}
    for r in fetch(con, EVENT_PROPERTIES.unbound()).to_pylist():
        entry = events.setdefault(r["event"], {"source": r["source"], "properties": {}})
        if r["property"] is not None:
            entry["properties"][r["property"]] = r["type"]
    settings = read_settings(con)
    identified = _identified(settings)
    return Catalog.standard(
        custom,
        events={
            name: EventType(name, e["source"], e["properties"], anonymous=name not in identified)
            for name, e in events.items()
        },
        segments=segments,
        lists=lists,
        timezone=settings.get("timezone", "UTC"),
        currency=settings.get("currency", "PLN"),
        decimal_properties=frozenset(json.loads(settings.get(DECIMAL_SETTING, "[]"))),
        labels=read_labels(settings),
        locale=settings.get(LOCALE_SETTING, DEFAULT_LOCALE),
    )


def read_settings(con: BaseBackend) -> dict[str, str]:
    """Every setting by key. Should two processes ever have written the same key at once
    (PostgreSQL has no cross-process lock here), the smallest value wins everywhere."""
    rows = fetch(con, SETTINGS.unbound()).to_pylist()
    return {r["key"]: r["value"] for r in sorted(rows, key=lambda r: (r["key"], r["value"]), reverse=True)}


def write_setting(con: BaseBackend, key: str, value: str) -> None:
    """Store a setting; a caller whose setting is part of the catalog bumps ``catalog``."""
    delete_where(con, SETTINGS.name, key=key)
    con.insert(
        SETTINGS.name, ibis.memtable(pa.table({"key": [key], "value": [value]}, schema=SETTINGS.schema.to_pyarrow()))
    )


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
    con.insert(
        CONTACT_FIELDS.name, ibis.memtable(pa.Table.from_pylist([row], schema=CONTACT_FIELDS.schema.to_pyarrow()))
    )
    bump(con, "catalog")
    return Field(name, type_, label, description, custom=True)


LOCALE_SETTING = "locale"
"""The workspace's language (``en``, ``pl``)."""

LABELS_SETTING = "labels"
"""The workspace's display labels (JSON: locale → kind → raw name → label; see expr/labels.py)."""


def read_labels(settings: Mapping[str, str]) -> dict[str, Labels]:
    """The workspace's own labels by locale."""
    return {locale: Labels.from_dict(kinds) for locale, kinds in json.loads(settings.get(LABELS_SETTING, "{}")).items()}


DECIMAL_SETTING = "decimal_properties"
"""The ``properties`` keys whose numbers are amounts (JSON list), read as exact decimals."""

IDENTIFIED_SETTING = "identified_events"
"""The event names every stored event of which had a contact, since the store first saw
the name (JSON list). Others may have come anonymous: segments on them look links up."""


def _identified(settings: Mapping[str, str]) -> set[str]:
    return set(json.loads(settings.get(IDENTIFIED_SETTING, "[]")))


@dataclass
class _Known:
    """The event part of a store's catalog as of one ``catalog`` version."""

    version: int
    rows: dict[tuple[str, str | None], tuple[str, str | None]]  # (event, property) -> (source, type)
    identified: set[str]


# Per process, by store epoch: what learn_events last knew of the catalog. A write that
# finds the store's catalog version unchanged since then reads nothing of the catalog.
_KNOWN: dict[int, _Known] = {}


def _known_now(con: BaseBackend, version: int | None) -> _Known:
    rows = {
        (r["event"], r["property"]): (r["source"], r["type"])
        for r in fetch(con, EVENT_PROPERTIES.unbound()).to_pylist()
    }
    return _Known(version if version is not None else -1, rows, _identified(read_settings(con)))


def learn_events(
    con: BaseBackend,
    learned: Mapping[str, Mapping[str, str]],
    sources: Mapping[str, str],
    seen: Mapping[str, int],
    anonymous: frozenset[str] = frozenset(),
) -> Callable[[], None]:
    """Add to the catalog the event names, properties and types of new data that it lacks,
    and which names came without a contact (``anonymous``: a name is known to be always
    identified only from its first event on). Call inside the write transaction.

    Only what is new is written: names and properties not catalogued yet (``seen`` is their
    count in this data), and properties whose type changes (mixed types across events
    compare as text). What the catalog holds is read once per process and kept while the
    store's ``catalog`` version says no one else changed it, so the cost of a write does not
    grow with the catalog. Returns what to call once the transaction has committed: it
    keeps what this write taught (not before: a rolled-back write must not be remembered).
    """
    versions = None
    if has_versions(con):
        ensure_versions(con)
        versions = read_versions(con)
    epoch = versions["epoch"] if versions else None
    known = _KNOWN.get(epoch) if epoch is not None else None
    if known is None or versions is None or known.version != versions["catalog"]:
        known = _known_now(con, versions["catalog"] if versions else None)
    rows = dict(known.rows)
    new: list[dict] = []
    retyped: list[tuple[str, str]] = []
    for event, props in learned.items():
        if (event, None) not in rows:
            rows[(event, None)] = (sources.get(event, "custom"), None)
            new.append({"event": event, "source": rows[(event, None)][0], "property": None, "type": None})
        source = rows[(event, None)][0]
        for prop, type_ in props.items():
            current = rows.get((event, prop))
            if current is None:
                rows[(event, prop)] = (source, type_)
                new.append({"event": event, "source": source, "property": prop, "type": type_})
            elif current[1] not in (type_, "string"):
                rows[(event, prop)] = (current[0], "string")  # mixed types across events: compare as text
                retyped.append((event, prop))
    names = {event for event, _ in known.rows}
    identified = (known.identified | {e for e in learned if e not in names}) - anonymous
    if identified != known.identified:
        write_setting(con, IDENTIFIED_SETTING, json.dumps(sorted(identified)))
    if new:
        for row in new:
            row["seen"] = seen.get(row["event"], 0) if row["property"] is None else 0
        table = pa.Table.from_pylist(new, schema=EVENT_PROPERTIES.schema.to_pyarrow())
        con.insert(EVENT_PROPERTIES.name, ibis.memtable(table))
    for event, prop in retyped:
        update_where(con, EVENT_PROPERTIES.name, {"type": "string"}, event=event, property=prop)
    changed = bool(new or retyped or identified != known.identified)
    if changed:
        bump(con, "catalog")
    if epoch is None:
        return lambda: None
    after = read_versions(con)
    expected = versions["catalog"] + (1 if changed else 0)
    if after is None or after["catalog"] != expected:  # someone else changed it meanwhile
        return lambda: _KNOWN.pop(epoch, None)
    taught = _Known(expected, rows, identified)
    return lambda: _KNOWN.__setitem__(epoch, taught)


# --- version counters -----------------------------------------------------------------------

VERSION_KEYS = ("catalog", "library", "lists", "data")
VERSIONS_TABLE = "wb_versions"
_VERSIONS_READ = ibis.table({"key": "string", "n": "int64"}, name=VERSIONS_TABLE)


def has_versions(con: BaseBackend) -> bool:
    """Whether this backend keeps version counters (not ClickHouse)."""
    return con.name in ("duckdb", "postgres")


def ensure_versions(con: BaseBackend) -> None:
    """Create ``wb_versions`` and its rows if missing (stores made before it existed)."""
    if not has_versions(con):
        return
    columns = [
        exp.ColumnDef(
            this=exp.to_identifier("key"),
            kind=exp.DataType.build("VARCHAR"),
            constraints=[exp.ColumnConstraint(kind=exp.PrimaryKeyColumnConstraint())],
        ),
        exp.ColumnDef(
            this=exp.to_identifier("n"),
            kind=exp.DataType.build("BIGINT"),
            constraints=[exp.ColumnConstraint(kind=exp.NotNullColumnConstraint())],
        ),
    ]
    table = exp.Schema(this=exp.to_table(VERSIONS_TABLE), expressions=columns)
    execute(con, exp.Create(this=table, kind="TABLE", exists=True))
    epoch = random.SystemRandom().randrange(1, 2**62)
    rows = [(key, 0) for key in VERSION_KEYS] + [("epoch", epoch)]
    values = exp.values([(exp.Placeholder(), exp.Placeholder()) for _ in rows])
    insert = exp.insert(values, VERSIONS_TABLE, columns=["key", "n"])
    insert.set("conflict", exp.OnConflict(action=exp.var("DO NOTHING")))
    execute(con, insert, [v for row in rows for v in row])


def bump(con: BaseBackend, *keys: str) -> None:
    """Count a change of these kinds; call inside the transaction that makes the change."""
    if not has_versions(con):
        return
    assert set(keys) <= set(VERSION_KEYS), keys
    ensure_versions(con)
    increment = exp.update(VERSIONS_TABLE, {"n": exp.column("n") + exp.Literal.number(1)})
    increment.set("where", exp.Where(this=exp.column("key").isin(*[exp.Placeholder() for _ in keys])))
    execute(con, increment, list(keys))


def read_versions(con: BaseBackend) -> dict[str, int] | None:
    """Every counter and the store's ``epoch`` (None if incomplete). The table must exist:
    see :func:`ensure_versions`."""
    versions = {row["key"]: row["n"] for row in fetch(con, _VERSIONS_READ).to_pylist()}
    return versions if {*VERSION_KEYS, "epoch"} <= set(versions) else None
