"""What the pathways say: counterfactual impacts, wedges, the waterfall, the marginal abatement
cost curve and the progress scenario. Definitions in docs/pathways.md.

Impacts are tCO2e avoided: positive when an action lowers emissions.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np
import numpy.typing as npt

from zerocity.pathways.engine import Model, Result
from zerocity.pathways.model import ActionKind, ActivityRow, FloatArray, Scenario


@dataclass(frozen=True)
class Impacts:
    """``by_row[a, t, j]``: tCO2e that action ``action_ids[a]`` avoids in year ``years[t]`` on
    row ``rows[j]``."""

    years: npt.NDArray[np.int64]
    action_ids: tuple[str, ...]
    rows: tuple[ActivityRow, ...]
    by_row: FloatArray

    def total(self) -> FloatArray:
        """actions x years."""
        return np.asarray(self.by_row.sum(axis=2))

    def in_year(self, year: int) -> dict[str, float]:
        t = int(year - self.years[0])
        totals = self.total()
        return {a: float(totals[i, t]) for i, a in enumerate(self.action_ids)}

    def cumulative(self, start: int, end: int) -> dict[str, float]:
        """tCO2e avoided over the years start..end, both included."""
        t0, t1 = int(start - self.years[0]), int(end - self.years[0]) + 1
        totals = self.total()[:, t0:t1]
        return {a: math.fsum(totals[i]) for i, a in enumerate(self.action_ids)}

    def by(self, attr: str = "ccc_sector") -> dict[str, FloatArray]:
        """actions x years per group of rows."""
        groups: dict[str, list[int]] = {}
        for j, row in enumerate(self.rows):
            groups.setdefault(str(getattr(row, attr)), []).append(j)
        return {k: np.asarray(self.by_row[:, :, idx].sum(axis=2)) for k, idx in groups.items()}


def _ordered(model: Model, ids: Collection[str]) -> tuple[str, ...]:
    return tuple(a.id for a in model.actions if a.id in ids)


def counterfactual_impacts(model: Model, scenario: Scenario | None = None,
                           action_ids: Collection[str] | None = None) -> Impacts:
    """Each action's impact in ``scenario`` (the plan when None): the scenario without it minus
    the scenario with it. Interactions make these not add up to the scenario's total reduction;
    ``wedges`` scales them so they do."""
    scenario = scenario or model.plan()
    in_scenario = model.scenario_ids(scenario)
    ids = _ordered(model, in_scenario if action_ids is None else action_ids)
    missing = set(ids) - in_scenario
    if missing:
        raise ValueError(f"actions {sorted(missing)} are not in scenario {scenario.name!r}")
    with_all = model.run(scenario).emissions
    out = np.empty((len(ids), len(model.years), len(model.rows)))
    for i, action_id in enumerate(ids):
        out[i] = model.run(scenario.without(action_id, model.action_ids)).emissions - with_all
    return Impacts(model.years, ids, model.rows, out)


def standalone_impacts(model: Model, action_ids: Collection[str],
                       reference: Scenario | None = None) -> Impacts:
    """Each action alone on top of ``reference`` (the baseline when None)."""
    reference = reference or model.baseline()
    ref_ids = model.scenario_ids(reference)
    ids = _ordered(model, action_ids)
    base = model.run(reference).emissions
    out = np.empty((len(ids), len(model.years), len(model.rows)))
    for i, action_id in enumerate(ids):
        alone = Scenario(f"{reference.name} + {action_id}", ref_ids | {action_id},
                         reference.ramps)
        out[i] = base - model.run(alone).emissions
    return Impacts(model.years, ids, model.rows, out)


def wedges(model: Model, scenario: Scenario | None = None, reference: Scenario | None = None,
           action_ids: Collection[str] | None = None) -> Impacts:
    """Counterfactual impacts scaled, year by year, to fill the gap exactly:

        wedge_a(t) = CF_a(t) x (E_reference(t) - E_scenario(t)) / sum_b CF_b(t)

    ``reference`` defaults to the baseline and ``action_ids`` to the scenario's actions that are
    not in the reference. In a year where the counterfactuals cancel out (actions that each
    alone would do the whole job), the gap is shared by stand-alone impacts instead, and
    equally when those are zero too.
    """
    scenario = scenario or model.plan()
    reference = reference or model.baseline()
    if action_ids is None:
        action_ids = model.scenario_ids(scenario) - model.scenario_ids(reference)
    cf = counterfactual_impacts(model, scenario, action_ids)
    gap = model.run(reference).total() - model.run(scenario).total()
    totals = cf.total()
    denom = totals.sum(axis=0)
    by_row = np.array(cf.by_row)
    n = len(cf.action_ids)
    if n == 0:
        return cf
    ok = np.abs(denom) > 1e-12 * np.maximum(np.abs(gap), 1e-300)
    scale = np.divide(gap, denom, out=np.zeros_like(gap), where=ok)
    by_row *= scale[None, :, None]
    fallback = ~ok & (gap != 0)
    if fallback.any():
        alone = standalone_impacts(model, cf.action_ids, reference).by_row
        alone_tot = alone.sum(axis=2).sum(axis=0)
        for t in np.flatnonzero(fallback):
            if alone_tot[t] != 0:
                by_row[:, t, :] = alone[:, t, :] * (gap[t] / alone_tot[t])
            else:  # nothing to go by: an equal share each, on the rows the scenario changed
                change = model.run(reference).emissions[t] - model.run(scenario).emissions[t]
                by_row[:, t, :] = change[None, :] / n
    return Impacts(cf.years, cf.action_ids, cf.rows, by_row)


@dataclass(frozen=True, slots=True)
class WaterfallStep:
    label: str
    kind: Literal["total", "delta"]
    value: float  # the total, or the change (negative for a reduction)
    start: float
    end: float
    action_id: str | None = None


def waterfall(model: Model, year: int = 2030, *,
              split_existing: bool = False) -> list[WaterfallStep]:
    """From the baseline in ``year`` to the plan's result: existing measures (one bar, or one
    per measure), then each plan action's wedge, which together fill the rest exactly."""
    base = model.run(model.baseline())
    existing = model.with_existing_measures()
    t = base.index(year)
    b = float(base.total()[t])
    steps = [WaterfallStep("baseline", "total", b, 0.0, b)]
    level = b

    def delta(label: str, value: float, action_id: str | None) -> None:
        nonlocal level
        steps.append(WaterfallStep(label, "delta", -value, level, level - value, action_id))
        level -= value

    if model.scenario_ids(existing):
        if split_existing:
            w = wedges(model, existing, model.baseline())
            for i, a in enumerate(w.action_ids):
                delta(model.action(a).name, float(w.total()[i, t]), a)
        else:
            delta("existing measures", b - model.run(existing).total_in(year), None)
    plan = model.plan()
    w = wedges(model, plan, existing)
    for i, a in enumerate(w.action_ids):
        delta(model.action(a).name, float(w.total()[i, t]), a)
    result = model.run(plan).total_in(year)
    steps.append(WaterfallStep("plan", "total", result, 0.0, result))
    return steps


