"""The type of what each node of a tree compares, as the catalog gives it: a field's type,
an event property's, or an aggregate's result. The builder offers operators and values by
it, and the editor keeps a value across edits when it still fits it."""

from __future__ import annotations

from workbench.expr import paths
from workbench.expr.catalog import Catalog
from workbench.expr.operators import NUMBER, TIMESTAMP
from workbench.expr.rules import Attribute, Event, Node, Prop, Rule, Step
from workbench.expr.validate import NUMERIC_AGGREGATES


def event_names(node: Event | Step) -> tuple[str, ...] | None:
    """The event names a condition or step filters on (None for any event)."""
    return node.names if isinstance(node, Event) else (node.event,)


def aggregate_property_types(fn: str) -> tuple[str, ...] | None:
    """Which property types an aggregate takes: None when it takes no property, () for any."""
    return {"sum": (NUMBER,), "avg": (NUMBER,), "min": (NUMBER, TIMESTAMP), "max": (NUMBER, TIMESTAMP)}.get(
        fn, () if fn == "count_distinct" else None
    )


def aggregate_type(catalog: Catalog, event: Event) -> str | None:
    """The type of what an event condition compares: its aggregate's result."""
    agg = event.agg
    if agg.fn in NUMERIC_AGGREGATES:
        return NUMBER
    if agg.fn in ("first_time", "last_time"):
        return TIMESTAMP
    type_ = catalog.property_type(event.names, agg.property) if agg.property else None
    return type_ if type_ in (NUMBER, TIMESTAMP) else None


def compared_type(catalog: Catalog, rule: Rule, path: str, node: Node | None = None) -> str | None:
    """The type of what the node at ``path`` compares (None while it is not known)."""
    node = node if node is not None else paths.node_at(rule, path)
    if isinstance(node, Attribute):
        field = catalog.fields.get(node.field)
        return field.type if field else None
    if isinstance(node, Prop):
        owner = paths.node_at(rule, paths.split(path)[0])
        if not isinstance(owner, (Event, Step)):
            raise paths.PathError(f"{path}: a property filter belongs to an event condition or a step")
        return catalog.property_type(event_names(owner), node.property)
    if isinstance(node, Event):
        return aggregate_type(catalog, node)
    return None
