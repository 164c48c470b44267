"""Import-file preparation (SEGMENT_SPEC §2): rejects with lines and reasons, conversions,
defaults, derived event ids, duplicates, links, and files that cannot be imported."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from workbench.errors import ImportFailed
from workbench.store.importer import Prepared, Reject, prepare, reading
from workbench.store.schema import CONTACTS, EVENTS, IDENTITIES

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def run(tmp_path: Path, kind: str, text: str, **kwargs) -> Prepared:
    return prepare(kind, write(tmp_path, f"{kind}.csv", text), now=NOW, **kwargs)


def rows(prepared: Prepared) -> list[dict]:
    return prepared.table.to_pylist()


def reasons(prepared: Prepared) -> list[tuple[int, str]]:
    return [(r.line, r.reason) for r in prepared.rejects]


def accounted(prepared: Prepared) -> bool:
    return prepared.rows_read == prepared.table.num_rows + len(prepared.rejects) + prepared.duplicates_in_file


# --- rejects: line numbers and reasons, good rows kept ---------------------------------

REJECT_CASES = [
    pytest.param(
        "contacts",
        "contact_id,created_at\n,2026-01-01\nc2,2026-01-01\n",
        [(2, "contact_id: missing required value")],
        ["c2"],
        id="contacts-missing-id",
    ),
    pytest.param(
        "contacts",
        "contact_id,last_name,gender,created_at\n"
        'c1,"Smith, John",female,2026-01-01\n'
        'c2,"Doe, Jane",robot,2026-01-01\n'
        "c3,,,2026-01-01\n",
        [(3, "gender: 'robot' is not one of female, male, other")],
        ["c1", "c3"],
        id="contacts-quoted-comma-and-bad-gender",
    ),
    pytest.param(
        "contacts",
        "contact_id,birth_date,created_at\nc1,1990-02-30,2026-01-01\nc2,1990-5-1,2026-01-01\nc3,1990-05-01,2026-01-01\n",
        [
            (2, "birth_date: '1990-02-30' is not a date (YYYY-MM-DD)"),
            (3, "birth_date: '1990-5-1' is not a date (YYYY-MM-DD)"),
        ],
        ["c3"],
        id="contacts-bad-dates",
    ),
    pytest.param(
        "contacts",
        'contact_id,tags,created_at\nc1,"vip,new",2026-01-01\nc2,"[""a"",1]",2026-01-01\n'
        'c3,"{""a"":1}",2026-01-01\nc4,"[""a"",null]",2026-01-01\nc5,"[""a""]",2026-01-01\n',
        [
            (2, "tags: 'vip,new' is not a JSON array of strings"),
            (3, "tags: '[\"a\",1]' is not a JSON array of strings"),
            (4, "tags: '{\"a\":1}' is not a JSON array of strings"),
            (5, "tags: '[\"a\",null]' is not a JSON array of strings"),
        ],
        ["c5"],
        id="contacts-bad-arrays",
    ),
    pytest.param(
        "contacts",
        "contact_id,email_consent,created_at\nc1,maybe,2026-01-01\nc2,YES,2026-01-01\n",
        [(2, "email_consent: 'maybe' is not a boolean (true/false, yes/no, 1/0)")],
        ["c2"],
        id="contacts-bad-boolean",
    ),
    pytest.param(
        "contacts",
        "contact_id,gender,birth_date,created_at\n,Robot,01/02/1990,yesterday\nc2,,,2026-01-01T00:00:00Z\n",
        [
            (
                2,
                "contact_id: missing required value; gender: 'Robot' is not one of female, male, other; "
                "birth_date: '01/02/1990' is not a date (YYYY-MM-DD); created_at: 'yesterday' is not a timestamp",
            )
        ],
        ["c2"],
        id="contacts-several-problems-one-row",
    ),
    pytest.param(
        "contacts",
        'contact_id,city,created_at\nc1,"Line one\nline two",2026-01-01\nc2,Paris,not-a-date\n\nc3,Oslo,2026-13-01\n',
        [(4, "created_at: 'not-a-date' is not a timestamp"), (6, "created_at: '2026-13-01' is not a timestamp")],
        ["c1"],
        id="contacts-lines-after-multiline-value-and-blank-line",
    ),
    pytest.param(
        "contacts",
        "contact_id,created_at\nc1,2026-01-01,extra\nc2\nc3,2026-01-01\n",
        [(2, "expected 2 fields, found 3"), (3, "expected 2 fields, found 1")],
        ["c3"],
        id="contacts-wrong-number-of-fields",
    ),
    pytest.param(
        "events",
        "source,name,ts\nweb,page_view,2026-13-01\napi,page_view,2026-01-01\nweb,,2026-01-01\nweb,page_view,2026-01-01\n",
        [
            (2, "ts: '2026-13-01' is not a timestamp"),
            (3, "source: 'api' is not one of web, messaging, custom"),
            (4, "name: missing required value"),
        ],
        ["page_view"],
        id="events-source-ts-name",
    ),
    pytest.param(
        "events",
        'source,name,ts,amount,quantity,properties\nweb,buy,2026-01-01,"1,5",1,\nweb,buy,2026-01-01,2,x,\n'
        'web,buy,2026-01-01,,,[1]\nweb,buy,2026-01-01,,,{oops}\nweb,buy,2026-01-01,1e3,,"{""a"":1}"\n',
        [
            (2, "amount: '1,5' is not a number"),
            (3, "quantity: 'x' is not a number"),
            (4, "properties: '[1]' is not a JSON object"),
            (5, "properties: '{oops}' is not a JSON object"),
        ],
        ["buy"],
        id="events-numbers-and-properties",
    ),
    pytest.param(
        "events",
        "source,name,ts,duration_s\nweb,page_view,2026-01-01T10:00:00+02:00,inf\nweb,page_view,2026-01-01 10:00,nan\n",
        [(2, "duration_s: 'inf' is not a number"), (3, "duration_s: 'nan' is not a number")],
        [],
        id="events-non-finite-numbers",
    ),
    pytest.param(
        "identities",
        "anonymous_id,contact_id,linked_at\n,c1,\na1,c1,tomorrow\na2,c2,2026-01-01\n",
        [(2, "anonymous_id: missing required value"), (3, "linked_at: 'tomorrow' is not a timestamp")],
        ["a2"],
        id="identities",
    ),
]


@pytest.mark.parametrize(("kind", "text", "expected", "kept"), REJECT_CASES)
def test_rejects_name_line_and_reason_and_good_rows_are_kept(tmp_path, kind, text, expected, kept):
    prepared = run(tmp_path, kind, text)
    assert reasons(prepared) == expected
    key = {"contacts": "contact_id", "events": "name", "identities": "anonymous_id"}[kind]
    assert prepared.table.column(key).to_pylist() == kept
    assert accounted(prepared)


def test_reject_keeps_the_original_text_of_the_row(tmp_path):
    prepared = run(
        tmp_path,
        "contacts",
        'contact_id,last_name,email_consent,created_at\nc1,"Smith, John",perhaps,2026-01-01\n',
    )
    assert prepared.rejects == [
        Reject(
            line=2,
            reason="email_consent: 'perhaps' is not a boolean (true/false, yes/no, 1/0)",
            raw={
                "contact_id": "c1",
                "last_name": "Smith, John",
                "email_consent": "perhaps",
                "created_at": "2026-01-01",
            },
        )
    ]


def test_a_row_with_too_many_fields_keeps_the_surplus_in_raw(tmp_path):
    prepared = run(tmp_path, "identities", "anonymous_id,contact_id\na1,c1,x,y\n")
    assert prepared.rejects == [
        Reject(2, "expected 2 fields, found 4", {"anonymous_id": "a1", "contact_id": "c1", "_extra": '["x", "y"]'})
    ]


def test_long_values_are_shortened_in_the_reason(tmp_path):
    prepared = run(tmp_path, "events", f"source,name,ts\nweb,page_view,{'9' * 100}\n")
    (reject,) = prepared.rejects
    assert reject.reason == "ts: '" + "9" * 79 + "…' is not a timestamp"
    assert reject.raw["ts"] == "9" * 100


def test_crlf_line_endings_and_quoted_line_breaks_count_as_lines(tmp_path):
    text = 'contact_id,city,created_at\r\nc1,"a\r\nb\nc",2026-01-01\r\nc2,x,bad\r\n\r\nc3,y,bad'
    prepared = run(tmp_path, "contacts", text)
    assert reasons(prepared) == [
        (5, "created_at: 'bad' is not a timestamp"),
        (7, "created_at: 'bad' is not a timestamp"),
    ]
    assert rows(prepared)[0]["city"] == "a\r\nb\nc"


def test_line_numbers_match_the_csv_module_across_many_reader_blocks(tmp_path, monkeypatch):
    """Blank lines, quoted line breaks and short rows spread over many pyarrow blocks and chunks."""
    monkeypatch.setattr(reading, "CSV_BLOCK_BYTES", 256)
    monkeypatch.setattr(reading, "CHUNK_ROWS", 7)
    rng = random.Random(7)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["contact_id", "city", "created_at"])
    expected_bad = []
    line = 2
    for i in range(300):
        roll = rng.random()
        if roll < 0.1:
            out.write("\n")
            line += 1
            continue
        city = rng.choice(["Oslo", "Rio\nde Janeiro", "a\n\nb", "Kraków, PL"])
        if roll < 0.2:
            out.write(f"c{i}\n")  # one field instead of three
            expected_bad.append((line, "expected 3 fields, found 1"))
            line += 1
            continue
        good = roll < 0.8
        writer.writerow([f"c{i}", city, "2026-01-01" if good else "never"])
        if not good:
            expected_bad.append((line, "created_at: 'never' is not a timestamp"))
        line += 1 + city.count("\n")
    prepared = run(tmp_path, "contacts", out.getvalue())
    assert reasons(prepared) == expected_bad
    assert accounted(prepared)


# --- conversions and defaults --------------------------------------------------------


def test_timestamps_without_offset_are_utc_and_offsets_are_converted(tmp_path):
    prepared = run(
        tmp_path,
        "events",
        "event_id,source,name,ts\n"
        "e1,web,v,2026-01-01T10:00:00\n"
        "e2,web,v,2026-01-01T10:00:00+02:00\n"
        "e3,web,v,2026-01-01 10:00:00\n"
        "e4,web,v,2026-01-01T10:00:00.123456Z\n"
        "e5,web,v,2026-01-01\n"
        "e6,web,v,2026-01-01T10:00-0130\n",
    )
    assert prepared.table.column("ts").to_pylist() == [
        utc(2026, 1, 1, 10),
        utc(2026, 1, 1, 8),
        utc(2026, 1, 1, 10),
        utc(2026, 1, 1, 10, 0, 0, 123456),
        utc(2026, 1, 1),
        utc(2026, 1, 1, 11, 30),
    ]
    assert prepared.rejects == []


def test_contact_values_and_defaults(tmp_path):
    prepared = run(
        tmp_path,
        "contacts",
        "contact_id,first_name,gender,birth_date,tags,email_consent,sms_consent,created_at,updated_at\n"
        'c1,Ann,Female,1990-05-01,"[""vip"",""new""]",yes,0,2026-01-01T00:00:00Z,\n'
        "c2,,,,[],TRUE,,2026-01-02 08:00:00,2026-02-01T00:00:00+01:00\n"
        "c3,,male,,,,,2026-01-03,\n",
    )
    assert rows(prepared) == [
        {
            "contact_id": "c1",
            "email": None,
            "phone": None,
            "push_token": None,
            "first_name": "Ann",
            "last_name": None,
            "gender": "female",
            "birth_date": date(1990, 5, 1),
            "city": None,
            "country": None,
            "language": None,
            "status": None,
            "tags": ["vip", "new"],
            "email_consent": True,
            "sms_consent": False,
            "push_consent": False,
            "created_at": utc(2026, 1, 1),
            "updated_at": utc(2026, 1, 1),
        },
        {
            "contact_id": "c2",
            "email": None,
            "phone": None,
            "push_token": None,
            "first_name": None,
            "last_name": None,
            "gender": None,
            "birth_date": None,
            "city": None,
            "country": None,
            "language": None,
            "status": None,
            "tags": [],
            "email_consent": True,
            "sms_consent": False,
            "push_consent": False,
            "created_at": utc(2026, 1, 2, 8),
            "updated_at": utc(2026, 1, 31, 23),
        },
        {
            "contact_id": "c3",
            "email": None,
            "phone": None,
            "push_token": None,
            "first_name": None,
            "last_name": None,
            "gender": "male",
            "birth_date": None,
            "city": None,
            "country": None,
            "language": None,
            "status": None,
            "tags": None,
            "email_consent": False,
            "sms_consent": False,
            "push_consent": False,
            "created_at": utc(2026, 1, 3),
            "updated_at": utc(2026, 1, 3),
        },
    ]
    assert prepared.columns == (
        "contact_id",
        "first_name",
        "gender",
        "birth_date",
        "tags",
        "email_consent",
        "sms_consent",
        "created_at",
        "updated_at",
    )


@pytest.mark.parametrize(
    ("kind", "schema"),
    [
        pytest.param("contacts", CONTACTS, id="contacts"),
        pytest.param("events", EVENTS, id="events"),
        pytest.param("identities", IDENTITIES, id="identities"),
    ],
)
def test_output_has_exactly_the_target_schema(tmp_path, kind, schema):
    header = {"contacts": "contact_id,created_at", "events": "source,name,ts", "identities": "anonymous_id,contact_id"}
    prepared = run(tmp_path, kind, header[kind] + "\n")
    assert prepared.table.schema == schema.to_pyarrow()


def test_boolean_words(tmp_path):
    words = ["true", "FALSE", "Yes", "no", "1", "0", " yes "]
    text = "contact_id,push_consent,created_at\n" + "".join(f"c{i},{w},2026-01-01\n" for i, w in enumerate(words))
    prepared = run(tmp_path, "contacts", text)
    assert prepared.table.column("push_consent").to_pylist() == [True, False, True, False, True, False, True]


def test_event_and_identity_defaults(tmp_path):
    events = run(
        tmp_path,
        "events",
        "event_id,source,name,ts,received_at\ne1,web,v,2026-01-01,\ne2,web,v,2026-01-01,2026-01-02\n",
    )
    assert events.table.column("received_at").to_pylist() == [NOW, utc(2026, 1, 2)]
    links = run(tmp_path, "identities", "anonymous_id,contact_id\na1,c1\n")
    assert rows(links) == [{"anonymous_id": "a1", "contact_id": "c1", "linked_at": NOW}]


def test_custom_contact_fields(tmp_path):
    prepared = run(
        tmp_path,
        "contacts",
        'contact_id,created_at,points,vip_since,pets\nc1,2026-01-01,12.5,2025-01-01,"[""cat""]"\nc2,2026-01-01,lots,,\n',
        custom_fields={"points": "number", "vip_since": "date", "pets": "array", "newsletter": "boolean"},
    )
    assert prepared.table.schema.names[-4:] == ["points", "vip_since", "pets", "newsletter"]
    first = rows(prepared)[0]
    assert (first["points"], first["vip_since"], first["pets"], first["newsletter"]) == (
        12.5,
        date(2025, 1, 1),
        ["cat"],
        None,
    )
    assert reasons(prepared) == [(3, "points: 'lots' is not a number")]


# --- events: properties, ids, links, what is learned ----------------------------------


def test_unknown_event_columns_go_into_properties(tmp_path):
    prepared = run(
        tmp_path,
        "events",
        "event_id,source,name,ts,properties,color,size\n"
        'e1,web,v,2026-01-01,"{""a"": 1, ""color"": ""old""}",red,10\n'
        "e2,web,v,2026-01-01,,,\n"
        'e3,web,v,2026-01-01,,"blue, dark",\n'
        'e4,web,v,2026-01-01,"{""a"": true}",,\n',
    )
    assert [json.loads(p) if p else p for p in prepared.table.column("properties").to_pylist()] == [
        {"a": 1, "color": "red", "size": "10"},
        None,
        {"color": "blue, dark"},
        {"a": True},
    ]


def test_a_bad_properties_value_is_reported_even_with_unknown_columns(tmp_path):
    prepared = run(
        tmp_path, "events", "source,name,ts,properties,color\nweb,v,2026-01-01,[1],red\nweb,v,2026-01-01,,red\n"
    )
    assert reasons(prepared) == [(2, "properties: '[1]' is not a JSON object")]
    assert prepared.table.column("properties").to_pylist() == ['{"color":"red"}']


def test_derived_event_id_is_stable_and_follows_the_documented_encoding(tmp_path):
    text = "source,name,ts,amount,color\nweb,page_view,2026-01-01T00:00:00Z,1.5,red\nweb,page_view,2026-01-01T01:00:00+01:00,,\n"
    first = run(tmp_path, "events", text)
    second = prepare("events", write(tmp_path, "again.csv", text), now=datetime(2027, 1, 1, tzinfo=UTC))
    ids = first.table.column("event_id").to_pylist()
    assert ids == second.table.column("event_id").to_pylist()
    encoding = 'v1\x1fsource=web\x1fname=page_view\x1fts=1767225600000000\x1famount=1.5\x1fproperties={"color":"red"}'
    assert ids[0] == "ev_" + hashlib.md5(encoding.encode()).hexdigest()[:24]
    # the second row is the same instant written with an offset: the same event
    assert ids[1] == "ev_" + hashlib.md5(b"v1\x1fsource=web\x1fname=page_view\x1fts=1767225600000000").hexdigest()[:24]


def test_identical_rows_without_id_are_one_event(tmp_path):
    prepared = run(tmp_path, "events", "source,name,ts\nweb,v,2026-01-01\nweb,v,2026-01-01\nweb,v,2026-01-02\n")
    assert prepared.table.num_rows == 2
    assert prepared.duplicates_in_file == 1
    assert accounted(prepared)


@pytest.mark.parametrize(
    ("kind", "text", "kept", "duplicates"),
    [
        pytest.param(
            "contacts",
            "contact_id,email,created_at\nc1,first@x,2026-01-01\nc2,,2026-01-01\nc1,second@x,2026-01-01\nc1,third@x,2026-01-01\n",
            [("c1", "first@x"), ("c2", None)],
            2,
            id="contacts",
        ),
        pytest.param(
            "events",
            "event_id,source,name,ts\ne1,web,first,2026-01-01\ne1,web,second,2026-01-02\ne2,web,other,2026-01-01\n",
            [("e1", "first"), ("e2", "other")],
            1,
            id="events",
        ),
        pytest.param(
            "identities",
            "anonymous_id,contact_id,linked_at\na1,c1,2026-01-01\na1,c2,2026-01-01\na1,c1,2026-02-01\n",
            [("a1", "c1"), ("a1", "c2")],
            1,
            id="identities",
        ),
    ],
)
def test_duplicates_in_file_keep_the_first(tmp_path, kind, text, kept, duplicates):
    prepared = run(tmp_path, kind, text)
    first, second = {
        "contacts": ("contact_id", "email"),
        "events": ("event_id", "name"),
        "identities": ("anonymous_id", "contact_id"),
    }[kind]
    assert [(r[first], r[second]) for r in rows(prepared)] == kept
    assert prepared.duplicates_in_file == duplicates
    if kind == "identities":
        assert rows(prepared)[0]["linked_at"] == utc(2026, 1, 1)
    assert accounted(prepared)


def test_events_with_both_ids_make_links(tmp_path):
    prepared = run(
        tmp_path,
        "events",
        "event_id,contact_id,anonymous_id,source,name,ts\n"
        "e1,c1,a1,web,login,2026-01-01T10:00:00Z\n"
        "e2,c1,a1,web,login,2026-01-03T10:00:00Z\n"
        "e3,c2,a1,web,login,2026-01-02T10:00:00Z\n"
        "e4,,a2,web,page_view,2026-01-02T10:00:00Z\n"
        "e5,c3,,web,page_view,2026-01-02T10:00:00Z\n"
        "e6,c4,a4,api,login,2026-01-02T10:00:00Z\n",
    )
    assert prepared.links.schema == IDENTITIES.to_pyarrow()
    assert sorted(prepared.links.to_pylist(), key=lambda r: (r["anonymous_id"], r["contact_id"])) == [
        {"anonymous_id": "a1", "contact_id": "c1", "linked_at": utc(2026, 1, 3, 10)},
        {"anonymous_id": "a1", "contact_id": "c2", "linked_at": utc(2026, 1, 2, 10)},
    ]


def test_other_kinds_have_no_links_and_learn_nothing(tmp_path):
    prepared = run(tmp_path, "contacts", "contact_id,created_at\nc1,2026-01-01\n")
    assert prepared.links.num_rows == 0
    assert prepared.links.schema == IDENTITIES.to_pyarrow()
    assert (prepared.learned, prepared.sources) == ({}, {})


def test_learned_property_types_and_sources(tmp_path):
    prepared = run(
        tmp_path,
        "events",
        "source,name,ts,properties,coupon\n"
        'web,purchase,2026-01-01,"{""sku"": ""p1"", ""qty"": 2, ""gift"": true, ""tags"": [""a""], ""x"": null}",\n'
        'custom,purchase,2026-01-02,"{""sku"": ""p2"", ""qty"": 1.5, ""meta"": {""a"": 1}}",SALE\n'
        "custom,purchase,2026-01-03,,\n"
        "web,page_view,2026-01-01,,\n",
    )
    assert prepared.learned == {
        "page_view": {},
        "purchase": {
            "coupon": "string",
            "gift": "boolean",
            "meta": "string",
            "qty": "number",
            "sku": "string",
            "tags": "string",
        },
    }
    assert prepared.sources == {"page_view": "web", "purchase": "custom"}
    assert prepared.event_counts == {"page_view": 1, "purchase": 3}
    assert prepared.property_counts["purchase"] == {"coupon": 1, "gift": 1, "meta": 1, "qty": 2, "sku": 2, "tags": 1}


def test_progress_is_reported(tmp_path):
    calls = []
    run(tmp_path, "identities", "anonymous_id,contact_id\na1,c1\na2,c2\n", progress=lambda d, t: calls.append((d, t)))
    assert calls[0][0] == 0
    assert calls[-1] == (2, 2)


# --- Parquet ---------------------------------------------------------------------------


def test_parquet_typed_columns_rejects_and_row_lines(tmp_path):
    path = tmp_path / "events.parquet"
    table = pa.table(
        {
            "contact_id": pa.array([1, 2, None, 4], pa.int64()),
            "anonymous_id": pa.array(["a1", "", "a3", "a4"]).dictionary_encode(),
            "source": ["web", "Web", "custom", "x"],
            "name": ["page_view", "purchase", "p", "q"],
            "ts": pa.array(
                [datetime(2026, 1, 1, 10), datetime(2026, 1, 1, 11), None, datetime(2026, 1, 1, 12)],
                pa.timestamp("ns"),
            ),
            "amount": [1.5, float("nan"), float("inf"), None],
            "properties": pa.array([{"a": 1}, None, {"a": 2}, None], pa.struct([("a", pa.int64())])),
            "flag": [True, False, None, True],
            "seen_at": pa.array([utc(2026, 1, 1, 12)] * 4, pa.timestamp("us", tz="Europe/Warsaw")),
        }
    )
    pq.write_table(table, path)
    prepared = prepare("events", path, now=NOW)
    assert reasons(prepared) == [
        (3, "ts: missing required value; amount: 'inf' is not a number"),
        (4, "source: 'x' is not one of web, messaging, custom"),
    ]
    assert prepared.rejects[0].raw["amount"] == "inf"
    got = [
        {k: r[k] for k in ("contact_id", "anonymous_id", "source", "ts", "amount")} | {"p": json.loads(r["properties"])}
        for r in rows(prepared)
    ]
    assert got == [
        {
            "contact_id": "1",
            "anonymous_id": "a1",
            "source": "web",
            "ts": utc(2026, 1, 1, 10),
            "amount": 1.5,
            "p": {"a": 1, "flag": True, "seen_at": "2026-01-01T12:00:00.000000Z"},
        },
        {
            "contact_id": "2",
            "anonymous_id": None,
            "source": "web",
            "ts": utc(2026, 1, 1, 11),
            "amount": None,
            "p": {"flag": False, "seen_at": "2026-01-01T12:00:00.000000Z"},
        },
    ]


def test_parquet_contacts_with_lists_and_dates(tmp_path):
    path = tmp_path / "contacts.pq"
    pq.write_table(
        pa.table(
            {
                "contact_id": ["c1", "c2"],
                "tags": pa.array([["a", "b"], ["a", None]], pa.list_(pa.string())),
                "birth_date": pa.array([date(1990, 1, 2), None]),
                "created_at": pa.array([date(2026, 1, 1), date(2026, 1, 2)]),
            }
        ),
        path,
    )
    prepared = prepare("contacts", path, now=NOW)
    assert reasons(prepared) == [(2, "tags: '[\"a\", null]' is not a JSON array of strings")]
    (row,) = rows(prepared)
    assert (row["tags"], row["birth_date"], row["created_at"]) == (["a", "b"], date(1990, 1, 2), utc(2026, 1, 1))


# --- files that cannot be imported ----------------------------------------------------

FAILURES = [
    pytest.param("contacts", "people.txt", b"contact_id\nc1\n", "cannot import a .txt file", id="bad-extension"),
    pytest.param(
        "contacts",
        "c.csv",
        b"contact_id,created_at,shoe_size\nc1,2026-01-01,42\n",
        "unknown column(s) for contacts: shoe_size; valid columns: contact_id, email,",
        id="unknown-contacts-column",
    ),
    pytest.param(
        "identities",
        "i.csv",
        b"anonymous_id,contact_id,source\na,c,web\n",
        "unknown column(s) for identities: source",
        id="unknown-identities-column",
    ),
    pytest.param(
        "contacts",
        "c.csv",
        b"email,created_at\nx@y,2026-01-01\n",
        "missing required column(s) for contacts: contact_id",
        id="no-contact-id",
    ),
    pytest.param(
        "events", "e.csv", b"name,ts\nv,2026-01-01\n", "missing required column(s) for events: source", id="no-source"
    ),
    pytest.param("events", "e.csv", b"", "the file is empty", id="empty-file"),
    pytest.param("events", "e.csv", bytes(range(256)) * 8, "not a UTF-8 text file", id="garbage-csv"),
    pytest.param("events", "e.parquet", b"PAR1 not really parquet", "cannot read as Parquet", id="garbage-parquet"),
    pytest.param("contacts", "c.csv", b"contact_id,contact_id\nc1,c2\n", "named twice", id="duplicate-header"),
    pytest.param("votes", "v.csv", b"a\n1\n", "cannot import 'votes'", id="unknown-kind"),
]


@pytest.mark.parametrize(("kind", "name", "content", "message"), FAILURES)
def test_files_that_cannot_be_imported(tmp_path, kind, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFailed) as info:
        prepare(kind, path, now=NOW)
    assert message in str(info.value)


def test_failure_names_the_file(tmp_path):
    path = write(tmp_path, "people.csv", "shoe_size\n42\n")
    with pytest.raises(ImportFailed, match=r"people\.csv: unknown column\(s\) for contacts: shoe_size"):
        prepare("contacts", path)


def test_parquet_column_of_an_unusable_type(tmp_path):
    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"contact_id": ["c1"], "created_at": [1.5]}), path)
    with pytest.raises(ImportFailed, match=r"created_at \(double; expected timestamp\)"):
        prepare("contacts", path)
