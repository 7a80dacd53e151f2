"""Reading payloads in chunks: CSV, Parquet, .xlsx and iterables of records.

Every reader yields ``RawChunk``s of at most ``chunk_rows`` rows and never holds more than a
chunk (plus the reader's own block buffer): CSV through Arrow's streaming reader, Parquet batch
by batch, .xlsx through openpyxl's read-only row iterator, records as they come. Line numbers
are those a person sees: the CSV's physical line (the header is line 1, a quoted cell that
spans lines is counted), the sheet's row, the Parquet row + 1 (the schema counts as the header
line, so a CSV export of the file has the same numbers), the record's position in the list
(first record 1).

A payload that cannot be read as a table at all raises ``IntakeRejected``; a row that cannot
be read (too many cells) becomes a problem of its chunk and the others go on. A header with a
column named twice or a required one missing refuses the payload too, but only after its rows
have been read and checked, so that the quarantine names the rows' mistakes with the header's
(``check_chunk`` leaves a column the header lacks to the header's message).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from zerocity.data.intake import (
    ALIASES,
    CHUNK_ROWS,
    COLUMNS,
    REQUIRED,
    IntakeRejected,
    Problem,
    RawChunk,
    as_cell,
)

CSV_BLOCK = 1 << 20  # bytes Arrow reads at a time
FORMATS = (".csv", ".txt", ".parquet", ".xlsx")


@dataclass
class Payload:
    """A payload opened for reading: its chunks, the decimal mark its numbers use, and the
    total progress units (bytes or rows) for a progress bar (0 when unknown)."""

    chunks: Iterator[RawChunk]
    decimal: str = "."
    total: int = 0
    format: str = ""


def canonical_name(name: Any) -> str:
    text = str(name if name is not None else "").strip().lower()
    return ALIASES.get(text, text)


def check_header(names: list[str], line: int = 1) -> None:
    """Refuse a header with a missing required column or a column named twice."""
    problems = header_problems(names, line)
    if problems:
        raise IntakeRejected(problems)


def header_problems(names: list[str], line: int = 1) -> list[Problem]:
    """What is wrong with a header: a column named twice, a required column missing."""
    problems = []
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            problems.append(Problem(line, name, "column appears twice"))
        seen.add(name)
    for name in REQUIRED:
        if name not in seen:
            problems.append(Problem(line, name, "required column is missing; the columns are "
                                    f"{', '.join(COLUMNS)} (customer_class is optional)"))
    return problems


def _then_refused(chunks: Iterator[RawChunk], problems: list[Problem]) -> Iterator[RawChunk]:
    """The chunks, then ``IntakeRejected`` for the header's problems: the rows are checked all
    the same, and their problems kept in quarantine with the header's."""
    if not problems:
        return chunks

    def refused() -> Iterator[RawChunk]:
        try:
            yield from chunks
        except IntakeRejected as exc:
            raise IntakeRejected([*problems, *exc.problems]) from None
        raise IntakeRejected(problems)

    return refused()


def file_sha256(data: bytes | Path) -> str:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    with data.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_payload(data: bytes | Path, filename: str, *, chunk_rows: int = CHUNK_ROWS) -> Payload:
    suffix = Path(filename).suffix.lower()
    if suffix in (".csv", ".txt", ""):
        return read_csv(data, chunk_rows=chunk_rows)
    if suffix == ".parquet":
        return read_parquet(data, chunk_rows=chunk_rows)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data, chunk_rows=chunk_rows)
    raise IntakeRejected([Problem(1, "-", f"unsupported file type {suffix!r} (use "
                                  f"{', '.join(FORMATS)})")])


# -- CSV ----------------------------------------------------------------------------------------

def _head(data: bytes | Path, size: int = 1 << 16) -> bytes:
    if isinstance(data, bytes):
        return data[:size]
    with data.open("rb") as f:
        return f.read(size)


