"""A table of the store declared once: its name, its columns and the key of a row.

Each package declares its own tables in its ``tables`` module and everyone else imports
them (never the name as a string): ``con.table(SEND_LOG.name)``, ``SEND_LOG.unbound()``.
:func:`workbench.store.statements.create_missing` creates them with a unique index on
their key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from workbench.schema import LIST_MEMBERS_TABLE
from workbench.store import schema


@dataclass(frozen=True)
class Table:
    """One table: ``name`` in the store, ``schema`` of its columns, ``key`` its unique columns."""

    name: str
    schema: ibis.Schema
    key: tuple[str, ...]

    def unbound(self) -> ir.Table:
        """An unbound Ibis table of this schema (bound by name when executed)."""
        return ibis.table(self.schema, name=self.name)

    def arrow(self, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
        """``rows`` as Arrow of this table's schema, ready to insert."""
        return pa.Table.from_pylist(list(rows), schema=self.schema.to_pyarrow())


# The workbench's own tables in every store (created by ``Workspace.init``).
SEGMENTS = Table("wb_segments", schema.SEGMENTS, key=("segment_id",))
LISTS = Table("wb_lists", schema.LISTS, key=("list_id",))
LIST_MEMBERS = Table(LIST_MEMBERS_TABLE, schema.LIST_MEMBERS, key=("list_id", "contact_id"))
CONTACT_FIELDS = Table("wb_contact_fields", schema.CONTACT_FIELDS, key=("name",))
EVENT_PROPERTIES = Table("wb_event_properties", schema.EVENT_PROPERTIES, key=("event", "property"))
SETTINGS = Table("wb_settings", schema.SETTINGS, key=("key",))
"""Every package's settings, by key; a package's keys start with its name (``send.``, ``collector.``)."""

INTERNAL: dict[str, ibis.Schema] = {
    t.name: t.schema for t in (SEGMENTS, LISTS, LIST_MEMBERS, CONTACT_FIELDS, EVENT_PROPERTIES, SETTINGS)
}
