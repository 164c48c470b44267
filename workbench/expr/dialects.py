"""The few things the compiler says differently per SQL engine.

Ibis covers almost everything; what it does not (JSON property access on ClickHouse, and
converting instants to a time zone's wall clock) is declared here as builtin functions of
each engine, so the compiler stays one visitor for all of them.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

UTC_TS = dt.Timestamp(timezone="UTC")


class Dialect(Protocol):
    """How the compiler reads JSON properties and local calendars on one engine."""

    def json_value(self, properties: ir.Value, key: str, type_: str) -> ir.Value:
        """``properties[key]`` as ``string``/``number``/``boolean``; null when absent or of another type."""

    def local_date(self, ts: ir.TimestampValue, zone: str) -> ir.DateValue:
        """The calendar date of an instant in ``zone``."""

    def add_months(self, ts: ir.TimestampValue, months: int, zone: str) -> ir.TimestampValue:
        """``ts`` moved by calendar months of ``zone``'s wall clock."""

    def aggregate(self, value: ir.Column, method: str, mask: ir.BooleanValue) -> ir.Scalar:
        """``method`` (min, max, mean, sum) of ``value`` over the rows where ``mask`` holds;
        null when there are none."""


# DuckDB and PostgreSQL both have timezone(zone, timestamptz) → local wall time and
# timezone(zone, timestamp) → the instant at which zone's clock shows it.
@ibis.udf.scalar.builtin(name="timezone")
def _wall_clock(zone_name: str, ts: UTC_TS) -> dt.timestamp:
    """The wall-clock time of ``ts`` in ``zone_name``."""


@ibis.udf.scalar.builtin(name="timezone")
def _instant_of(zone_name: str, ts: dt.timestamp) -> UTC_TS:
    """The instant at which the wall clock of ``zone_name`` shows ``ts``."""


class Standard:
    """DuckDB and PostgreSQL: Ibis's JSON operations and ``timezone()``."""

    def json_value(self, properties: ir.Value, key: str, type_: str) -> ir.Value:
        raw = properties[key]
        return {"number": raw.float, "boolean": raw.bool}.get(type_, raw.str)

    def local_date(self, ts: ir.TimestampValue, zone: str) -> ir.DateValue:
        return ts.date() if zone == "UTC" else _wall_clock(zone, ts).date()

    def add_months(self, ts: ir.TimestampValue, months: int, zone: str) -> ir.TimestampValue:
        interval = ibis.interval(months=months)
        if zone == "UTC":
            return ts + interval
        return _instant_of(zone, _wall_clock(zone, ts) + interval)

    def aggregate(self, value: ir.Column, method: str, mask: ir.BooleanValue) -> ir.Scalar:
        return getattr(value, method)(where=mask)


@ibis.udf.scalar.builtin(name="JSONType")
def _json_type(json: dt.string, key: dt.string) -> dt.string:
    """ClickHouse: the JSON type name of a key (``String``, ``Int64``, ``Double``, ``Bool``…)."""


@ibis.udf.scalar.builtin(name="JSONExtractString")
def _json_string(json: dt.string, key: dt.string) -> dt.string:
    """ClickHouse: a string value."""


@ibis.udf.scalar.builtin(name="JSONExtractFloat")
def _json_float(json: dt.string, key: dt.string) -> dt.float64:
    """ClickHouse: a numeric value as a float."""


@ibis.udf.scalar.builtin(name="JSONExtractBool")
def _json_bool(json: dt.string, key: dt.string) -> dt.boolean:
    """ClickHouse: a boolean value."""


@ibis.udf.scalar.builtin(name="toTimeZone")
def _in_zone(ts: UTC_TS, zone_name: str) -> UTC_TS:
    """ClickHouse: the same instant, with calendar functions working in ``zone_name``."""


@ibis.udf.scalar.builtin(name="toDate")
def _ch_date(ts: UTC_TS) -> dt.date:
    """ClickHouse: the date of a DateTime in its own time zone."""


@ibis.udf.scalar.builtin(name="addMonths")
def _ch_add_months(ts: UTC_TS, months: dt.int32) -> UTC_TS:
    """ClickHouse: calendar months, in the DateTime's time zone."""


class ClickHouse:
    """ClickHouse stores ``properties`` as JSON text and has its own time zone functions."""

    JSON_TYPES: ClassVar[dict[str, tuple[str, ...]]] = {
        "string": ("String",),
        "number": ("Int64", "UInt64", "Double"),
        "boolean": ("Bool",),
    }

    def json_value(self, properties: ir.Value, key: str, type_: str) -> ir.Value:
        text = properties.cast(dt.string)
        matches = _json_type(text, key).isin(list(self.JSON_TYPES.get(type_, self.JSON_TYPES["string"])))
        value = {"number": _json_float, "boolean": _json_bool}.get(type_, _json_string)(text, key)
        return ibis.cases((matches, value), else_=ibis.null(value.type()))

    def local_date(self, ts: ir.TimestampValue, zone: str) -> ir.DateValue:
        return _ch_date(_in_zone(ts, zone))

    def add_months(self, ts: ir.TimestampValue, months: int, zone: str) -> ir.TimestampValue:
        return _ch_add_months(_in_zone(ts, zone), months)

    def aggregate(self, value: ir.Column, method: str, mask: ir.BooleanValue) -> ir.Scalar:
        # maxIf and friends give the type's default (1970-01-01, 0, nan) over no rows; over a
        # Nullable argument that is all NULL they give NULL, as SQL does.
        return getattr(ibis.cases((mask, value), else_=ibis.null(value.type())), method)()


DIALECTS: dict[str, Dialect] = {"duckdb": Standard(), "postgres": Standard(), "clickhouse": ClickHouse()}


def dialect_for(name: str) -> Dialect:
    """The dialect of an engine name (``duckdb``, ``postgres``, ``clickhouse``)."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"unsupported SQL dialect {name!r}; use one of {', '.join(DIALECTS)}") from None
