"""``zerocity inventory`` and ``zerocity factor``: GHG inventories and the emission factor
library."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from zerocity.core.cli import ACTOR, city_opt, handles_errors, write_atomically, year_opt

if TYPE_CHECKING:
    from zerocity.inventory.models import Inventory


def _get_inventory(city_slug: str, year: int) -> Inventory:
    from zerocity.core.selectors import get_city
    from zerocity.inventory.selectors import city_inventory

    return city_inventory(get_city(city_slug), year)


@click.group()
def inventory() -> None:
    """GHG inventories (GPC)."""


@inventory.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@city_opt
@year_opt
@click.option("--gwp", help="GWP set: AR4, AR5 (default), AR6 or AR6-CH4split.")
@click.option("--mode", type=click.Choice(["replace", "merge"]), default="replace",
              show_default=True,
              help="replace: the inventory holds exactly the file's lines; merge: add and update.")
@handles_errors
def inventory_import(file: Path, city_slug: str, year: int, gwp: str | None, mode: str) -> None:
    """Import activity data from FILE (.csv, .xlsx, or an eCRF workbook).

    A file with errors is refused whole, listing each as `line N, column C: reason`.
    """
    from zerocity.core.selectors import get_city
    from zerocity.inventory.services import import_activity_file

    c = get_city(city_slug)
    try:
        result = import_activity_file(c, year, file.read_bytes(), file.name, mode=mode, gwp=gwp,
                                      actor=ACTOR)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    if result.unchanged:
        click.echo(f"{c.slug} {year}: {result.rows} lines, unchanged")
    else:
        click.echo(f"{c.slug} {year}: {result.rows} lines ({result.created} new, "
                   f"{result.updated} changed, {result.deleted} removed)")


@inventory.command("rejected")
@city_opt
@click.option("--id", "rejected_id", type=int, help="Print this refused file's errors.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="With --id: write the refused file here to fix and send again.")
@handles_errors
def inventory_rejected(city_slug: str, rejected_id: int | None, output: Path | None) -> None:
    """List refused import files kept in quarantine, or show one."""
    from zerocity.core.selectors import get_city
    from zerocity.inventory.selectors import rejected_import, rejected_imports

    city = get_city(city_slug)
    if rejected_id is None:
        for r in rejected_imports(city):
            click.echo(f"{r.pk}\t{r.at:%Y-%m-%d %H:%M}\t{r.year}\t{r.filename}\t"
                       f"{len(r.errors)} errors\t{r.actor_label}")
        return
    r = rejected_import(city, rejected_id)
    for error in r.errors:
        click.echo(error)
    if output is not None:
        output.write_bytes(bytes(r.content))
        click.echo(f"wrote {output}")


@inventory.command("show")
@city_opt
@year_opt
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table",
              show_default=True)
@click.option("--gwp", help="Show CO2e with another GWP set without changing the inventory.")
@handles_errors
def inventory_show(city_slug: str, year: int, fmt: str, gwp: str | None) -> None:
    """Print an inventory's totals, sectors and rows (tCO2e)."""
    from zerocity.inventory.report import summary_table
    from zerocity.inventory.selectors import summary

    s = summary(_get_inventory(city_slug, year), gwp=gwp)
    if fmt == "json":
        keep = ("city", "year", "gwp", "totals", "sectors", "rows", "population",
                "per_capita", "status", "illustrative")
        click.echo(json.dumps({k: s[k] for k in keep}, indent=2, ensure_ascii=False))
    else:
        click.echo(summary_table(s))


@inventory.command("export")
@city_opt
@year_opt
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "ecrf", "ccc"]),
              required=True, help="csv/json: the lines; ecrf: GCoM CRF workbook; ccc: Climate "
              "City Contract tables A-1.1 to A-1.3.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
@handles_errors
def inventory_export(city_slug: str, year: int, fmt: str, output: Path) -> None:
    """Write an inventory to a file (written atomically)."""
    from zerocity.inventory.exports import export_inventory

    data = export_inventory(_get_inventory(city_slug, year), fmt)
    write_atomically(output, data)
    click.echo(f"wrote {output} ({len(data):,} bytes)")


@inventory.command("publish")
@city_opt
@year_opt
@handles_errors
def inventory_publish(city_slug: str, year: int) -> None:
    """Make an inventory public."""
    from zerocity.inventory.services import publish_inventory

    inv = publish_inventory(_get_inventory(city_slug, year), actor=ACTOR)
    click.echo(f"{inv} published {inv.published_at:%Y-%m-%d %H:%M}")


@inventory.command("unpublish")
@city_opt
@year_opt
@click.option("--reason", required=True)
@handles_errors
def inventory_unpublish(city_slug: str, year: int, reason: str) -> None:
    """Withdraw an inventory from the public, with a reason."""
    from zerocity.inventory.services import unpublish_inventory

    inv = unpublish_inventory(_get_inventory(city_slug, year), reason=reason, actor=ACTOR)
    click.echo(f"{inv} is a draft again")


