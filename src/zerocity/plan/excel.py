"""The action plan as an .xlsx workbook that people edit and send back.

``export_plan`` writes one sheet per table: the plan, the actions with every field of the CCC
action outline (B-2.2), their yearly costs (C-3.1, the investment plan), milestones, the MEL
indicators (B-3) with their targets, observations, and the vocabularies (read-only).
``import_plan`` reads such a workbook back under the house rules of the inventory import:
every problem is reported as ``Sheet!row N, column "Header": reason``, a workbook with any
error is refused whole (``ImportRejected``) and nothing is stored, and sending the same
workbook again writes nothing and records nothing.

How the workbook is applied:

* a row of Actions or Indicators creates or updates that action or indicator; one that is in
  the plan but not in the workbook is kept and named in a warning (deleting an action is not
  something a missing spreadsheet row should do);
* the reductions, costs and milestones of an action in the Actions sheet, and the targets and
  linked actions of an indicator in the Indicators sheet, become exactly what the workbook
  lists: a cost row whose funding source was renamed must replace the old row, not double it;
* observations are added or corrected through ``services.record_observation`` (each audited);
  one not in the workbook is kept;
* a column left out of a sheet leaves that field as it is (Code, Name and the other required
  columns excepted); the Fields, Levers and Departments sheets are for reading only.

A refused workbook is not kept in quarantine: the inventory's quarantine (``RejectedImport``)
is keyed by inventory year and shown as refused activity-data files, so it is no place for it.
"""

from __future__ import annotations

import io
import json
import math
import re
import warnings
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.models import Department
from zerocity.inventory.parsing import ImportRejected
from zerocity.plan import services
from zerocity.plan.calculations import FIELD_ROWS, SECTORS
from zerocity.plan.models import (
    Action,
    ActionCost,
    ActionReduction,
    FieldOfAction,
    Indicator,
    IndicatorTarget,
    Milestone,
    Observation,
    Plan,
    SystemicLever,
)
from zerocity.plan.scenario import parse_effects

REDUCTION_SECTORS = (*SECTORS, *FIELD_ROWS)
_SECTOR_LABELS = {"ippu": "IPPU", "afolu": "AFOLU", "energy_systems": "energy systems"}
MAX_MONEY = Decimal("1e12")  # DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")
YEARS = (1900, 2100)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    # id: short text, trimmed; text: free text as written; year; number: >= 0; signed;
    # money: EUR >= 0; share: 0.01-1; date; effects: JSON list; codes: comma-separated
    kind: str = "text"
    required: bool = False
    max_length: int = 0
    width: int = 16


def _reduction_column(sector: str) -> Column:
    label = _SECTOR_LABELS.get(sector, sector)
    return Column(f"reduction:{sector}", f"Reduction {label} (tCO2e)", "number", width=14)


