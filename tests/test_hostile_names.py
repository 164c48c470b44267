"""Hostile property names: each means exactly that key on every engine, or is refused
where data comes in (docs/security.md).

Property names reach the catalog from unauthenticated beacons, so a name is attacker
text. Every key below is stored by the product's own ingestion (the importer behind
``Workspace.append``; the chdb store loads the same rows), and a segment filtering on it
must select exactly the contact that has that key: not a contact whose JSON has the path
the name would spell (``a.b``, ``a[0]``, ``$x``, ``*``), and never SQL (``'``, ``\\``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.chdb_store import ChdbStore
from tests.world import event_table, learned_properties
from workbench.cli import main
from workbench.expr.catalog import EventType
from workbench.store.importer import property_name_problem
from workbench.store.schema import CONTACTS
from workbench.store.workspace import Workspace

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)

HOSTILE = {
    "quote": "a'b",
    "double-quote": 'a"b',
    "backslash": "a\\b",
    "backslash-quote": "a\\'b",
    "dot": "a.b",
    "bracket": "a[0]",
    "dollar": "$x",
    "dollar-path": "$.x",
    "star": "*",
    "slash": "a/b",
    "tilde": "a~1b",
    "percent": "%s%(x)s",
    "unicode": "zażółć gęślą",
    "emoji": "🙂",
    "spaces": " a ",
    "sql": "x') OR 1=1 --",
    # what the ClickHouse injection of issue 14 looked like: a key that closes the literal
    "clickhouse-injection": "a') OR (SELECT count() FROM wb_collector_settings) > 0 OR JSONHas('{}', '",
    "longest": "k" * 200,
}
# Contacts whose JSON holds the paths those names would spell if read as JSON paths.
DECOYS = {
    "decoy-path": {"a": {"b": "v", "0": "v"}, "x": "v"},
    "decoy-array": {"a": ["v"]},
}


@pytest.fixture(scope="module", params=["duckdb", "postgres", "clickhouse"])
def backend_name(request) -> str:
    return request.param


def contact_rows(ids) -> list[dict]:
    return [{"contact_id": cid, "created_at": datetime(2026, 1, 1, tzinfo=UTC)} for cid in ids]


def event_rows(properties_by_contact: dict[str, dict]) -> list[dict]:
    rows = []
    for cid, properties in properties_by_contact.items():
        for name, props in (("purchase", properties), ("refund", {k: 12.5 for k in properties})):
            rows.append(
                {
                    "event_id": f"{cid}-{name}",
                    "contact_id": cid,
                    "source": "custom",
                    "name": name,
                    "ts": datetime(2026, 5, 1, tzinfo=UTC),
                    "received_at": datetime(2026, 5, 1, tzinfo=UTC),
                    "properties": props,
                }
            )
    return rows


def load(store, properties_by_contact: dict[str, dict]):
    """Store the contacts and their events the way each engine's store takes them."""
    contacts, events = contact_rows(properties_by_contact), event_rows(properties_by_contact)
    if isinstance(store, ChdbStore):
        full = [
            {
                **dict.fromkeys(CONTACTS.names),
                "email_consent": False,
                "sms_consent": False,
                "push_consent": False,
                "updated_at": c["created_at"],
                **c,
            }
            for c in contacts
        ]
        blank = dict.fromkeys(
            [
                "anonymous_id",
                "url",
                "category",
                "product_id",
                "campaign_id",
                "channel",
                "currency",
                "amount",
                "duration_s",
                "quantity",
            ]
        )
        learned, sources = learned_properties(events)
        store.load_tables(
            {
                "contacts": pa.Table.from_pylist(full, schema=CONTACTS.to_pyarrow()),
                "events": event_table([{**blank, **e} for e in events]),
            },
            (),
            {name: EventType(name, sources[name], learned[name]) for name in learned},
        )
        return
    assert not store.append("contacts", contacts).rejects
    report = store.append("events", events)
    assert not report.rejects, report.rejects


@pytest.fixture(scope="module")
def store(backend_name, new_store_url):
    if backend_name == "clickhouse":
        store = ChdbStore()
    else:
        store = Workspace(new_store_url())
        store.init()
    keyed = {f"c-{label}": {key: "v"} for label, key in HOSTILE.items()}
    load(store, {**keyed, **DECOYS})
    return store


def members(store, rule: dict) -> set[str]:
    return set(store.members({"id": "hostile", "name": "hostile", "rule": rule}, AS_OF))


def has_value(key: str, value="v") -> dict:
    return {"event": "purchase", "where": [{"property": key, "op": "eq", "value": value}]}


