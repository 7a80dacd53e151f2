"""Reading and checking the activity-data file (CSV or .xlsx).

Nothing here touches the database. ``read_activity_file`` returns every line it could read
with the problems found, each as ``line N, column C: reason``, and marks on each line the
columns whose cell is wrong; the service then resolves factors and checks the lines against
each other on every line, so that a file's mistakes come in one answer, and writes all lines or
none. ``parse_activity_file`` is the same read for callers that want only a good file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from zerocity.core.errors import ZeroCityError
from zerocity.core.units import UnitError, parse_unit
from zerocity.core.uploads import UnsafeUpload, check_workbook
from zerocity.inventory import gpc
from zerocity.inventory.calculations import CccSector, NotationKey

# The columns of the activity-data file, in the order exports write them.
COLUMNS = (
    "gpc_ref", "activity", "amount", "unit", "fuel", "ef_co2", "ef_ch4", "ef_n2o", "ef_unit",
    "co2", "ch4", "n2o", "sf6", "nf3", "hfcs", "pfcs", "co2_biogenic", "co2e",
    "notation_key", "explanation", "ie_ref", "data_quality", "source", "ets", "ccc_sector",
    "ch4_origin",
)
REQUIRED = ("gpc_ref", "activity")
# Exports add these for people; an import accepts and ignores them, since it recomputes them.
RESULT_PREFIX = "result_"
GAS_COLUMNS = ("co2", "ch4", "n2o", "sf6", "nf3", "hfcs", "pfcs", "co2_biogenic")
EF_COLUMNS = ("ef_co2", "ef_ch4", "ef_n2o")
_QUALITY = {"h": "H", "high": "H", "m": "M", "medium": "M", "l": "L", "low": "L"}
_BOOL = {"": False, "no": False, "false": False, "0": False, "n": False,
         "yes": True, "true": True, "1": True, "y": True}
MAX_ERRORS_SHOWN = 1000


# "line 7, column amount: ..." and a workbook's "Actions!row 7, column "Cost": ..."
_COLUMN = re.compile(r"^([^!]*!)?(?:line|row) \d+, column ([^:]*):")


class ErrorLog(list[str]):
    """A file's errors as a list that keeps the first ``keep`` of each column word for word
    and counts the others (``dropped``): a file with an error in every cell of 100,000 lines
    costs a few thousand messages, not millions (QUARANTINE_KEEP_PER_COLUMN)."""

    def __init__(self, errors: Iterable[str] = (), *, keep: int | None = None,
                 dropped: Mapping[str, int] | None = None) -> None:
        super().__init__()
        self.keep: int = settings.QUARANTINE_KEEP_PER_COLUMN if keep is None else keep
        self.kept: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter(dropped or {})
        self.extend(errors)

    def append(self, message: str) -> None:
        m = _COLUMN.match(message)
        column = (m.group(1) or "") + m.group(2) if m else "-"
        if self.kept[column] < self.keep:
            self.kept[column] += 1
            super().append(message)
        else:
            self.dropped[column] += 1

    def extend(self, messages: Iterable[str]) -> None:
        for message in messages:
            self.append(message)

    def copy(self) -> ErrorLog:
        return ErrorLog(self, keep=self.keep, dropped=self.dropped)

    @property
    def total(self) -> int:
        return len(self) + sum(self.dropped.values())

    def summary(self) -> list[str]:
        """One line per column with errors not kept: how many more there were."""
        return [f"column {column}: {count:,} more errors of this column not listed"
                for column, count in sorted(self.dropped.items())]


class ImportRejected(ZeroCityError):
    """A refused file with its errors: the first of each column (``errors``) and how many
    more each column had (``dropped``)."""

    def __init__(self, errors: list[str], dropped: Mapping[str, int] | None = None):
        log = errors if isinstance(errors, ErrorLog) else ErrorLog(errors, dropped=dropped)
        self.errors: list[str] = list(log)
        self.dropped = dict(log.dropped)
        self.total = log.total
        shown = self.errors[:MAX_ERRORS_SHOWN]
        more = self.total - len(shown)
        tail = [f"... and {more} more errors"] if more > 0 else []
        super().__init__("\n".join(shown + tail))

    def kept(self) -> list[str]:
        """What quarantine keeps: the errors listed, and a line per column for the rest."""
        return self.errors + ErrorLog(keep=0, dropped=self.dropped).summary()


@dataclass(slots=True)
class ParsedLine:
    line_no: int
    gpc_ref: str
    activity: str
    amount: float | None = None
    unit: str = ""
    fuel: str = ""
    ef_unit: str = ""
    ef_co2: float | None = None
    ef_ch4: float | None = None
    ef_n2o: float | None = None
    gases: dict[str, float] = field(default_factory=dict)
    co2e: float | None = None
    notation_key: str = ""
    explanation: str = ""
    ie_ref: str = ""
    data_quality: str = ""
    source: str = ""
    ets: bool = False
    ccc_sector: str = ""
    ch4_origin: str = ""
    # Columns whose cell has a problem: the service's checks that read them stay quiet, so one
    # bad cell gives one message. Empty (shared) on a good line.
    bad: frozenset[str] = frozenset()

    @property
    def key(self) -> tuple[str, str]:
        return (self.gpc_ref, self.activity)

    @property
    def has_factor(self) -> bool:
        return bool(self.fuel) or any(
            v is not None for v in (self.ef_co2, self.ef_ch4, self.ef_n2o)
        )


# The ParsedLine fields a LineColumns holds a column of, in ParsedLine's order (``gases`` is
# held as one column per gas, None where the cell was empty).
LINE_FIELDS = (
    "gpc_ref", "activity", "amount", "unit", "fuel", "ef_unit", "ef_co2", "ef_ch4", "ef_n2o",
    *GAS_COLUMNS, "co2e", "notation_key", "explanation", "ie_ref", "data_quality", "source",
    "ets", "ccc_sector", "ch4_origin",
)


@dataclass(slots=True)
class LineColumns:
    """A file's lines as columns, when every line is good (no bad cell, no duplicate): per
    field of ``LINE_FIELDS``, a list of the lines' values in file order; ``line_nos``: their
    line numbers. The import computes and stores them without a ParsedLine per line."""

    line_nos: list[int]
    values: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.line_nos)

    def parsed_lines(self) -> list[ParsedLine]:
        """The same lines as ParsedLine objects (what the per-line reader builds)."""
        c = self.values
        present = [c[g] for g in GAS_COLUMNS]
        gases = [{g: v for g, v in zip(GAS_COLUMNS, values, strict=True) if v is not None}
                 for values in zip(*present, strict=True)] if self.line_nos else []
        return list(map(
            ParsedLine, self.line_nos, c["gpc_ref"], c["activity"], c["amount"], c["unit"],
            c["fuel"], c["ef_unit"], c["ef_co2"], c["ef_ch4"], c["ef_n2o"], gases, c["co2e"],
            c["notation_key"], c["explanation"], c["ie_ref"], c["data_quality"], c["source"],
            c["ets"], c["ccc_sector"], c["ch4_origin"],
        ))


class ActivityFile:
    """A file as read: its lines (every line read, in file order; with ``errors``, bad ones
    too) and its errors (in line order, bounded per column). A file read a column at a time
    whose lines are all good also has them as ``columns``; ``lines`` is then built from them
    the first time it is asked for."""

    __slots__ = ("fmt", "sha256", "errors", "columns", "_lines")

    def __init__(self, fmt: str, sha256: str, lines: list[ParsedLine] | None = None,
                 errors: ErrorLog | None = None, columns: LineColumns | None = None) -> None:
        self.fmt, self.sha256 = fmt, sha256
        self.errors = ErrorLog() if errors is None else errors
        self.columns = columns
        self._lines = lines

    @property
    def lines(self) -> list[ParsedLine]:
        if self._lines is None:
            self._lines = self.columns.parsed_lines() if self.columns is not None else []
        return self._lines

    @property
    def count(self) -> int:
        """How many lines were read."""
        return len(self.columns) if self._lines is None and self.columns is not None \
            else len(self.lines)


def read_table(data: bytes, filename: str) -> tuple[str, Iterator[tuple[int, list[Any]]], str]:
    """Rows of a CSV or .xlsx file as (line number, cells); returns (format, rows, decimal)."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            check_workbook(data)
        except UnsafeUpload as exc:
            raise ImportRejected([f"line 1, column -: {exc}"]) from None
        return "xlsx", _xlsx_rows(data), "."
    if suffix not in (".csv", ".txt", ""):
        raise ImportRejected([f"line 1, column -: unsupported file type {suffix!r} "
                              "(use .csv or .xlsx)"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected([f"line {line}, column -: the file is not UTF-8 text"]) from exc
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    _check_width(first.count(delimiter) + 1)
    # Spreadsheets set to Slovenian (and most of Europe) write ';' with a decimal comma.
    decimal = "," if delimiter == ";" else "."
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as exc:
            raise ImportRejected([f"line {reader.line_num}, column -: {exc}"]) from exc

    return "csv", rows(), decimal


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ImportRejected([f"line 1, column -: not a readable .xlsx workbook ({exc})"]) \
            from exc
    try:
        ws = wb.worksheets[0]
        # the rows as stored, not padded to the size the sheet claims (A1:XFD1048576)
        ws.reset_dimensions()
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if number == 1:
                _check_width(len(row))
            yield number, ["" if v is None else v for v in row]
    finally:
        wb.close()


def _check_width(columns: int) -> None:
    limit: int = settings.IMPORT_MAX_COLUMNS
    if columns > limit:
        raise ImportRejected([f"line 1, column -: the header has {columns:,} columns, more "
                              f"than the {limit:,} an activity-data file may have"])


def parse_activity_file(data: bytes, filename: str) -> ActivityFile:
    """The file's lines, or ``ImportRejected`` with every problem reading finds."""
    parsed = read_activity_file(data, filename)
    if parsed.errors:
        raise ImportRejected(parsed.errors, parsed.errors.dropped)
    return parsed


def read_activity_file(data: bytes, filename: str) -> ActivityFile:
    """Every line of the file with the problems found; ``ImportRejected`` only when the file
    cannot be read as a table, or its header lacks gpc_ref or activity."""
    fmt, rows, decimal = read_table(data, filename)
    errors = ErrorLog()
    header: list[str] | None = None
    lines: list[ParsedLine] = []
    seen: dict[tuple[str, str], int] = {}
    max_rows: int = settings.IMPORT_MAX_ROWS
    for line_no, cells in rows:
        if len(lines) >= max_rows:
            raise ImportRejected([f"line {line_no}, column -: more than {max_rows:,} lines; "
                                  "an inventory has far fewer: is this the right file?"])
        if header is None:
            header = [str(c).strip().lower() for c in cells]
            while header and header[-1] == "":
                header.pop()
            errors.extend(_check_header(header))
            # gpc_ref and activity name a line: without them every line would be refused for
            # the header's mistake. An unknown or doubled column leaves the others readable.
            if any(name not in header for name in REQUIRED):
                raise ImportRejected(errors, errors.dropped)
            continue
        if all(str(c).strip() == "" for c in cells):
            continue
        if len(cells) > len(header) and any(str(c).strip() for c in cells[len(header):]):
            errors.append(f"line {line_no}, column {len(header) + 1}: more cells than columns")
            continue
        record = {
            name: cells[i] if i < len(cells) else ""
            for i, name in enumerate(header)
            if not name.startswith(RESULT_PREFIX)
        }
        parsed = _parse_row(line_no, record, decimal, errors)
        lines.append(parsed)
        if "gpc_ref" in parsed.bad or "activity" in parsed.bad:
            continue  # a key that cannot be read is no duplicate of anything
        if parsed.key in seen:
            errors.append(
                f"line {line_no}, column activity: duplicate of line {seen[parsed.key]} "
                f"(same gpc_ref and activity)"
            )
            parsed.bad = parsed.bad | {"activity"}
            continue
        seen[parsed.key] = line_no
    if header is None:
        errors.append("line 1, column -: the file is empty (no header row)")
    return ActivityFile(fmt=fmt, sha256=hashlib.sha256(data).hexdigest(), lines=lines,
                        errors=errors)


def _check_header(header: list[str]) -> list[str]:
    errors = []
    known = set(COLUMNS)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            errors.append(f"line 1, column {name}: column appears twice")
        seen.add(name)
        if name not in known and not name.startswith(RESULT_PREFIX):
            errors.append(
                f"line 1, column {name or '(empty)'}: unknown column; "
                f"known columns are {', '.join(COLUMNS)}"
            )
    for name in REQUIRED:
        if name not in seen:
            errors.append(f"line 1, column {name}: required column is missing")
    return errors


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: Any, decimal: str) -> float | None:
    if value == "":  # most cells of a wide file are empty: answer before any string work
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if text == "":
            return None
        if decimal == ",":
            text = text.replace(".", "").replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{str(value).strip()!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _parse_row(line_no: int, rec: dict[str, Any], decimal: str, errors: list[str]) -> ParsedLine:
    # Columns whose cell could not be read: rules that depend on them stay quiet, so one bad
    # cell gives one message, not a cascade.
    unreadable: set[str] = set()
    bad: set[str] = set()

    def err(column: str, reason: str) -> None:
        errors.append(f"line {line_no}, column {column}: {reason}")
        bad.add(column)

    def num(column: str, *, negative_ok: bool = False) -> float | None:
        try:
            value = _number(rec.get(column, ""), decimal)
        except ValueError as exc:
            err(column, str(exc))
            unreadable.add(column)
            return None
        if value is not None and value < 0 and not negative_ok:
            err(column, f"{_text(rec[column])} is negative; only AFOLU removals (V.x, column "
                        "co2e) may be negative")
        return value

    ref = _text(rec.get("gpc_ref", ""))
    category = None
    if not ref:
        err("gpc_ref", "required")
    else:
        try:
            category = gpc.category(ref)
        except KeyError as exc:
            err("gpc_ref", str(exc.args[0]))
    activity = _text(rec.get("activity", ""))
    if not activity:
        err("activity", "required")
    elif len(activity) > 300:
        err("activity", "longer than 300 characters")

    line = ParsedLine(line_no=line_no, gpc_ref=ref, activity=activity)
    line.amount = num("amount")
    line.unit = _text(rec.get("unit", ""))
    if line.unit:
        try:
            parse_unit(line.unit)
        except UnitError as exc:
            err("unit", str(exc))
    if line.amount is not None and not line.unit:
        err("unit", "required when amount is given")
    if line.unit and line.amount is None and "amount" not in unreadable:
        err("amount", "required when unit is given")

    line.fuel = _text(rec.get("fuel", ""))
    line.ef_co2, line.ef_ch4, line.ef_n2o = (num(c) for c in EF_COLUMNS)
    line.ef_unit = _text(rec.get("ef_unit", ""))
    inline_factor = any(v is not None for v in (line.ef_co2, line.ef_ch4, line.ef_n2o))
    if line.fuel and inline_factor:
        err("fuel", "give either fuel (a library factor) or ef_co2/ef_ch4/ef_n2o, not both")
    if inline_factor:
        if not line.ef_unit:
            err("ef_unit", "required with ef_co2/ef_ch4/ef_n2o (the unit of activity the "
                           "factor is per, e.g. MWh)")
        else:
            try:
                parse_unit(line.ef_unit)
            except UnitError as exc:
                err("ef_unit", str(exc))
    elif line.ef_unit and not unreadable.intersection(EF_COLUMNS):
        err("ef_unit", "given without ef_co2, ef_ch4 or ef_n2o")
    if line.has_factor and line.amount is None and "amount" not in unreadable:
        err("amount", "required with an emission factor")

    afolu = category is not None and category.sector == "V"
    for gas in GAS_COLUMNS:
        value = num(gas)
        if value is not None:
            line.gases[gas] = value
    line.co2e = num("co2e", negative_ok=afolu)
    if line.has_factor and (line.gases or line.co2e is not None):
        err("co2e" if line.co2e is not None else next(iter(line.gases)),
            "emissions given twice: by an emission factor and directly")

    key = _text(rec.get("notation_key", "")).upper()
    line.explanation = _text(rec.get("explanation", ""))
    line.ie_ref = _text(rec.get("ie_ref", ""))
    if key:
        if key not in NotationKey.__members__:
            err("notation_key", f"{key!r} is not a notation key (NO, IE, NE or C)")
        line.notation_key = key
        if not line.explanation:
            err("explanation", f"required with notation key {key}")
        if line.has_factor or line.gases or line.co2e is not None:
            err("notation_key", f"{key} says there is no figure here, but emissions are given; "
                                "a reported zero is written as 0 without a notation key")
        if key == "IE":
            if not line.ie_ref:
                err("ie_ref", "IE needs the gpc_ref of the line that carries the emissions")
            elif line.ie_ref == ref:
                err("ie_ref", "IE cannot point to its own sub-category")
            else:
                try:
                    gpc.category(line.ie_ref)
                except KeyError as exc:
                    err("ie_ref", str(exc.args[0]))
    else:
        if line.ie_ref:
            err("ie_ref", "only a line with notation key IE points elsewhere")
        if not (line.has_factor or line.gases or line.co2e is not None or unreadable):
            err("amount", "no emissions given: give amount with a factor (fuel or ef_*), gas "
                          "amounts, co2e, or a notation key with an explanation")

    quality = _text(rec.get("data_quality", "")).lower()
    if quality:
        if quality not in _QUALITY:
            err("data_quality", f"{quality!r} is not H, M or L")
        else:
            line.data_quality = _QUALITY[quality]
    line.source = _text(rec.get("source", ""))
    ets = _text(rec.get("ets", "")).lower()
    if ets not in _BOOL:
        err("ets", f"{ets!r} is not yes or no")
    else:
        line.ets = _BOOL[ets]
    sector = _text(rec.get("ccc_sector", "")).lower()
    if sector:
        if sector not in {s.value for s in CccSector}:
            err("ccc_sector", f"{sector!r} is not one of "
                              f"{', '.join(s.value for s in CccSector)}")
        line.ccc_sector = sector
    origin = _text(rec.get("ch4_origin", "")).lower()
    if origin not in ("", "fossil", "non-fossil"):
        err("ch4_origin", f"{origin!r} is not fossil or non-fossil")
    line.ch4_origin = origin
    if bad:
        line.bad = frozenset(bad)
    return line
