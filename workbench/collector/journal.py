"""The collector's durable local journal: what it has answered 2xx for, before the store has it.

A 2xx must not wait for the store: on a shared DuckDB file a writer waits for the segment
evaluations in progress. So each collector process appends what it accepts to a journal
file on local disk and answers once that append is on disk (``fdatasync``); one loader per
collector then moves the journal into the store (``loader.py``).

Layout, under a journal root (``<store file>.journal/`` beside a DuckDB file):

- one directory per running collector, ``<root>/<instance>/``, with a ``lock`` file that
  the collector's processes hold (shared ``flock``) while they live: a directory whose lock
  is free belongs to a collector that is gone, and any loader may drain it (``orphans``);
- in it, one file per writing process, ``<ns>-<pid>.wal``, appended only by that process.

A file is a sequence of records ``<length:u32><crc32:u32><kind:1 byte><body>``. A process
killed in the middle of an append leaves at most one torn record at the end of its own file
(no other process appends to it, and a restarted process starts a new file), which a reader
recognises by its length or checksum and ignores. A writer that rotates or closes cleanly
ends its file with an ``END`` record, which tells the loader the file is complete.

Appends are group-committed: requests that arrive while a write and its ``fdatasync`` are
under way wait for the next one, and one write and one ``fdatasync`` serve all of them.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import secrets
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")

HEADER = struct.Struct("<II")  # body length (kind byte included), crc32 of the body
# a few accepted rows (JSON); many rows' events and identity links (Arrow); a file's end
ROWS, EVENTS, LINKS, END = b"R", b"E", b"L", b"Z"
KINDS = (ROWS, EVENTS, LINKS, END)
SUFFIX = ".wal"
LOCK = "lock"
ROTATE_BYTES = 64 << 20  # start a new file past this size: loaded files are deleted whole
MAX_RECORD = 1 << 30


def encode(kind: bytes, body: bytes) -> bytes:
    """One record as it is written."""
    payload = kind + body
    return HEADER.pack(len(payload), zlib.crc32(payload)) + payload


@dataclass(frozen=True)
class Record:
    kind: bytes
    body: bytes
    end: int  # offset just past this record: where the next read starts


def read_records(path: Path, offset: int = 0) -> Iterator[Record]:
    """The complete records of a file from ``offset`` on, in order; stops at the end or at
    the first incomplete or damaged record (a torn append, or one still being written).
    Read one record at a time: asking whether there is a next one reads only that one."""
    with path.open("rb") as f:
        f.seek(offset)
        at = offset
        while len(header := f.read(HEADER.size)) == HEADER.size:
            length, crc = HEADER.unpack(header)
            if length == 0 or length > MAX_RECORD:
                return
            payload = f.read(length)
            if len(payload) < length or zlib.crc32(payload) != crc or payload[:1] not in KINDS:
                return
            at += HEADER.size + length
            yield Record(payload[:1], payload[1:], at)


def file_key(path: Path) -> str:
    """How the store names a journal file: ``<instance>/<file>``."""
    return f"{path.parent.name}/{path.name}"


def journal_files(directory: Path) -> list[Path]:
    """The journal files of one collector's directory, oldest first."""
    try:
        return sorted(p for p in directory.iterdir() if p.suffix == SUFFIX and not p.name.startswith("."))
    except FileNotFoundError:
        return []


def instances(root: Path) -> list[Path]:
    """Every collector directory under ``root`` (those still being set up start with a dot)."""
    try:
        return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except FileNotFoundError:
        return []


