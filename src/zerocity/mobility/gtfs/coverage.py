"""When a feed's trips run, against the day it is checked, and where its stops lie against the
shapes of the trips that serve them, under the MobilityData validator's codes:

- ``trip_coverage_not_active_for_next7_days`` (WARNING): the days trips run, first to last, do
  not cover the seven days from today (a feed that starts later or ends within the week);
- ``big_gap_in_service`` (INFO): more than 13 days in a row on which no trip runs, between the
  first and the last day of service (a forgotten calendar, a season left out);
- ``service_extends_far_in_the_future`` (INFO): a calendar row or an added date more than two
  years after today (often a placeholder end date such as 20991231);
- ``stop_too_far_from_shape`` (WARNING): a stop more than 100 m from the shape of a trip that
  calls at it, reported once per shape and stop at the first such stop time.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from zerocity.mobility.gtfs import geo
from zerocity.mobility.gtfs.fields import Checked
from zerocity.mobility.gtfs.notices import INFO, WARNING, Notices, quoted

NEXT_DAYS = 7
BIG_GAP_DAYS = 13
FAR_FUTURE = timedelta(days=730)
STOP_SHAPE_M = 100.0


def service_window(c: Checked, notices: Notices, days: pd.DataFrame, *, today: date) -> None:
    used = c.text("trips", "service_id").unique()
    active = pd.DatetimeIndex(days.loc[days["service_id"].isin(used), "date"].unique())
    if not len(active):
        return
    active = active.sort_values()
    first, last = active[0].date(), active[-1].date()
    week_end = today + timedelta(days=NEXT_DAYS - 1)
    if first > today or last < week_end:
        edge = (f"the first day a trip runs is {first:%Y%m%d}" if first > today
                else f"the last day a trip runs is {last:%Y%m%d}")
        notices.add("trip_coverage_not_active_for_next7_days", WARNING, "trips.txt", None,
                    "service_id", f"{edge}: trips do not cover the seven days "
                    f"{today:%Y%m%d} to {week_end:%Y%m%d}")
    gaps = np.diff(active.to_numpy()).astype("timedelta64[D]").astype(np.int64) - 1
    file = "calendar.txt" if c.has("calendar") else "calendar_dates.txt"
    for at in np.nonzero(gaps > BIG_GAP_DAYS)[0]:
        since = active[at].date() + timedelta(days=1)
        until = active[at + 1].date() - timedelta(days=1)
        notices.add("big_gap_in_service", INFO, file, None, "",
                    f"no trip runs for {int(gaps[at])} days, from {since:%Y%m%d} to "
                    f"{until:%Y%m%d}")
    _far_future(c, notices, today)


def _far_future(c: Checked, notices: Notices, today: date) -> None:
    horizon = pd.Timestamp(today + FAR_FUTURE)
    if c.has("calendar"):
        end = c.number("calendar", "end_date")
        far = (end > horizon).to_numpy()
        notices.add_rows("service_extends_far_in_the_future", INFO, "calendar.txt",
                         c.lines("calendar")[far], "end_date", "the service runs until "
                         + quoted(c.text("calendar", "end_date")[far])
                         + f", more than two years after {today:%Y%m%d}")
    if c.has("calendar_dates"):
        added = (c.number("calendar_dates", "exception_type") == 1)
        far = (added & (c.number("calendar_dates", "date") > horizon)).to_numpy()
        notices.add_rows("service_extends_far_in_the_future", INFO, "calendar_dates.txt",
                         c.lines("calendar_dates")[far], "date", "the service is added on "
                         + quoted(c.text("calendar_dates", "date")[far])
                         + f", more than two years after {today:%Y%m%d}")


def stops_on_shapes(c: Checked, notices: Notices, st: pd.DataFrame) -> None:
    """``st``: stop_times in trip order (stop_times.ordered)."""
    if not (c.has("shapes") and c.has("stops") and c.has("trips")):
        return
    shape_of = pd.Series(c.text("trips", "shape_id").to_numpy(),
                         index=c.text("trips", "trip_id").to_numpy())
    shape_of = shape_of[~shape_of.index.duplicated()]
    calls = st[["trip_id", "stop_id", "line"]].assign(
        shape=st["trip_id"].map(shape_of).to_numpy())
    calls = calls[calls["shape"].notna() & (calls["shape"] != "")]
    calls = calls.sort_values("line").drop_duplicates(["shape", "stop_id"])
    pos = geo.positions(c.text("stops", "stop_id"), c.number("stops", "stop_lat"),
                        c.number("stops", "stop_lon"), c.text("stops", "parent_station"))
    at = pos.reindex(calls["stop_id"].to_numpy())
    calls = calls.assign(lat=at["lat"].to_numpy(), lon=at["lon"].to_numpy()).dropna(
        subset=["lat", "lon"])
    pts = pd.DataFrame({"shape": c.text("shapes", "shape_id").to_numpy(),
                        "seq": c.number("shapes", "shape_pt_sequence").to_numpy(),
                        "lat": c.number("shapes", "shape_pt_lat").to_numpy(),
                        "lon": c.number("shapes", "shape_pt_lon").to_numpy()}).dropna()
    pts = pts.sort_values(["shape", "seq"], kind="stable")
    by_shape = {k: g[["lat", "lon"]].to_numpy() for k, g in pts.groupby("shape", sort=False)}
    far_lines: list[int] = []
    reasons: list[str] = []
    for shape, group in calls.groupby("shape", sort=False):
        line = by_shape.get(str(shape))
        if line is None:
            continue
        metres = _distance_to_line(group[["lat", "lon"]].to_numpy(), line)
        far = metres > STOP_SHAPE_M
        far_lines += group["line"].to_numpy()[far].tolist()
        reasons += [f'stop "{s}" is {m:.0f} m from shape "{shape}" of trip "{t}"'
                    for s, m, t in zip(group["stop_id"].to_numpy()[far], metres[far],
                                       group["trip_id"].to_numpy()[far], strict=True)]
    notices.add_rows("stop_too_far_from_shape", WARNING, "stop_times.txt", far_lines,
                     "stop_id", reasons)


def _distance_to_line(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Metres from each (lat, lon) point to the polyline, on a local flat projection (exact
    enough within a city)."""
    lat0 = np.radians(line[:, 0].mean())
    scale = np.array([geo.EARTH_RADIUS_M * np.pi / 180,
                      geo.EARTH_RADIUS_M * np.pi / 180 * np.cos(lat0)])
    q, p = points * scale, line * scale
    if len(p) == 1:
        return np.asarray(np.hypot(*(q - p[0]).T))
    a, ab = p[:-1], p[1:] - p[:-1]
    length2 = np.maximum((ab ** 2).sum(axis=1), 1e-9)
    rel = q[:, None, :] - a[None, :, :]
    t = np.clip((rel * ab[None, :, :]).sum(axis=2) / length2, 0.0, 1.0)
    nearest = a[None, :, :] + t[:, :, None] * ab[None, :, :]
    return np.asarray(np.sqrt(((q[:, None, :] - nearest) ** 2).sum(axis=2)).min(axis=1))
