"""Checks of a file's header and column types against the target table, and of property
names; a file that cannot be read as that table fails as a whole (``ImportFailed``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa

from workbench.errors import ImportFailed
from workbench.expr.fieldtypes import ARRAY, BOOLEAN, DATE, NUMBER, STRING, TIMESTAMP
from workbench.store.importer.reading import _simple_type
from workbench.store.importer.reasons import _shown, property_name_problem
from workbench.store.importer.types import JSON, MONEY, REQUIRED, _Column


def _check_header(path: Path, kind: str, names: list[str], columns: list[_Column]) -> tuple[dict[str, str], list[str]]:
    """Map target column -> header name; return also the unknown (extra) header names."""
    blank = [i + 1 for i, n in enumerate(names) if not n]
    if blank:
        raise ImportFailed(f"{path}: header column {', '.join(map(str, blank))} has no name")
    seen = Counter(names)
    dupes = sorted(n for n, k in seen.items() if k > 1)
    if dupes:
        raise ImportFailed(f"{path}: column(s) named twice in the header: {', '.join(dupes)}")
    valid = [c.name for c in columns]
    unknown = [n for n in names if n not in valid]
    if unknown and kind != "events":
        raise ImportFailed(
            f"{path}: unknown column(s) for {kind}: {', '.join(unknown)}; valid columns: {', '.join(valid)}"
        )
    missing = [c for c in REQUIRED[kind] if c not in names]
    if missing:
        raise ImportFailed(f"{path}: missing required column(s) for {kind}: {', '.join(missing)}")
    for name in unknown:  # unknown event columns become property names
        if reason := property_name_problem(name):
            raise ImportFailed(f"{path}: column {_shown(name)} cannot be an event property: {reason}")
    return {n: n for n in names if n in valid}, unknown


def _source_class(t: pa.DataType) -> str:
    if pa.types.is_string(t):
        return "text"
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_decimal(t):
        return "decimal"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_list(t) and pa.types.is_string(t.value_type):
        return "strings"
    if pa.types.is_struct(t) or pa.types.is_map(t):
        return "object"
    return str(t)


ACCEPTS = {
    STRING: {"text", "int"},
    NUMBER: {"text", "int", "float", "decimal"},
    MONEY: {"text", "int", "float", "decimal"},
    BOOLEAN: {"text", "int", "bool"},
    DATE: {"text", "date", "timestamp"},
    TIMESTAMP: {"text", "date", "timestamp"},
    ARRAY: {"text", "strings"},
    JSON: {"text", "object"},
}


def _check_types(path: Path, schema: pa.Schema, present: dict[str, str], by_name: Mapping[str, _Column]) -> None:
    wrong = []
    for target, header in present.items():
        t = _simple_type(schema.field(header).type)
        if _source_class(t) not in ACCEPTS[by_name[target].type]:
            wrong.append(f"{header} ({t}; expected {by_name[target].type})")
    if wrong:
        raise ImportFailed(f"{path}: column(s) of an unusable type: {', '.join(wrong)}")
