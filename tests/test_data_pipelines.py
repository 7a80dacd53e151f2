"""The data platform's pipelines and the synthetic data generator.

A tiny readings dataset written by hand (DST days, a missing interval, local month edges, two
batches, a reading without a customer class, PV) must give hand-computed activity, GPC rows and
coverage on DuckDB; a second city with two years of heat and electricity gives a hand-computed
nowcast. The same pipelines on Spark (local mode) must give identical DataFrames. Generated
data for Kranj must add up to Kranj's 2018 activity data within 0.1 %, whatever the number of
meters.
"""

from __future__ import annotations

import calendar
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from zerocity.data import generate as gen
from zerocity.data.pipelines import (
    GAS_KWH_PER_M3,
    EngineError,
    engine_name,
    gpc_activity,
    load_mapping,
    monthly_activity,
    nowcast,
    pv_production,
    yearly_activity,
)
from zerocity.data.pipelines.calendar import slots
from zerocity.data.pipelines.engines import STORE_SCHEMA, constant_column, store_table

TZ = ZoneInfo("Europe/Ljubljana")
FREQ = {"el": "15min", "gas": "daily", "pv": "hourly", "heat": "daily"}
FACTORS = {"electricity": 0.358, "natural_gas": 0.205, "district_heat": 0.320}
QUARTER = timedelta(minutes=15)


# -- a hand-made dataset in the store's layout -------------------------------------------------

def _reading(city: str, source: str, meter: str, quantity: str, ts: datetime, value: float,
             unit: str, customer_class: str | None, batch: int) -> dict[str, object]:
    return {"city": city, "source": source, "meter": meter, "quantity": quantity,
            "ts": ts.astimezone(UTC), "value": value, "unit": unit,
            "customer_class": customer_class, "batch": batch}


def _write(root: Path, rows: list[dict[str, object]]) -> None:
    """As the intake writes them: one file per (source, UTC year, UTC month, batch)."""
    df = pd.DataFrame(rows)
    df["ts"] = pd.to_datetime(df["ts"], utc=True)
    for (source, year, month, batch), part in df.groupby(
            [df["source"], df["ts"].dt.year, df["ts"].dt.month, df["batch"]]):
        directory = root / f"source={source}" / f"year={year:04d}" / f"month={month:02d}"
        directory.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(part.reset_index(drop=True), schema=gen.READINGS_SCHEMA,
                                     preserve_index=False)
        pq.write_table(table, directory / f"{batch}-0.parquet")


def _quarters(day: date) -> list[datetime]:
    """Every quarter hour of a local day, as UTC instants (92 on the spring DST day, 100 on
    the autumn one)."""
    start = datetime(day.year, day.month, day.day, tzinfo=TZ).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), TZ).astimezone(UTC)
    out = []
    while start < end:
        out.append(start)
        start += QUARTER
    return out


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TZ)


def kranj_rows() -> list[dict[str, object]]:
    rows = []
    spring = _quarters(date(2018, 3, 25))
    autumn = _quarters(date(2018, 10, 28))
    assert len(spring) == 92 and len(autumn) == 100
    rows += [_reading("kranj", "el", "h1", "active_energy", t, 0.25, "kWh", "household", 5)
             for t in spring]
    # one quarter hour of the long autumn day is missing
    rows += [_reading("kranj", "el", "h1", "active_energy", t, 0.5, "kWh", "household", 5)
             for i, t in enumerate(autumn) if i != 40]
    # the last quarter hour of March and the first of April, local time
    rows.append(_reading("kranj", "el", "s1", "active_energy",
                         datetime(2018, 3, 31, 23, 45, tzinfo=TZ), 1.0, "kWh", "services", 5))
    rows.append(_reading("kranj", "el", "s1", "active_energy",
                         datetime(2018, 4, 1, 0, 0, tzinfo=TZ), 2.0, "kWh", "services", 5))
    rows.append(_reading("kranj", "el", "x1", "active_energy",
                         datetime(2018, 5, 10, 12, 0, tzinfo=UTC), 3.0, "kWh", None, 5))
    # gas, daily: January 2018 in two batches, the 20th missing
    for d in range(1, 32):
        if d != 20:
            rows.append(_reading("kranj", "gas", "g1", "gas_volume",
                                 _local_midnight(date(2018, 1, d)), 10.0, "m3", "household",
                                 7 if d <= 15 else 8))
    # PV, hourly, two hours in June
    for hour, value in ((11, 1.5), (12, 2.5)):
        rows.append(_reading("kranj", "pv", "p1", "pv_energy",
                             datetime(2018, 6, 21, hour, tzinfo=TZ), value, "kWh", None, 9))
    return rows


