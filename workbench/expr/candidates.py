"""Which contacts can be members at all, read from their attributes and lists alone.

Reading a contact's attributes is cheap; aggregating its events is not. When a rule's
members must satisfy conditions on contact attributes or list membership (``city in …``
and ``email_consent`` beside event conditions), the compiler evaluates those first and
aggregates the events of the contacts that pass only, as a person writing the SQL would.

:func:`necessary` finds that condition: a rule over attributes and lists that every
member satisfies. It is exact for a rule on attributes and lists only, weaker (but still
necessary) for a rule that also reads events or sequences, and None when nothing about
the contact alone is necessary (``not`` of an event condition, ``any`` with an event branch).
"""

from __future__ import annotations

from workbench.expr.rules import All, AnyOf, Attribute, InList, Not, Rule


def contact_only(rule: Rule) -> bool:
    """Whether ``rule`` reads nothing but contact attributes and static lists."""
    if isinstance(rule, (Attribute, InList)):
        return True
    if isinstance(rule, (All, AnyOf)):
        return all(contact_only(child) for child in rule.rules)
    if isinstance(rule, Not):
        return contact_only(rule.rule)
    return False


def necessary(rule: Rule) -> Rule | None:
    """A rule on attributes and lists that every member of ``rule`` satisfies, or None.
    ``rule`` has its segment references inlined."""
    if contact_only(rule):
        return None if isinstance(rule, All) and not rule.rules else rule
    if isinstance(rule, All):
        parts = [found for child in rule.rules if (found := necessary(child)) is not None]
        return None if not parts else parts[0] if len(parts) == 1 else All(tuple(parts))
    if isinstance(rule, AnyOf):
        parts = [necessary(child) for child in rule.rules]
        if not parts or any(part is None for part in parts):
            return None
        return AnyOf(tuple(parts))
    return None  # an event condition, a sequence, or the complement of one
