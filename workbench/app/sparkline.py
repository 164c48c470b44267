"""A segment's size trend as a tiny inline SVG line, with its change in words.

Drawn by hand rather than with Altair: a sparkline is a dozen numbers, and the library
shows one per segment at first paint, before the charting libraries are loaded.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

from workbench.i18n import Texts, texts

WIDTH, HEIGHT, PAD = 72, 22, 2


def change_text(points: Sequence[tuple[datetime, int]], t: Texts | None = None) -> str:
    """``"+12 (+4%)"``, ``"−3 (−1%)"`` or ``"no change"`` from the first point to the last."""
    t = t or texts()
    first, last = points[0][1], points[-1][1]
    delta = last - first
    if delta == 0:
        return t._("no change")
    sign = "+" if delta > 0 else "−"
    share = f" ({sign}{t.percent(abs(delta) / first)})" if first else ""
    return f"{sign}{t.number(abs(delta))}{share}"


def sparkline(points: Sequence[tuple[datetime, int]], t: Texts | None = None) -> str:
    """An ``<svg>`` line of the sizes (scaled to their own range) with a title giving every
    point, then the change since the first point; empty without points."""
    if not points:
        return ""
    t = t or texts()
    sizes = [n for _, n in points]
    low, high = min(sizes), max(sizes)
    span = (high - low) or 1
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    coordinates = " ".join(
        f"{PAD + i * step:.1f},{HEIGHT - PAD - (n - low) / span * (HEIGHT - 2 * PAD):.1f}" for i, n in enumerate(sizes)
    )
    detail = "; ".join(f"{t.when(instant)}: {t.number(n)}" for instant, n in points)
    change = change_text(points, t)
    days = round((points[-1][0] - points[0][0]).total_seconds() / 86400)
    trend = "up" if sizes[-1] > sizes[0] else "down" if sizes[-1] < sizes[0] else "flat"
    label = t.ngettext(
        "size over the last {n} day: {change}", "size over the last {n} days: {change}", days, change=change
    )
    return (
        f'<span class="wb-trend wb-trend-{trend}" title="{html.escape(detail)}">'
        f'<svg class="wb-spark" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{html.escape(label)}">'
        f'<polyline points="{coordinates}" fill="none" stroke="currentColor" stroke-width="1.5" '
        'stroke-linejoin="round" stroke-linecap="round"/></svg>'
        f'<span class="wb-trend-change">{html.escape(change)}</span></span>'
    )
