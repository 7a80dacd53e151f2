"""The columnar reader of activity files equals the per-line one: on generated files, good
and bad, the same lines (every stored value and every bad-cell mark) and the same errors,
word for word and in the same order; through the import, the same stored lines, the same
refusals and the same totals."""

from __future__ import annotations

import csv
import io
import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from zerocity.inventory import calculations as calc
from zerocity.inventory import gpc, services
from zerocity.inventory.columns import read_activity_columns
from zerocity.inventory.models import InventoryLine
from zerocity.inventory.parsing import COLUMNS, ImportRejected, read_activity_file
from zerocity.inventory.selectors import summary

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from inventory_bench import make_csv  # noqa: E402

NUMBERS = ["", "", "", "100", "2.5", "1e3", "0", "-0", "-5", "abc", "nan", "inf", " ", "1 000",
           "12,5", "1.234,5", "1_000", "\u00a05", " 7 "]
CELLS: dict[str, list[str]] = {
    "gpc_ref": ["I.1.1", "I.1.2", "I.2.1", "II.1.1", "III.1.1", "V.1", "V.2", "I.4.4",
                " I.1.1 ", "X.9", ""],
    "activity": ["homes", "offices", "buses", "", " spaced ", "x" * 301],
    "amount": NUMBERS,
    "unit": ["", "MWh", "kWh", "GJ", "zorks", "t", " MWh ", "kWh/0"],
    "fuel": ["", "", "natural_gas", "wood", "nosuch", "ipcc2006:natural_gas"],
    "ef_unit": ["", "", "MWh", "kg", "zorks"],
    "notation_key": ["", "", "", "NO", "ie", "IE", "NE", "C", "XX"],
    "explanation": ["", "because", "  "],
    "ie_ref": ["", "", "I.1.1", "I.2.1", "Z"],
    "data_quality": ["", "H", "medium", "x"],
    "source": ["", "s", " a source "],
    "ets": ["", "yes", "no", "maybe", "1", "N"],
    "ccc_sector": ["", "Transport", "other", "nope"],
    "ch4_origin": ["", "fossil", "Non-Fossil", "bio"],
}
for _name in ("ef_co2", "ef_ch4", "ef_n2o", "co2", "ch4", "n2o", "sf6", "nf3", "hfcs", "pfcs",
              "co2_biogenic", "co2e"):
    CELLS[_name] = NUMBERS


def same(data: bytes, filename: str = "activity.csv") -> None:
    """Both readers give the same answer for ``data``: lines, errors (kept and counted), or
    the same refusal."""
    try:
        exact = read_activity_file(data, filename)
    except ImportRejected as exc:
        with pytest.raises(ImportRejected) as fast:
            read_activity_columns(data, filename)
        assert fast.value.errors == exc.errors
        assert fast.value.dropped == exc.dropped
        return
    columns = read_activity_columns(data, filename)
    assert columns.lines == exact.lines
    assert list(columns.errors) == list(exact.errors)
    assert columns.errors.dropped == exact.errors.dropped
    assert (columns.fmt, columns.sha256) == (exact.fmt, exact.sha256)


# Good lines of each kind: most generated lines start from one and get a cell or two changed,
# so that a rule broken alone (the case the columns must catch themselves) is common.
GOOD_LINES = [
    {"gpc_ref": "I.1.1", "amount": "100", "unit": "MWh", "fuel": "natural_gas"},
    {"gpc_ref": "I.1.2", "amount": "2000", "unit": "kWh", "ef_co2": "0.358", "ef_unit": "MWh"},
    {"gpc_ref": "III.1.1", "ch4": "10", "co2": "2"},
    {"gpc_ref": "V.2", "co2e": "-50"},
    {"gpc_ref": "I.2.1", "notation_key": "IE", "explanation": "x", "ie_ref": "I.1.1"},
    {"gpc_ref": "I.7.1", "notation_key": "NO", "explanation": "none"},
]
OPTIONAL_GOOD = {"data_quality": ["", "H", "low"], "source": ["", "meter"],
                 "ets": ["", "no", "yes"], "ccc_sector": ["", "other", "Waste"],
                 "ch4_origin": ["", "fossil", "non-fossil"]}


