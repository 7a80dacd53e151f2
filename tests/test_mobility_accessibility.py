"""Accessibility (research mobility-upscale.md §4 "Accessibility", §6 check 17): cumulative
opportunities within 30 and 45 minutes from each grid cell, as percentiles over the departure
minutes of a window; the compiled range RAPTOR held to a one-to-all connection scan per
minute; the opportunities file's import; the stored result on the command line and the API."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, time

import numpy as np
import pytest
from click.testing import CliRunner
from django.test import Client

from journey_feeds import import_journey_feed
from planner_feeds import Feed, random_feed
from zerocity.mobility.access import compute, kernels
from zerocity.mobility.access.opportunities import (
    Grid,
    Opportunities,
    OpportunitiesInvalid,
    parse,
)
from zerocity.mobility.access.oracle import OneToAll
from zerocity.mobility.planner.timetable import compile_timetable

ZONE = "Europe/Ljubljana"
DAY = date(2026, 3, 2)  # a Monday: the fixtures' "WK" service runs


# -- a hand-worked line ---------------------------------------------------------------------
#
# One row of 250 m cells along a parallel; stops A, B, C at the centres of cells 0, 20 and 40
# (5 km apart); a bus A 0' -> B 10' -> C 20' leaving A at 07:10, 07:40, 08:10, 08:40 and 09:10.
# Opportunities: 100 residents at A, 50 jobs at B, 7 jobs and a school at C, 3 jobs and 2
# health centres at D (cell 43, 750 m past C: walked 975 m, 750 s, within the 1,000 m egress).
# From A, leaving at a minute with w minutes to wait: B in w + 10, C in w + 20, D in w + 32.5.
# Over 07:00-08:59 the waits are 10..0 (11 minutes), three times 29..0, then 29..11 (19).

def _line() -> tuple[dict, Opportunities, Grid]:  # type: ignore[type-arg]
    lat0, lon0 = 46.2389, 14.3556
    probe = Grid(lat0, lon0, 250.0, 1, 1)
    lat = lat0 + probe.dlat / 2

    def lon(cell: int) -> float:
        return lon0 + (cell + 0.5) * probe.dlon

    rows = [[lat0, lon0, 0, 0, 0, 0], [lat, lon(0), 100, 0, 0, 0], [lat, lon(20), 0, 50, 0, 0],
            [lat, lon(40), 0, 7, 1, 0], [lat, lon(43), 0, 3, 0, 2]]
    opp = Opportunities.from_rows(["residents", "jobs", "schools", "health"], rows,
                                  ["SYNTHETIC test line"])
    f = Feed().calendar("WK")
    for name, cell in (("A", 0), ("B", 20), ("C", 40)):
        f.tables["stops"].append({"stop_id": name, "stop_name": name, "stop_lat": f"{lat:.9f}",
                                  "stop_lon": f"{lon(cell):.9f}"})
    for h, m in ((7, 10), (7, 40), (8, 10), (8, 40), (9, 10)):
        t = h * 3600 + m * 60
        f.trip("L", f"L-{h}{m}", [("A", t), ("B", t + 600), ("C", t + 1200)])
    return f.build(), opp, Grid.covering(opp.lat, opp.lon, 250.0)


def _waits() -> list[int]:
    return [*range(10, -1, -1), *list(range(29, -1, -1)) * 3, *range(29, 10, -1)]


def test_given_a_line_every_30_minutes_when_computed_then_each_minute_reaches_what_the_wait_allows():
    tables, opp, grid = _line()
    r = compute.accessibility(tables, ZONE, DAY, opp, keep_samples=True)
    assert (r.grid.rows, r.grid.cols) == (1, 44) and r.grid == grid
    assert r.draws == 1 and len(r.minutes) == 120
    assert r.minutes[0] == datetime(2026, 3, 2, 7, 0, tzinfo=r.minutes[0].tzinfo)
    assert r.samples is not None
    a = r.samples[0]  # cell 0 (stop A): [minute, kind, limit]
    waits = _waits()
    assert len(waits) == 120
    jobs = r.kinds.index("jobs")
    for m, w in enumerate(waits):
        assert a[m, 0].tolist() == [100, 100]  # residents: A's own cell, walked 0 s
        assert a[m, jobs, 0] == 50 * (w <= 20) + 7 * (w <= 10), m
        assert a[m, jobs, 1] == 50 + 7 * (w <= 25) + 3 * (w <= 12), m
        assert a[m, 2].tolist() == [int(w <= 10), int(w <= 25)]  # the school at C
        assert a[m, 3].tolist() == [0, 2 * (w <= 12)]  # the health centres at D
    # 30 min jobs: 36 minutes 0, 40 minutes 50, 44 minutes 57; 45 min: 16 x 50, 52 x 57, 52 x 60
    assert r.percentiles[0, jobs, 0].tolist() == [0, 0, 50, 57, 57]
    assert r.percentiles[0, jobs, 1].tolist() == [50, 57, 57, 60, 60]
    # schools within 45 minutes: 104 minutes 1, 16 minutes 0 -> p5 at rank 5.95 is 0
    assert r.percentiles[0, 2, 1].tolist() == [0, 1, 1, 1, 1]


def test_given_the_line_when_summarised_then_the_city_figure_is_weighted_by_residents():
    tables, opp, _ = _line()
    r = compute.accessibility(tables, ZONE, DAY, opp)
    # only cell 0 has residents: the city-wide figures are cell 0's
    assert r.weighted()["jobs"]["30"] == {"p5": 0.0, "p25": 0.0, "p50": 50.0, "p75": 57.0,
                                          "p95": 57.0}
    cells = compute.per_cell(r)
    assert cells[0]["cell"] == "r0c0" and cells[43]["cell"] == "r0c43"
    assert cells[43]["here"] == {"residents": 0, "jobs": 3, "schools": 0, "health": 2}
    assert cells[0]["access"]["jobs"]["45"] == {"p5": 50, "p25": 57, "p50": 57, "p75": 60,
                                                "p95": 60}


def test_percentiles_are_numpy_linear_ones_and_p50_is_the_median_exactly():
    values = np.asarray([3, 1, 4, 1, 5, 9, 2, 6], dtype=np.int64)  # sorted 1 1 2 3 4 5 6 9
    samples = values.reshape(1, -1, 1, 1)
    got = compute.percentiles(samples)[0, 0, 0].tolist()
    assert got[2] == 3.5 == float(np.median(values))
    # rank p/100 x 7: 0.35 -> 1, 1.75 -> 1.75, 5.25 -> 5.25, 6.65 -> 6 + 0.65 x 3
    assert got == pytest.approx([1.0, 1.75, 3.5, 5.25, 7.95])


# -- the compiled range RAPTOR against the connection scan ----------------------------------

def _minutes(tt, start: time, end: time) -> list[int]:  # type: ignore[no-untyped-def]
    return [tt.seconds(m) for m in compute.minutes_of(DAY, ZONE, start, end)]


@pytest.mark.parametrize("seed", range(12))
def test_rraptor_arrivals_equal_a_connection_scan_per_minute_on_random_feeds(seed):
    tt = compile_timetable(random_feed(seed), ZONE, DAY, radius_m=350, closure_m=700)
    settings = compute.Settings(max_walk_m=700)
    net, walks = compute.network_arrays(tt, settings.slack_s, settings.max_walk_m)
    oracle = OneToAll(tt, settings.slack_s, settings.max_walk_m)
    rnd = random.Random(seed)
    minutes = _minutes(tt, time(6, 30), time(9, 0))
    mismatches = 0
    for _ in range(6):
        access = [(s, rnd.randint(0, 600)) for s in rnd.sample(range(tt.n_stops), 3)]
        rides = rnd.randint(1, 4)
        ea = kernels.ride_arrivals(net, walks, np.asarray([a for a, _ in access], np.int64),
                                   np.asarray([b for _, b in access], np.int64),
                                   np.asarray(minutes, np.int64), 2700, rides)
        for i, m in enumerate(minutes):
            mismatches += ea[i].tolist() != oracle.arrivals(access, m, m + 2700, rides)
    assert mismatches == 0


@pytest.mark.parametrize("seed", range(4))
def test_reachable_counts_equal_the_oracles_for_every_cell_and_minute(seed):
    tables = random_feed(seed, rules=False)
    tt = compile_timetable(tables, ZONE, DAY)
    rnd = random.Random(seed)
    rows = [[float(tt.lat[s]) + rnd.uniform(-0.004, 0.004),
             float(tt.lon[s]) + rnd.uniform(-0.004, 0.004), rnd.randint(0, 50),
             rnd.randint(0, 30)] for s in range(tt.n_stops)]
    opp = Opportunities.from_rows(["residents", "jobs"], rows, [])
    settings = compute.Settings(start=time(7), end=time(7, 40), cell_m=400)
    r = compute.accessibility(tables, ZONE, DAY, opp, settings, timetable=tt,
                              keep_samples=True)
    assert r.samples is not None and r.draws == 1
    cell_opp = r.cell_opportunities
    dest = np.nonzero(cell_opp.sum(axis=1) > 0)[0]
    lat, lon = r.grid.centres()
    lay = compute.layout(tt, lat, lon, lat[dest], lon[dest], max_walk_m=settings.max_walk_m,
                         max_direct_s=2700)
    oracle = OneToAll(tt, settings.slack_s, settings.max_walk_m)
    minutes = _minutes(tt, time(7), time(7, 40))
    mismatches = 0
    for o in range(r.grid.n_cells):
        for i, m in enumerate(minutes):
            want = oracle.counts(lay, o, cell_opp[dest], m, [1800, 2700], 3)
            mismatches += r.samples[o, i].tolist() != want
    assert mismatches == 0


# -- frequency-based routes: random phases with a fixed seed ---------------------------------

def _headway_feed(exact: int) -> dict:  # type: ignore[type-arg]
    f = Feed().calendar("WK").stop("A", 0).stop("B", 4000).stop("C", 8000)
    f.trip("F", "F-1", [("A", "07:00:00"), ("B", "07:12:00"), ("C", "07:24:00")])
    f.frequency("F-1", "06:30:00", "09:30:00", 1200, exact)
    return f.build()


def _stops_opp(tables: dict) -> Opportunities:  # type: ignore[type-arg]
    stops = tables["stops"]
    rows = [[float(a), float(b), 10, 5] for a, b in zip(stops["stop_lat"], stops["stop_lon"],
                                                         strict=True)]
    return Opportunities.from_rows(["residents", "jobs"], rows, [])


def test_given_a_headway_based_route_then_the_same_seed_gives_the_same_percentiles():
    tables = _headway_feed(exact=0)
    opp = _stops_opp(tables)
    settings = compute.Settings(seed=7)
    one = compute.accessibility(tables, ZONE, DAY, opp, settings, keep_samples=True)
    two = compute.accessibility(tables, ZONE, DAY, opp, settings, keep_samples=True)
    other = compute.accessibility(tables, ZONE, DAY, opp, compute.Settings(seed=8),
                                  keep_samples=True)
    assert one.draws == 5 and one.headway_based == 1
    assert one.samples is not None and one.samples.shape[1] == 5 * 120
    assert np.array_equal(one.percentiles, two.percentiles)
    assert np.array_equal(one.samples, two.samples)
    assert other.samples is not None and not np.array_equal(one.samples, other.samples)
    # p50 is the median of the per-minute (and per-draw) values, exactly
    assert np.array_equal(one.percentiles[..., 2], np.median(one.samples, axis=1))


def test_given_exact_times_then_no_phase_is_drawn():
    tables = _headway_feed(exact=1)
    r = compute.accessibility(tables, ZONE, DAY, _stops_opp(tables))
    assert (r.draws, r.headway_based) == (1, 0)


def test_a_headway_based_trip_that_does_not_run_that_day_draws_nothing():
    tables = _headway_feed(exact=0)
    sunday = date(2026, 3, 8)  # "WK" runs every day: take it off Saturday and Sunday
    tables["calendar"].loc[0, ["saturday", "sunday"]] = "0"
    assert compute.headway_rows(tables, sunday).tolist() == [False]
    assert compute.headway_rows(tables, date(2026, 3, 9)).tolist() == [True]  # Monday
    assert compute.headway_rows(tables, DAY).tolist() == [True]


def test_a_phase_moves_a_frequency_window_by_less_than_its_headway():
    tables = _headway_feed(exact=0)
    moved = compute.with_phases(tables, np.random.default_rng(3))["frequencies"]
    start = moved["start_time"].iloc[0]
    h, m, s = (int(x) for x in start.split(":"))
    assert 0 <= (h * 3600 + m * 60 + s) - 6.5 * 3600 < 1200
    assert tables["frequencies"]["start_time"].iloc[0] == "06:30:00"  # the input is untouched


# -- the opportunities file -------------------------------------------------------------------

def test_a_file_with_notes_and_counts_is_read_and_labelled_synthetic():
    got = parse(b"# SYNTHETIC: made up\nlat,lon,residents,jobs,name\n46.2,14.3,10,2,x\n"
                b"46.21,14.31,,7,y\n")
    assert got.kinds == ("residents", "jobs") and got.synthetic
    assert got.totals() == {"residents": 10, "jobs": 9}
    assert got.notes == ("SYNTHETIC: made up",)


def test_every_bad_value_is_named_with_its_line_and_column():
    with pytest.raises(OpportunitiesInvalid) as exc:
        parse(b"# note\nlat,lon,jobs\n46.2,14.3,1\n95,14.3,2\n46.2,east,3\n46.2,14.3,-1\n"
              b"46.2,14.3,2.5\n46.2,14.3\n")
    assert [str(p) for p in exc.value.problems] == [
        'line 4, column lat: "95" is not a latitude between -90 and 90',
        'line 5, column lon: "east" is not a longitude between -180 and 180',
        'line 6, column jobs: "-1" is not a whole number >= 0',
        'line 7, column jobs: "2.5" is not a whole number >= 0',
        "line 8, 2 values for 3 columns"]


def test_a_file_without_positions_or_counts_is_refused_in_one_go():
    with pytest.raises(OpportunitiesInvalid) as exc:
        parse(b"x,y,people\n1,2,3\n")
    assert [str(p) for p in exc.value.problems] == [
        "line 1, column lat: missing column", "line 1, column lon: missing column",
        "line 1, no count column: give at least one of residents, jobs, schools, health"]


def test_the_demo_file_is_the_generators_output_and_says_it_is_synthetic():
    from zerocity.demo import opportunities as demo

    assert demo.committed().decode() == demo.text()
    got = parse(demo.committed())
    assert got.synthetic
    assert got.totals() == {"residents": 57000, "jobs": 30000, "schools": 14, "health": 4}
    grid = Grid.covering(got.lat, got.lon, 250.0)
    assert 2000 <= grid.n_cells <= 2600  # research §3.4: about 2,400 cells for Kranj


# -- stored, on the command line and the API -------------------------------------------------

LINE_CSV = ("# SYNTHETIC: test places\nlat,lon,residents,jobs,schools,health\n"
            "46.2472,14.3612,300,10,1,0\n46.2568,14.3700,200,40,0,1\n"
            "46.2530,14.3808,500,5,1,0\n46.2389,14.3556,100,200,0,1\n")


@pytest.fixture
def feed(city):  # type: ignore[no-untyped-def]
    return import_journey_feed(city)


def _cli(*args: str):  # type: ignore[no-untyped-def]
    from zerocity.cli import main

    return CliRunner().invoke(main, ["mobility", *args])


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing_and_a_new_one_is_the_next_version(
        city, tmp_path):
    from zerocity.mobility.models import OpportunitySet

    path = tmp_path / "places.csv"
    path.write_text(LINE_CSV)
    first = _cli("opportunities", "import", str(path), "--city", city.slug, "--name", "places")
    assert first.exit_code == 0, first.output
    assert first.output == ("places version 1: 4 places; 1100 residents, 255 jobs, 2 schools, "
                            "2 health centres; SYNTHETIC (made-up data)\n")
    again = _cli("opportunities", "import", str(path), "--city", city.slug, "--name", "places")
    assert again.exit_code == 0 and "nothing changed" in again.output
    path.write_text(LINE_CSV + "46.25,14.36,1,0,0,0\n")
    assert _cli("opportunities", "import", str(path), "--city", city.slug, "--name",
                "places").exit_code == 0
    assert list(OpportunitySet.objects.filter(city=city).values_list("version", flat=True)
                .order_by("version")) == [1, 2]


@pytest.mark.django_db
def test_a_bad_file_is_refused_with_every_error_and_nothing_is_stored(city, tmp_path):
    from zerocity.mobility.models import OpportunitySet

    path = tmp_path / "bad.csv"
    path.write_text("lat,lon,jobs\n46.2,14.3,x\n46.2,200,1\n")
    got = _cli("opportunities", "import", str(path), "--city", city.slug)
    assert got.exit_code == 1
    assert 'bad.csv line 2, column jobs: "x" is not a whole number >= 0' in got.output
    assert 'bad.csv line 3, column lon: "200" is not a longitude' in got.output
    assert "refused: 2 error(s); nothing was imported" in got.output
    assert not OpportunitySet.objects.exists()


@pytest.mark.django_db
def test_accessibility_is_computed_stored_read_again_and_public_on_the_api(city, feed,
                                                                           tmp_path):
    from zerocity.mobility.models import AccessibilityResult

    path = tmp_path / "places.csv"
    path.write_text(LINE_CSV)
    assert _cli("opportunities", "import", str(path), "--city", city.slug).exit_code == 0
    args = ("access", "--city", city.slug, "--date", "2026-10-20", "--window", "07:00-08:00",
            "--cell", "500", "--format", "json")
    first = _cli(*args)
    assert first.exit_code == 0, first.output
    body = json.loads(first.output)
    assert body["synthetic"] is True and body["settings"]["window"] == "07:00-08:00"
    # kranj-mini's frequency-based row (2-saturday, exact_times 0) does not run on a Tuesday
    # or the Monday before: nothing to draw
    assert body["summary"]["minutes"] == 60 and body["draws"] == 1
    assert body["summary"]["headway_based_rows"] == 0
    assert body["percentiles"] == [5, 25, 50, 75, 95]
    cell = body["cells"][0]
    assert set(cell) == {"cell", "lat", "lon", "here", "access"}
    assert set(cell["access"]["jobs"]) == {"30", "45"}
    assert set(cell["access"]["jobs"]["30"]) == {"p5", "p25", "p50", "p75", "p95"}
    assert body["attribution"][0]["licence"] == "CC-BY-SA-4.0"
    again = _cli(*args)
    assert json.loads(again.output) == body and AccessibilityResult.objects.count() == 1
    text = _cli(*args[:-2])
    assert text.exit_code == 0 and text.output.startswith("SYNTHETIC opportunities")
    assert "(stored before)" in text.output
    api = Client().get(f"/api/v1/cities/{city.slug}/mobility/access")
    assert api.status_code == 200, api.content
    assert api.json() == body
    none = Client().get(f"/api/v1/cities/{city.slug}/mobility/access?date=2026-10-21")
    assert none.status_code == 404