PLAN_COLUMNS = (
    Column("city", "City", "id", width=12),
    Column("title", "Title", "text", required=True, max_length=300, width=60),
    Column("baseline_year", "Baseline year", "year", width=14),
    Column("target_year", "Target year", "year", required=True, width=12),
    Column("reduction_target", "Reduction target", "share", required=True, width=16),
)
ACTION_COLUMNS = (
    Column("code", "Code", "id", required=True, max_length=20, width=9),
    Column("name", "Name", "text", required=True, max_length=300, width=45),
    Column("action_type", "Type", "text", max_length=200),
    Column("description", "Description", "text", width=60),
    Column("field", "Field of action", "id", required=True, width=24),
    Column("lever", "Lever", "id", width=24),
    Column("outcome", "Outcome", "text", width=30),
    Column("department", "Department", "id", width=16),
    Column("responsible_body", "Responsible body", "text", max_length=300, width=24),
    Column("responsible_person", "Responsible person", "text", max_length=200, width=20),
    Column("stakeholders", "Stakeholders", "text", width=24),
    Column("scale", "Scale", "text", max_length=300),
    Column("start_year", "Start year", "year", width=10),
    Column("end_year", "End year", "year", width=10),
    Column("energy_generated_mwh", "Energy generated (MWh)", "number", width=14),
    Column("energy_substituted", "Energy substituted", "text", width=30),
    Column("sinks_tco2e", "Sinks (tCO2e)", "number", width=12),
    Column("total_cost_eur", "Total cost (EUR)", "money", width=16),
    *(_reduction_column(s) for s in REDUCTION_SECTORS),
    Column("effects", "Effects (JSON)", "effects", width=50),
)
COST_COLUMNS = (
    Column("action", "Action code", "id", required=True, width=12),
    Column("year", "Year", "year", required=True, width=8),
    Column("capex_eur", "Capex (EUR)", "money", width=16),
    Column("opex_eur", "Opex (EUR)", "money", width=16),
    Column("funding_source", "Funding source", "text", max_length=200, width=36),
)
MILESTONE_COLUMNS = (
    Column("action", "Action code", "id", required=True, width=12),
    Column("name", "Name", "text", required=True, max_length=300, width=50),
    Column("due", "Due", "date", required=True, width=12),
    Column("done", "Done", "date", width=12),
)
INDICATOR_COLUMNS = (
    Column("code", "Code", "id", required=True, max_length=20, width=10),
    Column("name", "Name", "text", required=True, max_length=300, width=45),
    Column("unit", "Unit", "text", required=True, max_length=50, width=10),
    Column("definition", "Definition", "text", width=40),
    Column("calculation", "Calculation", "text", width=30),
    Column("data_source", "Data source", "text", max_length=300, width=24),
    Column("interval", "Interval", "text", max_length=100, width=20),
    Column("baseline_year", "Baseline year", "year", width=12),
    Column("baseline_value", "Baseline value", "signed", width=12),
    # then one "Target YYYY" column per year (``_target_column``)
    Column("actions", "Actions", "codes", width=20),
)
OBSERVATION_COLUMNS = (
    Column("indicator", "Indicator code", "id", required=True, width=14),
    Column("year", "Year", "year", required=True, width=8),
    Column("value", "Value", "signed", required=True, width=12),
    Column("source", "Source", "text", max_length=300, width=36),
)
SHEETS = ("Plan", "Actions", "Costs", "Milestones", "Indicators", "Observations")
VOCABULARY_SHEETS = ("Fields", "Levers", "Departments")
_TARGET = re.compile(r"target (\d{4})")
_FORMATS = {"year": "0", "number": "General", "signed": "General", "money": "#,##0.00",
            "share": "0.0%", "date": "yyyy-mm-dd"}
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _target_column(header: str) -> Column | None:
    match = _TARGET.fullmatch(header.casefold())
    if match is None or not YEARS[0] <= int(match.group(1)) <= YEARS[1]:
        return None
    return Column(f"target:{match.group(1)}", f"Target {match.group(1)}", "signed", width=11)


# -- export ------------------------------------------------------------------------------------

