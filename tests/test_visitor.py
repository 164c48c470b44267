"""The visitors over the rule tree: each handles every kind of rule, and says so when not."""

from __future__ import annotations

import pytest

from workbench.explain import _Verdicts
from workbench.expr.compile import Compiler
from workbench.expr.describe import Describer, _WindowWords
from workbench.expr.emptiness import _WithoutEvents
from workbench.expr.inline import _Inliner
from workbench.expr.paths import _Walk
from workbench.expr.rules import RULE_NODES, Between, InSegment, Last, Since
from workbench.expr.validate import Validator
from workbench.expr.visitor import NodeNotHandled, Visitor, handles

RULE_VISITORS = [Compiler, _Inliner, Describer, _WithoutEvents, _Verdicts, Validator, _Walk]


@pytest.mark.parametrize("visitor", RULE_VISITORS, ids=lambda v: v.__name__)
@pytest.mark.parametrize("kind", RULE_NODES, ids=lambda k: k.__name__)
def test_every_rule_visitor_handles_every_kind_of_rule(visitor, kind):
    # the compiler sees references already inlined
    if (visitor, kind) == (Compiler, InSegment):
        assert not handles(visitor, kind)
    else:
        assert handles(visitor, kind)


@pytest.mark.parametrize("kind", [Last, Since, Between], ids=lambda k: k.__name__)
def test_the_window_wording_handles_every_window(kind):
    assert handles(_WindowWords, kind)


def test_a_node_a_visitor_does_not_handle_is_an_error_naming_both():
    class OnlyGroups(Visitor[str]):
        def visit_All(self, rule):  # noqa: N802 - named after the node class it visits
            return "all"

    with pytest.raises(NodeNotHandled, match="OnlyGroups does not handle InSegment nodes"):
        OnlyGroups().visit(InSegment("vip"))
