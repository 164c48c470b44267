"""The loader: moves a collector's journal into the store, in order, within a second.

One loader runs per collector (in its main process): the store's only writer of collected
events. Each round it reads every complete record appended since the last round, from the
journal files of its own collector and of collectors that are gone (``journal.orphans``),
and stores them all in one transaction (``Workspace.store_prepared``) together with how far
it read each file (``wb_collector_journal``). So a loader restarted after a crash resumes
exactly where the last commit left off: no record is skipped and none is applied twice, and
events are idempotent by ``event_id`` besides.

``wait_for_collected(ws)`` is what the send path and the watcher call before they evaluate: it waits
until everything the collector had answered 2xx for is in the store (draining a dead
collector's journal itself), so an evaluation at instant T includes every event answered
before T.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend

from workbench.collector import journal, tables
from workbench.collector.rows import (
    EVENT_SCHEMA,
    LINK_SCHEMA,
    Lessons,
    event_links,
    events_table,
    ipc_table,
    links_table,
    rows_of_journal,
)
from workbench.store.importer import Prepared
from workbench.store.statements import delete_where, update_where
from workbench.store.workspace import Workspace

log = logging.getLogger(__name__)

JOURNAL_SETTING = tables.SETTING_PREFIX + "journal_dir"
MAX_ROUND_RECORDS = 20_000  # records per transaction: a long backlog is stored in steps
ORPHAN_SCAN_S = 1.0


def default_journal_root(ws: Workspace) -> Path:
    """Where a collector of this store keeps its journal unless told otherwise: beside a
    DuckDB file, else in the user's state directory under a digest of the store's URL."""
    if ws.url.path is not None:
        return ws.url.path.with_name(ws.url.path.name + ".journal")
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "workbench" / "journals" / hashlib.sha256(ws.url.url.encode()).hexdigest()[:16]


def journal_root(ws: Workspace) -> Path:
    """The journal root of this store's collectors: the one saved by ``--journal``, or the default."""
    try:
        saved = tables.read_settings(ws).get(JOURNAL_SETTING)
    except Exception:  # the collector's tables do not exist: no collector ever ran here
        saved = None
    return Path(saved) if saved else default_journal_root(ws)


@dataclass
class _Rows:
    """The rows of one ``ROWS`` record, and where it is (to set it aside should it fail)."""

    path: Path
    end: int
    events: list[dict]
    links: list[dict]


@dataclass
class _Round:
    """What one round read: the rows to store and how far each file was read."""

    events: list[pa.Table] = field(default_factory=list)
    links: list[pa.Table] = field(default_factory=list)
    rows: list[_Rows] = field(default_factory=list)
    lessons: Lessons = field(default_factory=Lessons)
    ends: dict[str, int] = field(default_factory=dict)
    records: int = 0


