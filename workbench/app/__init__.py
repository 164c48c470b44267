"""The marketers' web app, served with Voila from ``voila_apps/segments.ipynb``.

>>> from workbench.app import open_app
>>> open_app("duckdb://demo/workbench.duckdb")     # in a notebook: the whole app  # doctest: +SKIP

Each tab is a view in its own module (``library_view``, ``builder_view``, ``overlap_view``,
``history_view``, ``lists_view``, ``launch_view``); what they compute lives beside them
(``overlap``, ``history``, ``sizes``, ``lists``, ``recipients``) and can be used without
widgets. See ``docs/app.md``.
"""

from __future__ import annotations

import html
import logging
import os
import sys
from datetime import datetime

import ipywidgets as widgets

from workbench.app.feedback import sentence
from workbench.app.shell import SegmentsApp
from workbench.errors import WorkbenchError
from workbench.store.workspace import connect

log = logging.getLogger(__name__)

AS_OF_VARIABLE = "WORKBENCH_AS_OF"


def open_app(db: str | None = None, as_of: datetime | str | None = None) -> widgets.Widget:
    """The app over the store at ``db`` (default ``WORKBENCH_DB``), evaluating at ``as_of``
    (default ``WORKBENCH_AS_OF``, or else the moment of each evaluation).

    If the store cannot be opened, the page says why instead of showing a traceback.
    """
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


__all__ = ["SegmentsApp", "open_app"]
