"""The collector's edges (issues 14, 15): which property names it keeps exactly and which it
refuses, the content types it reads, the write key checked before the body is read, and
the range of event times it accepts. Over real HTTP against a ``workbench collector``
process per backend, as in tests/test_collector.py; the store is read back through the
Workspace.

Every request uses its own contact id, so "nothing was stored" is checked exactly.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.collector_support import SITE, CollectorProcess, client, events_where, problems
from workbench.collector import TimestampRange, create_write_key
from workbench.collector.models import Event
from workbench.collector.policy import name_problem
from workbench.collector.service import WEB_COLUMNS
from workbench.errors import ImportFailed
from workbench.store.importer import prepare
from workbench.store.workspace import Workspace

pytestmark = pytest.mark.slow

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def store(backend_url) -> Workspace:
    ws = Workspace(backend_url)
    ws.init()
    return ws


@pytest.fixture(scope="module")
def key(store) -> str:
    return create_write_key(store, "edges")[1]


@pytest.fixture(scope="module")
def server(store, key, tmp_path_factory):
    process = CollectorProcess(store.url.url, tmp_path_factory.mktemp("edges") / "collector.log").start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def api(server, key):
    with client(server, key) as c:
        yield c


def someone() -> str:
    """A contact id no other request uses."""
    return f"c-{uuid.uuid4().hex[:16]}"


def post_json(api: httpx.Client, path: str, body: object, **headers: str) -> httpx.Response:
    """Post ``body`` as ASCII JSON: NULs, control characters and lone surrogates travel as
    ``\\u`` escapes, exactly as a client's JSON library would send them."""
    return api.post(path, content=json.dumps(body).encode(), headers={**JSON, **headers})


def post_beacon(server, body: object, content_type: str | None = "text/plain") -> httpx.Response:
    headers = {"Origin": SITE} | ({"Content-Type": content_type} if content_type else {})
    return httpx.post(f"{server.base}/t/w", content=json.dumps(body).encode(), headers=headers)


def beacon_with_properties(properties: dict) -> dict:
    visitor = f"v-{uuid.uuid4().hex[:16]}"
    message = {"id": uuid.uuid4().hex[:16], "type": "track", "name": "edge_track", "properties": properties}
    return {"anonymous_id": visitor, "events": [message]}


# --- property names ----------------------------------------------------------------------------

# Names with no use as a label that the stores cannot all hold or show: refused everywhere
# (API fields, properties, beacons, import columns), with the message the client gets.
REFUSED_NAMES = {
    "a\x00b": "a property name cannot contain control characters (it has U+0000)",
    "a\x01b": "a property name cannot contain control characters (it has U+0001)",
    "line\nbreak": "a property name cannot contain control characters (it has U+000A)",
    "tab\there": "a property name cannot contain control characters (it has U+0009)",
    "del\x7f": "a property name cannot contain control characters (it has U+007F)",
    "c1\x85c1": "a property name cannot contain control characters (it has U+0085)",
    "": "a property name cannot be empty",
    "k" * 201: "a property name can have at most 200 characters; this one has 201",
    "k" * 10_000: "a property name can have at most 200 characters; this one has 10000",
}
# Names that look like SQL, JSON paths or markup: kept exactly as sent.
KEPT_NAMES = [
    "a'b",
    'a"b',
    "a\\b",
    "a.b",
    "items[0]",
    "$",
    "$.a",
    "*",
    "zażółć 😀",
    "\u202eevil",
    " padded ",
    "k" * 200,
]


def stored_properties(store: Workspace, contact_id: str) -> list[dict]:
    return [e.get("properties") for e in events_where(store, contact_id=contact_id)]


