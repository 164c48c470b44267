"""Cells of the CSV files the workbench writes, made safe to open in a spreadsheet.

A CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` is read by Excel, LibreOffice and
Google Sheets as a formula, and quoting the cell does not stop them: ``=HYPERLINK(…)``
sends whoever clicks it to a page carrying the other cells, ``=cmd|'/C calc'!A0`` starts a
program on older Excel. A leading tab or carriage return hides such a prefix from a naive
check while the spreadsheet strips it. Contact names, e-mail addresses, ids and the raw
values of rejected import rows are all typed by someone else, so every text cell of every
CSV the workbench writes goes through :func:`neutralise` (OWASP's rule: prefix a single
quote, which spreadsheets show as text and hide).

Only text is changed. A number is written as a number (``-5`` in a numeric column stays
``-5``): spreadsheets read it as a value, never as a formula. Parquet files are not
spreadsheets and are written unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (or hide one)."""

QUOTE = "'"
"""Prefixed to a dangerous cell: spreadsheets show the rest as text and hide the quote."""


def neutralise(text: str) -> str:
    """``text`` as a cell no spreadsheet evaluates: quoted when it starts like a formula.

    Removing the one added quote gives back ``text`` exactly.

    >>> neutralise('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("-2+3"), neutralise("anna@example.org"), neutralise("")
    ("'-2+3", 'anna@example.org', '')
    """
    return QUOTE + text if text.startswith(FORMULA_STARTS) else text


def neutralise_table(table: pa.Table) -> pa.Table:
    """``table`` with :func:`neutralise` applied to every text cell and column name.

    Computed column by column in Arrow (a million members take milliseconds); columns of
    other types, and nulls, are left as they are.
    """
    columns = [_neutralise_column(column) for column in table.columns]
    return pa.Table.from_arrays(columns, names=[neutralise(name) for name in table.column_names])


def write_csv(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` as CSV (Arrow's dialect), its text cells neutralised."""
    pa_csv.write_csv(neutralise_table(table), path)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`neutralise` applied to every text cell and column name.

    Numbers, times, booleans and missing values are left as they are, whatever the
    column's dtype (an ``object`` column may mix them with text).
    """
    safe = frame.copy()
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
            continue
        safe.isetitem(position, column.map(lambda cell: neutralise(cell) if isinstance(cell, str) else cell))
    safe.columns = [neutralise(name) if isinstance(name, str) else name for name in safe.columns]
    return safe


def _neutralise_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    column = _as_plain_text(column)
    if not _is_text(column.type):
        return column
    # The same test as neutralise(): is the first character one of FORMULA_STARTS?
    first = pc.utf8_slice_codeunits(column, 0, 1)
    dangerous = pc.is_in(first, value_set=pa.array(FORMULA_STARTS, column.type))
    quoted = pc.binary_join_element_wise(pa.scalar(QUOTE, column.type), column, pa.scalar("", column.type))
    return pc.if_else(dangerous, quoted, column)


def _as_plain_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Dictionary-encoded and view text as plain strings, which the compute functions take."""
    value_type = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    if pa.types.is_string_view(value_type):
        return column.cast(pa.string())
    if value_type != column.type and _is_text(value_type):
        return column.cast(value_type)
    return column


def _is_text(type_: pa.DataType) -> bool:
    return pa.types.is_string(type_) or pa.types.is_large_string(type_)
