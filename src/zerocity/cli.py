"""The ``zerocity`` command line. Each command parses its options, calls one service and
prints the result; errors a person can fix end with exit code 1 and a plain message."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from zerocity.data.generate import command as generate_data

F = TypeVar("F", bound=Callable[..., Any])
ACTOR = "cli:" + os.environ.get("USER", "unknown")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zerocity.settings")
    import django

    django.setup()


def handles_errors(fn: F) -> F:
    """Turn the errors a person can act on into a message and exit code 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from zerocity.core.errors import ZeroCityError

        try:
            return fn(*args, **kwargs)
        except ZeroCityError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zerocity")
def main() -> None:
    """ZeroCity: the platform a city runs its climate-neutral transition on.

    Data lives under ./var unless ZEROCITY_DATA_DIR says otherwise; DATABASE_URL switches the
    database to PostgreSQL.
    """
    _setup()


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema and seed the reference data."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "8000")),
              show_default="8000 or $PORT")
@click.option("--threads", type=int, default=8, show_default=True)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the site and the API with the waitress WSGI server."""
    from waitress import serve as waitress_serve

    from zerocity.wsgi import application

    click.echo(f"ZeroCity on http://{host}:{port}/  (Ctrl+C stops)")
    waitress_serve(application, host=host, port=port, threads=threads, ident="zerocity")


@main.command()
@click.option("--serve/--no-serve", "then_serve", default=True, show_default=True,
              help="Serve the site once the demo is loaded.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "8000")),
              show_default="8000 or $PORT")
@handles_errors
def demo(then_serve: bool, host: str, port: int) -> None:
    """Migrate, load the Kranj demo (idempotent) and serve it."""
    from django.core.management import call_command

    from zerocity.demo.kranj import load_demo

    call_command("migrate", interactive=False, verbosity=0)
    report = load_demo(actor=ACTOR)
    for line in report:
        click.echo(line)
    if then_serve:
        ctx = click.get_current_context()
        ctx.invoke(serve, host=host, port=port)


@main.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command (``zerocity manage check --deploy``)."""
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zerocity manage", *args])


# -- cities and people -------------------------------------------------------------------------

@main.group()
def city() -> None:
    """Cities (tenants)."""


@city.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The city's name, e.g. Kranj.")
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. SI.")
@click.option("--population", type=click.IntRange(min=0), help="Resident population.")
@click.option("--language", default="en", show_default=True, help="Default language.")
@handles_errors
def city_create(slug: str, name: str, country: str, population: int | None,
                language: str) -> None:
    """Create a city. Creating it again with the same name and country changes nothing."""
    from zerocity.core.services import create_city

    c = create_city(slug, name=name, country=country, population=population,
                    language=language, actor=ACTOR)
    click.echo(f"city {c.slug}: {c.name} ({c.country})")


@city.command("list")
def city_list() -> None:
    """List the cities."""
    from zerocity.core.models import City

    for c in City.objects.all():
        click.echo(f"{c.slug}\t{c.name}\t{c.country}\t{c.population or ''}")


@main.group()
def user() -> None:
    """People and their roles."""


@user.command("grant")
@click.argument("username")
@click.option("--city", "city_slug", required=True)
@click.option("--role", type=click.Choice(["citizen", "staff", "admin"]), required=True)
@click.option("--department", help="Department slug (required for staff); created if new.")
@click.option("--email", default="")
@click.option("--password-stdin", is_flag=True, help="Read a new password from standard input.")
@handles_errors
def user_grant(username: str, city_slug: str, role: str, department: str | None, email: str,
               password_stdin: bool) -> None:
    """Give USERNAME (created if new) a role in a city."""
    from zerocity.core.services import ensure_department, grant_role
    from zerocity.inventory.services import get_city

    c = get_city(city_slug)
    dept = ensure_department(c, department, department.replace("-", " ").title()) \
        if department else None
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    m = grant_role(c, username, role, department=dept, email=email, password=password,
                   actor=ACTOR)
    click.echo(f"{username} is {m.role} in {c.slug}")


# -- inventory ---------------------------------------------------------------------------------

@main.group()
def inventory() -> None:
    """GHG inventories (GPC)."""


city_opt = click.option("--city", "city_slug", required=True, help="City slug.")
year_opt = click.option("--year", type=click.IntRange(1990, 2100), required=True)


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
    from zerocity.inventory.services import get_city, import_activity_file

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


