"""Rules read back as English: "spent more than 1000 PLN on purchase in the last 3 months"."""

from __future__ import annotations

from workbench.expr.catalog import Catalog
from workbench.expr.operators import OPERATORS
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
    Value,
    Window,
)
from workbench.expr.timeutil import Duration
from workbench.expr.visitor import Visitor

COMPARISON_WORDS = {
    "eq": "exactly {v}",
    "ne": "other than {v}",
    "gt": "more than {v}",
    "gte": "at least {v}",
    "lt": "less than {v}",
    "lte": "at most {v}",
    "between": "between {lo} and {hi}",
    "in": "one of {v}",
    "not_in": "none of {v}",
}


def _value(value: Value) -> str:
    if isinstance(value, Ago):
        return f"{Duration.parse(value.duration).describe()} ago"
    if isinstance(value, tuple):
        items = [_value(v) for v in value]
        return ", ".join(items[:-1]) + f" or {items[-1]}" if len(items) > 1 else "".join(items)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _duration(text: str) -> str:
    return Duration.parse(text).describe()


def describe_window(window: Window | None) -> str:
    """`` in the last 3 months``, `` since 2026-01-01``…; empty for no window."""
    return "" if window is None else _WINDOWS.visit(window)


class _WindowWords(Visitor[str]):
    def visit_Last(self, window: Last) -> str:  # noqa: N802 - named after the node class it visits
        return f" in the last {_duration(window.duration)}"

    def visit_Since(self, window: Since) -> str:  # noqa: N802 - named after the node class it visits
        return f" since {_value(window.time)}"

    def visit_Between(self, window: Between) -> str:  # noqa: N802 - named after the node class it visits
        return f" between {_value(window.start)} and {_value(window.end)}"


_WINDOWS = _WindowWords()


def describe_comparison(op: str, value: Value) -> str:
    """``is more than 5``, ``is one of a, b or c``, ``is set``."""
    template = OPERATORS[op].template if op in OPERATORS else f"{op} {{value}}"
    if op == "between" and isinstance(value, tuple) and len(value) == 2:
        return template.format(lo=_value(value[0]), hi=_value(value[1]))
    if op in ("within_last", "not_within_last"):
        return template.format(value=_duration(value))
    if op == "anniversary_within_days":
        return "has its anniversary today" if value == 0 else f"has its anniversary within the next {value} days"
    return template.format(value=_value(value))


