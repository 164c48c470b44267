"""The numbers of the live preview, computed off the UI thread in as few round trips as possible.

One query answers everything the count line and the node badges show: the segment's
members, each condition and group counted alone, and the saved version's members and
their overlap with the current ones (for the +X / −Y diff). All of them are columns of one
shared pass over ``events`` (``CompileContext.many_sql``), whose SQL is compiled once per set of rules and
re-filled at each new instant. The member sample and the SQL are fetched only when their
panels are open.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import ibis.expr.types as ir
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.expr.catalog import Catalog
from workbench.expr.compile import tables
from workbench.expr.context import CompileContext
from workbench.expr.rules import Rule, Segment
from workbench.store.workspace import Workspace

SAMPLE_SIZE = 10
# What a marketer recognises a contact by, in this order, when the catalog has it.
KEY_ATTRIBUTES = ("contact_id", "first_name", "last_name", "email", "city", "status")


@dataclass(frozen=True)
class CountRequest:
    """Everything the worker needs, as an immutable snapshot taken on the UI thread."""

    segment: Segment
    catalog: Catalog
    library: Mapping[str, Segment]
    as_of: datetime | None
    valid: bool
    parts: tuple[Rule, ...] = ()
    saved: Segment | None = None
    members: bool = False
    sql: bool = False

    def context(self, dialect: str) -> CompileContext:
        """The snapshot's catalog and library, to compile against in ``dialect``."""
        return CompileContext(self.catalog, self.library.__getitem__, dialect)


@dataclass(frozen=True)
class Preview:
    """What one evaluation found; ``None`` marks what was not computed."""

    as_of: datetime
    total: int | None = None
    counts: Mapping[Rule, int] = field(default_factory=dict)
    added: int | None = None
    removed: int | None = None
    millis: float = 0.0
    members: tuple[dict, ...] | None = None
    sql: str | None = None
    ibis: str | None = None
    error: str | None = None


def _counts_and_overlap(table: ir.Table, _tables: Mapping[str, ir.Table]) -> ir.Table:
    """A ``finish`` for ``CompileContext.many_sql``: one row, each rule's member count, and ``kept`` (members
    of both ``total`` and ``saved``) when the saved version is compared."""
    counts = {c: table[c].ifelse(1, 0).sum() for c in table.columns if c != "contact_id"}
    if "saved" in table.columns:
        counts["kept"] = (table.total & table.saved).ifelse(1, 0).sum()
    return table.aggregate(**counts)


class PreviewCounter:
    """The default counter of :class:`~workbench.widgets.SegmentBuilder`: evaluates a request on a workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def __call__(self, request: CountRequest) -> Preview:
        as_of = request.as_of or datetime.now(UTC)
        rules: dict[str, Rule] = {f"part{i}": rule for i, rule in enumerate(request.parts)}
        if request.valid:
            rules["total"] = request.segment.rule
            if request.saved is not None:
                rules["saved"] = request.saved.rule
        started = time.perf_counter()
        try:
            counts = self._count(request, rules, as_of)
        except (WorkbenchError, KeyError):
            if "saved" not in rules:
                raise
            # The saved version may no longer compile (a field it used was dropped): then there is no diff.
            del rules["saved"]
            counts = self._count(request, rules, as_of)
        millis = (time.perf_counter() - started) * 1000
        alone = {rule: counts[f"part{i}"] for i, rule in enumerate(request.parts)}
        if not request.valid:
            return Preview(as_of=as_of, counts=alone, millis=millis)
        total = counts["total"]
        diff = "saved" in rules
        current = self._members_of(request, request.segment.rule, as_of) if request.members or request.sql else None
        return Preview(
            as_of=as_of,
            total=total,
            counts={**alone, request.segment.rule: total},
            added=total - counts["kept"] if diff else None,
            removed=counts["saved"] - counts["kept"] if diff else None,
            millis=millis,
            members=self._sample(current, request.catalog) if request.members else None,
            sql=self.workspace.sql(request.segment, as_of=as_of) if request.sql else None,
            ibis=repr(current) if request.sql else None,
        )

    def _members_of(self, request: CountRequest, rule: Rule, as_of: datetime) -> ir.Table:
        return request.context(self.workspace.dialect).members(rule, as_of)

    def _count(self, request: CountRequest, rules: Mapping[str, Rule], as_of: datetime) -> dict[str, int]:
        """How many contacts each rule selects (and ``kept``: in both ``total`` and ``saved``),
        in one query that reads ``events`` once for all of them (``many_sql``); its SQL is
        compiled once per set of rules and re-filled at each new instant."""
        if not rules:
            return {}
        sql = request.context(self.workspace.dialect).many_sql(
            rules, as_of, finish=_counts_and_overlap, finish_key="builder-preview"
        )
        row = self.workspace.query(sql).iloc[0]
        return {key: int(0 if pd.isna(row[key]) else row[key]) for key in row.index}

    def _sample(self, members: ir.Table, catalog: Catalog) -> tuple[dict, ...]:
        """The first members by id, with the attributes a marketer recognises them by."""
        columns = [c for c in KEY_ATTRIBUTES if c in catalog.fields]
        contacts = tables(catalog)["contacts"].select(*columns)
        sample = contacts.join(members, "contact_id").select(*columns).order_by("contact_id").limit(SAMPLE_SIZE)
        result = self.workspace.query(lambda con: sample)
        return tuple(result.astype(object).where(result.notna(), None).to_dict("records"))
