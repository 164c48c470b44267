"""The watcher: evaluate tracked segments at now, record entries and exits, act on due jobs.

It evaluates on a timer (time alone changes membership: "no purchase for 2 hours") and as
soon as the store's data changes (new events from the collector or an import). One watcher
per store holds the ``watcher`` lease; a second one refuses to start.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from workbench.collector.loader import wait_for_collected
from workbench.errors import WorkbenchError
from workbench.expr.inline import inline
from workbench.store import changes
from workbench.store.workspace import Workspace
from workbench.triggers import lease, membership, scope
from workbench.triggers.definitions import list_triggers, tracked_segments
from workbench.triggers.dispatch import Dispatcher
from workbench.triggers.membership import Change
from workbench.triggers.tables import ensure_tables

log = logging.getLogger(__name__)

LEASE_NAME = "watcher"


@dataclass
class Tick:
    """What one round did."""

    at: datetime
    changes: list[Change] = field(default_factory=list)
    jobs: Counter = field(default_factory=Counter)
    evaluate_ms: float = 0.0
    scope: int | None = None  # contacts evaluated (None: everyone)
    missed: int = 0  # changes a full round found that the incremental rounds should have: a bug

    @property
    def entries(self) -> list[Change]:
        return [c for c in self.changes if c.change == "enter" and not c.baseline]

    @property
    def exits(self) -> list[Change]:
        return [c for c in self.changes if c.change == "exit"]


MEANING_AT = datetime(2000, 1, 1, tzinfo=UTC)  # any fixed instant: the SQL is compared, not run

FULL_EVERY = timedelta(minutes=10)
"""How often the watcher evaluates every contact even when it knows which can have changed:
the safety net of the incremental rounds, which must find nothing they missed."""


@dataclass(frozen=True)
class _Seen:
    """The last round: its instant and data version, and what the segments were then."""

    round: scope.Round
    segments: tuple[str, ...]
    structure: tuple[int, int, str]  # the store's epoch and lists version, and what the rounds evaluate


class Watcher:
    """``tick()`` is one round at ``clock()``; ``run()`` repeats it until stopped.

    A round evaluates only the contacts whose membership can have changed since the last
    one (:mod:`workbench.triggers.scope`), so its cost follows what changed, not the size of
    the base; the first round, a round after segments or lists changed, and one every
    ``full_every`` evaluate everyone (and log as a bug any change the others missed).
    """

    def __init__(
        self,
        ws: Workspace,
        *,
        dispatcher: Dispatcher | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        full_every: timedelta = FULL_EVERY,
    ) -> None:
        ensure_tables(ws)
        self.ws = ws
        self.dispatcher = dispatcher or Dispatcher(ws)
        self.clock = clock
        self.full_every = full_every
        self._wake = threading.Event()
        self._seen: _Seen | None = None
        self._last_full: datetime | None = None

    def tick(self) -> Tick:
        """Evaluate the tracked segments now (the contacts that can have changed, or
        everyone), record the changes, then act on due jobs."""
        now = self.clock()
        wait_for_collected(self.ws)  # every event a collector answered for by now counts in this round
        result = Tick(now)
        with self.ws.connector.hold():  # one connection for the round's reads
            versions = self.ws.versions()
            segment_ids = sorted(tracked_segments(self.ws))
            triggers = list_triggers(self.ws)
            seen = _Seen(
                scope.Round(now, versions["data"]),
                tuple(segment_ids),
                (versions["epoch"], versions["lists"], self._meaning(segment_ids, versions)),
            )
            started = time.perf_counter()
            changed = self._changed(seen)
            full = changed is None or self._last_full is None or now - self._last_full >= self.full_every
            members = membership.evaluate(self.ws, segment_ids, now, None if full else changed)
            result.evaluate_ms = (time.perf_counter() - started) * 1000
        result.scope = None if full else len(changed)
        if segment_ids:
            forget = lambda con: changes.forget(con, seen.round.data_version)  # noqa: E731
            result.changes = membership.record(self.ws, members, now, triggers, None if full else changed, also=forget)
        if full:
            self._last_full = now
            if changed is not None:  # what incremental rounds should have found as well
                result.missed = sum(c.contact_id not in changed and not c.baseline for c in result.changes)
                if result.missed:
                    log.error("a full round found %d changes the incremental rounds missed", result.missed)
        self._seen = seen
        result.jobs = self.dispatcher.run_due(now)
        return result

    def _meaning(self, segment_ids: list[str], versions: dict[str, int]) -> str:
        """What the rounds evaluate: a digest of the tracked segments' SQL at a fixed instant.

        A change of the catalog or the library that leaves it as it was (a send recording
        a new property of ``email_sent``, a segment saved that nothing tracked uses) keeps
        the rounds incremental; at a million contacts a full round costs seconds. Segments
        that no longer compile are followed by the catalog's and library's versions."""
        try:
            sql = self.ws.membership_sql(segment_ids, MEANING_AT, scoped=True)
        except WorkbenchError:
            return f"{versions['catalog']}/{versions['library']}"
        return hashlib.sha256(sql.encode()).hexdigest()

    def _changed(self, seen: _Seen) -> set[str] | None:
        """The contacts that can have changed since the last round; None: everyone."""
        last = self._seen
        if last is None or last.segments != seen.segments or last.structure != seen.structure:
            return None
        if seen.round.at < last.round.at:
            return None  # a clock that went back: boundaries swept backwards
        with self.ws.connector.reading() as con:
            catalog = self.ws.catalog
            rules = [self.ws.segment(sid).rule for sid in seen.segments]
            inlined = [inline(rule, self.ws.segment) for rule in rules]
            return scope.changed_contacts(con, catalog, inlined, last.round, seen.round)

    def wake(self) -> None:
        """Ask a running ``run()`` for a round now (e.g. after storing events in this process)."""
        self._wake.set()

    def run(
        self,
        *,
        interval: float = 5.0,
        poll: float = 0.25,
        stop: threading.Event | None = None,
        on_tick: Callable[[Tick], None] | None = None,
    ) -> None:
        """Take the lease, then tick every ``interval`` seconds and whenever the store's data
        changes (checked every ``poll`` seconds), until ``stop`` is set."""
        stop = stop or threading.Event()
        lease.acquire(self.ws, LEASE_NAME)
        log.info("watching %s (every %gs, and on new data)", self.ws.url.url, interval)
        seen = self._data_version()
        next_round = 0.0
        try:
            while not stop.is_set():
                version = self._data_version()
                if version != seen or self._wake.is_set() or time.monotonic() >= next_round:
                    self._wake.clear()
                    seen = version
                    lease.renew(self.ws, LEASE_NAME)
                    try:
                        tick = self.tick()
                    except WorkbenchError as exc:  # e.g. a tracked segment became invalid: keep watching
                        log.error("watch round failed: %s", exc)
                    else:
                        if on_tick is not None:
                            on_tick(tick)
                    next_round = time.monotonic() + interval
                self._wake.wait(poll)
        finally:
            lease.release(self.ws, LEASE_NAME)

    def _data_version(self) -> int:
        """A counter that moves whenever contacts, events or identities are stored."""
        return self.ws.versions()["data"]
