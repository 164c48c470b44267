"""The base of every node editor: showing a node, calling the builder on user changes,
the node's toolbar, its count badge and its problems.

A view is reused for whatever node sits at its path after an edit (when the kind still
matches), so the widget the user is typing into survives the re-render. ``show`` writes the
node into the widgets with user-change handlers switched off, so showing a node never
turns into an edit.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from workbench.expr import paths
from workbench.expr.rules import All, AnyOf, Node, Not, Rule
from workbench.i18n import N_, Texts

if TYPE_CHECKING:
    from workbench.widgets.builder import SegmentBuilder

log = logging.getLogger(__name__)

ERROR_STYLE = "color:#b00020"
BADGE_STYLE = "color:#555;font-size:90%"


@dataclass(frozen=True)
class TreeStatus:
    """What the views show beside the nodes: problems by node path, and counts by rule."""

    messages: Mapping[str, list[str]] = field(default_factory=dict)
    counts: Mapping[Rule, int] = field(default_factory=dict)

    def messages_at(self, path: str) -> list[str]:
        return self.messages.get(path, [])

    def count_of(self, node: Node) -> int | None:
        return self.counts.get(node) if isinstance(node, Rule) else None


def set_options(dropdown: widgets.Dropdown, options: Sequence[tuple[str, Any]], value: Any) -> None:
    """Offer ``options`` and select ``value``; nothing is selected when it is not offered."""
    options = tuple(options)
    if dropdown.options != options:
        dropdown.options = options
    dropdown.value = value if value in {v for _, v in options} else None


def problems_html(messages: list[str]) -> str:
    return "".join(f'<div style="{ERROR_STYLE}">⚠ {html.escape(m)}</div>' for m in messages)


def badge_html(count: int | None, t: Texts) -> str:
    if count is None:
        return ""
    alone, shown = html.escape(t._("contacts matching this alone")), html.escape(t.contacts(count))
    return f'<span style="{BADGE_STYLE}" title="{alone}">{shown}</span>'


class NodeView:
    """Shows one node; subclasses build their widgets in ``__init__`` and fill them in ``update``."""

    def __init__(self, builder: SegmentBuilder) -> None:
        self.builder = builder
        self.t = builder.t
        self.path = ""
        self.node: Node | None = None
        self._showing = False
        self._owned: list[Any] = []
        self.count = self.own(widgets.HTML())
        self.problems = self.own(widgets.HTML())
        self.toolbar = Toolbar(self)

    def own(self, part: Any) -> Any:
        """Register a widget (or anything with ``close()``) this view creates, to be closed with it."""
        self._owned.append(part)
        return part

    def on(self, widget: widgets.Widget, action: Callable[[Any], None], trait: str = "value") -> None:
        """Call ``action(new value)`` when the user changes ``widget``, not when ``show`` does."""

        def handle(change: dict) -> None:
            if not self._showing:
                self.builder.act(action, change["new"])

        widget.observe(handle, trait)

    def click(self, button: widgets.Button, action: Callable[[], None]) -> None:
        button.on_click(lambda _button: self.builder.act(action))

    def show(self, path: str, node: Node, status: TreeStatus) -> None:
        """Make the widgets show ``node``, now at ``path``."""
        self.path, self.node = path, node
        messages = status.messages_at(path)
        self._showing = True
        try:
            self.update(node, status)
            self.toolbar.update(path)
        except Exception as exc:  # one part that cannot be shown must not take the whole builder down
            log.exception("showing %s failed", path)
            messages = [
                *messages,
                self.t._("This part cannot be shown ({error}); remove it.", error=f"{type(exc).__name__}: {exc}"),
            ]
        finally:
            self._showing = False
        self.problems.value = problems_html(messages)
        self.show_count(status)

    def show_count(self, status: TreeStatus) -> None:
        if self.node is not None:
            self.count.value = badge_html(status.count_of(self.node), self.t)

    def update(self, node: Node, status: TreeStatus) -> None:
        raise NotImplementedError

    def parts(self) -> Iterator[NodeView]:
        """The views of nodes shown inside this one (steps, filters), at any depth."""
        return iter(())

    def close(self) -> None:
        for part in self._owned:
            part.close()


def icon_button(icon: str, tooltip: str) -> widgets.Button:
    return widgets.Button(icon=icon, tooltip=tooltip, layout=widgets.Layout(width="32px", padding="0"))


class Toolbar:
    """Move up and down, duplicate, remove, and the grouping menu of a node."""

    MENU = (
        ("⋯", None),
        (N_("Put in an ALL group"), ("wrap", "all")),
        (N_("Put in an ANY group"), ("wrap", "any")),
        (N_("Negate (NOT)"), ("wrap", "not")),
        (N_("Ungroup"), ("unwrap", None)),
    )

    def __init__(self, view: NodeView) -> None:
        self.view = view
        t = self.t = view.t
        self.up = view.own(icon_button("arrow-up", t._("Move up")))
        self.down = view.own(icon_button("arrow-down", t._("Move down")))
        self.copy = view.own(icon_button("copy", t._("Duplicate")))
        self.delete = view.own(icon_button("trash", t._("Remove")))
        self.items = [(t._(label) if choice else label, choice) for label, choice in self.MENU]
        self.menu = view.own(widgets.Dropdown(options=self.items, value=None, layout=widgets.Layout(width="48px")))
        builder = view.builder
        view.click(self.up, lambda: builder.move(view.path, self._index() - 1))
        view.click(self.down, lambda: builder.move(view.path, self._index() + 1))
        view.click(self.copy, lambda: builder.duplicate(view.path))
        view.click(self.delete, lambda: builder.remove(view.path))
        view.on(self.menu, self._menu_picked)
        self.widget = view.own(widgets.HBox([self.up, self.down, self.copy, self.delete, self.menu]))

    def _index(self) -> int:
        return paths.split(self.view.path)[2]

    def _menu_picked(self, choice: tuple[str, str | None] | None) -> None:
        if choice is None:
            return
        self.menu.value = None  # a menu, not a setting: back to "⋯" for next time
        action, kind = choice
        if action == "wrap":
            self.view.builder.wrap(self.view.path, kind)  # type: ignore[arg-type]
        else:
            self.view.builder.unwrap(self.view.path)

    def update(self, path: str) -> None:
        """Offer only what makes sense where the node is."""
        try:
            owner, key, index = paths.split(path)
            siblings = len(getattr(paths.node_at(self.view.builder.segment.rule, owner), paths.LIST_FIELDS[key]))
        except paths.PathError:
            owner, key, index, siblings = "", "", 0, 0  # the root, or the rule inside a NOT
        in_list = siblings > 0
        self.up.layout.display = self.down.layout.display = self.copy.layout.display = None if in_list else "none"
        self.up.disabled = index == 0
        self.down.disabled = index >= siblings - 1
        self.delete.disabled = key == "sequence" and siblings <= 2
        node = self.view.node
        self.menu.layout.display = None if isinstance(node, Rule) else "none"
        can_ungroup = isinstance(node, Not) or (isinstance(node, (All, AnyOf)) and len(node.rules) == 1)
        set_options(self.menu, self.items if can_ungroup else self.items[:-1], None)
        self.delete.tooltip = self.t._("Clear the whole rule") if path == paths.ROOT else self.t._("Remove")
