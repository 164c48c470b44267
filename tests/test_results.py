"""Campaign results: the outcome table against the plain-Python reference on every backend,
the lift's intervals and verdicts, a planted lift recovered, and the breakdowns."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner

from tests.results_support import (
    AS_OF,
    BIG_ONLY,
    CAMPAIGN,
    DAY,
    OTHER,
    T0,
    event,
    hand_built,
    load,
    log_row,
    reference_outcomes,
    with_occurrences,
)
from tests.send_support import EMAIL_TEMPLATE, write_template
from workbench.cli import main
from workbench.results import (
    MIN_EACH,
    CampaignResults,
    campaign_results,
    lift,
    many_results,
    outcome_rows,
)
from workbench.results.lift import LESS, MORE, NO_HOLDOUT, TOO_SMALL, UNCLEAR
from workbench.send import define_campaign
from workbench.send.holdout import bucket
from workbench.store.workspace import Workspace, connect


@pytest.fixture(scope="module")
def store(new_store_url) -> Workspace:
    ws = connect(new_store_url())
    load(ws, *hand_built())
    return ws


def _normalised(rows: list[dict]) -> list[dict]:
    """Engines hand back decimals with their own scale; compare values."""
    return [r | {"revenue": Decimal(r["revenue"]).normalize()} for r in rows]


@pytest.mark.parametrize(
    ("campaigns", "as_of"),
    [
        pytest.param([CAMPAIGN, OTHER], AS_OF, id="two-campaigns"),
        pytest.param([CAMPAIGN], T0 + 12 * DAY, id="later"),
        pytest.param([CAMPAIGN], T0 + timedelta(hours=1, seconds=30), id="first-hour"),
        pytest.param([BIG_ONLY], AS_OF, id="property-filter"),
        pytest.param([replace(CAMPAIGN, attribution="2d")], AS_OF, id="two-day-window"),
        pytest.param([CAMPAIGN], T0 - DAY, id="before-the-send"),
    ],
)
def test_outcome_table_is_the_reference(store, campaigns, as_of):
    got = outcome_rows(store, campaigns, as_of).to_pylist()
    expected = reference_outcomes(campaigns, *hand_built(), as_of)
    assert _normalised(got) == _normalised(expected)


def test_the_edges_as_decided(store):
    """Pinned by hand, so that the reference cannot drift with the code."""
    rows = {r["contact_id"]: r for r in outcome_rows(store, [CAMPAIGN], AS_OF).to_pylist()}
    assert sorted(rows) == ["h1", "h2", "h3", "r1", "r2", "r3", "r4", "r5", "r6"]  # x1 failed, p1 pending, r7 later
    assert rows["r1"]["conversions"] == 1 and rows["r1"]["revenue"] == 100  # the window's last instant counts
    assert rows["r2"]["delivered"] and rows["r2"]["opened"] and not rows["r2"]["bounced"]  # bounce, then open
    assert rows["r3"]["bounced"] and not rows["r3"]["delivered"] and not rows["r3"]["converted"]  # same instant
    assert (rows["r4"]["conversions"], rows["r4"]["revenue"], rows["r4"]["clicked"]) == (2, Decimal("30.75"), True)
    assert rows["r5"]["converted"] and rows["r5"]["revenue"] == 40 and rows["r5"]["unsubscribed"]  # stitched
    assert rows["r6"]["converted"] and not rows["r6"]["opened"]  # the other campaign's open is not this one's
    assert rows["h1"]["converted"] and not rows["h1"]["sent"] and rows["h1"]["at"] == T0
    assert rows["h2"]["converted"] and rows["h2"]["revenue"] == 0  # a purchase without an amount
    assert not rows["h3"]["converted"]  # after the as-of instant
    other = {r["contact_id"]: r for r in outcome_rows(store, [OTHER], AS_OF).to_pylist()}
    assert other["r6"]["converted"] and other["r6"]["opened"]  # several messages: each campaign counts its own
    assert other["r1"]["conversions"] == 2  # both of r1's purchases fall in the other campaign's window too


def test_a_triggered_campaigns_occurrences_are_its_rows(new_store_url):
    ws = connect(new_store_url())
    data = with_occurrences()
    load(ws, *data)
    got = outcome_rows(ws, [CAMPAIGN], AS_OF).to_pylist()
    assert _normalised(got) == _normalised(reference_outcomes([CAMPAIGN], *data, AS_OF))
    again = {r["contact_id"]: r for r in got if r["campaign_id"] == "cb.2"}
    assert sorted(again) == ["h1", "r1"] and "r2" not in {r["contact_id"] for r in got if r["campaign_id"] != "cb"}
    # r1's purchase at T0 + 5 days is within both messages' windows; the second message was opened
    assert again["r1"]["opened"] and again["r1"]["converted"] and again["r1"]["at"] == T0 + 3 * DAY
    first = next(r for r in got if r["campaign_id"] == "cb" and r["contact_id"] == "r1")
    assert not first["opened"]
    assert campaign_results(ws, CAMPAIGN, AS_OF).recipients.contacts == 7  # six messages of cb, one of cb.2


# --- results and lift ----------------------------------------------------------------------------


def test_results_sum_the_outcome_table(store):
    results = campaign_results(store, CAMPAIGN, AS_OF)
    rec, hold = results.recipients, results.holdout
    assert (rec.contacts, rec.sent, rec.delivered, rec.bounced) == (6, 6, 5, 1)
    assert (rec.opened, rec.clicked, rec.unsubscribed) == (2, 1, 1)
    assert (rec.converted, rec.conversions, rec.revenue) == (4, 5, Decimal("230.75"))
    assert (hold.contacts, hold.converted, hold.revenue) == (3, 2, Decimal("70"))
    assert rec.rates["delivery_rate"] == 5 / 6 and rec.rates["open_rate"] == 2 / 5
    assert rec.rates["conversion_rate"] == 4 / 6 and hold.rates["conversion_rate"] == 2 / 3
    assert results.lift.verdict == TOO_SMALL and "at least 5" in results.lift.explanation
    assert results.to_dict()["recipients"]["revenue"] == "230.75"
    funnel = results.funnel()
    assert funnel["recipients"].tolist() == [6, 5, 2, 1, 4]
    metrics = results.metrics()
    assert set(metrics["group"]) == {"recipient", "holdout", "lift"}


def test_several_campaigns_from_one_query_are_each_campaigns_own(store):
    """``many_results`` (the Results tab's list) splits one outcome table by campaign: each
    campaign's rows are exactly the reference's for it alone."""
    both = many_results(store, [CAMPAIGN, OTHER], AS_OF)
    assert [r.campaign.campaign_id for r in both] == [CAMPAIGN.campaign_id, OTHER.campaign_id]
    for results in both:
        expected = reference_outcomes([results.campaign], *hand_built(), AS_OF)
        assert _normalised(results.rows) == _normalised(expected)
    assert many_results(store, [], AS_OF) == []


@pytest.mark.parametrize(
    ("counts", "verdict"),
    [
        ((300, 1000, 200, 1000), MORE),
        ((200, 1000, 300, 1000), LESS),
        ((200, 1000, 205, 1000), UNCLEAR),
        ((4, 1000, 1, 100), TOO_SMALL),
        ((10, 10, 5, 10), TOO_SMALL),  # nobody left unconverted among the recipients
        ((10, 100, 0, 0), NO_HOLDOUT),
    ],
)
def test_lift_verdicts(counts, verdict):
    assert lift(*counts).verdict == verdict


def test_lift_intervals_are_statsmodels():
    from statsmodels.stats.proportion import confint_proportions_2indep

    got = lift(300, 1000, 200, 1000)
    assert got.difference == pytest.approx(0.1)
    assert got.ratio == pytest.approx(1.5)
    assert got.difference_ci == pytest.approx(confint_proportions_2indep(300, 1000, 200, 1000, method="newcomb"))
    assert got.difference_ci[0] < 0.1 < got.difference_ci[1]
    assert got.ratio_ci[0] < 1.5 < got.ratio_ci[1]
    assert got.p_value < 0.001
    assert got.explanation.startswith("the recipients' conversion rate is higher by")


def _planted(ws: Workspace, n: int, holdout: float, base_rate: float, effect: float, seed: int) -> None:
    """``n`` contacts, ``holdout`` of them held out by the campaign's hash; the holdout converts
    at ``base_rate``, recipients at ``effect`` times it (revenue 100 each)."""
    rng = random.Random(seed)
    log, events = [], []
    for i in range(n):
        contact = f"p{i:05d}"
        held = bucket("planted", contact) < holdout
        log.append(log_row("planted", contact, "holdout" if held else "sent", T0))
        if not held:
            events.append(event("email_sent", T0, contact, "planted"))
        if rng.random() < base_rate * (1 if held else effect):
            ts = T0 + timedelta(hours=rng.randint(1, 4 * 24))
            events.append(event("purchase", ts, contact, amount=Decimal("100.00"), currency="PLN"))
    load(ws, log, events, [])


def test_a_planted_lift_is_recovered_inside_its_interval(tmp_path):
    """One fixed draw through the store (a 95% interval misses the truth in one draw of twenty:
    the seed is fixed, and the intervals' coverage over many draws is the next test's)."""
    ws = connect(f"duckdb://{tmp_path / 'planted.duckdb'}")
    _planted(ws, 6000, 0.3, 0.10, 1.5, seed=1)
    campaign = replace(CAMPAIGN, campaign_id="planted", holdout=0.3, holdout_key="planted")
    results = campaign_results(ws, campaign, AS_OF)
    held = results.holdout.contacts / (results.holdout.contacts + results.recipients.contacts)
    assert abs(held - 0.3) < 4 * (0.3 * 0.7 / 6000) ** 0.5  # the requested share, within sampling error
    measured = results.lift
    assert measured.verdict == MORE
    assert measured.ratio_ci[0] < 1.5 < measured.ratio_ci[1]
    assert measured.difference_ci[0] < 0.05 < measured.difference_ci[1]
    assert measured.revenue_difference_ci[0] < 5.0 < measured.revenue_difference_ci[1]  # 100 × 0.05 per contact


def test_the_intervals_cover_a_planted_lift_about_95_times_in_100():
    rng = random.Random(2026)
    draws, covered_diff, covered_ratio = 300, 0, 0
    for _ in range(draws):
        treated = sum(rng.random() < 0.15 for _ in range(2000))
        control = sum(rng.random() < 0.10 for _ in range(800))
        measured = lift(treated, 2000, control, 800)
        covered_diff += measured.difference_ci[0] < 0.05 < measured.difference_ci[1]
        covered_ratio += measured.ratio_ci[0] < 1.5 < measured.ratio_ci[1]
    # 95% of 300 is 285; binomial sampling error ±3.8, so 270..300 is a wide but honest band
    assert 270 <= covered_diff <= 300 and 270 <= covered_ratio <= 300


# --- breakdowns ----------------------------------------------------------------------------------------


def test_breakdowns(store):
    store.save_segment(
        {
            "version": 1,
            "id": "early",
            "name": "Early",
            "rule": {"attribute": "contact_id", "op": "in", "value": ["r1", "r2", "h1"]},
        }
    )
    results = campaign_results(store, CAMPAIGN, AS_OF)
    cells = {c.key: c for c in results.by_segment(store, "early")}
    assert (cells["member"].recipients.contacts, cells["member"].holdout.contacts) == (2, 1)
    assert (cells["other"].recipients.contacts, cells["other"].holdout.contacts) == (4, 2)
    assert cells["member"].recipients.converted == 1 and cells["member"].holdout.converted == 1
    assert [c.key for c in results.by_channel()] == ["email"]
    days = results.by_day()
    recipient = days[days["group"] == "recipient"].set_index("day")["converted"].tolist()
    holdout = days[days["group"] == "holdout"].set_index("day")["converted"].tolist()
    # days are (0, 24 h], (24 h, 48 h]…: r4 after 24 h is day 0, r5 and r6 day 2, r1 after exactly
    # 5 days day 4; h1 day 1, h2 day 4
    assert recipient == [1, 1, 3, 3, 4]
    assert holdout == [0, 1, 1, 1, 2]
    assert isinstance(results, CampaignResults) and MIN_EACH == 5


# --- the command line ------------------------------------------------------------------------------


def test_results_command(store, tmp_path):
    store.save_segment({"version": 1, "id": "lapsed", "name": "Lapsed", "rule": {"all": []}})
    template = write_template(tmp_path / "tpl", EMAIL_TEMPLATE)
    define_campaign(store, "cb", segment="lapsed", channel="email", template=template, holdout=0.3)
    runner = CliRunner()
    db = ["--db", store.url.url]
    as_json = runner.invoke(main, ["results", "cb", "--as-of", AS_OF.isoformat(), "--json", *db])
    assert as_json.exit_code == 0, as_json.output
    out = json.loads(as_json.output)
    api = campaign_results(store, "cb", AS_OF).to_dict()
    assert out["recipients"] == api["recipients"] and out["holdout"] == api["holdout"]
    assert out["recipients"]["converted"] == 4 and out["lift"]["verdict"] == TOO_SMALL
    text = runner.invoke(main, ["results", "cb", "--as-of", AS_OF.isoformat(), "--segment", "lapsed", *db])
    assert text.exit_code == 0, text.output
    assert "converted" in text.output and "4 (66.67%)" in text.output
    assert f"verdict: {TOO_SMALL}" in text.output and "segment lapsed (member)" in text.output
    unknown = runner.invoke(main, ["results", "nope", *db])
    assert unknown.exit_code == 2 and "no campaign 'nope'" in unknown.output
    bad_time = runner.invoke(main, ["results", "cb", "--as-of", "yesterday", *db])
    assert bad_time.exit_code == 2


# --- ClickHouse: the same expression's SQL, run in chdb --------------------------------------------


@pytest.mark.parametrize("as_of", [AS_OF, T0 + 12 * DAY], ids=["as-of", "later"])
def test_outcome_table_in_clickhouse_sql_is_the_reference(tmp_path, as_of):
    import ibis
    import pyarrow as pa

    from tests.chdb_store import ChdbStore
    from workbench.expr.context import CompileContext
    from workbench.results import outcome_table
    from workbench.send.tables import SEND_LOG
    from workbench.store.clickhouse import create_table

    data = with_occurrences()  # every edge, and a triggered occurrence
    ws = connect(f"duckdb://{tmp_path / 'source.duckdb'}")  # rows as the store types them
    load(ws, *data)
    ch = ChdbStore()
    ch.load_tables({"events": ws.table("events"), "identities": ws.table("identities")}, (), dict(ws.catalog.events))
    ch.decimal_properties = ws.catalog.decimal_properties
    ch.session.query(create_table(SEND_LOG.name, SEND_LOG.schema).sql(dialect="clickhouse"))
    ch._insert(SEND_LOG.name, ws.table(SEND_LOG.name))
    for campaigns in ([CAMPAIGN, OTHER], [BIG_ONLY]):
        expr = outcome_table(campaigns, as_of, CompileContext(ch.catalog, dialect="clickhouse"))
        result = ch.session.query(ibis.to_sql(expr, dialect="clickhouse"), "Arrow")
        got = pa.ipc.open_file(pa.py_buffer(result.bytes())).read_all().to_pylist()
        flags = ("sent", "delivered", "opened", "clicked", "unsubscribed", "bounced", "converted")
        got = [r | {f: bool(r[f]) for f in flags} for r in got]  # ClickHouse booleans arrive as UInt8
        assert _normalised(got) == _normalised(reference_outcomes(campaigns, *data, as_of))
