"""The segment library and static lists, stored in the workbench's own tables."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

from workbench.errors import NotFound
from workbench.expr.rules import InSegment, Segment
from workbench.store.catalog_store import bump
from workbench.store.reads import fetch
from workbench.store.statements import delete_where
from workbench.store.tables import LIST_MEMBERS, LISTS, SEGMENTS


@dataclass(frozen=True)
class SavedSegment:
    """A segment of the library with its bookkeeping."""

    segment: Segment
    created_at: datetime
    updated_at: datetime

    @property
    def id(self) -> str:
        return self.segment.id


@dataclass(frozen=True)
class ListInfo:
    """A static list: a named set of contact ids."""

    list_id: str
    name: str
    description: str | None
    origin: str | None
    created_at: datetime
    size: int


def load_segments(con: BaseBackend) -> dict[str, SavedSegment]:
    """Every saved segment by id."""
    rows = fetch(con, SEGMENTS.unbound()).to_pylist()
    return {
        r["segment_id"]: SavedSegment(Segment.from_dict(json.loads(r["document"])), r["created_at"], r["updated_at"])
        for r in rows
    }


def list_ids(con: BaseBackend) -> frozenset[str]:
    return frozenset(fetch(con, LISTS.unbound().select("list_id")).column(0).to_pylist())


def store_segment(con: BaseBackend, segment: Segment, existing: SavedSegment | None) -> None:
    now = datetime.now(UTC)
    row = {
        "segment_id": segment.id,
        "name": segment.name,
        "document": json.dumps(segment.to_dict(), ensure_ascii=False, sort_keys=True),
        "created_at": existing.created_at if existing else now,
        "updated_at": now,
    }
    delete_where(con, SEGMENTS.name, segment_id=segment.id)
    con.insert(SEGMENTS.name, ibis.memtable(pa.Table.from_pylist([row], schema=SEGMENTS.schema.to_pyarrow())))
    bump(con, "library")


def delete_segment(con: BaseBackend, segment_id: str) -> None:
    delete_where(con, SEGMENTS.name, segment_id=segment_id)
    bump(con, "library")


def referrers(segments: dict[str, SavedSegment], segment_id: str) -> list[str]:
    """Ids of saved segments whose rules name ``segment_id``."""
    return sorted(
        s.id
        for s in segments.values()
        if any(isinstance(n, InSegment) and n.segment == segment_id for n in s.segment.walk())
    )


def store_list(
    con: BaseBackend,
    list_id: str,
    contact_ids: Iterable[str],
    *,
    name: str,
    description: str | None,
    origin: str | None,
) -> None:
    ids = sorted(set(contact_ids))
    delete_where(con, LIST_MEMBERS.name, list_id=list_id)
    delete_where(con, LISTS.name, list_id=list_id)
    meta = {
        "list_id": list_id,
        "name": name,
        "description": description,
        "origin": origin,
        "created_at": datetime.now(UTC),
    }
    con.insert(LISTS.name, ibis.memtable(pa.Table.from_pylist([meta], schema=LISTS.schema.to_pyarrow())))
    if ids:
        members = pa.table(
            {"list_id": [list_id] * len(ids), "contact_id": ids}, schema=LIST_MEMBERS.schema.to_pyarrow()
        )
        con.insert(LIST_MEMBERS.name, ibis.memtable(members))
    bump(con, "lists")


def load_lists(con: BaseBackend) -> list[ListInfo]:
    lists = con.table(LISTS.name)
    sizes = con.table(LIST_MEMBERS.name).group_by("list_id").aggregate(size=lambda t: t.count())
    joined = lists.left_join(sizes, "list_id")
    rows = con.to_pyarrow(joined.select(*lists.columns, size=joined.size.fill_null(0))).to_pylist()
    return sorted((ListInfo(**r) for r in rows), key=lambda info: info.list_id)


def list_members(con: BaseBackend, list_id: str) -> list[str]:
    if list_id not in list_ids(con):
        raise NotFound(f"no list {list_id!r}")
    members = con.table(LIST_MEMBERS.name)
    expr = members.filter(members.list_id == list_id).select("contact_id").order_by("contact_id")
    return con.to_pyarrow(expr).column(0).to_pylist()
