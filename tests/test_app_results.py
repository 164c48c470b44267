"""The app's Results tab: the campaign list, one campaign's funnel and lift charts, and a CSV
that holds the API's numbers. Plain pytest (the view's methods, as its buttons call them) and
a real browser (Voila, Chromium), as tests/test_app_browser.py drives the app."""

from __future__ import annotations

import base64
import csv
import io
import re
from pathlib import Path

import playwright.sync_api as playwright_api
import pytest

from bench.app_bench import CHROMIUM, CHROMIUM_ARGS
from tests.test_app_browser import AS_OF, STEP_TIMEOUT_MS, offline_context, voila  # noqa: F401 - fixture
from workbench.app.shell import SegmentsApp
from workbench.results import campaign_results
from workbench.sample import SAMPLE_AS_OF
from workbench.sample.load import load_sample
from workbench.store.workspace import Workspace


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    url = f"duckdb://{tmp_path_factory.mktemp('results-app') / 'shop.duckdb'}"
    load_sample(Workspace(url), 1500, history=True)
    return url


def csv_rows(link_html: str) -> list[dict]:
    encoded = re.search(r'href="data:text/csv;base64,([^"]+)"', link_html).group(1)
    return list(csv.DictReader(io.StringIO(base64.b64decode(encoded).decode("utf-8"))))


def expected_rows(store_url: str) -> list[dict]:
    metrics = campaign_results(Workspace(store_url), "come_back", SAMPLE_AS_OF).metrics()
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in metrics.to_dict(orient="records")]


def test_the_results_tab_shows_the_apis_numbers(store_url):
    app = SegmentsApp(Workspace(store_url), as_of=SAMPLE_AS_OF)
    try:
        app.go("Results")
        view = app._view("Results")
        assert "come_back" in view.table.value and "wb-results-row" in view.table.value
        assert view.campaign.value == "come_back"
        results = view.show("come_back")
        api = campaign_results(Workspace(store_url), "come_back", SAMPLE_AS_OF)
        assert results.recipients == api.recipients and results.holdout == api.holdout
        assert results.lift.verdict in view.summary.value
        assert view.funnel.svg.startswith("<svg") and view.lift.svg.startswith("<svg")
        assert csv_rows(view.download.value) == expected_rows(store_url)
        view.feedback.run(lambda: view.show(None))
        assert "Choose a campaign" in view.feedback.text
    finally:
        app.close()


def test_results_in_the_browser(voila, store_url, tmp_path):  # noqa: F811 - the imported fixture
    if not CHROMIUM.exists():  # fail, not skip: a CI without a browser must be noticed
        pytest.fail(f"no Chromium at {CHROMIUM}; scripts/test.sh installs Debian's chromium package")
    expect = playwright_api.expect
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    refused: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = offline_context(browser, refused)
            page = context.new_page()
            page.goto(voila.url, wait_until="domcontentloaded", timeout=90_000)
            page.locator(".wb-app, .wb-app-error").first.wait_for(timeout=90_000)
            page.get_by_role("tab", name="Results").click()
            view = page.locator(".wb-results-view")
            expect(view.locator(".wb-results-row")).to_have_count(1)
            expect(view.locator(".wb-results-list")).to_contain_text("come_back")
            view.get_by_role("button", name="Show results").click()
            expect(view.locator(".wb-chart svg")).to_have_count(2, timeout=60_000)
            expect(view.locator(".wb-chart").first).to_contain_text("funnel")
            api = campaign_results(Workspace(store_url), "come_back", SAMPLE_AS_OF)
            expect(view.locator(".wb-results-summary")).to_contain_text(api.lift.verdict)
            link = view.locator("a.wb-download", has_text="Download CSV")
            expect(link).to_have_count(1)
            href = link.get_attribute("href")
            assert csv_rows(f'href="{href}"') == expected_rows(store_url)
            page.screenshot(path=str(Path(tmp_path) / "results.png"), full_page=True)
        finally:
            browser.close()
    assert AS_OF and not [u for u in refused if not u.startswith("https://cdn.jsdelivr.net/npm/@fortawesome")]
