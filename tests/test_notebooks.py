"""The notebooks run top to bottom with papermill, on the sample shop."""

from __future__ import annotations

from pathlib import Path

import papermill as pm
import pytest

from tests.reference import evaluate
from tests.sample_store import build
from workbench.sample import SAMPLE_AS_OF

pytestmark = pytest.mark.slow
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def outputs_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_explore_segments_runs_and_counts_right(tmp_path):
    sample = build(f"duckdb://{tmp_path / 'nb.duckdb'}", contacts=1500)
    executed = pm.execute_notebook(
        str(NOTEBOOKS / "01_explore_segments.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters={"db": sample.ws.url.url, "as_of": SAMPLE_AS_OF.isoformat()},
        kernel_name="python3",
        cwd=str(tmp_path),
        progress_bar=False,
    )
    text = outputs_text(executed)
    vip_rule = {
        "event": "purchase",
        "window": {"last": "3mo"},
        "aggregate": {"fn": "sum", "property": "amount"},
        "op": "gt",
        "value": 1000,
    }
    vip_count = len(evaluate(vip_rule, **sample.reference_kwargs()))
    assert "spent more than 1000 PLN on purchase in the last 3 months" in text
    assert f"\n{vip_count}\n" in f"\n{text}\n"
    assert "rule.op: 'gt' is not valid for string field 'city'" in text
    assert 'FROM "events"' in text  # the SQL panel


def test_campaign_results_gives_the_apis_numbers(tmp_path):
    from workbench.results import campaign_results
    from workbench.sample.load import load_sample
    from workbench.store.workspace import Workspace

    ws = Workspace(f"duckdb://{tmp_path / 'results.duckdb'}")
    load_sample(ws, 1500, history=True)
    executed = pm.execute_notebook(
        str(NOTEBOOKS / "02_campaign_results.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters={"db": ws.url.url, "as_of": SAMPLE_AS_OF.isoformat(), "segment": "vip"},
        kernel_name="python3",
        cwd=str(tmp_path),
        progress_bar=False,
    )
    text = outputs_text(executed)
    results = campaign_results(ws, "come_back", SAMPLE_AS_OF)
    rec, hold = results.recipients, results.holdout
    assert f"recipients converted: {rec.converted} of {rec.contacts}" in text
    assert f"holdout converted: {hold.converted} of {hold.contacts}" in text
    assert f"verdict: {results.lift.verdict}" in text
    assert f"from the outcome table: recipients converted {rec.converted}, holdout converted {hold.converted}" in text
    assert 'FROM "wb_send_log"' in text  # the outcome table's SQL
