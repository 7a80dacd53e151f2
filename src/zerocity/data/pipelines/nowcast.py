"""A monthly nowcast of the current year's emissions from the months measured so far.

For each GPC row and carrier, as of the end of each month m of the year:

* **previous_year** (when the previous year was measured in all twelve months for every group
  of readings behind the row): estimate = measured to date x (previous year's total / previous
  year's same months). The previous year's seasonality carries the estimate, so a cold January
  does not become a cold year.
* **share_of_year** (otherwise): estimate = measured to date / (days of months 1..m / days in the
  year).

Emissions = MWh x the carrier's factor (t CO2e/MWh, given by the caller: the inventory's
factors). Measured values are used as they are: readings missing from a month are not filled
in. ``coverage`` (readings present / readings owed to date, owed = the most meters seen in any
month so far x the readings one meter owes to date) and ``year_share`` show how much the
estimate rests on.

Only energy readings (the quantities the GPC mapping knows) count, and only complete months:
the nowcast ends with the last month the energy readings cover to its end, so neither a
reading of another source (air quality, counters) nor the first days of a month move it.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from . import frames
from .activity import Frequencies, activity_table, slots_table
from .calendar import days_in_year, frequency_seconds, local_period, month_start
from .engines import SCALE, connect, data_years, has_readings, read_readings, to_frame
from .gpc import GAS_KWH_PER_M3, load_mapping, mapped, mapping_table

NOWCAST_COLUMNS = {
    "city": "str", "year": "int", "month": "int", "gpc_ref": "str", "carrier": "str",
    "ccc_sector": "str", "method": "str", "mwh_month": "float", "mwh_to_date": "float",
    "mwh_previous_to_date": "float", "mwh_previous_year": "float", "mwh_estimate": "float",
    "tco2e_per_mwh": "float", "tco2e_to_date": "float", "tco2e_estimate": "float",
    "readings": "int", "expected_readings": "float", "coverage": "float", "year_share": "float",
}
NOWCAST_SORT = ["city", "year", "month", "gpc_ref", "carrier", "ccc_sector"]
GROUP = ["city", "source", "quantity", "customer_class", "unit", "gpc_ref", "carrier",
         "ccc_sector"]
ROW = ["city", "gpc_ref", "carrier", "ccc_sector"]


def nowcast(path: str | Path, *, factors: Mapping[str, float], frequencies: Frequencies,
            year: int | None = None, mapping: Iterable[Mapping[str, Any]] | None = None,
            gas_kwh_per_m3: float = GAS_KWH_PER_M3, city: str | None = None,
            engine: str | BaseBackend | None = None, tz: str) -> pd.DataFrame:
    """The nowcast of ``year`` (default: the year of the last complete month), one row per GPC
    row, carrier and month measured so far (1 to the last complete month,
    ``_last_complete_month``: a month still being measured is not counted).

    ``factors`` maps carriers to t CO2e per MWh; a carrier without one gets null emissions.
    Columns: city, year, month, gpc_ref, carrier, ccc_sector, method, mwh_month, mwh_to_date,
    mwh_previous_to_date, mwh_previous_year, mwh_estimate, tco2e_per_mwh, tco2e_to_date,
    tco2e_estimate, readings, expected_readings, coverage, year_share.
    """
    if not has_readings(path):
        return frames.empty(NOWCAST_COLUMNS)
    rows = list(load_mapping() if mapping is None else mapping)
    con = connect(engine)
    readings = read_readings(con, path, city=city)
    # energy only: a reading of air quality or a counter says nothing of the energy months
    readings = readings.filter(readings.quantity.isin(sorted({str(r["quantity"])
                                                              for r in rows})))
    latest = readings
    if year is not None:
        latest = readings.filter(readings.ts < ibis.literal(month_start(year + 1, 1, tz)))
    complete = _last_complete_month(latest, frequencies, tz)
    if complete is None:
        return frames.empty(NOWCAST_COLUMNS)
    last_year, last_month = complete
    if year is None:
        year = last_year
    elif last_year < year:
        return frames.empty(NOWCAST_COLUMNS)
    elif last_year > year:
        last_month = 12
    years = data_years(con, path, readings)

    act = activity_table(readings, per="month", frequencies=frequencies, years=years, tz=tz,
                         batches=False)
    act = act.filter(act.period.between((year - 1) * 100 + 1, year * 100 + 12))
    j = mapped(act, mapping_table(rows, gas_kwh_per_m3))
    # the joins below match on every group column; nulls never match, so "" stands for null
    j = j.mutate(customer_class=j.customer_class.fill_null(""),
                 ccc_sector=j.ccc_sector.fill_null(""))
    cur = j.filter(j.period // 100 == year)
    prev = j.filter(j.period // 100 == year - 1)

    # every group of this year x months 1..last, so that months without readings still owe some
    days = [_calendar.monthrange(year, m)[1] for m in range(1, last_month + 1)]
    months = ibis.memtable({"month": list(range(1, last_month + 1)),
                            "days_to_date": [sum(days[:i + 1]) for i in range(len(days))]},
                           schema=ibis.schema({"month": "int64", "days_to_date": "int64"}))
    grid = cur.select(*GROUP).distinct().cross_join(months)
    grid = grid.mutate(period=year * 100 + grid.month)
    cur_cols = cur.select(*GROUP, "period", cur_kwh=cur.kwh_u, cur_readings=cur.readings,
                          cur_meters=cur.meters)
    prev_cols = prev.select(*GROUP, month=prev.period % 100, prev_kwh=prev.kwh_u)
    prev_year = prev.group_by(GROUP).aggregate(prev_total=prev.kwh_u.sum(),
                                               prev_months=prev.count())
    cal = slots_table(frequencies, [year], "month", tz)
    t = grid.left_join(cur_cols, [*GROUP, "period"]).select(
        *grid.columns, "cur_kwh", "cur_readings", "cur_meters")
    t = t.left_join(prev_cols, [*GROUP, "month"]).select(*t.columns, "prev_kwh")
    t = t.left_join(prev_year, GROUP).select(*t.columns, "prev_total", "prev_months")
    t = t.left_join(cal, ["source", "period"]).select(*t.columns, slots=cal.slots.nullif(-1))

    w = ibis.cumulative_window(group_by=GROUP, order_by="month")
    t = t.mutate(
        kwh_month=t.cur_kwh.fill_null(0),
        kwh_to_date=t.cur_kwh.fill_null(0).sum().over(w),
        prev_to_date=t.prev_kwh.fill_null(0).sum().over(w),
        readings_to_date=t.cur_readings.fill_null(0).sum().over(w),
        expected_to_date=(t.cur_meters.fill_null(0).max().over(w) * t.slots.sum().over(w)),
        prev_total=t.prev_total.fill_null(0),
        prev_months=t.prev_months.fill_null(0),
    )
    r = t.group_by([*ROW, "month", "days_to_date"]).aggregate(
        kwh_month=t.kwh_month.sum(), kwh_to_date=t.kwh_to_date.sum(),
        prev_to_date=t.prev_to_date.sum(), prev_total=t.prev_total.sum(),
        prev_complete=t.prev_months.min(), readings=t.readings_to_date.sum(),
        expected=t.expected_to_date.sum(), known=t.expected_to_date.count(), groups=t.count())
    use_prev = (r.prev_complete == 12) & (r.prev_to_date > 0)
    to_date = r.kwh_to_date.cast("float64")
    estimate_u = ibis.ifelse(
        use_prev,
        to_date * r.prev_total.cast("float64") / r.prev_to_date.cast("float64"),
        to_date * days_in_year(year) / r.days_to_date.cast("float64"))
    factor_rows = sorted(factors.items())
    factor_table = ibis.memtable(
        {"carrier": [k for k, _ in factor_rows],
         "tco2e_per_mwh": [float(v) for _, v in factor_rows]},
        schema=ibis.schema({"carrier": "string", "tco2e_per_mwh": "float64"}))
    r = r.mutate(estimate_u=estimate_u, use_prev=use_prev)
    r = r.left_join(factor_table, "carrier").select(*r.columns, "tco2e_per_mwh")
    expected = ibis.ifelse(r.known == r.groups, r.expected, ibis.null("int64"))
    mwh = SCALE * 1000
    out = r.select(
        city=r.city, year=ibis.literal(year, "int64"), month=r.month, gpc_ref=r.gpc_ref,
        carrier=r.carrier, ccc_sector=r.ccc_sector.nullif(""),
        method=ibis.ifelse(r.use_prev, "previous_year", "share_of_year"),
        mwh_month=r.kwh_month / mwh, mwh_to_date=r.kwh_to_date / mwh,
        mwh_previous_to_date=r.prev_to_date / mwh, mwh_previous_year=r.prev_total / mwh,
        mwh_estimate=r.estimate_u / mwh, tco2e_per_mwh=r.tco2e_per_mwh,
        tco2e_to_date=r.kwh_to_date / mwh * r.tco2e_per_mwh,
        tco2e_estimate=r.estimate_u / mwh * r.tco2e_per_mwh,
        readings=r.readings, expected_readings=expected.cast("float64"),
        coverage=r.readings / expected.nullif(0),
        year_share=r.days_to_date / days_in_year(year),
    )
    return frames.finish(to_frame(con, out), NOWCAST_COLUMNS, NOWCAST_SORT)


def _reading_end(epoch: int, frequency: Any, tz: str) -> int:
    """When the interval of a reading starting at ``epoch`` ends (an irregular source's
    reading is an instant)."""
    seconds = frequency_seconds(frequency) if frequency is not None else None
    if isinstance(seconds, int):
        return epoch + seconds
    if seconds == "month":
        y, m = local_period(datetime.fromtimestamp(epoch, UTC), tz)
        return int(month_start(y + m // 12, m % 12 + 1, tz).timestamp())
    return epoch


def _last_complete_month(readings: Any, frequencies: Frequencies, tz: str
                         ) -> tuple[int, int] | None:
    """The last local month the energy readings cover to its end: the month before the one in
    which the latest reading's interval ends (an interval ending at midnight on the first
    completes the month before). Counting a month with only its first days measured would
    scale a few days up to a month, or, against last year, compare a part with a whole.
    None where there is no such month."""
    last = readings.group_by("source").aggregate(
        last=readings.ts.epoch_seconds().max()).to_pandas()
    ends = [_reading_end(int(row["last"]), frequencies.get(str(row["source"])), tz)
            for _, row in last.iterrows() if row["last"] == row["last"]]  # NaN: none
    if not ends:
        return None
    y, m = local_period(datetime.fromtimestamp(max(ends), UTC), tz)
    return (y, m - 1) if m > 1 else (y - 1, 12)
