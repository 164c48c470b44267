"""Validation problems in a marketer's words, at the node they concern.

Problems come from two checks, both reporting JSON paths: reading the document back
(what the grammar requires, so the builder never saves a document that would not load)
and validation against the catalog (fields, events, operators, values). Each is worded for
someone who clicks rather than writes JSON, and attached to the node whose path is the
longest prefix of the problem's path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from workbench.errors import Problem, SegmentError
from workbench.expr import paths
from workbench.expr.catalog import Catalog
from workbench.expr.compared import compared_type
from workbench.expr.operators import ARRAY, NUMBER, OPERATORS, TEMPORAL
from workbench.expr.rules import SLUG_RE, UNSET, Attribute, Event, Prop, Segment
from workbench.expr.validate import problems as catalog_problems
from workbench.i18n import N_, Texts, texts
from workbench.widgets.choices import operator_label

DOCUMENT = "document"  # where problems of the name and id are shown

# messages, shown translated
_VALUE_HINTS = {
    "list": N_("Add at least one value."),
    "items": N_("Add at least one tag."),
    "pair": N_("Enter both ends of the range."),
    "duration": N_("Enter a duration, e.g. 7 days."),
    "days": N_("Enter a whole number of days (0 or more)."),
    "item": N_("Enter a tag."),
}
_TYPE_HINTS = {NUMBER: N_("Enter a number."), ARRAY: N_("Enter a tag.")}


def collect(segment: Segment, catalog: Catalog, resolve: Callable[[str], Segment]) -> list[Problem]:
    """Every problem of the segment: grammar first, then catalog problems at other paths."""
    found = _document_problems(segment)
    try:
        Segment.from_dict(segment.to_dict())
    except SegmentError as exc:
        found += [p for p in exc.problems if p.path.startswith(paths.ROOT)]
    seen = {p.path for p in found}
    found += [p for p in catalog_problems(segment, catalog, resolve) if p.path not in seen]
    return found


def _document_problems(segment: Segment) -> list[Problem]:
    found = []
    if not segment.name.strip():
        found.append(Problem("name", N_("Give the segment a name.")))
    if not SLUG_RE.match(segment.id):
        found.append(
            Problem(
                "id", N_("The id may use lower-case letters, digits, '-' and '_', starting with a letter or digit.")
            )
        )
    return found


def by_node(problems: Iterable[Problem], node_paths: Iterable[str]) -> dict[str, list[Problem]]:
    """Problems grouped by the node they concern; the name and id under :data:`DOCUMENT`."""
    node_paths = list(node_paths)
    out: dict[str, list[Problem]] = {}
    for problem in problems:
        owner = paths.owner_of(problem.path, node_paths) if problem.path.startswith(paths.ROOT) else None
        out.setdefault(owner or DOCUMENT, []).append(problem)
    return out


def friendly(problem: Problem, segment: Segment, catalog: Catalog, t: Texts | None = None) -> str:
    """The problem in words a marketer understands, in ``t``'s language (the validator's
    own wording, in that language too, when no better one exists)."""
    t = t or texts()
    if not problem.path.startswith(paths.ROOT):
        # the document's own problems (above) are messages too, marked where they are made
        return problem.render(t) if problem.text is not None else t._(problem.message)
    tail = re.sub(r"\[\d+\]$", "", problem.path.rsplit(".", 1)[-1])
    owner_path = problem.path.rsplit(".", 1)[0]
    if tail == "value":
        return _value_hint(segment, catalog, owner_path, t)
    if tail == "op":
        return _op_hint(segment, catalog, owner_path, t)
    empty = "must be a non-empty string" in problem.message
    if tail == "attribute":
        return t._("Pick a contact field.") if empty else t._("This field no longer exists; pick another.")
    if tail == "event":
        return t._("Pick an event.") if empty else t._("No such event has been recorded yet; pick another.")
    if tail == "property":
        return t._("Pick a property.") if empty else _sentence(problem.render(t))
    if tail in ("last", "within", "ago"):
        return t._("Enter a duration, e.g. 7 days.")
    if tail in ("since", "between"):
        return t._("Enter a date, or a time ago.")
    if tail == "in_segment":
        return t._("Pick a saved segment.") if empty else _sentence(problem.render(t))
    if tail == "in_list":
        return t._("Pick a list.") if empty else _sentence(problem.render(t))
    if tail == "aggregate":
        return t._("Pick the property to add up or compare.")
    if tail == "match_on":
        return t._("Not every step has this property; pick another to match on.")
    if "negated step" in problem.message:
        return t._("“And then did not” can only be the second of exactly two steps.")
    if "at least two steps" in problem.message:
        return t._("A sequence needs at least two steps.")
    return _sentence(problem.render(t))


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def _comparison(segment: Segment, path: str) -> Attribute | Prop | Event | None:
    try:
        node = paths.node_at(segment.rule, path)
    except paths.PathError:
        return None
    return node if isinstance(node, (Attribute, Prop, Event)) else None


def _value_hint(segment: Segment, catalog: Catalog, path: str, t: Texts) -> str:
    node = _comparison(segment, path)
    if node is None:
        return t._("Enter a value.")
    op, value = node.comparison if isinstance(node, Event) else (node.op, node.value)
    kind = OPERATORS[op].value if op in OPERATORS else None
    if kind == "none":
        return t._("This comparison takes no value.")
    if kind in _VALUE_HINTS:
        return t._(_VALUE_HINTS[kind])
    if value is UNSET or kind is None:
        return t._("Enter a value.")
    type_ = compared_type(catalog, segment.rule, path, node)
    if type_ in TEMPORAL:
        return t._("Enter a date, or a time ago.")
    return t._(_TYPE_HINTS[type_]) if type_ in _TYPE_HINTS else t._("Enter some text.")


def _op_hint(segment: Segment, catalog: Catalog, path: str, t: Texts) -> str:
    node = _comparison(segment, path)
    op = node.comparison[0] if isinstance(node, Event) else getattr(node, "op", "")
    if not op:
        return t._("Pick a comparison.")
    if op not in OPERATORS:
        return t._("Unknown comparison {op}; pick one from the list.", op=repr(op))
    subject = t._("this")
    if isinstance(node, Attribute) and node.field in catalog.fields:
        subject = catalog.field_label(node.field, t.locale)
    elif isinstance(node, Prop):
        subject = catalog.property_label(node.property, t.locale)
    return t._(
        "“{operator}” does not apply to {subject}; pick another comparison.",
        operator=operator_label(op, t),
        subject=subject,
    )
