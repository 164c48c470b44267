"""Storing rows in a store: import files, rows given in memory and batches the importer
prepared, each in one transaction that also records what it touched and bumps the data
version (what the watcher wakes on)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from workbench.csvsafe import write_csv
from workbench.errors import ImportFailed, WorkbenchError
from workbench.store import catalog_store, changes, staging
from workbench.store.connection import transaction
from workbench.store.layout import ordered, stored_in_order
from workbench.store.schema import CANONICAL
from workbench.store.statements import analyze, delete_matching, insert_rows

if TYPE_CHECKING:
    from workbench.store.importer import Prepared
    from workbench.store.workspace import Workspace

log = logging.getLogger(__name__)

# Bulk loads change the data's shape; PostgreSQL plans segment queries from statistics.
ANALYZE_AFTER_ROWS = 1000


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


def import_file(
    ws: Workspace,
    kind: str,
    path: str | Path | Sequence[str | Path],
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import files of one kind as one import (see :meth:`Workspace.import_file`)."""
    if kind not in CANONICAL:
        raise WorkbenchError(f"cannot import {kind!r}; use contacts, events or identities")
    from workbench.store.importer import prepare  # pulls in the staging engine only when importing

    paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
    catalog = ws.catalog
    directory = staging.staging_directory(ws.url.path)
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
        report = store_prepared(ws, prepared, rejects_path)
    except (duckdb.OutOfMemoryException, duckdb.IOException) as exc:
        # the machine's limits (memory, a full disk), not the file's: said in a line, not a traceback
        cause = str(exc).strip().splitlines()[0]
        names = ", ".join(str(p) for p in paths)
        raise ImportFailed(f"{names}: the import stopped: {cause}; nothing was stored") from exc
    finally:
        staging.remove(directory)
    log.info("import %s", report.summary())
    return report


def append(
    ws: Workspace, kind: str, rows: list[dict] | pa.Table, *, label: str = "request", atomic: bool = False
) -> ImportReport:
    """Store rows given in memory (see :meth:`Workspace.append`)."""
    from workbench.store.importer import prepare_table

    table = rows if isinstance(rows, pa.Table) else _rows_table(rows)
    custom = {f.name: f.type for f in ws.catalog.custom_fields} if kind == "contacts" else None
    prepared = prepare_table(kind, table, label=label, custom_fields=custom)
    if atomic and prepared.rejects:
        rejects = tuple((r.line, r.reason) for r in prepared.rejects)
        return ImportReport(kind, prepared.rows_read, 0, 0, 0, 0, len(rejects), None, 0, rejects)
    return store_prepared(ws, prepared)


def store_prepared(
    ws: Workspace,
    prepared: Prepared,
    rejects_path: Path | None = None,
    also: Callable[[BaseBackend], None] | None = None,
) -> ImportReport:
    """Store a prepared batch in one transaction (see :meth:`Workspace.store_prepared`)."""
    kind, stage = prepared.kind, f"_stage_{prepared.kind}"
    updated = links = 0
    remember: Callable[[], None] = lambda: None  # noqa: E731
    with (
        ws.connector.writing() as con,
        staging.stage(con, stage, prepared) as staged,
        transaction(con),
    ):
        ws.require_ready(con)
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
            if kind == "events":  # in the stored order, a slice at a time for a big file
                for part in staging.in_order(con, staged, prepared):
                    # into an empty store nothing can repeat: the file's own repeats are gone
                    # already, and looking each slice up among the slices before it would read
                    # all of them again for every slice
                    fresh_part = part.anti_join(_keys_also_in(target, part, key), key) if before else part
                    insert_rows(con, kind, ordered(fresh_part))
            else:
                insert_rows(con, kind, fresh)
            stored = int(con.execute(target.count())) - before
            if kind == "events" and not before:
                stored_in_order(con, stored)
        if kind == "events":
            links = _store_links(con, prepared.links)
            remember = catalog_store.learn_events(
                con, prepared.learned, prepared.sources, prepared.names, prepared.anonymous
            )
        if ws.dialect == "postgres" and stored >= ANALYZE_AFTER_ROWS:
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


def _store_links(con: BaseBackend, links: pa.Table) -> int:
    if links.num_rows == 0:
        return 0
    staged = ibis.memtable(links)
    key = ["anonymous_id", "contact_id"]
    fresh = staged.anti_join(_keys_also_in(con.table("identities"), staged, key), key)
    count = int(con.execute(fresh.count()))
    if count:
        con.insert("identities", fresh)
    return count


def _touched(kind: str, staged: ir.Table, fresh: ir.Table) -> ir.Table:
    """The contacts (or anonymous ids) a write of ``kind`` touches: of its new events and new
    identity links, and of every contact row written (new or updated)."""
    if kind == "contacts":
        return staged.select("contact_id", anonymous_id=ibis.null(dt.string)).distinct()
    return fresh.select("contact_id", "anonymous_id").distinct()


def _keys_also_in(target: ir.Table, staged: ir.Table, key: list[str]) -> ir.Table:
    """The keys of ``target`` that ``staged`` has too (for a key of several columns, those
    sharing its first). Filtered by the staged keys, so the engine builds its hash table
    from the rows being stored, not from the whole store: a write's time and memory follow
    what it stores however big the store grows."""
    keys = target.select(*key)
    return keys.filter(keys[key[0]].isin(staged[key[0]]))


def _keep_unsupplied(staged: ir.Table, stored: ir.Table, supplied: tuple[str, ...]) -> ir.Table:
    """Incoming contacts where a known contact keeps the values of columns the file left out:
    a file of ids and emails updates emails, it does not wipe names and consents."""
    keep = [c for c in stored.columns if c not in supplied and c != "contact_id"]
    if not keep:
        return staged
    known = stored.filter(stored.contact_id.isin(staged.contact_id))  # not every contact, hashed
    old = known.select("contact_id", *keep).rename(lambda c: f"old_{c}")
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
