"""Fast reads of the workbench's own small tables.

Ibis spends tens of milliseconds compiling even a trivial expression, and the catalog and
library are read before every evaluation. These reads are fixed expressions over unbound
tables, so each is compiled once per dialect and its SQL reused.
"""

from __future__ import annotations

from functools import lru_cache

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from workbench.store.statements import fetch_arrow


@lru_cache(maxsize=256)
def _sql(dialect: str, expr: ir.Expr) -> str:
    return ibis.to_sql(expr, dialect=dialect)


def fetch(con: BaseBackend, expr: ir.Table) -> pa.Table:
    """Run a fixed expression over internal tables and return Arrow, with compiled SQL cached."""
    return fetch_arrow(con, _sql(con.name, expr), expr.schema().to_pyarrow())
