"""DuckDB hashes the side of each join that the compiler puts on the right
(``connection._planned_as_written``), on every connection of a DuckDB store: left to its
estimates, DuckDB hashed all 6.2M identity links of the 10M-contact store to look up the
anonymous ids of a 7-day window (docs/benchmarks.md). Which side a plan hashes depends on
DuckDB's estimates, which small test data does not reproduce; this holds the setting on
the connections that evaluate, and the answer through the links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workbench.store.workspace import connect

AS_OF = datetime(2026, 11, 30, 12, tzinfo=UTC)
SEGMENT = {
    "name": "recent readers",
    "rule": {"event": "page_view", "window": {"last": "7d"}, "op": "gte", "value": 1},
}


@pytest.fixture(params=["file", "memory"])
def store(request, tmp_path):
    ws = connect(f"duckdb://{tmp_path / 'wb.duckdb'}" if request.param == "file" else "duckdb://:memory:")
    ws.init()
    ws.append("contacts", [{"contact_id": f"c{i}", "created_at": "2024-01-01"} for i in range(30)])
    ws.append(
        "identities",
        [{"anonymous_id": f"a{i}", "contact_id": f"c{i}", "linked_at": "2026-01-01T00:00:00Z"} for i in range(30)],
    )
    recent = [  # anonymous page views of ten linked ids in the window, one old one of another
        {
            "event_id": f"r{i}",
            "anonymous_id": f"a{i % 10}",
            "source": "web",
            "name": "page_view",
            "ts": (AS_OF - timedelta(hours=1 + i)).isoformat(),
        }
        for i in range(40)
    ]
    old = {"event_id": "old", "anonymous_id": "a20", "source": "web", "name": "page_view", "ts": "2025-01-01T00:00:00Z"}
    ws.append("events", [*recent, old])
    return ws


def test_every_connection_that_evaluates_plans_joins_as_written(store):
    with store.connector.reading() as con:
        setting = con.raw_sql("SELECT current_setting('disabled_optimizers')").fetchone()[0]
    assert "build_side_probe_side" in setting
    with store.connector.writing() as con:
        setting = con.raw_sql("SELECT current_setting('disabled_optimizers')").fetchone()[0]
    assert "build_side_probe_side" in setting
    assert sorted(store.members(SEGMENT, as_of=AS_OF)) == sorted(f"c{i}" for i in range(10))


# --- joins of a few contacts with the contacts table ------------------------------------------
# A triggered send reads one or a few contacts; a preview, a sample or an export reads a
# segment's members. Each joins them with ``contacts``: with the contacts on the right,
# every read hashed the whole table (1M contacts: 0.3 s of a triggered send's 0.35 s gate
# query, docs/benchmarks.md). The plans of the queries these reads run must hash the few.


def _hashed_tables(con, sql: str) -> list[str]:
    """The tables a plan of ``sql`` scans whole on the hashed (build) side of a hash join."""
    import json

    con.raw_sql("SET disabled_optimizers = 'build_side_probe_side'")
    plans = json.loads(con.raw_sql("EXPLAIN (FORMAT JSON) " + sql).fetchall()[0][1])
    found = []

    def walk(node):
        if node["name"] == "HASH_JOIN":
            build = node["children"][1]
            while build["name"] in ("PROJECTION", "FILTER") and build["children"]:
                build = build["children"][0]
            if "SCAN" in build["name"] and "Table" in build["extra_info"]:
                found.append(build["extra_info"]["Table"].rsplit(".", 1)[-1])
        for child in node["children"]:
            walk(child)

    for plan in plans:
        walk(plan)
    return found


@pytest.fixture
def queries(monkeypatch):
    """Every query a DuckDB connection compiles, and the tables its plan hashes whole (planned
    as it is compiled: the staged rows of a write are gone afterwards)."""
    import ibis.expr.types as ir
    from ibis.backends.duckdb import Backend

    seen: list[tuple[str, list[str]]] = []
    real = Backend.compile

    def spy(self, expr, *args, **kwargs):
        sql = real(self, expr, *args, **kwargs)
        seen.append((sql, _hashed_tables(self, sql)))
        return sql

    def spy_create(self, name, obj=None, *args, **kwargs):
        if isinstance(obj, ir.Table):  # compiled without ``compile``
            self.compile(obj)
        return real_create(self, name, obj, *args, **kwargs)

    real_create = Backend.create_table
    monkeypatch.setattr(Backend, "compile", spy)
    monkeypatch.setattr(Backend, "create_table", spy_create)
    return seen


def test_a_send_to_a_few_contacts_hashes_them_not_the_contacts(tmp_path, queries):
    from tests.send_support import SEGMENT_ID, RecordingTransport, build_store, write_template
    from workbench.send import SendOptions, define_campaign
    from workbench.send.recipients import SCOPE_TABLE
    from workbench.send.run import prepare_send
    from workbench.send.tables import SEND_LOG

    ws = build_store(tmp_path / "wb.duckdb", contacts=200)
    template = write_template(tmp_path / "tpl", {"subject.txt": "Hi {{ contact.first_name }}", "body.txt": "x"})
    define_campaign(ws, "few", segment=SEGMENT_ID, channel="email", template=template)
    eligible = [r["contact_id"] for r in prepare_send(ws, "few").audience.rows.to_pylist() if r["reason"] is None]
    one, earlier = eligible[:1], eligible[1:2]
    options = SendOptions(progress=False)
    prepare_send(ws, "few", contacts=earlier).execute(
        options, journal=tmp_path / "earlier.jsonl", transport=RecordingTransport()
    )
    queries.clear()
    plan = prepare_send(ws, "few", contacts=one)
    assert [r["contact_id"] for r in plan.audience.rows.to_pylist()] == one
    gate = [hashed for sql, hashed in queries if SCOPE_TABLE in sql]
    assert gate, "the gate query was not seen"
    assert all("contacts" not in hashed for hashed in gate)
    # claiming the recipients looks up their rows of the send log, not every send of the campaign
    queries.clear()
    report = plan.execute(options, journal=tmp_path / "j.jsonl", transport=RecordingTransport())
    assert report.summary()["sent"] == 1
    claims = [hashed for sql, hashed in queries if SEND_LOG.name in sql and "ANTI" in sql.upper()]
    assert claims, "the claim's query was not seen"
    assert all(SEND_LOG.name not in hashed for hashed in claims)


def test_members_with_columns_hash_the_members_not_the_contacts(store, queries):
    table = store.members_table(SEGMENT, as_of=AS_OF, columns=["created_at"])
    assert table.column_names == ["contact_id", "created_at"]
    assert sorted(table.column("contact_id").to_pylist()) == sorted(f"c{i}" for i in range(10))
    assert queries
    assert all("contacts" not in hashed for _, hashed in queries)


def test_a_write_of_identity_links_hashes_the_links_not_every_link(store, queries):
    event = {"event_id": "new", "contact_id": "c3", "anonymous_id": "a-new", "source": "web", "name": "page_view"}
    report = store.append("events", [{**event, "ts": AS_OF.isoformat()}])
    assert (report.stored, report.links) == (1, 1)
    checked = [hashed for sql, hashed in queries if '"identities"' in sql]
    assert checked, "the links' query was not seen"
    assert all("identities" not in hashed for hashed in checked)


def test_an_update_of_a_few_contacts_hashes_them_not_every_contact(store, queries):
    report = store.append("contacts", [{"contact_id": "c1", "created_at": "2024-01-01", "city": "Gdańsk"}])
    assert report.updated == 1
    checked = [hashed for sql, hashed in queries if '"contacts"' in sql]
    assert checked, "the update's query was not seen"
    assert all("contacts" not in hashed for hashed in checked)
