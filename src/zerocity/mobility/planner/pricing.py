"""What a journey costs on the city card: the card's own engine prices the taps an itinerary
would make, and a small integer model of the same engine lets the search compare fares.

The engine (``zerocity.card.fares``) is handed in as a :class:`CardFares` value: its module
reads Django's translation catalogue, and the planner imports nothing of Django. The final
price of every itinerary comes from :func:`price`, which calls the engine tap by tap and keeps
the history the card keeps (each accepted tap, with its fare, reason and journey start), so
the quote is what the validators charge.

During the search each label carries a :class:`FareModel` state: the cents paid so far, the
itinerary's own taps (for the caps), the current journey's start, the last tap and the
transfers made in the journey. Two labels' fares are compared only when their futures are
provably ordered (:meth:`FareModel.dominates`): both states give every later tap the same
charge (equal open transfer windows and counts), or one rides free until the search's horizon
(a cap reached for a period that lasts past it, a pass), or, for rules with a single free,
unlimited transfer window from the journey's start, one's window closes later. Fewer cents
paid then never costs more later, because a cap's total is monotone in what was paid before.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

BUS = "bus"
FREE: tuple[Any, ...] = ("free",)
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


# A state: (paid cents, itinerary taps ((t, cents), ...), journey start, last tap time, last
# vehicle, transfers made in the journey, end of the latest cap period already full); times on
# the timetable's axis, None before any tap.
State = tuple[int, tuple[tuple[int, int], ...], int | None, int | None, str | None, int, int]


class FareModel:
    """The engine's bus decisions in integer cents on the timetable's time axis (seconds from
    ``origin``), for one rider between ``start`` and ``horizon``."""

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
        if prior:
            last = prior[-1]
            js = self._axis(last.journey_start)
            tm = sum(1 for p in prior if p.journey_start == last.journey_start
                     and p.reason == "transfer")
            first: State = (0, (), js, self._axis(last.at), last.vehicle, tm, 0)
        else:
            first = (0, (), None, None, None, 0, 0)
        self.initial: State = (*first[:6], self._full_until(first, start))

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

    def _paid_in(self, state: State, start: int, end: int) -> int:
        lo = bisect.bisect_left(self.prior_times, start)
        hi = bisect.bisect_left(self.prior_times, end)
        paid = sum(f for _, f in self.prior[lo:hi])
        return paid + sum(f for t, f in state[1] if start <= t < end)

    def _charge(self, state: State, fare: int, t: int) -> tuple[int, bool]:
        capped = False
        for period, amount in self.caps:
            start, end = self._period(period, t)
            room = max(0, amount - self._paid_in(state, start, end))
            if fare > room:
                fare, capped = room, True
        return fare, capped

    def _full_until(self, state: State, t: int) -> int:
        """The end of the latest cap period holding t that is already full."""
        until = state[6]
        for period, amount in self.caps:
            start, end = self._period(period, t)
            if end > until and self._paid_in(state, start, end) >= amount:
                until = end
        return until

    def step(self, state: State, t: int, vehicle: str) -> State:
        """The state after a bus tap at t on ``vehicle``, as the engine decides it."""
        new = self._step(state, t, vehicle)
        return (*new[:6], self._full_until(new, t)) if self.caps else new

    def _step(self, state: State, t: int, vehicle: str) -> State:
        paid, taps, js, la, lv, tm, full = state
        if full > self.horizon:  # a cap full to the horizon: every tap until then is free
            return (paid, taps + ((t, 0),), js, t, vehicle, tm, full)
        if self.free_all:
            return (paid, taps + ((t, 0),), t, t, vehicle, 0, full)
        if la is not None and vehicle and lv == vehicle and t - la <= self.same_vehicle:
            return (paid, taps + ((t, 0),), js, t, vehicle, tm, full)  # already validated
        if la is not None and js is not None and vehicle != lv:
            for limit, kind, count, fare in self.transfers:
                since = js if kind == "from_journey_start" else la
                if t - since <= limit and (count is None or tm < count):
                    charged, capped = self._charge(state, fare, t)
                    return (paid + charged, taps + ((t, charged),), js, t, vehicle,
                            tm if capped else tm + 1, full)
        if self.price == 0:
            return (paid, taps + ((t, 0),), t, t, vehicle, 0, full)
        charged, _ = self._charge(state, self.price, t)
        return (paid + charged, taps + ((t, charged),), t, t, vehicle, 0, full)

    def key(self, state: State, now: int) -> tuple[Any, ...]:
        """What of the state still matters for taps from ``now`` to the horizon."""
        paid, taps, js, la, lv, tm, full = state
        if self.free_all or self.all_free or full > self.horizon:
            # a full cap period lasting past the horizon holds ``now`` too: taps only come
            # after the one that filled it
            return FREE
        js_open = js if js is not None and self.js_limit >= 0 and js + self.js_limit >= now \
            else None
        la_open = la if la is not None and self.prev_limit >= 0 and \
            la + self.prev_limit >= now else None
        if self.simple_window:
            return ("w", js_open)
        open_ = js_open is not None or la_open is not None
        return (js_open, la_open, tm if (self.counted and open_) else None)

    def dominates(self, k1: tuple[Any, ...], k2: tuple[Any, ...]) -> bool:
        """Whether a label keyed k1 pays, from here on, never more than one keyed k2 (given
        it has paid no more so far)."""
        if k1 == FREE or k1 == k2:
            return True
        if k2 == FREE or not self.simple_window:
            return False
        return k1[1] is not None and (k2[1] is None or k1[1] >= k2[1])
