"""The transport office's analysis as pages (issue 20): the bus service of a date (public), the
loads of the buses from the city card's taps (the city's staff), and the accessibility of the
city's grid (public). Each reads ``mobility.pages``, which gives the same JSON as the API, and
draws its charts here; every chart has its figures in a table beside it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from zerocity.core.access import city_staff, public
from zerocity.core.models import City
from zerocity.core.selectors import get_city
from zerocity.mobility import loads as calc
from zerocity.mobility import pages, stats
from zerocity.mobility.service_stats import Hour
from zerocity.web import charts, labels, mobility_charts
from zerocity.web.http import private
from zerocity.web.templatetags.zc import num
from zerocity.web.transport_forms import AccessForm, LoadsForm, ServiceForm

DISTANCE_SOURCES = {
    "stop_times.shape_dist_traveled": gettext_lazy("distances in the stop times"),
    "shapes": gettext_lazy("the routes' shapes"),
    "straight line between stops": gettext_lazy("straight lines between stops"),
    "none": gettext_lazy("none"),
}
UNMATCHED = {
    "no_route": gettext_lazy("the tap names no route"),
    "no_stop": gettext_lazy("the tap names no stop"),
    "unknown_route": gettext_lazy("the route is not in the timetable"),
    "unknown_stop": gettext_lazy("the stop is not in the timetable"),
    "route_not_running": gettext_lazy("the route does not run that day"),
    "stop_not_on_route": gettext_lazy("no trip of the route picks up at the stop"),
    "no_trip_in_window": gettext_lazy("no trip of the route at the stop near the tap's time"),
}
UNCHAINED = {
    "single_tap": gettext_lazy("the rider's only tap of the day"),
    "next_stop_unknown": gettext_lazy("the next boarding's stop has no position"),
    "same_stop": gettext_lazy("the next boarding is at the same stop"),
    "too_far": gettext_lazy("no later stop within walking distance of the next boarding"),
}
CAPACITY_SOURCES = {calc.CAPACITY_SOURCE: gettext_lazy(
    "MAN Lion's City E 12 m electric buses of Kranj's fleet: 35 seats and 45 standing places")}
KINDS = labels.OPPORTUNITY_KINDS


def _figure(value: float) -> str:
    return num(value, 0 if float(value).is_integer() else 1)


def _sources(text: str) -> str:
    return " + ".join(str(DISTANCE_SOURCES.get(s, s)) for s in text.split(" + "))


def _hour_charts(hours: Sequence[Hour], route: str | None, name: str) -> list[Any]:
    if not hours:
        return []
    labels = [f"{h.hour:02d}" for h in hours]
    out = [charts.columns(
        labels, [charts.Series(_("Departures"), charts.PALETTE[0])],
        [[float(h.departures)] for h in hours], unit=_("departures"), fmt=_figure,
        every=max(1, len(hours) // 12),
        label=_("Departures per hour: %(what)s") % {"what": name})]
    points = [charts.Point(f"{h.hour:02d}", h.hour, round(h.headway.mean, 1))
              for h in hours if h.headway is not None]
    if route is not None and points:
        out.append(charts.line_chart(
            points, unit=_("min"), fmt=_figure, series_name=_("Mean headway"), flag_label="",
            label=_("Mean headway by hour, route %(route)s") % {"route": name}))
    return out


@public
@require_GET
def service(request: HttpRequest, city: str) -> HttpResponse:
    found = get_city(city)
    asked = request.GET.get("date", "")
    try:
        day = date.fromisoformat(asked)
    except ValueError:  # not a date: the form says so; the routes are today's
        day = stats.service_day(found, found.calendar.today())
    routes = pages.route_choices(found, day)
    form = ServiceForm(request.GET or None, routes=routes, initial={"date": day})
    found_stats = None
    if not request.GET or form.is_valid():
        route = form.cleaned_data.get("route") if request.GET else None
        found_stats = pages.service(found, day, route or None)
    names = dict(routes)
    chosen = request.GET.get("route") or None
    context: dict[str, Any] = {"city": found, "form": form, "day": day, "missing": None}
    if isinstance(found_stats, pages.Missing):
        context["missing"] = found_stats.reason
    elif found_stats is not None:
        data, hours = found_stats
        what = names.get(chosen, chosen) if chosen else _("all routes")
        context |= dict(
            stats=data, hours=hours, route=chosen,
            charts=_hour_charts(hours, chosen, str(what)),
            sources={r["route_id"]: _sources(r["distance_source"]) for r in data["routes"]})
    return render(request, "web/mobility/service.html", context,
                  status=400 if form.errors else 200)


def _profile(trip: dict[str, Any], names: dict[str, str], capacity: float) -> Any:
    segs = trip["segments"]
    parts = [mobility_charts.Segment(s["position"], names.get(s["stop_id"], s["stop_id"]),
                                     names.get(n["stop_id"], n["stop_id"]), s["load"])
             for s, n in zip(segs, segs[1:], strict=False)]
    return mobility_charts.load_profile(
        parts, capacity=capacity, peak=trip["max_load_position"], unit=_("passengers"),
        fmt=_figure, capacity_label=_("capacity"), peak_label=_("maximum load point"),
        label=_("Load along route %(route)s, run %(run)s: passengers between consecutive "
                "stops") % {"route": trip["route_id"], "run": trip["run"]})


@city_staff
@require_GET
def loads(request: HttpRequest, city: City) -> HttpResponse:
    today = city.calendar.today()
    asked = request.GET.get("date", "")
    try:
        day = date.fromisoformat(asked)
    except ValueError:
        day = today
    routes = pages.route_choices(city, day)
    form = LoadsForm(request.GET or None, routes=routes, initial={"date": today})
    context: dict[str, Any] = {"city": city, "form": form, "missing": None}
    if not request.GET or form.is_valid():
        got: dict[str, Any] = form.cleaned_data if request.GET else {"date": today}
        route: str | None = got.get("route") or None
        found = pages.loads(request.user, city, got["date"], got.get("to") or got["date"],
                            route)
        if isinstance(found, pages.Missing):
            context["missing"] = found.reason
        else:
            data, names = found
            busiest: dict[str, dict[str, Any]] = {}
            for t in data["trips"]:  # each route's run with the highest maximum load
                best = busiest.get(t["route_id"])
                if best is None or t["max_load"] > best["max_load"]:
                    busiest[t["route_id"]] = t
            context |= dict(
                data=data, names=names, unmatched=UNMATCHED, unchained=UNCHAINED,
                capacity_source=CAPACITY_SOURCES.get(data["capacity_source"],
                                                     data["capacity_source"]),
                profiles=[{"route": r, "trip": busiest[r["route_id"]],
                           "chart": _profile(busiest[r["route_id"]], names, data["capacity"])}
                          for r in data["routes"] if r["route_id"] in busiest])
    return private(render(request, "web/mobility/loads.html", context,
                          status=400 if form.errors else 200))


def _legend() -> list[str]:
    return [f"{a}–{b} %" for a, b in ((0, 20), (20, 40), (40, 60), (60, 80), (80, 100))]


def _grid(data: dict[str, Any], kind: str, limit: int) -> dict[str, Any]:
    """The map of the grid and, as its text, the cells and residents in each class."""
    total = float(data["opportunities"]["totals"].get(kind, 0))
    grid = data["grid"]
    cells, bins = [], [{"cells": 0, "residents": 0} for _b in range(5)]
    for c in data["cells"]:
        row, col = (int(x) for x in c["cell"][1:].split("c"))
        reached = c["access"][kind][str(limit)]["p50"]
        share = reached / total if total else None
        if share is not None:
            b = bins[mobility_charts.share_bin(share)]
            b["cells"] += 1
            b["residents"] += c["here"].get("residents", 0)
        cells.append(mobility_charts.Cell(row, col, share, f"{c['cell']}: {_figure(reached)}"
                                          + (f" ({num(share * 100, 0)} %)" if share is not None
                                             else "")))
    label = _("Map of the grid: share of %(kind)s reachable within %(limit)s minutes (median "
              "over the departure window)") % {"kind": KINDS.get(kind, kind), "limit": limit}
    legend = _legend()
    return {"map": mobility_charts.grid_map(cells, rows=grid["rows"], cols=grid["cols"],
                                            label=label, legend=legend),
            "bins": list(zip(legend, bins, strict=True)), "total": total}


@public
@require_GET
def accessibility(request: HttpRequest, city: str) -> HttpResponse:
    found = get_city(city)
    data = pages.accessibility(found)
    if isinstance(data, pages.Missing):
        return render(request, "web/mobility/accessibility.html",
                      {"city": found, "missing": data.reason})
    kinds = [(k, str(KINDS.get(k, k))) for k in data["opportunities"]["kinds"]]
    limits = [int(m) for m in data["settings"]["limits_min"]]
    form = AccessForm(request.GET or None, kinds=kinds, limits=limits, initial={
        "kind": "jobs" if "jobs" in dict(kinds) else kinds[0][0], "limit": limits[0]})
    kind, limit = form.initial["kind"], form.initial["limit"]
    if request.GET and form.is_valid():
        kind, limit = form.cleaned_data["kind"], form.cleaned_data["limit"]
    summary = data["summary"]["access"]
    return render(request, "web/mobility/accessibility.html", {
        "city": found, "missing": None, "form": form, "data": data, "kind": kind,
        "limit": limit, "kind_name": KINDS.get(kind, kind),
        "summary": [{"kind": k, "name": name, "total": data["opportunities"]["totals"].get(k),
                     "limits": [(m, [(p, summary[k][str(m)][f"p{p}"])
                                     for p in data["percentiles"]]) for m in limits]}
                    for k, name in kinds],
        "limits": limits, **_grid(data, kind, limit)},
        status=400 if form.errors else 200)
