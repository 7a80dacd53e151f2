"""A climate budget in the manner of Oslo's: for every year to the target, an emission ceiling
per sector on the straight path from the sector's baseline to its target-year level, the
emissions the plan is projected to leave (from the pathway model), the margin or overshoot,
the shortfall left in the target year, and the measures that carry each sector's reduction
with the department responsible for each (Oslo's budget lists every measure with its agency
and expected effect, and the national measures beside them).

``ceilings``, ``margins``, ``by_department`` and ``budget_table`` are pure (plain data in,
plain data out); ``climate_budget`` reads the plan and its model and calls them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from zerocity.core.errors import Conflict
from zerocity.core.formats import number
from zerocity.plan.calculations import SECTORS
from zerocity.plan.models import ActionReduction, Plan, PolicyReduction
from zerocity.plan.scenario import plan_model

ENERGY_SYSTEMS = "energy_systems"


def ceilings(baseline: Mapping[str, float], *, base_year: int, target_year: int,
             reduction: float, years: Sequence[int]) -> dict[str, list[float]]:
    """Per sector, the ceiling in each of ``years``: the straight line from the baseline in
    ``base_year`` to ``baseline x (1 - reduction)`` in ``target_year``, flat after it. A sector
    that is a net sink in the baseline (zero or less) keeps its baseline as the ceiling: the
    target is a cut in emissions, and a sink may not shrink."""
    if target_year <= base_year:
        raise ValueError("the target year must come after the baseline year")
    if not 0.0 <= reduction <= 1.0:
        raise ValueError(f"the reduction target must be between 0 and 1, got {reduction!r}")
    out = {}
    for sector, b in baseline.items():
        end = b * (1 - reduction) if b > 0 else b
        out[sector] = [b + (end - b) * min(max((y - base_year) / (target_year - base_year),
                                                0.0), 1.0) for y in years]
    return out


def margins(ceiling: Sequence[float], projected: Sequence[float]) -> list[float]:
    """Ceiling minus projection, year by year: positive is margin, negative is overshoot."""
    return [c - p for c, p in zip(ceiling, projected, strict=True)]


def by_department(carriers: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The reduction each department carries: its actions and their stated tonnes added up
    over every sector (``energy_systems`` included), largest first; actions without a
    department are grouped under ``""``."""
    out: dict[str, dict[str, Any]] = {}
    for rows in carriers.values():
        for c in rows:
            d = out.setdefault(c.get("department", ""), {
                "department": c.get("department", ""),
                "department_slug": c.get("department_slug", ""), "actions": [], "tco2e": 0.0})
            if c["code"] not in d["actions"]:
                d["actions"].append(c["code"])
            d["tco2e"] += float(c["tco2e"])
    for d in out.values():
        d["actions"].sort()
    return sorted(out.values(), key=lambda d: (-d["tco2e"], d["department"]))


