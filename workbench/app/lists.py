"""Static lists in the app: combining lists, importing a CSV of contacts, exporting CSV.

A list is a frozen set of contact ids (``Workspace.create_list``); these functions work
out which ids, with Ibis reads over the list members and ``contacts``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from workbench.app.evaluate import Evaluator
from workbench.app.text import folded
from workbench.csvsafe import neutralise_frame
from workbench.errors import WorkbenchError
from workbench.expr.rules import SLUG_RE
from workbench.i18n import N_, Texts, texts
from workbench.store.tables import LIST_MEMBERS
from workbench.store.workspace import Workspace

# Each operation: its name on its button, and whom it keeps (messages, shown translated).
OPERATIONS = {
    "union": (N_("union"), N_("in either list")),
    "intersection": (N_("intersection"), N_("in both lists")),
    "difference": (N_("difference"), N_("in the first list but not the second")),
}
# What an export holds besides the id: what a marketer needs to recognise or reach a contact.
EXPORT_COLUMNS = ("contact_id", "email", "phone", "first_name", "last_name", "city")
ID_HEADERS = ("contact_id", "id", "contact")
EMAIL_HEADERS = ("email", "e-mail", "email_address", "mail")
UNMATCHED_SHOWN = 5


def slugify(text: str) -> str:
    """An id from a name: ``"Klienci z Łodzi, 30 XI"`` → ``"klienci-z-lodzi-30-xi"``."""
    return re.sub(r"[^a-z0-9_]+", "-", folded(text)).strip("-")


def check_list_id(list_id: str, t: Texts | None = None) -> str:
    """The id, stripped; a clear message when it cannot be a list id."""
    t = t or texts()
    list_id = list_id.strip()
    if not SLUG_RE.match(list_id):
        raise WorkbenchError(
            t._(
                "{id} cannot be a list id: use lower-case letters, digits, '-' and '_', starting with a letter or digit.",
                id=repr(list_id),
            )
        )
    return list_id


def combine_lists(workspace: Workspace, operation: str, first: str, second: str, t: Texts | None = None) -> list[str]:
    """The contact ids of ``first`` ∪ / ∩ / − ``second``, sorted."""
    t = t or texts()
    if operation not in OPERATIONS:
        raise WorkbenchError(f"unknown list operation {operation!r}; use {', '.join(OPERATIONS)}")
    known = {info.list_id for info in workspace.lists()}
    for list_id in (first, second):
        if list_id not in known:
            raise WorkbenchError(t._("There is no list {id}.", id=repr(list_id)))
    members = LIST_MEMBERS.unbound()
    a = members.filter(members.list_id == first).select("contact_id")
    b = members.filter(members.list_id == second).select("contact_id")
    combined = {"union": a.union(b, distinct=True), "intersection": a.intersect(b), "difference": a.difference(b)}[
        operation
    ]
    result = workspace.query(lambda _con: combined.order_by("contact_id"))
    return [str(c) for c in result["contact_id"]]


@dataclass(frozen=True)
class ContactFile:
    """The values of an uploaded CSV file and what they are (``contact_id`` or ``email``)."""

    kind: str
    values: tuple[str, ...]


def read_contact_file(content: bytes) -> ContactFile:
    """Read a CSV of contact ids or e-mail addresses.

    The column is the one headed ``contact_id`` (or ``id``) or ``email``; a file of one
    column without such a header is read whole, as e-mails when most values hold an ``@``.
    Blank values are skipped; a value given twice counts once.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WorkbenchError("The file is not UTF-8 text; save it as CSV (UTF-8) and try again.") from exc
    rows = [row for row in csv.reader(io.StringIO(text), dialect=_dialect(text)) if any(cell.strip() for cell in row)]
    if not rows:
        raise WorkbenchError("The file is empty.")
    header = [cell.strip().lower() for cell in rows[0]]
    for kind, names in (("contact_id", ID_HEADERS), ("email", EMAIL_HEADERS)):
        column = next((header.index(name) for name in names if name in header), None)
        if column is not None:
            return ContactFile(kind, _unique(row[column] for row in rows[1:] if column < len(row)))
    if max(len(row) for row in rows) > 1:
        raise WorkbenchError("The file has several columns but none is headed contact_id or email.")
    values = _unique(row[0] for row in rows)
    emails = sum("@" in value for value in values)
    return ContactFile("email" if emails * 2 > len(values) else "contact_id", values)


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel  # one column: nothing to sniff


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


