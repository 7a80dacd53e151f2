"""The transport office's pages of timetable scenarios: the city's scenarios with the form that
creates one from a feed version and its edits, and one scenario with its edits, its versions,
its comparison against its base (``scenarios.worth.compare_scenario``) and the form that makes
it a plan action's effect (``attach_to_action``). For the city's staff only.

A refused scenario is shown on its own page, as a refused feed is: the form comes back with
every problem in a table (the edit, the field, the reason) and nothing is saved. The
comparison takes seconds on a city's year of service, so it comes from the cache when asked
before (``worth.cached_comparison``, shared with the public API)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.core.access import city_staff
from zerocity.core.models import City
from zerocity.mobility.models import Scenario, ScenarioVersion
from zerocity.mobility.scenarios import compare as cmp
from zerocity.mobility.scenarios import selectors
from zerocity.mobility.scenarios.access_change import access_change_if_known
from zerocity.mobility.scenarios.services import ScenarioRefused, create_scenario
from zerocity.mobility.scenarios.worth import (
    COMPARISON_SECONDS,
    attach_to_action,
    cached_comparison,
)
from zerocity.web import labels
from zerocity.web.http import private
from zerocity.web.mobility_forms import AttachForm, ScenarioForm, ScenarioPageForm
from zerocity.web.posted import posted

_PATH = re.compile(r"^(edits(?:\[(\d+)\])?[\w.\[\]]*): (.*)$", re.S)


def problems(exc: ScenarioRefused) -> list[dict[str, Any]]:
    """Each problem of a refusal as the page's table shows it: the edit's number (1 for the
    first; None for the derived feed's errors), the field's path and the reason."""
    out: list[dict[str, Any]] = []
    for text in exc.problems:
        m = _PATH.match(text)
        if m:
            out.append({"edit": int(m.group(2)) + 1 if m.group(2) else None,
                        "path": m.group(1), "reason": m.group(3)})
        else:
            out.append({"edit": None, "path": "", "reason": text})
    return out


@city_staff
def scenarios(request: HttpRequest, city: City) -> HttpResponse:
    versions = selectors.base_versions(city)
    form = ScenarioForm(request.POST or None, versions=[
        (v.pk, f"#{v.pk} {v.name}") for v in versions])
    refused: ScenarioRefused | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        base = next(v for v in versions if v.pk == data["base"])
        try:  # the form is shown again with every problem of the edits
            done = create_scenario(city, name=data["name"], edits=data["edits"], base=base,
                                   description=data["description"], by=request.user)
        except ScenarioRefused as exc:
            refused = exc
        else:
            v = done.value
            if done.replayed:
                messages.info(request, _("Scenario #%(id)s has these edits already (version "
                                         "%(n)s): nothing changed.")
                              % {"id": v.scenario_id, "n": v.number})
            else:
                messages.success(request, _("Scenario #%(id)s is saved with its version %(n)s.")
                                 % {"id": v.scenario_id, "n": v.number})
            return redirect("mobility_scenario", city=city.slug, pk=v.scenario_id)
    rows = selectors.scenario_rows(city)
    return private(render(request, "web/mobility/scenarios.html", {
        "city": city, "form": form, "rows": rows, "refused": refused,
        "problems": problems(refused) if refused else []},
        status=400 if form.errors or refused else 200))


def accessibility(scenario: Scenario, version: ScenarioVersion,
                  day: date | None) -> list[dict[str, Any]] | None:
    """The accessibility of the typical day on both timetables, per kind and limit (median
    reached), from the cache when asked before; None without an opportunities file."""
    key = f"zc:scenario-access:{version.pk}:{version.sha256}:{day}:{get_language()}"
    found = cache.get(key)
    if found is None:
        change = access_change_if_known(scenario, version, day)
        if change is None:
            return None
        found = [{"kind": kind, "kind_name": str(labels.OPPORTUNITY_KINDS.get(kind, kind)),
                  "limit": limit, "base": pcts["p50"],
                  "scenario": change.scenario[kind][limit]["p50"],
                  "change": change.change(kind, limit), "synthetic": change.synthetic}
                 for kind, limits in change.base.items() for limit, pcts in limits.items()]
        cache.set(key, found, COMPARISON_SECONDS)
    return found  # type: ignore[no-any-return]


def comparison_rows(f: dict[str, Any]) -> list[dict[str, Any]]:
    """The comparison's figures side by side (``compare.to_json``'s): what each is, the base's,
    the scenario's, the change, and its decimals (``money``: an amount)."""
    b, s = f["base"], f["scenario"]
    eb, es = f["energy"]["base"], f["energy"]["scenario"]
    cost = f["cost"]
    rows: list[tuple[str, str, Any, Any, int]] = [
        ("service-days", _("Service days"), b["service_days"], s["service_days"], 0),
        ("trips", _("Trips"), b["trips"], s["trips"], 0),
        ("bus-km", _("Bus-km"), b["bus_km"], s["bus_km"], 1),
        ("bus-hours", _("Bus-hours"), b["bus_hours"], s["bus_hours"], 1),
        ("peak", _("Most buses under way at once"), b["peak_vehicles"], s["peak_vehicles"],
         0),
        ("fleet", _("Fewest buses on the typical day"), b["fleet"], s["fleet"], 0),
        ("cost", _("Operating cost"), cost["base"], cost["scenario"], -1),
        ("diesel-mwh", _("Diesel, MWh"), eb["diesel_mwh"], es["diesel_mwh"], 1),
        ("electricity-mwh", _("Electricity at the charger, MWh"), eb["electricity_mwh"],
         es["electricity_mwh"], 1),
        ("co2-II.1.1", _("t CO₂, GPC II.1.1 (diesel)"), eb["t_co2"]["II.1.1"],
         es["t_co2"]["II.1.1"], 1),
        ("co2-II.1.2", _("t CO₂, GPC II.1.2 (electricity)"), eb["t_co2"]["II.1.2"],
         es["t_co2"]["II.1.2"], 1),
    ]
    return [{"key": key, "label": label, "base": base, "scenario": scen, "decimals": d,
             "change": None if base is None or scen is None
             else Decimal(str(scen)) - Decimal(str(base))}
            for key, label, base, scen, d in rows]


