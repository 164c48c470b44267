"""Saved segments used by a rule (``in_segment``) replaced by their rules, as compiled."""

from __future__ import annotations

from collections.abc import Callable

from workbench.errors import SegmentError
from workbench.expr.rules import All, AnyOf, InSegment, Not, Rule, Segment
from workbench.expr.validate import cycle_message
from workbench.expr.visitor import Visitor
from workbench.i18n import later

Resolver = Callable[[str], Segment]
"""Returns the saved segment of an id (raises for an unknown one)."""


def inline(rule: Rule, resolve: Resolver | None) -> Rule:
    """``rule`` with every ``in_segment`` replaced by the referenced segment's rule."""
    return _Inliner(resolve).visit(rule, ())


class _Inliner(Visitor[Rule]):
    """Replaces references by the rules they name; ``stack``: the references followed."""

    def __init__(self, resolve: Resolver | None) -> None:
        self.resolve = resolve

    def visit_InSegment(self, rule: InSegment, stack: tuple[str, ...]) -> Rule:  # noqa: N802 - named after the node class it visits
        if rule.segment in stack:
            raise SegmentError.at("rule", cycle_message((*stack, rule.segment)))
        if self.resolve is None:
            raise SegmentError.at("rule", later._("cannot resolve segment {segment}", segment=repr(rule.segment)))
        return self.visit(self.resolve(rule.segment).rule, (*stack, rule.segment))

    def visit_All(self, rule: All, stack: tuple[str, ...]) -> Rule:  # noqa: N802 - named after the node class it visits
        return All(tuple(self.visit(r, stack) for r in rule.rules))

    def visit_AnyOf(self, rule: AnyOf, stack: tuple[str, ...]) -> Rule:  # noqa: N802 - named after the node class it visits
        return AnyOf(tuple(self.visit(r, stack) for r in rule.rules))

    def visit_Not(self, rule: Not, stack: tuple[str, ...]) -> Rule:  # noqa: N802 - named after the node class it visits
        return Not(self.visit(rule.rule, stack))

    def no_reference(self, rule: Rule, stack: tuple[str, ...]) -> Rule:
        return rule

    visit_Attribute = visit_Event = visit_Sequence = visit_InList = no_reference  # noqa: N815 - named after the node classes they visit
