"""The few statements Ibis has no API for, built as sqlglot trees with bound values.

Table and column names come from the schema module or a checked slug, never from free
text; values travel as driver parameters.
"""

from __future__ import annotations

import sqlglot.expressions as exp
from ibis.backends import BaseBackend

from workbench.expr.compile import FIELD_DTYPES


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


def delete_matching(con: BaseBackend, table: str, key: str, staged: str) -> None:
    """``DELETE FROM table WHERE key IN (SELECT key FROM staged)``."""
    subquery = exp.select(key).from_(staged)
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
