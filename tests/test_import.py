"""Importing through the command line (SPEC §2): rejects with line numbers, good rows kept,
re-import stores nothing new, and what the catalog learns."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.store.workspace import Workspace

CONTACTS_CSV = """contact_id,email,city,tags,email_consent,created_at,birth_date
c1,a@example.pl,Gdańsk,"[""vip"",""newsletter""]",true,2026-01-01T10:00:00Z,1990-02-28
c2,,Kraków,,false,2026-01-02 10:00:00,
,missing@example.pl,Sopot,,true,2026-01-03T10:00:00Z,
c4,b@example.pl,"Warszawa, Mokotów",[],yes,not-a-time,1991-13-01
c5,c@example.pl,Łódź,,no,2026-01-05T10:00:00+02:00,
"""

EVENTS_CSV = """event_id,contact_id,anonymous_id,source,name,ts,amount,cart_id,store
e1,c1,,custom,purchase,2026-02-01T10:00:00Z,120.5,k1,online
e2,c1,a9,web,page_view,2026-02-01T09:00:00Z,,,
,c2,,custom,add_to_cart,2026-02-02T10:00:00Z,40,k2,
e4,c2,,shop,purchase,2026-02-02T11:00:00Z,40,k2,pos
e5,c5,,custom,purchase,2026-02-03T10:00:00Z,lots,k3,online
"""


@pytest.fixture
def store(backend_url, new_store_url):
    ws = Workspace(new_store_url())
    ws.init()
    return ws


def run(ws: Workspace, *args: str):
    return CliRunner().invoke(main, ["--db", ws.url.url, *args], catch_exceptions=False)


def test_import_reports_rejects_keeps_good_rows_and_is_idempotent(store, tmp_path):
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(CONTACTS_CSV, encoding="utf-8")
    first = run(store, "import", "contacts", str(contacts), "--json")
    assert first.exit_code == 1  # some rows were rejected
    report = json.loads(first.output)
    assert (report["rows_read"], report["stored"], report["rejected"]) == (5, 3, 2)
    with open(report["rejects_path"], newline="", encoding="utf-8") as f:
        rejects = {int(r["line"]): r["reason"] for r in csv.DictReader(f)}
    assert set(rejects) == {4, 5}
    assert "contact_id" in rejects[4]
    assert "created_at" in rejects[5] and "not-a-time" in rejects[5] and "birth_date" in rejects[5]

    rows = {r["contact_id"]: r for r in store.table("contacts").to_pylist()}
    assert sorted(rows) == ["c1", "c2", "c5"]
    assert rows["c1"]["tags"] == ["vip", "newsletter"] and rows["c1"]["email_consent"] is True
    assert rows["c2"]["email"] is None and rows["c2"]["created_at"].hour == 10  # no offset: UTC
    assert rows["c5"]["created_at"].hour == 8  # +02:00 converted to UTC

    again = json.loads(run(store, "import", "contacts", str(contacts), "--json").output)
    assert again["stored"] == 0
    assert store.query(lambda con: con.table("contacts").count()) == 3


def test_event_import_properties_ids_links_and_catalog(store, tmp_path):
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(CONTACTS_CSV, encoding="utf-8")
    run(store, "import", "contacts", str(contacts))
    events = tmp_path / "events.csv"
    events.write_text(EVENTS_CSV, encoding="utf-8")
    result = run(store, "import", "events", str(events), "--json")
    report = json.loads(result.output)
    assert result.exit_code == 1
    assert (report["stored"], report["rejected"], report["links"]) == (3, 2, 1)

    stored = {r["name"] + ":" + (r["contact_id"] or ""): r for r in store.table("events").to_pylist()}
    assert json.loads(stored["purchase:c1"]["properties"]) == {"cart_id": "k1", "store": "online"}
    derived = stored["add_to_cart:c2"]["event_id"]
    assert derived and derived not in ("e1", "e2", "e4", "e5")
    assert store.table("identities").to_pylist()[0]["anonymous_id"] == "a9"

    catalog = store.catalog
    assert catalog.events["purchase"].properties == {"cart_id": "string", "store": "string"}
    assert catalog.events["page_view"].source == "web"

    assert json.loads(run(store, "import", "events", str(events), "--json").output)["stored"] == 0
    assert store.query(lambda con: con.table("events").count()) == 3
    assert run(store, "count", "--as-of", "2026-03-01T00:00:00Z", str(_doc(tmp_path))).output.strip() == "1"


def _doc(tmp_path: Path) -> Path:
    path = tmp_path / "cart_buyers.json"
    path.write_text(
        json.dumps(
            {
                "name": "k1 buyers",
                "rule": {"event": "purchase", "where": [{"property": "cart_id", "op": "eq", "value": "k1"}]},
            }
        ),
        encoding="utf-8",
    )
    return path


def test_unreadable_file_is_a_clear_error(store, tmp_path):
    bad = tmp_path / "contacts.xlsx"
    bad.write_text("nope")
    result = run(store, "import", "contacts", str(bad))
    assert result.exit_code != 0 and "contacts.xlsx" in result.output


def test_append_checks_rows_like_an_import(store):
    store.append("contacts", [{"contact_id": "x1", "created_at": "2026-01-01T00:00:00Z", "tags": ["a", "b"]}])
    report = store.append(
        "events",
        [
            {
                "event_id": "ev1",
                "contact_id": "x1",
                "source": "custom",
                "name": "purchase",
                "ts": "2026-02-01T10:00:00Z",
                "amount": 10.5,
                "properties": {"cart_id": "k", "n": 3},
                "colour": "red",
            },
            {"contact_id": "x1", "source": "nope", "name": "purchase", "ts": "2026-02-01T00:00:00Z"},
        ],
    )
    assert (report.stored, report.rejected) == (1, 1)
    assert report.rejects[0][0] == 2 and "source" in report.rejects[0][1]
    assert json.loads(store.table("events").to_pylist()[0]["properties"]) == {"cart_id": "k", "n": 3, "colour": "red"}
    assert store.catalog.events["purchase"].properties == {"cart_id": "string", "colour": "string", "n": "number"}


def test_partial_contact_update_keeps_other_columns(store, tmp_path):
    full = tmp_path / "contacts.csv"
    full.write_text(CONTACTS_CSV, encoding="utf-8")
    run(store, "import", "contacts", str(full))
    partial = tmp_path / "emails.csv"
    partial.write_text(
        "contact_id,email,created_at\nc1,new@example.pl,2026-01-01T10:00:00Z\nc9,n9@example.pl,2026-03-01T00:00:00Z\n"
    )
    report = json.loads(run(store, "import", "contacts", str(partial), "--json").output)
    assert (report["stored"], report["updated"]) == (1, 1)
    rows = {r["contact_id"]: r for r in store.table("contacts").to_pylist()}
    assert rows["c1"]["email"] == "new@example.pl"
    assert rows["c1"]["city"] == "Gdańsk" and rows["c1"]["tags"] == ["vip", "newsletter"]
    assert rows["c1"]["email_consent"] is True  # not reset to the default
    assert rows["c9"]["email_consent"] is False and rows["c9"]["city"] is None


# --- files larger than a chunk: staged on disk, repeats found across chunks -------------------


def staging_dirs(ws: Workspace) -> list[Path]:
    return sorted(ws.url.path.parent.glob(".wb-import-*")) if ws.url.path is not None else []


def test_a_file_of_many_chunks_keeps_the_first_of_each_repeated_row_across_chunks(store, tmp_path, monkeypatch):
    """Chunks of three rows: the rows repeating ``e1`` and ``e4`` sit in later chunks."""
    from workbench.store.importer import reading

    monkeypatch.setattr(reading, "CHUNK_ROWS", 3)
    lines = ["event_id,contact_id,source,name,ts,amount"]
    expected = {}
    for i in range(1, 12):
        lines.append(f"e{i},c{i},custom,purchase,2026-02-0{1 + i % 9}T10:00:00Z,{i}.5")
        expected[f"e{i}"] = f"c{i}"
    lines += ["e1,other,custom,purchase,2026-02-01T10:00:00Z,1", "e4,other,custom,purchase,2026-02-01T10:00:00Z,1"]
    lines.append("e4,again,custom,purchase,2026-02-01T10:00:00Z,1")
    path = tmp_path / "events.csv"
    path.write_text("\n".join(lines) + "\n")
    report = store.import_file("events", path)
    assert (report.rows_read, report.stored, report.duplicates_in_file) == (14, 11, 3)
    stored = {r["event_id"]: r["contact_id"] for r in store.table("events").to_pylist()}
    assert stored == expected  # the first row of each id, whichever chunk repeats it
    assert store.catalog.events["purchase"].properties == {}
    assert store.import_file("events", path).stored == 0
    assert staging_dirs(store) == []  # the staged rows are gone with the import


def test_an_import_that_fails_while_storing_leaves_the_store_as_it_was(store, tmp_path, monkeypatch):
    from workbench.store import workspace

    path = tmp_path / "events.csv"
    path.write_text("event_id,contact_id,source,name,ts\ne1,c1,custom,purchase,2026-02-01T10:00:00Z\n")
    store.import_file("events", path)
    more = tmp_path / "more.csv"
    more.write_text("event_id,contact_id,source,name,ts\ne2,c2,custom,purchase,2026-02-01T10:00:00Z\n")

    def broken(con, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(workspace.catalog_store, "learn_events", broken)
    with pytest.raises(OSError, match="disk full"):
        store.import_file("events", more)
    assert [r["event_id"] for r in store.table("events").to_pylist()] == ["e1"]  # e2 was rolled back
    assert staging_dirs(store) == []


def test_an_import_out_of_memory_is_a_clear_error_and_stores_nothing(store, tmp_path, monkeypatch):
    from workbench.store import staging

    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV)
    monkeypatch.setattr(staging, "STAGING_MEMORY", "0B")  # the staging engine can hold nothing
    result = CliRunner().invoke(main, ["--db", store.url.url, "import", "events", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {path}: the import stopped: Out of Memory Error")
    assert result.output.rstrip().endswith("nothing was stored")
    assert "Traceback" not in result.output
    assert store.table("events").num_rows == 0
    assert staging_dirs(store) == []


def test_several_files_are_one_import_with_rejects_beside_each_file(store, tmp_path):
    first, second = tmp_path / "part-1.csv", tmp_path / "part-2.csv"
    first.write_text("event_id,contact_id,source,name,ts\ne1,c1,custom,purchase,2026-02-01T10:00:00Z\n")
    second.write_text(
        "event_id,contact_id,source,name,ts\n"
        "e1,other,custom,purchase,2026-02-01T10:00:00Z\n"  # repeats the first file's e1: left out
        "e2,c2,custom,purchase,not-a-time\n"
        "e3,c3,custom,purchase,2026-02-02T10:00:00Z\n"
    )
    result = run(store, "import", "events", str(first), str(second), "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert (report["rows_read"], report["stored"], report["duplicates_in_file"], report["rejected"]) == (4, 2, 1, 1)
    assert {r["event_id"]: r["contact_id"] for r in store.table("events").to_pylist()} == {"e1": "c1", "e3": "c3"}
    assert not (tmp_path / "part-1.csv.rejects.csv").exists()
    with open(tmp_path / "part-2.csv.rejects.csv", newline="", encoding="utf-8") as f:
        assert [(r["line"], r["event_id"]) for r in csv.DictReader(f)] == [("3", "e2")]


def test_the_staging_directory_of_an_import_killed_midway_is_removed_by_the_next(store, tmp_path):
    import subprocess
    import sys

    if store.url.path is None:
        pytest.skip("a PostgreSQL store stages in the system's temporary directory, shared with other runs")
    script = (
        "import os, sys; from workbench.store import staging; "
        "d = staging.staging_directory(__import__('pathlib').Path(sys.argv[1])); print(d, flush=True); os._exit(9)"
    )
    killed = subprocess.run([sys.executable, "-c", script, str(store.url.path)], capture_output=True, text=True)
    left = Path(killed.stdout.strip())
    assert left.is_dir()  # a process that dies mid-import leaves its staged rows behind
    path = tmp_path / "events.csv"
    path.write_text("event_id,contact_id,source,name,ts\ne1,c1,custom,purchase,2026-02-01T10:00:00Z\n")
    store.import_file("events", path)
    assert not left.exists() and staging_dirs(store) == []
