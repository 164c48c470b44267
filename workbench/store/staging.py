"""Imports staged on disk: a file's good rows in Parquet parts of their own.

An import reads its file a chunk at a time (``importer.prepare``); each chunk's good rows go
to a Parquet part in a staging directory instead of memory. Rows repeating an earlier row's
key are found there with SQL (a grouping that DuckDB spills to disk when it must), and the
store takes the rows from those parts: DuckDB reads them itself, other engines are sent
them in batches. An import's memory so follows a chunk, not the file.

A big file's events are also cut into **slices** of the stored order (``name``, then
``ts``): runs of (event name, day) holding at most :data:`SLICE_ROWS` events. The store
inserts slice after slice, each sorted on its own, so that sorting takes the room of a slice
and not of the file (200M events sorted at once filled 52 GB of temporary files). Each part
is written in the stored order, in row groups of :data:`PART_ROW_GROUP` rows, so that a slice
(a time range per event name) reads the few row groups of each part whose minimum and maximum
meet it: the parts are written once and never rewritten (cutting them into slices on disk
took a sixth of a 200M-event import).

The staging directory is removed when the import ends.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

if TYPE_CHECKING:
    from workbench.store.importer import Prepared

ORDER_COLUMN = "_wb_order"  # the rows' order in the file: the first of each key is kept
STAGING_MEMORY = "2GB"
"""DuckDB's memory for finding repeated keys and storing a file's rows; beyond it, DuckDB
spills to disk. With the chunk being converted and Python's own, an import stays near 3 GB."""
BATCH_ROWS = 500_000  # rows per batch sent to a store that cannot read the parts itself
SLICE_ROWS = 10_000_000
"""The most events one ordered insert sorts (a bigger import is cut into slices): sorting
them fits in :data:`STAGING_MEMORY` with little or no spill."""
PART_ROW_GROUP = 32_768
"""Rows per row group of a part: each holds a narrow range of the stored order, so a slice
reads little more than its own rows."""


@dataclass(frozen=True)
class Slice:
    """The events of the (event name, day) cells from ``first`` to ``last`` (both included)
    in the stored order; ``between``: whether names lie between the two cells' names."""

    first: tuple[str, datetime]
    last: tuple[str, datetime]
    between: bool

    def pieces(self, rows: ir.Table) -> list[ir.Table]:
        """The slice's rows of ``rows`` as at most three ranges of the stored order, one after
        another: each a plain conjunction, which DuckDB takes down to the Parquet parts to
        skip their row groups outside it (sorting a union of them at once ran out of the
        import's memory limit)."""
        (first_name, first_day), (last_name, last_day) = self.first, self.last
        end = last_day + timedelta(days=1)
        if first_name == last_name:
            return [rows.filter(rows.name == first_name, rows.ts >= first_day, rows.ts < end)]
        middle = [rows.filter(rows.name > first_name, rows.name < last_name)] if self.between else []
        return [
            rows.filter(rows.name == first_name, rows.ts >= first_day),
            *middle,
            rows.filter(rows.name == last_name, rows.ts < end),
        ]


@dataclass(frozen=True)
class Staged:
    """A file's good rows in Parquet ``parts``, but the rows numbered ``dropped`` (repeats);
    for a big file of events, ``slices`` of the stored order to insert one after another."""

    parts: tuple[Path, ...]
    dropped: Path | None  # Parquet of the ORDER_COLUMN values to leave out; None: none
    rows: int
    names: dict[str, int]  # events: rows per event name
    anonymous: frozenset[str]  # events: names some row of which has no contact
    slices: tuple[Slice, ...] = ()
    """Events: slices of the stored order, in that order; empty: one slice, all the rows."""


_LOCK = "owner.lock"  # held (flock) by the importing process: the directory's owner is alive
_held: dict[Path, int] = {}


