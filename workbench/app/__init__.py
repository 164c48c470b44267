"""The marketers' web app, served with Voila from ``voila_apps/segments.ipynb``.

>>> from workbench.app import open_app
>>> open_app("duckdb://demo/workbench.duckdb")     # in a notebook: the whole app  # doctest: +SKIP

Each tab is a view in its own module (``library_view``, ``builder_view``, ``overlap_view``,
``history_view``, ``lists_view``, ``launch_view``); what they compute lives beside them
(``figures``, ``overlap``, ``history``, ``lists``, ``recipients``) and can be used without
widgets. ``kernels`` is the Voila server's kernel manager. See ``docs/app.md``.

The app's modules are imported when first used (``open_app``, ``SegmentsApp``), so that
the Voila server, which imports ``workbench.app.kernels``, does not load the app.
"""

from __future__ import annotations

import html
import logging
import os
import sys
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from workbench.app import preheat

if TYPE_CHECKING:
    import ipywidgets as widgets

    from workbench.app.shell import SegmentsApp

log = logging.getLogger(__name__)

AS_OF_VARIABLE = "WORKBENCH_AS_OF"


def open_app(db: str | None = None, as_of: datetime | str | None = None) -> widgets.Widget:
    """The app over the store at ``db`` (default ``WORKBENCH_DB``), evaluating at ``as_of``
    (default ``WORKBENCH_AS_OF``, or else the moment of each evaluation).

    If the store cannot be opened, the page says why instead of showing a traceback.
    """
    import ipywidgets as widgets

    from workbench.app.feedback import sentence
    from workbench.app.shell import SegmentsApp
    from workbench.errors import WorkbenchError
    from workbench.store.workspace import connect

    _log_to_the_server()
    as_of = as_of or os.environ.get(AS_OF_VARIABLE) or None
    try:
        return SegmentsApp(connect(db), as_of=as_of)
    except Exception as exc:
        log.exception("the app could not start")
        message = sentence(str(exc)) if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {exc}"
        problem = widgets.HTML(
            f'<div style="color:#b00020"><b>The workbench could not open its store.</b> {html.escape(message)}</div>'
        )
        problem.add_class("wb-app-error")
        return problem


def _log_to_the_server() -> None:
    """Send the app's warnings and errors to the kernel process's own stderr.

    In a Voila kernel, ``sys.stderr`` goes to the page (where nobody sees it, for widget
    callbacks); ``sys.__stderr__`` is inherited from the Voila server, so the operator
    finds the tracebacks of failed actions in the server's log.
    """
    logger = logging.getLogger("workbench")
    if logger.handlers or sys.__stderr__ is None:
        return
    handler = logging.StreamHandler(sys.__stderr__)
    handler.setFormatter(logging.Formatter("[workbench] %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    logger.addHandler(handler)


def page_opened(app: Any) -> threading.Thread | None:
    """Bring the app up to date when its visitor comes (the notebook's last cell).

    With preheated kernels (``voila.json``) Voila runs the notebook before anyone asks for
    the page, and the kernel waits in a pool, maybe for long. A thread waits for the
    visitor (:func:`workbench.app.preheat.wait_for_visitor` returns once the kernel is taken
    from the pool), then has the app count again what may be out of date
    (:meth:`SegmentsApp.page_opened`). The cell itself returns at once: the pooled kernel is
    idle, its page complete, and it shuts down cleanly if nobody ever comes. In a kernel
    started for its visitor (or outside Voila) there is nothing to wait for: returns None.
    """
    from workbench.app.shell import SegmentsApp

    if os.environ.get(preheat.PREHEATED_VARIABLE) != "True" or not isinstance(app, SegmentsApp):
        return None

    def wait() -> None:
        if preheat.wait_for_visitor() is None:  # the server went away before anybody came
            return
        finish_before_exit(threading.current_thread())  # it reads the store from now on
        try:
            app.page_opened()
        except Exception:
            log.exception("bringing the page up to date failed")

    from workbench.widgets.live import finish_before_exit

    waiter = threading.Thread(target=wait, name="wait-for-visitor", daemon=True)
    waiter.start()
    return waiter


def __getattr__(name: str) -> Any:
    if name == "SegmentsApp":
        from workbench.app.shell import SegmentsApp

        return SegmentsApp
    raise AttributeError(f"module 'workbench.app' has no attribute {name!r}")


__all__ = ["SegmentsApp", "open_app", "page_opened"]