def test_fields_beside_the_columns_have_the_same_name_rules_as_properties(api, store):
    """A NUL (or another refused name) in the name of a top-level field was stored and
    learned by the catalog; inside ``properties`` it was refused."""
    contact_id = someone()
    names = list(REFUSED_NAMES)
    batch = [{"contact_id": contact_id, "name": "edge_field", "ok": 1}] + [
        {"contact_id": contact_id, "name": "edge_field", name: 1} for name in names
    ]
    response = post_json(api, "/v1/events", {"events": batch})
    assert response.status_code == 422
    assert response.json()["error"] == f"{len(names)} invalid events; nothing was stored"
    assert problems(response) == {(i + 1, name, REFUSED_NAMES[name]) for i, name in enumerate(names)}
    in_properties = post_json(api, "/v1/events", {"events": [{**batch[0], "properties": {"a\x00b": 1}}]})
    assert problems(in_properties) == {(0, "properties.a\x00b", REFUSED_NAMES["a\x00b"])}
    assert stored_properties(store, contact_id) == []
    assert "a\x00b" not in store.catalog.properties_of(("edge_field",))

    # The collector learns no new name outside its rule (issue 15: letters, digits, _ . : -,
    # at most 64 characters), naming the field; once the catalog knows such a name (from an
    # import file, whose rule is the one above), the collector keeps it exactly.
    beside = [{"contact_id": contact_id, "name": "edge_field", name: 1} for name in KEPT_NAMES]
    inside = [{"contact_id": contact_id, "name": "edge_field", "properties": {name: 2}} for name in KEPT_NAMES]
    refused = post_json(api, "/v1/events", {"events": beside + inside})
    assert refused.status_code == 422
    fields = {(i, field) for i, field, _ in problems(refused)}
    outside = [name for name in KEPT_NAMES if name_problem(name)]
    assert set(outside) == set(KEPT_NAMES) - {"a.b"}
    assert fields == {(KEPT_NAMES.index(n), n) for n in outside} | {
        (len(KEPT_NAMES) + KEPT_NAMES.index(n), f"properties.{n}") for n in outside
    }
    assert stored_properties(store, contact_id) == []
    imported = {"contact_id": someone(), "source": "custom", "name": "edge_field", "ts": "2026-01-01"}
    store.append("events", [{**imported, "properties": dict.fromkeys(KEPT_NAMES, 0)}])
    assert accepted_once_known(api, {"events": beside + inside}).status_code == 200
    assert sorted(map(json.dumps, stored_properties(store, contact_id))) == sorted(
        json.dumps({name: value}) for name in KEPT_NAMES for value in (1, 2)
    )


def accepted_once_known(api: httpx.Client, body: dict, seconds: float = 30) -> httpx.Response:
    """Post until the collector has read the catalog again (it does so every second)."""
    deadline = time.monotonic() + seconds
    while (response := post_json(api, "/v1/events", body)).status_code == 422 and time.monotonic() < deadline:
        time.sleep(0.2)
    return response


def test_beacon_properties_have_the_same_name_rules(server, store):
    refused = post_beacon(server, beacon_with_properties({"a\x01b": "x", "size": 42}))
    assert refused.status_code == 422
    assert problems(refused) == {(0, "properties.a\x01b", REFUSED_NAMES["a\x01b"])}
    body = beacon_with_properties({"a.b": "x", "a:b": "y", "zażółć-1": "z"})
    assert post_beacon(server, body).status_code == 204
    [stored] = events_where(store, anonymous_id=body["anonymous_id"])
    assert stored["properties"] == {"a.b": "x", "a:b": "y", "zażółć-1": "z"}


@pytest.mark.parametrize(
    ("column", "reason"),
    [(name, reason) for name, reason in REFUSED_NAMES.items() if name.strip() and "\x00" not in name],
    ids=["soh", "line-break", "tab", "del", "c1", "201-chars", "10k-chars"],
)
def test_an_import_file_column_that_cannot_be_a_property_name_is_refused_by_name(tmp_path, column, reason):
    """Unknown event columns become property names: the importer holds them to the rule of
    the API, and says which column is wrong (CSV here, Parquet below)."""
    path = tmp_path / "events.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        f.write(f'source,name,ts,"{column}"\r\nweb,v,2026-01-01,1\r\n')
    with pytest.raises(ImportFailed) as failure:
        prepare("events", path)
    shown = repr(column if len(column) <= 80 else column[:79] + "…")  # long names are cut, as values are
    assert str(failure.value) == f"{path}: column {shown} cannot be an event property: {reason}"


def test_a_parquet_column_with_a_nul_in_its_name_is_refused_by_name(tmp_path):
    """It used to end in a DuckDB parser error (the name is a struct key there)."""
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"source": ["web"], "name": ["v"], "ts": ["2026-01-01"], "a\x00b": ["1"]}), path)
    with pytest.raises(ImportFailed, match=r"column 'a\\x00b' cannot be an event property: .*U\+0000"):
        prepare("events", path)


