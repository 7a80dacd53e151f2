"""The intake's fast path (a typed Parquet file checked on its dictionaries) gives exactly
what the exact path gives — the same counts, the same quarantine line for line, the same
readings stored, in the right partitions, and the same gaps — and stands aside whenever the
exact path's judgement is needed (repeats in the payload, readings already stored). Real
SQLite/PostgreSQL, real Parquet files, real DuckDB; Spark reads what both paths wrote."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from zerocity.data import fastpath, services, store
from zerocity.data.models import Batch

pytestmark = pytest.mark.django_db

SCHEMA = {"active_energy": {"unit": "kWh", "min": 0, "max": 100000},
          "active_energy_export": {"unit": "kWh", "min": 0}}
START = datetime(2026, 1, 31, 22, 0, tzinfo=UTC)  # readings straddle a month's end
US_UTC = pa.timestamp("us", tz="UTC")
KEYS = (f"src{n}" for n in itertools.count())


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def _source(city):
    return services.add_source(city, next(KEYS), name="Electricity meters",
                               kind="electricity_meters", schema=SCHEMA, frequency="15min")


def _write(tmp_path, rows, *, time_type=US_UTC, name="r.parquet"):
    table = pa.table({
        "meter": pa.array([r[0] for r in rows], pa.string()),
        "time": pa.array([r[1] for r in rows], time_type),
        "quantity": pa.array([r[2] for r in rows], pa.string()),
        "value": pa.array([r[3] for r in rows], pa.float64()),
        "unit": pa.array([r[4] for r in rows], pa.string()),
        "customer_class": pa.array([r[5] for r in rows], pa.string()),
    })
    path = tmp_path / name
    pq.write_table(table, path, row_group_size=7)  # several row groups: bad rows span them
    return path


def _ingest(settings, source, path, *, fast):
    settings.DATA_FAST_INTAKE = fast
    return services.ingest_file(source, path, actor="test").value


def _stored(data_dir, source):
    files = sorted(str(p) for p in (data_dir / "readings" / f"source={source.key}")
                   .rglob("*.parquet"))
    if not files:
        return []
    return duckdb.sql(
        "SELECT meter, quantity, epoch_us(ts), value::VARCHAR, unit, customer_class "
        f"FROM read_parquet({files!r}, hive_partitioning = false) "
        "ORDER BY ALL").fetchall()


def _misplaced(data_dir, source):
    """Store files holding a reading outside their partition's UTC month."""
    out = []
    for path in (data_dir / "readings" / f"source={source.key}").rglob("*.parquet"):
        year, month = (int(part.split("=")[1]) for part in path.parts[-3:-1])
        months = duckdb.sql(f"SELECT DISTINCT year(ts AT TIME ZONE 'UTC'), "
                            f"month(ts AT TIME ZONE 'UTC') FROM read_parquet('{path}', "
                            "hive_partitioning = false)").fetchall()
        if months != [(year, month)]:
            out.append((path.name, months))
    return out


def _outcome(batch, data_dir):
    return {
        "counts": (batch.status, batch.received, batch.accepted, batch.duplicates,
                   batch.rejected),
        "quarantine": [(q.line, q.column, q.reason, q.raw)
                       for q in batch.quarantine.order_by("line", "id")],
        "stored": _stored(data_dir, batch.source),
        "gaps": batch.summary.get("gaps"),
        "span": (batch.first_reading, batch.last_reading),
        "misplaced": _misplaced(data_dir, batch.source),
    }


def _same(settings, city, tmp_path, data_dir, rows, **kw):
    path = _write(tmp_path, rows, **kw)
    fast = _ingest(settings, _source(city), path, fast=True)
    exact = _ingest(settings, _source(city), path, fast=False)
    assert "fast_path" not in exact.summary
    outcome = _outcome(fast, data_dir)
    assert outcome == _outcome(exact, data_dir)
    assert not outcome["misplaced"]
    return fast, exact


# -- the same result as the exact path --------------------------------------------------------

