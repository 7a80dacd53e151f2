"""The GCoM eCRF workbook (export, scope placement, lossless re-import) and the Climate City
Contract tables A-1.1 to A-1.3 (research note ghg-standards.md §3.4, §5.3, §7.4, §7.5)."""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict

import pytest
from openpyxl import Workbook, load_workbook

from kranj_reference import A_1_3 as PUBLISHED_A_1_3
from zerocity.inventory import calculations as calc
from zerocity.inventory import ccc, ecrf, gpc
from zerocity.inventory.exports import export_inventory
from zerocity.inventory.models import Inventory
from zerocity.inventory.parsing import ImportRejected
from zerocity.inventory.selectors import inventory_lines
from zerocity.inventory.services import _STORED_FIELDS, import_activity_file

pytestmark = pytest.mark.django_db

ERROR = re.compile(r"^line \d+, column [^:]+: .+")


def sheet(data: bytes, name: str):
    return load_workbook(io.BytesIO(data))[name]


def rows_by_label(ws, width: int = 9) -> dict[str, list]:
    """Data rows keyed by column A; cells as a list (index 0 is column A)."""
    return {
        r[0]: list(r[:width])
        for r in ws.iter_rows(min_row=ecrf.HEADER_ROW + 1, values_only=True)
        if r[0] is not None
    }


def per_ref(inventory: Inventory) -> dict[str, float]:
    gwp = inventory.gwp_set
    parts: dict[str, list[float]] = defaultdict(list)
    for ln in inventory_lines(inventory):
        parts[ln.gpc_id].append(calc.line_co2e(ln.as_calc(), gwp))
    return {ref: math.fsum(v) for ref, v in parts.items()}


def keyed(inventory: Inventory, *fields: str) -> dict[tuple[str, str], tuple]:
    return {(ln.gpc_id, ln.activity): tuple(getattr(ln, f) for f in fields)
            for ln in inventory_lines(inventory)}


def totals(inventory: Inventory) -> dict[str, float]:
    return calc.totals([ln.as_calc() for ln in inventory_lines(inventory)], inventory.gwp_set)


# -- eCRF round trip ---------------------------------------------------------------------------

def test_ecrf_round_trip_of_the_kranj_2018_baseline(kranj):
    original = Inventory.objects.get(city=kranj, year=2018)
    data = export_inventory(original, "ecrf")
    assert ecrf.is_ecrf_workbook(data)
    # Kranj's factors are the city's own, so a re-import lands in a new Kranj year.
    result = import_activity_file(kranj, 2019, ecrf.to_activity_csv(data), "ecrf.csv")
    copy = result.inventory
    assert result.created == original.lines.count()

    assert per_ref(copy).keys() == per_ref(original).keys()
    for ref, value in per_ref(original).items():
        assert per_ref(copy)[ref] == pytest.approx(value, abs=1e-6), ref
    got, want = totals(copy), totals(original)
    assert set(got) == set(calc.TOTAL_KEYS)
    for key in calc.TOTAL_KEYS:
        assert got[key] == pytest.approx(want[key], abs=1e-6), key
    assert keyed(copy, "notation_key") == keyed(original, "notation_key")
    assert keyed(copy, "explanation") == keyed(original, "explanation")
    assert keyed(copy, "ie_ref") == keyed(original, "ie_ref")
    assert {("II.2.1", "II.1.1"), ("I.4.4", "I.1.1")} <= {
        (ln.gpc_id, ln.ie_ref) for ln in copy.lines.filter(notation_key="IE")}


