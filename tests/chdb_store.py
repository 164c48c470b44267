"""ClickHouse in the test matrix, through chdb (the in-process ClickHouse engine).

No ClickHouse server runs here, so this store keeps the test data in a chdb session with
the product's MergeTree layout (``workbench.store.clickhouse``), compiles segments with
the product's compiler for the ClickHouse dialect, and runs the generated SQL there. It
offers the Workspace methods of evaluation and ``append`` (rows checked by the product's
importer, so the engine gets exactly the rows a Workspace would keep), so that the tests
of evaluation run on ClickHouse as on every other engine: ``tests/conftest.py`` opens it
for the backend ``"clickhouse"``.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import chdb.session
import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.errors import NotFound, SegmentError
from workbench.expr.catalog import Catalog, EventType, Field
from workbench.expr.compile import contacts_schema
from workbench.expr.context import CompileContext
from workbench.expr.rules import InSegment, Segment
from workbench.expr.validate import validate
from workbench.schema import SCOPE_TABLE
from workbench.store.clickhouse import create_table
from workbench.store.importer import prepare_table
from workbench.store.ingestion import _rows_table
from workbench.store.schema import CONTACTS, EVENTS, IDENTITIES, LIST_MEMBERS

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


@dataclass(frozen=True)
class Appended:
    """What ``ChdbStore.append`` refused, as ``ImportReport.rejects`` says it."""

    rejects: tuple[tuple[int, str], ...]


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
        self.dialect = "clickhouse"
        self.tables: dict[str, pa.Table] = {}

    # --- data ---------------------------------------------------------------------------

    def load_tables(self, tables: dict[str, pa.Table], custom: tuple[Field, ...], events: dict[str, EventType]) -> None:
        self.custom, self.events, self.tables = custom, events, dict(tables)
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

    def set_decimal_properties(self, keys) -> None:
        self.decimal_properties = frozenset(keys)

    def append(self, kind: str, rows: list[dict]) -> Appended:
        """Rows checked by the product's importer (its rejects in the answer), then stored
        as a Workspace stores them: a contact replaces the one of its id, an event whose
        id is stored is skipped, the catalog learns the events' names and properties."""
        prepared = prepare_table(kind, _rows_table(rows), custom_fields={f.name: f.type for f in self.custom})
        new = prepared.table
        if kind == "contacts":
            old = self.tables.get("contacts", CONTACTS.to_pyarrow().empty_table())
            fresh = set(new["contact_id"].to_pylist())
            kept = [r for r in old.to_pylist() if r["contact_id"] not in fresh]
            self.tables["contacts"] = pa.Table.from_pylist(kept + new.to_pylist(), schema=new.schema)
        elif kind == "events":
            old = self.tables.get("events", EVENTS.to_pyarrow().empty_table())
            stored = set(old["event_id"].to_pylist())
            rows = [r for r in new.to_pylist() if r["event_id"] not in stored]
            self.tables["events"] = pa.concat_tables([old, pa.Table.from_pylist(rows, schema=old.schema)])
            links = self.tables.get("identities", IDENTITIES.to_pyarrow().empty_table())
            self.tables["identities"] = pa.concat_tables([links, prepared.links.cast(links.schema)])
            for name, properties in prepared.learned.items():
                known = self.events.get(name) or EventType(name, prepared.sources[name], {})
                self.events[name] = EventType(name, known.source, {**properties, **known.properties})
        else:
            raise NotImplementedError(kind)
        self.load_tables(self.tables, self.custom, self.events)
        return Appended(tuple((r.line, r.reason) for r in prepared.rejects))

    def table(self, name: str) -> pa.Table:
        """A table as the engine holds it."""
        table = self._arrow(f"SELECT * FROM {name}")
        return table if table is not None else pa.table({})

    def close(self) -> None:
        """The session is shared by every store of the process: nothing to close."""

    # --- evaluation, as a Workspace answers it ----------------------------------------------

    def _context(self) -> CompileContext:
        return CompileContext(self.catalog, self.segments.__getitem__, "clickhouse")

    def _segment(self, ref: dict | Segment) -> Segment:
        segment = ref if isinstance(ref, Segment) else Segment.from_dict(ref)
        validate(segment, self.catalog, self.segments.__getitem__)
        return segment

    def _arrow(self, sql: str) -> pa.Table | None:
        result = self.session.query(sql, "Arrow")
        return pa.ipc.open_file(pa.py_buffer(result.bytes())).read_all() if result.bytes() else None

    def query(self, sql: str) -> pd.DataFrame:
        table = self._arrow(sql)
        return table.to_pandas() if table is not None else pd.DataFrame()

    def sql(self, ref: dict | Segment, as_of: datetime) -> str:
        return ibis.to_sql(self._context().members(self._segment(ref), as_of), dialect="clickhouse")

    def members(self, ref: dict | Segment, as_of: datetime) -> list[str]:
        """Through the single-segment path (its SQL template), as ``Workspace.members``."""
        table = self._arrow(self._context().members_sql(self._segment(ref), as_of))
        return sorted(table.column("contact_id").to_pylist()) if table is not None else []

    def membership(self, refs: dict[str, dict | Segment], as_of: datetime, scope: set[str] | None = None) -> pa.Table:
        """As ``Workspace.membership``; with ``scope``, of those contacts only (listed in the
        scope table the compiled SQL reads)."""
        keys = list(refs)
        chosen = {f"s{i}": self._segment(refs[key]) for i, key in enumerate(keys)}
        if scope is not None:
            self.session.query(f"CREATE TABLE IF NOT EXISTS {SCOPE_TABLE} (contact_id String) ENGINE = Memory")
            self.session.query(f"TRUNCATE TABLE {SCOPE_TABLE}")
            self._insert(SCOPE_TABLE, pa.table({"contact_id": pa.array(sorted(scope), pa.string())}))
        table = self._arrow(self._context().many_sql(chosen, as_of, scoped=scope is not None))
        schema = pa.schema([("contact_id", pa.string()), *((key, pa.bool_()) for key in keys)])
        if table is None:
            return schema.empty_table()
        columns = [table["contact_id"].cast(pa.string()), *(table[f"s{i}"].cast(pa.bool_()) for i in range(len(keys)))]
        return pa.table(columns, schema=schema).sort_by("contact_id")

    def counts(self, refs: dict[str, dict | Segment], as_of: datetime) -> dict[str, int]:
        keys = list(refs)
        chosen = {f"s{i}": self._segment(refs[key]) for i, key in enumerate(keys)}
        line = self.session.query(self._context().counts_sql(chosen, as_of), "CSV").bytes().decode().strip()
        return {key: int(n) for key, n in zip(keys, line.split(","), strict=True)}
