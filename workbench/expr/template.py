"""Compiled SQL kept per process, with the evaluation instant T as a parameter.

Building an Ibis expression and turning it into SQL takes Ibis tens to hundreds of
milliseconds, yet a segment is evaluated again and again with nothing changed but T (the
builder re-counts at each edit, the library at each visit). Every constant the compiler
derives from T (window bounds, ``ago`` times, today's date, anniversary day keys) goes
through a :class:`Clock`. To make a template, the clock hands out *sentinel* literals (in
the year 1111, or integers above two billion) and remembers how to compute each one's
real value from T; the expression is compiled to SQL once, and each later evaluation
computes the values in Python and writes their SQL literals in place of the sentinels.

The compiler makes no other decision that depends on T, so the SQL at T is the template
with T's values: the same text that compiling at T directly gives, up to which equal
constants Ibis shares. A template is only used when every sentinel is found in its SQL
and nothing in the rule could look like one; otherwise each evaluation compiles afresh.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir

UTC_TS = dt.Timestamp(timezone="UTC")
INT = dt.int32

# What sentinel literals look like: no real value of a rule is in the year 1111, and day
# keys (month * 100 + day) are far below two billion.
SENTINEL_YEAR = "1111-"
SENTINEL_INT = 2_000_000_000
GUARDS = (SENTINEL_YEAR, str(SENTINEL_INT)[:6])

CACHE_SIZE = 512


@dataclass(frozen=True)
class Moment:
    """A constant computed from T: an instant, a local date or a day key.

    ``key`` names what it is (equal keys are one constant, so equal sub-queries stay
    equal); ``const`` means it does not depend on T.
    """

    key: tuple
    fn: Callable[[datetime], Any] = field(compare=False, hash=False, repr=False)
    const: bool = False


@dataclass(frozen=True)
class Slot:
    """A sentinel in a template: its SQL text, how to compute the real value, and its type."""

    text: str
    fn: Callable[[datetime], Any]
    dtype: dt.DataType


class Clock:
    """Hands the compiler its T-derived constants: real values, or sentinels for a template."""

    def __init__(self, as_of: datetime, dialect: str, template: bool = False) -> None:
        self.T = as_of
        self.dialect = dialect
        self.template = template
        self.slots: dict[tuple, tuple[Slot, ir.Value]] = {}

    def value(self, moment: Moment, dtype: dt.DataType) -> ir.Value:
        """The constant as an Ibis literal of ``dtype``."""
        if moment.const or not self.template:
            return ibis.literal(moment.fn(self.T), type=dtype)
        key = (moment.key, dtype)
        if key not in self.slots:
            sentinel = _sentinel(dtype, len(self.slots) + 1)
            self.slots[key] = (
                Slot(render_literal(sentinel, dtype, self.dialect), moment.fn, dtype),
                ibis.literal(sentinel, type=dtype),
            )
        return self.slots[key][1]


def _sentinel(dtype: dt.DataType, n: int) -> Any:
    if dtype.is_timestamp():
        return datetime(1111, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
    if dtype.is_date():
        return date(1111, 1, 1) + timedelta(days=n)
    if dtype.is_integer():
        return SENTINEL_INT + n
    raise TypeError(f"no sentinel for {dtype}")


@lru_cache(maxsize=8)
def _sql_compiler(dialect: str):
    return importlib.import_module(f"ibis.backends.sql.compilers.{dialect}").compiler


@lru_cache(maxsize=4096)
def render_literal(value: Any, dtype: dt.DataType, dialect: str) -> str:
    """The SQL text Ibis writes for a literal of ``dtype`` in ``dialect``."""
    compiler = _sql_compiler(dialect)
    return compiler.visit_Literal(ops.Literal(value, dtype), value=value, dtype=dtype).sql(dialect=compiler.dialect)


@dataclass(frozen=True)
class Template:
    """SQL with sentinels, and how to fill them in for an instant."""

    sql: str
    dialect: str
    slots: tuple[Slot, ...]
    pattern: re.Pattern | None

    @classmethod
    def make(cls, sql: str, dialect: str, slots: list[Slot]) -> Template | None:
        """A template, or None when a sentinel cannot be found in the SQL."""
        if any(s.text not in sql for s in slots):
            return None
        texts = sorted((s.text for s in slots), key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, texts))) if texts else None
        return cls(sql, dialect, tuple(slots), pattern)

    def render(self, as_of: datetime) -> str:
        if self.pattern is None:
            return self.sql
        values = {s.text: render_literal(s.fn(as_of), s.dtype, self.dialect) for s in self.slots}
        return self.pattern.sub(lambda m: values[m.group(0)], self.sql)


_cache: OrderedDict[Hashable, Template | None] = OrderedDict()
_lock = threading.Lock()
stats = {"hits": 0, "misses": 0}


def cached_sql(
    key: Hashable,
    build: Callable[[Clock], ir.Expr],
    *,
    as_of: datetime,
    dialect: str,
    guard: Callable[[], str],
) -> str:
    """The SQL of ``build(clock)`` at ``as_of``, from the template cache when possible.

    ``key`` must determine the expression up to T (the rules, the catalog, the dialect);
    ``guard()`` is text in which a sentinel-looking value disqualifies templating.
    """
    cache_key = (dialect, key)
    with _lock:
        found = cache_key in _cache
        template = _cache.get(cache_key)
        if found:
            _cache.move_to_end(cache_key)
    if found:
        stats["hits"] += 1
        if template is not None:
            return template.render(as_of)
        return ibis.to_sql(build(Clock(as_of, dialect)), dialect=dialect)
    stats["misses"] += 1
    template = None
    if not any(g in guard() for g in GUARDS):
        clock = Clock(as_of, dialect, template=True)
        expr = build(clock)
        template = Template.make(ibis.to_sql(expr, dialect=dialect), dialect, [s for s, _ in clock.slots.values()])
    with _lock:
        _cache[cache_key] = template
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    if template is not None:
        return template.render(as_of)
    return ibis.to_sql(build(Clock(as_of, dialect)), dialect=dialect)


def clear() -> None:
    """Forget every template (for tests and measurements)."""
    with _lock:
        _cache.clear()


@dataclass(frozen=True)
class Span:
    """A range of instants (closed or half-open); None bounds are open."""

    start: Moment | None = None
    start_inclusive: bool = True
    end: Moment | None = None
    end_inclusive: bool = True


class ShiftedClock:
    """The clock of an earlier instant, T − ``offset``, inside a template made for T."""

    def __init__(self, base: Clock, offset: timedelta) -> None:
        self.base = base
        self.offset = offset
        self.T = base.T - offset

    def moment(self, moment: Moment) -> Moment:
        """``moment`` as a function of the base clock's T."""
        if moment.const or not self.offset:
            return moment
        offset, fn = self.offset, moment.fn
        return Moment(("shifted", offset, moment.key), lambda at: fn(at - offset))

    def value(self, moment: Moment, dtype: dt.DataType) -> ir.Value:
        return self.base.value(self.moment(moment), dtype)