class Loader:
    """Drains journals under ``root`` into ``ws``: the files of the collector directory
    ``own`` (None for a process that only settles), and those of collectors that are gone."""

    def __init__(self, ws: Workspace, root: Path, own: Path | None = None, min_interval: float = 0.2) -> None:
        self.ws = ws
        self.root = root
        self.own = own
        self.min_interval = min_interval
        # while the loader lives its directory is not abandoned, even between journal files
        self._own_lock = journal.hold_shared(own) if own is not None else None
        self._positions: dict[str, int] | None = None
        self._claimed: dict[Path, int] = {}  # orphan directory -> descriptor of its lock
        self._scanned_at = float("-inf")
        self._forget: list[str] = []  # files deleted whose positions can go
        self.loaded = 0  # events and links stored, for the log

    # --- reading --------------------------------------------------------------------------

    def _positions_now(self) -> dict[str, int]:
        if self._positions is None:
            rows = tables.read_rows(self.ws, tables.JOURNAL)
            self._positions = {r["journal"]: r["loaded_to"] for r in rows}
        return self._positions

    def _claim_orphans(self, force: bool = False) -> None:
        """Take the directories of collectors that are gone (their lock is free)."""
        now = time.monotonic()
        if not force and now - self._scanned_at < ORPHAN_SCAN_S:
            return
        self._scanned_at = now
        for directory in journal.instances(self.root):
            if directory == self.own or directory in self._claimed:
                continue
            fd = journal.try_claim(directory)
            if fd is not None:
                log.info("loading the journal of a collector that is gone: %s", directory)
                self._claimed[directory] = fd
                self._positions = None  # another loader may have stored part of it

    def _directories(self) -> list[Path]:
        return ([self.own] if self.own is not None else []) + list(self._claimed)

    def _read(self) -> _Round:
        positions = self._positions_now()
        round_ = _Round()
        for directory in self._directories():
            for path in journal.journal_files(directory):
                key = journal.file_key(path)
                for record in journal.read_records(path, positions.get(key, 0)):
                    round_.ends[key] = record.end
                    if record.kind == journal.ROWS:
                        round_.rows.append(_Rows(path, record.end, *rows_of_journal(record.body)))
                    elif record.kind == journal.EVENTS:
                        table = ipc_table(record.body)
                        metadata = table.schema.metadata or {}
                        round_.lessons.merge(Lessons.from_json(metadata[b"lessons"].decode()))
                        round_.events.append(table.replace_schema_metadata(None))
                    elif record.kind == journal.LINKS:
                        round_.links.append(ipc_table(record.body))
                    round_.records += 1
                    if round_.records >= MAX_ROUND_RECORDS:
                        return round_
        return round_

    # --- storing --------------------------------------------------------------------------

    def drain(self) -> int:
        """One round: store what the journals hold beyond the last round; the number of
        records stored (0: nothing new). Finished files are deleted afterwards."""
        self._claim_orphans()
        if not self._anything_new():
            self._clean_up()
            return 0
        # The store first, then the journal: on a shared DuckDB file the write waits for the
        # evaluations in progress, and what is answered meanwhile goes in this round rather
        # than waiting for the next one (and for the evaluations then in progress).
        with self.ws.connector.hold(write=True):
            round_ = self._read()
            if round_.ends:
                self._store(round_)
        self._positions_now().update(round_.ends)
        self._clean_up()
        return round_.records

    def _anything_new(self) -> bool:
        """Whether some journal holds a complete record beyond what is stored (a torn append
        at the end of a file is not one: it never will be)."""
        positions = self._positions_now()
        return any(
            next(journal.read_records(path, positions.get(journal.file_key(path), 0)), None) is not None
            for directory in self._directories()
            for path in journal.journal_files(directory)
        )

    def _store(self, round_: _Round) -> None:
        now = datetime.now(UTC)
        self._convert_rows(round_, now)
        # one chunk, not one per request: engines load and scan thousands of tiny chunks slowly
        events = _first_of_each(_one_table(round_.events, EVENT_SCHEMA), ["event_id"])
        at = events.schema.get_field_index("received_at")
        events = events.set_column(
            at, events.schema.field(at), pa.array([now] * events.num_rows, EVENT_SCHEMA[at].type)
        )
        links = _first_of_each(_one_table(round_.links, LINK_SCHEMA), ["anonymous_id", "contact_id"])
        prepared = Prepared(
            kind="events",
            table=events,
            rejects=[],
            learned=round_.lessons.learned(),
            sources=round_.lessons.source_by_name(),
            rows_read=events.num_rows,
            links=links,
            event_counts=round_.lessons.event_counts(),
        )
        forget, self._forget = self._forget, []
        started = time.perf_counter()
        report = self.ws.store_prepared(prepared, also=lambda con: _record_positions(con, round_.ends, forget, now))
        took = time.perf_counter() - started
        self.loaded += report.stored + report.links
        # a round that takes long waited for the store (evaluations in progress hold it)
        log.log(
            logging.INFO if took > 1 else logging.DEBUG,
            "loaded %d requests in %.2fs: %s",
            round_.records,
            took,
            report.summary(),
        )

    def _convert_rows(self, round_: _Round, now: datetime) -> None:
        """The round's journaled rows as Arrow, all at once. Rows were checked before their
        requests were answered, so this does not fail; should a record still fail (a bug),
        it is set aside in a file of its own beside the journal, logged, and the others
        are stored."""
        records = round_.rows
        if not records:
            return
        try:
            events = events_table([r for record in records for r in record.events], now)
        except Exception:
            events_by_record = []
            for record in records:
                try:
                    events_by_record.append(events_table(record.events, now))
                except Exception:
                    self._set_aside(record)
                    record.events, record.links = [], []
            events = _one_table(events_by_record, EVENT_SCHEMA)
        for row in (r for record in records for r in record.events):
            round_.lessons.add(row)
        round_.events.append(events)
        round_.links += [event_links(events), links_table(r for record in records for r in record.links)]

    def _set_aside(self, record: _Rows) -> None:
        aside = self.root / "set-aside"
        aside.mkdir(parents=True, exist_ok=True)
        target = aside / f"{journal.file_key(record.path).replace('/', '-')}-{record.end}.json"
        target.write_text(json.dumps({"events": record.events, "links": record.links}, default=str))
        log.error("a journal record could not be stored; its rows are set aside in %s", target, exc_info=True)

    def _clean_up(self) -> None:
        """Delete files that are fully stored and will not grow: ended by their writer, or
        whose writer is gone; then the directories of collectors that are gone."""
        positions = self._positions_now()
        for directory in self._directories():
            for path in journal.journal_files(directory):
                key = journal.file_key(path)
                done = positions.get(key, 0)
                finished = directory != self.own or _ended(path, done) or journal.writer_gone(path)
                if finished and not any(True for _ in journal.read_records(path, done)):
                    path.unlink(missing_ok=True)
                    self._forget.append(key)
        for directory, fd in list(self._claimed.items()):
            if not journal.journal_files(directory):
                shutil.rmtree(directory, ignore_errors=True)
                os.close(fd)
                del self._claimed[directory]

    # --- running --------------------------------------------------------------------------

    def run(self, stop: threading.Event, poll: float = 0.02) -> None:
        """Drain until ``stop`` is set, then once more (what was answered before the stop)."""
        while not stop.is_set():
            try:
                stored = self.drain()
            except Exception:  # the store is down or busy: the journal keeps everything meanwhile
                log.exception("could not load the journal into the store; retrying")
                stop.wait(1.0)
                continue
            stop.wait(self.min_interval if stored else poll)
        self.drain()

    def close(self) -> None:
        for fd in self._claimed.values():
            os.close(fd)
        self._claimed.clear()
        if self._own_lock is not None:
            os.close(self._own_lock)
            self._own_lock = None


