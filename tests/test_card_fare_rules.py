"""The fare engine alone (no database): pass validity in the local calendar, categories and
concession expiry, per-unit products, caps across a DST change, rule errors with their path,
and a property: a day's fares never pass the cap and are never negative."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerocity.card import fares
from zerocity.card.demo import kranj_fares

D = Decimal
TZ = "Europe/Ljubljana"
RULES = fares.load_rules(kranj_fares(), TZ)


def product(pid: str) -> fares.FareProduct:
    return next(p for p in RULES.products if p.id == pid)


def local(y: int, m: int, d: int, h: int = 0, minute: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(y, m, d, h, minute, tzinfo=ZoneInfo(TZ))


def test_kranj_s_published_tariff():
    # research note anchors-citycard-engagement.md A.2 (MOK tariff from 1 Sept 2023)
    assert product("bus-single").amount == D("1.00")
    assert [product(p).amount for p in ("bus-monthly", "bus-monthly-child", "bus-annual",
                                        "bus-annual-child")] == [D("10.00"), D("5.00"),
                                                                 D("100.00"), D("50.00")]
    assert RULES.transfers[0].duration_limit_minutes == 90
    assert RULES.caps[0].amount == D("1.00") and RULES.caps[0].period == "day"


@pytest.mark.parametrize(("pid", "bought", "start", "end"), [
    # Kranj monthly: the purchase day to the end of that month, local midnight (DST in March)
    ("bus-monthly", local(2026, 3, 31, 18), local(2026, 3, 31), local(2026, 4, 1)),
    ("bus-monthly", local(2028, 2, 29, 9), local(2028, 2, 29), local(2028, 3, 1)),
    # Kranj annual: to the end of the same month a year later
    ("bus-annual", local(2026, 10, 25, 12), local(2026, 10, 25), local(2027, 11, 1)),
    ("bike-annual", local(2026, 1, 31, 8), local(2026, 1, 31), local(2027, 1, 31)),
])
def test_pass_validity_in_the_local_calendar(pid, bought, start, end):
    assert fares.pass_validity(product(pid), bought, TZ) == (start, end)


def test_urbana_s_monthly_runs_to_the_fifth_of_the_next_month():
    urbana = fares.FareProduct("u", "Urbana monthly", "bus", "pass", D("37.00"), "adult",
                               "month_to_5th_of_next")
    assert fares.pass_validity(urbana, local(2026, 1, 31, 10), TZ) == (
        local(2026, 1, 1), local(2026, 2, 6))


def tap(at: datetime, vehicle: str = "bus-1", **kw) -> fares.Decision:  # type: ignore[no-untyped-def]
    kw.setdefault("history", [])
    kw.setdefault("passes", [])
    kw.setdefault("eligibilities", [])
    kw.setdefault("balance", D("50.00"))
    service = kw.pop("service", "bus")
    units = kw.pop("units", None)
    return fares.decide(RULES, fares.Tap(at=at, service=service, vehicle=vehicle, units=units),
                        **kw)


def prior(d: fares.Decision, at: datetime, vehicle: str = "bus-1",
          service: str = "bus") -> fares.PriorTap:
    return fares.PriorTap(at=at, service=service, vehicle=vehicle, fare=d.fare, reason=d.reason,
                          journey_start=d.journey_start or at)


def test_transfer_window_is_ninety_minutes_from_the_journey_start():
    t0 = local(2026, 10, 20, 7)
    first = tap(t0)
    history = [prior(first, t0)]
    assert tap(t0 + timedelta(minutes=90), "bus-2", history=history).reason == "transfer"
    later = tap(t0 + timedelta(minutes=91), "bus-2", history=history)
    assert later.reason == "capped" and later.fare == D("0.00")  # Kranj's day cap


def test_the_day_cap_resets_at_local_midnight_across_the_dst_change():
    # 25 October 2026: clocks go back, the local day has 25 hours
    late = local(2026, 10, 25, 23, 30)
    paid = tap(late)
    assert paid.fare == D("1.00")
    next_day = tap(late + timedelta(minutes=45), "bus-2", history=[prior(paid, late)])
    assert next_day.reason == "transfer"  # still inside 90 minutes: a transfer, not a fare
    tomorrow = tap(late + timedelta(hours=3), "bus-3", history=[prior(paid, late)])
    assert (tomorrow.reason, tomorrow.fare) == ("fare", D("1.00"))


def test_in_helsinki_the_same_day_cap_turns_at_helsinkis_midnight():
    # the same rules for a city on Helsinki's clock: 21:30 UTC on 20 October is 00:30 on the
    # 21st in Helsinki (EEST) but 23:30 on the 20th in Kranj (CEST)
    from datetime import UTC

    helsinki = fares.load_rules(kranj_fares(), "Europe/Helsinki")
    day = datetime(2026, 10, 20, 6, tzinfo=UTC)
    night = datetime(2026, 10, 20, 21, 30, tzinfo=UTC)

    def decide(rules: fares.FareRules, at: datetime, history: list) -> fares.Decision:  # type: ignore[type-arg]
        return fares.decide(rules, fares.Tap(at=at, service="bus", vehicle="bus-9", units=None),
                            history=history, passes=[], eligibilities=[], balance=D("50"))

    for rules, fare in ((RULES, D("0.00")), (helsinki, D("1.00"))):
        paid = decide(rules, day, [])
        assert paid.fare == D("1.00")
        # the day cap (1.00) makes Kranj's night tap free; in Helsinki it is a new day
        assert decide(rules, night, [prior(paid, day)]).fare == fare


def test_a_concession_counts_until_it_expires():
    at = local(2026, 10, 20, 7)
    pupil = [fares.Eligibility("pupil", at - timedelta(days=30), at + timedelta(seconds=1))]
    assert tap(at, eligibilities=pupil).fare == D("0.50")
    expired = [fares.Eligibility("pupil", at - timedelta(days=30), at)]
    assert tap(at, eligibilities=expired).fare == D("1.00")


def test_per_unit_products_and_free_units():
    at = local(2026, 10, 20, 7)
    assert tap(at, service="bike", vehicle="station-1", units=45).fare == D("0.75")
    assert tap(at, service="bike", vehicle="station-1", units=30).reason == "free"
    assert tap(at, service="parking", vehicle="p1", units=3).fare == D("2.40")
    assert tap(at, service="parking", vehicle="p1").reason == "units_missing"
    assert tap(at, service="library", vehicle="desk").reason == "free"


def test_balance_floor_blocked_and_naive_times():
    at = local(2026, 10, 20, 7)
    assert tap(at, balance=D("0.99")).reason == "insufficient_balance"
    assert tap(at, balance=D("0.50"), floor=D("-1.00")).accept
    assert tap(at, blocked=True).reason == "blocked"
    with pytest.raises(ValueError, match="time zone"):
        tap(datetime(2026, 10, 20, 7))


@pytest.mark.parametrize(("change", "message"), [
    ({"fare_products": [{"fare_product_id": "x"}]},
     "Fill in fare_products[0].kind: it is required text."),
    ({"fare_caps": [{"service": "bus", "period": "day", "amount": "1.005"}]},
     'In fare_caps[0].amount, "1.005" is not an amount of 0 or more in whole cents; write it '
     "in euros with at most two decimals."),
    ({"timezone": "Mars/Olympus"},
     'The time zone "Mars/Olympus" is unknown; give an IANA name such as Europe/Ljubljana.'),
    ({"timezone": "Europe/Helsinki"},
     "The rules keep the time zone Europe/Helsinki but the city keeps Europe/Ljubljana; use "
     "the city's zone or leave timezone out."),
    ({"rider_categories": []},
     "Exactly one of the rider_categories must have is_default_fare_category set to true."),
])
def test_rule_errors_name_their_path(in_english, change, message):
    with pytest.raises(fares.RulesError) as refused:
        fares.load_rules({**kranj_fares(), **change}, TZ)
    assert str(refused.value) == message


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 24 * 60 - 1), st.integers(1, 4)), min_size=1,
                max_size=25))
def test_a_day_never_costs_more_than_the_cap(taps):
    day = local(2026, 10, 20)
    history: list[fares.PriorTap] = []
    for minute, bus in sorted(taps):
        at = day + timedelta(minutes=minute)
        d = tap(at, f"bus-{bus}", history=history)
        assert d.fare >= 0
        if d.accept:
            history.append(prior(d, at, f"bus-{bus}"))
    assert sum(p.fare for p in history) <= D("1.00")
