"""The workspace: one store, its catalog, its segment library, and segment evaluation.

``wb.connect(url)`` returns a :class:`Workspace`; the CLI, the widgets, the web app and
the notebooks all go through it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
from ibis.backends import BaseBackend

from workbench.csvsafe import write_csv
from workbench.errors import NotFound, SegmentError, WorkbenchError
from workbench.expr.catalog import Catalog, Field
from workbench.expr.compile import SCOPE_TABLE, compile_segment, count_columns, many_sql, segment_sql
from workbench.expr.rules import SLUG_RE, Rule, Segment, as_rule
from workbench.expr.timeutil import parse_instant, zone
from workbench.expr.validate import validate
from workbench.expr.wrap import count_of, sorted_by_contact
from workbench.store import catalog_store, changes, clickhouse, library, staging, upgrade
from workbench.store.catalog_store import VERSIONS_TABLE
from workbench.store.connection import Connector, StoreURL, transaction
from workbench.store.layout import (
    compact_events,
    events_since_compaction,
    ordered,
    stored_in_order,
    worth_compacting,
)
from workbench.store.schema import CANONICAL
from workbench.store.statements import analyze, create_index, delete_matching, fetch_rows, insert_rows
from workbench.store.tables import INTERNAL, LIST_MEMBERS

if TYPE_CHECKING:
    from workbench.store.importer import Prepared

log = logging.getLogger(__name__)

SegmentLike = Segment | Rule | dict | str | Path

# Bulk loads change the data's shape; PostgreSQL plans segment queries from statistics.
ANALYZE_AFTER_ROWS = 1000

# What segment evaluation looks up on PostgreSQL: a contact's events in time order, events
# of a name in a window, anonymous events to stitch, and the links to stitch them with.
POSTGRES_INDEXES = (
    ("events", ("contact_id", "ts")),
    ("events", ("name", "ts")),
    ("events", ("anonymous_id",)),
    ("identities", ("anonymous_id", "linked_at")),
    (LIST_MEMBERS.name, LIST_MEMBERS.key),
)


@dataclass(frozen=True)
class ImportReport:
    """What an import stored and what it refused."""

    kind: str
    rows_read: int
    stored: int
    updated: int
    already_stored: int
    duplicates_in_file: int
    rejected: int
    rejects_path: Path | None
    links: int = 0
    rejects: tuple[tuple[int, str], ...] = ()  # (line or row position, reason)

    def summary(self) -> str:
        parts = [f"{self.kind}: {self.rows_read} rows read, {self.stored} stored"]
        if self.updated:
            parts.append(f"{self.updated} updated")
        if self.already_stored:
            parts.append(f"{self.already_stored} already stored")
        if self.duplicates_in_file:
            parts.append(f"{self.duplicates_in_file} duplicates in the file")
        if self.links:
            parts.append(f"{self.links} identity links")
        if self.rejected:
            parts.append(f"{self.rejected} rejected" + (f" (see {self.rejects_path})" if self.rejects_path else ""))
        return ", ".join(parts)


def _as_of(value: datetime | str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    if isinstance(value, str):
        return parse_instant(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class Workspace:
    """A store of contacts and events with its segment library."""

    def __init__(self, url: str | None = None) -> None:
        self.url = StoreURL.parse(url)
        self.connector = Connector(self.url)
        self._ready = False
        self._versioned = False

    def __repr__(self) -> str:
        return f"Workspace({self.url.url!r})"

    def close(self) -> None:
        self.connector.close()

    @contextmanager
    def hold(self, write: bool = False) -> Iterator[Workspace]:
        """Run many operations on one connection (see ``Connector.hold``)."""
        with self.connector.hold(write):
            yield self

    # --- schema -------------------------------------------------------------------------

    def init(self) -> None:
        """Create every table that does not exist yet (idempotent)."""
        required = set(CANONICAL) | set(INTERNAL) | ({VERSIONS_TABLE} if self.dialect != "clickhouse" else set())
        if self.url.path is not None and self.url.path.exists():
            with self.connector.reading() as con:
                if required <= set(con.list_tables()) and not upgrade.outdated(con):
                    return
        with self.connector.writing() as con:
            if "events" in con.list_tables() and self.dialect != "clickhouse":
                with transaction(con):
                    upgrade.upgrade(con)
            catalog_store.ensure_versions(con)
            existing = set(con.list_tables())
            for name, schema in {**CANONICAL, **INTERNAL}.items():
                if name in existing:
                    continue
                if self.dialect == "clickhouse":
                    con.raw_sql(clickhouse.create_table(name, schema))
                else:
                    con.create_table(name, schema=schema)
                log.info("created table %s", name)
            if self.dialect == "postgres":
                for index in POSTGRES_INDEXES:
                    create_index(con, *index)

    def _check_ready(self, con: BaseBackend) -> None:
        if self._ready:
            return
        tables = set(con.list_tables())
        missing = [n for n in (*CANONICAL, *INTERNAL) if n not in tables]
        self._ready = not missing
        self._versioned = VERSIONS_TABLE in tables
        if missing:
            raise WorkbenchError(
                f"the store {self.url.url} is not initialised (missing {', '.join(missing)}); run 'workbench init'"
            )

    # --- catalog --------------------------------------------------------------------------

    def _state(self, con: BaseBackend, keep: bool = True) -> tuple[Catalog, dict[str, library.SavedSegment]]:
        """The catalog and the segment library: from this process's cache when the store's
        version counters say nobody changed them since (one tiny read instead of five).
        ``keep=False`` (inside a write) does not store what it read in the cache."""
        self._check_ready(con)
        versions = catalog_store.read_versions(con) if self._versioned else None
        key = None if versions is None else tuple(versions[k] for k in ("epoch", "catalog", "library", "lists"))
        cached = _STATE_CACHE.get(self.url.url)
        if key is not None and cached is not None and cached[0] == key:
            return cached[1], dict(cached[2])
        segments = library.load_segments(con)
        catalog = catalog_store.read_catalog(con, frozenset(segments), library.list_ids(con))
        if key is not None and keep:
            _STATE_CACHE[self.url.url] = (key, catalog, dict(segments))
        return catalog, segments

    def versions(self) -> dict[str, int]:
        """The store's change counters: ``catalog``, ``library``, ``lists``, ``data`` (each
        bumped by every write of that kind, by any process) and ``epoch`` (random per store).
        One tiny query: poll it to notice new data or changed segments."""
        with self.connector.reading() as con:
            self._check_ready(con)
            if not self._versioned and catalog_store.has_versions(con):
                self._versioned = VERSIONS_TABLE in con.list_tables()  # made since by a writer
            versions = catalog_store.read_versions(con) if self._versioned else None
        return versions or {**dict.fromkeys(catalog_store.VERSION_KEYS, 0), "epoch": 0}

    @property
    def catalog(self) -> Catalog:
        """Every field, event and property a segment may name, with types."""
        with self.connector.reading() as con:
            return self._state(con)[0]

    def add_field(self, name: str, type: str, label: str | None = None, description: str = "") -> Field:
        """Register a typed custom contact field (a new ``contacts`` column)."""
        with self.connector.writing() as con, transaction(con):
            field = catalog_store.register_field(
                con, name, type, label or name.replace("_", " ").capitalize(), description
            )
        log.info("added custom field %s (%s)", name, type)
        return field

    def set_timezone(self, name: str) -> None:
        """Set the workspace time zone used for calendar rules (default UTC)."""
        zone(name)
        with self.connector.writing() as con, transaction(con):
            catalog_store.write_setting(con, "timezone", name)
            catalog_store.bump(con, "catalog")

    def set_decimal_properties(self, keys: Iterable[str]) -> None:
        """Declare which ``properties`` keys hold amounts of money (say ``price``,
        ``refund_amount``): segments then read their numbers as exact decimals of four
        places, as they read the ``amount`` column, on every engine."""
        keys = sorted(set(keys))
        with self.connector.writing() as con, transaction(con):
            catalog_store.write_setting(con, catalog_store.DECIMAL_SETTING, json.dumps(keys))
            catalog_store.bump(con, "catalog")
        log.info("decimal properties: %s", ", ".join(keys) or "none")

    # --- segments -------------------------------------------------------------------------

    def _resolve(self, ref: SegmentLike, segments: dict[str, library.SavedSegment]) -> Segment:
        if isinstance(ref, Segment):
            return ref
        if isinstance(ref, dict):
            return Segment.from_dict(ref)
        if isinstance(ref, (str, Path)):
            text = str(ref)
            if isinstance(ref, Path) or text.endswith(".json") or "/" in text:
                return load_document(Path(text))
            if text in segments:
                return segments[text].segment
            raise NotFound(f"no saved segment {text!r}; saved segments: {', '.join(sorted(segments)) or 'none'}")
        return Segment("adhoc", "Ad-hoc rule", as_rule(ref))

    def segment(self, ref: SegmentLike) -> Segment:
        """A saved segment by id, a document by path, or a dict/Rule made into a Segment."""
        with self.connector.reading() as con:
            return self._resolve(ref, self._state(con)[1])

    def validate(self, ref: SegmentLike) -> Segment:
        """Check a segment against the catalog; raises SegmentError with JSON paths."""
        with self.connector.reading() as con:
            catalog, segments = self._state(con)
            segment = self._resolve(ref, segments)
            validate(segment, catalog, lambda sid: segments[sid].segment)
            return segment

    def save_segment(self, ref: SegmentLike) -> Segment:
        """Validate and store a segment in the library (replacing one with the same id)."""
        with self.connector.writing() as con, transaction(con):
            catalog, segments = self._state(con, keep=False)
            segment = self._resolve(ref, segments)
            validate(segment, catalog, lambda sid: segments[sid].segment if sid != segment.id else segment)
            library.store_segment(con, segment, segments.get(segment.id))
        log.info("saved segment %s", segment.id)
        return segment

    def segments(self) -> list[library.SavedSegment]:
        """The library, ordered by id."""
        with self.connector.reading() as con:
            return [s for _, s in sorted(self._state(con)[1].items())]

    def delete_segment(self, segment_id: str) -> None:
        """Delete a saved segment; refused while another segment references it."""
        with self.connector.writing() as con, transaction(con):
            segments = self._state(con, keep=False)[1]
            if segment_id not in segments:
                raise NotFound(f"no saved segment {segment_id!r}")
            users = library.referrers(segments, segment_id)
            if users:
                raise WorkbenchError(f"segment {segment_id!r} is used by {', '.join(users)}; change those first")
            library.delete_segment(con, segment_id)
        log.info("deleted segment %s", segment_id)

    # --- evaluation -----------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        """The SQL engine of this store: ``duckdb``, ``postgres`` or ``clickhouse``."""
        return self.url.kind

    def _compiled(
        self, ref: SegmentLike, as_of: datetime | str | None, dialect: str | None = None
    ) -> tuple[Segment, ir.Table]:
        """Validate and compile to an Ibis expression. Only reading the catalog holds the
        store: compiling takes Ibis tens of milliseconds, and a DuckDB file's writers wait
        for every reader."""
        with self.connector.reading() as con:
            catalog, segments = self._state(con)
        segment = self._resolve(ref, segments)
        resolve = lambda sid: segments[sid].segment  # noqa: E731
        validate(segment, catalog, resolve)
        expr = compile_segment(
            segment, catalog=catalog, as_of=_as_of(as_of), resolve=resolve, dialect=dialect or self.dialect
        )
        return segment, expr

    def _members_sql(self, ref: SegmentLike, as_of: datetime | str | None, dialect: str | None = None) -> str:
        """Validate, and the SQL of the members (from this process's cache of compiled SQL)."""
        with self.connector.reading() as con:
            catalog, segments = self._state(con)
        segment = self._resolve(ref, segments)
        resolve = lambda sid: segments[sid].segment  # noqa: E731
        validate(segment, catalog, resolve)
        return segment_sql(
            segment, catalog=catalog, as_of=_as_of(as_of), resolve=resolve, dialect=dialect or self.dialect
        )

    def expr(self, ref: SegmentLike, as_of: datetime | str | None = None) -> ir.Table:
        """The unbound Ibis table of members (one ``contact_id`` column)."""
        return self._compiled(ref, as_of)[1]

    def count(self, ref: SegmentLike, as_of: datetime | str | None = None) -> int:
        """How many contacts are members at ``as_of`` (default now)."""
        return self.count_timed(ref, as_of)[0]

    def count_timed(self, ref: SegmentLike, as_of: datetime | str | None = None) -> tuple[int, float]:
        """The count and the query time alone, in milliseconds."""
        with self.connector.hold() as con:  # one connection for state and query
            sql = count_of(self._members_sql(ref, as_of))
            started = time.perf_counter()
            count = int(run_sql(con, sql)[0][0])
            return count, (time.perf_counter() - started) * 1000

    def members(self, ref: SegmentLike, as_of: datetime | str | None = None) -> list[str]:
        """The member contact ids, sorted."""
        with self.connector.hold() as con:
            sql = sorted_by_contact(self._members_sql(ref, as_of))
            return [row[0] for row in run_sql(con, sql)]

    def members_table(
        self, ref: SegmentLike, as_of: datetime | str | None = None, columns: Iterable[str] = ()
    ) -> pa.Table:
        """Members with the chosen ``contacts`` columns, as Arrow."""
        cols = list(columns)
        with self.connector.hold() as con:
            sql = self._members_sql(ref, as_of)
            expr = con.sql(sql, schema=MEMBERS_SCHEMA)
            if cols:
                contacts = con.table("contacts")
                expr = expr.join(contacts.select("contact_id", *cols), "contact_id")
            return con.to_pyarrow(expr.order_by("contact_id"))

    def _many_sql(
        self, refs: Iterable[SegmentLike] | Mapping[str, SegmentLike], as_of: datetime | str | None, **finish: Any
    ) -> tuple[list[str], str]:
        """Validate every segment; the keys and the SQL of their one shared pass, with
        columns ``s0``, ``s1``… in the keys' order."""
        with self.connector.reading() as con:
            catalog, segments = self._state(con)
        resolve = lambda sid: segments[sid].segment  # noqa: E731
        chosen: dict[str, Segment] = {}
        items = refs.items() if isinstance(refs, Mapping) else ((None, ref) for ref in refs)
        for key, ref in items:
            segment = self._resolve(ref, segments)
            validate(segment, catalog, resolve)
            chosen[key if key is not None else ref if isinstance(ref, str) else segment.id] = segment
        keys = list(chosen)
        sql = many_sql(
            {f"s{i}": chosen[key] for i, key in enumerate(keys)},
            catalog=catalog,
            as_of=_as_of(as_of),
            resolve=resolve,
            dialect=self.dialect,
            **finish,
        )
        return keys, sql

    def counts(
        self, refs: Iterable[SegmentLike] | Mapping[str, SegmentLike], as_of: datetime | str | None = None
    ) -> dict[str, int]:
        """How many members each segment has at ``as_of``, in one query that reads
        ``events`` once for all of them. Keys: the mapping's keys, or each reference as
        given (an id or a path) or the segment's id."""
        with self.connector.hold() as con:
            keys, sql = self._many_sql(refs, as_of, finish=count_columns, finish_key="count")
            if not keys:
                return {}
            row = run_sql(con, sql)[0]
        return {key: int(n or 0) for key, n in zip(keys, row, strict=True)}

    def membership(
        self,
        refs: Iterable[SegmentLike] | Mapping[str, SegmentLike],
        as_of: datetime | str | None = None,
        scope: Iterable[str] | None = None,
    ) -> pa.Table:
        """``contact_id`` and a boolean column per segment (named as in :meth:`counts`), for
        every contact that is a member of at least one, ordered by ``contact_id``; one query
        that reads ``events`` once. With ``scope``, only those contacts are evaluated (and
        only their events read)."""
        with self.connector.hold() as con:
            keys, sql = self._many_sql(refs, as_of, scoped=scope is not None)
            schema = pa.schema([("contact_id", pa.string()), *((key, pa.bool_()) for key in keys)])
            if not keys:
                return schema.empty_table()
            with staging.contact_scope(con, SCOPE_TABLE, scope):
                rows = run_sql(con, sorted_by_contact(sql))
        columns = list(zip(*rows, strict=True)) if rows else [()] * (len(keys) + 1)
        return pa.table(
            [pa.array(columns[0], pa.string()), *(pa.array([bool(v) for v in c], pa.bool_()) for c in columns[1:])],
            schema=schema,
        )

    def sql(self, ref: SegmentLike, dialect: str | None = None, as_of: datetime | str | None = None) -> str:
        """The SQL that evaluates the segment, in a dialect (default: this store's)."""
        return self._members_sql(ref, as_of, dialect or self.dialect)

    # --- static lists -----------------------------------------------------------------------

    def create_list(
        self,
        list_id: str,
        contact_ids: Iterable[str],
        name: str | None = None,
        description: str | None = None,
        origin: str | None = None,
    ) -> None:
        """Store a static list (replacing one with the same id)."""
        if not SLUG_RE.match(list_id):
            raise WorkbenchError(f"{list_id!r} is not a valid list id (lower-case letters, digits, '_' and '-')")
        ids = list(contact_ids)
        with self.connector.writing() as con, transaction(con):
            library.store_list(con, list_id, ids, name=name or list_id, description=description, origin=origin)
        log.info("stored list %s with %d contacts", list_id, len(set(ids)))

    def snapshot(self, ref: SegmentLike, list_id: str, as_of: datetime | str | None = None) -> int:
        """Freeze a segment's current members into a static list; returns its size."""
        at = _as_of(as_of)
        segment = self.segment(ref)
        members = self.members(segment, at)
        self.create_list(list_id, members, name=segment.name, origin=f"snapshot of {segment.id} at {at.isoformat()}")
        return len(members)

    def lists(self) -> list[library.ListInfo]:
        with self.connector.reading() as con:
            return library.load_lists(con)

    def list_members(self, list_id: str) -> list[str]:
        with self.connector.reading() as con:
            return library.list_members(con, list_id)

    # --- import ---------------------------------------------------------------------------

    def import_file(
        self,
        kind: str,
        path: str | Path | Sequence[str | Path],
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        """Import contacts, events or identities from CSV or Parquet (SPEC §2): one file, or
        several as one import (the parts of an export).

        Bad rows go to ``<file>.rejects.csv`` with their line and reason; good rows are
        stored in one transaction; rows already stored are not stored again. Memory follows
        a chunk of a file, not the files: their rows are staged on disk beside the store.
        """
        if kind not in CANONICAL:
            raise WorkbenchError(f"cannot import {kind!r}; use contacts, events or identities")
        from workbench.store.importer import prepare  # pulls in the staging engine only when importing

        paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
        catalog = self.catalog
        directory = staging.staging_directory(self.url.path)
        try:
            prepared = prepare(
                kind,
                paths,
                custom_fields={f.name: f.type for f in catalog.custom_fields},
                progress=progress,
                stage_in=directory,
            )
            written = [write_rejects(p, prepared) for p in paths if any(r.file in (None, p) for r in prepared.rejects)]
            rejects_path = written[0] if written else None
            report = self.store_prepared(prepared, rejects_path)
        finally:
            staging.remove(directory)
        log.info("import %s", report.summary())
        return report

    def append(
        self, kind: str, rows: list[dict] | pa.Table, *, label: str = "request", atomic: bool = False
    ) -> ImportReport:
        """Store rows given in memory (API requests, send logs), checked as an import file is.

        ``rows`` are dicts of SPEC §1 columns (for events, unknown keys go to ``properties``;
        a ``properties`` dict is stored as JSON). Bad rows are reported, never stored. With
        ``atomic``, one bad row means no row is stored (the report still lists every bad row).
        """
        from workbench.store.importer import prepare_table

        table = rows if isinstance(rows, pa.Table) else _rows_table(rows)
        custom = {f.name: f.type for f in self.catalog.custom_fields} if kind == "contacts" else None
        prepared = prepare_table(kind, table, label=label, custom_fields=custom)
        if atomic and prepared.rejects:
            rejects = tuple((r.line, r.reason) for r in prepared.rejects)
            return ImportReport(kind, prepared.rows_read, 0, 0, 0, 0, len(rejects), None, 0, rejects)
        return self.store_prepared(prepared)

    def store_prepared(
        self,
        prepared: Prepared,
        rejects_path: Path | None = None,
        also: Callable[[BaseBackend], None] | None = None,
    ) -> ImportReport:
        """Store rows made ready by the importer (or the sample generator) in one transaction.

        ``also`` runs inside that transaction after the rows are stored (the collector's
        loader records there how far it has read its journal: both commit, or neither)."""
        kind, stage = prepared.kind, f"_stage_{prepared.kind}"
        updated = links = 0
        remember: Callable[[], None] = lambda: None  # noqa: E731
        with (
            self.connector.writing() as con,
            staging.stage(con, stage, prepared) as staged,
            transaction(con),
        ):
            self._check_ready(con)
            target = con.table(kind)
            key = {
                "contacts": ["contact_id"],
                "events": ["event_id"],
                "identities": ["anonymous_id", "contact_id"],
            }[kind]
            fresh = staged.anti_join(_keys_also_in(target, staged, key), key)
            # what the watcher re-evaluates: listed for a small write, "anything" for a big one
            touched = None if prepared.rows > changes.MANY else con.to_pyarrow(_touched(kind, staged, fresh))
            if kind == "contacts":
                stored = int(con.execute(fresh.count()))
                updated = prepared.rows - stored
                rows = _keep_unsupplied(staged, target, prepared.columns) if updated else staged
                if updated:
                    merged = f"{stage}_merged"
                    con.create_table(merged, rows, temp=True, overwrite=True)
                    rows = con.table(merged)
                    delete_matching(con, "contacts", "contact_id", staged)
                insert_rows(con, "contacts", rows)
            else:  # counted as the rows the table gained: the anti-join runs once
                before = int(con.execute(target.count()))
                insert_rows(con, kind, ordered(fresh) if kind == "events" else fresh)
                stored = int(con.execute(target.count())) - before
                if kind == "events" and not before:
                    stored_in_order(con, stored)
            if kind == "events":
                links = self._store_links(con, prepared.links)
                remember = catalog_store.learn_events(
                    con, prepared.learned, prepared.sources, prepared.names, prepared.anonymous
                )
            if self.dialect == "postgres" and stored >= ANALYZE_AFTER_ROWS:
                analyze(con, kind)
            if stored or updated or links:
                catalog_store.bump(con, "data")  # in this transaction: watchers see rows, not a promise
                changes.record(con, touched)
            if also is not None:
                also(con)
        remember()  # the catalog as this write left it, now that it is committed
        return ImportReport(
            kind,
            prepared.rows_read,
            stored,
            updated,
            prepared.rows - stored - updated,
            prepared.duplicates_in_file,
            len(prepared.rejects),
            rejects_path,
            links,
            tuple((r.line, r.reason) for r in prepared.rejects),
        )

    @staticmethod
    def _store_links(con: BaseBackend, links: pa.Table) -> int:
        if links.num_rows == 0:
            return 0
        staged = ibis.memtable(links)
        fresh = staged.anti_join(con.table("identities"), ["anonymous_id", "contact_id"])
        count = int(con.execute(fresh.count()))
        if count:
            con.insert("identities", fresh)
        return count

    def compact(self, if_needed: bool = False) -> int:
        """Rewrite ``events`` in (name, time) order, the order segment queries read them
        by (see :mod:`workbench.store.layout`); the number of events rewritten, 0 on
        engines that keep their own order. Holds the store for writing meanwhile: about a
        minute for 20 million events. ``if_needed``: only when at least a tenth of the
        events arrived since the last compaction (see :meth:`events_since_compaction`)."""
        if if_needed and self.dialect == "duckdb" and not worth_compacting(*self.events_since_compaction()):
            return 0
        spill = self.connector.own_connection
        with self.connector.writing() as con, transaction(con):
            self._check_ready(con)
            return compact_events(con, spill=spill)

    def events_since_compaction(self) -> tuple[int, int]:
        """(events stored since the last :meth:`compact`, events in all)."""
        with self.connector.reading() as con:
            return events_since_compaction(con)

    # --- moving data between stores ----------------------------------------------------

    def export(self, directory: str | Path) -> dict[str, Path]:
        """Write contacts, events and identities as Parquet (JSON as text) and the segment
        library as JSON documents, for ``workbench import`` into another store."""
        out = Path(directory)
        (out / "segments").mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        with self.connector.reading() as con:
            for name in CANONICAL:
                table = con.table(name)
                portable = table.mutate(
                    **{c: table[c].cast("string") for c, t in table.schema().items() if t.is_json()}
                )
                written[name] = out / f"{name}.parquet"
                con.to_parquet(portable, written[name])
        for saved in self.segments():
            path = out / "segments" / f"{saved.id}.json"
            path.write_text(json.dumps(saved.segment.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        log.info("exported %s to %s", ", ".join(written), out)
        return written

    # --- helpers for callers ------------------------------------------------------------

    def table(self, name: str) -> pa.Table:
        """A whole table as Arrow (for small tables and tests)."""
        with self.connector.reading() as con:
            return con.to_pyarrow(con.table(name))

    def query(self, build: Callable[[BaseBackend], ir.Expr] | str) -> Any:
        """Run an Ibis expression built from this store's tables, or SQL text (compiled
        segments are SQL: see ``workbench.expr.template``), on a read connection. SQL text
        gives a pandas DataFrame."""
        with self.connector.reading() as con:
            if isinstance(build, str):
                return query_frame(con, build)
            return con.execute(build(con))


# Per process and store URL: (version key, catalog, saved segments) as last read.
_STATE_CACHE: dict[str, tuple[tuple, Catalog, dict[str, library.SavedSegment]]] = {}

MEMBERS_SCHEMA = ibis.schema({"contact_id": "string"})


def run_sql(con: BaseBackend, sql: str) -> list[tuple]:
    """Rows of a query given as SQL text, run on the backend's own connection.

    Compiled segments are SQL text (see ``workbench.expr.template``); wrapping them in
    Ibis again would cost the compile time the cache saves.
    """
    return fetch_rows(con, sql)[1]


def query_frame(con: BaseBackend, sql: str) -> pd.DataFrame:
    """The result of SQL text as a DataFrame."""
    columns, rows = fetch_rows(con, sql)
    return pd.DataFrame(rows, columns=columns)


def _touched(kind: str, staged: ir.Table, fresh: ir.Table) -> ir.Table:
    """The contacts (or anonymous ids) a write of ``kind`` touches: of its new events and new
    identity links, and of every contact row written (new or updated)."""
    if kind == "contacts":
        return staged.select("contact_id", anonymous_id=ibis.null(dt.string)).distinct()
    return fresh.select("contact_id", "anonymous_id").distinct()


def _keys_also_in(target: ir.Table, staged: ir.Table, key: list[str]) -> ir.Table:
    """The keys of ``target`` that ``staged`` has too. Filtered by the staged keys, so the
    engine builds its hash table from the rows being stored, not from the whole store: an
    import's memory follows its file however big the store grows."""
    keys = target.select(*key)
    return keys.filter(keys[key[0]].isin(staged[key[0]])) if len(key) == 1 else keys


def _keep_unsupplied(staged: ir.Table, stored: ir.Table, supplied: tuple[str, ...]) -> ir.Table:
    """Incoming contacts where a known contact keeps the values of columns the file left out:
    a file of ids and emails updates emails, it does not wipe names and consents."""
    keep = [c for c in stored.columns if c not in supplied and c != "contact_id"]
    if not keep:
        return staged
    old = stored.select("contact_id", *keep).rename(lambda c: f"old_{c}")
    joined = staged.left_join(old, staged.contact_id == old.old_contact_id)
    return joined.select(
        *[
            ibis.cases((joined.old_contact_id.notnull(), joined[f"old_{c}"]), else_=joined[c]).name(c)
            if c in keep
            else joined[c]
            for c in stored.columns
        ]
    )


def _rows_table(rows: list[dict]) -> pa.Table:
    """Arrow text columns from dicts, parsed by the importer as a CSV file's would be."""
    names = list(dict.fromkeys(k for r in rows for k in r))
    return pa.table({name: pa.array([_as_text(r.get(name)) for r in rows], pa.string()) for name in names})


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return str(value)


def load_document(path: Path) -> Segment:
    """Read a segment JSON file; a malformed file names the file and the JSON problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NotFound(f"no such segment file: {path}") from exc
    except json.JSONDecodeError as exc:
        raise SegmentError.at(
            "document", f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:  # the JSON parser's own limit, far beyond MAX_DEPTH
        raise SegmentError.at("document", f"{path} nests JSON too deeply to be a segment") from exc
    return Segment.from_dict(data)


def write_rejects(path: Path, prepared: Prepared) -> Path:
    """``<file>.rejects.csv``: line, reason and the row's original values, of the rejects in
    ``path`` (a reject names its file when an import reads several)."""
    out = path.with_name(path.name + ".rejects.csv")
    rejects = [r for r in prepared.rejects if r.file in (None, path)]
    columns = sorted({k for r in rejects for k in r.raw})
    table = pa.table(
        {
            "line": [r.line for r in rejects],
            "reason": [r.reason for r in rejects],
            **{c: [r.raw.get(c) for r in rejects] for c in columns},
        }
    )
    write_csv(table, out)  # the raw values came from someone else's file: formulas neutralised
    return out


def connect(url: str | None = None, *, init: bool = True) -> Workspace:
    """Open the store at ``url`` (default: ``WORKBENCH_DB`` or ``./workbench.duckdb``).

    With ``init`` (the default) missing tables are created.
    """
    workspace = Workspace(url)
    if init:
        workspace.init()
    return workspace
