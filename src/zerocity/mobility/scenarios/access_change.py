"""Accessibility of a timetable scenario against its base (issue 20, "each scenario against
its base: ... accessibility"): the same computation as ``zerocity mobility access`` (the city's
newest opportunities file, its walking network, the 07:00-09:00 window by minute, random phases
for headway-based routes with a fixed seed) run on both timetables for one service date, and
the residents-weighted percentiles of the opportunities reached side by side.

Seconds for a city of Kranj's size (docs/mobility-access.md, "Speed"), so it is computed when
asked (``compare --accessibility``, the staff's scenario page) and not stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from zerocity.mobility import store, timetables, walking
from zerocity.mobility.access import compute
from zerocity.mobility.access.services import as_opportunities, current_opportunities
from zerocity.mobility.models import OpportunitySet, Scenario, ScenarioVersion

Weighted = dict[str, dict[str, dict[str, float]]]  # kind -> limit (min) -> pNN -> reached


@dataclass(frozen=True)
class AccessChange:
    day: date
    settings: dict[str, Any]
    opportunities: str  # the file's name and version
    synthetic: bool
    base: Weighted
    scenario: Weighted

    def change(self, kind: str, limit: str, percentile: str = "p50") -> float:
        return round(self.scenario[kind][limit][percentile]
                     - self.base[kind][limit][percentile], 1)

    def to_json(self) -> dict[str, Any]:
        return {"service_date": self.day.isoformat(), "settings": self.settings,
                "opportunities": self.opportunities, "synthetic": self.synthetic,
                "percentiles": [f"p{p}" for p in compute.PERCENTILES],
                "weighted_by": "residents" if "residents" in self.base else "cells",
                "base": self.base, "scenario": self.scenario,
                "change_p50": {kind: {limit: self.change(kind, limit) for limit in limits}
                               for kind, limits in self.base.items()}}


def access_change(scenario: Scenario, version: ScenarioVersion, day: date,
                  settings: compute.Settings | None = None) -> AccessChange:
    """The city-wide accessibility of ``day`` on the base timetable and on the scenario's
    ``version`` (NotFound when the city has no opportunities file)."""
    settings = settings or compute.Settings()
    city = scenario.city
    found = current_opportunities(city)
    opp = as_opportunities(found)
    network = walking.arrays(walking.current(city))
    reached: list[Weighted] = []
    for source in (scenario.base, version):
        tt = timetables.compiled(source, day, city.timezone, network)
        result = compute.accessibility(store.read_tables(source.path), city.timezone, day,
                                       opp, settings, timetable=tt, walk=network)
        reached.append(result.weighted())
    return AccessChange(day, settings.as_dict(), f"{found.name} v{found.version}",
                        found.synthetic, reached[0], reached[1])


def access_change_if_known(scenario: Scenario, version: ScenarioVersion,
                           day: date | None) -> AccessChange | None:
    """``access_change``, or None where it cannot be told: no service date, or no
    opportunities file in the city (the page says so instead)."""
    if day is None or not OpportunitySet.objects.filter(city=scenario.city).exists():
        return None
    return access_change(scenario, version, day)
