"""Timetable scenarios (issue 20, "Scenarios"; research mobility-upscale.md §4 "Scenario
editing", §6 checks 18 and 24): edits on a feed version, applied to its tables, saved as
versions, routed on by the planner and exported as GTFS with the source's attribution.

The hand-made feed ``LINES``: stops A (0 m), B (1,000 m east), C (2,000 m), D (3,000 m) and X
(1,500 m east, 300 m north). Line L1 runs A-B-C every 20 minutes from 07:00 to 08:00 (four
trips, direction 0): 5 minutes A to B, 30 s at B, 5 minutes B to C (A 07:00, B 07:05-07:05:30,
C 07:10:30). Line L2 runs D-C at 07:10 and 07:30 (5 minutes). Everything runs every day.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime

import pandas as pd
import pytest
from click.testing import CliRunner

from journey_feeds import TODAY, import_journey_feed
from planner_feeds import Feed, at
from zerocity.cli import main
from zerocity.core.models import AuditLog
from zerocity.mobility import journeys, services, store
from zerocity.mobility.models import Scenario, ScenarioVersion
from zerocity.mobility.planner import Query
from zerocity.mobility.scenarios import selectors
from zerocity.mobility.scenarios.apply import apply_edits
from zerocity.mobility.scenarios.edits import EditError, load_edits
from zerocity.mobility.scenarios.gtfs_out import to_zip
from zerocity.mobility.scenarios.services import (
    ScenarioRefused,
    create_scenario,
    save_version,
)

pytestmark = pytest.mark.usefixtures("in_english")
H7 = 7 * 3600


def lines() -> dict[str, pd.DataFrame]:
    f = (Feed().calendar("WK").stop("A", 0).stop("B", 1000).stop("C", 2000).stop("D", 3000)
         .stop("X", 1500, 300))
    for k in range(4):
        t = H7 + k * 1200
        f.trip("L1", f"L1-{k}", [("A", t), ("B", t + 300, t + 330), ("C", t + 630)],
               direction_id=0)
    for k, t in enumerate((H7 + 600, H7 + 1800)):
        f.trip("L2", f"L2-{k}", [("D", t), ("C", t + 300)], direction_id=0)
    return f.build()


def edited(*edits: dict[str, object]) -> dict[str, pd.DataFrame]:
    return apply_edits(lines(), load_edits(list(edits)))


def times(tables: dict[str, pd.DataFrame], route: str | None = None) -> list[tuple[str, ...]]:
    """(trip, stop, arrival, departure) of the route's trips, in trip and stop order."""
    trips = tables["trips"]
    chosen = set(trips["trip_id"] if route is None else
                 trips.loc[trips["route_id"] == route, "trip_id"])
    st = tables["stop_times"]
    st = st[st["trip_id"].isin(chosen)].assign(
        seq=pd.to_numeric(st["stop_sequence"])).sort_values(["trip_id", "seq"])
    return list(zip(st["trip_id"], st["stop_id"], st["arrival_time"], st["departure_time"],
                    strict=True))


def rows_of(tables: dict[str, pd.DataFrame], route: str) -> tuple[list[dict], list[dict]]:
    trips = tables["trips"][tables["trips"]["route_id"] == route]
    st = tables["stop_times"][tables["stop_times"]["trip_id"].isin(set(trips["trip_id"]))]
    return trips.to_dict("records"), st.to_dict("records")


HEADWAY = {"type": "adjust_headway", "route_id": "L1", "start": "07:00:00", "end": "08:00:00",
           "headway_secs": 600}


# -- each edit, exactly --------------------------------------------------------------------------

def test_adjust_headway_replaces_the_windows_trips_by_copies_every_headway():
    # given L1 every 20 minutes; when its 07:00-08:00 trips run every 10 minutes
    out = edited(HEADWAY)
    # then the three trips leaving 07:00, 07:20, 07:40 are six copies of 07:00's, from 07:00
    ids = [f"L1-0~1-07{m}000" for m in "012345"]
    assert sorted(out["trips"].loc[out["trips"]["route_id"] == "L1", "trip_id"]) == \
        sorted(["L1-3", *ids])
    assert times(out, "L1")[:6] == [
        ("L1-0~1-070000", "A", "07:00:00", "07:00:00"),
        ("L1-0~1-070000", "B", "07:05:00", "07:05:30"),
        ("L1-0~1-070000", "C", "07:10:30", "07:10:30"),
        ("L1-0~1-071000", "A", "07:10:00", "07:10:00"),
        ("L1-0~1-071000", "B", "07:15:00", "07:15:30"),
        ("L1-0~1-071000", "C", "07:20:30", "07:20:30")]
    # and 08:00's trip (outside the window) is untouched
    assert ("L1-3", "A", "08:00:00", "08:00:00") in times(out, "L1")


