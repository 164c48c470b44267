"""Things kept by id (schedules, triggers, campaigns, write keys), one table each: add one or
refuse an id that is taken, list them in id order, find one, remove one.

Each call runs on the caller's connection, writes inside the caller's transaction, so that a
package does what goes with it in the same transaction (removing a trigger cancels its
pending jobs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ibis.backends import BaseBackend

from workbench.errors import NotFound, WorkbenchError
from workbench.store.statements import delete_where, insert_new
from workbench.store.tables import Table


@dataclass(frozen=True)
class Registry:
    """The rows of ``table`` by their id, its key's one column; ``noun`` and ``plural`` name
    them in messages ("no schedule 'x'; schedules: a, b")."""

    table: Table
    noun: str
    plural: str

    def __post_init__(self) -> None:
        if len(self.table.key) != 1:
            raise ValueError(f"{self.table.name} is not keyed by one id column")

    @property
    def id_column(self) -> str:
        return self.table.key[0]

    def add(self, con: BaseBackend, row: Mapping[str, Any], retry: str = "choose another id") -> None:
        """Insert ``row``; refuse (``WorkbenchError``) when its id is taken, saying to ``retry``."""
        if not insert_new(con, self.table, row):
            raise WorkbenchError(f"{self.noun} {row[self.id_column]!r} exists; remove it first or {retry}")

    def rows(self, con: BaseBackend) -> list[dict]:
        """Every row, in id order."""
        return con.to_pyarrow(self.table.unbound().order_by(self.id_column)).to_pylist()

    def get(self, con: BaseBackend, item_id: str) -> dict:
        """The row of ``item_id``; ``NotFound`` names the ids there are."""
        rows = self.table.unbound()
        found = con.to_pyarrow(rows.filter(rows[self.id_column] == item_id)).to_pylist()
        if not found:
            known = con.to_pyarrow(rows.select(self.id_column).order_by(self.id_column)).column(0).to_pylist()
            raise NotFound(f"no {self.noun} {item_id!r}; {self.plural}: {', '.join(known) or 'none'}")
        return found[0]

    def remove(self, con: BaseBackend, item_id: str) -> None:
        """Delete the row of ``item_id``; ``NotFound`` when there is none."""
        self.get(con, item_id)
        delete_where(con, self.table.name, **{self.id_column: item_id})
