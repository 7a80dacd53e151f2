"""The pathway model's vocabulary: activity rows, drivers, ramps, typed effects, actions and
scenarios. Plain frozen dataclasses; the arithmetic lives in ``engine`` (see docs/pathways.md).

Units: energy rows carry activity in MWh and a factor in tCO2e per MWh (computed once from the
per-gas factor with the inventory's GWP set). A line without an energy amount becomes a *fixed*
row: activity is its tCO2e and its factor 1, so the same ``activity x factor`` holds everywhere
and only ``ReduceDemand`` and ``ChangeFactor(share=...)`` can touch it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

ENERGY_UNIT = "MWh"
FIXED_UNIT = "tCO2e"
ELECTRICITY = "electricity"

# A yearly rate: one constant rate, or a rate per year (years not given grow by 0).
Rate = float | Mapping[int, float]


def _check_share(name: str, value: float) -> None:
    if not (0.0 <= value <= 1.0) or math.isnan(value):
        raise ValueError(f"{name} must be between 0 and 1, got {value!r}")


@dataclass(frozen=True, slots=True)
class ActivityRow:
    """One line of the inventory as the model sees it: ``activity x factor`` tCO2e a year.

    ``carrier`` is None for a fixed-emission row. ``follows_grid`` marks rows whose factor
    follows the grid-factor trajectory of ``Drivers`` (grid electricity bought from the grid).
    ``derived`` rows do not come from the inventory: they receive energy switched to another
    carrier and are zero in the base year.
    """

    key: str
    gpc_ref: str
    label: str
    carrier: str | None
    activity: float
    factor: float
    unit: str = ENERGY_UNIT
    sector: str = ""
    ccc_sector: str = ""
    scope: int = 1
    follows_grid: bool = False
    derived: bool = False

    @property
    def fixed(self) -> bool:
        return self.carrier is None

    @property
    def co2e(self) -> float:
        return self.activity * self.factor


@dataclass(frozen=True, slots=True)
class Drivers:
    """What moves the baseline without any action.

    population_growth   yearly rate, applied to rows whose CCC sector is in
                        ``population_sectors`` (people heat homes, travel, throw away)
    activity_growth     yearly rate per CCC sector (buildings, transport, waste, ippu, afolu)
    activity_growth_by_ref  yearly rate per GPC reference prefix ("I.3", "II.1.1"); the longest
                        matching prefix wins and replaces the CCC-sector rate for that row
    grid_factor         year -> tCO2e/MWh of grid electricity; rows with ``follows_grid`` are
                        interpolated linearly from their own base-year factor to the given
                        points and held flat after the last one
    """

    population_growth: Rate = 0.0
    population_sectors: frozenset[str] = frozenset({"buildings", "transport", "waste"})
    activity_growth: Mapping[str, Rate] = field(default_factory=dict)
    activity_growth_by_ref: Mapping[str, Rate] = field(default_factory=dict)
    grid_factor: Mapping[int, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ramp:
    """How much of an effect is in force in a year, from 0 to 1.

    linear  in force by (year - start + 1) / (full - start + 1): a first share in the start year,
            all of it exactly in the full year and after
    step    nothing before ``full``, all of it from ``full``
    """

    start: int
    full: int
    shape: Literal["linear", "step"] = "linear"

    def __post_init__(self) -> None:
        if self.full < self.start:
            raise ValueError(f"ramp full year {self.full} is before its start {self.start}")
        if self.shape not in ("linear", "step"):
            raise ValueError(f"unknown ramp shape {self.shape!r}")

    def fraction(self, years: npt.ArrayLike) -> FloatArray:
        y = np.asarray(years, dtype=np.float64)
        if self.shape == "step":
            return np.where(y >= self.full, 1.0, 0.0)
        span = float(self.full - self.start + 1)
        return np.clip((y - self.start + 1.0) / span, 0.0, 1.0)

    def at(self, year: int) -> float:
        """The fraction in one year (the scalar form, for loops and checks)."""
        if self.shape == "step":
            return 1.0 if year >= self.full else 0.0
        return min(1.0, max(0.0, (year - self.start + 1.0) / (self.full - self.start + 1.0)))


@dataclass(frozen=True, slots=True)
class Target:
    """Which rows an action (or one effect) applies to. Every criterion given must hold; an
    empty criterion matches every row. ``gpc_prefixes`` match on whole dotted parts: "I.1"
    matches I.1.1 and I.1.2 but not I.10.1."""

    gpc_prefixes: tuple[str, ...] = ()
    ccc_sectors: tuple[str, ...] = ()
    carriers: tuple[str, ...] = ()
    rows: tuple[str, ...] = ()

    def matches(self, row: ActivityRow) -> bool:
        if self.gpc_prefixes and not any(
            row.gpc_ref == p or row.gpc_ref.startswith(p + ".") for p in self.gpc_prefixes
        ):
            return False
        if self.ccc_sectors and row.ccc_sector not in self.ccc_sectors:
            return False
        if self.carriers and row.carrier not in self.carriers:
            return False
        return not self.rows or row.key in self.rows


ALL_ROWS = Target()


@dataclass(frozen=True, slots=True)
class ReduceDemand:
    """Cut the activity of the target rows by ``share`` (efficiency, renovation, modal shift)."""

    share: float
    ramp: Ramp | None = None
    target: Target | None = None

    def __post_init__(self) -> None:
        _check_share("ReduceDemand.share", self.share)


@dataclass(frozen=True, slots=True)
class SwitchCarrier:
    """Move ``share`` of the target rows' ``from_carrier`` energy to ``to_carrier``, keeping the
    useful energy: delivered_to = delivered_from x efficiency_from / efficiency_to (a heat pump's
    efficiency is its COP). The new energy goes to a derived row: the grid-energy sub-category
    (I.x.2, II.x.2) for electricity and district heat, the same sub-category otherwise, or
    ``to_gpc_ref``. ``to_factor`` (tCO2e/MWh) defaults to the model's factor for the carrier;
    without one, switched electricity follows the grid trajectory."""

    from_carrier: str
    to_carrier: str
    share: float = 1.0
    efficiency_from: float = 1.0
    efficiency_to: float = 1.0
    to_factor: float | None = None
    to_gpc_ref: str | None = None
    ramp: Ramp | None = None
    target: Target | None = None

    def __post_init__(self) -> None:
        _check_share("SwitchCarrier.share", self.share)
        if not (self.efficiency_from > 0 and self.efficiency_to > 0):
            raise ValueError("SwitchCarrier efficiencies must be positive")
        if self.from_carrier == self.to_carrier:
            raise ValueError("SwitchCarrier needs two different carriers")
        if self.to_factor is not None and self.to_factor < 0:
            raise ValueError("SwitchCarrier.to_factor cannot be negative")

    @property
    def ratio(self) -> float:
        """MWh of the new carrier per MWh of the old one."""
        return self.efficiency_from / self.efficiency_to


@dataclass(frozen=True, slots=True)
class ChangeFactor:
    """Change the emission factor of the target rows (of ``carrier``, or of every target row
    when None): to ``new_factor`` tCO2e per unit, or down by ``share``. Only the share form
    touches fixed-emission rows."""

    carrier: str | None = None
    new_factor: float | None = None
    share: float | None = None
    ramp: Ramp | None = None
    target: Target | None = None

    def __post_init__(self) -> None:
        if (self.new_factor is None) == (self.share is None):
            raise ValueError("ChangeFactor needs exactly one of new_factor and share")
        if self.share is not None:
            _check_share("ChangeFactor.share", self.share)


@dataclass(frozen=True, slots=True)
class AddLocalRenewable:
    """Produce ``mwh`` a year locally; it displaces consumption of ``displaces`` in the target
    rows pro rata, at ``factor`` tCO2e/MWh instead of theirs (the Covenant of Mayors local
    electricity factor). Production above the rows' consumption is exported and not credited."""

    mwh: float
    displaces: str = ELECTRICITY
    factor: float = 0.0
    ramp: Ramp | None = None
    target: Target | None = None

    def __post_init__(self) -> None:
        if self.mwh < 0 or self.factor < 0:
            raise ValueError("AddLocalRenewable production and factor cannot be negative")


