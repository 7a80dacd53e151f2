"""Service statistics of a timetable (``mobility.service_stats`` on DuckDB) and the cost, energy,
CO2 and ridership arithmetic of a service (``mobility.service_costs``).

The hand-made feed (``FILES``), worked by hand:

- route A, weekdays (service WK): outbound s1 -> s2 -> s3 at 07:00, 07:15, 07:30, 08:00 and a
  night trip at 23:50 (arriving 24:10), inbound s3 -> s1 at 07:10 and 07:40; every trip 20
  minutes and 2,000 m by its stop_times' shape_dist_traveled (0, 1000, 2000);
- route B, weekdays, by frequencies.txt only: template B-f (exact_times=1) every 20 minutes
  from 06:00 before 07:00 (06:00, 06:20, 06:40), template B-g (exact_times=0) every 30 minutes
  from 09:00 before 10:00 (09:00, 09:30); 12 minutes each, s2 untimed (interpolated half way),
  no distances and no shape: the straight line s1 -> s2 -> s3, two 0.01-degree steps of
  longitude on latitude 46;
- Easter Monday 2026-04-06 removes WK (calendar_dates type 2) and adds HOL: one trip of route
  A at 10:00.

Research mobility-upscale.md §6 checks 2 (a holiday removal drops trips from the stats), 4
(frequencies expand; exact_times=1 equals the explicit timetable), 15 (bus-km and service hours
within 1 % of gtfs-kit), 21 (fleet CO2) and 23 (+20 % vehicle-km: +7.6 % / +13.6 %).
"""

from __future__ import annotations

import io
import json
import math
import warnings
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerocity.mobility import service_costs as costs
from zerocity.mobility import service_stats as ss
from zerocity.mobility.periods import DEFAULT_PERIODS, clock, clock_seconds

TUESDAY = date(2026, 1, 6)
SATURDAY = date(2026, 1, 10)
EASTER_MONDAY = date(2026, 4, 6)

FILES = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
                  "op,Operator (test),https://example.org,Europe/Ljubljana\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
                 "s1,One,46.0,14.00\ns2,Two,46.0,14.01\ns3,Three,46.0,14.02\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\n"
                  "A,op,A,One - Three,3\nB,op,B,One - Three by frequency,3\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                    "start_date,end_date\nWK,1,1,1,1,1,0,0,20260101,20261231\n",
    "calendar_dates.txt": "service_id,date,exception_type\nWK,20260406,2\nHOL,20260406,1\n",
    "trips.txt": "route_id,service_id,trip_id,direction_id\n"
                 "A,WK,A0700,0\nA,WK,A0715,0\nA,WK,A0730,0\nA,WK,A0800,0\nA,WK,Anight,0\n"
                 "A,WK,A0710,1\nA,WK,A0740,1\nA,HOL,Ahol,0\nB,WK,B-f,0\nB,WK,B-g,0\n",
    "frequencies.txt": "trip_id,start_time,end_time,headway_secs,exact_times\n"
                       "B-f,06:00:00,07:00:00,1200,1\nB-g,09:00:00,10:00:00,1800,0\n",
}


def _a_trip(trip: str, start: str, stops: tuple[str, str, str]) -> str:
    h, m = (int(x) for x in start.split(":"))
    t = h * 60 + m
    times = [t, t + 10, t + 20]
    return "".join(f"{trip},{clock(x * 60)},{clock(x * 60)},{stop},{i + 1},{i * 1000}\n"
                   for i, (x, stop) in enumerate(zip(times, stops, strict=True)))


OUT, IN = ("s1", "s2", "s3"), ("s3", "s2", "s1")
FILES["stop_times.txt"] = (
    "trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled\n"
    + _a_trip("A0700", "07:00", OUT) + _a_trip("A0715", "07:15", OUT)
    + _a_trip("A0730", "07:30", OUT) + _a_trip("A0800", "08:00", OUT)
    + _a_trip("Anight", "23:50", OUT) + _a_trip("A0710", "07:10", IN)
    + _a_trip("A0740", "07:40", IN) + _a_trip("Ahol", "10:00", OUT)
    + "B-f,06:00:00,06:00:00,s1,1,\nB-f,,,s2,2,\nB-f,06:12:00,06:12:00,s3,3,\n"
    + "B-g,09:00:00,09:00:00,s1,1,\nB-g,,,s2,2,\nB-g,09:12:00,09:12:00,s3,3,\n")


