"""The compiler: a segment and an instant T → one unbound Ibis table of member contact ids.

The plan (SPEC §4, docs/semantics.md):

- the universe is ``contacts`` created at or before T;
- every event condition of the segment, including those of referenced segments, becomes
  one conditional aggregate (``count(where=…)``, ``sum(where=…)``…) in a single
  ``group_by`` over the contact's stitched events, joined once to the universe;
- sequences and static lists become semi-joins (``isin``) on their own subqueries;
- the rule tree becomes one boolean expression over that wide table. Every condition is
  made two-valued (null → false) so ``not`` is the exact complement, and every negative
  operator is compiled as the complement of its positive twin.

Window bounds are computed here in Python from T with calendar arithmetic, so the SQL
compares with constants and every backend gives the same answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import reduce

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from workbench.errors import SegmentError
from workbench.expr.catalog import FIELD_DTYPES, Catalog
from workbench.expr.dialects import dialect_for
from workbench.expr.operators import ARRAY, DATE, NEGATIVE, NUMBER, STRING, TIMESTAMP
from workbench.expr.rules import (
    Ago,
    All,
    AnyOf,
    Attribute,
    Between,
    Event,
    InList,
    InSegment,
    Last,
    Not,
    Prop,
    Rule,
    Segment,
    Sequence,
    Since,
    Step,
    Value,
    Window,
)
from workbench.expr.timeutil import (
    Duration,
    anniversary_keys,
    day_start,
    is_date_text,
    local_date,
    parse_date,
    parse_instant,
    zone,
)
from workbench.store.schema import CONTACTS, EVENT_COLUMN_TYPES, EVENTS, IDENTITIES, LIST_MEMBERS

Resolver = Callable[[str], Segment]

ZERO_WHEN_EMPTY = ("count", "sum", "count_distinct", "distinct_days")


def contacts_schema(catalog: Catalog) -> ibis.Schema:
    """``contacts`` with the catalog's custom fields as extra typed columns."""
    extra = {f.name: FIELD_DTYPES[f.type] for f in catalog.custom_fields}
    return ibis.schema({**CONTACTS, **extra})


def tables(catalog: Catalog) -> dict[str, ir.Table]:
    """Unbound tables of the canonical schema; any backend holding them can run the result."""
    return {
        "contacts": ibis.table(contacts_schema(catalog), name="contacts"),
        "events": ibis.table(EVENTS, name="events"),
        "identities": ibis.table(IDENTITIES, name="identities"),
        "list_members": ibis.table(LIST_MEMBERS, name="wb_list_members"),
    }


@dataclass(frozen=True)
class Span:
    """A closed-open or closed range of instants; None bounds are open."""

    start: datetime | None = None
    start_inclusive: bool = True
    end: datetime | None = None
    end_inclusive: bool = True

    def contains(self, col: ir.TimestampValue) -> ir.BooleanValue:
        preds = []
        if self.start is not None:
            preds.append(col >= self.start if self.start_inclusive else col > self.start)
        if self.end is not None:
            preds.append(col <= self.end if self.end_inclusive else col < self.end)
        return reduce(lambda a, b: a & b, preds, ibis.literal(True))