def test_a_clean_file_takes_the_fast_path_and_stores_what_the_exact_path_stores(
        settings, city, tmp_path, data_dir):
    rows = [(f"EG-{m}", START + timedelta(minutes=15 * i), "active_energy", 0.25 * i + m,
             "kWh", "household") for m in range(3) for i in range(12)]
    fast, exact = _same(settings, city, tmp_path, data_dir, rows)

    assert fast.summary["fast_path"] is True
    assert (fast.status, fast.accepted, fast.rejected) == ("accepted", 36, 0)
    # the readings straddle January and February (UTC): one file per month partition
    assert fast.files == [f"source={fast.source.key}/year=2026/month=01/{fast.pk}-0.parquet",
                          f"source={fast.source.key}/year=2026/month=02/{fast.pk}-0.parquet"]
    assert not list((data_dir / "ingest-tmp").iterdir())  # the staging is gone
    assert not list((data_dir / "readings").rglob(".*.tmp"))
    # written from dictionaries, read back with the contract's plain types by every reader
    for name in fast.files:
        schema = pq.read_schema(data_dir / "readings" / name)
        assert schema.remove_metadata() == store.STORE_SCHEMA


def test_every_rule_words_the_same_reason_on_both_paths(settings, city, tmp_path, data_dir):
    t = START
    future = datetime.now(UTC) + timedelta(days=3)
    rows = [
        ("EG-1", t, "active_energy", 1.5, "kWh", None),             # good
        (" EG-2 ", t, "active_energy", 2.0, "kWh", None),           # good after the trim
        ("EG-3\u00a0", t, "active_energy", 2.0, "kWh", None),       # no-break space trimmed
        ("", t, "active_energy", 1.0, "kWh", None),                 # meter required
        (None, t, "active_energy", 1.0, "kWh", None),
        ("X" * 201, t, "active_energy", 1.0, "kWh", None),          # too long
        ("EG-4", t, "reactive_energy", 1.0, "kWh", None),           # not a quantity
        ("EG-5", t, " Active_Energy ", 1.0, "kWh", None),           # good: case and spaces
        ("EG-6", t, "active_energy", None, "kWh", None),            # value required
        ("EG-7", t, "active_energy", math.nan, "kWh", None),        # not finite
        ("EG-8", t, "active_energy", math.inf, "kWh", None),
        ("EG-9", t, "active_energy", -1.0, "kWh", None),            # below the minimum
        ("EG-10", t, "active_energy", 200.0, "MWh", None),          # above the maximum, converted
        ("EG-11", t, "active_energy", 1500.0, "Wh", None),          # good: 1.5 kWh
        ("EG-12", t, "active_energy", 2.0, "KWH", None),            # good: UN/CEFACT code
        ("EG-13", t, "active_energy", 1.0, "m3", None),             # not convertible
        ("EG-14", t, "active_energy", 1.0, "parsec/fortnight", None),
        ("EG-15", t, "active_energy", 1.0, "", None),               # unit required
        ("EG-16", t, "active_energy", 1.0, "kWh", "villa"),         # not a class
        ("EG-17", t, "active_energy", 1.0, "kWh", " Industry "),     # good: industry
        ("EG-18", None, "active_energy", 1.0, "kWh", None),         # time required
        ("EG-19", future, "active_energy", 1.0, "kWh", None),       # in the future
        (None, None, None, None, None, None),                       # blank: skipped
        ("", None, "", 5.0, "", "villa"),                           # several problems
    ]
    fast, _ = _same(settings, city, tmp_path, data_dir, rows)

    assert fast.summary["fast_path"] is True
    assert (fast.received, fast.accepted, fast.rejected) == (23, 7, 16)
    reasons = [q.reason for q in fast.quarantine.order_by("line", "id")]
    assert "longer than 200 characters" in reasons
    assert any("is more than a day in the future" in r for r in reasons)


