"""The results tab: every campaign with its key rates, and one campaign's funnel and lift
(charts rendered on the server, no CDN) with its numbers as a CSV download.

Everything goes through :mod:`workbench.results`, as the CLI and the notebook do, so the tab
shows the same numbers.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.app.chart_panel import ChartPanel, warm_up
from workbench.app.downloads import download_link
from workbench.app.feedback import Feedback
from workbench.app.lists import to_csv
from workbench.app.text import when
from workbench.errors import WorkbenchError
from workbench.widgets.nodeview import set_options

if TYPE_CHECKING:
    from workbench.app.shell import SegmentsApp
    from workbench.results import CampaignResults


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def campaigns_table(results: list[CampaignResults]) -> str:
    """One row per campaign: recipients, holdout, delivery, open, click and conversion rates, verdict."""
    if not results:
        return '<div class="wb-muted">No campaign has sent yet.</div>'
    rows = []
    for r in results:
        rec, hold = r.recipients, r.holdout
        rows.append(
            f'<tr class="wb-results-row"><td>{html.escape(r.campaign.campaign_id)}</td>'
            f"<td>{html.escape(r.campaign.channel)}</td>"
            f'<td class="wb-num">{rec.contacts:,}</td><td class="wb-num">{hold.contacts:,}</td>'
            f'<td class="wb-num">{_pct(rec.rates["open_rate"])}</td><td class="wb-num">{_pct(rec.rates["click_rate"])}</td>'
            f'<td class="wb-num">{_pct(rec.rates["conversion_rate"])}</td>'
            f'<td class="wb-num">{_pct(hold.rates["conversion_rate"])}</td>'
            f"<td>{html.escape(r.lift.verdict)}</td></tr>"
        )
    return (
        '<table class="wb-table wb-results-list"><tr><th>Campaign</th><th>Channel</th>'
        '<th class="wb-num">Recipients</th><th class="wb-num">Holdout</th><th class="wb-num">Opened</th>'
        '<th class="wb-num">Clicked</th><th class="wb-num">Converted</th><th class="wb-num">Holdout converted</th>'
        f"<th>Lift</th></tr>{''.join(rows)}</table>"
    )


def summary_html(results: CampaignResults) -> str:
    """The campaign's verdict and lift in words."""
    lift = results.lift
    lines = [f"<b>{html.escape(lift.verdict)}</b>: {html.escape(lift.explanation)}"]
    if lift.difference_ci is not None:
        low, high = lift.difference_ci
        lines.append(
            f"Conversion {_pct(lift.recipient_rate)} of recipients against {_pct(lift.holdout_rate)} of the holdout: "
            f"difference {lift.difference * 100:+.2f} points (95% interval {low * 100:+.2f} to {high * 100:+.2f})."
        )
    c = results.campaign
    lines.append(
        f"Conversions: {html.escape(c.conversion_event)} within {html.escape(c.attribution)} after the message; "
        f"as of {html.escape(when(results.as_of))}."
    )
    return '<div class="wb-results-summary">' + "<br>".join(lines) + "</div>"


class ResultsView:
    """The results tab; ``show(campaign_id)`` is what its button calls (and tests call)."""

    def __init__(self, app: SegmentsApp) -> None:
        self.app = app
        self.feedback = Feedback()
        self.table = widgets.HTML()
        self.campaign = widgets.Dropdown(description="Campaign", layout=widgets.Layout(width="420px"))
        show = widgets.Button(description="Show results", icon="bar-chart", button_style="primary")
        show.on_click(lambda _b: self.feedback.run(lambda: self.show(self.campaign.value)))
        self.summary = widgets.HTML()
        self.funnel = ChartPanel()
        self.lift = ChartPanel()
        self.download = widgets.HTML()
        self.results: CampaignResults | None = None
        self.widget = widgets.VBox(
            [
                widgets.HTML(
                    '<div class="wb-note">What each campaign achieved, and whether its holdout shows it '
                    "changed anything (docs/results.md).</div>"
                ),
                self.table,
                widgets.HBox([self.campaign, show]),
                self.feedback.widget,
                self.summary,
                self.funnel.widget,
                self.lift.widget,
                self.download,
            ]
        )
        self.widget.add_class("wb-results-view")
        warm_up()
        self.refresh()

    def refresh(self) -> None:
        """Read the campaigns again and their key rates at the app's instant."""
        from workbench.results import campaign_results
        from workbench.send import list_campaigns

        ws = self.app.workspace
        at = self.app.instant()
        every = [campaign_results(ws, c, at) for c in list_campaigns(ws)]
        sent = [r for r in every if r.rows]
        self.table.value = campaigns_table(sent)
        options = [(r.campaign.campaign_id, r.campaign.campaign_id) for r in sent]
        set_options(self.campaign, options, self.campaign.value or (options[0][1] if options else None))

    def show(self, campaign_id: str | None) -> CampaignResults:
        """Show ``campaign_id``'s funnel, lift and CSV."""
        from workbench.results import campaign_results
        from workbench.results.charts import funnel_chart, lift_chart

        if not campaign_id:
            raise WorkbenchError("Choose a campaign that has sent.")
        results = campaign_results(self.app.workspace, campaign_id, self.app.instant())
        self.results = results
        self.summary.value = summary_html(results)
        self.funnel.show(lambda: funnel_chart(results), f"{campaign_id}-funnel")
        self.lift.show(lambda: lift_chart(results), f"{campaign_id}-lift")
        self.download.value = download_link(to_csv(results.metrics()), f"{campaign_id}-results.csv", "Download CSV")
        return results
