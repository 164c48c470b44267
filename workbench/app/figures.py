"""What the library shows for each saved segment: its members now, how many each channel
reaches, and a small trend of its size.

- **Members and reach, in one query**: every segment's members come from one shared pass
  (``CompileContext.many``: ``events`` read once for all of them), joined once to ``contacts``;
  one aggregate counts, per segment, its members and the members each channel reaches by
  the send gate's own rule (``workbench.app.channels.reach_rule``), so that the numbers
  are the ones a send would use.
- **Trend**: the size now and at the same time of day 1, 2, 3 and 4 weeks ago. Points
  the membership history of a tracked segment covers are read from it (what the watcher
  saw); the others are evaluated at their instant, all segments at once (one query per
  instant, the SQL compiled once and reused: the template cache); now is the count above.

A segment that cannot be evaluated (it names a field or list that no longer exists) gets
its reason instead of figures. If the one query fails as a whole, each segment is counted
alone, so that one broken segment cannot blank the library.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import ibis.expr.types as ir

from workbench.app.channels import CHANNELS, Reach, reach_rule
from workbench.app.evaluate import Evaluator
from workbench.app.history import recorded_sizes
from workbench.errors import WorkbenchError
from workbench.expr.rules import Segment
from workbench.expr.validate import validate
from workbench.i18n import Texts
from workbench.widgets.live import stopping

log = logging.getLogger(__name__)

TREND_WEEKS = 4


@dataclass(frozen=True)
class SegmentFigures:
    """A segment's figures at ``as_of``, or why it could not be counted (``problem``)."""

    members: int | None
    reach: Mapping[str, int] | None = None  # channel -> reachable members; None without the send package
    trend: tuple[tuple[datetime, int], ...] = ()  # oldest first; the last point is as_of
    problem: str | None = None


def trend_instants(as_of: datetime) -> list[datetime]:
    """The trend's instants, oldest first, ``as_of`` last."""
    return [as_of - timedelta(weeks=back) for back in range(TREND_WEEKS, -1, -1)]


def library_figures(
    evaluator: Evaluator,
    segment_ids: Iterable[str],
    as_of: datetime,
    *,
    trend: bool = True,
    t: Texts | None = None,
) -> dict[str, SegmentFigures]:
    """The figures of the given saved segments at ``as_of`` (see the module doc); why a
    segment cannot be counted is written in ``t``'s language (default English)."""
    figures: dict[str, SegmentFigures] = {}
    chosen: dict[str, Segment] = {}
    for sid in segment_ids:
        try:
            segment = evaluator.segment(sid)
            validate(segment, evaluator.catalog, evaluator.library.__getitem__)
            chosen[sid] = segment
        except WorkbenchError as exc:
            figures[sid] = SegmentFigures(None, problem=exc.render(t))
    reach = reach_rule(evaluator.catalog, as_of, evaluator.workspace.dialect)
    try:
        now = members_and_reach(evaluator, chosen, as_of, reach)
    except Exception:
        if stopping():  # interrupted at exit: no point in counting each segment
            raise
        log.exception("counting the library in one query failed; counting each segment alone")
        now = {}
        for sid, segment in chosen.items():
            try:
                now.update(members_and_reach(evaluator, {sid: segment}, as_of, reach))
            except Exception as exc:
                figures[sid] = SegmentFigures(None, problem=f"{type(exc).__name__}: {exc}")
    counted = {sid: chosen[sid] for sid in now}
    sizes = size_trend(evaluator, counted, as_of, {sid: members for sid, (members, _) in now.items()}) if trend else {}
    for sid, (members, by_channel) in now.items():
        figures[sid] = SegmentFigures(members, by_channel, sizes.get(sid, ()))
    return figures


def members_and_reach(
    evaluator: Evaluator, segments: Mapping[str, Segment], as_of: datetime, reach: Reach | None
) -> dict[str, tuple[int, dict[str, int] | None]]:
    """Members of each segment at ``as_of`` and, per channel, how many of them ``reach``
    lets through: one query."""
    if not segments:
        return {}
    keys = {f"s{i}": sid for i, sid in enumerate(segments)}

    def build(con) -> ir.Table:
        base = evaluator.members_with_contacts(con, {key: segments[sid] for key, sid in keys.items()}, as_of)
        # Each contact's reach is computed once (a column per channel), then summed per segment.
        flags = base.select(
            **{key: base[key].fill_null(False) for key in keys},
            **({f"reach_{c}": reach(base, c) for c in CHANNELS} if reach else {}),
        )
        counts: dict[str, ir.Value] = {}
        for key in keys:
            counts[key] = flags[key].ifelse(1, 0).sum()
            if reach:
                for channel in CHANNELS:
                    counts[f"{key}_{channel}"] = (flags[key] & flags[f"reach_{channel}"]).ifelse(1, 0).sum()
        return flags.aggregate(**counts)

    row = evaluator.workspace.query(build).iloc[0]

    def number(column: str) -> int:
        value = row[column]
        return 0 if value is None or value != value else int(value)  # SUM over no rows is NULL (NaN in pandas)

    return {
        sid: (number(key), {c: number(f"{key}_{c}") for c in CHANNELS} if reach else None) for key, sid in keys.items()
    }


def size_trend(
    evaluator: Evaluator, segments: Mapping[str, Segment], as_of: datetime, members_now: Mapping[str, int]
) -> dict[str, tuple[tuple[datetime, int], ...]]:
    """Each segment's size at the trend's instants: from membership history where it has
    the point, else evaluated (one query per instant for all the segments); at ``as_of``,
    ``members_now`` when history does not have it."""
    instants = trend_instants(as_of)
    known: dict[str, dict[datetime, int]] = {}
    for sid in segments:
        recorded = recorded_sizes(evaluator, sid, instants)
        known[sid] = {t: n for t, n in zip(instants, recorded, strict=True) if n is not None}
        known[sid].setdefault(as_of, members_now[sid])
    for instant in instants:
        missing = {sid: segment for sid, segment in segments.items() if instant not in known[sid]}
        if missing:
            for sid, members in evaluator.counts(missing, instant).items():
                known[sid][instant] = members
    return {sid: tuple((t, known[sid][t]) for t in instants) for sid in segments}
