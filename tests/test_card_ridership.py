"""Ridership from the city card's taps: trip chaining, passenger-km and avoided emissions worked
out by hand, small flows kept out of sight, pseudonyms that change every month, retention that
erases where old trips went and destroys old keys, and the month's totals handed to the data
platform and on to a plan indicator."""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from zerocity.card import accounts, ridership, services, taps
from zerocity.card.demo import kranj_fares
from zerocity.card.models import PseudonymKey, Tap
from zerocity.data import outputs
from zerocity.plan.models import Indicator, Observation, Plan

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Europe/Ljubljana")
MONTH = date(2026, 10, 1)
# Two stops 0.01 degrees of latitude apart: 6371.0088 km x 0.01 x pi/180 = 1.11195 km.
STOPS = "stop_id,stop_name,stop_lat,stop_lon\nA,Alpha,46.24,14.35\nB,Beta,46.25,14.35\n" \
        "C,Gamma,46.26,14.35\n"
AB_KM = 6371.0088 * math.radians(0.01) * 1.3


@pytest.fixture
def network(city, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    accounts.set_rules(city, kranj_fares())
    ridership.load_stops(city, STOPS)
    bus, _ = taps.register_validator(city, "bus-1", "bus")
    bike, _ = taps.register_validator(city, "bike-1", "bike")
    return city, bus, bike


def rider(city, n: int):  # type: ignore[no-untyped-def]
    account = accounts.open_account(city)
    accounts.issue_medium(account, f"RIDER-{n:04d}")
    services.top_up(account.wallet, "40.00", payment_reference=f"r{n}")
    for month in (MONTH, date(2026, 11, 1)):
        accounts.sell_pass(account, "bus-monthly", at=datetime(month.year, month.month, 1, 6,
                                                                tzinfo=TZ),
                           payment_key=f"pass-{n}-{month}")
    return account


_seq = iter(range(1, 10**6))


def ride(validator, n: int, at: datetime, stop: str = "", route: str = "1",  # type: ignore[no-untyped-def]
         units: int | None = None):
    return taps.process_tap(validator, taps.TapIn(
        seq=next(_seq), medium=f"RIDER-{n:04d}", at=at, route=route, stop=stop, units=units))


def day(d: int, h: int, m: int = 0) -> datetime:
    return datetime(2026, 10, d, h, m, tzinfo=TZ)


def test_a_day_of_two_bus_trips_is_chained_measured_and_turned_into_avoided_emissions(network):
    city, bus, _ = network
    rider(city, 1)
    assert ride(bus, 1, day(5, 7), "A").tap.accepted
    assert ride(bus, 1, day(5, 16), "B").tap.accepted
    r = ridership.analyse(city, MONTH)
    assert r.legs == 2 and r.riders == 1 and r.boardings_by_route == [("1", 2)]
    assert {s for s, _, _ in r.boardings_by_stop} == {"A", "B"}
    assert r.boardings_by_hour[7] == 1 and r.boardings_by_hour[16] == 1
    # A -> B in the morning, B -> A (back to the day's first stop) in the afternoon
    assert r.chained_share == 1.0
    assert r.passenger_km["bus"] == pytest.approx(round(2 * AB_KM, 1))
    f = r.factors
    assert f.car_kg_per_pkm == pytest.approx(0.17 / 1.3)  # DEFRA 2023 average diesel car
    assert r.avoided_kg["bus"] == pytest.approx(round(r.passenger_km["bus"] * 0.17 / 1.3, 1))
    # two legs only: under the smallest flow shown, so both are in "other"
    assert r.od == [] and r.od_other == 2


def test_flows_of_five_or_more_are_shown_smaller_ones_only_in_other(network):
    city, bus, _ = network
    for n in range(5):
        rider(city, n)
        ride(bus, n, day(6, 7, n), "A")
        ride(bus, n, day(6, 17, n), "C")
    for n in range(5, 9):
        rider(city, n)
        ride(bus, n, day(6, 8, n), "B")
        ride(bus, n, day(6, 18, n), "C")
    r = ridership.analyse(city, MONTH)
    flows = {(o, d): n for o, d, n, _ in r.od}
    assert flows == {("A", "C"): 5, ("C", "A"): 5}
    assert r.od_other == 8  # B -> C and C -> B, four each
    km = {(o, d): k for o, d, _, k in r.od}
    assert km[("A", "C")] == pytest.approx(2 * AB_KM, rel=1e-3)


def test_unchained_legs_count_the_mean_length_and_bikes_their_minutes(network):
    city, bus, bike = network
    rider(city, 1)
    rider(city, 2)
    ride(bus, 1, day(7, 7), "A")
    ride(bus, 1, day(7, 16), "B")
    ride(bus, 2, day(7, 9), "A")  # one trip that day: where it ended is unknown
    bike_rider = accounts.open_account(city)
    accounts.issue_medium(bike_rider, "RIDER-0003")
    services.top_up(bike_rider.wallet, "5.00", payment_reference="b")
    assert ride(bike, 3, day(7, 8), units=30).tap.accepted  # the first 30 minutes are free
    r = ridership.analyse(city, MONTH)
    assert r.chained_share == pytest.approx(2 / 3)
    assert r.passenger_km["bus"] == pytest.approx(round(3 * AB_KM, 1))
    assert r.passenger_km["bike"] == pytest.approx(30 * 12 / 60)
    assert r.legs_by_mode == {"bus": 3, "bike": 1}


def test_riders_are_pseudonymous_and_unlinkable_from_one_month_to_the_next(network):
    city, bus, _ = network
    account = rider(city, 1)
    ride(bus, 1, day(8, 7), "A")
    ride(bus, 1, day(9, 7), "A")
    ride(bus, 1, datetime(2026, 11, 3, 7, tzinfo=TZ), "A")
    october = ridership.legs(city, MONTH)
    november = ridership.legs(city, date(2026, 11, 1))
    assert october["rider"].nunique() == 1 and len(november) == 1
    assert october["rider"].iloc[0] != november["rider"].iloc[0]
    for df in (october, november):
        assert str(account.pseudonym) not in set(df["rider"])
        assert set(df.columns) == set(ridership.LEG_COLUMNS)  # no card, no account
    keys = PseudonymKey.objects.filter(city=city)
    assert keys.count() == 2 and len({k.secret for k in keys}) == 2


def test_retention_erases_where_old_trips_went_and_destroys_their_keys(network, settings):
    city, bus, _ = network
    settings.ZEROCITY_CARD_TRIP_RETENTION_DAYS = 30
    rider(city, 1)
    old_pk = ride(bus, 1, day(5, 7), "A").tap.pk
    ridership.legs(city, MONTH)  # the key of October exists
    recent_pk = ride(bus, 1, datetime(2026, 11, 20, 7, tzinfo=TZ), "B").tap.pk
    erased = ridership.apply_retention(city, today=date(2026, 12, 5))
    assert erased.taps == 1 and erased.keys == 1
    old, recent = Tap.objects.get(pk=old_pk), Tap.objects.get(pk=recent_pk)
    assert old.medium_id is None and old.stop == "" and old.route == "" and old.token_hash == ""
    assert old.at == day(5, 7) and old.location_erased_at is not None  # the money record stays
    assert recent.medium_id is not None and recent.stop == "B"
    assert ridership.legs(city, MONTH).empty  # the key is gone: nothing can be linked
    assert ridership.apply_retention(city, today=date(2026, 12, 5)) == ridership.Erased(0, 0)
    assert services.reconcile(city).clean


def test_stops_file_errors_name_the_line_and_column(network):
    city, *_ = network
    with pytest.raises(ridership.StopsError, match="line 1: missing column"):
        ridership.load_stops(city, "stop_id,stop_name\nA,Alpha\n")
    with pytest.raises(ridership.StopsError, match="line 3, stop_lat/stop_lon: not a number"):
        ridership.load_stops(city, "stop_id,stop_name,stop_lat,stop_lon\nD,Delta,46.2,14.3\n"
                                   "E,Eps,north,14.3\n")
    assert not city.card_stops.filter(stop_id="D").exists()  # the whole file refused


def test_every_bad_line_of_a_stops_file_is_reported_at_once(network):
    city, *_ = network
    # given a stops file whose header lacks stop_name, with a latitude that is no number
    # (line 3), a stop off the globe without its id (line 5) and a good stop (line 2)
    text = ("stop_id,stop_lat,stop_lon\n"
            "D,46.2,14.3\n"
            "E,north,14.3\n"
            "\n"
            ",95,14.3\n")

    # when it is loaded
    with pytest.raises(ridership.StopsError) as exc:
        ridership.load_stops(city, text)

    # then every mistake comes in one answer, in line order, each line numbered as the file
    # numbers it (the blank line 4 counts), and no stop is stored
    assert exc.value.errors == [
        "line 1: missing column(s) stop_name",
        "line 3, stop_lat/stop_lon: not a number",
        "line 5, stop_lat/stop_lon: outside the globe",
        "line 5, stop_id: empty",
    ]
    assert not city.card_stops.filter(stop_id__in=["D", "E"]).exists()


def test_a_stop_given_twice_is_refused_with_both_lines(network):
    city, *_ = network
    # given a stops file that gives stop F twice, with different places
    text = ("stop_id,stop_name,stop_lat,stop_lon\n"
            "F,Foxtrot,46.20,14.30\n"
            "G,Golf,46.21,14.31\n"
            "F,Foxtrot north,46.25,14.30\n")

    # when it is loaded
    with pytest.raises(ridership.StopsError) as exc:
        ridership.load_stops(city, text)

    # then the second F is named with the line of the first, and neither stop is stored (the
    # last row silently winning would move a stop the network plan has elsewhere)
    assert exc.value.errors == ["line 4, stop_id: 'F' is on line 2 already"]
    assert not city.card_stops.filter(stop_id__in=["F", "G"]).exists()


def test_a_stops_file_without_stop_id_says_so_once_not_on_every_line(network):
    city, *_ = network
    # given a stops file without its stop_id column and a latitude that is no number
    text = "stop_name,stop_lat,stop_lon\nDelta,46.2,14.3\nEpsilon,46.3,east\n"

    # when it is loaded
    with pytest.raises(ridership.StopsError) as exc:
        ridership.load_stops(city, text)

    # then the header's mistake is said once, with the line's own
    assert exc.value.errors == ["line 1: missing column(s) stop_id",
                                "line 3, stop_lat/stop_lon: not a number"]


def test_the_months_totals_feed_the_data_platform_and_a_plan_indicator(network):
    from zerocity.inventory.services import create_inventory

    city, bus, _ = network
    rider(city, 1)
    ride(bus, 1, day(5, 7), "A")
    ride(bus, 1, day(5, 16), "B")
    batch = ridership.publish(city, MONTH)
    assert batch.status == "accepted" and batch.accepted == 6  # 3 quantities x bus, bike
    again = ridership.publish(city, MONTH)  # the same month again changes nothing
    assert again.pk == batch.pk and again.accepted == batch.accepted
    source = ridership.source(city)
    assert source.publication == "open" and source.kind == "city_card_usage"
    plan = Plan.objects.create(city=city, title="Plan",
                               baseline=create_inventory(city, 2018, gwp="AR5"))
    indicator = Indicator.objects.create(plan=plan, code="T 1", name="Avoided car emissions",
                                         unit="t")
    outputs.set_indicator_feed(indicator, source, "avoided_co2e", min_coverage=0)
    outputs.feed_indicators(city)
    observed = Observation.objects.get(indicator=indicator, year=2026)
    expected_kg = round(round(2 * AB_KM, 1) * 0.17 / 1.3, 1)
    assert observed.value == pytest.approx(expected_kg / 1000, rel=1e-6)
    assert "city-card-ridership avoided_co2e" in observed.source


def test_the_inventory_year_shows_the_published_ridership_as_a_memo(network):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from zerocity.inventory.services import create_inventory

    city, bus, _ = network
    create_inventory(city, 2026, gwp="AR5")
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    client = Client()
    client.force_login(admin)
    url = f"/en/{city.slug}/inventory/2026/"
    assert 'data-memo="transport"' not in client.get(url).content.decode()
    rider(city, 1)
    ride(bus, 1, day(5, 7), "A")
    ride(bus, 1, day(5, 16), "B")
    ridership.publish(city, MONTH)
    html = client.get(url).content.decode()
    assert 'data-memo="transport"' in html
    assert f'data-figure="memo-pkm">{round(2 * AB_KM)}<' in html
