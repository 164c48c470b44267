"""Whether a rule can hold for a contact without events.

A contact that has none of the events a rule's event conditions read has every aggregate
at its empty value: 0 for counts and sums, none for the rest (whose comparisons are then
false, as the compiler's two-valued comparisons make them). When the rule is false for
such a contact whatever its attributes, the compiler joins the universe only to the
contacts that have events, instead of every contact (a hash join over the whole
``contacts`` table that costs more than the events of a short window).
"""

from __future__ import annotations

from workbench.expr.operators import NEGATIVE
from workbench.expr.rules import All, AnyOf, Event, Not, Rule, Value
from workbench.expr.visitor import Visitor

# aggregates that are 0, not none, over no events (the compiler fills them)
ZERO_WHEN_EMPTY = ("count", "sum", "count_distinct", "distinct_days")


def holds_without_events(rule: Rule) -> bool | None:
    """True or False when the rule's answer for a contact without events is known from
    the rule alone; None when it depends on the contact (attributes, lists, sequences,
    which read events of their own)."""
    return _WithoutEvents().visit(rule)


class _WithoutEvents(Visitor[bool | None]):
    def visit_All(self, rule: All) -> bool | None:  # noqa: N802 - named after the node class it visits
        answers = [self.visit(r) for r in rule.rules]
        return False if False in answers else True if all(answers) else None

    def visit_AnyOf(self, rule: AnyOf) -> bool | None:  # noqa: N802 - named after the node class it visits
        answers = [self.visit(r) for r in rule.rules]
        return True if True in answers else False if all(a is False for a in answers) else None

    def visit_Not(self, rule: Not) -> bool | None:  # noqa: N802 - named after the node class it visits
        answer = self.visit(rule.rule)
        return None if answer is None else not answer

    def visit_Event(self, rule: Event) -> bool | None:  # noqa: N802 - named after the node class it visits
        op, value = rule.comparison
        positive = NEGATIVE.get(op, op)
        # over no events: 0, or none, with which every comparison is false
        holds = _zero_satisfies(positive, value) if rule.agg.fn in ZERO_WHEN_EMPTY else False
        return None if holds is None else holds != (op in NEGATIVE)

    def depends_on_the_contact(self, rule: Rule) -> None:
        return None

    visit_Attribute = visit_Sequence = visit_InSegment = visit_InList = depends_on_the_contact  # noqa: N815 - named after the node classes they visit


def _zero_satisfies(op: str, value: Value) -> bool | None:
    """Whether ``0 op value`` holds for a positive numeric operator; None if unknown."""
    try:
        if op == "is_set":
            return True
        if op == "eq":
            return value == 0
        if op == "in":
            return 0 in value
        if op == "between":
            return value[0] <= 0 <= value[1]
        if op in ("gt", "gte", "lt", "lte"):
            return {"gt": value < 0, "gte": value <= 0, "lt": value > 0, "lte": value >= 0}[op]
    except TypeError:
        return None
    return None
