"""The tree API: one path grammar for walk, node_at, replace and transform, the same paths
validation reports."""

from __future__ import annotations

import pytest

from workbench.errors import SegmentError
from workbench.expr import paths
from workbench.expr.catalog import Catalog
from workbench.expr.reader import rule_from_dict
from workbench.expr.rules import All, Attribute, Event, Not, Prop, Step
from workbench.expr.validate import validate

RULE = rule_from_dict(
    {
        "all": [
            {"attribute": "city", "op": "eq", "value": "A"},
            {"not": {"event": "purchase", "where": [{"property": "amount", "op": "gt", "value": 1}]}},
            {
                "sequence": [
                    {"event": "add_to_cart"},
                    {"not": {"event": "purchase", "where": [{"property": "x", "op": "is_set"}]}},
                ]
            },
        ]
    }
)

WALKED = [
    ("rule", All),
    ("rule.all[0]", Attribute),
    ("rule.all[1]", Not),
    ("rule.all[1].not", Event),
    ("rule.all[1].not.where[0]", Prop),
    ("rule.all[2]", type(RULE.rules[2])),
    ("rule.all[2].sequence[0]", Step),
    ("rule.all[2].sequence[1]", Step),
    ("rule.all[2].sequence[1].not.where[0]", Prop),
]


def test_walk_yields_every_addressable_node_with_its_path():
    assert [(path, type(node)) for path, node in paths.walk(RULE)] == WALKED


@pytest.mark.parametrize("path", [path for path, _ in WALKED])
def test_node_at_finds_what_walk_yields(path):
    assert paths.node_at(RULE, path) == dict(paths.walk(RULE))[path]


@pytest.mark.parametrize("path", ["rule.any[0]", "rule.all[3]", "rule.all[0].not", "x", "rule.all[0"])
def test_a_path_naming_nothing_is_a_path_error(path):
    with pytest.raises(paths.PathError):
        paths.node_at(RULE, path)


def test_replace_rebuilds_the_way_down_and_keeps_the_rest():
    new = paths.replace(RULE, "rule.all[1].not.where[0]", Prop("amount", "lt", 5))
    assert paths.node_at(new, "rule.all[1].not.where[0]") == Prop("amount", "lt", 5)
    assert new.rules[0] is RULE.rules[0] and new.rules[2] is RULE.rules[2]


def test_transform_replaces_nodes_children_first():
    seen = []

    def rename(node):
        seen.append(type(node).__name__)
        return Attribute("town", node.op, node.value) if isinstance(node, Attribute) else node

    new = paths.transform(RULE, rename)
    assert paths.node_at(new, "rule.all[0]") == Attribute("town", "eq", "A")
    assert seen[-1] == "All" and seen.index("Prop") < seen.index("Event") < seen.index("Not")
    assert paths.transform(RULE, lambda node: node) is RULE


def test_validation_reports_the_paths_walk_yields():
    with pytest.raises(SegmentError) as caught:
        validate(RULE, Catalog.standard())
    walked = [path for path, _ in paths.walk(RULE)]
    assert all(paths.owner_of(problem.path, walked) for problem in caught.value.problems)
    assert "rule.all[1].not.event" in {problem.path for problem in caught.value.problems}