def test_halving_one_lines_headway_changes_only_that_lines_trips():
    # research §6 check 18: given L1 and L2; when L1's headway is halved (20 -> 10 minutes)
    before, after = lines(), edited(HEADWAY)
    # then L2's trips and stop times are the same rows, value for value
    assert rows_of(after, "L2") == rows_of(before, "L2")
    # and the other tables are the same
    for name in ("stops", "routes", "calendar", "agency"):
        assert after[name].equals(before[name]), name
    # and L1 has twice the trips in the window (3 -> 6) and the one after it
    assert len(after["trips"][after["trips"]["route_id"] == "L1"]) == 7


def test_adjust_frequency_doubles_the_trips_evenly_spaced():
    # given three L1 trips from 07:00 in 07:00-08:00; when their number is scaled by 2
    out = edited({"type": "adjust_frequency", "route_id": "L1", "start": "07:00:00",
                  "end": "08:00:00", "factor": 2})
    # then their two 20-minute gaps become four of 10 minutes from 07:00 to 07:40 (and the
    # 08:00 trip, outside the window, stays)
    starts = [t for t in times(out, "L1") if t[1] == "A"]
    assert [s[2] for s in starts] == ["07:00:00", "07:10:00", "07:20:00", "07:30:00",
                                      "07:40:00", "08:00:00"]


def test_adjust_frequency_rounds_and_keeps_one_trip():
    out = edited({"type": "adjust_frequency", "route_id": "L1", "start": "07:00:00",
                  "end": "08:00:00", "factor": 0.1})
    # 2 gaps x 0.1 = 0.2 rounds to 0: one trip is kept, the first one's copy
    assert [t[0] for t in times(out, "L1") if t[1] == "A"] == ["L1-0~1-070000", "L1-3"]


def test_adjust_frequency_keeps_the_trips_within_their_span_not_the_window():
    # given L1's trips from 07:00 to 08:00 in a window to 12:00; when halved in number
    out = edited({"type": "adjust_frequency", "route_id": "L1", "start": "07:00:00",
                  "end": "12:00:00", "factor": 0.5})
    # then their three gaps become 1.5, rounded to 2: 07:00, 07:30 and 08:00
    assert [t[2] for t in times(out, "L1") if t[1] == "A"] == ["07:00:00", "07:30:00",
                                                               "08:00:00"]


def test_add_trips_makes_a_new_pattern_on_a_new_route():
    out = edited({"type": "add_trips", "route_id": "N", "route_short_name": "N",
                  "stops": ["A", "X", "D"], "hop_secs": [200, 300], "dwell_secs": 20,
                  "headway_secs": 1800, "start": "06:00:00", "end": "07:00:00",
                  "service_id": "WK", "headsign": "D"})
    assert out["routes"].iloc[-1][["route_id", "route_short_name", "route_type",
                                   "agency_id"]].tolist() == ["N", "N", "3", "A"]
    assert out["trips"].iloc[-1][["route_id", "service_id", "trip_id",
                                  "trip_headsign"]].tolist() == ["N", "WK", "N~1-063000", "D"]
    # A at 06:00, 200 s to X (arrive 06:03:20, 20 s there), 300 s to D: 06:08:40
    assert times(out, "N") == [
        ("N~1-060000", "A", "06:00:00", "06:00:00"), ("N~1-060000", "X", "06:03:20", "06:03:40"),
        ("N~1-060000", "D", "06:08:40", "06:08:40"), ("N~1-063000", "A", "06:30:00", "06:30:00"),
        ("N~1-063000", "X", "06:33:20", "06:33:40"), ("N~1-063000", "D", "06:38:40", "06:38:40")]


