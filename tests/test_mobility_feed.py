"""The city's public transport as data (issue 19): GTFS Schedule feeds imported per city,
checked with the MobilityData validator's rules and codes, versioned, stored as Parquet and read
back as text tables; the card's taps and ridership use the feed's stops and routes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from django.conf import settings

from mobility_feeds import feed_zip
from zerocity.core.errors import Conflict, NotFound
from zerocity.core.models import AuditLog
from zerocity.mobility import selectors, services
from zerocity.mobility.errors import FeedRefused
from zerocity.mobility.gtfs.service_days import expand
from zerocity.mobility.gtfs.validate import validate
from zerocity.mobility.models import FeedRoute, FeedStop, FeedVersion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
TODAY = date(2026, 1, 10)


def imported(city, folder="kranj-mini", **kw):  # type: ignore[no-untyped-def]
    """Import a fixture feed (``zip``: feed_zip's changes to it) as of TODAY."""
    return services.import_feed(city, feed_zip(folder, **kw.pop("zip", {})),
                                filename=f"{folder}.zip", today=TODAY, actor="test", **kw)


def where(notices):  # type: ignore[no-untyped-def]
    return [(n.file, n.line, n.column, n.code) for n in notices]


# -- refusal ----------------------------------------------------------------------------------

BROKEN_ERRORS = [
    ("agency.txt", 3, "agency_timezone", "inconsistent_agency_timezone"),
    ("agency.txt", 3, "agency_url", "invalid_url"),
    ("stops.txt", 4, "stop_lat", "number_out_of_range"),
    ("stops.txt", 5, "stop_id", "duplicate_key"),
    ("stops.txt", 6, "stop_name", "missing_stop_name"),
    ("stops.txt", 7, "stop_lat", "stop_without_location"),
    ("stops.txt", 8, "parent_station", "location_without_parent_station"),
    ("stops.txt", 9, "parent_station", "station_with_parent_station"),
    ("stops.txt", 10, "parent_station", "wrong_parent_location_type"),
    ("stops.txt", 12, "", "invalid_row_length"),
    ("routes.txt", 3, "route_short_name", "route_both_short_and_long_name_missing"),
    ("routes.txt", 4, "agency_id", "missing_required_field"),
    ("routes.txt", 4, "route_color", "invalid_color"),
    ("routes.txt", 5, "agency_id", "foreign_key_violation"),
    ("trips.txt", 3, "block_id", "block_trips_with_overlapping_stop_times"),
    ("trips.txt", 4, "route_id", "foreign_key_violation"),
    ("trips.txt", 5, "service_id", "foreign_key_violation"),
    ("trips.txt", 6, "shape_id", "foreign_key_violation"),
    ("stop_times.txt", 4, "arrival_time", "stop_time_with_arrival_before_previous_departure_time"),
    ("stop_times.txt", 4, "shape_dist_traveled", "decreasing_or_equal_stop_time_distance"),
    ("stop_times.txt", 6, "arrival_time", "invalid_time"),
    ("stop_times.txt", 7, "arrival_time", "stop_time_with_only_arrival_or_departure_time"),
    ("stop_times.txt", 7, "departure_time", "missing_trip_edge"),
    ("stop_times.txt", 7, "stop_id", "foreign_key_violation"),
    ("stop_times.txt", 9, "stop_id", "location_with_unexpected_stop_time"),
    ("stop_times.txt", 13, "trip_id, stop_sequence", "duplicate_key"),
    ("stop_times.txt", 14, "trip_id", "foreign_key_violation"),
    ("calendar.txt", 3, "start_date", "invalid_date"),
    ("calendar.txt", 4, "start_date", "start_and_end_range_out_of_order"),
    ("calendar_dates.txt", 3, "service_id, date", "duplicate_key"),
    ("frequencies.txt", 3, "start_time", "overlapping_frequency"),
    ("frequencies.txt", 4, "headway_secs", "number_out_of_range"),
    ("frequencies.txt", 4, "start_time", "start_and_end_range_equal"),
    ("transfers.txt", 2, "min_transfer_time", "number_out_of_range"),
    ("transfers.txt", 3, "from_stop_id", "missing_required_field"),
    ("transfers.txt", 4, "to_trip_id", "missing_required_field"),
    ("transfers.txt", 5, "from_stop_id", "transfer_with_invalid_stop_location_type"),
    ("transfers.txt", 6, "from_stop_id", "transfer_with_invalid_trip_and_stop"),
    ("feed_info.txt", 1, "feed_lang", "missing_required_column"),
    ("feed_info.txt", 2, "feed_start_date", "start_and_end_range_out_of_order"),
]


def test_a_bad_feed_is_refused_with_every_error_named_by_file_line_column_and_code(city):
    # given a feed with errors in every file
    # when it is imported
    folder = Path(settings.DATA_DIR) / "gtfs" / city.slug
    before = set(folder.iterdir()) if folder.exists() else set()  # earlier tests' versions
    with pytest.raises(FeedRefused) as refused:
        imported(city, "broken")
    # then every error is named at once, in file order, and nothing is imported
    assert where(refused.value.notices) == BROKEN_ERRORS
    assert len(BROKEN_ERRORS) == 40
    assert str(refused.value) == ("The feed was refused: 40 errors. Correct them all and send "
                                  "the feed again.")
    said = [str(n) for n in refused.value.notices]
    assert "stop_times.txt line 6, column arrival_time: invalid_time: \"07:61:00\" is not a " \
           "time HH:MM:SS" in said
    assert "trips.txt line 5, column service_id: foreign_key_violation: \"NOPE\" is not in " \
           "calendar.txt or calendar_dates.txt (as service_id): the trip has no day to run" in said
    assert "stops.txt line 5, column stop_id: duplicate_key: stop_id 'p1' is on line 3 " \
           "already" in said
    assert FeedVersion.objects.count() == 0 and FeedStop.objects.count() == 0
    assert (set(folder.iterdir()) if folder.exists() else set()) == before
    # and the refusal is in the audit log with its codes
    record = AuditLog.objects.get(action="mobility.feed_refused")
    assert record.data["errors"] == 40 and record.data["codes"]["foreign_key_violation"] == 6


def test_the_bad_feeds_warnings_are_found_in_the_same_pass():
    report = validate(feed_zip("broken"), today=TODAY)
    assert [(n.file, n.line, n.code) for n in report.warnings] == [
        ("stops.txt", 6, "stop_without_stop_time"),
        ("stops.txt", 7, "stop_without_stop_time"),
        ("stops.txt", 10, "stop_without_stop_time"),
        ("stops.txt", 11, "unexpected_enum_value"),
        ("calendar_dates.txt", 4, "unexpected_enum_value"),
        ("transfers.txt", 4, "transfer_with_suspicious_mid_trip_in_seat"),
        ("transfers.txt", 7, "unexpected_enum_value"),
        ("feed_info.txt", 2, "missing_feed_contact_email_and_url"),
        ("feed_info.txt", 2, "feed_expiration_date7_days"),
    ]


def test_missing_files_are_named_and_a_feed_without_any_calendar_is_refused(city):
    with pytest.raises(FeedRefused) as refused:
        imported(city, zip={"drop": ("agency.txt", "calendar.txt", "calendar_dates.txt",
                                     "routes.txt")})
    codes = {(n.file, n.code) for n in refused.value.notices}
    assert {("agency.txt", "missing_required_file"), ("routes.txt", "missing_required_file"),
            ("calendar.txt", "missing_calendar_and_calendar_date_files"),
            ("trips.txt", "foreign_key_violation")} <= codes
    assert ("trips.txt", "foreign_key_violation") in {(n.file, n.code) for n in
                                                      refused.value.notices if n.line == 2}


def test_a_file_that_is_no_zip_or_unpacks_too_large_is_refused_in_a_sentence(city, settings):
    from django.utils import translation

    with pytest.raises(Conflict, match="not a zip archive"):
        services.import_feed(city, b"stop_id,stop_name\n", filename="stops.txt", today=TODAY)
    with translation.override("sl"), pytest.raises(Conflict) as refused:
        services.import_feed(city, b"stop_id,stop_name\n", filename="stops.txt", today=TODAY)
    assert str(refused.value) == "Datoteka ni arhiv zip; vir GTFS je arhiv .zip z datotekami .txt."
    # an archive is measured from its directory before anything is unpacked
    settings.GTFS_MAX_UNPACKED = 2**20
    big = feed_zip("kranj-mini", files={"notes.txt": "x" * (2**20)})
    with pytest.raises(Conflict, match="unpacks to more than 1 MB") as refused:
        services.import_feed(city, big, today=TODAY)
    assert refused.value.code == "gtfs-archive" and FeedVersion.objects.count() == 0


def test_unreadable_rows_and_bad_bytes_are_named_with_their_line(city):
    stops = (Path(__file__).parent / "fixtures/gtfs/kranj-mini/stops.txt").read_text()
    with pytest.raises(FeedRefused) as refused:
        imported(city, zip={"files": {
            "stops.txt": stops + "short,row\n" + '"open quote,x,1,2\n',
            "levels.txt": b"level_id,level_index\nL1,\xff\n",
            "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
                          "arriva,Arriva\x00,https://arriva.si,Europe/Ljubljana\n"}})
    assert where(refused.value.notices) == [
        ("agency.txt", 2, "agency_name", "invalid_character"),
        ("stops.txt", 10, "", "invalid_row_length"), ("stops.txt", 11, "", "invalid_row_length"),
        ("levels.txt", None, "", "csv_parsing_failed")]
    assert "\x00" not in str(AuditLog.objects.get(action="mobility.feed_refused").data)


# -- versions ----------------------------------------------------------------------------------

def test_a_good_feed_imported_twice_changes_nothing_and_says_so(city):
    # given a good feed imported once
    first = imported(city)
    assert not first.replayed
    version = first.value
    folder = Path(settings.DATA_DIR) / version.path
    files = sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir())
    rows = (FeedVersion.objects.count(), FeedStop.objects.count(), FeedRoute.objects.count(),
            AuditLog.objects.filter(action__startswith="mobility.").count())
    # when the very same bytes are imported again
    again = imported(city, name="another name")
    # then the first version comes back, replayed, and nothing was written
    assert again.replayed and again.value.pk == version.pk and again.value.name == "2026-01"
    assert (FeedVersion.objects.count(), FeedStop.objects.count(), FeedRoute.objects.count(),
            AuditLog.objects.filter(action__startswith="mobility.").count()) == rows == (1, 8, 2, 1)
    assert sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir()) == files
    assert not any((Path(settings.DATA_DIR) / "gtfs-tmp").glob("*/version"))