@dataclass(frozen=True, slots=True)
class MacEntry:
    action_id: str
    name: str
    abatement_t: float  # in the year, or over the years (basis "cumulative")
    cost: Decimal
    currency: str
    cost_per_t: float | None  # None when the action abates nothing
    cumulative_start_t: float
    cumulative_end_t: float


def years_in_force(model: Model, action_id: str, scenario: Scenario, until: int) -> int:
    """Years from the base year to ``until`` in which any effect of the action is in force."""
    action = model.action(action_id)
    override = scenario.ramps.get(action_id)
    years = model.years[model.years <= until]
    in_force = np.zeros(len(years), dtype=bool)
    for effect in action.effects:
        ramp = override or effect.ramp or action.ramp
        assert ramp is not None
        in_force |= ramp.fraction(years) > 0
    return int(in_force.sum())


def mac_curve(model: Model, year: int = 2030, *, basis: Literal["year", "cumulative"] = "year",
              scenario: Scenario | None = None, use_wedges: bool = True,
              kinds: Collection[ActionKind] = (ActionKind.PLAN,)) -> list[MacEntry]:
    """The marginal abatement cost curve: actions sorted by cost per tonne, cheapest first, each
    bar from the abatement before it to the abatement with it.

    cost       capex + opex_per_year x the years in force up to ``year``
    abatement  "year": tCO2e avoided in ``year`` (the CCC convention: EUR per t/yr, e.g. Kranj
               action 1.1, 21,827,000 / 14,342 = 1,522); "cumulative": avoided over the base
               year .. ``year``
    Impacts are wedges against the baseline (they add up to the plan's reduction) unless
    ``use_wedges`` is False. Actions that abate nothing come last, outside the curve.
    """
    scenario = scenario or model.plan()
    ids = [a for a in _ordered(model, model.scenario_ids(scenario))
           if model.action(a).kind in kinds]
    all_ids = model.scenario_ids(scenario)
    imp = (wedges(model, scenario, model.baseline(), all_ids) if use_wedges
           else counterfactual_impacts(model, scenario, all_ids))
    abated = (imp.in_year(year) if basis == "year" else imp.cumulative(model.base_year, year))
    entries = []
    for a in ids:
        action = model.action(a)
        cost = action.capex + action.opex_per_year * years_in_force(model, a, scenario, year)
        t = abated[a]
        entries.append((a, action, cost, t, float(cost) / t if t > 0 else None))
    entries.sort(key=lambda e: (e[4] is None, e[4] if e[4] is not None else 0.0))
    out = []
    cum = 0.0
    for a, action, cost, t, per_t in entries:
        start = cum
        if per_t is not None:
            cum += t
        out.append(MacEntry(a, action.name, t, cost, action.currency, per_t, start, cum))
    return out


def progress(result: Result, observed: Mapping[int, Mapping[str, float]], *,
             extend: bool = False) -> Result:
    """The progress scenario: ``result`` with observed tCO2e (year -> row key -> value) in place
    of the modelled values. With ``extend``, each observed row's later years follow the model
    scaled by observed / modelled in its last observed year (the model's trend from where the
    city really is)."""
    emissions = np.array(result.emissions)
    mask = np.zeros_like(emissions, dtype=bool)
    keys = {r.key: j for j, r in enumerate(result.rows)}
    last: dict[int, int] = {}
    for year, values in observed.items():
        t = result.index(year)
        for key, value in values.items():
            if key not in keys:
                raise KeyError(f"observed row {key!r} is not in the model")
            j = keys[key]
            emissions[t, j] = value
            mask[t, j] = True
            last[j] = max(last.get(j, -1), t)
    if extend:
        for j, t in last.items():
            modelled = result.emissions[t, j]
            later = slice(t + 1, None)
            if modelled != 0:
                emissions[later, j] = result.emissions[later, j] * (emissions[t, j] / modelled)
            else:
                emissions[later, j] = result.emissions[later, j] + emissions[t, j]
    return Result(f"{result.name} (progress)", result.years, result.rows, result.activity,
                  result.factor, emissions, mask)
