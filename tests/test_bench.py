"""The segment benchmark harness (bench/segments, issue #9) at a tiny scale.

Besides checking that the harness runs and reports a row per measured segment (the
examples and the benchmark's own), this is an independent cross-check of the compiler:
for every measured segment the hand-written SQL of ``bench/segments/handwritten.py`` and
the pandas code of ``bench/segments/pandas_impl.py`` (both written from the spec, not from
the compiler) must select exactly the compiler's contacts, on DuckDB and on PostgreSQL.
The benchmark's own ``two_attributes`` selects almost nobody at the harness's scale, so it
is also checked on a small world built for it, where it has members.
"""

from __future__ import annotations

from datetime import timedelta

import duckdb
import psycopg
import pytest

from bench.segments import cli, data, handwritten, library, pandas_impl, phases, report
from tests.conftest import new_postgres_database, postgres_admin_url
from tests.world import World, load
from workbench.sample.load import example_segment_files
from workbench.store.workspace import Workspace

# one run of the harness shared by the tests: on one worker, or two workers would load
# the same PostgreSQL database at once
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("bench")]

CONTACTS = 2000
EXAMPLES = sorted(path.stem for path in example_segment_files())
MEASURED = sorted(library.segment_ids())


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[int, str, str]:
    tmp = tmp_path_factory.mktemp("bench")
    argv = [
        "--contacts",
        str(CONTACTS),
        "--pg-contacts",
        str(CONTACTS),
        "--pg",
        postgres_admin_url(),
        "--quick",
        "--isolate",
        "phase",
        "--cache-dir",
        str(tmp / "cache"),
        "--out",
        str(tmp / "run"),
        "--write-docs",
        str(tmp / "benchmarks.md"),
    ]
    code = cli.main(argv)
    results = (tmp / "run" / "results.json").read_text()
    return code, results, (tmp / "benchmarks.md").read_text()


def test_every_measured_segment_has_handwritten_sql_pandas_and_builder_edits():
    assert [path.stem for path in library.bench_segment_files()] == ["two_attributes"]
    assert sorted([*EXAMPLES, "two_attributes"]) == MEASURED
    assert sorted(handwritten.SEGMENT_IDS) == MEASURED
    assert sorted(pandas_impl.SEGMENTS) == MEASURED
    assert sorted({edit[0] for edit in phases.BUILDER_EDITS}) == MEASURED


def test_a_plain_run_measures_every_segment(run):
    import json

    _, results, _ = run
    measured = json.loads(results)
    assert measured["config"]["segments"] == library.segment_ids()
    # every segment's builder edits were counted (an edit that made a rule invalid fails the phase)
    assert sorted(measured["builder"]["per_segment_ms"]) == MEASURED


def test_harness_exits_zero_when_everything_agrees(run):
    code, _, _ = run
    assert code == 0


def test_handwritten_sql_pandas_and_compiler_select_the_same_contacts(run):
    import json

    _, results, _ = run
    data = json.loads(results)
    assert not data["errors"]
    checks = {what: (ok, detail) for what, ok, detail in data["checks"]}
    for sid in MEASURED:
        duck = f"{sid} at {CONTACTS:,}: compiler = hand-written SQL = pandas"
        pg = f"{sid} at {CONTACTS:,}: PostgreSQL compiler = PostgreSQL hand-written = DuckDB compiler"
        assert checks[duck][0], checks[duck][1]
        assert checks[pg][0], checks[pg][1]
        assert "compiler, handwritten, pandas" in checks[duck][1]
    assert all(ok for ok, _ in checks.values()), [w for w, (ok, _) in checks.items() if not ok]
    # not vacuous: most example audiences are non-empty even at this scale
    assert sum(data["compiler"][sid]["count"] > 0 for sid in EXAMPLES) >= len(EXAMPLES) - 2


def test_report_has_a_row_per_segment_and_the_targets(run):
    _, _, docs = run
    block = docs.split(report.BEGIN, 1)[1].split(report.END, 1)[0]
    rows = [line for line in block.splitlines() if line.startswith("| ") and not line.startswith("| segment")]
    for sid in MEASURED:
        assert any(line.startswith(f"| {sid} |") for line in rows), sid
    targets = {line.split(" | ")[0].lstrip("| "): line for line in block.splitlines() if line.startswith("| ")}
    for target in ("1.5×", "500 ms", "20 ms", "300 ms median", "300 ms, every segment", "one pass", "peak RSS"):
        (row,) = [line for name, line in targets.items() if target in name]
        assert "not measured" not in row, row  # measured in this run, met or missed
    assert "MISMATCH" not in block


def test_a_mismatch_is_reported_loudly(tmp_path):
    rep = report.Report(config={"segments": ["vip"], "contacts": 1}, machine={})
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("c1\nc2\n")
    b.write_text("c1\n")
    cli._same(rep, "vip", {"compiler": str(a), "handwritten": str(b)})
    assert not rep.ok
    assert "**MISMATCH**" in rep.checks_markdown()
    assert "only in compiler: ['c2']" in rep.checks[0][2]


# --- two_attributes on a world built for it --------------------------------------------------

T = data.AS_OF
DAY = timedelta(days=1)


def _contact(cid: str, city: str | None, consent: bool = True, created=T - 100 * DAY) -> dict:
    return {
        "contact_id": cid,
        "city": city,
        "email_consent": consent,
        "sms_consent": False,
        "push_consent": False,
        "created_at": created,
        "updated_at": created,
    }