def test_a_version_keeps_its_dates_counts_attribution_licence_and_warnings(city):
    version = imported(city, "kranj-mini-v2", licence="CC-BY-SA-4.0").value
    assert (version.start_date, version.end_date) == (date(2026, 3, 1), date(2026, 12, 31))
    assert version.feed_version == "2026-03" and version.licence == "CC-BY-SA-4.0"
    assert version.attribution == ("ZeroCity (illustrative Kranj network); "
                                   "Arriva Kranj (illustrative)")
    assert version.counts["stop_times"] == 22 and version.counts["stops"] == 9
    # (the version starts on 1 March, after TODAY: its trips don't cover the coming week)
    assert version.warning_counts == {"stop_without_stop_time": 1,
                                      "trip_coverage_not_active_for_next7_days": 1}
    assert version.warnings == [{"code": "stop_without_stop_time", "severity": "WARNING",
                                 "file": "stops.txt", "line": 10, "column": "stop_id",
                                 "reason": 'stop "stara-posta" is served by no trip'},
                                {"code": "trip_coverage_not_active_for_next7_days",
                                 "severity": "WARNING", "file": "trips.txt", "line": None,
                                 "column": "service_id", "reason": (
                                     "the first day a trip runs is 20260302: trips do not "
                                     "cover the seven days 20260110 to 20260116")}]
    record = AuditLog.objects.get(action="mobility.feed_imported")
    assert record.data["start"] == "2026-03-01" and record.data["sha256"] == version.sha256


