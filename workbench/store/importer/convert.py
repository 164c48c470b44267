"""Conversion of one chunk to the target types, with the defaults and derived event ids.

Typed values that need no parsing (Parquet columns of the right type, text into text
columns, booleans and choices) are converted with pyarrow compute; text that must be
parsed (numbers, dates, timestamps, JSON) goes through one Ibis expression on DuckDB
that reads only those columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.expr.dialects import duckdb_amount
from workbench.expr.fieldtypes import ARRAY, BOOLEAN, DATE, NUMBER, STRING, TIMESTAMP
from workbench.store.arrow_views import arrow_view
from workbench.store.importer.reading import CHUNK_ROWS
from workbench.store.importer.reasons import BAD_NAME_RE, MAX_PROPERTY_NAME, _rejects
from workbench.store.importer.types import (
    ARROW_TYPES,
    DATE_RE,
    EVENT_ID_HASH,
    FALSE_WORDS,
    IBIS_TYPES,
    JSON,
    JSON_NUL_RE,
    MONEY,
    MONEY_LIMIT,
    NUL,
    NUMBER_RE,
    TIMESTAMP_RE,
    TRUE_WORDS,
    Reject,
    _arrow_schema,
    _Chunk,
    _Column,
)
from workbench.store.schema import MONEY_SCALE


# DuckDB functions Ibis has no operation for.
@ibis.udf.scalar.builtin
def json_valid(x: str) -> bool: ...


@ibis.udf.scalar.builtin
def json_type(x: dt.JSON) -> str: ...


@ibis.udf.scalar.builtin(name="json_type")
def json_types_at(x: dt.JSON, path: str) -> dt.Array(dt.string): ...


@ibis.udf.scalar.builtin
def json_keys(x: dt.JSON) -> dt.Array(dt.string): ...


@ibis.udf.scalar.builtin
def json_merge_patch(a: dt.JSON, b: dt.JSON) -> dt.JSON: ...


@ibis.udf.scalar.builtin
def to_json(x) -> dt.JSON: ...


@ibis.udf.scalar.builtin
def list_distinct(x: dt.Array(dt.string)) -> dt.Array(dt.string): ...


@ibis.udf.scalar.builtin
def epoch_us(x: dt.Timestamp(timezone="UTC")) -> dt.int64: ...


@dataclass
class _Converted:
    good: pa.Table  # good rows, target schema
    rejects: list[Reject]


def _convert(
    con,
    chunk: _Chunk,
    columns: list[_Column],
    present: dict[str, str],
    extras: list[str],
    kind: str,
    now: datetime,
) -> _Converted:
    raw = chunk.table
    n = raw.num_rows
    values: dict[str, pa.Array | pa.ChunkedArray] = {}
    given: dict[str, pa.Array | pa.ChunkedArray] = {}
    bad: dict[str, pa.Array | pa.ChunkedArray] = {}
    in_duckdb: dict[str, _Column] = {}
    for col in columns:
        header = present.get(col.name)
        if header is None:
            values[col.name] = _nulls(n, ARROW_TYPES[col.type])
            continue
        arr = raw[header]
        given[col.name] = _given(arr)
        value = _fast_value(arr, col)
        if value is None:
            in_duckdb[header] = col
        else:
            values[col.name] = value
    merge_extras = kind == "events" and bool(extras)
    if in_duckdb or merge_extras:
        values.update(_duckdb_values(con, raw, in_duckdb, extras if merge_extras else []))
    for col in columns:
        if col.name in given:
            bad[col.name] = pc.and_(given[col.name], pc.is_null(values[col.name]))

    flags: list[tuple[str, _Column, pa.Array | pa.ChunkedArray]] = []
    for col in columns:
        if col.name not in given:
            continue
        if col.required:
            flags.append(("missing", col, pc.invert(given[col.name])))
        flags.append(("bad", col, bad[col.name]))
    any_bad = None
    for _, _, flag in flags:
        any_bad = flag if any_bad is None else pc.or_(any_bad, flag)

    _apply_defaults(kind, values, now)
    table = pa.table({c.name: values[c.name] for c in columns})
    rejects: list[Reject] = []
    if any_bad is not None and pc.any(any_bad).as_py():
        indices = pc.indices_nonzero(any_bad)
        rejects = _rejects(chunk, flags, indices, present)
        table = table.filter(pc.invert(any_bad))
    schema = _arrow_schema(columns)
    table = table.cast(pa.schema([f.with_nullable(True) for f in schema]))
    if kind == "events":
        table = _derive_event_ids(con, table)
    return _Converted(table.cast(schema), rejects)


_NULLS: dict[pa.DataType, pa.Array] = {}


def _nulls(n: int, type_: pa.DataType) -> pa.Array:
    """``n`` nulls; chunks share one buffer, so absent columns cost no memory per chunk."""
    cached = _NULLS.get(type_)
    if cached is None or len(cached) < n:
        cached = _NULLS[type_] = pa.nulls(max(n, CHUNK_ROWS), type_)
    return cached.slice(0, n)


def _given(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Whether the file gives a value: not null, not empty text, not NaN."""
    if pa.types.is_string(arr.type):
        return pc.fill_null(pc.not_equal(arr, ""), False)
    if pa.types.is_floating(arr.type):
        return pc.fill_null(pc.invert(pc.is_nan(arr)), False)
    return pc.is_valid(arr)


