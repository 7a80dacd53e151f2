"""The Kranj demo: the City Municipality of Kranj with its published 2018 baseline and a few
monitoring years that are made up for the demo and labelled illustrative everywhere, and its
city buses as a GTFS timetable (``demo/transit.py``: the lines from public descriptions, the
times made up).

The 2018 figures are Kranj's 2030 Climate Neutrality Action Plan tables A-1.1 to A-1.4 (research
note ghg-standards.md §7). Loading runs through the same services a city's staff use, so it is
idempotent: loading twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

from django.conf import settings

from zerocity.core.models import City, Role
from zerocity.core.services import create_city, ensure_department, grant_role
from zerocity.inventory.models import Inventory
from zerocity.inventory.services import (
    add_factor,
    create_inventory,
    import_activity_file,
    publish_inventory,
)

BASELINE_SOURCE = (
    "Mestna občina Kranj, 2030 Climate Neutrality Action Plan (Climate City Contract, 2024), "
    "tables A-1.1 to A-1.4"
)

# Monitoring years for the demo, made up: each carrier's activity as a share of 2018.
# They show trends; they are not Kranj's figures.
ILLUSTRATIVE_YEARS: dict[int, dict[str, float]] = {
    2020: {"heating_oil": 0.90, "natural_gas": 0.97, "district_heat": 0.99, "biomass": 1.02,
           "electricity": 1.01, "diesel": 0.88, "gasoline": 0.85, "direct": 0.98},
    2022: {"heating_oil": 0.78, "natural_gas": 0.92, "district_heat": 0.97, "biomass": 1.04,
           "electricity": 1.02, "diesel": 0.96, "gasoline": 0.93, "direct": 0.95},
    2024: {"heating_oil": 0.65, "natural_gas": 0.86, "district_heat": 0.95, "biomass": 1.05,
           "electricity": 1.03, "diesel": 0.91, "gasoline": 0.87, "direct": 0.92},
}
PUBLISHED_ILLUSTRATIVE = (2020, 2022)  # 2024 stays a draft: staff see it, the public does not
POPULATION = {2018: 56267, 2020: 56600, 2022: 57000, 2024: 57300}


def _data(name: str) -> bytes:
    return resources.files("zerocity.demo").joinpath(f"data/{name}").read_bytes()


def baseline_csv() -> bytes:
    return _data("kranj_2018.csv")


def illustrative_csv(year: int) -> bytes:
    """The 2018 file with every activity scaled by the year's made-up multipliers."""
    scale = ILLUSTRATIVE_YEARS[year]
    rows = list(csv.DictReader(io.StringIO(baseline_csv().decode("utf-8"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        if row["amount"]:
            row["amount"] = repr(round(float(row["amount"]) * scale[row["fuel"]], 1))
        for gas in ("ch4", "n2o", "co2", "co2e"):
            if row[gas]:
                row[gas] = repr(round(float(row[gas]) * scale["direct"], 6))
        row["source"] = f"ILLUSTRATIVE demo figures derived from the 2018 baseline ({year})"
        row["data_quality"] = "L" if row["data_quality"] else ""
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def load_demo(actor: str = "demo", *, readings: bool = True) -> list[str]:
    """Load the Kranj demo in one go; loading it again changes nothing. ``readings=False``
    leaves out the synthetic meter readings and the heavy data of the later stages (most tests
    need none of it): the food procurement then comes without its year of history. The whole
    demo is the essential part followed by every stage of ``demo.stages``, as ``zerocity demo``
    loads it in two steps."""
    from zerocity.demo.stages import run_stages

    report = load_essential(actor)
    city = City.objects.get(slug="kranj")
    if readings:
        report.extend(run_stages(city, actor, record=False))
        return report
    from zerocity.food.demo import load as load_food

    report.extend(load_food(city, actor=actor, history=False))
    from zerocity.engage.demo import load as load_engage

    report.extend(load_engage(city, actor=actor))
    return report


def load_essential(actor: str = "demo") -> list[str]:
    """What the first pages need: the city, its inventories, the plan and its data sources,
    the demo logins, the timetable and the card."""
    report: list[str] = []
    city = create_city(
        "kranj", name="Kranj", country="SI", timezone="Europe/Ljubljana", population=57171,
        language="sl", actor=actor, locode="SIKRA", region="Gorenjska", nuts3="SI042",
        area_km2=151,
    )
    for row in csv.DictReader(io.StringIO(_data("kranj_factors_2018.csv").decode("utf-8"))):
        add_factor(
            city=city, source="kranj-ccc-2018", key=row["key"], year=2018, unit=row["unit"],
            co2=float(row["co2"]), fossil=row["fossil"] == "yes", label=row["label"],
            source_name="Kranj 2030 Climate Neutrality Action Plan, table A-1.2",
            method="IPCC 2006, national factors as provided by PURES (IJS)", actor=actor,
        )

    years = [(2018, baseline_csv(), False)] + [
        (y, illustrative_csv(y), True) for y in ILLUSTRATIVE_YEARS
    ]
    for year, data, illustrative in years:
        inv = create_inventory(
            city, year, gwp="AR5", actor=actor, population=POPULATION[year],
            illustrative=illustrative,
            source=BASELINE_SOURCE if not illustrative else "Illustrative demo data",
            boundary="Administrative boundary of the City Municipality of Kranj (151 km²)",
        )
        if not inv.is_published:
            result = import_activity_file(city, year, data, f"kranj_{year}.csv", actor=actor)
            report.append(f"kranj {year}: {result.rows} lines"
                          + (" (illustrative)" if illustrative else ""))
        if year == 2018 or year in PUBLISHED_ILLUSTRATIVE:
            publish_inventory(Inventory.objects.get(pk=inv.pk), actor=actor)

    import json

    from zerocity.plan.services import load_plan

    plan = load_plan(city, Inventory.objects.get(city=city, year=2018),
                     json.loads(_data("kranj_plan.json")), actor=actor)
    report.append(f"kranj plan: {plan.actions.count()} actions")

    from zerocity.data.demo import ensure_indicator_feeds, ensure_sources

    sources = ensure_sources(city, actor=actor)
    feeds = ensure_indicator_feeds(city, plan, actor=actor)
    report.append(f"kranj data sources: {len(sources)}; indicators they feed: {len(feeds)}")
    report.extend(_demo_accounts(city, actor))
    from zerocity.demo.transit import load_bikes, load_network

    # before the card: its taps and ridership then find the stops and lines in the timetable
    report.extend(load_network(city, actor=actor))
    report.append(load_bikes(city, actor=actor))
    from zerocity.demo.opportunities import load as load_opportunities

    report.append(load_opportunities(city, actor=actor))
    from zerocity.card.demo import load as load_card

    report.extend(load_card(city, actor=actor))
    return report


def _demo_accounts(city: City, actor: str) -> list[str]:
    """Demo logins. A password is generated when an account is first created and kept under the
    data directory (never in the repository); existing accounts keep theirs."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    path = Path(settings.DATA_DIR) / "demo-credentials.txt"
    known: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines()[1:]:
            name, _, rest = line.partition("\t")
            known[name] = rest
    climate = ensure_department(city, "climate-office", "Climate office")
    energy = ensure_department(city, "energy", "Energy and utilities")
    accounts = [("ana.staff", Role.STAFF, climate), ("eva.energy", Role.STAFF, energy),
                ("marko.admin", Role.ADMIN, None), ("citizen", Role.CITIZEN, None),
                ("farm.supplier", Role.CITIZEN, None), ("school.buyer", Role.CITIZEN, None)]
    users = get_user_model().objects
    missing = [(username, role, dept, secrets.token_urlsafe(12)) for username, role, dept
               in accounts if not users.filter(username=username, memberships__city=city)
               .exists()]
    # the hashing is most of the demo's first part, and hashlib lets threads hash at once
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        hashes = list(pool.map(make_password, [password for *_, password in missing]))
    for (username, role, dept, password), hashed in zip(missing, hashes, strict=True):
        user = grant_role(city, username, role, department=dept, actor=actor).user
        user.password = hashed
        user.save(update_fields=["password"])
        known[username] = f"{role}\t{password}"
    changed = bool(missing)
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        body = "".join(f"{name}\t{rest}\n" for name, rest in known.items())
        tmp.write_text("username\trole\tpassword\n" + body)
        tmp.chmod(0o600)
        tmp.replace(path)
    return [f"demo logins (username, role, password): {path}"]
