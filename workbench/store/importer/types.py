"""The target tables of an import (SEGMENT_SPEC §1) as the importer sees them: column types,
what is required, the choices, and the records it hands on (``Reject``, ``Prepared``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import ibis.expr.datatypes as dt
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.errors import ImportFailed
from workbench.expr.catalog import FIELD_DTYPES
from workbench.expr.fieldtypes import ARRAY, BOOLEAN, DATE, NUMBER, STRING, TIMESTAMP
from workbench.store.schema import CONTACTS, EVENT_SOURCES, EVENTS, GENDERS, IDENTITIES, MONEY_SCALE
from workbench.store.schema import MONEY as MONEY_DTYPE
from workbench.store.staging import Staged

KINDS = ("contacts", "events", "identities")
PARQUET_FIRST_LINE = 1  # line of a Parquet file's first row (its 0-based index + this)
MAX_SHOWN = 80  # characters of a bad value quoted in a reason
# Digest of derived event ids (see _derive_event_ids). MD5, not SHA-256: the id is an
# idempotency key, not a security measure, and DuckDB's MD5 is about 3x cheaper, which
# is a third of the time of a 20M-row file without ids.
EVENT_ID_HASH = "md5"

CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")

MONEY, JSON = "money", "json"  # column types of the store beside the catalog's field types
CUSTOM_TYPES = (STRING, NUMBER, BOOLEAN, DATE, TIMESTAMP, ARRAY)
ARROW_TYPES = {
    STRING: pa.string(),
    NUMBER: pa.float64(),
    MONEY: MONEY_DTYPE.to_pyarrow(),
    BOOLEAN: pa.bool_(),
    DATE: pa.date32(),
    TIMESTAMP: pa.timestamp("us", tz="UTC"),
    ARRAY: pa.list_(pa.string()),
    JSON: pa.string(),
}
IBIS_TYPES = {**FIELD_DTYPES, MONEY: MONEY_DTYPE, JSON: dt.json}
# Amounts of this magnitude or more (after rounding to MONEY_SCALE places) do not fit MONEY.
MONEY_DIGITS = MONEY_DTYPE.precision - MONEY_SCALE
MONEY_LIMIT = 10**MONEY_DIGITS
TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")

TIMESTAMP_RE = (
    r"^\s*\d{4}-\d{2}-\d{2}"
    r"([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?\s*$"
)
DATE_RE = r"^\s*\d{4}-\d{2}-\d{2}\s*$"
NUMBER_RE = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
NUL = "\x00"
# A NUL escaped in JSON text: \u0000 after an even number of backslashes (\\u0000 is text)
JSON_NUL_RE = r"(^|[^\\])(\\\\)*\\u0000"

# Columns that must carry a value in every row (not nullable, no default).
REQUIRED = {
    "contacts": ("contact_id", "created_at"),
    "events": ("source", "name", "ts"),
    "identities": ("anonymous_id", "contact_id"),
}
CHOICES = {"source": EVENT_SOURCES, "gender": GENDERS}
DEDUPE_KEYS = {
    "contacts": ("contact_id",),
    "events": ("event_id",),
    "identities": ("anonymous_id", "contact_id"),
}


@dataclass(frozen=True)
class Reject:
    """A row that was not imported."""

    line: int  # CSV: physical line in the file (header = 1); Parquet: row index + 1
    reason: str  # every problem of the row, "; "-separated, each naming its column
    raw: dict[str, str | None]  # the row's original values as text, by header name
    file: Path | None = None  # the file it is in (an import of several files)


@dataclass
class Prepared:
    """The outcome of reading one import file."""

    kind: str  # "contacts" | "events" | "identities"
    table: pa.Table | None  # good rows, exactly the target columns and arrow types; None: ``staged``
    rejects: list[Reject]
    learned: dict[str, dict[str, str]] = field(default_factory=dict)  # events: name -> key -> type
    sources: dict[str, str] = field(default_factory=dict)  # events: name -> most frequent source
    rows_read: int = 0  # data rows in the file (blank lines not counted)
    duplicates_in_file: int = 0  # later rows dropped for repeating an earlier row's key
    links: pa.Table = field(default_factory=lambda: IDENTITIES.to_pyarrow().empty_table())
    columns: tuple[str, ...] = ()  # target columns the file supplied (before defaults)
    event_counts: dict[str, int] = field(default_factory=dict)  # events: name -> good rows
    property_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # name -> key -> rows
    staged: Staged | None = None  # a file's good rows on disk (see ``staging``), instead of ``table``

    @property
    def rows(self) -> int:
        """Good rows (after dropping the file's repeated keys)."""
        return self.table.num_rows if self.staged is None else self.staged.rows

    @property
    def names(self) -> dict[str, int]:
        """Events: good rows per event name."""
        if self.staged is not None:
            return self.staged.names
        return {r["values"]: r["counts"] for r in self.table.column("name").value_counts().to_pylist()}

    @property
    def anonymous(self) -> frozenset[str]:
        """Events: the names some good row of which has no contact."""
        if self.staged is not None:
            return self.staged.anonymous
        return frozenset(pc.unique(self.table.filter(pc.is_null(self.table["contact_id"]))["name"]).to_pylist())


@dataclass(frozen=True)
class _Column:
    name: str
    type: str
    required: bool
    nullable: bool
    choices: tuple[str, ...] = ()


@dataclass
class _Chunk:
    table: pa.Table  # raw values, by header name
    lines: np.ndarray  # int64, one per row of table
    rejects: list[Reject]  # rows rejected while reading (wrong number of fields)
    rows: int  # data rows read, rejects included


def _columns(kind: str, custom_fields: Mapping[str, str] | None) -> list[_Column]:
    schema = {"contacts": CONTACTS, "events": EVENTS, "identities": IDENTITIES}[kind]
    out = []
    for name, dtype in schema.items():
        out.append(
            _Column(
                name=name,
                type=_logical(dtype),
                required=name in REQUIRED[kind],
                nullable=dtype.nullable,
                choices=CHOICES.get(name, ()) if kind != "identities" else (),
            )
        )
    if kind == "contacts" and custom_fields:
        for name, type_ in custom_fields.items():
            if name in schema:
                continue
            if type_ not in CUSTOM_TYPES:
                raise ImportFailed(f"custom field {name!r} has type {type_!r}; valid types: {', '.join(CUSTOM_TYPES)}")
            out.append(_Column(name=name, type=type_, required=False, nullable=True))
    return out


def _logical(dtype: dt.DataType) -> str:
    if dtype.is_json():
        return JSON
    if dtype.is_string():
        return STRING
    if dtype.is_floating():
        return NUMBER
    if dtype.is_decimal():
        return MONEY
    if dtype.is_boolean():
        return BOOLEAN
    if dtype.is_date():
        return DATE
    if dtype.is_timestamp():
        return TIMESTAMP
    if dtype.is_array():
        return ARRAY
    raise AssertionError(f"no import type for {dtype}")  # pragma: no cover


def _arrow_schema(columns: list[_Column]) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], c.nullable) for c in columns])