# District heat per day in each month of 2018 (kWh), and 2019's January and February.
HEAT_2018 = [100, 80, 70, 50, 30, 20, 20, 20, 30, 50, 80, 100]


def other_city_rows() -> list[dict[str, object]]:
    rows = []
    for month, per_day in enumerate(HEAT_2018, start=1):
        for d in range(1, calendar.monthrange(2018, month)[1] + 1):
            rows.append(_reading("testville", "heat", "d1", "heat_energy",
                                 _local_midnight(date(2018, month, d)), float(per_day), "kWh",
                                 "household", 11))
    for d in range(1, 32):
        rows.append(_reading("testville", "heat", "d1", "heat_energy",
                             _local_midnight(date(2019, 1, d)), 90.0, "kWh", "household", 12))
    for d in range(1, 29):
        if d != 14:  # one day missing
            rows.append(_reading("testville", "heat", "d1", "heat_energy",
                                 _local_midnight(date(2019, 2, d)), 60.0, "kWh", "household",
                                 12))
    # electricity metered from 2019 only: January complete, February not yet in
    start = datetime(2019, 1, 1, tzinfo=TZ).astimezone(UTC)
    end = datetime(2019, 2, 1, tzinfo=TZ).astimezone(UTC)
    t = start
    while t < end:
        rows.append(_reading("testville", "el", "e1", "active_energy", t, 0.1, "kWh",
                             "household", 12))
        t += QUARTER
    return rows


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hand") / "readings"
    _write(root, kranj_rows() + other_city_rows())
    return root


# -- DuckDB: hand-computed results -------------------------------------------------------------

def test_monthly_activity_counts_local_months_with_dst_and_coverage(hand: Path) -> None:
    # given the hand dataset; when the monthly pipeline runs on DuckDB
    df = monthly_activity(hand, tz=TZ.key, frequencies=FREQ, city="kranj", engine="duckdb")
    # then each reading lands in its local month, and coverage counts DST-aware slots
    march, april, may, october = 31 * 96 - 4, 30 * 96, 31 * 96, 31 * 96 + 4
    assert slots("15min", 2018, 3, "Europe/Ljubljana") == march
    assert slots("15min", 2018, 10, "Europe/Ljubljana") == october
    assert list(df.columns) == [
        "city", "source", "quantity", "customer_class", "unit", "year", "month", "value",
        "readings", "meters", "expected_readings", "coverage", "batches"]
    assert df.values.tolist() == [
        ["kranj", "el", "active_energy", "household", "kWh", 2018, 3, 23.0, 92, 1, march,
         92 / march, [5]],
        ["kranj", "el", "active_energy", "household", "kWh", 2018, 10, 49.5, 99, 1, october,
         99 / october, [5]],
        ["kranj", "el", "active_energy", "services", "kWh", 2018, 3, 1.0, 1, 1, march,
         1 / march, [5]],
        ["kranj", "el", "active_energy", "services", "kWh", 2018, 4, 2.0, 1, 1, april,
         1 / april, [5]],
        ["kranj", "el", "active_energy", None, "kWh", 2018, 5, 3.0, 1, 1, may, 1 / may, [5]],
        ["kranj", "gas", "gas_volume", "household", "m3", 2018, 1, 300.0, 30, 1, 31, 30 / 31,
         [7, 8]],
        ["kranj", "pv", "pv_energy", None, "kWh", 2018, 6, 4.0, 2, 1, 720, 2 / 720, [9]],
    ]


