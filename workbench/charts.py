"""Altair charts of segments, rendered without internet access.

Altair's default renderer loads Vega's JavaScript from a CDN, which a browser behind a
firewall cannot reach. These charts are instead rendered to SVG (and PNG for downloads)
on the server by vl-convert, which embeds Vega, so a page only has to show an ``<svg>``.

The chart builders take plain data (names and counts), not workbench objects, so they can
be used from any notebook:

>>> chart = size_over_time_chart("VIP customers", [("2026-11-29", 70), ("2026-11-30", 71)])
>>> to_svg(chart).startswith("<svg")
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

import altair as alt
import pandas as pd
import vl_convert

from workbench.i18n import DEFAULT_LOCALE, Texts, texts
from workbench.i18n.formats import vega_locales

# Members of an intersection, of the pairwise cell's row segment, and reachable contacts.
MEMBER_COLOR = "#3949ab"
ABSENT_COLOR = "#e0e0e0"
HEAT_SCHEME = "blues"
WIDTH = 560

# The Vega-Lite version Altair writes specs for ("v6.4.1" → "6.4"), which vl-convert must use.
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def upset_chart(
    sets: Sequence[str],
    intersections: Sequence[tuple[frozenset[str], int]],
    *,
    title: str | None = None,
    t: Texts | None = None,
) -> alt.VConcatChart:
    """An UpSet chart: one bar per exclusive intersection (the contacts in exactly those
    sets), over a dot matrix saying which sets the intersection is made of.

    ``intersections`` are ``(set names, contacts)``; they are drawn largest first.
    """
    t = t or texts()
    only_in, contacts = t._("only in"), t._("contacts")
    ranked = sorted(intersections, key=lambda item: (-item[1], sorted(item[0])))
    labels = [" ∩ ".join(name for name in sets if name in members) for members, _ in ranked]
    bars = pd.DataFrame(
        {"rank": range(len(ranked)), "contacts": [count for _, count in ranked], "intersection": labels}
    )
    dots = pd.DataFrame(
        [
            {"rank": rank, "set": name, "member": name in members, "intersection": labels[rank]}
            for rank, (members, _) in enumerate(ranked)
            for name in sets
        ]
    )
    x = alt.X("rank:O", axis=None, scale=alt.Scale(domain=list(range(len(ranked)))))
    tooltip = [alt.Tooltip("intersection:N", title=only_in), alt.Tooltip("contacts:Q", format=",", title=contacts)]
    top = alt.Chart(bars).encode(x=x, y=alt.Y("contacts:Q", title=contacts), tooltip=tooltip)
    bar_chart = (
        top.mark_bar(color=MEMBER_COLOR) + top.mark_text(dy=-6, fontSize=11).encode(text="contacts:Q")
    ).properties(width=WIDTH, height=180)
    y = alt.Y("set:N", sort=list(sets), title=None)
    matrix_base = alt.Chart(dots).encode(x=x, y=y)
    circles = matrix_base.mark_circle(size=140, opacity=1).encode(
        color=alt.condition("datum.member", alt.value(MEMBER_COLOR), alt.value(ABSENT_COLOR)),
        tooltip=[alt.Tooltip("intersection:N", title=only_in)],
    )
    # The line joining an intersection's sets, drawn between its members only.
    links = (
        matrix_base.transform_filter("datum.member")
        .mark_line(color=MEMBER_COLOR, strokeWidth=2)
        .encode(detail="rank:O")
    )
    matrix = (links + circles).properties(width=WIDTH, height=28 * len(sets))
    return alt.vconcat(bar_chart, matrix, spacing=4).properties(title=title or t._("Overlap"))


def pairwise_heatmap(
    sets: Sequence[str],
    shared: Mapping[tuple[str, str], int],
    sizes: Mapping[str, int],
    *,
    title: str | None = None,
    t: Texts | None = None,
) -> alt.LayerChart:
    """How many members of the row's set are also in the column's set, and what share of
    the row's set that is (the diagonal is the set's size, 100 %)."""
    t = t or texts()
    rows = []
    for row in sets:
        for column in sets:
            count = shared[(row, column)]
            share = count / sizes[row] if sizes[row] else 0.0
            rows.append({"members of": row, "also in": column, "contacts": count, "share": share})
    data = pd.DataFrame(rows)
    data["label"] = [f"{t.number(c)} ({t.percent(s)})" for c, s in zip(data["contacts"], data["share"], strict=True)]
    members_of, also_in = t._("members of"), t._("also in")
    base = alt.Chart(data).encode(
        x=alt.X("also in:N", sort=list(sets), axis=alt.Axis(labelAngle=-30), title=also_in),
        y=alt.Y("members of:N", sort=list(sets), title=members_of),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "share:Q",
            scale=alt.Scale(scheme=HEAT_SCHEME, domain=[0, 1]),
            legend=alt.Legend(format="%"),
            title=t._("share"),
        ),
        tooltip=[
            alt.Tooltip("members of:N", title=members_of),
            alt.Tooltip("also in:N", title=also_in),
            alt.Tooltip("contacts:Q", format=",", title=t._("contacts")),
            alt.Tooltip("share:Q", format=".1%", title=t._("share")),
        ],
    )
    # Dark cells need light text to stay readable.
    text = base.mark_text(fontSize=11).encode(
        text="label:N", color=alt.condition("datum.share > 0.6", alt.value("white"), alt.value("black"))
    )
    side = max(60 * len(sets), 180)
    return (cells + text).properties(width=side, height=side, title=title or t._("Shared members"))


def size_over_time_chart(
    name: str,
    points: Sequence[tuple[datetime | date | str, int]],
    *,
    title: str | None = None,
    t: Texts | None = None,
) -> alt.LayerChart:
    """A segment's size at each point in time, as a line with a dot per evaluation."""
    t = t or texts()
    contacts = t._("contacts")
    data = pd.DataFrame({"time": [pd.Timestamp(t) for t, _ in points], "contacts": [n for _, n in points]})
    base = alt.Chart(data).encode(
        # titled for what reads the points aloud, not on the axis (the dates say what it is)
        x=alt.X("time:T", title=t._("time"), axis=alt.Axis(format="%d %b", title=None)),
        y=alt.Y("contacts:Q", scale=alt.Scale(zero=True), title=contacts),
        tooltip=[
            alt.Tooltip("time:T", format="%Y-%m-%d %H:%M", title=t._("time")),
            alt.Tooltip("contacts:Q", format=",", title=contacts),
        ],
    )
    chart = base.mark_line(color=MEMBER_COLOR) + base.mark_point(color=MEMBER_COLOR, filled=True)
    return chart.properties(width=WIDTH, height=240, title=title or t._("{name}: size over time", name=name))


def _locales(locale: str) -> dict:
    """vl-convert's number and time locales for ``locale`` (none: Vega's English)."""
    if locale == DEFAULT_LOCALE:
        return {}
    number, time = vega_locales(locale)
    # Vega writes its default descriptions of marks and axes in English only: rather than
    # read English to someone who chose another language, leave them out (titles, the
    # summaries and tables beside each chart say what it shows)
    return {"format_locale": number, "time_format_locale": time, "config": {"aria": False}}


def to_svg(chart: alt.TopLevelMixin, locale: str = DEFAULT_LOCALE) -> str:
    """The chart as an SVG document, rendered here without any network access; numbers and
    dates written the ``locale``'s way."""
    return vl_convert.vegalite_to_svg(
        chart.to_dict(), vl_version=VEGA_LITE_VERSION, allowed_base_urls=[], **_locales(locale)
    )


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0, locale: str = DEFAULT_LOCALE) -> bytes:
    """The chart as PNG (``scale`` 2 for sharp images in slides and reports)."""
    return vl_convert.vegalite_to_png(
        chart.to_dict(), vl_version=VEGA_LITE_VERSION, scale=scale, allowed_base_urls=[], **_locales(locale)
    )