def hold_shared(directory: Path) -> int:
    """Hold the directory's lock shared (a process of the collector that owns it lives);
    the descriptor keeps the lock until it is closed or the process dies."""
    fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def try_claim(directory: Path) -> int | None:
    """The directory's lock held exclusively, if no process of its collector lives; else None."""
    try:
        fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def writer_gone(path: Path) -> bool:
    """Whether the process that wrote ``path`` has closed it or died (it holds the file's
    ``flock`` while it may append): then nothing more will be appended."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def create_instance(root: Path) -> tuple[Path, int]:
    """A new collector directory under ``root``, with its lock held shared.

    It is made under a dotted name and renamed once locked, so that no loader looking for
    abandoned directories can take it for one in between.
    """
    root.mkdir(parents=True, exist_ok=True)
    name = f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}"
    staging = root / f".{name}"
    staging.mkdir()
    fd = hold_shared(staging)
    final = root / name
    staging.rename(final)
    _sync_directory(root)
    return final, fd


def _sync_directory(directory: Path) -> None:
    """Make a new name in ``directory`` durable (a file's fsync does not cover its name)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class JournalWriter(Generic[Item]):
    """Appends to this process's journal file, group-committed.

    ``await append(item)`` returns once the item is on disk. One task writes: it takes
    every item waiting, turns them into records with ``encode`` (one call for the group, so
    converting many small requests costs about as much as one), writes them with one
    ``write`` and makes them durable with one ``fdatasync`` (in a thread, so the event loop
    keeps serving), then wakes their senders. Items that arrive meanwhile wait for the next
    round. Should ``encode`` fail on a group, each item is encoded alone, so one bad item
    fails alone.
    """

    def __init__(
        self, directory: Path, encode: Callable[[list[Item]], bytes], rotate_bytes: int = ROTATE_BYTES
    ) -> None:
        self.directory = directory
        self.encode = encode
        self.rotate_bytes = rotate_bytes
        self._lock_fd = hold_shared(directory)
        self._fd: int | None = None
        self._size = 0
        self._waiting: list[tuple[Item, asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None
        self.appended = 0  # items made durable, for the log

    def _open_new(self) -> None:
        if self._fd is not None:
            self._write_now(encode(END, b""))
            os.close(self._fd)
        name = f"{time.time_ns():020d}-{os.getpid()}{SUFFIX}"
        # locked before it has its name: a loader that finds the file unlocked knows its
        # writer is gone (see writer_gone), never that it is not there yet
        staging = self.directory / f".{name}"
        self._fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        staging.rename(self.directory / name)
        self._size = 0
        _sync_directory(self.directory)

    def _write_now(self, data: bytes) -> None:
        """Write and make durable, or leave the file as it was: a failed append must not
        leave a torn record before the records that follow it."""
        assert self._fd is not None
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fdatasync(self._fd)
        except OSError:
            try:
                os.ftruncate(self._fd, self._size)
            except OSError:  # pragma: no cover - the disk is gone: no later record may follow
                os.close(self._fd)
                self._fd = None
            raise
        self._size += len(data)

    async def append(self, item: Item) -> None:
        """Make ``item`` durable, together with whatever else waits."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.get_running_loop().create_task(self._write_rounds())
        await future

    async def _write_rounds(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            group, self._waiting = self._waiting, []
            failed = await loop.run_in_executor(None, self._write_group, [item for item, _ in group])
            for i, (_, future) in enumerate(group):
                if future.done():
                    continue
                if i in failed:
                    future.set_exception(failed[i])
                else:
                    future.set_result(None)
            self.appended += len(group) - len(failed)

    def _write_group(self, items: list[Item]) -> dict[int, Exception]:
        """Write a group; the items that failed, by position (all of them if the disk did)."""
        failed: dict[int, Exception] = {}
        try:
            data = self.encode(items)
        except Exception:
            parts = []
            for i, item in enumerate(items):
                try:
                    parts.append(self.encode([item]))
                except Exception as exc:
                    log.exception("could not journal an accepted request")
                    failed[i] = exc
            data = b"".join(parts)
        try:
            if self._fd is None or self._size >= self.rotate_bytes:
                self._open_new()
            self._write_now(data)
        except OSError as exc:
            log.exception("could not append %d requests to the journal", len(items))
            return dict.fromkeys(range(len(items)), exc)
        return failed

    def close(self) -> None:
        """End the current file (the loader may delete it once loaded) and let go of the lock."""
        if self._fd is not None:
            try:
                self._write_now(encode(END, b""))
            finally:
                os.close(self._fd)
                self._fd = None
        os.close(self._lock_fd)
