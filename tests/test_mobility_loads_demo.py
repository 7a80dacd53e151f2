"""The Kranj demo's synthetic card riders ride the demo's timetable (``demo/riders.py``), so the
loads of its buses (``mobility.loads``: a tap matches the run of its route at its stop within
2 minutes, alightings by trip chaining) find the runs they boarded and where they got off.

The riders are loaded as of Saturday 5 December 2026: November and 1-4 December, which the
committed feed covers from the 1st; Wednesday 2 December is a school day (service ``SOL``)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from zerocity.card.demo import HUB, ROUTES
from zerocity.core.calendar import calendar_of
from zerocity.demo import riders, transit

SCHOOL_DAY = date(2026, 12, 2)
TODAY = date(2026, 12, 5)
CAL = calendar_of("Europe/Ljubljana", "SI")


@pytest.fixture(scope="module")
def network() -> riders.Network:
    return riders.Network(CAL, ROUTES)


def test_the_riders_service_days_are_the_committed_feeds(network):
    # given: the committed calendars, 1 December 2026 to 31 December 2027
    files = transit.feed_files()
    weekly, exceptions = (files[n].decode() for n in ("calendar.txt", "calendar_dates.txt"))
    day = transit.FIRST_DAY
    while day <= transit.LAST_DAY:
        # then: the riders ride the services the feed runs that day
        assert network.services(day) == riders._running(weekly, exceptions, day), day
        day += timedelta(days=1)
    # and a day before the committed window follows the same rules
    assert network.services(date(2026, 11, 10)) == {"SOL"}
    assert network.services(date(2026, 11, 1)) == {"NED"}  # a Sunday


def test_a_journey_with_a_change_rides_two_runs_of_the_timetable(network):
    # when: from Planina to Stražišče (no line of the card demo serves both) after 07:15
    legs = network.journey(SCHOOL_DAY, "planina", "strazisce", 7 * 3600 + 15 * 60,
                           random.Random(1))
    # then: line 1 at 07:15 to the bus station, line 3 at 07:44 from it (120 s at least to
    # change, transfers.txt), each tapped within a minute before its departure
    assert [(leg.route, leg.trip_id, leg.board, leg.alight) for leg in legs] == [
        ("1", "1-SOL-1-0715", "planina", HUB), ("3", "3-SOL-0-0744", HUB, "strazisce")]
    assert [(leg.depart_s, leg.arrive_s) for leg in legs] == [(26100, 26700), (27840, 28560)]
    assert all(0 <= leg.depart_s - leg.tap_s <= riders.EARLY_S for leg in legs)
    assert legs[1].tap_s - legs[0].arrive_s >= 0
    assert legs[1].depart_s - legs[0].arrive_s >= riders.MIN_CHANGE_S


def test_a_change_is_where_the_two_lines_meet_first(network):
    # Planina to Britof: lines 1 and 5 share Primskovo, before the bus station
    legs = network.journey(SCHOOL_DAY, "planina", "britof", 7 * 3600 + 15 * 60,
                           random.Random(1))
    assert [(leg.route, leg.board, leg.alight) for leg in legs] == [
        ("1", "planina", "primskovo"), ("5", "primskovo", "britof")]
    # two stops on one line: one run, in the direction of travel
    (leg,) = network.journey(SCHOOL_DAY, "primskovo", "zlato-polje", 7 * 3600,
                             random.Random(1))
    assert leg.trip_id.startswith(("1-SOL-1-", "5-SOL-1-")) and leg.depart_s >= 7 * 3600


@pytest.mark.django_db
def test_the_demo_riders_taps_match_the_timetable_and_the_loads_add_up(kranj):
    from zerocity.card.demo import SEQ_BASE
    from zerocity.card.models import Tap
    from zerocity.core.models import AuditLog
    from zerocity.mobility import load_reports

    # given: the demo's synthetic riders
    report = riders.load_riders(kranj, today=TODAY, actor="test")
    assert report.startswith("kranj riders: 120 synthetic riders,")
    # when: the loads of a school day
    result = load_reports.city_loads(kranj, SCHOOL_DAY)
    r = result.loads
    # then: the riders' taps match the runs they boarded
    assert r.taps > 200 and r.match_rate is not None and r.match_rate >= 0.9
    assert sum(r.unchained.values()) <= 0.1 * r.matched  # alightings found by chaining
    for trip in r.trips:
        loads = [s.load for s in trip.segments]
        assert min(loads) >= 0 and loads[-1] == 0, trip.run.key
        assert not trip.over_capacity  # 120 riders: no crowd
    # every bus tap names its line and stop, as the validators report them
    taps = Tap.objects.filter(validator__city=kranj, service="bus", seq__gte=SEQ_BASE)
    assert not taps.filter(route="").exists() and not taps.filter(stop="").exists()
    # loading again adds nothing
    before = (Tap.objects.count(), AuditLog.objects.count())
    assert riders.load_riders(kranj, today=TODAY, actor="test") == "kranj riders: already there"
    assert (Tap.objects.count(), AuditLog.objects.count()) == before



@pytest.mark.django_db
def test_a_days_rides_are_the_same_whichever_later_day_the_demo_is_loaded_on(kranj,
                                                                             monkeypatch):
    # (the month the demo publishes then gives the same figures all the next month; publishing
    # is left out here, its stored files outlive the rollback below)
    from types import SimpleNamespace

    from django.db import transaction

    from zerocity.card import ridership
    from zerocity.card.demo import SEQ_BASE
    from zerocity.card.models import Tap

    monkeypatch.setattr(ridership, "publish", lambda *a, **k: SimpleNamespace(pk=0))

    def rides(today: date) -> list[tuple[object, ...]]:
        with transaction.atomic():
            riders.load_riders(kranj, today=today, actor="test")
            rows = list(Tap.objects.filter(validator__city=kranj, seq__gte=SEQ_BASE,
                                           at__lt=CAL.day_start(TODAY))
                        .order_by("medium__label", "at")
                        .values_list("medium__label", "at", "route", "stop", "units", "reason"))
            transaction.set_rollback(True)
        return rows

    # given: the riders as of Saturday 5 December, and as of Tuesday 8 December
    early, later = rides(TODAY), rides(TODAY + timedelta(days=3))
    # then: November and 1-4 December ride the same, tap for tap
    assert len(early) > 5000 and early == later
