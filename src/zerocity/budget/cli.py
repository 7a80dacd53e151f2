"""``zerocity budget``: the city's budget tagged for the climate (docs/budget.md)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

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
@click.option("--decimals", type=click.IntRange(0, 4), default=2, show_default=True,
              help="Decimals of the shares (largest-remainder rounded to them).")
@handles_errors
def budget_report(city_slug: str, year: int, stage: str | None, fmt: str,
                  decimals: int) -> None:
    """Shares of the in-scope budget by mitigation and adaptation tag, the investment share
    and the execution rate."""
    from zerocity.budget.selectors import budget_version, report

    data = report(budget_version(city_slug, year, stage), decimals=decimals)
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


def _split(text: str | None) -> dict[str, str] | None:
    """``favourable`` or ``very_favourable:60,neutral:40``."""
    if text is None:
        return None
    out = {}
    for part in text.replace(";", ",").split(","):
        tag, _, pct = part.strip().partition(":")
        out[tag.strip()] = pct.strip() or "100"
    return out


F = TypeVar("F", bound=Callable[..., Any])


def _version_opts(fn: F) -> F:
    """--city, --year and --stage."""
    for opt in reversed([city_opt, year_opt,
                         click.option("--stage", type=STAGES, required=True)]):
        fn = opt(fn)
    return fn


@budget.command("tag")
@_version_opts
@click.option("--line", "row", type=int, required=True, help="The line's row in the file.")
@click.option("--mitigation", help="A tag, or a split: very_favourable:60,neutral:40")
@click.option("--adaptation", help="A tag, or a split.")
@click.option("--reason", required=True)
@click.option("--override-scope", is_flag=True,
              help="Tag a line whose account is out of scope (the reason is logged).")
@click.option("--as", "username", required=True, help="The staff member who proposes.")
@handles_errors
def budget_tag(city_slug: str, year: int, stage: str, row: int, mitigation: str | None,
               adaptation: str | None, reason: str, override_scope: bool,
               username: str) -> None:
    """Propose a line's tags; the climate office approves them (`budget approve`)."""
    from zerocity.budget.selectors import budget_version, line_at, person
    from zerocity.budget.services import propose_tags

    line = line_at(budget_version(city_slug, year, stage), row)
    change = propose_tags(line, mitigation=_split(mitigation), adaptation=_split(adaptation),
                          reason=reason, override_scope=override_scope, by=person(username))
    click.echo(f"proposal {change.pk} for {line.key}: {change.new}")


@budget.command("approve")
@_version_opts
@click.argument("proposal_id", type=int)
@click.option("--as", "username", required=True,
              help="The climate office's member who approves (not who proposed).")
@handles_errors
def budget_approve(city_slug: str, year: int, stage: str, proposal_id: int,
                   username: str) -> None:
    """Approve a proposal of tags (four eyes: never one's own)."""
    from zerocity.budget.selectors import budget_version, person, proposal
    from zerocity.budget.services import approve_tags

    line = approve_tags(proposal(budget_version(city_slug, year, stage), proposal_id),
                        by=person(username))
    click.echo(f"{line.key}: mitigation {line.mitigation}, adaptation {line.adaptation}")


# -- climate checks of new projects and council items (docs/budget.md "Climate checks") ------

def _proposal(city_slug: str, reference: str) -> Any:
    from zerocity.budget.checks import get_proposal
    from zerocity.core.selectors import get_city

    return get_proposal(get_city(city_slug), reference)


@budget.command("check-threshold")
@city_opt
@click.option("--tonnes", required=True, help="tCO2e a year from which an item is highly "
              "relevant (default 100).")
@handles_errors
def check_threshold(city_slug: str, tonnes: str) -> None:
    """Set the city's threshold of high climate relevance."""
    from zerocity.budget.checks import set_threshold
    from zerocity.core.selectors import get_city

    setting = set_threshold(get_city(city_slug), tonnes, actor=ACTOR)
    click.echo(f"{city_slug}: high relevance from {setting.threshold_t} tCO2e per year")


@budget.command("check-add")
@city_opt
@year_opt
@click.option("--kind", type=click.Choice(["nrp_project", "council_item"]), required=True)
@click.option("--reference", required=True)
@click.option("--title", required=True)
@click.option("--cost", help="Estimated cost in EUR.")
@click.option("--department", default="", help="Slug of the department that proposes it.")
@click.option("--nrp-code", default="", help="The NRP project's code (links budget lines).")
@handles_errors
def check_add(city_slug: str, year: int, kind: str, reference: str, title: str,
              cost: str | None, department: str, nrp_code: str) -> None:
    """Register a new NRP project or council item that needs a climate check."""
    from zerocity.budget.checks import register_proposal
    from zerocity.core.selectors import get_city

    done = register_proposal(get_city(city_slug), kind=kind, reference=reference, title=title,
                             year=year, estimated_cost=cost, department_slug=department,
                             nrp_code=nrp_code, actor=ACTOR)
    click.echo(f"{reference}: " + ("registered" if done.created else "already registered, "
                                   "nothing changed"))


