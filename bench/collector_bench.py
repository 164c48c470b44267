"""Collector benchmark (issue 15): the collector side by side with the bare ASGI endpoint.

    python -m bench.collector_bench [--seconds 4] [--contacts 10000] [--pg URL] [--out DIR]

In one run, for each store (a DuckDB file; PostgreSQL with ``--pg`` or
``$WORKBENCH_TEST_PG``), alone and while two other processes evaluate segments without
pause on the same store, at 1, 10, 50 and 200 concurrent clients, for each load shape —
single-message beacons (``/t/w``), ``/v1/events`` with 1, 100 and 1,000 events — it drives
the bare endpoint (``bench/bare_asgi.py``: reads the body, nothing else, served by uvicorn
with the collector's options and number of processes) and the collector with the same
client (``bench/http_load.py``), and reports accepted messages/s and events/s, answer
p50/p99, the ratio to the bare endpoint's rate, and accepted → counted by an evaluation
p50/p95 (a probe process posts an event every 250 ms and counts a segment on it until
the event is in). Then the catalog's cost: the answer time of single events with an
empty catalog and with 10,000 catalogued properties.

Results: ``OUT/results.json`` and a Markdown table on stdout (docs/collector.md quotes it).
The machine is shared and noisy: compare figures of one run, as the ratios do.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import httpx

import workbench as wb
from bench.http_load import Request, http_request, run_load
from workbench.collector.keys import create_write_key
from workbench.sample.load import load_sample

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "https://shop.example"
SHAPES = ("beacon", "events1", "events100", "events1000")
CLIENTS = (1, 10, 50, 200)
PROBE_SEGMENT = "bench_probe"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, path: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


@contextmanager
def serving(command: list[str], port: int, probe_path: str, log: Path) -> Iterator[subprocess.Popen]:
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_up(port, probe_path, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def start_collector(url: str, port: int, workers: int | None = None) -> subprocess.Popen:
    """``workbench collector`` on ``port``, once it answers (for other benchmarks)."""
    command = collector_command(url, port, workers or os.cpu_count() or 1)
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_up(port, "/v1/health", process)
    return process


def collector_command(url: str, port: int, workers: int) -> list[str]:
    exe = [sys.executable, "-m", "workbench.cli", "--db", url]
    return [*exe, "collector", "--port", str(port), "--origin", ORIGIN, "--workers", str(workers)]


def bare_command(port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.bare_asgi:app",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
        "--no-server-header",
    ]


# --- the requests -----------------------------------------------------------------------------


def request_maker(shape: str, key: str, tag: str) -> Callable[[], Request]:
    """Requests of one shape, each with new event ids (so the collector stores every one)."""
    numbers = count()
    ts = datetime.now(UTC).isoformat()
    if shape == "beacon":
        headers = {"Origin": ORIGIN, "Content-Type": "text/plain"}

        def beacon() -> Request:
            n = next(numbers)
            body = (
                f'{{"anonymous_id":"{tag}-{n % 5000:05d}","events":[{{"id":"m{tag}{n:09d}",'
                f'"type":"page_view","url":"https://shop.example/p/{n % 300}","title":"Product {n % 300}"}}]}}'
            )
            return http_request("POST", "/t/w", body.encode(), headers), 1

        return beacon
    size = int(shape.removeprefix("events"))
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    event = (
        '{{"event_id":"{tag}-{n}-{i}","contact_id":"c{c}","name":"add_to_cart","ts":"' + ts + '",'
        '"product_id":"p{p}","amount":19.99,"cart_id":"k{n}"}}'
    )

    def events() -> Request:
        n = next(numbers)
        items = ",".join(event.format(tag=tag, n=n, i=i, c=(n + i) % 10000, p=i % 300) for i in range(size))
        return http_request("POST", "/v1/events", f'{{"events":[{items}]}}'.encode(), headers), size

    return events


# --- processes around the load ----------------------------------------------------------------

EVALUATOR = textwrap.dedent(
    """
    import os, sys, workbench as wb
    ws = wb.Workspace(sys.argv[1])
    ids = [s.id for s in ws.segments() if s.id != "bench_probe"]
    ws.counts(ids)
    print("ready", flush=True)
    n = 0
    while not os.path.exists(sys.argv[2]):
        ws.counts(ids)
        n += 1
    print(n, flush=True)
    """
)

PROBER = textwrap.dedent(
    """
    import json, os, sys, time, uuid, httpx, workbench as wb
    url, base, key, contact, stop = sys.argv[1:6]
    ws = wb.Workspace(url)
    http = httpx.Client(base_url=base, headers={"Authorization": "Bearer " + key}, timeout=60)
    def segment(value):
        return {"name": "probe", "rule": {"event": "bench_probe", "where": [{"property": "product_id", "op": "eq", "value": value}]}}
    ws.count(segment("warm"))
    print("ready", flush=True)
    probes = []  # (wall-clock time of the answer, seconds until a count included the event)
    while not os.path.exists(stop):
        value = uuid.uuid4().hex
        http.post("/v1/events", json={"events": [{"contact_id": contact, "name": "bench_probe", "product_id": value}]}).raise_for_status()
        acked, wall = time.perf_counter(), time.time()
        while ws.count(segment(value)) == 0 and time.perf_counter() - acked < 30:
            time.sleep(0.01)  # an evaluation every 10 ms, not a third busy evaluator
        probes.append((wall, time.perf_counter() - acked))
        time.sleep(max(0.0, 0.25 - probes[-1][1]))
    print(json.dumps(probes), flush=True)
    """
)


class Helpers:
    """Evaluator processes, or the prober, each until ``finish``: a script's last argument is
    the file whose existence tells it to stop."""

    def __init__(self, scripts: list[list[str]], workdir: Path) -> None:
        self.stop = workdir / f"stop-{uuid.uuid4().hex}"
        self.processes = [
            subprocess.Popen([sys.executable, "-c", *s, str(self.stop)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
            for s in scripts
        ]
        for process in self.processes:
            # DuckDB may draw a progress bar on stdout before: read up to the word
            while (line := process.stdout.readline()) and not line.strip().endswith("ready"):
                pass
            if not line:
                self.finish()
                raise RuntimeError("a helper process failed to start")

    def finish(self) -> list[str]:
        self.stop.touch()
        outputs = [(p.communicate(timeout=300)[0].strip().splitlines() or [""])[-1] for p in self.processes]
        self.stop.unlink(missing_ok=True)
        return outputs


def evaluators(url: str, n: int, workdir: Path) -> Helpers | None:
    return Helpers([[EVALUATOR, url]] * n, workdir) if n else None


# --- the run --------------------------------------------------------------------------------


def prepare_store(url: str, contacts: int) -> tuple[str, str]:
    """A store with the sample shop, its example segments and a write key; the key and a
    contact for the probes."""
    ws = wb.connect(url)
    load_sample(ws, contacts)
    contact = ws.table("contacts").column("contact_id")[0].as_py()
    ws.append(
        "events",
        [
            {
                "contact_id": contact,
                "source": "custom",
                "name": "bench_probe",
                "ts": datetime.now(UTC),
                "product_id": "x",
            }
        ],
    )
    return create_write_key(ws, "bench")[1], contact


def cell(port: int, clients: int, shape: str, seconds: float, key: str, tag: str) -> dict:
    outcome = run_load(port, clients, seconds, request_maker(shape, key, tag))
    return outcome.summary()


def run_store(
    name: str, url: str, args: argparse.Namespace, workdir: Path, results: list[dict], bare_port: int
) -> None:
    key, contact = prepare_store(url, args.contacts)
    port = free_port()
    with serving(collector_command(url, port, args.workers), port, "/v1/health", workdir / f"collector-{name}.log"):
        for busy in (0, 2):
            helpers = evaluators(url, busy, workdir)
            try:
                for clients in args.clients:
                    for shape in args.shapes:
                        tag = uuid.uuid4().hex[:8]
                        # the prober runs during both runs, so both share the machine with it
                        prober = Helpers([[PROBER, url, f"http://127.0.0.1:{port}", key, contact]], workdir)
                        bare = cell(bare_port, clients, shape, args.seconds, key, tag)
                        started = time.time()
                        collector = cell(port, clients, shape, args.seconds, key, tag)
                        ended = time.time()
                        [probes] = prober.finish()
                        counted = sorted(s for at, s in json.loads(probes) if started <= at <= ended)
                        row = {
                            "store": name,
                            "evaluators": busy,
                            "clients": clients,
                            "shape": shape,
                            "bare": bare,
                            "collector": collector,
                            "ratio": round(collector["requests_per_s"] / bare["requests_per_s"], 3)
                            if bare["requests_per_s"]
                            else None,
                            "counted_p50_ms": round(statistics.median(counted) * 1000, 1) if counted else None,
                            "counted_p95_ms": round(counted[math.ceil(0.95 * len(counted)) - 1] * 1000, 1)
                            if counted
                            else None,
                            "probes": len(counted),
                        }
                        results.append(row)
                        print(json.dumps(row), file=sys.stderr, flush=True)
            finally:
                if helpers is not None:
                    helpers.finish()


def catalog_cost(workdir: Path, args: argparse.Namespace) -> dict:
    """Single events' answer time and accepted → counted, with an empty catalog and with
    10,000 catalogued properties (100 event names of 100 properties)."""
    out = {}
    for label, names in (("empty catalog", 0), ("10,000 properties", 100)):
        url = f"duckdb://{workdir / f'catalog-{names}.duckdb'}"
        ws = wb.connect(url)
        if names:
            event = {"contact_id": "c1", "source": "custom", "ts": datetime.now(UTC)}
            wide = [
                {**event, "name": f"wide_{n}", "properties": {f"p{i}": i for i in range(100)}} for n in range(names)
            ]
            ws.append("events", wide)
        ws.append("contacts", [{"contact_id": "c1", "created_at": "2026-01-01T00:00:00Z"}])
        ws.append("events", [{"contact_id": "c1", "source": "custom", "name": "bench_probe", "ts": datetime.now(UTC)}])
        key = create_write_key(ws, "bench")[1]
        port = free_port()
        with serving(collector_command(url, port, args.workers), port, "/v1/health", workdir / "catalog.log"):
            prober = Helpers([[PROBER, url, f"http://127.0.0.1:{port}", key, "c1"]], workdir)
            outcome = cell(port, 1, "events1", args.seconds * 2, key, uuid.uuid4().hex[:8])
            counted = sorted(s for _, s in json.loads(prober.finish()[0]))
        out[label] = {
            **outcome,
            "catalogued_properties": len([p for e in ws.catalog.events.values() for p in e.properties]),
            "counted_p50_ms": round(statistics.median(counted) * 1000, 1) if counted else None,
        }
        print(json.dumps({label: out[label]}), file=sys.stderr, flush=True)
    return out


def markdown(results: list[dict]) -> str:
    lines = [
        "| store | evaluating | clients | shape | bare req/s | collector req/s | events/s | ratio | p50 / p99 ms | accepted → counted p50 / p95 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        c = r["collector"]
        lines.append(
            f"| {r['store']} | {r['evaluators']} | {r['clients']} | {r['shape']} | {r['bare']['requests_per_s']:,.0f}"
            f" | {c['requests_per_s']:,.0f} | {c['events_per_s']:,.0f} | {r['ratio']:.2f}"
            f" | {c['p50_ms']:.0f} / {c['p99_ms']:.0f} | {r['counted_p50_ms']} / {r['counted_p95_ms']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4.0, help="load per cell")
    parser.add_argument("--contacts", type=int, default=10_000, help="sample shop size of each store")
    parser.add_argument("--pg", default=os.environ.get("WORKBENCH_TEST_PG"), help="PostgreSQL server URL (admin)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="HTTP processes of both servers")
    parser.add_argument("--clients", default=",".join(map(str, CLIENTS)))
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--out", default=None, help="directory for results.json and logs")
    args = parser.parse_args(argv)
    args.clients = [int(c) for c in args.clients.split(",")]
    args.shapes = args.shapes.split(",")
    workdir = Path(args.out or tempfile.mkdtemp(prefix="collector-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    stores = [("DuckDB", f"duckdb://{workdir / 'bench.duckdb'}")]
    if args.pg:
        stores.append(("PostgreSQL", _new_database(args.pg)))
    results: list[dict] = []
    bare_port = free_port()
    with serving(bare_command(bare_port, args.workers), bare_port, "/", workdir / "bare.log"):
        for name, url in stores:
            run_store(name, url, args, workdir, results, bare_port)
    catalog = catalog_cost(workdir, args)
    (workdir / "results.json").write_text(json.dumps({"cells": results, "catalog": catalog}, indent=1))
    print(markdown(results))
    print()
    for label, figures in catalog.items():
        print(f"{label}: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, {figures['requests_per_s']} req/s")
    print(f"\nresults: {workdir / 'results.json'}")


def _new_database(admin: str) -> str:
    import psycopg

    name = f"wb_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.rsplit("/", 1)[0] + f"/{name}"


if __name__ == "__main__":
    main()
