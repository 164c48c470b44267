"""Import-file preparation (SEGMENT_SPEC §2): a CSV or Parquet file in, rows ready to store out.

``prepare`` reads the file, checks its header against the target table of §1, converts
every value to its column type, applies the defaults and splits the rows into good rows
(a ``pyarrow.Table`` of exactly the target schema) and rejects (line number, reason, the
row's original text). It writes nothing: deduplication against stored rows and the
transaction are the store's job.

Everything is vectorised and no SQL text is written by hand. The file is read in chunks
of about a million rows. Values that need no parsing (typed Parquet columns, text into
text columns, booleans, ``source``/``gender``) are converted with pyarrow compute; text
that must be parsed (numbers, dates, timestamps, JSON) goes through one Ibis expression
per chunk on a private in-memory DuckDB backend, and so do derived event ids and what
events teach the catalog. DuckDB functions Ibis has no operation for are declared with
``ibis.udf.scalar.builtin``. Memory stays proportional to the good rows kept.

Decisions where the contract is silent:

* Line numbers: CSV — the physical line on which the record starts (header = line 1;
  quoted values spanning lines, blank lines and CRLF are counted). Parquet — the row's
  0-based index + ``PARQUET_FIRST_LINE`` (1).
* Blank lines, and CSV records whose fields are all empty, are skipped and not counted.
  A CSV record with the wrong number of fields is rejected ("expected 3 fields, found 4");
  its ``raw`` maps the header to the fields it has, surplus fields under ``"_extra"``
  (a JSON array).
* An empty value is null in both formats (an empty Parquet string too).
* ``source`` and ``gender`` are matched ignoring case and surrounding spaces and stored
  lower case; booleans accept true/false, yes/no, 1/0 (any case, spaces around).
* Timestamps: ``YYYY-MM-DD`` (midnight) or ``YYYY-MM-DD[T ]HH:MM[:SS[.fraction]]`` with
  an optional ``Z`` / ``±HH`` / ``±HHMM`` / ``±HH:MM`` offset right after the time; no
  offset means UTC; digits beyond microseconds are cut. Dates are exactly
  ``YYYY-MM-DD``. Numbers: decimal with a dot, optional exponent, not NaN or infinite
  (a NaN in a Parquet float column is null). A Parquet timestamp without a time zone is
  UTC; a timestamp read into a date column gives its UTC date.
* Parquet columns may also be: integers for text columns (written in decimal) and for
  booleans (1/0), integers for numbers, dates for timestamps, lists of strings for
  arrays, structs or maps for ``properties``. Another type is ImportFailed.
* Unknown event columns go into ``properties``; a key already in the ``properties``
  column is overridden by a non-empty column of the same name. Empty values are left
  out. CSV values stay text; Parquet values keep their JSON type (timestamps as ISO 8601
  UTC text).
* A derived ``event_id`` is ``"ev_"`` + the first 24 hex digits of the MD5 digest of a
  canonical text of the row's converted values (all columns but ``event_id`` and
  ``received_at``; see ``_derive_event_ids``), so two identical rows get the same id and
  the second is a duplicate.
* Duplicates within the file are looked for among the good rows, after defaults and
  derived ids: the first good row of each key is kept.
* Links from events: one per distinct (anonymous_id, contact_id) of the good events,
  ``linked_at`` = the latest ``ts`` of the events carrying the pair (the latest link
  wins, docs/semantics.md).
* Learned property types: the most frequent JSON type of the key's non-null values
  (ties: string, then number, then boolean); arrays and objects count as string.
* ``rows_read == table.num_rows + len(rejects) + duplicates_in_file``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from workbench.errors import ImportFailed
from workbench.expr.catalog import FIELD_DTYPES
from workbench.expr.dialects import duckdb_amount
from workbench.expr.fieldtypes import ARRAY, BOOLEAN, DATE, NUMBER, STRING, TIMESTAMP
from workbench.store.arrow_views import arrow_view
from workbench.store.lessons import JSON_TYPE_NAMES, EventTally
from workbench.store.schema import CONTACTS, EVENT_SOURCES, EVENTS, GENDERS, IDENTITIES, MONEY_SCALE
from workbench.store.schema import MONEY as MONEY_DTYPE
from workbench.store.staging import ORDER_COLUMN, Staged, Staging, later_repeats

__all__ = ["KINDS", "Prepared", "Reject", "prepare"]

KINDS = ("contacts", "events", "identities")
CHUNK_ROWS = 1_000_000
CSV_BLOCK_BYTES = 32 << 20
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


# DuckDB functions Ibis has no operation for.
@ibis.udf.scalar.builtin
def json_valid(x: str) -> bool: ...


@ibis.udf.scalar.builtin
def json_type(x: dt.JSON) -> str: ...


@ibis.udf.scalar.builtin(name="json_type")
def json_types_at(x: dt.JSON, path: str) -> dt.Array(dt.string): ...


@ibis.udf.scalar.builtin
def json_keys(x: dt.JSON) -> dt.Array(dt.string): ...


@ibis.udf.scalar.builtin
def json_merge_patch(a: dt.JSON, b: dt.JSON) -> dt.JSON: ...


@ibis.udf.scalar.builtin
def to_json(x) -> dt.JSON: ...


@ibis.udf.scalar.builtin
def list_distinct(x: dt.Array(dt.string)) -> dt.Array(dt.string): ...


@ibis.udf.scalar.builtin
def epoch_us(x: dt.Timestamp(timezone="UTC")) -> dt.int64: ...


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


# --------------------------------------------------------------------------------------
# Target tables


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


# --------------------------------------------------------------------------------------
# Reading


def _file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise ImportFailed(
        f"{path}: cannot import a {suffix or 'extension-less'!s} file; use CSV (.csv) or Parquet (.parquet, .pq)"
    )


def _line_breaks(text: pa.Array | pa.ChunkedArray) -> pa.Array:
    r"""Line breaks in each value: \n, \r\n and a lone \r each count once."""
    n = pc.count_substring(text, "\n")
    r = pc.count_substring(text, "\r")
    rn = pc.count_substring(text, "\r\n")
    return pc.fill_null(pc.subtract(pc.add(n, r), rn), 0)


def _text_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f), None)
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{path}: not a UTF-8 text file ({exc.reason})") from exc
    except (OSError, csv.Error) as exc:
        raise ImportFailed(f"{path}: cannot read the file: {exc}") from exc
    if header is None:
        raise ImportFailed(f"{path}: the file is empty; expected a header line")
    if not header or all(not h.strip() for h in header):
        raise ImportFailed(f"{path}: the first line is empty; expected a header line")
    if "\x00" in "".join(header):
        raise ImportFailed(f"{path}: not a CSV text file")
    return header


def _estimate_csv_rows(path: Path) -> int:
    size = path.stat().st_size
    with path.open("rb") as f:
        sample = f.read(1 << 20)
    lines = sample.count(b"\n") + (0 if sample.endswith(b"\n") else 1)
    if len(sample) >= size:
        return max(lines - 1, 0)
    return max(int(size / (len(sample) / max(lines, 1))) - 1, 1)


class _CsvLines:
    """Gives each CSV record its physical line number.

    pyarrow numbers records (header = 1) for the rows it cannot parse, and returns the
    others in order; a record starts on its number plus the line breaks inside the
    quoted values of the records before it.
    """

    def __init__(self, header_breaks: int):
        self.next_record = 2
        self.carry = header_breaks
        self.pending: dict[int, pcsv.InvalidRow] = {}

    def handler(self, row: pcsv.InvalidRow) -> str:
        if row.number is None:  # pragma: no cover - only with threaded reading
            raise ImportFailed("CSV reader lost row numbers")
        self.pending[row.number] = row
        return "skip"

    def place(self, breaks: np.ndarray, *, last: bool = False) -> tuple[np.ndarray, list[tuple[int, pcsv.InvalidRow]]]:
        """Lines of the next ``len(breaks)`` parsed records and of the bad ones among them.

        ``breaks`` holds the line breaks inside each parsed record; ``last`` places the
        bad records left after the last parsed one.
        """
        n = len(breaks)
        start = self.next_record
        numbers = np.array(sorted(self.pending), dtype=np.int64)
        m = 0
        if not last:
            while True:
                m2 = int(np.searchsorted(numbers, start + n + m, side="left"))
                if m2 == m:
                    break
                m = m2
        else:
            m = len(numbers)  # after the last batch: the rest are consecutive bad records
        span = n + m
        bad = np.zeros(span, dtype=bool)
        bad_rows = [self.pending.pop(int(k)) for k in numbers[:m]]
        positions = np.arange(m) if last else numbers[:m] - start
        bad[positions] = True
        extras = np.zeros(span, dtype=np.int64)
        extras[~bad] = breaks
        extras[bad] = [_text_breaks(r.text or "") for r in bad_rows]
        lines = np.arange(start, start + span, dtype=np.int64) + self.carry
        lines += np.cumsum(extras) - extras
        self.carry += int(extras.sum())
        self.next_record += span
        return lines[~bad], list(zip(lines[bad].tolist(), bad_rows, strict=True))


def _read_csv(path: Path, header: list[str]) -> Iterator[_Chunk]:
    names = [h.strip() for h in header]
    lines = _CsvLines(sum(_text_breaks(h) for h in header))
    try:
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(use_threads=False, block_size=CSV_BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=lines.handler,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise ImportFailed(f"{path}: cannot read as CSV: {_arrow_message(exc)}") from exc
    if reader.schema.names != header or any(t != pa.string() for t in reader.schema.types):
        raise ImportFailed(f"{path}: cannot read the CSV header consistently: {header}")

    def bad_rows(placed: list[tuple[int, pcsv.InvalidRow]]) -> list[Reject]:
        out = []
        for line, row in placed:
            text = row.text or ""
            if not text.strip():
                continue  # a line of spaces: blank
            fields = next(csv.reader(io.StringIO(text)), [])
            raw: dict[str, str | None] = {
                name: (fields[i] or None) if i < len(fields) else None for i, name in enumerate(names)
            }
            if len(fields) > len(names):
                raw["_extra"] = json.dumps(fields[len(names) :], ensure_ascii=False)
            reason = f"expected {row.expected_columns} fields, found {row.actual_columns}"
            out.append(Reject(line, reason, raw))
        return out

    batches: list[pa.RecordBatch] = []
    batch_lines: list[np.ndarray] = []
    rejects: list[Reject] = []
    rows = 0
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except (pa.ArrowInvalid, OSError) as exc:
            raise ImportFailed(f"{path}: cannot read as CSV: {_arrow_message(exc)}") from exc
        breaks = np.zeros(batch.num_rows, dtype=np.int64)
        blank = np.ones(batch.num_rows, dtype=bool)
        for col in batch.columns:
            breaks += _line_breaks(col).to_numpy(zero_copy_only=False)
            blank &= pc.is_null(col).to_numpy(zero_copy_only=False)
        valid_lines, placed = lines.place(breaks)
        new_rejects = bad_rows(placed)
        rejects.extend(new_rejects)
        rows += len(new_rejects)
        if blank.any():
            keep = ~blank
            batch = batch.filter(pa.array(keep))
            valid_lines = valid_lines[keep]
        batch = batch.rename_columns(names)
        rows += batch.num_rows
        batches.append(batch)
        batch_lines.append(valid_lines)
        if sum(b.num_rows for b in batches) >= CHUNK_ROWS:
            yield _Chunk(_batches_table(batches, names), np.concatenate(batch_lines), rejects, rows)
            batches, batch_lines, rejects, rows = [], [], [], 0
    _, placed = lines.place(np.zeros(0, dtype=np.int64), last=True)
    new_rejects = bad_rows(placed)
    rejects.extend(new_rejects)
    rows += len(new_rejects)
    if batches or rejects or rows:
        table = _batches_table(batches, names)
        lines_all = np.concatenate(batch_lines) if batch_lines else np.zeros(0, np.int64)
        yield _Chunk(table, lines_all, rejects, rows)


def _batches_table(batches: list[pa.RecordBatch], names: list[str]) -> pa.Table:
    if not batches:
        return pa.table({n: pa.array([], pa.string()) for n in names})
    return pa.Table.from_batches(batches)


def _arrow_message(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _open_parquet(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise ImportFailed(f"{path}: cannot read as Parquet: {_arrow_message(exc)}") from exc


def _read_parquet(path: Path, pf: pq.ParquetFile) -> Iterator[_Chunk]:
    try:
        yield from _numbered_chunks(pa.Table.from_batches([b]) for b in pf.iter_batches(batch_size=CHUNK_ROWS))
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise ImportFailed(f"{path}: cannot read as Parquet: {_arrow_message(exc)}") from exc


def _numbered_chunks(tables: Iterable[pa.Table]) -> Iterator[_Chunk]:
    """Typed row batches, numbered from ``PARQUET_FIRST_LINE`` on."""
    offset = 0
    for table in tables:
        table = _simplify(table)
        n = table.num_rows
        lines = np.arange(offset, offset + n, dtype=np.int64) + PARQUET_FIRST_LINE
        offset += n
        yield _Chunk(table, lines, [], n)


def _simple_type(t: pa.DataType) -> pa.DataType:
    """The type a Parquet column is converted to before DuckDB sees it."""
    if pa.types.is_dictionary(t):
        return _simple_type(t.value_type)
    if pa.types.is_large_string(t) or pa.types.is_string_view(t) or pa.types.is_null(t):
        return pa.string()
    if pa.types.is_decimal256(t):  # DuckDB reads 38 digits at most; text keeps every digit
        return pa.string()
    if pa.types.is_large_list(t) or pa.types.is_list_view(t) or pa.types.is_fixed_size_list(t):
        return pa.list_(_simple_type(t.value_type))
    if pa.types.is_list(t):
        return pa.list_(_simple_type(t.value_type))
    return t


def _simplify(table: pa.Table) -> pa.Table:
    target = pa.schema([pa.field(f.name, _simple_type(f.type)) for f in table.schema])
    return table if target == table.schema else table.cast(target)


# --------------------------------------------------------------------------------------
# Header checks


def _check_header(path: Path, kind: str, names: list[str], columns: list[_Column]) -> tuple[dict[str, str], list[str]]:
    """Map target column -> header name; return also the unknown (extra) header names."""
    blank = [i + 1 for i, n in enumerate(names) if not n]
    if blank:
        raise ImportFailed(f"{path}: header column {', '.join(map(str, blank))} has no name")
    seen = Counter(names)
    dupes = sorted(n for n, k in seen.items() if k > 1)
    if dupes:
        raise ImportFailed(f"{path}: column(s) named twice in the header: {', '.join(dupes)}")
    valid = [c.name for c in columns]
    unknown = [n for n in names if n not in valid]
    if unknown and kind != "events":
        raise ImportFailed(
            f"{path}: unknown column(s) for {kind}: {', '.join(unknown)}; valid columns: {', '.join(valid)}"
        )
    missing = [c for c in REQUIRED[kind] if c not in names]
    if missing:
        raise ImportFailed(f"{path}: missing required column(s) for {kind}: {', '.join(missing)}")
    for name in unknown:  # unknown event columns become property names
        if reason := property_name_problem(name):
            raise ImportFailed(f"{path}: column {_shown(name)} cannot be an event property: {reason}")
    return {n: n for n in names if n in valid}, unknown


MAX_PROPERTY_NAME = 200  # characters, as event names and ids
# An empty name or one with a control character: property_name_problem, in DuckDB's regex.
BAD_NAME_RE = r"^$|[\x00-\x1f\x7f-\x9f]"


def property_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name an event property, or None: the one rule of import columns
    and of the collector's fields and properties (docs/collector.md).

    A name is a label people pick in the builder and read in exports. Control characters
    (C0, DEL, C1; NUL among them, which PostgreSQL cannot store) and lone surrogates have
    no place in one, nor has an empty or huge name. Everything else (quotes, dots,
    brackets, ``$``, ``*``, any script) is kept exactly.
    """
    if not name:
        return "a property name cannot be empty"
    if len(name) > MAX_PROPERTY_NAME:
        return f"a property name can have at most {MAX_PROPERTY_NAME} characters; this one has {len(name)}"
    control = next((c for c in name if c < " " or "\x7f" <= c <= "\x9f"), None)
    if control is not None:
        return f"a property name cannot contain control characters (it has U+{ord(control):04X})"
    if any("\ud800" <= c <= "\udfff" for c in name):
        return "a property name must be valid Unicode (it has a lone surrogate)"
    return None