@budget.command("check")
@city_opt
@click.option("--reference", required=True)
@click.option("--tonnes", required=True, help="Estimated tCO2e a year: + emits, - saves.")
@click.option("--justification", default="", help="One sentence; needed for no relevance.")
@click.option("--effect-type", default="", type=click.Choice(
    ["", "reduce_demand", "switch_carrier", "change_factor", "add_local_renewable",
     "change_activity"]), help="The pathway model's effect type, where one fits.")
@handles_errors
def check_record(city_slug: str, reference: str, tonnes: str, justification: str,
                 effect_type: str) -> None:
    """Record an item's climate check; its relevance is rated against the threshold."""
    from zerocity.budget.checks import record_check

    proposal = record_check(_proposal(city_slug, reference), tonnes,
                            justification=justification, effect_type=effect_type,
                            actor=ACTOR)
    click.echo(f"{reference}: {proposal.estimate_t:+} tCO2e/yr, {proposal.relevance}")


@budget.command("check-opinion")
@city_opt
@click.option("--reference", required=True)
@click.option("--text", required=True)
@click.option("--as", "username", required=True, help="The climate office's member.")
@handles_errors
def check_opinion(city_slug: str, reference: str, text: str, username: str) -> None:
    """Give the climate office's opinion on an item."""
    from zerocity.budget.checks import give_opinion
    from zerocity.budget.selectors import person

    proposal = give_opinion(_proposal(city_slug, reference), text, by=person(username))
    click.echo(f"{reference}: opinion of {proposal.opinion_by} recorded")


@budget.command("check-publish")
@city_opt
@click.option("--reference", required=True)
@handles_errors
def check_publish(city_slug: str, reference: str) -> None:
    """Publish an item (put it on the agenda); refused, naming what its check lacks."""
    from zerocity.budget.checks import NotReady, publish_item

    try:
        proposal = publish_item(_proposal(city_slug, reference), actor=ACTOR)
    except NotReady as exc:
        click.echo(f"error: {reference} not published; missing: " + "; ".join(exc.missing),
                   err=True)
        sys.exit(1)
    click.echo(f"{reference} published {proposal.published_at:%Y-%m-%d %H:%M}")


@budget.command("check-print")
@city_opt
@click.option("--reference", required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text",
              show_default=True)
@handles_errors
def check_print(city_slug: str, reference: str, fmt: str) -> None:
    """The item with its climate check at its head."""
    from zerocity.budget.checks import describe

    data = describe(_proposal(city_slug, reference))
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(data["header"])
    click.echo(f"{data['reference']} ({data['kind']}, {data['year']}): {data['title']}")
    if data["estimated_cost"]:
        click.echo(f"estimated cost {data['estimated_cost']} EUR")


@budget.command("checks-stats")
@city_opt
@year_opt
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table",
              show_default=True)
@handles_errors
def checks_stats(city_slug: str, year: int, fmt: str) -> None:
    """The year's climate checks: shares per rating and the flagged budget lines."""
    from zerocity.budget.checks import stats
    from zerocity.core.selectors import get_city

    data = stats(get_city(city_slug), year)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"{city_slug} {year}: {data['checked']} of {data['proposals']} checked, "
               f"{data['relevant']['share']} % relevant")
    for rating, row in data["ratings"].items():
        click.echo(f"  {rating:16}{row['count']:>6}{row['share']:>9} %")
    for flag in data["flagged"]:
        click.echo(f"flagged: {flag['message']}")


# -- tag rules on classification pairs (docs/budget.md "Tag rules") ---------------------------

def _rule_json(rule: Any) -> dict[str, Any]:
    return {"id": rule.pk, "pair": rule.pair, "ppr": rule.ppr, "pp_code": rule.pp_code,
            "cofog": rule.cofog, "konto": rule.konto, "mitigation": rule.mitigation,
            "adaptation": rule.adaptation, "question": rule.question,
            "rationale": rule.rationale}


@budget.command("rules-add")
@city_opt
@click.option("--ppr", default="", help="Programme code prefix: a PPP (2 digits), GPR (4) or "
              "PPR (8).")
@click.option("--pp", "pp_code", default="", help="A budget item (PP), exactly.")
@click.option("--cofog", default="", help="A COFOG function prefix.")
@click.option("--konto", default="", help="An account prefix (4201, 402201).")
@click.option("--mitigation", help="A tag, or a split: very_favourable:60,neutral:40")
@click.option("--adaptation", help="A tag, or a split.")
@click.option("--question", default="", help="Ask this instead of proposing tags.")
@click.option("--rationale", default="")
@handles_errors
def rules_add(city_slug: str, ppr: str, pp_code: str, cofog: str, konto: str,
              mitigation: str | None, adaptation: str | None, question: str,
              rationale: str) -> None:
    """Add (or replace) the tag rule of a classification pair."""
    from zerocity.budget.tagging import add_tag_rule
    from zerocity.core.selectors import get_city

    rule, changed = add_tag_rule(get_city(city_slug), ppr=ppr, pp_code=pp_code, cofog=cofog,
                                 konto=konto, mitigation=_split(mitigation),
                                 adaptation=_split(adaptation), question=question,
                                 rationale=rationale, actor=ACTOR)
    click.echo(f"rule {rule.pk} {rule.pair}: " + ("saved" if changed else "unchanged"))


