"""What a journey costs on the city card: the card's own engine prices the taps an itinerary
would make, and a small integer model of the same engine lets the search compare fares.

The engine (``zerocity.card.fares``) is handed in as a :class:`CardFares` value: its module
reads Django's translation catalogue, and the planner imports nothing of Django. The final
price of every itinerary comes from :func:`price`, which calls the engine tap by tap and keeps
the history the card keeps (each accepted tap, with its fare, reason and journey start), so
the quote is what the validators charge.

During the search each label carries a :class:`FareModel` state: the cents paid so far, the
current journey's start, the last tap and its vehicle, the transfers made in the journey, the
end of a cap period already full, and the cents the itinerary paid in each cap period the
search can tap in (what the caps need of its taps). Two labels' fares are compared only when
their futures are provably ordered (:func:`kernels.run`'s ``key``, :func:`kernels.key_dominates`):
both states give every later tap the same charge (equal open transfer windows and counts), or
one rides free until the search's horizon (a cap reached for a period that lasts past it, a
pass), or, for rules with a single free, unlimited transfer window from the journey's start,
one's window closes later. Fewer cents paid then never costs more later, because a cap's total
is monotone in what was paid before.

The model's decisions are compiled code (:func:`kernels.fare_step`), the search's and
:meth:`FareModel.step`'s alike; this module lays the rules out as its integer tables.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from zerocity.mobility.planner import kernels

BUS = "bus"
BIG_BALANCE = Decimal("1000000")


@dataclass(frozen=True)
class PlannedTap:
    at: datetime
    service: str
    vehicle: str | None
    units: int | None = None


@dataclass(frozen=True)
class CardFares:
    """The card's fare engine and the rider's position in it: ``rules`` is a
    ``zerocity.card.fares.FareRules``; ``decide``, ``tap`` and ``prior_tap`` are that module's
    ``decide``, ``Tap`` and ``PriorTap``; ``history`` the rider's accepted taps already made
    (PriorTap values), ``passes`` and ``eligibilities`` as the engine takes them."""

    rules: Any
    decide: Callable[..., Any]
    tap: Callable[..., Any]
    prior_tap: Callable[..., Any]
    currency: str = "EUR"
    history: tuple[Any, ...] = ()
    passes: tuple[Any, ...] = ()
    eligibilities: tuple[Any, ...] = ()


def price(fares: CardFares, taps: Sequence[PlannedTap]) -> Decimal | None:
    """The card's charge for these taps, in order, after the rider's history; None when the
    card would refuse one (no product for the service)."""
    history = list(fares.history)
    total = Decimal("0.00")
    for t in sorted(taps, key=lambda t: t.at):
        d = fares.decide(fares.rules, fares.tap(at=t.at, service=t.service, vehicle=t.vehicle,
                                                units=t.units),
                         history=history, passes=fares.passes,
                         eligibilities=fares.eligibilities, balance=BIG_BALANCE)
        if not d.accept:
            return None
        total += d.fare
        history.append(fares.prior_tap(at=t.at, service=t.service, vehicle=t.vehicle or None,
                                       fare=d.fare, reason=d.reason,
                                       journey_start=d.journey_start or t.at))
    return total


def _cents(amount: Any) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


# A state: (paid cents, journey start, last tap time, last vehicle's code, transfers made in the
# journey, end of the latest cap period already full, cents paid in each of the model's cap
# intervals...); times on the timetable's axis, kernels.NONE before any tap.
State = tuple[int, ...]


class FareModel:
    """The engine's bus decisions in integer cents on the timetable's time axis (seconds from
    ``origin``), for one rider tapping between ``start`` and ``horizon``: the tables of
    :func:`kernels.fare_step` (``params``, ``transfer_table``, ``cap_amounts``,
    ``intervals``) and the rider's ``initial`` state."""

    def __init__(self, fares: CardFares, origin: datetime, start: int, horizon: int) -> None:
        rules = fares.rules
        self.origin = origin
        self.horizon = horizon
        self.zone = ZoneInfo(rules.tz)
        at = origin + timedelta(seconds=start)
        held = {e.category for e in fares.eligibilities if e.valid_from <= at < e.expires_at}
        cats = [c for c in rules.categories if c.requires is None or c.requires in held]
        default = next(c for c in rules.categories if c.is_default)

        def product(cat: Any) -> Any:
            return next((p for p in rules.products if p.service == BUS and p.kind != "pass"
                         and p.rider_category == cat.id), None)

        best, best_p = default, product(default)
        for c in cats:
            p = product(c)
            if p is not None and (best_p is None or p.amount < best_p.amount):
                best, best_p = c, p
        self.category = best.id
        self.priced = best_p is not None and best_p.kind in ("single", "entry")
        self.price = _cents(best_p.amount) if best_p is not None else 0
        self.transfers = [(r.duration_limit_minutes * 60, r.duration_limit_type,
                           r.transfer_count, _cents(r.fare))
                          for r in rules.transfers if r.service == BUS]
        self.caps = [(c.period, _cents(c.amount)) for c in rules.caps
                     if c.service == BUS and c.rider_category in (None, best.id)]
        self.same_vehicle = rules.same_vehicle_minutes * 60
        products = {p.id: p for p in rules.products}
        self.free_all = any(
            (prod := products.get(p.product_id)) is not None and prod.service == BUS
            and prod.rider_category in {c.id for c in cats}
            and p.valid_from <= at and origin + timedelta(seconds=horizon) < p.valid_to
            for p in fares.passes)
        self.all_free = self.price == 0 and all(t[3] == 0 for t in self.transfers)
        self.simple_window = (len(self.transfers) == 1 and self.transfers[0][1]
                              == "from_journey_start" and self.transfers[0][2] is None
                              and self.transfers[0][3] == 0)
        self.js_limit = max((t[0] for t in self.transfers if t[1] == "from_journey_start"),
                            default=-1)
        self.prev_limit = max((t[0] for t in self.transfers if t[1] != "from_journey_start"),
                              default=-1)
        self.counted = any(t[2] is not None for t in self.transfers)
        self._bounds: dict[tuple[str, int], tuple[int, int]] = {}
        prior = sorted((p for p in fares.history if p.service == BUS), key=lambda p: p.at)
        self.prior = [(self._axis(p.at), _cents(p.fare)) for p in prior]
        self.prior_times = [t for t, _ in self.prior]
        self.params = np.asarray(
            [1, self.price, self.same_vehicle, self.free_all, self.all_free, self.simple_window,
             self.js_limit, self.prev_limit, self.counted, horizon], dtype=np.int64)
        self.transfer_table = np.asarray(
            [(limit, kind == "from_journey_start", -1 if count is None else count, fare)
             for limit, kind, count, fare in self.transfers], dtype=np.int64).reshape(-1, 4)
        self.cap_amounts = np.asarray([amount for _, amount in self.caps], dtype=np.int64)
        rows = []
        for c, (period, _) in enumerate(self.caps):  # each cap's periods over [start, horizon]
            t = start
            while True:
                lo, hi = self._period(period, t)
                rows.append((c, lo, hi, self._prior_paid(lo, hi)))
                if hi > horizon:
                    break
                t = hi
        self.intervals = np.asarray(rows, dtype=np.int64).reshape(-1, 4)
        self._codes: dict[str, int] = {}
        self.last_vehicle: str | None = None
        first = [0, kernels.NONE, kernels.NONE, self.code(None), 0, 0] + [0] * len(rows)
        if prior:
            last = prior[-1]
            tm = sum(1 for p in prior if p.journey_start == last.journey_start
                     and p.reason == "transfer")
            self.last_vehicle = last.vehicle
            first[1:5] = [self._axis(last.journey_start), self._axis(last.at),
                          self.code(last.vehicle), tm]
        first[kernels.S_FULL] = kernels.fare_full_until(
            self.cap_amounts, self.intervals, np.asarray([first], dtype=np.int64), 0, start)
        self.initial: State = tuple(first)

    def code(self, vehicle: str | None) -> int:
        """A vehicle's code in this model's states (-2: none, -1: an empty name)."""
        if vehicle is None:
            return -2
        return -1 if vehicle == "" else self._codes.setdefault(vehicle, len(self._codes))

    def _axis(self, moment: datetime) -> int:
        return int((moment - self.origin).total_seconds())

    def _period(self, period: str, t: int) -> tuple[int, int]:
        """[start, end) on the axis of the local day, week or month holding t."""
        key = (period, t // 900)  # zone offsets are whole quarter hours
        hit = self._bounds.get(key)
        if hit is None:
            hit = self._bounds[key] = self._period_of(period, t)
        return hit

    def _period_of(self, period: str, t: int) -> tuple[int, int]:
        local = (self.origin + timedelta(seconds=t)).astimezone(self.zone).date()
        if period == "week":
            first = local - timedelta(days=local.weekday())
            after = first + timedelta(days=7)
        elif period == "month":
            first = local.replace(day=1)
            after = (first + timedelta(days=32)).replace(day=1)
        else:
            first, after = local, local + timedelta(days=1)
        return self._midnight(first), self._midnight(after)

    def _midnight(self, day: date) -> int:
        return self._axis(datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC))

    def _prior_paid(self, start: int, end: int) -> int:
        lo = bisect.bisect_left(self.prior_times, start)
        hi = bisect.bisect_left(self.prior_times, end)
        return sum(f for _, f in self.prior[lo:hi])

    def step(self, state: State, t: int, vehicle: str) -> State:
        """The state after a bus tap at t on ``vehicle``, as the engine decides it."""
        rows = np.asarray([state, state], dtype=np.int64)
        kernels.fare_step(self.params, self.transfer_table, self.cap_amounts, self.intervals,
                          rows, 0, t, self.code(vehicle), 1)
        return tuple(int(x) for x in rows[1])
