"""The collector's own tables in the workspace store: write keys, settings, journal positions.

They live beside the canonical tables (``wb_collector_*``), so every process that opens
the workspace (the collector, the CLI, a send run minting tracking links) sees the same
keys and the same signing secret. Reads and writes are Ibis expressions with bound values.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

from workbench.store.connection import transaction
from workbench.store.schema import TIMESTAMP
from workbench.store.statements import delete_where
from workbench.store.workspace import Workspace

KEYS_TABLE = "wb_collector_keys"
SETTINGS_TABLE = "wb_collector_settings"
JOURNAL_TABLE = "wb_collector_journal"

# A write key is stored only as its SHA-256 digest; the key itself is shown once.
KEYS = ibis.schema(
    {
        "key_id": dt.String(nullable=False),
        "name": dt.String(nullable=False),
        "key_hash": dt.String(nullable=False),
        "created_at": TIMESTAMP.copy(nullable=False),
    }
)

# name -> value: the signing secret of tracking tokens, the public URL, allowed origins.
SETTINGS = ibis.schema({"name": dt.String(nullable=False), "value": dt.String(nullable=False)})

# journal file (``<instance>/<file>``) -> how far the loader has stored it, committed in the
# same transaction as the rows it read: a restarted loader neither skips nor repeats a record.
JOURNAL = ibis.schema(
    {
        "journal": dt.String(nullable=False),
        "loaded_to": dt.Int64(nullable=False),
        "loaded_at": TIMESTAMP.copy(nullable=False),
    }
)

TABLES = {KEYS_TABLE: KEYS, SETTINGS_TABLE: SETTINGS, JOURNAL_TABLE: JOURNAL}


def ensure_tables(ws: Workspace) -> None:
    """Create the collector's tables when they are missing (idempotent)."""
    if ws.url.path is None or ws.url.path.exists():
        with ws.connector.reading() as con:
            if set(TABLES) <= set(con.list_tables()):
                return
    with ws.connector.writing() as con:
        existing = set(con.list_tables())
        for name, schema in TABLES.items():
            if name not in existing:
                con.create_table(name, schema=schema)


def read_rows(ws: Workspace, name: str) -> list[dict]:
    """Every row of one of the collector's tables (they are small)."""
    with ws.connector.reading() as con:
        return con.to_pyarrow(con.table(name)).to_pylist()


def insert_rows(ws: Workspace, name: str, rows: list[dict]) -> None:
    """Append rows to one of the collector's tables in one transaction."""
    table = pa.Table.from_pylist(rows, schema=TABLES[name].to_pyarrow())
    with ws.connector.writing() as con, transaction(con):
        con.insert(name, ibis.memtable(table))


def delete_rows(ws: Workspace, name: str, **equals: str) -> None:
    """Delete the rows whose columns equal the given values."""
    with ws.connector.writing() as con, transaction(con):
        delete_where(con, name, **equals)


def read_settings(ws: Workspace) -> dict[str, str]:
    """The settings by name. Should two processes ever have written the same name at once
    (PostgreSQL has no cross-process lock here), the smallest value wins everywhere."""
    out: dict[str, str] = {}
    for row in sorted(read_rows(ws, SETTINGS_TABLE), key=lambda r: (r["name"], r["value"]), reverse=True):
        out[row["name"]] = row["value"]
    return out


def write_setting(ws: Workspace, name: str, value: str) -> None:
    """Set one setting, replacing its previous value."""
    row = pa.Table.from_pylist([{"name": name, "value": value}], schema=SETTINGS.to_pyarrow())
    with ws.connector.writing() as con, transaction(con):
        delete_where(con, SETTINGS_TABLE, name=name)
        con.insert(SETTINGS_TABLE, ibis.memtable(row))


def setdefault_setting(ws: Workspace, name: str, make: str) -> str:
    """The setting's value; ``make`` is stored first when it has none."""
    current = read_settings(ws).get(name)
    if current is not None:
        return current
    with ws.connector.writing() as con, transaction(con):
        # checked again under the write lock: another process may have just set it
        rows = con.to_pyarrow(con.table(SETTINGS_TABLE).filter(ibis._.name == name)).to_pylist()
        if not rows:
            row = pa.Table.from_pylist([{"name": name, "value": make}], schema=SETTINGS.to_pyarrow())
            con.insert(SETTINGS_TABLE, ibis.memtable(row))
    return read_settings(ws)[name]
