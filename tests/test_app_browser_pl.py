"""The app in Polish in a real browser: on each translated tab, the visible text has no
English word of the catalog left (the segments' own names and descriptions are data).

Served and driven as in ``test_app_browser.py`` (Voila on a free port, Debian's Chromium).
"""

from __future__ import annotations

import playwright.sync_api as playwright_api
import pytest

from bench.app_bench import CHROMIUM, CHROMIUM_ARGS
from tests.test_app_browser import STEP_TIMEOUT_MS, assert_readable, offline_context, voila  # noqa: F401 - a fixture
from tests.test_app_pl import english_words, words
from workbench.sample.load import load_sample
from workbench.store.workspace import Workspace

pytestmark = pytest.mark.slow
CONTACTS = 400


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    url = f"duckdb://{tmp_path_factory.mktemp('browser-pl') / 'shop.duckdb'}"
    workspace = Workspace(url)
    load_sample(workspace, CONTACTS, history=True)
    workspace.set_locale("pl")
    workspace.set_timezone("Europe/Warsaw")
    return url


def english_on(page, data_words: set[str]) -> set[str]:
    shown = page.locator(".wb-app").inner_text()
    return words(shown) & english_words() - data_words


def test_no_english_on_the_polish_tabs(voila, store_url) -> None:  # noqa: F811 - the imported fixture
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}; scripts/test.sh installs Debian's chromium package")
    expect = playwright_api.expect
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    saved = Workspace(store_url).segments()
    data = " ".join(f"{s.segment.name} {s.segment.description or ''} {s.id}" for s in saved)
    data += " " + " ".join(Workspace(store_url).catalog.events)  # raw event names are data
    data_words = words(data)
    refused: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = offline_context(browser, refused).new_page()
            page.goto(voila.url, wait_until="domcontentloaded", timeout=90_000)
            page.locator(".wb-app, .wb-app-error").first.wait_for(timeout=90_000)
            app = page.locator(".wb-app")
            # The library: Polish figures and sentences, nothing English.
            expect(page.locator(".wb-library-row")).to_have_count(13)
            expect(page.locator(".wb-pending")).to_have_count(0, timeout=90_000)
            expect(app).to_contain_text("13 segmentów")
            expect(app).to_contain_text("kupił(a) za ponad 1\u00a0000 zł w ciągu ostatnich 3 miesięcy")
            page.get_by_role("button", name="VIP customers", exact=True).click()
            expect(page.get_by_role("button", name="Otwórz w kreatorze")).to_be_visible()
            assert english_on(page, data_words) == set()
            assert_readable(page)
            # The builder with the selected segment: its rules as Polish controls and sentences.
            page.get_by_role("button", name="Otwórz w kreatorze").click()
            expect(page.locator(".wb-builder-view")).to_be_visible(timeout=90_000)
            expect(page.locator(".wb-builder-view")).to_contain_text("kontakt", timeout=90_000)
            assert english_on(page, data_words) == set()
            # The lists.
            page.get_by_role("tab", name="Listy").click()
            expect(page.locator(".wb-lists-view")).to_be_visible(timeout=90_000)
            assert english_on(page, data_words) == set()
            # The overlap of two segments.
            page.get_by_role("tab", name="Część wspólna").click()
            for name in ("VIP customers (vip)", "Lapsed contacts (lapsed)"):
                page.locator(".wb-overlap-choice label", has_text=name).locator("input").check()
            page.get_by_role("button", name="Porównaj").click()
            expect(app).to_contain_text("Do kogo można dotrzeć", timeout=90_000)
            assert english_on(page, data_words) == set()
            # The size over time of one.
            page.get_by_role("tab", name="Liczebność w czasie").click()
            page.locator(".wb-history-view select").select_option(label="VIP customers (vip)")
            page.get_by_role("button", name="Pokaż").click()
            expect(app).to_contain_text("Pobierz liczby (CSV)", timeout=90_000)
            assert english_on(page, data_words) == set()
            # The results of the sample's campaign with its holdout.
            page.get_by_role("tab", name="Wyniki").click()
            page.get_by_role("button", name="Pokaż wyniki").click()
            expect(page.locator(".wb-results-summary")).to_contain_text("Konwersja", timeout=90_000)
            expect(page.locator(".wb-results-view svg")).to_have_count(2, timeout=90_000)
            assert english_on(page, data_words) == set()
            # The launch tab: a campaign's recipients and messages, the send's question, schedules.
            page.get_by_role("tab", name="Wysyłka kampanii").click()
            launch = page.locator(".wb-launch-view")
            launch.locator("select").first.select_option(label="VIP customers (vip)")
            launch.get_by_role("button", name="Podgląd odbiorców").click()
            expect(launch.locator(".wb-message")).to_have_count(3, timeout=90_000)
            expect(launch.locator(".wb-recipients")).to_contain_text("członkowie vip na 30 lis 2026")
            send_now = launch.get_by_role("button", name="Wyślij teraz…")
            send_now.scroll_into_view_if_needed()
            send_now.click()
            expect(launch.locator(".wb-send-confirm")).to_contain_text("Wysłać do", timeout=90_000)
            expect(launch.locator(".wb-launch-schedule")).to_contain_text("Nie działa żaden proces harmonogramu")
            # the messages are the marketer's own template: data
            template_words = words(" ".join(launch.locator(".wb-message").all_inner_texts()))
            # commands to type as they are, and the bounce type a provider sends ("Rodzaj to hard")
            as_typed = words(" ".join(launch.locator("code").all_inner_texts()) + " hard")
            assert english_on(page, data_words | template_words | as_typed) == set()
            # The language switch: the same page in English.
            page.locator(".wb-language select").select_option(label="English")
            expect(page.get_by_role("tab", name="Library")).to_be_visible()
            expect(app).to_contain_text("spent more than 1000 PLN on purchase in the last 3 months", timeout=90_000)
        finally:
            browser.close()
    assert refused == []  # nothing beyond this machine: no CDN, fonts or trackers
