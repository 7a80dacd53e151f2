"""``export_plan``: the plan as an .xlsx workbook, one sheet per table, with pick lists."""

from __future__ import annotations

import io
import json
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from zerocity.core.models import Department
from zerocity.plan.excel.columns import (
    ACTION_COLUMNS,
    COST_COLUMNS,
    INDICATOR_COLUMNS,
    MILESTONE_COLUMNS,
    OBSERVATION_COLUMNS,
    PLAN_COLUMNS,
    REDUCTION_SECTORS,
    Column,
    by_parent,
    clean,
)
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

_FORMATS = {"year": "0", "number": "General", "signed": "General", "money": "#,##0.00",
            "share": "0.0%", "date": "yyyy-mm-dd"}
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")

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
            cell = ws.cell(r, col, clean(value) if isinstance(value, str) else value)
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




def export_plan(plan: Plan) -> bytes:
    """The plan as an .xlsx workbook that ``import_plan`` reads back unchanged."""
    city = plan.city
    # sorted here, not by the database, so the rows are the same on every database collation
    actions = sorted(Action.objects.filter(plan=plan).select_related(
        "field", "lever", "department"), key=lambda a: a.code)
    reductions = by_parent(ActionReduction.objects.filter(action__plan=plan), "action")
    costs = by_parent(ActionCost.objects.filter(action__plan=plan), "action")
    milestones = by_parent(Milestone.objects.filter(action__plan=plan), "action")
    indicators = sorted(Indicator.objects.filter(plan=plan).prefetch_related("actions"),
                        key=lambda i: i.code)
    targets = by_parent(IndicatorTarget.objects.filter(indicator__plan=plan), "indicator")
    observations = by_parent(Observation.objects.filter(indicator__plan=plan), "indicator")
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

