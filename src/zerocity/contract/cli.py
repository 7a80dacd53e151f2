"""``zerocity contract``: the Climate City Contract's commitments, signatories and investment
plan (docs/contract.md). Amounts in JSON are decimal strings in euros."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from zerocity.core.cli import ACTOR, city_opt, handles_errors, write_atomically, year_opt

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
KINDS = click.Choice(["own", "eu", "national", "loan", "private"])
STATUSES = click.Choice(["secured", "applied", "planned"])


def _plain(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


@click.group()
def contract() -> None:
    """The Climate City Contract: commitments with their signatories, the investment plan."""


@contract.group()
def signatory() -> None:
    """Who signed a commitment."""


@signatory.command("add")
@city_opt
@click.option("--organisation", required=True, help="The commitment's organisation.")
@click.option("--group", help="The commitment's group, when the organisation has several.")
@click.option("--signed-by", "signed_for", help="The signing organisation (default: the "
              "commitment's).")
@click.option("--representative", required=True)
@click.option("--role", required=True)
@click.option("--date", "signed_on", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--document", type=FILE, required=True, help="The signed document; its SHA-256 "
              "is kept.")
@handles_errors
def signatory_add(city_slug: str, organisation: str, group: str | None,
                  signed_for: str | None, representative: str, role: str, signed_on: Any,
                  document: Path) -> None:
    """Record a signature of a commitment's current version (which then never changes)."""
    from zerocity.contract.selectors import commitment
    from zerocity.contract.services import sign_commitment

    row = sign_commitment(commitment(city_slug, organisation, group),
                          organisation=signed_for or organisation,
                          representative=representative, role=role,
                          signed_on=signed_on.date(), document=document.read_bytes(),
                          document_name=document.name, actor=ACTOR)
    click.echo(f"{row.organisation}: {row.representative} ({row.role}) signed version "
               f"{row.version.number} on {row.signed_on}, sha256 {row.document_sha256}")


@contract.command("commitment-add")
@city_opt
@click.option("--organisation", required=True)
@click.option("--group", type=click.Choice(["energy", "transport", "waste", "green",
                                           "construction"]), required=True)
@click.option("--text", required=True)
@click.option("--partner", is_flag=True, help="Outside the city administration.")
@click.option("--action", "actions", multiple=True, help="A plan action it covers (repeat).")
@handles_errors
def commitment_add(city_slug: str, organisation: str, group: str, text: str, partner: bool,
                   actions: tuple[str, ...]) -> None:
    """Add a commitment of an organisation of the transition group (its first version)."""
    from zerocity.contract.services import add_commitment
    from zerocity.plan.selectors import plan_for_city

    row = add_commitment(plan_for_city(city_slug), organisation=organisation, group=group,
                         text=text, partner=partner, actions=list(actions), actor=ACTOR)
    click.echo(f"{row.organisation} ({row.group}): {row.actions.count()} actions")


@contract.command("revise")
@city_opt
@click.option("--organisation", required=True)
@click.option("--group")
@click.option("--text", required=True)
@click.option("--note", default="")
@handles_errors
def revise(city_slug: str, organisation: str, group: str | None, text: str, note: str) -> None:
    """A new version of a commitment's wording; the earlier ones stay readable."""
    from zerocity.contract.selectors import commitment
    from zerocity.contract.services import revise_commitment

    version = revise_commitment(commitment(city_slug, organisation, group), text, note=note,
                                actor=ACTOR)
    click.echo(f"{organisation}: version {version.number}")


@contract.command("commitments")
@city_opt
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table",
              show_default=True)
@handles_errors
def commitments(city_slug: str, fmt: str) -> None:
    """The commitments, their signatories and their status from the actions they cover."""
    from zerocity.contract.selectors import commitments as read

    data = read(city_slug)
    if fmt == "json":
        click.echo(json.dumps(_plain(data), indent=2, ensure_ascii=False))
        return
    for c in data["commitments"]:
        click.echo(f"{c['organisation']} ({c['group']}) v{c['version']}: {c['status']}, "
                   f"{len(c['signatories'])} signatories, actions "
                   + (", ".join(a["code"] for a in c["actions"]) or "-"))


@contract.command("investment-plan")
@city_opt
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table",
              show_default=True)
