"""Reading import files in chunks of about a million rows: CSV with the physical line of
each record, Parquet with its row index; rows of the wrong shape are rejected here."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from workbench.errors import ImportFailed
from workbench.store.importer.types import (
    CSV_SUFFIXES,
    PARQUET_FIRST_LINE,
    PARQUET_SUFFIXES,
    Reject,
    _Chunk,
)

CHUNK_ROWS = 1_000_000  # rows converted at a time: memory follows a chunk, not the file
CSV_BLOCK_BYTES = 32 << 20


def _file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise ImportFailed(
        f"{path}: cannot import a {suffix or 'extension-less'!s} file; use CSV (.csv) or Parquet (.parquet, .pq)"
    )


def _line_breaks(text: pa.Array | pa.ChunkedArray) -> pa.Array:
    r"""Line breaks in each value: \n, \r\n and a lone \r each count once."""
    n = pc.count_substring(text, "\n")
    r = pc.count_substring(text, "\r")
    rn = pc.count_substring(text, "\r\n")
    return pc.fill_null(pc.subtract(pc.add(n, r), rn), 0)


def _text_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f), None)
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{path}: not a UTF-8 text file ({exc.reason})") from exc
    except (OSError, csv.Error) as exc:
        raise ImportFailed(f"{path}: cannot read the file: {exc}") from exc
    if header is None:
        raise ImportFailed(f"{path}: the file is empty; expected a header line")
    if not header or all(not h.strip() for h in header):
        raise ImportFailed(f"{path}: the first line is empty; expected a header line")
    if "\x00" in "".join(header):
        raise ImportFailed(f"{path}: not a CSV text file")
    return header


def _estimate_csv_rows(path: Path) -> int:
    size = path.stat().st_size
    with path.open("rb") as f:
        sample = f.read(1 << 20)
    lines = sample.count(b"\n") + (0 if sample.endswith(b"\n") else 1)
    if len(sample) >= size:
        return max(lines - 1, 0)
    return max(int(size / (len(sample) / max(lines, 1))) - 1, 1)


class _CsvLines:
    """Gives each CSV record its physical line number.

    pyarrow numbers records (header = 1) for the rows it cannot parse, and returns the
    others in order; a record starts on its number plus the line breaks inside the
    quoted values of the records before it.
    """

    def __init__(self, header_breaks: int):
        self.next_record = 2
        self.carry = header_breaks
        self.pending: dict[int, pcsv.InvalidRow] = {}

    def handler(self, row: pcsv.InvalidRow) -> str:
        if row.number is None:  # pragma: no cover - only with threaded reading
            raise ImportFailed("CSV reader lost row numbers")
        self.pending[row.number] = row
        return "skip"

    def place(self, breaks: np.ndarray, *, last: bool = False) -> tuple[np.ndarray, list[tuple[int, pcsv.InvalidRow]]]:
        """Lines of the next ``len(breaks)`` parsed records and of the bad ones among them.

        ``breaks`` holds the line breaks inside each parsed record; ``last`` places the
        bad records left after the last parsed one.
        """
        n = len(breaks)
        start = self.next_record
        numbers = np.array(sorted(self.pending), dtype=np.int64)
        m = 0
        if not last:
            while True:
                m2 = int(np.searchsorted(numbers, start + n + m, side="left"))
                if m2 == m:
                    break
                m = m2
        else:
            m = len(numbers)  # after the last batch: the rest are consecutive bad records
        span = n + m
        bad = np.zeros(span, dtype=bool)
        bad_rows = [self.pending.pop(int(k)) for k in numbers[:m]]
        positions = np.arange(m) if last else numbers[:m] - start
        bad[positions] = True
        extras = np.zeros(span, dtype=np.int64)
        extras[~bad] = breaks
        extras[bad] = [_text_breaks(r.text or "") for r in bad_rows]
        lines = np.arange(start, start + span, dtype=np.int64) + self.carry
        lines += np.cumsum(extras) - extras
        self.carry += int(extras.sum())
        self.next_record += span
        return lines[~bad], list(zip(lines[bad].tolist(), bad_rows, strict=True))


def _read_csv(path: Path, header: list[str]) -> Iterator[_Chunk]:
    names = [h.strip() for h in header]
    lines = _CsvLines(sum(_text_breaks(h) for h in header))
    try:
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(use_threads=False, block_size=CSV_BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=lines.handler,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise ImportFailed(f"{path}: cannot read as CSV: {_arrow_message(exc)}") from exc
    if reader.schema.names != header or any(t != pa.string() for t in reader.schema.types):
        raise ImportFailed(f"{path}: cannot read the CSV header consistently: {header}")

    def bad_rows(placed: list[tuple[int, pcsv.InvalidRow]]) -> list[Reject]:
        out = []
        for line, row in placed:
            text = row.text or ""
            if not text.strip():
                continue  # a line of spaces: blank
            fields = next(csv.reader(io.StringIO(text)), [])
            raw: dict[str, str | None] = {
                name: (fields[i] or None) if i < len(fields) else None for i, name in enumerate(names)
            }
            if len(fields) > len(names):
                raw["_extra"] = json.dumps(fields[len(names) :], ensure_ascii=False)
            reason = f"expected {row.expected_columns} fields, found {row.actual_columns}"
            out.append(Reject(line, reason, raw))
        return out

    batches: list[pa.RecordBatch] = []
    batch_lines: list[np.ndarray] = []
    rejects: list[Reject] = []
    rows = 0
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except (pa.ArrowInvalid, OSError) as exc:
            raise ImportFailed(f"{path}: cannot read as CSV: {_arrow_message(exc)}") from exc
        breaks = np.zeros(batch.num_rows, dtype=np.int64)
        blank = np.ones(batch.num_rows, dtype=bool)
        for col in batch.columns:
            breaks += _line_breaks(col).to_numpy(zero_copy_only=False)
            blank &= pc.is_null(col).to_numpy(zero_copy_only=False)
        valid_lines, placed = lines.place(breaks)
        new_rejects = bad_rows(placed)
        rejects.extend(new_rejects)
        rows += len(new_rejects)
        if blank.any():
            keep = ~blank
            batch = batch.filter(pa.array(keep))
            valid_lines = valid_lines[keep]
        batch = batch.rename_columns(names)
        rows += batch.num_rows
        batches.append(batch)
        batch_lines.append(valid_lines)
        if sum(b.num_rows for b in batches) >= CHUNK_ROWS:
            yield _Chunk(_batches_table(batches, names), np.concatenate(batch_lines), rejects, rows)
            batches, batch_lines, rejects, rows = [], [], [], 0
    _, placed = lines.place(np.zeros(0, dtype=np.int64), last=True)
    new_rejects = bad_rows(placed)
    rejects.extend(new_rejects)
    rows += len(new_rejects)
    if batches or rejects or rows:
        table = _batches_table(batches, names)
        lines_all = np.concatenate(batch_lines) if batch_lines else np.zeros(0, np.int64)
        yield _Chunk(table, lines_all, rejects, rows)


def _batches_table(batches: list[pa.RecordBatch], names: list[str]) -> pa.Table:
    if not batches:
        return pa.table({n: pa.array([], pa.string()) for n in names})
    return pa.Table.from_batches(batches)


def _arrow_message(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _open_parquet(path: Path) -> pq.ParquetFile:
    # Not pre-buffered: a pre-buffering reader keeps what it read ahead of every row group
    # until it is closed, about 32 bytes a row (6 GB of a 200M-event import's peak); read
    # through a 1 MB buffer instead, memory stays at a chunk's, and local files read faster.
    try:
        return pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise ImportFailed(f"{path}: cannot read as Parquet: {_arrow_message(exc)}") from exc


def _read_parquet(path: Path, pf: pq.ParquetFile) -> Iterator[_Chunk]:
    try:
        yield from _numbered_chunks(pa.Table.from_batches([b]) for b in pf.iter_batches(batch_size=CHUNK_ROWS))
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise ImportFailed(f"{path}: cannot read as Parquet: {_arrow_message(exc)}") from exc


def _numbered_chunks(tables: Iterable[pa.Table]) -> Iterator[_Chunk]:
    """Typed row batches, numbered from ``PARQUET_FIRST_LINE`` on."""
    offset = 0
    for table in tables:
        table = _simplify(table)
        n = table.num_rows
        lines = np.arange(offset, offset + n, dtype=np.int64) + PARQUET_FIRST_LINE
        offset += n
        yield _Chunk(table, lines, [], n)


def _simple_type(t: pa.DataType) -> pa.DataType:
    """The type a Parquet column is converted to before DuckDB sees it."""
    if pa.types.is_dictionary(t):
        return _simple_type(t.value_type)
    if pa.types.is_large_string(t) or pa.types.is_string_view(t) or pa.types.is_null(t):
        return pa.string()
    if pa.types.is_decimal256(t):  # DuckDB reads 38 digits at most; text keeps every digit
        return pa.string()
    if pa.types.is_large_list(t) or pa.types.is_list_view(t) or pa.types.is_fixed_size_list(t):
        return pa.list_(_simple_type(t.value_type))
    if pa.types.is_list(t):
        return pa.list_(_simple_type(t.value_type))
    return t


def _simplify(table: pa.Table) -> pa.Table:
    target = pa.schema([pa.field(f.name, _simple_type(f.type)) for f in table.schema])
    return table if target == table.schema else table.cast(target)


def _table_chunks(table: pa.Table) -> Iterator[_Chunk]:
    """An in-memory table's rows as chunks of ``CHUNK_ROWS``, numbered as a Parquet file's."""
    return _numbered_chunks(pa.Table.from_batches([b], table.schema) for b in table.to_batches(CHUNK_ROWS))
