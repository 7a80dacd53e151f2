"""Reads of inventories, with the visibility rule applied in one place."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple, TypedDict

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django_stubs_ext import WithAnnotations

from zerocity.core import bulk
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
# A line as the summary reads it: these columns of InventoryLine, then (with_factor) those of
# its library factor, one tuple a line.
_ROW = (
    "gpc_id", "activity", "amount", "unit", "factor_id", "ef_unit", "ef_co2", "ef_ch4",
    "ef_n2o", *_GASES, "ch4_fossil", "notation_key", "explanation", "ie_ref", "data_quality",
    "source", "ets", "ccc_sector",
)
_FACTOR = ("source", "key", "year", "version", "label")
# What the tables ask of a line: (gpc_id, co2, ch4, n2o, sf6, nf3, hfcs, pfcs, co2e_direct,
# ch4_fossil, notation_key, ets, ccc_sector).
_CALC = ("gpc_id", "co2", "ch4", "n2o", "sf6", "nf3", "hfcs", "pfcs", "co2e_direct",
         "ch4_fossil", "notation_key", "ets", "ccc_sector")


def _line_rows(inventory: Inventory, columns: tuple[str, ...] = _ROW, *,
               with_factor: bool = False,
               positions: Iterable[int] | None = None) -> Iterator[tuple[Any, ...]]:
    """The inventory's lines in order (those at ``positions`` if given) as plain tuples of
    ``columns`` (and the factor's), read with one cursor, a few thousand at a time: for
    100,000 lines several times faster than the ORM's values(), whose converters and dicts
    cost more than the database's read. A boolean may come back as 0 or 1 (SQLite): the
    readers below make it a bool where it is shown."""
    qn = connection.ops.quote_name
    names = [f"l.{qn(c)}" for c in columns]
    join = ""
    if with_factor:
        names += [f"f.{qn(c)}" for c in _FACTOR]
        join = (f" LEFT JOIN {qn(EmissionFactor._meta.db_table)} f"
                f" ON f.{qn('id')} = l.{qn('factor_id')}")
    where, params = f"l.{qn('inventory_id')} = %s", [inventory.pk]
    if positions is not None:
        wanted, keys = bulk.any_of(positions)
        where, params = f"{where} AND l.{qn('position')} {wanted}", [*params, *keys]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(names)} FROM {qn(InventoryLine._meta.db_table)} l{join}"
            f" WHERE {where} ORDER BY l.{qn('position')}", params)
        while chunk := cursor.fetchmany(5000):
            yield from chunk


def calc_lines(inventory: Inventory) -> list[calc.Line]:
    """The inventory's lines as the pure calculation layer takes them (no factor details)."""
    return [
        calc.Line(ref=ref, gases=calc.Gases(co2=co2, ch4=ch4, n2o=n2o, sf6=sf6, nf3=nf3,
                                            hfcs=hfcs, pfcs=pfcs, co2_biogenic=bio,
                                            co2e_direct=direct, ch4_fossil=bool(fossil)),
                  notation_key=key, ets=bool(ets), ccc_sector=ccc)
        for ref, co2, ch4, n2o, sf6, nf3, hfcs, pfcs, bio, direct, fossil, key, ets, ccc
        in _line_rows(inventory, ("gpc_id", *_GASES, "ch4_fossil", "notation_key", "ets",
                                  "ccc_sector"))
    ]


class LineValues(NamedTuple):
    """A line's stored values, as the activity-data file writes them back
    (``exports.line_to_record``), read without making a model of each line."""

    gpc_id: str
    activity: str
    amount: float | None
    unit: str
    fuel: str
    ef_unit: str
    ef_co2: float | None
    ef_ch4: float | None
    ef_n2o: float | None
    co2: float
    ch4: float
    n2o: float
    sf6: float
    nf3: float
    hfcs: float
    pfcs: float
    co2_biogenic: float
    co2e_direct: float
    ch4_fossil: bool
    notation_key: str
    explanation: str
    ie_ref: str
    data_quality: str
    source: str
    ets: bool
    ccc_sector: str


def line_values(inventory: Inventory) -> Iterator[LineValues]:
    """The inventory's lines in order, as ``LineValues`` (booleans as the database gives them:
    0 or 1 on SQLite, equal to False and True)."""
    return map(LineValues._make, _line_rows(inventory, LineValues._fields))


def _co2e_values(lines: list[tuple[Any, ...]], gwp_set: GwpSet) -> list[float]:
    """Each line's CO2e (``calculations.line_co2e``), computed once; ``lines`` as _CALC (more
    columns may follow)."""
    g = gwp_factors(gwp_set)
    co2e_of = calc.co2e_of
    return [
        0.0 if key else co2e_of(co2, ch4, n2o, sf6, nf3, hfcs, pfcs, direct, fossil, g)
        for _ref, co2, ch4, n2o, sf6, nf3, hfcs, pfcs, direct, fossil, key, *_ in lines
    ]


def _groups(lines: list[tuple[Any, ...]], values: list[float]) -> tuple[
        list[str], dict[Any, list[float]]]:
    """Each line's CCC sector, and the lines' CO2e grouped for ``tables``; ``lines`` as
    _CALC (more columns may follow)."""
    ccc_by = {(ref, own): tables.ccc_of(ref, own)
              for ref, own in {(line[0], line[12]) for line in lines}}
    ccc = [ccc_by[line[0], line[12]] for line in lines]
    refs = [line[0] for line in lines]
    ets = [bool(line[11]) for line in lines]
    return ccc, tables.group(zip(refs, values, ets, ccc, strict=True))


def summary(inventory: Inventory, *, gwp: str | GwpSet | None = None,
            page: int | None = None) -> dict[str, Any]:
    """The inventory as plain data: totals, sectors, the CCC table and every row (tCO2e), or
    with ``page`` only the rows of that page (``LINES_A_PAGE`` a page, in the same order as
    every row) and ``lines``, which lines of how many (``pages``).

    Every row: one pass over the lines as the cursor reads them, each line's CO2e computed once
    (``calculations.line_co2e``), written into its row and grouped for ``tables``
    (``tables.group``'s groups) from it. A page: the few columns the totals need of every line,
    whole rows only for the page's."""
    gwp_set = parse_gwp(gwp) if gwp else inventory.gwp_set
    if page is not None:
        return _summary_page(inventory, gwp_set, page)
    groups: dict[Any, list[float]] = {}
    rows = []
    for row in _rows(_line_rows(inventory, with_factor=True), gwp_set):
        tables.add(groups, row["gpc_ref"], row["co2e"], row["ets"], row["ccc_sector"])
        rows.append(row)
    return _report(inventory, gwp_set, groups, rows)


def _summary_page(inventory: Inventory, gwp_set: GwpSet, number: int) -> dict[str, Any]:
    lines, groups = _totals_lines(inventory, gwp_set)
    shown, at = _page(len(lines), number)
    rows = list(_rows(_line_rows(inventory, with_factor=True,
                                 positions=[line[-1] for line in lines[shown]]), gwp_set))
    return {**_report(inventory, gwp_set, groups, rows), "lines": at}


def _report(inventory: Inventory, gwp_set: GwpSet, groups: dict[Any, list[float]],
            rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary of ``inventory`` from its lines' groups (``tables.group``) and the rows
    given."""
    population = inventory.population or inventory.city.population
    totals = tables.totals(groups)
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


def _rows(lines: Iterable[tuple[Any, ...]], gwp_set: GwpSet) -> Iterator[dict[str, Any]]:
    """The summary's row of each line (``lines`` as ``_line_rows(..., with_factor=True)``
    reads them), its CO2e computed once."""
    g = gwp_factors(gwp_set)
    co2e_of = calc.co2e_of
    taxonomy = gpc.taxonomy()
    about: dict[str, tuple[str, str, str, int, str]] = {}  # per reference, what rows show
    ccc_by: dict[tuple[str, str], str] = {}
    # What many lines repeat is held once (a city's 100,000 lines name a few units, sources
    # and factors): the database driver makes a new object for every cell it reads, and the
    # rows are most of the summary's memory. The rows are read, never changed, by their users.
    texts: dict[str, str] = {}
    factors: dict[tuple[Any, ...], dict[str, Any] | None] = {}
    for (ref, activity, amount, unit, factor_id, ef_unit, ef_co2, ef_ch4, ef_n2o, co2, ch4,
         n2o, sf6, nf3, hfcs, pfcs, bio, direct, fossil, key, explanation, ie_ref, quality,
         source, ets, own, *factor) in lines:
        value = 0.0 if key else co2e_of(co2, ch4, n2o, sf6, nf3, hfcs, pfcs, direct, fossil,
                                        g)
        ccc_sector = ccc_by.get((ref, own))
        if ccc_sector is None:
            ccc_sector = ccc_by[ref, own] = tables.ccc_of(ref, own)
        cat = about.get(ref)
        if cat is None:
            c = taxonomy[ref]
            cat = about[ref] = (ref, c.sector, c.subsector_name, c.scope, c.level.value)
        applied = (ef_unit, ef_co2, ef_ch4, ef_n2o, factor_id)
        factor_info = factors.get(applied, _UNSEEN)
        if factor_info is _UNSEEN:
            factor_info = factors[applied] = _factor_info(*applied, factor)
        yield {
            "gpc_ref": cat[0],
            "sector": cat[1],
            "subsector": cat[2],
            "scope": cat[3],
            "level": cat[4],
            "activity": activity,
            "amount": amount,
            "unit": texts.setdefault(unit, unit) or None,
            "factor": factor_info,
            "gases_t": {"co2": co2, "ch4": ch4, "n2o": n2o, "sf6": sf6, "nf3": nf3,
                        "co2_biogenic": bio},
            "hfcs_t_co2e": hfcs,
            "pfcs_t_co2e": pfcs,
            "co2e_direct_t": direct,
            "ch4_fossil": bool(fossil),
            "co2e": value,
            "notation_key": texts.setdefault(key, key) or None,
            "explanation": texts.setdefault(explanation, explanation),
            "ie_ref": texts.setdefault(ie_ref, ie_ref) or None,
            "data_quality": quality or None,
            "source": texts.setdefault(source, source),
            "ets": bool(ets),
            "ccc_sector": ccc_sector,
        }


_UNSEEN: Any = object()


def _factor_info(unit: str, co2: float | None, ch4: float | None, n2o: float | None,
                 factor_id: int | None, factor: list[Any]) -> dict[str, Any] | None:
    """The factor a line applied; ``factor``: its library factor's _FACTOR values."""
    if unit == "":
        return None
    if factor_id is None:
        return {"unit": unit, "co2": co2, "ch4": ch4, "n2o": n2o, "source": "inline"}
    source, key, year, version, label = factor
    return {"unit": unit, "co2": co2, "ch4": ch4, "n2o": n2o, "id": factor_id,
            "source": source, "key": key, "year": year, "version": version, "label": label}


def trend(city: City, user: Any, gwp: str | None = None, *,
          known: dict[int, dict[Any, list[float]]] | None = None) -> list[dict[str, Any]]:
    """Totals per year of the inventories this user may see, oldest first; ``known``: the
    groups (``tables.group``) already computed with ``gwp`` of some, by id."""
    out = []
    for inv in reversed(list(visible_inventories(user, city))):
        gwp_set = parse_gwp(gwp) if gwp else inv.gwp_set
        population = inv.population or city.population
        groups = known.get(inv.pk) if known and gwp else None
        if groups is None:
            lines = list(_line_rows(inv, _CALC))
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


LINES_A_PAGE = 200  # a phone shows them; a city's 100,000 meter lines would be 48 MB of page


def _totals_lines(inventory: Inventory, gwp: GwpSet) -> tuple[list[tuple[Any, ...]],
                                                               dict[Any, list[float]]]:
    """The columns the totals need of every line, their position last, and the lines' CO2e
    grouped for ``tables``."""
    lines = list(_line_rows(inventory, (*_CALC, "position")))
    return lines, _groups(lines, _co2e_values(lines, gwp))[1]


def _page(count: int, number: int) -> tuple[slice, dict[str, int]]:
    """Which of ``count`` lines page ``number`` shows, and what it says of them: its number,
    the pages, its first and last line (from 1) and the count. A page past the last is not
    found; an inventory without lines has one, empty."""
    pages = max(1, -(-count // LINES_A_PAGE))
    if not 1 <= number <= pages:
        raise NotFound(f"no page {number} of lines: there are {pages}")
    start = (number - 1) * LINES_A_PAGE
    last = min(start + LINES_A_PAGE, count)
    return slice(start, last), {"number": number, "pages": pages,
                                "first": start + 1 if count else 0, "last": last,
                                "count": count}


def inventory_page(inventory: Inventory, user: Any, gwp: GwpSet,
                   number: int = 1) -> dict[str, Any]:
    """An inventory as its page shows it with the GWP set ``gwp``: the summary of all its lines
    (``s``), page ``number`` of its rows in GPC order (the city's own order within a
    sub-category; ``lines``: which lines of how many), the trend over the years this user may
    see, and those years' inventories. Only the rows shown are read whole: the totals need a
    few columns of every line."""
    lines, groups = _totals_lines(inventory, gwp)
    keys = {ref: gpc.sort_key(ref) for ref in {line[0] for line in lines}}
    shown, at = _page(len(lines), number)
    rows = list(_rows(_line_rows(inventory, with_factor=True, positions=[
        line[-1] for line in sorted(lines, key=lambda line: keys[line[0]])[shown]]), gwp))
    return {
        "s": _report(inventory, gwp, groups, rows),
        # the page's lines in the order of the whole list: a stable sort of them (they come in
        # the city's order) by the same key
        "rows": sorted(rows, key=lambda r: keys[r["gpc_ref"]]),
        "lines": at,
        "trend": trend(inventory.city, user, gwp=gwp.value, known={inventory.pk: groups}),
        "years": visible_inventories(user, inventory.city),
    }


def recent_rejected_imports(city: City, limit: int = 20) -> QuerySet[RejectedImport]:
    """The last refused import files (without their content), for the import page's list."""
    return rejected_imports(city).defer("content")[:limit]
