"""The rule tree on screen: groups, NOTs and the condition editors inside them.

After every edit :meth:`TreeView.render` walks the new tree and gives each node the view
already at its path when it is of the right kind (so a text box keeps its focus while the
user types), a new view otherwise, and closes the views no longer used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.expr import paths
from workbench.expr.rules import All, AnyOf, Attribute, Event, InList, InSegment, Not, Rule, Sequence
from workbench.i18n import N_
from workbench.widgets.choices import add_options
from workbench.widgets.condition import AttributeView, EventView, ReferenceView, SequenceView, row
from workbench.widgets.nodeview import NodeView, TreeStatus, set_options

if TYPE_CHECKING:
    from workbench.widgets.builder import SegmentBuilder


def nested() -> widgets.Layout:
    """Indented, with a rule down the left: the box of a group's rules."""
    return widgets.Layout(margin="4px 0 4px 12px", padding="0 0 0 12px", border_left="3px solid #c5cae9")


# messages, shown translated
PLACEHOLDER = N_("+ add a condition…")
EMPTY_GROUP = {
    "all": N_("Everyone. Add conditions to narrow the audience down."),
    "any": N_("No one yet. Add conditions."),
}


class GroupView(NodeView):
    """ALL / ANY of the rules inside, with the picker that adds one."""

    KINDS = ((N_("ALL of these"), "all"), (N_("ANY of these"), "any"))

    def __init__(self, builder: SegmentBuilder) -> None:
        super().__init__(builder)
        kinds = [(self.t._(label), kind) for label, kind in self.KINDS]
        self.kind = self.own(widgets.ToggleButtons(options=kinds, style={"button_width": "110px"}))
        self.on(self.kind, lambda kind: builder.set_group_kind(self.path, kind))
        self.body = self.own(widgets.VBox(layout=nested()))
        self.empty = self.own(widgets.Label())
        self.add = self.own(widgets.Dropdown(layout=widgets.Layout(width="340px")))
        self.on(self.add, self._add_picked)
        self.widget = self.own(
            widgets.VBox([row(self.kind, self.count, self.toolbar.widget), self.body, self.add, self.problems])
        )

    def _add_picked(self, choice: tuple[str, str | None] | None) -> None:
        if choice is None:
            return
        self.add.value = None  # a picker of actions: back to the placeholder for the next one
        kind, name = choice
        if kind in ("all", "any", "not"):
            self.builder.add_group(self.path, kind)
        elif kind == "attribute":
            self.builder.add_condition(self.path, "attribute", field=name)
        elif kind == "event":
            self.builder.add_condition(self.path, "event", event=name)
        else:
            self.builder.add_condition(self.path, kind)

    def update(self, node: All | AnyOf, status: TreeStatus) -> None:  # type: ignore[override]
        key = paths.list_key(node)
        self.kind.value = key
        t = self.t
        set_options(self.add, [(t._(PLACEHOLDER), None), *add_options(self.builder.catalog, t)], None)
        self.empty.value = t._(EMPTY_GROUP[key]) if not node.rules else ""  # type: ignore[index]

    def set_children(self, children: list[widgets.Widget]) -> None:
        self.body.children = children or [self.empty]


class NotView(NodeView):
    """NOT: everyone except the contacts the rule inside matches."""

    def __init__(self, builder: SegmentBuilder) -> None:
        super().__init__(builder)
        self.body = self.own(widgets.VBox(layout=nested()))
        title = self.own(widgets.HTML(self.t._("<b>NOT</b> — everyone except contacts who match:")))
        self.widget = self.own(widgets.VBox([row(title, self.count, self.toolbar.widget), self.body, self.problems]))

    def update(self, node: Not, status: TreeStatus) -> None:  # type: ignore[override]
        """The title says it all; the rule inside is placed by the tree."""

    def set_children(self, children: list[widgets.Widget]) -> None:
        self.body.children = children


VIEWS: dict[type, type[NodeView]] = {
    All: GroupView,
    AnyOf: GroupView,
    Not: NotView,
    Attribute: AttributeView,
    Event: EventView,
    Sequence: SequenceView,
    InSegment: ReferenceView,
    InList: ReferenceView,
}


class TreeView:
    """Keeps one view per rule node, keyed by path."""

    def __init__(self, builder: SegmentBuilder) -> None:
        self.builder = builder
        self.views: dict[str, NodeView] = {}
        self.widget = widgets.VBox()

    def render(self, rule: Rule, status: TreeStatus) -> None:
        """Show ``rule``, reusing the views of nodes still at their paths."""
        placed: dict[str, NodeView] = {}
        root = self._place(paths.ROOT, rule, status, placed)
        for path, view in self.views.items():
            if placed.get(path) is not view:
                view.close()
        self.views = placed
        self.widget.children = (root.widget,)

    def _place(self, path: str, node: Rule, status: TreeStatus, placed: dict[str, NodeView]) -> NodeView:
        view = self.views.get(path)
        if type(view) is not VIEWS[type(node)]:
            view = VIEWS[type(node)](self.builder)
        placed[path] = view
        view.show(path, node, status)
        if isinstance(view, GroupView):
            key = paths.list_key(node)
            view.set_children(
                [self._place(paths.child(path, key, i), sub, status, placed).widget for i, sub in enumerate(node.rules)]  # type: ignore[arg-type, attr-defined]
            )
        elif isinstance(view, NotView):
            view.set_children([self._place(paths.child(path, "not"), node.rule, status, placed).widget])  # type: ignore[attr-defined]
        return view

    def show_counts(self, status: TreeStatus) -> None:
        """Refresh the count badges (the views list is copied: this runs on the counting thread)."""
        for view in list(self.views.values()):
            view.show_count(status)

    def all_views(self) -> Iterator[NodeView]:
        """Every view on screen: rules, and the steps and filters inside conditions."""
        for view in list(self.views.values()):
            yield view
            yield from view.parts()

    def view_at(self, path: str) -> NodeView:
        """The view showing the node at ``path``."""
        for view in self.all_views():
            if view.path == path:
                return view
        raise paths.PathError(f"nothing is shown at {path!r}")
