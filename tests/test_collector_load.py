"""The collector under load (issue 15), over real HTTP against a ``workbench collector``
process (two HTTP processes and the loader) per backend: every event answered 2xx is
stored exactly once, also when the collector is killed with SIGKILL in the middle of it;
a bad request among many at once is refused alone; names outside the rules, past the
caps, or reserved from browsers are refused naming the field, and nothing is stored.

The store is read back after ``wait_for_collected``, as the watcher and the send path do.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import httpx
import pytest
from click.testing import CliRunner

from tests.collector_support import SITE, CollectorProcess, client, events_where, problems
from workbench.cli import main
from workbench.collector import (
    allow_from_browser,
    create_write_key,
    reserve_names,
    reserved_names,
    set_limits,
    wait_for_collected,
)
from workbench.store.workspace import Workspace

pytestmark = pytest.mark.slow

CLIENTS = 16
REQUESTS_PER_CLIENT = 12


@pytest.fixture(scope="module")
def store(backend_url) -> Workspace:
    ws = Workspace(backend_url)
    ws.init()
    return ws


@pytest.fixture(scope="module")
def key(store) -> str:
    return create_write_key(store, "load")[1]


@pytest.fixture(scope="module")
def server(store, key, tmp_path_factory):
    log = tmp_path_factory.mktemp("load") / "collector.log"
    process = CollectorProcess(store.url.url, log).start()
    yield process
    process.stop()


def stored_ids(store: Workspace, prefix: str) -> list[str]:
    """Every stored event id starting with ``prefix`` (repeats included)."""
    wait_for_collected(store)
    rows = store.table("events").select(["event_id"]).to_pylist()
    return [r["event_id"] for r in rows if r["event_id"].startswith(prefix)]


def beacon(visitor: str, message: str, name: str = "page_view") -> dict:
    kind = {"type": "page_view", "url": "https://shop.example/"} if name == "page_view" else {"type": "track"}
    return {"anonymous_id": visitor, "events": [{"id": message, "name": name, **kind}]}


def hammer(base: str, key: str, prefix: str, clients: int, requests: int, stop: threading.Event | None = None):
    """``clients`` threads, each posting ``requests`` requests one after another: single
    events, batches of 10 and beacons in turn. Returns the event ids answered 2xx (and a
    list of unexpected answers)."""
    answered: list[str] = []
    unexpected: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
            for i in range(requests):
                if stop is not None and stop.is_set():
                    return
                tag = f"{prefix}{n}-{i}"
                try:
                    if i % 3 == 2:
                        visitor, message = f"{prefix}{uuid.uuid4().hex[:12]}", f"m{tag.replace('-', '_')}x"
                        response = http.post("/t/w", json=beacon(visitor, message), headers={"Origin": SITE})
                        ids = [f"web-{visitor}-{message}"]
                    else:
                        ids = [f"{tag}-{j}" for j in range(1 if i % 3 == 0 else 10)]
                        events = [{"event_id": e, "contact_id": f"c{n}", "name": "load_view"} for e in ids]
                        response = http.post("/v1/events", json={"events": events})
                except httpx.TransportError:  # the collector was killed: this one was not answered
                    return
                with lock:
                    if response.status_code in (200, 204):
                        answered.extend(ids)
                    else:
                        unexpected.append(f"{response.status_code} {response.text}")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answered, unexpected


def test_many_concurrent_clients_every_answered_event_is_stored_once(server, store, key):
    answered, unexpected = hammer(server.base, key, "many-", CLIENTS, REQUESTS_PER_CLIENT)
    assert unexpected == []
    assert len(answered) == CLIENTS * (4 * 11 + 4)  # 4 singles, 4 batches of 10, 4 beacons each
    assert sorted(stored_ids(store, "many-") + stored_ids(store, "web-many-")) == sorted(answered)


def test_a_bad_request_among_many_at_once_is_refused_alone(server, store, key):
    """Requests arriving together are written in one group; the bad ones are refused before
    they join it and the others are stored."""
    barrier = threading.Barrier(12)
    answers: dict[int, httpx.Response] = {}

    def post(n: int) -> None:
        event = {"event_id": f"group-{n}", "contact_id": "c-group", "name": "group_view"}
        if n == 5:
            event["amount"] = 1e15  # beyond the amount type
        if n == 7:
            event["bad key"] = 1  # outside the names the collector learns
        with client(server, key) as http:
            barrier.wait()
            answers[n] = http.post("/v1/events", json={"events": [event]})

    threads = [threading.Thread(target=post, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {n for n, r in answers.items() if r.status_code == 422} == {5, 7}
    assert problems(answers[5]) == {
        (0, "amount", "1000000000000000.0 is too large for an amount (at most 14 digits before the point)")
    }
    assert {(i, f) for i, f, _ in problems(answers[7])} == {(0, "bad key")}
    assert sorted(stored_ids(store, "group-")) == sorted(f"group-{n}" for n in range(12) if n not in (5, 7))


def test_names_outside_the_rules_or_the_caps_are_refused_by_field_and_nothing_is_stored(
    store, key, backend_name, new_store_url, tmp_path
):
    if backend_name != "duckdb":
        pytest.skip("the naming policy is the collector's, the same on every backend")
    ws = Workspace(new_store_url())
    ws.init()
    key = create_write_key(ws, "caps")[1]
    set_limits(ws, event_names=3, properties_per_event=2)
    server = CollectorProcess(ws.url.url, tmp_path / "collector.log").start()
    try:
        with client(server, key) as api:

            def post(*events: dict) -> httpx.Response:
                return api.post("/v1/events", json={"events": [{"contact_id": "c-caps", **e} for e in events]})

            long_name = "n" * 65
            refused = post({"name": long_name}, {"name": "ok", "properties": {"a b": 1}}, {"name": "ok", "x/y": 1})
            assert refused.status_code == 422
            assert {(i, f) for i, f, _ in problems(refused)} == {(0, "name"), (1, "properties.a b"), (2, "x/y")}
            assert "1 to 64 characters" in {m for i, _, m in problems(refused) if i == 0}.pop()
            assert post({"name": "one", "p1": 1, "p2": 2}).status_code == 200
            too_many = post({"name": "one", "p3": 3})
            assert problems(too_many) == {
                (
                    0,
                    "p3",
                    "the workspace has reached its limit of 2 properties of 'one'; send a name it has already,"
                    " or raise the limit (workbench collector limits)",
                )
            }
            assert post({"name": "two"}, {"name": "three"}).status_code == 200
            fourth = post({"name": "four"})
            assert {(i, f) for i, f, _ in problems(fourth)} == {(0, "name")}
            assert "limit of 3 event names" in fourth.json()["errors"][0]["message"]
            assert post({"name": "one", "p1": 5}, {"name": "three"}).status_code == 200  # known names pass
    finally:
        server.stop()
    assert sorted(e["name"] for e in events_where(ws, contact_id="c-caps")) == ["one", "one", "three", "three", "two"]
    assert sorted(ws.catalog.events) == ["one", "three", "two"]


def test_browsers_may_not_send_reserved_or_messaging_names(server, store):
    """A beacon made a contact a VIP with track("purchase", {amount: 99999999})."""

    def send(name: str, amount: float | None = None) -> tuple[httpx.Response, str]:
        visitor = f"v{uuid.uuid4().hex[:16]}"
        body = beacon(visitor, f"m{uuid.uuid4().hex[:12]}", name)
        if amount is not None:
            body["events"][0]["properties"] = {"amount": amount}
        body["contact_id"] = "c-vip"
        return httpx.post(f"{server.base}/t/w", json=body, headers={"Origin": SITE}), visitor

    assert set(reserved_names(store)) == {"purchase", "loyalty_status_change", "consent_change", "unsubscribe"}
    for name in ("purchase", "loyalty_status_change", "consent_change", "unsubscribe", "email_open"):
        response, visitor = send(name, 99999999)
        assert response.status_code == 422, name
        assert {(i, f) for i, f, _ in problems(response)} == {(0, "name")}, name
        assert events_where(store, anonymous_id=visitor) == []
    reserve_names(store, ["refund"])
    allow_from_browser(store, ["consent_change"])
    assert eventually(lambda: send("refund")[0].status_code == 422)
    assert eventually(lambda: send("consent_change")[0].status_code == 204)
    with pytest.raises(Exception, match="messaging events"):
        allow_from_browser(store, ["email_click"])
    allow_from_browser(store, ["refund"])
    reserve_names(store, ["consent_change"])


def eventually(check: Callable[[], bool], seconds: float = 30) -> bool:
    """Whether ``check`` holds within ``seconds`` (a running collector reads settings every second)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_the_cli_configures_reserved_names_and_limits(tmp_path):
    db = f"duckdb://{tmp_path / 'cli.duckdb'}"
    runner = CliRunner()

    def run(*words: str) -> list[str]:
        result = runner.invoke(main, ["--db", db, "collector", *words])
        assert result.exit_code == 0, result.output
        return result.stdout.strip().splitlines()

    assert run("reserved") == ["consent_change", "loyalty_status_change", "purchase", "unsubscribe"]
    assert run("reserved", "add", "refund", "gift_card") == [
        "consent_change",
        "gift_card",
        "loyalty_status_change",
        "purchase",
        "refund",
        "unsubscribe",
    ]
    assert "purchase" not in run("reserved", "remove", "purchase")
    assert run("limits") == ["event-names\t2000", "properties-per-event\t500"]
    assert run("limits", "event-names", "50") == ["event-names\t50", "properties-per-event\t500"]
    refused = runner.invoke(main, ["--db", db, "collector", "reserved", "remove", "bounce"])
    assert refused.exit_code == 1 and "messaging events" in refused.stderr


