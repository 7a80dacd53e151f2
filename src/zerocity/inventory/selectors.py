"""Reads of inventories, with the visibility rule applied in one place."""

from __future__ import annotations

from typing import Any, TypedDict

from django.db.models import Count, Q, QuerySet
from django_stubs_ext import WithAnnotations

from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.core.permissions import is_city_staff
from zerocity.inventory import calculations as calc
from zerocity.inventory import gpc, tables
from zerocity.inventory.gwp import GwpSet
from zerocity.inventory.gwp import factors as gwp_factors
from zerocity.inventory.gwp import parse as parse_gwp
from zerocity.inventory.models import (
    EmissionFactor,
    Inventory,
    InventoryLine,
    InventoryStatus,
    RejectedImport,
)


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


_GASES = ("co2", "ch4", "n2o", "sf6", "nf3", "hfcs", "pfcs", "co2_biogenic", "co2e_direct")
_FACTOR = ("factor__source", "factor__key", "factor__year", "factor__version",
           "factor__label")
_LINE_VALUES = (
    "gpc_id", "activity", "amount", "unit", "factor_id", "ef_unit", "ef_co2", "ef_ch4",
    "ef_n2o", *_GASES, "ch4_fossil", "notation_key", "explanation", "ie_ref", "data_quality",
    "source", "ets", "ccc_sector",
)


def _calc_line(d: dict[str, Any]) -> calc.Line:
    return calc.Line(
        ref=d["gpc_id"],
        gases=calc.Gases(**{g: d[g] for g in _GASES}, ch4_fossil=d["ch4_fossil"]),
        notation_key=d["notation_key"], ets=d["ets"], ccc_sector=d["ccc_sector"],
    )


def _line_values(inventory: Inventory, *, with_factor: bool) -> list[dict[str, Any]]:
    # Plain values, not model instances: a city with 100,000 lines reads several times faster.
    fields = (*_LINE_VALUES, *_FACTOR) if with_factor else _LINE_VALUES
    return list(inventory.lines.order_by("position").values(*fields))


def calc_lines(inventory: Inventory) -> list[calc.Line]:
    """The inventory's lines as the pure calculation layer takes them (no factor details)."""
    return [_calc_line(d) for d in _line_values(inventory, with_factor=False)]


def _co2e_values(lines: list[dict[str, Any]], gwp_set: GwpSet) -> list[float]:
    """Each line's CO2e (``calculations.line_co2e``), computed once."""
    g = gwp_factors(gwp_set)
    co2e_of = calc.co2e_of
    return [
        0.0 if d["notation_key"] else co2e_of(
            d["co2"], d["ch4"], d["n2o"], d["sf6"], d["nf3"], d["hfcs"], d["pfcs"],
            d["co2e_direct"], d["ch4_fossil"], g)
        for d in lines
    ]


def _groups(lines: list[dict[str, Any]], values: list[float]) -> tuple[
        list[str], dict[Any, list[float]]]:
    """Each line's CCC sector, and the lines' CO2e grouped for ``tables``."""
    ccc_by = {(ref, own): tables.ccc_of(ref, own)
              for ref, own in {(d["gpc_id"], d["ccc_sector"]) for d in lines}}
    ccc = [ccc_by[d["gpc_id"], d["ccc_sector"]] for d in lines]
    refs = [d["gpc_id"] for d in lines]
    ets = [d["ets"] for d in lines]
    return ccc, tables.group(zip(refs, values, ets, ccc, strict=True))


