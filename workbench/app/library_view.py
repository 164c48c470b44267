"""The segment library: every saved segment with its members now, whom each channel
reaches, the trend of its size, its rule in English and when it was last edited; search;
and what can be done with one: open, duplicate, rename, delete, and the other views for it.

Each segment is one row (``library_rows``); clicking its name selects it and shows the
actions under it. Searching hides rows rather than rebuilding them, so typing stays quick.
The figures are counted on a worker thread (``workbench.widgets.live.LatestOnly``): the
rows are on screen at once and their figures follow, and the page stays usable meanwhile.
"""

from __future__ import annotations

import dataclasses
import html
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.app.channels import REACH_RULES
from workbench.app.feedback import Feedback, failure_text
from workbench.app.figures import TREND_WEEKS, SegmentFigures, library_figures
from workbench.app.figures_cache import shared_figures
from workbench.app.library_rows import LibraryRow, RowLooks, header
from workbench.app.references import deletion_blockers
from workbench.app.text import folded
from workbench.errors import WorkbenchError
from workbench.expr.describe import describe
from workbench.expr.rules import Segment
from workbench.i18n import N_
from workbench.widgets.live import LatestOnly, stopping

if TYPE_CHECKING:
    from workbench.app.shell import SegmentsApp


@dataclass(frozen=True)
class FiguresRequest:
    """Count these segments at ``as_of`` (every segment whose figures are out of date)."""

    segment_ids: frozenset[str]
    as_of: datetime


@dataclass(frozen=True)
class FiguresResult:
    request: FiguresRequest
    figures: dict[str, SegmentFigures]
    versions: dict[str, int] | None
    problem: str | None = None


