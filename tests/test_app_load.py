"""The app served to a team, as ``scripts/demo.sh`` serves it (issue 17).

The server is the demo script itself (so the repository's ``voila.json`` applies: the
preheated kernel pool, the kernel manager that ends a page's kernel after its page, idle
culling), on a small sample shop. Marketers are browser contexts of Debian's Chromium,
driven by Playwright with the benchmark's own helpers (``bench/app_bench.py``, which
measures the same things with timings; here only what happens is checked):

- twenty visits one after another, each page closed (half as a person closes a tab, half
  as a crashed browser drops it): afterwards the kernels and the server's memory come back
  to what they were before, within the lifecycle's configured times;
- six marketers opening the app at the same moment: every page shows the library, none is
  stuck, and the server logs no traceback.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from bench.app_bench import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VOILA_CONFIG,
    DemoServer,
    configured_pool,
    demo_server,
    leave,
    open_page,
)
from workbench.sample import SAMPLE_AS_OF
from workbench.sample.load import load_sample
from workbench.store.workspace import Workspace

pytestmark = pytest.mark.slow
CONTACTS = 600
SEGMENTS = 13
VISITS = 20
AT_ONCE = 6
MEMORY_MARGIN = 1.10  # within 10% of what it was before the visits


def lifecycle_wait() -> float:
    """How long a closed page's kernel may live on, by voila.json: the disconnect grace, or
    failing that the idle culling, plus a minute for the pool to refill."""
    config = json.loads(VOILA_CONFIG.read_text())
    grace = config.get("PageKernelManager", {}).get("disconnect_grace", 0)
    culling = config.get("MappingKernelManager", {})
    ended = grace if grace > 0 else culling.get("cull_idle_timeout", 0) + culling.get("cull_interval", 300)
    return ended + 60


# Tornado logs this when a page closes while the server writes to its socket: the write's
# task fails with WebSocketClosedError and nobody awaits it. A page going away, not an error.
_CLOSED_SOCKET = re.compile(
    r"Task exception was never retrieved\nfuture: <Task finished name='Task-\d+' "
    r"coro=<WebSocketProtocol13\.write_message\.<locals>\.wrapper\(\).*?tornado\.websocket\.WebSocketClosedError\n",
    re.DOTALL,
)


def app_errors(log: str) -> str:
    """The server's log without the closed-socket reports of pages that went away."""
    return _CLOSED_SOCKET.sub("", log)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[DemoServer]:
    if not CHROMIUM.exists():  # fail, not skip: a CI without a browser must be noticed
        pytest.fail(f"no Chromium at {CHROMIUM}; scripts/test.sh installs Debian's chromium package")
    folder = tmp_path_factory.mktemp("load")
    store = folder / "shop.duckdb"
    workspace = Workspace(f"duckdb://{store}")
    load_sample(workspace, CONTACTS)
    workspace.close()
    as_of = SAMPLE_AS_OF.strftime("%Y-%m-%dT%H:%M:%SZ")
    with demo_server(store, folder / "voila.log", env={"WORKBENCH_AS_OF": as_of}) as running:
        yield running
    log = (folder / "voila.log").read_text()
    assert "Traceback" not in app_errors(log), log


def test_kernels_and_memory_come_back_after_twenty_visits(server: DemoServer) -> None:
    pool = configured_pool()
    server.settle(pool, timeout=300)
    kernels_before, memory_before = len(server.kernels()), server.rss_mb()
    assert kernels_before == pool

    async def visits() -> list[str]:
        problems = []
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                for number in range(VISITS):
                    visit = await open_page(browser, server.url, SEGMENTS, figures=False)
                    if visit.problem:
                        problems.append(visit.problem)
                    await leave(visit, politely=number % 2 == 0)
            finally:
                await browser.close()
        return problems

    assert asyncio.run(visits()) == []
    deadline = time.monotonic() + lifecycle_wait()
    while time.monotonic() < deadline:
        kernels, memory = len(server.kernels()), server.rss_mb()
        if kernels == kernels_before and memory <= memory_before * MEMORY_MARGIN:
            break
        time.sleep(1)
    assert (kernels, round(memory)) <= (kernels_before, round(memory_before * MEMORY_MARGIN)), (
        f"{kernels} kernels and {memory:.0f} MB after the visits; {kernels_before} and {memory_before:.0f} MB before"
    )


def test_six_marketers_opening_the_app_at_once_all_see_the_library(server: DemoServer, tmp_path: Path) -> None:
    server.settle(configured_pool(), timeout=300)

    async def at_once() -> list:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                visits = await asyncio.gather(*(open_page(browser, server.url, SEGMENTS) for _ in range(AT_ONCE)))
                for number, visit in enumerate(visits):
                    await visit.page.screenshot(path=str(tmp_path / f"marketer-{number}.png"))
                await asyncio.gather(*(leave(visit) for visit in visits))
                return visits
            finally:
                await browser.close()

    visits = asyncio.run(at_once())
    assert [v.problem for v in visits] == [None] * AT_ONCE  # every library shown with its figures, none stuck
    assert all(v.paint is not None and v.figures is not None for v in visits)
    assert "Traceback" not in app_errors(server.log.read_text())


def test_a_pooled_page_shows_what_changed_while_it_waited(server: DemoServer, tmp_path: Path) -> None:
    """The pool's kernels built their library before this segment existed: the page shows it
    only if the kernel learnt that its visitor came (``workbench.app.preheat``, speaking
    Voila's query socket) and counted again."""
    server.settle(configured_pool(), timeout=300)
    workspace = Workspace(f"duckdb://{server.store}")
    workspace.save_segment({"id": "came-later", "name": "Came later", "rule": {"attribute": "city", "op": "is_set"}})
    workspace.close()

    async def visit() -> list[str]:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                opened = await open_page(browser, server.url, SEGMENTS + 1)
                names = await opened.page.locator(".wb-library-row").all_inner_texts()
                await leave(opened)
                return names
            finally:
                await browser.close()

    try:
        shown = asyncio.run(visit())
    finally:
        workspace = Workspace(f"duckdb://{server.store}")
        workspace.delete_segment("came-later")
        workspace.close()
    assert len(shown) == SEGMENTS + 1 and any("Came later" in row for row in shown)