@hsettings(max_examples=30, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(
    st.sampled_from(["EG-1", "EG-2", " EG-3", "EG-4 ", "", None, "\tEG-5"]),
    st.integers(min_value=0, max_value=400),
    st.sampled_from(["active_energy", "active_energy_export", "ACTIVE_ENERGY", "heat", None]),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64), st.none(),
              st.sampled_from([0.0, -0.0, 100000.0, 100000.0001, 99.999])),
    st.sampled_from(["kWh", "MWh", "Wh", "KWH", "GJ", "m3", "", None, "bogus"]),
    st.sampled_from(["household", "services", "Household", "", None, "villa"]),
), min_size=1, max_size=60))
def test_any_file_gives_the_same_result_on_both_paths(settings, city, tmp_path, data_dir,
                                                      cells):
    # distinct times per meter, so that the fast path does not stand aside for repeats
    seen: set[tuple] = set()
    rows = []
    for meter, step, quantity, value, unit, klass in cells:
        if (meter, quantity, step) in seen:
            continue
        seen.add((meter, quantity, step))
        rows.append((meter, START + timedelta(minutes=15 * step), quantity, value, unit, klass))
    _same(settings, city, tmp_path, data_dir, rows)


def test_millisecond_times_and_meter_major_or_time_major_order_give_the_same_readings(
        settings, city, tmp_path, data_dir):
    times = [START + timedelta(minutes=15 * i) for i in range(20)]
    by_time = [(f"EG-{m}", t, "active_energy", float(m), "kWh", None)
               for t in times for m in range(5)]
    fast, _ = _same(settings, city, tmp_path, data_dir, by_time,
                    time_type=pa.timestamp("ms", tz="UTC"))
    assert fast.summary["fast_path"] is True
    assert fast.accepted == 100


def test_gaps_are_the_exact_paths_gaps(settings, city, tmp_path, data_dir):
    rows = [("EG-1", START + timedelta(minutes=15 * i), "active_energy", 1.0, "kWh", None)
            for i in range(20) if i not in (5, 6, 7)]
    rows += [("EG-2", START + timedelta(minutes=15 * i), "active_energy", 1.0, "kWh", None)
             for i in range(10)]
    fast, _ = _same(settings, city, tmp_path, data_dir, rows)
    assert fast.summary["gaps"]["meters"] == 1
    assert fast.summary["gaps"]["by_meter"][0]["missing"] == 3


def test_when_the_runs_are_too_many_duckdb_counts_the_repeats(settings, city, tmp_path,
                                                               data_dir, monkeypatch):
    monkeypatch.setattr(fastpath, "MAX_RUNS", 3)
    verdicts = []
    disjoint = fastpath.Runs.disjoint

    def recorded(runs):
        verdicts.append(disjoint(runs))
        return verdicts[-1]

    monkeypatch.setattr(fastpath.Runs, "disjoint", recorded)
    rows = [(f"EG-{m}", START + timedelta(minutes=15 * i), "active_energy", 1.0, "kWh", None)
            for i in range(6) for m in range(4)]  # time-major: 24 runs of one reading
    fast, _ = _same(settings, city, tmp_path, data_dir, rows)
    assert fast.summary["fast_path"] is True
    assert fast.accepted == 24
    assert verdicts == [None]  # the runs could not tell: DuckDB counted, and found no repeat


# -- standing aside ---------------------------------------------------------------------------

def test_a_payload_repeating_a_reading_is_left_to_the_exact_path(settings, city, tmp_path,
                                                                  data_dir):
    rows = [("EG-1", START, "active_energy", 1.0, "kWh", None),
            ("EG-1", START + timedelta(minutes=15), "active_energy", 1.0, "kWh", None),
            ("EG-1", START, "active_energy", 0.001, "MWh", None),   # the same reading again
            ("EG-1", START, "active_energy", 9.0, "kWh", None)]     # a conflicting one
    fast, _ = _same(settings, city, tmp_path, data_dir, rows)
    assert "fast_path" not in fast.summary
    assert (fast.accepted, fast.duplicates, fast.rejected) == (2, 1, 1)
    assert [q.line for q in fast.quarantine.all()] == [5]


