"""The marketers' app in a real browser, as a marketer uses it.

As voila's own UI tests do: Voila serves ``voila_apps/segments.ipynb`` on a free port (on
a small sample shop), Debian's Chromium driven by Playwright opens the page, waits for
the app's CSS class, acts as a user (types, picks, clicks) and checks what appears, with
a screenshot after each step. The page runs behind a simulated firewall: every request
to anything but the Voila server is refused and recorded, and the test fails if one got
past the page's Content-Security-Policy — so the charts are proven to need no CDN.

Screenshots go to ``$WORKBENCH_TEST_ARTIFACTS/browser`` when that is set (CI uploads
them), else to a temporary directory.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import playwright.sync_api as playwright_api
import pytest

from bench.app_bench import CHROMIUM, CHROMIUM_ARGS
from tests.network import free_port
from workbench.app.evaluate import Evaluator
from workbench.app.figures import library_figures
from workbench.sample import SAMPLE_AS_OF
from workbench.sample.load import load_sample
from workbench.store.workspace import Workspace

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "voila_apps" / "segments.ipynb"
TEMPLATES = ROOT / "voila_apps" / "jupyter"  # the app's page template, on the Jupyter data path as in scripts/demo.sh
AS_OF = SAMPLE_AS_OF.strftime("%Y-%m-%dT%H:%M:%SZ")
CONTACTS = 600
# Voila's stock "lab" template links Font Awesome from jsdelivr; the CSP of voila.json
# refuses it inside the browser (the icons come with Voila's own bundle anyway).
VOILA_TEMPLATE_LINKS = re.compile(r"^https://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@")
STEP_TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1280, "height": 900}  # a laptop's screen: the width the issue asks for


# What a user could try from the browser's console: send code on the kernel's websocket,
# then ask for the kernel's info on the same socket. Messages on the shell channel are
# handled in order, so once the info reply is back, the code would have run if accepted.
SEND_CODE_OVER_THE_KERNEL_SOCKET = """
async (code) => {
  const config = JSON.parse(document.getElementById("jupyter-config-data").textContent);
  const url = `ws://${location.host}${config.baseUrl}api/kernels/${config.kernelId}/channels`;
  const socket = new WebSocket(url);
  const session = crypto.randomUUID();
  const message = (type, content) => ({
    header: {msg_id: crypto.randomUUID(), msg_type: type, session, username: "", version: "5.3",
             date: new Date().toISOString()},
    parent_header: {}, metadata: {}, content, channel: "shell", buffers: [],
  });
  const replies = [];
  await new Promise((resolve) => (socket.onopen = resolve));
  const info = message("kernel_info_request", {});
  await new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error("no kernel_info_reply")), 20000);
    socket.onmessage = (event) => {
      const reply = JSON.parse(event.data);
      if (reply.channel === "shell") replies.push(reply.header.msg_type);
      if (reply.parent_header && reply.parent_header.msg_id === info.header.msg_id
          && reply.header.msg_type === "kernel_info_reply") resolve();
    };
    socket.send(JSON.stringify(message("execute_request", {code, silent: false, store_history: false,
                                                             user_expressions: {}, allow_stdin: false})));
    socket.send(JSON.stringify(info));
  });
  socket.close();
  return replies;
}
"""


def is_local(url: str) -> bool:
    return re.match(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/", url) is not None or url.startswith(
        ("data:", "blob:", "about:")
    )


def offline_context(browser, refused: list[str]):
    """A browser context behind the simulated firewall: requests beyond this machine are
    aborted and their URLs appended to ``refused``."""
    context = browser.new_context(viewport=VIEWPORT)

    def firewall(route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", firewall)
    return context


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    url = f"duckdb://{tmp_path_factory.mktemp('browser') / 'shop.duckdb'}"
    load_sample(Workspace(url), CONTACTS)
    return url


@dataclass(frozen=True)
class Server:
    url: str
    log: Path


@pytest.fixture(scope="module")
def voila(store_url: str, tmp_path_factory) -> Iterator[Server]:
    """The app served as the demo serves it: from the repository root, so voila.json applies."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("voila") / "voila.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("voila")),
                str(APP),
                "--no-browser",
                "--Voila.ip=127.0.0.1",
                f"--Voila.port={port}",
                "--Voila.port_retries=0",
                "--template=workbench",
            ],
            cwd=ROOT,
            env={**os.environ, "WORKBENCH_DB": store_url, "WORKBENCH_AS_OF": AS_OF, "JUPYTER_PATH": str(TEMPLATES)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            # Only the port is probed: a page request would start a kernel of its own.
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"voila did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield Server(f"http://127.0.0.1:{port}/", log_path)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "Traceback" not in log_path.read_text(), log_path.read_text()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    base = os.environ.get("WORKBENCH_TEST_ARTIFACTS")
    folder = Path(base) / "browser" if base else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def nbsp_tolerant(label: str) -> re.Pattern:
    """ipywidgets writes option labels with non-breaking spaces."""
    return re.compile(r"[\s\u00a0]".join(re.escape(word) for word in label.split(" ")))


def pick(scope, current_option: str, label: str) -> None:
    """In the dropdown of ``scope`` offering ``current_option``, choose ``label``."""
    select = scope.locator("select").filter(has=scope.page.locator("option", has_text=nbsp_tolerant(current_option)))
    texts = select.evaluate("e => Array.from(e.options).map(o => o.textContent.replace(/\\u00a0/g, ' '))")
    select.select_option(index=texts.index(label))


def assert_readable(page) -> None:
    """Nothing wider than the window, and no label, button or tab whose text does not fit it
    (no ellipsis, no text running into its neighbour)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    cut = page.evaluate(
        """() => [...document.querySelectorAll(
              '.wb-app button, .wb-app label, .wb-app .widget-label, .wb-app .lm-TabBar-tabLabel')]
            .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
            .map(e => e.textContent.trim())"""
    )
    assert cut == [], f"labels that do not fit: {cut}"


def cli_count(store_url: str, segment_id: str) -> int:
    out = subprocess.run(
        [str(Path(sys.executable).with_name("workbench")), "count", segment_id, "--as-of", AS_OF, "--json"],
        env={**os.environ, "WORKBENCH_DB": store_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)["count"]


def test_a_marketer_uses_the_app(voila: Server, store_url: str, screenshots: Path) -> None:
    if not CHROMIUM.exists():  # fail, not skip: a CI without a browser must be noticed
        pytest.fail(f"no Chromium at {CHROMIUM}; scripts/test.sh installs Debian's chromium package")
    expect = playwright_api.expect
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    refused: list[str] = []
    blocked_in_page: list[tuple[str, str | None]] = []

    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = offline_context(browser, refused)
            context.on(
                "requestfailed",
                lambda request: (
                    None if is_local(request.url) else blocked_in_page.append((request.url, request.failure))
                ),
            )
            page = context.new_page()
            page.goto(voila.url, wait_until="domcontentloaded", timeout=90_000)
            # the page waiting for its kernel animates nothing (a spinner repaints every frame)
            waiting = page.evaluate("[document.querySelector('.spinner') === null, document.getAnimations().length]")
            assert waiting == [True, 0]  # the app's template: no spinning logo
            page.locator(".wb-app, .wb-app-error").first.wait_for(timeout=90_000)
            expect(page.locator(".wb-app-error")).to_have_count(0)
            app = page.locator(".wb-app")

            def shot(name: str) -> None:
                page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)

            # 1. The library: every example segment with its members, reach per channel and trend,
            #    as the Python API counts them; readable at 1280 px; search narrows it down.
            expect(page.locator(".wb-library-row")).to_have_count(13)
            expect(app).to_contain_text("members as of 2026-11-30 12:00 UTC")
            expect(page.locator(".wb-pending")).to_have_count(0, timeout=90_000)
            figures = library_figures(Evaluator.read(Workspace(store_url)), ["vip"], SAMPLE_AS_OF)["vip"]
            vip_row = page.locator(".wb-library-row", has=page.get_by_role("button", name="VIP customers", exact=True))
            expect(vip_row.locator(".wb-size")).to_have_text(f"{figures.members:,}")
            for channel, reached in figures.reach.items():
                expect(vip_row.locator(f".wb-reach-{channel}")).to_contain_text(f"{reached:,}")
            expect(page.locator(".wb-library-row .wb-spark")).to_have_count(13)
            shot("01-library")
            assert_readable(page)
            # The keyboard goes through the page in reading order: search, buttons, then the
            # segments; Enter selects one, and its actions come next.
            page.locator(".wb-library-search input").focus()
            for expected in ("New segment", "Refresh figures", "Abandoned cart", "Birthday this week"):
                page.keyboard.press("Tab")
                assert page.evaluate("document.activeElement.textContent.trim()") == expected
            page.keyboard.press("Enter")
            expect(page.locator(".wb-library-row.wb-selected")).to_contain_text("Birthday this week")
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.textContent.trim()") == "Open in builder"
            page.locator(".wb-library-search input").fill("gdansk")
            expect(page.locator(".wb-library-row:visible")).to_have_count(1)
            expect(page.locator(".wb-library-row:visible")).to_contain_text("City is Gdańsk")
            shot("01-library-search")
            page.locator(".wb-library-search input").fill("")
            expect(page.locator(".wb-library-row:visible")).to_have_count(13)

            # 2. Build the VIP segment by clicks; the live count equals `workbench count vip`.
            page.get_by_role("button", name="New segment").click()
            builder = page.locator(".wb-segment-builder")
            builder.wait_for()
            builder.locator("input").first.fill("VIP by clicks")
            pick(builder, "+ add a condition…", "Custom events › purchase")
            builder.get_by_role("button", name="how much…").click()
            pick(builder, "number of times", "total")
            pick(builder, "Time on page (s)", "Amount")
            pick(builder, "is not set", "is more than")
            builder.locator("input[placeholder='number']").fill("1000")
            pick(builder, "at any time", "in the last")
            builder.locator("input[placeholder='7']").fill("3")
            pick(builder, "minutes", "months")
            vip = cli_count(store_url, "vip")
            expect(builder).to_contain_text(f"{vip:,} contacts · as of 2026-11-30 12:00 UTC")
            expect(builder).to_contain_text("spent more than 1000 PLN on purchase in the last 3 months")
            shot("02-builder-vip")
            assert_readable(page)

            # 3. Save it and find it in the library, counted.
            builder.get_by_role("button", name="Save").click()
            expect(builder).to_contain_text("Saved as 'vip-by-clicks'")
            page.get_by_role("tab", name="Library").click()
            page.locator(".wb-library-search input").fill("by clicks")
            saved_row = page.locator(".wb-library-row:visible")
            expect(saved_row).to_have_count(1)
            expect(saved_row).to_contain_text("VIP by clicks")
            expect(saved_row.locator(".wb-size")).to_have_text(f"{vip:,}")
            shot("03-library-saved")

            # 4. Overlap of three segments: an error first (nothing ticked), then the charts.
            page.get_by_role("tab", name="Overlap").click()
            overlap_tab = page.locator(".wb-overlap-view")
            overlap_tab.get_by_role("button", name="Compare").click()
            expect(overlap_tab.locator(".wb-feedback")).to_contain_text("Choose 2 to 6 segments")
            for label in ("VIP by clicks (vip-by-clicks)", "Lapsed contacts (lapsed)", "Gdańsk (target_city)"):
                overlap_tab.locator(".wb-overlap-choice").get_by_text(label, exact=True).click()
            overlap_tab.get_by_role("button", name="Compare").click()
            expect(overlap_tab.locator(".wb-chart svg")).to_have_count(2)
            expect(overlap_tab.locator(".wb-chart").first).to_contain_text("Contacts in exactly these segments")
            expect(overlap_tab.locator(".wb-reach tr")).to_have_count(4)
            expect(overlap_tab.locator(".wb-reach")).to_contain_text("VIP by clicks")
            expect(overlap_tab.locator("a.wb-download")).to_have_count(4)
            shot("04-overlap")
            assert_readable(page)

            # 5. Snapshot the VIP segment into a static list, from the library.
            page.get_by_role("tab", name="Library").click()
            library = page.locator(".wb-library-view")
            library.locator(".wb-library-search input").fill("")
            library.get_by_role("button", name="VIP customers", exact=True).click()
            library.get_by_role("button", name="Snapshot to list").click()
            lists_tab = page.locator(".wb-lists-view")
            expect(lists_tab.get_by_label("List id").first).to_have_value("vip-2026-11-30")
            lists_tab.get_by_role("button", name="Snapshot").click()
            expect(lists_tab.locator(".wb-feedback")).to_contain_text(f"List 'vip-2026-11-30': {vip} contacts of 'vip'")
            expect(lists_tab.locator(".wb-lists")).to_contain_text("vip-2026-11-30")
            shot("05-list-snapshot")

            # 6. Launch VIP by email: preview the recipients and messages, then a test run into
            #    the outbox (the send notebook, in the background) and its summary.
            page.get_by_role("tab", name="Library").click()
            library.get_by_role("button", name="Launch campaign").click()
            launch = page.locator(".wb-launch-view")
            expect(launch.get_by_label("Campaign id")).to_have_value("vip-email-thank_you")
            launch.get_by_role("button", name="Preview recipients").click()
            expect(launch.locator(".wb-message")).to_have_count(3)
            expect(launch.locator(".wb-message").first).to_contain_text("Subject:")
            expect(launch.locator(".wb-busy")).to_have_count(0)  # "Counting recipients…" is gone
            count = int(re.sub(r"\D", "", launch.locator(".wb-recipient-count").inner_text().split(" recipient")[0]))
            test_run = launch.locator(".wb-launch-send input[type=checkbox]")
            # After a full-page screenshot, Chromium loses the first click on an element that must be
            # scrolled to first; scrolling explicitly avoids it.
            test_run.scroll_into_view_if_needed()
            test_run.check()
            launch.get_by_role("button", name="Send now…").click()
            expect(launch.locator(".wb-send-confirm")).to_contain_text(f"Test run: write {count:,} message")
            shot("06-launch-confirm")
            send = launch.locator(".wb-send-confirm").get_by_role("button", name="Send")
            send.scroll_into_view_if_needed()
            send.click()
            expect(launch.locator(".wb-send-summary")).to_contain_text(
                f"Test run of vip-email-thank_you: {count:,} message", timeout=180_000
            )
            expect(launch.locator(".wb-send-summary")).to_contain_text("written to the outbox")
            outbox = Path(store_url.removeprefix("duckdb://")).parent / "outbox" / "vip-email-thank_you"
            assert len(list(outbox.glob("*.eml"))) == count
            shot("06-launch-test-run")

            # 7. No way to run code: the page's kernel connection carries widget messages only.
            marker = screenshots / "code-ran"
            replies = page.evaluate(SEND_CODE_OVER_THE_KERNEL_SOCKET, f"open({str(marker)!r}, 'w').write('ran')")
            assert "kernel_info_reply" in replies and "execute_reply" not in replies, replies
            assert not marker.exists()
            assert 'Received message of type "execute_request", which is not allowed' in voila.log.read_text()
        except Exception:
            page.screenshot(path=str(screenshots / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    # Offline: nothing left the browser for another host; only the template's icon stylesheet
    # was even attempted, and the page's CSP refused it before any network traffic.
    assert refused == []
    assert blocked_in_page, "expected Voila's template links to be refused by the CSP"
    for url, failure in blocked_in_page:
        assert VOILA_TEMPLATE_LINKS.match(url) and failure == "csp", (url, failure)
