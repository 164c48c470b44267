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

from workbench.errors import Problem, SegmentError
from workbench.expr.timeutil import Duration, is_date_text, parse_date, parse_instant

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

    def children(self) -> tuple[Node, ...]:
        """The direct sub-nodes, in document order."""
        out: list[Node] = []
        for f in fields(self):  # type: ignore[arg-type]
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
        reader = _Reader()
        segment = reader.segment(data)
        if reader.problems:
            raise SegmentError(reader.problems)
        return segment

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


def rule_from_dict(data: AnyType, path: str = "rule") -> Rule:
    """Read one RULE; raises SegmentError with JSON paths."""
    reader = _Reader()
    rule = reader.rule(data, path)
    if reader.problems:
        raise SegmentError(reader.problems)
    return rule


# --- reading JSON ---------------------------------------------------------------------

RULE_KINDS = ("all", "any", "not", "attribute", "event", "sequence", "in_segment", "in_list")
AGG_FNS = ("count", "sum", "avg", "min", "max", "count_distinct", "distinct_days", "first_time", "last_time")
AGG_WITH_PROPERTY = ("sum", "avg", "min", "max", "count_distinct")


MAX_DEPTH = 32
"""Levels of rules a document may nest (a group or ``not`` is a level, so is a condition):
far beyond what a person writes or the builder makes, and a bound on the work of every
recursive reader of the tree. With the segments it uses inlined, see ``validate``."""