SYNTHETIC = """gpc_ref,activity,amount,unit,fuel,ef_co2,ef_ch4,ef_n2o,ef_unit,co2,ch4,n2o,sf6,nf3,hfcs,pfcs,co2_biogenic,co2e,notation_key,explanation,ie_ref,data_quality,source,ets,ccc_sector,ch4_origin
I.1.1,Natural gas homes,1000,MWh,natural_gas,,,,,,,,,,,,,,,Gas DSO data,,H,Gas DSO,,,
I.1.1,Wood stoves,500,GJ,,0,0.0003,0.000004,GJ,,,,,,,,,,,,,M,Survey,,,non-fossil
I.3.1,Cement kiln fuel,2000,MWh,,0.3,,,MWh,,,,,,,,,,,,,L,Operator,yes,ippu,
I.3.2,Switchgear and chillers,,,,,,,,,,,0.01,0.002,12.5,3.25,,,,,,M,Operator,,,
I.1.2,Green tariff electricity,,,,,,,,,,,,,,,,0,,Reported zero,,H,Supplier,,,
III.1.1,Landfill,,,,,,,,,10,,,,,,4,,,,,L,Landfill operator,,,fossil
III.1.2,Waste treated elsewhere,,,,,,,,,,,,,,,,20,,,,M,Komunala,,,
V.2,Forest sink,,,,,,,,,,,,,,,,-50,,,,L,Forest service,,,
I.2.1,Commercial fuels,,,,,,,,,,,,,,,,,IE,Included with homes,I.1.1,,,,,
I.7.1,Coal mining,,,,,,,,,,,,,,,,,NO,No coal mines in the city,,,,,,
IV.2,Product use,,,,,,,,,,,,,,,,,C,Confidential (one company),,,,,,
"""


def test_ecrf_round_trip_keeps_every_stored_field(city):
    from zerocity.core.services import create_city

    original = import_activity_file(city, 2022, SYNTHETIC.encode(), "a.csv", gwp="AR6-CH4split")
    inv = original.inventory
    data = ecrf.export_workbook(inv)
    other = create_city("othertown", name="Othertown", country="SI")
    copy = import_activity_file(other, 2022, ecrf.to_activity_csv(data), "b.csv",
                                gwp="AR6-CH4split").inventory
    fields = [f for f in _STORED_FIELDS if f not in ("fuel", "factor_id")]
    assert keyed(copy, *fields) == keyed(inv, *fields)
    # A library factor is written with its source, so it cannot resolve to a namesake.
    gas = copy.lines.get(activity="Natural gas homes")
    assert gas.fuel == "com-ipcc-2006:natural_gas" and gas.factor.source == "com-ipcc-2006"
    for key in calc.TOTAL_KEYS:
        assert totals(copy)[key] == pytest.approx(totals(inv)[key], abs=1e-9), key


def test_the_csv_export_imports_back_to_every_stored_field_and_reads_as_the_models_do(city):
    from zerocity.core.services import create_city
    from zerocity.inventory.exports import RESULT_COLUMNS, line_to_record, to_csv

    inv = import_activity_file(city, 2022, SYNTHETIC.encode(), "a.csv",
                               gwp="AR6-CH4split").inventory
    body = to_csv(inv)
    # the file's lines are the lines as their models give them (the export reads tuples)
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    records = [line_to_record(ln) for ln in inv.lines.order_by("position")]
    assert [{k: v for k, v in r.items() if k not in RESULT_COLUMNS} for r in rows] == [
        {k: str(v) for k, v in rec.items()} for rec in records]
    assert [r["ets"] for r in rows].count("yes") == 1
    assert [r["ch4_origin"] for r in rows if r["ch4_origin"]] == ["non-fossil", "fossil"]
    # and it imports back, into another city, to the same stored values and totals
    other = create_city("othertown", name="Othertown", country="SI")
    copy = import_activity_file(other, 2022, body, "b.csv", gwp="AR6-CH4split").inventory
    fields = [f for f in _STORED_FIELDS if f != "factor_id"]
    assert keyed(copy, *fields) == keyed(inv, *fields)
    assert totals(copy) == totals(inv)


def test_a_kranj_ecrf_does_not_silently_take_another_librarys_factor(kranj, city):
    data = ecrf.export_workbook(Inventory.objects.get(city=kranj, year=2018))
    with pytest.raises(ImportRejected) as exc:
        import_activity_file(city, 2018, ecrf.to_activity_csv(data), "kranj.csv")
    assert any("column fuel: no emission factor 'kranj-ccc-2018:natural_gas'" in e
               for e in exc.value.errors)


def test_import_errors_point_at_the_ecrf_3_row(city):
    inv = import_activity_file(city, 2022, SYNTHETIC.encode(), "a.csv").inventory
    wb = load_workbook(io.BytesIO(ecrf.export_workbook(inv)))
    ws = wb["eCRF_3"]
    headers = [c.value for c in ws[ecrf.HEADER_ROW]]
    ws.cell(ecrf.HEADER_ROW + 3, headers.index("Activity amount") + 1, "lots")
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRejected) as exc:
        import_activity_file(city, 2023, ecrf.to_activity_csv(buf.getvalue()), "x.csv")
    assert exc.value.errors == [f"line {ecrf.HEADER_ROW + 3}, column amount: 'lots' is not a number"]


