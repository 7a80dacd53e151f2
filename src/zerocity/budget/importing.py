"""Reading a budget file (CSV or xlsx) in the columns of research §2.3 into checked rows.

Every mistake is collected as ``line N, column "name": reason`` so that the finance office
fixes them all at once; nothing is stored while one remains (services.import_budget).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext

from zerocity.budget.calculations import CENT, HUNDRED, TAGS, in_scope
from zerocity.core.errors import Conflict

COLUMNS = ("pu_code", "pu_name", "ppp", "gpr", "ppr", "pp_code", "pp_name", "konto", "cofog",
           "nrp_code", "nrp_name", "amount_eur", "funding_source")
OPTIONAL = ("mitig_tag", "adapt_tag", "split_pct", "ccc_action_id", "rationale",
            "scope_override")
REQUIRED_VALUES = ("pu_code", "pp_code", "konto", "amount_eur")
DIGITS = {"ppp": (2, 2), "gpr": (4, 4), "ppr": (8, 8), "konto": (3, 8)}


class ImportRejected(Conflict):
    """A file refused whole: ``errors`` lists every mistake, one sentence each."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(gettext("The file was refused and nothing was imported:") + " "
                         + "; ".join(errors))


@dataclass
class Row:
    row: int
    values: dict[str, str]
    amount: Decimal
    mitigation: dict[str, Decimal] = field(default_factory=dict)
    adaptation: dict[str, Decimal] = field(default_factory=dict)