def test_yearly_activity_counts_the_year(hand: Path) -> None:
    df = yearly_activity(hand, tz=TZ.key, frequencies=FREQ, city="kranj", engine="duckdb")
    household = df[(df.source == "el") & (df.customer_class == "household")].iloc[0]
    assert household["year"] == 2018
    assert household["value"] == 72.5  # 92 x 0.25 + 99 x 0.5
    assert household["readings"] == 191
    assert household["expected_readings"] == 365 * 96  # 2018: the DST hours cancel out
    assert household["coverage"] == 191 / 35040
    gas = df[df.source == "gas"].iloc[0]
    assert (gas["value"], gas["readings"], gas["expected_readings"]) == (300.0, 30, 365)
    assert gas["batches"] == [7, 8]
    assert "month" not in df.columns


def test_a_source_without_frequency_has_no_coverage(hand: Path) -> None:
    df = yearly_activity(hand, tz=TZ.key, frequencies={"el": "15min"}, city="kranj", engine="duckdb")
    gas = df[df.source == "gas"].iloc[0]
    assert pd.isna(gas["expected_readings"]) and pd.isna(gas["coverage"])
    assert gas["readings"] == 30


def test_gpc_activity_maps_classes_to_rows_with_provenance(hand: Path) -> None:
    df = gpc_activity(hand, tz=TZ.key, frequencies=FREQ, city="kranj", engine="duckdb")
    rows = {(r.gpc_ref, r.carrier): r for r in df.itertuples()}
    # electricity without a customer class and PV production are not activity
    assert set(rows) == {("I.1.1", "natural_gas"), ("I.1.2", "electricity"),
                         ("I.2.2", "electricity")}
    gas = rows[("I.1.1", "natural_gas")]
    assert gas.mwh == 300 * GAS_KWH_PER_M3 / 1000 == 3.165
    assert (gas.sources, gas.batches, gas.readings, gas.meters) == (["gas"], [7, 8], 30, 1)
    assert gas.expected_readings == 365 and gas.coverage == 30 / 365
    assert gas.ccc_sector is None
    household = rows[("I.1.2", "electricity")]
    assert household.mwh == 0.0725 and household.coverage == 191 / 35040
    assert rows[("I.2.2", "electricity")].mwh == 0.003


def test_gpc_activity_per_month_and_with_a_city_mapping(hand: Path) -> None:
    # given Kranj's own convention (gas counted as I.2.1 here, to see the mapping is data)
    mapping = [dict(r) for r in load_mapping()]
    for r in mapping:
        if r["quantity"] == "gas_volume" and r["customer_class"] == "household":
            r["gpc_ref"], r["ccc_sector"] = "I.2.1", "buildings"
    df = gpc_activity(hand, tz=TZ.key, frequencies=FREQ, city="kranj", engine="duckdb", per="month",
                      mapping=mapping, gas_kwh_per_m3=10.0)
    gas = df[df.carrier == "natural_gas"]
    assert gas[["year", "month", "gpc_ref", "ccc_sector", "mwh"]].values.tolist() == [
        [2018, 1, "I.2.1", "buildings", 3.0]]
    assert df[df.carrier == "electricity"][["month", "gpc_ref", "mwh"]].values.tolist() == [
        [3, "I.1.2", 0.023], [3, "I.2.2", 0.001], [4, "I.2.2", 0.002], [10, "I.1.2", 0.0495]]


def test_pv_production_is_an_indicator_series(hand: Path) -> None:
    df = pv_production(hand, tz=TZ.key, frequencies=FREQ, city="kranj", engine="duckdb")
    assert df.values.tolist() == [["kranj", "pv", 2018, 6, 0.004, 2, 1, 720.0, 2 / 720]]
    yearly = pv_production(hand, tz=TZ.key, frequencies=FREQ, city="kranj", engine="duckdb", per="year")
    assert yearly[["year", "mwh", "expected_readings"]].values.tolist() == [[2018, 0.004, 8760]]