# -- eCRF_2 placement --------------------------------------------------------------------------

WASTE = """gpc_ref,activity,co2e,notation_key,explanation
I.1.1,Gas boilers,100,,
III.1.2,Waste landfilled outside the city,20,,
III.1.3,Waste from neighbours landfilled here,70,,
III.1.1,Landfill,,NO,No landfill in the city
"""


def test_ecrf_2_places_waste_by_scope_and_writes_ne_for_empty_rows(city):
    inv = import_activity_file(city, 2022, WASTE.encode(), "w.csv").inventory
    rows = rows_by_label(sheet(ecrf.export_workbook(inv), "eCRF_2"))
    # columns: A label, B/C direct + key, D/E indirect + key, F/G outside + key, H explanation
    solid = rows["Waste > Solid waste disposal"]
    assert solid[1] == 70 and solid[2] is None  # III.1.3 (scope 1) in Direct
    assert solid[5] == 20 and solid[6] is None  # III.1.2 (scope 3) in Outside
    assert (solid[3], solid[4]) == (None, "NE")
    assert "territorial only" in solid[7] and "III.1.1 NO: No landfill in the city" in solid[7]
    empty = rows["Waste > Incineration and open burning"]
    assert empty[1:7] == [None, "NE", None, "NE", None, "NE"]
    assert rows["Stationary energy > Institutional buildings & facilities"][2] == "IE"
    total = rows[ecrf.TOTAL_LABEL]
    assert total[1:7] == [100, None, 0, None, 20, None]  # III.1.3 stays out of the total
    assert rows["Waste: total"][1] == 70 and rows["Waste: total"][5] == 20


def test_a_cell_whose_lines_all_carry_notation_keys_carries_the_key(city):
    text = WASTE + "III.4.2,Wastewater treated outside,,NE,Not estimated yet\n"
    inv = import_activity_file(city, 2022, text.encode(), "w.csv").inventory
    rows = rows_by_label(sheet(ecrf.export_workbook(inv), "eCRF_2"))
    wastewater = rows["Waste > Wastewater"]
    assert (wastewater[5], wastewater[6]) == (None, "NE")
    assert rows["Stationary energy > Fugitive emissions"][2] == "NE"


def test_i44_goes_to_the_generation_rows_and_out_of_the_total(city):
    text = WASTE + ("I.4.4,Gas CHP plant (Toplarna),1000,,\n"
                    "I.4.4,Solar PV park,0,,\n"
                    "I.4.4,Peak-load heat boilers,300,,\n")
    inv = import_activity_file(city, 2022, text.encode(), "g.csv").inventory
    rows = rows_by_label(sheet(ecrf.export_workbook(inv), "eCRF_2"))
    gen = f"{ecrf.GEN} > "
    assert rows[gen + "CHP generation"][1] == 1000
    assert rows[gen + "Local renewable generation"][1:3] == [0, None]
    assert rows[gen + "Heat/cold generation"][1] == 300
    assert rows[gen + "Electricity-only generation"][1:3] == [None, "NE"]
    assert rows[f"{ecrf.GEN}: total"][1] == 1300
    assert rows[ecrf.TOTAL_LABEL][1] == 100


def test_every_gpc_sub_category_has_one_ecrf_2_row():
    placed = [ref for row in ecrf.crf_rows() for ref in row.refs if ref != "I.4.4"]
    assert sorted(placed) == sorted(r for r in gpc.taxonomy() if r != "I.4.4")
    assert {r.subsector for r in ecrf.crf_rows() if "I.4.4" in r.refs} == {
        kind for kind, _ in ecrf.GENERATION_KINDS}


