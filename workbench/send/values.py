"""Values the segment computed for each member, offered to templates as ``segment.<name>``.

A segment is a rule set, so "what" a member qualified with lives in its conditions: the
amount spent in the VIP rule, the cart left behind in the abandoned-cart sequence. For each
event condition the aggregate it compared (``segment.purchase_sum_amount``), and for each
"did A and then not B" sequence the latest such A event's columns
(``segment.add_to_cart.product_id``), are computed at the same instant as the segment, with
the compiler's own building blocks so they agree with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import ibis
import ibis.expr.types as ir

from workbench.expr import sequences
from workbench.expr.compile import Compiler
from workbench.expr.context import CompileContext
from workbench.expr.describe import describe
from workbench.expr.emptiness import ZERO_WHEN_EMPTY
from workbench.expr.rules import Event, Segment, Sequence, Step
from workbench.expr.timeutil import Duration
from workbench.store.schema import EVENTS

# Columns of the event a sequence value exposes (``segment.<first step>.<column>``).
EVENT_FIELDS = ("ts", "product_id", "category", "url", "amount", "currency", "quantity", "campaign_id")


@dataclass(frozen=True)
class SegmentValues:
    """An unbound table (``vcid`` + value columns) and what each template name means."""

    table: ir.Table | None
    scalars: dict[str, str] = field(default_factory=dict)  # name -> English meaning
    records: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> its fields
    zero_when_empty: tuple[str, ...] = ()  # counts and sums: 0, not null, for members without events

    @property
    def names(self) -> dict[str, object]:
        """The variable tree templates may use under ``segment``."""
        return {**dict.fromkeys(self.scalars), **{n: dict.fromkeys(f) for n, f in self.records.items()}}

    def nest(self, row: dict) -> dict:
        """A flat result row's value columns as the ``segment`` dict of the template context."""
        out: dict = {name: row.get(name) for name in self.scalars}
        for name, fields in self.records.items():
            out[name] = {f: row.get(f"{name}__{f}") for f in fields}
        return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate


def segment_values(segment: Segment, context: CompileContext, as_of: datetime, scoped: bool = False) -> SegmentValues:
    """The per-member values of ``segment``'s event conditions and negated sequences;
    ``scoped``: of the contacts listed in :data:`~workbench.schema.SCOPE_TABLE` only."""
    catalog = context.catalog
    compiler = context.compiler(as_of, scoped)
    rule = context.inline(segment)
    events = list(dict.fromkeys(n for n in rule.walk() if isinstance(n, Event)))
    sequences = list(dict.fromkeys(n for n in rule.walk() if isinstance(n, Sequence) and n.is_negated))
    taken: set[str] = set()
    scalars: dict[str, str] = {}
    records: dict[str, tuple[str, ...]] = {}
    parts: list[ir.Table] = []
    zeros: list[str] = []

    if events:
        columns = {}
        for cond in events:
            agg = cond.agg
            base = "_".join(cond.names or ("any",)) + f"_{agg.fn}" + (f"_{agg.property}" if agg.property else "")
            name = _unique(_slug(base), taken)
            columns[name] = cond
            scalars[name] = f"the {agg.fn} behind: {describe(cond, catalog)}"
            if agg.fn in ZERO_WHEN_EMPTY:
                zeros.append(name)
        span, names = None, set()
        for cond in events:
            if cond.names is None:
                names = None
                break
            names.update(cond.names)
        e = compiler.stitched_events(span, names)
        parts.append(
            e.group_by(vcid=e.cid).aggregate(
                **{name: compiler.event_aggregate(e, cond) for name, cond in columns.items()}
            )
        )

    for seq in sequences:
        name = _unique(_slug(seq.steps[0].event), taken)
        fields = EVENT_FIELDS + ((seq.match_on,) if seq.match_on and seq.match_on not in EVENT_FIELDS else ())
        records[name] = fields
        parts.append(_left_behind(compiler, seq, name, fields))

    if not parts:
        return SegmentValues(None)
    joined = parts[0]
    for part in parts[1:]:
        other = part.rename(vcid_other="vcid")
        joined = joined.outer_join(other, joined.vcid == other.vcid_other)
        joined = joined.mutate(vcid=ibis.coalesce(joined.vcid, joined.vcid_other)).drop("vcid_other")
    return SegmentValues(joined, scalars, records, tuple(zeros))


def _left_behind(compiler: Compiler, seq: Sequence, name: str, fields: tuple[str, ...]) -> ir.Table:
    """Each member's latest first-step event that no negated step followed (e.g. the cart
    abandoned), with its columns. Mirrors ``sequences.abandoned`` but keeps the event."""
    first, negated = seq.steps
    keyed = seq.match_on is not None
    group = ["cid", "key"] if keyed else ["cid"]
    starts = compiler.step_events(first, compiler.window_span(seq.window), seq.match_on)
    latest = sequences.latest(starts, group)
    within = Duration.parse(seq.within) if seq.within else Duration(0, "s")
    latest = latest.filter(latest.ts <= within.before(compiler.T, compiler.tz))
    after = compiler.step_events(Step(negated.event, negated.where), None, seq.match_on).rename(lambda c: f"b_{c}")
    preds = [latest.cid == after.b_cid, after.b_ts >= latest.ts, after.b_event_id != latest.event_id]
    if keyed:
        preds.append(latest.key == after.b_key)
    left = sequences.latest(latest.anti_join(after, preds), ["cid"])
    events = ibis.table(EVENTS, name="events")
    columns = {
        f"{name}__{f}": events[f]
        if f in EVENTS.names
        else compiler.prop_value(events, (first.event,), f).cast("string")
        for f in fields
    }
    picked = events.select(pick_id=events.event_id, **columns)
    joined = left.join(picked, left.event_id == picked.pick_id)
    return joined.select(vcid=joined.cid, **{c: joined[c] for c in columns})
