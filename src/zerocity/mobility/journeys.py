"""Planning a journey in a city: the pure planner (``planner.query.plan``) on the timetable in
force, priced by the city card's own fare engine and weighed against the same trip by car.

``plan_journey(city, query)`` is what the command line, the API and the public planner page
call; ``to_json`` is the one JSON form of its answer (``zerocity mobility plan --format json``
and ``GET /api/v1/cities/{slug}/mobility/plan`` give the same document) and ``to_text`` the
lines the command line prints, both in the active language.

- The timetable is the version in force on the departure's local service date, compiled for
  that date (with the previous date's trips running past midnight) and cached
  (``timetables.compiled``). Real time and shared bikes each come from one function here
  (``_timetable``, ``_bikes``).
- The fare is the card's: ``zerocity.card.fares`` with the city's rules in force, for an
  anonymous rider with no taps before and no pass, on the taps the itinerary makes. Each bus
  tap carries what the bus's validator sends (``Tap``): service ``bus``, the trip run as the
  vehicle (``Timetable.vehicle``), the route_id and the boarding stop_id.
- CO2e: the car is ridership's own figure (``card.ridership.factors()``: kg per car-km,
  occupancy, detour), so the planner and the avoided-emissions report agree; a diesel bus is
  ``BUS_KWH_PER_KM`` x the city's inventory factor for road diesel, an electric trolleybus
  ``TROLLEYBUS_KWH_PER_KM`` x its grid electricity factor (research §5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zerocity.core.errors import NotFound
from zerocity.core.formats import money, number
from zerocity.core.models import City
from zerocity.mobility import bikes, realtime, timetables, walking
from zerocity.mobility.models import FeedVersion, ScenarioVersion, WalkNetwork
from zerocity.mobility.planner import BikeShare, CardFares, EmissionFactors, Query, plan
from zerocity.mobility.planner.query import Itinerary, Leg, Note, Place, PlanResult
from zerocity.mobility.planner.timetable import ROUTE_MODES, Timetable
from zerocity.mobility.selectors import version_in_force

# research §5: a diesel 12 m bus burns 35-45 l per 100 km at about 10 kWh per litre (40 l:
# 4 kWh/km); a battery or trolley bus draws 1.0-1.5 kWh per km at the charger with heating
BUS_KWH_PER_KM = 4.0
TROLLEYBUS_KWH_PER_KM = 1.5
MODES = (*sorted(set(ROUTE_MODES.values())), "bike", "walk")
# Real time (delays, cancellations) counts for journeys leaving within two hours of now either
# way; further off, the timetable is the best there is and nothing is said of real time.
REALTIME_SPAN = timedelta(hours=2)


@dataclass(frozen=True)
class FeedUsed:
    """The timetable version an answer was planned on, with what its licence asks to show."""

    id: int
    name: str
    feed_version: str
    sha256: str
    publisher: str
    publisher_url: str
    licence: str
    attribution: str
    start_date: date
    end_date: date

    @classmethod
    def of(cls, v: FeedVersion) -> FeedUsed:
        return cls(v.pk, v.name, v.feed_version, v.sha256, v.publisher, v.publisher_url,
                   v.licence, v.attribution, v.start_date, v.end_date)

    @classmethod
    def of_scenario(cls, s: ScenarioVersion) -> FeedUsed:
        """A scenario's derived feed: its base version's licence and attribution (the
        derived feed is the base's data, changed), named as the scenario's version."""
        v = s.scenario.base
        return cls(v.pk, f"{v.name} + {s.scenario.name} v{s.number}", v.feed_version, s.sha256,
                   v.publisher, v.publisher_url, v.licence, v.attribution, v.start_date,
                   v.end_date)


@dataclass(frozen=True)
class WalkUsed:
    """The walking network an answer walked on (docs/mobility.md, "Walking")."""

    id: int
    name: str
    licence: str
    attribution: str


@dataclass(frozen=True)
class JourneyPlan:
    """The planner's answer for a city: ``result`` (itineraries in the city's zone, sorted by
    arrival, and the planner's own notes), the notes and exclusions in the active language,
    the feed version(s) it used, and what a page needs to show it."""

    city_slug: str
    city_name: str
    tz: str
    query: Query  # its ``when`` in the city's zone
    service_date: date
    result: PlanResult
    notes: tuple[str, ...]
    excluded: tuple[str, ...]
    feeds: tuple[FeedUsed, ...]
    currency: str
    priced: bool  # False when the city has no card fare rules: no fare is quoted
    realtime: object | None = None  # the real-time status (realtime.RealtimeStatus), if any
    planned_at: datetime = field(default_factory=now)
    walk_network: WalkUsed | None = None  # None: walks are the straight line x 1.3

    @property
    def itineraries(self) -> tuple[Itinerary, ...]:
        return self.result.itineraries

    @property
    def no_journey(self) -> bool:
        return self.result.no_journey

    @property
    def fastest(self) -> Itinerary | None:
        """The earliest arrival (the latest departure for an arrive-by query), then the
        fewest vehicles."""
        if not self.itineraries:
            return None
        if self.query.arrive_by:
            return min(self.itineraries, key=lambda i: (-i.depart.timestamp(), i.arrive,
                                                        i.vehicles))
        return min(self.itineraries, key=lambda i: (i.arrive, i.vehicles))

    @property
    def fewest_transfers(self) -> Itinerary | None:
        if not self.itineraries:
            return None
        fastest = self.fastest
        return min(self.itineraries, key=lambda i: (i.vehicles, i is not fastest, i.arrive))


# -- the query --------------------------------------------------------------------------------

# LAT,LON in decimal degrees, no spaces: a latitude of -90 to 90 and a longitude of -180 to
# 180 (the API documents the same pattern, so that what it lets through is on the globe)
LAT = r"-?(?:90(?:\.0+)?|[1-8]?[0-9](?:\.[0-9]+)?)"
LON = r"-?(?:180(?:\.0+)?|(?:1[0-7][0-9]|[1-9]?[0-9])(?:\.[0-9]+)?)"
POINT = rf"^{LAT},{LON}$"
_LOOSE = re.compile(r"^(-?[0-9]+(?:\.[0-9]+)?),(-?[0-9]+(?:\.[0-9]+)?)$")


def parse_point(text: str) -> tuple[float, float]:
    """``LAT,LON`` in decimal degrees (WGS 84), e.g. ``46.2389,14.3556``."""
    loose = _LOOSE.match(text or "")
    if loose is not None and re.match(POINT, text):
        return float(loose.group(1)), float(loose.group(2))
    if loose is not None and not (-90 <= float(loose.group(1)) <= 90
                                  and -180 <= float(loose.group(2)) <= 180):
        raise ValueError(_("%(value)s is outside the globe: latitude is -90 to 90, longitude "
                           "-180 to 180.") % {"value": repr(text)})
    raise ValueError(_("%(value)s is not a point; write latitude and longitude in decimal "
                       "degrees, e.g. 46.2389,14.3556.") % {"value": repr(text)})


def parse_moment(text: str, tz: str) -> datetime:
    """An ISO 8601 date and time; without a UTC offset it is the city's local time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(_("%(value)s is not an ISO 8601 date and time; write it as "
                           "2026-10-20T07:30 (the city's time) or with its UTC offset, "
                           "2026-10-20T07:30+02:00.") % {"value": repr(text)}) from None
    return local(moment, tz)


