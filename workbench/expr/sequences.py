"""Sequences compiled: the contacts whose events follow the steps in order (SPEC §3.3).

Positive sequences are keyed self-joins of each step's events (or, for one step repeated
within reach of its window, a count of them); "A, then no B" is the latest A per contact
and key, anti-joined with the B events that followed it. Each function takes the compiler
of the instant, whose ``step_events`` read a step's stitched events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis.expr.types as ir

from workbench.expr.rules import Last, Sequence, Step
from workbench.expr.template import Span
from workbench.expr.timeutil import Duration

if TYPE_CHECKING:  # the compiler calls these for its Sequence nodes
    from workbench.expr.compile import Compiler


def members(c: Compiler, seq: Sequence) -> ir.Column:
    """The ``cid`` of every contact the sequence holds for (a semi-join's column)."""
    if seq.is_negated:
        return abandoned(c, seq)
    if repeats_in_reach(seq):
        return repeated(c, seq)
    span = c.window_span(seq.window)
    within = Duration.parse(seq.within) if seq.within else None
    steps = [
        c.step_events(step, span, seq.match_on).rename(lambda col, i=i: f"{col}_{i}")
        for i, step in enumerate(seq.steps)
    ]
    chain = steps[0]
    for i in range(1, len(steps)):
        nxt = steps[i]
        preds = [chain.cid_0 == nxt[f"cid_{i}"], nxt[f"ts_{i}"] >= chain[f"ts_{i - 1}"]]
        preds += [nxt[f"event_id_{i}"] != chain[f"event_id_{j}"] for j in range(i)]
        if seq.match_on is not None:
            preds.append(nxt[f"key_{i}"] == chain.key_0)
        if within is not None:
            preds.append(nxt[f"ts_{i}"] <= c.shift(chain.ts_0, within))
        chain = chain.join(nxt, preds)
    return chain.cid_0


def repeated(c: Compiler, seq: Sequence) -> ir.Column:
    """The same step n times, where any n events of the window are within reach of each
    other: n distinct events of the window (per key) suffice, in time order."""
    e = c.step_events(seq.steps[0], c.window_span(seq.window), seq.match_on)
    per = e.group_by(["cid", "key"] if seq.match_on is not None else ["cid"]).aggregate(n=e.count())
    return per.filter(per.n >= len(seq.steps)).cid


def abandoned(c: Compiler, seq: Sequence) -> ir.Column:
    """ "A, then no B": the contacts whose latest A (per key) no B followed."""
    first, negated = seq.steps
    keyed = seq.match_on is not None
    group = ["cid", "key"] if keyed else ["cid"]
    span = c.window_span(seq.window)
    starts = c.step_events(first, span, seq.match_on)
    # an event cancels itself only when both steps name the same event
    same_event = first.event == negated.event
    last = latest(starts, group) if same_event else starts.group_by(group).aggregate(ts=starts.ts.max())
    last = last.filter(last.ts <= c.ts(c.before(seq.within) if seq.within else c.now))
    # a cancelling event is no earlier than its start, so no earlier than the window
    later = None if span.start is None else Span(span.start, span.start_inclusive)
    after = c.step_events(Step(negated.event, negated.where), later, seq.match_on)
    after = after.rename(lambda col: f"b_{col}")
    preds = [last.cid == after.b_cid, after.b_ts >= last.ts]
    if same_event:
        preds.append(after.b_event_id != last.event_id)
    if keyed:
        preds.append(last.key == after.b_key)
    return last.anti_join(after, preds).cid


def repeats_in_reach(seq: Sequence) -> bool:
    """Whether a positive sequence repeats one step and its window is no longer than its
    ``within`` (or it has no ``within``), so that any events of the window chain."""
    if len({(step.event, step.where) for step in seq.steps}) != 1:
        return False
    if seq.within is None:
        return True
    within = Duration.parse(seq.within)
    if not isinstance(seq.window, Last) or within.is_calendar:
        return False
    window = Duration.parse(seq.window.duration)
    return not window.is_calendar and window.seconds <= within.seconds


def latest(events: ir.Table, group: list[str]) -> ir.Table:
    """Each group's latest event (largest ``ts``, then largest ``event_id``).

    Grouped aggregates rather than a ranked window, so that query planners estimate one
    row per group instead of one row in all.
    """
    last = events.group_by(group).aggregate(last_ts=events.ts.max())
    on = [events[g] == last[g] for g in group] + [events.ts == last.last_ts]
    ties = events.join(last, on).select(*group, "ts", "event_id")
    return ties.group_by([*group, "ts"]).aggregate(event_id=ties.event_id.max())
