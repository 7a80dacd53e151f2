"""The public journey planner: from a stop or a point to another, by the city's buses (and its
shared bikes), with each itinerary's legs, its fare on the city card and its CO2 against the
same trip by car. Anyone may use it; it is a GET form, so an answer has an address to share.

The page reads the network of the timetable in force (``mobility.network``: the places to
choose, the map) and asks ``mobility.journeys.plan_journey`` for the itineraries."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zerocity.core.access import public
from zerocity.core.selectors import get_city
from zerocity.mobility import network
from zerocity.web import labels, maps
from zerocity.web.forms import DEFAULT_WALK, JourneyForm


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@public
@require_GET
def journey_planner(request: HttpRequest, city: str) -> HttpResponse:
    found = get_city(city)
    zone = found.calendar.zone
    now = datetime.now(zone)
    initial = {"date": now.date(), "time": now.time().replace(second=0, microsecond=0),
               "by": "depart", "walk": DEFAULT_WALK}
    net = network.network(found, _day(request.GET.get("date", "")) or now.date(), now.date())
    modes = [(m, labels.travel_mode(m)) for m in (net.geometry.modes if net else ())]
    form = JourneyForm(request.GET or None, places=net.places if net else (), modes=modes,
                       initial=initial)
    plan = None
    if form.ready and net is not None:
        from zerocity.mobility.journeys import plan_journey

        plan = plan_journey(found, form.query(zone))
    pick = maps.picking(request.GET)
    ends = {k: (form.point(k), form.end_name(k)) for k in form.ends}
    return render(request, "web/mobility/planner.html", {
        "city": found, "form": form, "net": net, "plan": plan, "pick": pick, "ends": ends,
        "map": net and maps.network_svg(
            net.geometry, href=lambda p: maps.pick_href(request.GET, pick, p.key), ends=ends,
            label=_("Map of the public transport network of %(city)s") % {"city": found.name}),
        "pick_links": {k: maps.pick_mode_href(request.GET, k) for k in ("from", "to")},
        "stop_links": {p.key: maps.pick_href(request.GET, pick, p.key)
                       for p in (net.places if net else ())},
        "candidate_links": {k: {p.key: maps.pick_href(request.GET, k, p.key) for p in found}
                            for k, found in form.candidates.items()},
    }, status=400 if form.errors else 200)
