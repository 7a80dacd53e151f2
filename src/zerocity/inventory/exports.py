"""Inventory exports: the activity-data CSV (re-importable), JSON, the GCoM eCRF workbook and
the Climate City Contract tables."""

from __future__ import annotations

import io
import json

from zerocity.core import spreadsheet
from zerocity.inventory import ccc, ecrf
from zerocity.inventory.models import Inventory, InventoryLine
from zerocity.inventory.parsing import COLUMNS
from zerocity.inventory.selectors import LineValues, line_values, summary

RESULT_COLUMNS = ("result_scope", "result_co2e_t", "result_gwp")


def line_to_record(ln: InventoryLine | LineValues) -> dict[str, object]:
    """The line as it would be written in the import file: factor lines keep their activity and
    factor; direct lines keep their gas amounts."""
    rec: dict[str, object] = {c: "" for c in COLUMNS}
    rec.update(gpc_ref=ln.gpc_id, activity=ln.activity, notation_key=ln.notation_key,
               explanation=ln.explanation, ie_ref=ln.ie_ref, data_quality=ln.data_quality,
               source=ln.source, ets="yes" if ln.ets else "", ccc_sector=ln.ccc_sector)
    if ln.amount is not None:
        rec.update(amount=repr(ln.amount), unit=ln.unit)
    if ln.fuel:
        rec["fuel"] = ln.fuel
    elif ln.ef_unit:  # a gas the factor did not give stays empty, as it came
        rec.update(ef_co2=repr(ln.ef_co2 or 0.0), ef_unit=ln.ef_unit,
                   ef_ch4="" if ln.ef_ch4 is None else repr(ln.ef_ch4),
                   ef_n2o="" if ln.ef_n2o is None else repr(ln.ef_n2o))
    elif not ln.notation_key:
        for gas in ("co2", "ch4", "n2o", "sf6", "nf3", "hfcs", "pfcs", "co2_biogenic"):
            value = getattr(ln, gas)
            if value:
                rec[gas] = repr(value)
        if ln.co2e_direct or not any(rec[g] for g in ("co2", "ch4", "n2o", "sf6", "nf3",
                                                      "hfcs", "pfcs", "co2_biogenic")):
            rec["co2e"] = repr(ln.co2e_direct)
    default_fossil = ln.gpc_id.split(".")[0] in ("I", "II")
    if ln.ch4 and ln.ch4_fossil != default_fossil and not ln.fuel:
        rec["ch4_origin"] = "fossil" if ln.ch4_fossil else "non-fossil"
    return rec


def to_csv(inventory: Inventory) -> bytes:
    s = summary(inventory)
    lines = line_values(inventory)  # tuples: a model a line cost half the file's time
    buf = io.StringIO()
    writer = spreadsheet.writer(buf, lineterminator="\n")
    writer.writerow([*COLUMNS, *RESULT_COLUMNS])
    for ln, row in zip(lines, s["rows"], strict=True):
        rec = line_to_record(ln)
        writer.writerow([*(rec[c] for c in COLUMNS), row["scope"], repr(row["co2e"]), s["gwp"]])
    return buf.getvalue().encode("utf-8")


def to_json(inventory: Inventory) -> bytes:
    s = summary(inventory)
    return json.dumps(s, indent=2, ensure_ascii=False).encode("utf-8")


def export_inventory(inventory: Inventory, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(inventory)
    if fmt == "json":
        return to_json(inventory)
    if fmt == "ecrf":
        return ecrf.export_workbook(inventory)
    if fmt == "ccc":
        return ccc.export_workbook(inventory)
    raise ValueError(f"unknown export format {fmt!r}")


def filename(inventory: Inventory, fmt: str) -> str:
    code = inventory.city.locode or inventory.city.slug
    ext = {"csv": "csv", "json": "json", "ecrf": "xlsx", "ccc": "xlsx"}[fmt]
    prefix = {"ecrf": "eCRF-inventory", "ccc": "CCC-A1-inventory"}.get(fmt, "inventory")
    return f"{prefix}-{code}-{inventory.year}.{ext}"