def read_csv(data: bytes | Path, *, chunk_rows: int = CHUNK_ROWS) -> Payload:
    head = _head(data)
    first_raw = head.split(b"\n", 1)[0]
    try:
        first = first_raw.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        raise IntakeRejected([Problem(1, "-", "the file is not UTF-8 text")]) from None
    if not first.strip():
        raise IntakeRejected([Problem(1, "-", "the file is empty (no header row)")])
    delimiter = max((",", ";", "\t"), key=first.count)
    # Spreadsheets set to Slovenian (and most of Europe) write ';' with a decimal comma.
    decimal = "," if delimiter == ";" else "."
    header = next(csv.reader([first], delimiter=delimiter))
    names = [canonical_name(h) for h in header]
    refused = header_problems(names)
    total = len(data) if isinstance(data, bytes) else data.stat().st_size
    stream: BinaryIO | pa.NativeFile = (pa.BufferReader(data) if isinstance(data, bytes)
                                        else pa.OSFile(str(data), "rb"))
    chunks = _csv_chunks(stream, header, names, delimiter, chunk_rows)
    return Payload(_then_refused(chunks, refused), decimal, total, "csv")


def _csv_chunks(stream: Any, header: list[str], names: list[str], delimiter: str,
                chunk_rows: int) -> Iterator[RawChunk]:
    invalid: dict[int, tuple[int, str]] = {}  # first line -> (lines it spans, text)
    problems: list[Problem] = []

    def on_invalid(row: Any) -> str:
        text = row.text or ""
        number = row.number
        if number is not None:
            invalid[number] = (1 + text.count("\n"), text)
            problems.append(Problem(number, "-", f"expected {row.expected_columns} cells, "
                                    f"found {row.actual_columns}", text))
        return "skip"

    column_names = [f"c{i}" for i in range(len(header))]
    try:
        reader = pcsv.open_csv(
            stream,
            read_options=pcsv.ReadOptions(block_size=CSV_BLOCK, use_threads=False,
                                          column_names=column_names, skip_rows=1),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                            newlines_in_values=True,
                                            invalid_row_handler=on_invalid),
            convert_options=pcsv.ConvertOptions(
                column_types={c: pa.string() for c in column_names},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid as exc:
        raise IntakeRejected([Problem(2, "-", _arrow_reason(exc))]) from None
    next_line = 2
    pending: list[pa.RecordBatch] = []
    pending_lines: list[np.ndarray] = []
    rows = 0

    def position() -> int:
        try:
            return int(stream.tell())
        except Exception:  # not every stream can tell
            return 0

    def emit(final: bool) -> Iterator[RawChunk]:
        # Rows refused by the reader go with the next chunk out: each is a problem of its own.
        nonlocal pending, pending_lines, rows, problems
        while rows >= chunk_rows or (final and rows):
            table = pa.Table.from_batches(pending, schema=reader.schema)
            lines = np.concatenate(pending_lines)
            take = min(rows, chunk_rows)
            rest = table.slice(take)
            pending = rest.to_batches() if rest.num_rows else []
            pending_lines = [lines[take:]] if rest.num_rows else []
            rows -= take
            mine, problems = problems, []
            yield _table_chunk(table.slice(0, take), names, lines[:take], mine, position())
        if final and problems:
            mine, problems = problems, []
            yield _table_chunk(None, names, np.zeros(0, np.int64), mine, position())

    try:
        for batch in reader:
            lines, next_line = _line_numbers(batch, next_line, invalid)
            pending.append(batch)
            pending_lines.append(lines)
            rows += batch.num_rows
            yield from emit(final=False)
        yield from emit(final=True)
    except pa.ArrowInvalid as exc:
        raise IntakeRejected([Problem(next_line, "-", _arrow_reason(exc))]) from None
    finally:
        stream.close()


def _arrow_reason(exc: Exception) -> str:
    text = str(exc)
    if "UTF8" in text or "utf8" in text.lower():
        return "the file is not UTF-8 text"
    return f"the file cannot be read as CSV ({text.splitlines()[0]})"


def _line_numbers(batch: pa.RecordBatch, start: int, invalid: dict[int, tuple[int, str]]
                  ) -> tuple[np.ndarray, int]:
    """Physical line numbers of a batch's rows, skipping rows the reader refused and counting
    the line breaks inside quoted cells."""
    n = batch.num_rows
    spans = np.ones(n, dtype=np.int64)
    for col in batch.columns:
        if pc.any(pc.match_substring(col, "\n")).as_py():
            spans += np.asarray(pc.count_substring(col, "\n").to_numpy(), np.int64)
    for stale in [k for k in invalid if k < start]:
        del invalid[stale]
    if not invalid and (spans == 1).all():
        return start + np.arange(n, dtype=np.int64), start + n
    lines = np.empty(n, dtype=np.int64)
    line = start
    for i in range(n):
        while line in invalid:
            line += invalid.pop(line)[0]
        lines[i] = line
        line += int(spans[i])
    while line in invalid:  # refused rows at the end of the batch
        line += invalid.pop(line)[0]
    return lines, line


def _table_chunk(table: pa.Table | None, names: list[str], lines: np.ndarray,
                 problems: list[Problem], progress: int) -> RawChunk:
    """A chunk from a table of text columns (CSV, .xlsx) named by position."""
    columns: dict[str, pa.Array] = {}
    if table is not None:
        for i, name in enumerate(names):
            if name in COLUMNS and name not in columns:
                columns[name] = table.column(i).combine_chunks()

    def raw(i: int) -> dict[str, Any]:
        assert table is not None
        return {(names[c] or f"column {c + 1}"): table.column(c)[i].as_py()
                for c in range(len(names))}

    return RawChunk(columns=columns, lines=lines, raw=raw, problems=problems,
                    progress=progress)


# -- Parquet ------------------------------------------------------------------------------------

def read_parquet(data: bytes | Path, *, chunk_rows: int = CHUNK_ROWS) -> Payload:
    try:
        pf = pq.ParquetFile(pa.BufferReader(data) if isinstance(data, bytes) else str(data))
    except (pa.ArrowException, OSError) as exc:
        raise IntakeRejected([Problem(1, "-", f"not a readable Parquet file ({exc})")]) \
            from None
    refused: list[Problem] = []
    wanted = parquet_columns(pf, refused=refused)

    def chunks() -> Iterator[RawChunk]:
        done = 0
        try:
            for batch in pf.iter_batches(batch_size=chunk_rows, columns=wanted):
                lines = done + 2 + np.arange(batch.num_rows, dtype=np.int64)
                done += batch.num_rows
                yield parquet_chunk(batch, lines, progress=done)
        except pa.ArrowException as exc:
            raise IntakeRejected([Problem(done + 2, "-", f"not a readable Parquet file "
                                          f"({exc})")]) from None

    return Payload(_then_refused(chunks(), refused), ".", pf.metadata.num_rows, "parquet")


def parquet_columns(pf: pq.ParquetFile, *, refused: list[Problem] | None = None) -> list[str]:
    """The file's columns the intake reads (by their names in the file; the first of a column
    named twice), after checking the header; IntakeRejected if a required column is missing
    or one is named twice, unless ``refused`` is given to collect those problems."""
    original = list(pf.schema_arrow.names)
    names = [canonical_name(n) for n in original]
    if refused is None:
        check_header(names)
    else:
        refused.extend(header_problems(names))
    taken: set[str] = set()
    wanted = []
    for o, n in zip(original, names, strict=True):
        if n in COLUMNS and n not in taken:
            taken.add(n)
            wanted.append(o)
    return wanted


def parquet_chunk(batch: pa.RecordBatch | pa.Table, lines: np.ndarray, *,
                  progress: int = 0) -> RawChunk:
    """A chunk from rows of a Parquet file (its intake columns, as typed in the file); line
    numbers count the schema as line 1, so row r (first 1) is line r + 1."""
    columns = {canonical_name(name): batch.column(i) for i, name in enumerate(batch.schema.names)}

    def raw(i: int) -> dict[str, Any]:
        return {k: _json_safe(v) for k, v in batch.slice(i, 1).to_pylist()[0].items()}

    return RawChunk(columns=columns, lines=lines, raw=raw, progress=progress)


# -- .xlsx --------------------------------------------------------------------------------------

def _xlsx_cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep="T")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return as_cell(value).strip()


