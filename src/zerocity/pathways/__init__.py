"""The pathway model: baseline and scenarios to 2050 from an inventory, actions as typed effects
on activity rows, counterfactual impacts, wedges, the waterfall and the MAC curve.

Pure Python and numpy: no Django, no ORM (docs/pathways.md).
"""

from zerocity.pathways.analysis import (
    Impacts,
    MacEntry,
    WaterfallStep,
    counterfactual_impacts,
    mac_curve,
    progress,
    standalone_impacts,
    waterfall,
    wedges,
)
from zerocity.pathways.engine import GRID_CARRIERS, Model, Result, grid_ref, growth_index
from zerocity.pathways.inventory import default_carrier, rows_from_summary
from zerocity.pathways.model import (
    ALL_ROWS,
    ELECTRICITY,
    Action,
    ActionKind,
    ActivityRow,
    AddLocalRenewable,
    ChangeActivity,
    ChangeFactor,
    Drivers,
    Effect,
    Ramp,
    ReduceDemand,
    Scenario,
    ScenarioKind,
    SwitchCarrier,
    Target,
)

__all__ = [
    "ALL_ROWS", "ELECTRICITY", "GRID_CARRIERS", "Action", "ActionKind", "ActivityRow",
    "AddLocalRenewable", "ChangeActivity", "ChangeFactor", "Drivers", "Effect", "Impacts",
    "MacEntry", "Model",
    "Ramp", "ReduceDemand", "Result", "Scenario", "ScenarioKind", "SwitchCarrier", "Target",
    "WaterfallStep", "counterfactual_impacts", "default_carrier", "grid_ref", "growth_index",
    "mac_curve", "progress", "rows_from_summary", "standalone_impacts", "waterfall", "wedges",
]
