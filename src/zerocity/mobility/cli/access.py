"""``zerocity mobility opportunities import`` and ``zerocity mobility access``: the city's
opportunities file and the accessibility computed on its timetable (docs/mobility-access.md)."""

from __future__ import annotations

import json
import sys
from datetime import date, time
from pathlib import Path
from typing import Any

import click

from zerocity.core.cli import ACTOR, city_opt, handles_errors

KIND_WORDS = {"residents": "residents", "jobs": "jobs", "schools": "schools",
              "health": "health centres"}


@click.group()
def opportunities() -> None:
    """What accessibility counts: residents, jobs, schools and health centres by place."""


@opportunities.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@city_opt
@click.option("--name", default="", help="The set's name; each new file under a name is its "
              "next version [default: the file's name].")
@handles_errors
def opportunities_import(file: Path, city_slug: str, name: str) -> None:
    """Import FILE (CSV: lat, lon and counts of residents, jobs, schools, health) as the
    city's newest opportunities. Every bad value is printed as `line N, column C: reason` and
    nothing is imported (exit code 1); the same file again changes nothing."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.access.services import OpportunitiesRefused, import_opportunities

    city = get_city(city_slug)
    try:
        done = import_opportunities(city, file, filename=file.name, name=name, actor=ACTOR)
    except OpportunitiesRefused as exc:
        for problem in exc.problems:
            click.echo(f"{file.name} {problem}", err=True)
        click.echo(f"error: {file.name} refused: {len(exc.problems)} error(s); nothing was "
                   "imported", err=True)
        sys.exit(1)
    got = done.value
    if done.replayed:
        click.echo(f"{file.name} is identical to {got.name} version {got.version}, imported "
                   f"{got.imported_at:%Y-%m-%d %H:%M} UTC: nothing changed")
        return
    totals = ", ".join(f"{n} {KIND_WORDS[k]}" for k, n in got.totals.items())
    click.echo(f"{got.name} version {got.version}: {len(got.points)} places; {totals}"
               + ("; SYNTHETIC (made-up data)" if got.synthetic else ""))


def _window(text: str) -> tuple[time, time]:
    try:
        a, b = text.split("-")
        return time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
    except ValueError:
        raise click.BadParameter("write the window as HH:MM-HH:MM, e.g. 07:00-09:00") from None


@click.command("access")
@city_opt
@click.option("--date", "day", required=True, help="The service date, YYYY-MM-DD.")
@click.option("--window", default="07:00-09:00", show_default=True,
              help="Departure minutes, local time: from the first to the minute before the "
              "second.")
@click.option("--cell", "cell_m", type=click.FloatRange(50, 5000), default=250.0,
              show_default=True, help="Grid cell size in metres.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Seed of the random phases of frequency-based routes.")
@click.option("--draws", type=click.IntRange(1, 100), default=5, show_default=True,
              help="Phase draws when a route is frequency-based (exact_times=0).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@handles_errors
def access(city_slug: str, day: str, window: str, cell_m: float, seed: int, draws: int,
           fmt: str) -> None:
    """Residents, jobs, schools and health centres reachable within 30 and 45 minutes from
    each grid cell, as percentiles over the departure minutes; computed on the timetable in
    force and the newest opportunities file, and stored (the same computation again reads the
    stored one)."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.access.compute import Settings
    from zerocity.mobility.access.services import compute_accessibility, to_json

    try:
        service_date = date.fromisoformat(day)
    except ValueError:
        raise click.BadParameter("write the date as YYYY-MM-DD", param_hint="--date") from None
    start, end = _window(window)
    if end <= start:
        raise click.BadParameter("the window must end after it starts",
                                 param_hint="--window")
    city = get_city(city_slug)
    done = compute_accessibility(city, service_date, Settings(
        start=start, end=end, cell_m=cell_m, seed=seed, draws=draws), actor=ACTOR)
    body = to_json(done.value)
    if fmt == "json":
        click.echo(json.dumps(body, ensure_ascii=False))
        return
    for line in _text(body, done.replayed, done.value.seconds):
        click.echo(line)


def _text(body: dict[str, Any], replayed: bool, seconds: float) -> list[str]:
    s = body["settings"]
    opp = body["opportunities"]
    lines = []
    if body["synthetic"]:
        lines.append("SYNTHETIC opportunities: made-up data, not the city's ("
                     + "; ".join(opp["notes"][:1]) + ")")
    lines.append(f"accessibility {body['city']} {body['service_date']}, departures "
                 f"{s['window']} by minute, {body['grid']['rows']} x {body['grid']['cols']} "
                 f"cells of {s['cell_m']:g} m, {body['draws']} draw(s), seed {s['seed']}, at "
                 f"most {s['max_rides']} vehicles; opportunities {opp['name']} version "
                 f"{opp['version']}" + (" (stored before)" if replayed
                                        else f" (computed in {seconds:.1f} s)"))
    weighted = body["summary"]["weighted_by"]
    lines.append(f"city-wide, weighted by {weighted}: p5 / p25 / p50 / p75 / p95 reachable")
    for kind, by_limit in body["summary"]["access"].items():
        for lim, ps in by_limit.items():
            vals = " / ".join(f"{ps[f'p{p}']:g}" for p in body["percentiles"])
            lines.append(f"  {KIND_WORDS.get(kind, kind)} within {lim} min: {vals} "
                         f"(of {opp['totals'].get(kind, 0)})")
    for a in body["attribution"]:
        lines.append("timetable: " + (a.get("attribution") or a.get("publisher") or "")
                     + (f" ({a['licence']})" if a.get("licence") else "")
                     if "feed" in a else f"walking network: {a['attribution']} "
                     f"({a['licence']})")
    return lines
