"""Reading a segment document (SPEC §3) into the nodes of ``rules.py``.

Every malformed node is reported with its JSON path, all at once: paths are written with
the grammar of :mod:`workbench.expr.paths`, the one validation and the builder use. The
messages are :class:`~workbench.i18n.Message` objects, as the validator's.
"""

from __future__ import annotations

from typing import Any as AnyType

from workbench.errors import InvalidValue, Problem, SegmentError
from workbench.expr import paths
from workbench.expr.rules import (
    SLUG_RE,
    UNSET,
    Aggregate,
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
    freeze,
    slugify,
)
from workbench.expr.timeutil import Duration, is_date_text, parse_date, parse_instant
from workbench.i18n import Message, later


def read_segment(data: AnyType) -> Segment:
    """Read a document; raises SegmentError listing every malformed node."""
    reader = _Reader()
    segment = reader.segment(data)
    if reader.problems:
        raise SegmentError(reader.problems)
    return segment


def rule_from_dict(data: AnyType, path: str = paths.ROOT) -> Rule:
    """Read one RULE; raises SegmentError with JSON paths."""
    reader = _Reader()
    rule = reader.rule(data, path)
    if reader.problems:
        raise SegmentError(reader.problems)
    return rule


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

    def fail(self, path: str, message: Message) -> None:
        self.problems.append(Problem.of(path, message))

    def keys(self, data: dict, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> bool:
        ok = True
        for key in data:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                self.fail(where, later._("unknown key; valid keys here are {keys}", keys=", ".join(allowed)))
                ok = False
        for key in required:
            if key not in data:
                self.fail(path or "document", later._("missing required key {key}", key=repr(key)))
                ok = False
        return ok

    def text(self, value: AnyType, path: str, what: str | Message) -> str:
        """``what`` is the key read, as the document writes it (``attribute``, ``op``), or
        what it names, in words (a message)."""
        if not isinstance(value, str) or not value:
            self.fail(path, later._("{what} must be a non-empty string, got {value}", what=what, value=repr(value)))
            return ""
        return value

    def duration(self, value: AnyType, path: str) -> str:
        try:
            Duration.parse(value)
        except InvalidValue as exc:
            self.fail(path, exc.text)
        return value if isinstance(value, str) else ""

    def time(self, value: AnyType, path: str) -> str | Ago:
        if isinstance(value, dict):
            if set(value) != {"ago"}:
                self.fail(path, later._('a relative time is written {"ago": DURATION}'))
                return Ago("")
            return Ago(self.duration(value["ago"], f"{path}.ago"))
        try:
            if is_date_text(value):
                parse_date(value)
            else:
                parse_instant(value)
        except InvalidValue as exc:
            self.fail(path, exc.text)
        return value if isinstance(value, str) else ""

    def segment(self, data: AnyType) -> Segment:
        if not isinstance(data, dict):
            self.fail("document", later._("a segment document must be a JSON object"))
            return Segment("", "", All())
        self.keys(data, "", ("version", "id", "name", "description", "rule"), ("rule",))
        version = data.get("version", 1)
        if version != 1 or isinstance(version, bool):
            self.fail(
                "version",
                later._("unsupported version {version}; this workbench reads version 1", version=repr(version)),
            )
        name = data.get("name")
        seg_id = data.get("id")
        if name is None and seg_id is None:
            self.fail("name", later._("a segment needs a name (or at least an id)"))
        if name is not None:
            name = self.text(name, "name", "name")
        if seg_id is None:
            seg_id = slugify(name or "")
        elif not isinstance(seg_id, str) or not SLUG_RE.match(seg_id):
            self.fail(
                "id",
                later._(
                    "{id} is not a valid id; use lower-case letters, digits, '_' and '-', starting with a letter or digit",
                    id=repr(seg_id),
                ),
            )
        description = data.get("description")
        if description is not None and not isinstance(description, str):
            self.fail("description", later._("description must be a string"))
        rule = self.rule(data["rule"], paths.ROOT) if "rule" in data else All()
        return Segment(seg_id or "", name or seg_id or "", rule, description, 1)

    def rule(self, data: AnyType, path: str) -> Rule:
        if self.depth == MAX_DEPTH:
            self.fail(path, later._("rules nest at most {n} levels deep; this one goes deeper", n=MAX_DEPTH))
            return All()
        self.depth += 1
        try:
            return self._rule(data, path)
        finally:
            self.depth -= 1

    def _rule(self, data: AnyType, path: str) -> Rule:
        if not isinstance(data, dict):
            self.fail(
                path, later._("a rule must be a JSON object with one of the keys {keys}", keys=", ".join(RULE_KINDS))
            )
            return All()
        kinds = [k for k in RULE_KINDS if k in data]
        if len(kinds) != 1:
            if kinds:
                found = later._("found {keys}", keys=", ".join(kinds))
            elif data:
                found = later._("found keys {keys}", keys=", ".join(map(str, data)))
            else:
                found = later._("found keys none")
            self.fail(
                path, later._("a rule needs exactly one of {kinds}; {found}", kinds=", ".join(RULE_KINDS), found=found)
            )
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
            self.fail(f"{path}.{key}", later._("'{key}' takes a list of rules", key=key))
            return ()
        return tuple(self.rule(item, paths.child(path, key, i)) for i, item in enumerate(items))

    def rule_all(self, data: dict, path: str) -> Rule:
        return All(self._group(data, path, "all"))

    def rule_any(self, data: dict, path: str) -> Rule:
        return AnyOf(self._group(data, path, "any"))

    def rule_not(self, data: dict, path: str) -> Rule:
        self.keys(data, path, ("not",))
        return Not(self.rule(data["not"], paths.child(path, "not")))

    def value(self, data: dict, path: str) -> Value:
        if "value" not in data:
            return UNSET
        raw = data["value"]
        if isinstance(raw, dict) and set(raw) != {"ago"}:
            self.fail(f"{path}.value", later._('a value is a string, number, boolean, list, or {"ago": DURATION}'))
        if isinstance(raw, list):
            for i, item in enumerate(raw):
                if isinstance(item, list) or (isinstance(item, dict) and set(item) != {"ago"}):
                    self.fail(f"{path}.value[{i}]", later._("list items must be strings, numbers, booleans or times"))
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
            self.fail(path, later._('a property filter is {"property": NAME, "op": OP, "value": V}'))
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
            self.fail(f"{path}.where", later._("'where' takes a list of property filters"))
            return ()
        return tuple(self.prop(item, paths.child(path, "where", i)) for i, item in enumerate(items))

    def window(self, data: dict, path: str) -> Window | None:
        if "window" not in data:
            return None
        raw, wpath = data["window"], f"{path}.window"
        if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in ("last", "since", "between"):
            self.fail(wpath, later._('a window is {"last": DURATION}, {"since": TIME} or {"between": [TIME, TIME]}'))
            return None
        if "last" in raw:
            return Last(self.duration(raw["last"], f"{wpath}.last"))
        if "since" in raw:
            return Since(self.time(raw["since"], f"{wpath}.since"))
        bounds = raw["between"]
        if not isinstance(bounds, list) or len(bounds) != 2:
            self.fail(f"{wpath}.between", later._("'between' takes exactly two times [start, end]"))
            return None
        return Between(self.time(bounds[0], f"{wpath}.between[0]"), self.time(bounds[1], f"{wpath}.between[1]"))

    def event_names(self, raw: AnyType, path: str) -> str | tuple[str, ...]:
        if isinstance(raw, list):
            if not raw:
                self.fail(path, later._('a list of event names cannot be empty; use "*" for any event'))
            return tuple(self.text(n, f"{path}[{i}]", later._("event name")) for i, n in enumerate(raw))
        return self.text(raw, path, later._("event name"))

    def aggregate(self, data: dict, path: str) -> Aggregate | None:
        if "aggregate" not in data:
            return None
        raw, apath = data["aggregate"], f"{path}.aggregate"
        if not isinstance(raw, dict) or "fn" not in raw:
            self.fail(apath, later._('an aggregate is {"fn": FN} or {"fn": FN, "property": P}'))
            return None
        self.keys(raw, apath, ("fn", "property"))
        fn = raw["fn"]
        if fn not in AGG_FNS:
            self.fail(
                f"{apath}.fn", later._("unknown aggregate {fn}; use one of {fns}", fn=repr(fn), fns=", ".join(AGG_FNS))
            )
        prop = raw.get("property")
        if fn in AGG_WITH_PROPERTY and prop is None:
            self.fail(apath, later._("aggregate {fn} needs a 'property'", fn=repr(fn)))
        if fn not in AGG_WITH_PROPERTY and prop is not None and fn in AGG_FNS:
            self.fail(f"{apath}.property", later._("aggregate {fn} takes no property", fn=repr(fn)))
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
            data, path = data["not"], paths.child(path, "not")
        if not isinstance(data, dict) or "event" not in data:
            self.fail(path, later._('a step is {"event": NAME, "where": [...]} or {"not": STEP}'))
            return Step("")
        self.keys(data, path, ("event", "where"))
        return Step(self.text(data["event"], f"{path}.event", later._("event name")), self.where(data, path), negated)

    def rule_sequence(self, data: dict, path: str) -> Rule:
        self.keys(data, path, ("sequence", "within", "window", "match_on"))
        raw = data["sequence"]
        spath = f"{path}.sequence"
        if not isinstance(raw, list) or len(raw) < 2:
            self.fail(spath, later._("a sequence needs a list of at least two steps"))
            raw = raw if isinstance(raw, list) else []
        steps = tuple(self.step(s, paths.child(path, "sequence", i)) for i, s in enumerate(raw))
        for i, step in enumerate(steps):
            if step.negated and (i != len(steps) - 1 or len(steps) != 2):
                self.fail(
                    paths.child(path, "sequence", i),
                    later._("a negated step is only allowed as the second of exactly two steps"),
                )
        if steps and steps[0].negated:
            self.fail(paths.child(path, "sequence", 0), later._("the first step cannot be negated"))
        within = data.get("within")
        if within is not None:
            within = self.duration(within, f"{path}.within")
        match_on = data.get("match_on")
        if match_on is not None:
            match_on = self.text(match_on, f"{path}.match_on", "match_on")
        return Sequence(steps, within, self.window(data, path), match_on)

    def rule_in_segment(self, data: dict, path: str) -> Rule:
        self.keys(data, path, ("in_segment",))
        return InSegment(self.text(data["in_segment"], f"{path}.in_segment", later._("segment id")))

    def rule_in_list(self, data: dict, path: str) -> Rule:
        self.keys(data, path, ("in_list",))
        return InList(self.text(data["in_list"], f"{path}.in_list", later._("list id")))
