"""A segment's size at daily points in the past, evaluated as it was at each point.

Each point is the segment evaluated at an earlier instant (windows, sequences and the
contacts that existed then all move with it), so the line is what the count would have
said on that day. The points are counted in one query that reads ``events`` once: every
event condition at every point is one aggregate of a single ``group_by`` per contact,
and each point's count is a sum over the contacts (``Compiler.compile_instants``). A
segment with a sequence, or without event conditions, is instead counted at each point by
its own sub-query (the segment's SQL template filled with each instant), unioned into one
query: a sequence is a self-join per point either way (and compiling 31 of them into one
expression costs Ibis seconds), and attribute rules scan only ``contacts``, which 31
small queries do faster than one wide one. The points are exact: each equals the count
at its instant.

For a tracked segment the points the watcher's membership history covers are read from it
instead (see ``workbench.triggers``): no re-evaluation, and what the watcher saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from workbench.app.evaluate import Evaluator
from workbench.errors import WorkbenchError
from workbench.expr.inline import inline
from workbench.expr.rules import Event, Segment, Sequence
from workbench.expr.wrap import counts_of

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
    """The segment's size at ``as_of`` and at daily points over the ``days`` before. A point
    the watcher's membership history covers (a tracked segment) is read from it; the others
    are evaluated, all in one query."""
    instants = daily_instants(as_of, days)
    segment = evaluator.segment(segment_id)
    counts = dict(zip(instants, recorded_sizes(evaluator, segment_id, instants), strict=True))
    missing = [t for t, n in counts.items() if n is None]
    if missing:
        counts |= _evaluated(evaluator, segment, missing)
    return SizeHistory(segment_id, segment.name, tuple((t, counts[t]) for t in instants))


def recorded_sizes(evaluator: Evaluator, segment_id: str, instants: list[datetime]) -> list[int | None]:
    """Sizes from the membership history of a tracked segment (None where it has none)."""
    try:
        from workbench.triggers.membership import sizes
    except ImportError:  # the trigger package's dependencies (the send extra) are not installed
        return [None] * len(instants)
    return sizes(evaluator.workspace, segment_id, instants)


def _evaluated(evaluator: Evaluator, segment: Segment, instants: list[datetime]) -> dict[datetime, int]:
    """The segment evaluated at each instant, in one query."""
    nodes = list(inline(segment.rule, evaluator.library.__getitem__).walk())
    if any(isinstance(node, Sequence) for node in nodes) or not any(isinstance(node, Event) for node in nodes):
        result = evaluator.workspace.query(counts_of([evaluator.segment_sql(segment, t) for t in instants]))
        by_point = {int(row["point"]): int(row["n"]) for row in result.to_dict("records")}
        return {t: by_point[i] for i, t in enumerate(instants)}
    last = instants[-1]
    row = evaluator.workspace.query(evaluator.instants_sql(segment, last, tuple(last - t for t in instants))).iloc[0]
    return {t: int(0 if pd.isna(row[f"n{i}"]) else row[f"n{i}"]) for i, t in enumerate(instants)}
