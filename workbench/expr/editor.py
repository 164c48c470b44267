"""Every edit a user can make to a segment, as a plain method.

:class:`RuleEditor` holds the segment being edited (an immutable :class:`Segment`) and
replaces it with a new one on every edit; the widgets call these methods and so do
tests. Nodes are addressed by their JSON paths (see :mod:`workbench.expr.paths`);
methods that create a node return its path.

Edits never refuse a half-finished state: a field whose operator no longer fits, an
empty value, an event not picked yet are all kept and reported by validation at the node
they concern, as a marketer builds a rule one click at a time. Only edits that cannot be
expressed at all (a path that names nothing, a sequence of one step) raise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar, cast

from workbench.errors import WorkbenchError
from workbench.expr import paths
from workbench.expr.catalog import Catalog
from workbench.expr.compared import aggregate_property_types, compared_type
from workbench.expr.operators import OPERATORS, value_problem
from workbench.expr.rules import (
    UNSET,
    Aggregate,
    Ago,
    All,
    AnyOf,
    Attribute,
    Between,
    Event,
    InList,
    InSegment,
    Last,
    Node,
    Not,
    Prop,
    Rule,
    Segment,
    Sequence,
    Since,
    Step,
    Value,
    freeze,
    slugify,
)

NodeKind = TypeVar("NodeKind", bound=Node)
GROUPS = {"all": All, "any": AnyOf}
CONDITION_KINDS = ("attribute", "event", "sequence", "in_segment", "in_list")
EMPTY_VALUES = ("", [], (), None)


class EditError(WorkbenchError):
    """An edit that cannot be made (the message says why)."""


def adapt_value(value: Value, op: str, type_: str | None) -> Value:
    """The value kept when the operator changes: reshaped to the new operator's kind of
    value (one ↔ a list ↔ a pair) when it still fits the compared type, else no value."""
    if op not in OPERATORS or value is UNSET:
        return value
    kind = OPERATORS[op].value
    if kind == "none":
        return UNSET
    items = value if isinstance(value, tuple) else (value,)
    if kind in ("list", "items"):
        candidate: Value = items
    elif kind == "pair":
        candidate = items if len(items) == 2 else UNSET
    else:
        candidate = items[0] if len(items) == 1 else UNSET
    if candidate is UNSET or type_ is None or value_problem(op, type_, candidate, False) is None:
        return candidate
    return UNSET


def as_value(raw: Any) -> Value:
    """A value as given to the editor (JSON form) as a tree value; emptiness is "no value"."""
    return UNSET if raw is UNSET or raw in EMPTY_VALUES else freeze(raw)


def _time(raw: Any) -> str | Ago:
    """A TIME as given (JSON form); what is no time is kept as it is, for validation to
    report at its node, as every half-finished edit is."""
    return cast(str | Ago, freeze(raw))


def _new_condition(kind: str, initial: dict[str, Any]) -> Rule:
    """A condition as the "add" picker creates it, with what was picked filled in."""
    take = initial.pop
    if kind == "attribute":
        node: Rule = Attribute(take("field", ""), take("op", ""), as_value(take("value", UNSET)))
    elif kind == "event":
        names = take("event", "")
        node = Event(tuple(names) if isinstance(names, list) else names)
    elif kind == "sequence":
        node = Sequence(tuple(Step(name) for name in take("steps", ("", ""))))
    elif kind == "in_segment":
        node = InSegment(take("segment", ""))
    elif kind == "in_list":
        node = InList(take("list_id", ""))
    else:
        raise EditError(f"unknown condition kind {kind!r}; use one of {', '.join(CONDITION_KINDS)}")
    if initial:
        raise EditError(f"a new {kind} condition does not take {', '.join(sorted(initial))}")
    return node


class RuleEditor:
    """The segment under edit and the edits (a mixin: the builder adds the views).

    Subclasses call :meth:`_start_editing` once and override :meth:`_changed`, which runs
    after every edit that changed the segment.
    """

    catalog: Catalog
    _segment: Segment
    _id_follows_name: bool

    def _start_editing(self, segment: Segment, catalog: Catalog, *, id_follows_name: bool) -> None:
        self.catalog = catalog
        self._segment = segment
        self._id_follows_name = id_follows_name

    def _changed(self) -> None:
        """Runs after each edit; the builder re-validates, re-renders and re-counts here."""

    @property
    def segment(self) -> Segment:
        """The segment as currently edited."""
        return self._segment

    def _commit(self, segment: Segment) -> None:
        if segment != self._segment:
            self._segment = segment
            self._changed()

    def _edit(self, change: Callable[[Rule], Rule]) -> None:
        self._commit(self._segment.with_rule(change(self._segment.rule)))

    def _node(self, path: str, *kinds: type[NodeKind]) -> NodeKind:
        """The node at ``path``, which must be of one of ``kinds``."""
        node = paths.node_at(self._segment.rule, path)
        if not isinstance(node, kinds):
            wanted = " or ".join(k.__name__ for k in kinds)
            raise EditError(f"{path} is {type(node).__name__}, not {wanted}")
        return node

    def _set(self, path: str, kinds: tuple[type, ...], **fields: Any) -> None:
        self._node(path, *kinds)
        self._edit(lambda rule: paths.update(rule, path, lambda node: replace(node, **fields)))

    # --- the document -----------------------------------------------------------------

    def set_name(self, name: str) -> None:
        """Name the segment; a new segment's id follows its name until the id is set."""
        segment = replace(self._segment, name=name)
        if self._id_follows_name:
            segment = replace(segment, id=slugify(name))
        self._commit(segment)

    def set_id(self, segment_id: str) -> None:
        """Set the id the segment is saved under (saving replaces a saved segment with this id)."""
        self._id_follows_name = False
        self._commit(replace(self._segment, id=segment_id))

    def set_description(self, text: str) -> None:
        """Describe the segment (empty: no description)."""
        self._commit(replace(self._segment, description=text or None))

    # --- structure ----------------------------------------------------------------------

    def _insert(self, group_path: str, node: Rule, index: int | None) -> str:
        group: All | AnyOf = self._node(group_path, All, AnyOf)
        key = paths.list_key(group) or ""
        position = len(group.rules) if index is None else min(index, len(group.rules))

        def inserted(items: list) -> list:
            return [*items[:position], node, *items[position:]]

        self._edit(lambda rule: paths.update_list(rule, group_path, key, inserted))
        return paths.child(group_path, key, position)

    def add_condition(self, path: str, kind: str, *, index: int | None = None, **initial: Any) -> str:
        """Add a condition to the group at ``path`` (at the end, or at ``index``); returns its path.

        ``kind`` is ``attribute`` (initial ``field``, ``op``, ``value``), ``event`` (``event``),
        ``sequence`` (``steps``: event names), ``in_segment`` (``segment``) or ``in_list``
        (``list_id``). What is not given is left for the user to pick.
        """
        return self._insert(path, _new_condition(kind, dict(initial)), index)

    def add_group(self, path: str, kind: str = "all", *, index: int | None = None) -> str:
        """Add an empty ``all`` / ``any`` group, or a ``not`` around an empty ``all``; returns its path."""
        if kind == "not":
            return self._insert(path, Not(All()), index)
        if kind not in GROUPS:
            raise EditError(f"unknown group kind {kind!r}; use all, any or not")
        return self._insert(path, GROUPS[kind](), index)

    def set_group_kind(self, path: str, kind: str) -> None:
        """Switch a group between ALL (and) and ANY (or), keeping its rules."""
        if kind not in GROUPS:
            raise EditError(f"a group is 'all' or 'any', not {kind!r}")
        group: All | AnyOf = self._node(path, All, AnyOf)
        self._edit(lambda rule: paths.update(rule, path, lambda _: GROUPS[kind](group.rules)))

    def remove(self, path: str) -> None:
        """Remove a rule, filter or step. Removing the rule inside a NOT removes the NOT;
        removing the root rule leaves an empty ALL group (everyone)."""
        if path == paths.ROOT:
            self._edit(lambda _: All())
            return
        if path.endswith(".not"):
            self.remove(path[: -len(".not")])
            return
        owner, key, index = paths.split(path)
        self._node(path, Node)
        if key == "sequence" and len(self._node(owner, Sequence).steps) <= 2:
            raise EditError("a sequence needs at least two steps; remove the whole sequence instead")

        def without(items: list) -> list:
            return items[:index] + items[index + 1 :]

        self._edit(lambda rule: self._without_empty_where(paths.update_list(rule, owner, key, without), owner, key))

    @staticmethod
    def _without_empty_where(rule: Rule, owner: str, key: str) -> Rule:
        # No filters left means "no where" in the document, not an empty list.
        filtered = paths.node_at(rule, owner)
        if key == "where" and isinstance(filtered, (Event, Step)) and not filtered.where:
            return paths.update(rule, owner, lambda node: replace(node, where=None))
        return rule

    def duplicate(self, path: str) -> str:
        """Copy a rule, filter or step right after itself; returns the copy's path."""
        owner, key, index = paths.split(path)
        node = self._node(path, Node)

        def doubled(items: list) -> list:
            return [*items[: index + 1], node, *items[index + 1 :]]

        self._edit(lambda rule: paths.update_list(rule, owner, key, doubled))
        return paths.child(owner, key, index + 1)

    def move(self, path: str, index: int) -> str:
        """Move a rule, filter or step to position ``index`` among its siblings; returns its new path."""
        owner, key, old = paths.split(path)
        node = self._node(path, Node)
        siblings = len(getattr(self._node(owner, Node), paths.LIST_FIELDS[key]))
        if not 0 <= index < siblings:
            raise EditError(f"cannot move to position {index}; there are {siblings} items")

        def moved(items: list) -> list:
            rest = items[:old] + items[old + 1 :]
            return [*rest[:index], node, *rest[index:]]

        self._edit(lambda rule: paths.update_list(rule, owner, key, moved))
        return paths.child(owner, key, index)

    def wrap(self, path: str, kind: str) -> str:
        """Put the rule at ``path`` inside a new ``all``, ``any`` or ``not``; returns the new node's path."""
        node = self._node(path, Rule)
        if kind == "not":
            wrapper: Rule = Not(node)
        elif kind in GROUPS:
            wrapper = GROUPS[kind]((node,))
        else:
            raise EditError(f"wrap in 'all', 'any' or 'not', not {kind!r}")
        self._edit(lambda rule: paths.update(rule, path, lambda _: wrapper))
        return path

    def unwrap(self, path: str) -> str:
        """Replace a NOT, or a group of exactly one rule, by the rule inside; returns its path."""
        node: All | AnyOf | Not = self._node(path, All, AnyOf, Not)
        if isinstance(node, Not):
            inner = node.rule
        elif len(node.rules) == 1:
            inner = node.rules[0]
        else:
            raise EditError("only a group with a single rule can be ungrouped")
        self._edit(lambda rule: paths.update(rule, path, lambda _: inner))
        return path

    # --- comparisons: attributes, property filters, event aggregates ----------------------

    def set_field(self, path: str, field: str) -> None:
        """Pick the contact field an attribute condition compares (the operator is kept,
        and flagged when it does not suit the new field's type)."""
        self._set(path, (Attribute,), field=field)

    def set_property(self, path: str, prop: str) -> None:
        """Pick the event property a filter compares."""
        self._set(path, (Prop,), property=prop)

    def set_op(self, path: str, op: str) -> None:
        """Pick the comparison; the value is kept, reshaped for the new operator where it fits."""
        node: Attribute | Prop | Event = self._node(path, Attribute, Prop, Event)
        value = node.comparison[1] if isinstance(node, Event) else node.value
        type_ = compared_type(self.catalog, self._segment.rule, path, node)
        self._set(path, (Attribute, Prop, Event), op=op, value=adapt_value(value, op, type_))

    def set_value(self, path: str, value: Any) -> None:
        """Set the compared value (JSON form: lists, ``{"ago": "7d"}``); empty text, an empty
        list or None clear it."""
        self._set(path, (Attribute, Prop, Event), value=as_value(value))

    # --- events -------------------------------------------------------------------------

    def set_event(self, path: str, event: str | list[str]) -> None:
        """Pick the event of an event condition (a name, several names, or ``"*"`` for any)
        or of a sequence step (one name)."""
        node = self._node(path, Event, Step)
        if isinstance(node, Step) and not isinstance(event, str):
            raise EditError("a sequence step names one event")
        self._set(path, (Event, Step), event=freeze(event))

    def set_did(self, path: str, did: bool) -> None:
        """Pick "did it" (at least once: the default) or "did not do it" (no such event at all)."""
        if did:
            self._set(path, (Event,), aggregate=None, op=None, value=UNSET)
        else:
            self._set(path, (Event,), aggregate=None, op="eq", value=0)

    def set_aggregate(self, path: str, fn: str, prop: str | None = None) -> None:
        """Compare an aggregate of the events instead of their number: ``sum`` of ``amount``…
        ``count`` is the default and is written as no aggregate at all."""
        event = self._node(path, Event)
        wanted = aggregate_property_types(fn)
        if wanted is None:
            prop = None
        elif prop is None and event.aggregate is not None:
            prop = event.aggregate.property
        self._set(path, (Event,), aggregate=None if fn == "count" else Aggregate(fn, prop))

    def set_window(
        self,
        path: str,
        *,
        last: str | None = None,
        since: Any = None,
        between: tuple[Any, Any] | list | None = None,
    ) -> None:
        """Limit an event condition or a sequence to a time window; no argument: all time.

        ``last="7d"``; ``since="2026-01-01"`` or ``since={"ago": "30d"}``; ``between=(start, end)``.
        """
        given = [w for w in (last, since, between) if w is not None]
        if len(given) > 1:
            raise EditError("a window is one of last, since or between")
        if last is not None:
            window: Last | Since | Between | None = Last(last)
        elif since is not None:
            window = Since(_time(since))
        elif between is not None:
            start, end = between
            window = Between(_time(start), _time(end))
        else:
            window = None
        self._set(path, (Event, Sequence), window=window)

    def add_where(self, path: str, prop: str = "", op: str = "", value: Any = UNSET) -> str:
        """Add a property filter to an event condition or a sequence step; returns its path."""
        node: Event | Step = self._node(path, Event, Step)
        index = len(node.where or ())
        new = Prop(prop, op, as_value(value))
        self._edit(lambda rule: paths.update(rule, path, lambda n: replace(n, where=(*(n.where or ()), new))))
        return paths.where_path(path, node, index)

    # --- sequences ----------------------------------------------------------------------

    def add_step(self, path: str, event: str = "") -> str:
        """Add a step at the end of a sequence; returns its path."""
        sequence = self._node(path, Sequence)
        index = len(sequence.steps)
        self._edit(lambda rule: paths.update_list(rule, path, "sequence", lambda steps: [*steps, Step(event)]))
        return paths.child(path, "sequence", index)

    def set_negated(self, path: str, negated: bool) -> None:
        """Make a step "and then did not" (only the second of two steps can be)."""
        self._set(path, (Step,), negated=negated)

    def set_within(self, path: str, duration: str | None) -> None:
        """How soon the steps must follow the first (for "did not": how long ago the first
        must be); None: no limit."""
        self._set(path, (Sequence,), within=duration or None)

    def set_match_on(self, path: str, prop: str | None) -> None:
        """Make every step share this property's value (the same cart, product…); None: any."""
        self._set(path, (Sequence,), match_on=prop or None)

    # --- references ---------------------------------------------------------------------

    def set_reference(self, path: str, target: str) -> None:
        """Pick the saved segment of an ``in_segment`` condition or the list of an ``in_list``."""
        node = self._node(path, InSegment, InList)
        field = "segment" if isinstance(node, InSegment) else "list_id"
        self._set(path, (InSegment, InList), **{field: target})
