"""``zerocity plan``: the 2030 climate neutrality action plan."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from zerocity.plan.models import ReportingRound

from zerocity.core.cli import ACTOR, city_opt, handles_errors, write_atomically


@click.group()
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
    from zerocity.plan.selectors import baseline_inventory
    from zerocity.plan.services import load_plan

    try:
        data = json.loads(file.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        click.echo(f"error: {file}: line {exc.lineno}, column {exc.colno}: {exc.msg}",
                   err=True)
        sys.exit(1)
    baseline = baseline_inventory(city_slug, baseline_year)
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
    write_atomically(output, data)
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
    # The plan workbook is refused with the inventory importer's error, which lists every line.
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


# -- reporting rounds (docs/reminders.md) ------------------------------------------------------

def _round_out(rnd: ReportingRound) -> None:
    from zerocity.plan.rounds import summary

    click.echo(json.dumps(summary(rnd), indent=2, ensure_ascii=False))


@plan.command("round-cutoffs")
@city_opt
@click.argument("days", nargs=-1, required=True)
@handles_errors
def plan_round_cutoffs(city_slug: str, days: tuple[str, ...]) -> None:
    """Set the city's reporting cut-off days, as MM-DD (Oslo's: 04-30 08-31 12-31)."""
    from zerocity.plan.rounds import set_cutoffs
    from zerocity.plan.selectors import plan_for_city

    p = set_cutoffs(plan_for_city(city_slug), list(days), actor=ACTOR)
    click.echo(f"{city_slug}: cut-offs {', '.join(p.reporting_cutoffs)}")


@plan.command("round-open")
@city_opt
@click.option("--cutoff", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The round's cut-off day [default: the next one].")
@handles_errors
def plan_round_open(city_slug: str, cutoff: datetime | None) -> None:
    """Open the reporting round of a cut-off day (JSON: its units and their status)."""
    from zerocity.plan.rounds import open_round
    from zerocity.plan.selectors import plan_for_city

    p = plan_for_city(city_slug)
    _round_out(open_round(p, p.city.calendar.today(), cutoff.date() if cutoff else None,
                          actor=ACTOR))


@plan.command("round-report")
@city_opt
@click.option("--unit", required=True, help="The department's slug.")
@click.option("--status", "statuses", multiple=True, required=True,
              help="CODE=STATUS for each of the unit's actions (not_started, on_time, late, "
              "completed, cancelled); repeat.")
@click.option("--note", default="")
@handles_errors
def plan_round_report(city_slug: str, unit: str, statuses: tuple[str, ...], note: str) -> None:
    """Report a unit's actions' status in the open round."""
    from zerocity.core.errors import NotFound
    from zerocity.core.models import Department
    from zerocity.plan.rounds import get_round, report
    from zerocity.plan.selectors import plan_for_city

    p = plan_for_city(city_slug)
    department = Department.objects.filter(city=p.city, slug=unit).first()
    if department is None:
        raise NotFound(f"no department {unit!r} in {city_slug}")
    pairs = dict(s.partition("=")[::2] for s in statuses)
    rnd = get_round(p)
    report(rnd, department, pairs, note, actor=ACTOR)
    _round_out(rnd)


@plan.command("round-close")
@city_opt
@handles_errors
def plan_round_close(city_slug: str) -> None:
    """Close the open round; refused (exit 1) while a unit has not reported, naming each."""
    from zerocity.plan.rounds import close_round, get_round
    from zerocity.plan.selectors import plan_for_city

    _round_out(close_round(get_round(plan_for_city(city_slug)), actor=ACTOR))


@plan.command("round-show")
@city_opt
@click.option("--cutoff", type=click.DateTime(formats=["%Y-%m-%d"]))
@handles_errors
def plan_round_show(city_slug: str, cutoff: datetime | None) -> None:
    """The round (the open one, else the latest): each unit and its status."""
    from zerocity.plan.rounds import get_round
    from zerocity.plan.selectors import plan_for_city

    _round_out(get_round(plan_for_city(city_slug), cutoff.date() if cutoff else None))