@dataclass(frozen=True, slots=True)
class ChangeActivity:
    """Add ``mwh`` a year of ``carrier`` energy to a derived row under ``to_gpc_ref`` (the
    diesel or electricity of the buses a new timetable runs), or, with a negative ``mwh``, take
    that much off the target rows of ``carrier`` pro rata, never below zero (the fuel of the
    car-km a timetable change avoids). Absolute where ``ReduceDemand`` is relative: a timetable
    scenario knows its MWh, not a share of the inventory. ``to_factor`` (tCO2e/MWh) defaults to
    the model's factor for the carrier; added electricity follows the grid trajectory."""

    mwh: float
    carrier: str
    to_gpc_ref: str | None = None
    to_factor: float | None = None
    ramp: Ramp | None = None
    target: Target | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.mwh):
            raise ValueError("ChangeActivity.mwh must be finite")
        if not self.carrier:
            raise ValueError("ChangeActivity needs a carrier")
        if self.mwh > 0 and not self.to_gpc_ref:
            raise ValueError("ChangeActivity adding energy needs the GPC row it goes to "
                             "(to_gpc)")
        if self.to_factor is not None and self.to_factor < 0:
            raise ValueError("ChangeActivity.to_factor cannot be negative")


Effect = ReduceDemand | SwitchCarrier | ChangeFactor | AddLocalRenewable | ChangeActivity


class ActionKind(StrEnum):
    EXISTING = "existing"  # national and regional policies (CCC A-2), not the city's portfolio
    PLAN = "plan"  # the city's action portfolio (CCC B-2)


@dataclass(frozen=True, slots=True)
class Action:
    """A measure: effects on rows, a default ramp and target for its effects, and costs.
    ``capex`` is the total investment, ``opex_per_year`` the yearly running cost (negative for
    savings) in each year the action is in force."""

    id: str
    name: str
    effects: tuple[Effect, ...]
    targets: Target = ALL_ROWS
    ramp: Ramp | None = None
    kind: ActionKind = ActionKind.PLAN
    capex: Decimal = Decimal(0)
    opex_per_year: Decimal = Decimal(0)
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("an action needs an id")
        for effect in self.effects:
            if effect.ramp is None and self.ramp is None:
                raise ValueError(f"action {self.id!r}: an effect has no ramp and neither has "
                                 "the action")


class ScenarioKind(StrEnum):
    BASELINE = "baseline"
    EXISTING = "existing"  # with existing measures
    PLAN = "plan"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Scenario:
    """A set of actions in force; ``actions=None`` means every action of the model. ``ramps``
    replaces the ramp of every effect of the named actions."""

    name: str
    actions: frozenset[str] | None = None
    ramps: Mapping[str, Ramp] = field(default_factory=dict)
    kind: ScenarioKind = ScenarioKind.CUSTOM

    def without(self, action_id: str, all_ids: frozenset[str]) -> Scenario:
        ids = (self.actions if self.actions is not None else all_ids) - {action_id}
        return Scenario(f"{self.name} without {action_id}", ids, self.ramps, ScenarioKind.CUSTOM)
