"""One watcher per store: a named lease row refreshed by its holder's every tick.

A lease whose holder is gone (its process on this host no longer exists, or its heartbeat
is older than ``LEASE``) is taken over, so a killed watcher's successor starts at once.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import ibis
import pyarrow as pa

from workbench.errors import WorkbenchError
from workbench.send.sendlog import owner_alive, this_host
from workbench.store.connection import transaction
from workbench.store.statements import delete_in, update_where
from workbench.store.workspace import Workspace
from workbench.triggers.tables import LEASES


def acquire(ws: Workspace, name: str, now: datetime | None = None) -> None:
    """Take the lease ``name`` for this process, or raise naming the live holder."""
    now = now or datetime.now(UTC)
    mine = {"host": this_host(), "pid": os.getpid(), "heartbeat_at": now}
    with ws.connector.writing() as con, transaction(con):
        leases = con.table(LEASES.name)
        held = con.to_pyarrow(leases.filter(leases.name == name)).to_pylist()
        if not held:
            row = pa.Table.from_pylist([{"name": name, **mine}], schema=LEASES.schema.to_pyarrow())
            con.insert(LEASES.name, ibis.memtable(row))
            return
        holder = held[0]
        ours = (holder["host"], holder["pid"]) == (mine["host"], mine["pid"])
        if not ours and owner_alive(holder["host"], holder["pid"], holder["heartbeat_at"]):
            raise WorkbenchError(
                f"another {name} is running (pid {holder['pid']} on {holder['host']}, "
                f"last seen {holder['heartbeat_at']:%Y-%m-%d %H:%M:%S} UTC); stop it first"
            )
        update_where(con, LEASES.name, mine, name=name)


def renew(ws: Workspace, name: str) -> None:
    """Refresh the heartbeat; raise if another process took the lease meanwhile."""
    with ws.connector.writing() as con, transaction(con):
        leases = con.table(LEASES.name)
        held = con.to_pyarrow(leases.filter(leases.name == name)).to_pylist()
        if not held or (held[0]["host"], held[0]["pid"]) != (this_host(), os.getpid()):
            raise WorkbenchError(f"the {name} lease was taken over by another process; stopping")
        update_where(con, LEASES.name, {"heartbeat_at": datetime.now(UTC)}, name=name)


def release(ws: Workspace, name: str) -> None:
    """Give the lease up (on a clean stop), if this process holds it."""
    with ws.connector.writing() as con, transaction(con):
        leases = con.table(LEASES.name)
        held = con.to_pyarrow(leases.filter(leases.name == name)).to_pylist()
        if held and (held[0]["host"], held[0]["pid"]) == (this_host(), os.getpid()):
            delete_in(con, LEASES.name, "name", [name])
