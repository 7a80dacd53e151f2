"""Frequency setting: each line's headway per period of the day, chosen from the headways the
city allows, within its fleet, meeting the observed peak loads, at the least cost to operator
and riders (research note mobility-upscale.md §4 "Frequency setting"; docs/mobility-frequency.md).

The model is a small mixed-integer programme solved by HiGHS (``highspy``). For every line l
and period p in scope, binary x[l,p,f] picks headway f (minutes) from the allowed set:

- one headway: Σ_f x[l,p,f] = 1;
- fleet: Σ_l Σ_f x[l,p,f]·⌈cycle_l / f⌉ ≤ N_p (cycle: round-trip running time plus layovers);
- capacity: only headways with (60/f)·cap·γ ≥ peak load[l,p] (riders/h at the maximum load
  point; γ the capacity margin) are offered; policy: only f ≤ f_max;
- minimise bus-hours·EUR/h + bus-km·EUR/km + value of time·riders·f/2 (expected wait).

A line and period are in scope when the line runs in that period today or a load is given for
it. The capacity and policy rules are applied to the set of headways offered, and every
period's fleet is checked before the solver runs, so an instance that cannot be solved is
refused with the rule that makes it so. Pure: plain data in, a :class:`FrequencyPlan` out; the
answer is re-checked by ``frequency_check``, which shares no code with this module.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from zerocity.core.errors import Conflict, Unreadable
from zerocity.mobility.periods import DEFAULT_PERIODS, Period
from zerocity.mobility.service_costs import CostRates

DEFAULT_HEADWAYS: tuple[float, ...] = (7.5, 10.0, 15.0, 20.0, 30.0, 60.0)
CAPACITY = 80  # MAN Lion's City E 12 m: 35 seats + 45 standing (research §1.2)
MARGIN = 0.9  # plan to fill at most 90 % of the capacity at the maximum load point [U]
CENT = Decimal("0.01")


class FrequencyInputError(Unreadable):
    """Inputs the model cannot take (an unknown line or period, a load that is no number)."""


class Infeasible(Conflict):
    """No choice of headways meets every rule; the sentence names the rule, line and period."""

    def __init__(self, message: str, *, rule: str, route_id: str | None = None,
                 period: str | None = None) -> None:
        super().__init__(message)
        self.rule, self.route_id, self.period = rule, route_id, period




@dataclass(frozen=True)
class Line:
    """A line as the model sees it: its cycle (round-trip running time plus layovers, whole
    seconds), its round-trip length and today's headway per period (minutes; a period it does
    not run in is absent)."""

    route_id: str
    name: str
    cycle_s: int
    round_trip_km: float
    current: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Costs:
    """Unit costs (EUR). The defaults are unsourced assumptions (docs/mobility-frequency.md):
    a city gives its operator's figures."""

    eur_per_bus_hour: Decimal = CostRates.per_bus_hour
    eur_per_bus_km: Decimal = CostRates.per_bus_km
    value_of_time_eur_per_hour: Decimal = Decimal("8")


@dataclass(frozen=True)
class Instance:
    lines: tuple[Line, ...]
    periods: tuple[Period, ...]
    loads: Mapping[str, Mapping[str, float]]  # route_id -> period -> peak load (riders/h)
    fleet: Mapping[str, int]  # period -> buses available
    headways: tuple[float, ...] = DEFAULT_HEADWAYS
    max_headway: float | None = None
    capacity: int = CAPACITY
    margin: float = MARGIN
    costs: Costs = Costs()

    def load(self, route_id: str, period: str) -> float:
        return float(self.loads.get(route_id, {}).get(period, 0.0))

    def cells(self) -> list[tuple[Line, Period]]:
        """The lines and periods the model sets a headway for: the line runs then today, or
        riders were counted on it then."""
        return [(line, p) for line in self.lines for p in self.periods
                if p.name in line.current or self.load(line.route_id, p.name) > 0]


def headway_seconds(minutes: float) -> int:
    return round(minutes * 60)