def read_xlsx(data: bytes | Path, *, chunk_rows: int = CHUNK_ROWS) -> Payload:
    from openpyxl import load_workbook

    from zerocity.core.uploads import UnsafeUpload, check_workbook

    try:
        check_workbook(data)  # a zip bomb costs its directory, not minutes
    except UnsafeUpload as exc:
        raise IntakeRejected([Problem(1, "-", str(exc))]) from None
    try:
        wb = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else str(data),
                           read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise IntakeRejected([Problem(1, "-", f"not a readable .xlsx workbook ({exc})")]) \
            from None
    ws = wb.worksheets[0]
    ws.reset_dimensions()  # the rows as stored, not padded to what the sheet claims
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        wb.close()
        raise IntakeRejected([Problem(1, "-", "the sheet is empty (no header row)")])
    names = [canonical_name(h) for h in header]
    while names and names[-1] == "":
        names.pop()
    refused = header_problems(names)
    total = max((ws.max_row or 1) - 1, 0)

    def chunks() -> Iterator[RawChunk]:
        width = len(names)
        try:
            cells: list[list[str]] = [[] for _ in range(width)]
            lines: list[int] = []
            problems: list[Problem] = []
            for number, row in enumerate(rows, start=2):
                values = ["" if v is None else _xlsx_cell(v) for v in row]
                if len(values) > width and any(v for v in values[width:]):
                    problems.append(Problem(number, "-", f"expected {width} cells, found "
                                            f"{len(values)}", values))
                    continue
                values = (values + [""] * width)[:width]
                for c in range(width):
                    cells[c].append(values[c])
                lines.append(number)
                if len(lines) >= chunk_rows:
                    yield _xlsx_chunk(cells, names, lines, problems)
                    cells, lines, problems = [[] for _ in range(width)], [], []
            if lines or problems:
                yield _xlsx_chunk(cells, names, lines, problems)
        finally:
            wb.close()

    return Payload(_then_refused(chunks(), refused), ".", total, "xlsx")


