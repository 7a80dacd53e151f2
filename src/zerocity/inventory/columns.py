"""The activity-data file read and checked a column at a time, with the per-line reader
(``parsing.read_activity_file``) as the reference it must equal.

As the data platform's fast intake does (``zerocity.data.fastpath``), each text column is
factorised: its distinct texts (a few fuels, units, GPC references) are judged once with the
same rules, and numpy spreads the verdicts over the lines. Number columns are converted with
Python's own ``float`` on the same text ``parsing._number`` builds, so a stored value is the
same to the bit. The rules between columns (a unit with an amount, a factor or gases, a
notation key with its explanation...) are boolean arithmetic over whole columns.

A line that breaks any rule, or that the columns cannot judge (a workbook's typed cell), is
read by ``parsing._parse_row`` itself, in file order, so its messages are the per-line path's
word for word and the bounded error log keeps the same ones. A file whose header has a mistake
is read by the per-line path from the start.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings

from zerocity.core.units import UnitError, parse_unit
from zerocity.inventory import gpc
from zerocity.inventory.calculations import CccSector, NotationKey
from zerocity.inventory.parsing import (
    _BOOL,
    _QUALITY,
    EF_COLUMNS,
    GAS_COLUMNS,
    LINE_FIELDS,
    REQUIRED,
    RESULT_PREFIX,
    ActivityFile,
    ErrorLog,
    ImportRejected,
    LineColumns,
    ParsedLine,
    _check_header,
    _parse_row,
    read_activity_file,
    read_table,
)

NUMBER_COLUMNS = ("amount", *EF_COLUMNS, *GAS_COLUMNS, "co2e")
_CCC = frozenset(s.value for s in CccSector)
_KEYS = frozenset(NotationKey.__members__)


def read_activity_columns(data: bytes, filename: str) -> ActivityFile:
    """What ``read_activity_file`` returns for the same file: the same lines (values and
    ``bad`` marks) and the same errors in the same order, judged a column at a time."""
    fmt, table_rows, decimal = read_table(data, filename)
    rows: Iterable[tuple[int, list[Any]]] = _fast_rows(data, fmt, decimal, table_rows)
    header: list[str] | None = None
    for _line_no, cells in rows:
        header = [str(c).strip().lower() for c in cells]
        while header and header[-1] == "":
            header.pop()
        break
    if header is None or _check_header(header):
        return read_activity_file(data, filename)  # the reference words the header's mistakes
    width = len(header)
    max_rows: int = settings.IMPORT_MAX_ROWS
    if isinstance(rows, _Records):
        found = _plain(rows.records[1:], width, max_rows)
        if found is not None:
            return _read(data, fmt, decimal, header, found, [], {})
    # Lines in file order: (line number, cells padded to the header); a line with more cells
    # than columns has no cells and its message in ``wide``.
    body: list[tuple[int, list[Any]]] = []
    wide: dict[int, str] = {}
    n_lines = 0
    for line_no, cells in rows:
        if n_lines >= max_rows:
            raise ImportRejected([f"line {line_no}, column -: more than {max_rows:,} lines; "
                                  "an inventory has far fewer: is this the right file?"])
        first = cells[0] if cells else ""
        if not (type(first) is str and first and not first.isspace()) \
                and not "".join(map(str, cells)).strip():
            continue  # a blank line (the first cell decides most lines without a join)
        if len(cells) != width:
            if len(cells) > width and any(str(c).strip() for c in cells[width:]):
                wide[len(body)] = f"line {line_no}, column {width + 1}: more cells than columns"
                body.append((line_no, []))
                continue
            cells = cells[:width] + [""] * (width - len(cells))
        body.append((line_no, cells))
        n_lines += 1
    table = [cells for i, (_, cells) in enumerate(body) if i not in wide] if wide \
        else [cells for _, cells in body]
    return _read(data, fmt, decimal, header, table, body, wide)


def _plain(table: list[list[str]], width: int, max_rows: int) -> list[list[str]] | None:
    """The CSV's lines when every one has as many cells as the header and a first cell that
    is not blank, and there are not too many (nothing for the line loop to decide)."""
    if len(table) > max_rows or (table and set(map(len, table)) != {width}):
        return None
    if width == 0 or not all(map(str.strip, (cells[0] for cells in table))):
        return None
    return table


def _read(data: bytes, fmt: str, decimal: str, header: list[str], table: list[list[Any]],
          body: list[tuple[int, list[Any]]], wide: dict[int, str]) -> ActivityFile:
    """The lines of ``table`` (``body``: the same in file order with their numbers, and the
    too wide lines; empty when the table's lines are the file's lines 2, 3...)."""
    names = [n for n in header if not n.startswith(RESULT_PREFIX)]
    index = {n: header.index(n) for n in names}
    columns: dict[str, list[Any]] = (
        {n: list(col) for n, col in zip(header, zip(*table, strict=True), strict=True)
         if n in index} if table else {n: [] for n in names}
    )
    judged = _judge(columns, len(table), decimal)
    clean: list[bool] = judged.pop("clean")
    if not body:  # the table's lines are the file's lines 2, 3...
        line_nos = list(range(2, len(table) + 2))
    else:
        line_nos = [line_no for i, (line_no, _) in enumerate(body) if i not in wide] if wide \
            else [line_no for line_no, _ in body]
    good = LineColumns(line_nos, {name: judged[name] for name in LINE_FIELDS})

    if not wide and all(clean):
        if len(set(zip(judged["gpc_ref"], judged["activity"], strict=True))) == len(line_nos):
            # nothing to word: the lines stay columns
            return ActivityFile(fmt=fmt, sha256=hashlib.sha256(data).hexdigest(),
                                errors=ErrorLog(), columns=good)
    built = good.parsed_lines()
    if not body:
        body = list(enumerate(table, start=2))

    errors = ErrorLog()
    lines: list[ParsedLine] = []
    seen: dict[tuple[str, str], int] = {}
    row = 0
    for i, (line_no, cells) in enumerate(body):
        if i in wide:
            errors.append(wide[i])
            continue
        if clean[row]:
            parsed = built[row]
        else:
            record = {n: cells[j] for n, j in index.items()}
            parsed = _parse_row(line_no, record, decimal, errors)
        row += 1
        lines.append(parsed)
        if "gpc_ref" in parsed.bad or "activity" in parsed.bad:
            continue
        key = (parsed.gpc_ref, parsed.activity)
        if key in seen:
            errors.append(f"line {line_no}, column activity: duplicate of line {seen[key]} "
                          f"(same gpc_ref and activity)")
            parsed.bad = parsed.bad | {"activity"}
            continue
        seen[key] = line_no
    return ActivityFile(fmt=fmt, sha256=hashlib.sha256(data).hexdigest(), lines=lines,
                        errors=errors)


def _fast_rows(data: bytes, fmt: str, decimal: str,
               rows: Iterator[tuple[int, list[Any]]]) -> Iterable[tuple[int, list[Any]]]:
    """A CSV's rows read at once, numbered by their place, when no cell spans lines (as many
    records as physical lines); otherwise, or when the reader objects, ``rows`` as given."""
    if fmt != "csv":
        return rows
    text = data.decode("utf-8-sig")
    if "\r" in text:
        return rows
    delimiter = max((",", ";", "\t"), key=text.split("\n", 1)[0].count)  # as read_table
    if '"' not in text and "\0" not in text:
        # nothing quoted: a record is a line split at the delimiter, as csv reads it
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        return _Records([line.split(delimiter) for line in lines])
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                  strict=True))
    except csv.Error:
        return rows
    physical = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    if len(records) != physical:
        return rows
    return _Records(records)


class _Records:
    """A CSV's records, each one physical line: numbered by their place."""

    def __init__(self, records: list[list[str]]):
        self.records = records
        self._rows = enumerate(records, start=1)

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        return self._rows