def vehicles(cycle_s: int, headway_s: int) -> int:
    """Buses a line needs to run every ``headway_s``: ⌈cycle / headway⌉."""
    return -(-cycle_s // headway_s)


def riders_per_hour(headway_s: int, capacity: int, margin: float) -> Fraction:
    """What a line carries past its maximum load point in an hour: (60/f)·cap·γ."""
    return Fraction(3600, headway_s) * capacity * Fraction(str(margin))


@dataclass(frozen=True)
class CostSplit:
    bus_hours: Decimal
    bus_km: Decimal
    waiting_hours: Decimal  # riders' expected waiting time, all riders together
    operating_hours_eur: Decimal
    operating_km_eur: Decimal
    waiting_eur: Decimal

    @property
    def operating_eur(self) -> Decimal:
        return self.operating_hours_eur + self.operating_km_eur

    @property
    def total_eur(self) -> Decimal:
        return self.operating_eur + self.waiting_eur

    def to_json(self) -> dict[str, str]:
        return {"bus_hours": str(self.bus_hours), "bus_km": str(self.bus_km),
                "waiting_hours": str(self.waiting_hours),
                "operating_hours_eur": str(self.operating_hours_eur),
                "operating_km_eur": str(self.operating_km_eur),
                "operating_eur": str(self.operating_eur), "waiting_eur": str(self.waiting_eur),
                "total_eur": str(self.total_eur)}


@dataclass(frozen=True)
class _Parts:
    """One line, period and headway's quantities and their cost (EUR), exact."""

    bus_hours: Fraction
    bus_km: Fraction
    waiting_hours: Fraction
    eur: tuple[Fraction, Fraction, Fraction]  # bus-hours, bus-km, waiting

    @property
    def total(self) -> Fraction:
        return self.eur[0] + self.eur[1] + self.eur[2]


@lru_cache(maxsize=64)
def _rates(costs: Costs) -> tuple[Fraction, Fraction, Fraction]:
    return (Fraction(costs.eur_per_bus_hour), Fraction(costs.eur_per_bus_km),
            Fraction(costs.value_of_time_eur_per_hour))


@lru_cache(maxsize=4096)
def _exact(x: float) -> Fraction:
    """A number as written (0.1 is 1/10, not the float nearest to it)."""
    return Fraction(str(x))


def _parts(inst: Instance, line: Line, period: Period, headway_s: int) -> _Parts:
    hours = Fraction(period.seconds, 3600)
    load = _exact(inst.load(line.route_id, period.name))
    bus_hours = vehicles(line.cycle_s, headway_s) * hours
    bus_km = Fraction(period.seconds, headway_s) * _exact(line.round_trip_km)
    waiting = load * hours * Fraction(headway_s, 2 * 3600)
    h, km, vot = _rates(inst.costs)
    return _Parts(bus_hours, bus_km, waiting, (bus_hours * h, bus_km * km, waiting * vot))


def _split(parts: Sequence[_Parts]) -> CostSplit:
    def dec(x: Fraction, places: str = "0.01") -> Decimal:
        return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(
            Decimal(places), rounding=ROUND_HALF_UP)

    eur = [sum((p.eur[i] for p in parts), Fraction(0)) for i in range(3)]
    return CostSplit(bus_hours=dec(sum((p.bus_hours for p in parts), Fraction(0))),
                     bus_km=dec(sum((p.bus_km for p in parts), Fraction(0)), "0.1"),
                     waiting_hours=dec(sum((p.waiting_hours for p in parts), Fraction(0)), "0.1"),
                     operating_hours_eur=dec(eur[0]), operating_km_eur=dec(eur[1]),
                     waiting_eur=dec(eur[2]))


@dataclass(frozen=True)
class Choice:
    """The headway chosen for one line in one period, against today's."""

    route_id: str
    line_name: str
    period: Period
    headway_min: float
    current_min: float | None  # None: the line does not run in this period today
    vehicles: int
    load: float
    carries: float  # riders/h past the maximum load point at this headway, with the margin

    @property
    def changed(self) -> bool:
        return self.current_min is None or not math.isclose(self.current_min, self.headway_min)

    def to_json(self) -> dict[str, Any]:
        return {"route_id": self.route_id, "line": self.line_name, "period": self.period.name,
                "headway_min": self.headway_min,
                "current_headway_min": None if self.current_min is None
                else round(self.current_min, 2),
                "vehicles": self.vehicles, "peak_load": self.load,
                "carries_per_hour": round(self.carries, 1), "changed": self.changed}


@dataclass(frozen=True)
class FrequencyPlan:
    instance: Instance
    choices: tuple[Choice, ...]
    split: CostSplit
    current: CostSplit  # today's headways on the same lines and periods (where they run)
    fleet: Mapping[str, int]  # period -> buses the plan uses
    objective: Fraction  # the exact total the solver minimised (EUR)

    def headway(self, route_id: str, period: str) -> float:
        return next(c.headway_min for c in self.choices
                    if c.route_id == route_id and c.period.name == period)

    def changes(self) -> list[Choice]:
        """The lines and periods whose headway differs from today's timetable."""
        return [c for c in self.choices if c.changed]

    def edits(self) -> list[dict[str, Any]]:
        """The changes as scenario edits (``adjust_headway``), for the scenario engine."""
        return [{"type": "adjust_headway", "route_id": c.route_id, "start": c.period.start,
                 "end": c.period.end, "headway_secs": headway_seconds(c.headway_min)}
                for c in self.changes()]

    def to_json(self) -> dict[str, Any]:
        inst = self.instance
        return {"headways": [c.to_json() for c in self.choices],
                "cost": self.split.to_json(), "current_cost": self.current.to_json(),
                "fleet": [{"period": p.name, "used": self.fleet.get(p.name, 0),
                           "available": inst.fleet.get(p.name)} for p in inst.periods],
                "parameters": {"headways_min": list(inst.headways),
                               "max_headway_min": inst.max_headway,
                               "capacity": inst.capacity, "margin": inst.margin,
                               "periods": [p.name for p in inst.periods],
                               "eur_per_bus_hour": str(inst.costs.eur_per_bus_hour),
                               "eur_per_bus_km": str(inst.costs.eur_per_bus_km),
                               "value_of_time_eur_per_hour":
                                   str(inst.costs.value_of_time_eur_per_hour)},
                "edits": self.edits()}


# -- building an instance -----------------------------------------------------------------------

def _number(value: object, what: str) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FrequencyInputError(f"{what}: {value!r} is not a number") from None
    if not math.isfinite(x) or x < 0:
        raise FrequencyInputError(f"{what}: {value!r} is not a number of 0 or more")
    return x


def make_instance(lines: Sequence[Line], loads: Mapping[str, Mapping[str, object]], *,
                  periods: Sequence[Period] = DEFAULT_PERIODS,
                  fleet: int | Mapping[str, int] | None = None,
                  headways: Sequence[float] = DEFAULT_HEADWAYS,
                  max_headway: float | None = None, capacity: int = CAPACITY,
                  margin: float = MARGIN, costs: Costs | None = None) -> Instance:
    """An instance with its inputs checked. ``fleet``: the buses available in every period (a
    number, or per period); None: as many as today's timetable uses at its busiest period."""
    known = {line.route_id for line in lines}
    names = {p.name for p in periods}
    clean: dict[str, dict[str, float]] = {}
    for route_id, by_period in loads.items():
        if route_id not in known:
            raise FrequencyInputError(f"loads: there is no line {route_id} in the timetable "
                                      f"(lines: {', '.join(sorted(known, key=_order))})")
        for period, value in by_period.items():
            if period not in names:
                listed = ", ".join(p.name for p in periods)
                raise FrequencyInputError(f"loads: line {route_id}: there is no period "
                                          f"{period} (periods: {listed})")
            clean.setdefault(route_id, {})[period] = _number(
                value, f"loads: line {route_id}, period {period}")
    allowed = tuple(sorted({float(_number(h, "headways")) for h in headways}))
    if not allowed or allowed[0] <= 0:
        raise FrequencyInputError("headways: give one or more headways above 0 minutes")
    if not 0 < margin <= 1:
        raise FrequencyInputError(f"margin: {margin} is not above 0 and at most 1")
    if capacity <= 0:
        raise FrequencyInputError(f"capacity: {capacity} is not a number of riders above 0")
    inst = Instance(lines=tuple(lines), periods=tuple(periods), loads=clean, fleet={},
                    headways=allowed, max_headway=max_headway, capacity=capacity,
                    margin=margin, costs=costs or Costs())
    buses: dict[str, int]
    if fleet is None:
        today = current_fleet(inst)
        n = max(today.values(), default=0)
        buses = {p.name: n for p in periods}
    elif isinstance(fleet, int):
        buses = {p.name: fleet for p in periods}
    else:
        buses = {p.name: int(fleet.get(p.name, 0)) for p in periods}
    return replace(inst, fleet=buses)


def _order(route_id: str) -> tuple[int, str]:
    """Line numbers in numeric order (2 before 11), other names after them."""
    return (int(route_id), "") if route_id.isdigit() else (10**9, route_id)


def current_fleet(inst: Instance) -> dict[str, int]:
    """Buses today's headways need per period (⌈cycle / headway⌉ summed over the lines)."""
    return {p.name: sum(vehicles(line.cycle_s, headway_seconds(line.current[p.name]))
                        for line in inst.lines if p.name in line.current)
            for p in inst.periods}


# -- solving ----------------------------------------------------------------------------------

def _fmt(x: float | Fraction) -> str:
    return f"{float(x):g}" if float(x) == int(float(x)) else f"{float(x):.1f}"


def offered(inst: Instance, line: Line, period: Period) -> list[int]:
    """The headways (seconds) line ``line`` may run at in ``period``: allowed by the city and
    its policy, and carrying the peak load; Infeasible naming the rule when there is none."""
    policy = [h for h in inst.headways if inst.max_headway is None or h <= inst.max_headway]
    where = f"line {line.name}, period {period.name}"
    if not policy:
        raise Infeasible(f"{where}: no allowed headway is at most the policy's maximum "
                         f"{_fmt(inst.max_headway or 0)} min (allowed: "
                         f"{', '.join(_fmt(h) for h in inst.headways)} min)", rule="policy",
                         route_id=line.route_id, period=period.name)
    load = Fraction(str(inst.load(line.route_id, period.name)))
    out = [headway_seconds(h) for h in policy
           if riders_per_hour(headway_seconds(h), inst.capacity, inst.margin) >= load]
    if not out:
        shortest = policy[0]
        carries = riders_per_hour(headway_seconds(shortest), inst.capacity, inst.margin)
        raise Infeasible(f"{where}: even the shortest allowed headway {_fmt(shortest)} min "
                         f"carries {_fmt(carries)} < {_fmt(load)} riders/h",
                         rule="capacity", route_id=line.route_id, period=period.name)
    return out


def optimise(inst: Instance) -> FrequencyPlan:
    """The cheapest headways (operating cost plus riders' waiting time) within every rule."""
    import highspy

    cells = inst.cells()
    options = [offered(inst, line, p) for line, p in cells]
    for p in inst.periods:  # the fewest buses each line needs, summed: more than there are?
        least = sum(vehicles(line.cycle_s, max(opts))
                    for (line, q), opts in zip(cells, options, strict=True) if q == p)
        if least > inst.fleet.get(p.name, 0):
            raise Infeasible(f"period {p.name}: even at the longest headways that carry their "
                             f"loads the lines need {least} > {inst.fleet.get(p.name, 0)} "
                             "buses", rule="fleet", period=p.name)
    cols: list[tuple[int, int]] = [(i, h) for i, opts in enumerate(options) for h in opts]
    if not cols:
        return _plan(inst, cells, {}, Fraction(0))
    parts = [_parts(inst, cells[i][0], cells[i][1], h) for i, h in cols]
    n = len(cols)
    # rows: one per cell (= 1), then one per period (≤ fleet)
    period_row = {p.name: len(cells) + k for k, p in enumerate(inst.periods)}
    starts: list[int] = []
    index: list[int] = []
    value: list[float] = []
    for i, h in cols:
        line, p = cells[i]
        starts.append(len(index))
        index += [i, period_row[p.name]]
        value += [1.0, float(vehicles(line.cycle_s, h))]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, len(cells) + len(inst.periods)
    lp.col_cost_ = np.array([float(x.total) for x in parts])
    lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
    lp.row_lower_ = np.array([1.0] * len(cells) + [-highspy.kHighsInf] * len(inst.periods))
    lp.row_upper_ = np.array([1.0] * len(cells)
                             + [float(inst.fleet.get(p.name, 0)) for p in inst.periods])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array([*starts, len(index)], dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    # the low-level class: highspy.Highs() prints HiGHS's banner on stdout, which would
    # break the command line's JSON
    solver = highspy._core._Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("mip_rel_gap", 0.0)
    solver.setOptionValue("mip_abs_gap", 1e-9)
    solver.setOptionValue("threads", 1)
    solver.passModel(lp)
    solver.run()
    status = solver.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise Infeasible(f"the solver found no plan within every rule ({status.name})",
                         rule="solver")
    x = solver.getSolution().col_value
    chosen: dict[int, int] = {}
    total = Fraction(0)
    for j, (i, h) in enumerate(cols):
        if x[j] > 0.5:
            chosen[i] = h
            total += parts[j].total
    return _plan(inst, cells, chosen, total)


def _plan(inst: Instance, cells: list[tuple[Line, Period]], chosen: Mapping[int, int],
          total: Fraction) -> FrequencyPlan:
    choices, parts, today, fleet = [], [], [], {p.name: 0 for p in inst.periods}
    for i, (line, p) in enumerate(cells):
        h = chosen[i]
        load = inst.load(line.route_id, p.name)
        current = line.current.get(p.name)
        v = vehicles(line.cycle_s, h)
        fleet[p.name] += v
        choices.append(Choice(line.route_id, line.name, p, h / 60, current, v, load,
                              float(riders_per_hour(h, inst.capacity, inst.margin))))
        parts.append(_parts(inst, line, p, h))
        if current is not None:
            today.append(_parts(inst, line, p, headway_seconds(current)))
    return FrequencyPlan(inst, tuple(choices), _split(parts), _split(today), fleet, total)
