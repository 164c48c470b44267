"""A campaign's results as Altair charts: the recipients' funnel, and the lift with its interval.

Render them offline with :func:`workbench.charts.to_svg` (vl-convert, no network).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from workbench.i18n import N_, Texts, texts
from workbench.results.report import CampaignResults

# what the charts' axes name, in English; shown in the chart's language
LABELS = {
    "sent": N_("sent"),
    "delivered": N_("delivered"),
    "opened": N_("opened"),
    "clicked": N_("clicked"),
    "converted": N_("converted"),
    "recipients": N_("recipients"),
    "holdout": N_("holdout"),
    "difference": N_("difference"),
}

WIDTH = 520
RECIPIENT_COLOR = "#4c78a8"
HOLDOUT_COLOR = "#9d9d9d"


def funnel_chart(results: CampaignResults, t: Texts | None = None) -> alt.Chart:
    """Contacts at each step (sent, delivered, opened, clicked, converted) of the recipients,
    with the holdout's converted contacts beside the last step; words in ``t``'s language."""
    t = t or texts()
    label = lambda word: t._(LABELS[word])  # noqa: E731
    funnel = results.funnel()
    rows = [
        {"step": label(r.step), "group": label("recipients"), "contacts": int(r.recipients)}
        for r in funnel.itertuples()
    ]
    converted = funnel[funnel["step"] == "converted"].iloc[0]
    rows.append({"step": label("converted"), "group": label("holdout"), "contacts": int(converted["holdout"])})
    data = pd.DataFrame(rows)
    steps = [label(step) for step in funnel["step"]]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("step:N", sort=steps, title=None),
            yOffset=alt.YOffset("group:N"),
            x=alt.X("contacts:Q", title=t._("contacts")),
            color=alt.Color(
                "group:N",
                scale=alt.Scale(domain=[label("recipients"), label("holdout")], range=[RECIPIENT_COLOR, HOLDOUT_COLOR]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("step:N", title=t._("step")),
                alt.Tooltip("group:N", title=t._("group")),
                alt.Tooltip("contacts:Q", format=",", title=t._("contacts")),
            ],
        )
        .properties(width=WIDTH, height=220, title=t._("{campaign}: funnel", campaign=results.campaign.campaign_id))
    )


def lift_chart(results: CampaignResults, t: Texts | None = None) -> alt.LayerChart:
    """Each group's conversion rate, and the difference with its 95% interval against zero;
    words in ``t``'s language."""
    t = t or texts()
    lift = results.lift
    rows = [
        {"what": t._(LABELS["recipients"]), "rate": lift.recipient_rate or 0.0, "low": None, "high": None},
        {"what": t._(LABELS["holdout"]), "rate": lift.holdout_rate or 0.0, "low": None, "high": None},
    ]
    if lift.difference_ci is not None:
        low, high = lift.difference_ci
        rows.append({"what": t._(LABELS["difference"]), "rate": lift.difference, "low": low, "high": high})
    data = pd.DataFrame(rows)
    order = [r["what"] for r in rows]
    base = alt.Chart(data).encode(y=alt.Y("what:N", sort=order, title=None))
    points = base.mark_point(filled=True, size=80, color=RECIPIENT_COLOR).encode(
        x=alt.X("rate:Q", axis=alt.Axis(format="%"), title=t._("conversion rate; difference with its 95% interval")),
        tooltip=[alt.Tooltip("what:N", title=t._("group")), alt.Tooltip("rate:Q", format=".2%", title=t._("rate"))],
    )
    interval = (
        base.transform_filter(alt.datum.low != None)  # noqa: E711 - a Vega expression, not Python
        .mark_rule(strokeWidth=3, color=RECIPIENT_COLOR)
        .encode(x="low:Q", x2="high:Q")
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4], color="#666").encode(x="x:Q")
    title = t._("{campaign}: {verdict}", campaign=results.campaign.campaign_id, verdict=t._(lift.verdict))
    return (interval + points + zero).properties(width=WIDTH, height=120, title=title)
