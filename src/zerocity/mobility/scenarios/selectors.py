"""Reads of timetable scenarios: a city's scenarios, one with its versions, and a version's
derived feed, readable like a feed version's (``tables``: the same ``{file: DataFrame}`` as
``mobility.selectors.version_tables``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from zerocity.core.actors import Person
from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.core.permissions import is_city_staff
from zerocity.mobility import store
from zerocity.mobility.models import FeedVersion, Scenario, ScenarioStatus, ScenarioVersion


def city_scenarios(city: City) -> QuerySet[Scenario]:
    """Every scenario of the city, newest first."""
    return Scenario.objects.filter(city=city).select_related("base").order_by("-id")


def latest_number(scenario: Scenario) -> int:
    """The number of the scenario's latest version (0: none)."""
    latest = scenario.versions.order_by("-number").values_list("number", flat=True).first()
    return latest or 0


def scenarios_for_user(user: Person | None, city: City) -> QuerySet[Scenario]:
    """The city's scenarios, newest first: every one for its staff, the published ones for
    anyone else."""
    found = city_scenarios(city)
    if is_city_staff(user, city):
        return found
    return found.filter(status=ScenarioStatus.PUBLISHED)


def get_scenario(city: City, pk: int) -> Scenario:
    scenario = Scenario.objects.filter(city=city, pk=pk).select_related("base", "city").first()
    if scenario is None:
        raise NotFound(_("%(city)s has no scenario %(id)s.") % {"city": city.name, "id": pk})
    return scenario


def access_scenario_for_user(user: Person | None, city: City, pk: int) -> Scenario:
    """A scenario the user may see: a draft only for the city's staff (others are told there
    is none)."""
    scenario = get_scenario(city, pk)
    if scenario.status != ScenarioStatus.PUBLISHED and not is_city_staff(user, city):
        raise NotFound(_("%(city)s has no scenario %(id)s.") % {"city": city.name, "id": pk})
    return scenario


def staff_city(user: Person | None, slug: str) -> City:
    """The city, for a member of its staff (others are told there is none)."""
    from zerocity.core.selectors import get_city

    city = get_city(slug)
    if not is_city_staff(user, city):
        raise NotFound(_("Not found."))
    return city


def versions(scenario: Scenario) -> list[ScenarioVersion]:
    return list(scenario.versions.order_by("-number"))


def scenario_version(scenario: Scenario, number: int | None = None) -> ScenarioVersion:
    """The version ``number`` of the scenario, or its latest."""
    found = scenario.versions.order_by("-number")
    version = (found.first() if number is None else found.filter(number=number).first())
    if version is None:
        raise NotFound(_("Scenario %(id)s has no version %(n)s.")
                       % {"id": scenario.pk, "n": number if number is not None else 1})
    return version


def tables(version: ScenarioVersion) -> dict[str, pd.DataFrame]:
    """Every table of the derived feed, as ``mobility.selectors.version_tables`` gives a feed
    version's."""
    return store.read_tables(version.path)


def archive(version: ScenarioVersion) -> Path:
    """The derived feed's GTFS zip, with the source's attribution and licence."""
    return store.archive_path(version.path)


def scenario_rows(city: City) -> list[dict[str, object]]:
    """The city's scenarios for the staff's list, newest first: each with its latest version
    and how many versions it has."""
    return [{"scenario": s, "latest": s.versions.order_by("-number").first(),
             "count": s.versions.count()} for s in city_scenarios(city)]


def base_versions(city: City) -> list[FeedVersion]:
    """The city's feed versions a new scenario may change, the latest start first."""
    return list(FeedVersion.objects.filter(city=city).order_by("-start_date", "-pk"))


def plan_actions(city: City) -> list[tuple[str, str]]:
    """(code, code and name) of each action of the city's latest plan: what a scenario may be
    attached to (``worth.attach_to_action`` takes the action of that code in that plan)."""
    from zerocity.plan.models import Action

    latest = (Action.objects.filter(plan__city=city).order_by("-plan__pk")
              .values_list("plan__pk", flat=True).first())
    if latest is None:
        return []
    return [(a.code, f"{a.code} {a.name}")
            for a in Action.objects.filter(plan__pk=latest).order_by("code")]
