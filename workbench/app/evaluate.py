"""Segments compiled against one reading of the store, and many counts in one query.

The app's views evaluate several segments (or one segment at several times) per action.
Reading the catalog and the library once per action and sending every count as one query
keeps an action to two round trips, whatever the number of segments. Several segments at
one instant are evaluated in one shared pass (``CompileContext.many``: ``events`` is read
once for all of them), and the SQL is compiled once per process and reused at each new instant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from workbench.errors import NotFound
from workbench.expr.catalog import Catalog
from workbench.expr.compile import tables
from workbench.expr.context import CompileContext, count_columns
from workbench.expr.rules import Segment
from workbench.store.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evaluator:
    """The store's catalog and saved segments as read once, for compiling many segments."""

    workspace: Workspace
    catalog: Catalog
    library: Mapping[str, Segment]

    @classmethod
    def read(cls, workspace: Workspace) -> Evaluator:
        """Read the catalog and the segment library now."""
        library = {saved.id: saved.segment for saved in workspace.segments()}
        return cls(workspace, workspace.catalog, library)

    def segment(self, segment_id: str) -> Segment:
        """A saved segment; ``NotFound`` when it was deleted meanwhile."""
        if segment_id not in self.library:
            raise NotFound(f"no saved segment {segment_id!r}; it may have been deleted")
        return self.library[segment_id]

    @property
    def context(self) -> CompileContext:
        """The catalog, the library and the store's dialect, to compile against."""
        return CompileContext(self.catalog, self.library.__getitem__, self.workspace.dialect)

    def checked(self, segment: Segment | str) -> Segment:
        """A segment (or a saved one by id), validated."""
        if isinstance(segment, str):
            segment = self.segment(segment)
        self.context.validate(segment)
        return segment

    def members(self, segment: Segment | str, as_of: datetime) -> ir.Table:
        """The members at ``as_of`` as an unbound table of one string ``contact_id`` column.

        The id is cast because compiled tables differ in its nullability (joins loosen it),
        and a union needs equal types.
        """
        compiled = self.context.members(self.checked(segment), as_of)
        return compiled.select(contact_id=compiled.contact_id.cast(dt.string))

    def contacts(self) -> ir.Table:
        """The unbound ``contacts`` table, custom fields included."""
        return tables(self.catalog)["contacts"]

    def members_with_contacts(
        self, con: BaseBackend, segments: Mapping[str, Segment | str], as_of: datetime
    ) -> ir.Table:
        """The shared pass over ``segments`` at ``as_of`` (``contact_id`` and a boolean column
        per key; its SQL from the per-process cache) joined to ``contacts``, as a table on
        ``con`` to build one query on: a row per contact in at least one of the segments."""
        flags = con.sql(self.many_sql(segments, as_of))
        return self.contacts().join(flags, "contact_id")  # the few on the right: see _planned_as_written

    def segment_sql(self, segment: Segment | str, as_of: datetime) -> str:
        """Validate, and the SQL of the members at ``as_of`` (compiled once per process)."""
        return self.context.members_sql(self.checked(segment), as_of)

    def instants_sql(self, segment: Segment | str, as_of: datetime, offsets: tuple[timedelta, ...]) -> str:
        """Validate, and the SQL of one row ``n0``, ``n1``…: the members at ``as_of − offset``
        for each offset, reading ``events`` once (``CompileContext.instants_sql``)."""
        return self.context.instants_sql(self.checked(segment), as_of, offsets)

    def many_sql(
        self,
        segments: Mapping[str, Segment | str],
        as_of: datetime,
        finish: Callable[[ir.Table, Mapping[str, ir.Table]], ir.Expr] | None = None,
        finish_key: Hashable = None,
    ) -> str:
        """Validate, and the SQL of the shared pass over ``segments`` (saved ids or
        segments) at ``as_of``: ``contact_id`` and a boolean column per key, or what
        ``finish`` makes of it (see ``CompileContext.many_sql``)."""
        chosen = {key: self.checked(s) for key, s in segments.items()}
        return self.context.many_sql(chosen, as_of, finish=finish, finish_key=finish_key)

    def counts(self, segments: Mapping[str, Segment | str], as_of: datetime) -> dict[str, int]:
        """Members of each segment at ``as_of``, in one query reading ``events`` once."""
        if not segments:
            return {}
        keys = list(segments)
        sql = self.many_sql({f"s{i}": segments[key] for i, key in enumerate(keys)}, as_of, count_columns, "count")
        row = self.workspace.query(sql).iloc[0]
        return {key: int(0 if pd.isna(row[f"s{i}"]) else row[f"s{i}"]) for i, key in enumerate(keys)}
