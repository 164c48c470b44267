"""A segment's size at daily points in the past, evaluated as it was at each point.

Each point is the segment evaluated at an earlier instant (windows, sequences and the
contacts that existed then all move with it), so the line is what the count would have
said on that day. The points are counted in one query: each evaluation is compiled,
counted and tagged with its day, and the counts are unioned. The compiler puts each
instant into the SQL as constants, so the query holds one sub-query per point; 31 points
is the bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from workbench.app.evaluate import Evaluator
from workbench.errors import WorkbenchError

DAYS = 30
MAX_DAYS = 90


@dataclass(frozen=True)
class SizeHistory:
    """``points`` are (instant, members), oldest first; the last one is ``as_of`` itself."""

    segment_id: str
    name: str
    points: tuple[tuple[datetime, int], ...]


def daily_instants(as_of: datetime, days: int = DAYS) -> list[datetime]:
    """``as_of`` and the same time of day on each of the ``days`` days before, oldest first."""
    if not 1 <= days <= MAX_DAYS:
        raise WorkbenchError(f"Size over time covers 1 to {MAX_DAYS} days, not {days}.")
    return [as_of - timedelta(days=back) for back in range(days, -1, -1)]


def size_history(evaluator: Evaluator, segment_id: str, as_of: datetime, days: int = DAYS) -> SizeHistory:
    """The segment's size at ``as_of`` and at daily points over the ``days`` before, in one query."""
    instants = daily_instants(as_of, days)
    parts = {f"day{i}": evaluator.members(segment_id, instant) for i, instant in enumerate(instants)}
    counts = evaluator.count_each(parts)
    points = tuple((instant, counts[f"day{i}"]) for i, instant in enumerate(instants))
    return SizeHistory(segment_id, evaluator.segment(segment_id).name, points)
