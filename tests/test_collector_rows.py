"""The collector's own pieces, without a server (issue 15): its rows are the importer's
rows, also after a trip through the journal, its journal survives torn appends and refuses
one bad item alone, and the catalog learns only what is new."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.collector import journal, models, tables
from workbench.collector.loader import journal_root, wait_for_collected
from workbench.collector.rows import (
    EVENT_SCHEMA,
    Lessons,
    event_links,
    events_table,
    journal_rows,
    rows_of_journal,
)
from workbench.collector.service import ARROW_FROM_ROWS, Accepted, encode_accepted, event_row
from workbench.store import catalog_store
from workbench.store.importer import prepare_table
from workbench.store.ingestion import _rows_table
from workbench.store.workspace import Workspace

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8),
    st.lists(st.integers(0, 9), max_size=2),
    st.fixed_dictionaries({"x": st.integers(0, 9)}),
)
KEYS = st.sampled_from(["cart_id", "n", "a.b", "zażółć", "items:0", "x-y"])
AMOUNTS = st.one_of(
    st.none(),
    st.floats(min_value=-1e13, max_value=1e13, allow_nan=False),
    st.integers(-(10**12), 10**12),
    st.sampled_from([0.00005, -0.00005, 0.00015, 123.45675, 1e-7, 99999999999999.99]),
)
EVENTS = st.lists(
    st.fixed_dictionaries(
        {
            "contact_id": st.sampled_from(["c1", "c2", None]),
            "anonymous_id": st.sampled_from(["a1", "a2"]),
            "name": st.sampled_from(["add_to_cart", "page_view", "purchase"]),
            "source": st.sampled_from(["custom", "web", "MESSAGING"]),
            "ts": st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2026, 1, 1)).map(
                lambda d: d.isoformat() + "Z"
            ),
            "amount": AMOUNTS,
            "url": st.sampled_from(["", "https://shop.example/", None]),
            "quantity": st.one_of(st.none(), st.floats(-1e6, 1e6)),
            "properties": st.one_of(st.none(), st.dictionaries(KEYS, VALUES, max_size=3)),
        },
        optional={"event_id": st.sampled_from(["e1", "e2", "e3"]), "extra": VALUES},
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(events=EVENTS)
def test_the_collector_makes_the_rows_the_importer_makes(events):
    """Events without an id, repeated ids, amounts at rounding edges, empty text, properties
    of every JSON type: the same table, catalog lessons and links as ``prepare_table``."""
    events = [{k: v for k, v in e.items() if v is not None or k == "properties"} for e in events]
    for e in events:
        if e.get("properties") is None:
            e.pop("properties", None)
    batch = models.EventBatch.model_validate({"events": events})
    answered = [event_row(e, NOW) for e in batch.events]
    expected = prepare_table("events", _rows_table(answered), now=NOW)
    # the loader makes its rows from what the journal gives back
    link = {"anonymous_id": "a1", "contact_id": "c1", "linked_at": NOW}
    rows, links = rows_of_journal(journal_rows(answered, [link]))
    assert (rows, links) == (answered, [link])
    ours = events_table(rows, NOW)
    assert ours.schema == EVENT_SCHEMA == expected.table.schema
    # the importer keeps the first of repeated ids; the loader does the same across requests
    first = {}
    for row in ours.to_pylist():
        first.setdefault(row["event_id"], row)
    assert list(first.values()) == expected.table.to_pylist()
    lessons = Lessons()
    for row in rows:
        lessons.add(row)
    assert lessons.learned() == expected.learned
    assert lessons.source_by_name() == expected.sources
    assert sorted(event_links(ours).to_pylist(), key=str) == sorted(expected.links.to_pylist(), key=str)


def test_a_torn_append_is_ignored_and_an_ended_file_says_so(tmp_path):
    directory, lock = journal.create_instance(tmp_path)
    path = directory / "1-1.wal"
    good = journal.encode(journal.EVENTS, b"one") + journal.encode(journal.LINKS, b"two")
    torn = journal.encode(journal.EVENTS, b"three")[:-1]
    path.write_bytes(good + torn)
    records = list(journal.read_records(path))
    assert [(r.kind, r.body) for r in records] == [(journal.EVENTS, b"one"), (journal.LINKS, b"two")]
    assert records[-1].end == len(good)
    assert list(journal.read_records(path, records[0].end)) == records[1:]
    damaged = bytearray(good)
    damaged[-1] ^= 0xFF  # a bit flipped in the second record's body
    path.write_bytes(bytes(damaged))
    assert [r.body for r in journal.read_records(path)] == [b"one"]
    assert journal.try_claim(directory) is None  # its collector (this test) holds it
    journal.os.close(lock)
    assert journal.try_claim(directory) is not None


def test_one_item_that_cannot_be_journaled_fails_alone(tmp_path):
    directory, lock = journal.create_instance(tmp_path)

    def encode(items: list[str]) -> bytes:
        if "bad" in items:
            raise ValueError("cannot encode")
        return b"".join(journal.encode(journal.EVENTS, item.encode()) for item in items)

    writer = journal.JournalWriter(directory, encode)

    async def send() -> list:
        return await asyncio.gather(*(writer.append(item) for item in ["a", "b", "bad", "c"]), return_exceptions=True)

    outcomes = asyncio.run(send())
    writer.close()
    assert [type(o).__name__ for o in outcomes] == ["NoneType", "NoneType", "ValueError", "NoneType"]
    [path] = journal.journal_files(directory)
    assert [r.body for r in journal.read_records(path)] == [b"a", b"b", b"c", b""]  # then END
    assert journal.writer_gone(path)
    journal.os.close(lock)


@pytest.fixture
def store(tmp_path) -> Workspace:
    ws = Workspace(f"duckdb://{tmp_path / 'catalog.duckdb'}")
    ws.init()
    return ws


def test_the_catalog_learns_only_what_is_new(store, monkeypatch):
    """Learning used to read and rewrite the whole event-property catalog on every append."""
    wide = {f"p{i}": i for i in range(10_000)}
    event = {"event_id": "w0", "contact_id": "c1", "source": "web", "name": "page_view", "ts": "2026-01-01"}
    store.append("events", [{**event, "properties": wide}])
    assert len(store.catalog.events["page_view"].properties) == 10_000
    version = store.versions()["catalog"]

    def no_reading(*args: object) -> None:
        raise AssertionError("the catalog was read again although no one changed it")

    monkeypatch.setattr(catalog_store, "_known_now", no_reading)
    store.append("events", [{**event, "event_id": "w1", "properties": {"p7": 1, "p9": 2}}])
    assert store.versions()["catalog"] == version  # nothing new: nothing written
    store.append("events", [{**event, "event_id": "w2", "properties": {"p7": "text", "new": True}}])
    assert store.versions()["catalog"] == version + 1
    properties = store.catalog.events["page_view"].properties
    assert (len(properties), properties["p7"], properties["new"]) == (10_001, "string", "boolean")
    rows = store.table("wb_event_properties").to_pylist()
    assert len(rows) == 10_002  # the name and its properties, each once
    assert json.loads(json.dumps(sorted({r["type"] for r in rows if r["property"] == "p7"}))) == ["string"]


def test_a_worker_outliving_its_collector_for_a_moment_delays_the_wait_but_loses_nothing(store):
    """After a SIGKILL the collector's HTTP workers die a moment later (PDEATHSIG): until then
    they hold its journal directory. ``wait_for_collected`` keeps trying to take it, rather
    than waiting for a loader that is dead."""
    tables.ensure_tables(store)  # a collector ran here
    root = journal_root(store)
    directory, lock = journal.create_instance(root)
    rows = [{"event_id": f"e{i}", "contact_id": "c1", "name": "purchase", "source": "custom", "ts": NOW}
            for i in range(3)]  # fmt: skip
    (directory / "1-1.wal").write_bytes(encode_accepted([Accepted(rows, [])]))
    threading.Timer(0.5, journal.os.close, [lock]).start()  # the last worker dies
    assert wait_for_collected(store, timeout=20)
    assert sorted(r["event_id"] for r in store.table("events").to_pylist()) == ["e0", "e1", "e2"]
    assert not directory.exists()


def _event(n: int, **fields: object) -> dict:
    return {"event_id": f"e{n}", "contact_id": "c1", "name": "purchase", "source": "custom", "ts": NOW, **fields}


def _orphan_journal(store: Workspace, records: bytes) -> None:
    """A journal file left by a collector that is gone, for ``wait_for_collected`` to load."""
    tables.ensure_tables(store)
    directory, lock = journal.create_instance(journal_root(store))
    (directory / "1-1.wal").write_bytes(records)
    journal.os.close(lock)


def test_few_rows_are_journaled_as_json_and_many_as_arrow_and_both_are_stored(store, tmp_path):
    """A group of a few rows is cheapest as JSON (converted by the loader with its round);
    a big batch as Arrow, converted in the HTTP process. Either way the store gets the same
    rows, identity links (of events with both ids, and sent alone) and catalog lessons."""
    link = {"anonymous_id": "a9", "contact_id": "c9", "linked_at": NOW}
    few = [Accepted([_event(1, amount=19.99, properties={"size": "M"}), _event(2, anonymous_id="a1")], [link])]
    many = [Accepted([_event(n, anonymous_id="a2") for n in range(100, 100 + ARROW_FROM_ROWS)], [])]
    kinds = []
    for items in (few, many):
        (tmp_path / "group.wal").write_bytes(encode_accepted(items))
        kinds.append([r.kind for r in journal.read_records(tmp_path / "group.wal")])
    assert kinds == [[journal.ROWS], [journal.EVENTS, journal.LINKS]]
    _orphan_journal(store, encode_accepted(few) + encode_accepted(many))
    assert wait_for_collected(store, timeout=20)
    stored = {r["event_id"]: r for r in store.table("events").to_pylist()}
    assert len(stored) == 2 + ARROW_FROM_ROWS
    assert (stored["e1"]["amount"], stored["e1"]["properties"]) == (Decimal("19.9900"), '{"size": "M"}')
    pairs = {(r["anonymous_id"], r["contact_id"]) for r in store.table("identities").to_pylist()}
    assert pairs == {("a1", "c1"), ("a2", "c1"), ("a9", "c9")}
    assert store.catalog.events["purchase"].properties["size"] == "string"


def test_a_record_that_cannot_be_stored_is_set_aside_and_the_others_are_stored(store, caplog):
    """Rows are checked before their request is answered, so converting them in the loader
    cannot fail; should it still (a bug), that record's rows are kept in a file beside the
    journal and logged, and the rest of the round is stored, not retried forever."""
    good = encode_accepted([Accepted([_event(1)], []), Accepted([_event(2)], [])])
    bad = encode_accepted([Accepted([_event(3, amount="not a number")], [])])
    _orphan_journal(store, good + bad + encode_accepted([Accepted([_event(4)], [])]))
    assert wait_for_collected(store, timeout=20)
    assert sorted(r["event_id"] for r in store.table("events").to_pylist()) == ["e1", "e2", "e4"]
    [aside] = (journal_root(store) / "set-aside").iterdir()
    assert json.loads(aside.read_text())["events"][0]["amount"] == "not a number"
    assert any("set aside" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