def _where(line: int, column: str) -> str:
    return gettext('line %(line)s, column "%(column)s"') % {"line": line, "column": column}


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The file's rows as text cells: xlsx by openpyxl (first sheet), else CSV in UTF-8
    (comma or semicolon)."""
    if filename.lower().endswith(".json"):
        return _json_table(data, filename)
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
            raise ImportRejected([gettext("%(file)s is not an xlsx workbook") %
                                  {"file": filename}]) from exc
        sheet = book.worksheets[0]
        return [["" if c is None else _cell(c) for c in r]
                for r in sheet.iter_rows(values_only=True)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected([gettext("%(file)s is not text in UTF-8") %
                              {"file": filename}]) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [r for r in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _json_table(data: bytes, filename: str) -> list[list[str]]:
    """A JSON export: a list of objects with the columns as keys."""
    import json

    try:
        items = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportRejected([gettext("%(file)s is not JSON") % {"file": filename}]) from exc
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ImportRejected([gettext("%(file)s is not a list of budget lines")
                              % {"file": filename}])
    header: list[str] = []
    for item in items:
        header += [str(k) for k in item if str(k) not in header]
    return [header, *[["" if i.get(h) is None else _cell(i.get(h)) for h in header]
                      for i in items]]


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def parse_amount(text: str) -> Decimal | None:
    """Euros to the cent: ``1200000``, ``1200000.50``, ``1.200.000,50`` (Slovenian)."""
    t = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in t:
        t = t.replace(".", "").replace(",", ".")
    try:
        value = Decimal(t)
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(CENT):
        return None
    return value.quantize(CENT)


def parse_split(tags_text: str, pct_text: str) -> dict[str, Decimal]:
    """One axis's tags: ``favourable``, ``very_favourable:60;neutral:40``, or
    ``very_favourable;neutral`` with ``split_pct`` ``60;40``. Raises ValueError with the
    sentence to show."""
    parts = [p.strip() for p in re.split(r"[;|]", tags_text) if p.strip()]
    if not parts:
        return {}
    pcts = [p.strip() for p in re.split(r"[;|]", pct_text) if p.strip()]
    split: dict[str, Decimal] = {}
    for i, part in enumerate(parts):
        tag, _, pct = part.partition(":")
        tag = tag.strip()
        if tag not in TAGS:
            raise ValueError(gettext("%(tag)s is not a tag; write one of %(tags)s")
                             % {"tag": tag, "tags": ", ".join(TAGS)})
        if tag in split:
            raise ValueError(gettext("%(tag)s is named twice") % {"tag": tag})
        if not pct and len(parts) == 1:
            pct = "100"
        elif not pct:
            pct = pcts[i] if len(pcts) == len(parts) else ""
        try:
            value = Decimal(pct.replace(",", ".").rstrip("%"))
        except InvalidOperation:
            raise ValueError(gettext("give a percentage for each tag of a split")) from None
        if not value.is_finite() or value <= 0:
            raise ValueError(gettext("a tag's percentage must be above 0"))
        split[tag] = value
    check_split(split)
    return split


def check_split(split: dict[str, Decimal]) -> None:
    total = sum(split.values(), Decimal(0))
    if split and total != HUNDRED:
        raise ValueError(gettext("the percentages add up to %(total)s, not 100")
                         % {"total": f"{total.normalize():f}"})


def parse_rows(table: list[list[str]]) -> list[Row]:
    if not table:
        raise ImportRejected([gettext("the file is empty")])
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h and h not in COLUMNS + OPTIONAL]
    if missing or unknown:
        raise ImportRejected(
            [gettext('line 1: column "%(column)s" is missing') % {"column": c} for c in missing]
            + [gettext('line 1, column "%(column)s": not a column of a budget file')
               % {"column": c} for c in unknown])
    rows: list[Row] = []
    errors: list[str] = []
    for n, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)
                  if h}
        bad = False
        for column in REQUIRED_VALUES:
            if not values.get(column):
                errors.append(_where(n, column) + ": " + gettext("empty"))
                bad = True
        for column, (low, high) in DIGITS.items():
            v = values.get(column, "")
            if column != "konto" and v.isdigit() and len(v) < low:
                # a spreadsheet drops a programme code's leading zero (06 -> 6)
                v = values[column] = v.zfill(low)
            if v and not (v.isdigit() and low <= len(v) <= high):
                errors.append(_where(n, column) + ": " + gettext(
                    "%(value)s is not a code of %(low)s to %(high)s digits")
                    % {"value": v, "low": low, "high": high})
                bad = True
        amount = parse_amount(values.get("amount_eur", "")) if values.get("amount_eur") else None
        if values.get("amount_eur") and amount is None:
            errors.append(_where(n, "amount_eur") + ": " + gettext(
                "%(value)s is not an amount in euros to the cent")
                % {"value": values["amount_eur"]})
            bad = True
        row = Row(n, values, amount or Decimal(0))
        for axis, column in (("mitigation", "mitig_tag"), ("adaptation", "adapt_tag")):
            try:
                setattr(row, axis, parse_split(values.get(column, ""),
                                               values.get("split_pct", "")))
            except ValueError as exc:
                errors.append(_where(n, column) + ": " + str(exc))
                bad = True
        konto = values.get("konto", "")
        if konto and not in_scope(konto) and (row.mitigation or row.adaptation) \
                and not values.get("scope_override"):
            errors.append(_where(n, "mitig_tag" if row.mitigation else "adapt_tag") + ": "
                          + gettext("konto %(konto)s is out of scope; tag it only with the "
                                    "reason for the override in the column "
                                    "scope_override") % {"konto": konto})
            bad = True
        if not bad:
            rows.append(row)
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected([gettext("the file has no budget lines")])
    return rows


def parse_totals(table: list[list[str]]) -> dict[str, Decimal]:
    """A decree's totals: columns ``group`` (two digits, e.g. 40) and ``amount_eur``."""
    if not table or [h.strip().lower() for h in table[0]][:2] != ["group", "amount_eur"]:
        raise ImportRejected([gettext('line 1: the totals file needs the columns "group" and '
                                      '"amount_eur"')])
    totals: dict[str, Decimal] = {}
    errors: list[str] = []
    for n, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        group = cells[0].strip()
        amount = parse_amount(cells[1]) if len(cells) > 1 else None
        if not (group.isdigit() and len(group) == 2):
            errors.append(_where(n, "group") + ": " + gettext(
                "%(value)s is not an account group of two digits") % {"value": group})
        elif amount is None:
            errors.append(_where(n, "amount_eur") + ": " + gettext(
                "not an amount in euros to the cent"))
        else:
            totals[group] = amount
    if errors:
        raise ImportRejected(errors)
    return totals
