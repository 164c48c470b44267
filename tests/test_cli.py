"""The command line of SPEC §5: outputs, exit codes, and path-precise messages on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from tests.reference import evaluate
from tests.sample_store import build, snapshot
from workbench.cli import main
from workbench.sample import SAMPLE_AS_OF

AS_OF = SAMPLE_AS_OF.isoformat()
SEGMENTS = Path(__file__).resolve().parents[1] / "sample_data" / "segments"


@pytest.fixture(scope="module")
def sample(backend_url):
    return build(backend_url, contacts=1500)


@pytest.fixture
def run(sample):
    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, ["--db", sample.ws.url.url, *args], input=input, catch_exceptions=False)

    return invoke


def write(tmp_path: Path, doc) -> str:
    path = tmp_path / "segment.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return str(path)


def test_count_of_vip_file_equals_reference(sample, run):
    result = run("count", str(SEGMENTS / "vip.json"), "--as-of", AS_OF)
    assert result.exit_code == 0
    rule = json.loads((SEGMENTS / "vip.json").read_text())["rule"]
    assert int(result.output.strip().splitlines()[-1]) == len(evaluate(rule, **sample.reference_kwargs()))


def test_count_json_reports_query_time(run):
    result = run("count", "vip", "--as-of", AS_OF, "--json")
    payload = json.loads(result.output)
    assert set(payload) == {"count", "elapsed_ms"} and payload["elapsed_ms"] > 0


def test_members_lines_csv_and_parquet(sample, run, tmp_path):
    expected = sorted(
        evaluate(json.loads((SEGMENTS / "target_city.json").read_text())["rule"], **sample.reference_kwargs())
    )
    assert run("members", "target_city", "--as-of", AS_OF).output.split() == expected
    csv_out, pq_out = tmp_path / "m.csv", tmp_path / "m.parquet"
    assert run("members", "target_city", "--as-of", AS_OF, "--out", str(csv_out)).exit_code == 0
    assert csv_out.read_text().split() == ['"contact_id"', *[f'"{c}"' for c in expected]]
    assert run("members", "target_city", "--as-of", AS_OF, "--out", str(pq_out)).exit_code == 0
    assert pq.read_table(pq_out).column("contact_id").to_pylist() == expected


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "clickhouse"])
def test_sql_per_dialect(run, dialect):
    result = run("sql", "vip", "--dialect", dialect, "--as-of", AS_OF)
    assert result.exit_code == 0
    assert result.output == snapshot(dialect, "vip")


def test_segment_library_commands(run, tmp_path):
    doc = {
        "version": 1,
        "id": "gdansk_vips",
        "name": "VIPs in Gdańsk",
        "rule": {"all": [{"in_segment": "vip"}, {"attribute": "city", "op": "eq", "value": "Gdańsk"}]},
    }
    assert run("segment", "save", write(tmp_path, doc)).output.strip() == "saved gdansk_vips"
    listed = json.loads(run("segment", "list", "--json").output)
    assert {"gdansk_vips", "vip"} <= {row["id"] for row in listed}
    assert json.loads(run("segment", "show", "gdansk_vips").output) == doc
    refused = run("segment", "delete", "vip")
    assert refused.exit_code == 1 and "used by gdansk_vips" in refused.output
    assert run("segment", "delete", "gdansk_vips").exit_code == 0
    assert run("segment", "show", "gdansk_vips").exit_code == 2


BAD_DOCUMENTS = {
    "unknown-field": (
        {"name": "x", "rule": {"attribute": "citty", "op": "eq", "value": "a"}},
        "rule.attribute: unknown field 'citty'",
    ),
    "op-for-type": (
        {"name": "x", "rule": {"all": [{"event": "purchase"}, {"attribute": "city", "op": "gt", "value": 3}]}},
        "rule.all[1].op: 'gt' is not valid for string field 'city'; use one of is_set, is_not_set, eq, ne, in",
    ),
    "value-type": (
        {"name": "x", "rule": {"attribute": "email_consent", "op": "is_true", "value": 1}},
        "rule.value: 'is_true' takes no value",
    ),
    "number-value": (
        {
            "name": "x",
            "rule": {
                "event": "purchase",
                "aggregate": {"fn": "sum", "property": "amount"},
                "op": "gt",
                "value": "1000",
            },
        },
        "rule.value: expected a number, got '1000'",
    ),
    "unknown-event": (
        {"name": "x", "rule": {"any": [{"event": "purchse"}]}},
        "rule.any[0].event: unknown event 'purchse'",
    ),
    "unknown-property": (
        {"name": "x", "rule": {"event": "purchase", "where": [{"property": "colour", "op": "eq", "value": "r"}]}},
        "rule.where[0].property: unknown property 'colour' for event 'purchase'",
    ),
    "bad-duration": (
        {"name": "x", "rule": {"event": "purchase", "window": {"last": "3 months"}}},
        "rule.window.last: '3 months' is not a duration",
    ),
    "unknown-segment": ({"name": "x", "rule": {"in_segment": "nope"}}, "rule.in_segment: unknown segment 'nope'"),
    "unknown-list": ({"name": "x", "rule": {"not": {"in_list": "nope"}}}, "rule.not.in_list: unknown list 'nope'"),
    "two-kinds": (
        {"name": "x", "rule": {"attribute": "city", "event": "purchase", "op": "eq"}},
        "rule: a rule needs exactly one of",
    ),
    "unknown-key": (
        {"name": "x", "rule": {"attribute": "city", "op": "eq", "value": "a", "negate": True}},
        "rule.negate: unknown key",
    ),
    "bad-id": ({"id": "VIP!", "name": "x", "rule": {"all": []}}, "id: 'VIP!' is not a valid id"),
    "empty-in": (
        {"name": "x", "rule": {"attribute": "city", "op": "in", "value": []}},
        "rule.value: 'in' takes a non-empty list",
    ),
    "negated-first": (
        {"name": "x", "rule": {"sequence": [{"not": {"event": "purchase"}}, {"event": "add_to_cart"}]}},
        "rule.sequence[0]: a negated step is only allowed",
    ),
    "not-json": ('{"name": ', "document: "),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_invalid_documents_exit_2_naming_the_path(run, tmp_path, case):
    doc, message = BAD_DOCUMENTS[case]
    path = write(tmp_path, doc)
    out = tmp_path / "members.csv"
    for args in (["count", path], ["members", path, "--out", str(out)], ["sql", path], ["segment", "save", path]):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, result.output
    assert not out.exists(), "nothing is written on invalid input"


def test_cycle_exits_2(run, tmp_path):
    a = {"id": "cyc_a", "name": "A", "rule": {"attribute": "city", "op": "eq", "value": "Gdańsk"}}
    assert run("segment", "save", write(tmp_path, a)).exit_code == 0
    b = {"id": "cyc_b", "name": "B", "rule": {"in_segment": "cyc_a"}}
    assert run("segment", "save", write(tmp_path, b)).exit_code == 0
    a["rule"] = {"in_segment": "cyc_b"}
    result = run("segment", "save", write(tmp_path, a))
    assert result.exit_code == 2
    assert "rule.in_segment: segment reference cycle: cyc_a → cyc_b → cyc_a" in result.output


def test_bad_as_of_exits_2(run):
    result = run("count", "vip", "--as-of", "yesterday")
    assert result.exit_code == 2 and "--as-of" in result.output


def test_console_script_runs(sample):
    """The installed ``workbench`` entry point, in a real process."""
    exe = Path(sys.executable).with_name("workbench")
    result = subprocess.run(
        [str(exe), "--db", sample.ws.url.url, "count", "target_city", "--as-of", AS_OF],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip().splitlines()[-1]) > 0


def test_a_file_that_is_not_a_store_is_one_line_of_error(tmp_path):
    garbage = tmp_path / "notes.duckdb"
    garbage.write_bytes(bytes(range(256)) * 64)  # any file that is not a DuckDB database
    result = CliRunner().invoke(main, ["--db", f"duckdb://{garbage}", "segment", "list"])
    assert result.exit_code == 1
    assert result.output.startswith("error: the store failed: IO Error: The file")
    assert "not a valid DuckDB database file" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