def test_nowcast_scales_by_the_previous_year_or_by_the_share_of_the_year(hand: Path) -> None:
    # given testville: heat for all of 2018 and January-February 2019 (one day missing),
    # electricity from January 2019 only
    df = nowcast(hand, tz=TZ.key, factors=FACTORS, frequencies=FREQ, city="testville", engine="duckdb")
    assert df[["year", "month", "gpc_ref", "carrier"]].values.tolist() == [
        [2019, 1, "I.1.2", "district_heat"], [2019, 1, "I.1.2", "electricity"],
        [2019, 2, "I.1.2", "district_heat"], [2019, 2, "I.1.2", "electricity"]]
    heat_prev_total = 19_730  # kWh: sum of days x HEAT_2018
    assert sum(calendar.monthrange(2018, m)[1] * v
               for m, v in enumerate(HEAT_2018, 1)) == heat_prev_total
    heat = df[df.carrier == "district_heat"].set_index("month")
    # as of January: 31 x 90 kWh, scaled by 2018's total over 2018's January (31 x 100)
    jan = heat.loc[1]
    assert jan.method == "previous_year"
    assert jan.mwh_to_date == 2.79 and jan.mwh_previous_to_date == 3.1
    assert jan.mwh_previous_year == 19.73
    assert jan.mwh_estimate == pytest.approx(2.79 * 19.73 / 3.1, rel=1e-12)
    assert jan.coverage == 1.0 and jan.year_share == 31 / 365
    # as of February: + 27 x 60 kWh (the 14th missing), over 2018's 31 x 100 + 28 x 80
    feb = heat.loc[2]
    assert feb.mwh_month == 1.62 and feb.mwh_to_date == 4.41
    assert feb.mwh_previous_to_date == 5.34
    assert feb.mwh_estimate == pytest.approx(4.41 * 19.73 / 5.34, rel=1e-12)
    assert feb.tco2e_estimate == pytest.approx(4.41 * 19.73 / 5.34 * 0.320, rel=1e-12)
    assert feb.tco2e_to_date == pytest.approx(4.41 * 0.320, rel=1e-12)
    assert (feb.readings, feb.expected_readings, feb.coverage) == (58, 59, 58 / 59)
    # electricity has no 2018: January's 2,976 quarter hours of 0.1 kWh over the share of
    # the year; February has no readings yet, which its coverage shows
    el = df[df.carrier == "electricity"].set_index("month")
    assert el.loc[1].method == el.loc[2].method == "share_of_year"
    assert el.loc[1].mwh_to_date == pytest.approx(0.2976, rel=1e-12)
    assert el.loc[1].mwh_estimate == pytest.approx(0.2976 * 365 / 31, rel=1e-12)
    assert el.loc[2].mwh_estimate == pytest.approx(0.2976 * 365 / 59, rel=1e-12)
    assert el.loc[2].coverage == 2976 / (2976 + 28 * 96)
    assert el.loc[2].tco2e_per_mwh == 0.358


def test_the_nowcast_counts_complete_months_of_energy_only(tmp_path: Path) -> None:
    """A visitor uploaded two air-quality readings dated 1 December and the year's estimate
    fell from 86,248 t to 75,726 t: the last month was taken from the latest reading of any
    source. Only energy readings count, and only the months they cover to the end."""
    # given testville's heat (2018, January and February 2019) and electricity (January
    # 2019), two air-quality readings on 1 December 2019 and heat for 1-10 March 2019
    root = tmp_path / "readings"
    extra = [_reading("testville", "air", "a1", "pm10", _local_midnight(date(2019, 12, 1)),
                      v, "ug/m3", None, 13) for v in (12.0, 14.0)]
    extra += [_reading("testville", "heat", "d1", "heat_energy",
                       _local_midnight(date(2019, 3, d)), 5000.0, "kWh", "household", 13)
              for d in range(1, 11)]
    _write(root, other_city_rows() + extra)
    clean = tmp_path / "clean"
    _write(clean, other_city_rows())
    # when the nowcast runs on both stores
    df = nowcast(root, tz=TZ.key, factors=FACTORS, frequencies={**FREQ, "air": "hourly"},
                 city="testville", engine="duckdb")
    reference = nowcast(clean, tz=TZ.key, factors=FACTORS, frequencies=FREQ,
                        city="testville", engine="duckdb")
    # then it stops at February, the last month measured to its end, and neither the air
    # readings nor the ten days of March move a figure
    assert sorted(set(df.month)) == [1, 2]
    assert set(df.gpc_ref) == {"I.1.2"}  # no row for the air readings
    pd.testing.assert_frame_equal(df, reference)
    # and once March is measured to its last day, March counts
    full = tmp_path / "full"
    _write(full, other_city_rows() + extra + [
        _reading("testville", "heat", "d1", "heat_energy", _local_midnight(date(2019, 3, d)),
                 50.0, "kWh", "household", 14) for d in range(11, 32)])
    assert sorted(set(nowcast(full, tz=TZ.key, factors=FACTORS, frequencies=FREQ,
                              city="testville", engine="duckdb").month)) == [1, 2, 3]


