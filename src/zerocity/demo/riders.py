"""The Kranj demo's synthetic card riders, for the ridership pages and the loads of the city's
buses: anonymous accounts that buy a monthly bus pass or the annual bike package through the
ledger, and go to work and back on the working days of last month and of this month so far.
Their taps are written in bulk (as pass trips, which cost nothing, so the ledger stays exact)
with sequence numbers from ``card.demo.SEQ_BASE`` on, apart from real ones; the riders, their
homes, workplaces and days are made up (a fixed seed), and every line that reports them says
they are synthetic. A rider's pass and stops are drawn from its own seed and each day's rides
from the rider's and the day's, so a day's taps are the same whichever later day the demo is
loaded on: last month, which the demo publishes, gives the same figures all this month.

**They ride the demo's timetable** (``demo/data/gtfs/kranj``, read from the committed files
through ``demo.transit.feed_files``, with the calendars of the window a day belongs to, the
same rules the loaded timetable versions follow). A rider lives at one stop of the card demo's
lines (``card.demo.ROUTES``: lines 1, 2, 3, 5 and 6 and the stops of the card's stops file)
and works at another. Each journey is the one that arrives first among those leaving at or
after the time the rider wants to leave (06:30-08:00 out, 15:00-17:30 back, drawn per day):
one run of a line serving both stops in that order, or, where no line does, two runs with a
change at a stop both lines serve (the bus station for most) and at least
``MIN_CHANGE_S`` between arriving and leaving. The rider taps on boarding, up to a minute
before the run's scheduled departure (``EARLY_S``), at a moment when that run is the route's
nearest at the stop, so that the loads' matching (``mobility.loads``: the nearest run within
2 minutes) finds it; a change is tapped as a transfer, inside the 90-minute transfer window of
Kranj's fares. The next boarding of the day is where the previous run was left (the workplace,
or the stop of the change), and the day ends where it began, so trip chaining infers the stops
the riders got off at.
"""

from __future__ import annotations

import bisect
import csv
import io
import random
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from zerocity.core.calendar import CityCalendar
from zerocity.demo.transit import feed_files, service_calendars

if TYPE_CHECKING:
    from zerocity.core.models import City

SEED = 2030
MIN_CHANGE_S = 120  # the feed's transfers.txt: 120 s at the bus station (ap-kranj)
EARLY_S = 60  # a rider taps at most this long before the run's scheduled departure
TRANSFER_S = 90 * 60  # Kranj's fare rules: a change within 90 minutes of the journey's start
OUT, OUT_SPREAD = time(6, 30), 90  # leaving for work: 06:30 plus 0-90 minutes
BACK, BACK_SPREAD = time(15), 150  # leaving work: 15:00 plus 0-150 minutes


def _seconds(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def _rows(files: Mapping[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name].decode("utf-8-sig"))))


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _running(calendar_txt: str, calendar_dates_txt: str, day: date) -> frozenset[str]:
    """The service ids of a GTFS calendar.txt and calendar_dates.txt that run on ``day``."""
    stamp = f"{day:%Y%m%d}"
    running = {c["service_id"] for c in csv.DictReader(io.StringIO(calendar_txt))
               if c["start_date"] <= stamp <= c["end_date"] and c[WEEKDAYS[day.weekday()]] == "1"}
    for e in csv.DictReader(io.StringIO(calendar_dates_txt)):
        if e["date"] == stamp:
            (running.add if e["exception_type"] == "1" else running.discard)(e["service_id"])
    return frozenset(running)


@dataclass(frozen=True)
class Run:
    """One trip of the feed: its route and its calls in order (the stop, or the station of a
    platform, as a validator there reports it; seconds from the service day's reference)."""

    trip_id: str
    route: str
    places: tuple[str, ...]
    arr: tuple[int, ...]
    dep: tuple[int, ...]


@dataclass(frozen=True)
class Leg:
    """One boarding: the run, where it is boarded and left, and when the rider taps (seconds
    from the service day's reference, local noon minus 12 hours as in GTFS)."""

    route: str
    trip_id: str
    board: str
    alight: str
    tap_s: int
    depart_s: int
    arrive_s: int


