"""The Ibis builder of each positive operator: ``column op value`` as a boolean expression.

The operator table (``operators.py``) names one builder per positive operator; a negative
operator has none of its own, it is compiled as the complement of its twin's. A builder
receives the compiler for what depends on the engine (``dialect``) or on the instant T
(``ts``, ``day``, ``before``…: every constant derived from T goes through the compiler's
clock, see ``template.py``), the column, the field's type and the rule's value (numbers
already exact decimals when the column is one). Nulls are left as they fall: the compiler
makes every comparison two-valued.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache, reduce
from typing import TYPE_CHECKING

import ibis.expr.types as ir

from workbench.expr.fieldtypes import ARRAY, DATE, STRING, TIMESTAMP
from workbench.expr.rules import Ago, Value
from workbench.expr.template import INT, Moment
from workbench.expr.timeutil import anniversary_keys, is_date_text, local_date

if TYPE_CHECKING:  # the compiler imports the operator table, which imports the builders
    from workbench.expr.compile import Compiler

Builder = Callable[["Compiler", ir.Value, str, Value], ir.BooleanValue]


def is_set(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    if type_ == STRING:
        return col.notnull() & (col != "")
    if type_ == ARRAY:
        return col.notnull() & (col.length() > 0)
    return col.notnull()


def eq(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    if type_ == DATE:
        return col == c.day(c.local_day(value))
    if type_ == TIMESTAMP:
        start = c.ts(c.instant(value))
        if _whole_day(value):
            return (col >= start) & (col < c.ts(c.day_end(value)))
        return col == start
    return col == value


def isin(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    return col.isin(list(value))


def _lowered(c: Compiler, col: ir.Value, value: Value) -> tuple[ir.StringValue, str]:
    """Text matching ignores case (SPEC §3): both sides lower-cased, the column by the engine."""
    return c.dialect.lower(col), str(value).lower()


def contains(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    lowered, needle = _lowered(c, col, value)
    return lowered.contains(needle)


def starts_with(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    lowered, needle = _lowered(c, col, value)
    return lowered.startswith(needle)


def ends_with(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    lowered, needle = _lowered(c, col, value)
    return lowered.endswith(needle)


def gt(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    return col > value


def gte(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    return col >= value


def lt(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    return col < value


def lte(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    return col <= value


def between(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    lo, hi = value
    if type_ == DATE:
        return (col >= c.day(c.local_day(lo))) & (col <= c.day(c.local_day(hi)))
    if type_ == TIMESTAMP:
        upper = col < c.ts(c.day_end(hi)) if _whole_day(hi) else col <= c.ts(c.instant(hi))
        return (col >= c.ts(c.instant(lo))) & upper
    return (col >= lo) & (col <= hi)


def is_true(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    return col == True  # noqa: E712 - an Ibis comparison, not a Python one


def is_false(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    return col == False  # noqa: E712


def before(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    if type_ == DATE:
        return col < c.day(c.local_day(value))
    return col < c.ts(c.instant(value))


def after(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    if type_ == DATE:
        return col > c.day(c.local_day(value))
    return col >= c.ts(c.day_end(value)) if _whole_day(value) else col > c.ts(c.instant(value))


def within_last(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    if type_ == DATE:
        low = c.local_day(Ago(value))
        return (col > c.day(low)) & (col <= c.day(c.today))
    return (col > c.ts(c.before(value))) & (col <= c.ts(c.now))


def anniversary_within_days(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    day = col if type_ == DATE else c.local_date_of(col)
    key = day.month() * 100 + day.day()
    days = int(value)
    lo, hi = (
        c.clock.value(
            Moment(
                ("anniversary", days, i),
                lambda at, i=i, tz=c.tz: anniversary_arc(local_date(at, tz), days)[i],
                days >= 365,
            ),
            INT,
        )
        for i in range(2)
    )
    # the key read once: how far along the circle from lo, against the arc's length
    return (key - lo + KEY_CIRCLE) % KEY_CIRCLE <= (hi - lo + KEY_CIRCLE) % KEY_CIRCLE


def has(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    return col.contains(value)


def has_any(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    return reduce(lambda a, b: a | b, [col.contains(v) for v in value])


def has_all(c: Compiler, col: ir.Value, type_: str, value: Value) -> ir.BooleanValue:
    return reduce(lambda a, b: a & b, [col.contains(v) for v in value])


def _whole_day(value: Value) -> bool:
    """A date given for a timestamp stands for the whole local day."""
    return isinstance(value, str) and is_date_text(value)


ALL_DAY_KEYS = tuple(
    sorted({d.month * 100 + d.day for d in (date(2000, 1, 1) + timedelta(days=i) for i in range(366))})
)


@lru_cache(maxsize=1024)
def anniversary_arc(today: date, days: int) -> tuple[int, int]:
    """The day keys of :func:`anniversary_keys` (``month * 100 + day``) as one run ``lo,
    hi`` on the calendar's circle of keys: it passes from 1231 to 101 when the days run
    past 31 December (``hi < lo`` then).

    Two numbers whatever ``today`` is, so the SQL has the same shape at every T.
    """
    keys = set(anniversary_keys(today, days))
    runs: list[list[int]] = []
    previous = False
    for key in ALL_DAY_KEYS:
        if key in keys:
            if not previous:
                runs.append([key, key])
            runs[-1][1] = key
        previous = key in keys
    if len(runs) == 1:
        return runs[0][0], runs[0][1]
    (first_lo, first_hi), (second_lo, second_hi) = runs
    assert (first_lo, second_hi) == (ALL_DAY_KEYS[0], ALL_DAY_KEYS[-1]), (today, days, runs)
    return second_lo, first_hi


# keys run from 101 to 1231: a modulus above 1231 - 101 measures the arc without aliasing
KEY_CIRCLE = 1300
