"""The Kranj demo's public transport: the GTFS feed of the 12 city bus lines and the KRsKOLESOM
bike-share files (``src/zerocity/demo/data/``), built from the public description of research
note mobility-upscale.md §1.2: 12 lines; lines 1 and 15 link the railway station and Planina
every 15 minutes on school days and every 30 in the holidays; lines 1, 7, 12 and 15 serve
"Kranj kolodvor", lines 2, 3 and 8 "Kranj ŽP"; KRsKOLESOM has 29 stations, 330 docks and 200
bikes, 75 of them e-bikes, its busiest stations Mestna knjižnica Kranj and Planina Otok.

The feed passes the project's own GTFS check without a notice, agrees with the card demo's
stops and lines, gives the journey planner a change where a resident needs one (Planina to
Stražišče, quoted one fare of EUR 1.00) and direct rides elsewhere, and is loaded once, with
its licence, however often the demo is loaded."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from zerocity.card import fares as card_fares
from zerocity.card.demo import HUB, ROUTES, VEHICLES
from zerocity.core.calendar import calendar_of
from zerocity.demo import transit
from zerocity.mobility.gtfs.validate import validate
from zerocity.mobility.planner import CardFares, Query, compile_timetable, plan
from zerocity.mobility.planner.timetable import active_services

ZONE = "Europe/Ljubljana"
Z = ZoneInfo(ZONE)
DATA = Path(__file__).resolve().parents[1] / "src/zerocity/demo/data"
SCHOOL_DAY = date(2027, 3, 3)  # a Wednesday in term
HOLIDAY = date(2027, 7, 7)  # a Wednesday in the summer holidays


def tables(files: dict[str, bytes] | None = None) -> dict[str, pd.DataFrame]:
    files = files or transit.feed_files()
    return {name[:-4]: pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False)
            for name, body in files.items()}


def kranj_fares() -> CardFares:
    rules = card_fares.load_rules(json.loads((DATA / "kranj_fares.json").read_text()), ZONE)
    return CardFares(rules, card_fares.decide, card_fares.Tap, card_fares.PriorTap)


def position(feed: dict[str, pd.DataFrame], stop: str) -> tuple[float, float]:
    row = feed["stops"].set_index("stop_id").loc[stop]
    return float(row["stop_lat"]), float(row["stop_lon"])


def seconds(clock: str) -> int:
    h, m, s = (int(x) for x in clock.split(":"))
    return h * 3600 + m * 60 + s


# -- the feed as data --------------------------------------------------------------------------

def test_the_committed_feed_passes_the_gtfs_check_without_a_single_notice():
    report = validate(transit.feed_zip(transit.feed_files()), today=transit.FIRST_DAY)
    assert report.errors == []
    assert report.warnings == []  # not even information: every column and file is known
    assert (report.start, report.end) == (date(2026, 12, 1), date(2027, 12, 31))
    assert {n for n in transit.feed_files()} == {
        "agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt",
        "calendar_dates.txt", "transfers.txt", "shapes.txt", "feed_info.txt"}


def test_the_twelve_lines_are_kranjs_with_the_published_stations_and_say_they_are_illustrative():
    feed = tables()
    routes = feed["routes"]
    assert len(routes) == 12 and routes["route_id"].tolist() == [
        "1", "2", "3", "4", "5", "6", "7", "8", "9", "11", "12", "15"]
    assert (routes["route_short_name"] == routes["route_id"]).all()
    assert routes["route_desc"].str.contains("illustrative, times made up").all()
    assert feed["agency"]["agency_name"].str.contains("Arriva").all()
    assert feed["agency"]["agency_name"].str.contains("illustrative").all()
    info = feed["feed_info"].iloc[0]
    assert "illustrative demo data, CC BY 4.0" in info["feed_publisher_name"]
    # which lines call where (research §1.2)
    calls = feed["stop_times"].merge(feed["trips"], on="trip_id")
    served = calls.groupby("stop_id")["route_id"].agg(lambda r: sorted(set(r), key=int))
    assert served["kolodvor"] == ["1", "7", "12", "15"]
    assert served["kranj-zp"] == ["2", "3", "8"]
    # the e-buses (MAN Lion's City E) run lines 1, 2, 3 and 15, low-floor: wheelchair
    # accessible; the other lines say nothing (0)
    e_bus = routes.loc[routes["route_desc"].str.contains("MAN Lion's City E"), "route_id"]
    assert e_bus.tolist() == ["1", "2", "3", "15"]
    accessible = feed["trips"].groupby("route_id")["wheelchair_accessible"].agg(set)
    assert all(accessible[r] == {"1"} for r in e_bus)
    assert all(accessible[r] == {"0"} for r in set(routes["route_id"]) - set(e_bus))


def test_the_bus_station_is_a_station_with_four_platforms_and_names_are_slovenian():
    stops = tables()["stops"].set_index("stop_id")
    assert stops.loc["ap-kranj", "location_type"] == "1"
    platforms = stops[stops["parent_station"] == "ap-kranj"]
    assert platforms.index.tolist() == ["ap-kranj-1", "ap-kranj-2", "ap-kranj-3", "ap-kranj-4"]
    assert platforms["platform_code"].tolist() == ["1", "2", "3", "4"]
    assert platforms.loc["ap-kranj-1", "stop_name"] == "Kranj AP, peron 1"
    # wheelchair boarding: the station says yes, three platforms inherit it (0), Orehek has no
    # raised kerb (2)
    assert stops.loc["ap-kranj", "wheelchair_boarding"] == "1"
    assert platforms["wheelchair_boarding"].tolist() == ["0", "0", "0", "1"]
    assert stops.loc["orehek", "wheelchair_boarding"] == "2"
    assert {"Stražišče", "Čirče", "Šorlijevo naselje", "Kranj ŽP"} <= set(stops["stop_name"])


def test_every_line_has_a_shape_through_its_stops_in_both_directions():
    feed = tables()
    shapes = feed["shapes"].assign(d=lambda s: s["shape_dist_traveled"].astype(float))
    trips = feed["trips"]
    assert set(trips["shape_id"]) == set(shapes["shape_id"])
    assert len(set(trips["shape_id"])) == 24
    for shape_id, points in shapes.groupby("shape_id"):
        assert points["d"].is_monotonic_increasing and len(points) >= 5, shape_id
    # a stop's distance along its trip is a point of the trip's shape
    calls = feed["stop_times"].merge(trips[["trip_id", "shape_id"]], on="trip_id")
    known = set(zip(shapes["shape_id"], shapes["shape_dist_traveled"], strict=True))
    assert all(pair in known for pair in zip(calls["shape_id"], calls["shape_dist_traveled"],
                                             strict=True))


# -- calendars -----------------------------------------------------------------------------------

def test_the_committed_calendars_are_what_the_rules_give_for_the_window():
    files = transit.feed_files()
    cal, dates = transit.service_calendars(transit.FIRST_DAY, transit.LAST_DAY,
                                           calendar_of(ZONE, "SI"))
    assert files["calendar.txt"].decode() == cal
    assert files["calendar_dates.txt"].decode() == dates


@pytest.mark.parametrize(("day", "services"), [
    (SCHOOL_DAY, {"SOL"}),
    (HOLIDAY, {"POC"}),
    (date(2027, 3, 6), {"SOB"}),  # a Saturday
    (date(2027, 3, 7), {"NED"}),  # a Sunday
    (date(2027, 3, 29), {"NED"}),  # Easter Monday: Sunday service
    (date(2027, 1, 2), {"NED"}),  # a Saturday, but New Year: Sunday service
    (date(2026, 12, 28), {"POC"}),  # between Christmas and New Year
    (date(2027, 2, 8), {"NED"}),  # Prešeren Day, a Monday
    (date(2027, 2, 24), {"POC"}),  # winter holidays
    (date(2027, 4, 28), {"POC"}),  # May Day holidays, not a public holiday
    (date(2027, 9, 1), {"SOL"}),  # the new school year
])
def test_school_days_holidays_and_public_holidays_each_get_their_service(day, services):
    assert active_services(tables(), day) == services


# -- what a rider gets -----------------------------------------------------------------------------

def departures(feed: dict[str, pd.DataFrame], day: date, stop: str, routes: set[str],
               direction: str) -> list[int]:
    running = active_services(feed, day)
    trips = feed["trips"]
    trips = trips[trips["route_id"].isin(routes) & trips["service_id"].isin(running)
                  & (trips["direction_id"] == direction)]
    calls = feed["stop_times"].merge(trips, on="trip_id")
    return sorted(seconds(t) for t in calls.loc[calls["stop_id"] == stop, "departure_time"])


@pytest.mark.parametrize(("day", "headway_min"), [(SCHOOL_DAY, 15), (HOLIDAY, 30)])
def test_lines_1_and_15_link_the_station_and_planina_every_15_minutes_in_term_30_in_holidays(
        day, headway_min):
    feed = tables()
    out = [t for t in departures(feed, day, "kolodvor", {"1", "15"}, "0")
           if 5 * 3600 <= t <= 21 * 3600]
    assert len(out) == 16 * 60 // headway_min + 1  # 05:00 to 21:00
    assert {b - a for a, b in zip(out, out[1:], strict=False)} == {headway_min * 60}
    back = [t for t in departures(feed, day, "planina", {"1", "15"}, "1")
            if 6 * 3600 <= t <= 21 * 3600]
    assert {b - a for a, b in zip(back, back[1:], strict=False)} == {headway_min * 60}
    # each line alone runs half as often: it takes both
    alone = [t for t in departures(feed, day, "kolodvor", {"1"}, "0") if t <= 21 * 3600]
    assert {b - a for a, b in zip(alone, alone[1:], strict=False)} == {2 * headway_min * 60}


def test_the_last_bus_after_the_last_train_runs_past_midnight_and_the_planner_finds_it():
    feed = tables()
    late = feed["stop_times"][feed["stop_times"]["arrival_time"] > "24:00:00"]
    assert set(late["trip_id"]) == {"1-SOL-0-2355", "1-POC-0-2355", "1-SOB-0-2355"}
    # given 00:01 on Thursday at Primskovo, the Wednesday trip of 23:55 is still coming
    thursday = SCHOOL_DAY + timedelta(days=1)
    tt = compile_timetable(feed, ZONE, thursday)
    result = plan(tt, Query(position(feed, "primskovo"), position(feed, "planina"),
                            datetime(2027, 3, 4, 0, 1, tzinfo=Z), max_walk_m=0))
    legs = result.itineraries[0].legs
    assert [(leg.trip, leg.depart.strftime("%H:%M"), leg.arrive.strftime("%d %H:%M"))
            for leg in legs] == [("1-SOL-0-2355", "00:03", "04 00:07")]


def test_planina_to_strazisce_needs_one_change_and_costs_one_fare_of_one_euro():
    feed = tables()
    tt = compile_timetable(feed, ZONE, SCHOOL_DAY)
    planina, strazisce = position(feed, "planina"), position(feed, "strazisce")
    query = Query(planina, strazisce, datetime(2027, 3, 3, 7, 15, tzinfo=Z))
    # no line runs from Planina to Stražišče: one vehicle is not enough
    assert plan(tt, Query(planina, strazisce, query.when, max_rounds=1)).no_journey
    result = plan(tt, query, fares=kranj_fares())
    first = result.itineraries[0]
    assert first.transfers == 1 and first.fare is not None
    assert [(leg.route_id, leg.origin.stop_id, leg.destination.stop_id,
             leg.depart.strftime("%H:%M"), leg.arrive.strftime("%H:%M"))
            for leg in first.legs] == [("15", "planina", "glavni-trg", "07:30", "07:40"),
                                       ("3", "glavni-trg", "strazisce", "07:46", "07:56")]
    # the change at Glavni trg is inside the 90-minute transfer: one fare, the day ticket's
    # EUR 1.00 (research §1.2, kranj_fares.json)
    assert first.fare == Decimal("1.00")
    assert first.taps[-1].at - first.taps[0].at < timedelta(minutes=90)
    # in the summer holidays the same change still works, every half hour
    holiday = plan(compile_timetable(feed, ZONE, HOLIDAY),
                   Query(planina, strazisce, datetime(2027, 7, 7, 7, 15, tzinfo=Z)),
                   fares=kranj_fares()).itineraries[0]
    assert holiday.transfers == 1 and holiday.fare == Decimal("1.00")
    assert holiday.arrive - holiday.depart <= timedelta(minutes=30)


@pytest.mark.parametrize(("origin", "destination", "route"), [
    ("planina", "kolodvor", "15"), ("glavni-trg", "strazisce", "3"),
    ("planina", "zlato-polje", "1"), ("kranj-zp", "drulovka", "2")])
def test_other_journeys_are_direct(origin, destination, route):
    feed = tables()
    tt = compile_timetable(feed, ZONE, SCHOOL_DAY)
    result = plan(tt, Query(position(feed, origin), position(feed, destination),
                            datetime(2027, 3, 3, 8, 0, tzinfo=Z), max_walk_m=0),
                  fares=kranj_fares())
    first = result.itineraries[0]
    assert first.transfers == 0 and [leg.route_id for leg in first.legs] == [route]
    assert first.fare == Decimal("1.00")


# -- the card demo agrees with the network --------------------------------------------------------

def test_the_card_demos_stops_and_lines_are_the_feeds_and_each_stop_is_on_its_line_in_order():
    feed = tables()
    stops = feed["stops"].set_index("stop_id")
    fallback = list(csv.DictReader(io.StringIO((DATA / "kranj_stops.txt").read_text())))
    # the stops file the card falls back on: the same ids, in the same places (to a metre)
    for row in fallback:
        assert row["stop_id"] in stops.index
        assert abs(float(row["stop_lat"]) - float(stops.loc[row["stop_id"], "stop_lat"])) \
            < 1e-5
        assert abs(float(row["stop_lon"]) - float(stops.loc[row["stop_id"], "stop_lon"])) \
            < 1e-5
        assert row["stop_name"] == stops.loc[row["stop_id"], "stop_name"]
    assert {s for route in ROUTES.values() for s in route} == {r["stop_id"] for r in fallback}
    assert set(ROUTES) <= set(feed["trips"]["route_id"]) and set(VEHICLES) == set(ROUTES)
    # a station stands for its platforms
    parent = stops["parent_station"].where(stops["parent_station"] != "", stops.index)
    calls = feed["stop_times"].merge(feed["trips"], on="trip_id").assign(
        place=lambda c: c["stop_id"].map(parent))
    for route, wanted in ROUTES.items():
        assert HUB in wanted
        orders = {tuple(group.sort_values("stop_sequence", key=lambda s: s.astype(int))["place"])
                  for _, group in calls[calls["route_id"] == route].groupby("trip_id")}
        assert any(_in_order(wanted, order) for order in orders), (route, wanted, orders)


def _in_order(wanted: tuple[str, ...], order: tuple[str, ...]) -> bool:
    at = iter(order)
    return all(stop in at for stop in wanted)


# -- the bike-share files --------------------------------------------------------------------------

def gbfs(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((DATA / "gbfs/kranj" / name).read_text(encoding="utf-8"))


def test_the_bike_share_is_gbfs_2_3_with_krskolesoms_published_totals():
    files = sorted(p.name for p in (DATA / "gbfs/kranj").iterdir())
    assert files == ["gbfs.json", "station_information.json", "station_status.json",
                     "system_information.json", "vehicle_types.json"]
    for name in files:
        doc = gbfs(name)
        assert doc["version"] == "2.3" and isinstance(doc["last_updated"], int)
        assert doc["ttl"] >= 0 and "data" in doc
    listed = gbfs("gbfs.json")["data"]["sl"]["feeds"]
    assert {f["name"] + ".json" for f in listed} == set(files) - {"gbfs.json"}
    system = gbfs("system_information.json")["data"]
    assert {k: system[k] for k in ("system_id", "language", "name", "timezone")} == {
        "system_id": "krskolesom", "language": "sl", "name": "KRsKOLESOM",
        "timezone": "Europe/Ljubljana"}
    assert system["license_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert system["_illustrative"] is True and "made up" in system["_attribution"]
    info = gbfs("station_information.json")["data"]["stations"]
    status = gbfs("station_status.json")["data"]["stations"]
    # 29 stations, 330 docks; of the 200 bikes, 182 docked (68 of the 75 e-bikes), 18 out
    assert len(info) == 29 and sum(s["capacity"] for s in info) == 330
    assert [s["station_id"] for s in status] == [s["station_id"] for s in info]
    assert all({"station_id", "name", "lat", "lon"} <= set(s) for s in info)
    assert all({"station_id", "num_bikes_available", "is_installed", "is_renting",
                "is_returning", "last_reported"} <= set(s) for s in status)
    assert sum(s["num_bikes_available"] for s in status) == 182
    by_type = {t: sum(v["count"] for s in status for v in s["vehicle_types_available"]
                      if v["vehicle_type_id"] == t) for t in ("kolo", "e-kolo")}
    assert by_type == {"kolo": 114, "e-kolo": 68}
    capacity = {s["station_id"]: s["capacity"] for s in info}
    for s in status:
        assert s["num_bikes_available"] == sum(v["count"] for v in s["vehicle_types_available"])
        assert (s["num_bikes_available"] + s["num_docks_available"] + s["num_docks_disabled"]
                == capacity[s["station_id"]])
    names = {s["name"] for s in info}
    assert {"Mestna knjižnica Kranj", "Planina Otok"} <= names
    # what a planner must handle: an empty station, a full one, one not renting
    assert {s["station_id"] for s in status if s["num_bikes_available"] == 0} == {
        "planina-sever"}
    assert {s["station_id"] for s in status if s["num_docks_available"] == 0} == {
        "savski-otok"}
    assert {s["station_id"] for s in status if not s["is_renting"]} == {"orehek"}
    e_bike = next(t for t in gbfs("vehicle_types.json")["data"]["vehicle_types"]
                  if t["vehicle_type_id"] == "e-kolo")
    assert e_bike["propulsion_type"] == "electric_assist" and e_bike["max_range_meters"] > 0


def test_the_committed_files_are_what_the_build_tool_writes():
    from zerocity.demo import transit_build

    for folder, files in (("gtfs/kranj", transit_build.gtfs_files()),
                          ("gbfs/kranj", transit_build.gbfs_files())):
        assert sorted(p.name for p in (DATA / folder).iterdir()) == sorted(files)
        for name, text in files.items():
            assert (DATA / folder / name).read_text(encoding="utf-8") == text, name


# -- loading the demo --------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_demo_loads_the_feed_once_with_its_licence_and_the_card_finds_its_stops(kranj):
    from zerocity.core.models import AuditLog
    from zerocity.mobility.models import FeedVersion
    from zerocity.mobility.selectors import feed_tables, unknown_codes, version_in_force

    version = version_in_force(kranj, SCHOOL_DAY)
    assert version is not None
    assert (version.start_date, version.end_date) == (transit.FIRST_DAY, transit.LAST_DAY)
    assert version.licence == "CC-BY-4.0"
    assert version.attribution.startswith("Illustrative demo data by ZeroCity, CC BY 4.0")
    assert version.counts["routes"] == 12 and version.warning_total == 0
    assert version.routes.count() == 12
    # what the planner reads is the committed files, value for value
    assert feed_tables(kranj, SCHOOL_DAY)["stop_times"].equals(tables()["stop_times"])
    # every stop and line the card demo's validators report is the timetable's
    for route, stops in ROUTES.items():
        for stop in stops:
            assert unknown_codes(kranj, SCHOOL_DAY, route, stop) == []
    # loading again changes nothing
    before = (FeedVersion.objects.count(), AuditLog.objects.count())
    again = transit.load_network(kranj, actor="test")
    assert again[0].endswith("(already there); CC-BY-4.0")
    assert (FeedVersion.objects.count(), AuditLog.objects.count()) == before


@pytest.mark.django_db
def test_a_later_day_gets_the_same_network_with_calendars_for_its_own_window(city):
    from zerocity.mobility.models import FeedVersion
    from zerocity.mobility.selectors import feed_tables, version_in_force

    report = transit.load_network(city, actor="test", today=date(2028, 1, 15))
    committed, later = FeedVersion.objects.filter(city=city).order_by("id")
    assert (committed.start_date, committed.end_date) == (date(2026, 12, 1), date(2027, 12, 31))
    assert (later.start_date, later.end_date) == (date(2027, 12, 1), date(2028, 12, 31))
    assert later.warning_total == 0 and len(report) == 2
    assert version_in_force(city, date(2027, 3, 3)) == committed
    assert version_in_force(city, date(2028, 3, 1)) == later
    feed = feed_tables(city, date(2028, 4, 17))
    assert active_services(feed, date(2028, 4, 17)) == {"NED"}  # Easter Monday 2028
    assert active_services(feed, date(2028, 4, 18)) == {"SOL"}
    assert feed["trips"].equals(tables()["trips"])  # the same network
    # the next day of the same window loads nothing new
    transit.load_network(city, actor="test", today=date(2028, 1, 16))
    assert FeedVersion.objects.filter(city=city).count() == 2


def test_the_archive_is_the_same_bytes_every_time():
    assert transit.feed_zip(transit.feed_files()) == transit.feed_zip(transit.feed_files())
    assert transit.window(date(2026, 12, 6)) == (date(2026, 12, 1), date(2027, 12, 31))
    assert transit.window(date(2027, 11, 30)) == (date(2026, 12, 1), date(2027, 12, 31))
    assert transit.window(date(2027, 12, 1)) == (date(2027, 12, 1), date(2028, 12, 31))
