"""An independent check of a frequency plan, and the brute-force optimum of tiny instances.

Written apart from ``frequency`` on purpose and sharing none of its code (only the plain
numbers of the instance are read from it): every rule is re-derived here in exact fractions,
so a mistake in the model's arithmetic or in how it hands the problem to HiGHS shows up as a
disagreement. The check takes the answer (a headway per line and period) and says whether

- every line and period in scope has exactly one headway, and no other is given;
- each headway is one the city allows and at most the policy's maximum;
- each carries the period's peak load: (60/f)·capacity·margin ≥ load;
- each period's buses, Σ ⌈cycle / f⌉, fit in its fleet;
- the plan's own figures (buses per period, total cost) are what its headways give.

``brute_force`` tries every combination of headways (tests use it to prove the solver's
answer optimal on instances small enough to enumerate).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

Cell = tuple[str, str]  # (route_id, period name)


@dataclass(frozen=True)
class Case:
    """An instance as plain numbers."""

    cycles_s: Mapping[str, int]
    km: Mapping[str, float]
    period_s: Mapping[str, int]
    runs: frozenset[Cell]  # where the line runs today
    loads: Mapping[str, Mapping[str, float]]
    fleet: Mapping[str, int]
    allowed_min: tuple[float, ...]
    max_headway: float | None
    capacity: int
    margin: float
    eur_per_bus_hour: Decimal
    eur_per_bus_km: Decimal
    value_of_time: Decimal

    def load(self, cell: Cell) -> Fraction:
        return Fraction(str(self.loads.get(cell[0], {}).get(cell[1], 0)))

    def cells(self) -> list[Cell]:
        return [(r, p) for r in self.cycles_s for p in self.period_s
                if (r, p) in self.runs or self.load((r, p)) > 0]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    problems: tuple[str, ...]
    fleet: Mapping[str, int]
    total_eur: Fraction

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": list(self.problems), "fleet": dict(self.fleet),
                "total_eur": str(round(Decimal(self.total_eur.numerator)
                                       / Decimal(self.total_eur.denominator), 2))}


def case_of(instance: Any) -> Case:
    """The plain numbers of a ``frequency.Instance`` (read, nothing called)."""
    costs = instance.costs
    return Case(
        cycles_s={ln.route_id: int(ln.cycle_s) for ln in instance.lines},
        km={ln.route_id: float(ln.round_trip_km) for ln in instance.lines},
        period_s={p.name: p.seconds for p in instance.periods},
        runs=frozenset((ln.route_id, name) for ln in instance.lines for name in ln.current),
        loads={r: dict(v) for r, v in instance.loads.items()},
        fleet=dict(instance.fleet), allowed_min=tuple(float(h) for h in instance.headways),
        max_headway=instance.max_headway, capacity=int(instance.capacity),
        margin=float(instance.margin), eur_per_bus_hour=Decimal(costs.eur_per_bus_hour),
        eur_per_bus_km=Decimal(costs.eur_per_bus_km),
        value_of_time=Decimal(costs.value_of_time_eur_per_hour))


def _buses(case: Case, route: str, minutes: float) -> int:
    return math.ceil(Fraction(case.cycles_s[route], 60) / Fraction(str(minutes)))


def _carries(case: Case, minutes: float) -> Fraction:
    return Fraction(60) / Fraction(str(minutes)) * case.capacity * Fraction(str(case.margin))


def cost(case: Case, answer: Mapping[Cell, float]) -> Fraction:
    """Operating cost (bus-hours, bus-km) plus the value of riders' expected wait, EUR."""
    total = Fraction(0)
    for (route, period), minutes in answer.items():
        f = Fraction(str(minutes))
        hours = Fraction(case.period_s[period], 3600)
        total += _buses(case, route, minutes) * hours * Fraction(case.eur_per_bus_hour)
        total += (hours * 60 / f) * Fraction(str(case.km[route])) * Fraction(case.eur_per_bus_km)
        total += (case.load((route, period)) * hours * (f / 2) / 60
                  * Fraction(case.value_of_time))
    return total


def check(case: Case, answer: Mapping[Cell, float]) -> Verdict:
    problems: list[str] = []
    wanted = case.cells()
    for cell in wanted:
        if cell not in answer:
            problems.append(f"line {cell[0]}, period {cell[1]}: no headway")
    for cell in answer:
        if cell not in wanted:
            problems.append(f"line {cell[0]}, period {cell[1]}: a headway where none is "
                            "wanted")
    fleet = {p: 0 for p in case.period_s}
    for (route, period), minutes in sorted(answer.items()):
        where = f"line {route}, period {period}"
        if route not in case.cycles_s or period not in case.period_s:
            continue
        if not any(math.isclose(minutes, h) for h in case.allowed_min):
            problems.append(f"{where}: {minutes:g} min is not an allowed headway")
        if case.max_headway is not None and minutes > case.max_headway + 1e-9:
            problems.append(f"{where}: {minutes:g} min is more than the policy's "
                            f"{case.max_headway:g} min")
        load = case.load((route, period))
        if _carries(case, minutes) < load:
            problems.append(f"{where}: {minutes:g} min carries {float(_carries(case, minutes)):g}"
                            f" < {float(load):g} riders/h")
        fleet[period] += _buses(case, route, minutes)
    for period, used in fleet.items():
        if used > case.fleet.get(period, 0):
            problems.append(f"period {period}: {used} buses > {case.fleet.get(period, 0)}")
    known = {c: m for c, m in answer.items() if c[0] in case.cycles_s and c[1] in case.period_s}
    return Verdict(not problems, tuple(problems), fleet, cost(case, known))


def check_plan(plan: Any) -> Verdict:
    """Check a ``frequency.FrequencyPlan``: its headways, and that its own fleet and cost
    figures are what those headways give."""
    case = case_of(plan.instance)
    answer: dict[Cell, float] = {}
    problems: list[str] = []
    for c in plan.choices:
        cell = (c.route_id, c.period.name)
        if cell in answer:
            problems.append(f"line {cell[0]}, period {cell[1]}: more than one headway")
        answer[cell] = float(c.headway_min)
    verdict = check(case, answer)
    problems += verdict.problems
    for period, used in verdict.fleet.items():
        if plan.fleet.get(period, 0) != used:
            problems.append(f"period {period}: the plan says {plan.fleet.get(period, 0)} buses,"
                            f" its headways need {used}")
    if plan.objective != verdict.total_eur:
        problems.append(f"the plan's cost {float(plan.objective):.2f} EUR is not its "
                        f"headways' {float(verdict.total_eur):.2f} EUR")
    return Verdict(not problems, tuple(problems), verdict.fleet, verdict.total_eur)


def brute_force(case: Case) -> tuple[Fraction, dict[Cell, float]] | None:
    """The cheapest answer that passes the check, by trying every combination; None when
    none does. Only for tiny instances (the allowed headways to the power of the cells)."""
    cells = case.cells()
    best: tuple[Fraction, dict[Cell, float]] | None = None
    for combo in itertools.product(case.allowed_min, repeat=len(cells)):
        answer = dict(zip(cells, combo, strict=True))
        verdict = check(case, answer)
        if verdict.ok and (best is None or verdict.total_eur < best[0]):
            best = (verdict.total_eur, answer)
    return best