def test_reroute_replaces_a_segment_and_shifts_the_rest():
    # A-B-C becomes A-X-C: 400 s to X, 400 s on to C (C at 07:13:20 instead of 07:10:30)
    out = edited({"type": "reroute", "route_id": "L1", "from_stop": "A", "to_stop": "C",
                  "stops": ["X"], "hop_secs": [400, 400]})
    assert [t for t in times(out, "L1") if t[0] == "L1-0"] == [
        ("L1-0", "A", "07:00:00", "07:00:00"), ("L1-0", "X", "07:06:40", "07:06:40"),
        ("L1-0", "C", "07:13:20", "07:13:20")]


def test_remove_stops_keeps_the_other_stops_times():
    out = edited({"type": "remove_stops", "route_id": "L1", "stop_ids": ["B"]})
    assert [t for t in times(out, "L1") if t[0] == "L1-1"] == [
        ("L1-1", "A", "07:20:00", "07:20:00"), ("L1-1", "C", "07:30:30", "07:30:30")]


def test_insert_stop_with_its_time_shifts_the_later_stops():
    # X 100 s after leaving B (07:05:30): 07:07:10, 10 s there, 200 s on to C: 07:10:40
    out = edited({"type": "insert_stop", "route_id": "L1", "stop_id": "X", "after_stop": "B",
                  "secs_from_previous": 100, "dwell_secs": 10, "secs_to_next": 200})
    got = out["stop_times"][out["stop_times"]["trip_id"] == "L1-0"]
    assert got[["stop_id", "stop_sequence", "arrival_time", "departure_time"]].values.tolist() \
        == [["A", "1", "07:00:00", "07:00:00"], ["B", "2", "07:05:00", "07:05:30"],
            ["X", "3", "07:07:10", "07:07:20"], ["C", "4", "07:10:40", "07:10:40"]]


def test_insert_stop_without_time_to_next_fits_inside_the_old_hop():
    out = edited({"type": "insert_stop", "route_id": "L1", "stop_id": "X", "after_stop": "B",
                  "secs_from_previous": 100})
    assert [t for t in times(out, "L1") if t[0] == "L1-0"][2:] == [
        ("L1-0", "X", "07:07:10", "07:07:10"), ("L1-0", "C", "07:10:30", "07:10:30")]


def test_adjust_speed_scales_running_times_not_dwell():
    # 300 s hops at 0.5: 150 s; the 30 s at B stays
    out = edited({"type": "adjust_speed", "route_id": "L1", "scale": 0.5})
    assert [t for t in times(out, "L1") if t[0] == "L1-0"] == [
        ("L1-0", "A", "07:00:00", "07:00:00"), ("L1-0", "B", "07:02:30", "07:03:00"),
        ("L1-0", "C", "07:05:30", "07:05:30")]


def test_adjust_speed_between_two_stops_only():
    out = edited({"type": "adjust_speed", "route_id": "L1", "scale": 1.2, "from_stop": "B",
                  "to_stop": "C"})
    # A-B stays 300 s; B-C 300 x 1.2 = 360 s
    assert [t for t in times(out, "L1") if t[0] == "L1-0"] == [
        ("L1-0", "A", "07:00:00", "07:00:00"), ("L1-0", "B", "07:05:00", "07:05:30"),
        ("L1-0", "C", "07:11:30", "07:11:30")]


def test_adjust_dwell_sets_the_time_at_stops_and_shifts_the_rest():
    out = edited({"type": "adjust_dwell", "route_id": "L1", "dwell_secs": 60})
    assert [t for t in times(out, "L1") if t[0] == "L1-0"] == [
        ("L1-0", "A", "07:00:00", "07:00:00"), ("L1-0", "B", "07:05:00", "07:06:00"),
        ("L1-0", "C", "07:11:00", "07:11:00")]


def test_remove_trips_by_window_and_by_id():
    out = edited({"type": "remove_trips", "route_id": "L1", "start": "07:00:00",
                  "end": "07:30:00"}, {"type": "remove_trips", "trip_ids": ["L2-1"]})
    assert sorted(out["trips"]["trip_id"]) == ["L1-2", "L1-3", "L2-0"]
    assert sorted(set(out["stop_times"]["trip_id"])) == ["L1-2", "L1-3", "L2-0"]


