"""The statements Ibis has no API for, and the one place that runs SQL on each engine's driver.

``DELETE``, ``UPDATE``, ``ALTER TABLE``, indexes, ``COPY`` and inserts that must cast are built
as sqlglot trees. Table and column names come from the declared tables
(:mod:`workbench.store.tables` and each package's ``tables`` module) or a checked slug, never
from free text; values always travel as driver parameters, never inside the SQL text.
Identifiers in the statements are quoted, so a column name is the same on every engine.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa
import sqlglot
import sqlglot.expressions as exp
from ibis.backends import BaseBackend

from workbench.expr.catalog import FIELD_DTYPES
from workbench.store.connection import transaction

if TYPE_CHECKING:
    from workbench.store.tables import Table
    from workbench.store.workspace import Workspace


def execute(con: BaseBackend, statement: exp.Expression, params: Sequence[Any] = ()) -> None:
    """Run one statement with positional parameters on DuckDB or PostgreSQL."""
    sql = statement.sql(dialect=con.dialect)
    if con.name == "duckdb":
        con.con.execute(sql, list(params))
    else:
        with con.con.cursor() as cursor:
            cursor.execute(sql, list(params))


def fetch_rows(con: BaseBackend, sql: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of a query given as SQL text, on the engine's own driver.

    Compiled segments and the fixed reads are SQL text already; wrapping them in Ibis again
    would cost the compile time their caches save.
    """
    if con.name == "duckdb":
        result = con.con.execute(sql)
        return [d[0] for d in result.description], result.fetchall()
    if con.name == "postgres":
        with con.con.cursor() as cursor:
            cursor.execute(sql)
            return [d.name for d in cursor.description], cursor.fetchall()
    result = con.con.query(sql)
    return list(result.column_names), list(result.result_rows)


def fetch_arrow(con: BaseBackend, sql: str, schema: pa.Schema) -> pa.Table:
    """The rows of SQL text as Arrow of ``schema`` (DuckDB hands Arrow over without Python rows)."""
    if con.name == "duckdb":
        return con.con.execute(sql).arrow().read_all().cast(schema)
    _, rows = fetch_rows(con, sql)
    return pa.Table.from_pylist([dict(zip(schema.names, r, strict=True)) for r in rows], schema=schema)


def _where(equals: Mapping[str, Any], column: str | None, values: Sequence[Any]) -> tuple[exp.Expression, list]:
    preds: list[exp.Expression] = [
        exp.column(c).is_(exp.null()) if v is None else exp.column(c).eq(exp.Placeholder()) for c, v in equals.items()
    ]
    params = [v for v in equals.values() if v is not None]
    if column is not None:
        preds.append(exp.column(column).isin(*[exp.Placeholder() for _ in values]))
        params += list(values)
    return exp.and_(*preds), params


def delete_where(con: BaseBackend, table: str, **equals: Any) -> None:
    """``DELETE FROM table WHERE col = ? AND …`` (a value given as None: ``col IS NULL``)."""
    condition, params = _where(equals, None, ())
    execute(con, exp.delete(table, where=condition), params)


def update_where(con: BaseBackend, table: str, values: Mapping[str, Any], **equals: Any) -> None:
    """``UPDATE table SET col = ?, … WHERE key = ? AND …`` (a key given as None: ``key IS NULL``)."""
    condition, params = _where(equals, None, ())
    statement = exp.update(table, {c: exp.Placeholder() for c in values}, where=condition)
    execute(con, statement, [*values.values(), *params])


def update_in(
    con: BaseBackend, table: str, values: Mapping[str, Any], column: str, keys: Sequence[Any], **equals: Any
) -> None:
    """``UPDATE table SET col = ?, … WHERE key = ? AND … AND column IN (?, …)``; nothing for no keys."""
    if not keys:
        return
    condition, params = _where(equals, column, keys)
    statement = exp.update(table, {c: exp.Placeholder() for c in values}, where=condition)
    execute(con, statement, [*values.values(), *params])


def delete_in(con: BaseBackend, table: str, column: str, values: Sequence[Any], **equals: Any) -> None:
    """``DELETE FROM table WHERE key = ? AND … AND column IN (?, …)``; nothing for no values."""
    if not values:
        return
    condition, params = _where(equals, column, values)
    execute(con, exp.delete(table, where=condition), params)


_present: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connector -> tables known to exist


