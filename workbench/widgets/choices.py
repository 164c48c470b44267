"""What the pickers offer, from the catalog: labelled fields and events grouped by source,
the operators valid for a type, properties and aggregates (the type each node compares is
:mod:`workbench.expr.compared`)."""

from __future__ import annotations

import re

from workbench.expr.catalog import Catalog
from workbench.expr.operators import OPERATORS, operators_for
from workbench.expr.rules import Sequence
from workbench.i18n import DEFAULT_LOCALE, N_, Texts, texts

Options = list[tuple[str, object]]

# The labels are messages: shown translated.
CONTACT = N_("Contact")
SOURCES = {"web": N_("Website activity"), "messaging": N_("Messaging"), "custom": N_("Custom events")}
ANY_EVENT = "*"
AGGREGATES = {
    "count": N_("number of times"),
    "sum": N_("total"),
    "avg": N_("average"),
    "min": N_("smallest"),
    "max": N_("largest"),
    "count_distinct": N_("number of different"),
    "distinct_days": N_("number of different days"),
    "first_time": N_("first time"),
    "last_time": N_("last time"),
}
# Where the table's template reads badly as a picker label, or would read as another's
# (Polish says "to" for both "is" and "is one of").
OPERATOR_LABELS = {"anniversary_within_days": N_("has its anniversary within (days)"), "in": N_("is one of")}
# The placeholders of a template, and a range's "{lo} and {hi}" whatever the word between.
_TEMPLATE_VALUES = re.compile(r"\s*\{lo\}\s+\S+\s+\{hi\}|\s*\{value\}")


def operator_label(op: str, t: Texts | None = None) -> str:
    """``"gte"`` → ``"is at least"``: the operator's template without its value, in ``t``'s language."""
    t = t or texts()
    if op in OPERATOR_LABELS:
        return t._(OPERATOR_LABELS[op])
    return _TEMPLATE_VALUES.sub("", t._(OPERATORS[op].template)).strip()


def operator_options(type_: str | None, t: Texts | None = None) -> Options:
    """The operators valid for a type, labelled; none until the type is known."""
    return [(operator_label(op, t), op) for op in operators_for(type_)] if type_ else []


def humanize(name: str) -> str:
    return name.replace("_", " ")


def field_options(catalog: Catalog, t: Texts | None = None) -> Options:
    """Contact fields by label, in catalog order (standard fields, then custom ones)."""
    locale = (t or texts()).locale
    return [(catalog.field_label(f.name, locale), f.name) for f in catalog.fields.values()]


def event_label(catalog: Catalog, name: str, t: Texts) -> str:
    """An event as a picker shows it: ``page view``; in Polish its label with the raw name an
    analyst knows it by, ``wyświetlił(a) stronę (page_view)``."""
    label = catalog.event_label(name, t.locale)
    if t.locale == DEFAULT_LOCALE or label == name:
        return humanize(name)
    return f"{label} ({name})"


def _events_by_source(catalog: Catalog, t: Texts) -> list[tuple[str, str, str]]:
    order = list(SOURCES)
    events = sorted(
        catalog.events.values(), key=lambda e: (order.index(e.source) if e.source in order else len(order), e.name)
    )
    return [(t._(SOURCES.get(e.source, SOURCES["custom"])), event_label(catalog, e.name, t), e.name) for e in events]


def event_options(catalog: Catalog, t: Texts | None = None) -> Options:
    """Every event, grouped by source, after "any activity"."""
    t = t or texts()
    return [(t._("Any activity"), ANY_EVENT)] + [
        (f"{source} › {label}", name) for source, label, name in _events_by_source(catalog, t)
    ]


def step_event_options(catalog: Catalog, t: Texts | None = None) -> Options:
    """Events a sequence step can name (one event; "any activity" is not a step)."""
    return event_options(catalog, t)[1:]


def add_options(catalog: Catalog, t: Texts | None = None) -> Options:
    """What a group's "add" picker offers: the field picker grouped by source, then sequences,
    references and sub-groups. Values are ``(kind, field or event)``."""
    t = t or texts()
    contact = t._(CONTACT)
    options: Options = [(f"{contact} › {label}", ("attribute", name)) for label, name in field_options(catalog, t)]
    options.append((t._("Any activity › any event"), ("event", ANY_EVENT)))
    options += [(f"{source} › {label}", ("event", name)) for source, label, name in _events_by_source(catalog, t)]
    options += [
        (t._("Sequence › one thing, then another"), ("sequence", None)),
        (t._("Saved segment › member of…"), ("in_segment", None)),
        (t._("Static list › on the list…"), ("in_list", None)),
        (t._("Group › ALL of these"), ("all", None)),
        (t._("Group › ANY of these"), ("any", None)),
        (t._("Group › NOT"), ("not", None)),
    ]
    return options


def property_options(
    catalog: Catalog, names: tuple[str, ...] | None, types: tuple[str, ...] = (), t: Texts | None = None
) -> Options:
    """Properties of these events (of the given types, when any), labelled."""
    locale = (t or texts()).locale
    props = catalog.properties_of(names)
    if types:
        props = [p for p in props if catalog.property_type(names, p) in types]
    return [(catalog.property_label(p, locale), p) for p in props]


def match_on_options(catalog: Catalog, sequence: Sequence, t: Texts | None = None) -> Options:
    """Properties every step's event has: what steps can be matched on."""
    locale = (t or texts()).locale
    common: set[str] | None = None
    for step in sequence.steps:
        props = set(catalog.properties_of((step.event,)))
        common = props if common is None else common & props
    return [(catalog.property_label(p, locale), p) for p in sorted(common or ())]
