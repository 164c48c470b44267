"""First paint and memory of the marketers' app when a team uses it (issue 17).

    python -m bench.app_bench [--contacts 5000] [--visitors 1,4,8] [--rounds 3] [--visits 20]

The app is served exactly as ``scripts/demo.sh`` serves it (the script itself, so the
repository's ``voila.json`` applies) on a sample shop of ``--contacts`` contacts generated
once under ``bench/.cache/``. Debian's Chromium, driven by Playwright, plays the marketers,
each in a browser context of their own at 1280 × 900:

- **first paint**: for 1, 4 and 8 visitors opening the page at the same moment, the time
  from navigation to the library's rows on screen, and to every figure in them (members,
  reach per channel, trend); then every tab is closed as a person closes it, and the next
  round starts once the server is back to its kernel pool;
- **memory**: the server's processes (Voila and its kernels) before and after ``--visits``
  visits one after another, half closed as a tab is closed, half dropped as a crashed
  browser or a lost network drops them; how long until the kernels and the memory are
  back to what they were.

Prints one JSON object and the Markdown lines ``docs/app.md`` quotes. The machine's other
work shows in the figures: the load average is part of the report.

The tests reuse the pieces (``DemoServer``, ``open_page``, ``leave``): ``tests/test_app_load.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from bench.collector_bench import free_port

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache" / "app"
DEMO = ROOT / "scripts" / "demo.sh"
VOILA_CONFIG = ROOT / "voila.json"
CHROMIUM = Path(os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium"))
# Headless in a container: no sandbox (no user namespaces), no GPU, and nothing Chromium
# would fetch for itself (updates, sync, field trials) to muddy a request log.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
PAGE_TIMEOUT_S = 180.0  # a page without its library after this long is stuck

# In the page: the library's rows shown, and none of their figures still pending.
ROWS_SHOWN = """n => {
  const rows = [...document.querySelectorAll('.wb-library-row')];
  return rows.length >= n && rows.slice(0, n).every(r => r.offsetParent !== null && r.offsetHeight > 0);
}"""
FIGURES_SHOWN = "() => document.querySelector('.wb-library-row') !== null && !document.querySelector('.wb-pending')"


def configured_pool() -> int:
    """The number of preheated kernels ``voila.json`` asks for (0 when preheating is off)."""
    config = json.loads(VOILA_CONFIG.read_text()).get("VoilaConfiguration", {})
    return int(config.get("default_pool_size", 1)) if config.get("preheat_kernel") else 0


def sample_store(contacts: int, folder: Path = CACHE) -> Path:
    """A sample shop of ``contacts`` contacts dated to the current hour, generated once per
    hour (so "the last 7 days" holds data, as in the demo)."""
    from datetime import UTC, datetime

    from workbench.sample.load import load_sample
    from workbench.store.workspace import Workspace

    as_of = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    path = folder / f"demo-{contacts}-{as_of:%Y%m%d%H}.duckdb"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"demo-{contacts}-*.duckdb*"):
            old.unlink()
        load_sample(Workspace(f"duckdb://{path}"), contacts, as_of=as_of)
    return path


class DemoServer:
    """``scripts/demo.sh PORT [options]`` on the store ``db``, its log in ``log``."""

    def __init__(self, db: Path, log: Path, *options: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.store = db
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                ["bash", str(DEMO), str(self.port), *options],
                env={**os.environ, "DEMO_DB": str(db), **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        self._wait_for_port(timeout=120)

    def _wait_for_port(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            # Only the port is probed: a page request would start a kernel of its own.
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"voila did not start:\n{self.log.read_text()}")
            time.sleep(0.2)

    def processes(self) -> list[psutil.Process]:
        """Voila and everything it started."""
        try:
            server = psutil.Process(self.process.pid)
            return [server, *server.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kernels(self) -> list[psutil.Process]:
        """The kernel processes alive now."""
        found = []
        for process in self.processes()[1:]:
            try:
                if "ipykernel_launcher" in " ".join(process.cmdline()):
                    found.append(process)
            except psutil.NoSuchProcess:
                pass
        return found

    def rss_mb(self) -> float:
        """Resident memory of Voila and its kernels together, in MB."""
        total = 0
        for process in self.processes():
            with suppress(psutil.NoSuchProcess):
                total += process.memory_info().rss
        return total / 2**20

    def cpu_busy(self, seconds: float = 1.0) -> float:
        """CPU used by the server's processes over ``seconds``, in cores."""
        processes = self.processes()
        before = {}
        for process in processes:
            try:
                times = process.cpu_times()
                before[process.pid] = times.user + times.system
            except psutil.NoSuchProcess:
                pass
        time.sleep(seconds)
        used = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
                used += times.user + times.system - before.get(process.pid, times.user + times.system)
            except psutil.NoSuchProcess:
                pass
        return used / seconds

    def settle(self, kernels: int, timeout: float) -> float:
        """Wait until exactly ``kernels`` kernels run and the server is quiet (a refilled pool
        has rendered its pages); returns the seconds waited."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if len(self.kernels()) == kernels and self.cpu_busy(1.0) < 0.15:
                return time.monotonic() - start
            time.sleep(0.5)
        raise TimeoutError(f"{len(self.kernels())} kernels after {timeout:.0f} s (expected {kernels})")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def demo_server(db: Path, log: Path, *options: str, env: dict[str, str] | None = None) -> Iterator[DemoServer]:
    server = DemoServer(db, log, *options, env=env)
    try:
        yield server
    finally:
        server.stop()


class CpuMeter:
    """CPU seconds used by process trees, ended processes included: polls every process's
    cumulative CPU time and keeps the last value seen (a kernel or a renderer that ends
    between two polls loses at most ``interval`` of its time)."""

    def __init__(self, **roots: int) -> None:
        self.roots = roots  # name -> pid of the tree's root
        self.seen: dict[str, dict[int, float]] = {name: {} for name in roots}
        self.interval = 0.2

    def poll(self) -> None:
        for name, pid in self.roots.items():
            with suppress(psutil.NoSuchProcess):
                root = psutil.Process(pid)
                for process in [root, *root.children(recursive=True)]:
                    with suppress(psutil.NoSuchProcess):
                        times = process.cpu_times()
                        self.seen[name][process.pid] = times.user + times.system

    def totals(self) -> dict[str, float]:
        return {name: sum(used.values()) for name, used in self.seen.items()}

    async def run(self) -> None:
        while True:
            self.poll()
            await asyncio.sleep(self.interval)

    @contextmanager
    def measuring(self) -> Iterator[dict[str, float]]:
        """``used``: the CPU seconds of each tree during the block."""
        self.poll()
        before = self.totals()
        used: dict[str, float] = {}
        yield used
        self.poll()
        used.update({name: round(total - before[name], 2) for name, total in self.totals().items()})


def browser_pids() -> list[int]:
    """The pids of the Chromiums Playwright started (each the parent of its renderers)."""
    pids = []
    for process in psutil.Process().children(recursive=True):
        with suppress(psutil.NoSuchProcess):
            if "chrom" in process.name() and process.parent().name() != process.name():
                pids.append(process.pid)
    if not pids:
        raise RuntimeError("no Chromium process found")
    return pids


@dataclass
class Visit:
    """One marketer opening the app: seconds to the library's rows and to all its figures."""

    paint: float | None = None
    figures: float | None = None
    problem: str | None = None
    page: object = field(default=None, repr=False)
    context: object = field(default=None, repr=False)
    own_context: bool = True  # made for this visit, closed with it


