"""The workspace: one store, its catalog, its segment library, and segment evaluation.

``wb.connect(url)`` returns a :class:`Workspace`; the CLI, the widgets, the web app and
the notebooks all go through it. It is a thin service: segments compile through a
:class:`~workbench.expr.context.CompileContext`, rows are stored by
:mod:`workbench.store.ingestion` and copied out by :mod:`workbench.store.export`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
from ibis.backends import BaseBackend

from workbench.errors import NotFound, SegmentError, WorkbenchError
from workbench.expr.catalog import Catalog, Field
from workbench.expr.context import CompileContext, count_columns
from workbench.expr.labels import Labels
from workbench.expr.rules import SLUG_RE, Rule, Segment, as_rule
from workbench.expr.timeutil import parse_instant, zone
from workbench.expr.validate import validate
from workbench.expr.wrap import count_of, sorted_by_contact
from workbench.i18n import Texts, check_locale, later, texts
from workbench.schema import SCOPE_TABLE
from workbench.store import catalog_store, clickhouse, ingestion, library, staging, upgrade
from workbench.store.catalog_store import VERSIONS_TABLE
from workbench.store.connection import Connector, StoreURL, transaction
from workbench.store.export import export_store
from workbench.store.ingestion import ImportReport
from workbench.store.layout import (
    compact_events,
    events_since_compaction,
    worth_compacting,
)
from workbench.store.schema import CANONICAL
from workbench.store.statements import create_index, fetch_rows
from workbench.store.tables import INTERNAL, LIST_MEMBERS

if TYPE_CHECKING:
    from workbench.store.importer import Prepared

log = logging.getLogger(__name__)

SegmentLike = Segment | Rule | dict | str | Path

# What segment evaluation looks up on PostgreSQL: a contact's events in time order, events
# of a name in a window, anonymous events to stitch, and the links to stitch them with.
POSTGRES_INDEXES = (
    ("events", ("contact_id", "ts")),
    ("events", ("name", "ts")),
    ("events", ("anonymous_id",)),
    ("identities", ("anonymous_id", "linked_at")),
    (LIST_MEMBERS.name, LIST_MEMBERS.key),
)


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

    def require_ready(self, con: BaseBackend) -> None:
        """Raise unless the store's tables exist (checked once per Workspace)."""
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
        self.require_ready(con)
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
            self.require_ready(con)
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

    def set_locale(self, code: str) -> None:
        """Set the language the workspace's app, rule sentences and send prose are written in
        (``en`` or ``pl``; the library and the command line stay in English unless asked)."""
        check_locale(code)
        with self.connector.writing() as con, transaction(con):
            catalog_store.write_setting(con, catalog_store.LOCALE_SETTING, code)
            catalog_store.bump(con, "catalog")

    def set_labels(self, locale: str, labels: Labels) -> None:
        """Add display labels in ``locale`` for this workspace's fields, events and properties
        (over the ones it has; see :mod:`workbench.expr.labels`)."""
        check_locale(locale)
        with self.connector.writing() as con, transaction(con):
            known = catalog_store.read_labels(catalog_store.read_settings(con))
            known[locale] = known.get(locale, Labels()).merged(labels)
            data = {code: found.to_dict() for code, found in sorted(known.items())}
            catalog_store.write_setting(con, catalog_store.LABELS_SETTING, json.dumps(data, ensure_ascii=False))
            catalog_store.bump(con, "catalog")

    @property
    def texts(self) -> Texts:
        """Messages and formats in the workspace's locale and time zone."""
        catalog = self.catalog
        return texts(catalog.locale, catalog.timezone)

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

    def _context(self, dialect: str | None = None) -> tuple[CompileContext, dict[str, library.SavedSegment]]:
        """What segments compile against now (and the saved segments). Only reading the
        catalog holds the store: compiling takes Ibis tens of milliseconds, and a DuckDB
        file's writers wait for every reader."""
        with self.connector.reading() as con:
            catalog, segments = self._state(con)
        context = CompileContext(catalog, lambda sid: segments[sid].segment, dialect or self.dialect)
        return context, segments

    def _compiled(
        self, ref: SegmentLike, as_of: datetime | str | None, dialect: str | None = None
    ) -> tuple[Segment, ir.Table]:
        """Validate and compile to an Ibis expression."""
        context, segments = self._context(dialect)
        segment = self._resolve(ref, segments)
        context.validate(segment)
        return segment, context.members(segment, _as_of(as_of))

    def _members_sql(self, ref: SegmentLike, as_of: datetime | str | None, dialect: str | None = None) -> str:
        """Validate, and the SQL of the members (from this process's cache of compiled SQL)."""
        context, segments = self._context(dialect)
        segment = self._resolve(ref, segments)
        context.validate(segment)
        return context.members_sql(segment, _as_of(as_of))

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
                # the few on the right: see store.connection._planned_as_written
                expr = contacts.select("contact_id", *cols).join(expr, "contact_id")
            return con.to_pyarrow(expr.order_by("contact_id"))

    def _many_sql(
        self, refs: Iterable[SegmentLike] | Mapping[str, SegmentLike], as_of: datetime | str | None, **finish: Any
    ) -> tuple[list[str], str]:
        """Validate every segment; the keys and the SQL of their one shared pass, with
        columns ``s0``, ``s1``… in the keys' order."""
        context, segments = self._context()
        chosen: dict[str, Segment] = {}
        items = refs.items() if isinstance(refs, Mapping) else ((None, ref) for ref in refs)
        for key, ref in items:
            segment = self._resolve(ref, segments)
            context.validate(segment)
            chosen[key if key is not None else ref if isinstance(ref, str) else segment.id] = segment
        keys = list(chosen)
        sql = context.many_sql({f"s{i}": chosen[key] for i, key in enumerate(keys)}, _as_of(as_of), **finish)
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

    def membership_sql(
        self,
        refs: Iterable[SegmentLike] | Mapping[str, SegmentLike],
        as_of: datetime | str | None = None,
        scoped: bool = False,
    ) -> str:
        """The SQL :meth:`membership` runs (``scoped``: with a ``scope``), columns ``s0``,
        ``s1``… in the order of ``refs``."""
        return self._many_sql(refs, as_of, scoped=scoped)[1]

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
        return ingestion.import_file(self, kind, path, progress)

    def append(
        self, kind: str, rows: list[dict] | pa.Table, *, label: str = "request", atomic: bool = False
    ) -> ImportReport:
        """Store rows given in memory (API requests, send logs), checked as an import file is.

        ``rows`` are dicts of SPEC §1 columns (for events, unknown keys go to ``properties``;
        a ``properties`` dict is stored as JSON). Bad rows are reported, never stored. With
        ``atomic``, one bad row means no row is stored (the report still lists every bad row).
        """
        return ingestion.append(self, kind, rows, label=label, atomic=atomic)

    def store_prepared(
        self,
        prepared: Prepared,
        rejects_path: Path | None = None,
        also: Callable[[BaseBackend], None] | None = None,
    ) -> ImportReport:
        """Store rows made ready by the importer (or the sample generator) in one transaction.

        ``also`` runs inside that transaction after the rows are stored (the collector's
        loader records there how far it has read its journal: both commit, or neither)."""
        return ingestion.store_prepared(self, prepared, rejects_path, also)

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
            self.require_ready(con)
            return compact_events(con, spill=spill)

    def events_since_compaction(self) -> tuple[int, int]:
        """(events stored since the last :meth:`compact`, events in all)."""
        with self.connector.reading() as con:
            return events_since_compaction(con)

    # --- moving data between stores ----------------------------------------------------

    def export(self, directory: str | Path) -> dict[str, Path]:
        """Write contacts, events and identities as Parquet (JSON as text) and the segment
        library as JSON documents, for ``workbench import`` into another store."""
        return export_store(self, Path(directory))

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


def load_document(path: Path) -> Segment:
    """Read a segment JSON file; a malformed file names the file and the JSON problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NotFound(f"no such segment file: {path}") from exc
    except json.JSONDecodeError as exc:
        # the parser's own explanation (exc.msg) is English in every language: Python's words
        text = later._(
            "{file} is not valid JSON: {problem} at line {line} column {column}",
            file=str(path),
            problem=exc.msg,
            line=exc.lineno,
            column=exc.colno,
        )
        raise SegmentError.at("document", text) from exc
    except RecursionError as exc:  # the JSON parser's own limit, far beyond MAX_DEPTH
        raise SegmentError.at(
            "document", later._("{file} nests JSON too deeply to be a segment", file=str(path))
        ) from exc
    return Segment.from_dict(data)


def connect(url: str | None = None, *, init: bool = True) -> Workspace:
    """Open the store at ``url`` (default: ``WORKBENCH_DB`` or ``./workbench.duckdb``).

    With ``init`` (the default) missing tables are created.
    """
    workspace = Workspace(url)
    if init:
        workspace.init()
    return workspace
