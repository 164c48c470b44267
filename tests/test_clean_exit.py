"""Background work ends cleanly when the interpreter or the kernel exits (issue 17).

Builders, the library's figures and the size-over-time chart count on daemon threads. A
daemon thread still inside DuckDB when the interpreter finalises used to abort the whole
process ("terminate called without an active exception", exit 134): a script that ended
with builders open did, in about half of its runs, and so could a kernel shut down or culled
while a count ran. Each test runs the real thing in a process of its own and checks how it
ended, many times where the failure was intermittent.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager

from workbench.sample.load import load_sample
from workbench.store.workspace import Workspace

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
RUNS = 12

# The script: a builder for each example segment, and the end of the script while
# their counts run (each builder counts once more after its first count, then it ends).
BUILDERS_LEFT_OPEN = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from workbench.store.workspace import Workspace
    from workbench.widgets import SegmentBuilder

    ws = Workspace(sys.argv[1])
    builders = [SegmentBuilder(ws, p, debounce=0) for p in sorted(Path(sys.argv[2]).glob("*.json"))]
    for builder in builders:
        builder.wait_for_count()
    for builder in builders:
        builder.refresh()
    print(len(builders), "builders, none closed")
    """
)

# A count that would take minutes: exit must interrupt it, not wait for it.
LONG_QUERY_LEFT_RUNNING = textwrap.dedent(
    """
    import sys, threading
    from workbench.store.workspace import Workspace
    from workbench.widgets.live import LatestOnly

    ws = Workspace(sys.argv[1])
    started = threading.Event()

    def count(_request):
        started.set()
        return ws.query("SELECT count(*) FROM range(100000000000) AS a(x) WHERE x % 7 = 3")

    worker = LatestOnly(count, print, debounce=0)
    worker.submit("go")
    started.wait(30)
    print("leaving with the query running")
    """
)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    url = f"duckdb://{tmp_path_factory.mktemp('exit') / 'shop.duckdb'}"
    workspace = Workspace(url)
    load_sample(workspace, 300)
    workspace.close()
    return url


def run_script(source: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    script = tmp_path / "script.py"
    script.write_text(source)
    # The timeout only guards the suite against a hang; how long an exit takes is not tested.
    return subprocess.run([sys.executable, str(script), *args], cwd=ROOT, capture_output=True, text=True, timeout=180)


def test_a_script_ending_with_builders_counting_exits_cleanly_every_time(store, tmp_path):
    for run in range(RUNS):
        done = run_script(BUILDERS_LEFT_OPEN, store, str(ROOT / "sample_data" / "segments"), tmp_path=tmp_path)
        assert done.returncode == 0, f"run {run + 1}: exit {done.returncode}\n{done.stderr[-2000:]}"
        assert "13 builders, none closed" in done.stdout
        assert "terminate called" not in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_exit_interrupts_a_query_that_would_run_for_minutes(store, tmp_path):
    done = run_script(LONG_QUERY_LEFT_RUNNING, store, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "leaving with the query running" in done.stdout
    # Interrupted, not waited for (waiting gives up after a minute, and says so) …
    assert "still running at exit" not in done.stderr, done.stderr
    # … and on purpose: nothing to report.
    assert "Traceback" not in done.stderr, done.stderr


KERNEL_CODE = """
from workbench.app import open_app
app = open_app({store!r}, as_of="2026-11-30T12:00:00Z")
app.library.wait()
app.builder.open("vip")
app.builder.builder.wait_for_count()
app.library.recount()            # the library counts again…
app.builder.builder.refresh()    # …and so does the builder, as the kernel is told to shut down
"""


def test_a_kernel_shut_down_while_the_app_counts_exits_cleanly(store, tmp_path):
    for run in range(3):
        stderr = tmp_path / f"kernel-{run}.log"
        # A server gives a kernel 5 s before SIGTERM; the test gives it longer, so that the
        # exit code is the kernel's own even on a busy machine.
        manager = KernelManager(kernel_name="python3", shutdown_wait_time=60)
        with stderr.open("w") as log:
            manager.start_kernel(cwd=str(ROOT), stderr=log)
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=120)
            reply = client.execute_interactive(KERNEL_CODE.format(store=store), timeout=180)
            assert reply["content"]["status"] == "ok", reply["content"]
            process = manager.provisioner.process
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=False)
        log_text = stderr.read_text()
        assert process.returncode == 0, f"run {run + 1}: exit {process.returncode}\n{log_text[-2000:]}"
        assert "terminate called" not in log_text and "Traceback" not in log_text, log_text
