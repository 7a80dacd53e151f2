"""Plain-text rendering of an inventory summary for people at a terminal."""

from __future__ import annotations

from typing import Any

from zerocity.inventory.gpc import SECTOR_NAMES

TOTAL_LABELS = {
    "scope1": "Scope 1 (without I.4.4 and III.x.3)",
    "scope2": "Scope 2",
    "scope3": "Scope 3",
    "basic": "BASIC",
    "basic_plus": "BASIC+",
    "territorial": "Territorial (all scope 1)",
    "mission": "EU Mission inventory",
}


def _t(value: float) -> str:
    return f"{value:,.1f}"


def summary_table(s: dict[str, Any]) -> str:
    out = []
    flag = "  [illustrative figures]" if s.get("illustrative") else ""
    out.append(f"{s['city_name']} {s['year']}  GWP {s['gwp']}  {s['status']}{flag}")
    out.append("")
    out.append(f"{'Total':40} {'tCO2e':>14}")
    for key, label in TOTAL_LABELS.items():
        out.append(f"{label:40} {_t(s['totals'][key]):>14}")
    out.append("")
    out.append(f"{'Sector':48} {'Scope 1':>12} {'Scope 2':>12} {'Scope 3':>12} {'Total':>12}")
    for sector, v in s["sectors"].items():
        name = f"{sector} {SECTOR_NAMES[sector]}"[:48]
        out.append(f"{name:48} {_t(v['scope1']):>12} {_t(v['scope2']):>12} "
                   f"{_t(v['scope3']):>12} {_t(v['total']):>12}")
    out.append("")
    out.append(f"{'GPC':8} {'S':1} {'Activity':44} {'Amount':>14} {'Unit':6} {'tCO2e':>12} "
               f"{'DQ':2}")
    for r in s["rows"]:
        amount = "" if r["amount"] is None else f"{r['amount']:,.1f}"
        value = r["notation_key"] or _t(r["co2e"])
        out.append(f"{r['gpc_ref']:8} {r['scope']:1} {r['activity'][:44]:44} {amount:>14} "
                   f"{(r['unit'] or '')[:6]:6} {value:>12} {r['data_quality'] or '-':2}")
    return "\n".join(out)