class _Text:
    """A text column factorised: its distinct cells judged once, the verdicts as arrays."""

    def __init__(self, cells: list[Any] | None, n: int):
        if cells is None:
            cells = [""] * n
        codes, uniques = pd.factorize(pd.Series(cells, dtype=object), sort=False,
                                       use_na_sentinel=False)
        self.codes = codes
        self.uniques: list[Any] = list(uniques)
        # a workbook's number or date cell: the per-line path reads it
        typed = np.fromiter((type(u) is not str for u in self.uniques), bool,
                            len(self.uniques))
        self.typed = typed[codes] if typed.any() else np.zeros(n, bool)
        self.text = [u.strip() if type(u) is str else "" for u in self.uniques]

    def each(self, texts: list[Any]) -> list[Any]:
        """Per line, the value ``texts`` gives each distinct cell."""
        if not texts:
            return []
        each = np.empty(len(texts), object)
        each[:] = texts
        spread: list[Any] = each[self.codes].tolist()
        return spread

    def where(self, verdicts: list[bool]) -> np.ndarray:
        """Per line, the verdict each distinct cell got."""
        if not verdicts:
            return np.zeros(len(self.codes), bool)
        spread: np.ndarray = np.asarray(verdicts, bool)[self.codes]
        return spread


def _numbers(cells: list[Any] | None, n: int, decimal: str) -> tuple[list[Any], np.ndarray,
                                                                        np.ndarray, np.ndarray]:
    """(values with None for an empty cell, present, bad, negative) as ``parsing._number``
    reads the cells: the same text to ``float``, so the same value."""
    present = np.zeros(n, bool)
    bad = np.zeros(n, bool)
    negative = np.zeros(n, bool)
    if cells is None:
        return [None] * n, present, bad, negative
    column = np.asarray(cells, dtype=object) if n else np.zeros(0, object)
    idx = np.flatnonzero(column != "")
    if not len(idx):
        return [None] * n, present, bad, negative
    vals = column[idx].tolist()
    try:
        joined = "\x00".join(vals)
    except TypeError:  # a workbook's typed cell: the per-line path reads it
        joined = None
    if joined is not None and decimal == "." and " " not in joined \
            and "\u00a0" not in joined:
        # float() strips what str.strip() strips: the text _number hands it, read the same
        try:
            floats = list(map(float, vals))
        except ValueError:
            floats = _each_float(vals, idx, bad)
        empty = np.zeros(len(vals), bool)
    else:
        read = [_number_text(v, decimal) for v in vals]
        texts = [t if t is not None else "" for t in read]
        for i, t in enumerate(read):
            if t is None:
                bad[idx[i]] = True
        floats = _each_float(texts, idx, bad, blank_ok=True)
        empty = np.fromiter((t == "" for t in texts), bool, len(texts))
    arr = np.asarray(floats, float)
    finite = np.isfinite(arr)
    bad[idx[~finite & ~empty]] = True
    present[idx[finite & ~empty]] = True
    present &= ~bad
    negative[idx[finite & (arr < 0)]] = True
    out = np.full(n, None, dtype=object)
    keep = ~empty
    out[idx[keep]] = np.asarray(floats, dtype=object)[keep]
    return out.tolist(), present, bad, negative


