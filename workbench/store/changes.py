"""Which contacts each write touched: the change log a watcher reads to evaluate only them.

Every write of contacts, events or identity links (``Workspace.store_prepared``) bumps the
``data`` version counter and, in the same transaction, records here the contacts it touched
under that version: the contact of each new event (or its anonymous id, when it has none),
each contact written, and both ids of each new identity link. A write of more than
:data:`MANY` rows records one row with neither id instead: "anything may have changed", and
a reader evaluates everything. The table is created by the first write that needs it.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
from ibis.backends import BaseBackend

from workbench.store.catalog_store import read_versions
from workbench.store.statements import delete_older, insert_arrow

CHANGES_TABLE = "wb_changes"
CHANGES = ibis.schema({"version": dt.Int64(nullable=False), "contact_id": dt.string, "anonymous_id": dt.string})
TOUCHED = pa.schema([("contact_id", pa.string()), ("anonymous_id", pa.string())])
MANY = 50_000
"""Rows in one write above which its contacts are not listed (an import: evaluate everything)."""


def record(con: BaseBackend, touched: pa.Table | None) -> None:
    """Record ``touched`` (``contact_id``, ``anonymous_id``) under the store's current data
    version, or "anything" when ``touched`` is None. Call in the write's transaction, after
    bumping ``data``."""
    versions = read_versions(con)
    if versions is None:  # no version counters (ClickHouse): nothing to key the log by
        return
    if CHANGES_TABLE not in con.list_tables():
        con.create_table(CHANGES_TABLE, schema=CHANGES)
    if touched is None:
        touched = pa.table({"contact_id": [None], "anonymous_id": [None]}, schema=TOUCHED)
    version = pa.array([versions["data"]] * touched.num_rows, pa.int64())
    insert_arrow(con, CHANGES_TABLE, touched.select(["contact_id", "anonymous_id"]).add_column(0, "version", version))


def since(con: BaseBackend, after: int, upto: int) -> tuple[set[str], set[str], bool]:
    """The contact ids and anonymous ids recorded for data versions in ``(after, upto]``, and
    whether some write in between touched "anything"."""
    if CHANGES_TABLE not in con.list_tables():
        return set(), set(), after < upto
    log = con.table(CHANGES_TABLE)
    rows = con.to_pyarrow(log.filter((log.version > after) & (log.version <= upto))).to_pylist()
    everything = any(r["contact_id"] is None and r["anonymous_id"] is None for r in rows)
    contacts = {r["contact_id"] for r in rows if r["contact_id"] is not None}
    anonymous = {r["anonymous_id"] for r in rows if r["anonymous_id"] is not None}
    return contacts, anonymous, everything


def forget(con: BaseBackend, upto: int) -> None:
    """Drop the log up to data version ``upto`` (read by every reader that needs it)."""
    if CHANGES_TABLE in con.list_tables():
        delete_older(con, CHANGES_TABLE, "version", upto)
