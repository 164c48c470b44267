"""The visual rule builder: the segment's editor, its rule tree on screen, and a live preview.

>>> import workbench as wb
>>> from workbench.widgets import SegmentBuilder
>>> builder = SegmentBuilder(wb.connect("duckdb://shop.duckdb"), "vip")   # doctest: +SKIP
>>> builder                       # in JupyterLab or Voila: the builder itself  # doctest: +SKIP
>>> path = builder.add_condition("rule", "attribute", field="city")      # doctest: +SKIP
>>> builder.set_op(path, "eq"); builder.set_value(path, "Gdańsk")         # doctest: +SKIP

Every user action is one of the :class:`~workbench.expr.editor.RuleEditor` methods; the
widgets only call them. After each edit the builder validates the segment (problems are
shown at the nodes they concern), re-renders the tree and asks for a new count, which is
computed on a worker thread (see :mod:`workbench.widgets.live`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from workbench.errors import Problem, SegmentError, WorkbenchError
from workbench.explain import Verdict, explain
from workbench.expr import paths
from workbench.expr.describe import describe
from workbench.expr.editor import EditError, RuleEditor
from workbench.expr.rules import All, Rule, Segment
from workbench.expr.timeutil import parse_instant
from workbench.i18n import Texts, texts
from workbench.store.library import ListInfo
from workbench.store.workspace import Workspace
from workbench.widgets.evaluation import CountRequest, Preview, PreviewCounter
from workbench.widgets.header import DocumentHeader
from workbench.widgets.live import LatestOnly, stopping
from workbench.widgets.messages import DOCUMENT, by_node, collect, friendly
from workbench.widgets.nodeview import NodeView, TreeStatus
from workbench.widgets.preview import PreviewPanel
from workbench.widgets.suggest import Suggestions
from workbench.widgets.tree import TreeView

log = logging.getLogger(__name__)

Counter = Callable[[CountRequest], Preview]


def new_segment() -> Segment:
    """What a builder opened without a segment starts from: everyone, to be narrowed down."""
    return Segment("new-segment", "New segment", All())


def _instant(value: datetime | str | None) -> datetime | None:
    if value is None or (isinstance(value, datetime) and value.tzinfo is not None):
        return value
    return parse_instant(value) if isinstance(value, str) else value.replace(tzinfo=UTC)


class SegmentBuilder(widgets.VBox, RuleEditor):
    """Build or edit a segment by clicking, with its audience counted live.

    ``segment`` is a saved segment's id, a document (dict or path) or a :class:`Segment`;
    without one the builder starts a new segment. ``as_of`` fixes the evaluation time
    (default: now, at every count). ``debounce`` is the quiet time, in seconds, after the
    last edit before counting. ``counter`` replaces how a count is computed (tests slow it
    down with it).
    """

    def __init__(
        self,
        workspace: Workspace,
        segment: Segment | dict | str | Path | None = None,
        *,
        as_of: datetime | str | None = None,
        debounce: float = 0.3,
        counter: Counter | None = None,
        locale: str | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.as_of = _instant(as_of)
        self._library: dict[str, Segment] = {}
        self._lists: list[ListInfo] = []
        self._read_store()
        # the language of its labels and sentences: the one asked for, else the workspace's
        self.t: Texts = texts(locale or self.catalog.locale, self.catalog.timezone)
        document = new_segment() if segment is None else workspace.segment(segment)
        self._start_editing(document, self.catalog, id_follows_name=segment is None)
        self.problems: list[Problem] = []
        self.suggestions = Suggestions(workspace)
        self.header = DocumentHeader(self)
        self.tree = TreeView(self)
        self.preview = PreviewPanel(self)
        self.children = [self.header.widget, self.tree.widget, self.preview.widget]
        self.add_class("wb-segment-builder")  # what browser tests wait for
        self._counts: dict[Rule, int] = {}
        self._owners: dict[str, list[Problem]] = {}
        self._last_request: CountRequest | None = None
        self._counter = counter or PreviewCounter(workspace)
        self._live = LatestOnly(
            self._evaluate,
            self._show_preview,
            debounce,
            "segment-count",
            lambda _r: self.preview.show_counting(self.as_of),
        )
        self._explainer = LatestOnly(self._explanation, self.preview.show_explanation, 0, "segment-explain")
        self._changed()

    # --- the store ----------------------------------------------------------------------

    def _read_store(self) -> None:
        """Read the catalog, the saved segments and the lists (at start and after saving)."""
        self._library = {saved.id: saved.segment for saved in self.workspace.segments()}
        self._lists = self.workspace.lists()
        self.catalog = self.workspace.catalog

    def segment_options(self, include_current: bool = False) -> list[tuple[str, str]]:
        """Saved segments, labelled; a condition can refer to all but the one being edited."""
        return [
            (f"{s.name} ({s.id})", s.id) for s in self._library.values() if include_current or s.id != self.segment.id
        ]

    def list_options(self) -> list[tuple[str, str]]:
        t = self.t
        return [(f"{info.name} ({t.contacts(info.size)})", info.list_id) for info in self._lists]

    # --- document actions -----------------------------------------------------------------

    def load(self, segment: Segment | dict | str | Path) -> None:
        """Show an existing segment: a saved segment's id, a document, or a Segment."""
        self._start_editing(self.workspace.segment(segment), self.catalog, id_follows_name=False)
        self._changed()

    def new(self) -> None:
        """Start a new segment (everyone, until conditions are added)."""
        self._start_editing(new_segment(), self.catalog, id_follows_name=True)
        self._changed()

    def save(self) -> Segment | None:
        """Save the segment to the library (replacing the saved one with the same id).

        Returns the saved segment, or None when it cannot be saved yet; the reason is shown.
        """
        if self.problems:
            count = len(self.problems)
            self.header.say(
                self.t.ngettext(
                    "Not saved: fix the {n} highlighted problem first.",
                    "Not saved: fix the {n} highlighted problems first.",
                    count,
                ),
                error=True,
            )
            return None
        try:
            saved = self.workspace.save_segment(self.segment)
        except WorkbenchError as exc:
            self.header.say(self.t._("Not saved: {problem}", problem=exc.render(self.t)), error=True)
            return None
        self._read_store()
        self._id_follows_name = False
        self.header.say(self.t._("Saved as {id}.", id=repr(saved.id)))
        self._changed()  # the saved version is now this one: the diff goes to +0 / −0
        return saved

    def act(self, action: Callable[..., Any], *args: Any) -> None:
        """Run a user action from a widget: a problem becomes a message, never a traceback."""
        try:
            action(*args)
        except WorkbenchError as exc:
            self.header.say(exc.render(self.t), error=True)
        except Exception as exc:
            log.exception("builder action failed")
            self.header.say(
                self.t._("Something went wrong ({error}).", error=f"{type(exc).__name__}: {exc}"), error=True
            )

    def view_at(self, path: str) -> NodeView:
        """The widgets showing the node at ``path`` (for scripts and tests that click)."""
        return self.tree.view_at(path)

    # --- after every edit -----------------------------------------------------------------

    def _changed(self) -> None:
        rule = self.segment.rule
        self.problems = collect(self.segment, self.catalog, self._library.__getitem__)
        self._owners = by_node(self.problems, (path for path, _ in paths.walk(rule)))
        words = {
            path: [friendly(p, self.segment, self.catalog, self.t) for p in found]
            for path, found in self._owners.items()
        }
        self.header.show(self.segment, words.pop(DOCUMENT, []), self.segment_options(include_current=True))
        self.tree.render(rule, TreeStatus(words, self._counts))
        self.preview.show_sentence(describe(rule, self.catalog, self.t.locale) if self._rule_is_valid() else None)
        self._request_count()

    def _rule_is_valid(self) -> bool:
        return not any(path.startswith(paths.ROOT) for path in self._owners)

    def _request_count(self, force: bool = False) -> None:
        request = CountRequest(
            segment=self.segment,
            catalog=self.catalog,
            library=self._library,
            as_of=self.as_of,
            valid=self._rule_is_valid(),
            parts=self._countable_parts(),
            saved=self._library.get(self.segment.id),
            members=self.preview.wants_members,
            sql=self.preview.wants_sql,
        )
        if force or request != self._last_request:
            self._last_request = request
            self._live.submit(request)

    def _countable_parts(self) -> tuple[Rule, ...]:
        """Every rule below the root without a problem inside it, each once."""
        troubled = [path for path in self._owners if path.startswith(paths.ROOT)]
        parts: dict[Rule, None] = {}
        for path, node in paths.walk(self.segment.rule):
            if path != paths.ROOT and isinstance(node, Rule) and not any(paths.within(t, path) for t in troubled):
                parts.setdefault(node)
        return tuple(parts)

    def refresh(self) -> None:
        """Count again (new data arrived, or a panel that needs more was opened)."""
        self._request_count(force=True)

    # --- counting (on the worker thread) ----------------------------------------------------

    def _evaluate(self, request: CountRequest) -> Preview:
        try:
            return self._counter(request)
        except WorkbenchError as exc:
            return Preview(
                as_of=request.as_of or datetime.now(UTC),
                error=self.t._("Could not count: {problem}", problem=exc.render(self.t)),
            )
        except Exception as exc:
            if stopping():  # interrupted at exit: end quietly
                raise
            log.exception("counting failed")
            return Preview(
                as_of=request.as_of or datetime.now(UTC),
                error=self.t._("Could not count ({error}).", error=f"{type(exc).__name__}: {exc}"),
            )

    def _show_preview(self, preview: Preview) -> None:
        self._counts = dict(preview.counts)
        self.preview.show(preview)
        self.tree.show_counts(TreeStatus(counts=self._counts))

    def wait_for_count(self, timeout: float = 60) -> Preview:
        """Count the current rule now (without waiting for the debounce) and return what is
        shown once it is (scripts, tests)."""
        if not self._live.wait(timeout):
            raise TimeoutError(f"the count did not finish within {timeout} s")
        assert self.preview.result is not None
        return self.preview.result

    # --- why is this contact in? ---------------------------------------------------------

    def explain(self, contact_id: str) -> Verdict:
        """Which conditions ``contact_id`` meets at the builder's time, with the deciding values."""
        return explain(self.workspace, self.segment, contact_id, self.as_of, self.t.locale)

    def request_explanation(self, contact_id: str) -> None:
        """Explain a contact in the panel, computed off the UI thread."""
        contact_id = contact_id.strip()
        if not contact_id:
            raise EditError(self.t._("Pick or type a contact id to explain."))
        self.preview.show_explaining(contact_id)
        self._explainer.submit(contact_id)

    def _explanation(self, contact_id: str) -> Verdict | str:
        try:
            return self.explain(contact_id)
        except SegmentError:
            return self.t._("Fix the highlighted conditions first.")
        except WorkbenchError as exc:
            return exc.render(self.t)
        except Exception as exc:
            if stopping():  # interrupted at exit: end quietly
                raise
            log.exception("explaining failed")
            return self.t._("Could not explain ({error}).", error=f"{type(exc).__name__}: {exc}")

    def wait_for_explanation(self, timeout: float = 60) -> None:
        """Block until the requested explanation is shown (scripts, tests)."""
        if not self._explainer.wait(timeout):
            raise TimeoutError(f"the explanation did not finish within {timeout} s")

    def close(self) -> None:
        """Stop the background work and close the widgets."""
        self._live.close()
        self._explainer.close()
        for view in self.tree.views.values():
            view.close()
        super().close()
