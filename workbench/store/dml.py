"""The few statements Ibis has no API for, built as sqlglot trees with bound values.

Table and column names come from the schema module or a checked slug, never from free
text; values travel as driver parameters.
"""

from __future__ import annotations

from collections.abc import Iterable

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa
import sqlglot
import sqlglot.expressions as exp
from ibis.backends import BaseBackend

from workbench.expr.catalog import FIELD_DTYPES


def _execute(con: BaseBackend, statement: exp.Expression, params: list) -> None:
    sql = statement.sql(dialect=con.dialect)
    if con.name == "duckdb":
        con.con.execute(sql, params)
    else:
        with con.con.cursor() as cursor:
            cursor.execute(sql, params)


def delete_where(con: BaseBackend, table: str, **equals: str) -> None:
    """``DELETE FROM table WHERE col = ? AND …``."""
    condition = exp.and_(*(exp.column(col).eq(exp.Placeholder()) for col in equals))
    _execute(con, exp.delete(table, where=condition), list(equals.values()))


def delete_older(con: BaseBackend, table: str, column: str, upto: int) -> None:
    """``DELETE FROM table WHERE column <= ?``."""
    _execute(con, exp.delete(table, where=exp.column(column) <= exp.Placeholder()), [upto])


def delete_matching(con: BaseBackend, table: str, key: str, staged: ir.Table) -> None:
    """``DELETE FROM table WHERE key IN (SELECT key FROM staged)``; ``staged`` is a table of
    ``con`` (compiled by Ibis)."""
    subquery = sqlglot.parse_one(con.compile(staged.select(key)), dialect=con.dialect)
    _execute(con, exp.delete(table, where=exp.column(key).isin(query=subquery)), [])


def add_column(con: BaseBackend, table: str, column: str, type_: str) -> None:
    """``ALTER TABLE table ADD COLUMN column <type>`` for a custom contact field."""
    dtype = con.compiler.type_mapper.from_ibis(FIELD_DTYPES[type_])
    statement = exp.Alter(
        this=exp.to_table(table),
        kind="TABLE",
        actions=[exp.ColumnDef(this=exp.to_identifier(column, quoted=True), kind=dtype)],
    )
    _execute(con, statement, [])


def alter_column_type(
    con: BaseBackend, table: str, column: str, dtype: dt.DataType, using: exp.Expression | None = None
) -> None:
    """``ALTER TABLE table ALTER COLUMN column SET DATA TYPE <dtype> [USING using]`` (DuckDB, PostgreSQL)."""
    action = exp.AlterColumn(
        this=exp.to_identifier(column, quoted=True), dtype=con.compiler.type_mapper.from_ibis(dtype), using=using
    )
    _execute(con, exp.Alter(this=exp.to_table(table), kind="TABLE", actions=[action]), [])


def insert_rows(con: BaseBackend, table: str, rows: ir.Table) -> None:
    """``INSERT INTO table (cols) SELECT …`` where JSON columns arrive as text.

    Ibis casts JSON results to text at the top of a PostgreSQL query (so drivers can read
    them), which an INSERT into a ``jsonb`` column refuses; the cast back is added here.
    The table's extra columns (SPEC §1 allows them) that ``rows`` lack are left NULL.
    """
    target = con.get_schema(table)
    target = ibis.schema({c: t for c, t in target.items() if c in rows.columns})
    source = rows.select(
        *[
            rows[c] if target[c].is_json() or rows[c].type() == target[c] else rows[c].cast(target[c]).name(c)
            for c in target.names
        ]
    )
    inner = con.compiler.to_sqlglot(source).subquery("incoming")
    projections = []
    for name, dtype in target.items():
        column = exp.column(name, table="incoming", quoted=True)
        projections.append(
            exp.Cast(this=column, to=con.compiler.type_mapper.from_ibis(dtype)) if dtype.is_json() else column
        )
    select = exp.select(*projections).from_(inner)
    statement = exp.insert(
        select, exp.to_table(table), columns=[exp.to_identifier(c, quoted=True) for c in target.names]
    )
    _execute(con, statement, [])


def insert_arrow(con: BaseBackend, table: str, rows: pa.Table) -> None:
    """Insert Arrow rows through a temporary staging table (see :func:`insert_rows`)."""
    staged = f"_stage_{table}"
    stage(con, staged, rows)
    try:
        insert_rows(con, table, con.table(staged))
    finally:
        con.drop_table(staged, force=True)


def create_index(con: BaseBackend, table: str, columns: tuple[str, ...]) -> None:
    """``CREATE INDEX IF NOT EXISTS ix_table_cols ON table (cols)``."""
    name = "ix_" + "_".join((table, *columns))
    statement = exp.Create(
        this=exp.Index(
            this=exp.to_identifier(name),
            table=exp.to_table(table),
            params=exp.IndexParameters(columns=[exp.Ordered(this=exp.column(c, quoted=True)) for c in columns]),
        ),
        kind="INDEX",
        exists=True,
    )
    _execute(con, statement, [])


def analyze(con: BaseBackend, table: str) -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL)."""
    _execute(con, exp.Analyze(this=exp.to_table(table)), [])


def stage(
    con: BaseBackend, name: str, rows: pa.Table | Iterable[pa.RecordBatch], schema: pa.Schema | None = None
) -> None:
    """Load Arrow rows (a table, or batches of ``schema``) into a new temporary table ``name``.

    PostgreSQL gets them through ``COPY … FROM STDIN`` (Ibis would insert row by row);
    other engines through Ibis, which hands Arrow over in bulk.
    """
    if isinstance(rows, pa.Table):
        schema, rows = rows.schema, rows.to_batches(max_chunksize=50_000)
    if con.name != "postgres":
        con.create_table(name, schema=ibis.Schema.from_pyarrow(schema), temp=True, overwrite=True)
        for batch in rows:
            con.insert(name, pa.Table.from_batches([batch], schema))
        return
    con.create_table(name, schema=ibis.Schema.from_pyarrow(schema), temp=True, overwrite=True)
    statement = exp.Copy(
        this=exp.Schema(this=exp.to_table(name), expressions=[exp.to_identifier(c, quoted=True) for c in schema.names]),
        kind=True,
        files=[exp.to_identifier("STDIN")],
    )
    with con.con.cursor() as cursor, cursor.copy(statement.sql(dialect="postgres")) as copy:
        for batch in rows:
            for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
                copy.write_row(row)


def rename_table(con: BaseBackend, table: str, new_name: str) -> None:
    """``ALTER TABLE table RENAME TO new_name`` (Ibis has no rename for DuckDB)."""
    statement = exp.Alter(
        this=exp.to_table(table), kind="TABLE", actions=[exp.AlterRename(this=exp.to_table(new_name))]
    )
    _execute(con, statement, [])


def set_option(con: BaseBackend, name: str, value: str) -> None:
    """``SET name = 'value'`` for this connection (DuckDB settings such as ``memory_limit``)."""
    item = exp.SetItem(this=exp.EQ(this=exp.column(name), expression=exp.Literal.string(value)))
    _execute(con, exp.Set(expressions=[item]), [])