def _source_class(t: pa.DataType) -> str:
    if pa.types.is_string(t):
        return "text"
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_decimal(t):
        return "decimal"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_list(t) and pa.types.is_string(t.value_type):
        return "strings"
    if pa.types.is_struct(t) or pa.types.is_map(t):
        return "object"
    return str(t)


ACCEPTS = {
    STRING: {"text", "int"},
    NUMBER: {"text", "int", "float", "decimal"},
    MONEY: {"text", "int", "float", "decimal"},
    BOOLEAN: {"text", "int", "bool"},
    DATE: {"text", "date", "timestamp"},
    TIMESTAMP: {"text", "date", "timestamp"},
    ARRAY: {"text", "strings"},
    JSON: {"text", "object"},
}


def _check_types(path: Path, schema: pa.Schema, present: dict[str, str], by_name: Mapping[str, _Column]) -> None:
    wrong = []
    for target, header in present.items():
        t = _simple_type(schema.field(header).type)
        if _source_class(t) not in ACCEPTS[by_name[target].type]:
            wrong.append(f"{header} ({t}; expected {by_name[target].type})")
    if wrong:
        raise ImportFailed(f"{path}: column(s) of an unusable type: {', '.join(wrong)}")


# --------------------------------------------------------------------------------------
# Conversion of one chunk
#
# Typed values that need no parsing (Parquet columns of the right type, text into text
# columns, booleans and choices) are converted with pyarrow compute; text that must be
# parsed (numbers, dates, timestamps, JSON) goes through one Ibis expression on DuckDB
# that reads only those columns.


