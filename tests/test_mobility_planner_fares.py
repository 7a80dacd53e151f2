"""The planner's fare: each itinerary is priced by the card's own engine on the taps it would
make (research §6 checks 6 and 7: the 90-minute transfer, the day cap, the local day's
boundary), and the search's integer fare model decides every tap exactly as the engine does, so
that comparing fares during the search is sound."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from planner_feeds import ZONE, Feed, at
from zerocity.card import fares as card_fares
from zerocity.mobility.planner import CardFares, PlannedTap, Query, compile_timetable, plan, price
from zerocity.mobility.planner.pricing import FareModel

Z = ZoneInfo(ZONE)
KRANJ_RULES = Path(__file__).resolve().parents[1] / "src/zerocity/demo/data/kranj_fares.json"
A, X, C = (0, 0), (3000, 0), (6000, 0)


def kranj(history: tuple = ()) -> CardFares:
    rules = card_fares.load_rules(json.loads(KRANJ_RULES.read_text()), ZONE)
    return CardFares(rules, card_fares.decide, card_fares.Tap, card_fares.PriorTap,
                     history=history)


def rules_of(data: dict) -> CardFares:
    base = {"rider_categories": [{"rider_category_id": "adult", "rider_category_name": "Adult",
                                  "is_default_fare_category": True}]}
    rules = card_fares.load_rules({**base, **data}, ZONE)
    return CardFares(rules, card_fares.decide, card_fares.Tap, card_fares.PriorTap)


URBANA = {"fare_products": [{"fare_product_id": "ride", "fare_product_name": "Ride",
                             "service": "bus", "kind": "single", "amount": "1.30",
                             "rider_category_id": "adult"}],
          "fare_transfer_rules": [{"service": "bus", "duration_limit": 90,
                                   "duration_limit_type": "from_journey_start",
                                   "transfer_count": None, "fare": "0.00"}]}


def charged_by_the_card(cf: CardFares, taps: list[PlannedTap]) -> Decimal:
    """What the validators would charge: the engine tap by tap, each accepted tap recorded as
    the card records it (taps.py)."""
    history = list(cf.history)
    total = Decimal("0.00")
    for t in taps:
        d = card_fares.decide(cf.rules, card_fares.Tap(at=t.at, service=t.service,
                                                       vehicle=t.vehicle),
                              history=history, passes=[], eligibilities=[],
                              balance=Decimal("50.00"))
        assert d.accept
        total += d.fare
        history.append(card_fares.PriorTap(at=t.at, service=t.service, vehicle=t.vehicle,
                                           fare=d.fare, reason=d.reason,
                                           journey_start=d.journey_start or t.at))
    return total


def two_bus_feed(wait_min: int = 40) -> dict:
    f = Feed().calendar("WK").stop("A", *A).stop("X", *X).stop("C", *C)
    f.trip("1", "in", [("A", "07:00:00"), ("X", "07:10:00")])
    dep = 7 * 3600 + 600 + wait_min * 60
    f.trip("2", "out", [("X", dep), ("C", dep + 600)])
    for h, m in ((23, 10), (24, 10), (25, 40)):  # the night bus, for the day's boundary
        f.trip("N", f"night{h}", [("A", f"{h}:{m}:00"), ("C", f"{h}:{m + 15}:00")])
    return f.build()


def quote(tables, when: datetime, cf: CardFares, **kw):
    tt = compile_timetable(tables, ZONE, when.date())
    return plan(tt, Query(at(*A), at(*C), when, **kw), fares=cf)


def test_a_journey_with_a_forty_minute_transfer_is_quoted_one_euro_as_the_card_charges():
    got = quote(two_bus_feed(40), datetime(2026, 5, 6, 6, 55, tzinfo=Z), kranj())
    [it] = got.itineraries
    assert [leg.trip for leg in it.legs] == ["in", "out"] and it.transfers == 1
    assert it.fare == Decimal("1.00") and it.currency == "EUR"
    assert charged_by_the_card(kranj(), list(it.taps)) == Decimal("1.00")
    # the second tap alone is the card's 90-minute transfer: free without the day cap
    urbana = rules_of(URBANA)
    [it] = quote(two_bus_feed(40), datetime(2026, 5, 6, 6, 55, tzinfo=Z), urbana).itineraries
    assert it.fare == Decimal("1.30") == charged_by_the_card(urbana, list(it.taps))
    [late] = quote(two_bus_feed(95), datetime(2026, 5, 6, 6, 55, tzinfo=Z), urbana).itineraries
    assert late.fare == Decimal("2.60") == charged_by_the_card(urbana, list(late.taps))


def test_a_second_journey_the_same_day_is_quoted_nothing_under_the_day_cap():
    first = quote(two_bus_feed(), datetime(2026, 5, 6, 6, 55, tzinfo=Z), kranj()).itineraries[0]
    made = tuple(card_fares.PriorTap(at=t.at, service="bus", vehicle=t.vehicle,
                                     fare=Decimal("1.00") if i == 0 else Decimal("0.00"),
                                     reason="fare" if i == 0 else "transfer",
                                     journey_start=first.taps[0].at)
                 for i, t in enumerate(first.taps))
    evening = quote(two_bus_feed(), datetime(2026, 5, 6, 23, 0, tzinfo=Z), kranj(made))
    it = evening.itineraries[0]
    assert it.fare == Decimal("0.00") == charged_by_the_card(kranj(made), list(it.taps))


@pytest.mark.parametrize(("ride", "expected"), [
    ("00:10", Decimal("0.00")),  # inside the 90 minutes of the 23:50 journey
    ("01:40", Decimal("1.00")),  # past them: a new local day, so the cap starts again
])
def test_the_cap_day_ends_at_local_midnight(ride, expected):
    paid = card_fares.PriorTap(at=datetime(2026, 5, 6, 23, 50, tzinfo=Z), service="bus",
                               vehicle="other", fare=Decimal("1.00"), reason="fare",
                               journey_start=datetime(2026, 5, 6, 23, 50, tzinfo=Z))
    cf = kranj((paid,))
    h, m = (int(x) for x in ride.split(":"))
    when = datetime(2026, 5, 7, h, m - 5, tzinfo=Z)
    it = quote(two_bus_feed(), when, cf).itineraries[0]
    assert it.legs[0].depart == datetime(2026, 5, 7, h, m, tzinfo=Z)
    assert it.fare == expected == charged_by_the_card(cf, list(it.taps))


def test_the_search_finds_the_cheaper_of_two_equally_fast_journeys():
    # through X two ways: leaving 08:00 makes the 09:35 bus a new journey (95 minutes), leaving
    # 08:10 keeps it inside the 90-minute transfer; both arrive 09:45
    f = Feed().calendar("WK").stop("A", *A).stop("X", *X).stop("C", *C)
    f.trip("P", "early", [("A", "08:00:00"), ("X", "09:00:00")])
    f.trip("Q", "later", [("A", "08:10:00"), ("X", "09:20:00")])
    f.trip("Z", "last", [("X", "09:35:00"), ("C", "09:45:00")])
    urbana = rules_of(URBANA)
    got = quote(f.build(), datetime(2026, 5, 6, 7, 55, tzinfo=Z), urbana, max_duration_s=3 * 3600)
    assert [([leg.trip for leg in it.legs], it.fare) for it in got.itineraries] == [
        (["later", "last"], Decimal("1.30"))]


def test_prices_come_from_the_engine_and_refusals_give_no_price():
    cf = rules_of(URBANA)
    at_ = datetime(2026, 5, 6, 8, tzinfo=Z)
    assert price(cf, [PlannedTap(at_, "bus", "v1")]) == Decimal("1.30")
    assert price(cf, [PlannedTap(at_, "bike", None, 10)]) is None  # no bike product


# -- the search's fare model against the engine ----------------------------------------------

def random_rules(rnd: random.Random) -> CardFares:
    transfers = [{"service": "bus", "duration_limit": rnd.choice([20, 60, 90]),
                  "duration_limit_type": rnd.choice(["from_journey_start", "from_previous_tap"]),
                  "transfer_count": rnd.choice([None, 1, 2]),
                  "fare": rnd.choice(["0.00", "0.00", "0.40"])}
                 for _ in range(rnd.choice([0, 1, 1, 2]))]
    caps = [{"service": "bus", "period": rnd.choice(["day", "day", "week", "month"]),
             "amount": rnd.choice(["1.00", "2.50", "3.00"])}
            for _ in range(rnd.choice([0, 1, 1, 2]))]
    return rules_of({
        "same_vehicle_minutes": rnd.choice([0, 30]),
        "fare_products": [{"fare_product_id": "ride", "fare_product_name": "Ride",
                           "service": "bus", "kind": "single",
                           "amount": rnd.choice(["0.00", "1.00", "1.30", "1.30"]),
                           "rider_category_id": "adult"}],
        "fare_transfer_rules": transfers, "fare_caps": caps})


def test_the_fare_model_decides_every_tap_as_the_card_engine_does():
    rnd = random.Random(19)
    origin = datetime(2026, 5, 31, 10, 0, tzinfo=Z)  # a month and a week end are near
    for case in range(400):
        cf = random_rules(rnd)
        history = []
        for minutes in sorted(rnd.sample(range(1, 600), rnd.choice([0, 0, 1, 2])),
                              reverse=True):  # the rider's taps before the query
            t = origin - timedelta(minutes=minutes)
            history.append(card_fares.PriorTap(at=t, service="bus", vehicle="h", fare=Decimal(
                "1.00"), reason="fare", journey_start=t))
        cf = CardFares(cf.rules, cf.decide, cf.tap, cf.prior_tap, history=tuple(history))
        model = FareModel(cf, origin.astimezone(ZoneInfo("UTC")), 0, 48 * 3600)
        state = model.initial
        taps = []
        now = rnd.randint(0, 3600)
        for _ in range(rnd.randint(1, 7)):
            vehicle = rnd.choice(["v1", "v2", "v3", "h"])
            taps.append(PlannedTap(origin + timedelta(seconds=now), "bus", vehicle))
            state = model.step(state, now, vehicle)
            assert Decimal(state[0]) / 100 == price(cf, taps), (case, taps)
            now += rnd.choice([60, 600, 1800, 3000, 5400, 6 * 3600])


def test_a_pass_makes_every_ride_free():
    cf = kranj()
    monthly = next(p for p in cf.rules.products if p.id == "bus-monthly")
    start, end = card_fares.pass_validity(monthly, datetime(2026, 5, 1, 9, tzinfo=Z), ZONE)
    with_pass = CardFares(cf.rules, cf.decide, cf.tap, cf.prior_tap,
                          passes=(card_fares.Pass("bus-monthly", start, end),))
    it = quote(two_bus_feed(), datetime(2026, 5, 6, 6, 55, tzinfo=Z), with_pass).itineraries[0]
    assert it.fare == Decimal("0.00")
    assert date(2026, 5, 6) < end.date()