# Hostile classes: SQL and JSON-path syntax, quotes and escapes, unicode, controls, NUL,
# lone surrogates (sent as \u escapes), and lengths around and far beyond the limit.
PIECES = st.sampled_from(
    [
        "'",
        '"',
        "\\",
        ".",
        "[0]",
        "[",
        "]",
        "$",
        "*",
        "$.a",
        "?",
        "%",
        "é",
        "😀",
        "\u202e",
        "\u200d",
        " ",
        "\x00",
        "\x01",
        "\n",
        "\t",
        "\x7f",
        "\x9f",
        "\ud800",
        "\udfff",
        "a",
        "Z",
    ]
)
HOSTILE_NAMES = st.one_of(
    st.lists(PIECES, max_size=8).map("".join),
    st.text(max_size=12),
    st.integers(min_value=195, max_value=205).map(lambda n: "k" * n),
    st.just("x" * 10_000),
)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def as_json_reads_it(name: str) -> str:
    """The name the collector receives: JSON joins an escaped surrogate pair into one character."""
    return json.loads(json.dumps(name))


def kept_or_refused_by_name(
    response: httpx.Response, field: str, index: int, stored: list[dict], expected: dict
) -> None:
    """The one property: a name is stored exactly, or the request is refused naming it and
    nothing of it is stored. (A refusal writes a lone surrogate as JSON would: ``\\ud800``.)"""
    if response.status_code == 422:
        named = field.encode("utf-8", "backslashreplace").decode()
        assert named in {f for i, f, _ in problems(response) if i == index}, response.text
        assert stored == []
    else:
        assert response.status_code in (200, 204), response.text
        assert [e.get("properties") for e in stored] == [expected]


@FAST
@given(name=HOSTILE_NAMES)
def test_hostile_field_names_are_kept_exactly_or_refused_by_name(api, store, name):
    name = as_json_reads_it(name)
    assume(name not in Event.model_fields)  # those are the columns
    contact_id = someone()
    response = post_json(api, "/v1/events", {"events": [{"contact_id": contact_id, "name": "edge_fuzz", name: 7}]})
    kept_or_refused_by_name(response, name, 0, events_where(store, contact_id=contact_id), {name: 7})


@FAST
@given(name=HOSTILE_NAMES)
def test_hostile_property_names_are_kept_exactly_or_refused_by_name(api, store, name):
    name = as_json_reads_it(name)
    contact_id = someone()
    event = {"contact_id": contact_id, "name": "edge_fuzz", "properties": {name: "v"}}
    response = post_json(api, "/v1/events", {"events": [event]})
    kept_or_refused_by_name(response, f"properties.{name}", 0, events_where(store, contact_id=contact_id), {name: "v"})


@FAST
@given(name=HOSTILE_NAMES)
def test_hostile_beacon_property_names_are_kept_exactly_or_refused_by_name(server, store, name):
    name = as_json_reads_it(name)
    assume(name not in (*WEB_COLUMNS, "title", "referrer"))  # those fill columns
    body = beacon_with_properties({name: "v"})
    response = post_beacon(server, body)
    stored = events_where(store, anonymous_id=body["anonymous_id"])
    kept_or_refused_by_name(response, f"properties.{name}", 0, stored, {name: "v"})


# --- content types ----------------------------------------------------------------------------


API_BODIES = {
    "/v1/events": lambda: {"events": [{"contact_id": someone(), "name": "edge_content_type"}]},
    "/v1/contacts": lambda: {"contacts": [{"contact_id": someone()}]},
    "/v1/identify": lambda: {"anonymous_id": f"a-{uuid.uuid4().hex}", "contact_id": someone()},
}
# application/json with or without a UTF-8 charset; nothing else, not even other +json types
API_CONTENT_TYPES = {
    "application/json": 200,
    "application/json; charset=utf-8": 200,
    "Application/JSON;charset=UTF-8": 200,
    "text/plain": 415,
    "text/plain;charset=UTF-8": 415,
    "application/x-www-form-urlencoded": 415,
    "multipart/form-data; boundary=xyz": 415,
    "application/merge-patch+json": 415,
    "application/json; charset=latin-1": 415,
    None: 415,
}


@pytest.mark.parametrize("path", list(API_BODIES))
def test_api_bodies_must_be_sent_as_json(api, path):
    """A form or text/plain body got a 422 "Input should be a valid dictionary"."""
    answers = {}
    for content_type in API_CONTENT_TYPES:
        headers = {"Content-Type": content_type} if content_type else {}
        response = api.post(path, content=json.dumps(API_BODIES[path]()).encode(), headers=headers)
        answers[content_type] = response.status_code
        if response.status_code == 415:
            sent = f"request's Content-Type is {content_type!r}" if content_type else "request has no Content-Type"
            assert response.json() == {"error": f"send the body as application/json (UTF-8); this {sent}", "errors": []}
    assert answers == API_CONTENT_TYPES


