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
from workbench.i18n import Texts

if TYPE_CHECKING:
    from workbench.app.shell import SegmentsApp


def reach_table(overlap: Overlap, t: Texts) -> str:
    """Members of each segment and how many each channel reaches (the send gate's rule)."""
    if not overlap.has_reach:
        no_send = html.escape(t._(NO_SEND_PACKAGE))
        return f'<div class="wb-note">{no_send}</div>'
    labels = [html.escape(t._(c.label)) for c in CHANNELS.values()]
    head = "".join(f'<th class="wb-num">{label}</th>' for label in labels)
    rows = []
    for segment_id, name in zip(overlap.segment_ids, overlap.names, strict=True):
        size = overlap.size(segment_id)
        cells = []
        for key in CHANNELS:
            reached = overlap.reachable(segment_id, key)
            share = t.percent(reached / size) if size else "–"
            cells.append(f'<td class="wb-num">{t.number(reached)} <span class="wb-muted">({share})</span></td>')
        rows.append(f'<tr><td>{html.escape(name)}</td><td class="wb-num">{t.number(size)}</td>{"".join(cells)}</tr>')
    title, segment, members = map(html.escape, (t._("Who can be reached"), t._("Segment"), t._("Members")))
    note = html.escape(t._("Reachable: {rules} (the send gate's rules).", rules=t._(REACH_RULES)))
    return (
        f'<div class="wb-section">{title}</div>'
        f'<table class="wb-table wb-reach"><tr><th>{segment}</th><th class="wb-num">{members}</th>{head}</tr>'
        f"{''.join(rows)}</table>"
        f'<div class="wb-note">{note}</div>'
    )


class OverlapView:
    """The overlap tab. ``choose`` and ``compare`` are what the checkboxes and button call."""

    def __init__(self, app: SegmentsApp) -> None:
        self.app = app
        self.t = t = app.t
        self.feedback = Feedback(t)
        self.checkboxes: dict[str, widgets.Checkbox] = {}
        self.choices = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
        self.choices.add_class("wb-overlap-choice")
        self.compare_button = widgets.Button(description=t._("Compare"), icon="bar-chart", button_style="primary")
        self.compare_button.on_click(lambda _button: self.compare())
        self.summary = widgets.HTML()
        self.upset = ChartPanel(t)
        self.heatmap = ChartPanel(t)
        self.reach = widgets.HTML()
        self.result: Overlap | None = None
        choose = t._("Choose {low} to {high} segments", low=MIN_SEGMENTS, high=MAX_SEGMENTS)
        self.widget = widgets.VBox(
            [
                widgets.HTML(f'<div class="wb-section">{html.escape(choose)}</div>'),
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
        return self.feedback.run(self._compare, busy=self.t._("Comparing…"))

    def _compare(self) -> Overlap:
        t = self.t
        chosen = check_choice(self.chosen(), t)
        overlap = compute_overlap(self.app.evaluator(), chosen, self.app.instant())
        names = overlap.labels()
        sets = list(names.values())
        intersections = [(frozenset(names[s] for s in members), n) for members, n in overlap.intersections()]
        shared = {(names[a], names[b]): overlap.shared(a, b) for a in overlap.segment_ids for b in overlap.segment_ids}
        sizes = {names[s]: overlap.size(s) for s in overlap.segment_ids}
        filename = "overlap-" + "-".join(overlap.segment_ids)
        from workbench import charts  # imported on first use: see chart_panel

        self.upset.show(
            lambda: charts.upset_chart(sets, intersections, title=t._("Contacts in exactly these segments"), t=t),
            filename,
        )
        self.heatmap.show(
            lambda: charts.pairwise_heatmap(sets, shared, sizes, title=t._("Members shared by two segments"), t=t),
            filename + "-pairs",
        )
        union = t.ngettext(
            "{contacts} in at least one of the {n} segments",
            "{contacts} in at least one of the {n} segments",
            len(sets),
            contacts=t.contacts(overlap.union_size),
        )
        as_of = t._("as of {time}", time=t.when(overlap.as_of))
        self.summary.value = f'{html.escape(union)} <span class="wb-muted">· {html.escape(as_of)}</span>'
        self.reach.value = reach_table(overlap, t)
        self.result = overlap
        return overlap
