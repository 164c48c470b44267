"""Value editors: one widget per kind of value an operator takes, for the type it compares.

An editor reads back what the user entered as a rule value (``UNSET`` while it is empty,
so validation can say "Enter a value") and shows a value from the tree without reporting
it as an edit. It only writes to its widgets when the value differs from what they already
read as, so what the user is typing ("12." on the way to "12.5") is never overwritten.
Text that does not parse is passed on as it is, for validation to explain.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import ipywidgets as widgets

from workbench.expr.operators import NUMBER, OPERATORS, TEMPORAL
from workbench.expr.rules import UNSET, Ago, Value
from workbench.expr.timeutil import DURATION_RE, is_date_text, parse_date
from workbench.i18n import N_, Texts, texts

# The labels are messages, shown translated.
DURATION_UNITS = [
    (N_("minutes"), "m"),
    (N_("hours"), "h"),
    (N_("days"), "d"),
    (N_("weeks"), "w"),
    (N_("months"), "mo"),
    (N_("years"), "y"),
    (N_("seconds"), "s"),
]


def width(pixels: int) -> widgets.Layout:
    return widgets.Layout(width=f"{pixels}px")


class ValueEditor:
    """Edits one rule value; ``on_change`` hears the user's edits."""

    widget: widgets.Widget

    def __init__(self) -> None:
        self.on_change: Callable[[Value], None] | None = None
        self._showing = False

    @property
    def value(self) -> Value:
        """What the widgets hold, as a rule value."""
        raise NotImplementedError

    def show(self, value: Value) -> None:
        """Make the widgets show ``value``, without reporting a change."""
        if value == self.value:
            return
        self._showing = True
        try:
            self._write(value)
        finally:
            self._showing = False

    def _write(self, value: Value) -> None:
        raise NotImplementedError

    def _report(self, _change: object = None) -> None:
        if not self._showing and self.on_change is not None:
            self.on_change(self.value)

    def _watch(self, *watched: widgets.Widget) -> None:
        for widget in watched:
            widget.observe(self._report, "value")

    def close(self) -> None:
        for widget in self._widgets():
            widget.close()

    def _widgets(self) -> list[widgets.Widget]:
        return [self.widget]


class NoValue(ValueEditor):
    """For operators that take no value (``is set``, ``is true``)."""

    def __init__(self) -> None:
        super().__init__()
        self.widget = widgets.HBox()

    @property
    def value(self) -> Value:
        return UNSET

    def _write(self, value: Value) -> None:
        """Nothing to show."""


class TextValue(ValueEditor):
    """Free text, with the field's existing values suggested while typing."""

    def __init__(self, suggestions: list[str], placeholder: str = N_("value"), t: Texts | None = None) -> None:
        super().__init__()
        self.widget = widgets.Combobox(
            options=suggestions, ensure_option=False, placeholder=(t or texts())._(placeholder), layout=width(220)
        )
        self._watch(self.widget)

    @property
    def value(self) -> Value:
        return self.widget.value or UNSET

    def _write(self, value: Value) -> None:
        self.widget.value = "" if value is UNSET else str(value)


def parse_number(text: str) -> Value:
    """``"12"`` → 12, ``"12.5"`` → 12.5, ``""`` → UNSET; other text is kept for validation to explain."""
    text = text.strip()
    if not text:
        return UNSET
    for convert in (int, float):
        try:
            number = convert(text)
        except ValueError:
            continue
        return int(number) if isinstance(number, float) and number.is_integer() else number
    return text


class NumberValue(ValueEditor):
    """A number typed as text, so that an empty box means "no value yet"."""

    def __init__(self, placeholder: str = N_("number"), t: Texts | None = None) -> None:
        super().__init__()
        self.widget = widgets.Text(placeholder=(t or texts())._(placeholder), layout=width(90))
        self._watch(self.widget)

    @property
    def value(self) -> Value:
        return parse_number(self.widget.value)

    def _write(self, value: Value) -> None:
        self.widget.value = "" if value is UNSET else str(value)


class TagsValue(ValueEditor):
    """Several values (``is one of``, ``includes any of``); restricted to the existing ones
    when the field has few enough to suggest."""

    def __init__(self, suggestions: list[str], numeric: bool = False) -> None:
        super().__init__()
        self.numeric = numeric
        self.widget = widgets.FloatsInput() if numeric else widgets.TagsInput(allowed_tags=suggestions)
        self._watch(self.widget)

    @property
    def value(self) -> Value:
        items = [parse_number(str(v)) if self.numeric else v for v in self.widget.value]
        return tuple(items) if items else UNSET

    def _write(self, value: Value) -> None:
        items = list(value) if isinstance(value, tuple) else ([] if value is UNSET else [value])
        if self.numeric:
            items = [v for v in items if isinstance(v, (int, float)) and not isinstance(v, bool)]
            self.widget.value = items
            return
        items = [str(v) for v in items]  # a wrongly typed value is shown as text; validation says what is wrong
        if self.widget.allowed_tags:
            # A value loaded from a document stays visible even when the data no longer has it.
            self.widget.allowed_tags = [
                *self.widget.allowed_tags,
                *(v for v in items if v not in self.widget.allowed_tags),
            ]
        self.widget.value = items


