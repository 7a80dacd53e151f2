"""The periods of the service day, one definition for the service statistics, the loads from
the card's taps and the frequency optimiser (issue 20; research mobility-upscale.md §4: the
optimiser meets the observed peak loads per period). Times are seconds on the GTFS time axis
of the service date; the hand-worked line L of tests/test_mobility_loads.py runs L-0700 and
L-0730 out, L-1600 back."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner_feeds import ZONE
from test_mobility_loads import COMMUTERS, DAY, line_l, run, tapped  # noqa: F401
from zerocity.core.errors import Unreadable
from zerocity.mobility import loads as calc
from zerocity.mobility.frequency import make_instance, optimise
from zerocity.mobility.frequency_feed import lines_from_tables, read_loads
from zerocity.mobility.periods import (
    DEFAULT_PERIODS,
    DEFAULT_PERIODS_TEXT,
    Period,
    PeriodError,
    clock,
    clock_seconds,
    parse_periods,
    period_of,
)
from zerocity.mobility.planner.timetable import compile_timetable
from zerocity.mobility.service_stats import GTFS_KIT_WINDOW

H = 3600
NAMES = ["05-07", "07-09", "09-14", "14-17", "17-22"]
DEMO_LOADS = (Path(__file__).resolve().parents[1] / "src" / "zerocity" / "demo" / "data"
              / "kranj_peak_loads.csv")


# -- the written forms -----------------------------------------------------------------------

def test_given_whole_hours_then_each_period_is_named_as_written():
    assert parse_periods("07-09*,09-14") == (Period("07-09", 7 * H, 9 * H, peak=True),
                                             Period("09-14", 9 * H, 14 * H))


def test_given_clock_times_and_names_then_both_forms_read_alike():
    assert parse_periods(" am = 07:00-09:30* , day=09:30-14:00, 14:00-17:15") == (
        Period("am", 7 * H, 9 * H + 30 * 60, peak=True), Period("day", 9 * H + 30 * 60, 14 * H),
        Period("14:00-17:15", 14 * H, 17 * H + 15 * 60))


def test_given_a_night_period_then_its_hours_pass_24_on_the_service_date():
    (night,) = parse_periods("night=22:00-26:30")
    assert (night.start_s, night.end_s, night.start, night.end) == (
        22 * H, 26 * H + 30 * 60, "22:00:00", "26:30:00")
    assert 25 * H in night and 26 * H + 30 * 60 not in night  # [start, end)


@pytest.mark.parametrize(("text", "message"), [
    ("morning", "period 'morning': write it as 07-09, 07:00-09:00 or NAME=07:00-09:00"),
    ("=07-09", "period '=07-09': give a name before '='"),
    ("07-9x", "period '07-9x': '9x' is not a time of day; write HH or HH:MM"),
    ("07:75-09", "period '07:75-09': '07:75' is not a time of day"),
    ("09-07", "period '09-07': its end must come after its start"),
    ("07-09,,09-14", "an empty period"),
    ("07-10,09-14", "period '09-14' begins before 07-10 ends: give the periods in order"),
    ("a=07-08,a=08-09", "period 'a=08-09': the name a is used twice"),
])
def test_given_text_that_is_no_period_then_the_error_names_the_bad_part(text, message):
    with pytest.raises(PeriodError) as exc:
        parse_periods(text)
    assert message in str(exc.value)
    # the command line turns a ValueError into a usage error, the API an Unreadable into 400
    assert isinstance(exc.value, ValueError) and isinstance(exc.value, Unreadable)


def test_clock_writes_and_reads_gtfs_times():
    assert (clock(0), clock(7 * H + 5 * 60 + 9), clock(24 * H + 10 * 60), clock(None)) == (
        "00:00:00", "07:05:09", "24:10:00", None)
    assert (clock_seconds("7"), clock_seconds("07:30"), clock_seconds("25:00")) == (
        7 * H, 7 * H + 30 * 60, 25 * H)


# -- the one default ---------------------------------------------------------------------------

def test_the_default_periods_are_the_day_with_its_two_peaks_named_as_the_loads_file():
    assert [p.name for p in DEFAULT_PERIODS] == NAMES
    assert [p.name for p in DEFAULT_PERIODS if p.peak] == ["07-09", "14-17"]
    assert (DEFAULT_PERIODS[0].start_s, DEFAULT_PERIODS[-1].end_s) == (5 * H, 22 * H)
    assert parse_periods(DEFAULT_PERIODS_TEXT) == DEFAULT_PERIODS
    # the demo's loads file names only these periods, so the optimiser reads it as it is
    assert {p for by in read_loads(DEMO_LOADS).values() for p in by} <= set(NAMES)
    # gtfs-kit's 07-19 headway window is the service statistics' own, not a period of the day
    assert GTFS_KIT_WINDOW.name == "07-19" and GTFS_KIT_WINDOW not in DEFAULT_PERIODS


def test_a_time_belongs_to_the_period_that_starts_at_or_before_it():
    assert [None if (p := period_of(DEFAULT_PERIODS, t)) is None else p.name
            for t in (4 * H + 59 * 60, 5 * H, 9 * H - 1, 9 * H, 22 * H)] == [
        None, "05-07", "07-09", "09-14", None]


# -- the loads feed the optimiser ----------------------------------------------------------------

def test_given_tapped_runs_then_their_peak_loads_are_keyed_by_the_optimisers_periods():
    # given: line L's runs at 07:00 and 16:00 carry the commuters (max load 3 each way)
    tt = compile_timetable(line_l().build(), ZONE, DAY)
    # when
    peaks = run(tt, COMMUTERS).peak_loads()
    # then: the periods are the optimiser's, and it takes the loads as they are
    assert peaks == {"L": {"07-09": 3, "14-17": 3}}
    (line,) = lines_from_tables(line_l().build(), DAY, DEFAULT_PERIODS)
    assert (line.route_id, set(line.current)) == ("L", {"07-09", "14-17"})
    plan = optimise(make_instance([line], peaks, periods=DEFAULT_PERIODS, fleet=10))
    assert {c.period.name for c in plan.choices} <= set(NAMES)
    assert calc.LoadParams().periods == DEFAULT_PERIODS


@pytest.mark.django_db
def test_a_citys_peak_loads_name_the_optimisers_periods(tapped):  # noqa: F811
    from zerocity.mobility import load_reports

    peaks = load_reports.peak_loads(tapped, DAY)
    assert peaks == {"L": {"07-09": 3, "14-17": 3}}
    assert {p for by in peaks.values() for p in by} <= {p.name for p in DEFAULT_PERIODS}