class _Day:
    """The runs of one set of services, indexed by (route, place): (departure, arrival, run,
    position), in order of departure, and the longest wait at the place of any of them."""

    def __init__(self, runs: list[Run]) -> None:
        self.runs = runs
        calls: dict[tuple[str, str], list[tuple[int, int, int, int]]] = defaultdict(list)
        for i, run in enumerate(runs):
            for pos, place in enumerate(run.places):
                calls[run.route, place].append((run.dep[pos], run.arr[pos], i, pos))
        for found in calls.values():
            found.sort()
        self.calls = dict(calls)
        self.dwell = {k: max(d - a for d, a, _, _ in found) for k, found in calls.items()}
        # (route, board, alight) -> the departures from board of the runs calling at alight
        # later, and those legs
        self.legs: dict[tuple[str, str, str], tuple[list[int], list[_Choice]]] = {}

    def nearest_only(self, route: str, place: str, run: int, pos: int, at: int) -> bool:
        """Whether the run's call is the one of its route at the place nearest to ``at``, as
        the loads match (0 while the bus is at the stop, else the time to it), and no other
        call is as near."""
        own_arr, own_dep = self.runs[run].arr[pos], self.runs[run].dep[pos]
        own = own_arr - at if at < own_arr else max(at - own_dep, 0)
        found = self.calls[route, place]
        # only a call leaving at or after at - own, and arriving by at + own, is as near
        last = at + own + self.dwell[route, place]
        for dep, arr, i, p in found[bisect.bisect_left(found, (at - own, -1, -1, -1)):]:
            if dep > last:
                break
            if (i, p) != (run, pos) and (arr - at if at < arr else max(at - dep, 0)) <= own:
                return False
        return True

    def first_leg(self, route: str, board: str, alight: str, after: int) -> _Choice | None:
        """The first run of the route leaving ``board`` at or after ``after`` that calls at
        ``alight`` later and whose call can be told apart by the time of a tap."""
        key = (route, board, alight)
        if key not in self.legs:
            deps, choices = [], []
            for dep, _, i, pos in self.calls.get((route, board), []):
                run = self.runs[i]
                later = run.places[pos + 1:]
                if alight in later and self.nearest_only(route, board, i, pos, dep):
                    off = pos + 1 + later.index(alight)
                    deps.append(dep)
                    choices.append(_Choice(Leg(route, run.trip_id, board, alight, dep, dep,
                                               run.arr[off]), i, pos))
            self.legs[key] = (deps, choices)
        deps, choices = self.legs[key]
        k = bisect.bisect_left(deps, after)
        return choices[k] if k < len(choices) else None


_Hop = tuple[str, str, str]  # (route, board, alight)


@dataclass(frozen=True)
class _Choice:
    leg: Leg
    run: int  # in its _Day's runs
    pos: int  # the boarding call's position in the run