@inventory.command("set-gwp")
@city_opt
@year_opt
@click.argument("gwp")
@handles_errors
def inventory_set_gwp(city_slug: str, year: int, gwp: str) -> None:
    """Change the GWP set of a draft inventory (gas amounts are kept as they are)."""
    from zerocity.inventory.services import set_gwp

    try:
        inv = set_gwp(_get_inventory(city_slug, year), gwp, actor=ACTOR)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    click.echo(f"{inv}: GWP set {inv.gwp}")


@inventory.command("list")
@city_opt
@handles_errors
def inventory_list(city_slug: str) -> None:
    """List a city's inventories."""
    from zerocity.core.selectors import get_city
    from zerocity.inventory.selectors import city_inventories

    for inv in city_inventories(get_city(city_slug)):
        flag = " (illustrative)" if inv.illustrative else ""
        click.echo(f"{inv.year}\t{inv.status}\t{inv.gwp}\t{inv.n_lines} lines{flag}")


# -- emission factors --------------------------------------------------------------------------

@click.group()
def factor() -> None:
    """The emission factor library."""


@factor.command("list")
@click.option("--city", "city_slug", help="Also list this city's own factors.")
@handles_errors
def factor_list(city_slug: str | None) -> None:
    """List factors (tonnes of gas per unit of activity)."""
    from zerocity.core.selectors import get_city
    from zerocity.inventory.selectors import factors_for

    factors = factors_for(get_city(city_slug) if city_slug else None)
    click.echo("source:key\tyear\tv\tunit\tCO2\tCH4\tN2O\tbiogenic CO2\tcity")
    for f in factors:
        click.echo(f"{f.source}:{f.key}\t{f.year}\t{f.version}\t{f.unit}\t{f.co2:g}\t{f.ch4:g}\t"
                   f"{f.n2o:g}\t{f.co2_biogenic:g}\t{f.city.slug if f.city else '-'}")


@factor.command("add")
@city_opt
@click.option("--source", required=True, help="Short name of the source, e.g. kranj-ccc-2018.")
@click.option("--key", required=True, help="Carrier or activity key, e.g. natural_gas.")
@click.option("--year", type=int, required=True)
@click.option("--unit", required=True, help="Unit of activity the factor is per, e.g. MWh.")
@click.option("--co2", type=float, default=0.0, help="t CO2 per unit")
@click.option("--ch4", type=float, default=0.0, help="t CH4 per unit")
@click.option("--n2o", type=float, default=0.0, help="t N2O per unit")
@click.option("--co2-biogenic", type=float, default=0.0, help="t biogenic CO2 per unit")
@click.option("--non-fossil", is_flag=True, help="CH4 from this factor is non-fossil.")
@click.option("--label", default="")
@handles_errors
def factor_add(city_slug: str, source: str, key: str, year: int, unit: str, co2: float,
               ch4: float, n2o: float, co2_biogenic: float, non_fossil: bool,
               label: str) -> None:
    """Add a city's own factor (a new version if it differs from the latest)."""
    from zerocity.core.selectors import get_city
    from zerocity.inventory.services import add_factor

    f = add_factor(city=get_city(city_slug), source=source, key=key, year=year, unit=unit,
                   co2=co2, ch4=ch4, n2o=n2o, co2_biogenic=co2_biogenic,
                   fossil=not non_fossil, label=label, actor=ACTOR)
    click.echo(f"{f.source}:{f.key} {f.year} v{f.version}")


@factor.command("local-electricity")
@city_opt
@click.option("--year", type=int, required=True)
@click.option("--consumption", type=float, required=True, help="TCE: total consumption, MWh")
@click.option("--local-production", type=float, default=0.0, help="LPE, MWh")
@click.option("--green-purchases", type=float, default=0.0, help="GEP, MWh")
@click.option("--national-factor", type=float, required=True, help="NEEFE, t CO2/MWh")
@click.option("--local-production-emissions", type=float, default=0.0, help="CO2LPE, t")
@click.option("--green-purchase-emissions", type=float, default=0.0, help="CO2GEP, t")
@handles_errors
def factor_local_electricity(city_slug: str, year: int, consumption: float,
                             local_production: float, green_purchases: float,
                             national_factor: float, local_production_emissions: float,
                             green_purchase_emissions: float) -> None:
    """Compute and store the Covenant of Mayors local electricity factor (com-local:electricity).
    """
    from zerocity.core.selectors import get_city
    from zerocity.inventory.services import add_local_electricity_factor

    try:
        f = add_local_electricity_factor(
            get_city(city_slug), year, total_consumption=consumption,
            local_production=local_production, green_purchases=green_purchases,
            national_factor=national_factor,
            local_production_emissions=local_production_emissions,
            green_purchase_emissions=green_purchase_emissions, actor=ACTOR,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    click.echo(f"com-local:electricity {f.year} v{f.version} = {f.co2:.6g} t CO2/MWh")