@st.composite
def activity_files(draw: st.DrawFn) -> bytes:
    optional = [c for c in COLUMNS if c not in ("gpc_ref", "activity")]
    chosen = optional if draw(st.booleans()) else draw(
        st.lists(st.sampled_from(optional), unique=True))
    header = draw(st.permutations(["gpc_ref", "activity", *chosen]))
    if draw(st.integers(0, 9)) == 0:  # a header with a mistake, or a column to ignore
        header = [*header, draw(st.sampled_from(["result_co2e", "colour", header[0]]))]
    semicolon = draw(st.booleans())
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if semicolon else ",", quoting=quoting,
                        lineterminator=newline)
    writer.writerow(header)
    for i in range(draw(st.integers(0, 25))):
        shape = draw(st.integers(0, 19))
        if shape == 0:
            writer.writerow([])  # a blank line
            continue
        good = {**draw(st.sampled_from(GOOD_LINES)),
                "activity": draw(st.sampled_from([f"line {i}", f"line {i}", "homes"]))}
        for name, cells in OPTIONAL_GOOD.items():
            good[name] = draw(st.sampled_from(cells))
        row = [good.get(name, "") for name in header]
        for _ in range(draw(st.sampled_from([0, 1, 1, 2, 5]))):
            at = draw(st.integers(0, len(header) - 1))
            row[at] = draw(st.sampled_from(CELLS.get(header[at], ["", "x"])))
        if shape == 1:
            row = row[: draw(st.integers(1, len(row)))]  # a short line
        elif shape == 2:
            row = [*row, draw(st.sampled_from(["", "extra"]))]  # a wide line
        elif shape == 3 and row:
            row[0] = draw(st.sampled_from(["", " "]))
        writer.writerow(row)
    return out.getvalue().encode()


@pytest.mark.django_db
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=activity_files())
def test_the_columnar_reader_equals_the_per_line_reader_on_generated_files(data):
    same(data)


def _mostly_good(seed: int, n: int = 3000, bad_share: float = 0.02) -> bytes:
    """The benchmark's valid file with a seeded sprinkling of bad cells and duplicates."""
    rnd = random.Random(seed)
    rows = list(csv.reader(io.StringIO(make_csv(n, seed).decode())))
    header = rows[0]
    for row in rows[1:]:
        if rnd.random() < bad_share:
            name = rnd.choice(header)
            row[header.index(name)] = rnd.choice(CELLS.get(name, ["x"]))
        if rnd.random() < bad_share / 4:
            row[1] = rows[1][1]  # a duplicate of the first line's activity
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_readers_agree_on_large_files_with_a_few_bad_cells(seed, settings):
    settings.QUARANTINE_KEEP_PER_COLUMN = 5  # which errors the bounded log keeps, too
    same(_mostly_good(seed))
    same(make_csv(3000, seed))
    text = make_csv(500, seed).decode()
    same(text.replace(",", ";").replace(".", ",").encode())  # a Slovenian spreadsheet
    same(text.replace("\n", "\n\n").encode())  # blank lines between


@pytest.mark.django_db
def test_the_readers_agree_on_a_workbook_with_typed_cells():
    wb = Workbook()
    ws = wb.active
    ws.append(["gpc_ref", "activity", "amount", "unit", "fuel", "co2e", "ets"])
    ws.append(["I.1.1", "homes", 1000, "MWh", "natural_gas", None, True])
    ws.append(["V.2", 7, None, None, None, -50.5, "no"])
    ws.append(["I.1.2", "offices", "12a", "MWh", "natural_gas", None, None])
    ws.append([None, None, None, None, None, None, None])
    ws.append(["II.1.1", "buses", 1.5, "MWh", "gas_diesel_oil", None, "yes"])
    buf = io.BytesIO()
    wb.save(buf)
    same(buf.getvalue(), "activity.xlsx")


