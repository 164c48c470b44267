"""What an action did, in words: the app's messages, and the guard that turns errors into them.

Every user action in the app runs through :meth:`Feedback.run`. A problem the workbench
explains (a ``WorkbenchError``: a refused delete, an unknown list) is shown as its message;
anything else is logged with its traceback for the operator and shown as one sentence.
Either way the action ends there and the app stays usable: a traceback never reaches the
page.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import TypeVar

import ipywidgets as widgets

from workbench.errors import SegmentError, WorkbenchError
from workbench.i18n import Texts, texts

log = logging.getLogger(__name__)

T = TypeVar("T")

STYLES = {
    "info": "color:#1b5e20",
    "busy": "color:#555",
    "error": "color:#b00020",
}


def sentence(text: str) -> str:
    """Capitalised, ending with a full stop."""
    text = text.strip()
    if not text:
        return text
    return text[:1].upper() + text[1:] + ("" if text[-1] in ".!?…)" else ".")


class Feedback:
    """One line of messages under a view's controls (CSS class ``wb-feedback``)."""

    def __init__(self, t: Texts | None = None) -> None:
        self.t = t or texts()
        self.widget = widgets.HTML()
        self.widget.add_class("wb-feedback")
        self.kind = ""
        self.text = ""

    def say(self, text: str, kind: str = "info") -> None:
        """Show ``text``; ``kind`` is ``info``, ``busy`` or ``error``."""
        self.kind, self.text = kind, text
        self.widget.value = f'<div class="wb-{kind}" style="{STYLES[kind]}">{html.escape(text)}</div>' if text else ""

    def error(self, text: str) -> None:
        self.say(text, "error")

    def clear(self) -> None:
        self.say("")

    def run(self, action: Callable[[], T], busy: str | None = None) -> T | None:
        """Run a user action; a failure becomes the message shown, and None is returned."""
        if busy:
            self.say(busy, "busy")
        try:
            result = action()
        except Exception as exc:
            self.error(failure_text(exc, self.t))
            return None
        if busy and self.kind == "busy":
            self.clear()
        return result


def failure_text(exc: Exception, t: Texts | None = None) -> str:
    """What to tell the user about a failed action (unexpected failures are logged in full)."""
    t = t or texts()
    if isinstance(exc, SegmentError):
        problems = "; ".join(p.render(t) for p in exc.problems[:3])
        return sentence(t._("This segment has problems to fix first: {problems}", problems=problems))
    if isinstance(exc, WorkbenchError):
        return sentence(exc.render(t))
    log.error("app action failed", exc_info=exc)
    return t._(
        "Something went wrong ({error}). Nothing was changed; you can go on.", error=f"{type(exc).__name__}: {exc}"
    )
