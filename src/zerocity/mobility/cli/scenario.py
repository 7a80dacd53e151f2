"""``zerocity mobility scenario``: timetable scenarios — edits on a feed version, versioned,
checked, exported as GTFS (docs/mobility-scenarios.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from zerocity.core.cli import ACTOR, city_opt, handles_errors


def _read_edits(file: Path) -> Any:
    import json

    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.BadParameter(f"{file.name} is not JSON: {exc}",
                                 param_hint="--edits") from None


def _report(call: Any) -> Any:
    """Run a service call; a refusal prints every problem and exits 1."""
    from zerocity.mobility.scenarios.services import ScenarioRefused

    try:
        return call()
    except ScenarioRefused as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"error: the scenario was not saved: {len(exc.problems)} problem(s)",
                   err=True)
        sys.exit(1)


def _version_line(done: Any) -> str:
    v = done.value
    if done.replayed:
        return (f"scenario #{v.scenario_id} version {v.number} has these edits already: "
                "nothing changed")
    warnings = sum(int(n) for n in v.warning_counts.values())
    return (f"scenario #{v.scenario_id} version {v.number}: {len(v.edits)} edit(s); derived "
            f"feed " + ", ".join(f"{n} {f}" for f, n in sorted(v.counts.items()))
            + f"; {warnings} warning(s); sha256 {v.sha256[:12]}")


@click.group()
def scenario() -> None:
    """Timetable scenarios: edits on a feed version, saved as versions, routable, exported."""


@scenario.command("create")
@city_opt
@click.option("--name", required=True, help="The scenario's name.")
@click.option("--feed", "feed_id", type=int, default=None, metavar="VERSION",
              help="The feed version the edits apply to [default: the one in force today].")
@click.option("--edits", "edits_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The edit list, JSON (docs/mobility-scenarios.md).")
@click.option("--description", default="")
@handles_errors
def scenario_create(city_slug: str, name: str, feed_id: int | None, edits_file: Path,
                    description: str) -> None:
    """A new scenario with its first version. Every problem of the edits, or of the feed they
    derive, is printed and nothing is saved (exit code 1)."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.scenarios.services import create_scenario
    from zerocity.mobility.selectors import get_version

    city = get_city(city_slug)
    base = get_version(city, feed_id) if feed_id is not None else None
    edits = _read_edits(edits_file)
    done = _report(lambda: create_scenario(city, name=name, edits=edits, base=base,
                                           description=description, actor=ACTOR))
    click.echo(_version_line(done))


@scenario.command("edit")
@click.argument("scenario_id", type=int)
@city_opt
@click.option("--edits", "edits_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@handles_errors
def scenario_edit(scenario_id: int, city_slug: str, edits_file: Path) -> None:
    """Save a new version of SCENARIO_ID with the edit list of --edits (the whole list, on the
    scenario's base feed). The same edits as its latest version change nothing."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.scenarios.selectors import get_scenario
    from zerocity.mobility.scenarios.services import save_version

    found = get_scenario(get_city(city_slug), scenario_id)
    edits = _read_edits(edits_file)
    click.echo(_version_line(_report(lambda: save_version(found, edits, actor=ACTOR))))


@scenario.command("publish")
@click.argument("scenario_id", type=int)
@city_opt
@handles_errors
def scenario_publish(scenario_id: int, city_slug: str) -> None:
    """Make SCENARIO_ID public: anyone may read it and plan on it."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.scenarios.selectors import get_scenario
    from zerocity.mobility.scenarios.services import publish_scenario

    done = publish_scenario(get_scenario(get_city(city_slug), scenario_id), actor=ACTOR)
    click.echo(f"scenario #{scenario_id} is published" + (" already" if done.replayed else ""))


@scenario.command("list")
@city_opt
@handles_errors
def scenario_list(city_slug: str) -> None:
    """The city's scenarios, newest first: id, name, status, base feed, latest version."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.scenarios.selectors import city_scenarios, latest_number

    for s in city_scenarios(get_city(city_slug)):
        number = latest_number(s)
        click.echo(f"#{s.pk}\t{s.name}\t{s.status}\tfeed #{s.base_id} {s.base.name}\t"
                   f"v{number}")


@scenario.command("show")
@click.argument("scenario_id", type=int)
@city_opt
@handles_errors
def scenario_show(scenario_id: int, city_slug: str) -> None:
    """One scenario: its base feed, its versions and the latest version's edits."""
    import json

    from zerocity.core.selectors import get_city
    from zerocity.mobility.scenarios.selectors import get_scenario, versions

    s = get_scenario(get_city(city_slug), scenario_id)
    click.echo(f"#{s.pk} {s.name} ({s.status}) on feed #{s.base_id} {s.base.name}; "
               f"licence: {s.base.licence or 'not stated'}; attribution: "
               f"{s.base.attribution or '-'}")
    if s.description:
        click.echo(s.description)
    found = versions(s)
    for v in found:
        click.echo(f"v{v.number}\t{v.created_at:%Y-%m-%d %H:%M} UTC\t{v.by_label}\t"
                   f"{len(v.edits)} edit(s)\tedits {v.edits_sha256[:12]}\tfeed {v.sha256[:12]}")
    if found:
        click.echo(json.dumps(found[0].edits, ensure_ascii=False, indent=2))


@scenario.command("export")
@click.argument("scenario_id", type=int)
@city_opt
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The GTFS zip to write.")
@click.option("--version", "number", type=int, default=None,
              help="The scenario's version [default: the latest].")
@handles_errors
def scenario_export(scenario_id: int, city_slug: str, output: Path, number: int | None) -> None:
    """The scenario's derived feed as a GTFS zip, with the source feed's licence and
    attribution (feed_info.txt, attributions.txt): it imports as a feed."""
    from zerocity.core.cli import write_atomically
    from zerocity.core.selectors import get_city
    from zerocity.mobility.scenarios.selectors import archive, get_scenario, scenario_version

    v = scenario_version(get_scenario(get_city(city_slug), scenario_id), number)
    write_atomically(output, archive(v).read_bytes())
    click.echo(f"scenario #{scenario_id} version {v.number} written to {output} "
               f"(sha256 {v.sha256[:12]})")
