"""The marketers' app: a header, one tab per view, and what the views share.

The views never talk to each other directly. A view that changes the library or the lists
tells the app (:meth:`SegmentsApp.segments_changed`, :meth:`SegmentsApp.lists_changed`),
which re-reads the store once and refreshes every view's pickers; a view that sends the
user elsewhere asks the app to (:meth:`SegmentsApp.go`).

Only the library is built when the app opens: every other tab's view (and the modules it
needs: the builder's widgets, the send package, the charting libraries) is built the first
time the tab is shown or used (``app.overlap``, ``app.launch``…). The first page is then a
few dozen widgets instead of several hundred, and a kernel that only shows the library
never imports what the other tabs need.
"""

from __future__ import annotations

import html
import importlib
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import ipywidgets as widgets

from workbench.app.evaluate import Evaluator
from workbench.app.library_view import LibraryView
from workbench.app.references import including
from workbench.app.style import STYLE
from workbench.expr.timeutil import parse_instant
from workbench.i18n import LOCALES, N_, Texts, check_locale, texts
from workbench.store.library import ListInfo, SavedSegment
from workbench.store.workspace import Workspace

if TYPE_CHECKING:
    from workbench.app.builder_view import BuilderView
    from workbench.app.history_view import HistoryView
    from workbench.app.launch_view import LaunchView
    from workbench.app.lists_view import ListsView
    from workbench.app.overlap_view import OverlapView

# The tabs by their English titles (what code and tests name them by); shown translated.
TABS = (
    N_("Library"),
    N_("Builder"),
    N_("Overlap"),
    N_("Size over time"),
    N_("Lists"),
    N_("Campaign launch"),
    N_("Results"),
)
# Each tab's view but the library's: (module, class), imported and built on first use.
LATER_VIEWS = {
    "Builder": ("workbench.app.builder_view", "BuilderView"),
    "Overlap": ("workbench.app.overlap_view", "OverlapView"),
    "Size over time": ("workbench.app.history_view", "HistoryView"),
    "Lists": ("workbench.app.lists_view", "ListsView"),
    "Campaign launch": ("workbench.app.launch_view", "LaunchView"),
    "Results": ("workbench.app.results_view", "ResultsView"),
}
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


def store_label(workspace: Workspace, t: Texts | None = None) -> str:
    """Which store the app shows, without the credentials a server URL may carry."""
    url = workspace.url
    if url.path is not None:
        return (t or texts())._("DuckDB file {name}", name=url.path.name)
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
        locale: str | None = None,
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
        catalog = workspace.catalog
        # This page's language: the one asked for, else the workspace's. Another visitor's
        # page (another kernel, or another app in this one) may show another.
        self.t: Texts = texts(locale or catalog.locale, catalog.timezone)
        self._later: dict[str, Any] = {}
        self._build()
        self.add_class("wb-app")  # what browser tests wait for

    def _build(self) -> None:
        """Build the header and the tabs in the app's language; only the library's view now."""
        self._later = {}  # the views built so far, by tab
        # One model each for what every tab not built yet shows, and for the tabs' layout.
        opening = html.escape(self.t._("Opening…"))
        opening = widgets.HTML(f'<div class="wb-muted">{opening}</div>')
        place_layout = widgets.Layout()
        self._places = {tab: widgets.Box([opening], layout=place_layout) for tab in TABS}
        for place in self._places.values():
            place.add_class("wb-tab-place")
        self.library = LibraryView(self)
        self._places["Library"].children = [self.library.widget]
        self.tabs = widgets.Tab(children=list(self._places.values()), titles=[self.t._(tab) for tab in TABS])
        self.tabs.observe(lambda _change: self._tab_shown(), "selected_index")
        self.children = [widgets.HTML(STYLE), self._header(), self.tabs]

    def set_locale(self, code: str) -> None:
        """Show the app in another language (``en``, ``pl``): every view is built again, so
        what was typed but not saved in them is dropped."""
        check_locale(code)
        if code == self.t.locale:
            return
        self.t = texts(code, self.t.timezone)
        for view in self.views:
            stop = getattr(view, "close", None)
            if stop is not None:
                stop()
        self._build()

    # --- the tabs' views, built on first use -------------------------------------------------

    @property
    def builder(self) -> BuilderView:
        return self._view("Builder")

    @property
    def overlap(self) -> OverlapView:
        return self._view("Overlap")

    @property
    def history(self) -> HistoryView:
        return self._view("Size over time")

    @property
    def list_view(self) -> ListsView:
        return self._view("Lists")

    @property
    def launch(self) -> LaunchView:
        return self._view("Campaign launch")

    @property
    def views(self) -> tuple[Any, ...]:
        """The views built so far, the library first."""
        return (self.library, *self._later.values())

    def _view(self, tab: str) -> Any:
        view = self._later.get(tab)
        if view is None:
            module, name = LATER_VIEWS[tab]
            view = getattr(importlib.import_module(module), name)(self)
            self._later[tab] = view
            self._places[tab].children = [view.widget]
        return view

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
        for view in self.views[1:]:  # a view built later reads the library when it is built
            view.refresh()

    def lists_changed(self) -> None:
        """A list was made or replaced: re-read the lists and refresh the views that offer them."""
        self.lists = self.workspace.lists()
        if "Lists" in self._later:
            self.list_view.refresh()

    def page_opened(self) -> bool:
        """Someone opened the page. In a preheated kernel (see docs/app.md) the app was built
        and counted before anyone asked for it: if the store changed since, or the figures
        are older than ``LibraryView.FRESH_FOR``, read the library again and count every
        segment again (the figures shown stay until then). True if it did."""
        if not self.library.out_of_date():
            return False
        self.segments_changed()
        self.library.recount()
        return True

    def close(self) -> None:
        """Stop background work and close every widget."""
        if not hasattr(self, "library"):  # the app could not be built; nothing runs
            super().close()
            return
        for view in self.views:
            stop = getattr(view, "close", None)
            if stop is not None:
                stop()
        super().close()

    # --- inside -----------------------------------------------------------------------------

    def _read_store(self) -> None:
        self.saved = self.workspace.segments()
        self.lists = self.workspace.lists()

    def _header(self) -> widgets.HBox:
        t = self.t
        evaluated = (
            t._("as of {time}", time=t.when(self.as_of)) if self.as_of else t._("as of the moment each view counts")
        )
        store = store_label(self.workspace, t)
        audiences = t._("Audiences {when}", when=evaluated)
        title = widgets.HTML(
            f'<div class="wb-header"><span class="wb-title">Segment Workbench</span>'
            f'<span class="wb-header-detail">{html.escape(audiences)} · '
            f"{html.escape(store)}</span></div>"
        )
        # each language named in itself, so that anyone finds their own
        self.language = widgets.Dropdown(
            options=[(name, code) for code, name in LOCALES.items()],
            value=t.locale,
            layout=widgets.Layout(width="110px"),
        )
        self.language.add_class("wb-language")
        self.language.observe(lambda change: self.set_locale(change["new"]), "value")
        header = widgets.HBox([title, self.language])
        header.add_class("wb-header-bar")
        return header

    def _tab_shown(self) -> None:
        tab = TABS[self.tabs.selected_index or 0]
        if tab == "Library":
            return
        view = self._view(tab)
        # The builder starts counting when it is first shown, not when the app opens.
        if tab == "Builder":
            view.ensure_open()