def test_a_new_version_replaces_the_old_from_its_start_date_and_the_old_stays_readable(city):
    # given the January version, then the one from 1 March
    old = imported(city).value
    new = imported(city, "kranj-mini-v2").value

    def first_departure(day):  # type: ignore[no-untyped-def]
        st = selectors.feed_tables(city, day)["stop_times"]
        return st[(st["trip_id"] == "1-0700") & (st["stop_sequence"] == "1")][
            "departure_time"].item()

    # then the old version runs until the day before the new one starts, the new one after
    assert selectors.version_in_force(city, date(2026, 2, 28)) == old
    assert selectors.version_in_force(city, date(2026, 3, 1)) == new
    assert first_departure(date(2026, 2, 28)) == "07:00:00"
    assert first_departure(date(2026, 3, 1)) == "07:02:00"
    assert [(p.version, p.start, p.last) for p in selectors.periods(city)] == [
        (new, date(2026, 3, 1), None), (old, date(2026, 1, 5), date(2026, 2, 28))]
    # and the old version's tables stay readable as they were
    assert len(selectors.version_tables(old)["stops"]) == 8
    assert len(selectors.version_tables(new)["stops"]) == 9
    # before the first version there is no timetable
    assert selectors.version_in_force(city, date(2026, 1, 4)) is None
    with pytest.raises(NotFound):
        selectors.feed_tables(city, date(2026, 1, 4))


