"""The time-limit calculator against the research note's matrix
(shared/research/dps-food-procurement.md §2.7: Regulation 1182/71 with Slovenia's public
holidays, in Europe/Ljubljana) and properties that must hold for any start."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from zerocity.food import deadlines

TZ = ZoneInfo("Europe/Ljubljana")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def test_slovenias_2026_holidays_are_the_research_notes():
    expected = {date(2026, 1, 1), date(2026, 1, 2), date(2026, 2, 8), date(2026, 4, 5),
                date(2026, 4, 6), date(2026, 4, 27), date(2026, 5, 1), date(2026, 5, 2),
                date(2026, 5, 24), date(2026, 6, 25), date(2026, 8, 15), date(2026, 10, 31),
                date(2026, 11, 1), date(2026, 12, 25), date(2026, 12, 26)}
    assert set(deadlines._holidays(2026)) == expected
    assert not deadlines.is_working_day(date(2026, 12, 25))  # Friday, Christmas
    assert not deadlines.is_working_day(date(2026, 6, 27))  # Saturday
    assert deadlines.is_working_day(date(2026, 6, 26))


def test_thirty_days_from_a_notice_sent_on_10_december_2026_end_on_monday_11_january():
    # day +30 is Saturday 9 January 2027: the period ends at the end of the next working day
    sent = local(2026, 12, 10, 11, 0)
    assert deadlines.last_day_in_days(sent, 30) == date(2027, 1, 11)
    assert deadlines.in_days(sent, 30) == local(2027, 1, 12, 0, 0).astimezone(UTC)


def test_ten_working_days_from_22_december_2026_end_on_7_january_2027():
    received = local(2026, 12, 22, 9, 30)
    assert deadlines.last_day_in_working_days(received, 10) == date(2027, 1, 7)
    assert deadlines.working_days_between(received, local(2027, 1, 7, 12)) == 10


def test_a_day_starts_the_period_only_after_the_event():
    late = local(2026, 12, 10, 23, 59)
    early_next = local(2026, 12, 11, 0, 1)
    assert late.astimezone(UTC).date() == early_next.astimezone(UTC).date()  # same UTC day
    assert deadlines.last_day_in_days(late, 10) == date(2026, 12, 21)  # Sunday 20 -> Monday
    assert deadlines.last_day_in_days(early_next, 10) == date(2026, 12, 21)
    assert deadlines.last_day_in_days(local(2026, 12, 9, 23, 59), 10) == date(2026, 12, 21)
    assert deadlines.last_day_in_days(local(2026, 12, 8, 12), 10) == date(2026, 12, 18)


def test_a_period_across_the_change_to_summer_time_ends_at_local_midnight():
    sent = local(2026, 3, 20, 10)  # clocks go forward on 29 March
    end = deadlines.in_days(sent, 10)
    assert end == datetime(2026, 3, 30, 22, 0, tzinfo=UTC)  # 31 March 00:00 CEST
    winter = deadlines.in_days(local(2026, 10, 20, 10), 10)  # back on 25 October
    assert winter == datetime(2026, 10, 30, 23, 0, tzinfo=UTC)  # 31 October 00:00 CET


instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31),
                        timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(sent=instants, days=st.integers(min_value=1, max_value=60))
def test_a_calendar_period_is_never_shorter_and_ends_on_a_working_day(sent, days):
    end = deadlines.in_days(sent, days)
    last = deadlines.last_day_in_days(sent, days)
    assert deadlines.is_working_day(last)
    assert last >= deadlines.local_date(sent) + timedelta(days=days)
    # only days off lie between day N and the day the period ends
    day = deadlines.local_date(sent) + timedelta(days=days)
    while day < last:
        assert not deadlines.is_working_day(day)
        day += timedelta(days=1)
    assert end.astimezone(TZ).time().hour == 0 and end > sent + timedelta(days=days - 1)


@settings(max_examples=300, deadline=None)
@given(received=instants, days=st.integers(min_value=1, max_value=30))
def test_a_working_day_period_counts_exactly_its_working_days(received, days):
    last = deadlines.last_day_in_working_days(received, days)
    assert deadlines.is_working_day(last)
    assert deadlines.working_days_between(received, deadlines.end_of(last)
                                          - timedelta(microseconds=1)) == days
    assert deadlines.last_day_in_working_days(received, days + 1) > last
