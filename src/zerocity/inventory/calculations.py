"""Inventory arithmetic: activity x factor -> gases -> CO2e -> totals. Pure functions over plain
data, no database.

Sums use ``math.fsum`` (exactly rounded), so a total never depends on the order of the lines.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from zerocity.core.units import convert
from zerocity.inventory import gpc
from zerocity.inventory.gwp import GwpSet, factors


class NotationKey(StrEnum):
    NO = "NO"  # not occurring
    IE = "IE"  # included elsewhere
    NE = "NE"  # not estimated
    C = "C"  # confidential


class CccSector(StrEnum):
    """Rows of the Climate City Contract tables A-1.1 and A-1.3."""

    BUILDINGS = "buildings"
    TRANSPORT = "transport"
    WASTE = "waste"
    IPPU = "ippu"
    AFOLU = "afolu"
    OTHER = "other"


_DEFAULT_CCC = {
    "I": CccSector.BUILDINGS,
    "II": CccSector.TRANSPORT,
    "III": CccSector.WASTE,
    "IV": CccSector.IPPU,
    "V": CccSector.AFOLU,
    "VI": CccSector.OTHER,
}


@dataclass(frozen=True, slots=True)
class FactorValues:
    """Tonnes of each gas per one ``unit`` of activity."""

    unit: str
    co2: float = 0.0
    ch4: float = 0.0
    n2o: float = 0.0
    co2_biogenic: float = 0.0
    fossil: bool = True


@dataclass(frozen=True, slots=True)
class Gases:
    """Tonnes of gas. ``hfcs`` and ``pfcs`` are blends already in tCO2e; ``co2e_direct`` is a
    CO2e figure given as such (a measured result or a sink) and is not re-weighted."""

    co2: float = 0.0
    ch4: float = 0.0
    n2o: float = 0.0
    sf6: float = 0.0
    nf3: float = 0.0
    hfcs: float = 0.0
    pfcs: float = 0.0
    co2_biogenic: float = 0.0
    co2e_direct: float = 0.0
    ch4_fossil: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    ref: str
    gases: Gases = field(default_factory=Gases)
    notation_key: str = ""
    ets: bool = False
    ccc_sector: str = ""

    @property
    def category(self) -> gpc.Category:
        return gpc.category(self.ref)

    @property
    def scope(self) -> int:
        return self.category.scope

    @property
    def ccc(self) -> CccSector:
        if self.ccc_sector:
            return CccSector(self.ccc_sector)
        return _DEFAULT_CCC[self.category.sector]


def emissions_from_activity(amount: float, unit: str, factor: FactorValues) -> Gases:
    """Gas tonnes from an activity amount; the amount is converted to the factor's unit first.

    Raises ``zerocity.core.units.UnitError`` when the units measure different things.
    """
    qty = convert(amount, unit, factor.unit)
    return Gases(
        co2=qty * factor.co2,
        ch4=qty * factor.ch4,
        n2o=qty * factor.n2o,
        co2_biogenic=qty * factor.co2_biogenic,
        ch4_fossil=factor.fossil,
    )


def co2e(gases: Gases, gwp: GwpSet) -> float:
    return co2e_of(gases.co2, gases.ch4, gases.n2o, gases.sf6, gases.nf3, gases.hfcs,
                   gases.pfcs, gases.co2e_direct, gases.ch4_fossil, factors(gwp))


def co2e_of(co2: float, ch4: float, n2o: float, sf6: float, nf3: float, hfcs: float,
            pfcs: float, co2e_direct: float, ch4_fossil: bool, g: Mapping[str, float]) -> float:
    """``co2e`` of gas tonnes given one by one, with the GWP factors ``g`` (``gwp.factors``):
    for callers that hold a line's values as columns rather than a ``Gases``."""
    ch4_gwp = g["ch4_fossil"] if ch4_fossil else g["ch4"]
    return math.fsum(
        (co2 * g["co2"], ch4 * ch4_gwp, n2o * g["n2o"], sf6 * g["sf6"], nf3 * g["nf3"], hfcs,
         pfcs, co2e_direct)
    )


def line_co2e(line: Line, gwp: GwpSet) -> float:
    if line.notation_key:
        return 0.0
    return co2e(line.gases, gwp)


TOTAL_KEYS = ("scope1", "scope2", "scope3", "basic", "basic_plus", "territorial", "mission")


def totals(lines: Iterable[Line], gwp: GwpSet) -> dict[str, float]:
    """The GPC totals and the EU Mission total, in tCO2e.

    scope1       scope-1 rows except the territorial-only I.4.4 and III.x.3
    scope2/3     all rows of that scope
    basic        BASIC rows; basic_plus adds the BASIC+ rows
    territorial  every scope-1 row
    mission      scope1 + scope2 + waste scope 3, without lines of EU ETS installations
    """
    parts: dict[str, list[float]] = {k: [] for k in TOTAL_KEYS}
    for line in lines:
        value = line_co2e(line, gwp)
        cat = line.category
        if cat.scope == 1:
            parts["territorial"].append(value)
        if cat.scope == 1 and cat.level is not gpc.Level.TERRITORIAL:
            parts["scope1"].append(value)
        if cat.scope == 2:
            parts["scope2"].append(value)
        if cat.scope == 3:
            parts["scope3"].append(value)
        if cat.level is gpc.Level.BASIC:
            parts["basic"].append(value)
        if cat.level in (gpc.Level.BASIC, gpc.Level.BASIC_PLUS):
            parts["basic_plus"].append(value)
        in_mission = (
            (cat.scope == 1 and cat.level is not gpc.Level.TERRITORIAL)
            or cat.scope == 2
            or (cat.scope == 3 and cat.sector == "III")
        )
        if in_mission and not line.ets:
            parts["mission"].append(value)
    return {k: math.fsum(v) for k, v in parts.items()}


