"""A journey query from one point to another, and its answer: itineraries with their legs,
the card's fare for their taps, and their CO2e against the same trip by car.

Depart-at queries search the departure's service day (its trips, and the previous day's trips
running past midnight) for journeys arriving within ``max_duration_s``; ``window_s`` makes it a
range query over departures in [when, when + window]. Arrive-by queries run a range search over
departures in the ``max_duration_s`` before the time and keep the latest departures. The
answer is the Pareto set on arrival (or departure), vehicles, fare and walking, sorted by
arrival; no itinerary at all is said plainly, with what a wheelchair request left out.

Notes are English sentences that also carry a ``code`` and its ``params`` (:class:`Note`): the
planner knows no catalogue, and whoever shows them translates by the code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from zerocity.mobility.planner import transfers as tr
from zerocity.mobility.planner.emissions import EmissionFactors
from zerocity.mobility.planner.pricing import CardFares, FareModel, PlannedTap, price
from zerocity.mobility.planner.search import Label, Offset, Params, Search, departures
from zerocity.mobility.planner.timetable import NOT_ACCESSIBLE, Timetable, mode_of

Point = tuple[float, float]


@dataclass(frozen=True)
class BikeStation:
    """A shared-bike station as GBFS reports it now."""

    id: str
    name: str
    lat: float
    lon: float
    bikes: int
    docks: int
    renting: bool = True
    returning: bool = True


@dataclass(frozen=True)
class BikeShare:
    """The hook for shared-bike legs: stations (from GBFS, fresh), riding at ``speed_kmh``
    over the straight line x ``detour``; ``stale`` disables bike legs and says so."""

    stations: tuple[BikeStation, ...]
    speed_kmh: float = 15.0
    detour: float = 1.3
    max_ride_m: float = 6000.0
    stale: bool = False


@dataclass(frozen=True)
class Query:
    origin: Point
    destination: Point
    when: datetime
    arrive_by: bool = False
    max_walk_m: float = 1000.0
    transfer_slack_s: int = 60
    wheelchair: bool = False
    modes: frozenset[str] | None = None  # transit modes (bus, tram, ...) and "bike"; None: all
    max_rounds: int = 6
    max_duration_s: int = 3 * 3600
    window_s: int = 0


@dataclass(frozen=True)
class Place:
    stop_id: str | None
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Leg:
    mode: str
    origin: Place
    destination: Place
    depart: datetime
    arrive: datetime
    route: str | None = None
    route_id: str | None = None
    trip: str | None = None
    distance_m: float = 0.0


@dataclass(frozen=True)
class Itinerary:
    depart: datetime
    arrive: datetime
    legs: tuple[Leg, ...]
    vehicles: int
    walk_m: float
    fare: Decimal | None
    currency: str
    co2e_g: float
    car_co2e_g: float
    taps: tuple[PlannedTap, ...] = ()

    @property
    def transfers(self) -> int:
        return max(0, self.vehicles - 1)


class Note(str):
    """A sentence of the answer, in English, with what a translation needs: its ``code``
    (``no_journey``, ``bikes_stale``, ``wheelchair_trips``, ``wheelchair_stops``) and the values
    in it (``params``)."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, text: str, **params: Any) -> Note:
        note = super().__new__(cls, text)
        note.code = code
        note.params = params
        return note


@dataclass(frozen=True)
class PlanResult:
    itineraries: tuple[Itinerary, ...]
    notes: tuple[Note, ...] = ()
    excluded: tuple[Note, ...] = field(default=())

    @property
    def no_journey(self) -> bool:
        return not self.itineraries


def _offsets(tt: Timetable, point: Point, max_walk_m: float) -> list[Offset]:
    d = tr.haversine_m(point[0], point[1], tt.lat, tt.lon) * tr.DETOUR
    d = np.where(d < 1.0, 0.0, d)  # a point within a metre of a stop is at the stop
    near = np.nonzero(d <= max_walk_m)[0]
    return [Offset(int(s), tr.walk_seconds(float(d[s])), float(d[s])) for s in near]


