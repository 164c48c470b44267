"""Connections to the store, chosen by URL (SPEC §5), and how processes share them.

A DuckDB file is shared by many processes (Voila kernels, papermill send runs, the
collector, the CLI), but DuckDB lets only one process hold a file read-write, and then no
other process may open it at all. So every operation opens a short-lived connection and
closes it, under a cross-process readers-writer lock with writer preference:

- a *gate* lock file that a writer holds exclusively while it waits and works, so new
  readers queue behind a waiting writer instead of starving it;
- a *data* lock file, shared by readers and exclusive for the writer, so the writer opens
  the file read-write only once every reader has closed it.

Readers open the file read-only and coexist; a process keeps its last read connection
open between reads (warm caches) until a writer asks for the file (``_ParkedReader``).
Any lock error from a process outside this
discipline is retried with backoff up to a time limit, then reported as ``StoreBusy``.
PostgreSQL and ClickHouse have their own concurrency control: one connection is kept.
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import ibis
from ibis.backends import BaseBackend

from workbench.errors import StoreBusy, WorkbenchError

log = logging.getLogger(__name__)

DEFAULT_DB = "duckdb://workbench.duckdb"
LOCK_TIMEOUT_S = float(os.environ.get("WORKBENCH_LOCK_TIMEOUT", "120"))
T = TypeVar("T")


@dataclass(frozen=True)
class StoreURL:
    """A parsed store URL: ``duckdb:///path``, ``postgres://user@host:port/db``, ``clickhouse://…``."""

    kind: str
    url: str
    path: Path | None = None

    @classmethod
    def parse(cls, url: str | None) -> StoreURL:
        url = url or os.environ.get("WORKBENCH_DB") or DEFAULT_DB
        if "://" not in url and url.endswith((".duckdb", ".db")):
            url = f"duckdb://{url}"
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if scheme == "duckdb":
            # As in Ibis: what follows "duckdb://" is the path, so duckdb:///tmp/x.duckdb is
            # absolute and duckdb://x.duckdb is relative to the working directory.
            raw = url.split("://", 1)[1]
            if raw in ("", ":memory:"):
                return cls("duckdb", url, None)
            return cls("duckdb", url, Path(raw).resolve())
        if scheme in ("postgres", "postgresql"):
            return cls("postgres", url)
        if scheme == "clickhouse":
            return cls("clickhouse", url)
        raise WorkbenchError(
            f"unsupported store URL {url!r}; use duckdb:///path/file.duckdb, "
            "postgres://user@host:port/db or clickhouse://host:port/db"
        )