def test_a_version_starting_on_the_same_day_replaces_the_earlier_one_wholly(city):
    old = imported(city).value
    fixed = imported(city, zip={"files": {"agency.txt": (
        "agency_id,agency_name,agency_url,agency_timezone\n"
        "arriva,Arriva Kranj,https://arriva.si,Europe/Ljubljana\n")}}).value
    assert selectors.version_in_force(city, date(2026, 6, 1)) == fixed
    assert [(p.version, p.start) for p in selectors.periods(city)] == [
        (fixed, date(2026, 1, 5)), (old, None)]


def test_a_feed_info_start_after_the_last_service_day_is_refused():
    report = validate(feed_zip("kranj-mini", files={"feed_info.txt": (
        "feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date\n"
        "Test,https://example.org,sl,20270101\n")}), today=TODAY)
    assert [(n.file, n.column, n.code) for n in report.errors] == [
        ("feed_info.txt", "feed_start_date", "start_and_end_range_out_of_order")]


def test_versions_belong_to_their_city(city, helsinki):
    imported(city)
    assert selectors.version_in_force(helsinki, date(2026, 6, 1)) is None
    # the same bytes are a new version for another city
    assert not imported(helsinki).replayed


# -- the tables as the planner reads them ------------------------------------------------------

def test_tables_come_back_as_text_exactly_as_written(city):
    imported(city)
    tables = selectors.feed_tables(city, date(2026, 6, 1))
    assert set(tables) == {"agency", "stops", "routes", "trips", "stop_times", "calendar",
                           "calendar_dates", "frequencies", "transfers", "shapes", "feed_info"}
    for name, frame in tables.items():
        assert all(dtype == "str" for dtype in frame.dtypes), name
    stops = tables["stops"].set_index("stop_id")
    assert stops.loc["kolodvor-vhod", "wheelchair_boarding"] == ""  # empty, not NaN
    assert stops.loc["planina", "stop_lat"] == "46.2530"  # not 46.253
    assert list(tables["stops"].columns) == ["stop_id", "stop_name", "stop_lat", "stop_lon",
                                             "location_type", "parent_station",
                                             "wheelchair_boarding", "platform_code"]


