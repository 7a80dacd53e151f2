"""``zerocity mobility scenario compare`` and ``... attach``: what a timetable scenario is
worth against its base, and the plan action it becomes an effect of
(docs/mobility-scenarios.md, "What a scenario is worth")."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import click

from zerocity.core.cli import ACTOR, city_opt, handles_errors
from zerocity.core.errors import Conflict


def _options(f: Any) -> Any:
    for option in reversed((
        click.option("--version", "number", type=int, default=None,
                     help="The scenario's version [default: the latest]."),
        click.option("--battery-share", type=click.FloatRange(0, 1), default=None,
                     help="Share of bus-km run by battery buses [default: the city's "
                          "parameter, `zerocity mobility parameters`]."),
        click.option("--from-car", type=click.FloatRange(0, 1), default=None,
                     help="Share of new bus passenger-km that were car trips [default: 1, "
                          "the upper bound the card's avoided-emissions report uses]."),
        click.option("--boardings", type=click.FloatRange(0), default=None,
                     help="Bus boardings a year [default: from the card's taps]."),
    )):
        f = option(f)
    return f


def _text(c: dict[str, Any]) -> list[str]:
    b, s, ch = c["base"], c["scenario"], c["change"]
    r, car, cost = c["ridership"], c["car"], c["cost"]
    e_b, e_s = c["energy"]["base"]["t_co2"], c["energy"]["scenario"]["t_co2"]
    return [
        f"a year from {c['period']['first']} to {c['period']['last']}",
        f"bus-km\t{b['bus_km']}\t-> {s['bus_km']}\t({ch['bus_km_percent']:+} %)".replace(
            "+-", "-"),
        f"bus-hours\t{b['bus_hours']}\t-> {s['bus_hours']}",
        f"buses at once\t{b['peak_vehicles']}\t-> {s['peak_vehicles']}",
        f"fleet on {b['typical_day']}\t{b['fleet']}\t-> {s['fleet']}",
        f"operating cost {cost['currency']}\t{cost['base']}\t-> {cost['scenario']}",
        "t CO2 II.1.1 (diesel)\t" + f"{e_b['II.1.1']}\t-> {e_s['II.1.1']}",
        "t CO2 II.1.2 (electricity)\t" + f"{e_b['II.1.2']}\t-> {e_s['II.1.2']}",
        f"ridership\t+{r['short_run_percent']} % short run, +{r['long_run_percent']} % long "
        f"run ({r['source']})",
        f"boardings a year\t{r['boardings_per_year']} ({r['boardings_source']})",
        f"car-km avoided a year\t{car['km_avoided_per_year'][0]} to "
        f"{car['km_avoided_per_year'][1]} (from car: {car['from_car']}, "
        f"{car['from_car_source']})",
    ]


def _dec(x: float | None) -> Decimal | None:
    return None if x is None else Decimal(repr(x))


def _access_text(a: dict[str, Any]) -> list[str]:
    out = [f"accessibility on {a['service_date']} ({a['settings']['window']}, "
           f"{a['opportunities']}{', SYNTHETIC' if a['synthetic'] else ''}), median reached, "
           f"weighted by {a['weighted_by']}: base -> scenario"]
    for kind, limits in a["base"].items():
        for limit, pcts in limits.items():
            now = a["scenario"][kind][limit]["p50"]
            out.append(f"  {kind} within {limit} min: {pcts['p50']:g} -> {now:g} "
                       f"({a['change_p50'][kind][limit]:+g})")
    return out


@click.command("compare")
@click.argument("scenario_id", type=int)
@city_opt
@_options
@click.option("--accessibility", is_flag=True, help="Also the accessibility of the typical "
              "day on both timetables (the city's opportunities file; seconds).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@handles_errors
def scenario_compare(scenario_id: int, city_slug: str, number: int | None,
                     battery_share: float | None, from_car: float | None, boardings: float | None,
                     accessibility: bool, fmt: str) -> None:
    """The scenario against its base over a year of the base feed: bus-km, bus-hours, buses,
    operating cost, the buses' CO2 by GPC row, the ridership response (short and long run)
    and the car-km it avoids."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.scenarios.compare import to_json
    from zerocity.mobility.scenarios.selectors import get_scenario
    from zerocity.mobility.scenarios.worth import compare_scenario

    s = get_scenario(get_city(city_slug), scenario_id)
    version, c = compare_scenario(s, number=number, battery_share=_dec(battery_share),
                                  from_car=_dec(from_car),
                                  boardings_per_year=_dec(boardings))
    out = {"scenario": s.pk, "version": version.number, **to_json(c)}
    if accessibility:
        from zerocity.mobility.scenarios.access_change import access_change

        if c.base.typical_day is None:
            raise Conflict(f"the base timetable runs no day from {c.first} to {c.last}")
        out["accessibility"] = access_change(s, version, c.base.typical_day).to_json()
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        click.echo(f"scenario #{s.pk} v{version.number} {s.name} against feed #{s.base_id}")
        for line in _text(out):
            click.echo(line)
        if "accessibility" in out:
            for line in _access_text(out["accessibility"]):
                click.echo(line)


@click.command("attach")
@click.argument("scenario_id", type=int)
@city_opt
@click.option("--action", "code", required=True, help="The plan action's code, e.g. 2.2.")
@_options
@handles_errors
def scenario_attach(scenario_id: int, city_slug: str, code: str, number: int | None,
                    battery_share: float | None, from_car: float | None,
                    boardings: float | None) -> None:
    """Make the scenario an effect of a plan action: the buses' change of diesel (II.1.1)
    and electricity (II.1.2), and the car fuel the long-run ridership response avoids. The
    action's effects from an earlier scenario are replaced, its other effects kept."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.scenarios.selectors import get_scenario
    from zerocity.mobility.scenarios.worth import attach_to_action

    s = get_scenario(get_city(city_slug), scenario_id)
    _, effects, changed = attach_to_action(
        s, code, number=number, battery_share=_dec(battery_share),
        from_car=_dec(from_car), boardings_per_year=_dec(boardings), actor=ACTOR)
    click.echo(f"action {code}: " + ("effects set" if changed else "nothing changed"))
    click.echo(json.dumps(effects, ensure_ascii=False, indent=2))
