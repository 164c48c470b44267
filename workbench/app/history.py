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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from workbench.app.evaluate import Evaluator
from workbench.errors import WorkbenchError
from workbench.expr.compile import inline
from workbench.expr.rules import Event, Sequence

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
    segment = evaluator.segment(segment_id)
    nodes = list(inline(segment.rule, evaluator.library.__getitem__).walk())
    if any(isinstance(node, Sequence) for node in nodes) or not any(isinstance(node, Event) for node in nodes):
        parts = [
            f"SELECT {i} AS point, COUNT(*) AS n FROM (\n{evaluator.segment_sql(segment, instant)}\n) AS point{i}"
            for i, instant in enumerate(instants)
        ]
        result = evaluator.workspace.query("\nUNION ALL\n".join(parts))
        counts = {int(row["point"]): int(row["n"]) for row in result.to_dict("records")}
    else:
        sql = evaluator.instants_sql(segment, as_of, tuple(as_of - instant for instant in instants))
        row = evaluator.workspace.query(sql).iloc[0]
        counts = {i: int(0 if pd.isna(row[f"n{i}"]) else row[f"n{i}"]) for i in range(len(instants))}
    points = tuple((instant, counts[i]) for i, instant in enumerate(instants))
    return SizeHistory(segment_id, segment.name, points)
