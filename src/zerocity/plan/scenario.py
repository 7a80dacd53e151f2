"""The stored plan as a pathway model: the bridge between the database and ``pathways`` (which
knows nothing of the ORM).

- Baseline rows come from the plan's baseline inventory (the Mission boundary), the drivers
  from ``Plan.drivers``.
- Each existing policy (A-2) becomes an *existing* measure, each action a *plan* measure.
- An action with typed ``effects`` (JSON, parsed by ``parse_effects``) acts through them. One
  without (and every policy) is *calibrated*: for each sector it reduces, a factor cut on that
  sector's emitting rows (for ``energy_systems``: the electricity and district-heat rows of
  every sector) sized so that the measure *alone* removes exactly its stated tonnes in the
  target year: a policy from the baseline projection, an action from the projection with the
  policies (the portfolio closes the gap the policies leave, as in table A-2.1). The result
  does not depend on the order of the measures; where one measure states more than its rows
  emit, the cut stops at 100 % and a warning says so.
- Together the measures compound: two cuts on the same rows remove less than the sum of their
  stated tonnes. That is how the model removes double counting, and why its plan result can be
  above the published table's, which adds the stated figures up. The published A-2.1 table
  (``selectors.gap_table``) stays the reference; the model gives the years in between, the
  overlap between measures, and the what-ifs.

A model is built once per version of the plan's data and kept in memory.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from zerocity.inventory import selectors as inventory_selectors
from zerocity.pathways import Action as ModelAction
from zerocity.pathways import (
    ActionKind,
    AddLocalRenewable,
    ChangeFactor,
    Drivers,
    Effect,
    Model,
    Ramp,
    ReduceDemand,
    Result,
    SwitchCarrier,
    Target,
    counterfactual_impacts,
    rows_from_summary,
    waterfall,
    wedges,
)
from zerocity.plan.calculations import FIELD_ROWS, SECTORS
from zerocity.plan.models import ActionCost, ActionReduction, Plan, PolicyReduction

END_YEAR = 2050
ENERGY_CARRIERS = ("electricity", "district_heat")
EFFECT_TYPES = ("reduce_demand", "switch_carrier", "change_factor", "add_renewable")


class EffectError(ValueError):
    """An action's effects are not valid; the message names the effect and the problem."""


# -- effects from JSON ---------------------------------------------------------------------------

def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EffectError(f"{where}: expected a list of names")
    return tuple(value)


def _target(data: Any, where: str) -> Target | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise EffectError(f"{where}: target must be an object")
    unknown = set(data) - {"gpc", "sectors", "carriers", "rows"}
    if unknown:
        raise EffectError(f"{where}: unknown target key {', '.join(sorted(unknown))}")
    return Target(gpc_prefixes=_strings(data.get("gpc", []), f"{where}.gpc"),
                  ccc_sectors=_strings(data.get("sectors", []), f"{where}.sectors"),
                  carriers=_strings(data.get("carriers", []), f"{where}.carriers"),
                  rows=_strings(data.get("rows", []), f"{where}.rows"))


def _ramp(data: Any, where: str) -> Ramp | None:
    if data is None:
        return None
    if not isinstance(data, dict) or not {"start", "full"} <= set(data):
        raise EffectError(f"{where}: a ramp needs start and full years")
    try:
        return Ramp(int(data["start"]), int(data["full"]), data.get("shape", "linear"))
    except (TypeError, ValueError) as exc:
        raise EffectError(f"{where}: {exc}") from exc


