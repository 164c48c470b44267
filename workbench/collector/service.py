"""Ingestion into the workspace: what the collector's endpoints call to store data.

Events (from ``/v1/events``, beacons and tracking links) are checked here — by the request
models, the amount type and the naming policy (``policy.Vocabulary``) — and then appended
to this process's journal (``journal.JournalWriter``, group-committed); the answer follows
once they are on disk, and the collector's loader stores them within a second
(``loader.py``). A request is all or nothing: a bad one is refused before it joins a group
and never spoils the others.

Contacts and identity links from ``/v1/contacts`` and ``/v1/identify`` are answered with
what the store holds (created or updated, a new link or not), so they are written directly,
through ``Workspace.append`` with ``atomic=True``, and answered after the commit. That work
runs on one thread per process (``Ingestion.run``): a PostgreSQL workspace shares a single
connection, which must not carry two transactions at once.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pyarrow as pa

from workbench.collector import journal, models
from workbench.collector.journal import JournalWriter
from workbench.collector.policy import Vocabulary
from workbench.collector.rows import (
    Lessons,
    amount_problem,
    event_links,
    events_table,
    ipc_bytes,
    journal_rows,
    links_table,
)
from workbench.errors import ImportFailed, WorkbenchError
from workbench.store.tables import SETTINGS
from workbench.store.workspace import ImportReport, Workspace

log = logging.getLogger(__name__)

T = TypeVar("T")

# Importer reasons read "<column>: <what is wrong>", several joined by "; ".
_REASON_SPLIT = re.compile(r"; (?=[A-Za-z_][A-Za-z0-9_]*: )")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: the item's position (from 0), the field, the message."""

    index: int | None
    field: str
    message: str


