"""The reasons a row is rejected, each naming its column, with the row's text as given."""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, time
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from workbench.expr.fieldtypes import ARRAY, BOOLEAN, DATE, NUMBER, STRING, TIMESTAMP
from workbench.store.importer.types import (
    JSON,
    JSON_NUL_RE,
    MAX_SHOWN,
    MONEY,
    MONEY_DIGITS,
    NUL,
    NUMBER_RE,
    Reject,
    _Chunk,
    _Column,
)

MAX_PROPERTY_NAME = 200  # characters, as event names and ids
# An empty name or one with a control character: property_name_problem, in DuckDB's regex.
BAD_NAME_RE = r"^$|[\x00-\x1f\x7f-\x9f]"


def property_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name an event property, or None: the one rule of import columns
    and of the collector's fields and properties (docs/collector.md).

    A name is a label people pick in the builder and read in exports. Control characters
    (C0, DEL, C1; NUL among them, which PostgreSQL cannot store) and lone surrogates have
    no place in one, nor has an empty or huge name. Everything else (quotes, dots,
    brackets, ``$``, ``*``, any script) is kept exactly.
    """
    if not name:
        return "a property name cannot be empty"
    if len(name) > MAX_PROPERTY_NAME:
        return f"a property name can have at most {MAX_PROPERTY_NAME} characters; this one has {len(name)}"
    control = next((c for c in name if c < " " or "\x7f" <= c <= "\x9f"), None)
    if control is not None:
        return f"a property name cannot contain control characters (it has U+{ord(control):04X})"
    if any("\ud800" <= c <= "\udfff" for c in name):
        return "a property name must be valid Unicode (it has a lone surrogate)"
    return None


def _shown(value: str) -> str:
    if len(value) > MAX_SHOWN:
        value = value[: MAX_SHOWN - 1] + "…"
    return repr(value)


def _problem(what: str, col: _Column, value: str | None) -> str:
    if what == "missing":
        return f"{col.name}: missing required value"
    shown = _shown(value if value is not None else "")
    if col.type == JSON and (bad := _bad_property_name(value)):
        return f"{col.name}: {_shown(bad[0])} cannot name a property: {bad[1]}"
    if value is not None and (NUL in value or re.search(JSON_NUL_RE, value)):
        return f"{col.name}: {shown} contains NUL (U+0000), which no text can hold"
    if col.choices:
        return f"{col.name}: {shown} is not one of {', '.join(col.choices)}"
    if col.type == MONEY and _is_finite_number(value):
        return f"{col.name}: {shown} is too large for an amount (at most {MONEY_DIGITS} digits before the point)"
    expected = {
        STRING: "text",
        NUMBER: "a number",
        MONEY: "a number",
        BOOLEAN: "a boolean (true/false, yes/no, 1/0)",
        DATE: "a date (YYYY-MM-DD)",
        TIMESTAMP: "a timestamp",
        ARRAY: "a JSON array of strings",
        JSON: "a JSON object",
    }[col.type]
    return f"{col.name}: {shown} is not {expected}"


def _bad_property_name(text: str | None) -> tuple[str, str] | None:
    """The first key of a JSON object that cannot name a property, with the reason."""
    try:
        keys = json.loads(text or "")
    except ValueError:
        return None
    problems = ((key, property_name_problem(key)) for key in keys if isinstance(keys, dict))
    return next(((key, reason) for key, reason in problems if reason), None)


def _is_finite_number(text: str | None) -> bool:
    try:
        return text is not None and re.match(NUMBER_RE, text) is not None and math.isfinite(float(text))
    except ValueError:
        return False


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return json.dumps(value, ensure_ascii=False, default=str)


def _rejects(
    chunk: _Chunk,
    flags: list[tuple[str, _Column, pa.ChunkedArray]],
    indices: pa.Array,
    present: dict[str, str],
) -> list[Reject]:
    raw_rows = chunk.table.take(indices).to_pylist()
    lines = chunk.lines[indices.to_numpy()].tolist()
    taken = [(what, col, pc.take(flag, indices).to_pylist()) for what, col, flag in flags]
    out = []
    for k, (line, raw) in enumerate(zip(lines, raw_rows, strict=True)):
        text = {key: _as_text(v) for key, v in raw.items()}
        problems = [_problem(what, col, text.get(present[col.name])) for what, col, on in taken if on[k]]
        out.append(Reject(int(line), "; ".join(problems), text))
    return out
