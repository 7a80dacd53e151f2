"""``zerocity mobility parameters``: the city's parameters of its bus service (unit costs, the
battery buses' share, riders per bus, the periods of the day), shown, and changed where given
(docs/mobility-scenarios.md, "City parameters")."""

from __future__ import annotations

import json

import click

from zerocity.core.cli import ACTOR, city_opt, handles_errors


@click.command("parameters")
@city_opt
@click.option("--eur-per-bus-hour", metavar="EUR", help="Operating cost of a bus-hour.")
@click.option("--eur-per-bus-km", metavar="EUR", help="Operating cost of a bus-km.")
@click.option("--value-of-time", metavar="EUR", help="Value of an hour of riders' waiting.")
@click.option("--battery-share", metavar="SHARE", help="Share of bus-km run by battery buses "
              "(0 to 1).")
@click.option("--capacity", type=int, metavar="RIDERS", help="Riders per bus.")
@click.option("--periods", metavar="HH-HH[*],...", help="The periods of the day, e.g. "
              "05-07,07-09*,09-14,14-17*,17-22 (* after a peak).")
@click.option("--source", help="Where the figures come from (e.g. the operator's contract).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@handles_errors
def parameters(city_slug: str, eur_per_bus_hour: str | None, eur_per_bus_km: str | None,
               value_of_time: str | None, battery_share: str | None, capacity: int | None,
               periods: str | None, source: str | None, fmt: str) -> None:
    """Show the city's parameters; with options, change those given (all checked together,
    nothing changed when one is wrong). Scenario comparisons, the frequency optimiser and
    their pages use them unless they are given others."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility import parameters as p

    city = get_city(city_slug)
    money = {"eur_per_bus_hour": eur_per_bus_hour, "eur_per_bus_km": eur_per_bus_km,
             "value_of_time_eur_per_hour": value_of_time, "battery_share": battery_share}
    changes: dict[str, object] = {k: p.decimal_of(v, k) for k, v in money.items()
                                  if v is not None}
    changes.update({k: v for k, v in (("capacity", capacity), ("periods", periods),
                                      ("source", source)) if v is not None})
    if changes:
        done = p.set_parameters(city, changes, actor=ACTOR)
        current, note = done.value, ("nothing changed" if done.replayed else "changed")
    else:
        current, note = p.city_parameters(city), ""
    if fmt == "json":
        click.echo(json.dumps({"city": city.slug, **current.to_json()}, ensure_ascii=False,
                              indent=2))
        return
    for key, value in current.to_json().items():
        click.echo(f"{key}\t{value}")
    if note:
        click.echo(note)
