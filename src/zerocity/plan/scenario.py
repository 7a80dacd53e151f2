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
  policies (the portfolio closes the gap the policies leave, as in table A-2.1): the cut is
  stated tonnes / (the group's emissions in the target year in that projection x the share of
  the measure's ramp in force then). The result does not depend on the order of the
  measures; where one measure states more than its rows emit, the cut stops at 100 % and a
  warning says so.
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
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max

from zerocity.inventory import selectors as inventory_selectors
from zerocity.inventory.models import Inventory
from zerocity.pathways import Action as ModelAction
from zerocity.pathways import (
    ActionKind,
    AddLocalRenewable,
    ChangeActivity,
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
from zerocity.pathways import progress as progress_scenario
from zerocity.pathways.model import ActivityRow, Rate
from zerocity.plan.calculations import FIELD_ROWS, SECTORS
from zerocity.plan.models import Action, ActionCost, ActionReduction, Plan, PolicyReduction

END_YEAR = 2050
ENERGY_CARRIERS = ("electricity", "district_heat")


class EffectError(ValueError):
    """An action's effects are not valid; the message names the effect and the problem."""


# -- effects and drivers from JSON -------------------------------------------------------------

# The keys each effect type takes besides ``type``, ``target``, ``ramp`` and ``note``: a typo
# such as "efficency_to" must not silently fall back to a default.
EFFECT_KEYS: dict[str, frozenset[str]] = {
    "reduce_demand": frozenset({"share"}),
    "switch_carrier": frozenset({"from", "to", "share", "efficiency_from", "efficiency_to",
                                 "to_factor", "to_gpc"}),
    "change_factor": frozenset({"carrier", "new_factor", "share"}),
    "add_renewable": frozenset({"mwh", "displaces", "factor"}),
    "change_activity": frozenset({"mwh", "carrier", "to_gpc", "to_factor"}),
}
COMMON_KEYS = frozenset({"type", "target", "ramp", "note"})
DRIVER_KEYS = frozenset({"population_growth", "activity_growth", "activity_growth_by_ref",
                         "grid_factor", "note"})


class DriversError(ValueError):
    """``Plan.drivers`` is not valid; the message names the key and the problem."""


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


def _year(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise EffectError(f"{where} must be a year, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise EffectError(f"{where} must be a year, got {value!r}")


def _ramp(data: Any, where: str) -> Ramp | None:
    if data is None:
        return None
    if not isinstance(data, dict) or not {"start", "full"} <= set(data):
        raise EffectError(f"{where}: a ramp needs start and full years")
    unknown = set(data) - {"start", "full", "shape"}
    if unknown:
        raise EffectError(f"{where}: unknown ramp key {', '.join(sorted(unknown))}")
    start = _year(data["start"], f"{where}: ramp start")
    full = _year(data["full"], f"{where}: ramp full")
    try:
        return Ramp(start, full, data.get("shape", "linear"))
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


def _optional_number(d: dict[str, Any], key: str, where: str) -> float | None:
    return None if d.get(key) is None else _number(d, key, where)


def _name(d: dict[str, Any], key: str, where: str, default: str | None = None) -> str | None:
    value = d.get(key, default)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise EffectError(f"{where}: {key} must be a name, got {value!r}")
    return value


def parse_effects(data: Any, *, where: str = "effects") -> tuple[Effect, ...]:
    """Typed effects from their JSON form (see docs/plan.md), or EffectError naming the effect
    (``effects[1]``, prefixed with ``where``) and what is wrong. ``None`` or ``[]`` is no
    typed effect (the action is calibrated)."""
    if data is None or data == "":
        return ()
    if not isinstance(data, list):
        raise EffectError(f"{where}: expected a list of effects")
    out: list[Effect] = []
    for i, d in enumerate(data):
        at = f"{where}[{i}]"
        if not isinstance(d, dict):
            raise EffectError(f"{at}: an effect is an object with a type")
        kind = d.get("type")
        if kind not in EFFECT_KEYS:
            raise EffectError(f"{at}: type must be one of {', '.join(EFFECT_KEYS)}, "
                              f"got {kind!r}")
        unknown = set(d) - COMMON_KEYS - EFFECT_KEYS[kind]
        if unknown:
            raise EffectError(f"{at}: unknown key {', '.join(sorted(unknown))} for {kind} "
                              f"(it takes {', '.join(sorted(EFFECT_KEYS[kind]))})")
        ramp, target = _ramp(d.get("ramp"), at), _target(d.get("target"), at)
        try:
            if kind == "reduce_demand":
                out.append(ReduceDemand(_number(d, "share", at), ramp, target))
            elif kind == "switch_carrier":
                source, dest = _name(d, "from", at), _name(d, "to", at)
                if source is None or dest is None:
                    raise EffectError(f"{at}: switch_carrier needs from and to carriers")
                out.append(SwitchCarrier(
                    source, dest, _number(d, "share", at, 1.0),
                    _number(d, "efficiency_from", at, 1.0), _number(d, "efficiency_to", at, 1.0),
                    _optional_number(d, "to_factor", at), _name(d, "to_gpc", at), ramp, target))
            elif kind == "change_factor":
                out.append(ChangeFactor(
                    _name(d, "carrier", at), _optional_number(d, "new_factor", at),
                    _optional_number(d, "share", at), ramp, target))
            elif kind == "change_activity":
                carrier = _name(d, "carrier", at)
                if carrier is None:
                    raise EffectError(f"{at}: change_activity needs a carrier")
                out.append(ChangeActivity(
                    _number(d, "mwh", at), carrier, _name(d, "to_gpc", at),
                    _optional_number(d, "to_factor", at), ramp, target))
            else:
                out.append(AddLocalRenewable(
                    _number(d, "mwh", at), _name(d, "displaces", at, "electricity") or "",
                    _number(d, "factor", at, 0.0), ramp, target))
        except EffectError:
            raise
        except (TypeError, ValueError) as exc:
            raise EffectError(f"{at}: {exc}") from exc
    return tuple(out)


def _rate(value: Any, where: str) -> Rate:
    """A yearly rate: a number, or ``{"year": rate}``."""
    if isinstance(value, dict):
        out: dict[int, float] = {}
        for y, v in value.items():
            try:
                year = _year(y, f"{where}: year")
            except EffectError as exc:
                raise DriversError(str(exc)) from None
            out[year] = _rate_number(v, f"{where}[{y}]")
        return out
    return _rate_number(value, where)


def _rate_number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value):
        raise DriversError(f"{where} must be a number, got {value!r}")
    if value <= -1:
        raise DriversError(f"{where} must be above -1 (a yearly rate), got {value!r}")
    return float(value)


def _rates(value: Any, where: str) -> dict[str, Rate]:
    if not isinstance(value, dict):
        raise DriversError(f"{where} must be an object of rates by name")
    return {str(k): _rate(v, f"{where}.{k}") for k, v in value.items()}


def parse_drivers(data: Any) -> Drivers:
    """``Plan.drivers`` as model drivers, or DriversError naming the key and the problem.

    ``population_growth`` (a yearly rate, or ``{"year": rate}``), ``activity_growth``
    (``{sector: rate}``), ``activity_growth_by_ref`` (``{"II.1": rate}``), ``grid_factor``
    (``{"year": tCO2e/MWh}``); ``note`` is free text; nothing else is accepted."""
    if data is None or data == {}:
        return Drivers()
    if not isinstance(data, dict):
        raise DriversError("drivers must be an object")
    unknown = set(data) - DRIVER_KEYS
    if unknown:
        raise DriversError(f"drivers: unknown key {', '.join(sorted(unknown))} (it takes "
                           f"{', '.join(sorted(DRIVER_KEYS))})")
    grid: dict[int, float] = {}
    raw_grid = data.get("grid_factor", {})
    if not isinstance(raw_grid, dict):
        raise DriversError("drivers.grid_factor must be an object of factors by year")
    for y, v in raw_grid.items():
        try:
            year = _year(y, "drivers.grid_factor: year")
        except EffectError as exc:
            raise DriversError(str(exc)) from None
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) \
                or v < 0:
            raise DriversError(f"drivers.grid_factor[{y}] must be a factor of 0 or more, "
                               f"got {v!r}")
        grid[year] = float(v)
    return Drivers(
        population_growth=_rate(data.get("population_growth", 0.0),
                                "drivers.population_growth"),
        activity_growth=_rates(data.get("activity_growth", {}), "drivers.activity_growth"),
        activity_growth_by_ref=_rates(data.get("activity_growth_by_ref", {}),
                                      "drivers.activity_growth_by_ref"),
        grid_factor=grid,
    )


# -- building the model --------------------------------------------------------------------------

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
    _progress: dict[tuple[Any, ...], dict[str, Any] | None] = field(default_factory=dict)

    @property
    def plan_ids(self) -> list[str]:
        """The plan's actions in code order (the model's order)."""
        return [a.id for a in self.model.actions if a.kind is ActionKind.PLAN]

    @property
    def existing_ids(self) -> frozenset[str]:
        return frozenset(a.id for a in self.model.actions if a.kind is ActionKind.EXISTING)

    def run(self, ids: Iterable[str]) -> Result:
        """The model with exactly ``ids`` in force (memoised: pages ask for the same runs)."""
        key = frozenset(ids)
        result = self._runs.get(key)
        if result is None:
            result = self.model.run(self.model.custom("run", key))
            if len(self._runs) > 256:  # visitors' combinations: keep memory bounded
                self._runs.clear()
            self._runs[key] = result
        return result


def _group_target(model: Model, group: str) -> Target:
    if group == "energy_systems":
        return Target(carriers=ENERGY_CARRIERS)
    keys = tuple(r.key for r in model.rows if r.ccc_sector == group and r.co2e > 0)
    return Target(rows=keys or ("-",))


def _group_emissions(model: Model, result: Result, group: str, year: int) -> float:
    t = result.index(year)
    target = _group_target(model, group)
    return math.fsum(float(result.emissions[t, j]) for j, r in enumerate(model.rows)
                     if target.matches(r))


@dataclass(frozen=True)
class _Measure:
    id: str
    name: str
    kind: ActionKind
    ramp: Ramp
    reductions: dict[str, float]
    effects: tuple[Effect, ...] = ()
    capex: Decimal = Decimal(0)
    opex: Decimal = Decimal(0)


def _costs(rows: list[tuple[int, Decimal, Decimal]],
           total_cost: Decimal | None) -> tuple[Decimal, Decimal]:
    """From (year, capex, opex) rows: capex, the yearly capital costs added up, or the stated
    total cost where the action has no yearly costs; opex, the average operating cost of the
    years listed."""
    if not rows:
        return (total_cost or Decimal(0)), Decimal(0)
    capex = sum((c for _, c, _ in rows), Decimal(0))
    opex = sum((o for _, _, o in rows), Decimal(0)) / len({y for y, _, _ in rows})
    return capex, opex


def _calibrate(rows: Iterable[ActivityRow], measures: list[_Measure], *, base_year: int,
               target_year: int, drivers: Drivers) -> tuple[list[ModelAction],
                                                            dict[str, dict[str, float]],
                                                            list[str]]:
    """The model actions of ``measures``, in their order; those without typed effects get one
    factor cut per group they reduce (see the module docstring), sized on the projection with
    the existing measures calibrated before them (none for the existing measures themselves)."""
    rows = list(rows)
    calibrated: dict[int, ModelAction] = {}
    shares: dict[str, dict[str, float]] = {}
    warnings: list[str] = []
    done: list[ModelAction] = []
    for kind in (ActionKind.EXISTING, ActionKind.PLAN):
        reference = Model(rows, base_year=base_year, end_year=END_YEAR, drivers=drivers,
                          actions=done)
        projected = reference.run(reference.plan())
        room = {g: _group_emissions(reference, projected, g, target_year)
                for g in (*SECTORS, *FIELD_ROWS)}
        batch: list[ModelAction] = []
        for i, m in enumerate(measures):
            if m.kind is not kind or m.effects:
                continue
            # the tonnes are stated for the target year: a measure still ramping up then is
            # scaled so that its part in force removes them
            in_force = m.ramp.at(target_year) or 1.0
            effects: list[Effect] = []
            shares[m.id] = {}
            for group, tonnes in sorted(m.reductions.items()):
                if tonnes <= 0 or group not in room:
                    continue
                share = tonnes / (room[group] * in_force) if room[group] > 0 else math.inf
                if share > 1:
                    warnings.append(f"{m.id}: the {group} rows emit {room[group]:,.0f} t in "
                                    f"{target_year}, less than the {tonnes:,.0f} t stated; "
                                    "the model cuts them to zero")
                    share = 1.0
                shares[m.id][group] = share
                effects.append(ChangeFactor(share=share,
                                            target=_group_target(reference, group)))
            calibrated[i] = ModelAction(m.id, m.name, tuple(effects), ramp=m.ramp, kind=kind,
                                        capex=m.capex, opex_per_year=m.opex)
            batch.append(calibrated[i])
        done.extend(batch)
    out = [calibrated.get(i) or ModelAction(m.id, m.name, m.effects, ramp=m.ramp, kind=m.kind,
                                            capex=m.capex, opex_per_year=m.opex)
           for i, m in enumerate(measures)]
    return out, shares, warnings


def build(plan: Plan) -> PlanModel:
    """Build the model of a plan (see the module docstring for the calibration).

    Effects or drivers the model cannot read (stored without ``parse_effects`` or
    ``parse_drivers`` checking them) do not break the pages: the action is calibrated from
    its stated reductions instead, the drivers are left out, and a warning says so."""
    inventory = plan.baseline
    summary = inventory_selectors.summary(inventory)
    rows = rows_from_summary(summary["rows"], gwp=inventory.gwp)
    base, target_year = inventory.year, plan.target_year
    warnings: list[str] = []
    try:
        drivers = parse_drivers(plan.drivers)
    except DriversError as exc:
        warnings.append(f"{exc}; the model runs without drivers")
        drivers = Drivers()

    def default_ramp(start: int | None, end: int | None) -> Ramp:
        s = start or base + 1
        return Ramp(s, max(end or target_year, s))

    measures: list[_Measure] = []
    policy_reductions: dict[int, dict[str, float]] = {}
    policy_names: dict[int, str] = {}
    for p in (PolicyReduction.objects.filter(policy__plan=plan)
              .order_by("policy__name", "policy_id").values("policy_id", "policy__name",
                                                            "sector", "tco2e")):
        policy_names[p["policy_id"]] = p["policy__name"]
        policy_reductions.setdefault(p["policy_id"], {})[p["sector"]] = p["tco2e"]
    for i, (pk, reds) in enumerate(policy_reductions.items()):
        measures.append(_Measure(f"policy-{i + 1}", policy_names[pk], ActionKind.EXISTING,
                                 default_ramp(None, None), reds))

    actions = list(Action.objects.filter(plan=plan).order_by("code"))
    reductions: dict[int, dict[str, float]] = {a.pk: {} for a in actions}
    for action_id, sector, tco2e in (ActionReduction.objects.filter(action__plan=plan)
                                     .values_list("action_id", "sector", "tco2e")):
        reductions[action_id][sector] = tco2e
    costs: dict[int, list[tuple[int, Decimal, Decimal]]] = {a.pk: [] for a in actions}
    for action_id, year, capex_eur, opex_eur in (
            ActionCost.objects.filter(action__plan=plan)
            .values_list("action_id", "year", "capex_eur", "opex_eur")):
        costs[action_id].append((year, capex_eur, opex_eur))
    for a in actions:
        try:
            typed = parse_effects(a.effects, where=f"action {a.code}: effects")
        except EffectError as exc:
            warnings.append(f"{exc}; the action is calibrated from its stated reductions")
            typed = ()
        capex, opex = _costs(costs[a.pk], a.total_cost_eur)
        measures.append(_Measure(a.code, a.name, ActionKind.PLAN,
                                 default_ramp(a.start_year, a.end_year), reductions[a.pk],
                                 typed, capex, opex))

    model_actions, shares, calibration_warnings = _calibrate(
        rows, measures, base_year=base, target_year=target_year, drivers=drivers)
    model = Model(rows, base_year=base, end_year=END_YEAR, drivers=drivers,
                  actions=model_actions)
    model.warnings.extend(warnings + calibration_warnings)
    return PlanModel(model, target_year, float(plan.reduction_target),
                     {m.id: m.name for m in measures}, shares)


# -- the cache -----------------------------------------------------------------------------------

_cache: dict[int, tuple[str, PlanModel]] = {}
_lock = threading.Lock()


def version(plan: Plan) -> str:
    """A fingerprint of everything the model is built from, one cheap query per table: the
    plan's own fields, its actions, reductions, yearly costs and policies (their values), and
    the baseline inventory (its ``updated_at``, which every import of its lines moves, and the
    count and highest id of its lines)."""
    inventory = plan.baseline
    lines = inventory.lines.aggregate(n=Count("pk"), last=Max("pk"))
    parts: list[Any] = [
        plan.pk, plan.target_year, str(plan.reduction_target), plan.drivers,
        inventory.pk, inventory.year, inventory.gwp, str(inventory.updated_at),
        lines["n"], lines["last"],
        list(Action.objects.filter(plan=plan).order_by("pk").values_list(
            "code", "name", "effects", "start_year", "end_year", "total_cost_eur")),
        list(ActionReduction.objects.filter(action__plan=plan).order_by("pk")
             .values_list("action_id", "sector", "tco2e")),
        list(ActionCost.objects.filter(action__plan=plan).order_by("pk")
             .values_list("action_id", "year", "capex_eur", "opex_eur")),
        list(PolicyReduction.objects.filter(policy__plan=plan).order_by("pk")
             .values_list("policy_id", "policy__name", "sector", "tco2e")),
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def plan_model(plan: Plan) -> PlanModel:
    """The plan's model, built once per version of its data (``version``) and kept in this
    process. Two requests that miss at the same time both build; the last one is kept."""
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
    """What the scenario explorer shows: the plan with only ``action_codes`` switched on (all
    of them when None), on top of the existing policies unless ``include_existing`` is False.
    ValueError naming any code that is not an action of the plan. The shape is in
    docs/plan.md; tonnes are tCO2e a year, rounded to 0.1 t."""
    pm = plan_model(plan)
    model, year = pm.model, pm.target_year
    chosen = pm.plan_ids if action_codes is None else list(dict.fromkeys(action_codes))
    unknown = sorted(set(chosen) - set(pm.plan_ids))
    if unknown:
        raise ValueError(f"no action {', '.join(unknown)} in this plan")
    ids = (pm.existing_ids if include_existing else frozenset()) | set(chosen)
    base = pm.run(())
    with_existing = pm.run(pm.existing_ids)
    result = pm.run(ids)
    t = base.index(year)
    base_year_total = base.total_in(model.base_year)
    ceiling = base_year_total * (1 - pm.reduction_target)
    value = result.total_in(year)
    impacts: dict[str, float] = {}
    if chosen:
        cf = counterfactual_impacts(model, model.custom("chosen", ids), chosen)
        totals = cf.total()
        impacts = {a: round(float(totals[i, t]), 1) for i, a in enumerate(cf.action_ids)}
    by_base, by_existing = base.by("ccc_sector"), with_existing.by("ccc_sector")
    by_result = result.by("ccc_sector")
    return {
        "base_year": model.base_year, "target_year": year,
        "years": [int(y) for y in model.years],
        "baseline": _series(base.total()), "existing": _series(with_existing.total()),
        "scenario": _series(result.total()),
        "actions": [a for a in pm.plan_ids if a in set(chosen)],
        "include_existing": include_existing,
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
                        "existing": round(float(by_existing[s][t]), 1),
                        "scenario": round(float(by_result[s][t]), 1)}
                    for s in _sector_order(by_base)},
        "impacts": impacts,
        "warnings": list(model.warnings),
    }


def _sector_order(groups: Iterable[str]) -> list[str]:
    present = set(groups)
    return [s for s in SECTORS if s in present] + sorted(present - set(SECTORS))


def progress(plan: Plan) -> dict[str, Any] | None:
    """The progress scenario against the published inventories after the baseline: for each
    such year, the observed total, what the plan path expected, and the straight-line ceiling.
    Observed lines replace the model's rows they match (same GPC reference and activity);
    the model then carries each observed row on from where the city really is."""
    pm = plan_model(plan)
    model = pm.model
    inventories = list(Inventory.objects.filter(city=plan.city, year__gt=model.base_year,
                                                year__lte=model.end_year)
                       .exclude(published_at__isnull=True).order_by("year"))
    # summarising an inventory is the expensive part: once per version of the inventories
    key = tuple((inv.pk, inv.updated_at, inv.gwp) for inv in inventories)
    if key not in pm._progress:
        pm._progress = {key: _progress(pm, inventories)}
    return pm._progress[key]


def _progress(pm: PlanModel, inventories: list[Any]) -> dict[str, Any] | None:
    model = pm.model
    keys = {r.key for r in model.rows}
    observed: dict[int, dict[str, float]] = {}
    meta = {}
    for inv in inventories:
        rows = rows_from_summary(inventory_selectors.summary(inv)["rows"], gwp=inv.gwp)
        observed[inv.year] = {r.key: r.co2e for r in rows if r.key in keys}
        meta[inv.year] = {"illustrative": inv.illustrative,
                          "unmatched_tco2e": sum(r.co2e for r in rows if r.key not in keys),
                          "total": sum(r.co2e for r in rows)}
    if not observed:
        return None
    planned = pm.run(pm.existing_ids | set(pm.plan_ids))
    tracked = progress_scenario(planned, observed, extend=True)
    base_total = planned.total_in(model.base_year)
    out = []
    for year in sorted(observed):
        share = min(max((year - model.base_year) / (pm.target_year - model.base_year), 0), 1)
        out.append({
            "year": year, "observed": round(meta[year]["total"], 1),
            "planned": round(planned.total_in(year), 1),
            "ceiling": round(base_total * (1 - pm.reduction_target * share), 1),
            "illustrative": meta[year]["illustrative"],
            "unmatched_tco2e": round(meta[year]["unmatched_tco2e"], 1),
        })
    return {"years": out, "target_year": pm.target_year,
            "projected": round(tracked.total_in(pm.target_year), 1),
            "planned": round(planned.total_in(pm.target_year), 1)}


def pathway_charts(plan: Plan) -> dict[str, Any]:
    """The waterfall (baseline in the target year, the existing measures, each action's wedge,
    the plan's result) and the wedges (each action's share of the gap between the
    with-existing-measures path and the plan, year by year). The shape is in docs/plan.md."""
    pm = plan_model(plan)
    if pm._charts is not None:
        return pm._charts
    model, year = pm.model, pm.target_year
    steps = waterfall(model, year)
    w = wedges(model, model.plan(), model.with_existing_measures())
    totals = w.total()
    base = pm.run(())
    charts = {
        "base_year": model.base_year,
        "target_year": year,
        "years": [int(y) for y in model.years],
        "waterfall": [{"label": s.label, "kind": s.kind, "value": round(s.value, 1),
                       "action": s.action_id} for s in steps],
        "wedges": [{"action": a, "name": pm.names.get(a, a), "values": _series(totals[i])}
                   for i, a in enumerate(w.action_ids)],
        "baseline": _series(base.total()),
        "existing": _series(pm.run(pm.existing_ids).total()),
        "plan": _series(pm.run(pm.existing_ids | set(pm.plan_ids)).total()),
        "ceiling": round(base.total_in(model.base_year) * (1 - pm.reduction_target), 1),
        "warnings": list(model.warnings),
    }
    pm._charts = charts
    return charts
