"""Reads of inventories, with the visibility rule applied in one place."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.core.permissions import is_city_staff
from zerocity.inventory import calculations as calc
from zerocity.inventory import gpc
from zerocity.inventory.gwp import GwpSet
from zerocity.inventory.gwp import parse as parse_gwp
from zerocity.inventory.models import Inventory, InventoryLine, InventoryStatus


def visible_inventories(user: Any, city: City) -> QuerySet[Inventory]:
    """Published inventories for everyone; drafts too for the city's staff."""
    qs = Inventory.objects.filter(city=city).select_related("city")
    if not is_city_staff(user, city):
        qs = qs.filter(status=InventoryStatus.PUBLISHED)
    return qs.order_by("-year")


def access_inventory_for_user(user: Any, city_slug: str, year: int) -> Inventory:
    """The inventory if this user may see it. A draft is 'not found' to outsiders, so its
    existence does not leak."""
    city = City.objects.filter(slug=city_slug).first()
    if city is None:
        raise NotFound(f"no city {city_slug!r}")
    inventory = visible_inventories(user, city).filter(year=year).first()
    if inventory is None:
        raise NotFound(f"no inventory {year} for {city.name}")
    return inventory


def inventory_lines(inventory: Inventory) -> list[InventoryLine]:
    return list(inventory.lines.select_related("factor").order_by("position"))


def summary(
    inventory: Inventory, *, gwp: str | GwpSet | None = None,
    lines: list[InventoryLine] | None = None,
) -> dict[str, Any]:
    """The inventory as plain data: totals, sectors, the CCC table and every row (tCO2e)."""
    gwp_set = parse_gwp(gwp) if gwp else inventory.gwp_set
    lines = inventory_lines(inventory) if lines is None else lines
    calc_lines = [ln.as_calc() for ln in lines]
    population = inventory.population or inventory.city.population
    totals = calc.totals(calc_lines, gwp_set)
    rows = []
    for ln, cl in zip(lines, calc_lines, strict=True):
        cat = gpc.category(ln.gpc_id)
        rows.append({
            "gpc_ref": ln.gpc_id,
            "sector": cat.sector,
            "subsector": cat.subsector_name,
            "scope": cat.scope,
            "level": cat.level.value,
            "activity": ln.activity,
            "amount": ln.amount,
            "unit": ln.unit or None,
            "factor": _factor_info(ln),
            "gases_t": {g: getattr(ln, g) for g in
                        ("co2", "ch4", "n2o", "sf6", "nf3", "co2_biogenic")},
            "hfcs_t_co2e": ln.hfcs,
            "pfcs_t_co2e": ln.pfcs,
            "co2e_direct_t": ln.co2e_direct,
            "ch4_fossil": ln.ch4_fossil,
            "co2e": calc.line_co2e(cl, gwp_set),
            "notation_key": ln.notation_key or None,
            "explanation": ln.explanation,
            "ie_ref": ln.ie_ref or None,
            "data_quality": ln.data_quality or None,
            "source": ln.source,
            "ets": ln.ets,
            "ccc_sector": cl.ccc.value,
        })
    return {
        "city": inventory.city.slug,
        "city_name": inventory.city.name,
        "year": inventory.year,
        "gwp": gwp_set.value,
        "status": inventory.status,
        "illustrative": inventory.illustrative,
        "population": population,
        "totals": totals,
        "per_capita": {k: v / population for k, v in totals.items()} if population else None,
        "sectors": calc.sector_totals(calc_lines, gwp_set),
        "ccc_a13": calc.ccc_emissions_table(calc_lines, gwp_set),
        "rows": rows,
    }


def _factor_info(ln: InventoryLine) -> dict[str, Any] | None:
    if ln.ef_unit == "":
        return None
    info: dict[str, Any] = {
        "unit": ln.ef_unit, "co2": ln.ef_co2, "ch4": ln.ef_ch4, "n2o": ln.ef_n2o,
    }
    if ln.factor is not None:
        f = ln.factor
        info.update(id=f.pk, source=f.source, key=f.key, year=f.year, version=f.version,
                    label=f.label)
    else:
        info["source"] = "inline"
    return info


def trend(city: City, user: Any, gwp: str | None = None) -> list[dict[str, Any]]:
    """Totals per year of the inventories this user may see, oldest first."""
    out = []
    for inv in reversed(list(visible_inventories(user, city))):
        lines = [ln.as_calc() for ln in inv.lines.all()]
        gwp_set = parse_gwp(gwp) if gwp else inv.gwp_set
        population = inv.population or city.population
        totals = calc.totals(lines, gwp_set)
        out.append({
            "year": inv.year, "illustrative": inv.illustrative, "status": inv.status,
            "gwp": gwp_set.value, "mission": totals["mission"], "totals": totals,
            "sectors": calc.sector_totals(lines, gwp_set),
            "per_capita": totals["mission"] / population if population else None,
        })
    return out
