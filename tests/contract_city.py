"""What the contract's tests share: a small city with a plan (action 5.1 costing EUR 3.4 M in
2025, action 1.1 EUR 1 M), two commitments, and a published 2025 budget whose lines fund
them (EUR 1.2 M of own money for 5.1, EUR 500,000 of an EU grant for 1.1 on NRP project
OB-1), and the command line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from click.testing import CliRunner

HEADER = ("pu_code,pu_name,ppp,gpr,ppr,pp_code,pp_name,konto,cofog,nrp_code,nrp_name,"
          "amount_eur,funding_source,mitig_tag,adapt_tag,split_pct,ccc_action_id\n")


def cli(*args: str) -> tuple[int, str]:
    from zerocity.cli import main

    done = CliRunner().invoke(main, ["contract", *args])
    return done.exit_code, done.output


def line(pp: str, amount: str, mitig: str, action: str = "", source: str = "own",
         nrp: str = "", konto: str = "4201") -> str:
    return (f"4000,Mestna uprava,13,1302,13029003,{pp},Postavka {pp},{konto},0451,{nrp},"
            f"{'Projekt ' + nrp if nrp else ''},{amount},{source},{mitig},neutral,,{action}\n")


def publish(city: Any, year: int, *rows: str) -> Any:
    from zerocity.budget.selectors import budget_version
    from zerocity.budget.services import import_budget, publish_budget

    import_budget(city, year, "adopted", (HEADER + "".join(rows)).encode(),
                  filename=f"budget-{year}.csv", actor="test")
    return publish_budget(budget_version(city.slug, year, "adopted"), actor="test")


def contract_city(city: Any) -> dict[str, Any]:
    from zerocity.inventory.services import create_inventory
    from zerocity.plan.models import (
        Action,
        ActionCost,
        Commitment,
        FieldOfAction,
        Milestone,
        Plan,
    )

    plan = Plan.objects.create(city=city, baseline=create_inventory(city, 2018),
                               title="Climate neutrality action plan", target_year=2030)
    mobility = FieldOfAction.objects.create(city=city, slug="mobility", name="Mobility")
    energy = FieldOfAction.objects.create(city=city, slug="energy", name="Energy systems")
    cycling = Action.objects.create(plan=plan, code="5.1", name="Cycling network",
                                    field=mobility, start_year=2024)
    ActionCost.objects.create(action=cycling, year=2025, capex_eur=Decimal("3000000"),
                              opex_eur=Decimal("400000"))
    solar = Action.objects.create(plan=plan, code="1.1", name="Solar roofs", field=energy,
                                  start_year=2024)
    ActionCost.objects.create(action=solar, year=2025, capex_eur=Decimal("1000000"))
    Milestone.objects.create(action=solar, name="Tender", due=date(2025, 3, 1),
                             done=date(2025, 2, 20))
    Milestone.objects.create(action=solar, name="Roofs built", due=date(2099, 1, 1))
    city_c = Commitment.objects.create(plan=plan, organisation="City of Testville",
                                       group="transport", text="We build the cycling network.")
    city_c.actions.set([cycling])
    utility = Commitment.objects.create(plan=plan, organisation="Testville Energy",
                                        partner=True, group="energy",
                                        text="We put solar panels on public roofs.")
    utility.actions.set([solar])
    version = publish(city, 2025, line("1", "800000", "very_favourable", "5.1"),
                      line("2", "400000", "favourable", "5.1"),
                      line("3", "100000", "neutral"),
                      line("4", "500000", "very_favourable", "1.1", "EU", "OB-1"))
    return {"plan": plan, "cycling": cycling, "solar": solar, "city_commitment": city_c,
            "utility": utility, "version": version}