def refund_sum(key: str, value=12.5) -> dict:
    return {"event": "refund", "aggregate": {"fn": "sum", "property": key}, "op": "eq", "value": value}


@pytest.mark.parametrize("label", sorted(HOSTILE))
def test_a_hostile_key_means_exactly_that_key(store, label):
    key = HOSTILE[label]
    assert members(store, has_value(key)) == {f"c-{label}"}
    assert members(store, refund_sum(key)) == {f"c-{label}"}
    assert members(store, {"event": "purchase", "where": [{"property": key, "op": "is_set"}]}) == {f"c-{label}"}


def test_hostile_keys_declared_decimal_are_read_as_amounts(store, backend_name):
    keys = list(HOSTILE.values())
    if isinstance(store, ChdbStore):
        store.decimal_properties = frozenset(keys)
    else:
        store.set_decimal_properties(keys)
    try:
        for label, key in HOSTILE.items():
            assert members(store, refund_sum(key, 12.5)) == {f"c-{label}"}, label
    finally:
        if isinstance(store, ChdbStore):
            store.decimal_properties = frozenset()
        else:
            store.set_decimal_properties([])


def test_clickhouse_sql_from_the_cli_means_the_literal_key(tmp_path, new_store_url):
    """``workbench sql --dialect clickhouse`` of a segment on each hostile key, run in chdb
    on the same data: the key's own contact, and no error (a broken-out literal would be
    a syntax error, or worse, a query of the attacker's)."""
    data = {f"c-{label}": {key: "v"} for label, key in HOSTILE.items()}
    duck = Workspace(f"duckdb://{tmp_path / 'wb.duckdb'}")
    duck.init()
    load(duck, {**data, **DECOYS})
    chdb = ChdbStore()
    load(chdb, {**data, **DECOYS})
    for label, key in HOSTILE.items():
        path = tmp_path / f"{label}.json"
        path.write_text(json.dumps({"id": "h", "name": "h", "rule": has_value(key)}), encoding="utf-8")
        result = CliRunner().invoke(
            main,
            ["--db", duck.url.url, "sql", str(path), "--dialect", "clickhouse", "--as-of", AS_OF.isoformat()],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        out = chdb.session.query(result.output, "CSV").bytes().decode().split()
        assert [line.strip('"') for line in out] == [f"c-{label}"], label
    duck.close()


# --- any name: stored exactly, or refused with the reason, nothing stored ------------------

NAMES = st.one_of(
    st.sampled_from(sorted(HOSTILE.values())),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.text(st.sampled_from("'\"\\.[]$*/~%() \x00\n\t\x7f\x85ż🙂"), min_size=0, max_size=12),
    st.integers(195, 260).map(lambda n: "n" * n),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=NAMES)
def test_any_name_is_stored_exactly_or_refused(store, key):
    if isinstance(store, ChdbStore):  # no ingestion of its own: loads only names the importer keeps
        if property_name_problem(key) is None:
            load(store, {"c-any": {key: "v"}, **DECOYS})
            assert members(store, has_value(key)) == {"c-any"}
        return
    cid = f"c-{abs(hash(key))}"
    store.append("contacts", contact_rows([cid]))
    report = store.append("events", event_rows({cid: {key: "v"}}))
    problem = property_name_problem(key)
    if problem is not None:
        assert [reason for _, reason in report.rejects] == [
            f"properties: {_shown(key)} cannot name a property: {problem}"
        ] * 2
        assert key not in store.catalog.events["purchase"].properties
    else:
        assert not report.rejects
        assert members(store, has_value(key)) >= {cid}
        assert cid not in members(store, has_value(key, "w"))


def _shown(value: str) -> str:
    from workbench.store.importer import _shown as shown

    return shown(value)


def test_rule_numbers_beyond_every_engine_are_refused_naming_the_path():
    from workbench.errors import SegmentError
    from workbench.expr.catalog import Catalog
    from workbench.expr.rules import Segment
    from workbench.expr.validate import validate

    catalog = Catalog.standard(events={"purchase": EventType("purchase", "custom")})
    for value in (1e300, float("nan"), float("inf"), 10**20):
        with pytest.raises(SegmentError, match=r"rule\.value: expected a number of magnitude below 10\^20"):
            doc = {"id": "x", "name": "x", "rule": {**refund_sum("amount", value), "event": "purchase"}}
            validate(Segment.from_dict(doc), catalog)
    assert Decimal(repr(1e19))  # the largest that passes has an exact decimal literal