def _stored(inventory) -> list[dict]:
    skip = {"id", "inventory_id", "batch_id"}
    names = [f.attname for f in InventoryLine._meta.concrete_fields if f.attname not in skip]
    return list(inventory.lines.order_by("position").values(*names))


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [4, 5])
def test_an_import_stores_the_same_lines_and_totals_whichever_reader(city, monkeypatch, seed):
    data = make_csv(2000, seed)
    by_columns = services.import_activity_file(city, 2022, data, "a.csv").inventory
    monkeypatch.setattr(services, "READER", read_activity_file)
    by_lines = services.import_activity_file(city, 2023, data, "a.csv").inventory
    assert _stored(by_columns) == _stored(by_lines)
    a, b = summary(by_columns), summary(by_lines)
    for key in ("totals", "sectors", "ccc_a13", "rows"):
        assert a[key] == b[key]


def _row_of(line: InventoryLine, gwp) -> dict:
    """A summary row as the ORM's model of the line gives it, one line at a time."""
    f = line.factor
    factor = None if not line.ef_unit else {
        "unit": line.ef_unit, "co2": line.ef_co2, "ch4": line.ef_ch4, "n2o": line.ef_n2o,
        **({"source": "inline"} if f is None else {
            "id": f.pk, "source": f.source, "key": f.key, "year": f.year,
            "version": f.version, "label": f.label})}
    gases = calc.Gases(co2=line.co2, ch4=line.ch4, n2o=line.n2o, sf6=line.sf6, nf3=line.nf3,
                       hfcs=line.hfcs, pfcs=line.pfcs, co2_biogenic=line.co2_biogenic,
                       co2e_direct=line.co2e_direct, ch4_fossil=line.ch4_fossil)
    model = calc.Line(ref=line.gpc_id, gases=gases, notation_key=line.notation_key,
                      ets=line.ets, ccc_sector=line.ccc_sector)
    category = gpc.category(line.gpc_id)
    return {
        "gpc_ref": line.gpc_id, "sector": category.sector,
        "subsector": category.subsector_name, "scope": category.scope,
        "level": category.level.value, "activity": line.activity, "amount": line.amount,
        "unit": line.unit or None, "factor": factor,
        "gases_t": {"co2": line.co2, "ch4": line.ch4, "n2o": line.n2o, "sf6": line.sf6,
                    "nf3": line.nf3, "co2_biogenic": line.co2_biogenic},
        "hfcs_t_co2e": line.hfcs, "pfcs_t_co2e": line.pfcs,
        "co2e_direct_t": line.co2e_direct, "ch4_fossil": line.ch4_fossil,
        "co2e": calc.line_co2e(model, gwp), "notation_key": line.notation_key or None,
        "explanation": line.explanation, "ie_ref": line.ie_ref or None,
        "data_quality": line.data_quality or None, "source": line.source, "ets": line.ets,
        "ccc_sector": model.ccc.value,
    }


@pytest.mark.django_db
def test_the_summarys_rows_are_the_lines_as_the_orm_reads_them_with_repeats_held_once(city):
    """The summary reads 100,000 lines with one cursor and holds what they repeat once (the
    benchmark's memory): every row must still be its line, field for field, with the CO2e of
    ``calculations.line_co2e``."""
    inventory = services.import_activity_file(city, 2022, make_csv(3000, 8), "a.csv").inventory
    rows = summary(inventory)["rows"]
    lines = inventory.lines.select_related("factor").order_by("position")
    assert rows == [_row_of(line, inventory.gwp_set) for line in lines]
    # lines with the same factor share one description of it, and texts are held once
    factors = {id(r["factor"]) for r in rows if r["factor"]}
    applied = {(r["factor"]["unit"], r["factor"]["co2"], r["factor"]["ch4"],
                r["factor"]["n2o"], r["factor"].get("id")) for r in rows if r["factor"]}
    assert len(factors) == len(applied) < 40 and len(rows) == 3000
    assert len({id(r["source"]) for r in rows}) == len({r["source"] for r in rows}) <= 5


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [6, 7])
def test_an_import_refuses_a_bad_file_with_the_same_errors_whichever_reader(
        city, monkeypatch, seed):
    by_columns, by_lines = _refused_both_ways(city, monkeypatch,
                                              _mostly_good(seed, n=1500, bad_share=0.05))
    assert by_columns.errors == by_lines.errors
    assert by_columns.dropped == by_lines.dropped


