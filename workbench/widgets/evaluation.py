"""The numbers of the live preview, computed off the UI thread in as few round trips as possible.

One query answers everything the count line and the node badges show: the segment's
members, each condition and group counted alone, and the saved version's members and
their overlap with the current ones (for the +X / −Y diff). Each part is the compiled
members table tagged with a label; the union is grouped by label and counted. The member
sample and the SQL are fetched only when their panels are open.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from workbench.errors import WorkbenchError
from workbench.expr.catalog import Catalog
from workbench.expr.compile import compile_segment, tables
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


def _tagged(members: ir.Table, tag: str) -> ir.Table:
    # The parts' contact_id columns differ in nullability (joins loosen it); a union needs them equal.
    return members.select(contact_id=members.contact_id.cast(dt.string), tag=ibis.literal(tag))


class PreviewCounter:
    """The default counter of :class:`~workbench.widgets.SegmentBuilder`: evaluates a request on a workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def __call__(self, request: CountRequest) -> Preview:
        as_of = request.as_of or datetime.now(UTC)

        def members_of(rule: Rule) -> ir.Table:
            return compile_segment(
                rule,
                catalog=request.catalog,
                as_of=as_of,
                resolve=request.library.__getitem__,
                dialect=self.workspace.dialect,
            )

        parts = {f"part{i}": members_of(rule) for i, rule in enumerate(request.parts)}
        current = members_of(request.segment.rule) if request.valid else None
        saved = self._saved_members(request.saved, members_of) if current is not None and request.saved else None
        if current is not None:
            parts["total"] = current
        if saved is not None:
            parts["saved"] = saved
            parts["kept"] = current.semi_join(saved, "contact_id")  # type: ignore[union-attr]
        started = time.perf_counter()
        counts = self._count(parts)
        millis = (time.perf_counter() - started) * 1000
        alone = {rule: counts[f"part{i}"] for i, rule in enumerate(request.parts)}
        if current is None:
            return Preview(as_of=as_of, counts=alone, millis=millis)
        total = counts["total"]
        return Preview(
            as_of=as_of,
            total=total,
            counts={**alone, request.segment.rule: total},
            added=total - counts["kept"] if saved is not None else None,
            removed=counts["saved"] - counts["kept"] if saved is not None else None,
            millis=millis,
            members=self._sample(current, request.catalog) if request.members else None,
            sql=self.workspace.sql(request.segment, as_of=as_of) if request.sql else None,
            ibis=repr(current) if request.sql else None,
        )

    @staticmethod
    def _saved_members(saved: Segment, members_of: Callable[[Rule], ir.Table]) -> ir.Table | None:
        # The saved version may no longer compile (a field it used was dropped): then there is no diff.
        try:
            return members_of(saved.rule)
        except (WorkbenchError, KeyError):
            return None

    def _count(self, parts: Mapping[str, ir.Table]) -> dict[str, int]:
        """How many contacts each tagged part holds, in one query."""
        if not parts:
            return {}
        union = ibis.union(*(_tagged(members, tag) for tag, members in parts.items()))
        per_tag = union.group_by("tag").aggregate(n=union.count())
        result = self.workspace.query(lambda con: per_tag)
        # A part without members has no row in the result.
        return dict.fromkeys(parts, 0) | {row.tag: int(row.n) for row in result.itertuples()}

    def _sample(self, members: ir.Table, catalog: Catalog) -> tuple[dict, ...]:
        """The first members by id, with the attributes a marketer recognises them by."""
        columns = [c for c in KEY_ATTRIBUTES if c in catalog.fields]
        contacts = tables(catalog)["contacts"].select(*columns)
        sample = members.join(contacts, "contact_id").select(*columns).order_by("contact_id").limit(SAMPLE_SIZE)
        result = self.workspace.query(lambda con: sample)
        return tuple(result.astype(object).where(result.notna(), None).to_dict("records"))