def _number_text(value: Any, decimal: str) -> str | None:
    """The text ``parsing._number`` hands to ``float`` (None for a typed cell)."""
    if type(value) is not str:
        return None
    t = value.strip().replace("\u00a0", "").replace(" ", "")
    return t.replace(".", "").replace(",", ".") if decimal == "," else t


def _each_float(texts: list[str], idx: np.ndarray, bad: np.ndarray, *,
                blank_ok: bool = False) -> list[float]:
    floats = []
    for i, t in enumerate(texts):
        if blank_ok and t == "":
            floats.append(math.nan)
            continue
        try:
            floats.append(float(t))
        except ValueError:
            bad[idx[i]] = True
            floats.append(math.nan)
    return floats


def _judge(columns: dict[str, list[Any]], n: int, decimal: str) -> dict[str, Any]:
    """Every cell's value and, per line, whether every rule of ``parsing._parse_row`` holds
    (``clean``)."""
    out: dict[str, Any] = {}
    doubt = np.zeros(n, bool)
    text = {name: _Text(columns.get(name), n) for name in (
        "gpc_ref", "unit", "fuel", "ef_unit", "notation_key", "explanation", "ie_ref",
        "data_quality", "source", "ets", "ccc_sector", "ch4_origin")}
    for t in text.values():
        doubt |= t.typed

    taxonomy = gpc.taxonomy()
    ref = text["gpc_ref"]
    out["gpc_ref"] = ref.each(ref.text)
    doubt |= ~ref.where([r in taxonomy for r in ref.text])
    afolu = ref.where([r in taxonomy and taxonomy[r].sector == "V" for r in ref.text])

    activity = columns.get("activity") or [""] * n
    if any(type(a) is not str for a in activity):
        doubt |= np.fromiter((type(a) is not str for a in activity), bool, n)
        activity = [a if type(a) is str else "" for a in activity]
    out["activity"] = [a.strip() for a in activity]
    lengths = np.fromiter(map(len, out["activity"]), np.int64, n)
    doubt |= (lengths == 0) | (lengths > 300)

    numbers = {}
    for name in NUMBER_COLUMNS:
        values, present, bad, negative = _numbers(columns.get(name), n, decimal)
        out[name] = values
        numbers[name] = present
        doubt |= bad
        doubt |= negative & ~afolu if name == "co2e" else negative

    def parses(texts: list[str]) -> list[bool]:
        verdicts = []
        for t in texts:
            try:
                parse_unit(t)
                verdicts.append(True)
            except UnitError:
                verdicts.append(False)
        return verdicts

    unit = text["unit"]
    out["unit"] = unit.each(unit.text)
    has_unit = unit.where([t != "" for t in unit.text])
    doubt |= has_unit & ~unit.where(parses(unit.text))
    amount = numbers["amount"]
    doubt |= amount != has_unit

    fuel, ef_unit = text["fuel"], text["ef_unit"]
    out["fuel"], out["ef_unit"] = fuel.each(fuel.text), ef_unit.each(ef_unit.text)
    has_fuel = fuel.where([t != "" for t in fuel.text])
    has_ef_unit = ef_unit.where([t != "" for t in ef_unit.text])
    inline = numbers["ef_co2"] | numbers["ef_ch4"] | numbers["ef_n2o"]
    doubt |= has_fuel & inline
    doubt |= inline & ~(has_ef_unit & ef_unit.where(parses(ef_unit.text)))
    doubt |= ~inline & has_ef_unit
    has_factor = has_fuel | inline
    doubt |= has_factor & ~amount

    gas_present = np.zeros(n, bool)
    for gas in GAS_COLUMNS:
        gas_present |= numbers[gas]
    direct = gas_present | numbers["co2e"]
    doubt |= has_factor & direct

    key, explanation, ie_ref = text["notation_key"], text["explanation"], text["ie_ref"]
    key_text = [t.upper() for t in key.text]
    out["notation_key"] = key.each(key_text)
    out["explanation"] = explanation.each(explanation.text)
    out["ie_ref"] = ie_ref.each(ie_ref.text)
    has_key = key.where([t != "" for t in key_text])
    has_ie = ie_ref.where([t != "" for t in ie_ref.text])
    doubt |= has_key & ~key.where([t in _KEYS for t in key_text])
    doubt |= has_key & ~explanation.where([t != "" for t in explanation.text])
    doubt |= has_key & (has_factor | direct)
    is_ie = key.where([t == "IE" for t in key_text])
    doubt |= is_ie & ~ie_ref.where([t in taxonomy for t in ie_ref.text])
    if is_ie.any():
        refs = np.asarray(out["gpc_ref"], object)
        doubt |= is_ie & (np.asarray(out["ie_ref"], object) == refs)
    doubt |= ~has_key & has_ie
    doubt |= ~has_key & ~(has_factor | direct)

    quality = text["data_quality"]
    lowered = [t.lower() for t in quality.text]
    doubt |= ~quality.where([t == "" or t in _QUALITY for t in lowered])
    out["data_quality"] = quality.each([_QUALITY.get(t, "") for t in lowered])
    source = text["source"]
    out["source"] = source.each(source.text)
    ets = text["ets"]
    lowered = [t.lower() for t in ets.text]
    doubt |= ~ets.where([t in _BOOL for t in lowered])
    out["ets"] = ets.each([_BOOL.get(t, False) for t in lowered])
    ccc = text["ccc_sector"]
    lowered = [t.lower() for t in ccc.text]
    doubt |= ~ccc.where([t == "" or t in _CCC for t in lowered])
    out["ccc_sector"] = ccc.each(lowered)
    origin = text["ch4_origin"]
    lowered = [t.lower() for t in origin.text]
    doubt |= ~origin.where([t in ("", "fossil", "non-fossil") for t in lowered])
    out["ch4_origin"] = origin.each(lowered)
    for name in ("gpc_ref", "activity"):
        if name not in columns:
            doubt[:] = True
    out["clean"] = (~doubt).tolist()
    return out


__all__ = ["REQUIRED", "read_activity_columns"]
