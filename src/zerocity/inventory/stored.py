"""The stored values of a file's good lines, computed a column at a time.

``services._line_values`` is the reference: for one parsed line it resolves the factor, converts
the amount to the factor's unit and multiplies, or takes the gases given directly. Here the
same is done for all lines at once: each distinct fuel is resolved once and each distinct pair
of units converted once; the products are numpy's on float64 columns, which are the same IEEE
754 operations (one rounding each) as Python's on floats, in the same order (``amount x
conversion``, then ``x factor``), so every stored value is the reference's to the bit (tests
compare them). The lines stay columns up to the insert.

Only good lines come here (``parsing.LineColumns``). When a line's factor cannot be found or
its unit does not convert to the factor's, ``stored_columns`` answers None and the import takes
the per-line path, which words the message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from zerocity.core.units import UnitError, conversion_factor
from zerocity.inventory.calculations import FactorValues
from zerocity.inventory.parsing import LineColumns

# The stored fields ``stored_columns`` computes, in the order of ``services._STORED_FIELDS``
# (without ``position``, which the import gives).
VALUE_FIELDS = (
    "amount", "unit", "fuel", "factor_id", "ef_unit", "ef_co2", "ef_ch4", "ef_n2o",
    "co2", "ch4", "n2o", "hfcs", "pfcs", "sf6", "nf3", "co2_biogenic", "co2e_direct",
    "ch4_fossil", "notation_key", "explanation", "ie_ref", "data_quality", "source", "ets",
    "ccc_sector",
)
_DIRECT = ("co2", "ch4", "n2o", "hfcs", "pfcs", "sf6", "nf3", "co2_biogenic")

# A fuel's factor as the import applies it: (factor id, values), or None when there is none.
Resolve = Callable[[str], tuple[int, FactorValues] | None]


def _floats(values: list[Any]) -> np.ndarray:
    """The values as float64, NaN for None (no number read from a file is NaN)."""
    return np.array(values, dtype=float) if values else np.zeros(0)


def _zero_if_none(values: list[Any]) -> np.ndarray:
    a = _floats(values)
    a[np.isnan(a)] = 0.0
    return a


def _or_zero(values: list[Any]) -> np.ndarray:
    """``v or 0.0`` of each value, as the reference writes it (None and -0.0 give 0.0)."""
    a = _floats(values)
    a[np.isnan(a) | (a == 0.0)] = 0.0
    return a


def stored_columns(lines: LineColumns, resolve: Resolve) -> dict[str, list[Any]] | None:
    """Per field of ``VALUE_FIELDS``, the lines' stored values (``_line_values`` of each
    line); None when a line's factor is missing or its unit does not convert."""
    c = lines.values
    n = len(lines)
    fuel, unit, ef_unit = c["fuel"], c["unit"], c["ef_unit"]
    ef = {g: c[f"ef_{g}"] for g in ("co2", "ch4", "n2o")}

    # Per line: is it computed from a library factor, an inline factor, or given directly?
    fuel_arr = np.asarray(fuel, dtype=object) if n else np.zeros(0, object)
    by_fuel = fuel_arr != ""
    inline = np.zeros(n, bool)
    for values in ef.values():
        inline |= ~np.isnan(_floats(values))
    inline &= ~by_fuel
    computed = by_fuel | inline

    ref_fossil = {ref: ref.split(".")[0] in ("I", "II") for ref in set(c["gpc_ref"])}
    fossil = np.fromiter((ref_fossil[r] for r in c["gpc_ref"]), bool, n)

    # The factor of each line: the library's (one lookup per distinct fuel) or its own cells.
    factors: dict[str, tuple[int, FactorValues]] = {}
    for spec in set(fuel) - {""}:
        found = resolve(spec)
        if found is None:
            return None  # the per-line path names the line and the fuel
        factors[spec] = found
    out: dict[str, list[Any]] = {
        "amount": c["amount"], "unit": unit, "fuel": fuel,
        "notation_key": c["notation_key"], "explanation": c["explanation"],
        "ie_ref": c["ie_ref"], "data_quality": c["data_quality"], "source": c["source"],
        "ets": c["ets"], "ccc_sector": c["ccc_sector"],
    }
    if factors:
        lib = [factors.get(f) for f in fuel]
        out["factor_id"] = [x[0] if x is not None else None for x in lib]
        out["ef_unit"] = [x[1].unit if x is not None else u for x, u in zip(lib, ef_unit,
                                                                                strict=True)]
        for g, values in ef.items():
            out[f"ef_{g}"] = [getattr(x[1], g) if x is not None else v
                              for x, v in zip(lib, values, strict=True)]
        lib_fossil = np.fromiter((x[1].fossil if x is not None else False for x in lib),
                                 bool, n)
        fossil = np.where(by_fuel, lib_fossil, fossil)
    else:
        out["factor_id"] = [None] * n
        out["ef_unit"] = ef_unit
        out.update({f"ef_{g}": values for g, values in ef.items()})
    # the factor applied: FactorValues(unit, ef or 0.0...) for an inline one
    f_unit = out["ef_unit"]
    f_gas = {g: _or_zero(out[f"ef_{g}"]) if g != "co2_biogenic" else np.zeros(n)
             for g in ("co2", "ch4", "n2o", "co2_biogenic")}
    if factors:
        specs = list(factors)
        code = {spec: i for i, spec in enumerate(specs)}
        at = np.fromiter((code.get(f, 0) for f in fuel), np.intp, n)
        for g in ("co2", "ch4", "n2o", "co2_biogenic"):
            lib_values = np.array([getattr(factors[spec][1], g) for spec in specs], float)[at]
            f_gas[g] = np.where(by_fuel, lib_values, f_gas[g])

    # quantity in the factor's unit: convert(amount or 0.0, unit, factor unit)
    amount = _or_zero(c["amount"])
    qty = amount.copy()
    if computed.any():
        pairs: dict[tuple[str, str], float] = {}
        for i in np.flatnonzero(computed).tolist():
            pair = (unit[i], f_unit[i])
            if pair not in pairs:
                if not pair[0]:
                    return None  # a factor without a unit: the per-line path decides
                try:
                    pairs[pair] = 1.0 if pair[0] == pair[1] else conversion_factor(*pair)
                except UnitError:
                    return None  # the per-line path words the message
        units = np.asarray(unit, dtype=object)
        f_units = np.asarray(f_unit, dtype=object)
        for (src, dst), factor in pairs.items():
            if src != dst:
                at = computed & (units == src) & (f_units == dst)
                qty[at] = amount[at] * factor

    for g in _DIRECT:
        direct = _zero_if_none(c[g])
        if g in f_gas:
            out[g] = np.where(computed, qty * f_gas[g], direct).tolist()
        else:
            out[g] = np.where(computed, 0.0, direct).tolist()
    out["co2e_direct"] = _zero_if_none(c["co2e"]).tolist()
    origin = c["ch4_origin"]
    out["ch4_fossil"] = [o == "fossil" if o else f
                         for o, f in zip(origin, fossil.tolist(), strict=True)]
    return out
