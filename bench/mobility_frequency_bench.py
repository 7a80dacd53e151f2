"""Frequency-setting benchmark: the headway MILP (``mobility.frequency.optimise``, HiGHS) on the
Kranj demo's 12 lines × 5 periods (the committed feed and its illustrative loads) and on a
generated network of 60 lines (about Ljubljana's 46 line numbers and their variants). Timed:

    zerocity   ``optimise``: the MILP built and solved, best of --repeat
    greedy     marginal analysis (Furth & Wilson 1981's idea): every line at its longest
               headway that carries its load, then, while buses are left, the change that
               saves the most EUR per extra bus
    exact      dynamic programming over the buses of each period (periods share no bus-time
               constraint, so each is a multiple-choice knapsack): the optimum, to prove the
               MILP's answer optimal on instances far beyond brute force

It checks that the MILP's total equals the dynamic programme's, that greedy is never cheaper,
and that the independent checker passes the answer, and prints the ratios greedy / zerocity and
exact / zerocity. Goal (issue 20): the Kranj MILP within 10 s. It never passes or fails on a
time.

    python bench/mobility_frequency_bench.py [--repeat N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date
from fractions import Fraction
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
from timing import best  # noqa: E402
from zerocity.mobility.frequency import (  # noqa: E402
    Instance,
    Line,
    make_instance,
    optimise,
)
from zerocity.mobility.frequency_check import Case, case_of, check_plan, cost  # noqa: E402
from zerocity.mobility.frequency_feed import lines_from_tables, read_loads  # noqa: E402
from zerocity.mobility.periods import DEFAULT_PERIODS  # noqa: E402

DEMO = ROOT / "src" / "zerocity" / "demo" / "data"
DAY = date(2026, 12, 2)


def _options(case: Case) -> dict[tuple[str, str], list[tuple[int, Fraction, float]]]:
    """Per cell: (buses, cost, headway) of each headway allowed that carries the load."""
    out = {}
    for cell in case.cells():
        opts = []
        for f in case.allowed_min:
            if case.max_headway is not None and f > case.max_headway:
                continue
            if Fraction(60) / Fraction(str(f)) * case.capacity * Fraction(str(case.margin)) \
                    < case.load(cell):
                continue
            buses = -(-case.cycles_s[cell[0]] * 1 // round(f * 60))
            opts.append((buses, cost(case, {cell: f}), f))
        out[cell] = opts
    return out


def exact(case: Case) -> Fraction:
    """Each period: the least cost with at most N buses, line by line (DP over buses)."""
    options = _options(case)
    total = Fraction(0)
    for period, fleet in case.fleet.items():
        cells = [c for c in options if c[1] == period]
        inf = None
        table: list[Fraction | None] = [Fraction(0)] + [inf] * fleet  # exactly b buses
        for cell in cells:
            nxt: list[Fraction | None] = [None] * (fleet + 1)
            for b, v in enumerate(table):
                if v is None:
                    continue
                for buses, c, _ in options[cell]:
                    if b + buses <= fleet and (nxt[b + buses] is None
                                               or v + c < nxt[b + buses]):  # type: ignore[operator]
                        nxt[b + buses] = v + c
            table = nxt
        total += min(v for v in table if v is not None)
    return total


def greedy(case: Case) -> Fraction:
    options = _options(case)
    total = Fraction(0)
    for period, fleet in case.fleet.items():
        cells = [c for c in options if c[1] == period]
        pick = {c: max(options[c], key=lambda o: o[2]) for c in cells}  # longest headway
        used = sum(p[0] for p in pick.values())
        while True:
            moves = [((pick[c][1] - o[1]) / max(1, o[0] - pick[c][0]), c, o)
                     for c in cells for o in options[c]
                     if o[1] < pick[c][1] and used - pick[c][0] + o[0] <= fleet]
            if not moves:
                break
            _, c, o = max(moves, key=lambda m: m[0])
            used += o[0] - pick[c][0]
            pick[c] = o
        total += sum((p[1] for p in pick.values()), Fraction(0))
    return total


def run(name: str, inst: Instance, repeat: int) -> bool:
    case = case_of(inst)
    n_cells = len(case.cells())
    milp_s, plan = best(lambda: optimise(inst), repeat)
    greedy_s, g = best(lambda: greedy(case), repeat)
    exact_s, e = best(lambda: exact(case), repeat)
    verdict = check_plan(plan)
    print(f"{name}: {len(inst.lines)} lines, {len(inst.periods)} periods, {n_cells} line-periods,"
          f" fleet {max(inst.fleet.values())}")
    print(f"  zerocity MILP   {milp_s * 1000:9.1f} ms  total EUR {float(plan.objective):,.2f}; "
          f"independent check {'passed' if verdict.ok else 'FAILED'}")
    print(f"  greedy          {greedy_s * 1000:9.1f} ms  total EUR {float(g):,.2f} "
          f"(+{float((g - plan.objective) / plan.objective) * 100:.2f} %)  ratio greedy / "
          f"zerocity {greedy_s / milp_s:.2f}")
    print(f"  exact DP        {exact_s * 1000:9.1f} ms  total EUR {float(e):,.2f}  ratio exact /"
          f" zerocity {exact_s / milp_s:.2f}")
    ok = verdict.ok and abs(plan.objective - e) < Fraction(1, 10**6) and g >= e
    if not ok:
        print("  WRONG: the MILP's answer is not the optimum or fails the check")
    return ok


def kranj() -> Instance:
    folder = DEMO / "gtfs" / "kranj"
    tables = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
              for p in folder.glob("*.txt")}
    lines = lines_from_tables(tables, DAY, DEFAULT_PERIODS)
    return make_instance(lines, read_loads(DEMO / "kranj_peak_loads.csv"))


def generated(n: int, seed: int) -> Instance:
    rnd = random.Random(seed)
    lines, loads = [], {}
    for i in range(n):
        rid = str(i + 1)
        lines.append(Line(rid, rid, rnd.randint(20, 120) * 60, rnd.uniform(5, 40),
                          {p.name: 30.0 for p in DEFAULT_PERIODS}))
        loads[rid] = {p.name: float(rnd.randint(0, 400)) for p in DEFAULT_PERIODS}
    # a quarter more buses than the longest headways that carry the loads need: the fleet binds
    options = _options(case_of(make_instance(lines, loads, fleet=0)))
    least = max(sum(min(o[0] for o in opts) for c, opts in options.items() if c[1] == p.name)
                for p in DEFAULT_PERIODS)
    return make_instance(lines, loads, fleet=least * 5 // 4)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args, _ = parser.parse_known_args()  # bench/run.py passes every benchmark's arguments
    ok = run("Kranj demo", kranj(), args.repeat)
    ok = run("generated, 60 lines", generated(60, args.seed), args.repeat) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