@handles_errors
def investment_plan(city_slug: str, fmt: str) -> None:
    """Needs, sources by kind and status, and the financing gap per action, field and year."""
    from zerocity.contract.selectors import investment_plan as read

    data = read(city_slug)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    t = data["total"]
    click.echo(f"{city_slug}: need {t['need']}, secured {t['secured']}, applied "
               f"{t['applied']}, planned {t['planned']}, gap {t['gap']} ({t['covered']} % "
               "covered)")
    for y, f in data["years_total"].items():
        click.echo(f"  {y}: need {f['need']}, secured {f['secured']}, gap {f['gap']}")


@contract.command("export")
@city_opt
@click.option("--table", "name", type=click.Choice(["T1", "T2", "T4", "T9"]), required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (atomically); default: standard output (CSV only).")
@handles_errors
def export(city_slug: str, name: str, fmt: str, output: Path | None) -> None:
    """One table of the NetZeroCities Investment Plan template."""
    from zerocity.contract.tables import table, to_csv, to_xlsx

    rows = table(city_slug, name)
    if fmt == "xlsx":
        if output is None:
            raise click.UsageError("xlsx needs --output")
        write_atomically(output, to_xlsx(name, rows))
    elif output is None:
        click.echo(to_csv(name, rows), nl=False)
        return
    else:
        write_atomically(output, to_csv(name, rows).encode("utf-8"))
    click.echo(f"wrote {output}")


@contract.group()
def funding() -> None:
    """Money for the plan's actions beyond the budget lines, and decisions on NRP projects."""


@funding.command("add")
@city_opt
@year_opt
@click.option("--action", "code", required=True)
@click.option("--kind", type=KINDS, required=True)
@click.option("--status", type=STATUSES, required=True)
@click.option("--name", required=True, help="The programme, fund, lender or partner.")
@click.option("--amount", required=True, help="EUR")
@click.option("--decision", default="", help="The decision's reference (needed for secured).")
@handles_errors
def funding_add(city_slug: str, year: int, code: str, kind: str, status: str, name: str,
                amount: str, decision: str) -> None:
    """Enter a funding source for an action and year."""
    from zerocity.contract.selectors import action
    from zerocity.contract.services import add_funding

    row = add_funding(action(city_slug, code), year=year, kind=kind, status=status, name=name,
                      amount=amount, decision_reference=decision, actor=ACTOR)
    click.echo(f"{code} {year}: {row.name} {row.amount} {row.kind} {row.status}")


@funding.command("decision")
@city_opt
@click.option("--nrp", "nrp_code", required=True, help="The NRP project's code.")
@click.option("--kind", type=KINDS, required=True)
@click.option("--status", type=click.Choice(["secured", "applied"]), required=True)
@click.option("--decision", default="", help="The decision's reference (needed for secured).")
@handles_errors
def funding_decision(city_slug: str, nrp_code: str, kind: str, status: str,
                     decision: str) -> None:
    """Record the decision on (or application for) an NRP project's outside money."""
    from zerocity.contract.services import record_decision
    from zerocity.core.selectors import get_city

    row = record_decision(get_city(city_slug), nrp_code=nrp_code, kind=kind, status=status,
                          decision_reference=decision, actor=ACTOR)
    click.echo(f"{row.nrp_code} {row.kind}: {row.status}")


@contract.command("budget-figure")
@city_opt
@year_opt
@click.option("--basis", type=click.Choice(["approved", "actual"]), required=True)
@click.option("--municipal", required=True, help="The municipal budget, EUR.")
@click.option("--climate", required=True, help="The budget for climate actions, EUR.")
@click.option("--criterion", required=True, help="What makes spending climate spending.")
@click.option("--source", default="")
@handles_errors
def budget_figure(city_slug: str, year: int, basis: str, municipal: str, climate: str,
                  criterion: str, source: str) -> None:
    """Enter a year's municipal and climate budget for table 1 (where no tagged budget
    exists)."""
    from zerocity.contract.services import enter_budget_figure
    from zerocity.core.selectors import get_city

    row = enter_budget_figure(get_city(city_slug), year=year, basis=basis,
                              municipal_budget=municipal, climate_budget=climate,
                              criterion=criterion, source=source, actor=ACTOR)
    click.echo(f"{city_slug} {row.year}: {row.climate_budget} of {row.municipal_budget}")

