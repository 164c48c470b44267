"""Trigger benchmark: event accepted by the collector → triggered message handed to the channel.

    python -m bench.trigger_bench [--contacts 100000] [--samples 40] [--interval 5]
    python -m bench.trigger_bench --contacts 1000000 --examples --stream 200   # issue 16's shape

A sample shop of ``--contacts`` contacts (generated once, cached under bench/.cache/) is
copied to a temporary store. The segment "added to cart in the last 10 minutes" is tracked
with a trigger sending an email campaign on entry. A collector runs as its own process; the
watcher runs in this process with a recording transport, so "handed to the channel" is the
moment the send path calls the transport, on the same clock as the POST. Events are POSTed
one at a time (each for a contact not in the segment, waiting for its message), then as a
burst. With ``--examples`` the 13 example segments are tracked too, and with ``--stream N``
another client posts N page views a second (random contacts, ten requests a second)
throughout, as a shop's traffic would. Prints one JSON object: p50/p95 latencies, the
watcher's round times and the contacts each incremental round evaluated.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx

import workbench as wb
from bench.collector_bench import free_port, start_collector
from workbench.collector.keys import create_write_key
from workbench.expr.reader import rule_from_dict
from workbench.sample.load import load_sample, save_example_segments
from workbench.send import define_campaign
from workbench.send.policy import save_policy_setting
from workbench.triggers import Dispatcher, Tick, Watcher, add_trigger, track

CACHE = Path(__file__).resolve().parent / ".cache"
SEGMENT = {"version": 1, "id": "carted_now", "name": "Carted in the last 10 minutes",
           "rule": {"event": "add_to_cart", "window": {"last": "10m"}}}  # fmt: skip


class RecordingTransport:
    """A channel that records when each message was handed to it (and sends nothing)."""

    name = "recording"

    def __init__(self) -> None:
        self.handed: dict[str, float] = {}  # address -> perf_counter at delivery
        self.arrived = threading.Condition()

    @contextmanager
    def session(self) -> Iterator[RecordingTransport]:
        yield self

    def deliver(self, message) -> str:
        with self.arrived:
            self.handed.setdefault(message.to, time.perf_counter())
            self.arrived.notify_all()
        return None

    def wait(self, address: str, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while address not in self.handed:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.arrived.wait(left)
            return self.handed[address]


def cached_store(contacts: int) -> Path:
    path = CACHE / f"triggers-{contacts}.duckdb"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        print(f"generating a {contacts:,}-contact sample into {path} …", flush=True)
        load_sample(wb.Workspace(f"duckdb://{partial}"), contacts, as_of=datetime.now(UTC))
        partial.rename(path)
    return path


def reachable(ws: wb.Workspace, n: int, seed: int) -> list[tuple[str, str]]:
    """Contacts with an email address and consent, never unsubscribed: (contact_id, email)."""
    consent = rule_from_dict({"attribute": "email_consent", "op": "is_true"})
    rows = ws.members_table(consent, columns=["email"]).to_pylist()
    unsubscribed = set(ws.members(rule_from_dict({"any": [{"event": "unsubscribe"}, {"event": "bounce"}]})))
    pool = [(r["contact_id"], r["email"]) for r in rows if r["email"] and r["contact_id"] not in unsubscribed]
    return random.Random(seed).sample(pool, min(n, len(pool)))


def stream(base: str, key: str, contacts: list[str], rate: int, stop: threading.Event, sent: list[int]) -> None:
    """Post ``rate`` page views a second, as ten requests a second, until ``stop``."""
    rnd = random.Random(7)
    per_request = max(1, rate // 10)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
        next_at = time.monotonic()
        while not stop.is_set():
            events = [
                {
                    "contact_id": rnd.choice(contacts),
                    "name": "page_view",
                    "source": "web",
                    "url": "https://shop.example/",
                }
                for _ in range(per_request)
            ]
            api.post("/v1/events", json={"events": events}, timeout=60).raise_for_status()
            sent[0] += per_request
            next_at += 0.1
            stop.wait(max(0.0, next_at - time.monotonic()))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=40, help="events posted one at a time")
    parser.add_argument("--burst", type=int, default=50, help="events posted together at the end")
    parser.add_argument("--interval", type=float, default=5.0, help="the watcher's timer, seconds")
    parser.add_argument("--examples", action="store_true", help="also track the 13 example segments")
    parser.add_argument("--stream", type=int, default=0, help="page views a second from another client")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="trigger-bench-"))
    db = workdir / "store.duckdb"
    shutil.copy(cached_store(args.contacts), db)
    url = f"duckdb://{db}"
    ws = wb.connect(url)
    ws.save_segment(SEGMENT)
    tracked = [SEGMENT["id"], *(save_example_segments(ws) if args.examples else [])]
    for segment_id in tracked:
        track(ws, segment_id)
    template = workdir / "tpl"
    template.mkdir()
    (template / "subject.txt").write_text("{{ contact.first_name }}, still thinking about it?")
    (template / "body.txt").write_text("Your cart is waiting.")
    define_campaign(ws, "nudge", segment="carted_now", channel="email", template=template)
    for key in ("max_per_day", "max_per_week"):
        save_policy_setting(ws, "email", key, "0")  # measure the pipeline, not the caps
    save_policy_setting(ws, "email", "quiet_hours", "none")
    add_trigger(ws, "nudge", segment="carted_now", campaign="nudge")
    targets = reachable(ws, args.samples + args.burst, seed=1)
    browsing = [c for c, _ in reachable(ws, 10_000, seed=2)] if args.stream else []
    _, key = create_write_key(ws, "bench")

    transport = RecordingTransport()
    rounds: list[Tick] = []
    watcher = Watcher(ws, dispatcher=Dispatcher(ws, runs_dir=workdir / "runs", transport=lambda _c: transport))
    stop = threading.Event()
    thread = threading.Thread(
        target=watcher.run, kwargs={"interval": args.interval, "stop": stop, "on_tick": rounds.append}, daemon=True
    )
    port = free_port()
    server = start_collector(url, port)
    thread.start()
    while not rounds:  # the baseline
        time.sleep(0.1)
    streamed, stop_stream = [0], threading.Event()
    streamer = threading.Thread(
        target=stream,
        args=(f"http://127.0.0.1:{port}", key, browsing, args.stream, stop_stream, streamed),
        daemon=True,
    )
    if args.stream:
        streamer.start()
    single, burst, lost = [], [], 0
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"}) as api:

            def post(batch: list[tuple[str, str]]) -> float:
                events = [{"contact_id": c, "name": "add_to_cart", "cart_id": f"b-{c}"} for c, _ in batch]
                api.post("/v1/events", json={"events": events}, timeout=60).raise_for_status()
                return time.perf_counter()

            for contact in targets[: args.samples]:
                accepted = post([contact])
                handed = transport.wait(contact[1], timeout=60)
                if handed is None:
                    lost += 1
                else:
                    single.append((handed - accepted) * 1000)
                time.sleep(random.Random(contact[0]).uniform(0, 1))  # not in step with the timer
            group = targets[args.samples :]
            accepted = post(group)
            for _, address in group:
                handed = transport.wait(address, timeout=120)
                if handed is None:
                    lost += 1
                else:
                    burst.append((handed - accepted) * 1000)
    finally:
        stop_stream.set()
        if args.stream:
            streamer.join(timeout=60)
        stop.set()
        thread.join(timeout=60)
        server.terminate()
        server.wait(timeout=30)
    evaluated = [t.evaluate_ms for t in rounds[1:]]
    scopes = [t.scope for t in rounds[1:] if t.scope is not None]
    print(
        json.dumps(
            {
                "contacts": args.contacts,
                "store": "duckdb",
                "timer_s": args.interval,
                "accepted_to_handed_ms": {
                    "single": {"n": len(single), "p50": percentile(single, 0.5), "p95": percentile(single, 0.95)},
                    "burst": {"n": len(burst), "p50": percentile(burst, 0.5), "p95": percentile(burst, 0.95)},
                },
                "not_delivered": lost,
                "watcher_rounds": len(rounds),
                "tracked_segments": len(tracked),
                "streamed_events": streamed[0],
                "evaluate_ms": {
                    "p50": round(statistics.median(evaluated), 1),
                    "p95": percentile(evaluated, 0.95),
                    "max": round(max(evaluated), 1),
                },
                "full_rounds": len(evaluated) - len(scopes),
                "contacts_per_incremental_round": {
                    "p50": statistics.median(scopes) if scopes else None,
                    "max": max(scopes, default=None),
                },
            },
            indent=2,
        )
    )
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