def test_beacons_are_read_as_the_tracking_script_sends_them(server):
    """track.js sends text/plain (sendBeacon, and fetch as its fallback); pages posting with
    fetch may send application/json. Anything else is a 415, not a 400."""
    answers = {
        content_type: post_beacon(server, beacon_with_properties({"k": "v"}), content_type).status_code
        for content_type in (
            None,  # a beacon of an untyped Blob
            "text/plain",
            "text/plain;charset=UTF-8",
            "application/json",
            "multipart/form-data",
            "application/x-www-form-urlencoded",
        )
    }
    assert answers == {
        None: 204,
        "text/plain": 204,
        "text/plain;charset=UTF-8": 204,
        "application/json": 204,
        "multipart/form-data": 415,
        "application/x-www-form-urlencoded": 415,
    }


# --- refused before the body is read -----------------------------------------------------------


def answer_before_the_body(
    server: CollectorProcess, headers: dict[str, str], wait_s: float = 10.0
) -> tuple[int, dict] | None:
    """Send a request's headers announcing 8 MB of body, and none of the body: the status
    and JSON the collector answers, or None when it waits for the body instead."""
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = f"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {8 << 20}\r\n{head}\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait_s) as sock:
        sock.sendall(request.encode())
        received = b""
        try:
            while b"\r\n\r\n" not in received or len(received.partition(b"\r\n\r\n")[2]) < _length(received):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except TimeoutError:
            return None
    status_line, _, rest = received.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2])


def _length(received: bytes) -> int:
    for line in received.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Content-Type": "application/json"}, 401),
        ({"Content-Type": "application/json", "Authorization": "Bearer wbk_not-a-key-of-this-workspace"}, 403),
        ({"Content-Type": "text/plain"}, 401),  # who you are comes first
        ({"Content-Type": "text/plain", "Authorization": "Bearer {key}"}, 415),
    ],
    ids=["no-key", "unknown-key", "no-key-and-not-json", "not-json"],
)
def test_a_request_is_refused_before_its_body_is_sent(server, key, headers, status):
    """The 8 MB body was read and parsed before the write key was looked at."""
    headers = {name: value.format(key=key) for name, value in headers.items()}
    answer = answer_before_the_body(server, headers)
    assert answer is not None, "the collector waited for the body"
    assert answer[0] == status
    assert set(answer[1]) == {"error", "errors"}


# --- event times ------------------------------------------------------------------------------


def test_event_times_must_be_iso_text_in_the_accepted_range(api, store):
    """Year 9999 and bare Unix numbers were stored."""
    contact_id = someone()
    now = datetime.now(UTC)
    sent = [
        "9999-12-31T00:00:00Z",
        1700000000,
        "1700000000",
        1.7e12,
        "1999-12-31T23:59:59Z",
        (now + timedelta(days=2)).isoformat(),
    ]
    batch = [{"contact_id": contact_id, "name": "edge_ts", "ts": ts} for ts in sent]
    response = post_json(api, "/v1/events", {"events": batch})
    assert response.status_code == 422
    found = {(i, f): m for i, f, m in problems(response)}
    assert set(found) == {(i, "ts") for i in range(len(sent))}
    assert found[0, "ts"] == "9999-12-31T00:00:00Z is more than 1 day ahead of the collector's clock"
    assert (
        found[1, "ts"]
        == "1700000000 is not a timestamp: send ISO 8601 text, e.g. 2026-03-01T12:30:00Z (a number could be seconds or milliseconds)"
    )
    assert found[2, "ts"] == "'1700000000' is not a timestamp (ISO 8601, e.g. 2026-03-01T12:30:00Z)"
    assert (
        found[4, "ts"]
        == "1999-12-31T23:59:59Z is before 2000-01-01T00:00:00Z, the earliest event time this collector accepts"
    )
    assert events_where(store, contact_id=contact_id) == []


def test_event_times_are_read_as_import_files_read_them(api, store):
    """The forms of imports (SPEC §2): an offset of hours only, a date alone (midnight), no
    offset (UTC), lower case; from 2000-01-01 to a day after the collector's clock."""
    contact_id = someone()
    now = datetime.now(UTC).replace(microsecond=0)
    sent = {
        "2026-03-01T12:30+01": datetime(2026, 3, 1, 11, 30, tzinfo=UTC),
        "2026-03-01": datetime(2026, 3, 1, tzinfo=UTC),
        "2026-03-01 12:30:00.5": datetime(2026, 3, 1, 12, 30, 0, 500000, tzinfo=UTC),
        "2026-03-02t08:00z": datetime(2026, 3, 2, 8, tzinfo=UTC),
        "2000-01-01T00:00:00Z": datetime(2000, 1, 1, tzinfo=UTC),
        (now + timedelta(hours=23)).isoformat(): now + timedelta(hours=23),
    }
    batch = [{"contact_id": contact_id, "name": "edge_ts", "ts": ts} for ts in sent]
    assert post_json(api, "/v1/events", {"events": batch}).json()["accepted"] == len(sent)
    assert [e["ts"] for e in events_where(store, contact_id=contact_id)] == sorted(sent.values())


