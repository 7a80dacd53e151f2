"""Kranj's city card in the demo: the fare rules (``demo/data/kranj_fares.json``), a validator
per service, the bus stops (``demo/data/kranj_stops.txt``, positions approximate, as in the
demo's timetable feed, which the demo loads first; the file is the fallback), the city's
challenges for this month, and the demo citizen's account with a card and a top-up.

The demo's synthetic riders (``demo/riders.py``, which loads them) ride the lines and stops of
``ROUTES`` below, runs of the demo's timetable, and tap the validators of ``VEHICLES``."""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import resources
from typing import Any

from django.contrib.auth import get_user_model

from zerocity.card import challenges, ridership
from zerocity.card.accounts import issue_medium, open_account, set_rules
from zerocity.card.models import CardAccount, Validator
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
HUB = "ap-kranj"  # the bus station, on every route: where most riders change
VEHICLES = {"1": "bus-101", "2": "bus-102", "3": "bus-102", "5": "bus-101", "6": "bus-102"}
SEQ_BASE = 1_000_000  # the synthetic taps' sequence numbers, apart from real ones