def _nulls_where(arr, mask) -> pa.ChunkedArray:
    return pc.if_else(mask, pa.scalar(None, arr.type), arr)


def _fast_value(arr: pa.ChunkedArray, col: _Column) -> pa.ChunkedArray | None:
    """The column's values by pyarrow (null where absent or unusable), or None: use DuckDB."""
    t = arr.type
    target = ARROW_TYPES[col.type]
    if col.type == MONEY:  # exact from integers and decimals; text and doubles are parsed in DuckDB
        return _money(arr) if pa.types.is_integer(t) or pa.types.is_decimal(t) else None
    if pa.types.is_integer(t) and col.type in (STRING, BOOLEAN):
        arr, t = pc.cast(arr, pa.string()), pa.string()
    if pa.types.is_string(t) and pc.any(pc.match_substring(arr, NUL)).as_py():
        arr = _nulls_where(arr, pc.fill_null(pc.match_substring(arr, NUL), False))  # reported as such
    if pa.types.is_string(t):
        if col.choices:
            low = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
            return _nulls_where(low, pc.invert(pc.is_in(low, pa.array(col.choices))))
        if col.type == STRING:
            return _nulls_where(arr, pc.equal(arr, "")) if pc.any(pc.equal(arr, "")).as_py() else arr
        if col.type == BOOLEAN:
            low = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
            truth = pc.is_in(low, pa.array(TRUE_WORDS))
            known = pc.or_(truth, pc.is_in(low, pa.array(FALSE_WORDS)))
            return _nulls_where(truth, pc.invert(known))
        return None  # parsed in DuckDB
    if pa.types.is_floating(t):
        return pc.cast(_nulls_where(arr, pc.or_(pc.is_nan(arr), pc.is_inf(arr))), target)
    if pa.types.is_decimal(t):
        return pc.cast(arr, target, safe=False)  # a number column: binary floating point by design
    if col.type == ARRAY:  # a list of strings: no null items
        arr = arr.combine_chunks()
        flat = pc.list_flatten(arr)
        holes = pc.filter(pc.list_parent_indices(arr), pc.fill_null(pc.match_substring(flat, NUL), True))
        if not len(holes):
            return arr
        mask = np.zeros(len(arr), dtype=bool)
        mask[holes.to_numpy()] = True
        return _nulls_where(arr, pa.array(mask))
    if col.type == JSON:
        return None  # a struct or a map: to_json in DuckDB
    if pa.types.is_timestamp(t) and t.tz is not None:
        arr = pc.cast(arr, pa.timestamp(t.unit, tz="UTC"))  # a date is then the UTC date
    # integer -> number; bool; date -> date or timestamp; timestamp -> timestamp or date
    return pc.cast(arr, options=pc.CastOptions(target_type=target, allow_time_truncate=True))