class Network:
    """The demo feed's runs of the card demo's lines, read once, the services that run on a
    day, and the journeys between two stops of the lines."""

    def __init__(self, calendar: CityCalendar, routes: Mapping[str, tuple[str, ...]]) -> None:
        self.calendar = calendar
        self.routes = {r: tuple(stops) for r, stops in routes.items()}
        files = feed_files()
        parent = {s["stop_id"]: s["parent_station"] or s["stop_id"]
                  for s in _rows(files, "stops.txt")}
        trips = {t["trip_id"]: (t["route_id"], t["service_id"])
                 for t in _rows(files, "trips.txt") if t["route_id"] in self.routes}
        calls: dict[str, list[tuple[int, str, int, int]]] = defaultdict(list)
        for c in _rows(files, "stop_times.txt"):
            if c["trip_id"] in trips:
                calls[c["trip_id"]].append((int(c["stop_sequence"]), parent[c["stop_id"]],
                                            _seconds(c["arrival_time"]),
                                            _seconds(c["departure_time"])))
        self.by_service: dict[str, list[Run]] = defaultdict(list)
        for trip_id, (route, service) in sorted(trips.items()):
            ordered = sorted(calls[trip_id])
            self.by_service[service].append(Run(
                trip_id, route, tuple(c[1] for c in ordered), tuple(c[2] for c in ordered),
                tuple(c[3] for c in ordered)))
        self._services: dict[date, frozenset[str]] = {}
        self._days: dict[frozenset[str], _Day] = {}
        self._ways: dict[tuple[str, str], tuple[list[_Hop], list[tuple[_Hop, _Hop]]]] = {}

    def services(self, day: date) -> frozenset[str]:
        """The service ids running on ``day`` by the rules the feed's calendars are written by
        (``demo.transit.service_calendars``, which a test holds the committed files to, and
        which writes the calendars of every later window the demo loads)."""
        if day not in self._services:
            weekly, exceptions = service_calendars(day, day, self.calendar)
            self._services[day] = _running(weekly, exceptions, day)
        return self._services[day]

    def day(self, day: date) -> _Day:
        services = self.services(day)
        if services not in self._days:
            self._days[services] = _Day([r for s in sorted(services)
                                         for r in self.by_service.get(s, [])])
        return self._days[services]

    def journey(self, day: date, origin: str, dest: str, after: int,
                rng: random.Random) -> list[Leg]:
        """The legs of the journey from ``origin`` to ``dest`` leaving at or after ``after``
        (seconds from the day's reference) that arrives first: on one line when one serves both
        in that order, else with one change; no legs when the day has no such journey. Each
        leg's tap is drawn up to ``EARLY_S`` before its departure."""
        runs = self.day(day)
        direct, changes = self.ways(origin, dest)
        options: list[list[_Choice]] = []
        for route, board, alight in direct:
            one = runs.first_leg(route, board, alight, after)
            if one is not None:
                options.append([one])
        if not options:
            for (r1, board, change), (r2, _, alight) in changes:
                first = runs.first_leg(r1, board, change, after)
                if first is None:
                    continue
                then = runs.first_leg(r2, change, alight, first.leg.arrive_s + MIN_CHANGE_S)
                if then is not None and then.leg.depart_s - first.leg.depart_s < TRANSFER_S:
                    options.append([first, then])
        if not options:
            return []
        best = min(options, key=lambda legs: (legs[-1].leg.arrive_s, -legs[0].leg.depart_s,
                                              [c.leg.trip_id for c in legs]))
        out = []
        for c in best:
            leg = c.leg
            tap = leg.depart_s - rng.randint(0, EARLY_S)
            if not runs.nearest_only(leg.route, leg.board, c.run, c.pos, tap):
                tap = leg.depart_s  # at its departure the run is the only one that near
            out.append(Leg(leg.route, leg.trip_id, leg.board, leg.alight, tap, leg.depart_s,
                           leg.arrive_s))
        return out

    def ways(self, origin: str, dest: str) -> tuple[list[_Hop], list[tuple[_Hop, _Hop]]]:
        """The lines serving both stops, and the pairs of lines with a stop to change at that
        serve one each: (route, board, alight) hops."""
        if (origin, dest) not in self._ways:
            direct = [(r, origin, dest) for r, stops in self.routes.items()
                      if origin in stops and dest in stops]
            changes = [((r1, origin, change), (r2, change, dest))
                       for r1, s1 in self.routes.items() for r2, s2 in self.routes.items()
                       if r1 != r2 and origin in s1 and dest in s2
                       for change in sorted(set(s1) & set(s2) - {origin, dest})]
            self._ways[origin, dest] = (direct, changes)
        return self._ways[origin, dest]


def reference(calendar: CityCalendar, day: date) -> datetime:
    """The instant a service day's times count from: local noon minus 12 hours (GTFS)."""
    return calendar.at(day, time(12)).astimezone(UTC) - timedelta(hours=12)


