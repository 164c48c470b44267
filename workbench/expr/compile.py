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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal
from functools import reduce

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from workbench.errors import SegmentError
from workbench.expr import sequences
from workbench.expr.candidates import necessary
from workbench.expr.catalog import FIELD_DTYPES, Catalog
from workbench.expr.dialects import DECIMAL, dialect_for
from workbench.expr.emptiness import ZERO_WHEN_EMPTY, holds_without_events
from workbench.expr.operators import NEGATIVE, NUMBER, OPERATORS, TIMESTAMP
from workbench.expr.rules import (
    Aggregate,
    Ago,
    All,
    AnyOf,
    Attribute,
    Between,
    Event,
    InList,
    Last,
    Not,
    Prop,
    Rule,
    Sequence,
    Since,
    Step,
    Value,
    Window,
)
from workbench.expr.template import UTC_TS, Clock, Moment, ShiftedClock, Span
from workbench.expr.timeutil import (
    Duration,
    day_start,
    is_date_text,
    local_date,
    parse_date,
    parse_instant,
    zone,
)
from workbench.expr.visitor import Visitor
from workbench.schema import (
    CONTACTS,
    EVENT_COLUMN_TYPES,
    EVENTS,
    IDENTITIES,
    LIST_MEMBERS,
    LIST_MEMBERS_TABLE,
    SCOPE,
    SCOPE_TABLE,
)


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
        "list_members": ibis.table(LIST_MEMBERS, name=LIST_MEMBERS_TABLE),
        "scope": ibis.table(SCOPE, name=SCOPE_TABLE),
    }


@dataclass(frozen=True)
class Box:
    """Events that conditions with one window start read: from ``start`` (None: all time),
    of their names (None: any)."""

    start: Moment | None
    conditions: tuple[Event, ...]

    @property
    def names(self) -> set[str] | None:
        return _union_names(None if cond.names is None else set(cond.names) for cond in self.conditions)


def _identity(at: datetime) -> datetime:
    return at


def _const(value: datetime | date) -> Moment:
    """A constant that does not depend on T."""
    return Moment(("const", value), lambda _at: value, const=True)


@dataclass(frozen=True)
class _Before:
    """T − a duration, as a function of T."""

    duration: Duration
    tz: object

    def __call__(self, at: datetime) -> datetime:
        return self.duration.before(at, self.tz)


@dataclass(frozen=True)
class Plan:
    """What one compilation reads and how it names its columns, decided from its (inlined)
    rules before any query is built: the compiler keeps no state of its own."""

    # the columns carried through the sub-queries; None: all of them
    contact_fields: tuple[str, ...] | None = None
    event_fields: tuple[str, ...] | None = None
    # the per-contact column of each distinct event condition
    event_columns: Mapping[Event, str] = field(default_factory=dict)
    # the events read may be later than T (several instants share one scan)
    later_events: bool = False

    @classmethod
    def of(cls, rules: Iterable[Rule], catalog: Catalog, prefix: str = "ev", later_events: bool = False) -> Plan:
        """Carry only the contact fields and event columns that ``rules`` read (fewer
        columns make a smaller query, which Ibis compiles faster), and name a column
        ``prefix0``, ``prefix1``… per distinct event condition, in document order."""
        fields, props = {"contact_id", "created_at"}, set()
        columns: dict[Event, str] = {}
        for node in (node for rule in rules for node in rule.walk()):
            if isinstance(node, Attribute):
                fields.add(node.field)
            elif isinstance(node, (Prop, Aggregate)) and node.property is not None:
                props.add(node.property)
            elif isinstance(node, Sequence):
                props.add("event_id")  # tells an event from itself
                if node.match_on is not None:
                    props.add(node.match_on)
            if isinstance(node, Event) and node not in columns:
                columns[node] = f"{prefix}{len(columns)}"
        wanted = {"contact_id", "anonymous_id", "name", "ts", *props}
        if props - set(EVENTS):
            wanted.add("properties")
        return cls(
            contact_fields=tuple(c for c in contacts_schema(catalog).names if c in fields),
            event_fields=tuple(c for c in EVENTS if c in wanted),
            event_columns=columns,
            later_events=later_events,
        )