def _money(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Integers and decimals as MONEY: rounded half away from zero to its places, exactly;
    null where they do not fit. (Floating-point amounts are read from their text in DuckDB,
    as the CSV text is: see :func:`_parse`.)"""
    wide = pa.decimal128(38, MONEY_SCALE)
    if pa.types.is_integer(arr.type):
        arr = pc.cast(arr, pa.decimal128(38, 0))
    rounded = pc.cast(pc.round(arr, MONEY_SCALE, round_mode="half_towards_infinity"), wide)
    too_big = pc.greater_equal(pc.abs(rounded), pa.scalar(Decimal(MONEY_LIMIT), wide))
    return pc.cast(_nulls_where(rounded, too_big), ARROW_TYPES[MONEY], safe=False)


def _duckdb_values(
    con,
    raw: pa.Table,
    parse: dict[str, _Column],
    extras: list[str],
) -> dict[str, pa.ChunkedArray]:
    """Parse text (and struct) columns, and merge unknown event columns into properties."""
    headers = list(dict.fromkeys([*parse, *extras]))
    safe = {h: f"c{i}" for i, h in enumerate(headers)}
    with arrow_view(con, raw.select(headers).rename_columns([safe[h] for h in headers])) as t:
        exprs: dict[str, ibis.Value] = {}
        unusable_properties = ibis.literal(False)
        for header, col in parse.items():
            exprs[col.name] = _parse(t[safe[header]], col)
            if col.name == "properties" and t[safe[header]].type().is_string():
                unusable_properties = t[safe[header]].nullif("").notnull() & exprs[col.name].isnull()
        if extras:
            packed = to_json(ibis.struct({h: _extra_value(t[safe[h]]) for h in extras}))
            extra_obj = json_merge_patch(ibis.literal("{}").cast(dt.json), packed)
            props = exprs.get("properties", ibis.null(dt.string)).cast(dt.json)
            merged = json_merge_patch(props.coalesce(ibis.literal("{}").cast(dt.json)), extra_obj)
            has_extra = extra_obj.cast(dt.string) != "{}"
            # a bad properties value stays null (and is reported) whatever the other columns hold
            merged = ibis.ifelse(has_extra & ~unusable_properties, merged, props)
            exprs["properties"] = merged.cast(dt.string)
        result = con.to_pyarrow(t.select(**{f"v{i}": e for i, e in enumerate(exprs.values())}))
    out = {}
    for i, (name, _) in enumerate(exprs.items()):
        out[name] = result[f"v{i}"]
    return out


def _parse(src: ibis.Value, col: _Column) -> ibis.Value:
    """A text (or struct/map) column's value; null when absent or unparsable."""
    if src.type().is_floating():  # an amount, read as the shortest text of its double
        src = src.cast(dt.string)
    elif not src.type().is_string():  # a struct or a map for properties
        src = to_json(src).cast(dt.string)
    s = src.nullif("")
    text = s.strip()
    if col.type == NUMBER:
        ok = text.re_search(NUMBER_RE)
        num = ibis.ifelse(ok, text.try_cast(dt.float64), ibis.null(dt.float64))
        return ibis.ifelse(num.isinf(), ibis.null(dt.float64), num)
    if col.type == MONEY:
        return ibis.ifelse(text.re_search(NUMBER_RE), duckdb_amount(text), ibis.null(IBIS_TYPES[MONEY]))
    if col.type == DATE:
        ok = text.re_search(DATE_RE)
        return ibis.ifelse(ok, text.try_cast(dt.date), ibis.null(dt.date))
    if col.type == TIMESTAMP:
        target = IBIS_TYPES[TIMESTAMP]
        up = text.upper()
        # DuckDB wants seconds before an offset: 10:00+02:00 -> 10:00:00+02:00
        full = up.re_replace(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(Z|[+-]|$)", r"\1 \2:00\3")
        return ibis.ifelse(up.re_search(TIMESTAMP_RE), full.try_cast(target), ibis.null(target))
    if col.type in (ARRAY, JSON):  # no text field of any engine can hold a NUL (PostgreSQL's cannot)
        s = ibis.ifelse(s.re_search(JSON_NUL_RE), ibis.null(dt.string), s)
    if col.type == ARRAY:
        j = ibis.ifelse(json_valid(s), s.cast(dt.json), ibis.null(dt.json))
        types = json_types_at(j, "$[*]")
        distinct = list_distinct(types)
        strings = (types.length() == 0) | ((distinct.length() == 1) & (distinct[0] == "VARCHAR"))
        ok = (json_type(j) == "ARRAY") & strings
        return ibis.ifelse(ok, j.cast(dt.Array(dt.string)), ibis.null(dt.Array(dt.string)))
    # JSON: an object whose keys are property names
    j = ibis.ifelse(json_valid(s), s.cast(dt.json), ibis.null(dt.json))
    bad_names = json_keys(j).filter(lambda k: k.re_search(BAD_NAME_RE) | (k.length() > MAX_PROPERTY_NAME))
    return ibis.ifelse((json_type(j) == "OBJECT") & (bad_names.length() == 0), s, ibis.null(dt.string))


def _extra_value(src: ibis.Value) -> ibis.Value:
    """An unknown event column as a property value (empty text and NaN are left out)."""
    dtype = src.type()
    if dtype.is_string():
        return src.nullif("")
    if dtype.is_floating():
        return ibis.ifelse(src.isnan(), ibis.null(dtype), src)
    if dtype.is_timestamp():  # ISO 8601 in UTC (a naive timestamp is UTC)
        return src.cast(IBIS_TYPES[TIMESTAMP]).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return src


def _apply_defaults(kind: str, values: dict[str, pa.ChunkedArray], now: datetime) -> None:
    now_scalar = pa.scalar(now, ARROW_TYPES[TIMESTAMP])
    if kind == "contacts":
        for name in ("email_consent", "sms_consent", "push_consent"):
            values[name] = pc.fill_null(values[name], False)
        values["updated_at"] = pc.coalesce(values["updated_at"], values["created_at"])
    elif kind == "events":
        values["received_at"] = pc.fill_null(values["received_at"], now_scalar)
    else:
        values["linked_at"] = pc.fill_null(values["linked_at"], now_scalar)


def _derive_event_ids(con, table: pa.Table) -> pa.Table:
    """Fill missing event ids from the row's content.

    The id is ``"ev_"`` + the first 24 hex digits of the ``EVENT_ID_HASH`` (MD5) digest of
    ``v1`` followed by ``<US>name=<text>`` (US: the ASCII unit separator) for every
    non-null column but ``event_id`` and ``received_at``, in schema order (``ts`` as epoch
    microseconds, numbers as DuckDB prints a DOUBLE, ``properties`` as stored). Null
    columns add nothing, so the id depends only on the row's values, not on which
    columns the file has.
    """
    ids = table["event_id"]
    missing = pc.is_null(ids)
    n_missing = pc.sum(missing.cast(pa.int64())).as_py() or 0
    if not n_missing:
        return table
    content = table.drop_columns(["event_id", "received_at"])
    if n_missing < table.num_rows:
        content = content.take(pc.indices_nonzero(missing))
    with arrow_view(con, content) as t:
        encoded = ibis.literal("v1")
        for name in content.column_names:
            if content[name].null_count == content.num_rows:
                continue  # adds nothing to any row
            value = epoch_us(t[name]) if name == "ts" else t[name]
            if value.type().is_decimal():  # printed as a DOUBLE: the ids of amounts stored before they were exact
                value = value.cast(dt.float64)
            text = value.cast(dt.string)
            encoded = encoded + (f"\x1f{name}=" + text).fill_null("")
        result = con.to_pyarrow(t.select(id="ev_" + encoded.hexdigest(EVENT_ID_HASH).substr(0, 24)))
    derived = result["id"].combine_chunks()
    if n_missing == table.num_rows:
        ids = derived
    else:
        ids = pc.replace_with_mask(ids.combine_chunks(), missing.combine_chunks(), derived)
    at = table.schema.get_field_index("event_id")
    return table.set_column(at, table.schema.field(at), ids)


def derive_event_ids(table: pa.Table) -> pa.Table:
    """Fill the missing ``event_id`` of rows already in the events schema as an import
    does (the collector converts requests itself and needs only this step)."""
    con = ibis.duckdb.connect()
    try:
        return _derive_event_ids(con, table)
    finally:
        con.disconnect()
