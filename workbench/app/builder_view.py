"""The builder tab: the visual rule builder, with the library told about every save."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from workbench.app.feedback import Feedback
from workbench.expr.rules import Segment
from workbench.widgets import SegmentBuilder

if TYPE_CHECKING:
    from workbench.app.shell import SegmentsApp


class AppSegmentBuilder(SegmentBuilder):
    """The builder, calling ``on_saved`` after each successful save."""

    def __init__(self, *args: Any, on_saved: Any = None, **kwargs: Any) -> None:
        self.on_saved = on_saved
        super().__init__(*args, **kwargs)

    def save(self) -> Segment | None:
        saved = super().save()
        if saved is not None and self.on_saved is not None:
            self.on_saved(saved)
        return saved

    def library_changed(self) -> None:
        """Saved segments were added, renamed or deleted elsewhere: re-read them, so the Open
        list and ``in_segment`` choices and checks are current; the edited segment is kept."""
        self._read_store()
        self._changed()


class BuilderView:
    """Holds one builder at a time; opening a segment from the library replaces it."""

    def __init__(self, app: SegmentsApp) -> None:
        self.app = app
        self.t = app.t
        self.feedback = Feedback(self.t)
        self.builder: AppSegmentBuilder | None = None
        self.place = widgets.VBox()
        self.widget = widgets.VBox([self.feedback.widget, self.place])
        self.widget.add_class("wb-builder-view")

    def open(self, segment: str | Path | Segment | None) -> AppSegmentBuilder:
        """Show a saved segment (by id), or a new segment when ``segment`` is None."""
        builder = AppSegmentBuilder(
            self.app.workspace, segment, as_of=self.app.as_of, on_saved=self._saved, locale=self.t.locale
        )
        self.close()
        self.builder = builder
        self.place.children = [builder]
        self.feedback.clear()
        return builder

    def ensure_open(self) -> None:
        """Open a new segment if the builder was never opened."""
        if self.builder is None:
            self.feedback.run(lambda: self.open(None), busy=self.t._("Opening the builder…"))

    def _saved(self, segment: Segment) -> None:
        self.feedback.run(lambda: self.app.segments_changed(recount=[segment.id]))

    def refresh(self) -> None:
        """The library changed elsewhere: the open builder re-reads it (its Open list, the
        segments a condition can refer to) and keeps what the user is editing."""
        if self.builder is not None:
            self.feedback.run(self.builder.library_changed)

    def close(self) -> None:
        if self.builder is not None:
            self.builder.close()
            self.builder = None