class Compiler(Visitor[ir.BooleanValue]):
    """Compiles inlined rules at one instant, by the :class:`Plan` made for them; callers
    go through :class:`~workbench.expr.context.CompileContext`.

    Every constant derived from T is a :class:`Moment` turned into a literal by the
    ``clock``, and no other choice depends on T: that is what lets :mod:`template` keep the
    SQL of a segment and fill in a new T.
    """

    def __init__(
        self,
        catalog: Catalog,
        as_of: datetime,
        dialect: str = "duckdb",
        clock: Clock | ShiftedClock | None = None,
        scoped: bool = False,
        plan: Plan | None = None,
    ) -> None:
        if as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        self.scoped = scoped  # only the contacts of SCOPE_TABLE
        self.catalog = catalog
        self.T = as_of.astimezone(UTC)
        self.tz = zone(catalog.timezone)
        self.dialect = dialect_for(dialect)
        self.dialect_name = dialect
        self.clock = clock or Clock(self.T, dialect)
        self.tables = tables(catalog)
        self.plan = plan or Plan()

    # --- time -----------------------------------------------------------------------

    @property
    def now(self) -> Moment:
        return Moment(("T",), _identity)

    def before(self, duration: str) -> Moment:
        """T − ``duration`` (calendar arithmetic in the workspace time zone)."""
        return Moment(("before", duration), _Before(Duration.parse(duration), self.tz))

    def instant(self, value: str | Ago) -> Moment:
        """A TIME as an instant (a date stands for its first local instant)."""
        if isinstance(value, Ago):
            return self.before(value.duration)
        if is_date_text(value):
            return _const(day_start(parse_date(value), self.tz))
        return _const(parse_instant(value))

    def day_end(self, value: str) -> Moment:
        """The first instant after the local day named by a date TIME."""
        return _const(day_start(parse_date(value) + timedelta(days=1), self.tz))

    def local_day(self, value: str | Ago) -> Moment:
        """A TIME as a local date."""
        if isinstance(value, str) and is_date_text(value):
            return _const(parse_date(value))
        if isinstance(value, Ago):
            before = _Before(Duration.parse(value.duration), self.tz)
            return Moment(("local_before", value.duration), lambda at, tz=self.tz: local_date(before(at), tz))
        return _const(local_date(parse_instant(value), self.tz))

    @property
    def today(self) -> Moment:
        return Moment(("today",), lambda at, tz=self.tz: local_date(at, tz))

    def ts(self, moment: Moment) -> ir.TimestampValue:
        return self.clock.value(moment, UTC_TS)

    def day(self, moment: Moment) -> ir.DateValue:
        return self.clock.value(moment, dt.date)

    def window_span(self, window: Window | None) -> Span:
        """Event times counted by a window. Its end may lie past T: every event the
        compiler reads is already limited to ``ts <= T``."""
        if window is None:
            return Span(end=self.now)
        if isinstance(window, Last):
            return Span(self.before(window.duration), False, self.now)
        if isinstance(window, Since):
            return Span(self.instant(window.time), True, self.now)
        assert isinstance(window, Between)
        start = self.instant(window.start)
        if isinstance(window.end, str) and is_date_text(window.end):
            return Span(start, True, self.day_end(window.end), False)
        return Span(start, True, self.instant(window.end), True)

    def start_of(self, cond: Event) -> Moment | None:
        """Where a condition's window starts, as a function of the clock's own T."""
        start = self.window_span(cond.window).start
        return start if start is None or not isinstance(self.clock, ShiftedClock) else self.clock.moment(start)

    def in_span(self, span: Span, col: ir.TimestampValue) -> ir.BooleanValue:
        preds = []
        if span.start is not None:
            start = self.ts(span.start)
            preds.append(col >= start if span.start_inclusive else col > start)
        if span.end is not None:
            end = self.ts(span.end)
            preds.append(col <= end if span.end_inclusive else col < end)
        return reduce(lambda a, b: a & b, preds, ibis.literal(True))

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
        """``col op value`` for a positive operator, by its builder in the operator table."""
        if op not in OPERATORS or OPERATORS[op].build is None:
            raise SegmentError.at("rule", f"operator {op!r} cannot be compiled for type {type_}")
        if type_ == NUMBER and col.type().is_decimal():
            scale = col.type().scale
            value = _numbers(value, lambda v: exact_number(v, scale))  # compared as decimals, not as doubles
        return OPERATORS[op].build(self, col, type_, value)

    # --- events -----------------------------------------------------------------------

    def stitched_events(
        self, span: Span | None = None, names: set[str] | None = None, boxes: list[Box] | None = None
    ) -> ir.Table:
        """Events up to T with ``cid``: their contact, or the contact their anonymous id links to
        (no link is looked up when the catalog says none of the names read came without one).
        ``span`` and ``names`` bound the events read; with ``boxes``, only the events some
        box's conditions match are read: one scan per box, each leaving out the events of
        the boxes before it. A single scan filtered by ``box OR box`` would read the whole
        table: engines skip stored blocks only by plain conjunctions of bounds."""
        e = self.tables["events"]
        upto = e.ts <= self.ts(self.now)
        if boxes is not None:
            scans = []
            for i, box in enumerate(boxes):
                earlier = [~self._all(self._box(e, b)) for b in boxes[:i]]
                scans.append(self._scan(e.filter(upto, *self._box(e, box), *earlier)))
            e = scans[0] if len(scans) == 1 else ibis.union(*scans, distinct=False)
        else:
            preds = [upto]
            if span is not None and span.start is not None:
                start = self.ts(span.start)
                preds.append(e.ts >= start if span.start_inclusive else e.ts > start)
            if names is not None:
                preds.append(e.name.isin(sorted(names)))
            e = self._scan(e.filter(*preds))
        read = names if boxes is None else _union_names([box.names for box in boxes])
        anonymous = self.catalog.may_be_anonymous(read)
        if self.scoped:
            e = e.filter(self._of_scope(e, anonymous))
        if not anonymous:
            return e.filter(e.contact_id.notnull()).mutate(cid=e.contact_id)
        links = self.identity_links(e.filter(e.contact_id.isnull()).anonymous_id)
        joined = e.left_join(links, e.anonymous_id == links.link_anonymous_id)
        return joined.mutate(cid=ibis.coalesce(joined.contact_id, joined.link_contact_id)).filter(
            lambda t: t.cid.notnull()
        )

    def _box(self, e: ir.Table, box: Box) -> list[ir.BooleanValue]:
        """The box's bounds (window start, names: what lets a scan skip blocks), and when a
        condition filters on properties, the events that one of its conditions matches."""
        preds = [] if box.start is None else [e.ts >= self.ts(box.start)]
        if box.names is not None:
            preds.append(e.name.isin(sorted(box.names)))
        if any(cond.where for cond in box.conditions):
            matches = [self.event_match(e, cond.names, cond.where) for cond in box.conditions]
            preds.append(reduce(lambda a, b: a | b, matches))
        return preds

    def _of_scope(self, e: ir.Table, anonymous: bool) -> ir.BooleanValue:
        """The events that can belong to a contact of the scope: its own, and (``anonymous``)
        those of anonymous ids ever linked to it (stitching then finds the latest link).
        Filtered before stitching and aggregating, so that a watcher round on a few contacts
        groups their events, not the events of the whole base."""
        scope = self.tables["scope"].contact_id
        own = e.contact_id.isin(scope)
        if not anonymous:
            return own
        ids = self.tables["identities"]
        return own | (e.contact_id.isnull() & e.anonymous_id.isin(ids.filter(ids.contact_id.isin(scope)).anonymous_id))

    @staticmethod
    def _all(preds: list[ir.BooleanValue]) -> ir.BooleanValue:
        return reduce(lambda a, b: a & b, preds, ibis.literal(True))

    def _scan(self, e: ir.Table) -> ir.Table:
        return e if self.plan.event_fields is None else e.select(*self.plan.event_fields)

    def identity_links(self, wanted: ir.Column) -> ir.Table:
        """The latest link of each anonymous id in ``wanted``: largest ``linked_at``, then
        largest ``contact_id``. Only the ids in play are looked up: resolving every link
        ever made costs more than the events of a typical window.

        Grouped aggregates rather than a ranked window, so that query planners estimate
        the result as one row per anonymous id; on DuckDB one ``arg_max`` by (linked_at,
        contact_id), elsewhere the maximum joined back, as PostgreSQL has no arg_max.
        """
        ids = self.tables["identities"]
        ids = ids.filter(ids.anonymous_id.isin(wanted))
        if self.dialect_name == "duckdb":
            key = ibis.struct({"at": ids.linked_at, "id": ids.contact_id})
            return ids.group_by(link_anonymous_id=ids.anonymous_id).aggregate(
                link_contact_id=ids.contact_id.argmax(key)
            )
        latest = ids.group_by("anonymous_id").aggregate(latest_at=ids.linked_at.max())
        ties = ids.join(latest, (ids.anonymous_id == latest.anonymous_id) & (ids.linked_at == latest.latest_at))
        return ties.group_by(link_anonymous_id=ties.anonymous_id).aggregate(link_contact_id=ties.contact_id.max())

    def prop_type(self, names: tuple[str, ...] | None, prop: str) -> str:
        type_ = self.catalog.property_type(names, prop)
        if type_ is None:
            raise SegmentError.at("rule", f"unknown event property {prop!r}")
        return type_

    def prop_value(self, e: ir.Table, names: tuple[str, ...] | None, prop: str) -> ir.Value:
        """An event column, or a ``properties`` key read as its catalogued type (a number
        the catalog declares decimal as an exact amount)."""
        if prop in EVENT_COLUMN_TYPES:
            return e[prop]
        type_ = self.prop_type(names, prop)
        exact = type_ == NUMBER and self.is_decimal(prop)
        return self.dialect.json_value(e.properties, prop, DECIMAL if exact else type_)

    def is_decimal(self, prop: str) -> bool:
        """Whether a property holds exact amounts: a decimal column (``amount``), or a
        ``properties`` key the catalog declares decimal."""
        if prop in EVENT_COLUMN_TYPES:
            return EVENTS[prop].is_decimal()
        return prop in self.catalog.decimal_properties

    def event_match(
        self, e: ir.Table, names: tuple[str, ...] | None, where: tuple[Prop, ...] | None
    ) -> ir.BooleanValue:
        preds = [] if names is None else [e.name.isin(list(names))]
        for prop in where or ():
            type_ = self.prop_type(names, prop.property)
            preds.append(self.compare(self.prop_value(e, names, prop.property), type_, prop.op, prop.value))
        return reduce(lambda a, b: a & b, preds, ibis.literal(True))

    def counted(self, e: ir.Table, cond: Event) -> ir.BooleanValue:
        """Whether an event counts for the condition: its names, ``where`` and window."""
        mask = self.event_match(e, cond.names, cond.where) & self.in_span(self.window_span(cond.window), e.ts)
        if self.plan.later_events and isinstance(cond.window, Between):
            mask = mask & (e.ts <= self.ts(self.now))  # events of a later instant share the scan
        return mask

    def event_aggregate(self, e: ir.Table, cond: Event) -> ir.Value:
        """The condition's aggregate over each contact's events (an average in the
        engine's own arithmetic: for display; see :meth:`condition_column`)."""
        names, agg = cond.names, cond.agg
        mask = self.counted(e, cond)
        if agg.fn == "count":
            return e.count(where=mask)
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

    def condition_column(self, e: ir.Table, cond: Event) -> ir.Value:
        """What the per-contact table keeps for a condition: its aggregate; for an average
        of exact amounts, whether the positive twin of its comparison holds, decided as
        ``sum op value × count`` (engines average decimals in binary floating point)."""
        if not self.exact_average(cond):
            return self.event_aggregate(e, cond)
        mask = self.counted(e, cond)
        value = self.prop_value(e, cond.names, cond.agg.property)
        total, n = value.sum(where=mask), value.count(where=mask)
        op, target = cond.comparison
        positive = NEGATIVE.get(op, op)
        if positive == "is_set":
            return n > 0
        scaled = _numbers(target, lambda v: exact_number(v, total.type().scale) * n)
        return (n > 0) & self.positive(total, NUMBER, positive, scaled)

    def exact_average(self, cond: Event) -> bool:
        return cond.agg.fn == "avg" and self.is_decimal(cond.agg.property)

    def aggregate_type(self, cond: Event) -> str:
        agg = cond.agg
        if agg.fn in ("first_time", "last_time"):
            return TIMESTAMP
        if agg.fn in ("min", "max"):
            return self.prop_type(cond.names, agg.property)
        return NUMBER

    def events_scan(self, conditions: list[tuple[Compiler, Event]]) -> list[Box]:
        """What the conditions read of ``events``: one :class:`Box` per distinct window
        start. Scanning the boxes rather than one range that covers them all keeps, say, an
        all-time condition on purchases and a 30-day condition on any event from reading
        every event of all time."""
        by_start: dict[Moment | None, list[Event]] = {}
        for compiler, cond in conditions:
            by_start.setdefault(compiler.start_of(cond), []).append(cond)
        return [Box(start, tuple(conds)) for start, conds in by_start.items()]

    # --- sequences ----------------------------------------------------------------------

    def step_events(self, step: Step, span: Span | None, match_on: str | None) -> ir.Table:
        e = self.stitched_events(span, {step.event})
        names = (step.event,)
        e = e.filter(self.event_match(e, names, step.where))
        if span is not None:
            e = e.filter(self.in_span(span, e.ts))
        cols = {"cid": e.cid, "ts": e.ts, "event_id": e.event_id}
        if match_on is not None:
            cols["key"] = self.prop_value(e, names, match_on).cast(dt.string)
            return e.select(**cols).filter(lambda t: t.key.notnull())
        return e.select(**cols)

    # --- the tree -----------------------------------------------------------------------

    def predicate(self, rule: Rule, wide: ir.Table) -> ir.BooleanValue:
        """Whether ``rule`` (inlined) holds for each row of ``wide``: two-valued."""
        return self.visit(rule, wide)

    def visit_All(self, rule: All, wide: ir.Table) -> ir.BooleanValue:  # noqa: N802 - named after the node class it visits
        return reduce(lambda a, b: a & b, [self.visit(r, wide) for r in rule.rules], ibis.literal(True))

    def visit_AnyOf(self, rule: AnyOf, wide: ir.Table) -> ir.BooleanValue:  # noqa: N802 - named after the node class it visits
        return reduce(lambda a, b: a | b, [self.visit(r, wide) for r in rule.rules], ibis.literal(False))

    def visit_Not(self, rule: Not, wide: ir.Table) -> ir.BooleanValue:  # noqa: N802 - named after the node class it visits
        return ~self.visit(rule.rule, wide)

    def visit_Attribute(self, rule: Attribute, wide: ir.Table) -> ir.BooleanValue:  # noqa: N802 - named after the node class it visits
        field = self.catalog.fields[rule.field]
        return self.compare(wide[rule.field], field.type, rule.op, rule.value)

    def visit_Event(self, rule: Event, wide: ir.Table) -> ir.BooleanValue:  # noqa: N802 - named after the node class it visits
        col = wide[self.plan.event_columns[rule]]
        if self.exact_average(rule):  # compared in the aggregation
            holds = col.fill_null(False)
            return ~holds if rule.comparison[0] in NEGATIVE else holds
        if rule.agg.fn in ZERO_WHEN_EMPTY:
            col = col.fill_null(0)
        op, value = rule.comparison
        return self.compare(col, self.aggregate_type(rule), op, value)

    def visit_Sequence(self, rule: Sequence, wide: ir.Table) -> ir.BooleanValue:  # noqa: N802 - named after the node class it visits
        return wide.contact_id.isin(sequences.members(self, rule))

    def visit_InList(self, rule: InList, wide: ir.Table) -> ir.BooleanValue:  # noqa: N802 - named after the node class it visits
        members = self.tables["list_members"]
        return wide.contact_id.isin(members.filter(members.list_id == rule.list_id).contact_id)

    def universe(self) -> ir.Table:
        """The contacts created by T (with the fields the rules read)."""
        contacts = self.tables["contacts"]
        universe = contacts.filter(contacts.created_at <= self.ts(self.now))
        if self.scoped:
            universe = universe.filter(universe.contact_id.isin(self.tables["scope"].contact_id))
        return universe if self.plan.contact_fields is None else universe.select(*self.plan.contact_fields)

    def wide(self, rules: Iterable[Rule]) -> ir.Table:
        """The universe with one column per distinct event condition of ``rules`` (inlined,
        the rules of the plan): one ``group_by`` over the stitched events, joined once."""
        rules = list(rules)
        if not self.plan.event_columns:
            return self.universe()
        base = self.candidates(rules)
        if base is None and self.scoped:
            base = self.universe()  # its contacts' events only
        # no member without events: only the contacts that have some need be joined
        inner = all(holds_without_events(rule) is False for rule in rules)
        conditions = [(self, cond, name) for cond, name in self.plan.event_columns.items()]
        return self.with_aggregates(conditions, inner, base)

    def candidates(self, rules: list[Rule]) -> ir.Table | None:
        """When every member of every rule must pass conditions on its attributes or lists
        (:func:`~workbench.expr.candidates.necessary`), the contacts of the universe that
        pass those of at least one rule: the only ones whose events count. Else None."""
        found = [necessary(rule) for rule in rules]
        if not found or any(part is None for part in found):
            return None
        universe = self.universe()
        either = found[0] if len(found) == 1 else AnyOf(tuple(found))
        return universe.filter(self.predicate(either, universe))

    def with_aggregates(
        self, conditions: list[tuple[Compiler, Event, str]], inner: bool = False, base: ir.Table | None = None
    ) -> ir.Table:
        """``base`` (default: the universe) and a column per (compiler, condition, name): the
        condition's aggregate at that compiler's T, all of one ``group_by`` over the stitched
        events (of ``base``'s contacts only); joined to ``base`` as a left join, or an inner
        join when ``inner``."""
        wide = self.universe() if base is None else base
        e = self.stitched_events(boxes=self.events_scan([(sub, cond) for sub, cond, _ in conditions]))
        if base is not None:
            e = e.filter(e.cid.isin(base.contact_id))
        per_contact = e.group_by(e.cid).aggregate(
            **{name: sub.condition_column(e, cond) for sub, cond, name in conditions}
        )
        joined = (wide.join if inner else wide.left_join)(per_contact, wide.contact_id == per_contact.cid)
        return joined.select(*[joined[c] for c in wide.columns], *[joined[name] for _, _, name in conditions])

    def members(self, rule: Rule) -> ir.Table:
        """The contacts (``contact_id``) for which ``rule`` holds."""
        wide = self.wide([rule])
        return wide.filter(self.predicate(rule, wide)).select("contact_id")

    def flags(self, rules: Mapping[str, Rule]) -> ir.Table:
        """``contact_id`` and a boolean column per key, for the contacts in at least one."""
        wide = self.wide(rules.values())
        flags = wide.select("contact_id", **{key: self.predicate(rule, wide) for key, rule in rules.items()})
        if not rules:
            return flags.filter(ibis.literal(False))
        return flags.filter(reduce(lambda a, b: a | b, [flags[key] for key in rules]))

    def instants(self, rule: Rule, offsets: tuple[timedelta, ...]) -> ir.Table:
        """One row: ``n0``, ``n1``… the number of members at T − each offset (≥ 0), with the
        events read once: every event condition at every instant is an aggregate of one
        ``group_by``. Sequences and lists are semi-joins per instant."""
        if any(offset < timedelta(0) for offset in offsets):
            raise ValueError("offsets must not be negative")
        subs = [
            Compiler(
                self.catalog,
                self.T - offset,
                self.dialect_name,
                ShiftedClock(self.clock, offset),
                plan=Plan.of([rule], self.catalog, prefix=f"ev{i}_", later_events=True),
            )
            for i, offset in enumerate(offsets)
        ]
        conditions = [(sub, cond, name) for sub in subs for cond, name in sub.plan.event_columns.items()]
        wide = self.with_aggregates(conditions) if conditions else self.universe()
        flags = {
            f"n{i}": ((wide.created_at <= sub.ts(sub.now)) & sub.predicate(rule, wide)).ifelse(1, 0)
            for i, sub in enumerate(subs)
        }
        return wide.aggregate(**{key: flag.sum() for key, flag in flags.items()})


