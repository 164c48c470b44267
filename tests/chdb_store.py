"""ClickHouse in the test matrix, through chdb (the in-process ClickHouse engine).

No ClickHouse server runs here, so this store keeps the test data in a chdb session with
the product's MergeTree layout (``workbench.store.clickhouse``), compiles segments with
the product's compiler for the ClickHouse dialect, and runs the generated SQL there. It
offers the few Workspace methods the conformance suite uses.
"""

from __future__ import annotations

import itertools
import tempfile
from datetime import datetime
from pathlib import Path

import chdb.session
import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.errors import NotFound, SegmentError
from workbench.expr.catalog import Catalog, EventType, Field
from workbench.expr.compile import contacts_schema
from workbench.expr.context import CompileContext
from workbench.expr.rules import InSegment, Segment
from workbench.expr.validate import validate
from workbench.store.clickhouse import create_table
from workbench.store.schema import EVENTS, IDENTITIES, LIST_MEMBERS

_SESSION: chdb.session.Session | None = None
_stores = itertools.count()


def _session() -> chdb.session.Session:
    """chdb allows one session per process; stores share it, each in a database of its own."""
    global _SESSION
    if _SESSION is None:
        _SESSION = chdb.session.Session(tempfile.mkdtemp(prefix="workbench-chdb-"))
        _SESSION.query("SET join_use_nulls = 1")  # outer joins give NULL, as in SQL
        _SESSION.query("SET max_query_size = 4194304")  # every conformance case in one pass is ~300 kB of SQL
    return _SESSION


class _Database:
    """Runs every query in one database of the shared session."""

    def __init__(self, name: str) -> None:
        self.name = name
        _session().query(f"CREATE DATABASE IF NOT EXISTS {name}")

    def query(self, sql: str, fmt: str = "CSV"):
        session = _session()
        session.query(f"USE {self.name}")
        return session.query(sql, fmt)


class ChdbStore:
    """A store on chdb with the Workspace methods the conformance tests call."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="workbench-chdb-"))
        self.session = _Database(f"wb{next(_stores)}")
        self.segments: dict[str, Segment] = {}
        self.lists: dict[str, set[str]] = {}
        self.timezone = "UTC"
        self.custom: tuple[Field, ...] = ()
        self.events: dict[str, EventType] = {}
        self.decimal_properties: frozenset[str] = frozenset()
        self.url = type("URL", (), {"url": "chdb://memory", "kind": "clickhouse"})()

    # --- data ---------------------------------------------------------------------------

    def load_tables(self, tables: dict[str, pa.Table], custom: tuple[Field, ...], events: dict[str, EventType]) -> None:
        self.custom, self.events = custom, events
        schemas = {
            "contacts": contacts_schema(self.catalog),
            "events": EVENTS,
            "identities": IDENTITIES,
            "wb_list_members": LIST_MEMBERS,
        }
        for name, schema in schemas.items():
            self.session.query(f"DROP TABLE IF EXISTS {name}")
            self.session.query(create_table(name, schema).sql(dialect="clickhouse"))
        self._write_lists()
        for name, table in tables.items():
            if name == "contacts" and "tags" in table.column_names:  # ClickHouse arrays are never NULL
                tags = table.column("tags").to_pylist()
                table = table.set_column(
                    table.column_names.index("tags"), "tags", pa.array([t or [] for t in tags], pa.list_(pa.string()))
                )
            self._insert(name, table)

    def _insert(self, name: str, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        path = self.dir / f"{name}.parquet"
        pq.write_table(table, path)
        self.session.query(f"INSERT INTO {name} SELECT * FROM file('{path}', Parquet)")

    def _write_lists(self) -> None:
        self.session.query("TRUNCATE TABLE IF EXISTS wb_list_members")
        rows = [{"list_id": k, "contact_id": c} for k, ids in self.lists.items() for c in sorted(ids)]
        self._insert("wb_list_members", pa.Table.from_pylist(rows, schema=LIST_MEMBERS.to_pyarrow()))

    # --- the Workspace methods the tests use -----------------------------------------------

    @property
    def catalog(self) -> Catalog:
        return Catalog.standard(
            self.custom,
            events=self.events,
            segments=frozenset(self.segments),
            lists=frozenset(self.lists),
            timezone=self.timezone,
            decimal_properties=self.decimal_properties,
        )

    def init(self) -> None:
        """Tables are created by :meth:`load_tables`."""

    def set_timezone(self, name: str) -> None:
        self.timezone = name

    def save_segment(self, doc: dict) -> Segment:
        segment = Segment.from_dict(doc)
        validate(segment, self.catalog, lambda sid: segment if sid == segment.id else self.segments[sid])
        self.segments[segment.id] = segment
        return segment

    def delete_segment(self, segment_id: str) -> None:
        users = [s.id for s in self.segments.values() if InSegment(segment_id) in set(s.walk())]
        if users:
            raise SegmentError.at("in_segment", f"segment {segment_id!r} is used by {', '.join(users)}")
        if self.segments.pop(segment_id, None) is None:
            raise NotFound(segment_id)

    def create_list(self, list_id: str, contact_ids) -> None:
        self.lists[list_id] = set(contact_ids)
        self._write_lists()

    def sql(self, doc: dict, as_of: datetime) -> str:
        segment = Segment.from_dict(doc)
        validate(segment, self.catalog, self.segments.__getitem__)
        expr = CompileContext(self.catalog, self.segments.__getitem__, "clickhouse").members(segment, as_of)
        return ibis.to_sql(expr, dialect="clickhouse")

    def members(self, doc: dict, as_of: datetime) -> list[str]:
        result = self.session.query(self.sql(doc, as_of), "Arrow")
        table = pa.ipc.open_file(pa.py_buffer(result.bytes())).read_all() if result.bytes() else None
        return sorted(table.column("contact_id").to_pylist()) if table is not None else []