OFFSETS = [
    None,
    UTC,
    timezone(timedelta(hours=1)),
    timezone(timedelta(hours=-5, minutes=-30)),
    timezone(timedelta(hours=14)),
]
ANY_TIME = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.sampled_from(OFFSETS)
)
RECENT = st.datetimes(
    min_value=datetime(1999, 12, 1), max_value=datetime(2028, 1, 1), timezones=st.sampled_from(OFFSETS)
)
NUMBERS = st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.integers().map(str))


def iso(moment: datetime, *, separator: str, zulu: bool) -> str:
    text = moment.isoformat(sep=separator)
    return text.removesuffix("+00:00") + "Z" if zulu and text.endswith("+00:00") else text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    moment=st.one_of(RECENT, ANY_TIME),
    separator=st.sampled_from(["T", " "]),
    zulu=st.booleans(),
)
def test_event_times_are_stored_exactly_or_refused_by_field(api, store, moment, separator, zulu):
    now = datetime.now(UTC)
    try:
        instant = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:  # before year 1 or after 9999 in UTC
        instant = None
    assume(instant is None or abs(instant - (now + timedelta(days=1))) > timedelta(minutes=5))
    accepted = instant is not None and datetime(2000, 1, 1, tzinfo=UTC) <= instant <= now + timedelta(days=1)
    contact_id = someone()
    event = {"contact_id": contact_id, "name": "edge_ts", "ts": iso(moment, separator=separator, zulu=zulu)}
    response = post_json(api, "/v1/events", {"events": [{"contact_id": contact_id, "name": "edge_ts"}, event]})
    stored = events_where(store, contact_id=contact_id)
    if accepted:
        assert response.status_code == 200, response.text
        assert instant in [e["ts"] for e in stored]
    else:
        assert response.status_code == 422, response.text
        assert {(i, f) for i, f, _ in problems(response)} == {(1, "ts")}
        assert stored == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=NUMBERS)
def test_bare_numbers_are_never_event_times(api, store, number):
    contact_id = someone()
    response = post_json(api, "/v1/events", {"events": [{"contact_id": contact_id, "name": "edge_ts", "ts": number}]})
    assert response.status_code == 422
    assert {(i, f) for i, f, _ in problems(response)} == {(0, "ts")}
    assert events_where(store, contact_id=contact_id) == []


def test_the_accepted_range_is_configurable_and_remembered(tmp_path, backend_name):
    """``serve(..., ts_range=...)`` saves the range in the workspace; ``workbench collector``
    started later without it keeps it."""
    if backend_name != "duckdb":
        pytest.skip("the setting is stored as every collector setting is; one backend suffices")
    url = f"duckdb://{tmp_path / 'range.duckdb'}"
    ws = Workspace(url)
    ws.init()
    key = create_write_key(ws, "range")[1]
    wide = TimestampRange(earliest=datetime(1990, 1, 1, tzinfo=UTC), ahead=timedelta(days=400))
    now = datetime.now(UTC)
    times = {"1995-06-01T00:00:00Z": 200, "1989-12-31T23:59:59Z": 422, (now + timedelta(days=300)).isoformat(): 200}
    for process in (
        CollectorProcess(url, tmp_path / "serve.log", serve_kwargs=f"ts_range={wide!r}"),
        CollectorProcess(url, tmp_path / "cli.log"),
    ):
        process.start()
        try:
            with client(process, key) as api:
                answers = {
                    ts: post_json(
                        api, "/v1/events", {"events": [{"contact_id": someone(), "name": "r", "ts": ts}]}
                    ).status_code
                    for ts in times
                }
        finally:
            process.stop()
        assert answers == times, process.output()


def test_the_schema_documents_the_new_refusals(server):
    schema = httpx.get(f"{server.base}/openapi.json").json()
    for path in API_BODIES:
        operation = schema["paths"][path]["post"]
        assert list(operation["requestBody"]["content"]) == ["application/json"]
        assert "415" in operation["responses"]
    assert "415" in schema["paths"]["/t/w"]["post"]["responses"]
    assert schema["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EventBatch"
    }