@dataclass(frozen=True)
class Match:
    """Which contacts the file's values name, and the values that name none."""

    kind: str
    contact_ids: tuple[str, ...]
    unmatched: tuple[str, ...]
    values: int

    def summary(self, list_id: str, t: Texts | None = None) -> str:
        t = t or texts()
        if self.kind == "contact_id":
            given = t.ngettext("{n} contact id", "{n} contact ids", self.values)
        else:
            given = t.ngettext("{n} e-mail address", "{n} e-mail addresses", self.values)
        text = t._(
            "List {id}: {contacts} from {given}",
            id=repr(list_id),
            contacts=t.contacts(len(self.contact_ids)),
            given=given,
        )
        if not self.unmatched:
            return text + t._("; every value matched.")
        shown = ", ".join(self.unmatched[:UNMATCHED_SHOWN]) + (" …" if len(self.unmatched) > UNMATCHED_SHOWN else "")
        return text + t.ngettext(
            "; {n} did not match any contact ({shown}).",
            "; {n} did not match any contact ({shown}).",
            len(self.unmatched),
            shown=shown,
        )


def match_contacts(evaluator: Evaluator, file: ContactFile) -> Match:
    """Look the file's values up in ``contacts``: ids exactly, e-mails ignoring case."""
    if file.kind == "contact_id":
        keys = {value: value for value in file.values}
    else:
        keys = {value: value.lower() for value in file.values}
    wanted = ibis.memtable(pa.table({"key": pa.array(sorted(set(keys.values())), pa.string())}))
    contacts = evaluator.contacts()
    column = contacts.contact_id if file.kind == "contact_id" else contacts.email.lower()
    found = contacts.select("contact_id", key=column).semi_join(wanted, "key")
    result = evaluator.workspace.query(lambda _con: found)
    matched_keys = set(result["key"])
    ids = tuple(sorted(set(result["contact_id"])))
    unmatched = tuple(value for value, key in keys.items() if key not in matched_keys)
    return Match(file.kind, ids, unmatched, len(file.values))


def list_export(evaluator: Evaluator, list_id: str) -> pd.DataFrame:
    """A list's members with their export columns, by id."""
    if list_id not in evaluator.catalog.lists:
        raise WorkbenchError(f"There is no list {list_id!r}.")
    members = LIST_MEMBERS.unbound()
    return _with_contact_columns(evaluator, members.filter(members.list_id == list_id).select("contact_id"))


def segment_export(evaluator: Evaluator, segment_id: str, as_of: datetime) -> pd.DataFrame:
    """A segment's members at ``as_of`` with their export columns, by id."""
    return _with_contact_columns(evaluator, evaluator.members(segment_id, as_of))


def _with_contact_columns(evaluator: Evaluator, ids: ir.Table) -> pd.DataFrame:
    contacts = evaluator.contacts().select(*EXPORT_COLUMNS)
    joined = contacts.join(ids, "contact_id").select(*EXPORT_COLUMNS).order_by("contact_id")
    return evaluator.workspace.query(lambda _con: joined)


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8, a header row, empty cells for missing values), as spreadsheets open them.

    Text cells that a spreadsheet would run as formulas are neutralised (``workbench.csvsafe``).
    Lines end in CRLF (RFC 4180): pandas quotes a cell holding a line break only when the
    break is part of the line terminator, so with ``\n`` alone a cell's ``\r`` went unquoted
    and split the row when read back.
    """
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")
