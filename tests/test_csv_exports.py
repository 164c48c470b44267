"""Every CSV the workbench writes neutralises cells a spreadsheet would run as formulas.

Each writer — ``workbench members --out x.csv``, the import's ``<file>.rejects.csv``, the
app's list and segment downloads (and the size-over-time numbers, through the same
``to_csv``) — is given the hostile cells below, and its file is read back with the ``csv``
module and compared cell by cell with the values written out by hand. Parquet keeps the
values as they are.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.app.lists import to_csv
from workbench.cli import main
from workbench.csvsafe import neutralise, write_csv
from workbench.store.workspace import Workspace

# (cell as stored, cell as a spreadsheet must receive it), by hand.
CELLS = [
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
    ("=cmd|'/C calc'!A0", "'=cmd|'/C calc'!A0"),
    ("+SUM(1;2)", "'+SUM(1;2)"),
    ("-2+3", "'-2+3"),
    ("@SUM(1)", "'@SUM(1)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("-5", "'-5"),  # text that looks like a number is still text
    ("anna", "anna"),
    ("a=b+c", "a=b+c"),  # only the first character matters
    ("o'brien@example.org", "o'brien@example.org"),
    ("'=already quoted", "'=already quoted"),  # starts with a quote: nothing to add
    (" =x", " =x"),  # a leading space: spreadsheets read it as text
    ("Łódź\nline two", "Łódź\nline two"),
]
STORED = [stored for stored, _ in CELLS]
EXPECTED = {stored: written for stored, written in CELLS}
CREATED = datetime(2026, 1, 5, tzinfo=UTC)
AS_OF = "2026-06-01T00:00:00Z"
EVERYONE = {"version": 1, "id": "everyone", "name": "Everyone",
            "rule": {"attribute": "email_consent", "op": "is_false"}}  # fmt: skip


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize(("stored", "written"), CELLS, ids=[repr(s) for s, _ in CELLS])
def test_a_cell_starting_like_a_formula_gets_a_quote_and_nothing_else_changes(stored, written):
    assert neutralise(stored) == written


# --- workbench members --out x.csv ---------------------------------------------------------------


@pytest.fixture
def hostile_store(tmp_path) -> Workspace:
    """Contacts whose id, e-mail, name and city are each one of the stored cells."""
    ws = Workspace(f"duckdb://{tmp_path / 'hostile.duckdb'}")
    ws.init()
    rows = [
        {"contact_id": cell, "email": cell, "first_name": cell, "city": cell, "created_at": CREATED,
         "updated_at": CREATED}
        for cell in STORED
    ]  # fmt: skip
    report = ws.append("contacts", rows)
    assert report.stored == len(STORED), report.rejects
    ws.save_segment(EVERYONE)
    return ws


def test_members_written_to_csv_are_neutralised_and_parquet_keeps_the_ids(hostile_store, tmp_path):
    db = ["--db", hostile_store.url.url]
    csv_out, parquet_out = tmp_path / "members.csv", tmp_path / "members.parquet"
    for out in (csv_out, parquet_out):
        result = CliRunner().invoke(main, [*db, "members", "everyone", "--as-of", AS_OF, "--out", str(out)])
        assert result.exit_code == 0, result.output
    header, *rows = read_csv(csv_out.read_bytes())
    assert header == ["contact_id"]
    assert sorted(row[0] for row in rows) == sorted(EXPECTED.values())
    assert all(len(row) == 1 for row in rows)
    assert sorted(pq.read_table(parquet_out).column("contact_id").to_pylist()) == sorted(STORED)


def test_arrow_csv_keeps_negative_numbers_numbers_and_neutralises_text_and_names(tmp_path):
    table = pa.table({"=name": ["-2+3", "anna", None], "delta": [-5, 3, None], "ratio": [-0.5, 1.5, 2.0]})
    write_csv(table, tmp_path / "t.csv")
    assert read_csv((tmp_path / "t.csv").read_bytes()) == [
        ["'=name", "delta", "ratio"],
        ["'-2+3", "-5", "-0.5"],
        ["anna", "3", "1.5"],
        ["", "", "2"],
    ]


# --- <file>.rejects.csv -----------------------------------------------------------------------------


def test_rejected_rows_are_written_back_neutralised(tmp_path):
    ws = Workspace(f"duckdb://{tmp_path / 's.duckdb'}")
    ws.init()
    source = tmp_path / "contacts.csv"
    with source.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["contact_id", "first_name", "email", "created_at"])
        writer.writerow(["good", "Anna", "anna@example.org", "2026-01-05"])
        for number, cell in enumerate(STORED):  # every hostile row has a date that is not one
            writer.writerow([f"c{number}", cell, cell, "not a date"])
    report = ws.import_file("contacts", source)
    assert (report.stored, report.rejected) == (1, len(STORED))

    header, *rows = read_csv(report.rejects_path.read_bytes())
    assert header[:2] == ["line", "reason"]
    by_column = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(r["contact_id"], r["first_name"], r["email"], r["created_at"]) for r in by_column] == [
        (f"c{number}", EXPECTED[cell], EXPECTED[cell], "not a date") for number, cell in enumerate(STORED)
    ]
    assert all("created_at" in r["reason"] and not r["reason"].startswith(tuple("=+-@\t\r")) for r in by_column)


# --- the app's downloads ------------------------------------------------------------------------------


def test_the_apps_csv_neutralises_text_and_keeps_numbers_and_empty_cells():
    frame = pd.DataFrame(
        {
            "contact_id": STORED,
            "score": [-5] * len(STORED),
            "note": pd.Series([None, *STORED[1:]], dtype=object),
        }
    )
    assert read_csv(to_csv(frame)) == [
        ["contact_id", "score", "note"],
        *[[written, "-5", "" if number == 0 else written] for number, (_, written) in enumerate(CELLS)],
    ]


def test_the_apps_list_and_segment_downloads_are_neutralised(hostile_store):
    from workbench.app import SegmentsApp

    hostile_store.create_list("all-of-them", STORED)
    app = SegmentsApp(hostile_store, as_of=AS_OF)
    try:
        for source in (("list", "all-of-them"), ("segment", "everyone")):
            header, *rows = read_csv(app.list_view.export(source))
            assert header == ["contact_id", "email", "phone", "first_name", "last_name", "city"]
            expected = [[EXPECTED[s], EXPECTED[s], "", EXPECTED[s], "", EXPECTED[s]] for s in sorted(STORED)]
            assert rows == expected, source
    finally:
        app.close()


# --- any text ----------------------------------------------------------------------------------------

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
texts = st.text() | st.sampled_from(DANGEROUS_FIRST).flatmap(lambda first: st.text().map(lambda rest: first + rest))


def arrow_cell(text: str, folder: Path) -> str:
    write_csv(pa.table({"cell": [text]}), folder / "one.csv")
    [_, [cell]] = read_csv((folder / "one.csv").read_bytes())
    return cell


def app_cell(text: str) -> str:
    [_, [cell]] = read_csv(to_csv(pd.DataFrame({"cell": [text]})))
    return cell


@settings(max_examples=300, deadline=None)  # the first example imports pandas' CSV writer
@given(text=texts)
def test_any_text_is_written_safe_and_is_the_original_after_the_added_quote(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("cell")
    for cell in (neutralise(text), arrow_cell(text, folder), app_cell(text)):
        assert not cell.startswith(DANGEROUS_FIRST)
        added = text.startswith(DANGEROUS_FIRST)  # only a dangerous first character earns a quote
        assert (cell[1:] if added else cell) == text
        assert not added or cell[0] == "'"
