"""Stitching anonymous events: the latest link wins, and a tie of ``linked_at`` goes to
the largest ``contact_id`` (SPEC §1), on every engine (DuckDB reads links with arg_max,
the others with grouped maxima)."""

from __future__ import annotations

from datetime import UTC, datetime

from workbench.store.workspace import connect

T = datetime(2026, 6, 1, tzinfo=UTC)


def test_latest_link_wins_and_a_tie_goes_to_the_largest_contact_id(new_store_url):
    ws = connect(new_store_url())
    ws.append("contacts", [{"contact_id": c, "created_at": "2026-01-01"} for c in ("c1", "c2", "c3", "c4")])
    ws.append(
        "identities",
        [
            {"anonymous_id": "tied", "contact_id": "c2", "linked_at": "2026-03-01T10:00:00Z"},
            {"anonymous_id": "tied", "contact_id": "c3", "linked_at": "2026-03-01T10:00:00Z"},
            {"anonymous_id": "tied", "contact_id": "c1", "linked_at": "2026-02-01T10:00:00Z"},
            {"anonymous_id": "moved", "contact_id": "c4", "linked_at": "2026-02-01T10:00:00Z"},
            {"anonymous_id": "moved", "contact_id": "c1", "linked_at": "2026-04-01T10:00:00Z"},
        ],
    )
    ws.append(
        "events",
        [
            {"anonymous_id": "tied", "name": "page_view", "source": "web", "ts": "2026-05-01T10:00:00Z"},
            {"anonymous_id": "moved", "name": "page_view", "source": "web", "ts": "2026-05-02T10:00:00Z"},
        ],
    )
    viewers = {"id": "viewers", "name": "viewers", "rule": {"event": "page_view"}}
    assert ws.members(viewers, as_of=T) == ["c1", "c3"]
    together = ws.membership(
        {"viewers": viewers, "none": {"id": "n", "name": "n", "rule": {"event": "page_view", "op": "gte", "value": 5}}},
        T,
    )
    assert together.column("contact_id").to_pylist() == ["c1", "c3"]
    assert together.column("viewers").to_pylist() == [True, True]
    assert together.column("none").to_pylist() == [False, False]


def buyers_sql_reads_identities(ws) -> bool:
    return "identities" in ws.sql({"id": "b", "name": "b", "rule": {"event": "purchase"}}, as_of=T)


def test_no_link_lookup_until_an_event_of_the_name_comes_without_a_contact(new_store_url):
    ws = connect(new_store_url())
    ws.append("contacts", [{"contact_id": c, "created_at": "2026-01-01"} for c in ("c1", "c2")])
    ws.append("events", [{"contact_id": "c1", "name": "purchase", "source": "custom", "ts": "2026-05-01T10:00:00Z"}])
    buyers = {"id": "buyers", "name": "buyers", "rule": {"event": "purchase"}}
    assert ws.members(buyers, as_of=T) == ["c1"]
    assert not buyers_sql_reads_identities(ws)  # every purchase so far had its contact
    # an anonymous purchase, linked to c2: the catalog learns it, the cached SQL is compiled anew
    ws.append("identities", [{"anonymous_id": "a9", "contact_id": "c2", "linked_at": "2026-05-03T10:00:00Z"}])
    ws.append("events", [{"anonymous_id": "a9", "name": "purchase", "source": "web", "ts": "2026-05-02T10:00:00Z"}])
    assert ws.catalog.events["purchase"].anonymous
    assert buyers_sql_reads_identities(ws)
    assert ws.members(buyers, as_of=T) == ["c1", "c2"]
    assert connect(ws.url.url).members(buyers, as_of=T) == ["c1", "c2"]  # and in another workspace


def test_a_store_older_than_the_flag_looks_links_up_until_it_learns(tmp_path):
    import duckdb

    ws = connect(f"duckdb://{tmp_path / 'old.duckdb'}")
    ws.append("contacts", [{"contact_id": "c1", "created_at": "2026-01-01"}])
    ws.append("events", [{"contact_id": "c1", "name": "purchase", "source": "custom", "ts": "2026-05-01T10:00:00Z"}])
    ws.close()
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("DELETE FROM wb_settings WHERE key = 'identified_events'")
    con.execute("UPDATE wb_versions SET n = n + 1 WHERE key = 'catalog'")
    con.close()
    old = connect(f"duckdb://{tmp_path / 'old.duckdb'}")
    assert old.catalog.events["purchase"].anonymous  # not known: assumed
    assert buyers_sql_reads_identities(old)
    old.append("events", [{"contact_id": "c1", "name": "app_open", "source": "custom", "ts": "2026-05-02T10:00:00Z"}])
    assert not old.catalog.events["app_open"].anonymous  # learned from here on
    assert old.catalog.events["purchase"].anonymous  # still not known
