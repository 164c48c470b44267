"""ClickHouse layout of the store: MergeTree tables sorted for segment evaluation.

Events are sorted by name and time, the way segments read them (a condition names its
events and a window), so both prune granules; ``properties`` is JSON text read with ``JSONExtract*``
(see ``workbench.expr.dialects``). Built as sqlglot trees, like every statement Ibis
has no API for.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import sqlglot.expressions as exp
from ibis.backends.sql.datatypes import ClickHouseType

from workbench.store.schema import CANONICAL
from workbench.store.tables import INTERNAL, LIST_MEMBERS

SORT_KEYS = {
    "contacts": ("contact_id",),
    "events": ("name", "ts", "contact_id"),
    "identities": ("anonymous_id",),
    LIST_MEMBERS.name: LIST_MEMBERS.key,
}


def _column_type(dtype: dt.DataType) -> exp.DataType:
    if dtype.is_json():  # JSON text: portable across ClickHouse versions, read with JSONExtract*
        dtype = dt.String(nullable=dtype.nullable)
    if dtype.is_date():  # Date starts in 1970; birth dates need Date32
        return exp.DataType.build("Nullable(Date32)" if dtype.nullable else "Date32", dialect="clickhouse")
    if dtype.is_timestamp():  # microseconds, as the other engines keep them
        dtype = dt.Timestamp(timezone=dtype.timezone, scale=6, nullable=dtype.nullable)
    if dtype.is_array():  # ClickHouse arrays cannot be Nullable; an empty array stands for none
        return ClickHouseType.from_ibis(dt.Array(dtype.value_type, nullable=False))
    return ClickHouseType.from_ibis(dtype)


def create_table(name: str, schema: ibis.Schema) -> exp.Create:
    """``CREATE TABLE IF NOT EXISTS name (…) ENGINE = MergeTree ORDER BY (…)``."""
    columns = [
        exp.ColumnDef(this=exp.to_identifier(col, quoted=True), kind=_column_type(dtype))
        for col, dtype in schema.items()
    ]
    keys = SORT_KEYS.get(name, ())
    order = exp.Tuple(expressions=[exp.column(k, quoted=True) for k in keys]) if keys else exp.Tuple(expressions=[])
    properties = [
        exp.EngineProperty(this=exp.to_identifier("MergeTree")),
        exp.Order(expressions=[exp.Ordered(this=order, nulls_first=False)]),
        exp.SettingsProperty(
            expressions=[exp.EQ(this=exp.column("allow_nullable_key"), expression=exp.Literal.number(1))]
        ),
    ]
    return exp.Create(
        this=exp.Schema(this=exp.to_table(name), expressions=columns),
        kind="TABLE",
        exists=True,
        properties=exp.Properties(expressions=properties),
    )


def create_statements() -> list[str]:
    """Every table of the store, as ClickHouse SQL."""
    return [create_table(name, schema).sql(dialect="clickhouse") for name, schema in {**CANONICAL, **INTERNAL}.items()]