def collect(into: list, *args) -> None:
    into.append(hammer(*args))


def test_sigkill_under_sustained_load_loses_no_answered_event_and_doubles_none(store, key, backend_name, tmp_path):
    """Clients keep posting while the collector is killed with SIGKILL at a moment of its
    own (events in flight, a group half written, the loader mid-transaction); after a
    restart every event answered 2xx is stored exactly once."""
    answered_all: list[str] = []
    for round_, delay in enumerate((0.7, 1.9)):
        server = CollectorProcess(store.url.url, tmp_path / f"killed{round_}.log").start()
        stop = threading.Event()
        result: list = []
        load = threading.Thread(target=collect, args=(result, server.base, key, f"kill{round_}-", 8, 400, stop))
        load.start()
        time.sleep(delay)
        server.kill()
        stop.set()
        load.join()
        answered, unexpected = result[0]
        assert unexpected == []
        assert answered, "nothing was answered before the kill"
        answered_all += answered
    server = CollectorProcess(store.url.url, tmp_path / "restarted.log").start()  # loads what the dead ones left
    try:
        stored = stored_ids(store, "kill") + stored_ids(store, "web-kill")
        assert len(stored) == len(set(stored)), "an event was stored twice"
        assert set(answered_all) <= set(stored)
    finally:
        server.stop()
