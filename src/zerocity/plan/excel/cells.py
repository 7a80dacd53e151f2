"""Reading a sheet's cells: each value checked against its column, each problem as
``Sheet!row N, column "Header": reason``."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from zerocity.plan.excel.columns import CENT, MAX_MONEY, YEARS, Column
from zerocity.plan.scenario import parse_effects


def blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _show(raw: Any) -> str:
    if isinstance(raw, str):
        return repr(raw.strip())
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.isoformat(sep=" ")
    return str(raw)


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == time(0) else raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw)


def _number(raw: Any) -> float:
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip().replace("\u00a0", "").replace(" ", ""))
        except ValueError:
            raise ValueError(f"{_show(raw)} is not a number") from None
    else:
        raise ValueError(f"{_show(raw)} is not a number")
    if not math.isfinite(value):
        raise ValueError(f"{_show(raw)} is not a finite number")
    return value


def _year(raw: Any) -> int:
    try:
        value = _number(raw)
    except ValueError:
        raise ValueError(f"{_show(raw)} is not a year") from None
    if not value.is_integer() or not YEARS[0] <= value <= YEARS[1]:
        raise ValueError(f"{_show(raw)} is not a year ({YEARS[0]}-{YEARS[1]})")
    return int(value)


def _decimal(value: float) -> Decimal:
    return Decimal(repr(value)) if not value.is_integer() else Decimal(int(value))


def _money(raw: Any) -> Decimal:
    value = _number(raw)
    if value < 0:
        raise ValueError(f"{_show(raw)} cannot be negative")
    money = _decimal(value).quantize(CENT, ROUND_HALF_UP)
    if money >= MAX_MONEY:
        raise ValueError(f"{_show(raw)} is too large (at most 999,999,999,999.99)")
    return money


def _share(raw: Any) -> Decimal:
    if isinstance(raw, str) and raw.strip().endswith("%"):
        value = _number(raw.strip()[:-1]) / 100
    else:
        value = _number(raw)
    if not 0.01 <= value <= 1:
        raise ValueError(f"{_show(raw)} is not a share between 0.01 and 1 (1 % to 100 %)")
    return _decimal(value).quantize(Decimal("0.001"), ROUND_HALF_UP)


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        if raw.time() != time(0):
            raise ValueError(f"{_show(raw)} has a time of day; give a date")
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise ValueError(f"{_show(raw)} is not a date (YYYY-MM-DD)")


def _effects(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, str):
        raise ValueError(f"{_show(raw)} is not JSON text (a list of effects)")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} at character {exc.pos + 1}") from None
    if not isinstance(value, list):
        raise ValueError('must be a JSON list of effects, e.g. [{"type": "reduce_demand", ...}]')
    parse_effects(value)  # EffectError (a ValueError) names the effect and the problem
    return value


def _codes(raw: Any) -> list[str]:
    out: list[str] = []
    for part in re.split(r"[,;\n]", _text(raw)):
        if part.strip() and part.strip() not in out:
            out.append(part.strip())
    return out


def _convert(col: Column, raw: Any) -> Any:
    """The cell's value for ``col``; raises ValueError with the reason it cannot be read."""
    if blank(raw):
        return {"text": "", "id": "", "effects": [], "codes": []}.get(col.kind)
    if col.kind in ("text", "id"):
        text = _text(raw).strip() if col.kind == "id" else _text(raw)
        if col.max_length and len(text) > col.max_length:
            raise ValueError(f"longer than {col.max_length} characters")
        return text
    if col.kind in ("number", "signed"):
        value = _number(raw)
        if value < 0 and col.kind == "number":
            raise ValueError(f"{_show(raw)} cannot be negative")
        return value
    converters: dict[str, Callable[[Any], Any]] = {
        "year": _year, "money": _money, "share": _share, "date": _date, "effects": _effects,
        "codes": _codes}
    return converters[col.kind](raw)


Record = dict[str, Any]  # column key -> value, and "_row": the sheet's row number


def header_text(raw: Any) -> str:
    return " ".join(_text(raw).split())


def read_sheet(ws: Worksheet | None, name: str, columns: tuple[Column, ...],
                errors: list[str], dynamic: Callable[[str], Column | None] | None = None
                ) -> tuple[list[Record], frozenset[str]] | None:
    """The sheet's data rows read against its columns, and the keys of the columns its header
    has; None when the sheet is missing or empty. A wrong header (a column unknown, named
    twice or missing) is reported on row 1 and the rows are still read against the sound
    columns, so that their cells' mistakes come in the same answer. A row with a bad cell is
    still returned (without that cell), so the checks across rows and sheets see its code;
    its error is already in ``errors``."""
    if ws is None:
        errors.append(f"{name}!row 1, column -: required sheet is missing")
        return None
    rows = ws.iter_rows(values_only=True)
    header = list(next(rows, ()))
    while header and blank(header[-1]):
        header.pop()
    if not header:
        errors.append(f"{name}!row 1, column -: the sheet is empty (no header row)")
        return None
    by_header = {c.header.casefold(): c for c in columns}
    present: dict[int, Column] = {}
    ignored: set[int] = set()  # columns whose header has its message: no message per cell
    seen: set[str] = set()
    for i, raw in enumerate(header):
        if blank(raw):
            continue
        text = header_text(raw)
        col = by_header.get(text.casefold()) or (dynamic(text) if dynamic else None)
        if col is None:
            known = ", ".join(c.header for c in columns)
            extra = ", Target YYYY" if dynamic else ""
            errors.append(f'{name}!row 1, column "{text}": unknown column; known columns are '
                          f"{known}{extra}")
            ignored.add(i)
        elif col.key in seen:
            errors.append(f'{name}!row 1, column "{col.header}": column appears twice')
            ignored.add(i)
        else:
            seen.add(col.key)
            present[i] = col
    for c in columns:
        if c.required and c.key not in seen:
            errors.append(f'{name}!row 1, column "{c.header}": required column is missing')
    records = []
    for number, cells in enumerate(rows, start=2):
        if all(blank(c) for c in cells):
            continue
        rec: Record = {"_row": number}
        for i, raw in enumerate(cells):
            col = present.get(i)
            if col is None:
                if i not in ignored and not blank(raw):
                    errors.append(f"{name}!row {number}, column {get_column_letter(i + 1)}: "
                                  "a value in a column without a header")
                continue
            try:
                value = _convert(col, raw)
            except ValueError as exc:
                errors.append(f'{name}!row {number}, column "{col.header}": {exc}')
                continue
            if col.required and value in (None, ""):
                errors.append(f'{name}!row {number}, column "{col.header}": required')
                continue
            rec[col.key] = value
        records.append(rec)
    return records, frozenset(seen)