class Describer(Visitor[str]):
    """Renders a tree with the catalog's labels where it has them."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog

    def field_label(self, name: str) -> str:
        field = self.catalog.fields.get(name) if self.catalog else None
        return field.label if field else name.replace("_", " ")

    def prop_label(self, name: str) -> str:
        return self.catalog.property_label(name) if self.catalog else name.replace("_", " ")

    def where(self, where: tuple[Prop, ...] | None) -> str:
        if not where:
            return ""
        return " where " + " and ".join(
            f"{self.prop_label(p.property)} {describe_comparison(p.op, p.value)}" for p in where
        )

    def visit_All(self, rule: All) -> str:  # noqa: N802 - named after the node class it visits
        return self.group(rule, "everyone", " and ")

    def visit_AnyOf(self, rule: AnyOf) -> str:  # noqa: N802 - named after the node class it visits
        return self.group(rule, "no one", " or ")

    def group(self, rule: All | AnyOf, empty: str, joiner: str) -> str:
        if not rule.rules:
            return empty
        if len(rule.rules) == 1:
            return self.visit(rule.rules[0])
        return joiner.join(self.nested(r) for r in rule.rules)

    def visit_Not(self, rule: Not) -> str:  # noqa: N802 - named after the node class it visits
        inner = self.nested(rule.rule)
        # membership sentences are negated in their verb: "is not on list 'x'", not "not is on list"
        return f"is not {inner.removeprefix('is ')}" if inner.startswith("is ") else f"not {inner}"

    def visit_Attribute(self, rule: Attribute) -> str:  # noqa: N802 - named after the node class it visits
        return f"{self.field_label(rule.field)} {describe_comparison(rule.op, rule.value)}"

    def visit_InSegment(self, rule: InSegment) -> str:  # noqa: N802 - named after the node class it visits
        return f"is in segment {rule.segment!r}"

    def visit_InList(self, rule: InList) -> str:  # noqa: N802 - named after the node class it visits
        return f"is on list {rule.list_id!r}"

    def nested(self, rule: Rule) -> str:
        text = self.visit(rule)
        return f"({text})" if isinstance(rule, (All, AnyOf)) and len(rule.rules) > 1 else text

    def event_name(self, rule: Event) -> str:
        names = rule.names
        if names is None:
            return "any event"
        return names[0] if len(names) == 1 else " or ".join(names)

    def visit_Event(self, rule: Event) -> str:  # noqa: N802 - named after the node class it visits
        name, agg = self.event_name(rule), rule.agg
        op, value = rule.comparison
        tail = self.where(rule.where) + describe_window(rule.window)
        if agg.fn == "count":
            if (op, value) == ("gte", 1):
                return f"did {name}{tail}"
            if (op, value) in (("eq", 0), ("lt", 1), ("lte", 0)):
                return f"never did {name}{tail}"
            times = COMPARISON_WORDS.get(op, op).format(v=_value(value), lo=_bound(value, 0), hi=_bound(value, 1))
            return f"did {name} {times} times{tail}"
        if agg.fn == "sum" and agg.property == "amount":
            currency = self.catalog.currency if self.catalog else "PLN"
            amount = COMPARISON_WORDS.get(op, op).format(v=_value(value), lo=_bound(value, 0), hi=_bound(value, 1))
            return f"spent {amount} {currency} on {name}{tail}"
        if agg.fn == "distinct_days":
            days = COMPARISON_WORDS.get(op, op).format(v=_value(value), lo=_bound(value, 0), hi=_bound(value, 1))
            return f"did {name} on {days} different days{tail}"
        subject = {
            "sum": f"total {self.prop_label(agg.property or '')}",
            "avg": f"average {self.prop_label(agg.property or '')}",
            "min": f"smallest {self.prop_label(agg.property or '')}",
            "max": f"largest {self.prop_label(agg.property or '')}",
            "count_distinct": f"number of different {self.prop_label(agg.property or '')} values",
            "first_time": "first",
            "last_time": "last",
        }[agg.fn]
        if agg.fn in ("first_time", "last_time"):
            return f"{subject} {name}{self.where(rule.where)}{describe_window(rule.window)} {describe_comparison(op, value)}"
        return f"{subject} of {name}{tail} {describe_comparison(op, value)}"

    def visit_Sequence(self, rule: Sequence) -> str:  # noqa: N802 - named after the node class it visits
        steps = rule.steps
        first = f"did {steps[0].event}{self.where(steps[0].where)}"
        keyed = f" (same {self.prop_label(rule.match_on)})" if rule.match_on else ""
        window = describe_window(rule.window)
        if rule.is_negated:
            last = steps[-1]
            age = f" for at least {_duration(rule.within)}" if rule.within else ""
            return f"{first}{window}, and no {last.event}{self.where(last.where)} since{age}{keyed}"
        thens = ", then ".join(f"{s.event}{self.where(s.where)}" for s in steps[1:])
        within = f" within {_duration(rule.within)}" if rule.within else ""
        return f"{first}, then {thens}{within}{window}{keyed}"


def _bound(value: Value, i: int) -> str:
    return _value(value[i]) if isinstance(value, tuple) and len(value) > i else ""


def describe(rule: Rule | Segment, catalog: Catalog | None = None) -> str:
    """The rule as one English sentence."""
    if isinstance(rule, Segment):
        rule = rule.rule
    return Describer(catalog).visit(rule)
