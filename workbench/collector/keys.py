"""Write keys: the secrets that let a customer's systems post to ``/v1/*``.

A key is ``wbk_`` and 43 URL-safe random characters (256 bits). The store keeps only its
SHA-256 digest: a plain hash suffices for a random secret of that length (no password
stretching is needed), and a leaked store does not leak usable keys. The key is shown once,
when it is created.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from workbench.collector import tables
from workbench.errors import WorkbenchError
from workbench.store.connection import transaction
from workbench.store.workspace import Workspace

log = logging.getLogger(__name__)

KEY_PREFIX = "wbk_"
MAX_NAME = 100


@dataclass(frozen=True)
class WriteKey:
    """A write key as the store knows it (without the secret)."""

    key_id: str
    name: str
    created_at: datetime


def key_hash(key: str) -> str:
    """The digest under which a key is stored."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_write_key(ws: Workspace, name: str) -> tuple[WriteKey, str]:
    """Create a write key named ``name`` (e.g. the system that will use it).

    Returns the key's record and the key itself, which is not stored and cannot be
    shown again.
    """
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise WorkbenchError(f"a write key needs a name of 1 to {MAX_NAME} characters, e.g. the system that uses it")
    tables.ensure_tables(ws)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = WriteKey(key_id="k_" + secrets.token_hex(4), name=name, created_at=datetime.now(UTC))
    row = {"key_id": record.key_id, "name": name, "key_hash": key_hash(key), "created_at": record.created_at}
    with ws.connector.writing() as con, transaction(con):
        tables.KEY_REGISTRY.add(con, row)
    log.info("created write key %s (%s)", record.key_id, name)
    return record, key


def list_write_keys(ws: Workspace) -> list[WriteKey]:
    """Every write key, oldest first."""
    tables.ensure_tables(ws)
    with ws.connector.reading() as con:
        keys = [_record(r) for r in tables.KEY_REGISTRY.rows(con)]
    return sorted(keys, key=lambda k: (k.created_at, k.key_id))


def revoke_write_key(ws: Workspace, key_id: str) -> None:
    """Delete a write key; a running collector refuses it within ``KeyRing.REFRESH_S``."""
    tables.ensure_tables(ws)
    with ws.connector.writing() as con, transaction(con):
        tables.KEY_REGISTRY.remove(con, key_id)
    log.info("revoked write key %s", key_id)


class KeyRing:
    """The collector's view of the write keys, read from the store and kept briefly.

    Known keys are re-read every ``REFRESH_S`` seconds, so a revoked key stops working soon.
    An unknown key is looked up in the store by its digest, so a key created a moment ago
    works on its first request; a digest found missing is remembered for ``MISS_TTL_S``, and
    at most ``MAX_LOOKUPS_PER_S`` lookups are made each second, so a flood of wrong keys
    cannot keep the store busy.
    """

    REFRESH_S = 2.0
    MISS_TTL_S = 1.0
    MAX_LOOKUPS_PER_S = 20

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._by_hash: dict[str, WriteKey] = {}
        self._read_at = float("-inf")
        self._missed: dict[str, float] = {}  # digest -> when it was found missing
        self._lookups: list[float] = []  # times of the lookups in the last second
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._by_hash)

    def refresh(self) -> None:
        """Read the keys again (a running collector does so in the background)."""
        with self._lock:
            rows = tables.read_rows(self.ws, tables.KEYS)
            self._by_hash = {r["key_hash"]: _record(r) for r in rows}
            self._read_at = time.monotonic()

    def cached(self, key: str) -> WriteKey | None:
        """The key's record among the keys read last, without reading the store (a request
        with a known key never waits for the store)."""
        if time.monotonic() - self._read_at > 2 * self.REFRESH_S:
            return None  # the background reads have stopped: let check() read
        return self._by_hash.get(key_hash(key))

    def check(self, key: str) -> WriteKey | None:
        """The key's record, or None when it is not a current write key. May read the store."""
        digest = key_hash(key)
        with self._lock:
            now = time.monotonic()
            if now - self._read_at > self.REFRESH_S:
                self.refresh()
            found = self._by_hash.get(digest)
            if found is None and self._may_look_up(digest, now):
                found = self._look_up(digest)
            return found

    def _may_look_up(self, digest: str, now: float) -> bool:
        self._missed = {d: t for d, t in self._missed.items() if now - t < self.MISS_TTL_S}
        self._lookups = [t for t in self._lookups if now - t < 1.0]
        if digest in self._missed:
            return False
        if len(self._lookups) >= self.MAX_LOOKUPS_PER_S:
            log.warning("more than %d unknown write keys a second; refusing without looking", self.MAX_LOOKUPS_PER_S)
            return False
        self._lookups.append(now)
        return True

    def _look_up(self, digest: str) -> WriteKey | None:
        with self.ws.connector.reading() as con:
            keys = con.table(tables.KEYS.name)
            rows = con.to_pyarrow(keys.filter(keys.key_hash == digest)).to_pylist()
        if not rows:
            self._missed[digest] = time.monotonic()
            return None
        self._by_hash[digest] = record = _record(rows[0])
        return record


def _record(row: dict) -> WriteKey:
    return WriteKey(row["key_id"], row["name"], row["created_at"])