def bike_offsets(tt: Timetable, point: Point, bikes: BikeShare, max_walk_m: float,
                 to_point: bool, fare_cents: Callable[[int], int]) -> list[Offset]:
    """Offsets by shared bike: walk to a station with a bike, ride, leave it at a station with
    a free dock, walk to the stop (``to_point``: the reverse, stop to point). The fastest way
    to each stop is kept."""
    if bikes.stale:
        return []
    rent = [s for s in bikes.stations if s.renting and s.bikes > 0]
    drop = [s for s in bikes.stations if s.returning and s.docks > 0]
    first, last = (drop, rent) if to_point else (rent, drop)
    speed = bikes.speed_kmh / 3.6
    best: dict[int, Offset] = {}
    for a in first:
        # for access a is the renting station near the point; for egress, the returning one
        wa = float(tr.haversine_m(point[0], point[1], a.lat, a.lon)) * tr.DETOUR
        if wa > max_walk_m:
            continue
        for b in last:
            if b.id == a.id:
                continue
            ride_m = float(tr.haversine_m(a.lat, a.lon, b.lat, b.lon)) * bikes.detour
            if ride_m > bikes.max_ride_m:
                continue
            ride_s = int(ride_m / speed + 0.999)
            dstop = tr.haversine_m(b.lat, b.lon, tt.lat, tt.lon) * tr.DETOUR
            for s in np.nonzero(dstop <= max_walk_m)[0]:
                walk_m = wa + float(dstop[s])
                secs = tr.walk_seconds(wa) + ride_s + tr.walk_seconds(float(dstop[s]))
                o = Offset(int(s), secs, walk_m, fare_cents((ride_s + 59) // 60), "bike",
                           (a, b, ride_m, ride_s, tr.walk_seconds(wa)))
                if int(s) not in best or secs < best[int(s)].seconds:
                    best[int(s)] = o
    return list(best.values())


def plan(timetables: Timetable | Callable[[date], Timetable], query: Query, *,
         fares: CardFares | None = None, factors: EmissionFactors | None = None,
         bikes: BikeShare | None = None) -> PlanResult:
    """Itineraries for ``query``; ``timetables`` gives the compiled timetable of a service
    date (or is the one of the query's date)."""
    factors = factors or EmissionFactors()
    day = query.when.date() if query.when.tzinfo is None else query.when.astimezone(
        _zone(timetables, query)).date()
    tt = timetables if isinstance(timetables, Timetable) else timetables(day)
    if tt.service_date != day:
        raise ValueError(f"the timetable is compiled for {tt.service_date}, the query is on "
                         f"{day}")
    when = tt.seconds(query.when)
    notes: list[Note] = []
    excluded: list[Note] = []
    modes = query.modes
    pattern_modes = np.asarray([mode_of(int(tt.route_types[r])) if r >= 0 else "bus"
                                for r in tt.pat_route], dtype=object)
    pattern_ok = np.ones(tt.n_patterns, dtype=bool)
    if modes is not None:
        pattern_ok &= np.isin(pattern_modes, list(modes))
    stop_ok = np.ones(tt.n_stops, dtype=bool)
    if query.wheelchair:
        bad_trips = len({tt.trip_ids[t] for t in np.nonzero(
            ~tt.pat_accessible[tt.trip_pattern] & (tt.trip_day == 0))[0]})
        bad = np.nonzero(tt.stop_wheelchair == NOT_ACCESSIBLE)[0]
        bad_stops = [tt.stop_ids[i] for i in bad]
        pattern_ok &= tt.pat_accessible
        stop_ok &= tt.stop_wheelchair != NOT_ACCESSIBLE
        if bad_trips:
            excluded.append(Note("wheelchair_trips", f"{bad_trips} trip(s) marked not "
                                 "wheelchair accessible (wheelchair_accessible=2)",
                                 count=bad_trips))
        if bad_stops:
            excluded.append(Note(
                "wheelchair_stops", f"stop(s) {', '.join(bad_stops)} marked without wheelchair "
                "boarding (wheelchair_boarding=2)", stops=tuple(bad_stops),
                names=tuple(tt.stop_names[i] for i in bad)))
    access = _offsets(tt, query.origin, query.max_walk_m)
    egress = _offsets(tt, query.destination, query.max_walk_m)
    straight = float(tr.haversine_m(*query.origin, *query.destination))
    direct = None
    if straight * tr.DETOUR <= max(query.max_walk_m, 0.5):
        direct = (tr.walk_seconds(straight * tr.DETOUR), straight * tr.DETOUR)
    if bikes is not None and (modes is None or "bike" in modes):
        if bikes.stale:
            notes.append(Note("bikes_stale",
                              "shared bikes left out: the bike-share feed is stale"))
        else:
            cents = _bike_cents(fares, query.when)
            access += bike_offsets(tt, query.origin, bikes, query.max_walk_m, False, cents)
            egress += bike_offsets(tt, query.destination, bikes, query.max_walk_m, True,
                                   cents)
    if query.arrive_by:
        start, end, horizon = when - query.max_duration_s, when, when
    else:
        start, end = when, when + query.window_s
        horizon = end + query.max_duration_s
    model = FareModel(fares, tt.ref_utc, start, horizon) if fares is not None else None
    params = Params(depart=start, horizon=horizon, max_rounds=query.max_rounds,
                    slack=query.transfer_slack_s, max_walk_m=query.max_walk_m,
                    access=access, egress=egress, direct=direct, pattern_ok=pattern_ok,
                    stop_ok=stop_ok, fare=model)
    search = Search(tt, params)
    if query.arrive_by or query.window_s:
        runs = departures(tt, access, start, end, pattern_ok)
        if direct is not None:
            runs = sorted({*runs, end if query.arrive_by else start}, reverse=True)
        for t in runs or [start]:
            search.run(t)
    else:
        search.run(when)
    its = [_itinerary(tt, lab, query, fares, factors) for lab in search.target]
    its = _pareto(its, "arrive_by" if query.arrive_by else "range" if query.window_s
                  else "depart_at")
    if not its:
        span = query.max_duration_s // 60
        how = "arriving by" if query.arrive_by else "leaving at"
        notes.append(Note("no_journey", f"no journey {how} {query.when.isoformat()} within "
                          f"{span} minutes; ask for a longer window", arrive_by=query.arrive_by,
                          when=query.when, minutes=span))
    return PlanResult(tuple(its), tuple(notes), tuple(excluded))


def _zone(timetables: Any, query: Query) -> Any:
    from zoneinfo import ZoneInfo

    if isinstance(timetables, Timetable):
        return ZoneInfo(timetables.tz)
    return query.when.tzinfo


def _bike_cents(fares: CardFares | None, when: datetime) -> Callable[[int], int]:
    def cents(minutes: int) -> int:
        if fares is None:
            return 0
        amount = price(fares, [PlannedTap(when, "bike", None, minutes)])
        return int((amount or Decimal(0)) * 100)
    return cents


def _chain(lab: Label) -> list[Label]:
    out = []
    cur: Label | None = lab
    while cur is not None:
        out.append(cur)
        cur = cur.prev
    return out[::-1]


def _place(tt: Timetable, stop: int) -> Place:
    return Place(tt.stop_ids[stop], tt.stop_names[stop], float(tt.lat[stop]),
                 float(tt.lon[stop]))


def _itinerary(tt: Timetable, target: Label, query: Query, fares: CardFares | None,
               factors: EmissionFactors) -> Itinerary:
    origin = Place(None, "origin", *query.origin)
    dest = Place(None, "destination", *query.destination)
    chain = _chain(target)
    legs: list[Leg] = []
    taps: list[PlannedTap] = []
    co2 = 0.0
    vehicles = 0
    rides = [lab for lab in chain if lab.leg is not None and lab.leg[0] == "ride"]
    first_dep = None
    if rides:
        pat, trip, b, _ = rides[0].leg[1:]
        _, deps = tt.times(pat)
        first_dep = int(deps[trip - tt.pat_trip[pat], b])
    for lab in chain:
        leg = lab.leg
        if leg is None:
            continue
        kind = leg[0]
        if kind == "direct":
            legs.append(Leg("walk", origin, dest, tt.instant(target.dep0),
                            tt.instant(target.dep0 + leg[1]), distance_m=leg[2]))
        elif kind == "access":
            o: Offset = leg[1]
            assert first_dep is not None
            legs.extend(_offset_legs(tt, o, origin, _place(tt, o.stop), first_dep - o.seconds,
                                     taps))
        elif kind == "ride":
            pat, trip, b, a = leg[1:]
            arrs, deps = tt.times(pat)
            stops = tt.pattern_stops(pat)
            t_local = trip - tt.pat_trip[pat]
            route = int(tt.trip_route[trip])
            mode = mode_of(int(tt.route_types[route])) if route >= 0 else "bus"
            km = float(np.sum(tr.haversine_m(tt.lat[stops[b:a]], tt.lon[stops[b:a]],
                                             tt.lat[stops[b + 1:a + 1]],
                                             tt.lon[stops[b + 1:a + 1]]))) / 1000
            dep = int(deps[t_local, b])
            legs.append(Leg(mode, _place(tt, int(stops[b])), _place(tt, int(stops[a])),
                            tt.instant(dep), tt.instant(int(arrs[t_local, a])),
                            tt.route_names[route] if route >= 0 else None,
                            tt.route_ids[route] if route >= 0 else None, tt.trip_ids[trip],
                            km * 1000))
            taps.append(PlannedTap(tt.instant(dep), "bus", tt.vehicle(trip)))
            co2 += km * factors.transit_g_per_pkm(mode, tt.route_ids[route] if route >= 0
                                                  else None)
            vehicles += 1
        elif kind == "walk":
            _, a, b, m = leg
            prev = lab.prev
            assert prev is not None
            legs.append(Leg("walk", _place(tt, a), _place(tt, b), tt.instant(prev.arr),
                            tt.instant(prev.arr + tr.walk_seconds(m)), distance_m=m))
        elif kind == "egress":
            o = leg[1]
            prev = lab.prev
            assert prev is not None
            legs.extend(_offset_legs(tt, o, _place(tt, o.stop), dest, prev.arr, taps,
                                     reverse=True))
    fare = price(fares, taps) if fares is not None else None
    straight_km = float(tr.haversine_m(*query.origin, *query.destination)) / 1000
    return Itinerary(legs[0].depart, legs[-1].arrive, tuple(legs), vehicles, target.walk, fare,
                     fares.currency if fares is not None else "EUR", round(co2, 1),
                     round(factors.car_g(straight_km), 1), tuple(taps))


def _offset_legs(tt: Timetable, o: Offset, a: Place, b: Place, start: int,
                 taps: list[PlannedTap], reverse: bool = False) -> list[Leg]:
    if o.mode != "bike":
        if o.seconds == 0:
            return []  # the point is the stop
        return [Leg("walk", a, b, tt.instant(start), tt.instant(start + o.seconds),
                    distance_m=o.walk_m)]
    s1, s2, ride_m, ride_s, walk1 = o.detail
    p1 = Place(s1.id, s1.name, s1.lat, s1.lon)
    p2 = Place(s2.id, s2.name, s2.lat, s2.lon)
    t1 = start + walk1
    t2 = t1 + ride_s
    taps.append(PlannedTap(tt.instant(t1), "bike", None, (ride_s + 59) // 60))
    return [Leg("walk", a, p1, tt.instant(start), tt.instant(t1)),
            Leg("bike", p1, p2, tt.instant(t1), tt.instant(t2), distance_m=ride_m),
            Leg("walk", p2, b, tt.instant(t2), tt.instant(start + o.seconds))]


def _pareto(its: Sequence[Itinerary], kind: str) -> list[Itinerary]:
    """Non-dominated itineraries on (arrival, vehicles, fare, walking); a range answer adds
    the departure (later is better), an arrive-by answer puts it in the arrival's place.
    Sorted by arrival."""
    def crit(i: Itinerary) -> tuple[float, ...]:
        fare = float(i.fare) if i.fare is not None else 0.0
        c = (i.vehicles, fare, round(i.walk_m, 6))
        if kind == "arrive_by":
            return (-i.depart.timestamp(), *c)
        if kind == "range":
            return (-i.depart.timestamp(), i.arrive.timestamp(), *c)
        return (i.arrive.timestamp(), *c)

    keyed = sorted(((crit(i), i) for i in its), key=lambda x: x[0])
    out: list[tuple[tuple[float, ...], Itinerary]] = []
    for c, it in keyed:
        if any(all(x <= y for x, y in zip(o, c, strict=True)) for o, _ in out):
            continue
        out.append((c, it))
    return sorted((it for _, it in out), key=lambda i: (i.arrive, -i.depart.timestamp(),
                                                         i.vehicles))
