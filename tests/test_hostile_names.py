"""Hostile property names: each means exactly that key on every engine, or is refused
where data comes in (docs/security.md).

Property names reach the catalog from unauthenticated beacons, so a name is attacker
text. Every key below is stored by the product's own ingestion (the importer behind
``Workspace.append``, which the chdb store runs too), and a segment filtering on it
must select exactly the contact that has that key: not a contact whose JSON has the path
the name would spell (``a.b``, ``a[0]``, ``$x``, ``*``), and never SQL (``'``, ``\\``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.chdb_store import ChdbStore
from tests.conftest import EVALUATION_BACKENDS
from workbench.cli import main
from workbench.expr.catalog import EventType
from workbench.store.importer import property_name_problem
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
    "clickhouse-injection": "a') OR (SELECT count() FROM wb_settings) > 0 OR JSONHas('{}', '",
    "longest": "k" * 200,
}
# Contacts whose JSON holds the paths those names would spell if read as JSON paths.
DECOYS = {
    "decoy-path": {"a": {"b": "v", "0": "v"}, "x": "v"},
    "decoy-array": {"a": ["v"]},
}


@pytest.fixture(scope="module", params=EVALUATION_BACKENDS)
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


def load(store, properties_by_contact: dict[str, dict], cities: dict[str, str] | None = None):
    """Store the contacts (with ``cities``, when given) and their events through the importer."""
    contacts = [{**c, "city": (cities or {}).get(c["contact_id"])} for c in contact_rows(properties_by_contact)]
    assert not store.append("contacts", contacts).rejects
    report = store.append("events", event_rows(properties_by_contact))
    assert not report.rejects, report.rejects


@pytest.fixture(scope="module")
def store(new_store):
    store = new_store()
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
    store.set_decimal_properties(HOSTILE.values())
    try:
        for label, key in HOSTILE.items():
            assert members(store, refund_sum(key, 12.5)) == {f"c-{label}"}, label
    finally:
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
    from workbench.store.importer.reasons import _shown as shown

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


# --- hostile values: bound, never SQL; compared as the contract says --------------------------

CITIES = [
    "O'Neil",
    'say "hi"',
    "back\\slash",
    "100%",
    "a_b",
    "50% off_",
    "x' OR '1'='1",
    "Łódź",
    "żółw",
    "\t tab",
    "line\nbreak",
]
VALUE_TEXT = st.text(st.sampled_from("'\"\\%_ ab\tŁłżŻ\n1="), max_size=8)


@pytest.fixture(scope="module")
def cities(store):
    """Contacts whose city is one of CITIES, stored beside the hostile-key contacts."""
    cities = {f"city-{i}": city for i, city in enumerate(CITIES)}
    load(store, {cid: {"seen": "v"} for cid in cities}, cities)
    return cities


def expected_cities(cities: dict[str, str], op: str, value) -> set[str]:
    """SPEC §3: eq/in exact; contains, starts_with, ends_with ignore case."""
    low = value.lower() if isinstance(value, str) else None
    test = {
        "eq": lambda c: c == value,
        "in": lambda c: c in value,
        "contains": lambda c: low in c.lower(),
        "starts_with": lambda c: c.lower().startswith(low),
        "ends_with": lambda c: c.lower().endswith(low),
    }[op]
    return {cid for cid, city in cities.items() if test(city)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    op=st.sampled_from(["eq", "contains", "starts_with", "ends_with", "in"]),
    value=st.one_of(st.sampled_from(CITIES), VALUE_TEXT),
)
def test_hostile_values_are_compared_as_values(store, cities, op, value):
    rule_value = [value, "none"] if op == "in" else value
    got = members(store, {"attribute": "city", "op": op, "value": rule_value}) & set(cities)
    assert got == expected_cities(cities, op, rule_value)


def test_a_nul_in_a_rule_value_is_refused_naming_the_path(tmp_path):
    from workbench.cli import main

    db = f"duckdb://{tmp_path / 'wb.duckdb'}"
    CliRunner().invoke(main, ["--db", db, "init"], catch_exceptions=False)
    path = tmp_path / "nul.json"
    path.write_text(
        json.dumps({"id": "n", "name": "n", "rule": {"attribute": "city", "op": "in", "value": ["a", "b\u0000"]}})
    )
    result = CliRunner().invoke(main, ["--db", db, "count", str(path)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "rule.value: text values cannot contain NUL (U+0000)" in result.output


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("first_name", "a\u0000b", id="text"),
        pytest.param("tags", ["x\u0000"], id="array"),
        pytest.param("city", "Gda\u0000ńsk", id="text-with-accents"),
    ],
)
def test_a_nul_in_contact_data_fails_its_row_alone_on_every_engine(new_store, field, value):
    """PostgreSQL cannot store a NUL in text: once it stopped the whole import there."""
    ws = new_store()
    rows = [{**row, field: value} if row["contact_id"] == "bad" else row for row in contact_rows(["ok1", "bad", "ok2"])]
    report = ws.append("contacts", rows)
    assert [(line, reason.split(":")[0]) for line, reason in report.rejects] == [(2, field)]
    assert "contains NUL (U+0000), which no text can hold" in report.rejects[0][1]
    assert sorted(r["contact_id"] for r in ws.table("contacts").to_pylist()) == ["ok1", "ok2"]
    ws.close()
