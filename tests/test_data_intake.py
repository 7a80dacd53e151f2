"""The data intake: every rule refuses a bad row with its line, column and reason, the good
rows land in the partitioned Parquet store, re-sending changes nothing, memory stays bounded by
a chunk, and tokens are kept hashed. Real SQLite/PostgreSQL, real Parquet files, real DuckDB."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from zerocity.cli import main
from zerocity.core.errors import Conflict
from zerocity.core.models import AuditLog
from zerocity.data import intake, services, store
from zerocity.data.demo import KRANJ_SOURCES, ensure_sources
from zerocity.data.models import Batch, DataSource, QuarantinedRow, SourceToken
from zerocity.data.selectors import quarantine_csv_text

pytestmark = pytest.mark.django_db

HEADER = "meter,time,quantity,value,unit"
SCHEMA = {"active_energy": {"unit": "kWh", "min": 0, "max": 100000},
          "active_energy_export": {"unit": "kWh", "min": 0}}
CLASSES = ", ".join(intake.CUSTOMER_CLASSES)


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def source(city):
    return services.add_source(city, "electricity", name="Electricity meters",
                               kind="electricity_meters", schema=SCHEMA, frequency="15min",
                               owner="Elektro Gorenjska d.d.")


def ingest(source, text, filename="readings.csv", **kw):
    data = text.encode() if isinstance(text, str) else text
    return services.ingest_file(source, data, filename=filename, actor="test", **kw).value


def problems(batch):
    return [str(q) for q in batch.quarantine.order_by("line", "id")]


def stored(root):
    files = sorted(str(p) for p in (root / "readings").rglob("*.parquet"))
    if not files:
        return []
    return duckdb.sql(
        "SELECT city, source, meter, quantity, strftime(ts AT TIME ZONE 'UTC', "
        "'%Y-%m-%dT%H:%M:%SZ'), value, unit, customer_class, batch "
        f"FROM read_parquet({files!r}, hive_partitioning = false) "
        "ORDER BY meter, quantity, ts").fetchall()


def store_files(root):
    return sorted(str(p.relative_to(root / "readings"))
                  for p in (root / "readings").rglob("*") if p.is_file())


# -- a good file ------------------------------------------------------------------------------

def test_a_good_file_is_stored_in_the_partitioned_layout_with_the_contract_columns(
        source, data_dir):
    text = (f"{HEADER},customer_class\n"
            "EG-2,2026-02-01T00:00:00Z,active_energy,2.5,kWh,services\n"
            "EG-1,2026-01-31T23:45:00Z,active_energy,1.25,kWh,household\n"
            "EG-1,2026-01-31T23:30:00Z,active_energy,1,kWh,\n")
    batch = ingest(source, text)

    assert (batch.status, batch.received, batch.accepted, batch.duplicates, batch.rejected) \
        == ("accepted", 3, 3, 0, 0)
    assert batch.files == [f"source=electricity/year=2026/month=01/{batch.pk}-0.parquet",
                           f"source=electricity/year=2026/month=02/{batch.pk}-0.parquet"]
    assert store_files(data_dir) == batch.files  # no temporary file left behind
    assert pq.read_schema(data_dir / "readings" / batch.files[0]) == store.STORE_SCHEMA
    # out of order in the file, sorted by time in the store
    in_file = pq.read_table(data_dir / "readings" / batch.files[0]).to_pylist()
    assert [r["ts"].minute for r in in_file] == [30, 45]
    assert stored(data_dir) == [
        ("testville", "electricity", "EG-1", "active_energy", "2026-01-31T23:30:00Z", 1.0,
         "kWh", None, batch.pk),
        ("testville", "electricity", "EG-1", "active_energy", "2026-01-31T23:45:00Z", 1.25,
         "kWh", "household", batch.pk),
        ("testville", "electricity", "EG-2", "active_energy", "2026-02-01T00:00:00Z", 2.5,
         "kWh", "services", batch.pk),
    ]
    assert batch.first_reading == datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    assert batch.last_reading == datetime(2026, 2, 1, tzinfo=UTC)
    assert (batch.origin, batch.filename, batch.by_label, batch.chunks) \
        == ("file", "readings.csv", "test", 1)
    log = AuditLog.objects.get(action="data.batch_received")
    assert (log.object_id, log.data["accepted"], log.data["files"]) == (str(batch.pk), 3, 2)
    assert not (data_dir / "ingest-tmp").exists() or not any((data_dir / "ingest-tmp").iterdir())


def test_the_store_reads_back_with_hive_partitions(source, data_dir):
    batch = ingest(source, f"{HEADER}\nM,2026-03-01T10:00:00Z,active_energy,7,kWh\n")
    glob = str(data_dir / "readings" / "**" / "*.parquet")
    row = duckdb.sql(f"SELECT source, year, month, value, batch FROM "
                     f"read_parquet('{glob}', hive_partitioning = true)").fetchall()
    assert row == [("electricity", 2026, "03", 7.0, batch.pk)]


# -- every rule ---------------------------------------------------------------------------------

GOOD = "EG-1,2026-01-10T10:00:00Z,active_energy,1,kWh"
TIME_HINT = "(ISO 8601, e.g. 2026-03-29T02:15:00+02:00)"


@pytest.mark.parametrize(("row", "expected"), [
    (",2026-01-10T10:15:00Z,active_energy,1,kWh", "column meter: required"),
    ("M" * 201 + ",2026-01-10T10:15:00Z,active_energy,1,kWh",
     "column meter: longer than 200 characters"),
    ("EG-1,,active_energy,1,kWh", "column time: required"),
    ("EG-1,yesterday,active_energy,1,kWh",
     f"column time: 'yesterday' is not a date and time {TIME_HINT}"),
    ("EG-1,31.2.2026,active_energy,1,kWh",
     "column time: '31.2.2026' is not a date and time (day is out of range for month)"),
    ("EG-1,2099-01-01T00:00:00Z,active_energy,1,kWh",
     "column time: 2099-01-01T00:00:00Z is more than a day in the future"),
    ("EG-1,2026-03-29 02:30,active_energy,1,kWh",
     "column time: '2026-03-29 02:30' does not exist in Europe/Ljubljana: the clocks skip "
     "this hour when summer time begins; give the time with its UTC offset"),
    ("EG-1,2026-01-10T10:15:00Z,,1,kWh", "column quantity: required"),
    ("EG-1,2026-01-10T10:15:00Z,gas_volume,1,kWh",
     "column quantity: 'gas_volume' is not a quantity of this source (active_energy, "
     "active_energy_export)"),
    ("EG-1,2026-01-10T10:15:00Z,active_energy,,kWh", "column value: required"),
    ("EG-1,2026-01-10T10:15:00Z,active_energy,abc,kWh", "column value: 'abc' is not a number"),
    ("EG-1,2026-01-10T10:15:00Z,active_energy,1.2.3,kWh",
     "column value: '1.2.3' is not a number"),
    ("EG-1,2026-01-10T10:15:00Z,active_energy,NaN,kWh",
     "column value: 'NaN' is not a finite number"),
    ("EG-1,2026-01-10T10:15:00Z,active_energy,-inf,kWh",
     "column value: '-inf' is not a finite number"),
    ("EG-1,2026-01-10T10:15:00Z,active_energy,1e999,kWh",
     "column value: '1e999' is not a finite number"),
    ("EG-1,2026-01-10T10:15:00Z,active_energy,-0.5,kWh",
     "column value: -0.5 kWh is below the minimum 0 kWh of active_energy"),
    ("EG-1,2026-01-10T10:15:00Z,active_energy,150,MWh",
     "column value: 150 MWh = 150000 kWh is above the maximum 100000 kWh of active_energy"),
    ("EG-1,2026-01-10T10:15:00Z,active_energy,1,", "column unit: required"),
    ("EG-1,2026-01-10T10:15:00Z,active_energy,1,zorks",
     "column unit: unknown unit 'zorks'"),
    ("EG-1,2026-01-10T10:15:00Z,active_energy,1,m3",
     "column unit: unit 'm3' cannot be converted to kWh, the unit of active_energy"),
    ("EG-1,2026-01-10T10:15:00Z,active_energy,1,kWh,extra",
     "column -: expected 5 cells, found 6"),
])
def test_every_rule_refuses_a_bad_row_with_line_column_and_reason(source, data_dir, row,
                                                                    expected):
    batch = ingest(source, f"{HEADER}\n{GOOD}\n{row}\n")

    assert problems(batch) == [f"line 3, {expected}"]
    assert (batch.status, batch.received, batch.accepted, batch.rejected) \
        == ("partial", 2, 1, 1)
    assert [r[2] for r in stored(data_dir)] == ["EG-1"]  # the good row is stored


def test_an_unknown_customer_class_is_refused(source):
    batch = ingest(source, f"{HEADER},customer_class\n{GOOD},household\n"
                           f"EG-2,2026-01-10T10:00:00Z,active_energy,1,kWh,residential\n")
    assert problems(batch) == [f"line 3, column customer_class: 'residential' is not a "
                               f"customer class ({CLASSES})"]


def test_each_bad_cell_is_its_own_problem_and_the_row_counts_once(source, data_dir):
    batch = ingest(source, f"{HEADER}\n,tomorrow,active_energy,x,kWh\n")
    assert problems(batch) == [
        "line 2, column meter: required",
        "line 2, column value: 'x' is not a number",
        f"line 2, column time: 'tomorrow' is not a date and time {TIME_HINT}",
    ]
    assert (batch.status, batch.received, batch.accepted, batch.rejected) \
        == ("rejected", 1, 0, 1)
    assert batch.files == [] and stored(data_dir) == []


def test_line_numbers_count_blank_lines_and_quoted_line_breaks(source):
    text = (f"{HEADER}\n{GOOD}\n\n"
            'EG-2,"2026-01-10\nT10:00",active_energy,1,kWh\n'
            "EG-3,2026-01-10T10:00:00Z,active_energy,x,kWh\n")
    batch = ingest(source, text)
    assert problems(batch) == [
        f"line 4, column time: '2026-01-10\\nT10:00' is not a date and time {TIME_HINT}",
        "line 6, column value: 'x' is not a number",
    ]
    assert batch.received == 3  # the blank line is no reading


@pytest.mark.parametrize(("content", "filename", "expected"), [
    ("meter,time,quantity,unit\nM,2026-01-01,active_energy,kWh\n", "r.csv",
     "line 1, column value: required column is missing; the columns are meter, time, "
     "quantity, value, unit, customer_class (customer_class is optional)"),
    ("meter,time,quantity,value,unit,Value\n", "r.csv", "line 1, column value: column "
     "appears twice"),
    ("", "r.csv", "line 1, column -: the file is empty (no header row)"),
    (b"meter,time,quantity,value,unit\nM\xe9ter,2026-01-01,active_energy,1,kWh\n", "r.csv",
     "line 2, column -: the file is not UTF-8 text"),
    ("{}", "r.json", "line 1, column -: unsupported file type '.json' (use .csv, .txt, "
     ".parquet, .xlsx)"),
    (b"not a workbook", "r.xlsx", None),
    (b"not parquet", "r.parquet", None),
    (f"{HEADER}\n", "r.csv", "line 1, column -: no readings: the payload has no rows with "
     "values"),
])
def test_a_file_that_cannot_be_read_is_refused_whole(source, data_dir, content, filename,
                                                     expected):
    batch = ingest(source, content, filename=filename)
    assert (batch.status, batch.accepted, batch.files) == ("rejected", 0, [])
    found = problems(batch)
    if expected is None:  # the library's own words follow
        assert len(found) == 1 and found[0].startswith("line 1, column -: not a readable")
    else:
        assert found == [expected]
    assert stored(data_dir) == []
    assert AuditLog.objects.filter(action="data.batch_received",
                                   data__status="rejected").count() == 1


def _table_file(rows, fmt):
    """The rows (header first) as a file of the format: CSV, .xlsx or Parquet (all text)."""
    if fmt == "csv":
        return "".join(",".join(r) + "\n" for r in rows).encode()
    if fmt == "xlsx":
        return xlsx([[c or None for c in r] for r in rows])
    buf = io.BytesIO()
    columns = list(zip(*rows, strict=True))
    pq.write_table(pa.table({c[0]: pa.array([v or None for v in c[1:]], pa.string())
                             for c in columns}), buf)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_a_wrong_header_does_not_hide_the_rows_mistakes(source, data_dir, fmt):
    # given a file whose header names the meter twice and lacks the value column, and whose
    # rows have a bad time, an unknown unit, and a row with two bad cells
    rows = [["meter", "time", "quantity", "unit", "Meter"],
            ["EG-1", "2026-01-10T10:00:00Z", "active_energy", "kWh", "EG-1"],
            ["EG-2", "yesterday", "active_energy", "kWh", "EG-2"],
            ["EG-3", "2026-01-10T10:00:00Z", "active_energy", "zorks", "EG-3"],
            ["", "2026-01-10T10:00:00Z", "gas_volume", "kWh", ""]]

    # when it is ingested
    batch = ingest(source, _table_file(rows, fmt), filename=f"readings.{fmt}")

    # then it is refused whole, and its quarantine names the header's mistakes and every
    # row's, each once: no row is told again that the whole file lacks a value column
    assert problems(batch) == [
        "line 1, column meter: column appears twice",
        "line 1, column value: required column is missing; the columns are meter, time, "
        "quantity, value, unit, customer_class (customer_class is optional)",
        f"line 3, column time: 'yesterday' is not a date and time {TIME_HINT}",
        "line 4, column unit: unknown unit 'zorks'",
        "line 5, column meter: required",
        "line 5, column quantity: 'gas_volume' is not a quantity of this source "
        "(active_energy, active_energy_export)",
    ]
    assert (batch.status, batch.received, batch.accepted, batch.rejected, batch.files) \
        == ("rejected", 4, 0, 4, [])
    assert stored(data_dir) == []


# -- formats ------------------------------------------------------------------------------------

def test_semicolons_and_decimal_commas(source, data_dir):
    text = ("\ufeffMeter;Time;Quantity;Value;Unit\n"
            "EG-1;2026-01-10T10:00:00Z;active_energy;1.234,5;kWh\n"
            "EG-1;2026-01-10T10:15:00Z;active_energy;0,25;kWh\n"
            "EG-1;2026-01-10T10:30:00Z;active_energy;1 000;kWh\n")
    batch = ingest(source, text)
    assert batch.accepted == 3, problems(batch)
    assert [r[5] for r in stored(data_dir)] == [1234.5, 0.25, 1000.0]


def test_parquet_with_typed_columns(source, data_dir, tmp_path):
    table = pa.table({
        "meter": ["EG-1", "EG-1", "EG-2"],
        "timestamp": pa.array([datetime(2026, 1, 10, 10, tzinfo=UTC),
                               datetime(2026, 1, 10, 10, 15, tzinfo=UTC), None],
                              pa.timestamp("ms", tz="UTC")),
        "quantity": ["active_energy"] * 3,
        "value": [1.5, -2.0, 3.0],
        "unit": ["kWh", "kWh", "kWh"],
        "site": ["a", "b", "c"],  # extra attributes are accepted and not stored
    })
    path = tmp_path / "readings.parquet"
    pq.write_table(table, path)
    batch = services.ingest_file(source, path).value

    assert problems(batch) == [
        "line 3, column value: -2 kWh is below the minimum 0 kWh of active_energy",
        "line 4, column time: required",
    ]
    assert stored(data_dir) == [("testville", "electricity", "EG-1", "active_energy",
                                 "2026-01-10T10:00:00Z", 1.5, "kWh", None, batch.pk)]
    assert (batch.filename, batch.summary["format"]) == ("readings.parquet", "parquet")


def test_parquet_wall_clock_times_are_local_to_the_source(source, data_dir):
    table = pa.table({"meter": ["EG-1", "EG-1"],
                      "time": pa.array([datetime(2026, 7, 1, 12), datetime(2026, 3, 29, 2, 30)],
                                       pa.timestamp("us")),
                      "quantity": ["active_energy"] * 2, "value": [1, 2],
                      "unit": ["kWh", "kWh"]})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    batch = ingest(source, buf.getvalue(), filename="local.parquet")
    assert problems(batch) == [
        "line 3, column time: '2026-03-29 02:30:00' does not exist in Europe/Ljubljana: the "
        "clocks skip this hour when summer time begins; give the time with its UTC offset"]
    assert [r[4] for r in stored(data_dir)] == ["2026-07-01T10:00:00Z"]


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_with_dates_numbers_and_a_bad_row(source, data_dir):
    data = xlsx([
        ["meter", "time", "quantity", "value", "unit", "customer_class"],
        [1001, datetime(2026, 1, 10, 11, 0), "active_energy", 1.5, "kWh", "industry"],
        ["EG-2", "2026-01-10T10:00:00Z", "active_energy", "lots", "kWh", None],
        [None, None, None, None, None, None],
        ["EG-3", "10.1.2026 11:15", "active_energy", 2, "MWH", None],
    ])
    batch = ingest(source, data, filename="readings.xlsx")
    assert problems(batch) == ["line 3, column value: 'lots' is not a number"]
    assert stored(data_dir) == [
        ("testville", "electricity", "1001", "active_energy", "2026-01-10T10:00:00Z", 1.5,
         "kWh", "industry", batch.pk),
        ("testville", "electricity", "EG-3", "active_energy", "2026-01-10T10:15:00Z", 2000.0,
         "kWh", None, batch.pk),
    ]


# -- units --------------------------------------------------------------------------------------

def test_units_are_converted_to_the_canonical_unit(source, city, data_dir):
    text = (f"{HEADER}\n"
            "A,2026-01-10T10:00:00Z,active_energy,0.0015,MWh\n"
            "B,2026-01-10T10:00:00Z,active_energy,2,KWH\n"
            "C,2026-01-10T10:00:00Z,active_energy,3,MWH\n"
            "D,2026-01-10T10:00:00Z,active_energy,500,Wh\n"
            "E,2026-01-10T10:00:00Z,active_energy,0.0036,GJ\n")
    batch = ingest(source, text)
    assert batch.accepted == 5, problems(batch)
    assert [(r[2], r[5], r[6]) for r in stored(data_dir)] == [
        ("A", pytest.approx(1.5), "kWh"), ("B", 2.0, "kWh"), ("C", 3000.0, "kWh"),
        ("D", 0.5, "kWh"), ("E", pytest.approx(1.0), "kWh")]


def test_un_cefact_codes_smart_data_models_send(city, data_dir):
    air = services.add_source(city, "air", name="Air", kind="air_quality", frequency="hourly",
                              schema={"no2": {"unit": "ug/m3", "max": 2000},
                                      "air_temperature": {"unit": "degC"},
                                      "laeq": {"unit": "dB"}})
    batch = services.ingest_records(air, [
        {"meter": "S1", "time": "2026-01-10T10:00:00Z", "quantity": "no2", "value": 22.5,
         "unit": "GQ"},
        {"meter": "S1", "time": "2026-01-10T10:00:00Z", "quantity": "no2", "value": 0.03,
         "unit": "GP"},  # mg/m3: a conflict with the line before, after conversion
        {"meter": "S2", "time": "2026-01-10T10:00:00Z", "quantity": "air_temperature",
         "value": 274.15, "unit": "KEL"},
        {"meter": "S3", "time": "2026-01-10T10:00:00Z", "quantity": "laeq", "value": 58,
         "unit": "2N"},
        {"meter": "S4", "time": "2026-01-10T10:00:00Z", "quantity": "laeq", "value": 58,
         "unit": "%"},
    ]).value
    assert problems(batch) == [
        "line 2, column value: conflicts with line 1: same meter, quantity and time, "
        "22.5 ug/m3 there and 30 ug/m3 here",
        "line 5, column unit: unit '%' cannot be converted to dB, the unit of laeq",
    ]
    assert [(r[2], r[5], r[6]) for r in stored(data_dir)] == [
        ("S1", 22.5, "ug/m3"), ("S2", pytest.approx(1.0), "degC"), ("S3", 58.0, "dB")]


# -- time zones ---------------------------------------------------------------------------------

def test_local_times_across_daylight_saving(source, data_dir):
    text = (f"{HEADER}\n"
            "W,2026-01-15 12:00,active_energy,1,kWh\n"       # CET, +01:00
            "S,2026-07-01T12:00:00,active_energy,1,kWh\n"    # CEST, +02:00
            "A,2026-10-25 02:30,active_energy,1,kWh\n"       # twice that night: the first
            "B,2026-10-25 02:30+01:00,active_energy,1,kWh\n"  # the second, by its offset
            "G,2026-03-29 02:15,active_energy,1,kWh\n"       # skipped when clocks go forward
            "L,29. 3. 2026 01:45,active_energy,1,kWh\n")     # Slovenian date
    batch = ingest(source, text)
    assert problems(batch) == [
        "line 6, column time: '2026-03-29 02:15' does not exist in Europe/Ljubljana: the "
        "clocks skip this hour when summer time begins; give the time with its UTC offset"]
    assert {r[2]: r[4] for r in stored(data_dir)} == {
        "W": "2026-01-15T11:00:00Z", "S": "2026-07-01T10:00:00Z",
        "A": "2026-10-25T00:30:00Z", "B": "2026-10-25T01:30:00Z",
        "L": "2026-03-29T00:45:00Z"}
    assert batch.summary["ambiguous_local_times"] == 1


def test_a_source_in_another_time_zone(city, data_dir):
    src = services.add_source(city, "lisbon", name="L", kind="electricity_meters",
                              schema=SCHEMA, timezone="Europe/Lisbon")
    ingest(src, f"{HEADER}\nM,2026-07-01 12:00,active_energy,1,kWh\n")
    assert stored(data_dir)[0][4] == "2026-07-01T11:00:00Z"


# -- duplicates, conflicts, gaps ----------------------------------------------------------------

def test_repeats_inside_a_payload(source, data_dir):
    text = (f"{HEADER}\n"
            "EG-1,2026-01-10T10:00:00Z,active_energy,1.5,kWh\n"
            "EG-1,2026-01-10T11:00:00+01:00,active_energy,0.0015,MWh\n"  # the same reading
            "EG-1,2026-01-10T10:00:00Z,active_energy,1.7,kWh\n"          # another value
            "EG-1,2026-01-10T10:00:00Z,active_energy_export,9,kWh\n")       # another quantity
    batch = ingest(source, text)
    assert (batch.status, batch.received, batch.accepted, batch.duplicates, batch.rejected) \
        == ("partial", 4, 2, 1, 1)
    assert problems(batch) == [
        "line 4, column value: conflicts with line 2: same meter, quantity and time, 1.5 kWh "
        "there and 1.7 kWh here"]
    assert [(r[3], r[5]) for r in stored(data_dir)] == [("active_energy", 1.5),
                                                        ("active_energy_export", 9.0)]


def test_gaps_are_reported_per_meter_against_the_expected_frequency(source):
    times = ["00:00", "00:15", "00:30", "01:15", "01:30"]  # 00:45 and 01:00 missing
    rows = [f"EG-1,2026-01-10T{t}:00Z,active_energy,1,kWh" for t in times]
    rows += [f"EG-2,2026-01-10T{t}:00Z,active_energy,1,kWh" for t in times[:3]]
    batch = ingest(source, "\n".join([HEADER, *rows]) + "\n")
    assert batch.summary["gaps"] == {
        "expected_every": "15min", "meters": 1, "missing": 2,
        "by_meter": [{"meter": "EG-1", "quantity": "active_energy", "observed": 5,
                      "expected": 7, "missing": 2, "first": "2026-01-10T00:00:00Z",
                      "last": "2026-01-10T01:30:00Z", "observed_every_s": 1350}]}


def test_daily_gaps_count_local_days_across_a_clock_change(city):
    gas = services.add_source(city, "gas", name="Gas", kind="gas_meters", frequency="daily",
                              schema={"gas_volume": {"unit": "m3", "min": 0}})
    days = ["2026-03-27", "2026-03-28", "2026-03-29", "2026-03-31"]  # the 30th missing
    text = "meter,time,quantity,value,unit\n" + "".join(
        f"G,{d},gas_volume,1,m3\n" for d in days)
    gaps = ingest(gas, text).summary["gaps"]
    assert (gaps["meters"], gaps["missing"], gaps["by_meter"][0]["expected"]) == (1, 1, 5)


# -- idempotency --------------------------------------------------------------------------------

READINGS = (f"{HEADER}\n"
            "EG-1,2026-01-10T10:00:00Z,active_energy,1.5,kWh\n"
            "EG-1,2026-01-10T10:15:00Z,active_energy,1.25,kWh\n"
            "EG-2,2026-02-10T10:00:00Z,active_energy,4,kWh\n")


def test_the_same_file_twice_returns_the_first_batch_and_writes_nothing(source, data_dir):
    first = ingest(source, READINGS)
    files = store_files(data_dir)
    again = ingest(source, READINGS, filename="again.csv")
    assert again.pk == first.pk
    assert Batch.objects.count() == 1
    assert store_files(data_dir) == files


def test_the_same_readings_again_are_duplicates_and_write_nothing(source, data_dir):
    first = ingest(source, READINGS)
    before = stored(data_dir)
    files = store_files(data_dir)
    lines = READINGS.splitlines()
    resent = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"  # another file, same readings
    again = ingest(source, resent.replace("1.5,kWh", "0.0015,MWh"), filename="again.csv")

    assert again.pk != first.pk
    assert (again.status, again.received, again.accepted, again.duplicates, again.rejected,
            again.files) == ("accepted", 3, 0, 3, 0, [])
    assert again.summary["duplicates_stored"] == 3
    assert stored(data_dir) == before and store_files(data_dir) == files


def test_a_changed_value_is_a_conflict_kept_in_quarantine(source, data_dir):
    first = ingest(source, READINGS)
    before = stored(data_dir)
    changed = ingest(source, READINGS.replace("1.25,kWh", "1.3,kWh")
                     + "EG-3,2026-01-10T10:00:00Z,active_energy,8,kWh\n")
    assert (changed.status, changed.accepted, changed.duplicates, changed.rejected) \
        == ("partial", 1, 2, 1)
    assert problems(changed) == [
        f"line 3, column value: already recorded as 1.25 kWh at 2026-01-10T10:15:00Z "
        f"(batch {first.pk}); this line says 1.3 kWh"]
    assert [r for r in stored(data_dir) if r[8] == first.pk] == before
    assert changed.files == [f"source=electricity/year=2026/month=01/{changed.pk}-0.parquet"]


def test_the_store_is_per_city_even_for_sources_with_the_same_key(source, data_dir):
    from zerocity.core.services import create_city

    other = create_city("otherville", name="Otherville", country="SI")
    twin = services.add_source(other, "electricity", name="E", kind="electricity_meters",
                               schema=SCHEMA)
    ingest(source, READINGS)
    batch = ingest(twin, READINGS.replace("1.5", "9"), filename="twin.csv")
    assert (batch.accepted, batch.duplicates, batch.rejected) == (3, 0, 0)
    assert sorted({r[0] for r in stored(data_dir)}) == ["otherville", "testville"]


def test_records_sent_twice_change_nothing(source, data_dir):
    records = [{"meter": "EG-1", "time": "2026-01-10T10:00:00Z", "quantity": "active_energy",
                "value": 1.5, "unit": "kWh", "entity": "urn:ngsi-ld:Device:1"}]
    first = services.ingest_records(source, records, origin="ngsi")
    again = services.ingest_records(source, records, origin="ngsi")
    assert first.value.pk == again.value.pk and (first.replayed, again.replayed) == (False, True)
    changed = services.ingest_records(source, [{**records[0], "value": 2}], origin="ngsi").value
    assert (changed.accepted, changed.rejected) == (0, 1)
    # the record as sent is kept, so the NGSI-LD answer can name its entity
    assert changed.quarantine.get().raw == {**records[0], "value": 2}


def test_a_rejected_file_sent_again_is_checked_again(source):
    bad = f"{HEADER}\nEG-1,2026-01-10T10:00:00Z,active_energy,x,kWh\n"
    first, again = ingest(source, bad), ingest(source, bad)
    assert first.pk != again.pk and again.status == "rejected"


# -- records (the JSON and NGSI-LD APIs) --------------------------------------------------------

def test_records_with_extra_attributes_and_python_values(source, data_dir):
    batch = services.ingest_records(source, [
        {"meter": "EG-1", "time": datetime(2026, 1, 10, 10, tzinfo=UTC),
         "quantity": "active_energy", "value": 1, "unit": "kWh", "entity": "urn:x", "n": [1]},
        "not a record",
        {"meter": "EG-2", "time": "2026-01-10T10:00:00Z", "quantity": "active_energy",
         "value": True, "unit": "kWh"},
        {"meter": "EG-3", "ts": "2026-01-10T10:00:00Z", "quantity": "active_energy",
         "value": "2,5", "unit": "kWh"},
    ], origin="api", actor="token:electricity").value
    assert problems(batch) == [
        "line 2, column -: a reading is an object with meter, time, quantity, value and unit",
        "line 3, column value: 'true' is not a number",
        "line 4, column value: '2,5' is not a number",
    ]
    raw = {q.line: q.raw for q in batch.quarantine.all()}
    assert raw[2] == "not a record" and raw[3]["value"] is True
    assert (batch.origin, batch.by_label, batch.received, batch.accepted) \
        == ("api", "token:electricity", 4, 1)


def test_readings_from_ngsi_entities_are_accepted_by_the_demo_sources(city, data_dir):
    from zerocity.data.ngsi import parse_entities

    sources = {s.key: s for s in ensure_sources(city)}
    parsed = parse_entities([
        {"id": "urn:ngsi-ld:AirQualityObserved:Kranj-1", "type": "AirQualityObserved",
         "dateObserved": "2026-01-10T10:00:00Z", "no2": 22.5, "pm10": 31},
    ], batch=True)
    air = services.ingest_records(sources["air-quality"], parsed.records, origin="ngsi").value
    assert (air.accepted, air.rejected) == (2, 0)
    parsed = parse_entities([
        {"id": "urn:ngsi-ld:TrafficFlowObserved:B-1", "type": "TrafficFlowObserved",
         "dateObserved": "2026-01-10T10:00:00Z", "intensity": 412},
        {"id": "urn:ngsi-ld:SmartMeteringObservation:DP-77", "type": "SmartMeteringObservation",
         "meterType": "Gas", "dateObserved": "2026-01-10", "totalConsumption": 12.0},
    ], batch=True)
    traffic = services.ingest_records(sources["traffic-counters"], parsed.records[:1],
                                      origin="ngsi").value
    gas = services.ingest_records(sources["gas-meters"], parsed.records[1:], origin="ngsi").value
    assert (traffic.accepted, gas.accepted) == (1, 1)


# -- quarantine download ------------------------------------------------------------------------

def test_quarantine_downloads_as_csv(source):
    batch = ingest(source, f"{HEADER}\n{GOOD}\nEG-2,2026-01-10T10:00:00Z,active_energy,x,kWh\n"
                           "EG-3,2026-01-10T10:00:00Z,active_energy,1,kWh,9\n")
    text = quarantine_csv_text(batch)
    assert list(csv.reader(io.StringIO(text))) == [
        ["line", "column", "reason", "raw"],
        ["3", "value", "'x' is not a number",
         '{"meter": "EG-2", "quantity": "active_energy", "time": "2026-01-10T10:00:00Z", '
         '"unit": "kWh", "value": "x"}'],
        ["4", "-", "expected 5 cells, found 6",
         'EG-3,2026-01-10T10:00:00Z,active_energy,1,kWh,9'],
    ]


# -- atomic batches -----------------------------------------------------------------------------

def test_a_failure_before_the_commit_leaves_no_batch_and_no_files(source, data_dir,
                                                                  monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.audit, "record", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(source, READINGS)
    assert Batch.objects.count() == 0 and QuarantinedRow.objects.count() == 0
    assert [p for p in store_files(data_dir)] == []


def test_files_of_a_committed_batch_left_under_temporary_names_are_published(source,
                                                                             data_dir):
    batch = ingest(source, READINGS)
    final = data_dir / "readings" / batch.files[0]
    tmp = final.with_name(f".{batch.pk}-0.testville.parquet.tmp")
    final.rename(tmp)  # as if the process died between the commit and the rename
    stale = final.with_name(".999-0.testville.parquet.tmp")  # a batch that never committed
    stale.write_bytes(b"partial")
    foreign = final.with_name(".998-0.otherville.parquet.tmp")  # another city's, in flight
    foreign.write_bytes(b"partial")

    ingest(source, f"{HEADER}\nEG-9,2026-03-01T00:00:00Z,active_energy,1,kWh\n")
    assert final.exists() and not tmp.exists() and not stale.exists() and foreign.exists()


# -- bounded memory -----------------------------------------------------------------------------

def test_a_large_file_is_read_and_written_in_chunks(source, data_dir, tmp_path, monkeypatch):
    meters, steps = 1000, 300
    path = tmp_path / "large.csv"
    with path.open("w") as f:  # written as a stream, as a utility's export would be
        f.write(HEADER + "\n")
        for step in range(steps):
            t = f"2026-01-{1 + step // 96:02d}T{(step % 96) // 4:02d}:{15 * (step % 4):02d}:00Z"
            f.write("".join(f"M{m},{t},active_energy,{m % 7}.5,kWh\n" for m in range(meters)))
    sizes: list[int] = []
    real = services.check_chunk

    def spy(chunk, *args, **kwargs):
        sizes.append(chunk.size)
        return real(chunk, *args, **kwargs)

    monkeypatch.setattr(services, "check_chunk", spy)
    monkeypatch.setattr(store, "ROWS_PER_FILE", 120_000)
    seen: list[tuple[int, int]] = []
    batch = services.ingest_file(source, path, progress=lambda done, total: seen.append(
        (done, total))).value

    assert (batch.received, batch.accepted, batch.rejected) == (300_000, 300_000, 0)
    assert sizes == [100_000, 100_000, 100_000] and batch.chunks == 3
    assert batch.files == [f"source=electricity/year=2026/month=01/{batch.pk}-{n}.parquet"
                           for n in range(3)]
    assert [pq.ParquetFile(data_dir / "readings" / f).metadata.num_rows for f in batch.files] \
        == [120_000, 120_000, 60_000]
    assert len(seen) == 3 and all(total == path.stat().st_size for _, total in seen)
    assert seen == sorted(seen)


# -- tokens -------------------------------------------------------------------------------------

def test_tokens_are_stored_hashed_revocable_and_scoped_to_their_source(source, city):
    other = services.add_source(city, "gas", name="Gas", kind="gas_meters",
                                schema={"gas_volume": {"unit": "m3"}})
    token, secret = services.issue_token(source, "Elektro Gorenjska MDM", actor="test")

    stored_values = list(SourceToken.objects.values_list("prefix", "digest", "name"))
    assert stored_values == [(secret[:8], token.digest, "Elektro Gorenjska MDM")]
    assert secret not in str(list(SourceToken.objects.values())) and len(secret) >= 40
    assert len(token.digest) == 64 and token.digest != secret
    assert services.authenticate_token(secret) == source
    assert services.authenticate_token(secret, source=source) == source
    assert services.authenticate_token(secret, source=other) is None
    assert services.authenticate_token(secret[:-1] + "x") is None
    assert services.authenticate_token("") is None
    assert services.authenticate_token(secret + "x" * 300) is None

    services.revoke_token(token, actor="test")
    again = services.revoke_token(token, actor="test")
    assert again.revoked_at is not None
    assert services.authenticate_token(secret) is None
    assert list(AuditLog.objects.filter(action__startswith="data.token")
                .values_list("action", flat=True).order_by("id")) \
        == ["data.token_issued", "data.token_revoked"]


# -- sources ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "message"), [
    ({"schema": {}}, "schema: the schema names at least one quantity"),
    ({"schema": {"Energy": {"unit": "kWh"}}}, "schema: quantity 'Energy': a name is lower"),
    ({"schema": {"e": {"unit": "zorks"}}}, "schema: quantity e: unknown unit 'zorks'"),
    ({"schema": {"e": {"unit": "kWh", "min": 5, "max": 1}}},
     "schema: quantity e: min 5 is above max 1"),
    ({"schema": {"e": {"unit": "kWh", "step": 1}}}, "schema: quantity e: unknown keys step"),
    ({"kind": "sewage"}, "unknown kind 'sewage'"),
    ({"frequency": "often"}, "unknown frequency 'often'"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
])
def test_a_source_definition_is_checked(city, changes, message):
    fields = {"name": "E", "kind": "electricity_meters", "schema": SCHEMA, **changes}
    with pytest.raises(Conflict) as exc:
        services.add_source(city, "e", **fields)
    assert str(exc.value).startswith(message)


def test_adding_a_source_again_is_idempotent_and_a_clash_is_refused(source, city):
    same = services.add_source(city, "electricity", name="Electricity meters",
                               kind="electricity_meters", schema=SCHEMA, frequency="15min",
                               owner="Elektro Gorenjska d.d.")
    assert same.pk == source.pk
    with pytest.raises(Conflict, match="exists with another name"):
        services.add_source(city, "electricity", name="Other", kind="electricity_meters",
                            schema=SCHEMA, frequency="15min", owner="Elektro Gorenjska d.d.")
    updated = services.update_source(source, schema={"active_energy": {"unit": "MWh"}})
    assert updated.schema == {"active_energy": {"unit": "MWh"}}


def test_kranj_demo_sources_are_registered_once(city):
    first = ensure_sources(city)
    again = ensure_sources(city)
    assert [s.pk for s in first] == [s.pk for s in again]
    assert sorted(DataSource.objects.values_list("key", flat=True)) \
        == sorted(s["key"] for s in KRANJ_SOURCES)
    assert {s.kind for s in first} >= {"electricity_meters", "gas_meters", "heat_meters",
                                       "pv_production", "air_quality", "traffic_counters"}


# -- command line -------------------------------------------------------------------------------

run = CliRunner().invoke


def test_cli_source_token_ingest_and_quarantine(city, tmp_path):
    out = run(main, ["data", "source", "add", "meters", "--city", "testville",
                     "--kind", "electricity_meters", "--name", "Meters", "--frequency", "15min",
                     "--quantity", "active_energy:kWh:0:100000", "--quantity", "pv_energy:kWh"])
    assert out.exit_code == 0, out.output
    assert out.output == ("source testville/meters: Meters (electricity_meters, 15min); "
                          "active_energy [kWh], pv_energy [kWh]\n")
    bad = run(main, ["data", "source", "add", "x", "--city", "testville", "--kind",
                     "electricity_meters", "--name", "X", "--quantity", "energy"])
    assert bad.exit_code == 2 and "write NAME:UNIT[:MIN[:MAX]]" in bad.output
    listed = run(main, ["data", "source", "list", "--city", "testville"])
    assert listed.output.startswith("meters\telectricity_meters\t15min\t"
                                    "active_energy[kWh],pv_energy[kWh]")

    issued = run(main, ["data", "token", "issue", "--city", "testville", "--source", "meters",
                        "--name", "MDM"])
    secret = issued.stdout.strip()
    assert issued.exit_code == 0 and secret.startswith("zc_")
    assert services.authenticate_token(secret).key == "meters"
    revoked = run(main, ["data", "token", "revoke", "--city", "testville", "--source",
                         "meters", secret[:8]])
    assert revoked.exit_code == 0 and services.authenticate_token(secret) is None

    f = tmp_path / "r.csv"
    f.write_text(f"{HEADER}\nM1,2026-01-10T10:00:00Z,active_energy,1,kWh\n"
                 "M1,2026-01-10T10:30:00Z,active_energy,x,kWh\n")
    result = run(main, ["data", "ingest", str(f), "--city", "testville", "--source", "meters"])
    batch = Batch.objects.get()
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"batch {batch.pk} (partial): received 2, accepted 1, duplicates 0, rejected 1\n"
        "readings from 2026-01-10 10:00 to 2026-01-10 10:00 UTC\n"
        "gaps: 0 meters, 0 readings missing (expected every 15min)\n"
        f"rejected rows: zerocity data quarantine --batch {batch.pk}\n")

    out_csv = tmp_path / "q" / "quarantine.csv"
    q = run(main, ["data", "quarantine", "--batch", str(batch.pk), "--out", str(out_csv)])
    assert q.exit_code == 0 and out_csv.read_text().splitlines()[1].startswith(
        "3,value,'x' is not a number,")
    printed = run(main, ["data", "quarantine", "--batch", str(batch.pk)])
    assert printed.stdout == out_csv.read_text()

    f.write_text(f"{HEADER}\nM1,2026-01-10T10:00:00Z,active_energy,-1,kWh\n")
    refused = run(main, ["data", "ingest", str(f), "--city", "testville", "--source",
                         "meters"])
    assert refused.exit_code == 1
    assert "line 2, column value: -1 kWh is below the minimum 0 kWh of active_energy" \
        in refused.stderr


def test_cli_ingest_of_an_unknown_source_is_a_plain_error(city, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text(READINGS)
    result = run(main, ["data", "ingest", str(f), "--city", "testville", "--source", "nope"])
    assert result.exit_code == 1
    assert "error: no data source 'nope' in testville" in result.output


def test_batch_counts_always_add_up(source):
    ingest(source, READINGS)
    ingest(source, READINGS.replace("4,kWh", "5,kWh") + "EG-1,x,active_energy,1,kWh\n")
    for b in Batch.objects.all():
        assert b.received == b.accepted + b.duplicates + b.rejected


def test_sources_batches_and_quarantine_are_for_the_citys_staff(source, city):
    from zerocity.core.errors import NotFound
    from zerocity.core.services import ensure_department, grant_role
    from zerocity.data import selectors

    batch = ingest(source, READINGS)
    staff = grant_role(city, "ana", "staff", department=ensure_department(city, "climate",
                                                                           "Climate")).user
    citizen = grant_role(city, "bor", "citizen").user
    assert list(selectors.sources_for_user(staff, city)) == [source]
    assert selectors.access_batch_for_user(staff, city, batch.pk) == batch
    assert list(selectors.sources_for_user(citizen, city)) == []
    for user in (citizen, None):
        with pytest.raises(NotFound):
            selectors.access_batch_for_user(user, city, batch.pk)
        with pytest.raises(NotFound):
            selectors.access_source_for_user(user, city, "electricity")


def test_an_empty_list_of_records_is_a_rejected_batch(source):
    batch = services.ingest_records(source, [], origin="api").value
    assert (batch.status, batch.received) == ("rejected", 0)
    assert problems(batch) == ["line 1, column -: no readings: the payload has no rows with "
                               "values"]


def test_a_nul_character_is_quarantined_not_a_server_error(source):
    # PostgreSQL cannot store NUL in text or jsonb: the quarantine keeps a replacement mark
    batch = ingest(source, f"{HEADER}\nEG-1,2026-01-10T10:00:00Z,active_energy,1\x00,kWh\n")
    row = batch.quarantine.get()
    assert str(row) == "line 2, column value: '1\\x00' is not a number"
    assert row.raw["value"] == "1\ufffd"


def test_cli_says_when_a_file_was_accepted_before(source, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text(READINGS)
    args = ["data", "ingest", str(f), "--city", "testville", "--source", "electricity"]
    first, again = run(main, args), run(main, args)
    batch = Batch.objects.get()
    assert first.exit_code == again.exit_code == 0
    assert again.stdout.startswith(f"r.csv is identical to batch {batch.pk}, accepted before: "
                                   "nothing written\n")
    assert "identical" not in first.stdout
