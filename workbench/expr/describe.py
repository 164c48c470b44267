"""Rules read back as a sentence: "spent more than 1000 PLN on purchase in the last 3 months",
"kupił(a) za ponad 1000 zł w ciągu ostatnich 3 miesięcy".

Every phrase is a message of :mod:`workbench.i18n`, so a locale may reorder it; the catalog
supplies the labels of fields, events and properties in that locale. English sentences
write numbers as the rule states them (analysts read them back into documents); other
locales write them their own way (``1 000``, ``12,5``).
"""

from __future__ import annotations

from collections.abc import Callable

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
from workbench.i18n import DEFAULT_LOCALE, N_, Texts, texts
from workbench.i18n.formats import currency_symbol

# How many times, how much, on how many days: "at least 3", "more than 1000".
COMPARISON_WORDS = {
    "eq": N_("exactly {v}"),
    "ne": N_("other than {v}"),
    "gt": N_("more than {v}"),
    "gte": N_("at least {v}"),
    "lt": N_("less than {v}"),
    "lte": N_("at most {v}"),
    "between": N_("between {lo} and {hi}"),
    "in": N_("one of {v}"),
    "not_in": N_("none of {v}"),
}

Phrase = Callable[[Texts, int], str]

# A span of time in each grammatical role it plays in a sentence. English has one form;
# Polish declines the noun: "3 miesiące" (plain), "3 miesiące temu" (accusative, also after
# "przez"), "w ciągu 3 miesięcy" (genitive) and "w ciągu ostatnich 3 miesięcy" ("last").
PLAIN: dict[str, Phrase] = {
    "s": lambda t, n: t.npgettext("duration", "{n} second", "{n} seconds", n),
    "m": lambda t, n: t.npgettext("duration", "{n} minute", "{n} minutes", n),
    "h": lambda t, n: t.npgettext("duration", "{n} hour", "{n} hours", n),
    "d": lambda t, n: t.npgettext("duration", "{n} day", "{n} days", n),
    "w": lambda t, n: t.npgettext("duration", "{n} week", "{n} weeks", n),
    "mo": lambda t, n: t.npgettext("duration", "{n} month", "{n} months", n),
    "y": lambda t, n: t.npgettext("duration", "{n} year", "{n} years", n),
}
ACCUSATIVE: dict[str, Phrase] = {
    "s": lambda t, n: t.npgettext("duration, accusative", "{n} second", "{n} seconds", n),
    "m": lambda t, n: t.npgettext("duration, accusative", "{n} minute", "{n} minutes", n),
    "h": lambda t, n: t.npgettext("duration, accusative", "{n} hour", "{n} hours", n),
    "d": lambda t, n: t.npgettext("duration, accusative", "{n} day", "{n} days", n),
    "w": lambda t, n: t.npgettext("duration, accusative", "{n} week", "{n} weeks", n),
    "mo": lambda t, n: t.npgettext("duration, accusative", "{n} month", "{n} months", n),
    "y": lambda t, n: t.npgettext("duration, accusative", "{n} year", "{n} years", n),
}
LAST: dict[str, Phrase] = {
    "s": lambda t, n: t.npgettext("duration after 'the last'", "{n} second", "{n} seconds", n),
    "m": lambda t, n: t.npgettext("duration after 'the last'", "{n} minute", "{n} minutes", n),
    "h": lambda t, n: t.npgettext("duration after 'the last'", "{n} hour", "{n} hours", n),
    "d": lambda t, n: t.npgettext("duration after 'the last'", "{n} day", "{n} days", n),
    "w": lambda t, n: t.npgettext("duration after 'the last'", "{n} week", "{n} weeks", n),
    "mo": lambda t, n: t.npgettext("duration after 'the last'", "{n} month", "{n} months", n),
    "y": lambda t, n: t.npgettext("duration after 'the last'", "{n} year", "{n} years", n),
}


def describe_duration(text: str, t: Texts | None = None, case: dict[str, Phrase] = PLAIN) -> str:
    """``"3mo"`` → ``3 months``; in Polish ``3 miesiące`` (or another ``case``)."""
    duration = Duration.parse(text)
    return case[duration.unit](t or texts(), duration.amount)