def _get_inventory(city_slug: str, year: int) -> Any:
    from zerocity.core.errors import NotFound
    from zerocity.inventory.models import Inventory
    from zerocity.inventory.services import get_city

    c = get_city(city_slug)
    inv = Inventory.objects.filter(city=c, year=year).select_related("city").first()
    if inv is None:
        raise NotFound(f"no inventory {year} for {c.slug}")
    return inv


@inventory.command("rejected")
@city_opt
@click.option("--id", "rejected_id", type=int, help="Print this refused file's errors.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="With --id: write the refused file here to fix and send again.")
@handles_errors
def inventory_rejected(city_slug: str, rejected_id: int | None, output: Path | None) -> None:
    """List refused import files kept in quarantine, or show one."""
    from zerocity.core.errors import NotFound
    from zerocity.inventory.models import RejectedImport
    from zerocity.inventory.services import get_city

    qs = RejectedImport.objects.filter(city=get_city(city_slug))
    if rejected_id is None:
        for r in qs:
            click.echo(f"{r.pk}\t{r.at:%Y-%m-%d %H:%M}\t{r.year}\t{r.filename}\t"
                       f"{len(r.errors)} errors\t{r.actor_label}")
        return
    r = qs.filter(pk=rejected_id).first()
    if r is None:
        raise NotFound(f"no refused file {rejected_id} for {city_slug}")
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
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(output)
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
    from zerocity.inventory.models import Inventory
    from zerocity.inventory.services import get_city

    for inv in Inventory.objects.filter(city=get_city(city_slug)).order_by("year"):
        flag = " (illustrative)" if inv.illustrative else ""
        click.echo(f"{inv.year}\t{inv.status}\t{inv.gwp}\t{inv.lines.count()} lines{flag}")


# -- action plan -------------------------------------------------------------------------------

@main.group()
def plan() -> None:
    """The 2030 climate neutrality action plan."""


@plan.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@city_opt
@click.option("--baseline-year", type=int, required=True,
              help="Year of the city's inventory the plan starts from.")
@handles_errors
def plan_load(file: Path, city_slug: str, baseline_year: int) -> None:
    """Create or update a city's plan from a JSON file (see docs/plan.md)."""
    from zerocity.plan.services import load_plan

    try:
        data = json.loads(file.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        click.echo(f"error: {file}: line {exc.lineno}, column {exc.colno}: {exc.msg}",
                   err=True)
        sys.exit(1)
    baseline = _get_inventory(city_slug, baseline_year)
    p = load_plan(baseline.city, baseline, data, actor=ACTOR)
    click.echo(f"{p.title}: {p.actions.count()} actions, {p.policies.count()} policies, "
               f"{p.indicators.count()} indicators")


@plan.command("gap")
@city_opt
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table",
              show_default=True)
@handles_errors
def plan_gap(city_slug: str, fmt: str) -> None:
    """Print the emission-gap table A-2.1 (tCO2e): baseline, target, existing, gap,
    portfolio, residual per sector and in total."""
    from zerocity.plan.selectors import gap_table, plan_for_city

    table = gap_table(plan_for_city(city_slug))
    if fmt == "json":
        click.echo(json.dumps(table.as_dict(), indent=2))
        return
    cols = ("baseline", "target", "existing", "gap", "portfolio", "residual")
    click.echo(f"{'':16}" + "".join(f"{c:>12}" for c in cols))
    for name, row in [*table.sectors.items(), ("TOTAL", table.total)]:
        click.echo(f"{name:16}" + "".join(f"{getattr(row, c):>12,.0f}" for c in cols))
    click.echo(f"residual {table.residual_share:.1%} of the baseline"
               + ("  ABOVE THE 20 % LIMIT" if table.residual_too_high else ""))
    if not table.portfolio_closes_gap:
        click.echo(f"the portfolio leaves {table.total.shortfall:,.0f} tCO2e of the gap open")


@plan.command("export")
@city_opt
@click.option("--out", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="The .xlsx file to write.")
@handles_errors
def plan_export(city_slug: str, output: Path) -> None:
    """Write the plan as an .xlsx workbook to edit and import again (written atomically)."""
    from zerocity.plan.excel import export_plan
    from zerocity.plan.selectors import plan_for_city

    data = export_plan(plan_for_city(city_slug))
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(output)
    click.echo(f"wrote {output} ({len(data):,} bytes)")


@plan.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@city_opt
@handles_errors
def plan_import(file: Path, city_slug: str) -> None:
    """Apply a plan workbook written by `plan export` and edited (see docs/plan.md).

    A workbook with errors is refused whole, listing each as
    `Sheet!row N, column "Header": reason`; nothing is stored.
    """
    from zerocity.inventory.parsing import ImportRejected
    from zerocity.plan.excel import import_plan
    from zerocity.plan.selectors import plan_for_city

    p = plan_for_city(city_slug)
    try:
        result = import_plan(p, file.read_bytes(), filename=file.name, actor=ACTOR)
    except ImportRejected as exc:
        n = len(exc.errors)
        click.echo(f"error: {file.name} refused, nothing was imported "
                   f"({n} error{'' if n == 1 else 's'}):", err=True)
        for line in exc.errors:
            click.echo(line, err=True)
        sys.exit(1)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{city_slug}: {file.name}: {result}")
    for change in result.changes:
        click.echo(f"  {change}")


# -- emission factors --------------------------------------------------------------------------

@main.group()
def factor() -> None:
    """The emission factor library."""


@factor.command("list")
@click.option("--city", "city_slug", help="Also list this city's own factors.")
@handles_errors
def factor_list(city_slug: str | None) -> None:
    """List factors (tonnes of gas per unit of activity)."""
    from django.db.models import Q

    from zerocity.inventory.models import EmissionFactor
    from zerocity.inventory.services import get_city

    q = Q(city__isnull=True)
    if city_slug:
        q |= Q(city=get_city(city_slug))
    click.echo("source:key\tyear\tv\tunit\tCO2\tCH4\tN2O\tbiogenic CO2\tcity")
    for f in EmissionFactor.objects.filter(q).select_related("city"):
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
    from zerocity.inventory.services import add_factor, get_city

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
    from zerocity.inventory.services import add_local_electricity_factor, get_city

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


# -- data platform -----------------------------------------------------------------------------

@main.group()
def data() -> None:
    """The city data platform: sources, tokens, ingest and quarantine."""


data.add_command(generate_data, "generate")


@data.group("source")
def data_source() -> None:
    """Data sources: who sends which readings, in which units and ranges."""


def _quantity(text: str) -> tuple[str, dict[str, Any]]:
    parts = text.split(":")
    if len(parts) < 2 or len(parts) > 4 or not parts[0] or not parts[1]:
        raise click.BadParameter(f"{text!r}: write NAME:UNIT[:MIN[:MAX]], e.g. "
                                 "active_energy:kWh:0:100000", param_hint="--quantity")
    spec: dict[str, Any] = {"unit": parts[1]}
    for name, value in zip(("min", "max"), parts[2:], strict=False):
        if value != "":
            try:
                spec[name] = float(value)
            except ValueError:
                raise click.BadParameter(f"{text!r}: {name} {value!r} is not a number",
                                         param_hint="--quantity") from None
    return parts[0], spec


@data_source.command("add")
@click.argument("key")
@city_opt
@click.option("--kind", required=True, help="electricity_meters, gas_meters, heat_meters, "
              "fuel_sales, traffic_counters, air_quality, noise, waste_weighings, bike_counts, "
              "bus_counts, city_card_usage or pv_production.")
@click.option("--name", required=True)
@click.option("--quantity", "quantities", multiple=True, required=True,
              help="NAME:UNIT[:MIN[:MAX]], e.g. active_energy:kWh:0:100000 (repeat it).")
@click.option("--owner", default="", help="The organisation that supplies the data.")
@click.option("--frequency", default="hourly", show_default=True,
              help="1min, 5min, 10min, 15min, 30min, hourly, daily, monthly or irregular.")
@click.option("--timezone", "tz", default="Europe/Ljubljana", show_default=True,
              help="How times without a UTC offset are read.")
@click.option("--licence", default="")
@click.option("--publication", type=click.Choice(["private", "aggregated", "open"]),
              default="private", show_default=True,
              help="What the open data may show: nothing; monthly aggregates of enough meters "
              "(households, firms); or monthly aggregates however few the devices (sensors).")
@click.option("--description", default="")
@handles_errors
def data_source_add(key: str, city_slug: str, kind: str, name: str,
                    quantities: tuple[str, ...], owner: str, frequency: str, tz: str,
                    licence: str, publication: str, description: str) -> None:
    """Register data source KEY for a city (again with the same definition: unchanged)."""
    from zerocity.data.services import add_source
    from zerocity.inventory.services import get_city

    schema = dict(_quantity(q) for q in quantities)
    s = add_source(get_city(city_slug), key, name=name, kind=kind, schema=schema, owner=owner,
                   frequency=frequency, timezone=tz, licence=licence,
                   publication=publication, description=description, actor=ACTOR)
    click.echo(f"source {s.city.slug}/{s.key}: {s.name} ({s.kind}, {s.frequency}); "
               + ", ".join(f"{q} [{v['unit']}]" for q, v in sorted(s.schema.items())))


@data_source.command("list")
@city_opt
@handles_errors
def data_source_list(city_slug: str) -> None:
    """List a city's data sources."""
    from django.db.models import Count, Q

    from zerocity.data.models import DataSource
    from zerocity.inventory.services import get_city

    qs = DataSource.objects.filter(city=get_city(city_slug)).annotate(
        active_tokens=Count("tokens", filter=Q(tokens__revoked_at__isnull=True)),
        n_batches=Count("batches", distinct=True))
    for s in qs.order_by("key"):
        quantities = ",".join(f"{q}[{v['unit']}]" for q, v in sorted(s.schema.items()))
        click.echo(f"{s.key}\t{s.kind}\t{s.frequency}\t{quantities}\t{s.owner}\t"
                   f"{s.active_tokens} tokens\t{s.n_batches} batches")


source_opt = click.option("--source", "source_key", required=True, help="Data source key.")


def _get_source(city_slug: str, key: str) -> Any:
    from zerocity.data.services import get_source
    from zerocity.inventory.services import get_city

    return get_source(get_city(city_slug), key)


@data.group("token")
def data_token() -> None:
    """API tokens that let a device or a utility push readings to one source."""


@data_token.command("issue")
@city_opt
@source_opt
@click.option("--name", required=True, help="Who or what uses the token.")
@handles_errors
def data_token_issue(city_slug: str, source_key: str, name: str) -> None:
    """Issue a token; its secret is printed once and never stored."""
    from zerocity.data.services import issue_token

    token, secret = issue_token(_get_source(city_slug, source_key), name, actor=ACTOR)
    click.echo(secret)
    click.echo(f"token {token.prefix}… ({token.name}) for {city_slug}/{source_key}: the "
               "secret above is shown only now", err=True)


@data_token.command("revoke")
@city_opt
@source_opt
@click.argument("prefix")
@handles_errors
def data_token_revoke(city_slug: str, source_key: str, prefix: str) -> None:
    """Revoke the source's token whose secret starts with PREFIX."""
    from zerocity.core.errors import NotFound
    from zerocity.data.services import revoke_token

    source = _get_source(city_slug, source_key)
    found = [t for t in source.tokens.all() if t.prefix.startswith(prefix[:8])]
    if len(found) != 1:
        raise NotFound(f"{len(found)} tokens of {city_slug}/{source_key} start with {prefix!r}"
                       "; give the 8-character prefix `data token list` shows")
    token = revoke_token(found[0], actor=ACTOR)
    click.echo(f"token {token.prefix}… ({token.name}) revoked {token.revoked_at:%Y-%m-%d %H:%M}")


@data_token.command("list")
@city_opt
@source_opt
@handles_errors
def data_token_list(city_slug: str, source_key: str) -> None:
    """List a source's tokens (prefixes only; secrets are never stored)."""
    for t in _get_source(city_slug, source_key).tokens.order_by("created_at"):
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        click.echo(f"{t.prefix}\t{t.name}\t{t.created_at:%Y-%m-%d}\t{t.created_by}\t{state}")


@data.command("ingest")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@city_opt
@source_opt
@click.option("--chunk-rows", type=click.IntRange(min=1000), default=None, hidden=True)
@handles_errors
def data_ingest(file: Path, city_slug: str, source_key: str, chunk_rows: int | None) -> None:
    """Ingest readings from FILE (.csv, .parquet or .xlsx), streamed in chunks.

    Rows that fail a rule are kept in quarantine as `line N, column C: reason`; the others
    are stored. Sending the same readings again changes nothing. Exit code 1 when nothing
    could be accepted.
    """
    from zerocity.data.intake import CHUNK_ROWS
    from zerocity.data.models import Batch
    from zerocity.data.services import ingest_file

    source = _get_source(city_slug, source_key)
    before = Batch.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with click.progressbar(length=1, label=file.name, file=sys.stderr,
                           show_percent=True) as bar:
        done = 0

        def progress(position: int, total: int) -> None:
            nonlocal done
            bar.length = max(total, position, 1)
            bar.update(max(position - done, 0))
            done = max(done, position)

        batch = ingest_file(source, file, filename=file.name, actor=ACTOR, progress=progress,
                            chunk_rows=chunk_rows or CHUNK_ROWS)
    if batch.pk <= before:
        click.echo(f"{file.name} is identical to batch {batch.pk}, accepted before: nothing "
                   "written")
    for line in _batch_summary(batch):
        click.echo(line)
    if batch.status == "rejected":
        for row in batch.quarantine.order_by("line", "id")[:20]:
            click.echo(str(row), err=True)
        sys.exit(1)


def _batch_summary(batch: Any) -> list[str]:
    out = [f"batch {batch.pk} ({batch.status}): received {batch.received:,}, accepted "
           f"{batch.accepted:,}, duplicates {batch.duplicates:,}, rejected {batch.rejected:,}"]
    if batch.first_reading:
        out.append(f"readings from {batch.first_reading:%Y-%m-%d %H:%M} to "
                   f"{batch.last_reading:%Y-%m-%d %H:%M} UTC")
    gaps = batch.summary.get("gaps") or {}
    if gaps:
        out.append(f"gaps: {gaps['meters']:,} meters, {gaps['missing']:,} readings missing "
                   f"(expected every {gaps['expected_every']})")
        for g in gaps["by_meter"][:10]:
            out.append(f"  {g['meter']} {g['quantity']}: {g['missing']:,} missing "
                       f"({g['observed']:,} of {g['expected']:,})")
    if batch.summary.get("ambiguous_local_times"):
        out.append(f"{batch.summary['ambiguous_local_times']:,} readings at local times the "
                   "clocks repeat were read as the first of the two")
    if batch.rejected:
        out.append(f"rejected rows: zerocity data quarantine --batch {batch.pk}")
    return out


@data.command("quarantine")
@click.option("--batch", "batch_id", type=int, required=True)
@click.option("--out", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the CSV here (atomically) instead of printing it.")
@handles_errors
def data_quarantine(batch_id: int, output: Path | None) -> None:
    """A batch's rejected rows as CSV: line, column, reason and the row as sent."""
    from zerocity.core.errors import NotFound
    from zerocity.data.models import Batch
    from zerocity.data.selectors import quarantine_csv

    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(f"no batch {batch_id}")
    if output is None:
        for part in quarantine_csv(batch):
            click.echo(part, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        for part in quarantine_csv(batch):
            f.write(part)
    tmp.replace(output)
    click.echo(f"wrote {output} ({batch.quarantine.count():,} rows)")


@data.command("batches")
@city_opt
@source_opt
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@handles_errors
def data_batches(city_slug: str, source_key: str, limit: int) -> None:
    """List a source's latest batches."""
    for b in _get_source(city_slug, source_key).batches.order_by("-id")[:limit]:
        click.echo(f"{b.pk}\t{b.created_at:%Y-%m-%d %H:%M}\t{b.origin}\t{b.status}\t"
                   f"{b.received}\t{b.accepted}\t{b.duplicates}\t{b.rejected}\t{b.filename}")


@data.command("feed-inventory")
@city_opt
@click.option("--year", type=int, required=True, help="The inventory year to feed.")
@handles_errors
def data_feed_inventory(city_slug: str, year: int) -> None:
    """Put the year's measured lines (metered electricity, gas, district heat) into the city's
    inventory for YEAR, superseding the estimates of the same carrier and sub-sector. Again
    with the same readings: unchanged."""
    from zerocity.data.outputs import feed_inventory
    from zerocity.inventory.services import get_city

    result = feed_inventory(get_city(city_slug), year, actor=ACTOR)
    for m in result.plan.lines:
        cover = "-" if m.coverage is None else f"{m.coverage:.1%}"
        click.echo(f"{m.gpc_ref}\t{m.activity}\t{m.mwh:,.3f} MWh\tcoverage {cover}\t"
                   f"quality {m.data_quality}\t{', '.join(m.sources)}")
    if result.feed is None:
        click.echo(f"inventory {city_slug} {year} already holds these figures: unchanged")
    else:
        click.echo(f"inventory {city_slug} {year}: {len(result.plan.lines)} measured lines, "
                   f"{len(result.feed.superseded)} estimates superseded (kept in feed "
                   f"#{result.feed.pk})")


@data.command("feed-indicators")
@city_opt
@handles_errors
def data_feed_indicators(city_slug: str) -> None:
    """Record the plan indicators computed from readings, for every year they cover well
    enough."""
    from zerocity.data.outputs import feed_indicators, indicator_values
    from zerocity.inventory.services import get_city

    city = get_city(city_slug)
    for v in indicator_values(city):
        cover = "-" if v.coverage is None else f"{v.coverage:.1%}"
        state = "recorded" if v.complete else "year not complete"
        click.echo(f"{v.feed.indicator.code}\t{v.year}\t{v.value:,.3f} {v.feed.indicator.unit}"
                   f"\tcoverage {cover}\t{state}")
    click.echo(f"{len(feed_indicators(city, actor=ACTOR))} observations recorded or confirmed")


@data.command("open-data")
@city_opt
@click.option("--dataset", "key", required=True,
              help="energy-use, monthly-series or emissions-nowcast.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "parquet"]), default="csv",
              show_default=True)
@click.option("--out", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              required=True)
@handles_errors
def data_open_data(city_slug: str, key: str, fmt: str, output: Path) -> None:
    """Write one open dataset (what the API serves) to a file, atomically."""
    from zerocity.data import opendata
    from zerocity.inventory.services import get_city

    body = opendata.download(get_city(city_slug), key, fmt)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_bytes(body)
    tmp.replace(output)
    click.echo(f"wrote {output} ({len(body):,} bytes)")


@main.group()
def card() -> None:
    """The city card: ledger, ridership, stops and retention."""


@card.command("reconcile")
@city_opt
@handles_errors
def card_reconcile(city_slug: str) -> None:
    """Prove every cached balance equals the sum of its entries and every transaction is
    balanced; exits 1 and lists the differences otherwise."""
    from zerocity.card.services import reconcile
    from zerocity.inventory.services import get_city

    result = reconcile(get_city(city_slug))
    for problem in result.problems:
        click.echo(problem)
    click.echo(f"{result.accounts} accounts, {result.transactions} transactions: "
               + ("reconciled" if result.clean else f"{len(result.problems)} differences"))
    if not result.clean:
        raise SystemExit(1)


@card.command("ridership")
@city_opt
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--publish", is_flag=True, help="hand the month's totals to the data platform")
@handles_errors
def card_ridership(city_slug: str, month: str, publish: bool) -> None:
    """A month's boardings, transfers, passenger-km and avoided car emissions."""
    from datetime import date

    from zerocity.card import ridership
    from zerocity.inventory.services import get_city

    city = get_city(city_slug)
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise click.BadParameter(f"{month!r} is not YYYY-MM", param_hint="--month") from None
    r = ridership.analyse(city, first)
    click.echo(f"{month}: {r.legs} boardings (bus {r.legs_by_mode['bus']}, bike "
               f"{r.legs_by_mode['bike']}), {r.riders} riders, {r.transfers} transfers")
    click.echo(f"passenger-km: bus {r.passenger_km['bus']:,.1f}, bike "
               f"{r.passenger_km['bike']:,.1f}; car emissions avoided {r.avoided_t:,.2f} t CO2e")
    if publish:
        batch = ridership.publish(city, first, actor="cli")
        click.echo(f"published: batch {batch.pk}, {batch.status}")


@card.command("stops")
@city_opt
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@handles_errors
def card_stops(city_slug: str, path: str) -> None:
    """Load the stops of a GTFS stops.txt (for boardings per stop and trip distances)."""
    from pathlib import Path

    from zerocity.card import ridership
    from zerocity.inventory.services import get_city

    try:
        n = ridership.load_stops(get_city(city_slug), Path(path).read_text(encoding="utf-8"),
                                 actor="cli")
    except ridership.StopsError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    click.echo(f"{n} stops loaded")


@card.command("retention")
@city_opt
@handles_errors
def card_retention(city_slug: str) -> None:
    """Erase where and with which card old trips were made, and destroy old pseudonym keys
    (run it daily; ZEROCITY_CARD_TRIP_RETENTION_DAYS sets the window)."""
    from zerocity.card import ridership
    from zerocity.inventory.services import get_city

    erased = ridership.apply_retention(get_city(city_slug))
    click.echo(f"{erased.taps} taps erased, {erased.keys} pseudonym keys destroyed")


@main.group()
def food() -> None:
    """Local food procurement through the city's Dynamic Purchasing System."""


@food.command("tick")
@city_opt
@handles_errors
def food_tick(city_slug: str) -> None:
    """Move every DPS on to where its time limits put it (run it every few minutes): unseal
    initial requests at the initial deadline, activate, terminate at the end of validity,
    exclude members whose renewed self-declaration is late, close specific procurements for
    tenders at their deadline; list overdue decisions and contract award notices."""
    from django.utils.timezone import now

    from zerocity.food import dps
    from zerocity.inventory.services import get_city

    moved = dps.tick(get_city(city_slug), now())
    click.echo(f"unsealed {moved.unsealed}, activated {len(moved.activated)}, terminated "
               f"{len(moved.terminated)}, excluded {moved.excluded}; decisions overdue: "
               f"{len(moved.overdue)}")
    if moved.overdue:
        click.echo("overdue requests: " + ", ".join(str(pk) for pk in moved.overdue))
    if moved.closed_for_tenders:
        click.echo("closed for tenders, to be opened: " + ", ".join(moved.closed_for_tenders))
    if moved.notices_overdue:
        click.echo("contract award notices overdue (DPS-62): "
                   + ", ".join(moved.notices_overdue))


@food.command("publish")
@city_opt
@click.option("--year", type=int, required=True)
@handles_errors
def food_publish(city_slug: str, year: int) -> None:
    """Hand the year's delivery outcomes per institution and month to the data platform (the
    open dataset food-deliveries, which feeds the plan's indicators)."""
    from zerocity.food.factors import ensure
    from zerocity.food.outcomes import publish
    from zerocity.inventory.services import get_city

    ensure()
    batch = publish(get_city(city_slug), year, actor="cli")
    click.echo(f"batch {batch.pk}: {batch.accepted} readings accepted, "
               f"{batch.rejected} rejected")


@food.command("export-ocds")
@city_opt
@click.option("--uri", default=None, help="where the package is published")
@handles_errors
def food_export_ocds(city_slug: str, uri: str | None) -> None:
    """Print an OCDS 1.1 release package (Techniques extension) of every procedure."""
    import json

    from zerocity.food.ocds import release_package
    from zerocity.inventory.services import get_city

    click.echo(json.dumps(release_package(get_city(city_slug), uri), ensure_ascii=False,
                          indent=2))


@main.group()
def engage() -> None:
    """The citizen platform: the weekly digest and the census file of the resident check."""


@engage.command("digest")
@city_opt
@handles_errors
def engage_digest(city_slug: str) -> None:
    """Send the weekly digest (run it once a week): one mail per person with what their inbox
    got in the last 7 days and was not mailed yet."""
    from zerocity.engage.notify import digest
    from zerocity.inventory.services import get_city

    click.echo(f"{digest(get_city(city_slug))} digest mails sent")


@engage.command("tick")
@city_opt
@handles_errors
def engage_tick(city_slug: str) -> None:
    """Announce the articles that have appeared to their topic's followers (run it every few
    minutes)."""
    from zerocity.engage.news import announce
    from zerocity.inventory.services import get_city

    click.echo(f"{announce(get_city(city_slug))} articles announced")


@engage.command("census")
@city_opt
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@handles_errors
def engage_census(city_slug: str, path: str) -> None:
    """Load the census file of the resident check (CSV: resident_number, birth_date,
    district); only keyed hashes are stored. It replaces the one loaded before."""
    from pathlib import Path

    from zerocity.engage.verification import load_census
    from zerocity.inventory.services import get_city

    count = load_census(get_city(city_slug), Path(path).read_text(encoding="utf-8"),
                        actor="cli")
    click.echo(f"{count} residents loaded")


if __name__ == "__main__":
    main()