def test_nowcast_of_a_past_year_and_of_a_year_without_readings(hand: Path) -> None:
    df = nowcast(hand, tz=TZ.key, factors=FACTORS, frequencies=FREQ, city="testville", engine="duckdb",
                 year=2018)
    assert df.month.tolist() == list(range(1, 13))
    assert set(df.method) == {"share_of_year"}  # no 2017
    assert df.iloc[-1].mwh_estimate == pytest.approx(19.73, rel=1e-12)
    assert nowcast(hand, tz=TZ.key, factors=FACTORS, frequencies=FREQ, city="testville",
                   engine="duckdb", year=2020).empty
    assert nowcast(hand, tz=TZ.key, factors=FACTORS, frequencies=FREQ, city="testville",
                   engine="duckdb", year=2017).empty


def test_an_empty_store_gives_empty_frames_with_the_columns(tmp_path: Path) -> None:
    df = monthly_activity(tmp_path / "none", tz=TZ.key, frequencies=FREQ)
    assert df.empty and "coverage" in df.columns
    assert gpc_activity(tmp_path, tz=TZ.key, frequencies=FREQ).empty


def test_engine_comes_from_the_argument_or_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZEROCITY_ENGINE", raising=False)
    assert engine_name() == "duckdb"
    monkeypatch.setenv("ZEROCITY_ENGINE", "spark")
    assert engine_name() == "spark"
    assert engine_name("duckdb") == "duckdb"
    with pytest.raises(EngineError, match="unknown engine 'oracle'"):
        engine_name("oracle")


# -- the generator -----------------------------------------------------------------------------

KRANJ_2018_MWH = {  # Kranj Action Plan A-1.1 (A-1.4 split), src/zerocity/demo/data/kranj_2018.csv
    ("I.1.2", "electricity", None): 42_682.1,
    ("I.2.2", "electricity", None): 25_896.9,
    ("I.2.2", "electricity", "waste"): 1_085.0,
    ("II.1.2", "electricity", None): 2_016.0,
    ("I.1.1", "natural_gas", None): 51_875.0,
    ("I.2.1", "natural_gas", None): 18_976.0,
    ("I.3.1", "natural_gas", "ippu"): 79_655.0,
    ("I.1.2", "district_heat", None): 36_126.0,
    ("I.2.2", "district_heat", None): 13_215.0,
    ("I.3.2", "district_heat", "ippu"): 8_347.0,
}