@city_staff
@require_GET
def scenario(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    found = selectors.access_scenario_for_user(request.user, city, pk)
    options = ScenarioPageForm(request.GET or None)
    chosen = options.options()
    history = selectors.versions(found)
    version, c = cached_comparison(
        found, battery_share=chosen["battery_share"],
        boardings_per_year=chosen["boardings_per_year"]) if history else (None, None)
    access = (accessibility(found, version, c.base.typical_day)
              if options.wants_accessibility() and c is not None and version is not None
              else None)
    attach = AttachForm(actions=selectors.plan_actions(city), initial={
        "battery_share": chosen["battery_share"],
        "boardings": chosen["boardings_per_year"]})
    return private(render(request, "web/mobility/scenario.html", {
        "city": city, "scenario": found, "versions": history, "version": version,
        "options": options, "attach": attach, "c": c, "access": access,
        "asked_access": options.wants_accessibility(),
        "figures": (figures := cmp.to_json(c) if c is not None else None),
        "rows": comparison_rows(figures) if figures is not None else [],
        "minutes": cmp.weighted_minutes(c.od) if c is not None else None},
        status=400 if options.errors else 200))


@city_staff
@require_POST
def scenario_attach(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    found = selectors.access_scenario_for_user(request.user, city, pk)
    data = posted(request, AttachForm, actions=selectors.plan_actions(city))
    _c, effects, changed = attach_to_action(
        found, data["action"], battery_share=data["battery_share"],
        boardings_per_year=data["boardings"], by=request.user)
    if changed:
        messages.success(request, ngettext(
            "Action %(code)s now carries the scenario's effect (%(n)s effect in all).",
            "Action %(code)s now carries the scenario's effects (%(n)s effects in all).",
            len(effects)) % {"code": data["action"], "n": len(effects)})
    else:
        messages.info(request, _("Action %(code)s carries these effects already: nothing "
                                 "changed.") % {"code": data["action"]})
    return redirect("mobility_scenario", city=city.slug, pk=found.pk)
