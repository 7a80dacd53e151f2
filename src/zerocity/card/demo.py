"""Kranj's city card in the demo: the fare rules (``demo/data/kranj_fares.json``), a validator
per service, the bus stops (``demo/data/kranj_stops.txt``, positions approximate, as in the
demo's timetable feed, which the demo loads first; the file is the fallback), the city's
challenges for this month, and the demo citizen's account with a card and a top-up.

``load_riders`` adds synthetic riders for the ridership pages: anonymous accounts that buy a
monthly bus pass or the annual bike package through the ledger, and ride to work and back on
working days of last month and this month so far. Their taps are written in bulk (as pass
trips, which cost nothing, the ledger stays exact); the routes are lines of the demo's bus
network, the trips illustrative."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any

from django.contrib.auth import get_user_model

from zerocity.card import challenges, ridership
from zerocity.card.accounts import issue_medium, open_account, sell_pass, set_rules
from zerocity.card.models import CardAccount, Medium, Tap, Validator
from zerocity.card.services import top_up
from zerocity.card.taps import register_validator
from zerocity.core.models import City

VALIDATORS = [("bus-101", "bus", "Arriva city bus 101, front door"),
              ("bus-102", "bus", "Arriva city bus 102, front door"),
              ("bike-station-glavni-trg", "bike", "KRsKOLESOM station Glavni trg"),
              ("parking-supermarket", "parking", "Car park at the Supermarket"),
              ("pool-gate", "pool", "Kranj pool entrance"),
              ("library-desk", "library", "Mestna knjižnica Kranj, lending desk")]
DEMO_CARD = "KR-DEMO-0001"  # the demo citizen's card (its token; only its hash is stored)


def kranj_fares() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_data("kranj_fares.json"))
    return data


def load(city: City, *, actor: str = "demo") -> list[str]:
    """Set up Kranj's card; running it again changes nothing."""
    rules = set_rules(city, kranj_fares(), actor=actor)
    for device_id, service, description in VALIDATORS:
        if not Validator.objects.filter(city=city, device_id=device_id).exists():
            register_validator(city, device_id, service, description=description, actor=actor)
    citizen = get_user_model().objects.filter(username="citizen").first()
    if citizen is not None and not CardAccount.objects.filter(city=city,
                                                              holder=citizen).exists():
        account = open_account(city, holder=citizen, actor=actor)
        issue_medium(account, DEMO_CARD, label="0001", actor=actor)
        top_up(account.wallet, "20.00", payment_reference="demo-topup-1", actor=actor)
    stops = ridership.load_stops(city, _data("kranj_stops.txt"), actor=actor)
    month = city.calendar.today().replace(day=1)
    end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    challenges.create_challenge(
        city, f"bus-{month:%Y-%m}", title="Ten bus trips this month",
        title_sl="Deset voženj z avtobusom ta mesec", measure="bus_trips", target=10,
        bonus_points=50, starts=month, ends=end, actor=actor)
    challenges.create_challenge(
        city, f"walk-{month:%Y-%m}", title="Walk 30 km this month",
        title_sl="Prehodi 30 km ta mesec", measure="walk_km", target=30, bonus_points=40,
        starts=month, ends=end, actor=actor)
    return [f"kranj city card: fare rules v{rules.version}, {len(VALIDATORS)} validators, "
            f"{stops} stops, 2 challenges"]


def _data(name: str) -> str:
    return resources.files("zerocity.demo").joinpath(f"data/{name}").read_text(
        encoding="utf-8")


# -- synthetic riders -------------------------------------------------------------------------

# Lines of the demo's bus network (demo/data/gtfs/kranj) and stops each calls at, in its order;
# the bus station's platforms are its stop "ap-kranj" here, as a validator there reports it.
ROUTES = {"1": ("ap-kranj", "zlato-polje", "primskovo", "planina"),
          "2": ("ap-kranj", "drulovka"),
          "3": ("ap-kranj", "glavni-trg", "strazisce"),
          "5": ("ap-kranj", "zlato-polje", "primskovo", "britof"),
          "6": ("ap-kranj", "circe", "hrastje")}
HUB = "ap-kranj"  # the bus station, on every route: where riders change
VEHICLES = {"1": "bus-101", "2": "bus-102", "3": "bus-102", "5": "bus-101", "6": "bus-102"}
SEQ_BASE = 1_000_000  # the synthetic taps' sequence numbers, apart from real ones


def _route_of(stop: str, rng: random.Random) -> str:
    return rng.choice([r for r, stops in ROUTES.items() if stop in stops])


def load_riders(city: City, *, riders: int = 120, today: date | None = None,
                actor: str = "demo") -> str:
    """Synthetic riders for last month and this month so far; running it again adds none."""
    if Tap.objects.filter(validator__city=city, seq__gte=SEQ_BASE).exists():
        return "kranj riders: already there"
    cal = city.calendar
    today = today or cal.today()
    this = today.replace(day=1)
    months = [(this - timedelta(days=1)).replace(day=1), this]
    rng = random.Random(2030)
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

    def ride(medium: Medium, origin: str, dest: str, at: datetime) -> None:
        first = _route_of(origin, rng)
        tap(VEHICLES[first], medium, at, route=first, stop=origin, product="bus-monthly")
        if dest not in ROUTES[first]:  # change at the hub
            second = _route_of(dest, rng)
            tap(VEHICLES[second], medium, at + timedelta(minutes=rng.randint(10, 25)),
                route=second, stop=HUB, reason="transfer", start=at)

    for i in range(riders):
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
            if day.weekday() < 5 and rng.random() < 0.85:
                out = cal.at(day, time(6, 30)) + timedelta(
                    minutes=rng.randint(0, 90))
                back = cal.at(day, time(15)) + timedelta(
                    minutes=rng.randint(0, 150))
                if bike:
                    for at in (out, back):
                        tap("bike-station-glavni-trg", medium, at,
                            product="bike-annual", units=rng.randint(6, 25))
                else:
                    ride(medium, home, work, out)
                    ride(medium, work, home, back)
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