def local(moment: datetime, tz: str) -> datetime:
    """``moment`` in zone ``tz``: an aware one converted, a naive one read as local time."""
    zone = ZoneInfo(tz)
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=zone)
    try:
        return moment.astimezone(zone)
    except OverflowError:  # a year-1 or year-9999 moment beyond the zone's calendar
        raise NotFound(_("There is no timetable for %(when)s.") % {"when": moment.isoformat()}
                       ) from None


def parse_modes(text: str) -> frozenset[str]:
    """Comma-separated modes: the transit modes of GTFS route types (bus, tram, rail, ...),
    ``bike`` (shared bikes) and ``walk``; walking to and between stops is always allowed."""
    asked = (text or "").split(",")
    unknown = [m for m in asked if m not in MODES]
    if unknown:
        raise ValueError(_("%(value)s: use one or more of %(choices)s, separated by commas.")
                         % {"value": ", ".join(repr(m) for m in unknown),
                            "choices": ", ".join(MODES)})
    return frozenset(asked)


MODES_PATTERN = "^(?:{0})(?:,(?:{0}))*$".format("|".join(MODES))


# -- planning ---------------------------------------------------------------------------------

def plan_journey(city: City, query: Query,
                 scenario: ScenarioVersion | None = None) -> JourneyPlan:
    """Itineraries for ``query`` on the city's timetable in force on the departure's service
    date (a naive ``query.when`` is the city's local time). NotFound when the city has no
    timetable for that date. With ``scenario`` (a scenario's version) the journey is planned
    on its derived feed instead, on its base version's dates, without real time; the city's
    own timetable is not touched."""
    tz = city.timezone
    query = replace(query, when=local(query.when, tz))
    day = query.when.date()
    moment = now()
    walk = walking.current(city)
    if scenario is None:
        version = _version(city, day)
        used = FeedUsed.of(version)
        tt, live = _timetable(city, version, day, moment, walk, near=abs(
            query.when - moment) <= REALTIME_SPAN)
    else:
        _in_dates(city, scenario.scenario.base, day)
        used = FeedUsed.of_scenario(scenario)
        tt, live = _timetable(city, scenario, day, moment, walk, near=False)
    shared = _bikes(city, moment)
    fares = card_fares(city)
    result = plan(tt, query, fares=fares, factors=emission_factors(city, day.year),
                  bikes=shared)
    said = (live.message,) if live is not None and live.message else ()
    return JourneyPlan(
        city_slug=city.slug, city_name=city.name, tz=tz, query=query, service_date=day,
        result=result, notes=tuple(translate(n, tz) for n in result.notes) + said,
        excluded=tuple(translate(n, tz) for n in result.excluded),
        feeds=(used,), currency=fares.currency if fares else _currency(city),
        priced=fares is not None, realtime=live, planned_at=moment,
        walk_network=None if walk is None else WalkUsed(walk.pk, walk.name, walk.licence,
                                                        walk.attribution))


