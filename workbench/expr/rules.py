"""The segment rule tree of SPEC §3 as plain data.

Every node is a frozen, hashable dataclass. ``from_dict`` reads the JSON form and reports
the JSON path of anything malformed; ``to_dict`` writes it back exactly as it was read
(keys left out stay left out, so defaults are never written in). Checks that need the
catalog (does this field exist, is this operator valid for its type) live in
``validate.py``; this module checks only the shape of the document.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any as AnyType
from typing import ClassVar

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class _Unset:
    """Marks a key that the document leaves out (distinct from an explicit ``null``)."""

    _instance: ClassVar[_Unset | None] = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET = _Unset()


@dataclass(frozen=True)
class Ago:
    """A TIME relative to the evaluation instant: ``{"ago": "7d"}``."""

    duration: str


Value = str | int | float | bool | None | Ago | tuple | _Unset


def freeze(value: AnyType) -> Value:
    """JSON value → hashable tree value (lists become tuples, ``{"ago": D}`` an Ago)."""
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict) and set(value) == {"ago"}:
        return Ago(value["ago"])
    return value


def thaw(value: Value) -> AnyType:
    """Inverse of :func:`freeze`."""
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    if isinstance(value, Ago):
        return {"ago": value.duration}
    return value


class Node:
    """Behaviour shared by every node of the tree."""

    # every node is a dataclass: this lets type checkers see it (``fields``, ``replace``)
    __dataclass_fields__: ClassVar[dict[str, AnyType]]

    def children(self) -> tuple[Node, ...]:
        """The direct sub-nodes, in document order."""
        out: list[Node] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Node):
                out.append(value)
            elif isinstance(value, tuple):
                out.extend(v for v in value if isinstance(v, Node))
        return tuple(out)

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()

    def to_dict(self) -> dict:  # pragma: no cover - every node overrides it
        raise NotImplementedError


class Rule(Node):
    """A node that selects contacts; combine with ``&``, ``|`` and ``~``."""

    def __and__(self, other: Rule) -> All:
        return All(_flatten(All, self) + _flatten(All, as_rule(other)))

    def __or__(self, other: Rule) -> AnyOf:
        return AnyOf(_flatten(AnyOf, self) + _flatten(AnyOf, as_rule(other)))

    def __invert__(self) -> Rule:
        return self.rule if isinstance(self, Not) else Not(self)


def _flatten(kind: type, rule: Rule) -> tuple[Rule, ...]:
    return rule.rules if isinstance(rule, kind) else (rule,)


def as_rule(value: AnyType) -> Rule:
    """A Rule, or a DSL builder that stands for one."""
    if isinstance(value, Rule):
        return value
    to_rule = getattr(value, "to_rule", None)
    if to_rule is None:
        raise TypeError(f"expected a segment rule, got {type(value).__name__}")
    return to_rule()


# --- groups ---------------------------------------------------------------------------


@dataclass(frozen=True)
class All(Rule):
    """Every sub-rule holds; empty: every contact."""

    rules: tuple[Rule, ...] = ()

    def to_dict(self) -> dict:
        return {"all": [r.to_dict() for r in self.rules]}


@dataclass(frozen=True)
class AnyOf(Rule):
    """At least one sub-rule holds; empty: no contact."""

    rules: tuple[Rule, ...] = ()

    def to_dict(self) -> dict:
        return {"any": [r.to_dict() for r in self.rules]}


@dataclass(frozen=True)
class Not(Rule):
    """The complement of a rule within the universe."""

    rule: Rule

    def to_dict(self) -> dict:
        return {"not": self.rule.to_dict()}


# --- conditions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Attribute(Rule):
    """A comparison on a ``contacts`` column."""

    field: str
    op: str
    value: Value = UNSET

    def to_dict(self) -> dict:
        return _with_value({"attribute": self.field, "op": self.op}, self.value)


@dataclass(frozen=True)
class Prop(Node):
    """A filter on an event's column or ``properties`` key."""

    property: str
    op: str
    value: Value = UNSET

    def to_dict(self) -> dict:
        return _with_value({"property": self.property, "op": self.op}, self.value)


@dataclass(frozen=True)
class Last(Node):
    """Window (T − duration, T]."""

    duration: str

    def to_dict(self) -> dict:
        return {"last": self.duration}


@dataclass(frozen=True)
class Since(Node):
    """Window [time, T]."""

    time: str | Ago

    def to_dict(self) -> dict:
        return {"since": thaw(self.time)}


@dataclass(frozen=True)
class Between(Node):
    """Window [start, end], inclusive, and never past T."""

    start: str | Ago
    end: str | Ago

    def to_dict(self) -> dict:
        return {"between": [thaw(self.start), thaw(self.end)]}


