"""Background work for a live view: debounced, off the UI thread, newest request only.

Widget callbacks run on the kernel's main thread; a query there freezes every widget until
it returns. :class:`LatestOnly` hands the work to one worker thread instead:

- ``submit`` only records the request and returns at once. The worker waits until no new
  request has come for ``debounce`` seconds, so a burst of keystrokes costs one query.
- Every request gets the next *generation* number. A result is published only if no newer
  request arrived while it was computed; an outdated result is dropped, never shown.
- Publishing happens under the same lock as ``submit``, so a result can never overwrite
  the "counting…" state of a request that came after it.

Worker threads are daemons, so they never keep a process alive; but a daemon thread still
inside DuckDB (or another C++ extension) when the interpreter finalises is killed as it
comes back, and the C++ runtime aborts the whole process ("terminate called without an
active exception", exit 134). So at exit, before finalising, every worker of the process
is stopped and awaited (:func:`stop_background_work`, registered with :mod:`atexit`),
whether or not its owner was closed: a script that ends with builders open, a kernel shut
down or culled while a count runs. Queries still running then are interrupted.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

# How long exit waits for background work at most. Stopping normally takes a few tens of
# milliseconds; until the threads end no DuckDB query may be left running, so exit keeps
# interrupting. (A Jupyter server that asked a kernel to shut down sends it SIGTERM 2.5 s
# later, half of jupyter_client's shutdown_wait_time: the signal ends the process before
# finalisation, so no abort either.)
EXIT_LIMIT_S = 60.0
EXIT_POLL_S = 0.05

_workers: weakref.WeakSet[LatestOnly] = weakref.WeakSet()
_threads: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
_stopping = threading.Event()

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
        _workers.add(self)
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
        """Stop the worker; pending requests are dropped. Returns at once: work in progress
        ends on its own (see :meth:`join`)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """After :meth:`close`: wait until the worker thread has ended; False on timeout."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

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
                if not stopping():  # at exit, queries are interrupted: not a failure
                    log.exception("background work failed")
                outcome = None
            with self._cond:
                if generation != self._generation or self._closed:
                    continue  # a newer request came in meanwhile (or nobody waits): stale
                if outcome is not None:
                    try:
                        self.publish(outcome[0])
                    except Exception:
                        log.exception("showing the result failed")
                self._finished = generation
                self._cond.notify_all()


def finish_before_exit(thread: threading.Thread) -> threading.Thread:
    """Have the interpreter wait for ``thread`` (a daemon doing one piece of work) at exit,
    as it does for workers; returns the thread."""
    _threads.add(thread)
    return thread


def stopping() -> bool:
    """Whether the process is stopping its background work (at exit): a computation that
    fails now was interrupted on purpose and should end quietly, not retry or log."""
    return _stopping.is_set()


def stop_background_work(timeout: float = EXIT_LIMIT_S) -> list[str]:
    """Stop every worker of the process and wait, up to ``timeout`` seconds, for it and for
    every thread given to :func:`finish_before_exit`. Queries running on the process's
    DuckDB connections are interrupted, again every ``EXIT_POLL_S`` while threads remain,
    so that a computation reaching its query later ends too. Returns the names of the
    threads still alive (none, unless a computation runs for minutes without querying).
    Runs at interpreter exit."""
    from workbench.store.connection import interrupt_queries

    _stopping.set()
    workers = list(_workers)
    for worker in workers:
        worker.close()
    threads = [worker._thread for worker in workers] + list(_threads)
    deadline = time.monotonic() + timeout
    while (alive := [t for t in threads if t.is_alive()]) and time.monotonic() < deadline:
        interrupt_queries()
        alive[0].join(min(EXIT_POLL_S, max(0.0, deadline - time.monotonic())))
    if alive:
        log.warning("background work still running at exit: %s", ", ".join(t.name for t in alive))
    return [t.name for t in alive]


atexit.register(stop_background_work)
