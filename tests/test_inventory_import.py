"""The activity-data import: every error named by line and column, nothing stored from a bad
file, the same file twice changes nothing."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.utils.translation import override
from openpyxl import Workbook

from zerocity.core.errors import Conflict
from zerocity.inventory import services
from zerocity.inventory.models import ImportBatch, Inventory, InventoryLine, RejectedImport
from zerocity.inventory.parsing import ImportRejected
from zerocity.inventory.selectors import summary

pytestmark = pytest.mark.django_db

GOOD = """gpc_ref,activity,amount,unit,fuel,ef_co2,ef_unit,co2,ch4,co2e,notation_key,explanation,ie_ref,data_quality,source
I.1.1,Natural gas homes,1000,MWh,natural_gas,,,,,,,,,H,Gas DSO
I.1.2,Electricity homes,2000,MWh,,0.358,MWh,,,,,,,M,Electricity DSO
III.1.1,Landfill,,,,,,,10,,,,,L,Landfill operator
V.2,Forest sink,,,,,,,,-50,,,,L,Forest service
I.2.1,Commercial fuels,,,,,,,,,IE,Included with homes,I.1.1,,
I.7.1,Coal mining,,,,,,,,,NO,No coal mines in the city,,,
"""


def do_import(city, text, year=2022, **kw):
    return services.import_activity_file(city, year, text.encode(), "activity.csv", **kw)


def errors_of(city, text, **kw):
    with pytest.raises(ImportRejected) as exc:
        do_import(city, text, **kw)
    return exc.value.errors


def test_a_good_file_is_stored_with_gases_and_factor(city):
    result = do_import(city, GOOD)
    assert (result.rows, result.created) == (6, 6)
    inv = result.inventory
    gas = inv.lines.get(activity="Natural gas homes")
    assert gas.co2 == pytest.approx(1000 * 0.20196)
    assert gas.ch4 == pytest.approx(1000 * 1.8e-5)
    assert gas.factor.source == "com-ipcc-2006" and gas.ch4_fossil is True
    el = inv.lines.get(activity="Electricity homes")
    assert el.co2 == pytest.approx(716.0) and el.factor is None and el.ef_co2 == 0.358
    s = summary(inv)
    assert s["totals"]["scope2"] == pytest.approx(716.0)
    assert s["totals"]["scope1"] == pytest.approx(201.96 + 1000 * 1.8e-5 * 28
                                                  + 1000 * 3.6e-7 * 265 + 280 - 50)


def test_importing_the_same_file_twice_changes_nothing(city):
    first = do_import(city, GOOD)
    before = list(InventoryLine.objects.order_by("pk").values())
    again = do_import(city, GOOD)
    assert again.unchanged and (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert list(InventoryLine.objects.order_by("pk").values()) == before
    assert ImportBatch.objects.count() == 1 and first.batch is not None


def test_a_bad_file_is_refused_whole_with_every_error(city):
    do_import(city, GOOD)
    before = list(InventoryLine.objects.order_by("pk").values())
    bad = GOOD.replace("I.1.1,Natural gas homes,1000", "I.1.1,Natural gas homes,lots") \
        .replace("V.2,Forest sink", "I.9.9,Forest sink") + "II.1.1,Diesel,100,l,natural_gas,,,,,,,,,X,\n"
    errors = errors_of(city, bad)
    assert errors == [
        "line 2, column amount: 'lots' is not a number",
        "line 5, column gpc_ref: 'I.9.9' is not a GPC v1.1 reference number",
        "line 5, column co2e: -50 is negative; only AFOLU removals (V.x, column co2e) may be "
        "negative",
        "line 8, column data_quality: 'x' is not H, M or L",
        "line 8, column unit: unit 'l' (volume) cannot be converted to 'MWh' (energy) (the "
        "factor is per MWh)",
    ]
    assert list(InventoryLine.objects.order_by("pk").values()) == before


def test_a_refused_file_is_kept_in_quarantine_once_with_its_errors(city):
    from zerocity.inventory.models import RejectedImport

    bad = "gpc_ref,activity,co2\nI.1.1,Oil,much\n"
    for _ in range(2):
        errors_of(city, bad)
    kept = RejectedImport.objects.get()
    assert (kept.year, kept.filename, bytes(kept.content)) == (2022, "activity.csv",
                                                                bad.encode())
    assert kept.errors == ["line 2, column co2: 'much' is not a number"]


def test_a_unit_that_does_not_fit_the_factor_names_the_line(city):
    text = "gpc_ref,activity,amount,unit,fuel\nII.1.1,Diesel,100,km,natural_gas\n"
    assert errors_of(city, text) == [
        "line 2, column unit: unit 'km' (distance) cannot be converted to 'MWh' (energy) "
        "(the factor is per MWh)"
    ]
    assert not Inventory.objects.filter(city=city).exists()  # not even an empty inventory


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("I.1.1,Oil,,,,,,,,,NE,,,,", "line 2, column explanation: required with notation key NE"),
        ("I.1.1,Oil,,,,,,,,,IE,Elsewhere,,,",
         "line 2, column ie_ref: IE needs the gpc_ref of the line that carries the emissions"),
        ("I.1.1,Oil,,,,,,,,,IE,Elsewhere,I.2.1,,",
         "line 2, column ie_ref: IE points to I.2.1, which has no line carrying emissions in "
         "this inventory"),
        ("I.1.1,Oil,,,,,,5,,,NE,Not estimated,,,",
         "line 2, column notation_key: NE says there is no figure here, but emissions are "
         "given; a reported zero is written as 0 without a notation key"),
        ("I.1.1,Oil,,,,,,,,,XX,Why,,,", "line 2, column notation_key: 'XX' is not a notation "
         "key (NO, IE, NE or C)"),
        ("I.1.1,Oil,,,,,,,,,,,,,", "line 2, column amount: no emissions given: give amount with "
         "a factor (fuel or ef_*), gas amounts, co2e, or a notation key with an explanation"),
        ("I.1.1,Oil,10,MWh,natural_gas,0.2,MWh,,,,,,,,",
         "line 2, column fuel: give either fuel (a library factor) or ef_co2/ef_ch4/ef_n2o, "
         "not both"),
        ("I.1.1,Oil,10,MWh,unobtainium,,,,,,,,,,",
         "line 2, column fuel: no emission factor 'unobtainium' for testville in or before 2022"),
        ("I.1.1,Oil,10,MWh,natural_gas,,,3,,,,,,,",
         "line 2, column co2: emissions given twice: by an emission factor and directly"),
        (",Oil,,,,,,1,,,,,,,", "line 2, column gpc_ref: required"),
        ("I.1.1,,,,,,,1,,,,,,,", "line 2, column activity: required"),
        ("I.1.1,Oil,10,,natural_gas,,,,,,,,,,", "line 2, column unit: required when amount is "
         "given"),
        ("I.1.1,Oil,10,parsecs2,natural_gas,,,,,,,,,,",
         "line 2, column unit: unknown unit 'parsecs2'"),
    ],
)
def test_each_rule_has_a_precise_message(city, row, expected):
    header = GOOD.splitlines()[0]
    assert expected in errors_of(city, header + "\n" + row + "\n")


def test_header_problems_are_reported_on_line_1(city):
    errors = errors_of(city, "activity,amount,colour\nOil,1,red\n")
    assert errors[0].startswith("line 1, column colour: unknown column")
    assert "line 1, column gpc_ref: required column is missing" in errors


def test_duplicate_activity_in_a_file_points_to_the_first(city):
    text = "gpc_ref,activity,co2\nI.1.1,Oil,1\nI.1.1,Oil,2\n"
    assert errors_of(city, text) == [
        "line 3, column activity: duplicate of line 2 (same gpc_ref and activity)"]


def test_notation_key_is_not_a_reported_zero(city):
    text = "gpc_ref,activity,co2,notation_key,explanation\nI.7.1,Coal,,NO,No mines\nI.8.1,Gas leaks,0,,\n"
    inv = do_import(city, text).inventory
    rows = {r["gpc_ref"]: r for r in summary(inv)["rows"]}
    assert rows["I.7.1"]["notation_key"] == "NO" and rows["I.7.1"]["co2e"] == 0
    assert rows["I.8.1"]["notation_key"] is None and rows["I.8.1"]["co2e"] == 0


def test_replace_removes_lines_missing_from_the_file_and_merge_keeps_them(city):
    do_import(city, GOOD)
    extra = "gpc_ref,activity,co2\nII.1.1,Buses,42\n"
    merged = do_import(city, extra, mode="merge")
    assert (merged.created, merged.deleted) == (1, 0)
    assert merged.inventory.lines.count() == 7
    replaced = do_import(city, extra, mode="replace")
    assert (replaced.created, replaced.deleted) == (0, 6)
    assert list(replaced.inventory.lines.values_list("activity", flat=True)) == ["Buses"]


def test_a_changed_figure_updates_only_that_line(city):
    do_import(city, GOOD)
    result = do_import(city, GOOD.replace("Natural gas homes,1000", "Natural gas homes,1100"))
    assert (result.created, result.updated, result.deleted) == (0, 1, 0)
    line = result.inventory.lines.get(activity="Natural gas homes")
    assert line.amount == 1100 and line.batch == result.batch


def test_changing_the_gwp_changes_co2e_and_never_the_gases(city):
    inv = do_import(city, GOOD, gwp="AR5").inventory
    gases_before = list(inv.lines.order_by("pk").values("co2", "ch4", "n2o"))
    ar5 = summary(inv)["totals"]["scope1"]
    inv = services.set_gwp(inv, "AR6")
    ar6 = summary(inv)["totals"]["scope1"]
    assert list(inv.lines.order_by("pk").values("co2", "ch4", "n2o")) == gases_before
    # the 10 t landfill CH4 and the natural-gas CH4/N2O carry the whole difference
    ch4 = 10 + 1000 * 1.8e-5
    n2o = 1000 * 3.6e-7
    assert ar6 - ar5 == pytest.approx(ch4 * (27.9 - 28) + n2o * (273 - 265), rel=1e-9)


def test_fossil_and_non_fossil_methane_under_ar6_split(city):
    text = ("gpc_ref,activity,ch4,ch4_origin\nI.8.1,Gas network leaks,1,\n"
            "III.1.1,Landfill,1,\nV.1,Cattle,1,fossil\n")
    inv = do_import(city, text, gwp="AR6-CH4split").inventory
    rows = {r["activity"]: r["co2e"] for r in summary(inv)["rows"]}
    assert rows == {"Gas network leaks": 29.8, "Landfill": 27.0, "Cattle": 29.8}


def test_a_published_inventory_refuses_an_import(city):
    inv = do_import(city, GOOD).inventory
    services.publish_inventory(inv)
    with override("en"), pytest.raises(Conflict, match="The 2022 inventory is published; "
                                                       "withdraw it from the public before"):
        do_import(city, GOOD.replace("1000", "1001"))
    assert inv.lines.get(activity="Natural gas homes").amount == 1000


def test_xlsx_with_the_same_columns_imports_like_the_csv(city, db):
    wb = Workbook()
    ws = wb.active
    for row in GOOD.splitlines():
        ws.append([_cell(v) for v in row.split(",")])
    buf = io.BytesIO()
    wb.save(buf)
    from_xlsx = services.import_activity_file(city, 2021, buf.getvalue(), "activity.xlsx")
    from_csv = do_import(city, GOOD, year=2020)
    assert summary(from_xlsx.inventory)["totals"] == summary(from_csv.inventory)["totals"]


def test_xlsx_errors_name_the_row_and_column(city):
    wb = Workbook()
    wb.active.append(["gpc_ref", "activity", "co2"])
    wb.active.append(["I.1.1", "Oil", "much"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRejected) as exc:
        services.import_activity_file(city, 2021, buf.getvalue(), "a.xlsx")
    assert exc.value.errors == ["line 2, column co2: 'much' is not a number"]


def test_semicolon_csv_with_decimal_comma_from_a_slovenian_spreadsheet(city):
    text = "gpc_ref;activity;amount;unit;ef_co2;ef_unit\nI.1.2;Elektrika;1.234,5;MWh;0,358;MWh\n"
    inv = do_import(city, text).inventory
    assert inv.lines.get().co2 == pytest.approx(1234.5 * 0.358)


def test_a_city_factor_overrides_the_library_and_versions_are_kept(city):
    services.add_factor(city=city, source="city", key="natural_gas", year=2020, unit="MWh",
                        co2=0.205)
    v2 = services.add_factor(city=city, source="city", key="natural_gas", year=2020,
                             unit="MWh", co2=0.206)
    same = services.add_factor(city=city, source="city", key="natural_gas", year=2020,
                               unit="MWh", co2=0.206)
    assert (v2.version, same.pk) == (2, v2.pk)
    inv = do_import(city, "gpc_ref,activity,amount,unit,fuel\nI.1.1,Gas,100,MWh,natural_gas\n")
    line = inv.inventory.lines.get()
    assert (line.factor_id, line.co2) == (v2.pk, pytest.approx(20.6))
    # the library factor stays reachable by naming its source
    lib = do_import(city, "gpc_ref,activity,amount,unit,fuel\n"
                          "I.1.1,Gas,100,MWh,com-ipcc-2006:natural_gas\n", year=2023)
    assert lib.inventory.lines.get().co2 == pytest.approx(20.196)


def test_local_electricity_factor_is_stored_for_the_city(city):
    f = services.add_local_electricity_factor(
        city, 2022, total_consumption=100_000, local_production=10_000,
        green_purchases=5_000, national_factor=0.358)
    assert (f.source, f.key, f.co2) == ("com-local", "electricity", pytest.approx(0.3043))
    inv = do_import(city, "gpc_ref,activity,amount,unit,fuel\nI.1.2,Power,1000,MWh,electricity\n")
    assert inv.inventory.lines.get().co2 == pytest.approx(304.3)


def _cell(value):
    try:
        return float(value)
    except ValueError:
        return value or None


# -- every mistake in one pass -----------------------------------------------------------------

ONE_PASS_HEADER = "gpc_ref,activity,amount,unit,fuel,ef_co2,ef_unit,notation_key,explanation," \
    "ie_ref,data_quality"


def test_a_bad_number_a_unit_that_cannot_convert_and_an_unknown_gpc_ref_are_reported_at_once(
        city):
    from zerocity.inventory.models import RejectedImport

    # given a file with a bad number (line 3), a unit the library factor cannot convert
    # (line 4) and an unknown GPC reference (line 5): three different checks find them
    text = (f"{ONE_PASS_HEADER}\n"
            "I.1.1,Gas homes,1000,MWh,natural_gas,,,,,,H\n"
            "I.1.2,Oil homes,lots,MWh,natural_gas,,,,,,\n"
            "II.1.1,Diesel buses,100,km,natural_gas,,,,,,\n"
            "I.9.9,Nowhere,10,MWh,natural_gas,,,,,,\n")

    # when it is imported
    errors = errors_of(city, text)

    # then all three are named in one answer, in line order, and nothing is stored
    assert errors == [
        "line 3, column amount: 'lots' is not a number",
        "line 4, column unit: unit 'km' (distance) cannot be converted to 'MWh' (energy) "
        "(the factor is per MWh)",
        "line 5, column gpc_ref: 'I.9.9' is not a GPC v1.1 reference number",
    ]
    assert not Inventory.objects.filter(city=city).exists()
    assert RejectedImport.objects.get().errors == errors


def test_checks_on_the_factor_library_and_across_lines_also_run_on_lines_with_bad_cells(city):
    # given a file mixing mistakes of every kind, some on the same line: an unknown column, a
    # fuel the library lacks beside a bad data quality, an IE that points to no line, a
    # duplicate of a line that has a bad cell, and cells whose one mistake must be said once
    text = (f"{ONE_PASS_HEADER},colour\n"
            "I.1.1,Gas homes,1000,MWh,natural_gas,,,,,,H,\n"
            "II.1.2,Trains,10,MWh,unobtainium,,,,,,X,\n"
            "I.2.1,Shops,,,,,,IE,Counted elsewhere,I.3.1,,\n"
            "I.1.2,Oil homes,5,parsecs2,natural_gas,,,,,,,\n"
            "I.1.2,Oil homes,5,MWh,natural_gas,,,,,,Q,\n"
            "I.4.1,Factories,5,MWh,,much,MWh,,,,,red\n"
            "I.4.2,Plants,5,MWh,,0.2,t,,,,,\n")

    # when it is imported
    errors = errors_of(city, text)

    # then every mistake is named once, in line order
    assert errors == [
        "line 1, column colour: unknown column; known columns are "
        "gpc_ref, activity, amount, unit, fuel, ef_co2, ef_ch4, ef_n2o, ef_unit, co2, ch4, n2o, "
        "sf6, nf3, hfcs, pfcs, co2_biogenic, co2e, notation_key, explanation, ie_ref, "
        "data_quality, source, ets, ccc_sector, ch4_origin",
        "line 3, column data_quality: 'x' is not H, M or L",
        "line 3, column fuel: no emission factor 'unobtainium' for testville in or before 2022",
        "line 4, column ie_ref: IE points to I.3.1, which has no line carrying emissions in "
        "this inventory",
        "line 5, column unit: unknown unit 'parsecs2'",
        "line 6, column data_quality: 'q' is not H, M or L",
        "line 6, column activity: duplicate of line 5 (same gpc_ref and activity)",
        "line 7, column ef_co2: 'much' is not a number",
        "line 8, column unit: unit 'MWh' (energy) cannot be converted to 't' (mass) (the "
        "factor is per t)",
    ]
    assert not Inventory.objects.filter(city=city).exists()


# -- hostile files: refused in bounded time and memory, quarantine stays small ---------------

def test_a_file_producing_1_8_million_errors_keeps_the_first_per_column_and_counts(city,
                                                                                   settings):
    """The 408 KB file of the finding: every cell of every line wrong. With the row limit
    lowered to keep the test fast, the same shape: quarantine holds the first errors of each
    column and one line per column with how many more there were."""
    settings.IMPORT_MAX_ROWS = 30_000
    settings.QUARANTINE_KEEP_PER_COLUMN = 5
    header = "gpc_ref,activity,amount,unit,fuel,ef_co2,ef_ch4,ef_n2o,data_quality"
    line = "X.9,a,x,?,?,x,x,x,Q"
    text = header + "\n" + "\n".join(line.replace(",a,", f",a{i},") for i in range(29_000))
    with pytest.raises(ImportRejected) as exc:
        do_import(city, text)
    assert exc.value.total > 29_000 * 6
    assert len(exc.value.errors) <= 5 * 9
    kept = RejectedImport.objects.get()
    assert kept.errors[:5] == exc.value.errors[:5]
    assert any(e.startswith("column amount: ") and e.endswith(" more errors of this column "
                                                              "not listed")
               for e in kept.errors)
    assert len(kept.errors) <= 5 * 9 + 9
    assert len(json.dumps(kept.errors)) < 20_000


def test_a_csv_with_a_million_columns_is_refused_on_its_header(city):
    text = ",".join(["gpc_ref", "activity"] + ["x"] * 1_000_000) + "\nI.1.1,a\n"
    errors = errors_of(city, text)
    assert errors == ["line 1, column -: the header has 1,000,002 columns, more than the 200 "
                      "an activity-data file may have"]
    assert RejectedImport.objects.get().errors == errors


def test_a_file_with_more_lines_than_any_inventory_is_refused(city, settings):
    settings.IMPORT_MAX_ROWS = 10
    text = "gpc_ref,activity\n" + "\n".join(f"I.1.1,a{i}" for i in range(11))
    assert errors_of(city, text) == [
        "line 12, column -: more than 10 lines; an inventory has far fewer: is this the right "
        "file?"]


def _zip_bomb(parts: int = 1, size: int = 300 * 2**20) -> bytes:
    """A workbook-shaped zip whose sheet unpacks to ``size`` bytes: about 300 KB on disk."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b" " * 2**20
            for _ in range(size // 2**20):
                sheet.write(chunk)
        for i in range(max(parts - 2, 0)):
            zf.writestr(f"xl/media/p{i}.bin", b"")
    return buffer.getvalue()


def test_a_zip_bomb_workbook_is_refused_from_its_directory(city):
    bomb = _zip_bomb()
    assert len(bomb) < 2**20
    with pytest.raises(ImportRejected) as exc:
        services.import_activity_file(city, 2022, bomb, "activity.xlsx")
    assert exc.value.errors == [
        "line 1, column -: the workbook unpacks to 300 MB, more than the 200 MB a workbook "
        "may hold; save it as CSV or send it in parts"]
    assert RejectedImport.objects.get().errors == exc.value.errors


def test_a_workbook_of_thousands_of_parts_is_refused(city):
    with pytest.raises(ImportRejected) as exc:
        services.import_activity_file(city, 2022, _zip_bomb(parts=5_000, size=2**20),
                                      "activity.xlsx")
    assert exc.value.errors == ["line 1, column -: the workbook has 5,000 parts, more than "
                                "the 1,000 a workbook may have"]


def test_a_workbook_claiming_a_million_rows_reads_only_the_rows_it_has(city):
    wb = Workbook()
    ws = wb.active
    ws.append(["gpc_ref", "activity", "co2"])
    ws.append(["I.1.1", "Homes", 10])
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    # the sheet's dimension claims A1:XFD1048576, as a hostile file's may
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b'<dimension ref="A1:C2" />',
                                    b'<dimension ref="A1:XFD1048576" />')
                assert b"XFD1048576" in body
            zf.writestr(info, body)
    result = services.import_activity_file(city, 2022, out.getvalue(), "activity.xlsx")
    assert result.rows == 1
