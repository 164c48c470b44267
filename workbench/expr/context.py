"""One compile context: what compiling needs besides the rules and the instant.

A :class:`CompileContext` holds the catalog (fields, property types, time zone), the
saved segments that ``in_segment`` names (``resolve``) and the engine that will run the
result (``dialect``), and offers every operation callers need: validation, the members
as an Ibis table or as SQL, many segments in one pass, one segment at many instants.
The store, the app and the builder make one from their state and call it, instead of
handing the same three values to each function.

The SQL operations compile a rule once per process with sentinel constants and fill in
each new T (see :mod:`workbench.expr.template`); the Ibis ones build afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import ibis.expr.types as ir

from workbench.expr.catalog import Catalog
from workbench.expr.compile import Compiler, Plan
from workbench.expr.inline import Resolver, inline
from workbench.expr.rules import Rule, Segment
from workbench.expr.template import Clock, cached_sql
from workbench.expr.validate import validate

SegmentOrRule = Segment | Rule
Finish = Callable[[ir.Table, Mapping[str, ir.Table]], ir.Expr]


@dataclass(frozen=True)
class CompileContext:
    """The catalog, the saved segments and the dialect that segments compile against.

    ``resolve`` returns a saved segment by id (for ``in_segment``; None: a rule may not
    use saved segments); ``dialect`` is ``duckdb``, ``postgres`` or ``clickhouse``.
    Segments handed to the compiling operations must be valid (:meth:`validate`).
    """

    catalog: Catalog
    resolve: Resolver | None = None
    dialect: str = "duckdb"

    def in_dialect(self, dialect: str) -> CompileContext:
        """The same context for another engine."""
        return replace(self, dialect=dialect)

    def validate(self, segment: SegmentOrRule) -> None:
        """Raise SegmentError naming every problem of ``segment`` against this catalog."""
        validate(segment, self.catalog, self.resolve)

    def inline(self, segment: SegmentOrRule) -> Rule:
        """The rule with every ``in_segment`` replaced by the saved segment's rule."""
        return inline(_rule(segment), self.resolve)

    def compiler(self, as_of: datetime, scoped: bool = False) -> Compiler:
        """A compiler at ``as_of`` carrying every column, for callers that build their
        own queries from its parts (stitched events, a condition's aggregate, a step's
        events: the explanation of a verdict, a send's values). It has no plan for any
        rule: compile rules with :meth:`members` and the other operations. ``scoped``: it
        reads the contacts listed in :data:`~workbench.schema.SCOPE_TABLE` and their
        events only."""
        return Compiler(self.catalog, as_of, self.dialect, None, scoped)

    def members(self, segment: SegmentOrRule, as_of: datetime, scoped: bool = False) -> ir.Table:
        """The members at ``as_of`` as an unbound table of one ``contact_id`` column;
        ``scoped``: of the contacts listed in :data:`~workbench.schema.SCOPE_TABLE` only."""
        rule = self.inline(segment)
        return self._compiler(as_of, [rule], scoped=scoped).members(rule)

    def members_sql(self, segment: SegmentOrRule, as_of: datetime) -> str:
        """The SQL of :meth:`members`: the member ``contact_id``s."""
        rule = self.inline(segment)
        return self._cached(
            ("segment", rule), rule, lambda clock: self._compiler(as_of, [rule], clock).members(rule), as_of
        )

    def many(self, segments: Mapping[str, SegmentOrRule], as_of: datetime) -> ir.Table:
        """Many segments at ``as_of`` in one pass: ``contact_id`` and a boolean column per
        key (true for a member), a row for each contact that is a member of at least one.

        Every distinct event condition of all the segments is one aggregate of a single
        ``group_by`` over the stitched events (conditions shared by several segments are
        computed once); sequences and lists stay per-segment semi-joins. Each column equals
        :meth:`members` of its segment.
        """
        rules = self._inline_all(segments)
        return self._compiler(as_of, rules.values()).flags(rules)

    def many_sql(
        self,
        segments: Mapping[str, SegmentOrRule],
        as_of: datetime,
        *,
        finish: Finish | None = None,
        finish_key: Hashable = None,
        scoped: bool = False,
    ) -> str:
        """The SQL of :meth:`many`, or of ``finish(table, tables)`` built on it. ``finish``
        (e.g. :func:`count_columns`) must depend on nothing but its arguments and what
        ``finish_key`` names. ``scoped``: only the contacts listed in
        :data:`~workbench.schema.SCOPE_TABLE`."""
        rules = self._inline_all(segments)

        def build(clock: Clock) -> ir.Expr:
            compiler = self._compiler(as_of, rules.values(), clock, scoped=scoped)
            table = compiler.flags(rules)
            return table if finish is None else finish(table, compiler.tables)

        return self._cached(("many", tuple(rules.items()), finish_key, scoped), rules, build, as_of)

    def counts_sql(self, segments: Mapping[str, SegmentOrRule], as_of: datetime) -> str:
        """SQL of one row: the member count of each key of ``segments``, in one pass."""
        return self.many_sql(segments, as_of, finish=count_columns, finish_key="count")

    def instants_sql(self, segment: SegmentOrRule, as_of: datetime, offsets: Iterable[timedelta]) -> str:
        """SQL of one row ``n0``, ``n1``…: the member count at ``as_of − offset`` for each
        offset, reading ``events`` once (see :meth:`Compiler.instants`)."""
        rule, offsets = self.inline(segment), tuple(offsets)
        return self._cached(
            ("instants", rule, offsets),
            rule,
            lambda clock: self._compiler(as_of, [rule], clock).instants(rule, offsets),
            as_of,
        )

    def _inline_all(self, segments: Mapping[str, SegmentOrRule]) -> dict[str, Rule]:
        return {key: self.inline(segment) for key, segment in segments.items()}

    def _compiler(
        self, as_of: datetime, rules: Iterable[Rule], clock: Clock | None = None, scoped: bool = False
    ) -> Compiler:
        return Compiler(self.catalog, as_of, self.dialect, clock, scoped, Plan.of(rules, self.catalog))

    def _cached(self, key: tuple, rules: object, build: Callable[[Clock], ir.Expr], as_of: datetime) -> str:
        """The SQL ``build`` makes, from the per-process template cache (``key``: what it
        is made of, beside the catalog); ``rules`` holding anything like a sentinel
        constant are compiled afresh."""
        return cached_sql(
            (key[0], catalog_key(self.catalog), *key[1:]),
            build,
            as_of=_utc(as_of),
            dialect=self.dialect,
            guard=lambda: repr(rules),
        )