Window = Last | Since | Between


@dataclass(frozen=True)
class Aggregate(Node):
    """What is computed over a contact's matching events."""

    fn: str
    property: str | None = None

    def to_dict(self) -> dict:
        out: dict = {"fn": self.fn}
        if self.property is not None:
            out["property"] = self.property
        return out


COUNT = Aggregate("count")


@dataclass(frozen=True)
class Event(Rule):
    """An aggregate of a contact's events compared with a value (SPEC §3.2)."""

    event: str | tuple[str, ...]
    where: tuple[Prop, ...] | None = None
    window: Window | None = None
    aggregate: Aggregate | None = None
    op: str | None = None
    value: Value = UNSET

    @property
    def names(self) -> tuple[str, ...] | None:
        """The event names counted, or None for any name (``"*"``)."""
        if self.event == "*":
            return None
        return self.event if isinstance(self.event, tuple) else (self.event,)

    @property
    def agg(self) -> Aggregate:
        return self.aggregate or COUNT

    @property
    def comparison(self) -> tuple[str, Value]:
        """The operator and value, with the SPEC defaults (``gte 1``) filled in."""
        op = self.op or "gte"
        value = self.value
        if value is UNSET and self.op is None:
            value = 1
        return op, value

    def to_dict(self) -> dict:
        out: dict = {"event": thaw(self.event)}
        if self.where is not None:
            out["where"] = [p.to_dict() for p in self.where]
        if self.window is not None:
            out["window"] = self.window.to_dict()
        if self.aggregate is not None:
            out["aggregate"] = self.aggregate.to_dict()
        if self.op is not None:
            out["op"] = self.op
        return _with_value(out, self.value)


@dataclass(frozen=True)
class Step(Node):
    """One step of a sequence; ``negated`` for the ``{"not": STEP}`` form."""

    event: str
    where: tuple[Prop, ...] | None = None
    negated: bool = False

    def to_dict(self) -> dict:
        out: dict = {"event": self.event}
        if self.where is not None:
            out["where"] = [p.to_dict() for p in self.where]
        return {"not": out} if self.negated else out

    def __invert__(self) -> Step:
        return Step(self.event, self.where, not self.negated)


@dataclass(frozen=True)
class Sequence(Rule):
    """Events in order (SPEC §3.3): all positive steps, or a step then ``not`` a step."""

    steps: tuple[Step, ...]
    within: str | None = None
    window: Window | None = None
    match_on: str | None = None

    @property
    def is_negated(self) -> bool:
        return self.steps[-1].negated

    def to_dict(self) -> dict:
        out: dict = {"sequence": [s.to_dict() for s in self.steps]}
        if self.within is not None:
            out["within"] = self.within
        if self.window is not None:
            out["window"] = self.window.to_dict()
        if self.match_on is not None:
            out["match_on"] = self.match_on
        return out


@dataclass(frozen=True)
class InSegment(Rule):
    """Member of another saved segment, evaluated at the same time."""

    segment: str

    def to_dict(self) -> dict:
        return {"in_segment": self.segment}


@dataclass(frozen=True)
class InList(Rule):
    """Member of a static list."""

    list_id: str

    def to_dict(self) -> dict:
        return {"in_list": self.list_id}


RULE_NODES: tuple[type[Rule], ...] = (All, AnyOf, Not, Attribute, Event, Sequence, InSegment, InList)
"""Every kind of rule: what a visitor of whole rules must handle."""


def _with_value(out: dict, value: Value) -> dict:
    if value is not UNSET:
        out["value"] = thaw(value)
    return out


# --- the document ---------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A segment document: ``{"version": 1, "id", "name", "description", "rule"}``."""

    id: str
    name: str
    rule: Rule
    description: str | None = None
    version: int = 1

    def to_dict(self) -> dict:
        out: dict = {"version": self.version, "id": self.id, "name": self.name}
        if self.description is not None:
            out["description"] = self.description
        out["rule"] = self.rule.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: AnyType) -> Segment:
        """Read a document; raises SegmentError listing every malformed node."""
        from workbench.expr.reader import read_segment  # the reader builds the nodes defined here

        return read_segment(data)

    def walk(self) -> Iterator[Node]:
        return self.rule.walk()

    def with_rule(self, rule: Rule) -> Segment:
        return Segment(self.id, self.name, rule, self.description, self.version)


def slugify(name: str) -> str:
    """An id from a name: ``"VIP customers – Gdańsk"`` → ``"vip-customers-gdansk"``."""
    ascii_name = unicodedata.normalize("NFKD", name.replace("ł", "l").replace("Ł", "L"))
    ascii_name = ascii_name.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")
    return slug or "segment"
