"""Validation of a rule tree against the catalog (SPEC §3, last paragraph).

Every problem is reported with the JSON path of the node it concerns and what would be
valid there, all at once, before anything runs. Each message is a
:class:`~workbench.i18n.Message`: English in the CLI and the library (``str()``), in the
reader's language where the app shows it (``Problem.render(t)``).
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.errors import Problem, SegmentError
from workbench.expr import paths
from workbench.expr.catalog import Catalog
from workbench.expr.operators import (
    ARRAY,
    BOOLEAN,
    DATE,
    NUMBER,
    OPERATORS,
    STRING,
    TIMESTAMP,
    operators_for,
    value_problem,
)
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
from workbench.i18n import N_, Message, later

Resolver = Callable[[str], Segment]
Stack = tuple[str, ...]

NUMERIC_AGGREGATES = ("count", "sum", "avg", "count_distinct", "distinct_days")
# The property types an aggregate function reads, and the message when it is given another.
PROPERTY_TYPES_OF = {
    fn: allowed
    for fns, allowed in (
        (("sum", "avg"), ((NUMBER,), N_("{fn} needs a number property; {property} is {type}"))),
        (("min", "max"), ((NUMBER, TIMESTAMP), N_("{fn} needs a number or time property; {property} is {type}"))),
    )
    for fn in fns
}


# The types of what a rule compares, as a message names them ("string field 'city'").
TYPE_NAMES: dict[str, Message] = {
    STRING: later.pgettext("type", "string"),
    NUMBER: later.pgettext("type", "number"),
    BOOLEAN: later.pgettext("type", "boolean"),
    DATE: later.pgettext("type", "date"),
    TIMESTAMP: later.pgettext("type", "timestamp"),
    ARRAY: later.pgettext("type", "array"),
}


def _type_name(type_: str | None) -> Message | str:
    return TYPE_NAMES.get(type_ or "", str(type_))


def _choices(names, limit: int = 12, none: Message | None = None) -> Message | str:
    """Names (user data) to choose from, the first ``limit`` of them; ``none`` if there are none."""
    names = sorted(names)
    if not names and none is not None:
        return none
    shown = ", ".join(names[:limit])
    if len(names) <= limit:
        return shown
    more = len(names) - limit
    return later.ngettext("{names}, … ({n} more)", "{names}, … ({n} more)", more, names=shown)


def _operators(type_: str | None) -> str:
    return ", ".join(operators_for(type_ or ""))


class Validator(Visitor[None]):
    """Walks a rule tree with JSON paths, collecting problems; ``stack`` holds the ids of
    the segments being checked through ``in_segment`` (to report cycles)."""

    def __init__(self, catalog: Catalog, resolve: Resolver | None = None) -> None:
        self.catalog = catalog
        self.resolve = resolve
        self.problems: list[Problem] = []

    def fail(self, path: str, message: Message) -> None:
        self.problems.append(Problem.of(path, message))

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
            known = _choices(self.catalog.lists, none=later._("none yet"))
            self.fail(
                f"{path}.in_list",
                later._("unknown list {list}; known lists: {known}", list=repr(rule.list_id), known=known),
            )

    def comparison(self, path: str, what: Message, type_: str | None, op: str, value, unset: bool) -> None:
        if op not in OPERATORS:
            self.fail(
                f"{path}.op",
                later._(
                    "unknown operator {op}; for {what} use one of {ops}", op=repr(op), what=what, ops=_operators(type_)
                ),
            )
            return
        if type_ not in OPERATORS[op].types:
            self.fail(
                f"{path}.op",
                later._(
                    "{op} is not valid for {what}; use one of {ops}", op=repr(op), what=what, ops=_operators(type_)
                ),
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
                later._(
                    "unknown field {field}; contact fields are {known}",
                    field=repr(rule.field),
                    known=_choices(self.catalog.fields, 40),
                ),
            )
            return
        what = later._("{type} field {name}", type=_type_name(field.type), name=repr(field.name))
        self.comparison(path, what, field.type, rule.op, rule.value, rule.value is UNSET)

    def event_names(self, names: tuple[str, ...] | None, path: str) -> bool:
        unknown = [n for n in names or () if n not in self.catalog.events]
        for name in unknown:
            self.fail(
                path,
                later._(
                    "unknown event {event}; known events are {known}",
                    event=repr(name),
                    known=_choices(self.catalog.events, 40),
                ),
            )
        return not unknown

    def prop_type(self, names: tuple[str, ...] | None, prop: str, path: str) -> str | None:
        type_ = self.catalog.property_type(names, prop)
        if type_ is None:
            if names is None or len(names) != 1:
                what = later._("these events")
            else:
                what = later._("event {event}", event=repr(names[0]))
            self.fail(
                path,
                later._(
                    "unknown property {property} for {what}; use one of {known}",
                    property=repr(prop),
                    what=what,
                    known=_choices(self.catalog.properties_of(names), 40),
                ),
            )
        return type_

    def where(self, names: tuple[str, ...] | None, where: tuple[Prop, ...] | None, path: str) -> None:
        for i, prop in enumerate(where or ()):
            ppath = paths.child(path, "where", i)
            type_ = self.prop_type(names, prop.property, f"{ppath}.property")
            if type_ is not None:
                what = later._("{type} property {name}", type=_type_name(type_), name=repr(prop.property))
                self.comparison(ppath, what, type_, prop.op, prop.value, prop.value is UNSET)

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
            allowed = PROPERTY_TYPES_OF.get(agg.fn)
            if allowed is not None and prop_type not in allowed[0]:
                self.fail(
                    f"{path}.aggregate.property",
                    later._(allowed[1], fn=repr(agg.fn), property=repr(agg.property), type=_type_name(prop_type)),
                )
                return
            if agg.fn in ("min", "max"):
                result_type = prop_type
        op, value = rule.comparison
        what = later._("aggregate {fn} ({type})", fn=repr(agg.fn), type=_type_name(result_type))
        self.comparison(path, what, result_type, op, value, value is UNSET)

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
                        later._(
                            "event {event} has no property {property}; use one of {known}",
                            event=repr(name),
                            property=repr(rule.match_on),
                            known=_choices(self.catalog.properties_of((name,)), 40),
                        ),
                    )
                    break

    def visit_InSegment(self, rule: InSegment, path: str, stack: Stack) -> None:  # noqa: N802 - named after the node class it visits
        if len(stack) > MAX_INLINED_DEPTH:
            self.fail(
                f"{path}.in_segment",
                later._("segments use each other more than {n} levels deep", n=MAX_INLINED_DEPTH),
            )
            return
        if rule.segment in stack:
            self.fail(f"{path}.in_segment", cycle_message((*stack, rule.segment)))
            return
        if rule.segment not in self.catalog.segments or self.resolve is None:
            known = _choices(self.catalog.segments, 40, none=later._("none yet"))
            self.fail(
                f"{path}.in_segment",
                later._("unknown segment {segment}; saved segments: {known}", segment=repr(rule.segment), known=known),
            )
            return
        referenced = self.resolve(rule.segment)
        nested = Validator(self.catalog, self.resolve)
        nested.visit(referenced.rule, paths.ROOT, (*stack, rule.segment))
        for problem in nested.problems:
            text = problem.text if problem.text is not None else problem.message
            if problem.text is not None and problem.text.id == CYCLE:
                self.fail(f"{path}.in_segment", problem.text)
            else:
                self.fail(
                    f"{path}.in_segment",
                    later._(
                        "segment {segment} is invalid: {path}: {problem}",
                        segment=repr(rule.segment),
                        path=problem.path,
                        problem=text,
                    ),
                )


CYCLE = "segment reference cycle: {cycle}"


def cycle_message(stack: Stack) -> Message:
    """The problem of segments that use each other in a circle (``a → b → a``)."""
    return later._("segment reference cycle: {cycle}", cycle=" → ".join(stack))


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
        validator.fail(
            "rule", later._("with the segments it uses, this rule nests more than {n} levels deep", n=MAX_INLINED_DEPTH)
        )
    if validator.problems:
        raise SegmentError(validator.problems)


def problems(segment: Segment | Rule, catalog: Catalog, resolve: Resolver | None = None) -> list[Problem]:
    """Every problem of ``segment`` (empty when valid), for views that show them in place."""
    try:
        validate(segment, catalog, resolve)
    except SegmentError as exc:
        return exc.problems
    return []
