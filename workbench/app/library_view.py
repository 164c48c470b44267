"""The segment library: every saved segment with its size, its rule in English and when it
was last edited; search; and what can be done with one: open, duplicate, rename, delete,
and the other views for it.

Each segment is one row of widgets; clicking its name selects it and shows the actions.
Searching hides rows rather than rebuilding them, so typing stays quick.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.app.feedback import Feedback
from workbench.app.references import deletion_blockers
from workbench.app.sizes import Size, segment_sizes
from workbench.app.text import folded, plural, when
from workbench.errors import WorkbenchError
from workbench.expr.describe import describe
from workbench.expr.rules import Segment
from workbench.store.library import SavedSegment

if TYPE_CHECKING:
    from workbench.app.shell import SegmentsApp

COLUMNS = {"name": "260px", "size": "100px", "rule": "560px", "edited": "170px"}


def _cell(content: str, column: str, extra: str = "") -> widgets.HTML:
    cell = widgets.HTML(content, layout=widgets.Layout(width=COLUMNS[column]))
    cell.add_class("wb-cell")
    if extra:
        cell.add_class(extra)
    return cell


class LibraryRow:
    """One saved segment on screen."""

    def __init__(self, view: LibraryView, saved: SavedSegment, english: str) -> None:
        self.segment_id = saved.id
        self.name = widgets.Button(layout=widgets.Layout(width=COLUMNS["name"]))
        self.name.add_class("wb-row-name")
        self.name.on_click(lambda _button: view.feedback.run(lambda: view.select(self.segment_id)))
        self.size = _cell("…", "size", "wb-size")
        self.rule = _cell("", "rule")
        self.edited = _cell("", "edited")
        self.widget = widgets.HBox([self.name, self.size, self.rule, self.edited])
        self.widget.add_class("wb-library-row")
        self.haystack = ""
        self.show(saved, english)

    def show(self, saved: SavedSegment, english: str) -> None:
        """Show the segment as saved now (the row's widgets are kept, so a click on them is never lost)."""
        segment = saved.segment
        self.name.description = segment.name
        self.name.tooltip = f"Select {segment.name}"
        note = f"<i>{html.escape(segment.description)}</i><br>" if segment.description else ""
        self.rule.value = f'{note}{html.escape(english)} <span class="wb-muted">· {html.escape(saved.id)}</span>'
        self.edited.value = when(saved.updated_at)
        # What a search matches: the name, the id, the description and the rule in English.
        self.haystack = folded(" ".join((segment.name, saved.id, segment.description or "", english)))

    def close(self) -> None:
        self.widget.close()
        for part in (self.name, self.size, self.rule, self.edited):
            part.close()

    def show_size(self, size: Size | None) -> None:
        if size is None:
            self.size.value = "…"
        elif size.members is None:
            self.size.value = f'<span title="{html.escape(size.problem or "")}">cannot count ⚠</span>'
        else:
            self.size.value = f"{size.members:,}"

    def matches(self, words: list[str]) -> bool:
        return all(word in self.haystack for word in words)

    def set_selected(self, selected: bool) -> None:
        (self.widget.add_class if selected else self.widget.remove_class)("wb-selected")
        self.name.button_style = "info" if selected else ""


class LibraryView:
    """The library tab. Its actions are methods; the buttons only call them."""

    def __init__(self, app: SegmentsApp) -> None:
        self.app = app
        self.feedback = Feedback()
        self.sizes: dict[str, Size] = {}
        self.sizes_at: datetime | None = None
        self.rows: dict[str, LibraryRow] = {}
        self.selected: str | None = None

        self.search_box = widgets.Text(
            placeholder="Search by name, id or what the segment selects…",
            continuous_update=True,
            layout=widgets.Layout(width="420px"),
        )
        self.search_box.add_class("wb-library-search")
        self.search_box.observe(lambda change: self.feedback.run(lambda: self.search(change["new"])), "value")
        new = widgets.Button(description="New segment", icon="plus", button_style="primary")
        new.on_click(lambda _button: self.feedback.run(self.new))
        recount = widgets.Button(description="Refresh sizes", icon="refresh")
        recount.on_click(lambda _button: self.feedback.run(self.recount, busy="Counting every segment…"))
        self.summary = widgets.HTML()
        head = widgets.HBox(
            [
                _cell("Segment", "name"),
                _cell("Members", "size", "wb-size"),
                _cell("Who (in English)", "rule"),
                _cell("Last edited", "edited"),
            ]
        )
        head.add_class("wb-library-head")
        self.table = widgets.VBox()
        self.table.add_class("wb-library")
        self.actions = self._actions()
        # The actions sit above the table, so they stay in view however long the library is.
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.search_box, new, recount]),
                self.summary,
                self.actions,
                self.feedback.widget,
                head,
                self.table,
            ]
        )
        self.widget.add_class("wb-library-view")
        self.refresh(recount=())

    def _actions(self) -> widgets.VBox:
        self.selection = widgets.HTML()
        self.buttons: dict[str, widgets.Button] = {}
        for label, icon, action in (
            ("Open in builder", "edit", lambda: self.open(self._chosen())),
            ("Duplicate", "copy", lambda: self.duplicate(self._chosen())),
            ("Rename…", "i-cursor", lambda: self._ask_rename()),
            ("Size over time", "line-chart", lambda: self.app.history.show_segment(self._chosen())),
            ("Snapshot to list", "camera", lambda: self.app.list_view.prepare_snapshot(self._chosen())),
            ("Launch campaign", "paper-plane", lambda: self.app.launch.prepare(self._chosen())),
            ("Delete…", "trash", lambda: self._ask_delete()),
        ):
            button = widgets.Button(description=label, icon=icon)
            button.on_click(lambda _button, action=action: self.feedback.run(action))
            self.buttons[label] = button
        self.new_name = widgets.Text(description="New name", layout=widgets.Layout(width="420px"))
        rename = widgets.Button(description="Rename", button_style="primary")
        rename.on_click(lambda _button: self.feedback.run(lambda: self.rename(self._chosen(), self.new_name.value)))
        cancel_rename = widgets.Button(description="Cancel")
        cancel_rename.on_click(lambda _button: self._hide_panels())
        self.rename_panel = widgets.HBox([self.new_name, rename, cancel_rename])
        self.delete_question = widgets.HTML()
        self.confirm_delete = widgets.Button(description="Delete", button_style="danger", icon="trash")
        self.confirm_delete.on_click(lambda _button: self.feedback.run(lambda: self.delete(self._chosen())))
        cancel_delete = widgets.Button(description="Cancel")
        cancel_delete.on_click(lambda _button: self._hide_panels())
        self.delete_panel = widgets.HBox([self.delete_question, self.confirm_delete, cancel_delete])
        box = widgets.VBox(
            [
                self.selection,
                widgets.HBox(list(self.buttons.values()), layout=widgets.Layout(flex_flow="row wrap")),
                self.rename_panel,
                self.delete_panel,
            ]
        )
        box.add_class("wb-library-actions")
        return box

    # --- reading ------------------------------------------------------------------------------

    def refresh(self, recount: Iterable[str] | None = ()) -> None:
        """Show the library as the app last read it; count again the segments in ``recount``
        (None: all of them)."""
        catalog = self.app.workspace.catalog
        rows: dict[str, LibraryRow] = {}
        for saved in self.app.saved:
            try:
                english = describe(saved.segment, catalog)
            except Exception as exc:  # a segment that no longer reads well must still be listed
                english = f"(cannot be described: {exc})"
            row = self.rows.pop(saved.id, None)
            if row is None:
                rows[saved.id] = LibraryRow(self, saved, english)
            else:
                row.show(saved, english)
                rows[saved.id] = row
        for gone in self.rows.values():
            gone.close()
        self.rows = rows
        self.table.children = [row.widget for row in rows.values()]
        if self.selected not in rows:
            self.selected = None
        if recount is None or recount:
            self.recount(recount)
        else:
            self._show_sizes()
        self.search(self.search_box.value)
        self._show_selection()

    def recount(self, segment_ids: Iterable[str] | None = None) -> None:
        """Count saved segments now (default: all of them), in one query."""
        as_of = self.app.instant()
        wanted = list(self.rows) if segment_ids is None else [sid for sid in segment_ids if sid in self.rows]
        if segment_ids is None:
            self.sizes = {}
        self.sizes.update(segment_sizes(self.app.evaluator(), wanted, as_of))
        self.sizes_at = as_of
        self._show_sizes()

    def _show_sizes(self) -> None:
        for segment_id, row in self.rows.items():
            row.show_size(self.sizes.get(segment_id))
        self._summarise()

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
        count = plural(total, "segment") if shown == total else f"{shown:,} of {plural(total, 'segment')}"
        at = f" · members as of {when(self.sizes_at)}" if self.sizes_at else ""
        empty = " · none saved yet: press New segment" if not total else ""
        self.summary.value = f'<span class="wb-muted">{count}{at}{empty}</span>'

    # --- selection ------------------------------------------------------------------------------

    def select(self, segment_id: str | None) -> None:
        """Select a segment: its row is highlighted and the actions apply to it."""
        if segment_id is not None and segment_id not in self.rows:
            raise WorkbenchError(f"There is no saved segment {segment_id!r}.")
        self.selected = segment_id
        self._hide_panels()
        self._show_selection()

    def _show_selection(self) -> None:
        for segment_id, row in self.rows.items():
            row.set_selected(segment_id == self.selected)
        self.actions.layout.display = None if self.selected else "none"
        if self.selected:
            name = self.rows[self.selected].name.description
            self.selection.value = f"Selected: <b>{html.escape(name)}</b> ({html.escape(self.selected)})"

    def _chosen(self) -> str:
        if self.selected is None:
            raise WorkbenchError("Select a segment first (click its name).")
        return self.selected

    def _hide_panels(self) -> None:
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
        copy = dataclasses.replace(original, id=new_id, name=f"{original.name} (copy)")
        self.app.workspace.save_segment(copy)
        if segment_id in self.sizes:
            self.sizes[new_id] = self.sizes[segment_id]  # the same rule: the same members
        self.app.segments_changed()
        self.select(new_id)
        self.feedback.say(f"Saved a copy as {copy.name!r} ({new_id}).")
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
            raise WorkbenchError("Type the new name first.")
        renamed = dataclasses.replace(self.app.workspace.segment(segment_id), name=name)
        self.app.workspace.save_segment(renamed)
        self.app.segments_changed()
        self.select(segment_id)
        self.feedback.say(f"Renamed {segment_id!r} to {name!r}.")
        return renamed

    def _ask_delete(self) -> None:
        segment_id = self._chosen()
        self._hide_panels()
        name = html.escape(self.rows[segment_id].name.description)
        self.delete_question.value = f"Delete <b>{name}</b> ({html.escape(segment_id)})? This cannot be undone."
        self.delete_panel.layout.display = None

    def delete(self, segment_id: str) -> None:
        """Delete a saved segment; refused, with the reason, while a segment or campaign uses it."""
        self._hide_panels()
        blockers = deletion_blockers(self.app.workspace, segment_id)
        if blockers:
            raise WorkbenchError(f"{segment_id!r} cannot be deleted: {' and '.join(blockers)}. Change those first")
        self.app.workspace.delete_segment(segment_id)
        self.sizes.pop(segment_id, None)
        self.selected = None
        self.app.segments_changed()
        self.feedback.say(f"Deleted {segment_id!r}.")
