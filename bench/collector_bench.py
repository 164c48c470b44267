"""Collector benchmark: sustained events per second and accepted → visible latency.

    python -m bench.collector_bench [--db duckdb:///tmp/bench.duckdb] [--seconds 20] [--batch 100]

Starts ``workbench collector`` on a free local port, POSTs batches of ``add_to_cart``
events for a while (throughput), then measures, event by event, the time from the POST
to the first segment count that includes it (latency p50/p99). Results are printed as
one JSON object; the machine is noisy, so compare runs made in the same session.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

import workbench as wb
from workbench.collector.keys import create_write_key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_collector(url: str, port: int) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("workbench")
    server = subprocess.Popen(
        [str(exe), "--db", url, "collector", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the collector did not start")


def event(contact: str, cart: str) -> dict:
    return {
        "event_id": uuid.uuid4().hex,
        "contact_id": contact,
        "name": "add_to_cart",
        "source": "custom",
        "ts": datetime.now(UTC).isoformat(),
        "cart_id": cart,
        "amount": 10.0,
    }


def throughput(client: httpx.Client, seconds: float, batch: int) -> float:
    sent, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = client.post("/v1/events", json={"events": [event(f"c{i % 500}", "k") for i in range(batch)]})
        response.raise_for_status()
        sent += batch
    return sent / (time.perf_counter() - started)


def latencies(client: httpx.Client, ws: wb.Workspace, samples: int) -> list[float]:
    out = []
    for i in range(samples):
        cart = f"probe{i}"
        segment = {
            "name": "probe",
            "rule": {"event": "add_to_cart", "where": [{"property": "cart_id", "op": "eq", "value": cart}]},
        }
        started = time.perf_counter()
        client.post("/v1/events", json={"events": [event("c0", cart)]}).raise_for_status()
        while ws.count(segment) == 0:
            pass
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=f"duckdb://{tempfile.mkdtemp()}/bench.duckdb")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()

    ws = wb.connect(args.db)
    ws.append("contacts", [{"contact_id": f"c{i}", "created_at": "2026-01-01T00:00:00Z"} for i in range(500)])
    ws.append("events", [event("c0", "seed") | {"properties": {"cart_id": "seed"}}])
    _, key = create_write_key(ws, "bench")
    port = free_port()
    server = start_collector(args.db, port)
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as client:
            rate = throughput(client, args.seconds, args.batch)
            lat = sorted(latencies(client, ws, args.samples))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        json.dumps(
            {
                "store": ws.dialect,
                "batch": args.batch,
                "events_per_second": round(rate, 1),
                "accepted_to_visible_ms": {
                    "p50": round(statistics.median(lat), 1),
                    "p99": round(lat[min(len(lat) - 1, int(0.99 * len(lat)))], 1),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