def _clean(text: str) -> str:
    """Text as a cell keeps it: line ends become \\n and control characters are dropped."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))


def _sheet(wb: Workbook, title: str, columns: tuple[Column, ...], rows: list[list[Any]],
           *, freeze: str = "A2") -> Worksheet:
    ws = wb.create_sheet(title)
    assert isinstance(ws, Worksheet)
    for col, c in enumerate(columns, start=1):
        cell = ws.cell(1, col, c.header)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(col)].width = c.width
    ws.freeze_panes = freeze
    for r, values in enumerate(rows, start=2):
        for col, (c, value) in enumerate(zip(columns, values, strict=True), start=1):
            if value is None or value == "":
                continue
            cell = ws.cell(r, col, _clean(value) if isinstance(value, str) else value)
            if c.kind in _FORMATS:
                cell.number_format = _FORMATS[c.kind]
    return ws


def _pick_list(ws: Worksheet, column: int, source: str, count: int, *, blank: bool) -> None:
    if not count:
        return
    dv = DataValidation(type="list", formula1=f"={source}!$A$2:$A${count + 1}",
                        allow_blank=blank, showErrorMessage=True)
    letter = get_column_letter(column)
    dv.add(f"{letter}2:{letter}{max(1000, ws.max_row + 200)}")
    ws.add_data_validation(dv)


def _by_parent(rows: Any, parent: str) -> defaultdict[int, list[Any]]:
    """Child rows grouped by their parent's id, in the model's order: one query per table."""
    out: defaultdict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[getattr(row, f"{parent}_id")].append(row)
    return out


def export_plan(plan: Plan) -> bytes:
    """The plan as an .xlsx workbook that ``import_plan`` reads back unchanged."""
    city = plan.city
    # sorted here, not by the database, so the rows are the same on every database collation
    actions = sorted(Action.objects.filter(plan=plan).select_related(
        "field", "lever", "department"), key=lambda a: a.code)
    reductions = _by_parent(ActionReduction.objects.filter(action__plan=plan), "action")
    costs = _by_parent(ActionCost.objects.filter(action__plan=plan), "action")
    milestones = _by_parent(Milestone.objects.filter(action__plan=plan), "action")
    indicators = sorted(Indicator.objects.filter(plan=plan).prefetch_related("actions"),
                        key=lambda i: i.code)
    targets = _by_parent(IndicatorTarget.objects.filter(indicator__plan=plan), "indicator")
    observations = _by_parent(Observation.objects.filter(indicator__plan=plan), "indicator")
    target_years = sorted({t.year for ts in targets.values() for t in ts})
    target_columns = [Column(f"target:{y}", f"Target {y}", "signed", width=11)
                      for y in target_years]
    fields = list(FieldOfAction.objects.filter(city=city).order_by("slug"))
    levers = list(SystemicLever.objects.filter(city=city).order_by("slug"))
    departments = list(Department.objects.filter(city=city).order_by("slug"))

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    _sheet(wb, "Plan", PLAN_COLUMNS, [[city.slug, plan.title, plan.baseline.year,
                                       plan.target_year, plan.reduction_target]])
    action_rows = []
    for a in actions:
        tco2e = {r.sector: r.tco2e for r in reductions[a.pk]}
        action_rows.append([
            a.code, a.name, a.action_type, a.description, a.field.slug,
            a.lever.slug if a.lever else "", a.outcome,
            a.department.slug if a.department else "", a.responsible_body,
            a.responsible_person, a.stakeholders, a.scale, a.start_year, a.end_year,
            a.energy_generated_mwh, a.energy_substituted, a.sinks_tco2e, a.total_cost_eur,
            *(tco2e.get(s) for s in REDUCTION_SECTORS),
            json.dumps(a.effects, ensure_ascii=False) if a.effects else "",
        ])
    ws = _sheet(wb, "Actions", ACTION_COLUMNS, action_rows, freeze="C2")
    keys = [c.key for c in ACTION_COLUMNS]
    _pick_list(ws, keys.index("field") + 1, "Fields", len(fields), blank=False)
    _pick_list(ws, keys.index("lever") + 1, "Levers", len(levers), blank=True)
    _pick_list(ws, keys.index("department") + 1, "Departments", len(departments), blank=True)
    _sheet(wb, "Costs", COST_COLUMNS, [
        [a.code, c.year, c.capex_eur, c.opex_eur, c.funding_source]
        for a in actions
        for c in sorted(costs[a.pk], key=lambda c: (c.year, c.funding_source))])
    _sheet(wb, "Milestones", MILESTONE_COLUMNS, [
        [a.code, m.name, m.due, m.done] for a in actions for m in milestones[a.pk]])
    columns = (*INDICATOR_COLUMNS[:-1], *target_columns, INDICATOR_COLUMNS[-1])
    indicator_rows = []
    for i in indicators:
        by_year = {t.year: t.value for t in targets[i.pk]}
        indicator_rows.append([
            i.code, i.name, i.unit, i.definition, i.calculation, i.data_source, i.interval,
            i.baseline_year, i.baseline_value, *(by_year.get(y) for y in target_years),
            ", ".join(sorted(a.code for a in i.actions.all())),
        ])
    _sheet(wb, "Indicators", columns, indicator_rows, freeze="C2")
    _sheet(wb, "Observations", OBSERVATION_COLUMNS, [
        [i.code, o.year, o.value, o.source] for i in indicators for o in observations[i.pk]])
    vocabulary = (Column("slug", "Slug", "id", width=30), Column("name", "Name", width=50))
    for title, terms in (("Fields", fields), ("Levers", levers),
                         ("Departments", departments)):
        vs = _sheet(wb, title, vocabulary, [[t.slug, t.name] for t in terms])
        vs.protection.sheet = True  # a reference for the drop-down lists, not an input
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- reading cells -----------------------------------------------------------------------------

def _blank(raw: Any) -> bool:
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
    if _blank(raw):
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


def _header_text(raw: Any) -> str:
    return " ".join(_text(raw).split())


def _read_sheet(ws: Worksheet | None, name: str, columns: tuple[Column, ...],
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
    while header and _blank(header[-1]):
        header.pop()
    if not header:
        errors.append(f"{name}!row 1, column -: the sheet is empty (no header row)")
        return None
    by_header = {c.header.casefold(): c for c in columns}
    present: dict[int, Column] = {}
    ignored: set[int] = set()  # columns whose header has its message: no message per cell
    seen: set[str] = set()
    for i, raw in enumerate(header):
        if _blank(raw):
            continue
        text = _header_text(raw)
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
        if all(_blank(c) for c in cells):
            continue
        rec: Record = {"_row": number}
        for i, raw in enumerate(cells):
            col = present.get(i)
            if col is None:
                if i not in ignored and not _blank(raw):
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


# -- import ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    plan: Plan
    created: int
    updated: int
    deleted: int
    changes: tuple[str, ...]  # one line per record created, changed or removed
    warnings: tuple[str, ...]  # actions, indicators, observations kept though not in the file

    @property
    def unchanged(self) -> bool:
        return not self.changes

    def __str__(self) -> str:
        """One line for a person: what the import did."""
        n, w = len(self.changes), len(self.warnings)
        text = "unchanged" if not n else (
            f"{n} change{'' if n == 1 else 's'} ({self.created} new, {self.updated} changed, "
            f"{self.deleted} removed)")
        return text + (f", {w} warning{'' if w == 1 else 's'}" if w else "")


@dataclass
class _Book:
    plan: list[Record]
    actions: list[Record]
    costs: list[Record]
    milestones: list[Record]
    indicators: list[Record]
    observations: list[Record]
    target_keys: list[str]  # "target:YYYY" columns present in the Indicators sheet
    # the column keys each sheet's header has, for the sheets that could be read: a check
    # across sheets that needs a sheet or a column the workbook lacks stays quiet, since the
    # missing sheet or column has its message already
    columns: dict[str, frozenset[str]]

    def has(self, sheet: str, key: str) -> bool:
        return key in self.columns.get(sheet, ())


def _open(data: bytes, filename: str) -> tuple[dict[str, Worksheet], list[str]]:
    errors: list[str] = []
    try:
        with warnings.catch_warnings():  # openpyxl warns about extensions it does not read
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ImportRejected([f"{filename}: not a readable .xlsx workbook ({exc})"]) from exc
    known = {s.casefold(): s for s in (*SHEETS, *VOCABULARY_SHEETS)}
    sheets: dict[str, Worksheet] = {}
    for ws in wb.worksheets:
        name = known.get(ws.title.strip().casefold())
        if name is None:
            errors.append(f"{ws.title}!row 1, column -: unknown sheet; known sheets are "
                          f"{', '.join((*SHEETS, *VOCABULARY_SHEETS))}")
        elif name in sheets:
            errors.append(f"{ws.title}!row 1, column -: sheet appears twice")
        else:
            sheets[name] = ws
    return sheets, errors


def _parse(sheets: dict[str, Worksheet], errors: list[str]) -> _Book:
    """Every sheet read, whatever is wrong with the others; ``_check`` then runs on what was
    read, so one answer names a workbook's mistakes of every kind."""
    read = {
        name: _read_sheet(sheets.get(name), name, columns, errors,
                          _target_column if name == "Indicators" else None)
        for name, columns in zip(SHEETS, (PLAN_COLUMNS, ACTION_COLUMNS, COST_COLUMNS,
                                          MILESTONE_COLUMNS, INDICATOR_COLUMNS,
                                          OBSERVATION_COLUMNS), strict=True)}
    records = {name: r[0] if r is not None else [] for name, r in read.items()}
    targets = []
    ws = sheets.get("Indicators")
    for raw in next(ws.iter_rows(values_only=True, max_row=1), ()) if ws is not None else ():
        col = _target_column(_header_text(raw)) if not _blank(raw) else None
        if col is not None:
            targets.append(col.key)
    return _Book(plan=records["Plan"], actions=records["Actions"], costs=records["Costs"],
                 milestones=records["Milestones"], indicators=records["Indicators"],
                 observations=records["Observations"], target_keys=targets,
                 columns={name: r[1] for name, r in read.items() if r is not None})


