"""Activity per GPC row and carrier in MWh, with provenance, from the readings.

Which readings go to which row is data, not code: ``gpc_mapping.csv`` maps (quantity, customer
class) to a GPC reference, a carrier and, where Kranj's Climate City Contract tables count the
row elsewhere, a CCC sector. A city passes its own mapping to change it. Quantities the mapping
does not name (PV production, water, air quality) are not activity and are left out.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from . import frames
from .activity import Frequencies, activity_table
from .engines import SCALE, connect, data_years, has_readings, read_readings, to_frame

MAPPING_FILE = Path(__file__).with_name("gpc_mapping.csv")

# Natural gas: kWh per m3 of metered volume. Slovenian distributors bill gas in kWh since
# 1 Jan 2017 as volume x the average gross (upper) calorific value Hs that the transmission
# operator Plinovodi publishes monthly for the exit points of the Slovenian network (Uredba o
# delovanju trga z zemeljskim plinom, Ur. l. RS 61/16); that value is about 10.5-10.6 kWh/m3,
# so MWh computed with it match what Domplan bills and what Kranj's baseline gas MWh were built
# from. Pass the published value for the year (``gas_kwh_per_m3``) where it is known. Note that
# the CoM/IPCC factors are per MWh of *net* calorific value (about 0.9 Hs).
GAS_KWH_PER_M3 = 10.55

# Canonical unit of each quantity -> kWh (the intake stores energies in kWh, gas volumes in m3).
def kwh_per_unit(gas_kwh_per_m3: float = GAS_KWH_PER_M3) -> dict[str, float]:
    return {"active_energy": 1.0, "heat_energy": 1.0, "pv_energy": 1.0, "gas_energy": 1.0,
            "gas_volume": gas_kwh_per_m3}


GPC_COLUMNS = {
    "city": "str", "year": "int", "month": "int", "gpc_ref": "str", "carrier": "str",
    "ccc_sector": "str", "mwh": "float", "readings": "int", "meters": "int",
    "expected_readings": "float", "coverage": "float", "sources": "str_list",
    "batches": "int_list",
}
GPC_SORT = ["city", "year", "month", "gpc_ref", "carrier", "ccc_sector"]


def load_mapping(path: str | Path = MAPPING_FILE) -> list[dict[str, str | None]]:
    """The mapping rows: quantity, customer_class, gpc_ref, carrier, ccc_sector (None if
    blank)."""
    with Path(path).open(newline="", encoding="utf-8") as f:
        return [{k: (row[k] or None) for k in
                 ("quantity", "customer_class", "gpc_ref", "carrier", "ccc_sector")}
                for row in csv.DictReader(f)]


def mapping_table(mapping: Iterable[Mapping[str, Any]] | None = None,
                  gas_kwh_per_m3: float = GAS_KWH_PER_M3) -> ir.Table:
    """The mapping as an in-memory table. No nulls in it: Spark reads a null string of an
    in-memory table as "NaN" under pandas 3, so a blank CCC sector travels as ""."""
    rows = list(load_mapping() if mapping is None else mapping)
    factors = kwh_per_unit(gas_kwh_per_m3)
    seen: set[tuple[Any, Any]] = set()
    data: dict[str, list[Any]] = {k: [] for k in ("quantity", "customer_class", "gpc_ref",
                                                  "carrier", "ccc_sector", "kwh_per_unit")}
    for row in rows:
        key = (row["quantity"], row["customer_class"])
        if key in seen:
            raise ValueError(f"the GPC mapping names {key} twice")
        if row["quantity"] not in factors:
            raise ValueError(f"the GPC mapping names {row['quantity']!r}, which has no "
                             f"conversion to kWh (known: {', '.join(sorted(factors))})")
        seen.add(key)
        for k in ("quantity", "customer_class", "gpc_ref", "carrier"):
            data[k].append(row[k])
        data["ccc_sector"].append(row.get("ccc_sector") or "")
        data["kwh_per_unit"].append(factors[str(row["quantity"])])
    schema = ibis.schema({"quantity": "string", "customer_class": "string",
                          "gpc_ref": "string", "carrier": "string", "ccc_sector": "string",
                          "kwh_per_unit": "float64"})
    return ibis.memtable(data, schema=schema)


def mapped(activity: ir.Table, mapping: ir.Table) -> ir.Table:
    """Activity rows joined to their GPC row, with ``kwh_u``: the amount in millionths of a
    kWh (an integer, so sums are exact on every engine)."""
    j = activity.inner_join(mapping, ["quantity", "customer_class"])
    return j.mutate(kwh_u=(j.value_u * j.kwh_per_unit).round().cast("int64"),
                    ccc_sector=j.ccc_sector.nullif(""))


def gpc_activity(path: str | Path, *, frequencies: Frequencies, per: str = "year",
                 mapping: Iterable[Mapping[str, Any]] | None = None,
                 gas_kwh_per_m3: float = GAS_KWH_PER_M3, city: str | None = None,
                 engine: str | BaseBackend | None = None, tz: str) -> pd.DataFrame:
    """Activity per (city, year[, month], gpc_ref, carrier, ccc_sector) in MWh, as measured
    inventory lines with their provenance.

    Columns: city, year, [month,] gpc_ref, carrier, ccc_sector, mwh, readings, meters,
    expected_readings, coverage (readings / expected, null if a contributing source has no
    frequency), sources and batches (sorted lists).
    """
    if per not in ("month", "year"):
        raise ValueError("per must be 'month' or 'year'")
    kinds = dict(GPC_COLUMNS) if per == "month" else {
        k: v for k, v in GPC_COLUMNS.items() if k != "month"}
    if not has_readings(path):
        return frames.empty(kinds)
    con = connect(engine)
    readings = read_readings(con, path, city=city)
    years = data_years(con, path, readings)
    act = activity_table(readings, per=per, frequencies=frequencies, years=years, tz=tz)
    j = mapped(act, mapping_table(mapping, gas_kwh_per_m3))
    j = j.mutate(expected=j.meters * j.slots)
    g = j.group_by(["city", "period", "gpc_ref", "carrier", "ccc_sector"]).aggregate(
        kwh_u=j.kwh_u.sum(), readings=j.readings.sum(), meters=j.meters.sum(),
        expected=j.expected.sum(), known=j.expected.count(), groups=j.count(),
        sources=j.source.collect(distinct=True), batches=j.batches.collect())
    expected = ibis.ifelse(g.known == g.groups, g.expected, ibis.null("int64"))
    columns: dict[str, Any] = {"city": g.city,
                               "year": g.period // 100 if per == "month" else g.period}
    if per == "month":
        columns["month"] = g.period % 100
    columns |= {"gpc_ref": g.gpc_ref, "carrier": g.carrier, "ccc_sector": g.ccc_sector,
                "mwh": g.kwh_u / (SCALE * 1000), "readings": g.readings, "meters": g.meters,
                "expected_readings": expected.cast("float64"),
                "coverage": g.readings / expected.nullif(0), "sources": g.sources,
                "batches": g.batches}
    df = to_frame(con, g.select(**columns))
    return frames.finish(df, kinds, [c for c in GPC_SORT if c in kinds])
