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
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from workbench.store.catalog_store import ensure_versions, has_versions, read_versions
from workbench.store.statements import delete_older, insert_arrow, insert_rows

CHANGES_TABLE = "wb_changes"
CHANGES = ibis.schema({"version": dt.Int64(nullable=False), "contact_id": dt.string, "anonymous_id": dt.string})
TOUCHED = pa.schema([("contact_id", pa.string()), ("anonymous_id", pa.string())])
MANY = 50_000
"""Rows in one write above which its contacts are not listed (an import: evaluate everything)."""


def next_version(con: BaseBackend) -> int | None:
    """The data version the write in progress will have once it bumps ``data`` (None on
    engines without version counters: nothing keys the log there)."""
    if not has_versions(con):
        return None
    ensure_versions(con)
    versions = read_versions(con)
    return None if versions is None else versions["data"] + 1


def record(con: BaseBackend, touched: ir.Table | None, version: int) -> None:
    """Record the contacts of ``touched`` (a table of ``con`` with ``contact_id`` and
    ``anonymous_id``) under data ``version``, or "anything" when ``touched`` is None. Call in
    the write's transaction: the rows go from the engine's table to the log without a trip
    through Python."""
    if CHANGES_TABLE not in con.list_tables():
        con.create_table(CHANGES_TABLE, schema=CHANGES)
    if touched is None:
        anything = pa.table({"contact_id": [None], "anonymous_id": [None]}, schema=TOUCHED)
        insert_arrow(con, CHANGES_TABLE, anything.add_column(0, "version", pa.array([version], pa.int64())))
        return
    insert_rows(
        con,
        CHANGES_TABLE,
        touched.select(version=ibis.literal(version, dt.int64), contact_id="contact_id", anonymous_id="anonymous_id"),
    )


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
