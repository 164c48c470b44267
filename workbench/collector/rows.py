"""Accepted requests as the store's rows, made in the collector's process without the importer.

``Workspace.append`` checks rows as an import file's are, on a private DuckDB connection:
right for files, but its fixed cost (tens of milliseconds a call) is more than a whole small
request may cost. What reaches this module has been checked already by the request models
(``models.py``: types, NUL characters, property names, event times) and ``amount_problem``,
so it only has to produce what the importer would produce for the same rows:

- text as given, empty text as null (the importer reads "" as "not given");
- ``amount`` from the shortest text of the number, rounded half away from zero to the
  amount's places (``decimal_amount``), as an import file's text is;
- ``properties`` as the JSON text ``json.dumps(..., ensure_ascii=False)``;
- a missing ``event_id`` derived from the content by the importer's own function;
- the catalog's lessons (property types by most frequent JSON type, each name's most
  frequent source, the names that came without a contact) and the identity links of
  events that carry both ids (the latest ``ts`` per pair).

The collector's processes journal a group of a few accepted rows as JSON (``journal_rows``),
which costs a few microseconds a row; the loader turns a whole round of them into Arrow at
once (``events_table``), where each small group would otherwise pay a fixed ~0.3 ms. A group
of many rows is journaled as Arrow (``ipc_bytes``), made in the HTTP processes.

``tests/test_collector_rows.py`` checks this against ``prepare_table`` on generated events,
and that rows come out of the journal as they went in.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from workbench.store.importer import MONEY_DIGITS, MONEY_LIMIT, derive_event_ids
from workbench.store.lessons import JSON_TYPE_NAMES, EventTally
from workbench.store.schema import EVENTS, IDENTITIES, MONEY, MONEY_SCALE

EVENT_SCHEMA = pa.schema(
    [pa.field(name, pa.string() if t.is_json() else t.to_pyarrow(), t.nullable) for name, t in EVENTS.items()]
)
LINK_SCHEMA = IDENTITIES.to_pyarrow()
_PLACES = Decimal(1).scaleb(-MONEY_SCALE)
_MONEY_TYPE = MONEY.to_pyarrow()


def decimal_amount(value: float | int) -> Decimal:
    """An amount as stored: the digits of its shortest text, rounded half away from zero."""
    return Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(_PLACES, rounding=ROUND_HALF_UP)


def amount_problem(value: float | int | None) -> str | None:
    """Why an amount cannot be stored (too large for the exact amount type), or None."""
    if value is None or abs(decimal_amount(value)) < MONEY_LIMIT:
        return None
    return f"{value!r} is too large for an amount (at most {MONEY_DIGITS} digits before the point)"


def _json_type(value: Any) -> str | None:
    """The catalog type the importer learns from a JSON value (None for null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return JSON_TYPE_NAMES["BOOLEAN"]
    if isinstance(value, int | float):
        return JSON_TYPE_NAMES["DOUBLE"]
    return JSON_TYPE_NAMES["VARCHAR"]  # text, arrays and objects compare as text


@dataclass
class Lessons(EventTally):
    """What a batch of events teaches the catalog (``learn_events``'s arguments), tallied
    row by row as requests arrive, and carried in the journal as JSON."""

    anonymous: set[str] = field(default_factory=set)

    def add(self, row: Mapping[str, Any]) -> None:
        name = row["name"]
        self.sources[(name, row["source"])] += 1
        if not row.get("contact_id"):
            self.anonymous.add(name)
        for key, value in (row.get("properties") or {}).items():
            if (learned := _json_type(value)) is not None:
                self.types[(name, key, learned)] += 1

    def merge(self, other: Lessons) -> None:
        self.types.update(other.types)
        self.sources.update(other.sources)
        self.anonymous |= other.anonymous

    def to_json(self) -> str:
        return json.dumps(
            {
                "types": [[*k, n] for k, n in self.types.items()],
                "sources": [[*k, n] for k, n in self.sources.items()],
                "anonymous": sorted(self.anonymous),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Lessons:
        data = json.loads(text)
        return cls(
            Counter({(n, k, t): c for n, k, t, c in data["types"]}),
            Counter({(n, s): c for n, s, c in data["sources"]}),
            set(data["anonymous"]),
        )


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


# json.dumps(v, ensure_ascii=False) makes a new encoder at every call
_PROPERTIES_JSON = json.JSONEncoder(ensure_ascii=False)

# How a column's values are converted (nulls stay null); text columns go through _text.
_CONVERT = {
    "ts": lambda v: v,
    "amount": decimal_amount,
    "duration_s": float,
    "quantity": float,
    "properties": lambda v: _PROPERTIES_JSON.encode(v) if v else None,
}


def events_table(rows: Iterable[Mapping[str, Any]], received_at: datetime) -> pa.Table:
    """Event rows (checked) as the store's events, with missing event ids derived."""
    rows = list(rows)
    given = set().union(*rows)
    columns = {}
    for f in EVENT_SCHEMA:
        if f.name == "received_at":
            columns[f.name] = pa.array([received_at] * len(rows), f.type)
            continue
        if f.name not in given:
            columns[f.name] = pa.nulls(len(rows), f.type)
            continue
        values = [r.get(f.name) for r in rows]
        convert = _CONVERT.get(f.name)
        if convert is None:  # text, nearly always given as non-empty str
            values = [v if v.__class__ is str and v else _text(v) for v in values]
        else:
            values = [None if v is None else convert(v) for v in values]
        columns[f.name] = pa.array(values, f.type)
    table = pa.table(columns, schema=EVENT_SCHEMA.with_metadata(None))
    if table.num_rows and table["event_id"].null_count:
        table = derive_event_ids(table.cast(pa.schema([f.with_nullable(True) for f in EVENT_SCHEMA]))).cast(
            EVENT_SCHEMA
        )
    return table


def event_links(events: pa.Table) -> pa.Table:
    """The identity links of events that carry both ids: per pair, the latest ``ts``."""
    both = events.filter(pc.and_(pc.is_valid(events["anonymous_id"]), pc.is_valid(events["contact_id"])))
    if not both.num_rows:
        return LINK_SCHEMA.empty_table()
    pairs = both.group_by(["anonymous_id", "contact_id"]).aggregate([("ts", "max")])
    return pairs.rename_columns(["anonymous_id", "contact_id", "linked_at"]).cast(LINK_SCHEMA)


def links_table(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Identity link rows (``anonymous_id``, ``contact_id``, ``linked_at``) as Arrow."""
    return pa.Table.from_pylist(list(rows), schema=LINK_SCHEMA)


# the columns that hold instants, journaled as ISO 8601 text with their offset
_INSTANTS = {"ts", "linked_at"}


def journal_rows(events: Iterable[Mapping[str, Any]], links: Iterable[Mapping[str, Any]]) -> bytes:
    """Accepted event rows and identity links as the body of a ``ROWS`` journal record:
    JSON, instants as ISO text. Any value JSON cannot carry exactly fails here, before the
    request is answered."""
    body = {"events": [_instants_as_text(r) for r in events], "links": [_instants_as_text(r) for r in links]}
    return json.dumps(body, separators=(",", ":")).encode()


def rows_of_journal(body: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The event rows and identity links of a ``ROWS`` record, as ``journal_rows`` got them."""
    data = json.loads(body)
    return [_instants_back(r) for r in data["events"]], [_instants_back(r) for r in data["links"]]


def _instants_as_text(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if k in _INSTANTS and v is not None else v for k, v in row.items()}


def _instants_back(row: dict[str, Any]) -> dict[str, Any]:
    for key in _INSTANTS.intersection(row):
        if row[key] is not None:
            row[key] = datetime.fromisoformat(row[key])
    return row


def ipc_bytes(table: pa.Table, metadata: dict[str, str] | None = None) -> bytes:
    """A table as an Arrow IPC stream (the body of an ``EVENTS`` or ``LINKS`` record)."""
    if metadata:
        table = table.replace_schema_metadata(metadata)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def ipc_table(body: bytes) -> pa.Table:
    """The table of an Arrow IPC stream written by :func:`ipc_bytes`."""
    return pa.ipc.open_stream(body).read_all()


__all__ = [
    "EVENT_SCHEMA",
    "LINK_SCHEMA",
    "Lessons",
    "amount_problem",
    "decimal_amount",
    "event_links",
    "events_table",
    "ipc_bytes",
    "ipc_table",
    "journal_rows",
    "links_table",
    "rows_of_journal",
]
