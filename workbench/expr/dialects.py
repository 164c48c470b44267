"""The few things the compiler says differently per SQL engine.

Ibis covers almost everything; what it does not is declared here as builtin functions of
each engine, so the compiler stays one visitor for all of them: reading a ``properties``
key as exactly that key (Ibis writes DuckDB keys into a JSONPath, where ``a.b`` is a path),
reading a JSON number as an exact amount, and converting instants to a time zone's wall
clock.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from workbench.schema import MONEY

UTC_TS = dt.Timestamp(timezone="UTC")


class Dialect(Protocol):
    """How the compiler reads JSON properties and local calendars on one engine."""

    def json_key(self, key: str) -> str:
        """The text that names exactly the key ``key`` in this engine's JSON functions:
        every property key reaches SQL through here, as a bound string literal, so a key
        means itself whatever characters it holds (``.``, ``$``, ``*``, quotes…)."""

    def json_value(self, properties: ir.Value, key: str, type_: str) -> ir.Value:
        """``properties[key]`` as ``string``/``number``/``boolean``, or ``decimal`` (an exact
        amount, see :func:`exact_amount`); null when absent or of another type."""

    def lower(self, text: ir.StringValue) -> ir.StringValue:
        """``text`` in lower case, every letter of every script (``Łódź`` → ``łódź``)."""

    def local_date(self, ts: ir.TimestampValue, zone: str) -> ir.DateValue:
        """The calendar date of an instant in ``zone``."""

    def add_months(self, ts: ir.TimestampValue, months: int, zone: str) -> ir.TimestampValue:
        """``ts`` moved by calendar months of ``zone``'s wall clock."""

    def aggregate(self, value: ir.Column, method: str, mask: ir.BooleanValue) -> ir.Scalar:
        """``method`` (min, max, mean, sum) of ``value`` over the rows where ``mask`` holds;
        null when there are none."""


DECIMAL = "decimal"
# The widest exact decimal every engine has; amounts are read into it before the checks.
WIDE_DECIMAL = dt.Decimal(38, MONEY.scale)
AMOUNT_LIMIT = 10 ** (MONEY.precision - MONEY.scale)


def exact_amount(number: ir.DecimalValue) -> ir.DecimalValue:
    """A number already rounded to the places of :data:`~workbench.schema.MONEY` as an
    amount: null (not set) where its magnitude does not fit one."""
    return ibis.ifelse(number.abs() < AMOUNT_LIMIT, number, ibis.null(WIDE_DECIMAL)).cast(MONEY)


# Places kept before rounding text with an exponent (see duckdb_amount).
EXPONENT_PLACES = 18


def duckdb_amount(text: ir.StringValue) -> ir.DecimalValue:
    """DuckDB: number text (``100.10``, ``-5``, ``1.5e3``) as an amount: its digits rounded
    half away from zero to the amount's places; null when it is no number or does not fit.

    DuckDB's cast of text with an exponent to a DECIMAL rounds wrongly (``'5e-10'`` gives
    0.0001), so such text is read to ``EXPONENT_PLACES`` places first and rounded from there."""
    scientific = text.try_cast(dt.Decimal(38, EXPONENT_PLACES)).round(MONEY.scale).cast(WIDE_DECIMAL)
    return exact_amount(ibis.ifelse(text.re_search("[eE]"), scientific, text.try_cast(WIDE_DECIMAL)))


# DuckDB and PostgreSQL both have timezone(zone, timestamptz) → local wall time and
# timezone(zone, timestamp) → the instant at which zone's clock shows it.
@ibis.udf.scalar.builtin(name="timezone")
def _wall_clock(zone_name: str, ts: UTC_TS) -> dt.timestamp:
    """The wall-clock time of ``ts`` in ``zone_name``."""


@ibis.udf.scalar.builtin(name="timezone")
def _instant_of(zone_name: str, ts: dt.timestamp) -> UTC_TS:
    """The instant at which the wall clock of ``zone_name`` shows ``ts``."""


class _Calendar:
    """DuckDB and PostgreSQL: ``timezone()``, and Ibis's own aggregates and ``lower``."""

    def lower(self, text: ir.StringValue) -> ir.StringValue:
        return text.lower()

    def local_date(self, ts: ir.TimestampValue, zone: str) -> ir.DateValue:
        return ts.date() if zone == "UTC" else _wall_clock(zone, ts).date()

    def add_months(self, ts: ir.TimestampValue, months: int, zone: str) -> ir.TimestampValue:
        interval = ibis.interval(months=months)
        if zone == "UTC":
            return ts + interval
        return _instant_of(zone, _wall_clock(zone, ts) + interval)

    def aggregate(self, value: ir.Column, method: str, mask: ir.BooleanValue) -> ir.Scalar:
        return getattr(value, method)(where=mask)


@ibis.udf.scalar.builtin(name="json_extract")
def _duckdb_json_at(doc: dt.json, pointer: str) -> dt.json:
    """DuckDB: the JSON value at a JSON Pointer (RFC 6901)."""


@ibis.udf.scalar.builtin(name="json_type")
def _duckdb_json_type(value: dt.json) -> dt.string:
    """DuckDB: the type of a JSON value (``VARCHAR``, ``BIGINT``, ``DOUBLE``…)."""


@ibis.udf.scalar.builtin(name="jsonb_typeof")
def _postgres_json_type(value: dt.json) -> dt.string:
    """PostgreSQL: the type of a JSON value (``string``, ``number``…)."""


