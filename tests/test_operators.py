"""The operator table is complete: every operator, for every type it takes, has a builder,
an English sentence and a conformance case (checked against the reference evaluation)."""

from __future__ import annotations

import pytest

from tests.conformance_cases import CASES, NEGATION_PAIRS
from tests.world import CUSTOM_FIELDS, learned_properties, make_world
from workbench.expr.catalog import Catalog, EventType, Field
from workbench.expr.describe import describe_comparison
from workbench.expr.operators import NUMBER, OPERATORS, TIMESTAMP
from workbench.expr.reader import rule_from_dict
from workbench.expr.rules import Attribute, Event, Sequence

PAIRS = sorted((key, type_) for key, op in OPERATORS.items() for type_ in op.types)
# a value of each operator's kind, for its sentence
SAMPLE_VALUES = {"none": None, "list": ("a", "b"), "pair": (1, 2), "items": ("a", "b"), "duration": "7d", "days": 3}


def world_catalog() -> Catalog:
    """The catalog of the conformance world: its custom fields and learned event properties."""
    learned, sources = learned_properties(make_world(1).events)
    custom = tuple(Field(name, type_, name, custom=True) for name, type_ in CUSTOM_FIELDS.items())
    return Catalog.standard(custom, events={name: EventType(name, sources[name], learned[name]) for name in learned})


def compared_pairs() -> set[tuple[str, str]]:
    """The (operator, type) of every comparison the conformance cases make."""
    catalog = world_catalog()
    found = set()
    rules = [*CASES.values(), *(rule for pair in NEGATION_PAIRS.values() for rule in pair)]
    for node in (node for rule in rules for node in rule_from_dict(rule).walk()):
        if isinstance(node, Attribute):
            found.add((node.op, catalog.fields[node.field].type))
        elif isinstance(node, Event):
            found |= {(p.op, catalog.property_type(node.names, p.property)) for p in node.where or ()}
            fn, prop = node.agg.fn, node.agg.property
            if fn in ("first_time", "last_time"):
                compared = TIMESTAMP
            elif fn in ("min", "max"):
                compared = catalog.property_type(node.names, prop)
            else:
                compared = NUMBER
            found.add((node.comparison[0], compared))
        elif isinstance(node, Sequence):
            for step in node.steps:
                found |= {(p.op, catalog.property_type((step.event,), p.property)) for p in step.where or ()}
    return found


COMPARED = compared_pairs()


@pytest.mark.parametrize(("op", "type_"), PAIRS, ids=[f"{op}-{type_}" for op, type_ in PAIRS])
def test_every_operator_and_type_has_a_builder_a_sentence_and_a_case(op, type_):
    operator = OPERATORS[op]
    twin = OPERATORS[operator.negates] if operator.negates else operator
    assert callable(twin.build), "a positive operator builds its own expression; a negative one its twin's"
    assert type_ in twin.types, "a negative operator is the complement of its twin on the same types"
    sentence = describe_comparison(op, SAMPLE_VALUES.get(operator.value, "x"))
    assert sentence and "{" not in sentence
    assert (op, type_) in COMPARED, f"no conformance case compares a {type_} with {op!r}"


def test_negative_operators_have_no_builder_of_their_own():
    # their SQL is NOT of the twin's, so that `not C` and C's negative operator agree
    assert all(op.build is None for op in OPERATORS.values() if op.negates)
