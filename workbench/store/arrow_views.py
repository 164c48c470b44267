"""Arrow tables queried through Ibis on a private DuckDB connection, for a bounded time.

``ibis.memtable`` registers its data with the connection the first time an expression
using it runs, and Ibis 12 unregisters it only when the process exits: on a connection that
reads a file chunk by chunk, every chunk would stay in memory until the end (an import of
200M events grew by 70 MB a chunk). ``arrow_view`` registers a table for the block that
uses it and forgets it after.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend


@contextmanager
def arrow_view(con: BaseBackend, table: pa.Table) -> Iterator[ir.Table]:
    """``table`` as an Ibis table of the DuckDB connection ``con`` inside the block."""
    name = f"wb_arrow_{uuid.uuid4().hex}"
    con.con.register(name, table)
    try:
        yield con.table(name)
    finally:
        con.con.unregister(name)