def _version(city: City, day: date) -> FeedVersion:
    version = version_in_force(city, day)
    _in_dates(city, version, day)
    assert version is not None
    return version


def _in_dates(city: City, version: FeedVersion | None, day: date) -> None:
    # the day after the last service date still has that date's trips past midnight
    if (version is None or day < version.start_date
            or day > version.end_date + timedelta(days=1)):
        raise NotFound(_("%(city)s has no timetable for %(day)s.")
                       % {"city": city.name, "day": date_format(day, "DATE_FORMAT")})


def _timetable(city: City, version: timetables.FeedSource, day: date, moment: datetime,
               walk: WalkNetwork | None, *,
               near: bool) -> tuple[Timetable, realtime.RealtimeStatus | None]:
    """The timetable to plan on (walking on the city's network when it has one) and, for a
    journey ``near`` the present, with the latest real-time delays and cancellations applied;
    the real-time status says what was done (None: a journey too far from now for it)."""
    tt = timetables.compiled(version, day, city.timezone, walking.arrays(walk))
    if not near:
        return tt, None
    return realtime.timetable_with_realtime(city, tt, moment)


def _bikes(city: City, moment: datetime) -> BikeShare | None:
    """The city's shared bikes now (GBFS); None when it has none: no bike legs."""
    return bikes.bike_share(city, moment)


def card_fares(city: City) -> CardFares | None:
    """The card's fare engine with the city's rules in force, for an anonymous rider with no
    taps before and no pass; None when the city has no fare rules."""
    from zerocity.card import fares
    from zerocity.card.accounts import current_rules

    try:
        _version_number, rules = current_rules(city)
    except NotFound:
        return None
    return CardFares(rules, fares.decide, fares.Tap, fares.PriorTap, currency=_currency(city))


def _currency(city: City) -> str:
    from zerocity.card.models import LedgerAccount

    found = LedgerAccount.objects.filter(city=city).order_by("pk").values_list(
        "currency", flat=True).first()
    return found or "EUR"  # the ledger's default currency


def emission_factors(city: City, year: int) -> EmissionFactors:
    """The car as ridership counts it; buses from the city's inventory factors for the year
    (the library's national or default ones where the city has none of its own)."""
    from zerocity.card.ridership import factors
    from zerocity.inventory.services import FactorResolver

    car = factors()
    vehicles = EmissionFactors().vehicle_kg_per_vkm
    resolver = FactorResolver(city, year)
    for mode, key, kwh_per_km in (("bus", "diesel_road", BUS_KWH_PER_KM),
                                  ("trolleybus", "electricity", TROLLEYBUS_KWH_PER_KM)):
        found = resolver.resolve(key)
        if found is not None:
            vehicles[mode] = kwh_per_km * _kg_per_kwh(found.values())
    return EmissionFactors(car_kg_per_vkm=car.car_kg_per_vkm, car_occupancy=car.car_occupancy,
                           detour=car.detour, vehicle_kg_per_vkm=vehicles)


def _kg_per_kwh(values: Any) -> float:
    from zerocity.inventory.calculations import co2e, emissions_from_activity
    from zerocity.inventory.gwp import DEFAULT

    return co2e(emissions_from_activity(1.0, "MWh", values), DEFAULT)  # t/MWh = kg/kWh


# -- words ------------------------------------------------------------------------------------

def when_text(moment: datetime, tz: str) -> str:
    return date_format(moment.astimezone(ZoneInfo(tz)), "DATETIME_FORMAT")