def _number(d: dict[str, Any], key: str, where: str, default: float | None = None) -> float:
    value = d.get(key, default)
    if value is None:
        raise EffectError(f"{where}: {key} is required")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EffectError(f"{where}: {key} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise EffectError(f"{where}: {key} must be finite")
    return float(value)


def parse_effects(data: Any, *, where: str = "effects") -> tuple[Effect, ...]:
    """Typed effects from their JSON form (see docs/plan.md), or EffectError naming the effect
    (``effects[1]``) and what is wrong."""
    if data in (None, ""):
        return ()
    if not isinstance(data, list):
        raise EffectError(f"{where}: expected a list of effects")
    out: list[Effect] = []
    for i, d in enumerate(data):
        at = f"{where}[{i}]"
        if not isinstance(d, dict):
            raise EffectError(f"{at}: an effect is an object with a type")
        kind = d.get("type")
        if kind not in EFFECT_TYPES:
            raise EffectError(f"{at}: type must be one of {', '.join(EFFECT_TYPES)}, "
                              f"got {kind!r}")
        ramp, target = _ramp(d.get("ramp"), at), _target(d.get("target"), at)
        try:
            if kind == "reduce_demand":
                out.append(ReduceDemand(_number(d, "share", at), ramp, target))
            elif kind == "switch_carrier":
                if not isinstance(d.get("from"), str) or not isinstance(d.get("to"), str):
                    raise EffectError(f"{at}: switch_carrier needs from and to carriers")
                to_factor = d.get("to_factor")
                out.append(SwitchCarrier(
                    d["from"], d["to"], _number(d, "share", at, 1.0),
                    _number(d, "efficiency_from", at, 1.0), _number(d, "efficiency_to", at, 1.0),
                    None if to_factor is None else _number(d, "to_factor", at),
                    d.get("to_gpc"), ramp, target))
            elif kind == "change_factor":
                share = d.get("share")
                new = d.get("new_factor")
                out.append(ChangeFactor(
                    d.get("carrier"),
                    None if new is None else _number(d, "new_factor", at),
                    None if share is None else _number(d, "share", at), ramp, target))
            else:
                out.append(AddLocalRenewable(
                    _number(d, "mwh", at), d.get("displaces", "electricity"),
                    _number(d, "factor", at, 0.0), ramp, target))
        except EffectError:
            raise
        except (TypeError, ValueError) as exc:
            raise EffectError(f"{at}: {exc}") from exc
    return tuple(out)


# -- building the model --------------------------------------------------------------------------

def _drivers(data: Mapping[str, Any]) -> Drivers:
    return Drivers(
        population_growth=float(data.get("population_growth", 0.0)),
        activity_growth={k: float(v) for k, v in data.get("activity_growth", {}).items()},
        activity_growth_by_ref={k: float(v)
                                for k, v in data.get("activity_growth_by_ref", {}).items()},
        grid_factor={int(y): float(v) for y, v in data.get("grid_factor", {}).items()},
    )


@dataclass
class PlanModel:
    """A model of one version of a plan, and the runs every page asks for."""

    model: Model
    target_year: int
    reduction_target: float
    names: dict[str, str]
    calibrated: dict[str, dict[str, float]] = field(default_factory=dict)  # id -> group -> share
    _runs: dict[frozenset[str], Result] = field(default_factory=dict)
    _charts: dict[str, Any] | None = None

    @property
    def plan_ids(self) -> list[str]:
        return [a.id for a in self.model.actions if a.kind is ActionKind.PLAN]

    @property
    def existing_ids(self) -> frozenset[str]:
        return frozenset(a.id for a in self.model.actions if a.kind is ActionKind.EXISTING)

    def run(self, ids: Iterable[str]) -> Result:
        key = frozenset(ids)
        if key not in self._runs:
            if len(self._runs) > 256:  # visitors' combinations: keep memory bounded
                self._runs.clear()
            self._runs[key] = self.model.run(self.model.custom("run", key))
        return self._runs[key]


def _group_target(model: Model, group: str) -> Target:
    if group == "energy_systems":
        return Target(carriers=ENERGY_CARRIERS)
    keys = tuple(r.key for r in model.rows if r.ccc_sector == group and r.co2e > 0)
    return Target(rows=keys or ("-",))


def _group_emissions(model: Model, result: Result, group: str, year: int) -> float:
    t = result.index(year)
    target = _group_target(model, group)
    return float(sum(result.emissions[t, j] for j, r in enumerate(model.rows)
                     if target.matches(r)))


def build(plan: Plan) -> PlanModel:
    """Build the model of a plan (see the module docstring for the calibration)."""
    inventory = plan.baseline
    summary = inventory_selectors.summary(inventory)
    rows = rows_from_summary(summary["rows"], gwp=inventory.gwp)
    base, target_year = inventory.year, plan.target_year
    drivers = _drivers(plan.drivers or {})

    def default_ramp(start: int | None, end: int | None) -> Ramp:
        s = start or base + 1
        return Ramp(s, max(end or target_year, s))

    warnings: list[str] = []
    names: dict[str, str] = {}
    fixed: list[ModelAction] = []
    to_calibrate: list[tuple[str, ActionKind, Ramp, dict[str, float], Decimal, Decimal]] = []

    policies: dict[str, dict[str, float]] = {}
    for p in PolicyReduction.objects.filter(policy__plan=plan).order_by("policy__name"):
        policies.setdefault(p.policy.name, {})[p.sector] = p.tco2e
    for i, (name, policy_reductions) in enumerate(policies.items()):
        pid = f"policy-{i + 1}"
        names[pid] = name
        to_calibrate.append((pid, ActionKind.EXISTING, default_ramp(None, None),
                             policy_reductions, Decimal(0), Decimal(0)))

    actions = list(plan.actions.order_by("code"))
    reductions: dict[int, dict[str, float]] = {a.pk: {} for a in actions}
    for r in ActionReduction.objects.filter(action__plan=plan):
        reductions[r.action_id][r.sector] = r.tco2e
    costs: dict[int, list[ActionCost]] = {a.pk: [] for a in actions}
    for c in ActionCost.objects.filter(action__plan=plan):
        costs[c.action_id].append(c)
    for a in actions:
        names[a.code] = a.name
        ramp = default_ramp(a.start_year, a.end_year)
        capex = sum((c.capex_eur for c in costs[a.pk]), Decimal(0)) or (a.total_cost_eur
                                                                        or Decimal(0))
        opex_years = {c.year for c in costs[a.pk]}
        opex = (sum((c.opex_eur for c in costs[a.pk]), Decimal(0)) / len(opex_years)
                if opex_years else Decimal(0))
        typed = parse_effects(a.effects, where=f"action {a.code}: effects")
        if typed:
            fixed.append(ModelAction(a.code, a.name, typed, ramp=ramp, capex=capex,
                                     opex_per_year=opex))
        else:
            to_calibrate.append((a.code, ActionKind.PLAN, ramp, reductions[a.pk], capex, opex))

    # A policy alone removes its stated tonnes from the baseline projection in the target
    # year; an action alone removes its stated tonnes from the projection with the policies
    # (the portfolio closes the gap left after existing policies, as in table ).
    # Together they compound, which is how the model removes double counting.
    done: list[ModelAction] = []
    calibrated: dict[str, dict[str, float]] = {}
    for kind in (ActionKind.EXISTING, ActionKind.PLAN):
        reference = Model(rows, base_year=base, end_year=END_YEAR, drivers=drivers,
                          actions=done)
        projected = reference.run(reference.plan())
        room = {g: _group_emissions(reference, projected, g, target_year)
                for g in (*SECTORS, *FIELD_ROWS)}
        for aid, k, ramp, reds, capex, opex in to_calibrate:
            if k is not kind:
                continue
            effects: list[Effect] = []
            shares: dict[str, float] = {}
            in_force = ramp.at(target_year) or 1.0
            for group, tonnes in sorted(reds.items()):
                if tonnes <= 0 or group not in room:
                    continue
                share = tonnes / (room[group] * in_force) if room[group] > 0 else math.inf
                if share > 1:
                    warnings.append(f"{aid}: the {group} rows emit {room[group]:,.0f} t in "
                                    f"{target_year}, less than the {tonnes:,.0f} t stated; "
                                    "the model cuts them to zero")
                    share = 1.0
                shares[group] = share
                effects.append(ChangeFactor(share=share,
                                            target=_group_target(reference, group)))
            calibrated[aid] = shares
            done.append(ModelAction(aid, names[aid], tuple(effects), ramp=ramp, kind=kind,
                                    capex=capex, opex_per_year=opex))
    done.extend(fixed)
    model = Model(rows, base_year=base, end_year=END_YEAR, drivers=drivers, actions=done)
    model.warnings.extend(warnings)
    return PlanModel(model, target_year, float(plan.reduction_target), names, calibrated)


# -- the cache -----------------------------------------------------------------------------------

_cache: dict[int, tuple[str, PlanModel]] = {}
_lock = threading.Lock()


def version(plan: Plan) -> str:
    """A fingerprint of everything the model is built from (one cheap query per table)."""
    parts: list[Any] = [
        plan.pk, plan.target_year, str(plan.reduction_target), plan.drivers,
        plan.baseline_id, str(plan.baseline.updated_at), plan.baseline.gwp,
        list(plan.actions.order_by("pk").values_list("code", "name", "effects", "start_year",
                                                      "end_year", "total_cost_eur")),
        list(ActionReduction.objects.filter(action__plan=plan).order_by("pk")
             .values_list("action_id", "sector", "tco2e")),
        list(ActionCost.objects.filter(action__plan=plan).order_by("pk")
             .values_list("action_id", "year", "capex_eur", "opex_eur")),
        list(PolicyReduction.objects.filter(policy__plan=plan).order_by("pk")
             .values_list("policy__name", "sector", "tco2e")),
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def plan_model(plan: Plan) -> PlanModel:
    key = version(plan)
    with _lock:
        hit = _cache.get(plan.pk)
        if hit is not None and hit[0] == key:
            return hit[1]
    built = build(plan)
    with _lock:
        _cache[plan.pk] = (key, built)
    return built


# -- what the pages show -------------------------------------------------------------------------

def _series(values: Any) -> list[float]:
    return [round(float(v), 1) for v in values]


def scenario_result(plan: Plan, action_codes: Iterable[str] | None, *,
                    include_existing: bool = True) -> dict[str, Any]:
    """The target-year result of the plan with only ``action_codes`` switched on (all of them
    when None), on top of the existing policies: the trajectory, the result per sector, the
    target and each chosen action's counterfactual impact. ValueError for an unknown code."""
    pm = plan_model(plan)
    model, year = pm.model, pm.target_year
    chosen = pm.plan_ids if action_codes is None else list(dict.fromkeys(action_codes))
    unknown = sorted(set(chosen) - set(pm.plan_ids))
    if unknown:
        raise ValueError(f"no action {', '.join(unknown)} in this plan")
    existing = pm.existing_ids if include_existing else frozenset()
    base = pm.run(())
    with_existing = pm.run(existing)
    result = pm.run(existing | set(chosen))
    base_year_total = base.total_in(model.base_year)
    ceiling = base_year_total * (1 - pm.reduction_target)
    value = result.total_in(year)
    impacts: dict[str, float] = {}
    if chosen:
        scenario = model.custom("chosen", existing | set(chosen))
        cf = counterfactual_impacts(model, scenario, chosen)
        t = base.index(year)
        impacts = {a: round(float(cf.total()[i, t]), 1) for i, a in enumerate(cf.action_ids)}
    t = base.index(year)
    by_base, by_res = base.by("ccc_sector"), result.by("ccc_sector")
    return {
        "base_year": model.base_year, "target_year": year,
        "years": [int(y) for y in model.years],
        "baseline": _series(base.total()), "existing": _series(with_existing.total()),
        "scenario": _series(result.total()),
        "actions": [a for a in pm.plan_ids if a in set(chosen)],
        "result": {
            "base_year_total": round(base_year_total, 1),
            "baseline": round(base.total_in(year), 1),
            "existing": round(with_existing.total_in(year), 1),
            "scenario": round(value, 1),
            "ceiling": round(ceiling, 1),
            "margin": round(ceiling - value, 1),
            "met": bool(value <= ceiling + 0.5),
            "reduction_share": round(1 - value / base_year_total, 4) if base_year_total else None,
        },
        "sectors": {s: {"baseline": round(float(by_base[s][t]), 1),
                        "scenario": round(float(by_res[s][t]), 1)}
                    for s in sorted(by_base)},
        "impacts": impacts,
        "warnings": list(model.warnings),
    }


def pathway_charts(plan: Plan) -> dict[str, Any]:
    """The waterfall (baseline to the plan's target-year result) and the wedges (each action's
    share of the gap between the with-existing-measures path and the plan, year by year)."""
    pm = plan_model(plan)
    if pm._charts is not None:
        return pm._charts
    model, year = pm.model, pm.target_year
    steps = waterfall(model, year)
    existing = model.with_existing_measures()
    w = wedges(model, model.plan(), existing)
    totals = w.total()
    pm._charts = {
        "target_year": year,
        "years": [int(y) for y in model.years],
        "waterfall": [{"label": s.label, "kind": s.kind, "value": round(s.value, 1),
                       "action": s.action_id} for s in steps],
        "wedges": [{"action": a, "name": pm.names.get(a, a), "values": _series(totals[i])}
                   for i, a in enumerate(w.action_ids)],
        "baseline": _series(pm.run(()).total()),
        "existing": _series(pm.run(pm.existing_ids).total()),
        "plan": _series(pm.run(pm.existing_ids | set(pm.plan_ids)).total()),
        "ceiling": round(pm.run(()).total_in(model.base_year) * (1 - pm.reduction_target), 1),
        "warnings": list(model.warnings),
    }
    return pm._charts