# More places than any amount has: a rule's number keeps its digits up to here.
MAX_LITERAL_SCALE = 18
_WIDE_CONTEXT = Context(prec=60)


def exact_number(value: int | float, scale: int = 0) -> ir.DecimalScalar:
    """A rule's number as an exact decimal literal: the digits written (for a float, its
    shortest representation: 100.1, not 100.099999…), to at most ``MAX_LITERAL_SCALE``
    places and with at least ``scale`` (a decimal of that scale then compares with it)."""
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    scale = max(scale, min(-number.as_tuple().exponent, MAX_LITERAL_SCALE))
    number = number.quantize(Decimal(1).scaleb(-scale), context=_WIDE_CONTEXT)
    # Written as text and cast: ClickHouse reads a decimal literal's digits as a double
    # first, and toDecimal128(0.5700, 4) is 0.5699.
    return ibis.literal(format(number, "f")).cast(dt.Decimal(38, scale))


def _numbers(value: Value | ir.Value, convert: Callable[[int | float], ir.Value]) -> Value | ir.Value:
    """``value`` (a number, or a list or pair of them) with each Python number converted."""
    if isinstance(value, tuple):
        return tuple(_numbers(v, convert) for v in value)
    return convert(value) if isinstance(value, int | float) else value


def _union_names(sets: Iterable[set[str] | None]) -> set[str] | None:
    """All the names of several sets; None (any name) if one is None."""
    out: set[str] = set()
    for names in sets:
        if names is None:
            return None
        out |= names
    return out