def tables(files: dict[str, str | bytes]) -> dict[str, pd.DataFrame]:
    return {name[:-4]: pd.read_csv(io.BytesIO(body if isinstance(body, bytes) else
                                              body.encode()), dtype=str, keep_default_na=False)
            for name, body in files.items()}


def explicit(files: dict[str, str]) -> dict[str, str]:
    """The same feed with frequencies.txt written out as one trip per run."""
    t = tables(files)
    trips, times = t["trips"], t["stop_times"]
    new_trips, new_st = [trips[~trips.trip_id.isin(t["frequencies"].trip_id)]], \
        [times[~times.trip_id.isin(t["frequencies"].trip_id)]]
    for _, f in t["frequencies"].iterrows():
        start, end = (clock_seconds(f[c][:5]) for c in ("start_time", "end_time"))
        template = times[times.trip_id == f.trip_id]
        first = clock_seconds(template.departure_time.iloc[0][:5])
        for run in range(start, end, int(f.headway_secs)):
            name = f"{f.trip_id}@{clock(run)}"
            row = trips[trips.trip_id == f.trip_id].assign(trip_id=name)
            new_trips.append(row)
            shifted = template.assign(trip_id=name)
            for col in ("arrival_time", "departure_time"):
                shifted[col] = [clock(clock_seconds(v[:5]) + run - first) if v else ""
                                for v in template[col]]
            new_st.append(shifted)
    out = dict(files)
    del out["frequencies.txt"]
    out["trips.txt"] = pd.concat(new_trips).to_csv(index=False)
    out["stop_times.txt"] = pd.concat(new_st).to_csv(index=False)
    return out


def stats(day: date, files: dict[str, str] = FILES, **kw: object) -> ss.ServiceStats:
    return ss.compute(ss.open_tables(tables(files)), day, **kw)  # type: ignore[arg-type]


def route(result: ss.ServiceStats, rid: str) -> ss.RouteStats:
    (r,) = [r for r in result.routes if r.route_id == rid]
    return r


def gc_km(lon_step: float, lat: float = 46.0) -> float:
    """Great-circle length of a step of longitude on a parallel (the haversine formula)."""
    h = math.cos(math.radians(lat)) ** 2 * math.sin(math.radians(lon_step) / 2) ** 2
    return 2 * ss.EARTH_KM * math.asin(math.sqrt(h))


# -- per route ---------------------------------------------------------------------------------

def test_given_a_weekday_when_stats_are_computed_then_route_a_is_as_worked_by_hand():
    a = route(stats(TUESDAY), "A")
    assert (a.trips, clock(a.first_departure), clock(a.last_departure),
            clock(a.last_arrival)) == (7, "07:00:00", "23:50:00", "24:10:00")
    # 07:00-09:00: outbound gaps 15, 15, 30, inbound 30
    assert a.headways["07-09"] == ss.Headway(15, 22.5, 30)
    window = route(stats(TUESDAY, periods=(ss.GTFS_KIT_WINDOW,)), "A").headways
    assert window == {"07-19": ss.Headway(15, 22.5, 30)}  # gtfs-kit's headway window
    assert a.headways["05-07"] is None and a.headways["17-22"] is None
    # 07:15-07:20: the 07:00, 07:10 and 07:15 trips are under way
    assert a.peak_vehicles == 3
    assert a.service_hours == pytest.approx(7 * 20 / 60, abs=1e-12)
    assert a.bus_km == pytest.approx(14.0, abs=1e-12)
    assert a.distance_source == "stop_times.shape_dist_traveled"
    assert a.speed_kmh == pytest.approx(6.0)
    assert stats(TUESDAY).dist_unit == "m"