@budget.command("rules")
@city_opt
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table",
              show_default=True)
@handles_errors
def rules_list(city_slug: str, fmt: str) -> None:
    """The city's tag rules."""
    from zerocity.budget.breakdown import tag_rules
    from zerocity.core.selectors import get_city

    rules = tag_rules(get_city(city_slug).pk)
    if fmt == "json":
        click.echo(json.dumps([_rule_json(r) for r in rules], indent=2, ensure_ascii=False))
        return
    for r in rules:
        said = (f"ask: {r.question}" if r.question
                else f"mitigation {r.mitigation}, adaptation {r.adaptation}: {r.rationale}")
        click.echo(f"{r.pk:>4} {r.pair}: {said}")


@budget.command("rules-apply")
@_version_opts
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table",
              show_default=True)
@handles_errors
def rules_apply(city_slug: str, year: int, stage: str, fmt: str) -> None:
    """The rules' suggestions for the version's in-scope lines (nothing is changed: a
    department confirms each, `budget rules-confirm`)."""
    from zerocity.budget.breakdown import suggestions
    from zerocity.budget.selectors import budget_version

    found = suggestions(budget_version(city_slug, year, stage))
    rows = [{"row": s.line.row, "line": s.line.key, "amount": f"{s.line.amount:.2f}",
             "rule": s.rule.pk, "pair": s.rule.pair, "mitigation": s.rule.mitigation,
             "adaptation": s.rule.adaptation, "question": s.question,
             "rationale": s.rule.rationale, "pending": s.pending}
            for s in sorted(found.values(), key=lambda s: s.line.row)]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        said = (f"ask: {r['question']}" if r["question"]
                else f"mitigation {r['mitigation']}, adaptation {r['adaptation']}")
        click.echo(f"line {r['row']} {r['line']} ({r['pair']}): {said}"
                   + (" [proposal waiting]" if r["pending"] else ""))
    click.echo(f"{len(rows)} suggestions")


@budget.command("rules-confirm")
@_version_opts
@click.option("--line", "row", type=int, required=True, help="The line's row in the file.")
@click.option("--as", "username", required=True, help="The department's member who confirms.")
@handles_errors
def rules_confirm(city_slug: str, year: int, stage: str, row: int, username: str) -> None:
    """Confirm the rule's suggestion for a line: a proposal the climate office approves."""
    from zerocity.budget.selectors import budget_version, line_at, person
    from zerocity.budget.tagging import confirm_suggestion

    line = line_at(budget_version(city_slug, year, stage), row)
    change = confirm_suggestion(line, by=person(username))
    click.echo(f"proposal {change.pk} for {line.key}: {change.new}")


@budget.command("lines-assign")
@city_opt
@click.option("--department", required=True, help="Slug of the department.")
@click.option("--pu", "pu_code", default="", help="A direct user's code (PU).")
@click.option("--ppr", default="", help="A programme code prefix (PPP, GPR or PPR).")
@handles_errors
def lines_assign(city_slug: str, department: str, pu_code: str, ppr: str) -> None:
    """The department answers for (and tags) the lines of a PU and/or a programme."""
    from zerocity.budget.tagging import assign_lines
    from zerocity.core.selectors import get_city

    area = assign_lines(get_city(city_slug), department, pu_code=pu_code, ppr=ppr, actor=ACTOR)
    click.echo(f"{department} answers for PU {area.pu_code or '*'}, PPR {area.ppr or '*'}")


@budget.command("pb-link")
@_version_opts
@click.option("--line", "row", type=int, required=True, help="The line's row in the file.")
@click.option("--project", "project_id", type=int, required=True,
              help="The participatory-budget project's id.")
@handles_errors
def pb_link(city_slug: str, year: int, stage: str, row: int, project_id: int) -> None:
    """The line pays for a participatory-budget project (counted once, through the line)."""
    from zerocity.budget.selectors import budget_version, line_at
    from zerocity.budget.tagging import link_pb_project
    from zerocity.engage.models import Project

    line = line_at(budget_version(city_slug, year, stage), row)
    project = Project.objects.filter(pk=project_id).select_related("budget__process").first()
    if project is None:
        from zerocity.core.errors import NotFound

        raise NotFound(f"no participatory-budget project {project_id}")
    link_pb_project(line, project, actor=ACTOR)
    click.echo(f"{line.key} pays for {project.title}")
