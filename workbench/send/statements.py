"""The statements Ibis has no API for (UPDATE, DELETE … IN), built as sqlglot trees.

Table and column names come from this package's schemas; values always travel as driver
parameters, never inside the SQL text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlglot.expressions as exp
from ibis.backends import BaseBackend


def execute(con: BaseBackend, statement: exp.Expression, params: Sequence[Any] = ()) -> None:
    """Run one statement with positional parameters on DuckDB or PostgreSQL."""
    sql = statement.sql(dialect=con.dialect)
    if con.name == "duckdb":
        con.con.execute(sql, list(params))
    else:
        with con.con.cursor() as cursor:
            cursor.execute(sql, list(params))


def _where(equals: Mapping[str, Any], column: str | None, values: Sequence[Any]) -> tuple[exp.Expression, list]:
    preds: list[exp.Expression] = [exp.column(c).eq(exp.Placeholder()) for c in equals]
    params = list(equals.values())
    if column is not None:
        preds.append(exp.column(column).isin(*[exp.Placeholder() for _ in values]))
        params += list(values)
    return exp.and_(*preds), params


def update_where(con: BaseBackend, table: str, values: Mapping[str, Any], **equals: Any) -> None:
    """``UPDATE table SET col = ?, … WHERE key = ? AND …``."""
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
