"""The plan as an .xlsx workbook: export, edit in a spreadsheet, import back (plan/excel.py)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zerocity.cli import main
from zerocity.core.models import AuditLog
from zerocity.inventory.parsing import ImportRejected
from zerocity.plan.excel import export_plan, import_plan
from zerocity.plan.models import (
    Action,
    ActionCost,
    ActionReduction,
    Indicator,
    IndicatorTarget,
    Milestone,
    Observation,
    Plan,
    PolicyReduction,
)
from zerocity.plan.selectors import gap_table

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def plan(kranj):
    return Plan.objects.select_related("city", "baseline").get(city=kranj)


# -- helpers: a person editing the workbook --------------------------------------------------

def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def save(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def col(ws, header: str) -> int:
    return next(c.column for c in ws[1] if c.value == header)


def row(ws, **match) -> int:
    """The row whose cells equal ``match`` (headers with spaces as underscores)."""
    cols = {col(ws, h.replace("_", " ")): v for h, v in match.items()}
    for r in range(2, ws.max_row + 1):
        if all(ws.cell(r, c).value == v for c, v in cols.items()):
            return r
    raise KeyError(match)


def put(ws, match: dict, header: str, value) -> int:
    r = row(ws, **match)
    ws.cell(r, col(ws, header)).value = value  # ws.cell(r, c, None) would not clear it
    return r


def append(ws, values: dict) -> int:
    r = ws.max_row + 1
    for header, value in values.items():
        ws.cell(r, col(ws, header), value)
    return r


def dump(plan: Plan) -> dict:
    """Everything the workbook can change, as plain values (the staff-report time aside)."""
    actions = {}
    for a in Action.objects.filter(plan=plan).values():
        a.pop("id")
        a.pop("last_update_at")
        actions[a["code"]] = a
    indicators = {}
    for i in Indicator.objects.filter(plan=plan).values():
        i.pop("id")
        indicators[i["code"]] = i
    return {
        "plan": Plan.objects.filter(pk=plan.pk).values(
            "title", "target_year", "reduction_target", "baseline_id").get(),
        "actions": actions,
        "reductions": {(r.action.code, r.sector): r.tco2e
                       for r in ActionReduction.objects.filter(action__plan=plan)
                       .select_related("action")},
        "costs": {(c.action.code, c.year, c.funding_source): (c.capex_eur, c.opex_eur)
                  for c in ActionCost.objects.filter(action__plan=plan).select_related("action")},
        "milestones": {(m.action.code, m.name): (m.due, m.done)
                       for m in Milestone.objects.filter(action__plan=plan)
                       .select_related("action")},
        "indicators": indicators,
        "links": {(i.code, a.code) for i in Indicator.objects.filter(plan=plan)
                  for a in i.actions.all()},
        "targets": {(t.indicator.code, t.year): t.value
                    for t in IndicatorTarget.objects.filter(indicator__plan=plan)
                    .select_related("indicator")},
        "observations": {(o.indicator.code, o.year): (o.value, o.source)
                         for o in Observation.objects.filter(indicator__plan=plan)
                         .select_related("indicator")},
        "policies": sorted(PolicyReduction.objects.filter(policy__plan=plan)
                           .values_list("policy__name", "sector", "tco2e")),
    }


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries
            if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


# -- export ----------------------------------------------------------------------------------

def test_the_export_has_one_typed_sheet_per_table(plan):
    wb = load(export_plan(plan))

    assert wb.sheetnames == ["Plan", "Actions", "Costs", "Milestones", "Indicators",
                             "Observations", "Fields", "Levers", "Departments"]
    for ws in wb.worksheets:
        assert ws["A1"].font.bold and ws.freeze_panes in ("A2", "C2"), ws.title
        assert ws.column_dimensions["A"].width >= 8
    assert [ws.protection.sheet for ws in wb.worksheets[-3:]] == [True, True, True]

    head = wb["Plan"]
    assert [c.value for c in head[2]] == ["kranj", plan.title, 2018, 2030, 0.8]

    actions = wb["Actions"]
    assert actions.max_row - 1 == Action.objects.filter(plan=plan).count() == 12
    r = row(actions, Code="1.1")
    cell = {c.value: actions.cell(r, c.column).value for c in actions[1]}
    assert cell["Field of action"] == "energy-systems"
    assert cell["Department"] == "energy"
    assert (cell["Start year"], cell["End year"]) == (2023, 2030)
    assert cell["Total cost (EUR)"] == 21_827_000
    assert actions.cell(r, col(actions, "Total cost (EUR)")).number_format == "#,##0.00"
    assert cell["Energy generated (MWh)"] == 60_100
    assert cell["Reduction energy systems (tCO2e)"] == 14_342
    assert cell["Reduction transport (tCO2e)"] is None
    assert json.loads(cell["Effects (JSON)"]) == Action.objects.get(plan=plan, code="1.1").effects
    assert {dv.formula1 for dv in actions.data_validations.dataValidation} == {
        "=Fields!$A$2:$A$6", "=Levers!$A$2:$A$7", "=Departments!$A$2:$A$7"}

    costs = wb["Costs"]
    assert costs.max_row - 1 == ActionCost.objects.filter(action__plan=plan).count()
    assert [c.value for c in costs[3]] == ["1.1", 2023, 1_091_350, 0, "EU Cohesion Fund"]

    milestones = wb["Milestones"]
    assert [c.value for c in milestones[2]] == [
        "1.1", "Biomass boiler Planina in operation", datetime(2025, 10, 1),
        datetime(2025, 11, 20)]

    indicators = wb["Indicators"]
    assert [c.value for c in indicators[1]][-4:] == [
        "Target 2025", "Target 2027", "Target 2030", "Actions"]
    r = row(indicators, Code="OI 1.1")
    assert [indicators.cell(r, c).value for c in range(10, 14)] == [60, 70, 90, "1.1, 1.2"]


# -- round trip ------------------------------------------------------------------------------

def test_importing_the_export_unchanged_writes_nothing(plan):
    data = export_plan(plan)
    before, audits, fingerprint = dump(plan), AuditLog.objects.count(), plan.loaded_sha256

    with CaptureQueriesContext(connection) as queries:
        result = import_plan(plan, data, filename="plan.xlsx", actor="test")

    assert result.unchanged and result.changes == () and result.warnings == ()
    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert writes(queries.captured_queries) == []
    assert AuditLog.objects.count() == audits
    assert dump(plan) == before
    assert Plan.objects.get(pk=plan.pk).loaded_sha256 == fingerprint != ""


def test_edits_in_the_workbook_become_exactly_those_changes(plan):
    wb = load(export_plan(plan))
    put(wb["Costs"], {"Action code": "1.1", "Year": 2023, "Funding source": "EU Cohesion Fund"},
        "Capex (EUR)", 1_200_000)
    put(wb["Actions"], {"Code": "MT-CARS"}, "Reduction transport (tCO2e)", 17_342)
    put(wb["Indicators"], {"Code": "OI 1.1"}, "Target 2030", 95)
    append(wb["Observations"], {"Indicator code": "OI 1.1", "Year": 2024, "Value": 65,
                                "Source": "Domplan d.d."})
    data = save(wb)
    before, gap_before = dump(plan), gap_table(plan)

    result = import_plan(plan, data, filename="plan.xlsx", actor="test")

    assert result.changes == (
        "Actions!row 10: action MT-CARS reduction transport: tCO2e 16342 -> 17342",
        "Costs!row 3: cost 1.1 2023 EU Cohesion Fund: Capex (EUR) 1091350.00 -> 1200000.00",
        "Indicators!row 4: indicator OI 1.1 target 2030: value 90 -> 95",
        "Observations!row 2: observation OI 1.1 2024 new value 65",
    )
    assert (result.created, result.updated, result.deleted) == (1, 3, 0)
    assert result.warnings == ()
    expected = before
    expected["costs"][("1.1", 2023, "EU Cohesion Fund")] = (Decimal("1200000"), Decimal("0"))
    expected["reductions"][("MT-CARS", "transport")] = 17_342.0
    expected["targets"][("OI 1.1", 2030)] = 95.0
    expected["observations"][("OI 1.1", 2024)] = (65.0, "Domplan d.d.")
    assert dump(plan) == expected

    gap = gap_table(plan)
    assert gap.sectors["transport"].portfolio - gap_before.sectors["transport"].portfolio \
        == pytest.approx(1000)
    assert gap.total.portfolio - gap_before.total.portfolio == pytest.approx(1000)
    assert gap.sectors["buildings"].portfolio == gap_before.sectors["buildings"].portfolio

    imported = AuditLog.objects.get(action="plan.import")
    assert (imported.actor_label, imported.data["filename"]) == ("test", "plan.xlsx")
    assert imported.data["changes"] == list(result.changes)
    assert AuditLog.objects.filter(action="plan.observation").count() == 1
    touched = set(Action.objects.filter(plan=plan, last_update_at__isnull=False)
                  .values_list("code", flat=True))
    assert touched == {"1.1", "MT-CARS"}
    # the JSON the plan was loaded from no longer describes it: loading it again applies it
    assert Plan.objects.get(pk=plan.pk).loaded_sha256 == ""

    audits = AuditLog.objects.count()
    again = import_plan(plan, data, filename="plan.xlsx", actor="test")
    assert again.unchanged and AuditLog.objects.count() == audits


def test_every_kind_of_cell_is_read_back(plan):
    wb = load(export_plan(plan))
    put(wb["Plan"], {"City": "kranj"}, "Title", "Kranj plan 2030")
    put(wb["Plan"], {"City": "kranj"}, "Reduction target", "75%")
    actions = wb["Actions"]
    put(actions, {"Code": "1.2"}, "Lever", "finance-funding")
    put(actions, {"Code": "1.2"}, "Department", None)
    put(actions, {"Code": "1.2"}, "Description", "Waste heat from Goodyear\nsecond line")
    put(actions, {"Code": "1.2"}, "Start year", "2024")
    put(actions, {"Code": "1.2"}, "Effects (JSON)", '[{"type": "reduce_demand", "share": 0.1}]')
    put(actions, {"Code": "1.2"}, "Energy generated (MWh)", 1234.5)
    put(wb["Milestones"], {"Name": "Heat pumps in Planina"}, "Done", "2026-09-15")
    put(wb["Indicators"], {"Code": "OI 0.1"}, "Baseline value", 1.5)
    put(wb["Indicators"], {"Code": "OI 0.1"}, "Actions", "1.1; 1.2")
    put(wb["Indicators"], {"Code": "OI 1.1"}, "Target 2027", None)

    result = import_plan(plan, save(wb), filename="plan.xlsx")

    assert (result.created, result.updated, result.deleted) == (0, 5, 1)
    plan.refresh_from_db()
    assert (plan.title, plan.reduction_target) == ("Kranj plan 2030", Decimal("0.750"))
    a = Action.objects.get(plan=plan, code="1.2")
    assert (a.lever.slug, a.department, a.start_year, a.energy_generated_mwh) == (
        "finance-funding", None, 2024, 1234.5)
    assert a.description == "Waste heat from Goodyear\nsecond line"
    assert a.effects == [{"type": "reduce_demand", "share": 0.1}]
    assert Milestone.objects.get(action__plan=plan, name="Heat pumps in Planina").done \
        == date(2026, 9, 15)
    oi = Indicator.objects.get(plan=plan, code="OI 0.1")
    assert oi.baseline_value == 1.5
    assert sorted(oi.actions.values_list("code", flat=True)) == ["1.1", "1.2"]
    assert dict(IndicatorTarget.objects.filter(indicator__plan=plan, indicator__code="OI 1.1")
                .values_list("year", "value")) == {2025: 60.0, 2030: 90.0}
    assert import_plan(plan, export_plan(plan), filename="again.xlsx").unchanged


def test_rows_missing_from_the_workbook_keep_actions_but_replace_an_actions_costs(plan):
    wb = load(export_plan(plan))
    actions, costs = wb["Actions"], wb["Costs"]
    actions.delete_rows(row(actions, Code="WC-ALL"))
    milestones = wb["Milestones"]
    milestones.delete_rows(row(milestones, Action_code="WC-ALL"))
    n = append(actions, {"Code": "WC-NEW", "Name": "Reuse centre",
                         "Field of action": "waste-circular-economy", "Department": "waste",
                         "Start year": 2025, "End year": 2027, "Total cost (EUR)": 250_000,
                         "Reduction waste (tCO2e)": 120})
    c = append(costs, {"Action code": "WC-NEW", "Year": 2026, "Capex (EUR)": 250_000,
                       "Opex (EUR)": 1000, "Funding source": "City budget"})
    first_14 = row(costs, Action_code="1.4")
    funding = costs.cell(first_14, col(costs, "Funding source")).value
    year = costs.cell(first_14, col(costs, "Year")).value
    costs.delete_rows(first_14)  # above the new row: it moves up one
    count_14 = ActionCost.objects.filter(action__code="1.4", action__plan=plan).count()

    result = import_plan(plan, save(wb), filename="plan.xlsx")

    assert result.warnings == (
        "Actions: action WC-ALL is in the plan but not in the workbook; kept as it is",)
    assert result.changes == (
        f"Actions!row {n}: action WC-NEW new",
        f"Actions!row {n}: action WC-NEW reduction waste new: tCO2e 120",
        f"Costs: cost 1.4 {year} {funding} removed (not in the workbook)",
        f"Costs!row {c - 1}: cost WC-NEW 2026 City budget new: Capex (EUR) 250000.00, "
        "Opex (EUR) 1000.00",
    )
    assert (result.created, result.updated, result.deleted) == (3, 0, 1)
    assert str(result) == "4 changes (3 new, 0 changed, 1 removed), 1 warning"
    assert Milestone.objects.filter(action__plan=plan, action__code="WC-ALL").count() == 1
    new = Action.objects.get(plan=plan, code="WC-NEW")
    assert (new.field.slug, new.department.slug, new.start_year, new.total_cost_eur) == (
        "waste-circular-economy", "waste", 2025, Decimal("250000.00"))
    assert [(r.sector, r.tco2e) for r in new.reductions.all()] == [("waste", 120.0)]
    assert ActionCost.objects.filter(action__code="1.4", action__plan=plan).count() \
        == count_14 - 1


# -- refused workbooks -----------------------------------------------------------------------

def test_a_workbook_with_errors_lists_every_one_and_stores_nothing(plan):
    wb = load(export_plan(plan))
    put(wb["Plan"], {"City": "kranj"}, "Title", "A new title")  # valid, but must not be stored
    actions = wb["Actions"]
    put(actions, {"Code": "1.1"}, "Start year", "soon")
    put(actions, {"Code": "1.2"}, "End year", 2020)
    put(actions, {"Code": "1.3"}, "Field of action", "nowhere")
    put(actions, {"Code": "1.4"}, "Department", "finance")
    put(actions, {"Code": "BE-ALL"}, "Effects (JSON)", '[{"share": 1}]')
    put(actions, {"Code": "EP-COOP"}, "Effects (JSON)", '[{"type": "reduce_demand"')
    put(actions, {"Code": "MT-CARS"}, "Reduction transport (tCO2e)", -5)
    append(actions, {"Code": "1.1", "Name": "Copy", "Field of action": "energy-systems"})
    costs = wb["Costs"]
    put(costs, {"Action code": "1.1", "Year": 2023, "Funding source": "EU Cohesion Fund"},
        "Capex (EUR)", "lots")
    append(costs, {"Action code": "9.9", "Year": 2025, "Capex (EUR)": 10})
    append(costs, {"Action code": "1.2", "Year": 2023,
                   "Funding source": "Domplan d.d. (concession)"})
    put(wb["Milestones"], {"Name": "Heat pumps in Planina"}, "Due", "tomorrow")
    put(wb["Indicators"], {"Code": "OI 1.1"}, "Actions", "1.1, 7.7")
    append(wb["Observations"], {"Indicator code": "XX 1", "Year": 2024, "Value": 1})
    before, audits = dump(plan), AuditLog.objects.count()

    with pytest.raises(ImportRejected) as exc:
        import_plan(plan, save(wb), filename="plan.xlsx")

    fields = ("built-environment, energy-systems, green-infrastructure, mobility-transport, "
              "waste-circular-economy")
    depts = "climate-office, construction, energy, green, transport, waste"
    assert exc.value.errors == [
        "Actions!row 2, column \"Start year\": 'soon' is not a year",
        'Actions!row 3, column "End year": 2020 is before the start year 2023',
        f"Actions!row 4, column \"Field of action\": unknown field of action 'nowhere'; "
        f"known: {fields}",
        f"Actions!row 5, column \"Department\": unknown department 'finance'; known: {depts}",
        'Actions!row 6, column "Effects (JSON)": effects[0]: type must be one of reduce_demand, '
        'switch_carrier, change_factor, add_renewable, change_activity, got None',
        'Actions!row 7, column "Effects (JSON)": not valid JSON: Expecting \',\' delimiter '
        "at character 26",
        'Actions!row 10, column "Reduction transport (tCO2e)": -5 cannot be negative',
        'Actions!row 14, column "Code": duplicate of row 2 (same code)',
        "Costs!row 3, column \"Capex (EUR)\": 'lots' is not a number",
        "Costs!row 55, column \"Action code\": no action '9.9' in the Actions sheet",
        'Costs!row 56, column "Year": duplicate of row 18 (same action, year and funding '
        "source)",
        "Milestones!row 3, column \"Due\": 'tomorrow' is not a date (YYYY-MM-DD)",
        "Indicators!row 4, column \"Actions\": unknown action '7.7'",
        "Observations!row 2, column \"Indicator code\": no indicator 'XX 1' in the "
        "Indicators sheet or the plan",
    ]
    assert dump(plan) == before
    assert AuditLog.objects.count() == audits


def test_unknown_sheets_and_wrong_columns_are_named_on_row_1(plan):
    wb = load(export_plan(plan))
    wb.create_sheet("Notes")
    wb["Costs"].cell(1, col(wb["Costs"], "Capex (EUR)"), "Capex")
    wb["Milestones"].delete_cols(col(wb["Milestones"], "Due"))
    wb["Indicators"].cell(1, col(wb["Indicators"], "Unit"), "Name")
    wb.remove(wb["Observations"])

    with pytest.raises(ImportRejected) as exc:
        import_plan(plan, save(wb), filename="plan.xlsx")

    assert exc.value.errors == [
        "Notes!row 1, column -: unknown sheet; known sheets are Plan, Actions, Costs, "
        "Milestones, Indicators, Observations, Fields, Levers, Departments",
        'Costs!row 1, column "Capex": unknown column; known columns are Action code, Year, '
        "Capex (EUR), Opex (EUR), Funding source",
        'Milestones!row 1, column "Due": required column is missing',
        'Indicators!row 1, column "Name": column appears twice',
        'Indicators!row 1, column "Unit": required column is missing',
        "Observations!row 1, column -: required sheet is missing",
    ]


def test_a_wrong_header_does_not_hide_the_rows_or_the_checks_across_sheets(plan):
    # given a workbook mixing mistakes that different steps find: a wrong header (an unknown
    # column in Costs, a required column missing in Milestones, a missing sheet), bad cells
    # under the sound columns of those sheets, checks across sheets (an unknown field of
    # action, a milestone of no action), and cells that other checks read: a start year that
    # cannot be read before an earlier end year, two costs of one action whose years cannot
    # be read (no duplicates of each other)
    wb = load(export_plan(plan))
    put(wb["Actions"], {"Code": "1.2"}, "Start year", "soon")  # no year to compare the end to
    put(wb["Actions"], {"Code": "1.2"}, "End year", 2020)
    put(wb["Actions"], {"Code": "1.3"}, "Field of action", "nowhere")
    costs = wb["Costs"]
    costs.cell(1, costs.max_column + 1, "Colour")
    lots = put(costs, {"Action code": "1.1", "Year": 2023,
                       "Funding source": "EU Cohesion Fund"}, "Capex (EUR)", "lots")
    costs.cell(lots, costs.max_column, "red")  # under the unknown column: no message of its own
    soon = append(costs, {"Action code": "1.2", "Year": "soon", "Capex (EUR)": 1})
    later = append(costs, {"Action code": "1.2", "Year": "later", "Capex (EUR)": 2})
    milestones = wb["Milestones"]
    milestones.delete_cols(col(milestones, "Due"))
    nowhere = append(milestones, {"Action code": "9.9", "Name": "Somewhere", "Done": "never"})
    wb.remove(wb["Observations"])
    before = dump(plan)

    # when it is imported
    with pytest.raises(ImportRejected) as exc:
        import_plan(plan, save(wb), filename="plan.xlsx")

    # then every mistake is named once, sheet by sheet and row by row, and nothing is stored
    fields = ("built-environment, energy-systems, green-infrastructure, mobility-transport, "
              "waste-circular-economy")
    assert exc.value.errors == [
        "Actions!row 3, column \"Start year\": 'soon' is not a year",
        f"Actions!row 4, column \"Field of action\": unknown field of action 'nowhere'; "
        f"known: {fields}",
        'Costs!row 1, column "Colour": unknown column; known columns are Action code, Year, '
        "Capex (EUR), Opex (EUR), Funding source",
        f"Costs!row {lots}, column \"Capex (EUR)\": 'lots' is not a number",
        f"Costs!row {soon}, column \"Year\": 'soon' is not a year",
        f"Costs!row {later}, column \"Year\": 'later' is not a year",
        'Milestones!row 1, column "Due": required column is missing',
        f"Milestones!row {nowhere}, column \"Done\": 'never' is not a date (YYYY-MM-DD)",
        f"Milestones!row {nowhere}, column \"Action code\": no action '9.9' in the Actions "
        "sheet",
        "Observations!row 1, column -: required sheet is missing",
    ]
    assert dump(plan) == before


def test_another_citys_workbook_a_changed_baseline_and_a_broken_file_are_refused(plan):
    wb = load(export_plan(plan))
    put(wb["Plan"], {"City": "kranj"}, "Baseline year", 2022)
    put(wb["Plan"], {"City": "kranj"}, "City", "ljubljana")
    put(wb["Plan"], {"City": "ljubljana"}, "Reduction target", 1.5)

    with pytest.raises(ImportRejected) as exc:
        import_plan(plan, save(wb), filename="plan.xlsx")
    assert exc.value.errors == [
        'Plan!row 2, column "Reduction target": 1.5 is not a share between 0.01 and 1 '
        "(1 % to 100 %)",
        "Plan!row 2, column \"City\": this workbook is for 'ljubljana', not 'kranj'",
        'Plan!row 2, column "Baseline year": the plan\'s baseline is the 2018 inventory; it '
        "cannot be changed by an import",
    ]

    with pytest.raises(ImportRejected) as exc:
        import_plan(plan, b"not a workbook", filename="plan.xlsx")
    assert len(exc.value.errors) == 1
    assert exc.value.errors[0].startswith("plan.xlsx: not a readable .xlsx workbook")


# -- command line ----------------------------------------------------------------------------

def test_plan_export_and_import_on_the_command_line(plan, tmp_path):
    run = CliRunner().invoke
    out = tmp_path / "plans" / "plan.xlsx"

    exported = run(main, ["plan", "export", "--city", "kranj", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert exported.output == f"wrote {out} ({out.stat().st_size:,} bytes)\n"
    assert [p.name for p in out.parent.iterdir()] == ["plan.xlsx"]  # no temporary file left

    args = ["plan", "import", str(out), "--city", "kranj"]
    same = run(main, args)
    assert (same.exit_code, same.output) == (0, "kranj: plan.xlsx: unchanged\n")

    wb = load(out.read_bytes())
    put(wb["Actions"], {"Code": "1.2"}, "Start year", "soon")
    put(wb["Actions"], {"Code": "1.3"}, "Lever", "magic")
    out.write_bytes(save(wb))
    bad = run(main, args)
    assert bad.exit_code == 1
    assert bad.output.splitlines()[1:] == [
        "Actions!row 3, column \"Start year\": 'soon' is not a year",
        "Actions!row 4, column \"Lever\": unknown lever 'magic'; known: "
        "democracy-participation, finance-funding, governance-policy, learning-capabilities, "
        "social-innovation, technology-infrastructure",
    ]
    assert bad.output.splitlines()[0] == \
        "error: plan.xlsx refused, nothing was imported (2 errors):"

    wb = load(export_plan(plan))
    put(wb["Actions"], {"Code": "1.2"}, "Total cost (EUR)", 6_500_000)
    out.write_bytes(save(wb))
    ok = run(main, args)
    assert (ok.exit_code, ok.output) == (0, (
        "kranj: plan.xlsx: 1 change (0 new, 1 changed, 0 removed)\n"
        "  Actions!row 3: action 1.2: Total cost (EUR) 6000000.00 -> 6500000.00\n"))
    assert Action.objects.get(plan=plan, code="1.2").total_cost_eur == Decimal("6500000")
