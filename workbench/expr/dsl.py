"""A small Python language for analysts that builds the same rule tree as the JSON.

>>> from workbench.expr.dsl import attr, event
>>> rule = (attr("city") == "Gdańsk") & (event("purchase").last("3mo").sum("amount") > 1000)
>>> rule.to_dict()["all"][1]["aggregate"]
{'fn': 'sum', 'property': 'amount'}
>>> (~event("email_open").last("30d")).to_dict()
{'not': {'event': 'email_open', 'window': {'last': '30d'}}}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.expr.rules import (
    UNSET,
    Aggregate,
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
    Sequence,
    Since,
    Step,
    Window,
    as_rule,
    freeze,
)


class _Comparable:
    """``==``, ``>``, ``.isin()``… produce a node through ``_make(op, value)``."""

    def _make(self, op: str, value: Any = UNSET) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def __eq__(self, value: Any) -> Any:  # type: ignore[override]
        return self._make("eq", freeze(value))

    def __ne__(self, value: Any) -> Any:  # type: ignore[override]
        return self._make("ne", freeze(value))

    def __gt__(self, value: Any) -> Any:
        return self._make("gt", value)

    def __ge__(self, value: Any) -> Any:
        return self._make("gte", value)

    def __lt__(self, value: Any) -> Any:
        return self._make("lt", value)

    def __le__(self, value: Any) -> Any:
        return self._make("lte", value)

    __hash__ = None  # type: ignore[assignment]

    def isin(self, values: list) -> Any:
        return self._make("in", freeze(list(values)))

    def notin(self, values: list) -> Any:
        return self._make("not_in", freeze(list(values)))

    def between(self, lo: Any, hi: Any) -> Any:
        return self._make("between", freeze([lo, hi]))

    def contains(self, text: str) -> Any:
        return self._make("contains", text)

    def not_contains(self, text: str) -> Any:
        return self._make("not_contains", text)

    def startswith(self, text: str) -> Any:
        return self._make("starts_with", text)

    def endswith(self, text: str) -> Any:
        return self._make("ends_with", text)

    def is_set(self) -> Any:
        return self._make("is_set")

    def is_not_set(self) -> Any:
        return self._make("is_not_set")

    def is_true(self) -> Any:
        return self._make("is_true")

    def is_false(self) -> Any:
        return self._make("is_false")

    def before(self, time: Any) -> Any:
        return self._make("before", freeze(time))

    def after(self, time: Any) -> Any:
        return self._make("after", freeze(time))

    def within_last(self, duration: str) -> Any:
        return self._make("within_last", duration)

    def not_within_last(self, duration: str) -> Any:
        return self._make("not_within_last", duration)

    def anniversary_within_days(self, days: int) -> Any:
        return self._make("anniversary_within_days", days)

    def has(self, item: str) -> Any:
        return self._make("has", item)

    def has_not(self, item: str) -> Any:
        return self._make("has_not", item)

    def has_any(self, items: list) -> Any:
        return self._make("has_any", freeze(list(items)))

    def has_all(self, items: list) -> Any:
        return self._make("has_all", freeze(list(items)))


@dataclass(frozen=True, eq=False)
class attr(_Comparable):  # noqa: N801 - reads as a function in rules: attr("city") == "Gdańsk"
    """A contact attribute, compared into an Attribute condition."""

    field: str

    def _make(self, op: str, value: Any = UNSET) -> Attribute:
        return Attribute(self.field, op, value)


@dataclass(frozen=True, eq=False)
class prop(_Comparable):  # noqa: N801
    """An event property, compared into a ``where`` filter."""

    property: str

    def _make(self, op: str, value: Any = UNSET) -> Prop:
        return Prop(self.property, op, value)


def ago(duration: str) -> dict:
    """A TIME relative to the evaluation instant: ``ago("7d")``."""
    return {"ago": duration}


@dataclass(frozen=True, eq=False)
class event(_Comparable):  # noqa: N801
    """An event condition under construction: ``event("purchase").last("3mo").sum("amount") > 1000``.

    Used as a rule without a comparison it means "did it at least once".
    """

    name: str | tuple[str, ...]
    _where: tuple[Prop, ...] | None = None
    _window: Window | None = None
    _aggregate: Aggregate | None = None

    def __init__(self, *names: str, _where=None, _window=None, _aggregate=None) -> None:
        object.__setattr__(self, "name", names[0] if len(names) == 1 else tuple(names))
        object.__setattr__(self, "_where", _where)
        object.__setattr__(self, "_window", _window)
        object.__setattr__(self, "_aggregate", _aggregate)

    def _with(self, **changes: Any) -> event:
        names = self.name if isinstance(self.name, tuple) else (self.name,)
        values = {"_where": self._where, "_window": self._window, "_aggregate": self._aggregate, **changes}
        return event(*names, **values)

    def where(self, *filters: Prop, **equals: Any) -> event:
        """Keep events whose properties pass: ``.where(prop("amount") > 50, category="running")``."""
        extra = tuple(filters) + tuple(Prop(k, "eq", freeze(v)) for k, v in equals.items())
        return self._with(_where=(self._where or ()) + extra)

    def last(self, duration: str) -> event:
        return self._with(_window=Last(duration))

    def since(self, time: Any) -> event:
        return self._with(_window=Since(freeze(time)))

    def between(self, start: Any, end: Any) -> event:  # type: ignore[override]
        return self._with(_window=Between(freeze(start), freeze(end)))

    def count(self) -> event:
        return self._with(_aggregate=Aggregate("count"))

    def sum(self, prop_name: str) -> event:
        return self._with(_aggregate=Aggregate("sum", prop_name))

    def avg(self, prop_name: str) -> event:
        return self._with(_aggregate=Aggregate("avg", prop_name))

    def min(self, prop_name: str) -> event:
        return self._with(_aggregate=Aggregate("min", prop_name))

    def max(self, prop_name: str) -> event:
        return self._with(_aggregate=Aggregate("max", prop_name))

    def count_distinct(self, prop_name: str) -> event:
        return self._with(_aggregate=Aggregate("count_distinct", prop_name))

    def distinct_days(self) -> event:
        return self._with(_aggregate=Aggregate("distinct_days"))

    def first_time(self) -> event:
        return self._with(_aggregate=Aggregate("first_time"))

    def last_time(self) -> event:
        return self._with(_aggregate=Aggregate("last_time"))

    def never(self) -> Event:
        """Did not do it at all (count = 0)."""
        return Event(self.name, self._where, self._window, None, "eq", 0)

    def _make(self, op: str, value: Any = UNSET) -> Event:
        return Event(self.name, self._where, self._window, self._aggregate, op, value)

    def to_rule(self) -> Event:
        return Event(self.name, self._where, self._window, self._aggregate)

    def __and__(self, other: Any) -> All:
        return self.to_rule() & other

    def __rand__(self, other: Any) -> All:
        return as_rule(other) & self.to_rule()

    def __or__(self, other: Any) -> AnyOf:
        return self.to_rule() | other

    def __ror__(self, other: Any) -> AnyOf:
        return as_rule(other) | self.to_rule()

    def __invert__(self) -> Not:
        return Not(self.to_rule())


def step(name: str, *filters: Prop, **equals: Any) -> Step:
    """One step of a sequence; ``~step(...)`` is the "and then did not" step."""
    where = tuple(filters) + tuple(Prop(k, "eq", freeze(v)) for k, v in equals.items())
    return Step(name, where or None)


def sequence(
    *steps: Step | str, within: str | None = None, window: str | None = None, match_on: str | None = None
) -> Sequence:
    """``sequence("email_click", "page_view", within="24h")``; ``window`` is a "last" duration."""
    built = tuple(Step(s) if isinstance(s, str) else s for s in steps)
    return Sequence(built, within, Last(window) if window else None, match_on)


def all_(*rules: Any) -> All:
    """Every rule holds."""
    return All(tuple(as_rule(r) for r in rules))


def any_(*rules: Any) -> AnyOf:
    """At least one rule holds."""
    return AnyOf(tuple(as_rule(r) for r in rules))


def not_(rule: Any) -> Not:
    return Not(as_rule(rule))


def in_segment(segment_id: str) -> InSegment:
    return InSegment(segment_id)


def in_list(list_id: str) -> InList:
    return InList(list_id)


__all__ = ["Rule", "ago", "all_", "any_", "attr", "event", "in_list", "in_segment", "not_", "prop", "sequence", "step"]