class PairValue(ValueEditor):
    """``between``: two values of the compared type."""

    def __init__(self, make: Callable[[], ValueEditor], t: Texts | None = None) -> None:
        super().__init__()
        self.low, self.high = make(), make()
        self.low.on_change = self.high.on_change = lambda _value: self._report()
        self.widget = widgets.HBox([self.low.widget, widgets.Label((t or texts())._("and")), self.high.widget])

    @property
    def value(self) -> Value:
        low, high = self.low.value, self.high.value
        return UNSET if low is UNSET or high is UNSET else (low, high)

    def _write(self, value: Value) -> None:
        low, high = value if isinstance(value, tuple) and len(value) == 2 else (UNSET, UNSET)
        self.low.show(low)
        self.high.show(high)

    def _widgets(self) -> list[widgets.Widget]:
        return [self.widget, *self.low._widgets(), *self.high._widgets()]


class DurationValue(ValueEditor):
    """A relative duration: an amount and a unit ("7" "days" → ``"7d"``)."""

    def __init__(self, t: Texts | None = None) -> None:
        super().__init__()
        t = t or texts()
        self.amount = widgets.Text(placeholder="7", layout=width(60))
        units = [(t._(label), unit) for label, unit in DURATION_UNITS]
        self.unit = widgets.Dropdown(options=units, value="d", layout=width(90))
        self.widget = widgets.HBox([self.amount, self.unit])
        self._watch(self.amount, self.unit)

    @property
    def value(self) -> Value:
        amount = self.amount.value.strip()
        return f"{amount}{self.unit.value}" if amount else UNSET

    def _write(self, value: Value) -> None:
        match = DURATION_RE.match(value) if isinstance(value, str) else None
        if match:
            self.amount.value, self.unit.value = match.group(1), match.group(2)
        else:
            self.amount.value = "" if value is UNSET else str(value)

    def _widgets(self) -> list[widgets.Widget]:
        return [self.widget, self.amount, self.unit]


class TimeValue(ValueEditor):
    """A TIME: a calendar date, a time ago ("30 days ago"), or an exact ISO 8601 time."""

    MODES = ((N_("on date"), "date"), (N_("time ago"), "ago"), (N_("exact time"), "exact"))

    def __init__(self, t: Texts | None = None) -> None:
        super().__init__()
        t = t or texts()
        modes = [(t._(label), mode) for label, mode in self.MODES]
        self.mode = widgets.Dropdown(options=modes, value="date", layout=width(90))
        self.date = widgets.DatePicker(layout=width(160))
        self.ago = DurationValue(t)
        self.exact = widgets.Text(placeholder="2026-11-30T12:00:00Z", layout=width(220))
        self.ago.on_change = lambda _value: self._report()
        self.widget = widgets.HBox()
        self._watch(self.date, self.exact)
        self.mode.observe(self._mode_picked, "value")
        self._arrange()

    def _arrange(self) -> None:
        shown = {"date": self.date, "ago": self.ago.widget, "exact": self.exact}[self.mode.value]
        self.widget.children = (self.mode, shown)

    def _mode_picked(self, _change: object) -> None:
        self._arrange()
        self._report()

    @property
    def value(self) -> Value:
        if self.mode.value == "date":
            return self.date.value.isoformat() if self.date.value else UNSET
        if self.mode.value == "ago":
            duration = self.ago.value
            return UNSET if duration is UNSET else Ago(duration)  # type: ignore[arg-type]
        return self.exact.value.strip() or UNSET

    def _write(self, value: Value) -> None:
        if isinstance(value, Ago):
            self.mode.value = "ago"
            self.ago.show(value.duration)
        elif is_date_text(value):
            self.mode.value = "date"
            self.date.value = _date_or_none(value)  # type: ignore[arg-type]
        elif value is UNSET or value == "":  # a window picked but not filled in yet holds ""
            self.date.value, self.exact.value = None, ""
            self.ago.show(UNSET)
        else:
            self.mode.value = "exact"
            self.exact.value = str(value)

    def _widgets(self) -> list[widgets.Widget]:
        return [self.widget, self.mode, self.date, self.exact, *self.ago._widgets()]


def _date_or_none(text: str) -> date | None:
    try:
        return parse_date(text)
    except ValueError:
        return None


def editor_key(op: str, type_: str | None, suggestions: list[str]) -> tuple:
    """What decides the editor: recreated only when this changes."""
    kind = OPERATORS[op].value if op in OPERATORS else "none"
    return kind, type_, tuple(suggestions)


def make_editor(op: str, type_: str | None, suggestions: list[str], t: Texts | None = None) -> ValueEditor:
    """The editor for the value of operator ``op`` comparing a ``type_``, labelled in ``t``'s language."""
    kind = OPERATORS[op].value if op in OPERATORS else "none"
    if kind == "none":
        return NoValue()
    if kind == "duration":
        return DurationValue(t)
    if kind == "days":
        return NumberValue(placeholder=N_("days"), t=t)
    if kind in ("list", "items"):
        return TagsValue(suggestions, numeric=type_ == NUMBER)
    if kind == "pair":
        return PairValue(lambda: _scalar_editor(type_, suggestions, t), t)
    return _scalar_editor(type_, suggestions, t)


def _scalar_editor(type_: str | None, suggestions: list[str], t: Texts | None) -> ValueEditor:
    if type_ == NUMBER:
        return NumberValue(t=t)
    if type_ in TEMPORAL:
        return TimeValue(t)
    return TextValue(suggestions, placeholder=N_("value"), t=t)