async def open_page(
    browser, url: str, rows: int, timeout: float = PAGE_TIMEOUT_S, figures: bool = True, context=None
) -> Visit:
    """Open the app in a new browser context, or in a new tab of ``context`` (a returning
    marketer's browser), and time it (the page stays open)."""
    own = context is None
    context = await browser.new_context(viewport=VIEWPORT) if own else context
    page = await context.new_page()
    visit = Visit(page=page, context=context, own_context=own)
    start = time.perf_counter()
    try:
        await page.goto(url, wait_until="commit", timeout=timeout * 1000)
        await page.wait_for_function(ROWS_SHOWN, arg=rows, timeout=timeout * 1000, polling=50)
        visit.paint = time.perf_counter() - start
        if figures:
            await page.wait_for_function(FIGURES_SHOWN, timeout=timeout * 1000, polling=50)
            visit.figures = time.perf_counter() - start
    except Exception as exc:  # a stuck or broken page is a result, not a crash of the benchmark
        visit.problem = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    if await page.locator(".wb-app-error").count():
        visit.problem = "the page shows an error: " + await page.locator(".wb-app-error").inner_text()
    return visit


async def leave(visit: Visit, politely: bool = True) -> None:
    """Close the visit's tab: ``politely`` as a person closes it (the page's unload handler
    tells the server), else as a crashed browser or a lost connection ends it."""
    if politely:
        closed = asyncio.ensure_future(visit.page.wait_for_event("close"))
        await visit.page.close(run_before_unload=True)
        await closed
    if visit.own_context:
        await visit.context.close()
    elif not visit.page.is_closed():
        await visit.page.close()


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def library_size(db: Path) -> int:
    from workbench.store.workspace import Workspace

    workspace = Workspace(f"duckdb://{db}")
    try:
        return len(workspace.segments())
    finally:
        workspace.close()


