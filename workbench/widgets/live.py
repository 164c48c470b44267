"""Background work for a live view: debounced, off the UI thread, newest request only.

Widget callbacks run on the kernel's main thread; a query there freezes every widget until
it returns. :class:`LatestOnly` hands the work to one worker thread instead:

- ``submit`` only records the request and returns at once. The worker waits until no new
  request has come for ``debounce`` seconds, so a burst of keystrokes costs one query.
- Every request gets the next *generation* number. A result is published only if no newer
  request arrived while it was computed; an outdated result is dropped, never shown.
- Publishing happens under the same lock as ``submit``, so a result can never overwrite
  the "counting…" state of a request that came after it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Request = TypeVar("Request")
Result = TypeVar("Result")


class LatestOnly(Generic[Request, Result]):
    """Runs ``compute`` on the newest request after ``debounce`` seconds of quiet; see the module doc.

    ``compute`` runs on the worker thread and should not raise (an exception is logged and
    the request dropped). ``publish(result)`` runs on the worker thread too, only for the
    newest request. ``queued(request)`` runs in ``submit``, under the lock, to show the
    "working…" state without a race against a result being published.
    """

    def __init__(
        self,
        compute: Callable[[Request], Result],
        publish: Callable[[Result], None],
        debounce: float = 0.3,
        name: str = "live-view",
        queued: Callable[[Request], None] | None = None,
    ) -> None:
        self.compute = compute
        self.publish = publish
        self.queued = queued
        self.debounce = debounce
        self._cond = threading.Condition()
        self._pending: tuple[int, Request] | None = None
        self._due = 0.0
        self._generation = 0
        self._finished = 0  # the newest generation whose work is over (published or failed)
        self._closed = False
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def submit(self, request: Request) -> None:
        """Queue ``request``, replacing any request not started yet."""
        with self._cond:
            self._generation += 1
            self._pending = (self._generation, request)
            self._due = time.monotonic() + self.debounce
            if self.queued is not None:
                self.queued(request)
            self._cond.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        """Run the pending request now (whoever waits wants it, quiet or not) and block until
        the newest request's work is over; False on timeout."""
        with self._cond:
            self._due = time.monotonic()
            self._cond.notify_all()
            return self._cond.wait_for(lambda: self._finished == self._generation, timeout)

    def close(self) -> None:
        """Stop the worker; pending requests are dropped."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _next(self) -> tuple[int, Request] | None:
        """The request to run once it is due (None when closed)."""
        with self._cond:
            while not self._closed:
                if self._pending is None:
                    self._cond.wait()
                    continue
                remaining = self._due - time.monotonic()
                if remaining > 0:
                    self._cond.wait(remaining)  # a newer submit moves the due time on
                    continue
                pending, self._pending = self._pending, None
                return pending
            return None

    def _work(self) -> None:
        while (job := self._next()) is not None:
            generation, request = job
            try:
                outcome: tuple[Result] | None = (self.compute(request),)
            except Exception:
                log.exception("background work failed")
                outcome = None
            with self._cond:
                if generation != self._generation:
                    continue  # a newer request came in meanwhile: this result is stale
                if outcome is not None:
                    try:
                        self.publish(outcome[0])
                    except Exception:
                        log.exception("showing the result failed")
                self._finished = generation
                self._cond.notify_all()