def staging_directory(near: Path | None) -> Path:
    """A new directory for one import's staged rows: beside the store file when there is one
    (same disk, room for the store's size), else in the system's temporary directory. The
    directories of imports whose process died (killed mid-import) are removed first."""
    parent = near.parent if near is not None else Path(tempfile.gettempdir())
    for stale in parent.glob(".wb-import-*"):
        if _abandoned(stale):
            shutil.rmtree(stale, ignore_errors=True)
    directory = parent / f".wb-import-{uuid.uuid4().hex[:12]}"
    directory.mkdir(parents=True)
    fd = os.open(directory / _LOCK, os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    _held[directory] = fd
    return directory


def _abandoned(directory: Path) -> bool:
    """Whether no living process holds the directory's lock."""
    try:
        fd = os.open(directory / _LOCK, os.O_RDWR)
    except OSError:
        return False  # being created, or not a staging directory
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing releases a lock taken here
    return True


def remove(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    fd = _held.pop(directory, None)
    if fd is not None:
        os.close(fd)


def _engine(spill: Path) -> BaseBackend:
    """A private DuckDB, bounded in memory, spilling to ``spill``."""
    con = ibis.duckdb.connect()
    con.settings["memory_limit"] = STAGING_MEMORY
    con.settings["temp_directory"] = str(spill)
    con.settings["preserve_insertion_order"] = False  # lets DuckDB stream instead of holding rows in order
    con.settings["enable_progress_bar"] = False
    return con


class Staging:
    """The staging directory while a file is read: chunks go in, then :meth:`finish`.

    Parts are written on a thread of their own while the next chunk is converted (sorting
    and writing Parquet release the GIL), at most two chunks behind; with ``ordered_by``,
    each part in that order."""

    def __init__(self, directory: Path, ordered_by: tuple[str, ...] = ()) -> None:
        self.directory = directory
        self.ordered_by = ordered_by
        self.parts: list[Path] = []
        self.added = 0
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="staging-writer")
        self.pending: deque[Future] = deque()

    def add(self, rows: pa.Table) -> None:
        """Write a chunk's good rows as a part, numbered after the rows added before."""
        order = pa.array(np.arange(self.added, self.added + rows.num_rows, dtype=np.int64))
        path = self.directory / f"part-{len(self.parts):06d}.parquet"
        # snappy without dictionaries: written and read back fastest, at about 40 bytes a row
        self.pending.append(self.writer.submit(self._write, rows.append_column(ORDER_COLUMN, order), path))
        self.parts.append(path)
        self.added += rows.num_rows
        while len(self.pending) > 2:
            self.pending.popleft().result()

    def _write(self, rows: pa.Table, path: Path) -> None:
        if self.ordered_by:
            rows = rows.sort_by([(column, "ascending") for column in self.ordered_by])
        pq.write_table(rows, path, compression="snappy", use_dictionary=False, row_group_size=PART_ROW_GROUP)

    def _written(self) -> None:
        try:
            while self.pending:
                self.pending.popleft().result()
        finally:
            self.writer.shutdown(wait=True, cancel_futures=True)

    def finish(self, keys: tuple[str, ...], kind: str, schema: pa.Schema) -> tuple[Staged, int]:
        """The staged rows, keeping the first row of each key (file order), and the number of
        rows left out. Only keys that repeat are looked at row by row."""
        if not self.parts:
            self.add(schema.empty_table())
        self._written()
        con = _engine(self.directory / "spill")
        try:
            every = con.read_parquet([str(p) for p in self.parts])
            dropped_path = self.directory / "dropped.parquet"
            con.to_parquet(later_repeats(every, list(keys)).select(ORDER_COLUMN), dropped_path)
            dropped = pq.read_metadata(dropped_path).num_rows
            kept = every if not dropped else every.anti_join(con.read_parquet(str(dropped_path)), ORDER_COLUMN)
            names: dict[str, int] = {}
            anonymous: frozenset[str] = frozenset()
            slices: tuple[Slice, ...] = ()
            if kind == "events":
                days = kept.mutate(day=kept.ts.truncate("D"))
                per_day = days.group_by(["name", "day"]).aggregate(
                    n=days.count(), anonymous=days.contact_id.isnull().any()
                )
                found = con.to_pyarrow(per_day).to_pylist()
                for row in found:
                    names[row["name"]] = names.get(row["name"], 0) + row["n"]
                anonymous = frozenset(r["name"] for r in found if r["anonymous"])
                if self.added - dropped > SLICE_ROWS:
                    slices = bounds(slice_plan([(r["name"], _utc(r["day"]), r["n"]) for r in found], SLICE_ROWS))
        finally:
            con.disconnect()
        staged = Staged(
            tuple(self.parts), dropped_path if dropped else None, self.added - dropped, names, anonymous, slices
        )
        return staged, dropped


def slice_plan(counts: Iterable[tuple[str, object, int]], most: int) -> dict[tuple[str, object], int]:
    """Slices of the stored order: each (name, day, events) cell's slice number, runs of cells
    in (name, day) order of at most ``most`` events (a cell bigger than that is a slice alone).

    >>> slice_plan([("b", 1, 4), ("a", 2, 3), ("a", 1, 3)], 6)
    {('a', 1): 0, ('a', 2): 0, ('b', 1): 1}
    """
    plan: dict[tuple[str, object], int] = {}
    number, held = 0, 0
    for name, day, n in sorted(counts, key=lambda cell: (cell[0], cell[1])):  # code points: as the store sorts
        if held and held + n > most:
            number, held = number + 1, 0
        plan[(name, day)] = number
        held += n
    return plan


def bounds(plan: dict[tuple[str, datetime], int]) -> tuple[Slice, ...]:
    """The slices of a :func:`slice_plan`, each by its first and last cell.

    >>> d, e = datetime(2026, 1, 1), datetime(2026, 1, 2)
    >>> [(s.first[0], s.last[0], s.between) for s in bounds({("a", d): 0, ("a", e): 0, ("b", d): 0, ("c", d): 1})]
    [('a', 'b', False), ('c', 'c', False)]
    """
    cells: dict[int, list[tuple[str, datetime]]] = {}
    for cell, number in plan.items():
        cells.setdefault(number, []).append(cell)
    return tuple(
        Slice(min(cells[n]), max(cells[n]), between=len({name for name, _ in cells[n]}) > 2) for n in sorted(cells)
    )


def _utc(day: datetime) -> datetime:
    """A day of the staging engine (UTC, given without its zone) as the UTC instant."""
    return day if day.tzinfo is not None else day.replace(tzinfo=UTC)


def later_repeats(every: ir.Table, keys: list[str]) -> ir.Table:
    """The rows of ``every`` whose key an earlier row (by ``ORDER_COLUMN``) has: what an
    import leaves out, of a staged file or of rows in memory.

    Rows are grouped first by a 64-bit hash of their key, whose fixed width DuckDB
    aggregates and spills in little memory (grouping 200M event ids as text ran out of a
    2 GB limit); only rows whose hash repeats are grouped by the key itself."""
    key = every[keys[0]] if len(keys) == 1 else ibis.struct({k: every[k] for k in keys})
    hashed = every.select(*keys, ORDER_COLUMN, h=key.hash())
    counts = hashed.group_by("h").aggregate(n=hashed.count())
    suspects = hashed.semi_join(counts.filter(counts.n > 1), "h").drop("h")
    firsts = suspects.group_by(keys).aggregate(first=suspects[ORDER_COLUMN].min())
    return suspects.join(firsts, keys).filter(lambda t: t[ORDER_COLUMN] != t.first)


@contextmanager
def stage(con: BaseBackend, alias: str, prepared: Prepared) -> Iterator[ir.Table]:
    """The prepared rows as a table of ``con``'s store, for one write (open it around the
    write's transaction): rows in memory, or a file's staged parts, as a temporary table
    named ``alias``; a DuckDB store reads the parts, or the rows in memory, where they are."""
    from workbench.store.statements import set_option
    from workbench.store.statements import stage as load

    staged = prepared.staged
    if staged is not None and con.name == "duckdb":
        set_option(con, "memory_limit", STAGING_MEMORY)  # this connection ends with the write
        set_option(con, "enable_progress_bar", "false")  # the caller draws its own
        rows = _read_parts(con, staged.parts, alias)
        if staged.dropped is not None:
            rows = rows.anti_join(con.read_parquet(str(staged.dropped)), ORDER_COLUMN)
        rows = rows.drop(ORDER_COLUMN)
    elif staged is not None:
        schema = pq.read_schema(staged.parts[0])
        load(con, alias, batches(staged), schema=schema.remove(schema.get_field_index(ORDER_COLUMN)))
        rows = con.table(alias)
    elif con.name == "duckdb":  # rows in memory: read where they are, as an Arrow view
        con.con.register(alias, prepared.table)
        rows = con.table(alias)
    else:
        load(con, alias, prepared.table)
        rows = con.table(alias)
    try:
        yield rows
    finally:
        if staged is not None and con.name == "duckdb":
            con.drop_view(alias, force=True)
        elif con.name == "duckdb":
            con.con.unregister(alias)
        else:
            con.drop_table(alias, force=True)


def in_order(con: BaseBackend, rows: ir.Table, prepared: Prepared) -> Iterator[ir.Table]:
    """The staged ``rows`` (see :func:`stage`) for inserting in the stored order: on a DuckDB
    store the pieces of its slices one after another (each to be sorted alone), else all of
    them at once."""
    staged = prepared.staged
    if staged is None or not staged.slices or con.name != "duckdb":
        yield rows
        return
    for slice_ in staged.slices:
        yield from slice_.pieces(rows)


def _read_parts(con: BaseBackend, parts: Sequence[Path], name: str) -> ir.Table:
    # staging directories are named freely: never read a "key=value" folder as a column
    return con.read_parquet([str(p) for p in parts], table_name=name, hive_partitioning=False)


@contextmanager
def contact_scope(con: BaseBackend, name: str, contact_ids: Iterable[str] | None) -> Iterator[None]:
    """Contact ids as a table ``name`` of ``con`` for the queries inside (nothing when None):
    an Arrow view on DuckDB (allowed on a read-only connection), a temporary table elsewhere."""
    if contact_ids is None:
        yield
        return
    ids = pa.table({"contact_id": pa.array(sorted(set(contact_ids)), pa.string())})
    if con.name == "duckdb":
        con.con.register(name, ids)
    else:
        from workbench.store.statements import stage as load

        load(con, name, ids)
    try:
        yield
    finally:
        if con.name == "duckdb":
            con.con.unregister(name)
        else:
            con.drop_table(name, force=True)


def batches(staged: Staged) -> Iterator[pa.RecordBatch]:
    """The staged rows (repeats left out) in batches, without the order column."""
    dropped = pq.read_table(staged.dropped)[ORDER_COLUMN] if staged.dropped is not None else None
    for part in staged.parts:
        for batch in pq.ParquetFile(part).iter_batches(batch_size=BATCH_ROWS):
            if dropped is not None:
                batch = batch.filter(pc.invert(pc.is_in(batch.column(ORDER_COLUMN), dropped)))
            yield batch.drop_columns([ORDER_COLUMN])
