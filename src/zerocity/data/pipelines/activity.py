"""Monthly and yearly activity per (city, source, quantity, customer class), and the PV
production indicator series.

A reading is the quantity consumed (or produced) in the interval that *starts* at ``ts``; it
belongs to the local month that interval starts in. Coverage is the share of the readings owed
that are present: readings / (meters that reported in the period x readings one meter owes in
it at the source's frequency, counted in the local calendar, DST included).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from . import frames
from .calendar import slots
from .engines import SCALE, connect, data_years, has_readings, month_key, read_readings, to_frame

Frequencies = Mapping[str, Any]

MONTHLY_COLUMNS = {
    "city": "str", "source": "str", "quantity": "str", "customer_class": "str", "unit": "str",
    "year": "int", "month": "int", "value": "float", "readings": "int", "meters": "int",
    "expected_readings": "float", "coverage": "float", "batches": "int_list",
}
YEARLY_COLUMNS = {k: v for k, v in MONTHLY_COLUMNS.items() if k != "month"}
ACTIVITY_SORT = ["city", "source", "quantity", "customer_class", "unit", "year", "month"]

PV_MONTHLY_COLUMNS = {
    "city": "str", "source": "str", "year": "int", "month": "int", "mwh": "float",
    "readings": "int", "meters": "int", "expected_readings": "float", "coverage": "float",
}
PV_YEARLY_COLUMNS = {k: v for k, v in PV_MONTHLY_COLUMNS.items() if k != "month"}
PV_SORT = ["city", "source", "year", "month"]


def slots_table(frequencies: Frequencies, years: Iterable[int], per: str,
                tz: str) -> ir.Table:
    """source, period, slots: readings one meter owes per local month (``period`` yyyymm) or
    per year (``period`` yyyy). Irregular sources owe nothing countable: -1, read as null (no
    nulls in in-memory tables: Spark would read them as NaN)."""
    rows: dict[str, list[Any]] = {"source": [], "period": [], "slots": []}
    for source, frequency in sorted(frequencies.items()):
        for year in sorted(set(years)):
            months = [slots(frequency, year, m, tz) for m in range(1, 13)]
            if per == "month":
                rows["source"] += [source] * 12
                rows["period"] += [year * 100 + m for m in range(1, 13)]
                rows["slots"] += [-1 if m is None else m for m in months]
            else:
                rows["source"].append(source)
                rows["period"].append(year)
                rows["slots"].append(-1 if None in months else sum(m or 0 for m in months))
    schema = ibis.schema({"source": "string", "period": "int64", "slots": "int64"})
    return ibis.memtable(rows, schema=schema)


def activity_table(readings: ir.Table, *, per: str, frequencies: Frequencies,
                   years: Iterable[int], tz: str, by_class: bool = True,
                   batches: bool = True) -> ir.Table:
    """One row per group and period: ``value_u`` (the sum in millionths of the unit),
    readings, meters, ``slots`` and, if asked, the distinct ``batches``. ``period`` is yyyymm
    (``per="month"``) or yyyy (``per="year"``).

    The readings are summed per meter (and batch) first, and the distinct meters and batches
    counted over those few sums: the same result as counting them over every reading, in half
    the time on DuckDB, whose distinct aggregates hash every row once more each."""
    years = list(years)
    key = month_key(readings.ts, years, tz)
    period = key if per == "month" else key // 100
    keys = ["city", "source", "quantity"] + (["customer_class"] if by_class else []) + ["unit"]
    per_meter = readings.group_by(
        [*keys, period.name("period"), "meter", *(["batch"] if batches else [])]
    ).aggregate(value_u=(readings.value * SCALE).round().cast("int64").sum(),
                readings=readings.count())
    metrics: dict[str, Any] = {
        "value_u": per_meter.value_u.sum(),
        "readings": per_meter.readings.sum(),
        "meters": per_meter.meter.nunique(),
    }
    if batches:
        metrics["batches"] = per_meter.batch.collect(distinct=True)
    grouped = per_meter.group_by([*keys, "period"]).aggregate(**metrics)
    cal = slots_table(frequencies, years, per, tz)
    joined = grouped.left_join(cal, ["source", "period"]).select(
        *grouped.columns, slots=cal.slots.nullif(-1))
    return joined


def _finish_activity(table: ir.Table, per: str) -> ir.Table:
    year = table.period // 100 if per == "month" else table.period
    columns: dict[str, Any] = {
        "city": table.city, "source": table.source, "quantity": table.quantity,
        "customer_class": table.customer_class, "unit": table.unit, "year": year,
    }
    if per == "month":
        columns["month"] = table.period % 100
    expected = table.meters * table.slots
    columns |= {
        "value": table.value_u / SCALE,
        "readings": table.readings, "meters": table.meters,
        "expected_readings": expected.cast("float64"),
        "coverage": table.readings / expected.nullif(0),
        "batches": table.batches,
    }
    return table.select(**columns)


def _run(path: str | Path, per: str, frequencies: Frequencies, city: str | None,
         engine: str | BaseBackend | None, tz: str) -> pd.DataFrame:
    kinds = MONTHLY_COLUMNS if per == "month" else YEARLY_COLUMNS
    if not has_readings(path):
        return frames.empty(kinds)
    con = connect(engine)
    readings = read_readings(con, path, city=city)
    years = data_years(con, path, readings)
    table = activity_table(readings, per=per, frequencies=frequencies, years=years, tz=tz)
    df = to_frame(con, _finish_activity(table, per))
    return frames.finish(df, kinds, [c for c in ACTIVITY_SORT if c in kinds])


def monthly_activity(path: str | Path, *, frequencies: Frequencies, city: str | None = None,
                     engine: str | BaseBackend | None = None,
                     tz: str) -> pd.DataFrame:
    """Activity per (city, source, quantity, customer_class, unit, local year and month).

    ``frequencies`` maps each source key to its reading frequency (``"15min"``, ``"hourly"``,
    ``"daily"``, ``"monthly"``, ``"irregular"``, ``"<n>min"``); a source missing from it gets
    no expected readings or coverage (null). Columns: city, source, quantity, customer_class,
    unit, year, month, value (in the unit), readings, meters, expected_readings, coverage,
    batches (sorted list of batch ids).
    """
    return _run(path, "month", frequencies, city, engine, tz)


def yearly_activity(path: str | Path, *, frequencies: Frequencies, city: str | None = None,
                    engine: str | BaseBackend | None = None,
                    tz: str) -> pd.DataFrame:
    """As :func:`monthly_activity`, per local calendar year (no ``month`` column); ``meters``
    counts the meters that reported at least once in the year."""
    return _run(path, "year", frequencies, city, engine, tz)


def pv_production(path: str | Path, *, frequencies: Frequencies, per: str = "month",
                  city: str | None = None, engine: str | BaseBackend | None = None,
                  tz: str, quantity: str = "pv_energy") -> pd.DataFrame:
    """Local PV production per source and month (``per="month"``) or year, in MWh, as the plan's
    indicator series (e.g. OI 1.2 green electricity production). Columns: city, source, year,
    [month,] mwh, readings, meters, expected_readings, coverage."""
    if per not in ("month", "year"):
        raise ValueError("per must be 'month' or 'year'")
    kinds = PV_MONTHLY_COLUMNS if per == "month" else PV_YEARLY_COLUMNS
    if not has_readings(path):
        return frames.empty(kinds)
    con = connect(engine)
    readings = read_readings(con, path, city=city)
    years = data_years(con, path, readings)
    readings = readings.filter(readings.quantity == quantity)
    t = activity_table(readings, per=per, frequencies=frequencies, years=years, tz=tz,
                       by_class=False, batches=False)
    expected = t.meters * t.slots
    columns: dict[str, Any] = {"city": t.city, "source": t.source,
                               "year": t.period // 100 if per == "month" else t.period}
    if per == "month":
        columns["month"] = t.period % 100
    columns |= {"mwh": t.value_u / (SCALE * 1000), "readings": t.readings, "meters": t.meters,
                "expected_readings": expected.cast("float64"),
                "coverage": t.readings / expected.nullif(0)}
    df = to_frame(con, t.select(**columns))
    return frames.finish(df, kinds, [c for c in PV_SORT if c in kinds])