def _refused_both_ways(city, monkeypatch, data):  # type: ignore[no-untyped-def]
    """The refusal of ``data`` by the columnar reader, then by the per-line one."""
    with pytest.raises(ImportRejected) as by_columns:
        services.import_activity_file(city, 2022, data, "a.csv")
    monkeypatch.setattr(services, "READER", read_activity_file)
    with pytest.raises(ImportRejected) as by_lines:
        services.import_activity_file(city, 2022, data, "a.csv")
    return by_columns.value, by_lines.value


# -- the stored values computed a column at a time --------------------------------------------
#
# A good file's gases and stored values are computed as columns (``stored.stored_columns``);
# the per-line path (``services._line_values``, which the per-line reader's files take) is the
# reference. Values are compared by ``repr``, so 0.0 and -0.0 differ: the same to the bit.

POSITIVE = ["0", "-0", "1", "2.5", "1e3", "0.1", "123456.789", "3e-7", "7"]
FACTOR_UNITS = ["MWh", "kWh", "GJ", "TJ", "MWH", "kWh "]
DIRECT = ["co2", "ch4", "n2o", "sf6", "nf3", "hfcs", "pfcs", "co2_biogenic"]


@st.composite
def good_files(draw: st.DrawFn) -> bytes:
    """Files without a mistake, of every kind of line: a library fuel (the general library's or
    the city's own, per m3), an inline factor with any of its gases, gases or CO2e given
    directly, notation keys; units to convert or not, zeros of both signs."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for i in range(draw(st.integers(1, 30))):
        row = dict.fromkeys(COLUMNS, "")
        row["activity"] = f"line {i}"
        kind = draw(st.integers(0, 5))
        if kind == 0:
            row.update(gpc_ref=draw(st.sampled_from(["I.1.1", "I.2.1", "II.1.1", "III.1.1"])),
                       amount=draw(st.sampled_from(POSITIVE)),
                       unit=draw(st.sampled_from(FACTOR_UNITS)),
                       fuel=draw(st.sampled_from(["natural_gas", "wood", "gas_diesel_oil",
                                                  "com-ipcc-2006:biodiesel"])))
        elif kind == 1:
            row.update(gpc_ref=draw(st.sampled_from(["I.1.1", "V.1", "III.2.1"])),
                       amount=draw(st.sampled_from(POSITIVE)),
                       unit=draw(st.sampled_from(["m3", "L", "Nm3", "liter"])), fuel="biogas")
        elif kind == 2:
            row.update(gpc_ref=draw(st.sampled_from(["I.1.2", "II.1.2", "IV.1", "V.2"])),
                       amount=draw(st.sampled_from(POSITIVE)),
                       unit=draw(st.sampled_from(FACTOR_UNITS)),
                       ef_unit=draw(st.sampled_from(FACTOR_UNITS)))
            gases = draw(st.lists(st.sampled_from(["ef_co2", "ef_ch4", "ef_n2o"]), min_size=1,
                                  unique=True))
            for gas in gases:
                row[gas] = draw(st.sampled_from(POSITIVE))
        elif kind == 3:
            row["gpc_ref"] = draw(st.sampled_from(["III.1.1", "IV.1", "I.4.4", "II.1.1"]))
            for gas in draw(st.lists(st.sampled_from(DIRECT), min_size=1, unique=True)):
                row[gas] = draw(st.sampled_from(POSITIVE))
        elif kind == 4:
            row.update(gpc_ref=draw(st.sampled_from(["V.1", "V.2", "I.1.1"])))
            row["co2e"] = draw(st.sampled_from(
                [*POSITIVE, "-30.5", "-0.25"] if row["gpc_ref"].startswith("V") else POSITIVE))
        else:
            row.update(gpc_ref=draw(st.sampled_from(["I.7.1", "I.6.1"])),
                       notation_key=draw(st.sampled_from(["NO", "NE", "C"])),
                       explanation="none here")
        if kind != 5:
            row["ch4_origin"] = draw(st.sampled_from(["", "", "fossil", "non-fossil"]))
        row["ets"] = draw(st.sampled_from(["", "no", "yes"]))
        row["data_quality"] = draw(st.sampled_from(["", "H", "m"]))
        row["ccc_sector"] = draw(st.sampled_from(["", "other", "waste"]))
        row["source"] = draw(st.sampled_from(["", "meter"]))
        writer.writerow(row.values())
    return out.getvalue().encode()


def _city_factor(city) -> None:
    """The city's own factor per m3 (the general library's are per MWh)."""
    services.add_factor(city=city, source="own", key="biogas", year=2020, unit="m3",
                        co2=0.0019, ch4=3.1e-7, n2o=1e-8, co2_biogenic=0.0011, fossil=False)


def _exact(rows: list[dict]) -> list[str]:
    return [repr(sorted(row.items())) for row in rows]


def _no_per_line_path(*args, **kwargs):
    raise AssertionError("a good file read as columns took the per-line path")


def _both_ways(city, monkeypatch, files: list[bytes], mode: str = "replace") -> list[list]:
    """The same imports by the columns (year 2022; the per-line path is forbidden) and by the
    per-line reader and path (year 2023): the same results and stored lines, to the bit."""
    results = {}
    for year, reader in ((2022, read_activity_columns), (2023, read_activity_file)):
        with monkeypatch.context() as m:
            m.setattr(services, "READER", reader)
            if reader is read_activity_columns:
                m.setattr(services, "_checked_lines", _no_per_line_path)
            results[year] = [
                services.import_activity_file(city, year, data, "a.csv", mode=mode)
                for data in files]
    counts = [[(r.rows, r.created, r.updated, r.deleted, r.unchanged) for r in results[year]]
              for year in (2022, 2023)]
    assert counts[0] == counts[1]
    by_columns, by_lines = results[2022][-1].inventory, results[2023][-1].inventory
    assert _exact(_stored(by_columns)) == _exact(_stored(by_lines))
    a, b = summary(by_columns), summary(by_lines)
    for key in ("totals", "sectors", "ccc_a13"):
        assert repr(a[key]) == repr(b[key])
    assert _exact(a["rows"]) == _exact(b["rows"])
    return [results[2022], results[2023]]


@pytest.mark.django_db
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(first=good_files(), second=good_files())
def test_the_columns_store_the_per_line_paths_values_to_the_bit(city, monkeypatch, first,
                                                                 second):
    """Gases, factors and every stored value of good files, imported, imported again (nothing
    changes) and replaced by another file, equal the per-line path's."""
    from zerocity.inventory.models import Inventory

    Inventory.objects.filter(city=city).delete()
    _city_factor(city)  # once: the same factor again adds nothing
    results = _both_ways(city, monkeypatch, [first, first, second, second])
    assert all(r[1].unchanged and r[3].unchanged for r in results)  # the same file: no write


