"""The segment benchmark harness (bench/segments, issue #9) at a tiny scale.

Besides checking that the harness runs and reports a row per example segment, this is an
independent cross-check of the compiler: for every example segment the hand-written SQL
of ``bench/segments/handwritten.py`` and the pandas code of ``bench/segments/pandas_impl.py``
(both written from the spec, not from the compiler) must select exactly the compiler's
contacts, on DuckDB and on PostgreSQL.
"""

from __future__ import annotations

import pytest

from bench.segments import cli, report
from tests.conftest import postgres_admin_url
from workbench.sample.load import example_segment_files

# one run of the harness shared by the tests: on one worker, or two workers would load
# the same PostgreSQL database at once
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("bench")]

CONTACTS = 2000
EXAMPLES = sorted(path.stem for path in example_segment_files())


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
        "--skip-builder",
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


def test_every_example_segment_has_handwritten_sql_and_pandas():
    from bench.segments.handwritten import SEGMENT_IDS
    from bench.segments.pandas_impl import SEGMENTS

    assert sorted(SEGMENT_IDS) == EXAMPLES
    assert sorted(SEGMENTS) == EXAMPLES


def test_harness_exits_zero_when_everything_agrees(run):
    code, _, _ = run
    assert code == 0


def test_handwritten_sql_pandas_and_compiler_select_the_same_contacts(run):
    import json

    _, results, _ = run
    data = json.loads(results)
    assert not data["errors"]
    checks = {what: (ok, detail) for what, ok, detail in data["checks"]}
    for sid in EXAMPLES:
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
    for sid in EXAMPLES:
        assert any(line.startswith(f"| {sid} |") for line in rows), sid
    targets = {line.split(" | ")[0].lstrip("| "): line for line in block.splitlines() if line.startswith("| ")}
    for target in ("1.5×", "500 ms", "20 ms", "one pass", "peak RSS"):
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