def _ended(path: Path, offset: int) -> bool:
    """Whether the last record read from ``path`` (ending at ``offset``) is its END record."""
    size = len(journal.encode(journal.END, b""))
    if offset < size:
        return False
    with path.open("rb") as f:
        f.seek(offset - size)
        return f.read(size) == journal.encode(journal.END, b"")


def _one_table(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    """The tables' rows in order, as one contiguous table."""
    return pa.concat_tables(tables).combine_chunks() if tables else schema.empty_table()


def _first_of_each(table: pa.Table, keys: list[str]) -> pa.Table:
    """The first row of each key, in order (a re-sent event in one round is stored once)."""
    if table.num_rows < 2:
        return table
    numbered = table.select(keys).append_column("_i", pa.array(range(table.num_rows), pa.int64()))
    first = numbered.group_by(keys, use_threads=False).aggregate([("_i", "min")])["_i_min"]
    if len(first) == table.num_rows:
        return table
    return table.take(pc.take(first, pc.sort_indices(first)))  # the first rows, in their order


def _record_positions(con: BaseBackend, ends: dict[str, int], forget: list[str], now: datetime) -> None:
    """Inside the load's transaction: how far each file is stored; files deleted are forgotten.

    A file already known is updated in place: DuckDB refuses a key of the unique index that
    is deleted and inserted again within one transaction.
    """
    for key in forget:
        delete_where(con, tables.JOURNAL.name, journal=key)
    positions = con.table(tables.JOURNAL.name)
    known = (
        set(con.to_pyarrow(positions.filter(positions.journal.isin(list(ends))).journal).to_pylist()) if ends else set()
    )
    for key in known:
        update_where(con, tables.JOURNAL.name, {"loaded_to": ends[key], "loaded_at": now}, journal=key)
    rows = [{"journal": key, "loaded_to": end, "loaded_at": now} for key, end in ends.items() if key not in known]
    if rows:
        con.insert(tables.JOURNAL.name, ibis.memtable(tables.JOURNAL.arrow(rows)))


def wait_for_collected(ws: Workspace, timeout: float = 30.0, sleep: Callable[[float], None] = time.sleep) -> bool:
    """Wait until every event the store's collectors had answered 2xx for by now is in the
    store; False if that took longer than ``timeout`` seconds (logged; the caller goes on).

    The journal of a collector that is gone is loaded here. A collector on another machine
    (PostgreSQL) is not seen: its events arrive within its loader's second.
    """
    root = journal_root(ws)
    if not root.exists():
        return True
    ends = {
        journal.file_key(path): path.stat().st_size
        for directory in journal.instances(root)
        for path in journal.journal_files(directory)
    }
    if not ends:
        return True
    deadline = time.monotonic() + timeout
    loader = Loader(ws, root)
    try:
        while True:
            # again each time: the HTTP workers of a killed collector hold its directory
            # until they die a moment later, and nobody else will load it
            loader._claim_orphans(force=True)
            if loader._claimed:
                while loader.drain():
                    pass
            stored = {r["journal"]: r["loaded_to"] for r in tables.read_rows(ws, tables.JOURNAL)}
            waiting = [key for key, end in ends.items() if stored.get(key, 0) < end and (root / key).exists()]
            if not waiting or all(_only_end_or_torn(root / key, stored.get(key, 0)) for key in waiting):
                return True
            if time.monotonic() > deadline:
                log.warning("the collector's journal was not in the store after %.0fs: evaluating without it", timeout)
                return False
            sleep(0.02)
    finally:
        loader.close()


def _only_end_or_torn(path: Path, offset: int) -> bool:
    """Whether nothing but an END record (or a torn append) lies beyond ``offset``: nothing
    more to wait for in that file."""
    try:
        return all(r.kind == journal.END for r in journal.read_records(path, offset))
    except FileNotFoundError:
        return True


__all__ = ["Loader", "default_journal_root", "journal_root", "wait_for_collected"]