class Describer(Visitor[str]):
    """Renders a tree with the catalog's labels, in the locale of ``t`` (default English)."""

    def __init__(self, catalog: Catalog | None = None, t: Texts | None = None) -> None:
        self.catalog = catalog
        self.t = t or texts()

    @property
    def locale(self) -> str:
        return self.t.locale

    # --- values and phrases -----------------------------------------------------------

    def value(self, value: Value) -> str:
        t = self.t
        if isinstance(value, Ago):
            return t._("{duration} ago", duration=describe_duration(value.duration, t, ACCUSATIVE))
        if isinstance(value, tuple):
            items = [self.value(v) for v in value]
            if len(items) > 1:
                return t._("{items} or {last}", items=", ".join(items[:-1]), last=items[-1])
            return "".join(items)
        if isinstance(value, bool):
            return t._("true") if value else t._("false")
        if isinstance(value, (int, float)):
            if self.locale != DEFAULT_LOCALE:
                return t.number(value)
            return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        return str(value)

    def bound(self, value: Value, i: int) -> str:
        return self.value(value[i]) if isinstance(value, tuple) and len(value) > i else ""

    def comparison_words(self, op: str, value: Value) -> str:
        """``at least 3``, ``between 1 and 5`` (for counts, amounts and days)."""
        template = self.t._(COMPARISON_WORDS[op]) if op in COMPARISON_WORDS else op
        return template.format(v=self.value(value), lo=self.bound(value, 0), hi=self.bound(value, 1))

    def window(self, window: Window | None) -> str:
        """`` in the last 3 months``, `` since 2026-01-01``…; empty for no window."""
        return "" if window is None else _WindowWords(self).visit(window)

    def comparison(self, op: str, value: Value) -> str:
        """``is more than 5``, ``is one of a, b or c``, ``is set``."""
        t = self.t
        template = t._(OPERATORS[op].template) if op in OPERATORS else f"{op} {{value}}"
        if op == "between" and isinstance(value, tuple) and len(value) == 2:
            return template.format(lo=self.value(value[0]), hi=self.value(value[1]))
        if op in ("within_last", "not_within_last"):
            return template.format(value=describe_duration(value, t, LAST))
        if op == "anniversary_within_days":
            if value == 0:
                return t._("has its anniversary today")
            return t.ngettext(
                "has its anniversary within the next {n} days", "has its anniversary within the next {n} days", value
            )
        return template.format(value=self.value(value))

    # --- labels -----------------------------------------------------------------------

    def field_label(self, name: str) -> str:
        if self.catalog is None:
            return name.replace("_", " ")
        return self.catalog.field_label(name, self.locale)

    def prop_label(self, name: str) -> str:
        if self.catalog is None:
            return name.replace("_", " ")
        return self.catalog.property_label(name, self.locale)

    def event_labels(self, names: tuple[str, ...] | None) -> tuple[str, str]:
        """The label of doing one of these events, and of not doing any (None: any event)."""
        t = self.t
        if names is None:
            return t._("any event"), t.pgettext("not doing it", "any event")
        labels = [self.catalog.event_label(n, self.locale) if self.catalog else n for n in names]
        label = labels[0] if len(labels) == 1 else t._(" or ").join(labels)
        negated = self.catalog.negated_event_label(names[0], self.locale) if self.catalog and len(names) == 1 else None
        return label, negated or t._("not {event}", event=label)

    def where(self, where: tuple[Prop, ...] | None) -> str:
        if not where:
            return ""
        conditions = self.t._(" and ").join(
            f"{self.prop_label(p.property)} {self.comparison(p.op, p.value)}" for p in where
        )
        return self.t._(" where {conditions}", conditions=conditions)

    # --- rules ------------------------------------------------------------------------

    def visit_All(self, rule: All) -> str:  # noqa: N802 - named after the node class it visits
        return self.group(rule, self.t._("everyone"), self.t._(" and "))

    def visit_AnyOf(self, rule: AnyOf) -> str:  # noqa: N802 - named after the node class it visits
        return self.group(rule, self.t._("no one"), self.t._(" or "))

    def group(self, rule: All | AnyOf, empty: str, joiner: str) -> str:
        if not rule.rules:
            return empty
        if len(rule.rules) == 1:
            return self.visit(rule.rules[0])
        return joiner.join(self.nested(r) for r in rule.rules)

    def visit_Not(self, rule: Not) -> str:  # noqa: N802 - named after the node class it visits
        inner = self.visit(rule.rule)
        if isinstance(rule.rule, (InSegment, InList)):
            # membership sentences are negated in their verb: "is not on list 'x'", not "not is on list"
            return self.membership(rule.rule, negated=True)
        if isinstance(rule.rule, (All, AnyOf)) and len(rule.rule.rules) > 1:
            inner = f"({inner})"
        return self.t._("not {rule}", rule=inner)

    def visit_Attribute(self, rule: Attribute) -> str:  # noqa: N802 - named after the node class it visits
        return f"{self.field_label(rule.field)} {self.comparison(rule.op, rule.value)}"

    def membership(self, rule: InSegment | InList, negated: bool = False) -> str:
        t = self.t
        if isinstance(rule, InSegment):
            if negated:
                return t._("is not in segment {segment}", segment=repr(rule.segment))
            return t._("is in segment {segment}", segment=repr(rule.segment))
        if negated:
            return t._("is not on list {list}", list=repr(rule.list_id))
        return t._("is on list {list}", list=repr(rule.list_id))

    visit_InSegment = visit_InList = membership  # noqa: N815 - named after the node classes they visit

    def nested(self, rule: Rule) -> str:
        text = self.visit(rule)
        return f"({text})" if isinstance(rule, (All, AnyOf)) and len(rule.rules) > 1 else text

    def visit_Event(self, rule: Event) -> str:  # noqa: N802 - named after the node class it visits
        t = self.t
        (event, negated), agg = self.event_labels(rule.names), rule.agg
        op, value = rule.comparison
        where, window = self.where(rule.where), self.window(rule.window)
        tail = where + window
        if agg.fn == "count":
            if (op, value) == ("gte", 1):
                return t._("did {event}{tail}", event=event, tail=tail)
            if (op, value) in (("eq", 0), ("lt", 1), ("lte", 0)):
                if rule.window is not None:
                    return t.pgettext("in a window", "never did {event}{tail}", event=event, negated=negated, tail=tail)
                return t._("never did {event}{tail}", event=event, negated=negated, tail=tail)
            times = self.comparison_words(op, value)
            n = value if isinstance(value, int) else 2
            return t.ngettext(
                "did {event} {times} times{tail}",
                "did {event} {times} times{tail}",
                n,
                event=event,
                times=times,
                tail=tail,
            )
        if agg.fn == "sum" and agg.property == "amount":
            code = self.catalog.currency if self.catalog else "PLN"
            # the code in English ("1000 PLN"), the locale's symbol elsewhere ("1 000 zł")
            currency = code if self.locale == DEFAULT_LOCALE else currency_symbol(code, self.locale)
            amount = self.comparison_words(op, value)
            return t._(
                "spent {amount} {currency} on {event}{tail}", amount=amount, currency=currency, event=event, tail=tail
            )
        if agg.fn == "distinct_days":
            days = self.comparison_words(op, value)
            return t._("did {event} on {days} different days{tail}", event=event, days=days, tail=tail)
        prop = self.prop_label(agg.property or "")
        comparison = self.comparison(op, value)
        subject = {
            "sum": t._("total {property} of {event}{tail} {comparison}", property=prop, event=event, tail=tail, comparison=comparison),
            "avg": t._("average {property} of {event}{tail} {comparison}", property=prop, event=event, tail=tail, comparison=comparison),
            "min": t._("smallest {property} of {event}{tail} {comparison}", property=prop, event=event, tail=tail, comparison=comparison),
            "max": t._("largest {property} of {event}{tail} {comparison}", property=prop, event=event, tail=tail, comparison=comparison),
            "count_distinct": t._(
                "number of different {property} values of {event}{tail} {comparison}",
                property=prop, event=event, tail=tail, comparison=comparison,
            ),
            "first_time": t._("first {event}{tail} {comparison}", event=event, tail=tail, comparison=comparison),
            "last_time": t._("last {event}{tail} {comparison}", event=event, tail=tail, comparison=comparison),
        }  # fmt: skip
        return subject[agg.fn]

    def visit_Sequence(self, rule: Sequence) -> str:  # noqa: N802 - named after the node class it visits
        t = self.t
        steps = rule.steps
        first = t._(
            "did {event}{where}", event=self.event_labels((steps[0].event,))[0], where=self.where(steps[0].where)
        )
        keyed = t._(" (same {property})", property=self.prop_label(rule.match_on)) if rule.match_on else ""
        window = self.window(rule.window)
        if rule.is_negated:
            last = steps[-1]
            event, negated = self.event_labels((last.event,))
            age = (
                t._(" for at least {duration}", duration=describe_duration(rule.within, t, ACCUSATIVE))
                if rule.within
                else ""
            )
            return t._(
                "{first}{window}, and no {event}{where} since{age}{keyed}",
                first=first, window=window, event=event, negated=negated, where=self.where(last.where), age=age, keyed=keyed,
            )  # fmt: skip
        thens = t._(", then ").join(
            t._("{event}{where}", event=self.event_labels((s.event,))[0], where=self.where(s.where)) for s in steps[1:]
        )
        within = (
            t._(" within {duration}", duration=describe_duration(rule.within, t, ACCUSATIVE)) if rule.within else ""
        )
        return t._(
            "{first}, then {steps}{within}{window}{keyed}",
            first=first,
            steps=thens,
            within=within,
            window=window,
            keyed=keyed,
        )