class LibraryView:
    """The library tab. Its actions are methods; the buttons only call them."""

    # The figures of a page opened from a preheated kernel are recounted when older than this
    # (``SegmentsApp.page_opened``): what the pool counted before anyone came may be out of date.
    FRESH_FOR = timedelta(minutes=1)

    def __init__(self, app: SegmentsApp) -> None:
        self.app = app
        self.t = t = app.t
        self.feedback = Feedback(t)
        self.figures: dict[str, SegmentFigures] = {}
        self.figures_at: datetime | None = None
        self.counted_versions: dict[str, int] | None = None
        self.rows: dict[str, LibraryRow] = {}
        self.selected: str | None = None
        # Segments whose figures are out of date; every request counts all of them, so a
        # newer request (which drops the result of an older one) never loses a segment.
        self._stale: set[str] = set()
        self._lock = threading.Lock()  # rows and figures: the UI thread and the worker's

        self.search_box = widgets.Text(
            placeholder=t._("Search by name, id or what the segment selects…"),
            continuous_update=True,
            layout=widgets.Layout(width="420px"),
        )
        self.search_box.add_class("wb-library-search")
        self.search_box.observe(lambda change: self.feedback.run(lambda: self.search(change["new"])), "value")
        new = widgets.Button(description=t._("New segment"), icon="plus", button_style="primary")
        new.on_click(lambda _button: self.feedback.run(self.new))
        recount = widgets.Button(
            description=t._("Refresh figures"), icon="refresh", tooltip=t._("Count every segment again")
        )
        recount.on_click(lambda _button: self.feedback.run(self.recount))
        self.summary = widgets.HTML()
        self.summary.add_class("wb-library-summary")
        self.table = widgets.VBox()
        self.table.add_class("wb-library")
        self.looks = RowLooks()
        self._actions: widgets.VBox | None = None  # built when a segment is first selected
        note = widgets.HTML(
            '<div class="wb-note">'
            + html.escape(
                t._(
                    "Email, SMS and Push: the members a send would reach — {rules} (the send gate's rules; "
                    "frequency caps and quiet hours are checked when sending).",
                    rules=t._(REACH_RULES),
                )
                + " "
                + t.ngettext(
                    "Last {n} week: the size each week and now; hover for each point.",
                    "Last {n} weeks: the size each week and now; hover for each point.",
                    TREND_WEEKS,
                )
            )
            + "</div>"
        )
        toolbar = widgets.HBox([self.search_box, new, recount])
        toolbar.add_class("wb-toolbar")
        self.widget = widgets.VBox([toolbar, self.summary, self.feedback.widget, header(t), self.table, note])
        self.widget.add_class("wb-library-view")
        # A short quiet time first: the page's own output leaves the kernel before the
        # counting (seconds of work holding the interpreter) starts.
        self._worker: LatestOnly[FiguresRequest, FiguresResult] = LatestOnly(
            self._count, self._publish, debounce=0.3, name="library-figures"
        )
        self.refresh(recount=())

    @property
    def actions(self) -> widgets.VBox:
        """What can be done with the selected segment (shown under its row)."""
        if self._actions is None:
            self._actions = self._build_actions()
        return self._actions

    def _build_actions(self) -> widgets.VBox:
        self.buttons: dict[str, widgets.Button] = {}
        t = self.t
        # keyed by their English labels (scripts and tests name them so), shown translated
        for label, icon, action in (
            (N_("Open in builder"), "edit", lambda: self.open(self._chosen())),
            (N_("Duplicate"), "copy", lambda: self.duplicate(self._chosen())),
            (N_("Rename…"), "i-cursor", lambda: self._ask_rename()),
            (N_("Size over time"), "line-chart", lambda: self.app.history.show_segment(self._chosen())),
            (N_("Snapshot to list"), "camera", lambda: self.app.list_view.prepare_snapshot(self._chosen())),
            (N_("Launch campaign"), "paper-plane", lambda: self.app.launch.prepare(self._chosen())),
            (N_("Delete…"), "trash", lambda: self._ask_delete()),
        ):
            button = widgets.Button(description=t._(label), icon=icon)
            button.on_click(lambda _button, action=action: self.feedback.run(action))
            self.buttons[label] = button
        self.new_name = widgets.Text(description=t._("New name"), style={"description_width": "initial"})
        self.new_name.add_class("wb-wide-input")
        rename = widgets.Button(description=t._("Rename"), button_style="primary")
        rename.on_click(lambda _button: self.feedback.run(lambda: self.rename(self._chosen(), self.new_name.value)))
        cancel_rename = widgets.Button(description=t._("Cancel"))
        cancel_rename.on_click(lambda _button: self._hide_panels())
        self.rename_panel = widgets.HBox([self.new_name, rename, cancel_rename])
        self.delete_question = widgets.HTML()
        self.confirm_delete = widgets.Button(description=t._("Delete"), button_style="danger", icon="trash")
        self.confirm_delete.on_click(lambda _button: self.feedback.run(lambda: self.delete(self._chosen())))
        cancel_delete = widgets.Button(description=t._("Cancel"))
        cancel_delete.on_click(lambda _button: self._hide_panels())
        self.delete_panel = widgets.HBox([self.delete_question, self.confirm_delete, cancel_delete])
        buttons = widgets.HBox(list(self.buttons.values()))
        buttons.add_class("wb-button-row")
        box = widgets.VBox([buttons, self.rename_panel, self.delete_panel])
        box.add_class("wb-library-actions")
        return box

    # --- reading ------------------------------------------------------------------------------

    def refresh(self, recount: Iterable[str] | None = ()) -> None:
        """Show the library as the app last read it; count again the segments in ``recount``
        (None: all of them), in the background. Rows appear at once, without figures for
        segments never counted."""
        catalog = self.app.workspace.catalog
        with self._lock:
            rows: dict[str, LibraryRow] = {}
            for saved in self.app.saved:
                try:
                    english = describe(saved.segment, catalog, self.t.locale)
                except Exception as exc:  # a segment that no longer reads well must still be listed
                    problem = exc.render(self.t) if isinstance(exc, WorkbenchError) else str(exc)
                    english = self.t._("(cannot be described: {problem})", problem=problem)
                row = self.rows.pop(saved.id, None)
                if row is None:
                    rows[saved.id] = LibraryRow(saved, english, self._clicked, self.looks, self.t)
                else:
                    row.show(saved, english)
                    rows[saved.id] = row
            for gone in self.rows.values():
                gone.close()
            self.rows = rows
            changed = set(rows) if recount is None else set(recount) & set(rows)
            for segment_id in changed:
                self.figures.pop(segment_id, None)  # another rule: its old figures say nothing
            uncounted = {sid for sid in rows if sid not in self.figures}
            self._stale = (self._stale & set(rows)) | uncounted
            for segment_id, row in rows.items():
                row.show_figures(self.figures.get(segment_id))
        self.table.children = [row.widget for row in rows.values()]
        if self.selected not in rows:
            self.selected = None
        self.search(self.search_box.value)
        self._show_selection()
        if self._stale:
            self._request()

    def recount(self, segment_ids: Iterable[str] | None = None) -> None:
        """Count saved segments again (default: all of them), in the background; the figures
        shown stay until the new ones replace them."""
        with self._lock:
            self._stale |= set(self.rows) if segment_ids is None else set(segment_ids) & set(self.rows)
        self._request()

    def out_of_date(self) -> bool:
        """Whether the figures may be out of date: the store changed since they were counted,
        or (evaluating at the current time) they are older than ``FRESH_FOR``."""
        too_old = self.app.as_of is None and (
            self.figures_at is None or datetime.now(UTC) - self.figures_at > self.FRESH_FOR
        )
        return too_old or self.app.workspace.versions() != self.counted_versions

    def wait(self, timeout: float = 120) -> None:
        """Block until the figures asked for so far are shown (scripts, tests)."""
        if not self._worker.wait(timeout):
            raise TimeoutError(f"the library's figures were not counted within {timeout} s")

    def _request(self) -> None:
        with self._lock:
            wanted = frozenset(self._stale)
        self._summarise()
        self._worker.submit(FiguresRequest(wanted, self._instant()))

    def _instant(self) -> datetime:
        """The instant to count at: the app's; evaluating at the current time, the start of the
        current minute (the page shows it to the minute), so that the kernels of a team
        arriving together count once (``figures_cache``)."""
        if self.app.as_of is not None:
            return self.app.as_of
        return datetime.now(UTC).replace(second=0, microsecond=0)

    def _count(self, request: FiguresRequest) -> FiguresResult:
        """On the worker thread: the figures (counted once for all the machine's kernels),
        and the store's versions they go with."""
        try:
            figures, versions = shared_figures(
                self.app.workspace,
                request.segment_ids,
                request.as_of,
                lambda: library_figures(self.app.evaluator(), request.segment_ids, request.as_of, t=self.t),
            )
        except Exception as exc:
            if stopping():  # interrupted at exit: end quietly
                raise
            return FiguresResult(request, {}, None, failure_text(exc, self.t))
        return FiguresResult(request, figures, versions)

    def _publish(self, result: FiguresResult) -> None:
        """On the worker thread, for the newest request only."""
        if result.problem:  # nothing could be counted: each row says so, and Refresh retries
            self.feedback.error(result.problem)
            result = dataclasses.replace(
                result,
                figures={sid: SegmentFigures(None, problem=result.problem) for sid in result.request.segment_ids},
            )
        with self._lock:
            self.figures.update(result.figures)
            self._stale -= set(result.figures)
            if not result.problem:
                self.figures_at = result.request.as_of
            self.counted_versions = result.versions
            for segment_id, figures in result.figures.items():
                if segment_id in self.rows:
                    self.rows[segment_id].show_figures(figures)
        self._summarise()

    def close(self) -> None:
        """Stop the background counting."""
        self._worker.close()

    def search(self, text: str) -> list[str]:
        """Show only the segments matching every word of ``text``; returns their ids."""
        words = folded(text).split()
        shown = []
        for segment_id, row in self.rows.items():
            visible = row.matches(words)
            row.widget.layout.display = None if visible else "none"
            if visible:
                shown.append(segment_id)
        if self.search_box.value != text:
            self.search_box.value = text
        self._summarise(len(shown))
        return shown

    def visible(self) -> list[str]:
        """The ids of the rows shown now."""
        return [sid for sid, row in self.rows.items() if row.widget.layout.display != "none"]

    def _summarise(self, shown: int | None = None) -> None:
        total = len(self.rows)
        shown = len(self.visible()) if shown is None else shown
        t = self.t
        count = t.ngettext("{n} segment", "{n} segments", total)
        if shown != total:
            count = t._("{shown} of {total}", shown=t.number(shown), total=count)
        parts = [count]
        if self.figures_at:
            parts.append(t._("members as of {time}", time=t.when(self.figures_at)))
        if self._stale:
            parts.append(t._("counting…"))
        if not total:
            parts.append(t._("none saved yet: press New segment"))
        self.summary.value = f'<span class="wb-muted">{html.escape(" · ".join(parts))}</span>'

    # --- selection ------------------------------------------------------------------------------

    def select(self, segment_id: str | None) -> None:
        """Select a segment: its row is highlighted and the actions apply to it."""
        if segment_id is not None and segment_id not in self.rows:
            raise WorkbenchError(self.t._("There is no saved segment {id}.", id=repr(segment_id)))
        self.selected = segment_id
        self._hide_panels()
        self._show_selection()

    def _show_selection(self) -> None:
        actions = self.actions if self.selected else None
        for segment_id, row in self.rows.items():
            row.set_selected(segment_id == self.selected, actions)

    def _clicked(self, segment_id: str) -> None:
        """A click on a row's name selects it."""
        self.feedback.run(lambda: self.select(segment_id))

    def _chosen(self) -> str:
        if self.selected is None:
            raise WorkbenchError(self.t._("Select a segment first (click its name)."))
        return self.selected

    def _hide_panels(self) -> None:
        if self._actions is not None:
            self.rename_panel.layout.display = self.delete_panel.layout.display = "none"

    # --- actions ----------------------------------------------------------------------------------

    def new(self) -> None:
        """Start a new segment in the builder."""
        self.app.builder.open(None)
        self.app.go("Builder")

    def open(self, segment_id: str) -> None:
        """Open a saved segment in the builder."""
        self.app.builder.open(segment_id)
        self.app.go("Builder")

    def duplicate(self, segment_id: str) -> Segment:
        """Save a copy under a new id (``<id>-copy``) and select it."""
        original = self.app.workspace.segment(segment_id)
        taken = {saved.id for saved in self.app.saved}
        new_id = f"{segment_id}-copy"
        number = 2
        while new_id in taken:
            new_id, number = f"{segment_id}-copy-{number}", number + 1
        copy = dataclasses.replace(original, id=new_id, name=self.t._("{name} (copy)", name=original.name))
        self.app.workspace.save_segment(copy)
        with self._lock:
            if segment_id in self.figures:
                self.figures[new_id] = self.figures[segment_id]  # the same rule: the same figures
        self.app.segments_changed()
        self.select(new_id)
        self.feedback.say(self.t._("Saved a copy as {name} ({id}).", name=repr(copy.name), id=new_id))
        return copy

    def _ask_rename(self) -> None:
        segment_id = self._chosen()
        self._hide_panels()
        self.new_name.value = self.rows[segment_id].name.description
        self.rename_panel.layout.display = None

    def rename(self, segment_id: str, name: str) -> Segment:
        """Give a saved segment a new name (its id, which others refer to, stays)."""
        name = name.strip()
        if not name:
            raise WorkbenchError(self.t._("Type the new name first."))
        renamed = dataclasses.replace(self.app.workspace.segment(segment_id), name=name)
        self.app.workspace.save_segment(renamed)
        self.app.segments_changed()
        self.select(segment_id)
        self.feedback.say(self.t._("Renamed {id} to {name}.", id=repr(segment_id), name=repr(name)))
        return renamed

    def _ask_delete(self) -> None:
        segment_id = self._chosen()
        self._hide_panels()
        name = html.escape(self.rows[segment_id].name.description)
        self.delete_question.value = self.t._(
            "Delete <b>{name}</b> ({id})? This cannot be undone.", name=name, id=html.escape(segment_id)
        )
        self.delete_panel.layout.display = None

    def delete(self, segment_id: str) -> None:
        """Delete a saved segment; refused, with the reason, while a segment or campaign uses it."""
        self._hide_panels()
        blockers = deletion_blockers(self.app.workspace, segment_id, self.t)
        if blockers:
            raise WorkbenchError(
                self.t._(
                    "{id} cannot be deleted: {blockers}. Change those first",
                    id=repr(segment_id),
                    blockers=self.t._(" and ").join(blockers),
                )
            )
        self.app.workspace.delete_segment(segment_id)
        with self._lock:
            self.figures.pop(segment_id, None)
        self.selected = None
        self.app.segments_changed()
        self.feedback.say(self.t._("Deleted {id}.", id=repr(segment_id)))
