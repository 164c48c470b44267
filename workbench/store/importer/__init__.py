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

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa

from workbench.errors import ImportFailed
from workbench.store.arrow_views import arrow_view
from workbench.store.importer.convert import _convert, derive_event_ids
from workbench.store.importer.header import _check_header, _check_types
from workbench.store.importer.learning import _Learner
from workbench.store.importer.reading import (
    _csv_header,
    _estimate_csv_rows,
    _file_format,
    _open_parquet,
    _read_csv,
    _read_parquet,
    _table_chunks,
)
from workbench.store.importer.reasons import property_name_problem
from workbench.store.importer.types import (
    DEDUPE_KEYS,
    KINDS,
    MONEY_DIGITS,
    MONEY_LIMIT,
    TIMESTAMP_RE,
    Prepared,
    Reject,
    _arrow_schema,
    _Chunk,
    _Column,
    _columns,
)
from workbench.store.layout import EVENTS_ORDER
from workbench.store.staging import ORDER_COLUMN, Staged, Staging, later_repeats

__all__ = [
    "KINDS",
    "MONEY_DIGITS",
    "MONEY_LIMIT",
    "TIMESTAMP_RE",
    "Prepared",
    "Reject",
    "derive_event_ids",
    "prepare",
    "prepare_table",
    "property_name_problem",
]


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
    sink = _InMemory() if stage_in is None else _OnDisk(Staging(stage_in, EVENTS_ORDER if kind == "events" else ()))
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
        chunks = _table_chunks(table)
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
