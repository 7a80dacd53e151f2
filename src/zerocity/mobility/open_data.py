"""The mobility app's open datasets, published by the data platform next to its own (registered
through ``core.hooks.open_data`` in ``apps.py``, so ``zerocity.data`` never imports this app):

- ``bus-service``: per route, what the timetable in force runs on the city's next working day
  (today when it is one): the figures of ``zerocity mobility stats`` (``stats.compute``), one row
  per route, the mean headway of each period of ``mobility.periods`` a column;
- ``bus-accessibility``: the latest stored accessibility result, one row per grid cell, kind of
  opportunity and time limit, the percentiles over the departure window as stored, and whether
  the opportunities are synthetic (the demo's are).

Aggregates of the timetable and of the grid only: nothing of a card, a tap or a person.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from typing import Any

import pandas as pd
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from zerocity.core.errors import NotFound
from zerocity.core.hooks import OpenDataPart
from zerocity.core.models import City
from zerocity.core.open_datasets import Column, Dataset
from zerocity.mobility.models import AccessibilityResult
from zerocity.mobility.periods import DEFAULT_PERIODS, Period
from zerocity.mobility.selectors import version_in_force


def service_date(city: City) -> date:
    """The service date ``bus-service`` describes: the city's next working day (its own
    weekends and public holidays), today when today is one."""
    calendar = city.calendar
    return calendar.next_working_day(calendar.today())


def headway_column(period: Period) -> str:
    """``headway_07_09`` for period ``07-09``: a name any tool reads as one word."""
    return "headway_" + re.sub(r"\W+", "_", period.name).strip("_").lower()


SERVICE_DATE = Column("service_date", "str", _("Service date the figures describe (ISO 8601)"))
ROUTE_ID = Column("route_id", "str", _("Line identifier in the timetable (GTFS route_id)"))

BUS_SERVICE = (
    SERVICE_DATE, ROUTE_ID,
    Column("route_name", "str", _("Line name")),
    Column("trips", "int", _("Trips run on the service date")),
    Column("first_departure", "str", _("First departure (HH:MM:SS, hours past 24 after "
                                       "midnight)")),
    Column("last_departure", "str", _("Last departure (HH:MM:SS, hours past 24 after "
                                      "midnight)")),
    *(Column(headway_column(p), "float",
             format_lazy(_("Mean interval between departures in one direction from {start} "
                           "to {end}"), start=p.start[:5], end=p.end[:5]), "min")
      for p in DEFAULT_PERIODS),
    Column("peak_vehicles", "int", _("Most vehicles in service at once")),
    Column("service_hours", "float", _("Vehicle hours in service"), "h"),
    Column("bus_km", "float", _("Vehicle kilometres in service"), "km"),
    Column("speed_kmh", "float", _("Mean commercial speed"), "km/h"),
)


def build_bus_service(city: City) -> pd.DataFrame:
    """The routes of the timetable in force on :func:`service_date` with the figures of
    ``zerocity mobility stats`` (its JSON, rounded the same); no rows without a timetable."""
    from zerocity.mobility import stats  # DuckDB and the planner: only when computed

    day = service_date(city)
    names = [c.name for c in BUS_SERVICE]
    try:
        version, result = stats.compute(city, day)
    except NotFound:
        return pd.DataFrame({name: [] for name in names})
    body = stats.as_json(city, version, result)
    rows: list[dict[str, Any]] = []
    for r in body["routes"]:
        row = {k: r[k] for k in ("route_id", "route_name", "trips", "first_departure",
                                 "last_departure", "peak_vehicles", "service_hours",
                                 "bus_km", "speed_kmh")}
        for p in DEFAULT_PERIODS:
            row[headway_column(p)] = r["headways"][p.name]["mean"]
        rows.append({**row, "service_date": body["service_date"]})
    return pd.DataFrame(rows, columns=names)


# the percentiles a result stores (``access.compute.PERCENTILES``, which the tests hold equal),
# named here so that registering the datasets at start-up does not load the planner
PERCENTILES = (5, 25, 50, 75, 95)
PERCENTILE_COLUMNS = tuple(
    Column(f"p{p}", "float", format_lazy(_("Opportunities reachable, percentile {p} over the "
                                           "departure window"), p=p))
    for p in PERCENTILES)

BUS_ACCESSIBILITY = (
    SERVICE_DATE,
    Column("cell", "str", _("Grid cell identifier")),
    Column("lat", "float", _("Latitude of the cell's centre (WGS 84)"), "°"),
    Column("lon", "float", _("Longitude of the cell's centre (WGS 84)"), "°"),
    Column("opportunity", "str", _("Kind of opportunity: residents, jobs, schools or health "
                                   "(health centres)")),
    Column("minutes", "int", _("Travel time limit by public transport and walking"), "min"),
    *PERCENTILE_COLUMNS,
    Column("synthetic", "bool", _("The opportunities are made-up demonstration data, not the "
                                  "city's")),
)


def build_bus_accessibility(city: City) -> pd.DataFrame:
    """The cells of the latest stored accessibility result as ``access.services.to_json``
    gives them, a row per cell, kind and limit; no rows before the first result."""
    from zerocity.mobility.access.services import latest_result
    from zerocity.mobility.access.services import to_json as access_json

    names = [c.name for c in BUS_ACCESSIBILITY]
    try:
        body = access_json(latest_result(city))
    except NotFound:
        return pd.DataFrame({name: [] for name in names})
    rows = [{"service_date": body["service_date"], "cell": cell["cell"], "lat": cell["lat"],
             "lon": cell["lon"], "opportunity": kind, "minutes": int(limit),
             **{f"p{p}": float(values[f"p{p}"]) for p in body["percentiles"]},
             "synthetic": bool(body["synthetic"])}
            for cell in body["cells"]
            for kind, by_limit in cell["access"].items()
            for limit, values in sorted(by_limit.items(), key=lambda kv: int(kv[0]))]
    return pd.DataFrame(rows, columns=names)


DATASETS = (
    Dataset(
        key="bus-service",
        title=_("Bus service by line on the next working day"),
        description=_("What the public-transport timetable in force runs on the city's next "
                      "working day, line by line: trips, first and last departure, the mean "
                      "interval between departures in each part of the day, the most vehicles "
                      "in service at once, vehicle hours, vehicle kilometres and speed. "
                      "Computed from the timetable (GTFS) the city publishes."),
        themes=("TRAN",),
        keywords=(_("public transport"), _("bus"), _("timetable"), _("interval")),
        columns=BUS_SERVICE, build=build_bus_service, chart="trips", frequency="DAILY"),
    Dataset(
        key="bus-accessibility",
        title=_("Accessibility by public transport on a grid"),
        description=_("For each cell of a grid over the city: how many residents, jobs, "
                      "schools and health centres can be reached within 30 and 45 minutes by "
                      "public transport and walking, as percentiles over the morning "
                      "departure window. The latest computation the city stored; a column "
                      "says when the opportunities are made-up demonstration data."),
        themes=("TRAN", "REGI"),
        keywords=(_("public transport"), _("accessibility"), _("travel time")),
        columns=BUS_ACCESSIBILITY, build=build_bus_accessibility, chart="p50",
        frequency="IRREG"),
)


def _latest(city: City) -> AccessibilityResult | None:
    return (AccessibilityResult.objects.filter(city=city).order_by("-id")
            .only("id", "computed_at").first())


def state(city: City) -> str:
    """What the datasets are computed from: the service date, the timetable version in force
    on it and the latest accessibility result."""
    day = service_date(city)
    version = version_in_force(city, day)
    latest = _latest(city)
    raw = json.dumps([day.isoformat(), version.pk if version else None,
                      version.sha256 if version else "", latest.pk if latest else None,
                      [p.name for p in DEFAULT_PERIODS]])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def modified(city: City) -> datetime | None:
    """When the timetable in force was imported or the latest result computed, the later."""
    version = version_in_force(city, service_date(city))
    latest = _latest(city)
    moments = [m for m in (version.imported_at if version else None,
                           latest.computed_at if latest else None) if m is not None]
    return max(moments) if moments else None


PART = OpenDataPart(app="mobility", datasets=DATASETS, state=state, modified=modified)