def summary(inventory: Inventory, *, gwp: str | GwpSet | None = None) -> dict[str, Any]:
    """The inventory as plain data: totals, sectors, the CCC table and every row (tCO2e)."""
    gwp_set = parse_gwp(gwp) if gwp else inventory.gwp_set
    lines = _line_values(inventory, with_factor=True)
    values = _co2e_values(lines, gwp_set)
    ccc, groups = _groups(lines, values)
    population = inventory.population or inventory.city.population
    totals = tables.totals(groups)
    taxonomy = gpc.taxonomy()
    rows = []
    for d, value, ccc_sector in zip(lines, values, ccc, strict=True):
        cat = taxonomy[d["gpc_id"]]
        rows.append({
            "gpc_ref": d["gpc_id"],
            "sector": cat.sector,
            "subsector": cat.subsector_name,
            "scope": cat.scope,
            "level": cat.level.value,
            "activity": d["activity"],
            "amount": d["amount"],
            "unit": d["unit"] or None,
            "factor": _factor_info(d),
            "gases_t": {g: d[g] for g in ("co2", "ch4", "n2o", "sf6", "nf3", "co2_biogenic")},
            "hfcs_t_co2e": d["hfcs"],
            "pfcs_t_co2e": d["pfcs"],
            "co2e_direct_t": d["co2e_direct"],
            "ch4_fossil": d["ch4_fossil"],
            "co2e": value,
            "notation_key": d["notation_key"] or None,
            "explanation": d["explanation"],
            "ie_ref": d["ie_ref"] or None,
            "data_quality": d["data_quality"] or None,
            "source": d["source"],
            "ets": d["ets"],
            "ccc_sector": ccc_sector,
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
        "sectors": tables.sector_totals(groups),
        "ccc_a13": tables.ccc_emissions_table(groups),
        "rows": rows,
    }


def _factor_info(d: dict[str, Any]) -> dict[str, Any] | None:
    if d["ef_unit"] == "":
        return None
    info: dict[str, Any] = {
        "unit": d["ef_unit"], "co2": d["ef_co2"], "ch4": d["ef_ch4"], "n2o": d["ef_n2o"],
    }
    if d["factor_id"] is not None:
        info.update(id=d["factor_id"], source=d["factor__source"], key=d["factor__key"],
                    year=d["factor__year"], version=d["factor__version"],
                    label=d["factor__label"])
    else:
        info["source"] = "inline"
    return info


def trend(city: City, user: Any, gwp: str | None = None) -> list[dict[str, Any]]:
    """Totals per year of the inventories this user may see, oldest first."""
    out = []
    for inv in reversed(list(visible_inventories(user, city))):
        lines = _line_values(inv, with_factor=False)
        gwp_set = parse_gwp(gwp) if gwp else inv.gwp_set
        population = inv.population or city.population
        _, groups = _groups(lines, _co2e_values(lines, gwp_set))
        totals = tables.totals(groups)
        out.append({
            "year": inv.year, "illustrative": inv.illustrative, "status": inv.status,
            "gwp": gwp_set.value, "mission": totals["mission"], "totals": totals,
            "sectors": tables.sector_totals(groups),
            "per_capita": totals["mission"] / population if population else None,
        })
    return out


def city_inventory(city: City, year: int) -> Inventory:
    """A city's inventory of a year, drafts included (the command line is the city's own)."""
    inventory = Inventory.objects.filter(city=city, year=year).select_related("city").first()
    if inventory is None:
        raise NotFound(f"no inventory {year} for {city.slug}")
    return inventory


class LineCount(TypedDict):
    n_lines: int


def city_inventories(city: City) -> QuerySet[WithAnnotations[Inventory, LineCount]]:
    """A city's inventories, oldest first, each with its number of lines (``n_lines``)."""
    return Inventory.objects.filter(city=city).annotate(n_lines=Count("lines")) \
        .order_by("year")


def rejected_imports(city: City) -> QuerySet[RejectedImport]:
    """The import files refused for a city and kept in quarantine, newest first."""
    return RejectedImport.objects.filter(city=city)


def rejected_import(city: City, pk: int) -> RejectedImport:
    found = rejected_imports(city).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"no refused file {pk} for {city.slug}")
    return found


def factors_for(city: City | None) -> QuerySet[EmissionFactor]:
    """The shared emission factor library, plus the city's own factors when one is given."""
    q = Q(city__isnull=True)
    if city is not None:
        q |= Q(city=city)
    return EmissionFactor.objects.filter(q).select_related("city")


# -- the site's pages ----------------------------------------------------------------------------

def home_cities(user: Any) -> list[tuple[City, Inventory | None]]:
    """Every city, with the newest inventory this user may see (none: the city has no
    inventory this user may see)."""
    return [(city, visible_inventories(user, city).first()) for city in City.objects.all()]


def latest_inventory(user: Any, city: City) -> Inventory | None:
    """The newest inventory this user may see (drafts only for the city's staff)."""
    return visible_inventories(user, city).first()


def inventory_page(inventory: Inventory, user: Any, gwp: GwpSet) -> dict[str, Any]:
    """An inventory as its page shows it with the GWP set ``gwp``: the summary (``s``), its rows
    in GPC order (the city's own order within a sub-category), the trend over the years this
    user may see, and those years' inventories."""
    s = summary(inventory, gwp=gwp)
    return {
        "s": s,
        "rows": sorted(s["rows"], key=lambda r: gpc.sort_key(r["gpc_ref"])),  # a stable sort
        "trend": trend(inventory.city, user, gwp=gwp.value),
        "years": visible_inventories(user, inventory.city),
    }


def recent_rejected_imports(city: City, limit: int = 20) -> QuerySet[RejectedImport]:
    """The last refused import files (without their content), for the import page's list."""
    return rejected_imports(city).defer("content")[:limit]