def _event(n: int, name: str, ts, contact: str | None = None, anonymous: str | None = None) -> dict:
    return {
        "event_id": f"e{n}",
        "contact_id": contact,
        "anonymous_id": anonymous,
        "source": "web" if name == "page_view" else "custom",
        "name": name,
        "ts": ts,
        "received_at": T,
        "properties": None,
    }


def two_attributes_world() -> tuple[World, list[str]]:
    """Contacts on every edge of the segment (city, consent, the two windows' bounds, the
    universe, stitching through the latest link) and the members expected."""
    buy, view = "purchase", "page_view"
    contacts = [
        _contact("c01", "Szczecin"),  # two purchases, no view: in
        _contact("c02", "Lublin"),  # one purchase of its own, one anonymous (a1 → c02): in
        _contact("c03", "Szczecin"),  # an anonymous view yesterday (a2 → c03): out
        _contact("c04", "Lublin"),  # a3's view is c09's: a3 was linked to c04, then to c09: in
        _contact("c05", "Szczecin", consent=False),  # no consent: out
        _contact("c06", "Kraków"),  # another city: out
        _contact("c07", "Szczecin"),  # a purchase exactly 30 days ago is outside the window: out
        _contact("c08", "Lublin"),  # a view exactly 7 days ago is outside the window: in
        _contact("c09", "Kraków"),
        _contact("c10", "Szczecin", created=T + DAY),  # created after T: out
        _contact("c11", "Lublin"),  # a view a microsecond inside the 7 days: out
        _contact("c12", None),  # no city: out
        _contact("c13", "szczecin"),  # cities compare case-sensitively: out
        _contact("c14", "Szczecin"),  # a purchase after T does not count: out
        _contact("c15", "Lublin"),  # an anonymous purchase of a1 is c02's, not c15's: out
    ]
    us = timedelta(microseconds=1)
    rows = [
        (buy, T - DAY, "c01", None),
        (buy, T - 20 * DAY, "c01", None),
        (buy, T - 2 * DAY, "c02", None),
        (buy, T - 3 * DAY, None, "a1"),
        (buy, T - DAY, "c03", None),
        (buy, T - 2 * DAY, "c03", None),
        (view, T - DAY, None, "a2"),
        (buy, T - DAY, "c04", None),
        (buy, T - 29 * DAY, "c04", None),
        (view, T - 2 * DAY, None, "a3"),
        (buy, T - DAY, "c05", None),
        (buy, T - 2 * DAY, "c05", None),
        (buy, T - DAY, "c06", None),
        (buy, T - 2 * DAY, "c06", None),
        (buy, T - DAY, "c07", None),
        (buy, T - 30 * DAY, "c07", None),
        (buy, T - DAY, "c08", None),
        (buy, T - 2 * DAY, "c08", None),
        (view, T - 7 * DAY, "c08", None),
        (buy, T - DAY, "c10", None),
        (buy, T - 2 * DAY, "c10", None),
        (buy, T - DAY, "c11", None),
        (buy, T - 2 * DAY, "c11", None),
        (view, T - 7 * DAY + us, "c11", None),
        (buy, T - DAY, "c12", None),
        (buy, T - 2 * DAY, "c12", None),
        (buy, T - DAY, "c13", None),
        (buy, T - 2 * DAY, "c13", None),
        (buy, T - DAY, "c14", None),
        (buy, T + us, "c14", None),
        (buy, T - DAY, "c15", None),
        (buy, T - 4 * DAY, None, "a1"),
    ]
    events = [_event(n, name, ts, contact, anon) for n, (name, ts, contact, anon) in enumerate(rows)]
    identities = [
        {"anonymous_id": "a1", "contact_id": "c15", "linked_at": T - 60 * DAY},
        {"anonymous_id": "a1", "contact_id": "c02", "linked_at": T - 50 * DAY},
        {"anonymous_id": "a2", "contact_id": "c03", "linked_at": T - 50 * DAY},
        {"anonymous_id": "a3", "contact_id": "c04", "linked_at": T - 50 * DAY},
        {"anonymous_id": "a3", "contact_id": "c09", "linked_at": T - 40 * DAY},
    ]
    return World(contacts, events, identities, as_of=T), ["c01", "c02", "c04", "c08"]


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_two_attributes_handwritten_sql_and_pandas_agree_with_the_compiler(backend, tmp_path):
    world, expected = two_attributes_world()
    url = f"duckdb://{tmp_path / 'store.duckdb'}" if backend == "duckdb" else new_postgres_database()
    ws = Workspace(url)
    ws.init()
    load(ws, world)
    ws.save_segment(library.DOCUMENTS_DIR / "two_attributes.json")  # the examples' events are not in this world
    compiled = ws.members("two_attributes", T)
    ws.close()
    sql, values = handwritten.render("two_attributes", T, backend)
    if backend == "duckdb":
        path = str(tmp_path / "store.duckdb")
        with duckdb.connect(path, read_only=True) as con:
            hand = sorted(row[0] for row in con.execute(sql, values).fetchall())
        assert pandas_impl.two_attributes(pandas_impl.load(path, T)) == expected
    else:
        with psycopg.connect(data.libpq(url)) as conn:
            hand = sorted(row[0] for row in conn.execute(sql, values).fetchall())
    assert compiled == expected
    assert hand == expected
