"""The size-over-time tab: a segment's size each day of the last 30, as a line chart.

Thirty-one evaluations make a query that takes seconds to build and run, so it runs on a
worker thread (:class:`~workbench.widgets.live.LatestOnly`): the app stays usable meanwhile,
and when the user asks for another segment before the first is done, only the newest
request is shown.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd

from workbench.app.chart_panel import ChartPanel, warm_up
from workbench.app.downloads import download_link
from workbench.app.feedback import Feedback, failure_text
from workbench.app.history import DAYS, SizeHistory, size_history
from workbench.app.lists import to_csv
from workbench.errors import WorkbenchError
from workbench.widgets.live import LatestOnly, stopping
from workbench.widgets.nodeview import set_options

if TYPE_CHECKING:
    from workbench.app.shell import SegmentsApp


@dataclass(frozen=True)
class HistoryRequest:
    segment_id: str
    as_of: datetime


class HistoryView:
    """The size-over-time tab; ``show_segment`` is what the library's button calls."""

    def __init__(self, app: SegmentsApp) -> None:
        self.app = app
        self.t = t = app.t
        self.feedback = Feedback(t)
        self.segment = widgets.Dropdown(description=t._("Segment"), layout=widgets.Layout(width="420px"))
        show = widgets.Button(description=t._("Show"), icon="line-chart", button_style="primary")
        show.on_click(lambda _button: self.feedback.run(lambda: self.request(self.segment.value)))
        self.chart = ChartPanel(t)
        self.data = widgets.HTML()
        self.result: SizeHistory | None = None
        self._worker: LatestOnly[HistoryRequest, SizeHistory | str] = LatestOnly(
            self._compute, self._publish, debounce=0, name="size-over-time"
        )
        note = t.ngettext(
            "The size at the same time of day on each of the last {n} days, as the segment would have counted then.",
            "The size at the same time of day on each of the last {n} days, as the segment would have counted then.",
            DAYS,
        )
        self.widget = widgets.VBox(
            [
                widgets.HTML(f'<div class="wb-note">{html.escape(note)}</div>'),
                widgets.HBox([self.segment, show]),
                self.feedback.widget,
                self.chart.widget,
                self.data,
            ]
        )
        self.widget.add_class("wb-history-view")
        warm_up()  # this tab draws charts: load the charting libraries now, off the UI thread
        self.refresh()

    def refresh(self) -> None:
        set_options(self.segment, self.app.segment_options(), self.segment.value)

    def show_segment(self, segment_id: str) -> None:
        """Go to this tab and chart ``segment_id``."""
        self.app.go("Size over time")
        self.request(segment_id)

    def request(self, segment_id: str | None) -> None:
        """Chart the segment's size over the last 30 days (computed off the UI thread)."""
        if not segment_id:
            raise WorkbenchError(self.t._("Pick a segment first."))
        set_options(self.segment, self.app.segment_options(), segment_id)
        counting = self.t.ngettext(
            "Counting {id} on each of the last {n} days…",
            "Counting {id} on each of the last {n} days…",
            DAYS,
            id=repr(segment_id),
        )
        self.feedback.say(counting, "busy")
        self._worker.submit(HistoryRequest(segment_id, self.app.instant()))

    def wait(self, timeout: float = 120) -> SizeHistory | None:
        """Block until the requested chart is shown (scripts, tests); returns it."""
        if not self._worker.wait(timeout):
            raise TimeoutError(f"the size over time did not finish within {timeout} s")
        return self.result

    def _compute(self, request: HistoryRequest) -> SizeHistory | str:
        try:
            return size_history(self.app.evaluator(), request.segment_id, request.as_of)
        except Exception as exc:
            if stopping():  # interrupted at exit: end quietly
                raise
            return failure_text(exc, self.t)

    def _publish(self, outcome: SizeHistory | str) -> None:
        if isinstance(outcome, str):
            self.feedback.error(outcome)
            return
        t = self.t
        try:
            from workbench import charts  # imported on first use: see chart_panel

            self.chart.show(
                lambda: charts.size_over_time_chart(outcome.name, outcome.points, t=t), f"size-{outcome.segment_id}"
            )
        except Exception as exc:
            self.feedback.error(failure_text(exc, t))
            return
        # the CSV's header in the page's language too: it is opened in a spreadsheet
        table = pd.DataFrame(
            {
                t._("time"): [instant.isoformat() for instant, _ in outcome.points],
                t._("contacts"): [n for _, n in outcome.points],
            }
        )
        first, last = outcome.points[0], outcome.points[-1]
        summary = t._(
            "{name}: {first} on {first_time}, {last} on {last_time}.",
            name=outcome.name,
            first=t.number(first[1]),
            first_time=t.when(first[0]),
            last=t.number(last[1]),
            last_time=t.when(last[0]),
        )
        self.data.value = (
            html.escape(summary)
            + " "
            + download_link(to_csv(table), f"size-{outcome.segment_id}.csv", t._("Download the numbers (CSV)"))
        )
        self.result = outcome
        self.feedback.clear()

    def close(self) -> None:
        self._worker.close()