def test_given_frequencies_when_stats_are_computed_then_each_run_is_a_trip():
    b = route(stats(TUESDAY), "B")
    assert b.trips == 5  # 06:00, 06:20, 06:40 (not 07:00: before end_time), 09:00, 09:30
    assert (clock(b.first_departure), clock(b.last_departure)) == ("06:00:00", "09:30:00")
    assert b.headways["05-07"] == ss.Headway(20, 20, 20)
    assert b.headways["09-14"] == ss.Headway(30, 30, 30)
    assert b.headways["07-09"] is None
    assert b.peak_vehicles == 1
    assert b.service_hours == pytest.approx(1.0)
    assert b.bus_km == pytest.approx(5 * 2 * gc_km(0.01), rel=1e-12)
    assert b.distance_source == "straight line between stops"


def test_frequencies_with_exact_times_equal_the_explicit_timetable():
    with_freq, written = stats(TUESDAY, stops=True), stats(TUESDAY, explicit(FILES), stops=True)
    assert with_freq.routes == written.routes
    assert with_freq.stops == written.stops
    assert with_freq.network == written.network


def test_the_network_adds_the_routes_and_counts_vehicles_at_once():
    n = stats(TUESDAY).network
    assert (n.routes, n.trips, n.stops, n.peak_vehicles) == (2, 12, 3, 3)
    assert (clock(n.first_departure), clock(n.last_arrival)) == ("06:00:00", "24:10:00")
    assert n.service_hours == pytest.approx(140 / 60 + 1.0)
    assert n.bus_km == pytest.approx(14.0 + 10 * gc_km(0.01), rel=1e-12)


def test_per_stop_departures_and_headways_include_interpolated_times():
    (two,) = [s for s in stats(TUESDAY, stops=True).stops if s.stop_id == "s2"]
    assert (two.stop_name, two.routes, two.departures) == ("Two", 2, 12)
    # B's untimed s2 lies half way: 06:06 first
    assert (clock(two.first_departure), clock(two.last_departure)) == ("06:06:00",
                                                                             "24:00:00")
    # 07:10, 07:20, 07:25, 07:40, 07:50, 08:10 at s2 in both directions
    assert two.headways["07-09"] == ss.Headway(5, 12, 20)
    assert two.headways["05-07"] == ss.Headway(20, 20, 20)  # B at 06:06, 06:26, 06:46


def test_one_route_only_makes_the_network_that_route():
    result = stats(TUESDAY, route_id="B")
    assert [r.route_id for r in result.routes] == ["B"]
    assert (result.network.trips, result.network.routes) == (5, 1)


# -- service dates -----------------------------------------------------------------------------

def test_a_holiday_removal_drops_the_weekday_trips_and_the_added_service_runs():
    result = stats(EASTER_MONDAY)
    assert [(r.route_id, r.trips) for r in result.routes] == [("A", 1)]
    assert clock(result.routes[0].first_departure) == "10:00:00"


def test_a_trip_past_midnight_counts_on_its_service_date_only():
    assert route(stats(TUESDAY), "A").last_arrival == 24 * 3600 + 600
    assert route(stats(date(2026, 1, 7)), "A").trips == 7  # not Tuesday's night trip as well
    saturday = stats(SATURDAY)  # Friday's 23:50 runs to 00:10 on Saturday: Friday's
    assert saturday.routes == [] and saturday.network.trips == 0
    assert saturday.network.peak_vehicles == 0


def test_distances_in_kilometres_are_recognised_and_shapes_come_before_straight_lines():
    km = dict(FILES)
    km["stop_times.txt"] = FILES["stop_times.txt"].replace(",1000\n", ",1.0\n").replace(
        ",2000\n", ",2.0\n")
    assert route(stats(TUESDAY, km), "A").bus_km == pytest.approx(14.0)
    assert stats(TUESDAY, km).dist_unit == "km"
    shaped = dict(FILES)
    shaped["trips.txt"] = FILES["trips.txt"].replace("trip_id,direction_id",
                                                     "trip_id,direction_id,shape_id")
    shaped["trips.txt"] = "\n".join(line + ("" if line.startswith("route_id") else
                                            ",sb" if line.startswith("B") else ",")
                                    for line in shaped["trips.txt"].splitlines()) + "\n"
    shaped["shapes.txt"] = ("shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
                            "sb,46.0,14.00,1\nsb,46.001,14.01,2\nsb,46.0,14.02,3\n")
    b = route(stats(TUESDAY, shaped), "B")
    assert b.distance_source == "shapes"
    assert b.bus_km is not None and b.bus_km > 5 * 2 * gc_km(0.01)
    with pytest.raises(ValueError, match="'yd' is not a distance unit"):
        stats(TUESDAY, dist_unit="yd")