def _duplicates(records: list[Record], key: Callable[[Record], Any], sheet: str, header: str,
                what: str, errors: list[str]) -> None:
    seen: dict[Any, int] = {}
    for rec in records:
        k = key(rec)
        # a part that could not be read has its own message; it is no duplicate of anything
        if k is None or (isinstance(k, tuple) and None in k):
            continue
        if k in seen:
            errors.append(f'{sheet}!row {rec["_row"]}, column "{header}": duplicate of row '
                          f"{seen[k]} ({what})")
        else:
            seen[k] = rec["_row"]


def _check(plan: Plan, book: _Book, errors: list[str]) -> None:
    """The checks that need the plan: one row in Plan, known slugs and codes, no duplicates,
    years in order."""
    city = plan.city
    if not book.plan and "Plan" in book.columns:
        errors.append("Plan!row 2, column -: the plan's row is missing")
    for rec in book.plan[1:]:
        errors.append(f"Plan!row {rec['_row']}, column -: the Plan sheet has one row, "
                      "the plan itself")
    for rec in book.plan[:1]:
        if rec.get("city") and rec["city"] != city.slug:
            errors.append(f'Plan!row {rec["_row"]}, column "City": this workbook is for '
                          f"{rec['city']!r}, not {city.slug!r}")
        if rec.get("baseline_year") not in (None, plan.baseline.year):
            errors.append(f'Plan!row {rec["_row"]}, column "Baseline year": the plan\'s '
                          f"baseline is the {plan.baseline.year} inventory; it cannot be "
                          "changed by an import")

    vocab = {
        "field": ("Field of action", "field of action",
                  set(FieldOfAction.objects.filter(city=city).values_list("slug", flat=True))),
        "lever": ("Lever", "lever",
                  set(SystemicLever.objects.filter(city=city).values_list("slug", flat=True))),
        "department": ("Department", "department",
                       set(Department.objects.filter(city=city).values_list("slug", flat=True))),
    }
    existing = {a.code: a for a in Action.objects.filter(plan=plan)}
    for rec in book.actions:
        n = rec["_row"]
        for key, (header, what, slugs) in vocab.items():
            if rec.get(key) and rec[key] not in slugs:
                errors.append(f'Actions!row {n}, column "{header}": unknown {what} '
                              f"{rec[key]!r}; known: {', '.join(sorted(slugs)) or 'none'}")
        current = existing.get(rec.get("code", ""))
        # a column left out keeps the stored year; a cell that could not be read has its own
        # message and is no year to compare
        start, end = (rec[k] if k in rec else None if book.has("Actions", k)
                      else getattr(current, k, None) for k in ("start_year", "end_year"))
        if start is not None and end is not None and end < start:
            errors.append(f'Actions!row {n}, column "End year": {end} is before the start '
                          f"year {start}")
    _duplicates(book.actions, lambda r: r.get("code"), "Actions", "Code", "same code", errors)
    codes = {r["code"] for r in book.actions if r.get("code")}
    actions_known = book.has("Actions", "code")
    for sheet, records in (("Costs", book.costs), ("Milestones", book.milestones)):
        for rec in records:
            if actions_known and rec.get("action") and rec["action"] not in codes:
                errors.append(f'{sheet}!row {rec["_row"]}, column "Action code": no action '
                              f"{rec['action']!r} in the Actions sheet")
    _duplicates(book.costs, lambda r: (r.get("action"), r.get("year"), r.get("funding_source",
                                                                              "")),
                "Costs", "Year", "same action, year and funding source", errors)
    _duplicates(book.milestones, lambda r: (r.get("action"), r.get("name")), "Milestones",
                "Name", "same action and name", errors)

    linkable = codes | set(existing)
    for rec in book.indicators:
        unknown = [c for c in rec.get("actions", []) if c not in linkable]
        if unknown and actions_known:
            errors.append(f'Indicators!row {rec["_row"]}, column "Actions": unknown action '
                          f"{', '.join(repr(c) for c in unknown)}")
    _duplicates(book.indicators, lambda r: r.get("code"), "Indicators", "Code", "same code",
                errors)
    indicators = {r["code"] for r in book.indicators if r.get("code")} | set(
        Indicator.objects.filter(plan=plan).values_list("code", flat=True))
    indicators_known = book.has("Indicators", "code")
    for rec in book.observations:
        if indicators_known and rec.get("indicator") and rec["indicator"] not in indicators:
            errors.append(f'Observations!row {rec["_row"]}, column "Indicator code": no '
                          f"indicator {rec['indicator']!r} in the Indicators sheet or the plan")
    _duplicates(book.observations, lambda r: (r.get("indicator"), r.get("year")),
                "Observations", "Year", "same indicator and year", errors)


