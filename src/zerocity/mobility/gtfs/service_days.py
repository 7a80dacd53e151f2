"""The days each service runs: ``calendar.txt``'s weekdays between its start and end dates,
plus the days ``calendar_dates.txt`` adds (exception_type 1), minus those it removes (2).
A feed may use either file or both. Computed on arrays, one row per service and day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_SPAN_DAYS = 3660  # a calendar row is expanded over ten years at most


def expand(calendar: pd.DataFrame, calendar_dates: pd.DataFrame) -> pd.DataFrame:
    """``calendar``: service_id, start_date, end_date (datetime64, NaT when invalid) and the
    seven weekday columns (1 runs, else not); ``calendar_dates``: service_id, date, exception_type
    (1 or 2). Returns service_id and date (datetime64), one row per day a service runs."""
    parts = [pd.DataFrame({"service_id": pd.Series([], dtype=str),
                           "date": pd.Series([], dtype="datetime64[ns]")})]
    if len(calendar):
        cal = calendar[calendar["start_date"].notna() & calendar["end_date"].notna()
                       & (calendar["end_date"] >= calendar["start_date"])]
        span = ((cal["end_date"] - cal["start_date"]).dt.days + 1).clip(upper=MAX_SPAN_DAYS)
        rows = np.repeat(np.arange(len(cal)), span.to_numpy(dtype=np.int64))
        if len(rows):
            first = np.repeat(np.cumsum(span.to_numpy()) - span.to_numpy(), span.to_numpy())
            offset = np.arange(len(rows)) - first
            day = (cal["start_date"].to_numpy()[rows]
                   + offset.astype("timedelta64[D]")).astype("datetime64[ns]")
            runs = np.column_stack([(cal[w] == 1).to_numpy(dtype=bool) for w in WEEKDAYS])
            weekday = pd.DatetimeIndex(day).day_of_week.to_numpy()
            keep = runs[rows, weekday]
            parts.append(pd.DataFrame({"service_id": cal["service_id"].to_numpy()[rows][keep],
                                       "date": day[keep]}))
    removed = pd.DataFrame(columns=["service_id", "date"])
    if len(calendar_dates):
        ok = calendar_dates[calendar_dates["date"].notna()]
        parts.append(ok.loc[ok["exception_type"] == 1, ["service_id", "date"]])
        removed = ok.loc[ok["exception_type"] == 2, ["service_id", "date"]]
    days = pd.concat(parts, ignore_index=True).drop_duplicates()
    days["service_id"] = days["service_id"].astype(str)
    days["date"] = days["date"].astype("datetime64[ns]")
    if len(removed):
        removed = removed.assign(service_id=removed["service_id"].astype(str),
                                 date=removed["date"].astype("datetime64[ns]"), _gone=True)
        days = days.merge(removed, on=["service_id", "date"], how="left")
        days = days[days["_gone"].isna()].drop(columns="_gone")
    return days.sort_values(["service_id", "date"]).reset_index(drop=True)