class DuckDB(_Calendar):
    """DuckDB reads keys by JSON Pointer: by JSONPath (``$.a.b``) a key ``a.b`` is a path."""

    NUMBER_TYPES = ("BIGINT", "UBIGINT", "HUGEINT", "DOUBLE")

    def json_key(self, key: str) -> str:
        return "/" + key.replace("~", "~0").replace("/", "~1")

    def json_value(self, properties: ir.Value, key: str, type_: str) -> ir.Value:
        raw = _duckdb_json_at(properties, self.json_key(key))
        if type_ == DECIMAL:  # from the number's JSON text
            numeric = _duckdb_json_type(raw).isin(self.NUMBER_TYPES)
            return ibis.ifelse(numeric, duckdb_amount(raw.cast(dt.string)), ibis.null(MONEY))
        return {"number": raw.float, "boolean": raw.bool}.get(type_, raw.str)


class Postgres(_Calendar):
    """PostgreSQL reads keys with ``jsonb_extract_path``, which takes a key, not a path."""

    def json_key(self, key: str) -> str:
        return key

    def json_value(self, properties: ir.Value, key: str, type_: str) -> ir.Value:
        raw = properties[self.json_key(key)]
        if type_ == DECIMAL:  # jsonb keeps numbers as exact numerics
            number = raw.cast(dt.string).cast(dt.Decimal())
            # the cast rounds half away from zero; the bound keeps it from overflowing
            rounded = ibis.ifelse(number.abs() < AMOUNT_LIMIT * 2, number, ibis.null(number.type())).cast(WIDE_DECIMAL)
            return ibis.ifelse(_postgres_json_type(raw) == "number", exact_amount(rounded), ibis.null(MONEY))
        return {"number": raw.float, "boolean": raw.bool}.get(type_, raw.str)


@ibis.udf.scalar.builtin(name="JSONType")
def _json_type(json: dt.string, key: dt.string) -> dt.string:
    """ClickHouse: the JSON type name of a key (``String``, ``Int64``, ``Double``, ``Bool``…)."""


# Not JSONExtractString: sqlglot reads that one as a JSON path and writes the key back
# unescaped (a quote in a key would end the literal). The typed JSONExtract is a plain call.
@ibis.udf.scalar.builtin(name="JSONExtract")
def _json_typed(json: dt.string, key: dt.string, type_name: dt.string) -> dt.string:
    """ClickHouse: a value as the named ClickHouse type (here always ``String``)."""


@ibis.udf.scalar.builtin(name="JSONExtractFloat")
def _json_float(json: dt.string, key: dt.string) -> dt.float64:
    """ClickHouse: a numeric value as a float."""


@ibis.udf.scalar.builtin(name="JSONExtractBool")
def _json_bool(json: dt.string, key: dt.string) -> dt.boolean:
    """ClickHouse: a boolean value."""


@ibis.udf.scalar.builtin(name="JSONExtractRaw")
def _json_raw(json: dt.string, key: dt.string) -> dt.string:
    """ClickHouse: a value's JSON text."""


@ibis.udf.scalar.builtin(name="toDecimal128OrNull")
def _ch_decimal(text: dt.string, scale: dt.uint8) -> dt.Decimal(38, 8):
    """ClickHouse: text as a decimal of ``scale`` places (digits beyond are cut, not rounded)."""


@ibis.udf.scalar.builtin(name="lowerUTF8")
def _ch_lower(text: dt.string) -> dt.string:
    """ClickHouse: lower case of every script (its ``lower`` changes only ASCII letters)."""


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
        DECIMAL: ("Int64", "UInt64", "Double"),
        "boolean": ("Bool",),
    }

    def json_key(self, key: str) -> str:
        return key

    def json_value(self, properties: ir.Value, key: str, type_: str) -> ir.Value:
        text, key = properties.cast(dt.string), self.json_key(key)
        matches = _json_type(text, key).isin(list(self.JSON_TYPES.get(type_, self.JSON_TYPES["string"])))
        if type_ == DECIMAL:
            # cut to 8 places, then rounded half away from zero to the amount's: the same as
            # rounding the number itself, since cutting never crosses a half of the last place
            value = exact_amount(_ch_decimal(_json_raw(text, key), 8).round(MONEY.scale).cast(WIDE_DECIMAL))
        elif type_ in ("number", "boolean"):
            value = (_json_float if type_ == "number" else _json_bool)(text, key)
        else:
            value = _json_typed(text, key, "String")
        return ibis.cases((matches, value), else_=ibis.null(value.type()))

    def lower(self, text: ir.StringValue) -> ir.StringValue:
        return _ch_lower(text)

    def local_date(self, ts: ir.TimestampValue, zone: str) -> ir.DateValue:
        return _ch_date(_in_zone(ts, zone))

    def add_months(self, ts: ir.TimestampValue, months: int, zone: str) -> ir.TimestampValue:
        return _ch_add_months(_in_zone(ts, zone), months)

    def aggregate(self, value: ir.Column, method: str, mask: ir.BooleanValue) -> ir.Scalar:
        # maxIf and friends give the type's default (1970-01-01, 0, nan) over no rows; over a
        # Nullable argument that is all NULL they give NULL, as SQL does.
        return getattr(ibis.cases((mask, value), else_=ibis.null(value.type())), method)()


DIALECTS: dict[str, Dialect] = {"duckdb": DuckDB(), "postgres": Postgres(), "clickhouse": ClickHouse()}


def dialect_for(name: str) -> Dialect:
    """The dialect of an engine name (``duckdb``, ``postgres``, ``clickhouse``)."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"unsupported SQL dialect {name!r}; use one of {', '.join(DIALECTS)}") from None
