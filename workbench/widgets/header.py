"""The segment's name, id and description, the Save button, and the builder's messages."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.expr.rules import Segment
from workbench.widgets.nodeview import ERROR_STYLE, problems_html, set_options

if TYPE_CHECKING:
    from workbench.widgets.builder import SegmentBuilder

OK_STYLE = "color:#1b5e20"


class DocumentHeader:
    """Edits the document fields; ``say`` shows what happened (saved, or why not)."""

    def __init__(self, builder: SegmentBuilder) -> None:
        self._showing = False
        t = builder.t
        self.name = widgets.Text(description=t._("Name"), layout=widgets.Layout(width="420px"))
        self.id = widgets.Text(description=t._("Id"), layout=widgets.Layout(width="260px"))
        self.description = widgets.Textarea(
            description=t._("Description"), rows=2, layout=widgets.Layout(width="690px")
        )
        self.save = widgets.Button(description=t._("Save"), button_style="primary", icon="save")
        self.open = widgets.Dropdown(description=t._("Open"), layout=widgets.Layout(width="320px"))
        self.new = widgets.Button(description=t._("New"), icon="file")
        self.message = widgets.HTML()
        self.problems = widgets.HTML()
        for widget, action in (
            (self.name, builder.set_name),
            (self.id, builder.set_id),
            (self.description, builder.set_description),
        ):
            widget.observe(lambda change, action=action: self._edited(builder, action, change["new"]), "value")
        self.save.on_click(lambda _button: builder.act(builder.save))
        self.new.on_click(lambda _button: builder.act(builder.new))
        self.open.observe(lambda change: self._edited(builder, builder.load, change["new"]), "value")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.open, self.new]),
                widgets.HBox([self.name, self.id, self.save]),
                self.description,
                self.problems,
                self.message,
            ]
        )

    def _edited(self, builder: SegmentBuilder, action: Callable[[str], object], value: str | None) -> None:
        if not self._showing and value is not None:
            builder.act(action, value)

    def show(self, segment: Segment, problems: list[str], saved: list[tuple[str, str]]) -> None:
        """Show the document fields, their problems and the segments one can open (without
        reporting any of it as an edit)."""
        self._showing = True
        try:
            set_options(self.open, saved, segment.id)
            self.name.value = segment.name
            self.id.value = segment.id
            self.description.value = segment.description or ""
        finally:
            self._showing = False
        self.problems.value = problems_html(problems)

    def say(self, text: str, error: bool = False) -> None:
        style = ERROR_STYLE if error else OK_STYLE
        self.message.value = f'<span style="{style}">{html.escape(text)}</span>'
