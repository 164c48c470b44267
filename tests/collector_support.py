"""A collector running as a real process on a free local port, for tests over HTTP."""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx

from tests.network import free_port
from workbench.collector.loader import wait_for_collected
from workbench.store.workspace import Workspace

SITE = "http://shop.localhost:8000"  # the origin allowed to send beacons in the tests
START_TIMEOUT_S = 60
SERVE = """
import datetime
from workbench.collector import TimestampRange, serve
serve({url!r}, port={port}, origins={origins!r}, public_url={base!r}, {kwargs})
"""


class CollectorProcess:
    """``workbench collector`` in a subprocess; its output goes to ``log``.

    With ``serve_kwargs`` (Python source of keyword arguments, e.g. ``"ts_range=…"``) it runs
    ``workbench.collector.serve(...)`` instead, for settings the command has no option for.
    """

    def __init__(
        self, store_url: str, log: Path, origins: tuple[str, ...] = (SITE,), serve_kwargs: str | None = None
    ) -> None:
        self.store_url = store_url
        self.log = log
        self.origins = origins
        self.serve_kwargs = serve_kwargs
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        if self.serve_kwargs is not None:
            code = SERVE.format(
                url=self.store_url, port=self.port, origins=list(self.origins), base=self.base, kwargs=self.serve_kwargs
            )
            return [sys.executable, "-c", code]
        return [
            sys.executable,
            "-m",
            "workbench.cli",
            "--db",
            self.store_url,
            "collector",
            "--port",
            str(self.port),
            *[arg for origin in self.origins for arg in ("--origin", origin)],
            "--public-url",
            self.base,
        ]

    def start(self) -> CollectorProcess:
        command = self.command()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ})
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the collector exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.base}/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the collector did not start in {START_TIMEOUT_S}s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine's OOM killer strikes."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def client(server: CollectorProcess, key: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=server.base, headers=headers, timeout=30)


def events_where(ws: Workspace, **equals: str) -> list[dict]:
    """Stored events whose columns equal the values, as dicts without nulls, by ts; after
    waiting, as the watcher and the send path do, for what the collector has answered for."""
    wait_for_collected(ws)

    def build(con):
        t = con.table("events")
        for column, value in equals.items():
            t = t.filter(t[column] == value)
        return t.order_by("ts")

    with ws.connector.reading() as con:
        rows = con.to_pyarrow(build(con)).to_pylist()
    out = []
    for row in rows:
        row = {k: v for k, v in row.items() if v is not None}
        if isinstance(row.get("properties"), str):
            row["properties"] = json.loads(row["properties"])
        out.append(row)
    return out


def contact(ws: Workspace, contact_id: str) -> dict | None:
    with ws.connector.reading() as con:
        t = con.table("contacts")
        rows = con.to_pyarrow(t.filter(t.contact_id == contact_id)).to_pylist()
    return rows[0] if rows else None


def problems(response: httpx.Response) -> set[tuple[int | None, str, str]]:
    """A refusal's problems as (index, field, message)."""
    return {(p["index"], p["field"], p["message"]) for p in response.json()["errors"]}


# A process that keeps evaluating a segment on the store, as a Voila kernel would, until
# told to stop; then it prints every count it got.
READER = textwrap.dedent(
    """
    import json, os, sys
    import workbench as wb
    ws = wb.Workspace(sys.argv[1])
    stop, segment = sys.argv[2], json.loads(sys.argv[3])
    counts = [ws.count(segment)]
    print("ready", flush=True)  # its first count, which imports and compiles much, is done
    while not os.path.exists(stop):
        counts.append(ws.count(segment))
    print(json.dumps(counts))
    """
)


class Readers:
    """``n`` processes counting ``segment`` without pause, from ``start()`` until ``finish()``."""

    def __init__(self, store_url: str, segment: dict, n: int, workdir: Path) -> None:
        self.stop_file = workdir / f"stop-readers-{time.monotonic_ns()}"
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-c", READER, store_url, str(self.stop_file), json.dumps(segment)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(n)
        ]

    def wait_ready(self) -> Readers:
        """Returns once every reader has made its first count."""
        for process in self.processes:
            line = process.stdout.readline()
            if line.strip() != "ready":
                self.finish_now()
                raise RuntimeError(f"a reader failed to start: {line}{process.stderr.read()}")
        return self

    def finish_now(self) -> None:
        self.stop_file.touch()
        for process in self.processes:
            process.kill()

    def finish(self) -> list[list[int]]:
        """Each reader's counts; fails on any error a reader reported."""
        self.stop_file.touch()
        out = []
        for process in self.processes:
            stdout, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, stderr
            assert "lock" not in stderr.lower(), stderr
            out.append(json.loads(stdout))
        return out


PAGE = """<!doctype html>
<html><head><title>{title}</title><script async src="{collector}/track.js"></script></head>
<body data-wb-category="{category}"><h1>{title}</h1></body></html>
"""


class Site:
    """A shop's pages on ``http://localhost:<port>``, each including the collector's script."""

    def __init__(self) -> None:
        self.port = free_port()
        self.origin = f"http://localhost:{self.port}"
        self.pages: dict[str, bytes] = {}
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.pages.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body or b"not found")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def add_page(self, path: str, title: str, category: str, collector: str) -> str:
        self.pages[path] = PAGE.format(title=title, category=category, collector=collector).encode()
        return self.origin + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