def budget_table(*, base_year: int, target_year: int, reduction: float,
                 baseline: Mapping[str, float], existing: Mapping[str, Sequence[float]],
                 projected: Mapping[str, Sequence[float]],
                 carriers: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                 policies: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                 ) -> dict[str, Any]:
    """The budget from the year after ``base_year`` to ``target_year``, from plain data.

    ``baseline`` is tCO2e per sector in the base year; ``existing`` and ``projected`` give,
    per sector, one value for each budget year (with the existing measures; with the plan).
    ``carriers`` lists per sector (and ``energy_systems``) the actions that reduce it
    (``code``, ``name``, ``department``, ``tco2e``...), ``policies`` the existing measures
    (``name``, ``tco2e``). The shape is in docs/plan.md."""
    years = list(range(base_year + 1, target_year + 1))
    carriers = carriers or {}
    policies = policies or {}
    sectors = [s for s in SECTORS if s in baseline] + sorted(set(baseline) - set(SECTORS))
    ceil = ceilings(baseline, base_year=base_year, target_year=target_year,
                    reduction=reduction, years=years)
    out_sectors: dict[str, dict[str, Any]] = {}
    for s in sectors:
        proj = [float(v) for v in projected[s]]
        ex = [float(v) for v in existing[s]]
        if len(proj) != len(years) or len(ex) != len(years):
            raise ValueError(f"{s}: one projected and one existing value per year "
                             f"{years[0]}-{years[-1]} are needed")
        margin = margins(ceil[s], proj)
        out_sectors[s] = {
            "baseline": float(baseline[s]), "target": ceil[s][-1], "ceiling": ceil[s],
            "existing": ex, "projected": proj, "margin": margin,
            "shortfall": max(-margin[-1], 0.0),
            "first_overshoot": next((y for y, m in zip(years, margin, strict=True) if m < 0),
                                    None),
            "carriers": list(carriers.get(s, [])),
            "stated_tco2e": math.fsum(float(c["tco2e"]) for c in carriers.get(s, [])),
            "policies": list(policies.get(s, [])),
        }

    def total(key: str) -> list[float]:
        return [math.fsum(out_sectors[s][key][k] for s in sectors) for k in range(len(years))]

    total_ceiling, total_projected = total("ceiling"), total("projected")
    total_margin = margins(total_ceiling, total_projected)
    energy = list(carriers.get(ENERGY_SYSTEMS, []))
    return {
        "years": years, "base_year": base_year, "target_year": target_year,
        "reduction_target": reduction,
        "sectors": out_sectors,
        "total": {"baseline": math.fsum(baseline[s] for s in sectors),
                  "target": total_ceiling[-1], "ceiling": total_ceiling,
                  "existing": total("existing"), "projected": total_projected,
                  "margin": total_margin, "shortfall": max(-total_margin[-1], 0.0)},
        "energy_systems": {"carriers": energy,
                           "stated_tco2e": math.fsum(float(c["tco2e"]) for c in energy)},
        "departments": by_department(carriers),
        "first_overshoot": next((y for y, m in zip(years, total_margin, strict=True)
                                 if m < 0), None),
    }


def climate_budget(plan: Plan) -> dict[str, Any]:
    """The plan's climate budget: ``budget_table`` over the pathway model's projections (the
    plan scenario: existing policies and every action; and with the existing policies only),
    the actions and departments from the stated reductions (``ActionReduction``), and the
    model's warnings. Tonnes are tCO2e a year."""
    pm = plan_model(plan)
    model = pm.model
    base_year, target_year = model.base_year, pm.target_year
    if target_year <= base_year:
        raise Conflict(_("The plan's target year (%(target)s) must come after its baseline year "
                         "(%(base)s); set a later target year in the plan.")
                       % {"target": target_year, "base": base_year})
    if not 0 <= pm.reduction_target <= 1:
        raise Conflict(_("The plan's reduction target (%(target)s %%) must be between 0 %% and "
                         "100 %%; correct it in the plan.")
                       % {"target": number(float(pm.reduction_target) * 100, 1)})
    base_run = pm.run(())
    existing = pm.run(pm.existing_ids).by("ccc_sector")
    projected = pm.run(pm.existing_ids | set(pm.plan_ids)).by("ccc_sector")
    at = [base_run.index(y) for y in range(base_year + 1, target_year + 1)]
    b0 = base_run.index(base_year)
    baseline = {s: float(v[b0]) for s, v in base_run.by("ccc_sector").items()}

    carriers: dict[str, list[dict[str, Any]]] = {}
    for r in (ActionReduction.objects.filter(action__plan=plan, tco2e__gt=0)
              .select_related("action__department").order_by("sector", "-tco2e",
                                                             "action__code")):
        a = r.action
        carriers.setdefault(r.sector, []).append({
            "code": a.code, "name": a.name, "tco2e": r.tco2e,
            "department": a.department.name if a.department else "",
            "department_slug": a.department.slug if a.department else "",
        })
    policies: dict[str, list[dict[str, Any]]] = {}
    for p in (PolicyReduction.objects.filter(policy__plan=plan, tco2e__gt=0)
              .select_related("policy").order_by("sector", "-tco2e", "policy__name")):
        policies.setdefault(p.sector, []).append({
            "name": p.policy.name, "level": p.policy.level, "tco2e": p.tco2e})

    table = budget_table(
        base_year=base_year, target_year=target_year, reduction=pm.reduction_target,
        baseline=baseline,
        existing={s: [float(existing[s][i]) for i in at] for s in baseline},
        projected={s: [float(projected[s][i]) for i in at] for s in baseline},
        carriers=carriers, policies=policies)
    table["warnings"] = list(model.warnings)
    return table