def test_readings_already_stored_are_left_to_the_exact_path(settings, city, tmp_path,
                                                            data_dir):
    source = _source(city)
    first = [("EG-1", START + timedelta(minutes=15 * i), "active_energy", 1.0, "kWh", None)
             for i in range(4)]
    batch = _ingest(settings, source, _write(tmp_path, first, name="a.parquet"), fast=True)
    assert batch.summary["fast_path"] is True

    later = [("EG-1", START + timedelta(minutes=15 * i), "active_energy", 1.0, "kWh", None)
             for i in range(4, 8)]
    other = _ingest(settings, source, _write(tmp_path, later, name="b.parquet"), fast=True)
    assert other.summary["fast_path"] is True  # same partition, nothing in common

    overlap = [("EG-1", START + timedelta(minutes=15 * i), "active_energy", 1.0, "kWh", None)
               for i in range(6, 10)]
    again = _ingest(settings, source, _write(tmp_path, overlap, name="c.parquet"), fast=True)
    assert "fast_path" not in again.summary
    assert (again.accepted, again.duplicates) == (2, 2)
    assert len(_stored(data_dir, source)) == 10
    assert not list((data_dir / "ingest-tmp").iterdir())


def test_a_reserved_batch_id_is_never_given_to_another_batch(settings, city, tmp_path,
                                                              data_dir):
    reserved = services.reserve_batch_id()
    other = _ingest(settings, _source(city), _write(tmp_path, [
        ("EG-1", START, "active_energy", 1.0, "kWh", None)]), fast=False)
    assert other.pk > reserved
    assert services.reserve_batch_id() > other.pk
    assert not Batch.objects.filter(pk=reserved).exists()


def test_it_department_can_turn_the_fast_path_off(city, tmp_path, data_dir, monkeypatch):
    path = _write(tmp_path, [("EG-1", START, "active_energy", 1.0, "kWh", None)])
    monkeypatch.setenv("ZEROCITY_FAST_INTAKE", "0")
    assert "fast_path" not in services.ingest_file(_source(city), path).value.summary
    monkeypatch.setenv("ZEROCITY_FAST_INTAKE", "1")
    assert services.ingest_file(_source(city), path).value.summary["fast_path"] is True


def test_many_small_batches_with_refused_rows_give_the_same_result(settings, city, tmp_path, data_dir,
                                                         monkeypatch):
    monkeypatch.setattr(fastpath, "BATCH_ROWS", 4)
    rows = [(f"EG-{i % 3} ", START + timedelta(minutes=15 * i), "active_energy",
             -1.0 if i % 5 == 0 else 1.0, "kWh", None) for i in range(30)]
    fast, _ = _same(settings, city, tmp_path, data_dir, rows)
    assert fast.summary["fast_path"] is True
    assert (fast.accepted, fast.rejected) == (24, 6)


def test_a_store_on_another_filesystem_gets_copies(settings, city, tmp_path, data_dir,
                                                   monkeypatch):
    import errno
    import os

    replace = os.replace

    def across_devices(src, dst):
        if "ingest-tmp" in str(src):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        replace(src, dst)

    monkeypatch.setattr(fastpath.os, "replace", across_devices)
    rows = [("EG-1", START + timedelta(minutes=15 * i), "active_energy", 1.0, "kWh", None)
            for i in range(12)]
    fast, _ = _same(settings, city, tmp_path, data_dir, rows)
    assert fast.summary["fast_path"] is True
    assert len(_stored(data_dir, fast.source)) == 12


def test_runs_follow_the_rows_of_the_file_not_the_order_they_are_handed_over():
    """One meter's October and December readings handed over next to each other (rows the
    exact rules accepted come apart from the others) are two runs, not one spanning November:
    the November run then does not overlap, and nothing is taken for a repeat."""
    hour = 3_600_000_000
    oct_, nov, dec = 0, 30 * 24 * hour, 61 * 24 * hour

    def table(rows, times):
        return pa.record_batch({
            "row": pa.array(rows, pa.int64()),
            "meter": pa.array(["EG-1"] * len(rows)).dictionary_encode(),
            "quantity": pa.array(["active_energy"] * len(rows)).dictionary_encode()}), \
            np.array(times, np.int64)

    runs = fastpath.Runs()
    runs.add(*table([0, 1, 4, 5], [oct_, oct_ + hour, dec, dec + hour]))
    runs.add(*table([2, 3], [nov, nov + hour]))
    assert runs.disjoint() is True
    assert runs.table().num_rows == 3

    repeated = fastpath.Runs()
    repeated.add(*table([0, 1, 2], [oct_, oct_ + hour, oct_ + 2 * hour]))
    repeated.add(*table([3, 4], [oct_ + hour, nov]))  # the second hour again
    assert repeated.disjoint() is None