class _FileLock:
    """An ``flock`` on a file beside the database, shared or exclusive."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def acquire(self, exclusive: bool) -> int:
        """Block until the lock is ours; returns the descriptor that holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        except BaseException:
            os.close(fd)
            raise
        return fd

    @staticmethod
    def release(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def wanted_by_writer(self) -> bool:
        """Whether a writer holds this (gate) lock: a shared lock cannot be had right now."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops the lock, if taken
        return False

    @contextmanager
    def hold(self, exclusive: bool) -> Iterator[None]:
        fd = self.acquire(exclusive)
        try:
            yield
        finally:
            self.release(fd)


# Every DuckDB file connection this process opened (and every parked reader), so that a
# process shutting down can stop what runs on them (see ``interrupt_queries``).
_duckdb_connections: weakref.WeakSet[BaseBackend] = weakref.WeakSet()
_parked_readers: weakref.WeakSet[_ParkedReader] = weakref.WeakSet()


def interrupt_queries() -> None:
    """Interrupt every query running now on this process's DuckDB file connections: each
    raises in its own thread at once. For shutting down (``workbench.widgets.live``): a
    background count ends now instead of when it is done."""
    for con in list(_duckdb_connections):
        with suppress(Exception):  # closed meanwhile: nothing runs on it
            con.con.interrupt()


@atexit.register
def _close_parked_readers() -> None:
    """At exit, close the read connections kept open between reads (and their watch threads
    end), rather than leaving them to the interpreter's finalisation."""
    for reader in list(_parked_readers):
        reader.drop()


class _ParkedReader:
    """One read-only connection kept open between reads, with its shared data lock, so that
    consecutive reads find DuckDB's caches warm instead of reopening the file.

    It never delays a writer for long: a watch thread checks the gate every ``POLL_S``
    seconds and closes the connection as soon as a writer (of any process, this one too)
    holds the gate, or after ``IDLE_S`` seconds unused. Data cannot change under it: a
    writer needs the data lock exclusively, which it only gets once the connection is closed.
    """

    POLL_S = 0.02
    IDLE_S = 30.0

    def __init__(self, gate: _FileLock) -> None:
        self.gate = gate
        self.lock = threading.Lock()
        self.con: BaseBackend | None = None
        self.fd: int | None = None
        self.in_use = False
        self.closing = False
        self.last_used = 0.0
        self.watch: threading.Thread | None = None
        _parked_readers.add(self)

    def borrow(self) -> BaseBackend | None:
        """The parked connection, for one read by this thread; None if there is none free."""
        with self.lock:
            if self.con is None or self.in_use or self.closing:
                return None
            self.in_use = True
            return self.con

    def give_back(self) -> None:
        with self.lock:
            self.in_use = False
            self.last_used = time.monotonic()
            if self.closing:
                self._close()

    def park(self, con: BaseBackend, fd: int) -> bool:
        """Keep ``con`` (and the lock held by ``fd``) open; False if one is parked already."""
        with self.lock:
            if self.con is not None:
                return False
            self.con, self.fd, self.in_use, self.closing = con, fd, False, False
            self.last_used = time.monotonic()
            if self.watch is None or not self.watch.is_alive():
                self.watch = threading.Thread(target=self._watch, name="workbench-parked-reader", daemon=True)
                self.watch.start()
            return True

    def drop(self) -> None:
        """Close the connection now, or when its current read ends."""
        with self.lock:
            if self.in_use:
                self.closing = True
            else:
                self._close()

    def _close(self) -> None:
        if self.con is not None:
            self.con.disconnect()
            _FileLock.release(self.fd)
        self.con, self.fd, self.closing = None, None, False

    def _watch(self) -> None:
        while True:
            time.sleep(self.POLL_S)
            with self.lock:
                if self.con is None:
                    self.watch = None
                    return
                idle = not self.in_use and time.monotonic() - self.last_used > self.IDLE_S
            if idle or self.gate.wanted_by_writer():
                self.drop()


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "lock" in text.lower() and ("Conflicting" in text or "Could not set lock" in text)


class Connector:
    """Hands out Ibis backends for reading and writing, with the sharing discipline above."""

    def __init__(self, url: StoreURL) -> None:
        self.url = url
        self._persistent: BaseBackend | None = None
        # a hold() belongs to the thread that made it: a builder counting in a worker thread
        # must not share the notebook thread's connection
        self._local = threading.local()
        if url.kind == "duckdb" and url.path is not None:
            url.path.parent.mkdir(parents=True, exist_ok=True)
            self._gate = _FileLock(url.path.with_name(url.path.name + ".gate.lock"))
            self._data = _FileLock(url.path.with_name(url.path.name + ".data.lock"))
            self._parked = _ParkedReader(self._gate)

    @property
    def shared_file(self) -> bool:
        return self.url.kind == "duckdb" and self.url.path is not None

    def _persistent_backend(self) -> BaseBackend:
        if self._persistent is None:
            if self.url.kind == "duckdb":
                self._persistent = _planned_as_written(ibis.duckdb.connect())
            elif self.url.kind == "postgres":
                self._persistent = _connect_postgres(self.url.url.replace("postgresql://", "postgres://", 1))
            else:
                # outer joins must give NULL for missing rows, as in SQL (ClickHouse's default is 0/'')
                self._persistent = ibis.connect(self.url.url, settings={"join_use_nulls": 1})
        return self._persistent

    @property
    def own_connection(self) -> bool:
        """Whether :meth:`writing` opens a connection of its own (closed after the block):
        a DuckDB file outside a :meth:`hold`. Settings made on it end with it."""
        return self.shared_file and self._held is None

    @property
    def _held(self) -> BaseBackend | None:
        return getattr(self._local, "held", None)

    @property
    def _held_writable(self) -> bool:
        return getattr(self._local, "writable", False)

    def _open_duckdb(self, read_only: bool) -> BaseBackend:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        delay = 0.01
        while True:
            try:
                con = _planned_as_written(ibis.duckdb.connect(str(self.url.path), read_only=read_only))
                _duckdb_connections.add(con)
                return con
            except Exception as exc:  # duckdb raises IOException, wrapped differently by version
                if not _is_lock_conflict(exc) or time.monotonic() > deadline:
                    if _is_lock_conflict(exc):
                        raise StoreBusy(
                            f"the store {self.url.path} stayed locked by another program for "
                            f"{LOCK_TIMEOUT_S:.0f}s; try again later"
                        ) from exc
                    raise
                log.debug("store locked by another process; retrying in %.2fs", delay)
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @contextmanager
    def reading(self) -> Iterator[BaseBackend]:
        """A backend to read from, held only for the block."""
        if self._held is not None:
            yield self._held
            return
        if not self.shared_file:
            yield self._persistent_backend()
            return
        if not self.url.path.exists():
            with self.writing() as con:
                yield con
            return
        con = self._parked.borrow()
        if con is not None:
            try:
                yield con
            finally:
                self._parked.give_back()
            return
        with self._gate.hold(exclusive=False):
            pass  # wait behind any writer that is waiting or writing
        fd = self._data.acquire(exclusive=False)
        try:
            con = self._open_duckdb(read_only=True)
        except BaseException:
            self._data.release(fd)
            raise
        try:
            yield con
        finally:
            if not self._parked.park(con, fd):
                con.disconnect()
                self._data.release(fd)

    @contextmanager
    def writing(self) -> Iterator[BaseBackend]:
        """A backend to write with; writers are serialised across processes."""
        if self._held is not None:
            if not self._held_writable:
                raise WorkbenchError("cannot write inside a read-only hold() block")
            yield self._held
            return
        if not self.shared_file:
            yield self._persistent_backend()
            return
        self._parked.drop()  # this process's own parked reader would block it
        with self._gate.hold(exclusive=True), self._data.hold(exclusive=True):
            con = self._open_duckdb(read_only=False)
            try:
                yield con
            finally:
                con.disconnect()

    @contextmanager
    def hold(self, write: bool = False) -> Iterator[BaseBackend]:
        """Keep one connection for a block of many operations (warm caches, fewer opens).

        Other processes wait for the block to end, so keep it short.
        """
        if self._held is not None:
            yield self._held
            return
        with self.writing() if write else self.reading() as con:
            self._local.held, self._local.writable = con, write
            try:
                yield con
            finally:
                self._local.held, self._local.writable = None, False

    def close(self) -> None:
        if self.shared_file:
            self._parked.drop()
        if self._persistent is not None:
            self._persistent.disconnect()
            self._persistent = None


# PostgreSQL 15 refuses a new connection with this while it updates the database's row in
# pg_database (autovacuum after a bulk load): the name is looked up twice as a connection
# starts, and the second lookup misses the row being updated. Seen in the test suite right
# after a database was created and loaded; nothing had dropped it.
_VANISHED_FOR_A_MOMENT = "It seems to have just been dropped or renamed"
POSTGRES_CONNECT_ATTEMPTS = 5


def retry_while_vanished(connect: Callable[[], T]) -> T:
    """``connect()``, tried again while PostgreSQL says the database vanished a moment ago
    (:data:`_VANISHED_FOR_A_MOMENT`); any other failure at once."""
    for attempt in range(1, POSTGRES_CONNECT_ATTEMPTS):
        try:
            return connect()
        except Exception as exc:  # psycopg's OperationalError, imported only with the postgres extra
            if _VANISHED_FOR_A_MOMENT not in str(exc):
                raise
            log.warning("PostgreSQL refused the connection for a moment (%s); trying again", exc)
            time.sleep(0.2 * attempt)
    return connect()


def _planned_as_written(con: BaseBackend) -> BaseBackend:
    """A DuckDB backend that hashes the right side of each join, as the SQL is written.

    DuckDB swaps a join's sides by its estimates of their sizes, and it estimates a scan of
    events bounded by a window as all the events of the names read (it cannot see that the
    window keeps a few days of years). A segment's query then hashed every identity link to
    look up the anonymous ids of its window: 0.6 s of ``topic_readers``'s 1.0 s at 10M
    contacts (6.2M links; 311,059 events read). The compiler puts the side it narrows on the
    right (the ids in play, a contact's aggregates, a list's members). Measured on the 13
    examples and the two-attribute segment at 10M contacts: none slower, five faster
    (docs/benchmarks.md). Every other query on a store must do the same: members joined to
    ``contacts`` with the members on the right, stored rows filtered by the ids being
    written before they are looked up (``tests/test_duckdb_join_sides.py`` checks the plans)."""
    con.raw_sql("SET disabled_optimizers = 'build_side_probe_side'")
    return con


def _connect_postgres(url: str) -> BaseBackend:
    """A PostgreSQL backend at ``url`` (see :func:`retry_while_vanished`)."""
    # Segment queries join aggregates on their maxima, which PostgreSQL's planner estimates
    # at one row and answers with nested loops that grow quadratically; the workbench's
    # queries are scans, for which hash joins are right.
    return retry_while_vanished(lambda: ibis.connect(url, options="-c enable_nestloop=off"))


@contextmanager
def transaction(con: BaseBackend) -> Iterator[None]:
    """All or nothing: the block's writes commit together or not at all."""
    raw = con.con
    if con.name == "duckdb":
        raw.begin()
        try:
            yield
        except BaseException:
            raw.rollback()
            raise
        raw.commit()
    elif con.name == "postgres":
        with raw.transaction():
            yield
    else:  # ClickHouse has no multi-statement transactions; inserts are atomic per block.
        yield
