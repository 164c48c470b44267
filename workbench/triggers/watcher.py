"""The watcher: evaluate tracked segments at now, record entries and exits, act on due jobs.

It evaluates on a timer (time alone changes membership: "no purchase for 2 hours") and as
soon as the store's data changes (new events from the collector or an import). One watcher
per store holds the ``watcher`` lease; a second one refuses to start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from workbench.collector.loader import wait_for_collected
from workbench.errors import WorkbenchError
from workbench.store.workspace import Workspace
from workbench.triggers import lease, membership
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

    @property
    def entries(self) -> list[Change]:
        return [c for c in self.changes if c.change == "enter" and not c.baseline]

    @property
    def exits(self) -> list[Change]:
        return [c for c in self.changes if c.change == "exit"]


class Watcher:
    """``tick()`` is one round at ``clock()``; ``run()`` repeats it until stopped."""

    def __init__(
        self,
        ws: Workspace,
        *,
        dispatcher: Dispatcher | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        ensure_tables(ws)
        self.ws = ws
        self.dispatcher = dispatcher or Dispatcher(ws)
        self.clock = clock
        self._wake = threading.Event()

    def tick(self) -> Tick:
        """Evaluate every tracked segment now, record the changes, then act on due jobs."""
        now = self.clock()
        wait_for_collected(self.ws)  # every event a collector answered for by now counts in this round
        result = Tick(now)
        with self.ws.connector.hold():  # one connection for the round's reads
            segment_ids = sorted(tracked_segments(self.ws))
            triggers = list_triggers(self.ws)
            started = time.perf_counter()
            members = membership.evaluate(self.ws, segment_ids, now)
            result.evaluate_ms = (time.perf_counter() - started) * 1000
        if segment_ids:
            result.changes = membership.record(self.ws, members, now, triggers)
        result.jobs = self.dispatcher.run_due(now)
        return result

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