WARM_UP_VISITS = 2  # V8 keeps a script's compiled code once it ran on two loads; the third uses it


async def returning_marketers(playwright, server: DemoServer, count: int, rows: int, pool: int) -> list:
    """A browser of its own (a profile on disk) for each of ``count`` marketers, each having
    opened the app before: its scripts are in the browser's cache, compiled."""
    contexts = []
    profiles = CACHE / "profiles"
    for number in range(count):
        profile = profiles / f"marketer-{number}"
        shutil.rmtree(profile, ignore_errors=True)
        contexts.append(
            await playwright.chromium.launch_persistent_context(
                str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, viewport=VIEWPORT
            )
        )
    for context in contexts:
        for _ in range(WARM_UP_VISITS):
            server.settle(pool, timeout=300)
            visit = await open_page(None, server.url, rows, context=context)
            if visit.problem:
                raise RuntimeError(f"a warm-up visit failed: {visit.problem}")
            await leave(visit)
    return contexts


async def first_paint(
    server: DemoServer, visitors: list[int], rounds: int, rows: int, pool: int, returning: bool = False
) -> dict:
    """First paint for each number of simultaneous ``visitors``: in fresh browser contexts
    (first visits), or with ``returning`` in browsers that opened the app before."""
    from playwright.async_api import async_playwright

    results: dict[str, dict] = {}
    async with async_playwright() as playwright:
        browser = contexts = None
        if returning:
            contexts = await returning_marketers(playwright, server, max(visitors), rows, pool)
        else:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        browsers = {f"browser{i}": pid for i, pid in enumerate(browser_pids())}
        meter = CpuMeter(server=server.process.pid, **browsers)
        polling = asyncio.ensure_future(meter.run())
        try:
            for count in visitors:
                visits: list[Visit] = []
                cpu = {"server": 0.0, "browser": 0.0}
                for _ in range(rounds):
                    server.settle(pool, timeout=300)
                    with meter.measuring() as used:
                        batch = await asyncio.gather(
                            *(
                                open_page(browser, server.url, rows, context=contexts[i] if contexts else None)
                                for i in range(count)
                            )
                        )
                    visits += batch
                    cpu["server"] += used["server"]
                    cpu["browser"] += sum(used[name] for name in browsers)
                    await asyncio.gather(*(leave(visit) for visit in batch))
                results[str(count)] = summary(visits) | {
                    f"{name}_cpu_per_visit": round(total / len(visits), 2) for name, total in cpu.items()
                }
        finally:
            polling.cancel()
            for context in contexts or []:
                await context.close()
            if browser is not None:
                await browser.close()
    return results


def summary(visits: list[Visit]) -> dict:
    paints = [v.paint for v in visits if v.paint is not None]
    figures = [v.figures for v in visits if v.figures is not None]
    return {
        "visits": len(visits),
        "paint_p50": round(statistics.median(paints), 2) if paints else None,
        "paint_p95": round(percentile(paints, 0.95), 2) if paints else None,
        "figures_p50": round(statistics.median(figures), 2) if figures else None,
        "figures_p95": round(percentile(figures, 0.95), 2) if figures else None,
        "problems": [v.problem for v in visits if v.problem],
    }