class Compiler:
    """Compiles one segment at one instant. Use :func:`compile_segment`."""

    def __init__(
        self, catalog: Catalog, as_of: datetime, resolve: Resolver | None = None, dialect: str = "duckdb"
    ) -> None:
        if as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        self.catalog = catalog
        self.T = as_of.astimezone(UTC)
        self.tz = zone(catalog.timezone)
        self.resolve = resolve
        self.dialect = dialect_for(dialect)
        self.t = tables(catalog)
        self.event_columns: dict[Event, str] = {}

    # --- time -----------------------------------------------------------------------

    def instant(self, value: str | Ago) -> datetime:
        """A TIME as an instant (a date stands for its first local instant)."""
        if isinstance(value, Ago):
            return Duration.parse(value.duration).before(self.T, self.tz)
        if is_date_text(value):
            return day_start(parse_date(value), self.tz)
        return parse_instant(value)

    def day_end(self, value: str) -> datetime:
        """The first instant after the local day named by a date TIME."""
        return day_start(parse_date(value) + timedelta(days=1), self.tz)

    def local_day(self, value: str | Ago) -> date:
        if isinstance(value, str) and is_date_text(value):
            return parse_date(value)
        return local_date(self.instant(value), self.tz)

    def window_span(self, window: Window | None) -> Span:
        """Event times counted by a window, never past T."""
        if window is None:
            return Span(end=self.T)
        if isinstance(window, Last):
            return Span(Duration.parse(window.duration).before(self.T, self.tz), False, self.T)
        if isinstance(window, Since):
            return Span(self.instant(window.time), True, self.T)
        assert isinstance(window, Between)
        start = self.instant(window.start)
        if isinstance(window.end, str) and is_date_text(window.end):
            end, inclusive = self.day_end(window.end), False
        else:
            end, inclusive = self.instant(window.end), True
        if end > self.T or (end == self.T and not inclusive):
            end, inclusive = self.T, True
        return Span(start, True, end, inclusive)

    def shift(self, col: ir.TimestampValue, duration: Duration) -> ir.TimestampValue:
        """``col + duration``; months and years move the local calendar, as in Python."""
        if duration.is_calendar:
            return self.dialect.add_months(col, duration.months, self.catalog.timezone)
        return col + ibis.interval(seconds=duration.seconds)

    def local_date_of(self, col: ir.TimestampValue) -> ir.DateValue:
        return self.dialect.local_date(col, self.catalog.timezone)

    # --- comparisons ------------------------------------------------------------------

    def compare(self, col: ir.Value, type_: str, op: str, value: Value) -> ir.BooleanValue:
        """``col op value`` as a two-valued boolean (null → false)."""
        if op in NEGATIVE:
            return ~self.compare(col, type_, NEGATIVE[op], value)
        return self.positive(col, type_, op, value).fill_null(False)

    def positive(self, col: ir.Value, type_: str, op: str, value: Value) -> ir.BooleanValue:
        if op == "is_set":
            if type_ == STRING:
                return col.notnull() & (col != "")
            if type_ == ARRAY:
                return col.notnull() & (col.length() > 0)
            return col.notnull()
        if type_ in (DATE, TIMESTAMP):
            return self.temporal(col, type_, op, value)
        if op == "eq":
            return col == value
        if op == "in":
            return col.isin(list(value))
        if op in ("contains", "starts_with", "ends_with"):
            lowered, needle = col.lower(), str(value).lower()
            if op == "contains":
                return lowered.contains(needle)
            return lowered.startswith(needle) if op == "starts_with" else lowered.endswith(needle)
        if op in ("gt", "gte", "lt", "lte"):
            return {"gt": col > value, "gte": col >= value, "lt": col < value, "lte": col <= value}[op]
        if op == "between":
            return (col >= value[0]) & (col <= value[1])
        if op == "is_true":
            return col == True  # noqa: E712 - an Ibis comparison, not a Python one
        if op == "is_false":
            return col == False  # noqa: E712
        if op == "has":
            return col.contains(value)
        if op == "has_any":
            return reduce(lambda a, b: a | b, [col.contains(v) for v in value])
        if op == "has_all":
            return reduce(lambda a, b: a & b, [col.contains(v) for v in value])
        raise SegmentError.at("rule", f"operator {op!r} cannot be compiled for type {type_}")

    def temporal(self, col: ir.Value, type_: str, op: str, value: Value) -> ir.BooleanValue:
        if op == "anniversary_within_days":
            day = col if type_ == DATE else self.local_date_of(col)
            keys = anniversary_keys(local_date(self.T, self.tz), int(value))
            return (day.month() * 100 + day.day()).isin(keys)
        if op == "within_last":
            duration = Duration.parse(value)
            if type_ == DATE:
                low = local_date(duration.before(self.T, self.tz), self.tz)
                return (col > low) & (col <= local_date(self.T, self.tz))
            return (col > duration.before(self.T, self.tz)) & (col <= self.T)
        if type_ == DATE:
            return self.date_compare(col, op, value)
        return self.timestamp_compare(col, op, value)

    def date_compare(self, col: ir.DateValue, op: str, value: Value) -> ir.BooleanValue:
        if op == "between":
            return (col >= self.local_day(value[0])) & (col <= self.local_day(value[1]))
        day = self.local_day(value)
        return {"eq": col == day, "before": col < day, "after": col > day}[op]

    def timestamp_compare(self, col: ir.TimestampValue, op: str, value: Value) -> ir.BooleanValue:
        def whole_day(v: Value) -> bool:
            return isinstance(v, str) and is_date_text(v)

        if op == "between":
            lo, hi = value
            upper = col < self.day_end(hi) if whole_day(hi) else col <= self.instant(hi)
            return (col >= self.instant(lo)) & upper
        start = self.instant(value)
        if op == "before":
            return col < start
        if op == "after":
            return col >= self.day_end(value) if whole_day(value) else col > start
        if whole_day(value):
            return (col >= start) & (col < self.day_end(value))
        return col == start

    # --- events -----------------------------------------------------------------------

    def stitched_events(self, span: Span | None = None, names: set[str] | None = None) -> ir.Table:
        """Events up to T with ``cid``: their contact, or the contact their anonymous id links to."""
        e = self.t["events"]
        preds = [e.ts <= self.T]
        if span is not None and span.start is not None:
            preds.append(e.ts >= span.start if span.start_inclusive else e.ts > span.start)
        if names is not None:
            preds.append(e.name.isin(sorted(names)))
        e = e.filter(*preds)
        links = self.identity_links()
        joined = e.left_join(links, e.anonymous_id == links.link_anonymous_id)
        return joined.mutate(cid=ibis.coalesce(joined.contact_id, joined.link_contact_id)).filter(
            lambda t: t.cid.notnull()
        )

    def identity_links(self) -> ir.Table:
        """Each anonymous id's latest link: largest ``linked_at``, then largest ``contact_id``.

        Grouped aggregates rather than a ranked window, so that query planners estimate
        the result as one row per anonymous id.
        """
        ids = self.t["identities"]
        latest = ids.group_by("anonymous_id").aggregate(latest_at=ids.linked_at.max())
        ties = ids.join(latest, (ids.anonymous_id == latest.anonymous_id) & (ids.linked_at == latest.latest_at))
        return ties.group_by(link_anonymous_id=ties.anonymous_id).aggregate(link_contact_id=ties.contact_id.max())

    def prop_type(self, names: tuple[str, ...] | None, prop: str) -> str:
        type_ = self.catalog.property_type(names, prop)
        if type_ is None:
            raise SegmentError.at("rule", f"unknown event property {prop!r}")
        return type_

    def prop_value(self, e: ir.Table, names: tuple[str, ...] | None, prop: str) -> ir.Value:
        """An event column, or a ``properties`` key read as its catalogued type."""
        if prop in EVENT_COLUMN_TYPES:
            return e[prop]
        return self.dialect.json_value(e.properties, prop, self.prop_type(names, prop))

    def event_match(
        self, e: ir.Table, names: tuple[str, ...] | None, where: tuple[Prop, ...] | None
    ) -> ir.BooleanValue:
        preds = [] if names is None else [e.name.isin(list(names))]
        for prop in where or ():
            type_ = self.prop_type(names, prop.property)
            preds.append(self.compare(self.prop_value(e, names, prop.property), type_, prop.op, prop.value))
        return reduce(lambda a, b: a & b, preds, ibis.literal(True))

    def event_aggregate(self, e: ir.Table, cond: Event) -> ir.Value:
        names, agg = cond.names, cond.agg
        mask = self.event_match(e, names, cond.where) & self.window_span(cond.window).contains(e.ts)
        if agg.fn == "count":
            return e.event_id.count(where=mask)
        if agg.fn == "distinct_days":
            return self.local_date_of(e.ts).nunique(where=mask)
        if agg.fn in ("first_time", "last_time"):
            return self.dialect.aggregate(e.ts, "min" if agg.fn == "first_time" else "max", mask)
        value = self.prop_value(e, names, agg.property)
        if agg.fn == "count_distinct":
            return value.nunique(where=mask)
        if agg.fn == "sum":
            return value.sum(where=mask)  # over no events it is 0 on every engine once filled
        return self.dialect.aggregate(value, {"avg": "mean", "min": "min", "max": "max"}[agg.fn], mask)

    def aggregate_type(self, cond: Event) -> str:
        agg = cond.agg
        if agg.fn in ("first_time", "last_time"):
            return TIMESTAMP
        if agg.fn in ("min", "max"):
            return self.prop_type(cond.names, agg.property)
        return NUMBER

    def events_scan(self) -> tuple[Span | None, set[str] | None]:
        """The one range of times and names that covers every event condition."""
        spans = [self.window_span(c.window) for c in self.event_columns]
        starts = [s.start for s in spans]
        span = None if any(s is None for s in starts) else Span(min(starts), True, self.T)
        names: set[str] | None = set()
        for cond in self.event_columns:
            if cond.names is None:
                names = None
                break
            names.update(cond.names)
        return span, names

    # --- sequences ----------------------------------------------------------------------

    def step_events(self, step: Step, span: Span | None, match_on: str | None) -> ir.Table:
        e = self.stitched_events(span, {step.event})
        names = (step.event,)
        e = e.filter(self.event_match(e, names, step.where))
        if span is not None:
            e = e.filter(span.contains(e.ts))
        cols = {"cid": e.cid, "ts": e.ts, "event_id": e.event_id}
        if match_on is not None:
            cols["key"] = self.prop_value(e, names, match_on).cast(dt.string)
            return e.select(**cols).filter(lambda t: t.key.notnull())
        return e.select(**cols)

    def sequence_members(self, seq: Sequence) -> ir.Column:
        if seq.is_negated:
            return self.abandoned(seq)
        span = self.window_span(seq.window)
        within = Duration.parse(seq.within) if seq.within else None
        steps = [
            self.step_events(step, span, seq.match_on).rename(lambda c, i=i: f"{c}_{i}")
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
                preds.append(nxt[f"ts_{i}"] <= self.shift(chain.ts_0, within))
            chain = chain.join(nxt, preds)
        return chain.cid_0

    def abandoned(self, seq: Sequence) -> ir.Column:
        first, negated = seq.steps
        keyed = seq.match_on is not None
        group = ["cid", "key"] if keyed else ["cid"]
        starts = self.step_events(first, self.window_span(seq.window), seq.match_on)
        latest = _latest(starts, group)
        within = Duration.parse(seq.within) if seq.within else Duration(0, "s")
        latest = latest.filter(latest.ts <= within.before(self.T, self.tz))
        after = self.step_events(Step(negated.event, negated.where), None, seq.match_on)
        after = after.rename(lambda c: f"b_{c}")
        preds = [latest.cid == after.b_cid, after.b_ts >= latest.ts, after.b_event_id != latest.event_id]
        if keyed:
            preds.append(latest.key == after.b_key)
        return latest.anti_join(after, preds).cid

    # --- the tree -----------------------------------------------------------------------

    def inline(self, rule: Rule, stack: tuple[str, ...] = ()) -> Rule:
        """Replace ``in_segment`` references by the referenced rules (same T)."""
        if isinstance(rule, InSegment):
            if rule.segment in stack:
                raise SegmentError.at("rule", f"segment reference cycle: {' → '.join((*stack, rule.segment))}")
            if self.resolve is None:
                raise SegmentError.at("rule", f"cannot resolve segment {rule.segment!r}")
            return self.inline(self.resolve(rule.segment).rule, (*stack, rule.segment))
        if isinstance(rule, All):
            return All(tuple(self.inline(r, stack) for r in rule.rules))
        if isinstance(rule, AnyOf):
            return AnyOf(tuple(self.inline(r, stack) for r in rule.rules))
        if isinstance(rule, Not):
            return Not(self.inline(rule.rule, stack))
        return rule

    def predicate(self, rule: Rule, wide: ir.Table) -> ir.BooleanValue:
        if isinstance(rule, All):
            return reduce(lambda a, b: a & b, [self.predicate(r, wide) for r in rule.rules], ibis.literal(True))
        if isinstance(rule, AnyOf):
            return reduce(lambda a, b: a | b, [self.predicate(r, wide) for r in rule.rules], ibis.literal(False))
        if isinstance(rule, Not):
            return ~self.predicate(rule.rule, wide)
        if isinstance(rule, Attribute):
            field = self.catalog.fields[rule.field]
            return self.compare(wide[rule.field], field.type, rule.op, rule.value)
        if isinstance(rule, Event):
            col = wide[self.event_columns[rule]]
            if rule.agg.fn in ZERO_WHEN_EMPTY:
                col = col.fill_null(0)
            op, value = rule.comparison
            return self.compare(col, self.aggregate_type(rule), op, value)
        if isinstance(rule, Sequence):
            return wide.contact_id.isin(self.sequence_members(rule))
        if isinstance(rule, InList):
            members = self.t["list_members"]
            return wide.contact_id.isin(members.filter(members.list_id == rule.list_id).contact_id)
        raise SegmentError.at("rule", f"cannot compile rule node {type(rule).__name__}")

    def compile(self, rule: Rule) -> ir.Table:
        rule = self.inline(rule)
        for node in rule.walk():
            if isinstance(node, Event) and node not in self.event_columns:
                self.event_columns[node] = f"ev{len(self.event_columns)}"
        contacts = self.t["contacts"]
        wide = contacts.filter(contacts.created_at <= self.T)
        if self.event_columns:
            span, names = self.events_scan()
            e = self.stitched_events(span, names)
            per_contact = e.group_by(e.cid).aggregate(
                **{name: self.event_aggregate(e, cond) for cond, name in self.event_columns.items()}
            )
            joined = wide.left_join(per_contact, wide.contact_id == per_contact.cid)
            wide = joined.select(*[joined[c] for c in wide.columns], *[joined[n] for n in self.event_columns.values()])
        return wide.filter(self.predicate(rule, wide)).select("contact_id")


def _latest(events: ir.Table, group: list[str]) -> ir.Table:
    """Each group's latest event (largest ``ts``, then largest ``event_id``).

    Grouped aggregates rather than a ranked window, so that query planners estimate one
    row per group instead of one row in all.
    """
    last = events.group_by(group).aggregate(last_ts=events.ts.max())
    on = [events[g] == last[g] for g in group] + [events.ts == last.last_ts]
    ties = events.join(last, on).select(*group, "ts", "event_id")
    return ties.group_by([*group, "ts"]).aggregate(event_id=ties.event_id.max())


def compile_segment(
    segment: Segment | Rule,
    *,
    catalog: Catalog,
    as_of: datetime,
    resolve: Resolver | None = None,
    dialect: str = "duckdb",
) -> ir.Table:
    """The members of ``segment`` at ``as_of`` as an unbound table with one ``contact_id`` column.

    ``catalog`` names the fields and property types; ``resolve`` returns saved segments
    for ``in_segment``; ``dialect`` is the engine that will run it (``duckdb``,
    ``postgres``, ``clickhouse``). The segment must already be valid (see ``validate``).
    """
    rule = segment.rule if isinstance(segment, Segment) else segment
    return Compiler(catalog, as_of, resolve, dialect).compile(rule)
