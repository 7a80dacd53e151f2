"""Model rows from an inventory summary (``zerocity.inventory.selectors.summary(...)["rows"]``),
as plain dicts: no database here.

A line with an amount and a per-unit factor becomes an activity row of its carrier (energy in
MWh); every other line (gases given directly, a measured CO2e, a sink) becomes a fixed row. If a
line's CO2e is more than its activity x factor (extra gases given on the line), the rest becomes
a fixed row of its own, so the model's base year always equals the inventory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from zerocity.core.units import UnitError, convert
from zerocity.inventory import calculations as calc
from zerocity.inventory import gpc
from zerocity.inventory.gwp import GwpSet
from zerocity.inventory.gwp import parse as parse_gwp
from zerocity.pathways.model import ELECTRICITY, ENERGY_UNIT, FIXED_UNIT, ActivityRow

if TYPE_CHECKING:
    from zerocity.inventory.parsing import ParsedLine

SummaryRow = Mapping[str, Any]


def _gases(d: SummaryRow) -> calc.Gases | None:
    g = d.get("gases_t")
    if not isinstance(g, Mapping):
        return None
    return calc.Gases(
        co2=float(g.get("co2") or 0.0), ch4=float(g.get("ch4") or 0.0),
        n2o=float(g.get("n2o") or 0.0), sf6=float(g.get("sf6") or 0.0),
        nf3=float(g.get("nf3") or 0.0), co2_biogenic=float(g.get("co2_biogenic") or 0.0),
        hfcs=float(d.get("hfcs_t_co2e") or 0.0), pfcs=float(d.get("pfcs_t_co2e") or 0.0),
        co2e_direct=float(d.get("co2e_direct_t") or 0.0),
        ch4_fossil=bool(d.get("ch4_fossil", False)),
    )


def line_co2e(d: SummaryRow, gwp: GwpSet) -> float:
    """The line's tCO2e with ``gwp``: from its gases when the row carries them, else its co2e."""
    gases = _gases(d)
    if gases is not None:
        return calc.co2e(gases, gwp)
    return float(d.get("co2e") or 0.0)


def default_carrier(d: SummaryRow) -> str:
    """The factor's library key, else a ``fuel``/``carrier`` entry, else grid electricity for
    the grid-energy sub-categories (I.x.2, II.x.2), else one carrier per GPC reference."""
    factor = d.get("factor") or {}
    for value in (factor.get("key"), d.get("carrier"), d.get("fuel")):
        if value:
            return str(value)
    ref = str(d["gpc_ref"])
    parts = ref.split(".")
    if parts[0] in ("I", "II") and len(parts) == 3 and parts[2] == "2":
        return ELECTRICITY
    return f"inline:{ref}"


def _energy_per_unit(unit: str) -> float | None:
    """MWh in one ``unit``, or None when the unit is not energy."""
    try:
        return convert(1.0, unit, ENERGY_UNIT)
    except UnitError:
        return None