def test_edits_apply_in_order_each_seeing_the_ones_before():
    out = edited(HEADWAY, {"type": "remove_trips", "trip_ids": ["L1-0~1-071000"]})
    assert "L1-0~1-071000" not in set(out["trips"]["trip_id"])
    assert len(out["trips"][out["trips"]["route_id"] == "L1"]) == 6


# -- errors that name their path -------------------------------------------------------------

@pytest.mark.parametrize(("edits", "where", "words"), [
    ({"edits": 3}, "edits", "list of objects"),
    ([{"type": "double"}], "edits[0].type", "\"double\" is no edit"),
    ([{**HEADWAY, "headway_secs": 0}], "edits[0].headway_secs", "1 or more"),
    ([{**HEADWAY, "headway_secs": -60}], "edits[0].headway_secs", "1 or more"),
    ([{**HEADWAY, "headway_secs": 1.5}], "edits[0].headway_secs", "whole number"),
    ([{**HEADWAY, "start": "7:60:00"}], "edits[0].start", "not a time"),
    ([{**HEADWAY, "end": "49:00:00"}], "edits[0].end", "beyond the service day"),
    ([{**HEADWAY, "end": "06:00:00"}], "edits[0].end", "ends at or before it starts"),
    ([{**HEADWAY, "direction_id": 2}], "edits[0].direction_id", "0 or 1"),
    ([{**HEADWAY, "headway": 600}], "edits[0].headway", "no such field"),
    ([{"type": "adjust_frequency", "route_id": "L1", "start": "07:00:00", "end": "08:00:00",
       "factor": 0}], "edits[0].factor", "above 0"),
    ([{"type": "add_trips", "route_id": "L1", "stops": ["A"], "hop_secs": [],
       "headway_secs": 600, "start": "07:00:00", "end": "08:00:00", "service_id": "WK"}],
     "edits[0].stops", "two stops or more"),
    ([{"type": "add_trips", "route_id": "L1", "stops": ["A", "B"], "hop_secs": [60, 60],
       "headway_secs": 600, "start": "07:00:00", "end": "08:00:00", "service_id": "WK"}],
     "edits[0].hop_secs", "give 1 running times"),
    ([{"type": "adjust_speed", "route_id": "L1", "scale": 0.9, "from_stop": "A"}],
     "edits[0].to_stop", "both"),
    ([{"type": "remove_trips"}], "edits[0].route_id", "list trip_ids"),
])
def test_an_edit_that_cannot_be_read_names_its_path(edits, where, words):
    with pytest.raises(EditError) as caught:
        load_edits(edits)
    assert caught.value.path == where
    assert words in caught.value.message


@pytest.mark.parametrize(("edit", "where", "words"), [
    ({**HEADWAY, "route_id": "L9"}, "edits[1].route_id", "no route \"L9\""),
    ({**HEADWAY, "start": "09:00:00", "end": "10:00:00"}, "edits[1].start",
     "no trip leaving its first stop from 09:00:00 to 10:00:00"),
    ({"type": "add_trips", "route_id": "L1", "stops": ["A", "Q"], "hop_secs": [60],
      "headway_secs": 600, "start": "07:00:00", "end": "08:00:00", "service_id": "WK"},
     "edits[1].stops[1]", "no stop \"Q\""),
    ({"type": "add_trips", "route_id": "L1", "stops": ["A", "B"], "hop_secs": [60],
      "headway_secs": 600, "start": "07:00:00", "end": "08:00:00", "service_id": "SUN"},
     "edits[1].service_id", "no service \"SUN\""),
    ({"type": "add_trips", "route_id": "N", "stops": ["A", "B"], "hop_secs": [60],
      "headway_secs": 600, "start": "07:00:00", "end": "08:00:00", "service_id": "WK"},
     "edits[1].route_short_name", "route \"N\" is new"),
    ({"type": "insert_stop", "route_id": "L1", "stop_id": "C", "after_stop": "A",
      "secs_from_previous": 60}, "edits[1].stop_id", "serves stop \"C\" already"),
    ({"type": "insert_stop", "route_id": "L1", "stop_id": "X", "after_stop": "D",
      "secs_from_previous": 60}, "edits[1].after_stop", "does not serve stop \"D\""),
    ({"type": "insert_stop", "route_id": "L1", "stop_id": "X", "after_stop": "A",
      "secs_from_previous": 400}, "edits[1].secs_from_previous", "after the next stop's"),
    ({"type": "remove_stops", "route_id": "L1", "stop_ids": ["A", "D"]},
     "edits[1].stop_ids[1]", "does not serve stop \"D\""),
    ({"type": "remove_stops", "route_id": "L2", "stop_ids": ["D"]}, "edits[1].stop_ids",
     "fewer than two stops"),
    ({"type": "reroute", "route_id": "L1", "from_stop": "C", "to_stop": "A", "stops": ["X"],
      "hop_secs": [60, 60]}, "edits[1].to_stop", "serves \"C\" and then \"A\""),
    ({"type": "remove_trips", "trip_ids": ["L1-0", "nope"]}, "edits[1].trip_ids[1]",
     "no trip \"nope\""),
])
def test_an_edit_that_cannot_be_applied_names_its_path(edit, where, words):
    # the first edit is fine; the second is wrong
    with pytest.raises(EditError) as caught:
        edited({"type": "adjust_dwell", "route_id": "L2", "dwell_secs": 0}, edit)
    assert caught.value.path == where
    assert words in caught.value.message


