"""Pathways benchmark: recompute the plan scenario of a city with 200 actions over 2018-2050 on
the Kranj 2018 inventory, as the scenario explorer does on every click.

The rows come from the demo activity file and factor table (parsed as an import parses them, no
database); the actions are seeded random ReduceDemand, SwitchCarrier, ChangeFactor and
AddLocalRenewable effects with random targets and ramps, on drivers with population growth,
transport growth and a falling grid factor. Timed:

    zerocity   ``Model.run(plan)``: the vectorised engine (years x rows numpy matrices),
               median of --runs recomputes; the model is compiled once, as a page would cache it
    reference  the same model as a straightforward per-row Python loop (below): targets resolved
               once per row, then for every year, row and effect one float operation at a time
               (median of 3)

It checks that both give the same emissions (1e-9 relative) and prints the ratio; it also times
the wedge view (every action's counterfactual: one recompute per action). It never passes or
fails on a time.

    python bench/pathways_bench.py [--actions N] [--runs N] [--seed S]
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
# the import's reader takes its limits from the settings (no database is used)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zerocity.settings")
django.setup()

from zerocity.inventory.parsing import parse_activity_file  # noqa: E402
from zerocity.pathways import (  # noqa: E402
    Action,
    ActionKind,
    ActivityRow,
    AddLocalRenewable,
    ChangeFactor,
    Drivers,
    Effect,
    Model,
    Ramp,
    ReduceDemand,
    SwitchCarrier,
    Target,
    wedges,
)
from zerocity.pathways.inventory import rows_from_summary, summary_rows_from_lines  # noqa: E402
from zerocity.pathways.model import Rate  # noqa: E402

DATA = ROOT / "src" / "zerocity" / "demo" / "data"
BASE_YEAR, END_YEAR = 2018, 2050
DRIVERS = Drivers(population_growth=0.003, activity_growth={"transport": 0.01, "ippu": -0.005},
                  activity_growth_by_ref={"I.3": 0.002},
                  grid_factor={2025: 0.30, 2030: 0.22, 2040: 0.10, 2050: 0.04})
FUELS = ["heating_oil", "natural_gas", "diesel", "gasoline"]
CARRIERS = FUELS + ["electricity", "district_heat", "biomass"]
SECTORS = ["buildings", "transport", "waste", "ippu", "afolu"]
PREFIXES = ["I", "I.1", "I.2", "I.3", "II", "II.1", "III", "V"]


def kranj_rows() -> list[ActivityRow]:
    lines = parse_activity_file((DATA / "kranj_2018.csv").read_bytes(), "kranj_2018.csv").lines
    with (DATA / "kranj_factors_2018.csv").open(newline="") as f:
        factors = {r["key"]: {"unit": r["unit"], "co2": float(r["co2"]),
                              "fossil": r["fossil"] == "yes"} for r in csv.DictReader(f)}
    return rows_from_summary(summary_rows_from_lines(lines, factors))


def random_actions(n: int, seed: int) -> list[Action]:
    rnd = random.Random(seed)

    def target() -> Target:
        kind = rnd.random()
        if kind < 0.3:
            return Target(ccc_sectors=(rnd.choice(SECTORS),))
        if kind < 0.6:
            return Target(gpc_prefixes=tuple(rnd.sample(PREFIXES, rnd.randint(1, 2))))
        if kind < 0.8:
            return Target(carriers=(rnd.choice(CARRIERS),))
        return Target()

    def effect() -> Effect:
        kind = rnd.random()
        if kind < 0.4:
            return ReduceDemand(rnd.uniform(0.005, 0.08), target=target())
        if kind < 0.6:
            src = rnd.choice(FUELS)
            to = rnd.choice(["electricity", "district_heat", "biomass"])
            to_factor = None if to == "electricity" else rnd.choice([None, 0.0, 0.05])
            return SwitchCarrier(src, to, rnd.uniform(0.01, 0.2), rnd.uniform(0.7, 0.95),
                                 rnd.uniform(2.5, 4.0) if to == "electricity" else 0.9,
                                 to_factor=to_factor, target=target())
        if kind < 0.8:
            if rnd.random() < 0.5:
                return ChangeFactor(share=rnd.uniform(0.01, 0.1), target=target())
            carrier = rnd.choice(["district_heat", "natural_gas", "electricity"])
            return ChangeFactor(carrier, new_factor=rnd.uniform(0.02, 0.2), target=target())
        return AddLocalRenewable(rnd.uniform(200, 3000), factor=rnd.choice([0.0, 0.0, 0.02]),
                                 target=target())

    actions = []
    for i in range(n):
        start = rnd.randint(2019, 2035)
        ramp = Ramp(start, start + rnd.randint(0, 10), "linear" if rnd.random() < 0.85 else "step")
        effects = tuple(effect() for _ in range(rnd.choice([1, 1, 1, 2, 3])))
        actions.append(Action(
            f"A{i:03d}", f"action {i}", effects, ramp=ramp,
            kind=ActionKind.EXISTING if rnd.random() < 0.1 else ActionKind.PLAN,
            capex=Decimal(rnd.randint(10, 5000)) * 1000,
            opex_per_year=Decimal(rnd.randint(-50, 100)) * 1000,
        ))
    return actions


# -- the reference: the same model, one row, year and effect at a time -------------------------

def _rate(rate: Rate, year: int) -> float:
    return float(rate.get(year, 0.0)) if isinstance(rate, Mapping) else float(rate)


def _interp(points: list[tuple[float, float]], year: float) -> float:
    if year <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if year <= x1:
            return y0 + (y1 - y0) * (year - x0) / (x1 - x0)
    return points[-1][1]


def reference_run(model: Model, active_ids: frozenset[str]) -> list[list[float]]:
    """Emissions [year][row] of the scenario with ``active_ids``, with Python floats only."""
    d = model.drivers
    rows = model.rows
    n, n_base = len(rows), len(model.base_rows)
    years = list(range(model.base_year, model.end_year + 1))
    actions = [a for a in model.actions if a.id in active_ids]

    def applies(action: Action, effect: Effect, row: ActivityRow) -> bool:
        return model.effect_target(action, effect).matches(row)

    # per row: growth rates, grid points and the effects that touch it, resolved once
    demand: list[list[tuple[float, Ramp]]] = [[] for _ in range(n)]
    switch: list[list[tuple[SwitchCarrier, Ramp, int]]] = [[] for _ in range(n)]
    factor: list[list[tuple[ChangeFactor, Ramp]]] = [[] for _ in range(n)]
    renew: list[tuple[AddLocalRenewable, Ramp, list[int]]] = []
    for action in actions:
        for eff in action.effects:
            ramp = eff.ramp or action.ramp
            assert ramp is not None
            if isinstance(eff, ReduceDemand):
                for j in range(n_base):
                    if applies(action, eff, rows[j]):
                        demand[j].append((eff.share, ramp))
            elif isinstance(eff, SwitchCarrier):
                for j in range(n_base):
                    r = rows[j]
                    if r.carrier == eff.from_carrier and r.unit == "MWh" and applies(action, eff,
                                                                                      r):
                        switch[j].append((eff, ramp, model.switch_destination(r, eff)))
            elif isinstance(eff, ChangeFactor):
                for j, r in enumerate(rows):
                    if (applies(action, eff, r) and eff.carrier in (None, r.carrier)
                            and (eff.share is not None or not r.fixed)):
                        factor[j].append((eff, ramp))
            else:
                renew.append((eff, ramp, [j for j, r in enumerate(rows)
                                          if r.carrier == eff.displaces
                                          and applies(action, eff, r)]))
    pop_rows = [r.ccc_sector in d.population_sectors for r in rows]
    act_rate: list[Rate | None] = []
    for r in rows:
        prefixes = [p for p in d.activity_growth_by_ref
                    if r.gpc_ref == p or r.gpc_ref.startswith(p + ".")]
        act_rate.append(d.activity_growth_by_ref[max(prefixes, key=len)] if prefixes
                        else d.activity_growth.get(r.ccc_sector))
    grid = sorted((float(y), v) for y, v in d.grid_factor.items() if y >= model.base_year)

    out = []
    pop_idx = [1.0] * n
    act_idx = [1.0] * n
    for t, year in enumerate(years):
        a = [0.0] * n
        f = [0.0] * n
        for j, r in enumerate(rows):
            if t > 0:
                if pop_rows[j]:
                    pop_idx[j] *= 1.0 + _rate(d.population_growth, year)
                rate = act_rate[j]
                if rate is not None:
                    act_idx[j] *= 1.0 + _rate(rate, year)
            a[j] = r.activity * (pop_idx[j] * act_idx[j])
            if r.follows_grid and grid:
                points = grid if grid[0][0] == model.base_year else [
                    (float(model.base_year), r.factor), *grid]
                f[j] = _interp(points, float(year))
            else:
                f[j] = r.factor
        for j in range(n_base):
            for share, ramp in demand[j]:
                a[j] *= 1.0 - share * ramp.at(year)
        received = [0.0] * n
        for j in range(n_base):
            if not switch[j]:
                continue
            keep, ssum, xs = 1.0, 0.0, []
            for eff, ramp, dest in switch[j]:
                x = eff.share * ramp.at(year)
                xs.append((x, eff.ratio, dest))
                ssum += x
                keep *= 1.0 - x
            moved = a[j] * (1.0 - keep)
            a[j] -= moved
            if ssum > 0:
                for x, ratio, dest in xs:
                    received[dest] += moved / ssum * x * ratio
        for j in range(n):
            a[j] += received[j]
            for eff, ramp in factor[j]:
                r_ = ramp.at(year)
                if eff.share is not None:
                    f[j] *= 1.0 - eff.share * r_
                else:
                    assert eff.new_factor is not None
                    f[j] += r_ * (eff.new_factor - f[j])
        share = [0.0] * n
        local = [0.0] * n
        for eff, ramp, idx in renew:
            consumption = math.fsum(a[j] for j in idx)
            s = eff.mwh * ramp.at(year) / consumption if consumption > 0 else 0.0
            for j in idx:
                share[j] += s
                local[j] += s * eff.factor
        out.append([
            a[j] * (f[j] * (1.0 - min(share[j], 1.0))
                    + (local[j] / share[j] if share[j] > 1.0 else local[j]))
            for j in range(n)
        ])
    return out


def _median_ms(fn: object, runs: int) -> tuple[float, list[float]]:
    assert callable(fn)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=200, help="actions in the plan (200)")
    parser.add_argument("--runs", type=int, default=50, help="timed recomputes (50)")
    parser.add_argument("--seed", type=int, default=2018)
    args, _ = parser.parse_known_args()  # bench/run.py passes every benchmark's arguments

    rows = kranj_rows()
    actions = random_actions(args.actions, args.seed)
    t0 = time.perf_counter()
    model = Model(rows, base_year=BASE_YEAR, end_year=END_YEAR, drivers=DRIVERS, actions=actions)
    compile_ms = (time.perf_counter() - t0) * 1000
    plan = model.plan()
    model.run(plan)  # warm-up
    fast_ms, _ = _median_ms(lambda: model.run(plan), args.runs)
    ref_ms, _ = _median_ms(lambda: reference_run(model, model.action_ids), 3)
    t0 = time.perf_counter()
    w = wedges(model)
    wedge_ms = (time.perf_counter() - t0) * 1000

    fast = model.run(plan).emissions
    ref = reference_run(model, model.action_ids)
    worst_cell = 0.0
    worst_year = 0.0
    for t, year_ref in enumerate(ref):
        scale = max(abs(x) for x in year_ref)
        for j, y in enumerate(year_ref):
            x = float(fast[t, j])
            worst_cell = max(worst_cell, abs(x - y) / max(abs(x), abs(y), 1e-9 * scale))
        tot_f, tot_r = float(fast[t].sum()), math.fsum(year_ref)
        worst_year = max(worst_year, abs(tot_f - tot_r) / max(abs(tot_r), 1e-9))
    baseline = model.run(model.baseline()).total()
    gap = baseline - model.run(plan).total()
    wedge_err = max(abs(float(s) - float(g)) / max(abs(float(g)), 1e-9)
                    for s, g in zip(w.total().sum(axis=0), gap, strict=True))

    kinds: dict[str, int] = {}
    for a in actions:
        for e in a.effects:
            kinds[type(e).__name__] = kinds.get(type(e).__name__, 0) + 1
    years = END_YEAR - BASE_YEAR + 1
    print(f"pathways: Kranj 2018 inventory, {len(model.base_rows)} rows "
          f"(+{len(model.rows) - len(model.base_rows)} derived by carrier switches), "
          f"{len(actions)} actions ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}), "
          f"{years} years {BASE_YEAR}-{END_YEAR}, seed {args.seed}")
    print("  time")
    print(f"  {'compile the model (once per plan edit)':<50}{compile_ms:8.2f} ms")
    print(f"  {f'ZeroCity plan recompute (median of {args.runs})':<50}{fast_ms:8.2f} ms")
    print(f"  {'per-row Python loop, same model (median of 3)':<50}{ref_ms:8.2f} ms")
    print(f"  {f'wedge view: {len(actions)} counterfactuals + scaling':<50}{wedge_ms:8.2f} ms")
    print("  ratios")
    print(f"  {'per-row loop / ZeroCity':<50}{ref_ms / fast_ms:8.1f} x")
    print("  checks")
    agree = "agree" if worst_cell < 1e-9 else "DIFFER"
    print(f"  emissions per year and row, ZeroCity vs loop: {agree} (max relative difference "
          f"{worst_cell:.1e} per cell, {worst_year:.1e} per year total)")
    t30 = 2030 - BASE_YEAR
    print(f"  2030: baseline {baseline[t30]:,.0f} t, plan {baseline[t30] - gap[t30]:,.0f} t; "
          f"wedges sum to baseline - plan every year: max relative error {wedge_err:.1e}")
    print(f"  interactive (under 100 ms per recompute): {'yes' if fast_ms < 100 else 'NO'}")
    return 0 if worst_cell < 1e-9 and wedge_err < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
