"""Amounts are exact decimals (SPEC §1): how they are stored, upgraded and summed.

The segment semantics of amounts (sums and averages at exact boundaries, on every
engine) are conformance cases (``MONEY_CASES``) checked against the reference; this
module covers the way in (imports round to four places, refuse what does not fit), stores
made before amounts were exact, and the same answer from a parallel count every time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.store.importer import prepare
from workbench.store.workspace import Workspace

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def segment(rule: dict) -> dict:
    return {"id": "money", "name": "money", "rule": rule}


def amounts_of(prepared) -> list:
    return prepared.table.column("amount").to_pylist()


def test_csv_amounts_are_rounded_half_away_from_zero_as_written(tmp_path):
    text = "source,name,ts,amount\n" + "".join(
        f"custom,purchase,2026-01-01T00:00:{i:02d}Z,{value}\n"
        for i, value in enumerate(
            [
                "100.10",
                "0.00005",
                "-0.00005",
                "12.34565",
                "0.00015",
                "1e3",
                "99999999999999.9999",
                "7",
                "5e-10",
                "-2.5E-4",
            ]
        )
    )
    path = tmp_path / "events.csv"
    path.write_text(text)
    assert amounts_of(prepare("events", path, now=NOW)) == [
        Decimal("100.1"),
        Decimal("0.0001"),
        Decimal("-0.0001"),
        Decimal("12.3457"),
        Decimal("0.0002"),
        Decimal("1000"),
        Decimal("99999999999999.9999"),
        Decimal("7"),
        Decimal("0"),
        Decimal("-0.0003"),
    ]


def test_amounts_that_do_not_fit_are_refused_with_the_reason(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "source,name,ts,amount\n"
        "custom,purchase,2026-01-01,100000000000000\n"
        "custom,purchase,2026-01-01,99999999999999.99995\n"
        "custom,purchase,2026-01-01,lots\n"
        "custom,purchase,2026-01-01,-5.5\n"
    )
    prepared = prepare("events", path, now=NOW)
    assert [(r.line, r.reason) for r in prepared.rejects] == [
        (2, "amount: '100000000000000' is too large for an amount (at most 14 digits before the point)"),
        (3, "amount: '99999999999999.99995' is too large for an amount (at most 14 digits before the point)"),
        (4, "amount: 'lots' is not a number"),
    ]
    assert amounts_of(prepared) == [Decimal("-5.5")]


def test_parquet_amounts_of_every_numeric_type(tmp_path):
    rows = 6
    base = {
        "source": ["custom"] * rows,
        "name": ["purchase"] * rows,
        "ts": pa.array([datetime(2026, 1, 1, 0, 0, i, tzinfo=UTC) for i in range(rows)], pa.timestamp("us", "UTC")),
    }
    # (the amounts written, the amounts kept, the rows rejected: a Parquet file's rows are lines 1…);
    # NaN is no value, as in any number column
    cases = {
        # a double is read by its shortest text (0.00015, 5e-10), rounded half away from zero
        "double": (
            [100.1, 0.00015, 1e14, float("nan"), 5e-10, -12.34565],
            ["100.1", "0.0002", None, "0", "-12.3457"],
            [3],
        ),
        "decimal": (
            pa.array(
                [Decimal(v) for v in ("1.000050", "-1.000050", "2.5", "99999999999999.999950", "0.00005", "0")],
                pa.decimal128(38, 6),
            ),
            ["1.0001", "-1.0001", "2.5", "0.0001", "0"],
            [4],
        ),
        "integer": ([1, -2, 10**14, 2**63 - 1, 0, 0], ["1", "-2", "0", "0"], [3, 4]),
    }
    for kind, (amounts, kept, rejected_lines) in cases.items():
        path = tmp_path / f"{kind}.parquet"
        pq.write_table(pa.table({**base, "amount": amounts}), path)
        prepared = prepare("events", path, now=NOW)
        assert amounts_of(prepared) == [None if v is None else Decimal(v) for v in kept], kind
        assert [r.line for r in prepared.rejects] == rejected_lines, kind


def test_a_store_made_when_amounts_were_floats_is_upgraded_by_init(new_store_url, backend_name):
    url = new_store_url()
    ws = Workspace(url)
    ws.init()
    ws.append("contacts", [{"contact_id": "c1", "created_at": "2026-01-01T00:00:00Z"}])
    ws.append(
        "events", [{"event_id": "a", "contact_id": "c1", "source": "custom", "name": "purchase", "ts": "2026-01-02"}]
    )
    ws.close()
    # the column as earlier versions made it, with amounts only a double could hold, set by hand
    make_old = [
        "ALTER TABLE events ALTER amount TYPE DOUBLE PRECISION",
        "UPDATE events SET amount = 100.1",
        "INSERT INTO events (event_id, contact_id, source, name, ts, received_at, amount) VALUES "
        "('b', 'c1', 'custom', 'purchase', now(), now(), 1e20), ('c', 'c1', 'custom', 'purchase', now(), now(), 12.34565)",
    ]
    if backend_name == "duckdb":
        import duckdb

        with duckdb.connect(str(ws.url.path)) as con:
            for statement in make_old:
                con.execute(statement)
    else:
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as con:
            for statement in make_old:
                con.execute(statement)
    upgraded = Workspace(url)
    upgraded.init()
    stored = {r["event_id"]: r["amount"] for r in upgraded.table("events").to_pylist()}
    # a double is read by its shortest text, 12.34565, as the importer reads one; 1e20 does not fit
    assert stored == {"a": Decimal("100.1"), "b": None, "c": Decimal("12.3457")}
    spent = {"event": "purchase", "aggregate": {"fn": "sum", "property": "amount"}, "op": "eq", "value": 112.4457}
    assert upgraded.count(segment(spent), as_of="2027-01-01T00:00:00Z") == 1
    upgraded.close()


@pytest.mark.slow
def test_a_parallel_sum_gives_the_exact_answer_every_time(tmp_path):
    """Three purchases per contact adding up to exactly 0.30 or 0.31, spread over many row
    groups so that DuckDB sums them on several threads in an order of its choosing. In
    binary floating point 0.10 + 0.10 + 0.10 is 0.30000000000000004, however it is summed."""
    contacts, per = 200_000, 3
    as_of = datetime(2026, 6, 1, tzinfo=UTC)
    ids = [f"c{i:06d}" for i in range(contacts)]
    amounts, owners = [], []
    for i, cid in enumerate(ids):
        last = 0.10 if i % 3 else 0.11  # every third contact spent 0.31
        amounts += [*[0.10] * (per - 1), last]
        owners += [cid] * per
    n = len(amounts)
    pq.write_table(
        pa.table({"contact_id": ids, "created_at": pa.array([as_of - timedelta(days=30)] * contacts)}),
        tmp_path / "contacts.parquet",
    )
    # interleaved so that every row group holds parts of many contacts' sums
    order = sorted(range(n), key=lambda k: (k % per, k))
    pq.write_table(
        pa.table(
            {
                "event_id": [f"e{k}" for k in order],
                "contact_id": [owners[k] for k in order],
                "source": ["custom"] * n,
                "name": ["purchase"] * n,
                "ts": pa.array([as_of - timedelta(days=1)] * n, pa.timestamp("us", "UTC")),
                "amount": [amounts[k] for k in order],
            }
        ),
        tmp_path / "events.parquet",
    )
    ws = Workspace(f"duckdb://{tmp_path / 'wb.duckdb'}")
    ws.init()
    ws.import_file("contacts", tmp_path / "contacts.parquet")
    ws.import_file("events", tmp_path / "events.parquet")
    exactly = {"event": "purchase", "aggregate": {"fn": "sum", "property": "amount"}, "op": "eq", "value": 0.3}
    more = {**exactly, "op": "gt"}
    average = {**exactly, "aggregate": {"fn": "avg", "property": "amount"}, "value": 0.1}
    spent_030 = sum(1 for i in range(contacts) if i % 3)
    for _ in range(5):
        assert ws.count(segment(exactly), as_of=as_of) == spent_030
        assert ws.count(segment(more), as_of=as_of) == contacts - spent_030
        assert ws.count(segment(average), as_of=as_of) == spent_030
    ws.close()


# --- any amounts: sums and averages compared exactly, on every engine ------------------------

CENTS = st.integers(min_value=-(10**9), max_value=10**9)  # up to ten million PLN either way, in grosze


@pytest.fixture(scope="module", params=["duckdb", "postgres", "clickhouse"])
def money_store(request, tmp_path_factory):
    from tests.chdb_store import ChdbStore
    from tests.conftest import new_postgres_database

    if request.param == "clickhouse":
        return ChdbStore()
    url = (
        new_postgres_database()
        if request.param == "postgres"
        else f"duckdb://{tmp_path_factory.mktemp('money')}/wb.duckdb"
    )
    ws = Workspace(url)
    ws.init()
    return ws


_examples = iter(range(10**9))


def store_purchases(store, purchases: dict[str, list[Decimal]]) -> None:
    """Each contact's purchases, stored through the importer as any engine's store takes them."""
    created = datetime(2026, 1, 1, tzinfo=UTC)
    events = [
        {"event_id": f"{cid}-{i}", "contact_id": cid, "source": "custom", "name": "purchase",
         "ts": datetime(2026, 5, 1, tzinfo=UTC), "amount": str(amount)}
        for cid, amounts in purchases.items()
        for i, amount in enumerate(amounts)
    ]  # fmt: skip
    store.append("contacts", [{"contact_id": cid, "created_at": created} for cid in purchases])
    report = store.append("events", events)
    assert not report.rejects


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cents=st.lists(st.lists(CENTS, min_size=1, max_size=12), min_size=1, max_size=4),
    pick=st.integers(min_value=0, max_value=3),
    nudge=st.sampled_from([0, 0, 1, -1]),
)
def test_any_amounts_are_summed_and_averaged_exactly(money_store, cents, pick, nudge):
    """Thresholds sit exactly on a contact's sum or average (or one grosz beside it), where
    binary floating point answers by luck."""
    n = next(_examples)
    purchases = {f"m{n}-{i}": [Decimal(c).scaleb(-2) for c in amounts] for i, amounts in enumerate(cents)}
    store_purchases(money_store, purchases)
    target = list(purchases.values())[pick % len(purchases)]
    total = sum(target) + Decimal(nudge).scaleb(-2)
    mean = sum(target) / len(target)  # exact when it fits 28 digits: a whole number of grosze / n
    for fn, value, exact in (("sum", total, lambda a: sum(a)), ("avg", mean, lambda a: Fraction(sum(a)) / len(a))):
        for op, test in (("eq", lambda x, v: x == v), ("gte", lambda x, v: x >= v), ("lt", lambda x, v: x < v)):
            rule = {"event": "purchase", "aggregate": {"fn": fn, "property": "amount"}, "op": op, "value": float(value)}
            if Decimal(repr(float(value))) != value:
                continue  # a threshold no JSON number can write exactly
            got = set(money_store.members(segment(rule), datetime(2026, 6, 1, tzinfo=UTC))) & set(purchases)
            assert got == {c for c, a in purchases.items() if test(exact(a), value)}, (fn, op, value)