@pytest.mark.django_db
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(first=good_files(), second=good_files())
def test_a_merge_by_the_columns_equals_the_per_line_paths(city, monkeypatch, first, second):
    from zerocity.inventory.models import Inventory

    Inventory.objects.filter(city=city).delete()
    _city_factor(city)
    _both_ways(city, monkeypatch, [first, second, first], mode="merge")


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [8, 9])
def test_the_benchmarks_file_is_stored_the_same_by_columns_and_by_lines(city, monkeypatch,
                                                                        seed):
    data = make_csv(3000, seed)
    changed = data.replace(b",MWh,", b",GJ,", 200)  # some lines change: updates
    results = _both_ways(city, monkeypatch, [data, data, changed])
    assert all(r[1].unchanged and r[2].updated for r in results)


# A file whose cells are all good but whose values are wrong only once the factors are known:
# the columns cannot word it, so the import takes the per-line path, with its messages.
VALUE_MISTAKES = [
    b"gpc_ref,activity,amount,unit,fuel\nI.1.1,homes,100,MWh,natural_gas\n"
    b"I.2.1,shops,5,MWh,no_such_fuel\n",
    b"gpc_ref,activity,amount,unit,fuel\nI.1.1,homes,100,MWh,natural_gas\n"
    b"I.2.1,shops,5,t,natural_gas\n",
    b"gpc_ref,activity,amount,unit,ef_co2,ef_unit\nI.1.2,homes,100,MWh,0.3,kg\n",
    b"gpc_ref,activity,amount,unit,fuel,notation_key,explanation,ie_ref\n"
    b"I.1.1,homes,100,MWh,natural_gas,,,\nI.2.1,shops,,,,IE,elsewhere,I.3.1\n",
]


