"""A city's clock and calendar (``core.calendar``): zones by country, local days and months as
UTC instants across daylight-saving changes, holidays and working days by country, and the
rules for creating a city and changing its zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendars import HELSINKI, KRANJ
from zerocity.core.calendar import (
    CalendarError,
    CityCalendar,
    check_holidays,
    check_zone,
    country_zones,
    default_zone,
)
from zerocity.core.errors import Conflict


@pytest.mark.parametrize(("country", "zone"), [
    ("SI", "Europe/Ljubljana"), ("FI", "Europe/Helsinki"), ("si", "Europe/Ljubljana"),
    # Busingen keeps Berlin's clock, Famagusta Nicosia's: one clock, the first zone is the main
    ("DE", "Europe/Berlin"), ("CY", "Asia/Nicosia"),
])
def test_a_countrys_main_zone_where_it_has_one_clock(country, zone):
    assert default_zone(country) == zone


@pytest.mark.parametrize(("country", "named"), [
    ("ES", "Atlantic/Canary"), ("PT", "Atlantic/Azores"), ("UA", "Europe/Simferopol")])
def test_a_country_of_several_clocks_must_name_the_citys_zone(country, named):
    with pytest.raises(CalendarError, match=f"more than one time zone.*{named}"):
        default_zone(country)
    assert named in country_zones(country)


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "CET ", "Europe/ljubljana/x",
                                  "../../etc/passwd", "CET"])
def test_only_iana_zone_names_are_taken(name):
    with pytest.raises(CalendarError):
        check_zone(name)


def test_holiday_calendars_are_known_by_country_and_subdivision():
    check_holidays("DE", "BY")
    with pytest.raises(CalendarError, match="no public-holiday calendar.*'XX'"):
        check_holidays("XX")
    with pytest.raises(CalendarError, match="FI has no subdivision 'ZZ'"):
        check_holidays("FI", "ZZ")
    # Bavaria keeps Epiphany, Berlin does not
    assert date(2026, 1, 6) in CityCalendar("Europe/Berlin", "DE", "BY").holidays(2026)
    assert date(2026, 1, 6) not in CityCalendar("Europe/Berlin", "DE", "BE").holidays(2026)


def test_local_days_are_23_or_25_hours_on_the_dst_days():
    spring = KRANJ.day_bounds(date(2026, 3, 29))
    autumn = KRANJ.day_bounds(date(2026, 10, 25))
    assert spring == (datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC))
    assert autumn[1] - autumn[0] == timedelta(hours=25)
    assert HELSINKI.day_bounds(date(2026, 3, 29)) == (datetime(2026, 3, 28, 22, tzinfo=UTC),
                                                      datetime(2026, 3, 29, 21, tzinfo=UTC))


def test_the_same_instant_is_another_day_and_month_in_another_city():
    instant = datetime(2026, 10, 31, 22, 30, tzinfo=UTC)
    assert KRANJ.local_date(instant) == date(2026, 10, 31)  # 23:30 CET
    assert HELSINKI.local_date(instant) == date(2026, 11, 1)  # 00:30 EET
    assert (KRANJ.local_month(instant), HELSINKI.local_month(instant)) == ((2026, 10), (2026, 11))
    assert KRANJ.month_bounds(2026, 11)[0] == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert HELSINKI.month_bounds(2026, 11)[0] == datetime(2026, 10, 31, 22, tzinfo=UTC)
    assert HELSINKI.year_bounds(2027) == (datetime(2026, 12, 31, 22, tzinfo=UTC),
                                          datetime(2027, 12, 31, 22, tzinfo=UTC))
    with pytest.raises(ValueError, match="UTC offset"):
        KRANJ.local_date(datetime(2026, 10, 31, 22, 30))


def test_a_wall_time_the_clocks_skip_is_read_with_the_offset_before_the_change():
    # 02:30 on 29 March 2026 does not exist in Kranj: read as 02:30 CET, i.e. 01:30 UTC
    assert KRANJ.at(date(2026, 3, 29), time(2, 30)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_working_days_follow_each_countrys_holidays():
    assert KRANJ.is_working_day(date(2026, 12, 24)) and not HELSINKI.is_working_day(
        date(2026, 12, 24))  # Christmas Eve
    assert not KRANJ.is_working_day(date(2026, 6, 25)) and HELSINKI.is_working_day(
        date(2026, 6, 25))  # Slovenia's Statehood Day
    assert KRANJ.next_working_day(date(2026, 12, 25)) == date(2026, 12, 28)
    assert HELSINKI.next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)
    with pytest.raises(CalendarError, match="without a country"):
        CityCalendar("Europe/Helsinki", "").is_working_day(date(2026, 12, 24))


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2060, 12, 31),
                    timezones=st.just(UTC)),
       st.sampled_from([KRANJ, HELSINKI, CityCalendar("America/Santiago", "CL"),
                        CityCalendar("Australia/Lord_Howe", "AU")]))
def test_every_instant_lies_in_its_local_day_and_month(instant, cal):
    day = cal.local_date(instant)
    start, end = cal.day_bounds(day)
    assert start <= instant < end
    first, after = cal.month_bounds(*cal.local_month(instant))
    assert first <= instant < after
    assert cal.local_date(first) == day.replace(day=1)


# -- the city's zone in the database --------------------------------------------------------

@pytest.mark.django_db
def test_a_city_takes_its_countrys_zone_or_must_name_one():
    from zerocity.core.services import create_city

    assert create_city("espoo", name="Espoo", country="FI").timezone == "Europe/Helsinki"
    with pytest.raises(Conflict, match="ES has more than one time zone"):
        create_city("gran-canaria", name="Las Palmas", country="ES")
    las_palmas = create_city("las-palmas", name="Las Palmas", country="ES",
                             timezone="Atlantic/Canary")
    assert las_palmas.calendar.zone.key == "Atlantic/Canary"
    with pytest.raises(Conflict, match="unknown time zone"):
        create_city("x", name="X", country="SI", timezone="Europe/Kranj")
    with pytest.raises(Conflict, match="exists as Espoo"):
        create_city("espoo", name="Espoo", country="FI", timezone="Europe/Stockholm")


@pytest.mark.django_db
def test_a_zone_changes_only_while_nothing_was_counted_in_the_old_one(helsinki):
    from zerocity.core.services import set_city_timezone
    from zerocity.data.services import add_source, ingest_records

    moved = set_city_timezone(helsinki, "Europe/Mariehamn")
    assert moved.timezone == "Europe/Mariehamn" and moved.calendar.zone.key == "Europe/Mariehamn"
    source = add_source(moved, "meters", name="Meters", kind="electricity_meters",
                        schema={"active_energy": {"unit": "kWh"}}, frequency="hourly")
    assert source.timezone == "Europe/Mariehamn"  # a new source reads the city's clock
    batch = ingest_records(source, [{"meter": "m1", "time": "2026-11-01T10:00:00",
                             "quantity": "active_energy", "value": 1, "unit": "kWh"}]).value
    assert batch.accepted == 1
    with pytest.raises(Conflict, match=r"keeps its zone Europe/Mariehamn.*1 batch of "
                                       r"readings summed by local month"):
        set_city_timezone(moved, "Europe/Helsinki")
    assert set_city_timezone(moved, "Europe/Mariehamn") == moved  # no change: no refusal