def _xlsx_chunk(cells: list[list[str]], names: list[str], lines: list[int],
                problems: list[Problem]) -> RawChunk:
    table = pa.table({f"c{i}": pa.array(col, pa.string()) for i, col in enumerate(cells)})
    return _table_chunk(table, names, np.asarray(lines, dtype=np.int64), problems,
                        progress=lines[-1] - 1 if lines else 0)


# -- records ------------------------------------------------------------------------------------

def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else repr(value)
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return as_cell(value)


class RecordDigest:
    """SHA-256 of a stream of records, fed as they pass: the same readings in the same order
    give the same digest whatever the JSON spacing was."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()

    def add(self, record: Any) -> None:
        self.hash.update(json.dumps(_json_safe(record), sort_keys=True, separators=(",", ":"),
                                    ensure_ascii=False).encode())
        self.hash.update(b"\n")

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


def read_records(records: Iterable[Any], *, chunk_rows: int = CHUNK_ROWS,
                 digest: RecordDigest | None = None,
                 on_record: Callable[[int], None] | None = None) -> Payload:
    def chunks() -> Iterator[RawChunk]:
        batch: list[Mapping[str, Any]] = []
        lines: list[int] = []
        problems: list[Problem] = []
        number = 0
        for number, record in enumerate(records, start=1):
            if digest is not None:
                digest.add(record)
            if not isinstance(record, Mapping):
                problems.append(Problem(number, "-", "a reading is an object with meter, "
                                        "time, quantity, value and unit", _json_safe(record)))
            else:
                batch.append(record)
                lines.append(number)
            if len(lines) >= chunk_rows:
                yield _records_chunk(batch, lines, problems, number)
                batch, lines, problems = [], [], []
        if lines or problems:
            yield _records_chunk(batch, lines, problems, number)

    return Payload(chunks(), ".", 0, "records")


def _records_chunk(batch: list[Mapping[str, Any]], lines: list[int], problems: list[Problem],
                   progress: int) -> RawChunk:
    keyed = [{canonical_name(k): v for k, v in r.items()} for r in batch]
    columns = {name: pa.array([as_cell(r.get(name)).strip() if not isinstance(
        r.get(name), Mapping | list) else json.dumps(_json_safe(r.get(name))) for r in keyed],
        pa.string()) for name in COLUMNS}

    def raw(i: int) -> Any:
        return _json_safe(batch[i])

    # API payloads are small: keep each record as sent, so a conflict found later in the
    # store is quarantined with the record itself (an NGSI-LD answer names its entity)
    raw_json = pa.array([json.dumps(_json_safe(r), ensure_ascii=False) for r in batch],
                        pa.string())
    return RawChunk(columns=columns, lines=np.asarray(lines, dtype=np.int64), raw=raw,
                    problems=problems, progress=progress, raw_json=raw_json)
