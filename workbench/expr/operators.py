"""The operator table of SPEC §3: which types each operator takes, its value, its
wording and its Ibis builder.

One row per operator: a new operator is a row here, its builder in ``builders.py`` and a
conformance case (``tests/test_operators.py`` checks that every operator and type has
all three). Validation reads ``types`` and ``value``, the English rendering reads
``template``, and the compiler calls ``build`` for the positive operators and derives
every negative one as the exact complement of its twin (``negates``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.errors import InvalidValue
from workbench.expr import builders
from workbench.expr.builders import Builder
from workbench.expr.fieldtypes import ALL_TYPES, ARRAY, BOOLEAN, DATE, NUMBER, STRING, TEMPORAL, TIMESTAMP, TYPES
from workbench.expr.rules import Ago, Value
from workbench.expr.timeutil import Duration, is_date_text, parse_date, parse_instant
from workbench.i18n import N_, Message, later

__all__ = [
    "ALL_TYPES",
    "ARRAY",
    "BOOLEAN",
    "DATE",
    "NEGATIVE",
    "NUMBER",
    "NUMBER_DIGITS",
    "NUMBER_LIMIT",
    "OPERATORS",
    "STRING",
    "TEMPORAL",
    "TIMESTAMP",
    "TYPES",
    "Operator",
    "operators_for",
    "value_problem",
]

# Numbers in rules are below this magnitude: every engine compares them exactly with amounts.
NUMBER_DIGITS = 20
NUMBER_LIMIT = 10**NUMBER_DIGITS


@dataclass(frozen=True)
class Operator:
    """One operator: the field types it applies to and the value it takes.

    ``value`` is the kind of value: ``none``, ``scalar`` (one value of the field's type;
    a TIME for dates and timestamps), ``list`` (a non-empty list of such values),
    ``pair`` ([lo, hi]), ``item`` / ``items`` (one / several strings for arrays),
    ``duration`` or ``days`` (a whole number ≥ 0). ``template`` is its English wording,
    ``build`` the Ibis expression of ``column op value`` (see ``builders.py``); a negative
    operator has no builder but the twin it ``negates``.
    """

    key: str
    types: frozenset[str]
    value: str
    template: str
    build: Builder | None = None
    negates: str | None = None


OPERATORS: dict[str, Operator] = {
    op.key: op
    for op in [
        Operator("is_set", ALL_TYPES, "none", N_("is set"), builders.is_set),
        Operator("is_not_set", ALL_TYPES, "none", N_("is not set"), negates="is_set"),
        Operator("eq", frozenset({STRING, NUMBER, DATE, TIMESTAMP}), "scalar", N_("is {value}"), builders.eq),
        Operator("ne", frozenset({STRING, NUMBER}), "scalar", N_("is not {value}"), negates="eq"),
        Operator("in", frozenset({STRING, NUMBER}), "list", N_("is one of {value}"), builders.isin),
        Operator("not_in", frozenset({STRING, NUMBER}), "list", N_("is none of {value}"), negates="in"),
        Operator("contains", frozenset({STRING}), "scalar", N_("contains {value}"), builders.contains),
        Operator("not_contains", frozenset({STRING}), "scalar", N_("does not contain {value}"), negates="contains"),
        Operator("starts_with", frozenset({STRING}), "scalar", N_("starts with {value}"), builders.starts_with),
        Operator("ends_with", frozenset({STRING}), "scalar", N_("ends with {value}"), builders.ends_with),
        Operator("gt", frozenset({NUMBER}), "scalar", N_("is more than {value}"), builders.gt),
        Operator("gte", frozenset({NUMBER}), "scalar", N_("is at least {value}"), builders.gte),
        Operator("lt", frozenset({NUMBER}), "scalar", N_("is less than {value}"), builders.lt),
        Operator("lte", frozenset({NUMBER}), "scalar", N_("is at most {value}"), builders.lte),
        Operator(
            "between", frozenset({NUMBER, DATE, TIMESTAMP}), "pair", N_("is between {lo} and {hi}"), builders.between
        ),
        Operator("is_true", frozenset({BOOLEAN}), "none", N_("is true"), builders.is_true),
        Operator("is_false", frozenset({BOOLEAN}), "none", N_("is false"), builders.is_false),
        Operator("before", TEMPORAL, "scalar", N_("is before {value}"), builders.before),
        Operator("after", TEMPORAL, "scalar", N_("is after {value}"), builders.after),
        Operator("within_last", TEMPORAL, "duration", N_("is within the last {value}"), builders.within_last),
        Operator("not_within_last", TEMPORAL, "duration", N_("is not within the last {value}"), negates="within_last"),
        Operator(
            "anniversary_within_days",
            TEMPORAL,
            "days",
            N_("has its anniversary within {value}"),
            builders.anniversary_within_days,
        ),
        Operator("has", frozenset({ARRAY}), "item", N_("includes {value}"), builders.has),
        Operator("has_not", frozenset({ARRAY}), "item", N_("does not include {value}"), negates="has"),
        Operator("has_any", frozenset({ARRAY}), "items", N_("includes any of {value}"), builders.has_any),
        Operator("has_all", frozenset({ARRAY}), "items", N_("includes all of {value}"), builders.has_all),
    ]
}

NEGATIVE = {op.key: op.negates for op in OPERATORS.values() if op.negates}


def operators_for(type_: str) -> list[str]:
    """The operators valid for a field type, in table order."""
    return [op.key for op in OPERATORS.values() if type_ in op.types]


def _is_number(value: Value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _time_problem(value: Value) -> Message | None:
    if isinstance(value, Ago):
        try:
            Duration.parse(value.duration)
        except InvalidValue as exc:
            return exc.text
        return None
    if not isinstance(value, str):
        return later._('expected a time (ISO 8601, a date, or {{"ago": DURATION}}), got {value}', value=repr(value))
    try:
        parse_date(value) if is_date_text(value) else parse_instant(value)
    except InvalidValue as exc:
        return exc.text
    return None


def _text_problem(value: str) -> Message | None:
    """No stored text holds a NUL (PostgreSQL's cannot), and no engine takes one in a query."""
    return later._("text values cannot contain NUL (U+0000)") if "\x00" in value else None


def _scalar_problem(type_: str, value: Value) -> Message | None:
    if type_ in TEMPORAL:
        return _time_problem(value)
    if type_ == STRING and not isinstance(value, str):
        return later._("expected a string, got {value}", value=repr(value))
    if type_ == STRING:
        return _text_problem(value)
    if type_ == NUMBER and not _is_number(value):
        return later._("expected a number, got {value}", value=repr(value))
    if type_ == NUMBER and not (math.isfinite(value) and abs(value) < NUMBER_LIMIT):
        return later._(
            "expected a number of magnitude below 10^{digits}, got {value}", digits=NUMBER_DIGITS, value=repr(value)
        )
    return None


def value_problem(op_key: str, type_: str, value: Value, unset: bool) -> Message | None:
    """Why ``value`` does not suit operator ``op_key`` on a field of ``type_``, or None
    (a message to render in the reader's language; ``str()`` is English)."""
    op = OPERATORS[op_key]
    kind = op.value
    if kind == "none":
        return None if unset else later._("'{op}' takes no value", op=op_key)
    if unset:
        return later._("'{op}' needs a value", op=op_key)
    if kind == "scalar":
        return _scalar_problem(type_, value)
    if kind == "item":
        return (
            _text_problem(value)
            if isinstance(value, str)
            else later._("expected a string, got {value}", value=repr(value))
        )
    if kind in ("list", "items"):
        if not isinstance(value, tuple) or not value:
            return later._("'{op}' takes a non-empty list", op=op_key)
        item_type = STRING if kind == "items" else type_
        problems = [p for p in (_scalar_problem(item_type, v) for v in value) if p]
        return problems[0] if problems else None
    if kind == "pair":
        if not isinstance(value, tuple) or len(value) != 2:
            return later._("'between' takes a list of exactly two values [lo, hi]")
        problems = [p for p in (_scalar_problem(type_, v) for v in value) if p]
        return problems[0] if problems else None
    if kind == "duration":
        try:
            Duration.parse(value)  # type: ignore[arg-type]
        except InvalidValue as exc:
            return exc.text
        return None
    if kind == "days":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else later._("expected a whole number of days ≥ 0, got {value}", value=repr(value))
    raise AssertionError(kind)
