"""Validation of a rule tree against the catalog (SPEC §3, last paragraph).

Every problem is reported with the JSON path of the node it concerns and what would be
valid there, all at once, before anything runs.
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.errors import Problem, SegmentError
from workbench.expr import paths
from workbench.expr.catalog import Catalog
from workbench.expr.operators import NUMBER, OPERATORS, TIMESTAMP, operators_for, value_problem
from workbench.expr.rules import (
    UNSET,
    All,
    AnyOf,
    Attribute,
    Event,
    InList,
    InSegment,
    Not,
    Prop,
    Rule,
    Segment,
    Sequence,
)
from workbench.expr.visitor import Visitor

Resolver = Callable[[str], Segment]
Stack = tuple[str, ...]

NUMERIC_AGGREGATES = ("count", "sum", "avg", "count_distinct", "distinct_days")


def _choices(names, limit: int = 12) -> str:
    names = sorted(names)
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")


class Validator(Visitor[None]):
    """Walks a rule tree with JSON paths, collecting problems; ``stack`` holds the ids of
    the segments being checked through ``in_segment`` (to report cycles)."""

    def __init__(self, catalog: Catalog, resolve: Resolver | None = None) -> None:
        self.catalog = catalog
        self.resolve = resolve
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def visit_All(self, rule: All, path: str, stack: Stack) -> None:  # noqa: N802 - named after the node class it visits
        for i, sub in enumerate(rule.rules):
            self.visit(sub, paths.child(path, "all", i), stack)

    def visit_AnyOf(self, rule: AnyOf, path: str, stack: Stack) -> None:  # noqa: N802 - named after the node class it visits
        for i, sub in enumerate(rule.rules):
            self.visit(sub, paths.child(path, "any", i), stack)

    def visit_Not(self, rule: Not, path: str, stack: Stack) -> None:  # noqa: N802 - named after the node class it visits
        self.visit(rule.rule, paths.child(path, "not"), stack)

    def visit_InList(self, rule: InList, path: str, stack: Stack) -> None:  # noqa: N802 - named after the node class it visits
        if rule.list_id not in self.catalog.lists:
            known = _choices(self.catalog.lists) or "none yet"
            self.fail(f"{path}.in_list", f"unknown list {rule.list_id!r}; known lists: {known}")

    def comparison(self, path: str, what: str, type_: str, op: str, value, unset: bool) -> None:
        if op not in OPERATORS:
            self.fail(f"{path}.op", f"unknown operator {op!r}; for {what} use one of {', '.join(operators_for(type_))}")
            return
        if type_ not in OPERATORS[op].types:
            self.fail(
                f"{path}.op",
                f"{op!r} is not valid for {what}; use one of {', '.join(operators_for(type_))}",
            )
            return
        problem = value_problem(op, type_, value, unset)
        if problem:
            self.fail(f"{path}.value", problem)

    def visit_Attribute(self, rule: Attribute, path: str, stack: Stack) -> None:  # noqa: N802 - named after the node class it visits
        field = self.catalog.fields.get(rule.field)
        if field is None:
            self.fail(
                f"{path}.attribute",
                f"unknown field {rule.field!r}; contact fields are {_choices(self.catalog.fields, 40)}",
            )
            return
        self.comparison(
            path, f"{field.type} field {field.name!r}", field.type, rule.op, rule.value, rule.value is UNSET
        )

    def event_names(self, names: tuple[str, ...] | None, path: str) -> bool:
        unknown = [n for n in names or () if n not in self.catalog.events]
        for name in unknown:
            self.fail(path, f"unknown event {name!r}; known events are {_choices(self.catalog.events, 40)}")
        return not unknown

    def prop_type(self, names: tuple[str, ...] | None, prop: str, path: str) -> str | None:
        type_ = self.catalog.property_type(names, prop)
        if type_ is None:
            what = "these events" if names is None or len(names) != 1 else f"event {names[0]!r}"
            self.fail(
                path,
                f"unknown property {prop!r} for {what}; use one of {_choices(self.catalog.properties_of(names), 40)}",
            )
        return type_

    def where(self, names: tuple[str, ...] | None, where: tuple[Prop, ...] | None, path: str) -> None:
        for i, prop in enumerate(where or ()):
            ppath = paths.child(path, "where", i)
            type_ = self.prop_type(names, prop.property, f"{ppath}.property")
            if type_ is not None:
                self.comparison(
                    ppath, f"{type_} property {prop.property!r}", type_, prop.op, prop.value, prop.value is UNSET
                )

    def visit_Event(self, rule: Event, path: str, stack: Stack) -> None:  # noqa: N802 - named after the node class it visits
        names = rule.names
        if not self.event_names(names, f"{path}.event"):
            return
        self.where(names, rule.where, path)
        agg = rule.agg
        result_type: str | None = NUMBER if agg.fn in NUMERIC_AGGREGATES else TIMESTAMP
        if agg.property is not None:
            prop_type = self.prop_type(names, agg.property, f"{path}.aggregate.property")
            if prop_type is None:
                return
            if agg.fn in ("sum", "avg") and prop_type != NUMBER:
                self.fail(
                    f"{path}.aggregate.property", f"{agg.fn!r} needs a number property; {agg.property!r} is {prop_type}"
                )
                return
            if agg.fn in ("min", "max"):
                if prop_type not in (NUMBER, TIMESTAMP):
                    self.fail(
                        f"{path}.aggregate.property",
                        f"{agg.fn!r} needs a number or time property; {agg.property!r} is {prop_type}",
                    )
                    return
                result_type = prop_type
        op, value = rule.comparison
        self.comparison(path, f"aggregate {agg.fn!r} ({result_type})", result_type, op, value, value is UNSET)

    def visit_Sequence(self, rule: Sequence, path: str, stack: Stack) -> None:  # noqa: N802 - named after the node class it visits
        for i, step in enumerate(rule.steps):
            spath = paths.child(path, "sequence", i)
            spath = paths.child(spath, "not") if step.negated else spath
            if self.event_names((step.event,), f"{spath}.event"):
                self.where((step.event,), step.where, spath)
        if rule.match_on is not None:
            names = tuple(s.event for s in rule.steps if s.event in self.catalog.events)
            for name in names:
                if self.catalog.property_type((name,), rule.match_on) is None:
                    self.fail(
                        f"{path}.match_on",
                        f"event {name!r} has no property {rule.match_on!r}; use one of "
                        f"{_choices(self.catalog.properties_of((name,)), 40)}",
                    )
                    break

    def visit_InSegment(self, rule: InSegment, path: str, stack: Stack) -> None:  # noqa: N802 - named after the node class it visits
        if len(stack) > MAX_INLINED_DEPTH:
            self.fail(f"{path}.in_segment", f"segments use each other more than {MAX_INLINED_DEPTH} levels deep")
            return
        if rule.segment in stack:
            cycle = " → ".join((*stack, rule.segment))
            self.fail(f"{path}.in_segment", f"segment reference cycle: {cycle}")
            return
        if rule.segment not in self.catalog.segments or self.resolve is None:
            known = _choices(self.catalog.segments, 40) or "none yet"
            self.fail(f"{path}.in_segment", f"unknown segment {rule.segment!r}; saved segments: {known}")
            return
        referenced = self.resolve(rule.segment)
        nested = Validator(self.catalog, self.resolve)
        nested.visit(referenced.rule, paths.ROOT, (*stack, rule.segment))
        for problem in nested.problems:
            if "reference cycle" in problem.message:
                self.fail(f"{path}.in_segment", problem.message)
            else:
                self.fail(f"{path}.in_segment", f"segment {rule.segment!r} is invalid: {problem}")


MAX_INLINED_DEPTH = 100
"""Levels of rules with every segment a rule uses inlined, as the compiler sees it (it
compiles beyond 200; each saved segment is at most ``reader.MAX_DEPTH``)."""


def _deeper_than(rule: Rule, limit: int, resolve: Resolver | None, depth: int = 1) -> bool:
    """Whether ``rule``, with the segments it uses inlined, nests more than ``limit`` levels.
    Stops as soon as it knows, so its own recursion never goes deeper than ``limit``."""
    if depth > limit:
        return True
    if isinstance(rule, InSegment):  # a reference is a level too: chains of references stay short
        return resolve is not None and _deeper_than(resolve(rule.segment).rule, limit, resolve, depth + 1)
    children = [child for child in rule.children() if isinstance(child, Rule)]
    return any(_deeper_than(child, limit, resolve, depth + 1) for child in children)


def validate(segment: Segment | Rule, catalog: Catalog, resolve: Resolver | None = None) -> None:
    """Raise SegmentError naming every problem of ``segment``; return None when it is valid."""
    validator = Validator(catalog, resolve)
    rule = segment.rule if isinstance(segment, Segment) else segment
    validator.visit(rule, paths.ROOT, (segment.id,) if isinstance(segment, Segment) else ())
    if not validator.problems and _deeper_than(rule, MAX_INLINED_DEPTH, resolve):
        validator.fail("rule", f"with the segments it uses, this rule nests more than {MAX_INLINED_DEPTH} levels deep")
    if validator.problems:
        raise SegmentError(validator.problems)


def problems(segment: Segment | Rule, catalog: Catalog, resolve: Resolver | None = None) -> list[Problem]:
    """Every problem of ``segment`` (empty when valid), for views that show them in place."""
    try:
        validate(segment, catalog, resolve)
    except SegmentError as exc:
        return exc.problems
    return []
