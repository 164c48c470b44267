"""The results tab: every campaign with its key rates, and one campaign's funnel and lift
(charts rendered on the server, no CDN) with its numbers as a CSV download, in the page's
language.

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
from workbench.errors import WorkbenchError
from workbench.expr.describe import LAST, describe_duration
from workbench.results.lift import MIN_EACH, TOO_SMALL
from workbench.widgets.nodeview import set_options

if TYPE_CHECKING:
    from workbench.app.shell import SegmentsApp
    from workbench.i18n import Texts
    from workbench.results import CampaignResults


def _pct(t: Texts, value: float | None) -> str:
    return "–" if value is None else t.percent(value)


def _points(t: Texts, value: float) -> str:
    """A difference of rates in percentage points, signed: ``+1.25``."""
    return ("+" if value >= 0 else "−") + t.number(abs(value) * 100, 2)


def campaigns_table(results: list[CampaignResults], t: Texts) -> str:
    """One row per campaign: recipients, holdout, delivery, open, click and conversion rates, verdict."""
    if not results:
        none = t._("No campaign has sent yet.")
        return f'<div class="wb-muted">{html.escape(none)}</div>'
    rows = []
    for r in results:
        rec, hold = r.recipients, r.holdout
        verdict = t._(r.lift.verdict)
        rows.append(
            f'<tr class="wb-results-row"><td>{html.escape(r.campaign.campaign_id)}</td>'
            f"<td>{html.escape(r.campaign.channel)}</td>"
            f'<td class="wb-num">{t.number(rec.contacts)}</td><td class="wb-num">{t.number(hold.contacts)}</td>'
            f'<td class="wb-num">{_pct(t, rec.rates["open_rate"])}</td>'
            f'<td class="wb-num">{_pct(t, rec.rates["click_rate"])}</td>'
            f'<td class="wb-num">{_pct(t, rec.rates["conversion_rate"])}</td>'
            f'<td class="wb-num">{_pct(t, hold.rates["conversion_rate"])}</td>'
            f"<td>{html.escape(verdict)}</td></tr>"
        )
    heads = [
        (t._("Campaign"), ""),
        (t._("Channel"), ""),
        (t._("Recipients"), "wb-num"),
        (t._("Holdout"), "wb-num"),
        (t._("Opened"), "wb-num"),
        (t._("Clicked"), "wb-num"),
        (t._("Converted"), "wb-num"),
        (t._("Holdout converted"), "wb-num"),
        (t._("Lift"), ""),
    ]
    header = "".join(f'<th class="{css}">{html.escape(text)}</th>' for text, css in heads)
    return f'<table class="wb-table wb-results-list"><tr>{header}</tr>{"".join(rows)}</table>'


def summary_html(results: CampaignResults, t: Texts) -> str:
    """The campaign's verdict and lift in words."""
    lift, c = results.lift, results.campaign
    lines = []
    if lift.verdict == TOO_SMALL:
        lines.append(
            t._(
                "Each group needs at least {n} contacts who converted and {n} who did not before the"
                " difference can be read.",
                n=t.number(MIN_EACH),
            )
        )
    if lift.difference_ci is not None:
        low, high = lift.difference_ci
        lines.append(
            t._(
                "Conversion {recipients} of recipients against {holdout} of the holdout: difference {difference}"
                " percentage points (95% interval {low} to {high}).",
                recipients=_pct(t, lift.recipient_rate),
                holdout=_pct(t, lift.holdout_rate),
                difference=_points(t, lift.difference),
                low=_points(t, low),
                high=_points(t, high),
            )
        )
    lines.append(
        t._(
            "Conversions: {event} within {window} after the message; as of {instant}.",
            event=c.conversion_event,
            window=describe_duration(c.attribution, t, LAST),
            instant=t.when(results.as_of),
        )
    )
    sentences = "".join(f"<br>{html.escape(line)}" for line in lines)
    verdict = t._(lift.verdict)
    return f'<div class="wb-results-summary"><b>{html.escape(verdict)}</b>{sentences}</div>'


class ResultsView:
    """The results tab; ``show(campaign_id)`` is what its button calls (and tests call)."""

    def __init__(self, app: SegmentsApp) -> None:
        self.app = app
        self.t = t = app.t
        self.feedback = Feedback(t)
        self.table = widgets.HTML()
        self.campaign = widgets.Dropdown(description=t._("Campaign"), layout=widgets.Layout(width="420px"))
        show = widgets.Button(description=t._("Show results"), icon="bar-chart", button_style="primary")
        show.on_click(lambda _b: self.feedback.run(lambda: self.show(self.campaign.value)))
        self.summary = widgets.HTML()
        self.funnel = ChartPanel(t)
        self.lift = ChartPanel(t)
        self.download = widgets.HTML()
        self.results: CampaignResults | None = None
        note = t._("What each campaign achieved, and whether its holdout shows it changed anything.")
        self.widget = widgets.VBox(
            [
                widgets.HTML(f'<div class="wb-note">{html.escape(note)}</div>'),
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
        from workbench.results import many_results
        from workbench.send import list_campaigns

        ws = self.app.workspace
        every = many_results(ws, list_campaigns(ws), self.app.instant())
        sent = [r for r in every if r.rows]
        self.table.value = campaigns_table(sent, self.t)
        options = [(r.campaign.campaign_id, r.campaign.campaign_id) for r in sent]
        set_options(self.campaign, options, self.campaign.value or (options[0][1] if options else None))

    def show(self, campaign_id: str | None) -> CampaignResults:
        """Show ``campaign_id``'s funnel, lift and CSV."""
        from workbench.results import campaign_results
        from workbench.results.charts import funnel_chart, lift_chart

        t = self.t
        if not campaign_id:
            raise WorkbenchError(t._("Choose a campaign that has sent."))
        results = campaign_results(self.app.workspace, campaign_id, self.app.instant())
        self.results = results
        self.summary.value = summary_html(results, t)
        self.funnel.show(lambda: funnel_chart(results, t), f"{campaign_id}-funnel")
        self.lift.show(lambda: lift_chart(results, t), f"{campaign_id}-lift")
        # the CSV holds the API's names and numbers, to be read by programs (as the CLI's --json)
        self.download.value = download_link(
            to_csv(results.metrics()), f"{campaign_id}-results.csv", t._("Download CSV")
        )
        return results
