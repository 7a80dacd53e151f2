"""Read a GTFS zip into one table of text per file, every value a ``str`` as written (without
surrounding spaces), with each row's line in the file.

The archive is checked from its directory before anything is unpacked (the count of files and
the size they unpack to), so a zip bomb costs a look at the directory. Each file is parsed by
Arrow's CSV reader in C++, not row by row in Python; rows it cannot take (a wrong number of
fields) are reported with their line and left out.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from zerocity.mobility.gtfs.notices import ERROR, INFO, WARNING, Notices
from zerocity.mobility.gtfs.schema import KEPT_UNCHECKED, OTHER_SPEC_FILES, TABLES

GTFS_FILE_NAMES = frozenset({f"{n}.txt" for n in (*TABLES, *KEPT_UNCHECKED)}
                            | OTHER_SPEC_FILES)


class ArchiveError(ValueError):
    """The upload cannot be read as a GTFS archive at all: ``kind`` says why (``not_zip``,
    ``too_many_files``, ``too_large``), ``limit`` the limit it passed."""

    def __init__(self, kind: str, detail: str = "", limit: int = 0) -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.limit = limit


@dataclass
class RawTable:
    name: str  # "stops"
    frame: pd.DataFrame  # every column a str, as written, without surrounding spaces
    lines: np.ndarray  # the line of each row in the file (the header is line 1)

    @property
    def file(self) -> str:
        return f"{self.name}.txt"


@dataclass
class RawFeed:
    tables: dict[str, RawTable] = field(default_factory=dict)
    empty: set[str] = field(default_factory=set)  # files with no header at all
    notices: Notices = field(default_factory=Notices)


def read_feed(source: bytes | Path, *, archive_name: str = "feed.zip", max_files: int = 200,
              max_unpacked: int = 2 * 2**30) -> RawFeed:
    """The feed's files, read and parsed; what cannot be parsed is a notice. Raises
    ArchiveError when the archive itself cannot be read or passes a limit."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveError("not_zip", str(exc)) from None
    feed = RawFeed()
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()
                   and not m.filename.startswith("__MACOSX/")
                   and PurePosixPath(m.filename).name not in (".DS_Store",)]
        if len(members) > max_files:
            raise ArchiveError("too_many_files", str(len(members)), max_files)
        unpacked = sum(m.file_size for m in members)
        if unpacked > max_unpacked:
            raise ArchiveError("too_large", str(unpacked), max_unpacked)
        for member in members:
            path = PurePosixPath(member.filename)
            if len(path.parts) > 1:
                code, severity = (("invalid_input_files_in_subfolder", ERROR)
                                  if path.name in GTFS_FILE_NAMES else ("unknown_file", INFO))
                feed.notices.add(code, severity, archive_name, None, "",
                                 f"{member.filename}: GTFS files must be at the top of the "
                                 "archive, not in a folder" if severity == ERROR else
                                 f"{member.filename} is not a GTFS file; it is kept in the "
                                 "archive but not read")
                continue
            if path.name not in GTFS_FILE_NAMES:
                feed.notices.add("unknown_file", INFO, path.name, None, "",
                                 "not a file of the GTFS reference; kept as it is")
            if path.suffix != ".txt":
                continue
            try:
                data = zf.read(member)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise ArchiveError("not_zip", f"{member.filename}: {exc}") from None
            table = read_table(path.stem, data, feed.notices)
            if table is None:
                feed.empty.add(path.stem)
            else:
                feed.tables[path.stem] = table
    return feed


def _header(first_line: bytes) -> list[str]:
    text = first_line.decode("utf-8").rstrip("\r\n")
    return [name.strip() for name in next(csv.reader([text]), [])]


def read_table(name: str, data: bytes, notices: Notices) -> RawTable | None:
    """One CSV file; None when it has nothing to read (empty, or not parseable at all)."""
    file = f"{name}.txt"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if not data.strip():
        notices.add("empty_file", ERROR, file, None, "", "the file is empty: no header, no rows")
        return None
    end = data.find(b"\n")
    try:
        names = _header(data if end < 0 else data[:end])
    except (UnicodeDecodeError, csv.Error) as exc:
        notices.add("csv_parsing_failed", ERROR, file, 1, "", f"the header cannot be read: {exc}")
        return None
    columns: list[str] = []
    keep: list[str] = []
    for i, column in enumerate(names):
        if not column:
            notices.add("empty_column_name", ERROR, file, 1, f"#{i + 1}",
                        f"column {i + 1} of the header has no name")
        elif column in keep:
            notices.add("duplicated_column", ERROR, file, 1, column,
                        f"the column appears twice, as column {keep.index(column) + 1} and "
                        f"column {i + 1}")
        else:
            keep.append(column)
            columns.append(column)
            continue
        columns.append(f"\x00{i}")  # a name no real column has: dropped after parsing
    skipped: list[tuple[int, str]] = []

    def invalid_row(row: Any) -> str:
        skipped.append((int(row.number or 0), row.text or ""))
        return "skip"

    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(column_names=columns, skip_rows=1, use_threads=False),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False,
                                              invalid_row_handler=invalid_row),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        notices.add("csv_parsing_failed", ERROR, file, None, "", f"the file cannot be read as "
                    f"UTF-8 CSV: {str(exc).splitlines()[0]}")
        return None
    frame = table.to_pandas()
    frame = frame[[c for c in frame.columns if not c.startswith("\x00")]]
    frame.columns = pd.Index([str(c) for c in frame.columns])
    total = len(frame) + len(skipped)
    gone = np.array(sorted(n for n, _ in skipped), dtype=np.int64)
    lines = np.setdiff1d(np.arange(2, total + 2, dtype=np.int64), gone)
    if len(lines) != len(frame):  # cannot happen with numbered skips; never misnumber rows
        lines = np.arange(2, len(frame) + 2, dtype=np.int64)
    for number, text in skipped:
        if text.strip():
            notices.add("invalid_row_length", ERROR, file, number, "",
                        f"the row has {len(next(csv.reader([text]), []))} fields, the header "
                        f"{len(names)}")
        else:
            notices.add("empty_row", WARNING, file, number, "", "the line is empty")
    for column in frame.columns:
        values = frame[column]
        broken = values.str.contains(r"[\r\n]", regex=True).to_numpy(dtype=bool)
        notices.add_rows("new_line_in_value", ERROR, file, lines[broken], column,
                         "the value holds a line break")
        # U+FFFD is what a wrong encoding leaves; NUL no database can store
        odd = values.str.contains("[\ufffd\x00]", regex=True).to_numpy(dtype=bool)
        notices.add_rows("invalid_character", ERROR, file, lines[odd], column,
                         "the value holds a replacement character (U+FFFD) or a NUL: was the "
                         "file saved in another encoding than UTF-8?")
        stripped = values.str.strip()
        padded = (stripped != values).to_numpy(dtype=bool) & ~broken
        notices.add_rows("leading_or_trailing_whitespaces", WARNING, file, lines[padded], column,
                         "spaces before or after the value (read without them)")
        frame[column] = stripped
    if len(frame.columns):
        blank = (frame == "").all(axis=1).to_numpy(dtype=bool)
        if blank.any():
            notices.add_rows("empty_row", WARNING, file, lines[blank], "", "the row is empty")
            frame = frame[~blank].reset_index(drop=True)
            lines = lines[~blank]
    return RawTable(name, frame.reset_index(drop=True), lines)