def _fmt(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)[:60]
    return str(value)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, str) and isinstance(new, str):  # as a cell keeps it (see _clean)
        return _clean(old) == new or _clean(old).strip() == new == ""
    return bool(old == new)


class _Applier:
    """Writes what differs, and only that, noting each change."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.changes: list[str] = []
        self.counts = {"created": 0, "updated": 0, "deleted": 0}
        self.touched: set[int] = set()  # actions staff have reported on

    def note(self, kind: str, where: str, what: str) -> None:
        self.counts[kind] += 1
        self.changes.append(f"{where}: {what}")

    def update(self, obj: Any, values: dict[str, Any], labels: dict[str, str],
               shown: Callable[[str, Any], Any], where: str, what: str) -> bool:
        diff = {k: v for k, v in values.items() if not _same(getattr(obj, k), v)}
        if not diff:
            return False
        text = ", ".join(f"{labels.get(k, k)} {_fmt(shown(k, getattr(obj, k)))} -> "
                         f"{_fmt(shown(k, v))}" for k, v in diff.items())
        for k, v in diff.items():
            setattr(obj, k, v)
        obj.save(update_fields=list(diff))
        self.note("updated", where, f"{what}: {text}")
        return True

    def children(self, where: str, what: str, existing: dict[Any, Any],
                 wanted: dict[Any, dict[str, Any]], create: Callable[[Any, dict[str, Any]], Any],
                 labels: dict[str, str], rows: dict[Any, int]) -> bool:
        """Make a set of child rows (costs, milestones, targets) exactly ``wanted``."""
        changed = False
        for key, values in wanted.items():
            label = f"{what} {' '.join(str(k) for k in _tuple(key) if k != '')}"
            at = f"{where}!row {rows[key]}" if key in rows else where
            obj = existing.get(key)
            if obj is None:
                create(key, values)
                self.note("created", at, f"{label} new: "
                          + ", ".join(f"{labels.get(k, k)} {_fmt(v)}" for k, v in values.items()))
                changed = True
            else:
                changed |= self.update(obj, values, labels, _same_value, at, label)
        for key, obj in existing.items():
            if key not in wanted:
                obj.delete()
                label = f"{what} {' '.join(str(k) for k in _tuple(key) if k != '')}"
                self.note("deleted", where, f"{label} removed (not in the workbook)")
                changed = True
        return changed


def _tuple(key: Any) -> tuple[Any, ...]:
    return key if isinstance(key, tuple) else (key,)


_ACTION_FIELDS = ("name", "action_type", "description", "outcome", "responsible_body",
                  "responsible_person", "stakeholders", "scale", "start_year", "end_year",
                  "energy_generated_mwh", "energy_substituted", "sinks_tco2e",
                  "total_cost_eur", "effects")
_INDICATOR_FIELDS = ("name", "unit", "definition", "calculation", "data_source", "interval",
                     "baseline_year", "baseline_value")
_LABELS = {c.key: c.header for c in (*PLAN_COLUMNS, *ACTION_COLUMNS, *COST_COLUMNS,
                                     *MILESTONE_COLUMNS, *INDICATOR_COLUMNS)}
_LABELS |= {"field_id": "Field of action", "lever_id": "Lever", "department_id": "Department"}


def _new_reduction(action: Action, sector: str, values: dict[str, Any]) -> None:
    ActionReduction.objects.create(action=action, sector=sector, **values)


def _new_cost(action: Action, key: tuple[int, str], values: dict[str, Any]) -> None:
    ActionCost.objects.create(action=action, year=key[0], funding_source=key[1], **values)


def _new_milestone(action: Action, name: str, values: dict[str, Any]) -> None:
    Milestone.objects.create(action=action, name=name, **values)


def _new_target(indicator: Indicator, year: int, values: dict[str, Any]) -> None:
    IndicatorTarget.objects.create(indicator=indicator, year=year, **values)


def _same_value(key: str, value: Any) -> Any:
    return value


def _apply_actions(ap: _Applier, book: _Book) -> dict[str, Action]:
    plan = ap.plan
    city = plan.city
    slugs = {
        "field_id": {f.slug: f.pk for f in FieldOfAction.objects.filter(city=city)},
        "lever_id": {x.slug: x.pk for x in SystemicLever.objects.filter(city=city)},
        "department_id": {d.slug: d.pk for d in Department.objects.filter(city=city)},
    }
    back = {k: {pk: slug for slug, pk in v.items()} for k, v in slugs.items()}

    def shown(key: str, value: Any) -> Any:
        return back[key].get(value) if key in back else value

    actions = {a.code: a for a in Action.objects.filter(plan=plan)}
    reductions = _by_parent(ActionReduction.objects.filter(action__plan=plan), "action")
    for rec in book.actions:
        code, where = rec["code"], f"Actions!row {rec['_row']}"
        values = {k: rec[k] for k in _ACTION_FIELDS if k in rec}
        if values.get("sinks_tco2e", 0.0) is None:
            values["sinks_tco2e"] = 0.0
        for attr, key in (("field_id", "field"), ("lever_id", "lever"),
                          ("department_id", "department")):
            if key in rec:
                values[attr] = slugs[attr][rec[key]] if rec[key] else None
        action = actions.get(code)
        if action is None:
            action = Action.objects.create(plan=plan, code=code, **values)
            actions[code] = action
            ap.note("created", where, f"action {code} new")
            ap.touched.add(action.pk)
        elif ap.update(action, values, _LABELS, shown, where, f"action {code}"):
            ap.touched.add(action.pk)
        if any(f"reduction:{s}" in rec for s in REDUCTION_SECTORS):
            existing = {r.sector: r for r in reductions[action.pk]}
            # a sector whose column is not in the sheet keeps its reduction
            wanted = {s: {"tco2e": r.tco2e} for s, r in existing.items()
                      if f"reduction:{s}" not in rec}
            wanted |= {s: {"tco2e": rec[f"reduction:{s}"]} for s in REDUCTION_SECTORS
                       if rec.get(f"reduction:{s}") is not None}
            if ap.children(where, f"action {code} reduction", existing, wanted,
                           partial(_new_reduction, action), {"tco2e": "tCO2e"}, {}):
                ap.touched.add(action.pk)

    wanted_costs: dict[str, dict[Any, dict[str, Any]]] = {c: {} for c in actions}
    cost_rows: dict[str, dict[Any, int]] = {c: {} for c in actions}
    for rec in book.costs:
        cost_key = (rec["year"], rec.get("funding_source", ""))
        wanted_costs[rec["action"]][cost_key] = {
            "capex_eur": rec.get("capex_eur") or Decimal(0),
            "opex_eur": rec.get("opex_eur") or Decimal(0)}
        cost_rows[rec["action"]][cost_key] = rec["_row"]
    wanted_ms: dict[str, dict[Any, dict[str, Any]]] = {c: {} for c in actions}
    ms_rows: dict[str, dict[Any, int]] = {c: {} for c in actions}
    for rec in book.milestones:
        wanted_ms[rec["action"]][rec["name"]] = {"due": rec["due"], "done": rec.get("done")}
        ms_rows[rec["action"]][rec["name"]] = rec["_row"]
    costs = _by_parent(ActionCost.objects.filter(action__plan=plan), "action")
    milestones = _by_parent(Milestone.objects.filter(action__plan=plan), "action")
    for rec in book.actions:
        action = actions[rec["code"]]
        code = action.code
        changed = ap.children(
            "Costs", f"cost {code}", {(c.year, c.funding_source): c for c in costs[action.pk]},
            wanted_costs[code], partial(_new_cost, action), _LABELS, cost_rows[code])
        changed |= ap.children(
            "Milestones", f"milestone {code}", {m.name: m for m in milestones[action.pk]},
            wanted_ms[code], partial(_new_milestone, action), _LABELS, ms_rows[code])
        if changed:
            ap.touched.add(action.pk)
    return actions


def _apply_indicators(ap: _Applier, book: _Book, actions: dict[str, Action],
                      by: Person | None, actor: str) -> None:
    plan = ap.plan
    indicators = {i.code: i for i in Indicator.objects.filter(plan=plan)
                  .prefetch_related("actions")}
    targets = _by_parent(IndicatorTarget.objects.filter(indicator__plan=plan), "indicator")
    for rec in book.indicators:
        code, where = rec["code"], f"Indicators!row {rec['_row']}"
        values = {k: rec[k] for k in _INDICATOR_FIELDS if k in rec}
        indicator = indicators.get(code)
        if indicator is None:
            indicator = Indicator.objects.create(plan=plan, code=code, **values)
            indicators[code] = indicator
            ap.note("created", where, f"indicator {code} new")
        else:
            ap.update(indicator, values, _LABELS, _same_value, where, f"indicator {code}")
        if book.target_keys:  # the targets become exactly the filled Target cells
            wanted = {int(k.split(":")[1]): {"value": rec[k]} for k in book.target_keys
                      if rec.get(k) is not None}
            ap.children(where, f"indicator {code} target",
                        {t.year: t for t in targets[indicator.pk]}, wanted,
                        partial(_new_target, indicator), {"value": "value"}, {})
        if "actions" in rec:
            linked = {a.pk: a.code for a in indicator.actions.all()}
            if {actions[c].pk for c in rec["actions"]} != set(linked):
                indicator.actions.set([actions[c] for c in rec["actions"]])
                ap.note("updated", where, f"indicator {code} actions "
                        f"{_fmt(', '.join(sorted(linked.values())))} -> "
                        f"{_fmt(', '.join(sorted(rec['actions'])))}")

    observed: dict[tuple[int, int], Observation] = {
        (getattr(o, "indicator_id"), o.year): o  # noqa: B009 (no attribute for mypy)
        for o in Observation.objects.filter(indicator__plan=plan)}
    for rec in book.observations:
        indicator = indicators[rec["indicator"]]
        current = observed.get((indicator.pk, rec["year"]))
        source = rec.get("source", current.source if current else "")
        if current is not None and (current.value, current.source) == (rec["value"], source):
            continue
        services.record_observation(indicator, rec["year"], rec["value"], source=source,
                                    by=by, actor=actor)
        where = f"Observations!row {rec['_row']}"
        what = f"observation {indicator.code} {rec['year']}"
        if current is None:
            ap.note("created", where, f"{what} new value {_fmt(rec['value'])}")
        else:
            ap.note("updated", where, f"{what} value {_fmt(current.value)} -> "
                    f"{_fmt(rec['value'])}" + ("" if current.source == source else
                                               f", source {_fmt(current.source)} -> "
                                               f"{_fmt(source)}"))


def _warnings(plan: Plan, book: _Book) -> list[str]:
    out = []
    listed = {r["code"] for r in book.actions}
    for a in Action.objects.filter(plan=plan).order_by("code"):
        if a.code not in listed:
            out.append(f"Actions: action {a.code} is in the plan but not in the workbook; "
                       "kept as it is")
    listed = {r["code"] for r in book.indicators}
    for i in Indicator.objects.filter(plan=plan).order_by("code"):
        if i.code not in listed:
            out.append(f"Indicators: indicator {i.code} is in the plan but not in the "
                       "workbook; kept as it is")
    observed = {(r["indicator"], r["year"]) for r in book.observations}
    for o in Observation.objects.filter(indicator__plan=plan).select_related("indicator"):
        if (o.indicator.code, o.year) not in observed:
            out.append(f"Observations: observation {o.indicator.code} {o.year} is in the plan "
                       "but not in the workbook; kept as it is")
    return out


def _error_order(message: str) -> tuple[int, int]:
    """Errors in the order of the workbook: sheet by sheet, row by row (stable within a row:
    the cell's own problem before the checks across rows)."""
    match = re.match(r"(.*?)!row (\d+),", message)
    if match is None:
        return (-1, 0)
    sheet = match.group(1)
    return (SHEETS.index(sheet) if sheet in SHEETS else -1, int(match.group(2)))


def import_plan(plan: Plan, data: bytes, *, filename: str, by: Person | None = None,
                actor: str = "") -> ImportResult:
    """Apply a workbook written by ``export_plan`` (and edited) to the plan.

    A workbook with any error raises ``ImportRejected`` listing every error as
    ``Sheet!row N, column "Header": reason`` and stores nothing. Otherwise the changes are
    written in one transaction with one audit record (``plan.import``); a workbook that
    changes nothing writes nothing."""
    sheets, errors = _open(data, filename)
    book = _parse(sheets, errors)
    with transaction.atomic():
        plan = Plan.objects.select_for_update().select_related("city", "baseline").get(
            pk=plan.pk)
        _check(plan, book, errors)
        if errors:
            raise ImportRejected(sorted(errors, key=_error_order))
        ap = _Applier(plan)
        head = book.plan[0]
        ap.update(plan, {k: head[k] for k in ("title", "target_year", "reduction_target")
                         if k in head}, _LABELS, _same_value,
                  f"Plan!row {head['_row']}", "plan")
        actions = _apply_actions(ap, book)
        _apply_indicators(ap, book, actions, by, actor)
        result_warnings = _warnings(plan, book)
        if ap.changes:
            if ap.touched:
                Action.objects.filter(pk__in=ap.touched).update(last_update_at=timezone.now())
            # What was loaded from JSON is no longer what the plan holds: loading that file
            # again must apply it, not skip it as already loaded.
            Plan.objects.filter(pk=plan.pk).update(loaded_sha256="")
            audit.record("plan.import", city=plan.city, user=by, actor=actor, obj=plan,
                         filename=filename, created=ap.counts["created"],
                         updated=ap.counts["updated"], deleted=ap.counts["deleted"],
                         changes=ap.changes[:500])
        return ImportResult(plan, ap.counts["created"], ap.counts["updated"],
                            ap.counts["deleted"], tuple(ap.changes), tuple(result_warnings))