def rows_from_summary(
    rows: Iterable[SummaryRow],
    *,
    gwp: GwpSet | str | None = None,
    boundary: Literal["mission", "all"] = "mission",
    carrier_of: Callable[[SummaryRow], str] = default_carrier,
    grid_carrier: str = ELECTRICITY,
) -> list[ActivityRow]:
    """Activity rows for the model. ``boundary="mission"`` leaves out what the EU Mission
    inventory leaves out: territorial-only sub-categories (I.4.4, III.x.3) and EU ETS lines.
    Notation-key lines carry no emissions and are skipped."""
    gwp_set = parse_gwp(gwp)
    out: list[ActivityRow] = []
    seen: dict[str, int] = {}

    def unique(key: str) -> str:
        n = seen.get(key, 0)
        seen[key] = n + 1
        return key if n == 0 else f"{key} #{n + 1}"

    for d in rows:
        if d.get("notation_key"):
            continue
        ref = str(d["gpc_ref"])
        cat = gpc.category(ref)
        if boundary == "mission" and (cat.level is gpc.Level.TERRITORIAL or d.get("ets")):
            continue
        ccc = calc.Line(ref=ref, ccc_sector=str(d.get("ccc_sector") or "")).ccc.value
        label = str(d.get("activity") or "")
        key = unique(f"{ref}:{label}")
        common: dict[str, Any] = {"gpc_ref": ref, "sector": cat.sector, "ccc_sector": ccc,
                                  "scope": cat.scope}
        total = line_co2e(d, gwp_set)
        factor = d.get("factor")
        amount = d.get("amount")
        unit = d.get("unit")
        explained = 0.0
        if factor and amount is not None and unit:
            per_unit = calc.co2e(calc.Gases(
                co2=float(factor.get("co2") or 0.0), ch4=float(factor.get("ch4") or 0.0),
                n2o=float(factor.get("n2o") or 0.0),
                ch4_fossil=bool(d.get("ch4_fossil", False)),
            ), gwp_set)
            f_unit = str(factor["unit"])
            mwh_per_f_unit = _energy_per_unit(f_unit)
            if mwh_per_f_unit is not None:
                activity = convert(float(amount), str(unit), ENERGY_UNIT)
                per_activity = per_unit / mwh_per_f_unit
                row_unit = ENERGY_UNIT
            else:
                activity = convert(float(amount), str(unit), f_unit)
                per_activity = per_unit
                row_unit = f_unit
            carrier = carrier_of(d)
            out.append(ActivityRow(key=key, label=label, carrier=carrier, activity=activity,
                                   factor=per_activity, unit=row_unit,
                                   follows_grid=carrier == grid_carrier, **common))
            explained = activity * per_activity
            rest = total - explained
            if abs(rest) > 1e-9 * max(1.0, abs(total)) and _gases(d) is not None:
                out.append(ActivityRow(key=unique(f"{key} (other gases)"),
                                       label=f"{label} (other gases)", carrier=None,
                                       activity=rest, factor=1.0, unit=FIXED_UNIT, **common))
            continue
        out.append(ActivityRow(key=key, label=label, carrier=None, activity=total, factor=1.0,
                               unit=FIXED_UNIT, **common))
    return out


def summary_rows_from_lines(lines: Iterable[ParsedLine],
                            factors: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Summary-shaped rows from parsed activity-file lines (``inventory.parsing``) and a factor
    table (fuel key -> unit, co2, ch4, n2o, fossil), computed as the inventory computes them;
    for models built from a file without a database (tests, benchmarks, what-if uploads)."""
    out: list[dict[str, Any]] = []
    for line in lines:
        gases = {g: float(line.gases.get(g, 0.0)) for g in
                 ("co2", "ch4", "n2o", "sf6", "nf3", "co2_biogenic")}
        factor: dict[str, Any] | None = None
        fossil_factor = False
        if line.fuel:
            f = factors[line.fuel]
            factor = {"unit": f["unit"], "co2": float(f.get("co2") or 0.0),
                      "ch4": float(f.get("ch4") or 0.0), "n2o": float(f.get("n2o") or 0.0),
                      "key": line.fuel}
            fossil_factor = bool(f.get("fossil", True))
        elif line.has_factor:
            factor = {"unit": line.ef_unit or line.unit, "co2": line.ef_co2 or 0.0,
                      "ch4": line.ef_ch4 or 0.0, "n2o": line.ef_n2o or 0.0}
        if factor is not None and line.amount is not None and not line.notation_key:
            calc_gases = calc.emissions_from_activity(
                line.amount, line.unit, calc.FactorValues(
                    unit=factor["unit"], co2=factor["co2"], ch4=factor["ch4"],
                    n2o=factor["n2o"]))
            gases["co2"] += calc_gases.co2
            gases["ch4"] += calc_gases.ch4
            gases["n2o"] += calc_gases.n2o
        out.append({
            "gpc_ref": line.gpc_ref, "activity": line.activity, "amount": line.amount,
            "unit": line.unit or None, "factor": factor, "gases_t": gases,
            "hfcs_t_co2e": float(line.gases.get("hfcs", 0.0)),
            "pfcs_t_co2e": float(line.gases.get("pfcs", 0.0)),
            "co2e_direct_t": line.co2e or 0.0,
            "ch4_fossil": line.ch4_origin == "fossil" or (fossil_factor and not line.gases),
            "notation_key": line.notation_key or None, "ets": line.ets,
            "ccc_sector": line.ccc_sector,
        })
    return out