@dataclass
class MemoryRun:
    """Kernels, resident memory and CPU around a series of visits, one after another."""

    pool: int
    baseline_kernels: int
    baseline_mb: float
    peak_kernels: int = 0
    peak_mb: float = 0.0
    kernel_mb: list[float] = field(default_factory=list)  # each visitor's kernel, its library shown
    kernel_uss_mb: list[float] = field(default_factory=list)  # the same, memory of its own
    charts_mb: float | None = None  # the first visitor's kernel after drawing the overlap charts
    server_cpu_per_visit: float = 0.0  # Voila and its kernels: the page's kernel and its refill
    browser_cpu_per_visit: float = 0.0  # Chromium, for comparison (on a marketer's own computer)
    after_kernels: int = 0
    after_mb: float = 0.0
    back_after_s: float | None = None
    problems: list[str] = field(default_factory=list)


PAGE_KERNEL = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


async def page_kernel(server: DemoServer, page) -> psutil.Process | None:
    """The kernel process serving ``page``."""
    kernel_id = await page.evaluate(PAGE_KERNEL)
    for process in server.kernels():
        with suppress(psutil.NoSuchProcess):
            if any(kernel_id in part for part in process.cmdline()):
                return process
    return None


async def draw_charts(page) -> None:
    """As a marketer would: the Overlap tab, two segments, Compare."""
    await page.get_by_role("tab", name="Overlap").click()
    choices = page.locator(".wb-overlap-choice input[type=checkbox]")
    await choices.nth(0).check()
    await choices.nth(1).check()
    await page.get_by_role("button", name="Compare").click()
    await page.locator(".wb-overlap-view .wb-chart svg").first.wait_for(timeout=PAGE_TIMEOUT_S * 1000)


async def memory_run(server: DemoServer, visits: int, rows: int, pool: int, wait: float) -> MemoryRun:
    """``visits`` visits one after another, alternately closed politely and dropped (the first
    also draws charts); then wait up to ``wait`` seconds for the kernel count and the memory
    to come back."""
    from playwright.async_api import async_playwright

    server.settle(pool, timeout=300)
    run = MemoryRun(pool, len(server.kernels()), server.rss_mb())
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        meter = CpuMeter(server=server.process.pid, browser=browser_pids()[0])
        polling = asyncio.ensure_future(meter.run())
        meter.poll()
        before = meter.totals()
        try:
            for number in range(visits):
                visit = await open_page(browser, server.url, rows)
                if visit.problem:
                    run.problems.append(visit.problem)
                kernel = await page_kernel(server, visit.page)
                if kernel is not None:
                    run.kernel_mb.append(kernel.memory_info().rss / 2**20)
                    run.kernel_uss_mb.append(kernel.memory_full_info().uss / 2**20)
                    if number == 0:
                        await draw_charts(visit.page)
                        run.charts_mb = kernel.memory_info().rss / 2**20
                run.peak_kernels = max(run.peak_kernels, len(server.kernels()))
                run.peak_mb = max(run.peak_mb, server.rss_mb())
                await leave(visit, politely=number % 2 == 0)
            meter.poll()
            run.browser_cpu_per_visit = round((meter.totals()["browser"] - before["browser"]) / visits, 2)
        finally:
            await browser.close()
    start = time.monotonic()
    while time.monotonic() - start < wait:
        run.after_kernels, run.after_mb = len(server.kernels()), server.rss_mb()
        if run.after_kernels == run.baseline_kernels and run.after_mb <= run.baseline_mb * 1.10:
            run.back_after_s = round(time.monotonic() - start, 1)
            break
        await asyncio.sleep(1)
    # What the server spent: each visit's kernel, its refill, and ending it (counted once all ended).
    meter.poll()
    polling.cancel()
    run.server_cpu_per_visit = round((meter.totals()["server"] - before["server"]) / visits, 2)
    return run