def test_ecrf_1_and_3_of_kranj(kranj):
    data = ecrf.export_workbook(Inventory.objects.get(city=kranj, year=2018))
    info = {r[0]: r[1] for r in sheet(data, "eCRF_1").iter_rows(min_row=4, values_only=True)}
    assert info["Name of city"] == "Kranj" and info["Inventory year"] == 2018
    assert info["Resident population"] == 56267 and info["Land area (km²)"] == 151
    assert info["GPC reporting level"] == "BASIC+" and "AR5" in info["Global Warming Potential"]
    assert info["HDD"] is None
    ws = sheet(data, "eCRF_3")
    headers = [c.value for c in ws[ecrf.HEADER_ROW]]
    lines = [dict(zip(headers, r, strict=True))
             for r in ws.iter_rows(min_row=ecrf.HEADER_ROW + 1, values_only=True)]
    waste_out = next(r for r in lines if r["GPC ref. no."] == "III.1.2")
    assert waste_out["Scope"] == "Outside city boundary" and waste_out["CRF sector"] == "Waste"
    gas = next(r for r in lines if r["Fuel type or activity"].startswith("Natural gas, res"))
    assert gas["EF CO2"] == 0.205 and gas["EF unit"] == "t/MWh"
    assert gas["GHG total (tCO2e)"] == pytest.approx(51875 * 0.205)
    chp = next(r for r in lines if r["GPC ref. no."] == "I.4.4")
    assert (chp["CRF sector"], chp["CRF sub-sector"]) == (ecrf.GEN, "CHP generation")


def test_the_cli_imports_an_ecrf_workbook(kranj, tmp_path):
    from click.testing import CliRunner

    from zerocity.cli import main

    path = tmp_path / "eCRF-kranj-2018.xlsx"
    path.write_bytes(ecrf.export_workbook(Inventory.objects.get(city=kranj, year=2018)))
    r = CliRunner().invoke(main, ["inventory", "import", str(path), "--city", "kranj",
                                  "--year", "2019"])
    assert r.exit_code == 0, r.output
    copy = Inventory.objects.get(city=kranj, year=2019)
    assert totals(copy)["mission"] == pytest.approx(
        totals(Inventory.objects.get(city=kranj, year=2018))["mission"], abs=1e-6)


# -- broken workbooks --------------------------------------------------------------------------

def _broken(kranj, damage) -> list[str]:
    wb = load_workbook(io.BytesIO(
        ecrf.export_workbook(Inventory.objects.get(city=kranj, year=2018))))
    damage(wb["eCRF_3"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRejected) as exc:
        ecrf.to_activity_csv(buf.getvalue())
    assert exc.value.errors and all(ERROR.match(e) for e in exc.value.errors)
    return exc.value.errors


def test_an_ecrf_3_without_its_header_row_is_refused(kranj):
    errors = _broken(kranj, lambda ws: ws.delete_rows(ecrf.HEADER_ROW))
    assert f"line {ecrf.HEADER_ROW}, column GPC ref. no.: required header is missing" in errors[0]


def test_an_ecrf_3_with_a_header_cleared_is_refused(kranj):
    errors = _broken(kranj, lambda ws: setattr(ws.cell(ecrf.HEADER_ROW, 6), "value", None))
    assert errors == [f"line {ecrf.HEADER_ROW}, column Fuel type or activity: required header "
                      f"is missing (sheet eCRF_3 has its headers in row {ecrf.HEADER_ROW})"]


def test_what_is_and_is_not_an_ecrf_workbook(kranj):
    inv = Inventory.objects.get(city=kranj, year=2018)
    assert ecrf.is_ecrf_workbook(ecrf.export_workbook(inv))
    assert not ecrf.is_ecrf_workbook(ccc.export_workbook(inv))
    assert not ecrf.is_ecrf_workbook(b"gpc_ref,activity\n")
    wb = Workbook()
    wb.create_sheet("eCRF_2")
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRejected, match="line 1, column -: the workbook has no sheet"):
        ecrf.to_activity_csv(buf.getvalue())


# -- every mistake of a workbook in one answer -------------------------------------------------

ECRF_HEADER = (f"(sheet eCRF_3 has its headers in row {ecrf.HEADER_ROW})")