def sector_totals(lines: Iterable[Line], gwp: GwpSet) -> dict[str, dict[str, float]]:
    """Per GPC sector (I..VI): tCO2e by scope and the sector total (territorial rows included)."""
    parts: dict[str, dict[str, list[float]]] = {}
    for line in lines:
        cat = line.category
        bucket = parts.setdefault(cat.sector, {"scope1": [], "scope2": [], "scope3": []})
        bucket[f"scope{cat.scope}"].append(line_co2e(line, gwp))
    out: dict[str, dict[str, float]] = {}
    for sector in gpc.SECTORS:
        if sector not in parts:
            continue
        s = {k: math.fsum(v) for k, v in parts[sector].items()}
        s["total"] = math.fsum(s.values())
        out[sector] = s
    return out


CCC_ROWS = ("buildings", "transport", "waste", "ippu", "afolu_sources", "afolu_sinks")


def ccc_emissions_table(lines: Iterable[Line], gwp: GwpSet) -> dict[str, dict[str, float]]:
    """Climate City Contract table A-1.3: tCO2e by source sector and scope.

    The territorial-only rows and ETS lines stay out, as in the mission inventory. AFOLU lines
    with a net removal are the sinks row.
    """
    parts: dict[str, dict[str, list[float]]] = {
        r: {"scope1": [], "scope2": [], "scope3": []} for r in CCC_ROWS
    }
    for line in lines:
        cat = line.category
        if cat.level is gpc.Level.TERRITORIAL or line.ets or line.ccc is CccSector.OTHER:
            continue
        value = line_co2e(line, gwp)
        row = line.ccc.value
        if line.ccc is CccSector.AFOLU:
            row = "afolu_sinks" if value < 0 else "afolu_sources"
        parts[row][f"scope{cat.scope}"].append(value)
    table: dict[str, dict[str, float]] = {}
    for row, scopes in parts.items():
        r = {k: math.fsum(v) for k, v in scopes.items()}
        r["total"] = math.fsum(r.values())
        table[row] = r
    return with_ccc_total(table)


def with_ccc_total(table: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """The CCC table with its total row: each scope and the total summed over the rows."""
    table["total"] = {
        k: math.fsum(table[row][k] for row in CCC_ROWS)
        for k in ("scope1", "scope2", "scope3", "total")
    }
    return table


def local_electricity_factor(
    *,
    total_consumption: float,
    local_production: float,
    green_purchases: float,
    national_factor: float,
    local_production_emissions: float = 0.0,
    green_purchase_emissions: float = 0.0,
) -> float:
    """Covenant of Mayors local electricity emission factor (t/MWh), SEAP guidebook formula:

    EFE = [(TCE - LPE - GEP) x NEEFE + CO2LPE + CO2GEP] / TCE

    and, when the territory produces and buys green more than it consumes (a net exporter),
    EFE = (CO2LPE + CO2GEP) / (LPE + GEP).
    """
    if total_consumption <= 0:
        raise ValueError("total electricity consumption must be positive")
    if min(local_production, green_purchases, national_factor) < 0:
        raise ValueError("production, purchases and the national factor cannot be negative")
    local = local_production + green_purchases
    local_emissions = local_production_emissions + green_purchase_emissions
    if local >= total_consumption:
        return local_emissions / local
    return (
        (total_consumption - local) * national_factor + local_emissions
    ) / total_consumption


# IPCC 2006 Vol. 5 defaults as used by the GPC methane-commitment method (research note §1.7).
DOC = {"food": 0.15, "garden": 0.20, "paper": 0.40, "wood": 0.43, "textiles": 0.24,
       "industrial": 0.15}
MCF = {"managed": 1.0, "managed_semi_aerobic": 0.5, "managed_poorly": 0.4,
       "unmanaged_deep": 0.8, "unmanaged_shallow": 0.4, "uncategorised": 0.6}


def landfill_methane_commitment(
    waste_t: float,
    composition: Mapping[str, float],
    *,
    site: str = "managed",
    recovered_fraction: float = 0.0,
    oxidation: float | None = None,
    docf: float = 0.6,
    ch4_fraction: float = 0.5,
) -> float:
    """Tonnes of CH4 committed by ``waste_t`` tonnes landfilled this year (GPC methane
    commitment): CH4 = MSW x L0 x (1 - f_rec) x (1 - OX), L0 = MCF x DOC x DOCf x F x 16/12.

    ``composition`` maps waste fractions (keys of ``DOC``) to their share of the mass.
    OX defaults to 0.1 for well-managed sites and 0 otherwise.
    """
    if not math.isclose(math.fsum(composition.values()), 1.0, abs_tol=1e-9):
        raise ValueError("waste composition shares must add up to 1")
    doc = math.fsum(share * DOC[kind] for kind, share in composition.items())
    if oxidation is None:
        oxidation = 0.1 if site == "managed" else 0.0
    l0 = MCF[site] * doc * docf * ch4_fraction * 16 / 12
    return waste_t * l0 * (1 - recovered_fraction) * (1 - oxidation)


def chp_heat_share(heat_mwh: float, power_mwh: float, eta_heat: float = 0.90,
                   eta_power: float = 0.40) -> float:
    """Share of a CHP plant's emissions allocated to heat (SEAP guidebook reference
    efficiencies)."""
    h, e = heat_mwh / eta_heat, power_mwh / eta_power
    return h / (h + e)