def count_columns(table: ir.Table, _tables: Mapping[str, ir.Table]) -> ir.Table:
    """A ``finish`` for :meth:`CompileContext.many_sql`: one row, each boolean column counted."""
    flags = [c for c in table.columns if c != "contact_id"]
    return table.aggregate(**{c: table[c].ifelse(1, 0).sum() for c in flags})


_catalog_keys: dict[int, tuple[Catalog, tuple]] = {}


def catalog_key(catalog: Catalog) -> tuple:
    """What the compiler reads from a catalog, as a hashable value (for template caches)."""
    entry = _catalog_keys.get(id(catalog))
    if entry is not None and entry[0] is catalog:
        return entry[1]
    key = (
        catalog.timezone,
        tuple(sorted(catalog.decimal_properties)),
        tuple((f.name, f.type, f.custom) for f in catalog.fields.values()),
        tuple(
            sorted((name, tuple(sorted(et.properties.items())), et.anonymous) for name, et in catalog.events.items())
        ),
    )
    if len(_catalog_keys) > 64:
        _catalog_keys.clear()
    _catalog_keys[id(catalog)] = (catalog, key)
    return key


def _rule(segment: SegmentOrRule) -> Rule:
    return segment.rule if isinstance(segment, Segment) else segment


def _utc(as_of: datetime) -> datetime:
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    return as_of.astimezone(UTC)
