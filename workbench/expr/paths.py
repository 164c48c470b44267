"""The rule tree as addressable data: one path grammar, and ``walk``, ``node_at``,
``replace``, ``transform`` over it (after sqlglot's tree API).

A path names a node by where it sits in the segment document: ``rule`` is the root rule,
``rule.all[1]`` the second rule of the root ``all`` group, ``rule.all[1].not`` the rule
inside a ``not``, ``rule.where[0]`` an event condition's first property filter,
``rule.sequence[1]`` a sequence step and ``rule.sequence[1].not.where[0]`` a filter of a
negated step. Because they are the paths validation reports (``rule.all[1].op: …``), a
problem belongs to the node whose path is its longest prefix.

The JSON reader, validation, the builder and the app all write paths with :func:`child`,
so a path one reports is a path the others find. The tree is immutable: :func:`update`
rebuilds the nodes on the way down to the change.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator

from workbench.errors import WorkbenchError
from workbench.expr.rules import All, AnyOf, Event, Node, Not, Rule, Sequence, Step
from workbench.expr.visitor import Visitor

ROOT = "rule"
_TOKEN = re.compile(r"\.(all|any|where|sequence)\[(\d+)\]|\.(not)")
# The key of a list in the document → the dataclass field holding it.
LIST_FIELDS = {"all": "rules", "any": "rules", "where": "where", "sequence": "steps"}
_OWNERS = {"all": All, "any": AnyOf, "where": (Event, Step), "sequence": Sequence}

Hop = tuple[str, int | None]


class PathError(WorkbenchError, LookupError):
    """A path that does not name a node of the current tree."""


def parse(path: str) -> tuple[Hop, ...]:
    """``"rule.all[1].not"`` → ``(("all", 1), ("not", None))``."""
    if not path.startswith(ROOT):
        raise PathError(f"{path!r} is not a rule path; paths start with {ROOT!r}")
    hops: list[Hop] = []
    pos = len(ROOT)
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if match is None:
            raise PathError(f"cannot read {path!r} from {path[pos:]!r}")
        hops.append((match.group(1), int(match.group(2))) if match.group(1) else ("not", None))
        pos = match.end()
    return tuple(hops)


def child(path: str, key: str, index: int | None = None) -> str:
    """The path one hop below ``path``: ``child("rule", "all", 2)`` → ``"rule.all[2]"``."""
    return f"{path}.{key}" if index is None else f"{path}.{key}[{index}]"


def split(path: str) -> tuple[str, str, int]:
    """A path inside a list → (path of the list's owner, list key, index)."""
    match = re.search(r"\.(all|any|where|sequence)\[(\d+)\]$", path)
    if match is None:
        raise PathError(f"{path!r} is not an item of a list (a group's rule, a filter or a step)")
    return path[: match.start()], match.group(1), int(match.group(2))


def _items(node: Node, key: str) -> tuple[Node, ...]:
    """The list ``key`` of the document (``all``, ``where``…) as the node holds it."""
    return getattr(node, LIST_FIELDS[key]) or ()


def _step(node: Node, hop: Hop, path: str) -> Node:
    key, index = hop
    if key == "not":
        if isinstance(node, Not):
            return node.rule
        if isinstance(node, Step) and node.negated:
            return node  # ``{"not": STEP}`` in the document is one Step node here
        raise PathError(f"{path}: there is no 'not' here")
    if not isinstance(node, _OWNERS[key]):
        raise PathError(f"{path}: this node has no '{key}' list")
    items = _items(node, key)
    if index is None or not 0 <= index < len(items):
        raise PathError(f"{path}: there is no item {index} (it has {len(items)})")
    return items[index]


def node_at(rule: Rule, path: str) -> Node:
    """The node at ``path``; raises PathError when the path names nothing."""
    node: Node = rule
    for hop in parse(path):
        node = _step(node, hop, path)
    return node


def update(rule: Rule, path: str, change: Callable[[Node], Node]) -> Rule:
    """A new tree in which the node at ``path`` is replaced by ``change(node)``."""
    new = _update(rule, parse(path), change, path)
    if not isinstance(new, Rule):
        raise PathError(f"{path}: the root of a tree is a rule, not a {type(new).__name__}")
    return new


def replace(rule: Rule, path: str, node: Node) -> Rule:
    """A new tree with ``node`` at ``path`` instead of what was there."""
    return update(rule, path, lambda _old: node)


def _update(node: Node, hops: tuple[Hop, ...], change: Callable[[Node], Node], path: str) -> Node:
    if not hops:
        return change(node)
    hop, rest = hops[0], hops[1:]
    new_child = _update(_step(node, hop, path), rest, change, path)
    key, index = hop
    if key == "not":
        return dataclasses.replace(node, rule=new_child) if isinstance(node, Not) else new_child
    items = list(_items(node, key))
    items[index or 0] = new_child
    return dataclasses.replace(node, **{LIST_FIELDS[key]: tuple(items)})


def update_list(rule: Rule, owner: str, key: str, change: Callable[[list], Iterable]) -> Rule:
    """A new tree in which the list ``key`` of the node at ``owner`` is ``change(items)``."""

    def rebuild(node: Node) -> Node:
        return dataclasses.replace(node, **{LIST_FIELDS[key]: tuple(change(list(_items(node, key))))})

    return update(rule, owner, rebuild)


def transform(node: Node, fn: Callable[[Node], Node]) -> Node:
    """A new tree in which every node, children first, is replaced by ``fn(node)`` (``fn``
    returns its argument to keep a node); unchanged subtrees are kept as they are."""
    changes = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, Node):
            new: object = transform(value, fn)
        elif isinstance(value, tuple) and any(isinstance(v, Node) for v in value):
            new = tuple(transform(v, fn) if isinstance(v, Node) else v for v in value)
        else:
            continue
        if new != value:
            changes[f.name] = new
    return fn(dataclasses.replace(node, **changes) if changes else node)


