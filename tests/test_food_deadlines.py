"""The time-limit calculator against the research note's matrix
(shared/research/dps-food-procurement.md §2.7: Regulation 1182/71 with Slovenia's public
holidays, in Europe/Ljubljana), the same rules for a city in Helsinki with Finland's holidays,
and properties that must hold for any start in either city."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerocity.core.calendar import CityCalendar
from zerocity.food import deadlines

TZ = ZoneInfo("Europe/Ljubljana")
KRANJ = CityCalendar("Europe/Ljubljana", "SI")
HELSINKI = CityCalendar("Europe/Helsinki", "FI")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def test_slovenias_2026_holidays_are_the_research_notes():
    expected = {date(2026, 1, 1), date(2026, 1, 2), date(2026, 2, 8), date(2026, 4, 5),
                date(2026, 4, 6), date(2026, 4, 27), date(2026, 5, 1), date(2026, 5, 2),
                date(2026, 5, 24), date(2026, 6, 25), date(2026, 8, 15), date(2026, 10, 31),
                date(2026, 11, 1), date(2026, 12, 25), date(2026, 12, 26)}
    assert set(KRANJ.holidays(2026)) == expected
    assert not KRANJ.is_working_day(date(2026, 12, 25))  # Friday, Christmas
    assert not KRANJ.is_working_day(date(2026, 6, 27))  # Saturday
    assert KRANJ.is_working_day(date(2026, 6, 26))


def test_thirty_days_from_a_notice_sent_on_10_december_2026_end_on_monday_11_january():
    # day +30 is Saturday 9 January 2027: the period ends at the end of the next working day
    sent = local(2026, 12, 10, 11, 0)
    assert deadlines.last_day_in_days(KRANJ, sent, 30) == date(2027, 1, 11)
    assert deadlines.in_days(KRANJ, sent, 30) == local(2027, 1, 12, 0, 0).astimezone(UTC)


def test_ten_working_days_from_22_december_2026_end_on_7_january_2027():
    received = local(2026, 12, 22, 9, 30)
    assert deadlines.last_day_in_working_days(KRANJ, received, 10) == date(2027, 1, 7)
    assert deadlines.working_days_between(KRANJ, received, local(2027, 1, 7, 12)) == 10


def test_a_day_starts_the_period_only_after_the_event():
    late = local(2026, 12, 10, 23, 59)
    early_next = local(2026, 12, 11, 0, 1)
    assert late.astimezone(UTC).date() == early_next.astimezone(UTC).date()  # same UTC day
    assert deadlines.last_day_in_days(KRANJ, late, 10) == date(2026, 12, 21)  # Sunday 20 -> Monday
    assert deadlines.last_day_in_days(KRANJ, early_next, 10) == date(2026, 12, 21)
    assert deadlines.last_day_in_days(KRANJ, local(2026, 12, 9, 23, 59), 10) == date(2026, 12, 21)
    assert deadlines.last_day_in_days(KRANJ, local(2026, 12, 8, 12), 10) == date(2026, 12, 18)


def test_a_period_across_the_change_to_summer_time_ends_at_local_midnight():
    sent = local(2026, 3, 20, 10)  # clocks go forward on 29 March
    end = deadlines.in_days(KRANJ, sent, 10)
    assert end == datetime(2026, 3, 30, 22, 0, tzinfo=UTC)  # 31 March 00:00 CEST
    winter = deadlines.in_days(KRANJ, local(2026, 10, 20, 10), 10)  # back on 25 October
    assert winter == datetime(2026, 10, 30, 23, 0, tzinfo=UTC)  # 31 October 00:00 CET


instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31),
                        timezones=st.just(UTC))


@pytest.mark.parametrize("cal", [KRANJ, HELSINKI], ids=["kranj", "helsinki"])
@settings(max_examples=200, deadline=None)
@given(sent=instants, days=st.integers(min_value=1, max_value=60))
def test_a_calendar_period_is_never_shorter_and_ends_on_a_working_day(cal, sent, days):
    end = deadlines.in_days(cal, sent, days)
    last = deadlines.last_day_in_days(cal, sent, days)
    assert cal.is_working_day(last)
    assert last >= cal.local_date(sent) + timedelta(days=days)
    # only days off lie between day N and the day the period ends
    day = cal.local_date(sent) + timedelta(days=days)
    while day < last:
        assert not cal.is_working_day(day)
        day += timedelta(days=1)
    assert end.astimezone(cal.zone).time().hour == 0 and end > sent + timedelta(days=days - 1)


@pytest.mark.parametrize("cal", [KRANJ, HELSINKI], ids=["kranj", "helsinki"])
@settings(max_examples=200, deadline=None)
@given(received=instants, days=st.integers(min_value=1, max_value=30))
def test_a_working_day_period_counts_exactly_its_working_days(cal, received, days):
    last = deadlines.last_day_in_working_days(cal, received, days)
    assert cal.is_working_day(last)
    assert deadlines.working_days_between(cal, received, cal.day_end(last)
                                          - timedelta(microseconds=1)) == days
    assert deadlines.last_day_in_working_days(cal, received, days + 1) > last


# -- the same law in another city: Helsinki keeps its own clock and Finland's holidays --------

def helsinki(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Europe/Helsinki"))


def test_helsinkis_thirty_days_end_at_helsinkis_midnight_an_hour_before_kranjs():
    # the same notice, sent at 11:00 local time in each city on 10 December 2026: day +30 is
    # Saturday 9 January, so both periods end at the end of Monday 11 January, local time
    assert deadlines.in_days(HELSINKI, helsinki(2026, 12, 10, 11), 30) == datetime(
        2027, 1, 11, 22, 0, tzinfo=UTC)  # 12 January 00:00 EET
    assert deadlines.in_days(KRANJ, local(2026, 12, 10, 11), 30) == datetime(
        2027, 1, 11, 23, 0, tzinfo=UTC)  # 12 January 00:00 CET


def test_an_invitation_sent_late_in_the_evening_in_helsinki_starts_counting_a_day_later():
    # 23:30 on 10 December in Helsinki is 22:30 in Kranj: still the 10th in both cities, but
    # 00:30 on the 11th in Helsinki is 23:30 on the 10th in Kranj
    after_midnight = helsinki(2026, 12, 11, 0, 30)
    assert deadlines.last_day_in_days(HELSINKI, after_midnight, 10) == date(2026, 12, 21)
    assert deadlines.last_day_in_days(KRANJ, after_midnight, 10) == date(2026, 12, 21)
    assert deadlines.last_day_in_days(HELSINKI, after_midnight, 9) == date(2026, 12, 21)
    assert deadlines.last_day_in_days(KRANJ, after_midnight, 9) == date(2026, 12, 21)
    assert deadlines.last_day_in_days(HELSINKI, after_midnight, 8) == date(2026, 12, 21)
    # Kranj's day 8 is Friday 18th; Helsinki's is Saturday 19th, moved to Monday 21st
    assert deadlines.last_day_in_days(KRANJ, after_midnight, 8) == date(2026, 12, 18)


def test_ten_working_days_skip_finlands_holidays_not_slovenias():
    # From 22 December 2026: Finland keeps Christmas Eve (24th) and Epiphany (6 January) off,
    # Slovenia works both days; so Helsinki's tenth working day is 11 January, Kranj's the 7th.
    assert {date(2026, 12, 24), date(2026, 6, 19), date(2026, 12, 6)} <= set(
        HELSINKI.holidays(2026))
    assert date(2026, 6, 25) not in HELSINKI.holidays(2026)  # Slovenia's Statehood Day
    assert deadlines.last_day_in_working_days(
        HELSINKI, helsinki(2026, 12, 22, 9, 30), 10) == date(2027, 1, 11)
    assert deadlines.last_day_in_working_days(
        KRANJ, local(2026, 12, 22, 9, 30), 10) == date(2027, 1, 7)
