"""Planning a journey on the city's timetable (issue 19, "Interfaces"): ``zerocity mobility
plan`` on the kranj-mini fixture feed with three more route-2 trips (tests/journey_feeds.py),
priced by the city card's engine (Kranj's rules: EUR 1.00, transfers free for 90 minutes,
research §6 check 6) and weighed against the car (research §5).

The hand-checked itinerary, Tuesday 20 October 2026 (summer time, UTC+2), from 0.0009 deg north
of Zlato polje to 0.0012 deg east of Primskovo, leaving at 07:30:
- walk 100.1 m x 1.3 = 130.1 m to Zlato polje at 1.3 m/s: 101 s, so leave at 07:36:19;
- bus 1-0730 Zlato polje 07:38 to Glavni trg 07:44 (one hop, great circle: 1,045.6 m);
- change under the feed's timed rule (route 1 to 2 at Glavni trg), bus 2-weekday 07:46 to
  Primskovo 07:55 (2,303.2 m);
- walk 92.3 m x 1.3 = 120.0 m: 93 s, arrive 07:56:33. Walking 250 m in all.
- Fare: EUR 1.00 at 07:38, the second tap at 07:46 inside 90 minutes free: EUR 1.00.
- CO2e: a diesel bus uses 4 kWh/km x the library's road-diesel factor (0.26676 t CO2, 1.404e-05
  t CH4 and N2O per MWh: 0.2708737 t CO2e/MWh at AR5), 1.083495 kg per bus-km over an average
  load of 10: 108.3495 g per passenger-km x 3.3488 km = 362.8 g. The car: 0.17 kg per km / 1.3
  occupants over the straight line (1.2357 km) x 1.3 detour = 1.2357 x 170 = 210.1 g.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from journey_feeds import (
    LABORE,
    NEAR_LABORE,
    NEAR_PRIMSKOVO,
    NEAR_ZLATO_POLJE,
    PLANINA,
    PRIMSKOVO,
    ZLATO_POLJE,
    import_journey_feed,
    point,
)
from planner_feeds import ZONE, Feed, at
from zerocity.cli import main
from zerocity.mobility import journeys, planner, timetables
from zerocity.mobility.planner import Query

pytestmark = pytest.mark.django_db
TUESDAY = "2026-10-20"


@pytest.fixture
def feed(city):  # type: ignore[no-untyped-def]
    return import_journey_feed(city)


def plan(*args: str, language: str | None = None, fmt: str = "json"):  # type: ignore[no-untyped-def]
    argv = ["mobility", "plan", "--city", "testville", *args, "--format", fmt]
    if language:
        argv += ["--language", language]
    result = CliRunner().invoke(main, argv)
    return result


def plan_json(*args: str, **kw):  # type: ignore[no-untyped-def]
    result = plan(*args, **kw)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def trips(answer) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[leg["trip"] for leg in it["legs"] if leg["trip"]] for it in answer["itineraries"]]


# -- the JSON ---------------------------------------------------------------------------------

def test_the_json_gives_the_hand_checked_itinerary_with_the_citys_offset(feed):
    got = plan_json("--from", point(NEAR_ZLATO_POLJE), "--to", point(NEAR_PRIMSKOVO),
                    "--depart", f"{TUESDAY}T07:30")
    assert len(got["itineraries"]) == 1
    it = got["itineraries"][0]
    assert {k: it[k] for k in ("depart", "arrive", "transfers", "walk_m", "fare", "co2e_g",
                               "car_co2e_g", "fastest", "fewest_transfers")} == {
        "depart": "2026-10-20T07:36:19+02:00", "arrive": "2026-10-20T07:56:33+02:00",
        "transfers": 1, "walk_m": 250, "fare": {"amount": "1.00", "currency": "EUR"},
        "co2e_g": 362.8, "car_co2e_g": 210.1, "fastest": True, "fewest_transfers": True}
    assert [(leg["mode"], leg["from"]["stop_id"], leg["to"]["stop_id"], leg["route"],
             leg["trip"], leg["depart"][11:19], leg["arrive"][11:19], leg["distance_m"])
            for leg in it["legs"]] == [
        ("walk", None, "zlato-polje", None, None, "07:36:19", "07:38:00", 130),
        ("bus", "zlato-polje", "glavni-trg", "1", "1-0730", "07:38:00", "07:44:00", 1046),
        ("bus", "glavni-trg", "primskovo", "2", "2-weekday", "07:46:00", "07:55:00", 2303),
        ("walk", "primskovo", None, None, None, "07:55:00", "07:56:33", 120)]
    assert it["legs"][1]["from"] == {"stop_id": "zlato-polje", "name": "Zlato polje",
                                     "lat": 46.2472, "lon": 14.3612}
    assert it["legs"][0]["from"] == {"stop_id": None, "name": "začetek", "lat": 46.2481,
                                     "lon": 14.3612}
    assert all(leg["depart"].endswith("+02:00") and leg["arrive"].endswith("+02:00")
               for leg in it["legs"])
    # the taps a validator on each bus sends: the trip run, its route and the boarding stop
    assert it["taps"] == [
        {"at": "2026-10-20T07:38:00+02:00", "service": "bus", "vehicle": "1-0730/2026-10-20",
         "units": None, "route": "1", "stop": "zlato-polje"},
        {"at": "2026-10-20T07:46:00+02:00", "service": "bus",
         "vehicle": "2-weekday/2026-10-20", "units": None, "route": "2", "stop": "glavni-trg"}]
    assert got["attribution"] == [{
        "feed": "2026-01", "feed_version": "2026-01", "sha256": feed.sha256,
        "publisher": "ZeroCity (illustrative Kranj network)",
        "publisher_url": "https://example.org/zerocity", "licence": "CC-BY-SA-4.0",
        "attribution": "Arriva Kranj (illustrative); ZeroCity"}]
    assert got["service_date"] == TUESDAY and got["notes"] == [] and got["excluded"] == []


def test_a_time_with_an_offset_is_the_same_moment_and_winter_days_say_plus_one(feed):
    local = plan_json("--from", point(ZLATO_POLJE), "--to", point(PRIMSKOVO), "--depart",
                      f"{TUESDAY}T07:30")
    utc = plan_json("--from", point(ZLATO_POLJE), "--to", point(PRIMSKOVO), "--depart",
                    f"{TUESDAY}T05:30:00Z")
    assert utc == local
    winter = plan_json("--from", point(ZLATO_POLJE), "--to", point(PRIMSKOVO), "--depart",
                       "2026-11-03T07:30")
    assert winter["itineraries"][0]["depart"] == "2026-11-03T07:38:00+01:00"
    assert winter["query"]["depart"] == "2026-11-03T07:30:00+01:00"


def test_the_fastest_and_the_fewest_transfers_are_flagged_when_they_differ():
    # a slow direct bus and a faster change (the planner's own Pareto set, research §6.8)
    f = Feed().calendar("WK").stop("A", 0).stop("X", 3000).stop("C", 6000)
    f.trip("SLOW", "slow", [("A", "08:00:00"), ("C", "09:00:00")])
    f.trip("R1", "T1", [("A", "08:01:00"), ("X", "08:10:00")])
    f.trip("R2", "T2", [("X", "08:12:00"), ("C", "08:30:00")])
    when = datetime(2026, 5, 6, 7, 55, tzinfo=ZoneInfo(ZONE))
    query = Query(at(0, 0), at(6000, 0), when)
    result = planner.plan(planner.compile_timetable(f.build(), ZONE, when.date()), query)
    answer = journeys.JourneyPlan("x", "X", ZONE, query, when.date(), result, (), (), (),
                                  "EUR", False)
    got = journeys.to_json(answer)["itineraries"]
    assert [(it["arrive"][11:16], it["transfers"], it["fastest"], it["fewest_transfers"])
            for it in got] == [("08:30", 1, True, False), ("09:00", 0, False, True)]


# -- the options ------------------------------------------------------------------------------

def test_arrive_by_takes_the_deadline_and_keeps_the_latest_departure(feed):
    got = plan_json("--from", point(ZLATO_POLJE), "--to", point(NEAR_PRIMSKOVO), "--depart",
                    f"{TUESDAY}T08:00", "--arrive-by")
    assert trips(got) == [["1-0730", "2-weekday"]]
    assert got["itineraries"][0]["arrive"] == "2026-10-20T07:56:33+02:00"
    assert got["query"]["arrive_by"] is True
    too_early = plan_json("--from", point(ZLATO_POLJE), "--to", point(NEAR_PRIMSKOVO),
                          "--depart", f"{TUESDAY}T07:56", "--arrive-by", language="en")
    assert too_early["itineraries"] == []
    assert too_early["notes"] == [
        "No journey arrives by 20 Oct 2026, 07:56 within 180 minutes. Try a later arrival or "
        "ask for a longer time window."]


def test_max_walk_0_walks_nowhere_but_the_feeds_own_transfers(feed):
    # Zlato polje to Labore: bus 1-0730 to kolodvor-1 (07:50), the feed's transfer to
    # kolodvor-2 (type 2, at least 120 s), bus 2-express 07:56 to Labore
    got = plan_json("--from", point(ZLATO_POLJE), "--to", point(LABORE), "--depart",
                    f"{TUESDAY}T07:30", "--max-walk-m", "0")
    assert [(leg["mode"], leg["from"]["stop_id"], leg["to"]["stop_id"])
            for leg in got["itineraries"][0]["legs"]] == [
        ("bus", "zlato-polje", "kolodvor-1"), ("walk", "kolodvor-1", "kolodvor-2"),
        ("bus", "kolodvor-2", "labore")]
    assert got["itineraries"][0]["walk_m"] == 49  # 38.0 m apart x 1.3, as the feed allows
    # 100 m from Labore: walking to it is walking, so no journey without it
    off = plan_json("--from", point(ZLATO_POLJE), "--to", point(NEAR_LABORE), "--depart",
                    f"{TUESDAY}T07:30", "--max-walk-m", "0")
    assert off["itineraries"] == [] and len(off["notes"]) == 1
    walked = plan_json("--from", point(ZLATO_POLJE), "--to", point(NEAR_LABORE), "--depart",
                       f"{TUESDAY}T07:30")
    assert trips(walked) == [["1-0730", "2-express"]]
    assert walked["itineraries"][0]["legs"][-1]["mode"] == "walk"


def test_transfer_slack_0_makes_a_change_as_tight_as_the_timetable(feed):
    # 2-inbound reaches Glavni trg at 07:07, the minute 1-0700 leaves it for Planina
    args = ("--from", point(PRIMSKOVO), "--to", point(PLANINA), "--depart",
            f"{TUESDAY}T06:50")
    assert plan_json(*args)["itineraries"] == []  # a minute's slack misses it
    tight = plan_json(*args, "--transfer-slack", "0")
    assert trips(tight) == [["2-inbound", "1-0700"]]
    assert tight["itineraries"][0]["arrive"] == "2026-10-20T07:20:00+02:00"
    assert tight["itineraries"][0]["fare"] == {"amount": "1.00", "currency": "EUR"}


def test_a_wheelchair_request_says_what_it_left_out_in_both_languages(feed):
    args = ("--from", point(ZLATO_POLJE), "--to", point(PLANINA), "--depart",
            f"{TUESDAY}T06:50", "--wheelchair")
    assert trips(plan_json(*args[:-1])) != []
    en = plan_json(*args, language="en")
    assert en["itineraries"] == []
    assert en["excluded"] == [
        "1 trip is marked as not wheelchair accessible and was left out.",
        "Stops without wheelchair boarding were left out: Planina."]
    sl = plan_json(*args)
    assert sl["excluded"] == [
        "1 vožnja je označena kot nedostopna za invalidski voziček in je izpuščena.",
        "Postajališča brez vstopa z invalidskim vozičkom so izpuščena: Planina."]
    assert sl["notes"] == [
        "Ni poti z odhodom 20. 10. 2026, 06:50, ki bi trajala največ 180 min. Poskusite z "
        "drugim časom ali zahtevajte daljše časovno okno."]


def test_modes_keep_only_the_modes_asked_for(feed):
    args = ("--from", point(ZLATO_POLJE), "--to", point(PRIMSKOVO), "--depart",
            f"{TUESDAY}T07:30")
    assert trips(plan_json(*args, "--modes", "bus")) == [["1-0730", "2-weekday"]]
    assert trips(plan_json(*args, "--modes", "bus,bike")) == [["1-0730", "2-weekday"]]
    assert plan_json(*args, "--modes", "tram,bike")["itineraries"] == []
    wrong = plan(*args, "--modes", "car,bus", language="en")
    assert wrong.exit_code == 2
    assert "Invalid value for --modes: 'car': use one or more of" in wrong.output


def test_no_journey_is_said_plainly(feed):
    late = ("--from", point(ZLATO_POLJE), "--to", point(PRIMSKOVO), "--depart",
            f"{TUESDAY}T21:00")
    text = plan(*late, fmt="text")
    assert text.exit_code == 0
    assert text.output.splitlines()[1:3] == [
        "Ni poti z odhodom 20. 10. 2026, 21:00, ki bi trajala največ 180 min. Poskusite z "
        "drugim časom ali zahtevajte daljše časovno okno.",
        "Vozni red: 2026-01, ZeroCity (illustrative Kranj network); licenca: CC-BY-SA-4.0; "
        "navedba avtorstva: Arriva Kranj (illustrative); ZeroCity"]
    assert plan_json(*late)["itineraries"] == []


def test_the_text_reads_in_slovenian_by_default_and_in_english(feed):
    args = ("--from", point(NEAR_ZLATO_POLJE), "--to", point(NEAR_PRIMSKOVO), "--depart",
            f"{TUESDAY}T07:30")
    sl = plan(*args, fmt="text")
    assert sl.exit_code == 0, sl.output
    assert sl.output.splitlines() == [
        "Testville: od 46,24810, 14,36120 do 46,25680, 14,37120. Odhod 20. 10. 2026, 07:30.",
        "Možnost 1 (najhitrejša): 07:36–07:56, 20 minut, 1 prestop, hoje 250\u00a0m, "
        "1,00\u00a0EUR, 363\u00a0g CO2e, z avtom 210\u00a0g",
        "  07:36–07:38 hoja 130\u00a0m: začetek → Zlato polje",
        "  07:38–07:44 avtobus 1: Zlato polje → Glavni trg (vožnja 1-0730)",
        "  07:46–07:55 avtobus 2: Glavni trg → Primskovo (vožnja 2-weekday)",
        "  07:55–07:56 hoja 120\u00a0m: Primskovo → cilj",
        "Vozni red: 2026-01, ZeroCity (illustrative Kranj network); licenca: CC-BY-SA-4.0; "
        "navedba avtorstva: Arriva Kranj (illustrative); ZeroCity"]
    en = plan(*args, fmt="text", language="en")
    assert en.output.splitlines() == [
        "Testville: from 46.24810, 14.36120 to 46.25680, 14.37120. Leave at 20 Oct 2026, "
        "07:30.",
        "Option 1 (fastest): 07:36–07:56, 20 minutes, 1 transfer, walking 250\u00a0m, "
        "1.00\u00a0EUR, 363\u00a0g CO2e, by car 210\u00a0g",
        "  07:36–07:38 walk 130\u00a0m: start → Zlato polje",
        "  07:38–07:44 bus 1: Zlato polje → Glavni trg (trip 1-0730)",
        "  07:46–07:55 bus 2: Glavni trg → Primskovo (trip 2-weekday)",
        "  07:55–07:56 walk 120\u00a0m: Primskovo → destination",
        "Timetable: 2026-01, ZeroCity (illustrative Kranj network); licence: CC-BY-SA-4.0; "
        "attribution: Arriva Kranj (illustrative); ZeroCity"]


def test_bad_options_are_named_and_a_day_without_a_timetable_is_refused(feed):
    bad = plan("--from", "46.2,north", "--to", point(PRIMSKOVO), language="en")
    assert bad.exit_code == 2 and "Invalid value for --from: '46.2,north' is not a point" \
        in bad.output
    far = plan("--from", point(ZLATO_POLJE), "--to", "91,14", language="en")
    assert far.exit_code == 2 and "--to: '91,14' is outside the globe" in far.output
    when = plan("--from", point(ZLATO_POLJE), "--to", point(PRIMSKOVO), "--depart",
                "next tuesday", language="en")
    assert when.exit_code == 2 and "--depart: 'next tuesday' is not an ISO 8601" in when.output
    before = plan("--from", point(ZLATO_POLJE), "--to", point(PRIMSKOVO), "--depart",
                  "2025-12-01T08:00", language="en")
    assert before.exit_code == 1
    assert before.output == "error: Testville has no timetable for 1 Dec 2025.\n"
    after = plan("--from", point(ZLATO_POLJE), "--to", point(PRIMSKOVO), "--depart",
                 "2027-01-02T08:00", language="en")
    assert after.output == "error: Testville has no timetable for 2 Jan 2027.\n"


# -- the service ------------------------------------------------------------------------------

def test_the_car_is_riderships_figure_and_the_bus_the_inventorys_diesel(feed, city):
    from zerocity.card.ridership import factors
    from zerocity.mobility.planner.transfers import haversine_m

    q = Query(NEAR_ZLATO_POLJE, NEAR_PRIMSKOVO, datetime(2026, 10, 20, 7, 30))
    it = journeys.plan_journey(city, q).itineraries[0]
    car = factors()
    km = float(haversine_m(*NEAR_ZLATO_POLJE, *NEAR_PRIMSKOVO)) / 1000
    # ridership's avoided emissions: passenger-km (straight line x detour) x kg per pkm
    assert it.car_co2e_g == round(km * car.detour * car.car_kg_per_pkm * 1000, 1)
    ef = journeys.emission_factors(city, 2026)
    assert ef.vehicle_kg_per_vkm["bus"] == pytest.approx(4.0 * 0.2708737, abs=1e-6)
    assert ef.vehicle_kg_per_vkm["trolleybus"] == pytest.approx(1.5 * 0.358, abs=1e-6)  # SI grid
    bus_km = sum(leg.distance_m for leg in it.legs if leg.mode == "bus") / 1000
    assert it.co2e_g == round(bus_km * 4.0 * 0.2708737 / 10 * 1000, 1)


def test_a_city_without_fare_rules_gets_journeys_without_a_fare(city):
    from zerocity.card.models import FareRuleSet

    import_journey_feed(city)
    FareRuleSet.objects.filter(city=city).delete()
    answer = journeys.plan_journey(city, Query(ZLATO_POLJE, PRIMSKOVO,
                                               datetime(2026, 10, 20, 7, 30)))
    assert answer.priced is False and answer.itineraries[0].fare is None
    assert journeys.to_json(answer)["itineraries"][0]["fare"] is None


def test_a_compiled_timetable_is_kept_in_memory_and_on_disk(feed, city):
    timetables.forget()
    day = date(2026, 10, 20)
    path = timetables.cache_path(feed, day, city.timezone)
    path.unlink(missing_ok=True)
    stale = path.with_name("2026-01-05-Europe_Ljubljana-0123456789ab.npz")  # long past
    writing = path.with_name(".another-writer.tmp.npz")
    for other in (stale, writing):
        other.parent.mkdir(parents=True, exist_ok=True)
        other.write_bytes(b"")
    first = timetables.compiled(feed, day, city.timezone)
    assert path.exists() and first.feed_hash == feed.sha256
    # a file of a date over a week past is removed, another process's file being written kept
    assert not stale.exists() and writing.exists()
    writing.unlink()
    assert timetables.compiled(feed, day, city.timezone) is first  # from memory
    timetables.forget()
    again = timetables.compiled(feed, day, city.timezone)  # from the file
    assert again is not first and again.trip_ids == first.trip_ids
    assert (again.arr == first.arr).all() and again.service_date == day
    path.write_bytes(b"not a timetable")  # a damaged file is compiled again
    timetables.forget()
    assert timetables.compiled(feed, day, city.timezone).trip_ids == first.trip_ids