def test_an_edit_error_is_told_in_the_language_asked():
    from django.utils import translation

    with translation.override("sl"), pytest.raises(EditError) as caught:
        edited({**HEADWAY, "route_id": "L9"})
    assert str(caught.value) == "edits[0].route_id: vozni red nima linije \"L9\"."


def test_a_stop_inserted_twice_is_refused():
    insert = {"type": "insert_stop", "route_id": "L1", "stop_id": "X", "after_stop": "A",
              "secs_from_previous": 60}
    with pytest.raises(EditError) as caught:
        edited(insert, {**insert, "after_stop": "B"})
    assert caught.value.path == "edits[1].stop_id"


def test_a_frequency_based_trip_is_not_retimed_by_a_headway():
    f = Feed().calendar("WK").stop("A", 0).stop("B", 1000)
    f.trip("F", "F-0", [("A", H7), ("B", H7 + 300)]).frequency("F-0", "07:00:00", "08:00:00",
                                                               600)
    with pytest.raises(EditError) as caught:
        apply_edits(f.build(), load_edits([{**HEADWAY, "route_id": "F"}]))
    assert caught.value.path == "edits[0].route_id"
    assert "frequencies.txt" in caught.value.message


# -- saved, versioned, audited -------------------------------------------------------------------

ROUTE2 = [{"type": "adjust_headway", "route_id": "2", "start": "07:00:00", "end": "08:00:00",
           "headway_secs": 300, "direction_id": 0}]


@pytest.fixture
def feed(city):  # type: ignore[no-untyped-def]
    return import_journey_feed(city)


@pytest.mark.django_db
def test_a_scenario_is_saved_with_its_derived_feed_stored_like_a_feed_version(city, feed):
    # given the journey feed; when a scenario runs route 2 every 5 minutes 07:00-08:00
    done = create_scenario(city, name="Line 2 every 5 minutes", edits=ROUTE2, base=feed,
                           actor="test", today=TODAY)
    v = done.value
    # then version 1 is saved, its edits and their SHA-256 kept
    assert (done.replayed, v.number, v.edits, v.scenario.status) == (False, 1, ROUTE2, "draft")
    # and the derived feed reads as a feed version's tables do: 2-weekday (07:40) and
    # 2-express (07:56) leaving in the window become 07:40, 07:45, 07:50, 07:55 copies
    tables = selectors.tables(v)
    route2 = tables["trips"][tables["trips"]["route_id"] == "2"]
    assert sorted(route2["trip_id"]) == ["2-holiday", "2-inbound", "2-saturday",
                                         "2-weekday~1-074000", "2-weekday~1-074500",
                                         "2-weekday~1-075000", "2-weekday~1-075500"]
    # and route 1's rows are those of the base (check 18)
    base = store.read_tables(feed.path)
    assert rows_of(tables, "1") == rows_of(base, "1")
    assert v.counts["trips"] == len(base["trips"]) + 2
    # and the city's own feed is the same version, untouched
    assert list(city.feed_versions.all()) == [feed]
    assert AuditLog.objects.filter(action="mobility.scenario_version_saved").count() == 1