def test_headways_are_given_for_the_shared_periods_of_the_day_by_default():
    # the loads' and the optimiser's periods (mobility.periods), not gtfs-kit's 07-19 window
    result = stats(TUESDAY)
    assert result.periods == DEFAULT_PERIODS
    assert list(route(result, "A").headways) == ["05-07", "07-09", "09-14", "14-17", "17-22"]
    assert ss.to_json(result)["periods"][1] == {"name": "07-09", "start": "07:00:00",
                                                 "end": "09:00:00", "peak": True}


# -- gtfs-kit cross-checks (research §6 check 15) ---------------------------------------------

def _gtfs_kit_route_stats(files: dict[str, str] | dict[str, bytes], day: date,
                          folder: Path) -> pd.DataFrame:
    gk = pytest.importorskip("gtfs_kit", reason="gtfs-kit is in the test extra")
    for name, body in files.items():
        (folder / name).write_bytes(body if isinstance(body, bytes) else body.encode())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        feed = gk.read_feed(folder, dist_units="m")
        trip_stats = gk.compute_trip_stats(feed)
        return gk.compute_route_stats(feed, [day.strftime("%Y%m%d")],
                                      trip_stats=trip_stats).set_index("route_id")


def _agrees(mine: ss.ServiceStats, theirs: pd.DataFrame, *, km: bool = True) -> None:
    assert sorted(r.route_id for r in mine.routes) == sorted(theirs.index)
    for r in mine.routes:
        g = theirs.loc[r.route_id]
        assert r.trips == g.num_trips
        assert clock(r.first_departure) == g.start_time
        assert clock(r.last_arrival) == g.end_time  # every last stop without dwell
        assert r.peak_vehicles == g.peak_num_trips
        window = r.headways["07-19"]
        if pd.isna(g.mean_headway):
            assert window is None
        else:
            assert window is not None
            assert (window.min, window.mean, window.max) == pytest.approx(
                (g.min_headway, g.mean_headway, g.max_headway), abs=1e-9)
        assert r.service_hours == pytest.approx(g.service_duration, rel=0.01)
        if km:
            assert r.bus_km == pytest.approx(g.service_distance, rel=0.01)


def test_the_hand_made_feed_agrees_with_gtfs_kit(tmp_path):
    # gtfs-kit reads no frequencies.txt: it gets the runs written out
    theirs = _gtfs_kit_route_stats(explicit(FILES), TUESDAY, tmp_path)
    mine = stats(TUESDAY, periods=(ss.GTFS_KIT_WINDOW,))
    _agrees(mine, theirs, km=False)
    # gtfs-kit takes shape_dist_traveled or nothing: route B (none) has no distance there
    assert route(mine, "A").bus_km == pytest.approx(theirs.loc["A"].service_distance,
                                                    rel=1e-12)
    assert pd.isna(theirs.loc["B"].service_distance)


@pytest.mark.parametrize("day", [date(2027, 3, 3), date(2027, 7, 7), date(2027, 3, 6)],
                         ids=["school-day", "summer-holiday", "saturday"])
def test_the_kranj_demo_feed_agrees_with_gtfs_kit(tmp_path, day):
    from zerocity.demo import transit

    files = transit.feed_files()
    mine = ss.compute(ss.open_tables(tables(files)), day,  # type: ignore[arg-type]
                      periods=(ss.GTFS_KIT_WINDOW,))
    assert mine.network.trips > 100
    assert {r.distance_source for r in mine.routes} == {"stop_times.shape_dist_traveled"}
    _agrees(mine, _gtfs_kit_route_stats(files, day, tmp_path))