@dataclass
class _Converted:
    good: pa.Table  # good rows, target schema
    rejects: list[Reject]


def _convert(
    con,
    chunk: _Chunk,
    columns: list[_Column],
    present: dict[str, str],
    extras: list[str],
    kind: str,
    now: datetime,
) -> _Converted:
    raw = chunk.table
    n = raw.num_rows
    values: dict[str, pa.Array | pa.ChunkedArray] = {}
    given: dict[str, pa.Array | pa.ChunkedArray] = {}
    bad: dict[str, pa.Array | pa.ChunkedArray] = {}
    in_duckdb: dict[str, _Column] = {}
    for col in columns:
        header = present.get(col.name)
        if header is None:
            values[col.name] = _nulls(n, ARROW_TYPES[col.type])
            continue
        arr = raw[header]
        given[col.name] = _given(arr)
        value = _fast_value(arr, col)
        if value is None:
            in_duckdb[header] = col
        else:
            values[col.name] = value
    merge_extras = kind == "events" and bool(extras)
    if in_duckdb or merge_extras:
        values.update(_duckdb_values(con, raw, in_duckdb, extras if merge_extras else []))
    for col in columns:
        if col.name in given:
            bad[col.name] = pc.and_(given[col.name], pc.is_null(values[col.name]))

    flags: list[tuple[str, _Column, pa.Array | pa.ChunkedArray]] = []
    for col in columns:
        if col.name not in given:
            continue
        if col.required:
            flags.append(("missing", col, pc.invert(given[col.name])))
        flags.append(("bad", col, bad[col.name]))
    any_bad = None
    for _, _, flag in flags:
        any_bad = flag if any_bad is None else pc.or_(any_bad, flag)

    _apply_defaults(kind, values, now)
    table = pa.table({c.name: values[c.name] for c in columns})
    rejects: list[Reject] = []
    if any_bad is not None and pc.any(any_bad).as_py():
        indices = pc.indices_nonzero(any_bad)
        rejects = _rejects(chunk, flags, indices, present)
        table = table.filter(pc.invert(any_bad))
    schema = _arrow_schema(columns)
    table = table.cast(pa.schema([f.with_nullable(True) for f in schema]))
    if kind == "events":
        table = _derive_event_ids(con, table)
    return _Converted(table.cast(schema), rejects)