def list_key(node: Node) -> str | None:
    """The key of the list of rules a group holds (``all``/``any``), or None."""
    if isinstance(node, All):
        return "all"
    if isinstance(node, AnyOf):
        return "any"
    return None


def where_path(path: str, node: Event | Step, index: int) -> str:
    """The path of a filter of an event condition or step (a negated step adds ``.not``)."""
    inner = f"{path}.not" if isinstance(node, Step) and node.negated else path
    return child(inner, "where", index)


def walk(rule: Rule, path: str = ROOT) -> Iterator[tuple[str, Node]]:
    """Every addressable node with its path, depth first: rules, filters and steps."""
    return _Walk().visit(rule, path)


class _Walk(Visitor[Iterator[tuple[str, Node]]]):
    def visit_All(self, rule: All, path: str) -> Iterator[tuple[str, Node]]:  # noqa: N802 - named after the node class it visits
        yield path, rule
        for i, sub in enumerate(rule.rules):
            yield from self.visit(sub, child(path, "all", i))

    def visit_AnyOf(self, rule: AnyOf, path: str) -> Iterator[tuple[str, Node]]:  # noqa: N802 - named after the node class it visits
        yield path, rule
        for i, sub in enumerate(rule.rules):
            yield from self.visit(sub, child(path, "any", i))

    def visit_Not(self, rule: Not, path: str) -> Iterator[tuple[str, Node]]:  # noqa: N802 - named after the node class it visits
        yield path, rule
        yield from self.visit(rule.rule, child(path, "not"))

    def visit_Event(self, rule: Event, path: str) -> Iterator[tuple[str, Node]]:  # noqa: N802 - named after the node class it visits
        yield path, rule
        for i, prop in enumerate(rule.where or ()):
            yield where_path(path, rule, i), prop

    def visit_Sequence(self, rule: Sequence, path: str) -> Iterator[tuple[str, Node]]:  # noqa: N802 - named after the node class it visits
        yield path, rule
        for i, step in enumerate(rule.steps):
            step_path = child(path, "sequence", i)
            yield step_path, step
            for j, prop in enumerate(step.where or ()):
                yield where_path(step_path, step, j), prop

    def leaf(self, rule: Rule, path: str) -> Iterator[tuple[str, Node]]:
        yield path, rule

    visit_Attribute = visit_InSegment = visit_InList = leaf  # noqa: N815 - named after the node classes they visit


def within(path: str, ancestor: str) -> bool:
    """Whether ``path`` is ``ancestor`` or a path below it (``rule.all[1].op`` is within ``rule.all[1]``)."""
    return path == ancestor or path.startswith((f"{ancestor}.", f"{ancestor}["))


def owner_of(problem_path: str, node_paths: Iterable[str]) -> str | None:
    """The node a validation problem concerns: the longest node path that prefixes it."""
    owners = [path for path in node_paths if within(problem_path, path)]
    return max(owners, key=len, default=None)