class _WindowWords(Visitor[str]):
    def __init__(self, describer: Describer) -> None:
        self.d = describer

    def visit_Last(self, window: Last) -> str:  # noqa: N802 - named after the node class it visits
        return self.d.t._(" in the last {duration}", duration=describe_duration(window.duration, self.d.t, LAST))

    def visit_Since(self, window: Since) -> str:  # noqa: N802 - named after the node class it visits
        return self.d.t._(" since {time}", time=self.d.value(window.time))

    def visit_Between(self, window: Between) -> str:  # noqa: N802 - named after the node class it visits
        return self.d.t._(" between {start} and {end}", start=self.d.value(window.start), end=self.d.value(window.end))


def describe_window(window: Window | None, t: Texts | None = None) -> str:
    """`` in the last 3 months``, `` since 2026-01-01``…; empty for no window."""
    return Describer(None, t).window(window)


def describe_comparison(op: str, value: Value, t: Texts | None = None) -> str:
    """``is more than 5``, ``is one of a, b or c``, ``is set``."""
    return Describer(None, t).comparison(op, value)


def describe(rule: Rule | Segment, catalog: Catalog | None = None, locale: str | None = None) -> str:
    """The rule as one sentence, in ``locale`` (default English)."""
    if isinstance(rule, Segment):
        rule = rule.rule
    return Describer(catalog, texts(locale)).visit(rule)