def test_kranj_lines_1_and_15_run_half_as_often_in_the_school_holidays():
    # research §1.2 and §6 check 2: together every 15 minutes on school days, every 30 in the
    # holidays; each line in each direction every 30, then every 60
    from zerocity.demo import transit

    feed = tables(transit.feed_files())  # type: ignore[arg-type]
    for day, every in ((date(2027, 3, 3), 30), (date(2027, 7, 7), 60)):
        result = ss.compute(ss.open_tables(feed), day)
        for line in ("1", "15"):
            assert route(result, line).headways["07-09"] == ss.Headway(every, every, every)


# -- costs, energy, CO2, ridership -----------------------------------------------------------

def test_operating_cost_is_hours_and_kilometres_at_the_citys_rates():
    rates = costs.CostRates(per_bus_hour=Decimal("50.00"), per_bus_km=Decimal("1.10"))
    cost = costs.operating_cost(Decimal("2.5"), Decimal("40.35"), rates)
    assert (cost.hours.amount, cost.distance.amount, cost.total.amount) == (
        Decimal("125.00"), Decimal("44.38"), Decimal("169.38"))  # 44.385 to even
    with pytest.raises(ValueError, match="per_bus_km"):
        costs.CostRates(per_bus_km=Decimal("-1"))


def test_fleet_energy_puts_diesel_in_ii_1_1_and_battery_electricity_in_ii_1_2():
    # 1,000 bus-km, a quarter by battery buses: 750 km x 40 l/100 km = 300 l x 10 kWh/l =
    # 3 MWh x 0.267 = 0.801 t; 250 km x 1.25 kWh/km = 0.3125 MWh x 0.358 = 0.111875 t
    e = costs.fleet_energy(Decimal("1000"), Decimal("0.25"))
    assert (e.diesel_km, e.battery_km, e.diesel_litres) == (Decimal("750"), Decimal("250"),
                                                            Decimal("300"))
    assert (e.diesel_mwh, e.battery_mwh) == (Decimal("3"), Decimal("0.3125"))
    assert e.gpc == {"II.1.1": Decimal("0.801"), "II.1.2": Decimal("0.111875")}
    assert e.t_co2 == Decimal("0.912875")
    # research §5: 0.93-1.20 kg CO2/km diesel, 0.36-0.54 kg/km battery
    low, _, high = costs.fleet_energy_range(Decimal("1"), Decimal("0"))
    assert (low.t_co2 * 1000, high.t_co2 * 1000) == (Decimal("0.93450"), Decimal("1.20150"))
    low, _, high = costs.fleet_energy_range(Decimal("1"), Decimal("1"))
    assert (low.t_co2 * 1000, high.t_co2 * 1000) == (Decimal("0.358"), Decimal("0.537"))
    with pytest.raises(ValueError, match="fraction from 0 to 1"):
        costs.fleet_energy(Decimal("1"), Decimal("1.5"))


def test_twenty_percent_more_vehicle_km_gives_7_6_and_13_6_percent_more_riders():
    r = costs.ridership_response(Decimal("0.20"))
    assert (costs.percent(r.short_run), costs.percent(r.long_run)) == (Decimal("7.6"),
                                                                       Decimal("13.6"))
    assert (r.short_elasticity, r.long_elasticity) == (Decimal("0.4"), Decimal("0.7"))
    assert "TRL593" in r.source and "Paulley" in r.source
    assert costs.ridership_response(Decimal("0")).long_run == 0
    with pytest.raises(ValueError):
        costs.ridership_response(Decimal("-1"))


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 100))
def test_fleet_co2_adds_up_over_bus_km(a, b, share_pct):
    share = Decimal(share_pct) / 100
    whole = costs.fleet_energy(Decimal(a + b), share)
    parts = [costs.fleet_energy(Decimal(x), share) for x in (a, b)]
    assert whole.gpc == {row: parts[0].gpc[row] + parts[1].gpc[row] for row in whole.gpc}


@given(st.decimals(Decimal("-0.9"), Decimal("3"), places=2))
def test_ridership_moves_with_service_and_further_in_the_long_run(change):
    r = costs.ridership_response(change)
    assert (r.short_run > 0) == (change > 0) and (r.long_run > 0) == (change > 0)
    assert abs(r.short_run) <= abs(r.long_run)