class Rejected(WorkbenchError):
    """A request refused as a whole; ``problems`` lists every bad item and field."""

    def __init__(self, summary: str, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(summary)


def store_problems(report: ImportReport, positions: list[int] | None = None) -> list[Problem]:
    """The importer's rejects as problems. ``positions[i]`` is the request index of row i+1."""
    out = []
    for line, reason in report.rejects:
        index = positions[line - 1] if positions else line - 1
        for part in _REASON_SPLIT.split(reason):
            field, _, message = part.partition(": ")
            out.append(Problem(index, field, message) if message else Problem(index, "", part))
    return out


def batch_summary(kind: str, bad: int) -> str:
    """``"2 invalid events; nothing was stored"``: the ``error`` of a refused batch."""
    return f"{bad} invalid {kind if bad != 1 else kind.removesuffix('s')}; nothing was stored"


def _refuse(kind: str, problems: list[Problem]) -> Rejected:
    return Rejected(batch_summary(kind, len({p.index for p in problems})), problems)


# --- turning requests into rows ---------------------------------------------------------------

WEB_COLUMNS = ("category", "product_id", "campaign_id", "channel", "currency", "amount", "quantity")


def event_row(event: models.Event, now: datetime) -> dict[str, Any]:
    """An API event as a row for ``Workspace.append``: fields that are not columns (and
    ``properties``) become one JSON ``properties`` object, keeping their JSON types."""
    row = event.model_dump(exclude={"received_at", "properties"}, exclude_none=True)
    extras = event.model_extra or {}
    for key in extras:
        row.pop(key, None)
    properties = {**(event.properties or {}), **extras}  # a field beside properties wins, as in imports
    if properties:
        row["properties"] = properties
    row["ts"] = event.ts or now
    return row


def web_rows(beacon: models.Beacon, now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A beacon's messages as event rows and identity links.

    Browsers' clocks cannot be trusted, so web events take the collector's time; messages
    of one beacon are a microsecond apart, in the order sent.
    """
    events, links = [], []
    contact = beacon.contact_id
    for i, message in enumerate(beacon.events):
        ts = now + timedelta(microseconds=i)
        if message.type == "identify":
            contact = message.contact_id
            links.append({"anonymous_id": beacon.anonymous_id, "contact_id": contact, "linked_at": ts})
            continue
        properties: dict[str, Any] = dict(message.properties or {})
        # track() has only properties; those named like event columns go to the columns
        promoted = {key: properties.pop(key) for key in WEB_COLUMNS if properties.get(key) is not None}
        for key in ("title", "referrer"):
            if getattr(message, key):
                properties[key] = getattr(message, key)
        row = {
            # namespaced so that ids made up by browsers never meet ids of other sources
            "event_id": f"web-{beacon.anonymous_id}-{message.id}",
            "contact_id": contact,
            "anonymous_id": beacon.anonymous_id,
            "source": "web",
            "name": message.name if message.type == "track" else message.type,
            "ts": ts,
            "url": message.url,
            "category": message.category,
            "duration_s": message.duration_s,
            **promoted,
        }
        if properties:
            row["properties"] = properties
        events.append({k: v for k, v in row.items() if v is not None})
    return events, links


# --- the journal's records ------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    """The rows of one accepted request, on their way to the journal."""

    events: list[dict[str, Any]]
    links: list[dict[str, Any]]


# Rows in a group from which it is journaled as Arrow rather than JSON. Arrow costs ~0.3 ms a
# group however small, and ~10 µs a row less to the loader; under this many rows JSON costs
# less overall, above it converting in the HTTP processes (in parallel) keeps the one loader
# from doing it for big batches.
ARROW_FROM_ROWS = 100


def encode_accepted(items: list[Accepted]) -> bytes:
    """The journal records of a group of accepted requests: a few rows as one ``ROWS``
    record; many as their events in one Arrow table (with what they teach the catalog), then
    the identity links they make."""
    rows = [row for item in items for row in item.events]
    links = [link for item in items for link in item.links]
    if len(rows) < ARROW_FROM_ROWS:
        return journal.encode(journal.ROWS, journal_rows(rows, links))
    lessons = Lessons()
    for row in rows:
        lessons.add(row)
    events = events_table(rows, datetime.now(UTC))
    linked = pa.concat_tables([event_links(events), links_table(links)])
    records = [journal.encode(journal.EVENTS, ipc_bytes(events, {"lessons": lessons.to_json()}))]
    if linked.num_rows:
        records.append(journal.encode(journal.LINKS, ipc_bytes(linked)))
    return b"".join(records)


# --- the service ------------------------------------------------------------------------------


def _property_fields(event: models.Event) -> dict[str, str]:
    """Each property key of an API event, with the field a refusal names: the key itself for
    a field beside the columns (which wins over the same key in ``properties``)."""
    fields = {key: f"properties.{key}" for key in event.properties or {}}
    fields.update({key: key for key in event.model_extra or {}})
    return fields


class Ingestion:
    """Accepts events into the journal, and stores contacts and identity links directly."""

    def __init__(self, workspace: Workspace, journal: JournalWriter[Accepted], vocabulary: Vocabulary) -> None:
        self.ws = workspace
        self.journal = journal
        self.vocabulary = vocabulary
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbench-store")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a store operation on the store thread and wait for it without blocking the loop."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self.ws.close()

    def _append(self, kind: str, rows: list[dict[str, Any]]) -> ImportReport:
        try:
            return self.ws.append(kind, rows, atomic=True)
        except ImportFailed as exc:  # a request the importer cannot read at all
            raise Rejected(str(exc), [Problem(None, "", str(exc))]) from exc

    def _check_names(self, events: list[tuple[int, str, dict[str, str]]], browser: bool) -> list[Problem]:
        return [Problem(r.index, r.field, r.message) for r in self.vocabulary.check(events, browser=browser)]

    async def record_events(self, events: list[models.Event], now: datetime) -> models.EventsAccepted:
        """Accept a batch of events all together, or raise Rejected listing every bad one;
        ``now`` is the time of events without ``ts``."""
        rows = [event_row(e, now) for e in events]
        return await self.record_rows(rows, [(i, e.name, _property_fields(e)) for i, e in enumerate(events)])

    async def record_rows(
        self, rows: list[dict[str, Any]], named: list[tuple[int, str, dict[str, str]]]
    ) -> models.EventsAccepted:
        """Accept checked event rows all together, or raise Rejected listing every bad one.
        ``named`` has each event's name and property keys, with the field a refusal names."""
        problems = [
            Problem(i, "amount", reason) for i, row in enumerate(rows) if (reason := amount_problem(row.get("amount")))
        ]
        if not problems:  # names are counted against the limits only for a request that is accepted
            problems = self._check_names(named, browser=False)
        if problems:
            raise _refuse("events", problems)
        await self.journal.append(Accepted(rows, []))
        return models.EventsAccepted(received=len(rows), accepted=len(rows))

    async def record_web(self, beacon: models.Beacon) -> int:
        """Accept a beacon's events and identity links; returns the events accepted."""
        events, links = web_rows(beacon, datetime.now(UTC))
        named, problems = [], []
        for i, message in enumerate(beacon.events):
            if message.type == "identify":
                continue
            properties = dict(message.properties or {})
            promoted = {key for key in WEB_COLUMNS if properties.get(key) is not None}
            if "amount" in promoted and (reason := amount_problem(properties["amount"])):
                problems.append(Problem(i, "properties.amount", reason))
            keys = [key for key in properties if key not in promoted]
            keys += [key for key in ("title", "referrer") if getattr(message, key)]
            named.append((i, message.name if message.type == "track" else message.type, keys))
        if not problems:
            problems = self._check_names([(i, n, {k: f"properties.{k}" for k in keys}) for i, n, keys in named], True)
        if problems:
            raise Rejected("the beacon is invalid; nothing was stored", problems)
        await self.journal.append(Accepted(events, links))
        return len(events)

    async def record_message_event(
        self, name: str, campaign_id: str, contact_id: str, channel: str, url: str | None
    ) -> None:
        """Accept one messaging event (an open or a click) reported by a tracking link."""
        row = {
            "event_id": f"trk-{uuid.uuid4().hex}",  # every open and click is its own event
            "contact_id": contact_id,
            "source": "messaging",
            "name": name,
            "ts": datetime.now(UTC),
            "campaign_id": campaign_id,
            "channel": channel,
            "url": url,
        }
        await self.journal.append(Accepted([{k: v for k, v in row.items() if v is not None}], []))

    def link(self, anonymous_id: str, contact_id: str) -> models.Linked:
        """Record that ``anonymous_id`` is ``contact_id``, as of now."""
        row = {"anonymous_id": anonymous_id, "contact_id": contact_id, "linked_at": datetime.now(UTC)}
        report = self._append("identities", [row])
        if report.rejected:
            problems = store_problems(report)
            raise Rejected(
                "the link is invalid; nothing was stored", [Problem(None, p.field, p.message) for p in problems]
            )
        return models.Linked(anonymous_id=anonymous_id, contact_id=contact_id, new=report.stored == 1)

    def upsert_contacts(self, patches: list[models.ContactPatch]) -> models.ContactsStored:
        """Apply partial updates: given fields are set (null clears), others keep their values.

        The stored rows are read, merged and written back under one write lock, so no other
        writer of a DuckDB file can slip in between. (Two collectors on one PostgreSQL store
        patching the same contact at the same instant could lose one patch.)
        """
        now = datetime.now(UTC)
        with self.ws.hold(write=True):
            custom = {f.name: f.type for f in self.ws.catalog.custom_fields}
            problems = [p for i, patch in enumerate(patches) for p in _custom_field_problems(i, patch, custom)]
            if problems:
                raise _refuse("contacts", problems)
            ids = list(dict.fromkeys(p.contact_id for p in patches))
            stored = {r["contact_id"]: r for r in self._contacts(ids)}
            merged: dict[str, dict[str, Any]] = {}
            first_index: dict[str, int] = {}
            for i, patch in enumerate(patches):  # patches of one contact apply in order
                given = patch.model_dump(exclude_unset=True)
                row = merged.get(patch.contact_id) or dict(stored.get(patch.contact_id) or {"created_at": now})
                row.update(given)
                row["updated_at"] = given.get("updated_at", now)
                merged[patch.contact_id] = row
                first_index.setdefault(patch.contact_id, i)
            rows = list(merged.values())
            report = self._append("contacts", rows)
            if report.rejected:
                problems = store_problems(report, [first_index[r["contact_id"]] for r in rows])
                raise _refuse("contacts", problems)
        created = sum(1 for cid in merged if cid not in stored)
        return models.ContactsStored(created=created, updated=len(merged) - created)

    def _contacts(self, ids: list[str]) -> list[dict[str, Any]]:
        def build(con: Any) -> Any:
            contacts = con.table("contacts")
            return contacts.filter(contacts.contact_id.isin(ids))

        with self.ws.connector.reading() as con:
            return con.to_pyarrow(build(con)).to_pylist()

    def health(self) -> str:
        """The store's kind, after a read that proves it answers (of a tiny table: a health
        check every few seconds must not count a big events table)."""
        self.ws.query(lambda con: con.table(SETTINGS.name).count())
        return self.ws.url.kind


def _custom_field_problems(index: int, patch: models.ContactPatch, custom: dict[str, str]) -> list[Problem]:
    """Fields beside the standard ones must be catalogued custom fields with plain values."""
    out = []
    for name, value in (patch.model_extra or {}).items():
        if name not in custom:
            known = ", ".join(sorted(custom)) or "none yet"
            out.append(Problem(index, name, f"unknown contact field; custom fields: {known} (register with add_field)"))
        elif custom[name] == "array":
            if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                out.append(Problem(index, name, "must be a list of strings"))
        elif isinstance(value, (dict, list)):
            out.append(Problem(index, name, f"must be a single {custom[name]} value"))
    return out


__all__ = ["Accepted", "Ingestion", "Problem", "Rejected", "encode_accepted", "event_row", "store_problems", "web_rows"]
