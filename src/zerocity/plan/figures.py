"""The plan's headline figures: the one place the home, inventory and plan pages read the
target, the city's declared reductions and the pathway model's result from, so that no two
pages can print different numbers for the same thing.

Two bases, always named where an action's tonnes or the 2030 result appear:

* **declared**: what the city states in table A-2.1 of its Climate City Contract (column 5,
  "reduction quantified for the city's action portfolio"), added up. Kranj declares
  113,264 t CO2e a year against a gap of 113,264 t (research note ghg-standards.md §7.6):
  on paper the gap closes and the city emits its allowed 47,766 t in 2030.
* **modelled**: the pathway model (``plan.scenario``) applies the policies and the actions to a
  baseline that keeps changing with the drivers, one on top of the other. Two actions cutting
  the same emissions count the overlap once, and an action with described effects acts
  through them rather than through its declared figure, so the model's 2030 result is higher
  than the declared one (Kranj: 86,356 t, 38,590 t above the allowed level).

``allowed`` is the level the target leaves (baseline x (1 - reduction share), column 6 of
A-2.1: Kranj 238,832 t x 20 % = 47,766 t); ``required_reduction`` the reduction it implies
(column 2: 191,066 t). Neither is ever shown under the other's name.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Sum

from zerocity.core.models import City
from zerocity.inventory import calculations as calc
from zerocity.inventory.selectors import calc_lines
from zerocity.plan.calculations import GapTable, emission_gap
from zerocity.plan.models import ActionReduction, Plan, PolicyReduction

# the model rounds to 0.1 t: a result within half a tonne of the allowed level meets it
MET_TOLERANCE = 0.5


@dataclass(frozen=True, slots=True)
class PlanFigures:
    baseline_year: int
    target_year: int
    reduction_share: float
    baseline: float  # A-2.1 (1): the baseline inventory's total, t CO2e
    allowed: float  # A-2.1 (6): what the city may still emit in the target year
    required_reduction: float  # A-2.1 (2): baseline - allowed
    existing: float  # A-2.1 (3): national and regional policies
    declared: float  # A-2.1 (5): the city's declared reductions, added up
    modelled_projection: float  # the model, target year, no measure at all
    modelled_result: float  # the model, target year, policies and every action

    @property
    def declared_result(self) -> float:
        """What the city would emit in the target year if the declared figures added up."""
        return self.baseline - self.existing - self.declared

    @property
    def declared_shortfall(self) -> float:
        return max(self.declared_result - self.allowed, 0.0)

    @property
    def modelled_reduction(self) -> float:
        """The model's reduction from the baseline year to the target year."""
        return self.baseline - self.modelled_result

    @property
    def modelled_shortfall(self) -> float:
        """How far the model's result stays above the allowed level (0 when it meets it)."""
        return max(self.modelled_result - self.allowed, 0.0)

    @property
    def modelled_meets(self) -> bool:
        return self.modelled_result <= self.allowed + MET_TOLERANCE

    @property
    def declared_meets(self) -> bool:
        return self.declared_result <= self.allowed + MET_TOLERANCE

    @property
    def difference(self) -> float:
        """Modelled minus declared result: what the overlaps and the changing baseline take."""
        return self.modelled_result - self.declared_result

    def as_dict(self) -> dict[str, Any]:
        """Every figure, the derived ones included, keyed as the pages' ``data-figure``."""
        out: dict[str, Any] = asdict(self)
        for name in ("declared_result", "declared_shortfall", "modelled_reduction",
                     "modelled_shortfall", "modelled_meets", "declared_meets", "difference"):
            out[name] = getattr(self, name)
        return out


def baseline_by_sector(plan: Plan) -> dict[str, float]:
    """Baseline emissions per source sector from the baseline inventory's table A-1.3 (AFOLU
    net of its sinks, as in table A-2.1)."""
    a13 = calc.ccc_emissions_table(calc_lines(plan.baseline), plan.baseline.gwp_set)
    out = {s: a13[s]["total"] for s in ("buildings", "transport", "waste", "ippu")}
    out["afolu"] = a13["afolu_sources"]["total"] + a13["afolu_sinks"]["total"]
    return out


def gap_table(plan: Plan) -> GapTable:
    existing: dict[str, float] = defaultdict(float)
    for row in (PolicyReduction.objects.filter(policy__plan=plan).values("sector")
                .annotate(t=Sum("tco2e"))):
        existing[row["sector"]] += row["t"]
    portfolio: dict[str, float] = defaultdict(float)
    for row in (ActionReduction.objects.filter(action__plan=plan).values("sector")
                .annotate(t=Sum("tco2e"))):
        portfolio[row["sector"]] += row["t"]
    return emission_gap(baseline_by_sector(plan), existing, portfolio,
                        reduction_share=float(plan.reduction_target))


def plan_figures(plan: Plan) -> PlanFigures:
    """The headline figures of ``plan`` (see the module docstring)."""
    from zerocity.plan.scenario import pathway_charts

    gap = gap_table(plan).total
    charts = pathway_charts(plan)
    at = charts["years"].index(plan.target_year)
    return PlanFigures(
        baseline_year=plan.baseline.year, target_year=plan.target_year,
        reduction_share=float(plan.reduction_target), baseline=gap.baseline,
        allowed=gap.residual, required_reduction=gap.target, existing=gap.existing,
        declared=gap.portfolio, modelled_projection=charts["baseline"][at],
        modelled_result=charts["plan"][at])


def city_figures(city: City) -> PlanFigures | None:
    """The headline figures of the city's plan; None for a city without one."""
    plan = Plan.objects.select_related("city", "baseline").filter(city=city).first()
    return None if plan is None else plan_figures(plan)


def target_path(city: City, figures: PlanFigures,
                modelled: tuple[list[int], list[float]] | None = None) -> dict[str, Any]:
    """What the "will the city reach its target?" chart draws: the published inventories
    (year, total, illustrative), a modelled path from the baseline year to the target year
    (``modelled``: years and totals; the plan with every action when None) and the allowed
    level."""
    from django.contrib.auth.models import AnonymousUser

    from zerocity.inventory.selectors import trend
    from zerocity.plan.scenario import pathway_charts

    if modelled is None:
        plan = Plan.objects.select_related("baseline").get(city=city)
        charts = pathway_charts(plan)
        modelled = (charts["years"], charts["plan"])
    years, totals = modelled
    return {
        "inventories": [{"year": t["year"], "tco2e": t["mission"],
                         "illustrative": t["illustrative"]}
                        for t in trend(city, AnonymousUser())],
        "modelled": [(y, v) for y, v in zip(years, totals, strict=True)
                     if y <= figures.target_year],
        "allowed": figures.allowed,
        "target_year": figures.target_year, "baseline_year": figures.baseline_year,
    }
