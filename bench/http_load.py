"""A lean HTTP/1.1 load generator: N keep-alive connections, each sending one request after
another for a while, and the answers' statuses and latencies.

It writes requests as prepared bytes and reads answers with asyncio streams (no HTTP
library), so that on a small machine the load generator costs less than the servers it
measures and the same client drives the bare endpoint and the collector.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# one request: (the bytes to send, how many events it carries)
Request = tuple[bytes, int]


def http_request(method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """A complete HTTP/1.1 request with a body, for a keep-alive connection to localhost."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Outcome:
    """What one run saw: latencies (s) of the 2xx answers, events they carried, other statuses."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    events: int = 0
    refused: dict[int, int] = field(default_factory=dict)
    errors: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def event_rate(self) -> float:
        return self.events / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    def summary(self) -> dict:
        return {
            "requests_per_s": round(self.rate, 1),
            "events_per_s": round(self.event_rate, 1),
            "p50_ms": round(self.percentile(0.5) * 1000, 1),
            "p99_ms": round(self.percentile(0.99) * 1000, 1),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 1) if self.latencies else None,
            "answered": len(self.latencies),
            "refused": self.refused,
            "errors": self.errors,
        }


async def _read_answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _connection(port: int, make: Callable[[], Request], until: float, outcome: Outcome) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        outcome.errors += 1
        return
    try:
        while time.perf_counter() < until:
            data, events = make()
            started = time.perf_counter()
            writer.write(data)
            status = await _read_answer(reader)
            elapsed = time.perf_counter() - started
            if 200 <= status < 300:
                outcome.latencies.append(elapsed)
                outcome.events += events
            else:
                outcome.refused[status] = outcome.refused.get(status, 0) + 1
    except (OSError, asyncio.IncompleteReadError):
        outcome.errors += 1
    finally:
        writer.close()


def run_load(port: int, clients: int, seconds: float, make: Callable[[], Request]) -> Outcome:
    """``clients`` connections sending requests made by ``make`` for ``seconds``."""

    async def main() -> Outcome:
        started = time.perf_counter()
        outcome = Outcome(seconds)
        until = started + seconds
        await asyncio.gather(*(_connection(port, make, until, outcome) for _ in range(clients)))
        outcome.seconds = time.perf_counter() - started  # the last answers arrive after the deadline
        return outcome

    return asyncio.run(main())
