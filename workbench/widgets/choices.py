"""What the pickers offer, from the catalog: labelled fields and events grouped by source,
the operators valid for a type, properties and aggregates (the type each node compares is
:mod:`workbench.expr.compared`)."""

from __future__ import annotations

from workbench.expr.catalog import Catalog
from workbench.expr.operators import OPERATORS, operators_for
from workbench.expr.rules import Sequence

Options = list[tuple[str, object]]

CONTACT = "Contact"
SOURCES = {"web": "Website activity", "messaging": "Messaging", "custom": "Custom events"}
ANY_EVENT = "*"
AGGREGATES = {
    "count": "number of times",
    "sum": "total",
    "avg": "average",
    "min": "smallest",
    "max": "largest",
    "count_distinct": "number of different",
    "distinct_days": "number of different days",
    "first_time": "first time",
    "last_time": "last time",
}
# Where the table's English template reads badly as a picker label.
OPERATOR_LABELS = {"anniversary_within_days": "has its anniversary within (days)"}


def operator_label(op: str) -> str:
    """``"gte"`` → ``"is at least"``: the operator's English template without its value."""
    if op in OPERATOR_LABELS:
        return OPERATOR_LABELS[op]
    template = OPERATORS[op].template
    return template.replace(" {lo} and {hi}", "").replace(" {value}", "")


def operator_options(type_: str | None) -> Options:
    """The operators valid for a type, labelled; none until the type is known."""
    return [(operator_label(op), op) for op in operators_for(type_)] if type_ else []


def humanize(name: str) -> str:
    return name.replace("_", " ")


def field_options(catalog: Catalog) -> Options:
    """Contact fields by label, in catalog order (standard fields, then custom ones)."""
    return [(f.label, f.name) for f in catalog.fields.values()]


def _events_by_source(catalog: Catalog) -> list[tuple[str, str]]:
    order = list(SOURCES)
    events = sorted(
        catalog.events.values(), key=lambda e: (order.index(e.source) if e.source in order else len(order), e.name)
    )
    return [(SOURCES.get(e.source, SOURCES["custom"]), e.name) for e in events]


def event_options(catalog: Catalog) -> Options:
    """Every event, grouped by source, after "any activity"."""
    return [("Any activity", ANY_EVENT)] + [
        (f"{source} › {humanize(name)}", name) for source, name in _events_by_source(catalog)
    ]


def step_event_options(catalog: Catalog) -> Options:
    """Events a sequence step can name (one event; "any activity" is not a step)."""
    return event_options(catalog)[1:]


def add_options(catalog: Catalog) -> Options:
    """What a group's "add" picker offers: the field picker grouped by source, then sequences,
    references and sub-groups. Values are ``(kind, field or event)``."""
    options: Options = [(f"{CONTACT} › {label}", ("attribute", name)) for label, name in field_options(catalog)]
    options.append(("Any activity › any event", ("event", ANY_EVENT)))
    options += [(f"{source} › {humanize(name)}", ("event", name)) for source, name in _events_by_source(catalog)]
    options += [
        ("Sequence › one thing, then another", ("sequence", None)),
        ("Saved segment › member of…", ("in_segment", None)),
        ("Static list › on the list…", ("in_list", None)),
        ("Group › ALL of these", ("all", None)),
        ("Group › ANY of these", ("any", None)),
        ("Group › NOT", ("not", None)),
    ]
    return options


def property_options(catalog: Catalog, names: tuple[str, ...] | None, types: tuple[str, ...] = ()) -> Options:
    """Properties of these events (of the given types, when any), labelled."""
    props = catalog.properties_of(names)
    if types:
        props = [p for p in props if catalog.property_type(names, p) in types]
    return [(catalog.property_label(p), p) for p in props]


def match_on_options(catalog: Catalog, sequence: Sequence) -> Options:
    """Properties every step's event has: what steps can be matched on."""
    common: set[str] | None = None
    for step in sequence.steps:
        props = set(catalog.properties_of((step.event,)))
        common = props if common is None else common & props
    return [(catalog.property_label(p), p) for p in sorted(common or ())]
