"""The editors of conditions: contact attributes, events, sequences and references, with the
parts they share (a comparison, property filters, a time window)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from workbench.expr import paths
from workbench.expr.compared import aggregate_property_types, aggregate_type, event_names
from workbench.expr.rules import (
    UNSET,
    Attribute,
    Between,
    Event,
    InList,
    InSegment,
    Last,
    Prop,
    Sequence,
    Since,
    Step,
    Value,
    Window,
)
from workbench.i18n import N_
from workbench.widgets.choices import (
    AGGREGATES,
    event_options,
    field_options,
    match_on_options,
    operator_options,
    property_options,
    step_event_options,
)
from workbench.widgets.nodeview import NodeView, TreeStatus, set_options
from workbench.widgets.values import DurationValue, TimeValue, ValueEditor, editor_key, make_editor

if TYPE_CHECKING:
    from workbench.widgets.builder import SegmentBuilder


# Layouts are widgets too: each widget gets its own, so hiding one part never hides another.
def picker() -> widgets.Layout:
    return widgets.Layout(width="260px")


def small() -> widgets.Layout:
    return widgets.Layout(width="170px")


def row(*children: widgets.Widget) -> widgets.HBox:
    return widgets.HBox(list(children), layout=widgets.Layout(align_items="center", flex_flow="row wrap"))


class ComparisonEditor:
    """An operator picker offering what suits the compared type, and the value editor it needs."""

    def __init__(self, view: NodeView) -> None:
        self.view = view
        self.op = view.own(widgets.Dropdown(layout=small()))
        view.on(self.op, lambda op: view.builder.set_op(view.path, op))
        self.value: ValueEditor | None = None
        self._key: tuple | None = None
        self.widget = view.own(widgets.HBox([self.op]))
        view.own(self)

    def update(self, op: str, value: Value, type_: str | None, suggestions: list[str]) -> None:
        set_options(self.op, operator_options(type_, self.view.t), op)
        key = editor_key(op, type_, suggestions)
        if key != self._key or self.value is None:
            self.close()
            self.value = make_editor(op, type_, suggestions, self.view.t)
            self.value.on_change = lambda new: self.view.builder.act(self.view.builder.set_value, self.view.path, new)
            self._key = key
            self.widget.children = (self.op, self.value.widget)
        self.value.show(value)

    def close(self) -> None:
        if self.value is not None:
            self.value.close()


class AttributeView(NodeView):
    """``City is Gdańsk``: a contact field, an operator, a value."""

    def __init__(self, builder: SegmentBuilder) -> None:
        super().__init__(builder)
        self.field = self.own(widgets.Dropdown(description=self.t._("Contact"), layout=picker()))
        self.on(self.field, lambda field: builder.set_field(self.path, field))
        self.comparison = ComparisonEditor(self)
        self.widget = self.own(
            widgets.VBox([row(self.field, self.comparison.widget, self.count, self.toolbar.widget), self.problems])
        )

    def update(self, node: Attribute, status: TreeStatus) -> None:  # type: ignore[override]
        catalog = self.builder.catalog
        set_options(self.field, field_options(catalog, self.t), node.field)
        known = catalog.fields.get(node.field)
        type_ = known.type if known else None
        suggestions = self.builder.suggestions.for_field(catalog, node.field) if known else []
        self.comparison.update(node.op, node.value, type_, suggestions)


class FilterView(NodeView):
    """A property filter of an event or a step: ``where Category is running``."""

    def __init__(self, builder: SegmentBuilder) -> None:
        super().__init__(builder)
        self.prop = self.own(widgets.Dropdown(description=self.t._("where"), layout=picker()))
        self.on(self.prop, lambda prop: builder.set_property(self.path, prop))
        self.comparison = ComparisonEditor(self)
        self.widget = self.own(
            widgets.VBox([row(self.prop, self.comparison.widget, self.toolbar.widget), self.problems])
        )

    def update(self, node: Prop, status: TreeStatus) -> None:  # type: ignore[override]
        catalog = self.builder.catalog
        owner = paths.node_at(self.builder.segment.rule, paths.split(self.path)[0])
        names = event_names(owner)  # type: ignore[arg-type]
        set_options(self.prop, property_options(catalog, names, t=self.t), node.property)
        type_ = catalog.property_type(names, node.property) if node.property else None
        suggestions = self.builder.suggestions.for_property(catalog, names, node.property) if type_ else []
        self.comparison.update(node.op, node.value, type_, suggestions)


class Filters:
    """The property filters of an event condition or a step, and the button adding one."""

    def __init__(self, view: NodeView) -> None:
        self.view = view
        self.rows: list[FilterView] = []
        self.add = view.own(
            widgets.Button(description=view.t._("+ filter"), tooltip=view.t._("Only count events whose property…"))
        )
        view.click(self.add, lambda: view.builder.add_where(view.path))
        self.widget = view.own(widgets.VBox(layout=widgets.Layout(margin="0 0 0 24px")))
        view.own(self)

    def update(self, node: Event | Step, status: TreeStatus) -> None:
        where = node.where or ()
        while len(self.rows) > len(where):
            self.rows.pop().close()
        while len(self.rows) < len(where):
            self.rows.append(FilterView(self.view.builder))
        for i, (filter_view, prop) in enumerate(zip(self.rows, where, strict=True)):
            filter_view.show(paths.where_path(self.view.path, node, i), prop, status)
        self.widget.children = [r.widget for r in self.rows]

    def close(self) -> None:
        for filter_view in self.rows:
            filter_view.close()


class WindowEditor:
    """When the events must have happened: all time, in the last…, since…, between…."""

    KINDS = ((N_("at any time"), None), (N_("in the last"), "last"), (N_("since"), "since"), (N_("between"), "between"))

    def __init__(self, view: NodeView) -> None:
        self.view = view
        kinds = [(view.t._(label), kind) for label, kind in self.KINDS]
        self.kind = view.own(widgets.Dropdown(options=kinds, value=None, layout=small()))
        view.on(self.kind, lambda _kind: self._apply())
        self.between_and = view.own(widgets.Label(view.t._("and")))
        self.editors: dict[str, ValueEditor] = {}  # made when first needed: most windows are "in the last"
        self.widget = view.own(row())

    def editor(self, bound: str) -> ValueEditor:
        """The editor of ``last``, ``since``, ``start`` or ``end``."""
        if bound not in self.editors:
            editor = DurationValue(self.view.t) if bound == "last" else TimeValue(self.view.t)
            editor.on_change = lambda _value: self.view.builder.act(self._apply)
            self.editors[bound] = self.view.own(editor)
        return self.editors[bound]

    def _value(self, bound: str) -> Any:
        # A window being filled in holds "" until its editor has a value; validation asks for one.
        editor = self.editors.get(bound)
        return "" if editor is None or editor.value is UNSET else editor.value

    def _apply(self) -> None:
        kind, path = self.kind.value, self.view.path
        if kind == "last":
            self.view.builder.set_window(path, last=self._value("last"))
        elif kind == "since":
            self.view.builder.set_window(path, since=self._value("since"))
        elif kind == "between":
            self.view.builder.set_window(path, between=(self._value("start"), self._value("end")))
        else:
            self.view.builder.set_window(path)

    def update(self, window: Window | None) -> None:
        bounds: dict[str, Value] = {}
        if isinstance(window, Last):
            bounds = {"last": window.duration}
        elif isinstance(window, Since):
            bounds = {"since": window.time}
        elif isinstance(window, Between):
            bounds = {"start": window.start, "end": window.end}
        self.kind.value = {Last: "last", Since: "since", Between: "between"}.get(type(window))  # type: ignore[call-overload]
        shown: list[widgets.Widget] = [self.kind]
        for bound, value in bounds.items():
            editor = self.editor(bound)
            editor.show(value)
            shown += [self.between_and, editor.widget] if bound == "end" else [editor.widget]
        self.widget.children = shown


def event_mode(event: Event) -> str:
    """How the event editor reads: ``did`` (at least once), ``did_not`` (never) or ``compare``."""
    if event.aggregate is None and event.op is None:
        return "did"
    if event.agg.fn == "count" and event.comparison == ("eq", 0):
        return "did_not"
    return "compare"


class EventView(NodeView):
    """``did purchase … in the last 3 months``, ``never did …``, or an aggregate compared."""

    MODES = ((N_("did"), "did"), (N_("did not"), "did_not"), (N_("how much…"), "compare"))

    def __init__(self, builder: SegmentBuilder) -> None:
        super().__init__(builder)
        t = self.t
        modes = [(t._(label), mode) for label, mode in self.MODES]
        self.mode = self.own(widgets.ToggleButtons(options=modes, style={"button_width": "auto"}))
        self.on(self.mode, self._mode_picked)
        self.event = self.own(widgets.Dropdown(layout=picker()))
        self.on(self.event, lambda name: builder.set_event(self.path, name))
        self.filters = Filters(self)
        self.window = WindowEditor(self)
        self.aggregate = self.own(
            widgets.Dropdown(options=[(t._(v), k) for k, v in AGGREGATES.items()], layout=small())
        )
        self.on(self.aggregate, lambda fn: builder.set_aggregate(self.path, fn))
        self.aggregate_of = self.own(widgets.Dropdown(description=t._("of"), layout=small()))
        self.on(self.aggregate_of, lambda prop: builder.set_aggregate(self.path, self.aggregate.value, prop))
        self.comparison = ComparisonEditor(self)
        self.measure = self.own(row(self.aggregate, self.aggregate_of, self.comparison.widget))
        self.widget = self.own(
            widgets.VBox(
                [
                    row(self.mode, self.event, self.filters.add, self.count, self.toolbar.widget),
                    self.filters.widget,
                    self.window.widget,
                    self.measure,
                    self.problems,
                ]
            )
        )

    def _mode_picked(self, mode: str) -> None:
        if mode == "compare":
            self.builder.set_op(self.path, "gte")
            self.builder.set_value(self.path, 1)
        else:
            self.builder.set_did(self.path, mode == "did")

    def update(self, node: Event, status: TreeStatus) -> None:  # type: ignore[override]
        catalog = self.builder.catalog
        mode = event_mode(node)
        self.mode.value = mode
        options = event_options(catalog, self.t)
        if isinstance(node.event, tuple):  # several names: shown as one choice until another is picked
            options.append((self.t._(" or ").join(node.event), node.event))
        set_options(self.event, options, node.event)
        self.filters.update(node, status)
        self.window.update(node.window)
        self.measure.layout.display = None if mode == "compare" else "none"
        agg = node.agg
        self.aggregate.value = agg.fn
        types = aggregate_property_types(agg.fn)
        self.aggregate_of.layout.display = "none" if types is None else None
        set_options(self.aggregate_of, property_options(catalog, node.names, types or (), self.t), agg.property)
        op, value = node.comparison
        self.comparison.update(op, value, aggregate_type(catalog, node), [])

    def parts(self) -> Iterator[NodeView]:
        return iter(self.filters.rows)


class StepView(NodeView):
    """One step of a sequence: its event, its filters, and for the last of two "and then did not"."""

    NEGATION = ((N_("then did"), False), (N_("and then did not"), True))

    def __init__(self, builder: SegmentBuilder) -> None:
        super().__init__(builder)
        self.lead = self.own(widgets.Label())
        negation = [(self.t._(label), negated) for label, negated in self.NEGATION]
        self.negated = self.own(widgets.ToggleButtons(options=negation, style={"button_width": "auto"}))
        self.on(self.negated, lambda negated: builder.set_negated(self.path, negated))
        self.event = self.own(widgets.Dropdown(layout=picker()))
        self.on(self.event, lambda name: builder.set_event(self.path, name))
        self.filters = Filters(self)
        self.widget = self.own(
            widgets.VBox(
                [
                    row(self.lead, self.negated, self.event, self.filters.add, self.toolbar.widget),
                    self.filters.widget,
                    self.problems,
                ]
            )
        )

    def update(self, node: Step, status: TreeStatus) -> None:  # type: ignore[override]
        owner, _key, index = paths.split(self.path)
        steps = paths.node_at(self.builder.segment.rule, owner).steps  # type: ignore[attr-defined]
        can_negate = index == 1 and len(steps) == 2
        self.lead.value = self.t._("did") if index == 0 else ("" if can_negate else self.t._("then"))
        self.negated.layout.display = None if can_negate else "none"
        self.negated.value = node.negated
        set_options(self.event, step_event_options(self.builder.catalog, self.t), node.event)
        self.filters.update(node, status)

    def parts(self) -> Iterator[NodeView]:
        return iter(self.filters.rows)


class SequenceView(NodeView):
    """Events in order: steps, how soon they follow, when, and what they must share."""

    def __init__(self, builder: SegmentBuilder) -> None:
        super().__init__(builder)
        self.steps: list[StepView] = []
        self.steps_box = self.own(widgets.VBox(layout=widgets.Layout(margin="0 0 0 12px")))
        t = self.t
        self.add_step = self.own(widgets.Button(description=t._("+ step")))
        self.click(self.add_step, lambda: builder.add_step(self.path))
        self.within_label = self.own(widgets.Label())
        self.within = self.own(DurationValue(t))
        self.within.on_change = lambda duration: builder.act(builder.set_within, self.path, duration or None)
        self.window = WindowEditor(self)
        self.match_on = self.own(widgets.Dropdown(description=t._("same"), layout=small()))
        self.on(self.match_on, lambda prop: builder.set_match_on(self.path, prop))
        self.widget = self.own(
            widgets.VBox(
                [
                    row(self.own(widgets.HTML(t._("<b>Sequence</b>"))), self.count, self.toolbar.widget),
                    self.steps_box,
                    row(self.add_step, self.within_label, self.within.widget, self.match_on),
                    self.window.widget,
                    self.problems,
                ]
            )
        )

    def update(self, node: Sequence, status: TreeStatus) -> None:  # type: ignore[override]
        while len(self.steps) > len(node.steps):
            self.steps.pop().close()
        while len(self.steps) < len(node.steps):
            self.steps.append(StepView(self.builder))
        for i, (step_view, step) in enumerate(zip(self.steps, node.steps, strict=True)):
            step_view.show(paths.child(self.path, "sequence", i), step, status)
        self.steps_box.children = [s.widget for s in self.steps]
        self.add_step.layout.display = "none" if node.is_negated else None
        self.within_label.value = self.t._("for at least") if node.is_negated else self.t._("all within")
        self.within.show(node.within or UNSET)
        set_options(
            self.match_on,
            [(self.t._("(any value)"), None), *match_on_options(self.builder.catalog, node, self.t)],
            node.match_on,
        )
        self.window.update(node.window)

    def parts(self) -> Iterator[NodeView]:
        for step_view in self.steps:
            yield step_view
            yield from step_view.parts()

    def close(self) -> None:
        for step_view in self.steps:
            step_view.close()
        super().close()


class ReferenceView(NodeView):
    """Membership of a saved segment or a static list."""

    def __init__(self, builder: SegmentBuilder) -> None:
        super().__init__(builder)
        self.target = self.own(widgets.Dropdown(layout=picker()))
        self.on(self.target, lambda target: builder.set_reference(self.path, target))
        self.widget = self.own(widgets.VBox([row(self.target, self.count, self.toolbar.widget), self.problems]))

    def update(self, node: InSegment | InList, status: TreeStatus) -> None:  # type: ignore[override]
        if isinstance(node, InSegment):
            self.target.description = self.t._("in segment")
            options = self.builder.segment_options()
            set_options(self.target, options, node.segment)
        else:
            self.target.description = self.t._("on list")
            set_options(self.target, self.builder.list_options(), node.list_id)
