"""The marketers' app: a header, one tab per view, and what the views share.

The views never talk to each other directly. A view that changes the library or the lists
tells the app (:meth:`SegmentsApp.segments_changed`, :meth:`SegmentsApp.lists_changed`),
which re-reads the store once and refreshes every view's pickers; a view that sends the
user elsewhere asks the app to (:meth:`SegmentsApp.go`).
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import ipywidgets as widgets

from workbench.app.builder_view import BuilderView
from workbench.app.chart_panel import warm_up
from workbench.app.evaluate import Evaluator
from workbench.app.history_view import HistoryView
from workbench.app.launch_view import LaunchView
from workbench.app.library_view import LibraryView
from workbench.app.lists_view import ListsView
from workbench.app.overlap_view import OverlapView
from workbench.app.references import including
from workbench.app.style import STYLE
from workbench.app.text import when
from workbench.expr.timeutil import parse_instant
from workbench.store.library import ListInfo, SavedSegment
from workbench.store.workspace import Workspace

TABS = ("Library", "Builder", "Overlap", "Size over time", "Lists", "Campaign launch")
SAMPLE_TEMPLATES = Path(__file__).resolve().parents[2] / "sample_data" / "templates"


def _instant(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return parse_instant(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _beside_store(workspace: Workspace) -> Path:
    """A DuckDB store's folder; for a server store, the working directory."""
    path = workspace.url.path
    return Path(path).resolve().parent if path is not None else Path.cwd()


def store_label(workspace: Workspace) -> str:
    """Which store the app shows, without the credentials a server URL may carry."""
    url = workspace.url
    if url.path is not None:
        return f"DuckDB file {url.path.name}"
    parts = urlsplit(url.url)
    return f"{url.kind} {parts.hostname or ''}{parts.path}"


class SegmentsApp(widgets.VBox):
    """The whole app (CSS class ``wb-app``) over one workspace.

    ``as_of`` fixes the instant every view evaluates at (demos, tests, looking back);
    by default each evaluation uses the time it runs. Campaign sends use the message
    templates in ``templates`` (default ``WORKBENCH_TEMPLATES``, else ``sample_data/templates``),
    keep their audit records under ``runs_dir`` (default ``WORKBENCH_RUNS_DIR``, else ``runs``
    beside a DuckDB store's file, else in the working directory) and write test runs to
    ``outbox`` (default ``WORKBENCH_OUTBOX``, else ``outbox`` beside ``runs_dir``).
    """

    def __init__(
        self,
        workspace: Workspace,
        *,
        as_of: datetime | str | None = None,
        templates: str | Path | None = None,
        runs_dir: str | Path | None = None,
        outbox: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.as_of = _instant(as_of)
        self.templates = Path(templates or os.environ.get("WORKBENCH_TEMPLATES") or SAMPLE_TEMPLATES).resolve()
        self.runs_dir = Path(runs_dir or os.environ.get("WORKBENCH_RUNS_DIR") or _beside_store(workspace) / "runs")
        self.runs_dir = self.runs_dir.resolve()
        self.outbox = Path(outbox or os.environ.get("WORKBENCH_OUTBOX") or self.runs_dir.parent / "outbox").resolve()
        self.saved: list[SavedSegment] = []
        self.lists: list[ListInfo] = []
        self._read_store()
        self.library = LibraryView(self)
        self.builder = BuilderView(self)
        self.overlap = OverlapView(self)
        self.history = HistoryView(self)
        self.list_view = ListsView(self)
        self.launch = LaunchView(self)
        self.views = (self.library, self.builder, self.overlap, self.history, self.list_view, self.launch)
        self.tabs = widgets.Tab(children=[view.widget for view in self.views], titles=TABS)
        self.tabs.observe(lambda _change: self._tab_shown(), "selected_index")
        self.children = [widgets.HTML(STYLE), self._header(), self.tabs]
        self.add_class("wb-app")  # what browser tests wait for
        self.library.recount()
        warm_up()

    # --- what the views share ---------------------------------------------------------------

    def instant(self) -> datetime:
        """The instant to evaluate at now: ``as_of``, or the current time."""
        return self.as_of or datetime.now(UTC)

    def evaluator(self) -> Evaluator:
        """The store's catalog and library as they are now (read again for every action)."""
        return Evaluator.read(self.workspace)

    def segment_options(self) -> list[tuple[str, str]]:
        """Saved segments for pickers: ``("VIP customers (vip)", "vip")``, by name."""
        return sorted(((f"{s.segment.name} ({s.id})", s.id) for s in self.saved), key=lambda o: o[0].casefold())

    def list_options(self) -> list[tuple[str, str]]:
        return [(f"{info.name} ({info.list_id}, {info.size:,})", info.list_id) for info in self.lists]

    def go(self, tab: str) -> None:
        """Show the tab titled ``tab``."""
        self.tabs.selected_index = TABS.index(tab)

    def segments_changed(self, recount: Iterable[str] = ()) -> None:
        """The library changed: re-read it and refresh every view; the segments in ``recount``
        (and those that include them) are counted again."""
        self._read_store()
        by_id = {saved.id: saved for saved in self.saved}
        changed = {affected for sid in recount for affected in including(by_id, sid)}
        self.library.refresh(recount=changed)
        for view in self.views[1:]:
            view.refresh()

    def lists_changed(self) -> None:
        """A list was made or replaced: re-read the lists and refresh the views that offer them."""
        self.lists = self.workspace.lists()
        self.list_view.refresh()

    def close(self) -> None:
        """Stop background work and close every widget."""
        self.builder.close()
        self.history.close()
        super().close()

    # --- inside -----------------------------------------------------------------------------

    def _read_store(self) -> None:
        self.saved = self.workspace.segments()
        self.lists = self.workspace.lists()

    def _header(self) -> widgets.HTML:
        evaluated = f"as of {when(self.as_of)}" if self.as_of else "as of the moment each view counts"
        store = store_label(self.workspace)
        return widgets.HTML(
            f'<div class="wb-header"><b>Segment Workbench</b> · audiences {html.escape(evaluated)}'
            f' · <span class="wb-muted">{html.escape(store)}</span></div>'
        )

    def _tab_shown(self) -> None:
        # The builder starts counting when it is first shown, not when the app opens.
        if self.tabs.selected_index == TABS.index("Builder"):
            self.builder.ensure_open()