@pytest.mark.parametrize("meters", [14, 40])
def test_generated_2018_adds_up_to_kranj_s_activity_data(tmp_path: Path, meters: int) -> None:
    # given a year of synthetic readings for a handful of meters
    result = gen.generate(tmp_path, tz=TZ.key, meters=meters, days=365, seed=meters)
    assert result.readings == gen.estimate_readings(meters, 365, tz=TZ.key)
    # when the pipeline totals 2018 per GPC row
    df = gpc_activity(tmp_path, tz=TZ.key, frequencies=gen.frequencies(), engine="duckdb")
    mwh = {(r.gpc_ref, r.carrier, r.ccc_sector): r.mwh for r in df.itertuples()}
    # then every row matches the baseline within 0.1 %, and so do the totals
    for key, target in KRANJ_2018_MWH.items():
        assert mwh[key] == pytest.approx(target, rel=1e-3), key
    electricity = sum(v for (ref, c, s), v in mwh.items()
                      if c == "electricity" and ref in ("I.1.2", "I.2.2") and s is None)
    assert electricity == pytest.approx(68_579, rel=1e-3)
    heat = sum(v for (_, c, _), v in mwh.items() if c == "district_heat")
    assert heat == pytest.approx(57_688, rel=1e-3)
    assert set(df.year) == {2018}
    assert (df.coverage == 1.0).all()
    # and the heat Domplan's plants fed in is 30 % renewable, as the impact pathway of action
    # 1.1 starts from (research note ghg-standards.md 7.7)
    plants = yearly_activity(tmp_path, tz=TZ.key, frequencies=gen.frequencies(), engine="duckdb")
    plants = plants[plants.source == "district-heat-production"].set_index("quantity")
    assert plants.loc["heat_production_renewable", "value"] / plants.loc[
        "heat_production", "value"] == pytest.approx(0.30, rel=1e-3)


def test_a_store_table_has_the_contract_s_columns_in_its_order() -> None:
    n = 2
    columns = {
        "batch": pa.array([7, 7]), "customer_class": constant_column(None, n),
        "unit": constant_column("kWh", n), "value": pa.array([1.0, 2.0]),
        "ts": pa.array([0, 1], pa.timestamp("us", tz="UTC")),
        "quantity": constant_column("active_energy", n), "meter": pa.array(["A", "B"]),
        "source": constant_column("el", n), "city": constant_column("kranj", n)}
    # given the columns in any order, when the table is made
    table = store_table(columns)
    # then they are in the contract's order, with its nullability, dictionaries kept
    assert table.column_names == list(STORE_SCHEMA.names)
    assert [f.nullable for f in table.schema] == [f.nullable for f in STORE_SCHEMA]
    assert pa.types.is_dictionary(table.schema.field("city").type)
    assert table.column("unit").to_pylist() == ["kWh", "kWh"]
    # and a missing or unknown column is refused
    with pytest.raises(ValueError, match="the store's columns are city, source"):
        store_table({k: v for k, v in columns.items() if k != "batch"})
    with pytest.raises(ValueError):
        store_table({**columns, "extra": pa.array([1, 2])})


def test_generated_data_keeps_the_store_layout_and_shapes(tmp_path: Path) -> None:
    gen.generate(tmp_path, tz=TZ.key, meters=14, days=3, start="2018-03-24")
    files = sorted(tmp_path.rglob("*.parquet"))
    assert files and all(f.name.startswith("0-") for f in files)
    assert {f.relative_to(tmp_path).parts[0] for f in files} == {
        "source=electricity-meters", "source=gas-meters", "source=district-heat-meters",
        "source=district-heat-production", "source=pv-production"}
    assert pq.read_schema(files[0]).equals(gen.READINGS_SCHEMA)
    table = pq.read_table(tmp_path / "source=electricity-meters").to_pandas()
    household = table[table.meter == "EH-000001"]
    local_days = household.ts.dt.tz_convert("Europe/Ljubljana").dt.date.value_counts()
    # the spring DST day has 92 quarter hours
    assert local_days.to_dict() == {date(2018, 3, 24): 96, date(2018, 3, 25): 92,
                                    date(2018, 3, 26): 96}
    assert (household.value > 0).all()
    pv = pq.read_table(tmp_path / "source=pv-production").to_pandas()
    night = pv[pv.ts.dt.tz_convert("Europe/Ljubljana").dt.hour.isin([0, 1, 2, 23])]
    assert len(night) and (night.value == 0).all()
    # re-running replaces its own batch instead of adding to it
    again = gen.generate(tmp_path, tz=TZ.key, meters=14, days=3, start="2018-03-24")
    assert len(list(tmp_path.rglob("*.parquet"))) == again.files == len(files)


def test_generated_sources_are_kranj_s_registered_sources() -> None:
    from zerocity.data.demo import KRANJ_SOURCES as REGISTERED

    registered = {s["key"]: s for s in REGISTERED}
    for source in gen.KRANJ_SOURCES:
        spec = registered[source.key]
        assert (spec["kind"], spec["frequency"]) == (source.kind, source.frequency)
        assert spec["schema"][source.quantity]["unit"] == source.unit


