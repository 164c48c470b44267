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
