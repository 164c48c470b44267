"""The sample shop's campaign history: a holdout split by the send path's hash, never messaged,
and a planted effect that the results recover inside their 95% interval."""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.results import campaign_results
from workbench.results.lift import MORE
from workbench.sample import SAMPLE_AS_OF
from workbench.sample.history import CAMPAIGN_ID, EFFECT, HOLDOUT, load_history
from workbench.sample.load import load_sample
from workbench.send.holdout import bucket
from workbench.send.tables import SEND_LOG
from workbench.store.workspace import Workspace


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> tuple[Workspace, object]:
    ws = Workspace(f"duckdb://{tmp_path_factory.mktemp('history') / 'shop.duckdb'}")
    load_sample(ws, 5000, save_segments=False)
    return ws, load_history(ws)


def test_the_planted_effect_is_recovered_inside_the_interval(shop):
    ws, history = shop
    results = campaign_results(ws, CAMPAIGN_ID, SAMPLE_AS_OF)
    assert results.campaign.holdout == HOLDOUT
    assert (results.recipients.contacts, results.holdout.contacts) == (history.recipients, history.holdout)
    lift = results.lift
    assert lift.verdict == MORE
    assert lift.ratio_ci[0] < EFFECT < lift.ratio_ci[1]
    planted_difference = history.recipient_rate - history.holdout_rate
    assert lift.difference_ci[0] < planted_difference < lift.difference_ci[1]
    assert results.recipients.opened > 0 and results.recipients.bounced > 0


def test_the_holdout_is_the_hash_split_and_never_messaged(shop):
    ws, _ = shop
    log = ws.table(SEND_LOG.name).to_pylist()
    mine = [r for r in log if r["campaign_id"] == CAMPAIGN_ID]
    held = {r["contact_id"] for r in mine if r["status"] == "holdout"}
    assert held == {r["contact_id"] for r in mine if bucket(CAMPAIGN_ID, r["contact_id"]) < HOLDOUT}
    n = len(mine)
    assert abs(len(held) - n * HOLDOUT) < 4 * math.sqrt(n * HOLDOUT * (1 - HOLDOUT))
    messaged = {e["contact_id"] for e in ws.table("events").to_pylist() if e["campaign_id"] == CAMPAIGN_ID}
    assert messaged and not messaged & held


def test_the_history_is_deterministic_and_demo_data_loads_it(shop, tmp_path):
    _, history = shop
    db = f"duckdb://{tmp_path / 'demo.duckdb'}"
    out = CliRunner().invoke(main, ["demo-data", "--contacts", "5000", "--no-segments", "--db", db])
    assert out.exit_code == 0, out.output
    assert "campaign history: come_back" in out.output
    again = campaign_results(Workspace(db), CAMPAIGN_ID, SAMPLE_AS_OF)
    assert (again.recipients.contacts, again.holdout.contacts) == (history.recipients, history.holdout)
    assert again.lift.difference == campaign_results(shop[0], CAMPAIGN_ID, SAMPLE_AS_OF).lift.difference


def test_the_history_written_in_small_chunks_is_the_same(tmp_path, monkeypatch):
    """At ten million contacts the audience is written a chunk at a time; chunks change nothing."""
    from workbench.sample import history as history_module

    def written(folder, chunk: int) -> tuple[list, list]:
        monkeypatch.setattr(history_module, "CHUNK", chunk)
        ws = Workspace(f"duckdb://{tmp_path / folder}.duckdb")
        load_sample(ws, 800, save_segments=False)
        load_history(ws)
        events = sorted(
            (r["event_id"], r["name"], r["ts"], r["contact_id"], r["amount"])
            for r in ws.table("events").to_pylist()
            if CAMPAIGN_ID in r["event_id"]
        )
        log = sorted((r["contact_id"], r["status"], r["address"]) for r in ws.table(SEND_LOG.name).to_pylist())
        return events, log

    whole, chunked = written("whole", 100_000), written("chunked", 7)
    assert whole == chunked and len(whole[1]) > 7 * 3  # several chunks, the same rows