def _synthetic_workbook(city, damage) -> bytes:
    """The synthetic inventory's eCRF workbook with ``damage(ws, column)`` done to eCRF_3;
    ``column`` gives a header's column number. Rows 4 to 14 hold the lines of SYNTHETIC."""
    inv = import_activity_file(city, 2022, SYNTHETIC.encode(), "a.csv").inventory
    wb = load_workbook(io.BytesIO(ecrf.export_workbook(inv)))
    ws = wb["eCRF_3"]
    headers = [c.value for c in ws[ecrf.HEADER_ROW]]
    damage(ws, lambda header: headers.index(header) + 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _refused(city, data: bytes) -> list[str]:
    with pytest.raises(ImportRejected) as exc:
        import_activity_file(city, 2023, data, "ecrf.xlsx")
    return exc.value.errors


def test_a_doubled_header_a_bad_cell_and_an_unknown_factor_are_reported_at_once(city):
    from zerocity.inventory.models import RejectedImport

    # given a workbook whose header names "Activity amount" twice (J), with a fuel key no
    # library has (row 4), an amount that is no number (row 5) and a unit the line's factor
    # cannot convert (row 6): the header, the row and the factor library each find one
    def damage(ws, col) -> None:
        ws.cell(ecrf.HEADER_ROW, col("Activity description & methodology"), "Activity amount")
        ws.cell(4, col("Factor key (fuel)"), "com-ipcc-2006:moon_gas")
        ws.cell(5, col("Activity amount"), "lots")
        ws.cell(6, col("Activity unit"), "km")

    data = _synthetic_workbook(city, damage)

    # when it is imported
    errors = _refused(city, data)

    # then every mistake comes in one answer, in line order; nothing is stored and the
    # workbook as sent is kept in quarantine with the same messages
    assert errors == [
        "line 3, column J: header 'Activity amount' appears twice",
        "line 4, column fuel: no emission factor 'com-ipcc-2006:moon_gas' for testville in or "
        "before 2023",
        "line 5, column amount: 'lots' is not a number",
        "line 6, column unit: unit 'km' (distance) cannot be converted to 'MWh' (energy) (the "
        "factor is per MWh)",
    ]
    assert not Inventory.objects.filter(city=city, year=2023).exists()
    kept = RejectedImport.objects.get()
    assert (kept.filename, bytes(kept.content), kept.errors) == ("ecrf.xlsx", data, errors)


def test_a_missing_gpc_ref_header_still_has_the_rows_checked_without_a_message_per_row(city):
    # given a workbook without its "GPC ref. no." header, with a data quality that is not
    # H, M or L (row 7) and a notation key without its explanation (row 13); row 11 is a
    # negative AFOLU figure and row 12 an IE line, both right only with their GPC refs
    def damage(ws, col) -> None:
        ws.cell(ecrf.HEADER_ROW, col("GPC ref. no.")).value = None
        ws.cell(7, col("Activity data quality"), "excellent")
        ws.cell(13, col("Explanation")).value = None

    # when it is imported
    errors = _refused(city, _synthetic_workbook(city, damage))

    # then the header's mistake is said once, the rows' own mistakes with it, and nothing
    # that only follows from the missing column (a GPC ref required on every row, the
    # negative figure, the IE line's target)
    assert errors == [
        f"line 3, column GPC ref. no.: required header is missing {ECRF_HEADER}",
        "line 7, column data_quality: 'excellent' is not H, M or L",
        "line 13, column explanation: required with notation key NO",
    ]
    assert not Inventory.objects.filter(city=city, year=2023).exists()


def test_a_missing_activity_header_and_a_doubled_gpc_ref_header_come_with_the_rows_mistakes(
        city):
    # given a workbook without its "Fuel type or activity" header, naming "GPC ref. no." a
    # second time (C), with an EU ETS flag that is not yes or no (row 14)
    def damage(ws, col) -> None:
        ws.cell(ecrf.HEADER_ROW, col("Fuel type or activity")).value = None
        ws.cell(ecrf.HEADER_ROW, col("CRF sector"), "GPC ref. no.")
        ws.cell(14, col("EU ETS installation"), "maybe")

    # when it is imported
    errors = _refused(city, _synthetic_workbook(city, damage))

    # then both header mistakes and the row's come at once, with no "activity: required" or
    # "duplicate" on every row for the missing column
    assert errors == [
        "line 3, column C: header 'GPC ref. no.' appears twice",
        f"line 3, column Fuel type or activity: required header is missing {ECRF_HEADER}",
        "line 14, column ets: 'maybe' is not yes or no",
    ]


def test_an_ecrf_3_without_any_header_row_is_refused_whole(city):
    from zerocity.inventory.models import RejectedImport

    # given a workbook whose eCRF_3 header row is gone: no column of the sheet can be told
    def damage(ws, col) -> None:
        ws.delete_rows(ecrf.HEADER_ROW)

    data = _synthetic_workbook(city, damage)

    # when it is imported
    errors = _refused(city, data)

    # then it is refused for its header alone, not once per row, and kept in quarantine
    assert errors == [
        f"line 3, column GPC ref. no.: required header is missing {ECRF_HEADER}",
        f"line 3, column Fuel type or activity: required header is missing {ECRF_HEADER}",
    ]
    assert RejectedImport.objects.get().errors == errors


# -- Climate City Contract tables --------------------------------------------------------------

# Kranj Action Plan table by the row labels of the exported sheet
A_1_3 = {ccc.A13_ROWS[row]: figures for row, figures in PUBLISHED_A_1_3.items()}


@pytest.fixture
def kranj_ccc(kranj) -> bytes:
    return export_inventory(Inventory.objects.get(city=kranj, year=2018), "ccc")


def test_ccc_a13_reproduces_kranjs_published_table(kranj_ccc):
    ws = sheet(kranj_ccc, "A-1.3")
    assert "Kranj" in ws["A1"].value and "2018" in ws["A1"].value and "AR5" in ws["A1"].value
    assert [c.value for c in ws[ccc.HEADER_ROW]] == ["Source sector", "Scope 1", "Scope 2",
                                                      "Scope 3", "Total"]
    rows = rows_by_label(ws, 5)
    assert list(rows) == list(A_1_3)
    for label, published in A_1_3.items():
        for got, want in zip(rows[label][1:], published, strict=True):
            assert got == pytest.approx(want, abs=1), (label, got, want)
    assert ws.cell(ccc.HEADER_ROW + 1, 2).number_format == "#,##0"


def test_ccc_a11_energy_by_sector_and_carrier(kranj_ccc):
    ws = sheet(kranj_ccc, "A-1.1")
    rows = {(r[0], r[1]): r[2:6]
            for r in ws.iter_rows(min_row=ccc.HEADER_ROW + 1, values_only=True) if r[0]}
    scope1, scope2, _, total = rows[("Buildings", "Natural gas")]
    assert scope1 == pytest.approx(70_851, abs=1) and scope2 is None
    assert rows[("Transport", "Diesel")][0] == pytest.approx(200_496, abs=1)
    assert rows[("Buildings", "Grid electricity (national factor)")][1] == pytest.approx(
        68_579, abs=1)
    # Kranj's published sector totals
    assert rows[("Buildings", "All carriers")][3] == pytest.approx(274_107, abs=1)
    assert rows[("Transport", "All carriers")][3] == pytest.approx(257_989, abs=1)
    assert rows[("Waste", "All carriers")][3] == pytest.approx(2_870, abs=1)
    assert rows[("IPPU", "All carriers")][3] == pytest.approx(119_754, abs=1)
    assert ws.cell(ccc.HEADER_ROW + 1, 3).number_format == "#,##0"
    # a sector's and the total's rows in bold, the carriers' in the workbook's own font
    bold = {r[0].value: r[0].font.b for r in ws.iter_rows(min_row=ccc.HEADER_ROW)
            if r[1].value in ("All carriers", "Energy carrier")}
    assert bold == {"Source sector": True, "Buildings": True, "Transport": True,
                    "Waste": True, "IPPU": True, "AFOLU": True, "Total": True}
    gas = ws.cell(next(r[0].row for r in ws.iter_rows() if r[1].value == "Natural gas"), 2)
    assert not gas.font.b and (gas.font.name, gas.font.sz) == ("Calibri", 11)


def test_ccc_a12_lists_each_factor_once_and_the_gwp_set(kranj_ccc):
    ws = sheet(kranj_ccc, "A-1.2")
    rows = rows_by_label(ws)
    assert rows["Grid electricity (national factor)"][1:3] == ["t/MWh", 0.358]
    assert rows["Natural gas"][2] == 0.205 and rows["District heat (Domplan)"][2] == 0.32
    factors = [r for r in rows if not r.startswith("GWP")]
    assert len(factors) == 7
    assert rows["GWP100 (AR5)"][2:5] == [1, 28, 265]
