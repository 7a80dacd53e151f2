"""The same scenarios in two cities, Kranj (Europe/Ljubljana, Slovenia) and Helsinki
(Europe/Helsinki, Finland): every computation that counts local days, months or working days
turns at the city's own midnight and skips its own country's holidays, and Kranj's results are
those the rest of the suite proves.

Helsinki is an hour ahead of Kranj all year, so an instant late in a Kranj evening is already
the next day (or the next month) in Helsinki: 21:30 UTC on 20 October 2026 is 23:30 in Kranj
and 00:30 on the 21st in Helsinki; 22:30 UTC on 31 October is 23:30 on the 31st in Kranj and
00:30 on 1 November in Helsinki.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from zerocity.card import accounts, challenges, rewards, ridership, services, taps
from zerocity.card.demo import kranj_fares
from zerocity.core.errors import Conflict
from zerocity.data import opendata
from zerocity.data import services as data_services
from zerocity.food.services import dps

pytestmark = pytest.mark.django_db
DAY = datetime(2026, 10, 20, 6, 0, tzinfo=UTC)  # 08:00 in Kranj, 09:00 in Helsinki
NIGHT = datetime(2026, 10, 20, 21, 30, tzinfo=UTC)  # 23:30 the 20th / 00:30 the 21st
MONTH_END = datetime(2026, 10, 31, 22, 30, tzinfo=UTC)  # 23:30 31 Oct / 00:30 1 Nov


@pytest.fixture
def cities(city, helsinki, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    return {"kranj": city, "helsinki": helsinki}


def rider(city):  # type: ignore[no-untyped-def]
    """The same rules, buses and rider in each city: a bus fare of 1.00 capped at 1.00 a
    local day, 10 eco-points a trip and at most 50 a local day."""
    accounts.set_rules(city, kranj_fares())
    buses = [taps.register_validator(city, f"bus-{i}", "bus")[0] for i in range(8)]
    account = accounts.open_account(city)
    accounts.issue_medium(account, f"CARD-{city.slug}")
    services.top_up(account.wallet, "20.00", payment_reference=f"p-{city.slug}")
    seq = iter(range(1, 100))

    def ride(i: int, at: datetime) -> taps.TapResult:
        return taps.process_tap(buses[i], taps.TapIn(seq=next(seq), medium=f"CARD-{city.slug}",
                                                     at=at, vehicle=f"bus-{i}", route="1",
                                                     stop="A"))

    return account, ride


def test_fare_caps_and_eco_point_caps_turn_at_each_citys_midnight(cities):
    night = {}
    for name, city in cities.items():
        # given five trips two hours apart during the day: one fare, then capped, 50 points
        account, ride = rider(city)
        fares = [ride(i, DAY + timedelta(hours=2 * i)).tap.fare for i in range(5)]
        assert fares == [Decimal("1.00")] + [Decimal("0.00")] * 4, name
        assert rewards.balance(account) == rewards.DAILY_CAP, name
        # when the rider takes a bus at 21:30 UTC
        tap = ride(5, NIGHT).tap
        night[name] = (tap.reason, tap.fare, rewards.balance(account))
    # then in Kranj it is the same day: capped and no more points; in Helsinki a new day
    assert night == {"kranj": ("capped", Decimal("0.00"), 50),
                     "helsinki": ("fare", Decimal("1.00"), 60)}


def test_challenge_days_are_the_citys_local_days(cities):
    counted = {}
    for name, city in cities.items():
        account, ride = rider(city)
        challenge = challenges.create_challenge(
            city, "from-21-october", title="Bus trips from 21 October", measure="bus_trips",
            target=2, bonus_points=30, starts=date(2026, 10, 21), ends=date(2030, 12, 31))
        challenges.join(account, challenge)
        ride(0, NIGHT)
        counted[name] = challenges.progress(challenge, account)
    # the night trip is on the 20th in Kranj (before the challenge), on the 21st in Helsinki
    assert counted == {"kranj": 0.0, "helsinki": 1.0}


def test_ridership_months_are_the_citys_local_months(cities):
    legs = {}
    for name, city in cities.items():
        _, ride = rider(city)
        accounts.sell_pass(city.card_accounts.get(), "bus-monthly", at=MONTH_END,
                           payment_key=f"pass-{name}")
        ride(0, MONTH_END)
        legs[name] = (len(ridership.legs(city, date(2026, 10, 1))),
                      len(ridership.legs(city, date(2026, 11, 1))))
    assert legs == {"kranj": (1, 0), "helsinki": (0, 1)}


def test_readings_are_summed_in_the_citys_local_months_in_the_open_data(cities):
    months = {}
    for name, city in cities.items():
        # given an open sensor source whose one reading was taken at 22:30 UTC on 31 October
        source = data_services.add_source(
            city, "air", name="Air quality", kind="air_quality", frequency="irregular",
            schema={"no2": {"unit": "ug/m**3", "min": 0}}, publication="open")
        assert source.timezone == city.timezone  # naive times are read on the city's clock
        batch = data_services.ingest_records(source, [
            {"meter": "AQ-1", "time": MONTH_END.isoformat(), "quantity": "no2", "value": 21.5,
             "unit": "ug/m**3"}]).value
        assert batch.accepted == 1
        # when the open dataset of monthly series is built
        series = opendata.build_monthly_series(city)
        months[name] = [(int(r.year), int(r.month), float(r.total))
                        for r in series.itertuples()]
    # then the reading counts in Kranj's October and in Helsinki's November
    assert months == {"kranj": [(2026, 10, 21.5)], "helsinki": [(2026, 11, 21.5)]}


def test_a_naive_time_is_read_on_the_city_clock(cities):
    stored = {}
    for name, city in cities.items():
        source = data_services.add_source(
            city, "meters", name="Meters", kind="electricity_meters", frequency="irregular",
            schema={"active_energy": {"unit": "kWh", "min": 0}})
        batch = data_services.ingest_records(source, [
            {"meter": "M1", "time": "2026-11-01T00:30:00", "quantity": "active_energy",
             "value": 1, "unit": "kWh"}]).value
        stored[name] = batch.first_reading
    assert stored == {"kranj": datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
                      "helsinki": datetime(2026, 10, 31, 22, 30, tzinfo=UTC)}


@pytest.mark.usefixtures("in_english")
def test_a_dps_is_published_only_under_a_national_law_zerocity_knows(cities):
    refusals = {}
    for name, city in cities.items():
        system = dps.create_dps(city, "food-2027", "Food for schools")
        try:
            dps.publish(system, sent_at=DAY, initial_deadline=DAY + timedelta(days=40))
        except Conflict as exc:
            refusals[name] = str(exc)
    # Kranj's draft lacks its documents (ZJN-3 applies); Helsinki has no national profile yet
    assert refusals["kranj"].startswith("Before publishing, fill in why a purchasing system "
                                        "is used")
    assert refusals["helsinki"].startswith("No national procurement law is set up for FI")
    assert "Directive 2014/24/EU Art. 34" in refusals["helsinki"]
