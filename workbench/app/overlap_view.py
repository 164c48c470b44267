"""The overlap tab: pick 2 to 6 segments, see every intersection (UpSet), the pairwise
shared members (heatmap, counts and percentages) and who each channel can reach."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.app.channels import CHANNELS, NO_SEND_PACKAGE, REACH_RULES
from workbench.app.chart_panel import ChartPanel, warm_up
from workbench.app.feedback import Feedback
from workbench.app.overlap import MAX_SEGMENTS, MIN_SEGMENTS, Overlap, check_choice, compute_overlap
from workbench.app.text import percent, plural, when

if TYPE_CHECKING:
    from workbench.app.shell import SegmentsApp


def reach_table(overlap: Overlap) -> str:
    """Members of each segment and how many each channel reaches (the send gate's rule)."""
    if not overlap.has_reach:
        return f'<div class="wb-note">{html.escape(NO_SEND_PACKAGE)}</div>'
    head = "".join(f'<th class="wb-num">{html.escape(c.label)}</th>' for c in CHANNELS.values())
    rows = []
    for segment_id, name in zip(overlap.segment_ids, overlap.names, strict=True):
        size = overlap.size(segment_id)
        cells = "".join(
            f'<td class="wb-num">{overlap.reachable(segment_id, key):,} '
            f'<span class="wb-muted">({percent(overlap.reachable(segment_id, key), size)})</span></td>'
            for key in CHANNELS
        )
        rows.append(f'<tr><td>{html.escape(name)}</td><td class="wb-num">{size:,}</td>{cells}</tr>')
    return (
        '<div class="wb-section">Who can be reached</div>'
        f'<table class="wb-table wb-reach"><tr><th>Segment</th><th class="wb-num">Members</th>{head}</tr>'
        f"{''.join(rows)}</table>"
        f'<div class="wb-note">Reachable: {html.escape(REACH_RULES)} (the send gate\'s rules).</div>'
    )


class OverlapView:
    """The overlap tab. ``choose`` and ``compare`` are what the checkboxes and button call."""

    def __init__(self, app: SegmentsApp) -> None:
        self.app = app
        self.feedback = Feedback()
        self.checkboxes: dict[str, widgets.Checkbox] = {}
        self.choices = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
        self.choices.add_class("wb-overlap-choice")
        self.compare_button = widgets.Button(description="Compare", icon="bar-chart", button_style="primary")
        self.compare_button.on_click(lambda _button: self.compare())
        self.summary = widgets.HTML()
        self.upset = ChartPanel()
        self.heatmap = ChartPanel()
        self.reach = widgets.HTML()
        self.result: Overlap | None = None
        self.widget = widgets.VBox(
            [
                widgets.HTML(f'<div class="wb-section">Choose {MIN_SEGMENTS} to {MAX_SEGMENTS} segments</div>'),
                self.choices,
                self.compare_button,
                self.feedback.widget,
                self.summary,
                self.upset.widget,
                self.heatmap.widget,
                self.reach,
            ]
        )
        self.widget.add_class("wb-overlap-view")
        warm_up()  # this tab draws charts: load the charting libraries now, off the UI thread
        self.refresh()

    def refresh(self) -> None:
        """Offer the saved segments; a segment's checkbox is kept (ticked or not) while it exists."""
        boxes: dict[str, widgets.Checkbox] = {}
        for label, segment_id in self.app.segment_options():
            box = self.checkboxes.pop(segment_id, None)
            if box is None:
                box = widgets.Checkbox(value=False, indent=False, layout=widgets.Layout(width="auto"))
            box.description = label
            boxes[segment_id] = box
        for gone in self.checkboxes.values():
            gone.close()
        self.checkboxes = boxes
        self.choices.children = list(boxes.values())

    def chosen(self) -> list[str]:
        return [segment_id for segment_id, box in self.checkboxes.items() if box.value]

    def choose(self, segment_ids: Sequence[str]) -> None:
        """Tick exactly these segments."""
        for segment_id, box in self.checkboxes.items():
            box.value = segment_id in segment_ids

    def compare(self) -> Overlap | None:
        """Compute and show the overlap of the ticked segments (one query)."""
        return self.feedback.run(self._compare, busy="Comparing…")

    def _compare(self) -> Overlap:
        chosen = check_choice(self.chosen())
        overlap = compute_overlap(self.app.evaluator(), chosen, self.app.instant())
        names = overlap.labels()
        sets = list(names.values())
        intersections = [(frozenset(names[s] for s in members), n) for members, n in overlap.intersections()]
        shared = {(names[a], names[b]): overlap.shared(a, b) for a in overlap.segment_ids for b in overlap.segment_ids}
        sizes = {names[s]: overlap.size(s) for s in overlap.segment_ids}
        filename = "overlap-" + "-".join(overlap.segment_ids)
        from workbench import charts  # imported on first use: see chart_panel

        self.upset.show(
            lambda: charts.upset_chart(sets, intersections, title="Contacts in exactly these segments"), filename
        )
        self.heatmap.show(
            lambda: charts.pairwise_heatmap(sets, shared, sizes, title="Members shared by two segments"),
            filename + "-pairs",
        )
        self.summary.value = (
            f"{plural(overlap.union_size, 'contact')} in at least one of the {len(sets)} segments"
            f' <span class="wb-muted">· as of {when(overlap.as_of)}</span>'
        )
        self.reach.value = reach_table(overlap)
        self.result = overlap
        return overlap