@pytest.mark.parametrize("odd", [math.nan, math.inf, -math.inf, 100000.5, -0.0, None])
def test_one_odd_value_among_good_ones_of_one_quantity(settings, city, tmp_path, data_dir, odd):
    rows = [("EG-1", START + timedelta(minutes=15 * i), "active_energy",
             odd if i == 3 else 1.0, "kWh", None) for i in range(8)]
    fast, _ = _same(settings, city, tmp_path, data_dir, rows)
    assert fast.summary["fast_path"] is True
    assert fast.accepted == (8 if odd == 0 else 7)


def test_each_quantity_keeps_its_own_range_and_unit(settings, city, tmp_path, data_dir):
    """Two quantities in one row group: 150,000 kWh is beyond active energy's maximum
    (100,000) but a good export (no maximum); 150 MWh is the same amount converted. (Judging
    a row by the wrong quantity's range or unit lets the bad ones through.)"""
    rows = [("EG-1", START, "active_energy", 150000.0, "kWh", None),
            ("EG-1", START, "active_energy_export", 150000.0, "kWh", None),
            ("EG-2", START, "active_energy", 150.0, "MWh", None),
            ("EG-2", START, "active_energy_export", 150.0, "MWh", None),
            ("EG-3", START, "active_energy", 99.0, "MWh", None)]
    fast, _ = _same(settings, city, tmp_path, data_dir, rows)
    assert fast.summary["fast_path"] is True
    assert fast.accepted == 3
    assert [q.line for q in fast.quarantine.order_by("line")] == [2, 4]
    assert [(r[0], r[1], r[3]) for r in _stored(data_dir, fast.source)] == [
        ("EG-1", "active_energy_export", "150000.0"), ("EG-2", "active_energy_export", "150000.0"),
        ("EG-3", "active_energy", "99000.0")]


@pytest.mark.spark
def test_spark_reads_what_both_paths_wrote(settings, city, tmp_path, data_dir, spark):
    """The fast path's files (dictionary codes, delta-coded times, required columns) and the
    exact path's give the same activity, on DuckDB and on Spark, to the last bit."""
    from zerocity.data.pipelines import monthly_activity

    rows = [(f"EG-{m}", START + timedelta(minutes=15 * i), "active_energy", 0.25 * i + m,
             "kWh", "household" if m else None) for m in range(3) for i in range(12)]
    path = _write(tmp_path, rows)
    fast = _ingest(settings, _source(city), path, fast=True)
    exact = _ingest(settings, _source(city), path, fast=False)
    assert fast.summary["fast_path"] is True and "fast_path" not in exact.summary
    frequencies = {fast.source.key: "15min", exact.source.key: "15min"}

    on_duckdb = monthly_activity(data_dir / "readings", tz='Europe/Ljubljana', frequencies=frequencies,
                                 engine="duckdb")
    on_spark = monthly_activity(data_dir / "readings", tz='Europe/Ljubljana', frequencies=frequencies, engine=spark)

    pd.testing.assert_frame_equal(on_duckdb, on_spark, check_exact=True)
    by_path = {key: part.drop(columns=["source", "batches"]).reset_index(drop=True)
               for key, part in on_duckdb.groupby("source")}
    pd.testing.assert_frame_equal(by_path[fast.source.key], by_path[exact.source.key],
                                  check_exact=True)
    # 36 readings of 3 meters, local January and February (the UTC month's end is local
    # February): 2 classes (household, none) x 2 months
    assert len(by_path[fast.source.key]) == 4
    assert by_path[fast.source.key].readings.sum() == 36
    assert by_path[fast.source.key].value.sum() == sum(r[3] for r in rows)