@pytest.mark.django_db
@pytest.mark.parametrize("data", VALUE_MISTAKES)
def test_a_mistake_only_the_values_show_is_worded_by_the_per_line_path(city, monkeypatch,
                                                                       data):
    assert read_activity_columns(data, "a.csv").columns is not None  # read as columns
    by_columns, by_lines = _refused_both_ways(city, monkeypatch, data)
    assert by_columns.errors == by_lines.errors
    assert by_columns.errors  # and there is something to say


@pytest.mark.django_db
@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=good_files())
def test_stored_columns_equal_line_values_line_by_line(city, data):
    """``stored_columns`` against ``_line_values`` of each line, without the database's
    round trip in between."""
    from zerocity.inventory.stored import VALUE_FIELDS, stored_columns

    _city_factor(city)
    parsed = read_activity_columns(data, "a.csv")
    assert parsed.columns is not None and not parsed.errors
    resolver = services.FactorResolver(city, 2022)

    def resolve(spec):
        factor = resolver.resolve(spec)
        return None if factor is None else resolver.values(spec, factor)

    columns = stored_columns(parsed.columns, resolve)
    errors: list[str] = []
    lines = [services._line_values(p, resolver, errors) for p in parsed.lines]
    assert not errors and columns is not None
    for name in VALUE_FIELDS:
        assert [repr(v) for v in columns[name]] == [repr(line[name]) for line in lines], name


@pytest.mark.django_db
def test_an_ecrf_workbook_whose_only_mistake_is_its_header_is_refused_either_way(city,
                                                                                  monkeypatch):
    from openpyxl import load_workbook

    from zerocity.inventory import ecrf

    inventory = services.import_activity_file(city, 2021, make_csv(40, 3), "a.csv").inventory
    wb = load_workbook(io.BytesIO(ecrf.export_workbook(inventory)))
    ws = wb["eCRF_3"]
    headers = [c.value for c in ws[ecrf.HEADER_ROW]]
    ws.cell(ecrf.HEADER_ROW, headers.index("Activity description & methodology") + 1,
            "Activity amount")
    buf = io.BytesIO()
    wb.save(buf)
    refusals = []
    for reader in (read_activity_columns, read_activity_file):
        monkeypatch.setattr(services, "READER", reader)
        with pytest.raises(ImportRejected) as exc:
            services.import_activity_file(city, 2022, buf.getvalue(), "ecrf.xlsx")
        refusals.append(exc.value.errors)
    assert refusals[0] == refusals[1]
    assert refusals[0] == [f"line {ecrf.HEADER_ROW}, column J: header 'Activity amount' "
                           "appears twice"]