@pytest.mark.django_db
def test_saving_the_same_edits_again_changes_nothing_and_a_new_list_is_a_new_version(city, feed):
    first = create_scenario(city, name="S", edits=ROUTE2, base=feed, today=TODAY).value
    # when the same edits are saved again, written differently (keys in another order)
    again = save_version(first.scenario, [dict(reversed(list(ROUTE2[0].items())))],
                         today=TODAY)
    assert again.replayed and again.value.pk == first.pk
    assert create_scenario(city, name="S", edits=ROUTE2, base=feed, today=TODAY).replayed
    # when other edits are saved, then version 2, and version 1 is as it was
    longer = [{**ROUTE2[0], "headway_secs": 600}]
    second = save_version(first.scenario, longer, today=TODAY)
    assert (second.replayed, second.value.number) == (False, 2)
    old = ScenarioVersion.objects.get(pk=first.pk)
    assert (old.edits, old.sha256, old.path) == (ROUTE2, first.sha256, first.path)
    assert selectors.tables(old)["trips"].equals(selectors.tables(first)["trips"])
    assert [v.number for v in selectors.versions(first.scenario)] == [2, 1]
    assert Scenario.objects.count() == 1
    assert AuditLog.objects.filter(action="mobility.scenario_version_saved").count() == 2


@pytest.mark.django_db
def test_edits_that_break_the_feed_are_refused_with_the_validators_errors(city, feed):
    # trips that stop at the station kolodvor itself, not at one of its platforms
    far = {"type": "add_trips", "route_id": "2", "stops": ["kolodvor", "primskovo"],
           "hop_secs": [600], "headway_secs": 3600, "start": "07:00:00", "end": "08:00:00",
           "service_id": "WD"}
    with pytest.raises(ScenarioRefused) as caught:
        create_scenario(city, name="Too fast", edits=[far], base=feed, today=TODAY)
    # then the validator's error, on the derived feed's own line, is the refusal
    assert caught.value.problems == [
        "stop_times.txt line 32, column stop_id: location_with_unexpected_stop_time: "
        "\"kolodvor\" has location_type 1; trips call at stops and platforms (0)"]
    assert Scenario.objects.count() == 0
    assert AuditLog.objects.filter(action="mobility.scenario_refused").count() == 1


@pytest.mark.django_db
def test_an_edit_error_refuses_the_save_naming_the_path(city, feed):
    with pytest.raises(ScenarioRefused) as caught:
        create_scenario(city, name="S", edits=[{**ROUTE2[0], "route_id": "9"}], base=feed,
                        today=TODAY)
    assert caught.value.problems == ["edits[0].route_id: the feed has no route \"9\"."]
    assert "edits[0].route_id" in str(caught.value)