# -- the command line and the API ---------------------------------------------------------------

def feed_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, body in sorted(files.items()):
            zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), body)
    return buf.getvalue()


@pytest.fixture
def imported(city):  # type: ignore[no-untyped-def]
    from zerocity.mobility import services

    return services.import_feed(city, feed_zip(FILES), filename="stats.zip",
                                today=date(2026, 1, 1), actor="test").value


def run_cli(*args: str):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from zerocity.cli import main

    return CliRunner().invoke(main, ["mobility", "stats", "--city", "testville", *args])


@pytest.mark.django_db
def test_the_command_line_and_the_api_give_the_same_json(imported):
    from django.test import Client

    result = run_cli("--date", "2026-01-06", "--stops", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    a = body["routes"][0]
    assert {k: a[k] for k in ("route_id", "trips", "first_departure", "last_departure",
                              "peak_vehicles", "service_hours", "bus_km", "speed_kmh")} == {
        "route_id": "A", "trips": 7, "first_departure": "07:00:00",
        "last_departure": "23:50:00", "peak_vehicles": 3, "service_hours": 2.333,
        "bus_km": 14.0, "speed_kmh": 6.0}
    assert a["headways"]["07-09"] == {"min": 15.0, "mean": 22.5, "max": 30.0}
    assert body["network"]["trips"] == 12 and len(body["stops"]) == 3
    assert body["feed"]["version"] == imported.pk
    api = Client().get("/api/v1/cities/testville/mobility/stats?date=2026-01-06&stops=true")
    assert api.status_code == 200, api.content
    assert api.json() == body
    # and asked again, the answer comes from the cache without DuckDB
    from unittest import mock

    from zerocity.mobility import service_stats

    with mock.patch.object(service_stats, "open_folder", side_effect=AssertionError):
        again = Client().get("/api/v1/cities/testville/mobility/stats?date=2026-01-06"
                             "&stops=true")
    assert again.json() == body
    # while a new version in force is a new question: its stops renamed
    from zerocity.mobility import services

    renamed = {**FILES, "stops.txt": FILES["stops.txt"].replace("s3,Three", "s3,Trije")}
    later = services.import_feed(imported.city, feed_zip(renamed), filename="renamed.zip",
                                 today=date(2026, 1, 1), actor="test").value
    fresh = Client().get("/api/v1/cities/testville/mobility/stats?date=2026-01-06&stops=true")
    assert fresh.json()["feed"]["version"] == later.pk != imported.pk
    assert "Trije" in {s["stop_name"] for s in fresh.json()["stops"]}
    text = run_cli("--date", "2026-01-06", "--route", "B")
    assert text.exit_code == 0, text.output
    assert "route B (B): 5 trips 06:00:00-09:30:00, peak 1 vehicles" in text.output


@pytest.mark.django_db
@pytest.mark.usefixtures("in_english")
def test_refusals_are_clear_errors(city, imported):
    from django.test import Client

    past = run_cli("--date", "2027-01-04")
    assert past.exit_code == 1
    assert "runs only until 2026-12-31: choose a date from 2026-01-01 to 2026-12-31" in \
        past.output
    before = run_cli("--date", "2025-12-01")
    assert before.exit_code == 1 and "has no timetable in force on 2025-12-01" in before.output
    unknown = run_cli("--date", "2026-01-06", "--route", "Z")
    assert unknown.exit_code == 1 and "has no route Z" in unknown.output
    bad = run_cli("--date", "2026-01-06", "--periods", "morning")
    assert bad.exit_code == 2 and "period 'morning': write it as 07-09" in bad.output
    api = Client().get("/api/v1/cities/testville/mobility/stats?date=2027-01-04")
    assert api.status_code == 404
    assert Client().get("/api/v1/cities/testville/mobility/stats?date=2026-01-06"
                        "&periods=x").status_code == 400


@pytest.mark.django_db
def test_a_city_without_a_feed_is_refused(city):
    result = run_cli("--date", "2026-01-06")
    assert result.exit_code == 1 and "error:" in result.output
