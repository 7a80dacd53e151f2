"""The public journey planner: from a stop or a point to another, by the city's buses (and its
shared bikes), with each itinerary's legs, its fare on the city card and its CO2 against the
same trip by car. Anyone may use it; it is a GET form, so an answer has an address to share.

The page reads the network of the timetable in force (``mobility.network``: the places to
choose, the map) and asks ``mobility.journeys.plan_journey`` for the itineraries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zerocity.core.access import public
from zerocity.core.errors import NotFound
from zerocity.core.selectors import get_city
from zerocity.mobility import journeys, network
from zerocity.mobility.planner.query import Place
from zerocity.web import labels, maps
from zerocity.web.forms import DEFAULT_WALK, DEFAULT_WINDOW, JourneyForm
from zerocity.web.page_cache import shared_page_this_minute


def _name(place: Place, ends: Mapping[str, tuple[object, str]], which: str) -> str:
    """A leg's end as the person named it: their start and destination by the name they
    chose, a stop by its name."""
    if place.stop_id is None and place.name in ("origin", "destination"):
        return ends[which][1]
    return place.name


def rows(plan: journeys.JourneyPlan, ends: Mapping[str, tuple[object, str]],
         net: network.Network) -> list[dict[str, object]]:
    """Each itinerary with what the page says of it: whether it is the fastest or the one
    with the fewest changes (only when those differ), the CO2e saved against the car, each
    leg's ends by name and its route's colour on the map."""
    colours = {r.route_id: r.colour for r in net.geometry.routes}
    differ = plan.fastest is not plan.fewest_transfers
    return [{"it": it, "fastest": differ and it is plan.fastest,
             "fewest": differ and it is plan.fewest_transfers,
             "saved": round(it.car_co2e_g - it.co2e_g),
             "legs": [{"leg": leg, "colour": colours.get(leg.route_id or ""),
                       "origin": _name(leg.origin, ends, "from"),
                       "destination": _name(leg.destination, ends, "to")}
                      for leg in it.legs]}
            for it in plan.itineraries]


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@public
@require_GET
def journey_planner(request: HttpRequest, city: str) -> HttpResponse:
    """The form, and the itineraries once both ends are asked for. An answer is computed for
    each request: it applies the latest real-time delays and the card's fares in force, which
    change without a write the page cache sees (``core.data_versions`` leaves the card out)."""
    if "from" in request.GET or "to" in request.GET:
        return _planner(request, city)
    return _planner_form(request, city)


@shared_page_this_minute  # the form starts at the minute it is shown
def _planner_form(request: HttpRequest, city: str) -> HttpResponse:
    """The form before a question: the same for every visitor in the same minute."""
    return _planner(request, city)


def _planner(request: HttpRequest, city: str) -> HttpResponse:
    found = get_city(city)
    zone = found.calendar.zone
    now = datetime.now(zone)
    initial = {"date": now.date(), "time": now.time().replace(second=0, microsecond=0),
               "by": "depart", "walk": DEFAULT_WALK, "within": DEFAULT_WINDOW}
    net = network.network(found, _day(request.GET.get("date", "")) or now.date(), now.date())
    offered = (*(net.geometry.modes if net else ()),
               *(("bike",) if net and journeys.shared_bikes(found) else ()))
    modes = [(m, labels.travel_mode(m)) for m in offered]
    form = JourneyForm((request.GET or None) if net else None,
                       places=net.places if net else (), modes=modes, initial=initial)
    plan = None
    if form.ready and net is not None:
        try:  # a date without a timetable: the form again, the refusal beside the date
            plan = journeys.plan_journey(found, form.query(zone))
        except NotFound as exc:
            form.add_error("date", str(exc))
    pick = maps.picking(request.GET)
    ends = {k: (form.point(k), form.end_name(k)) for k in form.ends}
    return render(request, "web/mobility/planner.html", {
        "city": found, "form": form, "net": net, "plan": plan, "pick": pick, "ends": ends,
        "rows": rows(plan, ends, net) if plan is not None and net is not None else [],
        "map": net and maps.network_svg(
            net.geometry, href=lambda p: maps.pick_href(request.GET, pick, p.key), ends=ends,
            tile_template=settings.MAP_TILES,
            label=_("Map of the public transport network of %(city)s") % {"city": found.name}),
        "tiles_attribution": settings.MAP_TILES_ATTRIBUTION if settings.MAP_TILES else "",
        "pick_links": {k: maps.pick_mode_href(request.GET, k) for k in ("from", "to")},
        "stop_links": {p.key: maps.pick_href(request.GET, pick, p.key)
                       for p in (net.places if net else ())},
        "candidate_links": {k: {p.key: maps.pick_href(request.GET, k, p.key) for p in matches}
                            for k, matches in form.candidates.items()},
    }, status=400 if form.errors else 200)
