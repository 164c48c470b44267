"""The statements Ibis has no API for (UPDATE, DELETE … IN, unique indexes), built as sqlglot trees.

Table and column names come from this package's schemas; values always travel as driver
parameters, never inside the SQL text.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa
import sqlglot.expressions as exp
from ibis.backends import BaseBackend

from workbench.store.connection import transaction

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace


def execute(con: BaseBackend, statement: exp.Expression, params: Sequence[Any] = ()) -> None:
    """Run one statement with positional parameters on DuckDB or PostgreSQL."""
    sql = statement.sql(dialect=con.dialect)
    if con.name == "duckdb":
        con.con.execute(sql, list(params))
    else:
        with con.con.cursor() as cursor:
            cursor.execute(sql, list(params))


def _where(equals: Mapping[str, Any], column: str | None, values: Sequence[Any]) -> tuple[exp.Expression, list]:
    preds: list[exp.Expression] = [
        exp.column(c).is_(exp.null()) if v is None else exp.column(c).eq(exp.Placeholder()) for c, v in equals.items()
    ]
    params = [v for v in equals.values() if v is not None]
    if column is not None:
        preds.append(exp.column(column).isin(*[exp.Placeholder() for _ in values]))
        params += list(values)
    return exp.and_(*preds), params


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


def create_missing(ws: Workspace, tables: Mapping[str, ibis.Schema], unique_keys: Mapping[str, Sequence[str]]) -> None:
    """Create the tables that do not exist yet, each with a unique index on its key (idempotent).

    Checked under a read lock first, so the usual case (all there) never waits for a writer;
    once seen, tables are remembered for the workspace's connector (they are never dropped).
    """
    present = _present.setdefault(ws.connector, set())
    if set(tables) <= present:
        return
    with ws.connector.reading() as con:
        if set(tables) <= set(con.list_tables()):
            present.update(tables)
            return
    with ws.connector.writing() as con, transaction(con):
        existing = set(con.list_tables())
        for name, schema in tables.items():
            if name not in existing:
                con.create_table(name, schema=schema)
                create_unique_index(con, name, unique_keys[name])


def create_unique_index(con: BaseBackend, name: str, columns: Sequence[str]) -> None:
    """``CREATE UNIQUE INDEX IF NOT EXISTS ux_<name> ON name (columns)``."""
    index = exp.Index(
        this=exp.to_identifier(f"ux_{name}"),
        table=exp.to_table(name),
        params=exp.IndexParameters(columns=[exp.Ordered(this=exp.column(c)) for c in columns]),
    )
    execute(con, exp.Create(this=index, kind="INDEX", unique=True, exists=True))


def insert_new(
    con: BaseBackend, table: str, schema: ibis.Schema, row: Mapping[str, Any], key: str | Sequence[str]
) -> bool:
    """Insert ``row`` unless ``table`` has a row with the same ``key`` (a column or several);
    whether it was inserted. Call inside the write transaction that must see no other such row."""
    existing = con.table(table)
    keys = [key] if isinstance(key, str) else list(key)
    if int(con.execute(existing.filter(*[existing[k] == row[k] for k in keys]).count())):
        return False
    con.insert(table, ibis.memtable(pa.Table.from_pylist([dict(row)], schema=schema.to_pyarrow())))
    return True
