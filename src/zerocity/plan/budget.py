"""A climate budget in the manner of Oslo's: for every year to the target, an emission ceiling
per sector on the straight path from the sector's baseline to its target-year level, the
emissions the plan is projected to leave (from the pathway model), the margin or overshoot,
and the actions and departments that carry each sector's reduction.

``ceilings`` and ``margins`` are pure; ``climate_budget`` reads the plan and its model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from zerocity.plan.calculations import SECTORS
from zerocity.plan.models import ActionReduction, Plan


def ceilings(baseline: Mapping[str, float], *, base_year: int, target_year: int,
             reduction: float, years: Sequence[int]) -> dict[str, list[float]]:
    """Per sector, the ceiling in each of ``years``: the straight line from the baseline in
    ``base_year`` to ``baseline x (1 - reduction)`` in ``target_year``."""
    if target_year <= base_year:
        raise ValueError("the target year must come after the baseline year")
    out = {}
    for sector, b in baseline.items():
        end = b * (1 - reduction)
        out[sector] = [b + (end - b) * min(max((y - base_year) / (target_year - base_year),
                                                0.0), 1.0) for y in years]
    return out


def margins(ceiling: Sequence[float], projected: Sequence[float]) -> list[float]:
    """Ceiling minus projection, year by year: positive is margin, negative is overshoot."""
    return [c - p for c, p in zip(ceiling, projected, strict=True)]


def climate_budget(plan: Plan) -> dict[str, Any]:
    """The budget from the year after the baseline to the target year.

    {"years": [...], "target_year", "sectors": {sector: {"baseline", "ceiling": [...],
    "existing": [...], "projected": [...], "margin": [...], "carriers": [{code, name,
    department, tco2e}]}}, "total": {...same series...}, "energy_systems": {"carriers": [...]},
    "first_overshoot": year or None, "warnings": [...]}. Projections are the model's plan
    scenario (policies and every action); tonnes are tCO2e a year."""
    from zerocity.plan.scenario import plan_model

    pm = plan_model(plan)
    model = pm.model
    base_year, target_year = model.base_year, pm.target_year
    years = list(range(base_year + 1, target_year + 1))
    base_run = pm.run(())
    existing = pm.run(pm.existing_ids).by("ccc_sector")
    projected = pm.run(pm.existing_ids | set(pm.plan_ids)).by("ccc_sector")
    at = [base_run.index(y) for y in years]
    b0 = base_run.index(base_year)
    base_by = base_run.by("ccc_sector")
    sectors = [s for s in SECTORS if s in base_by]
    baseline = {s: float(base_by[s][b0]) for s in sectors}
    ceil = ceilings(baseline, base_year=base_year, target_year=target_year,
                    reduction=pm.reduction_target, years=years)

    carriers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in (ActionReduction.objects.filter(action__plan=plan)
              .select_related("action__department").order_by("sector", "-tco2e")):
        a = r.action
        carriers[r.sector].append({
            "code": a.code, "name": a.name, "tco2e": r.tco2e,
            "department": a.department.name if a.department else "",
            "department_slug": a.department.slug if a.department else "",
        })

    out_sectors: dict[str, dict[str, Any]] = {}
    for s in sectors:
        proj = [float(projected[s][i]) for i in at]
        out_sectors[s] = {
            "baseline": baseline[s], "ceiling": ceil[s],
            "existing": [float(existing[s][i]) for i in at], "projected": proj,
            "margin": margins(ceil[s], proj), "carriers": carriers.get(s, []),
        }
    total_ceiling = [sum(ceil[s][k] for s in sectors) for k in range(len(years))]
    total_projected = [sum(out_sectors[s]["projected"][k] for s in sectors)
                       for k in range(len(years))]
    total_margin = margins(total_ceiling, total_projected)
    return {
        "years": years, "base_year": base_year, "target_year": target_year,
        "sectors": out_sectors,
        "total": {"baseline": sum(baseline.values()), "ceiling": total_ceiling,
                  "existing": [sum(out_sectors[s]["existing"][k] for s in sectors)
                               for k in range(len(years))],
                  "projected": total_projected, "margin": total_margin},
        "energy_systems": {"carriers": carriers.get("energy_systems", [])},
        "first_overshoot": next((y for y, m in zip(years, total_margin, strict=True)
                                 if m < 0), None),
        "warnings": list(model.warnings),
    }