def configured_lifecycle() -> dict:
    """The kernel lifecycle settings of voila.json, for the report."""
    config = json.loads(VOILA_CONFIG.read_text())
    return {
        "pool": configured_pool(),
        "fill_delay_s": config.get("VoilaKernelManager", {}).get("fill_delay"),
        "disconnect_grace_s": config.get("PageKernelManager", {}).get("disconnect_grace"),
        "cull_idle_timeout_s": config.get("MappingKernelManager", {}).get("cull_idle_timeout"),
        "cull_interval_s": config.get("MappingKernelManager", {}).get("cull_interval"),
    }


def markdown(report: dict) -> str:
    lines = [
        "| visitors at once | first paint p50 | p95 | all figures p50 | p95 | pages without library "
        "| CPU per visit: server | Chromium |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for count, row in report["first_paint"].items():
        lines.append(
            f"| {count} | {row['paint_p50']} s | {row['paint_p95']} s | {row['figures_p50']} s | "
            f"{row['figures_p95']} s | {len(row['problems'])} of {row['visits']} | "
            f"{row['server_cpu_per_visit']} s | {row['browser_cpu_per_visit']} s |"
        )
    memory = report.get("memory")
    if memory:
        lines.append("")
        lines.append(
            f"Memory: {memory['baseline_mb']:.0f} MB with the pool of {memory['pool']} ({memory['baseline_kernels']} "
            f"kernels); peak {memory['peak_mb']:.0f} MB and {memory['peak_kernels']} kernels during "
            f"{report['visits']} visits; a visitor's kernel {statistics.median(memory['kernel_mb']):.0f} MB "
            f"({statistics.median(memory['kernel_uss_mb']):.0f} MB of its own), {memory['charts_mb']:.0f} MB "
            f"once it drew charts; back to {memory['after_kernels']} kernels and {memory['after_mb']:.0f} MB "
            f"{memory['back_after_s']} s after the last visit. CPU per visit: {memory['server_cpu_per_visit']} s "
            f"on the server, {memory['browser_cpu_per_visit']} s in Chromium."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--visitors", default="1,4,8", help="simultaneous visitors per round, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per number of visitors")
    parser.add_argument("--visits", type=int, default=20, help="visits one after another for the memory run (0: skip)")
    parser.add_argument("--pool", type=int, help="preheated kernels (default: voila.json's)")
    parser.add_argument(
        "--fill-delay", type=float, help="seconds before a taken kernel is replaced (default: voila.json's)"
    )
    parser.add_argument(
        "--returning",
        action="store_true",
        help="the marketers' browsers opened the app before (its scripts cached and compiled), "
        "rather than fresh browser contexts",
    )
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)

    db = sample_store(args.contacts)
    rows = library_size(db)
    pool = configured_pool() if args.pool is None else args.pool
    lifecycle = configured_lifecycle() | {"pool": pool}
    options = [] if args.pool is None else [f"--VoilaConfiguration.default_pool_size={args.pool}"]
    if args.fill_delay is not None:
        options.append(f"--VoilaKernelManager.fill_delay={args.fill_delay}")
        lifecycle["fill_delay_s"] = args.fill_delay
    log = CACHE / "voila.log"
    report: dict = {"contacts": args.contacts, "segments": rows, "lifecycle": lifecycle, "cores": os.cpu_count()}
    report["browsers"] = "returning marketers" if args.returning else "first visits"
    report["load_before"] = os.getloadavg()
    with demo_server(db, log, *options) as server:
        report["first_paint"] = asyncio.run(
            first_paint(server, [int(n) for n in args.visitors.split(",")], args.rounds, rows, pool, args.returning)
        )
        if args.visits:
            wait = (lifecycle["disconnect_grace_s"] or 0) + (lifecycle["cull_interval_s"] or 0) + 120
            report["memory"] = asdict(asyncio.run(memory_run(server, args.visits, rows, pool, wait)))
            report["visits"] = args.visits
    report["load_after"] = os.getloadavg()
    tracebacks = len(re.findall(r"Traceback", log.read_text()))
    report["tracebacks_in_server_log"] = tracebacks
    text = json.dumps(report, indent=2)
    print(text)
    print(markdown(report))
    if args.json:
        args.json.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