def load_riders(city: City, *, riders: int = 120, today: date | None = None,
                actor: str = "demo") -> str:
    """Synthetic riders for last month and this month so far; running it again adds none."""
    from django.db import transaction

    from zerocity.card import ridership
    from zerocity.card.accounts import issue_medium, open_account, sell_pass
    from zerocity.card.demo import HUB, ROUTES, SEQ_BASE, VEHICLES
    from zerocity.card.models import Medium, Tap, Validator
    from zerocity.card.services import top_up

    cal = city.calendar
    today = today or cal.today()
    this = today.replace(day=1)
    months = [(this - timedelta(days=1)).replace(day=1), this]
    if Tap.objects.filter(validator__city=city, seq__gte=SEQ_BASE).exists():
        # the month's publication again (a load stopped after the riders and before it gets
        # it now; published, it changes nothing)
        ridership.publish(city, months[0], actor=actor)
        return "kranj riders: already there"
    network = Network(cal, ROUTES)
    devices = {v.device_id: v for v in Validator.objects.filter(city=city)}
    seq = {d: SEQ_BASE for d in devices}
    stops = sorted({s for route in ROUTES.values() for s in route})
    taps: list[Tap] = []

    def tap(device: str, medium: Medium, at: datetime, *, route: str = "", stop: str = "",
            reason: str = "pass", product: str = "", start: datetime | None = None,
            units: int | None = None) -> None:
        seq[device] += 1
        v = devices[device]
        taps.append(Tap(validator=v, seq=seq[device], medium=medium,
                        token_hash=medium.token_hash, at=at, offline=False, service=v.service,
                        vehicle=device if v.service == "bus" else "", route=route, stop=stop,
                        units=units, accepted=True, reason=reason, product=product,
                        journey_start=start or at))

    def ride(medium: Medium, day: date, origin: str, dest: str, leave: datetime,
             rng: random.Random) -> None:
        ref = reference(cal, day)
        legs = network.journey(day, origin, dest, int((leave - ref).total_seconds()), rng)
        start = ref + timedelta(seconds=legs[0].tap_s) if legs else leave
        for n, leg in enumerate(legs):
            at = ref + timedelta(seconds=leg.tap_s)
            if n == 0:
                tap(VEHICLES[leg.route], medium, at, route=leg.route, stop=leg.board,
                    product="bus-monthly")
            else:
                tap(VEHICLES[leg.route], medium, at, route=leg.route, stop=leg.board,
                    reason="transfer", start=start)

    with transaction.atomic():  # all the riders or none: a second load finds them all
        for i in range(riders):
            rng = random.Random(f"{SEED}-{i}")
            account = open_account(city, actor=actor)
            medium = issue_medium(account, f"KR-RIDER-{i:04d}", label=f"{i:04d}", actor=actor)
            bike = rng.random() < 0.2
            top_up(account.wallet, "25.00" if bike else "20.00",
                   payment_reference=f"demo-rider-{i}", actor=actor)
            if bike:
                sell_pass(account, "bike-annual", at=cal.at(months[0], time(7)),
                          payment_key=f"demo-rider-{i}-bike", actor=actor)
            else:
                for m in months:
                    sell_pass(account, "bus-monthly", at=cal.at(m, time(6)),
                              payment_key=f"demo-rider-{i}-{m:%Y-%m}", actor=actor)
            home, work = rng.sample([s for s in stops if s != HUB], 2)
            day = months[0]
            while day < today:
                daily = random.Random(f"{SEED}-{i}-{day.isoformat()}")
                if cal.is_working_day(day) and daily.random() < 0.85:
                    out = cal.at(day, OUT) + timedelta(minutes=daily.randint(0, OUT_SPREAD))
                    back = cal.at(day, BACK) + timedelta(minutes=daily.randint(0, BACK_SPREAD))
                    if bike:
                        for at in (out, back):
                            tap("bike-station-glavni-trg", medium, at,
                                product="bike-annual", units=daily.randint(6, 25))
                    else:
                        ride(medium, day, home, work, out, daily)
                        ride(medium, day, work, home, back, daily)
                day += timedelta(days=1)
        Tap.objects.bulk_create(taps, batch_size=2000)
        for device, last in seq.items():
            if last > SEQ_BASE:
                Validator.objects.filter(pk=devices[device].pk).update(
                    last_seq=last, last_seen_at=max(t.at for t in taps
                                                    if t.validator_id == devices[device].pk))
    batch = ridership.publish(city, months[0], actor=actor)  # last month, for the data pages
    return (f"kranj riders: {riders} synthetic riders, {len(taps):,} taps; "
            f"{months[0]:%Y-%m} published (batch {batch.pk})")