def translate(note: Note | str, tz: str) -> str:
    """A planner note in the active language."""
    code = getattr(note, "code", "")
    params: dict[str, Any] = getattr(note, "params", {})
    if code == "no_journey":
        values = {"when": when_text(params["when"], tz), "minutes": params["minutes"]}
        if params["arrive_by"]:
            return _("No journey arrives by %(when)s within %(minutes)s minutes. Try a later "
                     "arrival or ask for a longer time window.") % values
        return _("No journey leaves at %(when)s within %(minutes)s minutes. Try another time "
                 "or ask for a longer time window.") % values
    if code == "bikes_stale":
        return _("Shared bikes are left out: the bike-share data is out of date.")
    if code == "wheelchair_trips":
        n = params["count"]
        return ngettext("%(count)s trip is marked as not wheelchair accessible and was left "
                        "out.", "%(count)s trips are marked as not wheelchair accessible and "
                        "were left out.", n) % {"count": n}
    if code == "wheelchair_stops":
        names = params.get("names") or params["stops"]
        return _("Stops without wheelchair boarding were left out: %(stops)s.") % {
            "stops": ", ".join(names)}
    return str(note)


def mode_name(mode: str) -> str:
    names = {"bus": _("bus"), "tram": _("tram"), "rail": _("train"), "subway": _("metro"),
             "ferry": _("ferry"), "trolleybus": _("trolleybus"), "walk": _("walk"),
             "bike": _("shared bike"), "cable_tram": _("cable tram"),
             "aerial_lift": _("cable car"), "funicular": _("funicular"),
             "monorail": _("monorail")}
    return names.get(mode, mode)


def place_name(place: Place) -> str:
    if place.stop_id is None and place.name == "origin":
        return _("start")
    if place.stop_id is None and place.name == "destination":
        return _("destination")
    return place.name


# -- the JSON ---------------------------------------------------------------------------------

def _iso(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).isoformat()


def _place(place: Place) -> dict[str, Any]:
    return {"stop_id": place.stop_id, "name": place_name(place), "lat": round(place.lat, 6),
            "lon": round(place.lon, 6)}


def _leg(leg: Leg, tz: str) -> dict[str, Any]:
    return {"mode": leg.mode, "from": _place(leg.origin), "to": _place(leg.destination),
            "route": leg.route_id, "route_name": leg.route, "trip": leg.trip,
            "depart": _iso(leg.depart, tz), "arrive": _iso(leg.arrive, tz),
            "distance_m": round(leg.distance_m)}


def taps_of(it: Itinerary) -> list[dict[str, Any]]:
    """The taps the itinerary makes on the card, as a validator sends them: the planner's
    taps (service, vehicle, time, minutes) with the route and stop of the leg each is made
    on."""
    legs = [leg for leg in it.legs if leg.mode != "walk"]
    if len(legs) != len(it.taps):
        raise AssertionError("a tap for every ride")
    return [{"at": t.at, "service": t.service, "vehicle": t.vehicle, "units": t.units,
             "route": leg.route_id, "stop": leg.origin.stop_id if leg.mode != "bike" else None}
            for t, leg in zip(it.taps, legs, strict=True)]


def _itinerary(plan: JourneyPlan, it: Itinerary, tz: str) -> dict[str, Any]:
    fare = None
    if it.fare is not None:
        fare = {"amount": str(it.fare.quantize(Decimal("0.01"))), "currency": it.currency}
    return {
        "depart": _iso(it.depart, tz), "arrive": _iso(it.arrive, tz),
        "duration_s": int((it.arrive - it.depart).total_seconds()),
        "transfers": it.transfers, "walk_m": round(it.walk_m),
        "legs": [_leg(leg, tz) for leg in it.legs], "fare": fare,
        "co2e_g": it.co2e_g, "car_co2e_g": it.car_co2e_g,
        "fastest": it is plan.fastest, "fewest_transfers": it is plan.fewest_transfers,
        "taps": [{**t, "at": _iso(t["at"], tz)} for t in taps_of(it)],
    }