def test_the_mapping_places_every_customer_class_of_the_intake() -> None:
    from zerocity.data.intake import CUSTOMER_CLASSES

    mapped = {(r["quantity"], r["customer_class"]) for r in load_mapping()}
    for klass in CUSTOMER_CLASSES:
        assert ("active_energy", klass) in mapped, klass
    assert {r["gpc_ref"] for r in load_mapping()} <= {
        "I.1.1", "I.1.2", "I.2.1", "I.2.2", "I.3.1", "I.3.2", "I.4.1", "I.4.2", "I.5.1",
        "I.5.2", "I.6.1", "I.6.2", "II.1.1", "II.1.2"}


def test_weekly_and_seasonal_shapes() -> None:
    # services use less on Sunday than on a weekday; gas is a winter fuel
    import numpy as np

    week = np.arange(np.datetime64("2018-01-08T00:00", "us"), np.datetime64("2018-01-15", "us"),
                     np.timedelta64(15, "m")).astype(np.int64)
    services = gen._profile("services_electricity", week, "15min", "Europe/Ljubljana", 0)
    per_day = services.reshape(7, 96).sum(axis=1)
    assert per_day[6] < 0.5 * per_day[0]
    days = np.array([np.datetime64("2018-01-15", "us"), np.datetime64("2018-07-15", "us")],
                    dtype="datetime64[us]").astype(np.int64)
    gas = gen._profile("household_gas", days, "daily", "Europe/Ljubljana", 0)
    assert gas[0] > 5 * gas[1]


def test_generate_command(tmp_path: Path) -> None:
    from zerocity.cli import main

    args = ["data", "generate", "--timezone", TZ.key, "--days", "2", "--out", str(tmp_path)]
    result = CliRunner().invoke(main, [*args, "--meters", "14"])
    assert result.exit_code == 0, result.output
    assert f"wrote {gen.estimate_readings(14, 2, tz=TZ.key):,} readings of 14 meters" in result.output
    bad = CliRunner().invoke(main, [*args, "--meters", "5"])
    assert bad.exit_code == 2 and "at least 14 meters" in bad.output
    unknown = CliRunner().invoke(main, [*args, "--city", "atlantis", "--meters", "20"])
    assert unknown.exit_code == 2 and "no calibration for 'atlantis'" in unknown.output


# -- the same pipelines on Spark ---------------------------------------------------------------

@pytest.mark.spark
def test_spark_gives_identical_results(spark, hand: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # given the hand data plus a generated slice across a year end (15-minute and daily)
    root = tmp_path / "readings"
    shutil.copytree(hand, root)
    gen.generate(root, tz=TZ.key, meters=14, days=40, start="2018-12-10")
    frequencies = {**FREQ, **gen.frequencies()}
    runs = {
        "monthly": lambda e: monthly_activity(root, tz=TZ.key, frequencies=frequencies, engine=e),
        "yearly": lambda e: yearly_activity(root, tz=TZ.key, frequencies=frequencies, engine=e),
        "gpc": lambda e: gpc_activity(root, tz=TZ.key, frequencies=frequencies, engine=e, per="month"),
        "pv": lambda e: pv_production(root, tz=TZ.key, frequencies=frequencies, engine=e),
        "nowcast kranj": lambda e: nowcast(root, tz=TZ.key, factors=FACTORS, frequencies=frequencies,
                                           city="kranj", engine=e),
        "nowcast testville": lambda e: nowcast(root, tz=TZ.key, factors=FACTORS, frequencies=frequencies,
                                               city="testville", engine=e),
    }
    for name, run in runs.items():
        # when the same pipeline runs on DuckDB and on Spark
        on_duckdb, on_spark = run("duckdb"), run(spark)
        # then the DataFrames are identical, to the last bit
        assert len(on_duckdb) > 0, name
        pd.testing.assert_frame_equal(on_duckdb, on_spark, check_exact=True, obj=name)