# -- export --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_export_is_a_gtfs_zip_with_the_sources_licence_that_imports_again(city, feed,
                                                                               tmp_path):
    v = create_scenario(city, name="S", edits=ROUTE2, base=feed, today=TODAY).value
    out = tmp_path / "scenario.zip"
    result = CliRunner().invoke(main, ["mobility", "scenario", "export", str(v.scenario_id),
                                       "--city", "testville", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        info = pd.read_csv(io.BytesIO(z.read("feed_info.txt")), dtype=str)
        attributions = pd.read_csv(io.BytesIO(z.read("attributions.txt")), dtype=str)
    # research §6 check 24: the licence and the source named, the data marked as changed
    assert info["feed_license"].tolist() == ["CC-BY-SA-4.0"]
    assert info["feed_version"].iloc[0] == f"2026-01 + scenario {v.edits_sha256[:12]}"
    assert attributions[["organization_name", "is_producer"]].values.tolist() == [
        ["Arriva Kranj (illustrative); ZeroCity", "1"]]
    # and another city imports it cleanly, with the licence and the attribution
    from zerocity.core.services import create_city

    other = create_city("othertown", name="Othertown", country="SI")
    again = services.import_feed(other, out.read_bytes(), today=TODAY).value
    assert again.licence == "CC-BY-SA-4.0"
    assert "Arriva Kranj (illustrative); ZeroCity" in again.attribution
    assert again.counts["trips"] == v.counts["trips"]


def test_the_zip_of_the_same_tables_is_the_same_bytes():
    assert to_zip(lines()) == to_zip(lines())


# -- the planner on a scenario -------------------------------------------------------------------

def planner_feed() -> bytes:
    """A at 0 m, B 3 km east; L1 A to B in 10 minutes at 07:00, 07:30, 08:00, every day."""
    f = Feed().calendar("WK").stop("A", 0).stop("B", 3000)
    for k, t in enumerate((H7, H7 + 1800, H7 + 3600)):
        f.trip("L1", f"L1-{k}", [("A", t), ("B", t + 600)], direction_id=0)
    return to_zip(f.build())


@pytest.mark.django_db
def test_the_planner_routes_on_a_scenario_without_touching_the_citys_feed(city):
    version = services.import_feed(city, planner_feed(), today=TODAY).value
    halved = [{"type": "adjust_headway", "route_id": "L1", "start": "07:00:00",
               "end": "08:00:00", "headway_secs": 900}]
    v = create_scenario(city, name="L1 every 15", edits=halved, base=version,
                        today=TODAY).value
    query = Query(at(0, 0), at(3000, 0), datetime(2026, 12, 8, 7, 10), max_walk_m=100)
    # given a rider at A at 07:10 on Tuesday 8 December 2026
    base = journeys.plan_journey(city, query)
    on = journeys.plan_journey(city, query, scenario=v)
    # then on the city's feed the 07:30 bus gets there at 07:40; on the scenario the 07:15
    # (every 15 minutes from 07:00) at 07:25
    assert [(leg.trip, f"{leg.arrive:%H:%M}") for leg in base.fastest.legs
            if leg.mode != "walk"] == [("L1-1", "07:40")]
    assert [(leg.trip, f"{leg.arrive:%H:%M}") for leg in on.fastest.legs
            if leg.mode != "walk"] == [("L1-0~1-071500", "07:25")]
    assert on.feeds[0].sha256 == v.sha256 and base.feeds[0].sha256 == version.sha256
    # and the command line plans on it too
    result = CliRunner().invoke(main, [
        "mobility", "plan", "--city", "testville", "--from", f"{at(0, 0)[0]},{at(0, 0)[1]}",
        "--to", f"{at(3000, 0)[0]},{at(3000, 0)[1]}", "--depart", "2026-12-08T07:10",
        "--max-walk-m", "100", "--scenario", str(v.scenario_id), "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["itineraries"][0]["legs"][0]["trip"] == "L1-0~1-071500"
    assert answer["attribution"][0]["sha256"] == v.sha256


# -- the command line and the API -------------------------------------------------------------

@pytest.mark.django_db
def test_the_commands_create_edit_list_and_show(city, feed, tmp_path):
    edits = tmp_path / "edits.json"
    edits.write_text(json.dumps(ROUTE2))
    run = CliRunner().invoke
    created = run(main, ["mobility", "scenario", "create", "--city", "testville", "--name",
                         "Line 2", "--feed", str(feed.pk), "--edits", str(edits)])
    assert created.exit_code == 0, created.output
    sid = Scenario.objects.get().pk
    assert created.output.startswith(f"scenario #{sid} version 1: 1 edit(s); derived feed ")
    again = run(main, ["mobility", "scenario", "edit", str(sid), "--city", "testville",
                       "--edits", str(edits)])
    assert "nothing changed" in again.output
    edits.write_text(json.dumps([{**ROUTE2[0], "headway_secs": "five"}]))
    bad = run(main, ["mobility", "scenario", "edit", str(sid), "--city", "testville",
                     "--edits", str(edits)])
    assert bad.exit_code == 1
    assert "edits[0].headway_secs: give a whole number of seconds of 1 or more" in bad.output
    listed = run(main, ["mobility", "scenario", "list", "--city", "testville"])
    assert listed.output.split("\t")[:3] == [f"#{sid}", "Line 2", "draft"]
    shown = run(main, ["mobility", "scenario", "show", str(sid), "--city", "testville"])
    assert "licence: CC-BY-SA-4.0" in shown.output and "v1\t" in shown.output


@pytest.mark.django_db
def test_the_api_lists_drafts_for_staff_and_saves_versions(client, city, feed):
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    dept = ensure_department(city, "transport", "Transport office")
    staff = grant_role(city, "s-staff", Role.STAFF, department=dept).user
    citizen = grant_role(city, "s-citizen", Role.CITIZEN).user
    url = "/api/v1/cities/testville/mobility/scenarios"
    client.force_login(citizen)
    assert client.post(url, {"name": "S", "edits": ROUTE2},
                       content_type="application/json").status_code == 404
    client.force_login(staff)
    made = client.post(url, {"name": "S", "feed": feed.pk, "edits": ROUTE2},
                       content_type="application/json")
    assert made.status_code == 201, made.content
    sid = made.json()["scenario"]
    assert client.post(url, {"name": "S", "feed": feed.pk, "edits": ROUTE2},
                       content_type="application/json").status_code == 200
    bad = client.post(f"{url}/{sid}/versions", {"edits": [{"type": "nope"}]},
                      content_type="application/json")
    assert bad.status_code == 422 and "edits[0].type" in bad.json()["detail"]
    assert [s["id"] for s in client.get(url).json()] == [sid]
    assert client.get(f"{url}/{sid}").json()["versions"][0]["edits"] == ROUTE2
    client.force_login(citizen)
    assert client.get(url).json() == []
    assert client.get(f"{url}/{sid}").status_code == 404
    plan = ("/api/v1/cities/testville/mobility/plan?from=46.2472,14.3612&to=46.2568,14.37"
            f"&depart=2026-10-20T07:30&scenario={sid}")
    assert client.get(plan).status_code == 404  # a draft: staff only
    client.force_login(staff)
    assert client.get(plan).status_code == 200



def test_a_changed_trip_keeps_its_frequencies_and_transfers():
    # given a frequency-based trip with a transfer rule naming it; when its dwell changes
    f = Feed().calendar("WK").stop("A", 0).stop("B", 1000).stop("C", 2000)
    f.trip("F", "F-0", [("A", H7), ("B", H7 + 300, H7 + 330), ("C", H7 + 630)])
    f.frequency("F-0", "07:00:00", "08:00:00", 600)
    f.transfer(from_stop_id="C", to_stop_id="C", from_trip_id="F-0", to_trip_id="F-0",
               transfer_type=1)
    out = apply_edits(f.build(), load_edits([{"type": "adjust_dwell", "route_id": "F",
                                              "dwell_secs": 0}]))
    # then its rows elsewhere stay; only its times changed (C at 07:10:00)
    assert out["frequencies"]["trip_id"].tolist() == ["F-0"]
    assert out["transfers"]["from_trip_id"].tolist() == ["F-0"]
    assert times(out)[-1] == ("F-0", "C", "07:10:00", "07:10:00")


@pytest.mark.django_db
def test_doubling_line_1s_frequency_on_the_kranj_demo(kranj):
    # issue 20, "Must show": given the demo's timetable; when line 1 runs twice as often all day
    from zerocity.mobility.selectors import version_in_force

    base = version_in_force(kranj, date(2026, 12, 8))
    double = [{"type": "adjust_frequency", "route_id": "1", "start": "00:00:00",
               "end": "30:00:00", "factor": 2}]
    v = create_scenario(kranj, name="Line 1 twice as often", edits=double, base=base,
                        today=date(2026, 12, 6)).value
    before, after = store.read_tables(base.path), selectors.tables(v)
    # then every service and direction of line 1 has a trip half-way through each gap (n trips
    # become 2n - 1 over the same span), and the derived feed
    # passed the import's validation
    def count(tables: dict[str, pd.DataFrame]) -> dict[tuple[str, str], int]:
        trips = tables["trips"][tables["trips"]["route_id"] == "1"]
        return trips.groupby(["service_id", "direction_id"]).size().to_dict()

    assert count(after) == {k: 2 * n - 1 for k, n in count(before).items()}
    # and no other line changed (check 18)
    for route in sorted(set(before["routes"]["route_id"]) - {"1"}):
        assert rows_of(after, route) == rows_of(before, route), route
