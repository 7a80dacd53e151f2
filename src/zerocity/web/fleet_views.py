"""The transport office's pages of the vehicle scheduler (``fleet_feed.city_fleet``: the fewest
buses that run a service date, their blocks, per route trips, bus-km and service hours) and of
the frequency optimiser (``optimise.optimise_frequencies``: each line's headway per period,
re-checked). GET forms, nothing is written; for the city's staff only (the loads come from
riders' taps and the costs are the operator's).

A date without a timetable, or an optimisation that no headways can satisfy, is said beside the
form, as the journey planner says it, and the form stays filled in. The optimiser's answer is
saved as a timetable scenario by a POST of the same options and a name
(``optimise.save_as_scenario``), which solves it again: the same options give the same plan."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.core.access import city_staff
from zerocity.core.errors import Conflict, NotFound, Unreadable
from zerocity.core.models import City
from zerocity.mobility import optimise as opt
from zerocity.mobility.fleet_feed import city_fleet, parameters
from zerocity.mobility.frequency_feed import read_loads
from zerocity.web.http import private
from zerocity.web.mobility_forms import FleetForm, OptimiseForm, SaveScenarioForm


def _today(city: City) -> date:
    return city.calendar.today()


@city_staff
@require_GET
def fleet(request: HttpRequest, city: City) -> HttpResponse:
    form = FleetForm(request.GET or None, initial={"date": _today(city), "min_layover": 5})
    out: dict[str, Any] | None = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        layover = data["min_layover"]
        try:  # a date without a timetable: the form again, the reason beside the date
            out = city_fleet(city, data["date"], parameters(
                min_layover_min=5.0 if layover is None else layover,
                no_deadhead=data["no_deadhead"]))
        except NotFound as exc:
            form.add_error("date", str(exc))
    return private(render(request, "web/mobility/fleet.html", {
        "city": city, "form": form, "out": out}, status=400 if form.errors else 200))


def _plan_rows(done: opt.Optimised) -> tuple[list[Any], list[dict[str, Any]]]:
    """The periods, and per line its choices in the periods' order (None where the line has
    no headway in a period)."""
    periods = list(done.plan.instance.periods)
    lines: dict[str, dict[str, Any]] = {}
    for c in done.plan.choices:
        row = lines.setdefault(c.route_id, {"route_id": c.route_id, "name": c.line_name,
                                            "cells": {}})
        row["cells"][c.period.name] = c
    rows = [{**row, "cells": [row["cells"].get(p.name) for p in periods]}
            for row in lines.values()]
    return periods, rows


def _optimised(city: City, form: OptimiseForm) -> tuple[opt.Optimised | None, str]:
    """The optimiser's answer to a valid form, and where its loads came from; None with the
    reason on the form when there is none."""
    data = form.cleaned_data
    loads: Mapping[str, Mapping[str, object]]
    try:  # an unreadable loads file or no plan that meets every rule: said on the form
        if data["loads"].strip():
            loads = read_loads(data["loads"].splitlines(), name="CSV")
            source = "given"
        else:
            from zerocity.mobility import load_reports
            from zerocity.mobility.loads import LoadParams
            from zerocity.mobility.parameters import city_parameters

            periods = data["periods"] or city_parameters(city).day_periods
            loads = load_reports.peak_loads(city, data["date"],
                                            params=LoadParams(periods=periods))
            source = "taps"
        return opt.optimise_frequencies(
            city, data["date"], loads, fleet=data["fleet"],
            max_headway=data["max_headway"], headways=data["headways"],
            periods=data["periods"], capacity=data["capacity"],
            margin=data["margin"] or 0.9), source
    except Unreadable as exc:
        form.add_error("loads", str(exc))
    except NotFound as exc:
        form.add_error("date", str(exc))
    except Conflict as exc:
        form.add_error(None, str(exc))
    return None, ""


def _optimise_page(request: HttpRequest, city: City, form: OptimiseForm,
                   done: opt.Optimised | None, source: str) -> HttpResponse:
    periods, rows = _plan_rows(done) if done is not None else ([], [])
    return private(render(request, "web/mobility/optimise.html", {
        "city": city, "form": form, "done": done, "periods": periods, "rows": rows,
        "source": source, "save": SaveScenarioForm(initial={
            "name": _("Optimiser %(day)s") % {"day": done.day.isoformat()}})
        if done is not None else None,
        "fleet": [{"period": p, "used": done.plan.fleet.get(p.name, 0),
                   "available": done.plan.instance.fleet.get(p.name, 0)}
                  for p in periods] if done is not None else []},
        status=400 if form.errors else 200))


@city_staff
@require_GET
def optimise(request: HttpRequest, city: City) -> HttpResponse:
    form = OptimiseForm(request.GET or None, initial={"date": _today(city)})
    done, source = _optimised(city, form) if form.is_bound and form.is_valid() else (None, "")
    return _optimise_page(request, city, form, done, source)


@city_staff
@require_POST
def optimise_save(request: HttpRequest, city: City) -> HttpResponse:
    """The answer to the options posted, saved as a scenario named in the post; a refusal (the
    check failed, nothing changes) is said on the optimiser's page and nothing is saved."""
    form = OptimiseForm(request.POST)
    save = SaveScenarioForm(request.POST)
    done, source = (_optimised(city, form) if form.is_valid() and save.is_valid()
                    else (None, ""))
    if done is None:
        if not form.errors:
            form.add_error(None, "; ".join(str(e) for errs in save.errors.values()
                                           for e in errs))
        return _optimise_page(request, city, form, None, "")
    try:
        saved = opt.save_as_scenario(done, name=save.cleaned_data["name"], by=request.user)
    except Conflict as exc:
        form.add_error(None, str(exc))
        return _optimise_page(request, city, form, done, source)
    v = saved.value
    if saved.replayed:
        messages.info(request, _("This plan is scenario #%(id)s (%(name)s), saved before: "
                                 "nothing changed.") % {"id": v.scenario.pk,
                                                         "name": v.scenario.name})
    else:
        messages.success(request, _("The plan is saved as scenario #%(id)s (%(name)s) with "
                                    "%(n)s edits.") % {"id": v.scenario.pk,
                                                        "name": v.scenario.name,
                                                        "n": len(v.edits)})
    return redirect("mobility_scenario", city=city.slug, pk=v.scenario.pk)
