"""The collector's own tables in the workspace store (write keys, journal positions) and its
settings (signing secret, public URL, allowed origins…) in the store's settings table.

They live beside the canonical tables, so every process that opens the workspace (the
collector, the CLI, a send run minting tracking links) sees the same keys and the same
signing secret. Reads and writes are Ibis expressions with bound values.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

from workbench.store import catalog_store
from workbench.store.connection import transaction
from workbench.store.registry import Registry
from workbench.store.schema import TIMESTAMP
from workbench.store.statements import create_missing
from workbench.store.tables import Table
from workbench.store.workspace import Workspace

# A write key is stored only as its SHA-256 digest; the key itself is shown once.
KEYS = Table(
    "wb_collector_keys",
    ibis.schema(
        {
            "key_id": dt.String(nullable=False),
            "name": dt.String(nullable=False),
            "key_hash": dt.String(nullable=False),
            "created_at": TIMESTAMP.copy(nullable=False),
        }
    ),
    key=("key_id",),
)

# journal file (``<instance>/<file>``) -> how far the loader has stored it, committed in the
# same transaction as the rows it read: a restarted loader neither skips nor repeats a record.
JOURNAL = Table(
    "wb_collector_journal",
    ibis.schema(
        {
            "journal": dt.String(nullable=False),
            "loaded_to": dt.Int64(nullable=False),
            "loaded_at": TIMESTAMP.copy(nullable=False),
        }
    ),
    key=("journal",),
)

TABLES = (KEYS, JOURNAL)

KEY_REGISTRY = Registry(KEYS, "write key", "keys")

SETTING_PREFIX = "collector."
"""The collector's keys in the store's settings table (``wb_settings``) start with this."""


def ensure_tables(ws: Workspace) -> None:
    """Create the collector's tables and their unique indexes when they are missing (idempotent)."""
    create_missing(ws, TABLES)


def read_rows(ws: Workspace, table: Table) -> list[dict]:
    """Every row of one of the collector's tables (they are small)."""
    with ws.connector.reading() as con:
        return con.to_pyarrow(con.table(table.name)).to_pylist()


def read_settings(ws: Workspace) -> dict[str, str]:
    """The store's settings by key (the collector's start with :data:`SETTING_PREFIX`)."""
    with ws.connector.reading() as con:
        return catalog_store.read_settings(con)


def write_setting(ws: Workspace, key: str, value: str) -> None:
    """Set one setting, replacing its previous value."""
    with ws.connector.writing() as con, transaction(con):
        catalog_store.write_setting(con, key, value)


def setdefault_setting(ws: Workspace, key: str, make: str) -> str:
    """The setting's value; ``make`` is stored first when it has none."""
    current = read_settings(ws).get(key)
    if current is not None:
        return current
    with ws.connector.writing() as con, transaction(con):
        # checked again under the write lock: another process may have just set it
        if key not in catalog_store.read_settings(con):
            catalog_store.write_setting(con, key, make)
    return read_settings(ws)[key]
