"""``zerocity budget``: the city's budget tagged for the climate (docs/budget.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from zerocity.core.cli import ACTOR, city_opt, handles_errors, write_atomically, year_opt

STAGES = click.Choice(["adopted", "revised", "final"])
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def budget() -> None:
    """The city's budget, each line tagged for mitigation and adaptation."""


@budget.command("import")
@click.argument("file", type=FILE)
@city_opt
@year_opt
@click.option("--stage", type=STAGES, required=True)
@click.option("--totals", type=FILE, help="The decree's totals per account group (CSV: group, "
              "amount_eur); the lines must add up to them to the cent.")
@handles_errors
def budget_import(file: Path, city_slug: str, year: int, stage: str,
                  totals: Path | None) -> None:
    """Import one stage of a year's budget from CSV or xlsx (columns in docs/budget.md).

    A file with mistakes is refused whole, each listed as `line N, column "name": reason`.
    """
    from zerocity.budget.importing import ImportRejected
    from zerocity.budget.services import import_budget
    from zerocity.core.selectors import get_city

    try:
        result = import_budget(get_city(city_slug), year, stage, file.read_bytes(),
                               filename=file.name,
                               totals=totals.read_bytes() if totals else None,
                               totals_filename=totals.name if totals else "", actor=ACTOR)
    except ImportRejected as exc:
        click.echo(f"error: {file.name}: nothing was imported:", err=True)
        for line in exc.errors:
            click.echo(f"  {line}", err=True)
        sys.exit(1)
    if result.unchanged:
        click.echo(f"{city_slug} {year} {stage}: {file.name} already imported, nothing changed")
    else:
        click.echo(f"{city_slug} {year} {stage}: {result.lines} lines imported"
                   + (f", tags of {result.carried} carried over" if result.carried else ""))


@budget.command("report")
@city_opt
@year_opt
@click.option("--stage", type=STAGES, help="Default: the latest stage imported.")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table",
              show_default=True)
@handles_errors
def budget_report(city_slug: str, year: int, stage: str | None, fmt: str) -> None:
    """Shares of the in-scope budget by mitigation and adaptation tag, the investment share
    and the execution rate."""
    from zerocity.budget.selectors import budget_version, report

    data = report(budget_version(city_slug, year, stage))
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"{city_slug} {year} {data['stage']}: total {data['total']}, in scope "
               f"{data['in_scope']}, out of scope {data['out_of_scope']}")
    for axis in ("mitigation", "adaptation"):
        click.echo(axis)
        for tag, row in [*data[axis].items(), ("untagged", data["untagged"][axis])]:
            click.echo(f"  {tag:16}{row['amount']:>18}{row['share']:>9} %")
    click.echo(f"green share {data['green_share']} %, investment share "
               f"{data['investment']['share']} %")
    if data["execution"]:
        click.echo(f"execution {data['execution']['rate']} % of the adopted budget")


@budget.command("export")
@city_opt
@year_opt
@click.option("--stage", type=STAGES, required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--out", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (written atomically); default: standard output.")
@handles_errors
def budget_export(city_slug: str, year: int, stage: str, fmt: str,
                  output: Path | None) -> None:
    """The lines with their tags, in the import's columns: the file imports again as it is."""
    from zerocity.budget.selectors import budget_version, export_csv, export_rows

    version = budget_version(city_slug, year, stage)
    text = (export_csv(version) if fmt == "csv"
            else json.dumps(export_rows(version), indent=1, ensure_ascii=False) + "\n")
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(output, text.encode("utf-8"))
    click.echo(f"wrote {output}")


@budget.command("publish")
@city_opt
@year_opt
@click.option("--stage", type=STAGES, required=True)
@handles_errors
def budget_publish(city_slug: str, year: int, stage: str) -> None:
    """Publish a stage of the budget; refused, naming each line, while a line in scope is
    untagged. A published version never changes."""
    from zerocity.budget.selectors import budget_version
    from zerocity.budget.services import Unpublishable, publish_budget

    try:
        version = publish_budget(budget_version(city_slug, year, stage), actor=ACTOR)
    except Unpublishable as exc:
        click.echo(f"error: {city_slug} {year} {stage} not published: "
                   f"{len(exc.lines)} lines in scope are untagged", err=True)
        for line in exc.lines:
            click.echo(line, err=True)
        sys.exit(1)
    click.echo(f"{city_slug} {year} {stage} published {version.published_at:%Y-%m-%d %H:%M}")


@budget.command("office")
@city_opt
@click.option("--department", required=True, help="Slug of the department that approves "
              "the tags (the climate office).")
@handles_errors
def budget_office(city_slug: str, department: str) -> None:
    """Name the department whose staff approve budget tags."""
    from zerocity.budget.services import set_budget_office
    from zerocity.core.selectors import get_city

    office = set_budget_office(get_city(city_slug), department, actor=ACTOR)
    click.echo(f"{city_slug}: budget tags are approved by {office.department.name}")