_NULLS: dict[pa.DataType, pa.Array] = {}


def _nulls(n: int, type_: pa.DataType) -> pa.Array:
    """``n`` nulls; chunks share one buffer, so absent columns cost no memory per chunk."""
    cached = _NULLS.get(type_)
    if cached is None or len(cached) < n:
        cached = _NULLS[type_] = pa.nulls(max(n, CHUNK_ROWS), type_)
    return cached.slice(0, n)


def _given(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Whether the file gives a value: not null, not empty text, not NaN."""
    if pa.types.is_string(arr.type):
        return pc.fill_null(pc.not_equal(arr, ""), False)
    if pa.types.is_floating(arr.type):
        return pc.fill_null(pc.invert(pc.is_nan(arr)), False)
    return pc.is_valid(arr)


def _nulls_where(arr, mask) -> pa.ChunkedArray:
    return pc.if_else(mask, pa.scalar(None, arr.type), arr)


def _fast_value(arr: pa.ChunkedArray, col: _Column) -> pa.ChunkedArray | None:
    """The column's values by pyarrow (null where absent or unusable), or None: use DuckDB."""
    t = arr.type
    target = ARROW_TYPES[col.type]
    if col.type == MONEY:  # exact from integers and decimals; text and doubles are parsed in DuckDB
        return _money(arr) if pa.types.is_integer(t) or pa.types.is_decimal(t) else None
    if pa.types.is_integer(t) and col.type in (STRING, BOOLEAN):
        arr, t = pc.cast(arr, pa.string()), pa.string()
    if pa.types.is_string(t) and pc.any(pc.match_substring(arr, NUL)).as_py():
        arr = _nulls_where(arr, pc.fill_null(pc.match_substring(arr, NUL), False))  # reported as such
    if pa.types.is_string(t):
        if col.choices:
            low = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
            return _nulls_where(low, pc.invert(pc.is_in(low, pa.array(col.choices))))
        if col.type == STRING:
            return _nulls_where(arr, pc.equal(arr, "")) if pc.any(pc.equal(arr, "")).as_py() else arr
        if col.type == BOOLEAN:
            low = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
            truth = pc.is_in(low, pa.array(TRUE_WORDS))
            known = pc.or_(truth, pc.is_in(low, pa.array(FALSE_WORDS)))
            return _nulls_where(truth, pc.invert(known))
        return None  # parsed in DuckDB
    if pa.types.is_floating(t):
        return pc.cast(_nulls_where(arr, pc.or_(pc.is_nan(arr), pc.is_inf(arr))), target)
    if pa.types.is_decimal(t):
        return pc.cast(arr, target, safe=False)  # a number column: binary floating point by design
    if col.type == ARRAY:  # a list of strings: no null items
        arr = arr.combine_chunks()
        flat = pc.list_flatten(arr)
        holes = pc.filter(pc.list_parent_indices(arr), pc.fill_null(pc.match_substring(flat, NUL), True))
        if not len(holes):
            return arr
        mask = np.zeros(len(arr), dtype=bool)
        mask[holes.to_numpy()] = True
        return _nulls_where(arr, pa.array(mask))
    if col.type == JSON:
        return None  # a struct or a map: to_json in DuckDB
    if pa.types.is_timestamp(t) and t.tz is not None:
        arr = pc.cast(arr, pa.timestamp(t.unit, tz="UTC"))  # a date is then the UTC date
    # integer -> number; bool; date -> date or timestamp; timestamp -> timestamp or date
    return pc.cast(arr, options=pc.CastOptions(target_type=target, allow_time_truncate=True))


def _money(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Integers and decimals as MONEY: rounded half away from zero to its places, exactly;
    null where they do not fit. (Floating-point amounts are read from their text in DuckDB,
    as the CSV text is: see :func:`_parse`.)"""
    wide = pa.decimal128(38, MONEY_SCALE)
    if pa.types.is_integer(arr.type):
        arr = pc.cast(arr, pa.decimal128(38, 0))
    rounded = pc.cast(pc.round(arr, MONEY_SCALE, round_mode="half_towards_infinity"), wide)
    too_big = pc.greater_equal(pc.abs(rounded), pa.scalar(Decimal(MONEY_LIMIT), wide))
    return pc.cast(_nulls_where(rounded, too_big), ARROW_TYPES[MONEY], safe=False)


def _duckdb_values(
    con,
    raw: pa.Table,
    parse: dict[str, _Column],
    extras: list[str],
) -> dict[str, pa.ChunkedArray]:
    """Parse text (and struct) columns, and merge unknown event columns into properties."""
    headers = list(dict.fromkeys([*parse, *extras]))
    safe = {h: f"c{i}" for i, h in enumerate(headers)}
    with arrow_view(con, raw.select(headers).rename_columns([safe[h] for h in headers])) as t:
        exprs: dict[str, ibis.Value] = {}
        unusable_properties = ibis.literal(False)
        for header, col in parse.items():
            exprs[col.name] = _parse(t[safe[header]], col)
            if col.name == "properties" and t[safe[header]].type().is_string():
                unusable_properties = t[safe[header]].nullif("").notnull() & exprs[col.name].isnull()
        if extras:
            packed = to_json(ibis.struct({h: _extra_value(t[safe[h]]) for h in extras}))
            extra_obj = json_merge_patch(ibis.literal("{}").cast(dt.json), packed)
            props = exprs.get("properties", ibis.null(dt.string)).cast(dt.json)
            merged = json_merge_patch(props.coalesce(ibis.literal("{}").cast(dt.json)), extra_obj)
            has_extra = extra_obj.cast(dt.string) != "{}"
            # a bad properties value stays null (and is reported) whatever the other columns hold
            merged = ibis.ifelse(has_extra & ~unusable_properties, merged, props)
            exprs["properties"] = merged.cast(dt.string)
        result = con.to_pyarrow(t.select(**{f"v{i}": e for i, e in enumerate(exprs.values())}))
    out = {}
    for i, (name, _) in enumerate(exprs.items()):
        out[name] = result[f"v{i}"]
    return out


def _parse(src: ibis.Value, col: _Column) -> ibis.Value:
    """A text (or struct/map) column's value; null when absent or unparsable."""
    if src.type().is_floating():  # an amount, read as the shortest text of its double
        src = src.cast(dt.string)
    elif not src.type().is_string():  # a struct or a map for properties
        src = to_json(src).cast(dt.string)
    s = src.nullif("")
    text = s.strip()
    if col.type == NUMBER:
        ok = text.re_search(NUMBER_RE)
        num = ibis.ifelse(ok, text.try_cast(dt.float64), ibis.null(dt.float64))
        return ibis.ifelse(num.isinf(), ibis.null(dt.float64), num)
    if col.type == MONEY:
        return ibis.ifelse(text.re_search(NUMBER_RE), duckdb_amount(text), ibis.null(IBIS_TYPES[MONEY]))
    if col.type == DATE:
        ok = text.re_search(DATE_RE)
        return ibis.ifelse(ok, text.try_cast(dt.date), ibis.null(dt.date))
    if col.type == TIMESTAMP:
        target = IBIS_TYPES[TIMESTAMP]
        up = text.upper()
        # DuckDB wants seconds before an offset: 10:00+02:00 -> 10:00:00+02:00
        full = up.re_replace(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(Z|[+-]|$)", r"\1 \2:00\3")
        return ibis.ifelse(up.re_search(TIMESTAMP_RE), full.try_cast(target), ibis.null(target))
    if col.type in (ARRAY, JSON):  # no text field of any engine can hold a NUL (PostgreSQL's cannot)
        s = ibis.ifelse(s.re_search(JSON_NUL_RE), ibis.null(dt.string), s)
    if col.type == ARRAY:
        j = ibis.ifelse(json_valid(s), s.cast(dt.json), ibis.null(dt.json))
        types = json_types_at(j, "$[*]")
        distinct = list_distinct(types)
        strings = (types.length() == 0) | ((distinct.length() == 1) & (distinct[0] == "VARCHAR"))
        ok = (json_type(j) == "ARRAY") & strings
        return ibis.ifelse(ok, j.cast(dt.Array(dt.string)), ibis.null(dt.Array(dt.string)))
    # JSON: an object whose keys are property names
    j = ibis.ifelse(json_valid(s), s.cast(dt.json), ibis.null(dt.json))
    bad_names = json_keys(j).filter(lambda k: k.re_search(BAD_NAME_RE) | (k.length() > MAX_PROPERTY_NAME))
    return ibis.ifelse((json_type(j) == "OBJECT") & (bad_names.length() == 0), s, ibis.null(dt.string))


def _extra_value(src: ibis.Value) -> ibis.Value:
    """An unknown event column as a property value (empty text and NaN are left out)."""
    dtype = src.type()
    if dtype.is_string():
        return src.nullif("")
    if dtype.is_floating():
        return ibis.ifelse(src.isnan(), ibis.null(dtype), src)
    if dtype.is_timestamp():  # ISO 8601 in UTC (a naive timestamp is UTC)
        return src.cast(IBIS_TYPES[TIMESTAMP]).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return src


def _apply_defaults(kind: str, values: dict[str, pa.ChunkedArray], now: datetime) -> None:
    now_scalar = pa.scalar(now, ARROW_TYPES[TIMESTAMP])
    if kind == "contacts":
        for name in ("email_consent", "sms_consent", "push_consent"):
            values[name] = pc.fill_null(values[name], False)
        values["updated_at"] = pc.coalesce(values["updated_at"], values["created_at"])
    elif kind == "events":
        values["received_at"] = pc.fill_null(values["received_at"], now_scalar)
    else:
        values["linked_at"] = pc.fill_null(values["linked_at"], now_scalar)


def _derive_event_ids(con, table: pa.Table) -> pa.Table:
    """Fill missing event ids from the row's content.

    The id is ``"ev_"`` + the first 24 hex digits of the ``EVENT_ID_HASH`` (MD5) digest of
    ``v1`` followed by ``<US>name=<text>`` (US: the ASCII unit separator) for every
    non-null column but ``event_id`` and ``received_at``, in schema order (``ts`` as epoch
    microseconds, numbers as DuckDB prints a DOUBLE, ``properties`` as stored). Null
    columns add nothing, so the id depends only on the row's values, not on which
    columns the file has.
    """
    ids = table["event_id"]
    missing = pc.is_null(ids)
    n_missing = pc.sum(missing.cast(pa.int64())).as_py() or 0
    if not n_missing:
        return table
    content = table.drop_columns(["event_id", "received_at"])
    if n_missing < table.num_rows:
        content = content.take(pc.indices_nonzero(missing))
    with arrow_view(con, content) as t:
        encoded = ibis.literal("v1")
        for name in content.column_names:
            if content[name].null_count == content.num_rows:
                continue  # adds nothing to any row
            value = epoch_us(t[name]) if name == "ts" else t[name]
            if value.type().is_decimal():  # printed as a DOUBLE: the ids of amounts stored before they were exact
                value = value.cast(dt.float64)
            text = value.cast(dt.string)
            encoded = encoded + (f"\x1f{name}=" + text).fill_null("")
        result = con.to_pyarrow(t.select(id="ev_" + encoded.hexdigest(EVENT_ID_HASH).substr(0, 24)))
    derived = result["id"].combine_chunks()
    if n_missing == table.num_rows:
        ids = derived
    else:
        ids = pc.replace_with_mask(ids.combine_chunks(), missing.combine_chunks(), derived)
    at = table.schema.get_field_index("event_id")
    return table.set_column(at, table.schema.field(at), ids)


def derive_event_ids(table: pa.Table) -> pa.Table:
    """Fill the missing ``event_id`` of rows already in the events schema as an import
    does (the collector converts requests itself and needs only this step)."""
    con = ibis.duckdb.connect()
    try:
        return _derive_event_ids(con, table)
    finally:
        con.disconnect()


# --------------------------------------------------------------------------------------
# Reasons


def _shown(value: str) -> str:
    if len(value) > MAX_SHOWN:
        value = value[: MAX_SHOWN - 1] + "…"
    return repr(value)


def _problem(what: str, col: _Column, value: str | None) -> str:
    if what == "missing":
        return f"{col.name}: missing required value"
    shown = _shown(value if value is not None else "")
    if col.type == JSON and (bad := _bad_property_name(value)):
        return f"{col.name}: {_shown(bad[0])} cannot name a property: {bad[1]}"
    if value is not None and (NUL in value or re.search(JSON_NUL_RE, value)):
        return f"{col.name}: {shown} contains NUL (U+0000), which no text can hold"
    if col.choices:
        return f"{col.name}: {shown} is not one of {', '.join(col.choices)}"
    if col.type == MONEY and _is_finite_number(value):
        return f"{col.name}: {shown} is too large for an amount (at most {MONEY_DIGITS} digits before the point)"
    expected = {
        STRING: "text",
        NUMBER: "a number",
        MONEY: "a number",
        BOOLEAN: "a boolean (true/false, yes/no, 1/0)",
        DATE: "a date (YYYY-MM-DD)",
        TIMESTAMP: "a timestamp",
        ARRAY: "a JSON array of strings",
        JSON: "a JSON object",
    }[col.type]
    return f"{col.name}: {shown} is not {expected}"


def _bad_property_name(text: str | None) -> tuple[str, str] | None:
    """The first key of a JSON object that cannot name a property, with the reason."""
    try:
        keys = json.loads(text or "")
    except ValueError:
        return None
    problems = ((key, property_name_problem(key)) for key in keys if isinstance(keys, dict))
    return next(((key, reason) for key, reason in problems if reason), None)


def _is_finite_number(text: str | None) -> bool:
    try:
        return text is not None and re.match(NUMBER_RE, text) is not None and math.isfinite(float(text))
    except ValueError:
        return False


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return json.dumps(value, ensure_ascii=False, default=str)


def _rejects(
    chunk: _Chunk,
    flags: list[tuple[str, _Column, pa.ChunkedArray]],
    indices: pa.Array,
    present: dict[str, str],
) -> list[Reject]:
    raw_rows = chunk.table.take(indices).to_pylist()
    lines = chunk.lines[indices.to_numpy()].tolist()
    taken = [(what, col, pc.take(flag, indices).to_pylist()) for what, col, flag in flags]
    out = []
    for k, (line, raw) in enumerate(zip(lines, raw_rows, strict=True)):
        text = {key: _as_text(v) for key, v in raw.items()}
        problems = [_problem(what, col, text.get(present[col.name])) for what, col, on in taken if on[k]]
        out.append(Reject(int(line), "; ".join(problems), text))
    return out


# --------------------------------------------------------------------------------------
# What events teach the catalog


@dataclass
class _Learner(EventTally):
    """The tally of an import, from Arrow chunks; also how often each property is set, and
    the identity links the events make."""

    keys: Counter[tuple[str, str]] = field(default_factory=Counter)
    links: list[pa.Table] = field(default_factory=list)

    def add(self, con, good: pa.Table) -> None:
        if not good.num_rows:
            return
        counts = good.group_by(["name", "source"]).aggregate([([], "count_all")])
        for row in counts.to_pylist():
            self.sources[(row["name"], row["source"])] += row["count_all"]
        props = good.select(["name", "properties"]).filter(pc.is_valid(good["properties"]))
        if props.num_rows:
            with arrow_view(con, props) as t:
                j = t.properties.cast(dt.json)
                pairs = t.select(t.name, key=json_keys(j).unnest(), type=json_types_at(j, "$.*").unnest())
                learned_types = con.to_pyarrow(pairs.group_by(["name", "key", "type"]).aggregate(n=pairs.count()))
            for row in learned_types.to_pylist():
                learned = JSON_TYPE_NAMES.get(row["type"])
                if learned is not None:
                    self.types[(row["name"], row["key"], learned)] += row["n"]
                    self.keys[(row["name"], row["key"])] += row["n"]
        both = good.filter(pc.and_(pc.is_valid(good["anonymous_id"]), pc.is_valid(good["contact_id"])))
        if both.num_rows:
            pairs = both.group_by(["anonymous_id", "contact_id"]).aggregate([("ts", "max")])
            self.links.append(pairs.rename_columns(["anonymous_id", "contact_id", "linked_at"]))

    def property_counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {name: {} for name in self.event_counts()}
        for (name, key), n in sorted(self.keys.items()):
            out.setdefault(name, {})[key] = n
        return out

    def link_table(self) -> pa.Table:
        schema = IDENTITIES.to_pyarrow()
        if not self.links:
            return schema.empty_table()
        table = pa.concat_tables(self.links)
        table = table.group_by(["anonymous_id", "contact_id"]).aggregate([("linked_at", "max")])
        return table.rename_columns(["anonymous_id", "contact_id", "linked_at"]).cast(schema)


# --------------------------------------------------------------------------------------
# Entry point


def prepare(
    kind: str,
    path: str | Path | Sequence[str | Path],
    *,
    now: datetime | None = None,
    custom_fields: Mapping[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    stage_in: Path | None = None,
) -> Prepared:
    """Read an import file of ``kind`` (or several, as one import) and return its good rows
    and its rejects.

    The files are read a chunk at a time, in the order given; of rows repeating a key, the
    first is kept. The good rows are kept in memory, or with ``stage_in`` (a new directory)
    staged on disk there (``Prepared.staged``), so that memory follows a chunk and not the
    files. Every file is checked before any is read.

    Raises ImportFailed when a file cannot be read at all: unknown format, not a CSV or
    Parquet file, an unknown contacts/identities column, a missing required column, or a
    Parquet column whose type cannot hold the target column.
    """
    if kind not in KINDS:
        raise ImportFailed(f"cannot import {kind!r}; use one of {', '.join(KINDS)}")
    paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
    if not paths:
        raise ImportFailed("no file to import")
    now = datetime.now(UTC) if now is None else now
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    columns = _columns(kind, custom_fields)
    sources = [_source(p, kind, columns, several=len(paths) > 1) for p in paths]
    con = ibis.duckdb.connect()  # private, in memory; Ibis sets its time zone to UTC
    con.settings["enable_progress_bar"] = False  # DuckDB would draw over the caller's bar
    sink = _InMemory() if stage_in is None else _OnDisk(Staging(stage_in))
    try:
        return _prepare(con, kind, sources, columns, now, sum(s.total for s in sources), progress, sink)
    finally:
        con.disconnect()


@dataclass
class _Source:
    """One file of an import: its rows (read on demand) and how its header maps."""

    chunks: Iterator[_Chunk]
    present: dict[str, str]
    extras: list[str]
    total: int
    file: Path | None  # named in rejects when an import has several files


def _source(path: Path, kind: str, columns: list[_Column], several: bool) -> _Source:
    fmt = _file_format(path)
    if not path.is_file():
        raise ImportFailed(f"{path}: no such file")
    if fmt == "csv":
        header = _csv_header(path)
        present, extras = _check_header(path, kind, [h.strip() for h in header], columns)
        return _Source(_read_csv(path, header), present, extras, _estimate_csv_rows(path), path if several else None)
    pf = _open_parquet(path)
    present, extras = _check_header(path, kind, pf.schema_arrow.names, columns)
    _check_types(path, pf.schema_arrow, present, {c.name: c for c in columns})
    return _Source(_read_parquet(path, pf), present, extras, pf.metadata.num_rows, path if several else None)


def prepare_table(
    kind: str,
    table: pa.Table,
    *,
    label: str = "request",
    now: datetime | None = None,
    custom_fields: Mapping[str, str] | None = None,
) -> Prepared:
    """Check rows that arrive as Arrow (an API request, a send log) exactly as a Parquet file
    would be checked; a reject's ``line`` is the row's position from 1. ``label`` names the
    source in errors."""
    if kind not in KINDS:
        raise ImportFailed(f"cannot import {kind!r}; use one of {', '.join(KINDS)}")
    now = datetime.now(UTC) if now is None else now.astimezone(UTC)
    columns = _columns(kind, custom_fields)
    source = Path(label)
    present, extras = _check_header(source, kind, table.schema.names, columns)
    _check_types(source, table.schema, present, {c.name: c for c in columns})
    con = ibis.duckdb.connect()
    con.settings["enable_progress_bar"] = False
    try:
        chunks = _numbered_chunks(pa.Table.from_batches([b], table.schema) for b in table.to_batches(CHUNK_ROWS))
        source = _Source(chunks, present, extras, table.num_rows, None)
        return _prepare(con, kind, [source], columns, now, table.num_rows, None, _InMemory())
    finally:
        con.disconnect()


class _InMemory:
    """Good rows kept in memory (requests, small files)."""

    def __init__(self) -> None:
        self.goods: list[pa.Table] = []

    def add(self, good: pa.Table) -> None:
        self.goods.append(good)

    def finish(self, con, kind: str, schema: pa.Schema) -> tuple[pa.Table, Staged | None, int]:
        table = pa.concat_tables(self.goods) if self.goods else schema.empty_table()
        table, duplicates = _first_of_each(con, table, DEDUPE_KEYS[kind])
        return table, None, duplicates


class _OnDisk:
    """Good rows staged on disk (import files of any size)."""

    def __init__(self, staging: Staging) -> None:
        self.staging = staging

    def add(self, good: pa.Table) -> None:
        self.staging.add(good)

    def finish(self, con, kind: str, schema: pa.Schema) -> tuple[None, Staged, int]:
        staged, duplicates = self.staging.finish(DEDUPE_KEYS[kind], kind, schema)
        return None, staged, duplicates


def _prepare(
    con,
    kind: str,
    sources: list[_Source],
    columns: list[_Column],
    now: datetime,
    total: int,
    progress: Callable[[int, int], None] | None,
    sink: _InMemory | _OnDisk,
) -> Prepared:
    rejects: list[Reject] = []
    learner = _Learner()
    done = 0
    if progress:
        progress(0, total)
    for source in sources:
        for chunk in source.chunks:
            found = list(chunk.rejects)
            done += chunk.rows
            if chunk.table.num_rows:
                converted = _convert(con, chunk, columns, source.present, source.extras, kind, now)
                found += converted.rejects
                sink.add(converted.good)
                if kind == "events":  # what a repeated row teaches was taught by its first
                    learner.add(con, converted.good)
            rejects += found if source.file is None else [replace(r, file=source.file) for r in found]
            if progress:
                total = max(total, done)
                progress(done, total)
    table, staged, duplicates = sink.finish(con, kind, _arrow_schema(columns))
    rejects.sort(key=lambda r: (str(r.file or ""), r.line))
    if progress:
        progress(done, done)
    prepared = Prepared(
        kind=kind,
        table=table,
        rejects=rejects,
        rows_read=done,
        duplicates_in_file=duplicates,
        columns=tuple(c.name for c in columns if any(c.name in s.present for s in sources)),
        staged=staged,
    )
    if kind == "events":
        prepared.learned = learner.learned()
        prepared.sources = learner.source_by_name()
        prepared.links = learner.link_table()
        prepared.event_counts = learner.event_counts()
        prepared.property_counts = learner.property_counts()
    return prepared


def _first_of_each(con, table: pa.Table, keys: tuple[str, ...]) -> tuple[pa.Table, int]:
    """Keep the first row of each key (file order); return the table and the number dropped.
    Repeats are found as a staged file's are (``staging.later_repeats``)."""
    n = table.num_rows
    if n < 2:
        return table, 0
    numbered = table.select(list(keys)).append_column(ORDER_COLUMN, pa.array(np.arange(n, dtype=np.int64)))
    with arrow_view(con, numbered) as t:
        later = con.to_pyarrow(later_repeats(t, list(keys)).select(ORDER_COLUMN))[ORDER_COLUMN].to_numpy()
    if not len(later):
        return table, 0
    keep = np.ones(n, dtype=bool)
    keep[later] = False
    return table.filter(pa.array(keep)), len(later)