class _Reader:
    """Parses JSON into nodes, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.depth = 0  # of the rule being read

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def keys(self, data: dict, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> bool:
        ok = True
        for key in data:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                self.fail(where, f"unknown key; valid keys here are {', '.join(allowed)}")
                ok = False
        for key in required:
            if key not in data:
                self.fail(path or "document", f"missing required key {key!r}")
                ok = False
        return ok

    def text(self, value: AnyType, path: str, what: str) -> str:
        if not isinstance(value, str) or not value:
            self.fail(path, f"{what} must be a non-empty string, got {value!r}")
            return ""
        return value

    def duration(self, value: AnyType, path: str) -> str:
        try:
            Duration.parse(value)
        except ValueError as exc:
            self.fail(path, str(exc))
        return value if isinstance(value, str) else ""

    def time(self, value: AnyType, path: str) -> str | Ago:
        if isinstance(value, dict):
            if set(value) != {"ago"}:
                self.fail(path, 'a relative time is written {"ago": DURATION}')
                return Ago("")
            return Ago(self.duration(value["ago"], f"{path}.ago"))
        try:
            if is_date_text(value):
                parse_date(value)
            else:
                parse_instant(value)
        except (ValueError, AttributeError) as exc:
            self.fail(path, str(exc))
        return value if isinstance(value, str) else ""

    def segment(self, data: AnyType) -> Segment:
        if not isinstance(data, dict):
            self.fail("document", "a segment document must be a JSON object")
            return Segment("", "", All())
        self.keys(data, "", ("version", "id", "name", "description", "rule"), ("rule",))
        version = data.get("version", 1)
        if version != 1 or isinstance(version, bool):
            self.fail("version", f"unsupported version {version!r}; this workbench reads version 1")
        name = data.get("name")
        seg_id = data.get("id")
        if name is None and seg_id is None:
            self.fail("name", "a segment needs a name (or at least an id)")
        if name is not None:
            name = self.text(name, "name", "name")
        if seg_id is None:
            seg_id = slugify(name or "")
        elif not isinstance(seg_id, str) or not SLUG_RE.match(seg_id):
            self.fail(
                "id",
                f"{seg_id!r} is not a valid id; use lower-case letters, digits, '_' and '-', starting with a letter or digit",
            )
        description = data.get("description")
        if description is not None and not isinstance(description, str):
            self.fail("description", "description must be a string")
        rule = self.rule(data["rule"], "rule") if "rule" in data else All()
        return Segment(seg_id or "", name or seg_id or "", rule, description, 1)

    def rule(self, data: AnyType, path: str) -> Rule:
        if self.depth == MAX_DEPTH:
            self.fail(path, f"rules nest at most {MAX_DEPTH} levels deep; this one goes deeper")
            return All()
        self.depth += 1
        try:
            return self._rule(data, path)
        finally:
            self.depth -= 1

    def _rule(self, data: AnyType, path: str) -> Rule:
        if not isinstance(data, dict):
            self.fail(path, f"a rule must be a JSON object with one of the keys {', '.join(RULE_KINDS)}")
            return All()
        kinds = [k for k in RULE_KINDS if k in data]
        if len(kinds) != 1:
            found = f"found {', '.join(kinds)}" if kinds else f"found keys {', '.join(map(str, data)) or 'none'}"
            self.fail(path, f"a rule needs exactly one of {', '.join(RULE_KINDS)}; {found}")
            return All()
        read = {
            "all": self.rule_all,
            "any": self.rule_any,
            "not": self.rule_not,
            "attribute": self.rule_attribute,
            "event": self.rule_event,
            "sequence": self.rule_sequence,
            "in_segment": self.rule_in_segment,
            "in_list": self.rule_in_list,
        }
        return read[kinds[0]](data, path)

    def _group(self, data: dict, path: str, key: str) -> tuple[Rule, ...]:
        self.keys(data, path, (key,))
        items = data[key]
        if not isinstance(items, list):
            self.fail(f"{path}.{key}", f"'{key}' takes a list of rules")
            return ()
        return tuple(self.rule(item, f"{path}.{key}[{i}]") for i, item in enumerate(items))

    def rule_all(self, data: dict, path: str) -> Rule:
        return All(self._group(data, path, "all"))

    def rule_any(self, data: dict, path: str) -> Rule:
        return AnyOf(self._group(data, path, "any"))

    def rule_not(self, data: dict, path: str) -> Rule:
        self.keys(data, path, ("not",))
        return Not(self.rule(data["not"], f"{path}.not"))

    def value(self, data: dict, path: str) -> Value:
        if "value" not in data:
            return UNSET
        raw = data["value"]
        if isinstance(raw, dict) and set(raw) != {"ago"}:
            self.fail(f"{path}.value", 'a value is a string, number, boolean, list, or {"ago": DURATION}')
        if isinstance(raw, list):
            for i, item in enumerate(raw):
                if isinstance(item, list) or (isinstance(item, dict) and set(item) != {"ago"}):
                    self.fail(f"{path}.value[{i}]", "list items must be strings, numbers, booleans or times")
                    return UNSET  # not frozen: a list may nest arbitrarily deep
        return freeze(raw)

    def rule_attribute(self, data: dict, path: str) -> Rule:
        self.keys(data, path, ("attribute", "op", "value"), ("op",))
        return Attribute(
            self.text(data["attribute"], f"{path}.attribute", "attribute"),
            self.text(data.get("op"), f"{path}.op", "op") if "op" in data else "",
            self.value(data, path),
        )

    def prop(self, data: AnyType, path: str) -> Prop:
        if not isinstance(data, dict):
            self.fail(path, 'a property filter is {"property": NAME, "op": OP, "value": V}')
            return Prop("", "")
        self.keys(data, path, ("property", "op", "value"), ("property", "op"))
        return Prop(
            self.text(data.get("property"), f"{path}.property", "property") if "property" in data else "",
            self.text(data.get("op"), f"{path}.op", "op") if "op" in data else "",
            self.value(data, path),
        )

    def where(self, data: dict, path: str) -> tuple[Prop, ...] | None:
        if "where" not in data:
            return None
        items = data["where"]
        if not isinstance(items, list):
            self.fail(f"{path}.where", "'where' takes a list of property filters")
            return ()
        return tuple(self.prop(item, f"{path}.where[{i}]") for i, item in enumerate(items))

    def window(self, data: dict, path: str) -> Window | None:
        if "window" not in data:
            return None
        raw, wpath = data["window"], f"{path}.window"
        if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in ("last", "since", "between"):
            self.fail(wpath, 'a window is {"last": DURATION}, {"since": TIME} or {"between": [TIME, TIME]}')
            return None
        if "last" in raw:
            return Last(self.duration(raw["last"], f"{wpath}.last"))
        if "since" in raw:
            return Since(self.time(raw["since"], f"{wpath}.since"))
        bounds = raw["between"]
        if not isinstance(bounds, list) or len(bounds) != 2:
            self.fail(f"{wpath}.between", "'between' takes exactly two times [start, end]")
            return None
        return Between(self.time(bounds[0], f"{wpath}.between[0]"), self.time(bounds[1], f"{wpath}.between[1]"))

    def event_names(self, raw: AnyType, path: str) -> str | tuple[str, ...]:
        if isinstance(raw, list):
            if not raw:
                self.fail(path, 'a list of event names cannot be empty; use "*" for any event')
            return tuple(self.text(n, f"{path}[{i}]", "event name") for i, n in enumerate(raw))
        return self.text(raw, path, "event name")

    def aggregate(self, data: dict, path: str) -> Aggregate | None:
        if "aggregate" not in data:
            return None
        raw, apath = data["aggregate"], f"{path}.aggregate"
        if not isinstance(raw, dict) or "fn" not in raw:
            self.fail(apath, 'an aggregate is {"fn": FN} or {"fn": FN, "property": P}')
            return None
        self.keys(raw, apath, ("fn", "property"))
        fn = raw["fn"]
        if fn not in AGG_FNS:
            self.fail(f"{apath}.fn", f"unknown aggregate {fn!r}; use one of {', '.join(AGG_FNS)}")
        prop = raw.get("property")
        if fn in AGG_WITH_PROPERTY and prop is None:
            self.fail(apath, f"aggregate {fn!r} needs a 'property'")
        if fn not in AGG_WITH_PROPERTY and prop is not None and fn in AGG_FNS:
            self.fail(f"{apath}.property", f"aggregate {fn!r} takes no property")
        if prop is not None:
            prop = self.text(prop, f"{apath}.property", "property")
        return Aggregate(fn if isinstance(fn, str) else "", prop)

    def rule_event(self, data: dict, path: str) -> Rule:
        self.keys(data, path, ("event", "where", "window", "aggregate", "op", "value"))
        op = data.get("op")
        if op is not None:
            op = self.text(op, f"{path}.op", "op")
        return Event(
            self.event_names(data["event"], f"{path}.event"),
            self.where(data, path),
            self.window(data, path),
            self.aggregate(data, path),
            op,
            self.value(data, path),
        )

    def step(self, data: AnyType, path: str) -> Step:
        negated = isinstance(data, dict) and set(data) == {"not"}
        if negated:
            data, path = data["not"], f"{path}.not"
        if not isinstance(data, dict) or "event" not in data:
            self.fail(path, 'a step is {"event": NAME, "where": [...]} or {"not": STEP}')
            return Step("")
        self.keys(data, path, ("event", "where"))
        return Step(self.text(data["event"], f"{path}.event", "event name"), self.where(data, path), negated)

    def rule_sequence(self, data: dict, path: str) -> Rule:
        self.keys(data, path, ("sequence", "within", "window", "match_on"))
        raw = data["sequence"]
        spath = f"{path}.sequence"
        if not isinstance(raw, list) or len(raw) < 2:
            self.fail(spath, "a sequence needs a list of at least two steps")
            raw = raw if isinstance(raw, list) else []
        steps = tuple(self.step(s, f"{spath}[{i}]") for i, s in enumerate(raw))
        for i, step in enumerate(steps):
            if step.negated and (i != len(steps) - 1 or len(steps) != 2):
                self.fail(f"{spath}[{i}]", "a negated step is only allowed as the second of exactly two steps")
        if steps and steps[0].negated:
            self.fail(f"{spath}[0]", "the first step cannot be negated")
        within = data.get("within")
        if within is not None:
            within = self.duration(within, f"{path}.within")
        match_on = data.get("match_on")
        if match_on is not None:
            match_on = self.text(match_on, f"{path}.match_on", "match_on")
        return Sequence(steps, within, self.window(data, path), match_on)

    def rule_in_segment(self, data: dict, path: str) -> Rule:
        self.keys(data, path, ("in_segment",))
        return InSegment(self.text(data["in_segment"], f"{path}.in_segment", "segment id"))

    def rule_in_list(self, data: dict, path: str) -> Rule:
        self.keys(data, path, ("in_list",))
        return InList(self.text(data["in_list"], f"{path}.in_list", "list id"))