def test_times_past_midnight_stay_as_the_service_day_writes_them(city):
    imported(city)
    st = selectors.feed_tables(city, date(2026, 6, 1))["stop_times"]
    night = st[st["trip_id"] == "1-night"]
    assert night["arrival_time"].tolist() == ["23:50:00", "23:58:00", "24:06:00", "24:20:00"]
    # a time past 24:00 is a time; 24:61:00 is not
    report = validate(feed_zip("kranj-mini", files={"stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "1-night,23:50:00,23:50:00,kolodvor-1,1\n1-night,25:59:59,24:61:00,planina,2\n")}),
        today=TODAY)
    assert [(n.line, n.column, n.code) for n in report.errors] == [
        (3, "departure_time", "invalid_time")]


def test_parent_stations_and_wheelchair_boarding_are_kept_in_the_lookups(city):
    version = imported(city).value
    stops = {s.stop_id: s for s in version.stops.all()}
    assert (stops["kolodvor"].location_type, stops["kolodvor"].wheelchair_boarding) == (1, 1)
    assert (stops["kolodvor-1"].parent_station, stops["kolodvor-1"].location_type,
            stops["kolodvor-1"].wheelchair_boarding) == ("kolodvor", 0, 0)
    assert (stops["kolodvor-vhod"].location_type, stops["planina"].wheelchair_boarding) == (2, 2)
    trips = selectors.feed_tables(city, date(2026, 6, 1))["trips"].set_index("trip_id")
    assert trips.loc["1-night", "wheelchair_accessible"] == "2"
    assert trips.loc["1-0700", ["block_id", "shape_id"]].tolist() == ["b1", "s1"]


def test_frequencies_of_both_kinds_are_imported_and_overlapping_windows_refused(city):
    imported(city)
    freq = selectors.feed_tables(city, date(2026, 6, 1))["frequencies"]
    assert freq[["trip_id", "start_time", "end_time", "headway_secs", "exact_times"]
                ].values.tolist() == [["1-morning", "06:00:00", "07:00:00", "900", "1"],
                                      ["2-saturday", "09:00:00", "12:00:00", "1200", "0"]]
    report = validate(feed_zip("kranj-mini", files={"frequencies.txt": (
        "trip_id,start_time,end_time,headway_secs,exact_times\n"
        "2-saturday,09:00:00,12:00:00,1200,0\n2-saturday,11:00:00,13:00:00,600,0\n")}),
        today=TODAY)
    assert [(n.line, n.code) for n in report.errors] == [(3, "overlapping_frequency")]


def test_calendar_dates_add_and_remove_days_and_can_stand_alone(city):
    # Easter Monday is removed from the weekday service and run by the holiday service
    report = validate(feed_zip("kranj-mini"), today=TODAY)
    cal = report.tables["calendar"].assign(
        start_date=lambda f: pd.to_datetime(f["start_date"]),
        end_date=lambda f: pd.to_datetime(f["end_date"]),
        **{d: lambda f, d=d: f[d].astype(int) for d in (
            "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")})
    cd = report.tables["calendar_dates"].assign(
        date=lambda f: pd.to_datetime(f["date"]),
        exception_type=lambda f: f["exception_type"].astype(int))
    days = expand(cal, cd)
    on = lambda day: sorted(days.loc[days["date"] == pd.Timestamp(day), "service_id"])  # noqa: E731
    assert on("2026-04-06") == ["HOL"] and on("2026-04-07") == ["WD"]
    assert on("2026-04-11") == ["SA"] and on("2026-04-12") == []
    # a feed with calendar_dates.txt alone (and no feed_info) runs on exactly its listed days
    version = imported(city, zip={"drop": ("calendar.txt", "feed_info.txt"), "files": {
        "trips.txt": "route_id,service_id,trip_id\n2,HOL,2-holiday\n",
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                          "2-holiday,10:00:00,10:00:00,kolodvor-2,1\n"
                          "2-holiday,10:12:00,10:12:00,primskovo,2\n",
        "frequencies.txt": "trip_id,start_time,end_time,headway_secs\n",
        "transfers.txt": "from_stop_id,to_stop_id,transfer_type\n",
        "shapes.txt": "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"}}).value
    assert (version.start_date, version.end_date) == (date(2026, 4, 6), date(2026, 4, 27))
    assert version.warning_counts["missing_recommended_file"] == 1


def test_transfers_of_every_type_are_accepted(city):
    imported(city)
    transfers = selectors.feed_tables(city, date(2026, 6, 1))["transfers"]
    assert sorted(transfers["transfer_type"]) == ["0", "1", "2", "2", "3", "4", "5"]
    in_seat = transfers[transfers["transfer_type"].isin(["4", "5"])]
    assert in_seat[["from_trip_id", "to_trip_id"]].values.tolist() == [
        ["1-0700", "1-0730"], ["1-0730", "1-night"]]


def test_a_faster_than_a_bus_stop_time_is_a_warning_only(city):
    report = validate(feed_zip("kranj-mini", files={"stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "1-0700,07:00:00,07:00:00,kolodvor-1,1\n1-0700,07:00:30,07:00:30,planina,2\n")}),
        today=TODAY)
    assert report.errors == []
    assert [(n.line, n.code) for n in report.warnings if n.file == "stop_times.txt"] == [
        (3, "fast_travel_between_consecutive_stops")]


def test_far_stops_reached_too_fast_are_a_warning_once_per_trip():
    # given a trip whose stops are each under 10 km apart but which covers 10.9 km from the
    # station to the last stop in 4 minutes (about 160 km/h, over the bus's 150)
    report = validate(feed_zip("kranj-mini", files={"stops.txt": (
        "stop_id,stop_name,stop_lat,stop_lon\n"
        "kolodvor-1,Kranj kolodvor,46.2437,14.3496\nglavni-trg,Glavni trg,46.2386,14.3557\n"
        "zlato-polje,Zlato polje,46.2472,14.3612\nplanina,Planina,46.2530,14.3808\n"
        "primskovo,Primskovo,46.2568,14.3700\nkolodvor-2,K2,46.2435,14.3500\n"
        "a,A,46.2437,14.4200\nb,B,46.2437,14.4900\n"), "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "1-0700,07:00:00,07:00:00,kolodvor-1,1\n1-0700,07:02:00,07:02:00,a,2\n"
        "1-0700,07:04:00,07:04:00,b,3\n1-0730,07:30:00,07:30:00,planina,1\n"
        "1-0730,07:40:00,07:40:00,kolodvor-1,2\n")}), today=TODAY)
    # then the span is named once, at the stop it ends, beside the consecutive rule
    far = [n for n in report.warnings if n.code == "fast_travel_between_far_stops"]
    assert [(n.file, n.line) for n in far] == [("stop_times.txt", 4)]
    assert far[0].reason.startswith('162 km/h over 10.8 km from "kolodvor-1" to "b"')


def test_a_stop_far_from_its_trips_shape_is_a_warning_once_per_shape_and_stop():
    # Primskovo (46.2568, 14.3700) is about 600 m off shape s1 (the station to Planina)
    report = validate(feed_zip("kranj-mini", files={"stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "1-0700,07:00:00,07:00:00,kolodvor-1,1\n1-0700,07:10:00,07:10:00,primskovo,2\n"
        "1-0700,07:20:00,07:20:00,planina,3\n1-night,23:50:00,23:50:00,primskovo,1\n"
        "1-night,24:20:00,24:20:00,planina,2\n")}), today=TODAY)
    off = [n for n in report.warnings if n.code == "stop_too_far_from_shape"]
    assert [(n.line, n.column) for n in off] == [(3, "stop_id")]
    assert off[0].reason.startswith('stop "primskovo" is ')
    metres = float(off[0].reason.split(" is ")[1].split(" m ")[0])
    assert 600 < metres < 800
    # and the stops on the line are not reported
    assert not [n for n in validate(feed_zip("kranj-mini"), today=TODAY).warnings
                if n.code == "stop_too_far_from_shape"]


def test_service_dates_are_checked_against_the_coming_week_gaps_and_the_far_future():
    # given a weekday service from 1 June 2026 with a 20-day hole in August, to 2099
    calendar = ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                "start_date,end_date\nWD,1,1,1,1,1,0,0,20260601,20260731\n"
                "SA,1,1,1,1,1,0,0,20260821,20991231\n")
    report = validate(feed_zip("kranj-mini", files={"calendar.txt": calendar}, drop=(
        "feed_info.txt",)), today=TODAY)
    said = {(n.code, n.file, n.line): n.reason for n in report.warnings}
    assert said[("trip_coverage_not_active_for_next7_days", "trips.txt", None)] == (
        "the first day a trip runs is 20260406: trips do not cover the seven days 20260110 to "
        "20260116")
    assert said[("big_gap_in_service", "calendar.txt", None)] == (
        "no trip runs for 20 days, from 20260801 to 20260820")
    assert said[("service_extends_far_in_the_future", "calendar.txt", 3)].startswith(
        'the service runs until "20991231"')
    # and the fixture feed, in force today until the end of the year, has none of them
    codes = {n.code for n in validate(feed_zip("kranj-mini"), today=TODAY).warnings}
    assert not codes & {"trip_coverage_not_active_for_next7_days", "big_gap_in_service",
                        "service_extends_far_in_the_future"}


# -- the card uses the feed's stops and routes ------------------------------------------------

def test_a_validators_route_and_stop_must_be_the_feeds(city):
    from zerocity.card import taps

    validator, _secret = taps.register_validator(city, "bus-7", "bus")
    at = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    # without a feed, any codes are taken (as before)
    assert not taps.process_tap(validator, taps.TapIn(1, "NO-CARD", at, route="x",
                                                      stop="y")).replayed
    imported(city)
    # with one, the feed's stop and route are taken (this card is unknown: a recorded deny)
    done = taps.process_tap(validator, taps.TapIn(2, "NO-CARD", at, route="1",
                                                  stop="glavni-trg"))
    assert (done.tap.accepted, done.tap.reason, done.tap.stop) == (False, "unknown_medium",
                                                                   "glavni-trg")
    # and a stop or route the feed does not have is refused, naming both
    with pytest.raises(Conflict, match="route 'x' and stop 'ghost' not in testville's "
                                       "timetable feed") as refused:
        taps.process_tap(validator, taps.TapIn(3, "NO-CARD", at, route="x", stop="ghost"))
    assert refused.value.code == "tap-unknown-stop"


def test_ridership_places_stops_where_the_feed_puts_them_and_falls_back_to_the_stops_file(city):
    from zerocity.card import ridership

    ridership.load_stops(city, "stop_id,stop_name,stop_lat,stop_lon\n"
                               "glavni-trg,Old name,46.0,14.0\nfarm,Farm,46.3,14.4\n")
    assert ridership.stop_positions(city, date(2026, 3, 1))["glavni-trg"] == (
        "Old name", 46.0, 14.0)
    imported(city)
    positions = ridership.stop_positions(city, date(2026, 3, 1))
    assert positions["glavni-trg"] == ("Glavni trg", 46.2386, 14.3557)
    assert positions["farm"] == ("Farm", 46.3, 14.4)  # not in the feed: the stops file
    assert positions["kolodvor-1"] == ("Kranj kolodvor (peron 1)", 46.2437, 14.3496)


def test_a_backup_takes_every_version_the_database_holds(city):
    from django.db import connection

    from zerocity.ops.backup import _feed_versions_to_copy

    version = imported(city).value

    class Snapshot:  # the backup's view of the database: here, the test's own transaction
        @staticmethod
        def rows(sql):  # type: ignore[no-untyped-def]
            with connection.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()

    names = [name for name, path in _feed_versions_to_copy(Snapshot())]
    assert f"{version.path}/feed.zip" in names
    assert f"{version.path}/stop_times.parquet" in names and len(names) == 12