def create_missing(ws: Workspace, tables: Sequence[Table]) -> None:
    """Create the tables that do not exist yet, each with a unique index on its key (idempotent).

    Checked under a read lock first, so the usual case (all there) never waits for a writer;
    once seen, tables are remembered for the workspace's connector (they are never dropped).
    """
    names = {t.name for t in tables}
    present = _present.setdefault(ws.connector, set())
    if names <= present:
        return
    with ws.connector.reading() as con:
        if names <= set(con.list_tables()):
            present.update(names)
            return
    with ws.connector.writing() as con, transaction(con):
        existing = set(con.list_tables())
        for table in tables:
            if table.name not in existing:
                con.create_table(table.name, schema=table.schema)
                create_unique_index(con, table.name, table.key)


def create_unique_index(con: BaseBackend, name: str, columns: Sequence[str]) -> None:
    """``CREATE UNIQUE INDEX IF NOT EXISTS ux_<name> ON name (cols)``."""
    _create_index(con, f"ux_{name}", name, columns, unique=True)


def insert_new(con: BaseBackend, table: Table, row: Mapping[str, Any]) -> bool:
    """Insert ``row`` unless ``table`` has a row with the same key; whether it was inserted.
    Call inside the write transaction that must see no other such row."""
    existing = con.table(table.name)
    if int(con.execute(existing.filter(*[existing[k] == row[k] for k in table.key]).count())):
        return False
    con.insert(table.name, ibis.memtable(table.arrow([row])))
    return True


def delete_older(con: BaseBackend, table: str, column: str, upto: int) -> None:
    """``DELETE FROM table WHERE column <= ?``."""
    execute(con, exp.delete(table, where=exp.column(column) <= exp.Placeholder()), [upto])


def delete_matching(con: BaseBackend, table: str, key: str, staged: ir.Table) -> None:
    """``DELETE FROM table WHERE key IN (SELECT key FROM staged)``; ``staged`` is a table of
    ``con`` (compiled by Ibis)."""
    subquery = sqlglot.parse_one(con.compile(staged.select(key)), dialect=con.dialect)
    execute(con, exp.delete(table, where=exp.column(key).isin(query=subquery)), [])


def add_column(con: BaseBackend, table: str, column: str, type_: str) -> None:
    """``ALTER TABLE table ADD COLUMN column <type>`` for a custom contact field."""
    dtype = con.compiler.type_mapper.from_ibis(FIELD_DTYPES[type_])
    statement = exp.Alter(
        this=exp.to_table(table),
        kind="TABLE",
        actions=[exp.ColumnDef(this=exp.to_identifier(column, quoted=True), kind=dtype)],
    )
    execute(con, statement, [])


def alter_column_type(
    con: BaseBackend, table: str, column: str, dtype: dt.DataType, using: exp.Expression | None = None
) -> None:
    """``ALTER TABLE table ALTER COLUMN column SET DATA TYPE <dtype> [USING using]`` (DuckDB, PostgreSQL)."""
    action = exp.AlterColumn(
        this=exp.to_identifier(column, quoted=True), dtype=con.compiler.type_mapper.from_ibis(dtype), using=using
    )
    execute(con, exp.Alter(this=exp.to_table(table), kind="TABLE", actions=[action]), [])


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
    execute(con, statement, [])


def insert_arrow(con: BaseBackend, table: str, rows: pa.Table) -> None:
    """Insert Arrow rows through a temporary staging table (see :func:`insert_rows`)."""
    staged = f"_stage_{table}"
    stage(con, staged, rows)
    try:
        insert_rows(con, table, con.table(staged))
    finally:
        con.drop_table(staged, force=True)


def create_index(con: BaseBackend, table: str, columns: Sequence[str]) -> None:
    """``CREATE INDEX IF NOT EXISTS ix_table_cols ON table (cols)``."""
    _create_index(con, "ix_" + "_".join((table, *columns)), table, columns, unique=False)


def _create_index(con: BaseBackend, name: str, table: str, columns: Sequence[str], *, unique: bool) -> None:
    index = exp.Index(
        this=exp.to_identifier(name),
        table=exp.to_table(table),
        params=exp.IndexParameters(columns=[exp.Ordered(this=exp.column(c, quoted=True)) for c in columns]),
    )
    execute(con, exp.Create(this=index, kind="INDEX", unique=unique, exists=True))


def analyze(con: BaseBackend, table: str) -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL)."""
    execute(con, exp.Analyze(this=exp.to_table(table)), [])


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
    execute(con, statement, [])


def set_option(con: BaseBackend, name: str, value: str) -> None:
    """``SET name = 'value'`` for this connection (DuckDB settings such as ``memory_limit``)."""
    item = exp.SetItem(this=exp.EQ(this=exp.column(name), expression=exp.Literal.string(value)))
    execute(con, exp.Set(expressions=[item]), [])
