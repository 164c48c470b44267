"""One way to read the rule tree: a visitor with a ``visit_<Node>`` method per node kind.

Modelled on ibis's SQL compiler: every job that reads the tree (compiling, describing,
validating, explaining…) is a class with one method per kind of node it handles, and a
node it does not handle is an error naming both the visitor and the node, instead of the
silent fall-through at the end of an ``isinstance`` ladder. A new node kind is then one
class in ``rules.py`` and one method per visitor; ``tests/test_visitor.py`` lists the
visitors that must handle every rule.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from workbench.expr.rules import Node

Result = TypeVar("Result")


class NodeNotHandled(NotImplementedError):
    """A visitor met a kind of node it has no ``visit_<Node>`` method for."""

    def __init__(self, visitor: object, node: Node) -> None:
        kind = type(node).__name__
        super().__init__(f"{type(visitor).__name__} does not handle {kind} nodes (it has no visit_{kind})")


class Visitor(Generic[Result]):
    """Calls ``visit_<Node>(node, *args)`` for the class of the node visited."""

    def visit(self, node: Node, *args: Any) -> Result:
        """The result of this visitor's method for ``node``'s kind; extra ``args`` (a JSON
        path, the table being filtered) are handed to it as they are."""
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise NodeNotHandled(self, node)
        return method(node, *args)


def handles(visitor: type, node_kind: type) -> bool:
    """Whether a visitor class has a method for a node kind (for the coverage tests)."""
    return callable(getattr(visitor, f"visit_{node_kind.__name__}", None))
