"""Writes to the action plan. Each is one transaction with an audit record."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db import transaction

from zerocity.core import audit
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.inventory.models import Inventory
from zerocity.plan.calculations import FIELD_ROWS, SECTORS
from zerocity.plan.models import (
    Action,
    ActionReduction,
    FieldOfAction,
    Indicator,
    IndicatorTarget,
    Plan,
    Policy,
    PolicyReduction,
    SystemicLever,
)


def _check_sectors(reductions: dict[str, Any], where: str) -> None:
    unknown = set(reductions) - set(SECTORS) - set(FIELD_ROWS)
    if unknown:
        raise Conflict(f"{where}: unknown sector {', '.join(sorted(unknown))}")
    negative = [k for k, v in reductions.items() if float(v) < 0]
    if negative:
        raise Conflict(f"{where}: a reduction cannot be negative ({', '.join(negative)})")


@transaction.atomic
def load_plan(city: City, baseline: Inventory, data: dict[str, Any], *, by: Any = None,
              actor: str = "") -> Plan:
    """Create or bring up to date a city's plan from plain data (the structure of
    ``demo/data/kranj_plan.json``). Loading the same data again changes nothing."""
    if baseline.city_id != city.pk:
        raise Conflict("the baseline inventory belongs to another city")
    fingerprint = hashlib.sha256(
        json.dumps([baseline.pk, data], sort_keys=True).encode()).hexdigest()
    current = Plan.objects.select_for_update().filter(city=city).first()
    if current is not None and current.loaded_sha256 == fingerprint:
        return current
    plan, _ = Plan.objects.select_for_update().update_or_create(
        city=city,
        defaults={"title": data["title"], "baseline": baseline,
                  "target_year": data.get("target_year", 2030),
                  "reduction_target": Decimal(data.get("reduction_target", "0.8")),
                  "source": data.get("source", ""), "loaded_sha256": fingerprint},
    )
    fields = {slug: FieldOfAction.objects.update_or_create(
        city=city, slug=slug, defaults={"name": name})[0]
        for slug, name in data.get("fields", {}).items()}
    levers = {slug: SystemicLever.objects.update_or_create(
        city=city, slug=slug, defaults={"name": name})[0]
        for slug, name in data.get("levers", {}).items()}

    for p in data.get("policies", []):
        _check_sectors(p["reductions"], f"policy {p['name']!r}")
        policy, _ = Policy.objects.update_or_create(
            plan=plan, name=p["name"],
            defaults={"level": p.get("level", "national"),
                      "policy_type": p.get("policy_type", ""),
                      "description": p.get("description", ""), "source": p.get("source", "")},
        )
        _replace_reductions(policy.reductions, PolicyReduction, "policy", policy,
                            p["reductions"])

    actions = {}
    for a in data.get("actions", []):
        _check_sectors(a["reductions"], f"action {a['code']}")
        if a["field"] not in fields:
            raise Conflict(f"action {a['code']}: unknown field of action {a['field']!r}")
        cost = a.get("total_cost_eur")
        action, _ = Action.objects.update_or_create(
            plan=plan, code=a["code"],
            defaults={
                "name": a["name"], "field": fields[a["field"]],
                "lever": levers.get(a.get("lever", "")),
                "action_type": a.get("action_type", ""),
                "description": a.get("description", ""),
                "responsible_body": a.get("responsible_body", ""),
                "start_year": a.get("start_year"), "end_year": a.get("end_year"),
                "energy_generated_mwh": a.get("energy_generated_mwh"),
                "energy_substituted": a.get("energy_substituted", ""),
                "total_cost_eur": Decimal(cost) if cost is not None else None,
                "source": a.get("source", data.get("source", "")),
            },
        )
        _replace_reductions(action.reductions, ActionReduction, "action", action,
                            a["reductions"])
        actions[a["code"]] = action

    for i in data.get("indicators", []):
        indicator, _ = Indicator.objects.update_or_create(
            plan=plan, code=i["code"],
            defaults={k: i.get(k, "") for k in ("name", "unit", "definition", "calculation",
                                                 "data_source", "interval")}
            | {"baseline_year": i.get("baseline_year"),
               "baseline_value": i.get("baseline_value")},
        )
        for year, value in i.get("targets", {}).items():
            IndicatorTarget.objects.update_or_create(indicator=indicator, year=int(year),
                                                     defaults={"value": float(value)})
        indicator.actions.set([actions[c] for c in i.get("actions", [])])

    audit.record("plan.load", city=city, user=by, actor=actor, obj=plan,
                 actions=len(actions), policies=len(data.get("policies", [])))
    return plan


def _replace_reductions(manager: Any, model: Any, owner_field: str, owner: Any,
                        reductions: dict[str, Any]) -> None:
    manager.exclude(sector__in=list(reductions)).delete()
    for sector, tco2e in reductions.items():
        model.objects.update_or_create(**{owner_field: owner, "sector": sector},
                                       defaults={"tco2e": float(tco2e)})
