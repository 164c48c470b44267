"""The physical order of ``events`` in a DuckDB store: by event name, then time.

Segments read events by name and by time window. DuckDB keeps the minimum and maximum of
every column per row group (about 120,000 rows) and skips a row group whose range
excludes the query's filter, so events stored in ``(name, ts)`` order are read only
where the asked names and window lie. In arrival order every row group holds every name,
and a segment on purchases of all time reads the whole table (docs/benchmarks.md).

Imports store each batch in this order (:func:`ordered`); appends of a few rows at a time
(the collector) and many batches over time still interleave, which :func:`compact_events`
undoes by rewriting the table. It records how many events it left in order (setting
``events_compacted``): the events stored since are the ones out of order, which
:func:`events_since_compaction` reports for ``workbench compact --if-needed``. PostgreSQL reads events through its ``(name, ts)`` index
and ClickHouse's MergeTree keeps its own sort key, so there it has nothing to do.
"""

from __future__ import annotations

import logging
import time

import ibis.expr.types as ir
from ibis.backends import BaseBackend

from workbench.store.catalog_store import read_settings, write_setting
from workbench.store.statements import insert_rows, rename_table, set_option

log = logging.getLogger(__name__)

EVENTS_ORDER = ("name", "ts")
COMPACTED_SETTING = "events_compacted"
WORTH_COMPACTING = 0.1
"""``--if-needed`` compacts once this share of the events arrived since the last compaction."""
_REWRITTEN = "_wb_events_compacted"
# The sort spills to disk beyond this; unbounded, DuckDB takes up to 80% of the memory
# (9 GB for 20 million events), and the store's readers still need theirs.
SORT_MEMORY = "2GB"


def ordered(events: ir.Table) -> ir.Table:
    """Events in the stored order, for an insert."""
    return events.order_by(*EVENTS_ORDER)


def compact_events(con: BaseBackend, spill: bool = False) -> int:
    """Rewrite ``events`` in ``(name, ts)`` order, keeping its columns and constraints;
    the number of events rewritten (0 where the engine keeps its own order). Call inside
    the write transaction: readers see the old table or the new one, never neither.
    ``spill``: bound the sort's memory (:data:`SORT_MEMORY`) on this connection, for a
    DuckDB file on a connection of its own (an in-memory database cannot spill)."""
    if con.name != "duckdb":
        return 0
    started = time.perf_counter()
    if spill:
        set_option(con, "memory_limit", SORT_MEMORY)
    con.drop_table(_REWRITTEN, force=True)
    con.create_table(_REWRITTEN, schema=con.get_schema("events"))
    insert_rows(con, _REWRITTEN, ordered(con.table("events")))
    rows = int(con.execute(con.table(_REWRITTEN).count()))
    con.drop_table("events")
    rename_table(con, _REWRITTEN, "events")
    write_setting(con, COMPACTED_SETTING, str(rows))
    log.info("compacted %d events in (name, ts) order in %.1f s", rows, time.perf_counter() - started)
    return rows


def stored_in_order(con: BaseBackend, rows: int) -> None:
    """Record that ``events`` holds ``rows`` events, all in order (one ordered write into an
    empty table): ``--if-needed`` counts from there, as after a compaction."""
    if con.name == "duckdb":
        write_setting(con, COMPACTED_SETTING, str(rows))


def events_since_compaction(con: BaseBackend) -> tuple[int, int]:
    """(events stored since the last compaction, events in all); all of them if the store
    was never compacted. Rows are never deleted from ``events``, so the difference of counts
    is the events appended since."""
    total = int(con.execute(con.table("events").count()))
    compacted = int(read_settings(con).get(COMPACTED_SETTING, 0))
    return max(total - compacted, 0), total


def worth_compacting(since: int, total: int) -> bool:
    """Whether enough events arrived out of order to rewrite the table for them."""
    return total > 0 and since >= WORTH_COMPACTING * total