def to_json(plan: JourneyPlan, tz: str | None = None) -> dict[str, Any]:
    """The answer as the command line and the API give it: times in ISO 8601 with the city's
    UTC offset (or ``tz``'s), itineraries sorted by arrival."""
    tz = tz or plan.tz
    q = plan.query
    return {
        "city": plan.city_slug,
        "query": {"from": [q.origin[0], q.origin[1]], "to": [q.destination[0],
                                                             q.destination[1]],
                  "depart": _iso(q.when, tz), "arrive_by": q.arrive_by,
                  "max_walk_m": q.max_walk_m, "transfer_slack": q.transfer_slack_s,
                  "wheelchair": q.wheelchair,
                  "modes": sorted(q.modes) if q.modes is not None else None,
                  "within_min": q.max_duration_s // 60},
        "service_date": plan.service_date.isoformat(),
        "itineraries": [_itinerary(plan, it, tz) for it in plan.itineraries],
        "notes": list(plan.notes), "excluded": list(plan.excluded),
        "attribution": [{"feed": f.name, "feed_version": f.feed_version, "sha256": f.sha256,
                         "publisher": f.publisher, "publisher_url": f.publisher_url,
                         "licence": f.licence, "attribution": f.attribution}
                        for f in plan.feeds] + ([] if plan.walk_network is None else [
                            {"walking_network": plan.walk_network.name,
                             "licence": plan.walk_network.licence,
                             "attribution": plan.walk_network.attribution}]),
    }


# -- the text ---------------------------------------------------------------------------------

def _clock(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%H:%M")


def _metres(m: float) -> str:
    return f"{number(round(m))}\u00a0m"


def _grams(g: float) -> str:
    return f"{number(round(g))}\u00a0g"


def _point(p: tuple[float, float]) -> str:
    return f"{number(p[0], 5)}, {number(p[1], 5)}"


def to_text(plan: JourneyPlan) -> list[str]:
    """The answer as lines a person reads, in the active language."""
    tz, q = plan.tz, plan.query
    head = _("Arrive by %(when)s") if q.arrive_by else _("Leave at %(when)s")
    lines = [_("%(city)s: from %(origin)s to %(destination)s. %(when)s.") % {
        "city": plan.city_name, "origin": _point(q.origin), "destination": _point(q.destination),
        "when": head % {"when": when_text(q.when, tz)}}]
    for n, it in enumerate(plan.itineraries, 1):
        minutes = int((it.arrive - it.depart).total_seconds() // 60)
        parts = [f"{_clock(it.depart, tz)}\u2013{_clock(it.arrive, tz)}",
                 ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes},
                 ngettext("%(n)s transfer", "%(n)s transfers", it.transfers)
                 % {"n": it.transfers},
                 _("walking %(m)s") % {"m": _metres(it.walk_m)}]
        if it.fare is not None:
            parts.append(money(it.fare, it.currency))
        elif plan.priced:
            parts.append(_("no card fare"))
        parts.append(_("%(co2)s CO2e, by car %(car)s") % {"co2": _grams(it.co2e_g),
                                                          "car": _grams(it.car_co2e_g)})
        flags = []
        if it is plan.fastest:
            flags.append(_("fastest"))
        if it is plan.fewest_transfers and len(plan.itineraries) > 1:
            flags.append(_("fewest transfers"))
        title = _("Option %(n)s") % {"n": n}
        if flags:
            title += f" ({', '.join(flags)})"
        lines.append(f"{title}: {', '.join(parts)}")
        for leg in it.legs:
            lines.append("  " + _leg_text(leg, tz))
    lines.extend(plan.notes)
    lines.extend(plan.excluded)
    for f in plan.feeds:
        lines.append(_("Timetable: %(feed)s, %(publisher)s; licence: %(licence)s; "
                       "attribution: %(attribution)s") % {
            "feed": f.name, "publisher": f.publisher or "-",
            "licence": f.licence or _("not stated"), "attribution": f.attribution or "-"})
    if plan.walk_network is not None:
        w = plan.walk_network
        lines.append(_("Walking network: %(name)s; licence: %(licence)s; attribution: "
                       "%(attribution)s") % {"name": w.name, "licence": w.licence,
                                             "attribution": w.attribution})
    return lines


def _leg_text(leg: Leg, tz: str) -> str:
    span = f"{_clock(leg.depart, tz)}\u2013{_clock(leg.arrive, tz)}"
    a, b = place_name(leg.origin), place_name(leg.destination)
    if leg.mode == "walk":
        return _("%(span)s walk %(m)s: %(from)s → %(to)s") % {
            "span": span, "m": _metres(leg.distance_m), "from": a, "to": b}
    if leg.mode == "bike":
        return _("%(span)s shared bike: station %(from)s → station %(to)s") % {
            "span": span, "from": a, "to": b}
    return _("%(span)s %(mode)s %(route)s: %(from)s → %(to)s (trip %(trip)s)") % {
        "span": span, "mode": mode_name(leg.mode), "route": leg.route or "", "from": a,
        "to": b, "trip": leg.trip or ""}


def shared_bikes(city: City) -> bool:
    """Whether the planner has the city's shared bikes now: the planner page offers them as
    a way to travel only then."""
    return _bikes(city, now()) is not None
