"""Writes to the action plan. Each is one transaction with an audit record."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.models import City, Department
from zerocity.core.services import ensure_department
from zerocity.core.translations import active, from_data, languages, per_language
from zerocity.inventory.models import Inventory
from zerocity.plan import signals
from zerocity.plan.calculations import FIELD_ROWS, SECTORS
from zerocity.plan.models import (
    Action,
    ActionCost,
    ActionProposal,
    ActionReduction,
    ActionStatus,
    Commitment,
    FieldOfAction,
    Indicator,
    IndicatorTarget,
    Milestone,
    Observation,
    Plan,
    Policy,
    PolicyReduction,
    ProposalState,
    Snapshot,
    StatusOverride,
    SystemicLever,
)
from zerocity.plan.scenario import parse_drivers, parse_effects


def _check_sectors(reductions: dict[str, Any], where: str) -> None:
    unknown = set(reductions) - set(SECTORS) - set(FIELD_ROWS)
    if unknown:
        raise Conflict(f"{where}: unknown sector {', '.join(sorted(unknown))}")
    negative = [k for k, v in reductions.items() if float(v) < 0]
    if negative:
        raise Conflict(f"{where}: a reduction cannot be negative ({', '.join(negative)})")


@transaction.atomic
def load_plan(city: City, baseline: Inventory, data: dict[str, Any], *, by: Person | None = None,
              actor: str = "") -> Plan:
    """Create or bring up to date a city's plan from plain data (the structure of
    ``demo/data/kranj_plan.json``). Loading the same data again changes nothing."""
    if baseline.city_id != city.pk:
        raise Conflict("the baseline inventory belongs to another city")
    try:
        parse_drivers(data.get("drivers", {}))
        for a in data.get("actions", []):
            parse_effects(a.get("effects", []), where=f"action {a.get('code')}: effects")
    except ValueError as exc:
        raise Conflict(str(exc)) from exc
    fingerprint = hashlib.sha256(
        json.dumps([baseline.pk, data], sort_keys=True).encode()).hexdigest()
    current = Plan.objects.select_for_update().filter(city=city).first()
    if current is not None and current.loaded_sha256 == fingerprint:
        return current
    plan, _ = Plan.objects.select_for_update().update_or_create(
        city=city,
        defaults={**from_data(data, "title"), "baseline": baseline,
                  "target_year": data.get("target_year", 2030),
                  "reduction_target": Decimal(data.get("reduction_target", "0.8")),
                  "source": data.get("source", ""), "loaded_sha256": fingerprint,
                  "drivers": data.get("drivers", {})},
    )
    departments: dict[str, Department] = {
        slug: ensure_department(city, slug, name)
        for slug, name in data.get("departments", {}).items()}
    if data.get("office"):
        plan.office = departments.get(data["office"]) or Department.objects.filter(
            city=city, slug=data["office"]).first()
        if plan.office is None:
            raise Conflict(f"unknown climate office department {data['office']!r}")
        plan.save(update_fields=["office"])
    fields = {slug: FieldOfAction.objects.update_or_create(
        city=city, slug=slug, defaults=_vocabulary_names(data, "fields", slug))[0]
        for slug in data.get("fields", {})}
    levers = {slug: SystemicLever.objects.update_or_create(
        city=city, slug=slug, defaults=_vocabulary_names(data, "levers", slug))[0]
        for slug in data.get("levers", {})}

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
        dept = a.get("department")
        if dept and dept not in departments:
            found = Department.objects.filter(city=city, slug=dept).first()
            if found is None:
                raise Conflict(f"action {a['code']}: unknown department {dept!r}")
            departments[dept] = found
        action, _ = Action.objects.update_or_create(
            plan=plan, code=a["code"],
            defaults={
                **from_data(a, "name"), "field": fields[a["field"]],
                "lever": levers.get(a.get("lever", "")),
                "action_type": a.get("action_type", ""),
                **from_data(a, "description"), **from_data(a, "outcome"),
                "responsible_body": a.get("responsible_body", ""),
                "responsible_person": a.get("responsible_person", ""),
                "stakeholders": a.get("stakeholders", ""), "scale": a.get("scale", ""),
                "department": departments[dept] if dept else None,
                "effects": a.get("effects", []),
                "start_year": a.get("start_year"), "end_year": a.get("end_year"),
                "energy_generated_mwh": a.get("energy_generated_mwh"),
                "energy_substituted": a.get("energy_substituted", ""),
                "total_cost_eur": Decimal(cost) if cost is not None else None,
                "source": a.get("source", data.get("source", "")),
            },
        )
        _replace_reductions(action.reductions, ActionReduction, "action", action,
                            a["reductions"])
        _replace_costs(action, a.get("costs", []))
        for m in a.get("milestones", []):
            names = from_data(m, "name")
            Milestone.objects.update_or_create(
                action=action, name_en=names["name_en"],
                defaults={**names, "due": date.fromisoformat(m["due"]),
                          "done": date.fromisoformat(m["done"]) if m.get("done") else None})
        actions[a["code"]] = action

    for i in data.get("indicators", []):
        indicator, _ = Indicator.objects.update_or_create(
            plan=plan, code=i["code"],
            defaults={k: i.get(k, "") for k in ("unit", "data_source", "interval")}
            | from_data(i, "name") | from_data(i, "definition") | from_data(i, "calculation")
            | {"baseline_year": i.get("baseline_year"),
               "baseline_value": i.get("baseline_value")},
        )
        for year, value in i.get("targets", {}).items():
            IndicatorTarget.objects.update_or_create(indicator=indicator, year=int(year),
                                                     defaults={"value": float(value)})
        indicator.actions.set([actions[c] for c in i.get("actions", [])])

    for c in data.get("commitments", []):
        commitment, _ = Commitment.objects.update_or_create(
            plan=plan, organisation=c["organisation"], group=c["group"],
            defaults={"text": c["text"], "partner": bool(c.get("partner", False)),
                      "department": departments.get(c.get("department", ""))})
        commitment.actions.set([actions[code] for code in c.get("actions", [])])

    audit.record("plan.load", city=city, user=by, actor=actor, obj=plan,
                 actions=len(actions), policies=len(data.get("policies", [])))
    return plan


def _vocabulary_names(data: dict[str, Any], key: str, slug: str) -> dict[str, Any]:
    """A field of action's or lever's name from ``fields`` (English) and ``fields_<code>``."""
    return per_language("name", {code: data.get(f"{key}_{code}", {}).get(slug)
                                 for code in languages()} | {"en": data[key][slug]})


def _replace_costs(action: Action, costs: list[dict[str, Any]]) -> None:
    """The action's yearly costs (C-3.1 / Investment Plan) become exactly ``costs``."""
    keep = []
    for c in costs:
        row, _ = ActionCost.objects.update_or_create(
            action=action, year=int(c["year"]), funding_source=c.get("funding_source", ""),
            defaults={"capex_eur": Decimal(str(c.get("capex_eur", "0"))),
                      "opex_eur": Decimal(str(c.get("opex_eur", "0")))})
        keep.append(row.pk)
    action.costs.exclude(pk__in=keep).delete()


def _replace_reductions(manager: Any, model: Any, owner_field: str, owner: Any,
                        reductions: dict[str, Any]) -> None:
    manager.exclude(sector__in=list(reductions)).delete()
    for sector, tco2e in reductions.items():
        model.objects.update_or_create(**{owner_field: owner, "sector": sector},
                                       defaults={"tco2e": float(tco2e)})


# -- monitoring --------------------------------------------------------------------------------

def _touch(action: Action) -> None:
    action.last_update_at = timezone.now()
    action.save(update_fields=["last_update_at"])


@transaction.atomic
def set_milestone(action: Action, name: str, due: date, *, done: date | None = None,
                  by: Person | None = None, actor: str = "") -> Milestone:
    action = Action.objects.select_for_update().get(pk=action.pk)
    milestone, created = Milestone.objects.get_or_create(
        action=action, name=name, defaults={"due": due, "done": done})
    if not created and (milestone.due, milestone.done) == (due, done):
        return milestone
    milestone.due, milestone.done = due, done
    milestone.save()
    _touch(action)
    audit.record("plan.milestone", city=action.plan.city, user=by, actor=actor, obj=milestone,
                 action_code=action.code, name=name, due=str(due),
                 done=str(done) if done else None)
    _tell_followers(action, f"{action.code} {action.name}: "
                    + (f"{name} done" if done else f"{name} due {due:%d. %m. %Y}"), by)
    return milestone


@transaction.atomic
def add_action(plan: Plan, data: dict[str, Any], *, by: Person | None = None,
               actor: str = "") -> tuple[Action, bool]:
    """An action added to a plan after it was loaded, from plain data in the structure of
    ``demo/data/kranj_plan.json``'s actions (its field, department and lever by slug; no
    declared reductions: its effects come later, e.g. from a timetable scenario). Returns the
    action and whether it was created: one with the same code already there is left as it
    is."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    found = Action.objects.filter(plan=plan, code=data["code"]).first()
    if found is not None:
        return found, False
    field = FieldOfAction.objects.filter(city=plan.city, slug=data["field"]).first()
    if field is None:
        raise Conflict(f"action {data['code']}: unknown field of action {data['field']!r}")
    dept = data.get("department")
    department = Department.objects.filter(city=plan.city, slug=dept).first() if dept else None
    if dept and department is None:
        raise Conflict(f"action {data['code']}: unknown department {dept!r}")
    action = Action.objects.create(
        plan=plan, code=data["code"], **from_data(data, "name"), field=field,
        lever=SystemicLever.objects.filter(city=plan.city, slug=data.get("lever", "")).first(),
        **from_data(data, "description"), department=department,
        responsible_body=data.get("responsible_body", ""),
        start_year=data.get("start_year"), end_year=data.get("end_year"),
        source=data.get("source", ""))
    audit.record("plan.action_added", city=plan.city, user=by, actor=actor, obj=action,
                 action_code=action.code)
    return action, True


@transaction.atomic
def set_action_effects(action: Action, effects: list[dict[str, Any]], *, source: str,
                       by: Person | None = None, actor: str = "") -> bool:
    """Give an action the typed effects another module worked out for it (a timetable
    scenario's, docs/mobility-scenarios.md), named by ``source`` in the audit. Checked as the
    plan's own effects are (``EffectError`` naming the effect); the same effects again change
    nothing (False)."""
    parse_effects(effects, where=f"action {action.code}: effects")
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.effects == effects:
        return False
    previous = action.effects
    action.effects = effects
    action.last_update_at = timezone.now()
    action.save(update_fields=["effects", "last_update_at"])
    audit.record("plan.effects", city=action.plan.city, user=by, actor=actor, obj=action,
                 action_code=action.code, source=source, effects=effects, previous=previous)
    return True


def _tell_followers(action: Action, subject: str, by: Person | None) -> None:
    """Those who listen (the citizen platform tells the action's followers) hear of it."""
    signals.action_changed.send(sender=Action, action=action, subject=subject, by=by)


@transaction.atomic
def override_status(action: Action, status: str, *, reason: str, by: Person | None = None,
                    actor: str = "") -> StatusOverride:
    """Set an action's status by hand (``status=""`` returns it to the computed status)."""
    if not reason.strip():
        raise Conflict(gettext("Give the reason for setting the status by hand."))
    if status and status not in ActionStatus.values:
        raise Conflict(gettext("Choose one of the statuses: %(statuses)s.")
                       % {"statuses": ", ".join(str(label) for label in ActionStatus.labels)})
    action = Action.objects.select_for_update().get(pk=action.pk)
    override = StatusOverride.objects.create(action=action, status=status, reason=reason,
                                             by_label=actor or audit.actor_label(by))
    _touch(action)
    audit.record("plan.status_override", city=action.plan.city, user=by, actor=actor,
                 obj=action, status=status or "computed", reason=reason)
    _tell_followers(action, f"{action.code} {action.name}: "
                    f"{ActionStatus(status).label if status else 'status as computed'}", by)
    return override


@transaction.atomic
def record_observation(indicator: Indicator, year: int, value: float, *, source: str = "",
                       by: Person | None = None, actor: str = "") -> Observation:
    """Enter (or correct) the observed value of an indicator for a year."""
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    current = Observation.objects.filter(indicator=indicator, year=year).first()
    if current is not None and (current.value, current.source) == (value, source):
        return current
    obs, _ = Observation.objects.update_or_create(
        indicator=indicator, year=year,
        defaults={"value": value, "source": source, "by_label": actor or audit.actor_label(by)})
    audit.record("plan.observation", city=indicator.plan.city, user=by, actor=actor, obj=obs,
                 indicator=indicator.code, year=year, value=value,
                 previous=current.value if current else None)
    return obs


@transaction.atomic
def close_period(plan: Plan, period: str, *, today: date | None = None, by: Person | None = None,
                 actor: str = "") -> Snapshot:
    """Freeze the plan as it stands for a reporting period. Closing it again returns the
    snapshot already taken, unchanged."""
    from zerocity.plan.selectors import plan_report

    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    existing = Snapshot.objects.filter(plan=plan, period=period).first()
    if existing is not None:
        return existing
    data = plan_report(plan, today=today or plan.city.calendar.today())
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    snapshot = Snapshot.objects.create(
        plan=plan, period=period, data=json.loads(canonical),
        sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        by_label=actor or audit.actor_label(by))
    audit.record("plan.close_period", city=plan.city, user=by, actor=actor, obj=snapshot,
                 period=period, sha256=snapshot.sha256)
    return snapshot


# -- moderation: a department proposes, the climate office publishes --------------------------

# The action fields a department may propose to change (the rest come with the plan itself).
EDITABLE_FIELDS = (
    "name", "action_type", "description", "outcome", "responsible_body",
    "responsible_person", "stakeholders", "scale", "start_year", "end_year",
    "energy_generated_mwh", "energy_substituted", "total_cost_eur",
)


TRANSLATED_FIELDS = ("name", "description", "outcome")  # plan/translation.py

# The editable fields as the editor's labels, the proposals' rows and the refusals name them.
ACTION_FIELDS = {
    "name": gettext_lazy("Name"),
    "action_type": gettext_lazy("Type of action"),
    "description": gettext_lazy("Description"),
    "outcome": gettext_lazy("Expected outcome"),
    "responsible_body": gettext_lazy("Responsible body"),
    "responsible_person": gettext_lazy("Responsible person"),
    "stakeholders": gettext_lazy("Stakeholders involved"),
    "scale": gettext_lazy("Scale"),
    "start_year": gettext_lazy("Start year"),
    "end_year": gettext_lazy("End year"),
    "energy_generated_mwh": gettext_lazy("Renewable energy generated (MWh a year)"),
    "energy_substituted": gettext_lazy("Energy substituted"),
    "total_cost_eur": gettext_lazy("Total cost (EUR)"),
}


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _field_name(name: str) -> str:
    """A field of an action as the editor calls it; a translated one (``description_sl``) by
    its field's label."""
    base, _sep, code = name.rpartition("_")
    if base in TRANSLATED_FIELDS and code in languages():
        name = base
    return str(ACTION_FIELDS.get(name, name))


def _still_open(proposal: ActionProposal) -> None:
    if proposal.state == ProposalState.PUBLISHED:
        raise Conflict(gettext("This proposal has already been published."))
    if proposal.state == ProposalState.REJECTED:
        raise Conflict(gettext("This proposal has already been rejected."))


@transaction.atomic
def propose_change(action: Action, changes: dict[str, Any], *, note: str = "",
                   by: Person | None = None,
                   actor: str = "") -> ActionProposal | None:
    """Record a proposed change to an action. Values equal to the action's current ones are
    dropped; nothing left to change returns None. Values are checked as the model checks
    them, so a proposal can always be published."""
    from django.core.exceptions import ValidationError

    # a translated text is proposed in one language: ``name`` is the editor's language's
    # column (``name_sl``), so publishing it later, in any language, changes that one only
    language = active()
    changes = {f"{k}_{language}" if k in TRANSLATED_FIELDS else k: v for k, v in changes.items()}
    unknown = set(changes) - set(EDITABLE_FIELDS) - {
        f"{k}_{code}" for k in TRANSLATED_FIELDS for code in languages()}
    if unknown:
        raise Conflict(gettext("These fields cannot be changed by a proposal: %(fields)s.")
                       % {"fields": ", ".join(sorted(unknown))})
    action = Action.objects.select_for_update().get(pk=action.pk)
    trial = Action.objects.get(pk=action.pk)
    diff: dict[str, Any] = {}
    previous: dict[str, Any] = {}
    for name, value in changes.items():
        field = Action._meta.get_field(name)
        try:
            clean = field.clean(value, trial)  # type: ignore[union-attr]
        except ValidationError as exc:
            raise Conflict(gettext("Check %(field)s: %(problems)s")
                           % {"field": _field_name(name), "problems": " ".join(exc.messages)}
                           ) from exc
        if isinstance(clean, Decimal):  # as the database keeps it, so stale checks compare
            clean = clean.quantize(Decimal(1).scaleb(-field.decimal_places))  # type: ignore[union-attr]
        setattr(trial, name, clean)
        if clean != getattr(action, name):
            diff[name], previous[name] = _plain(clean), _plain(getattr(action, name))
    if not diff:
        return None
    try:
        trial.full_clean(validate_unique=False)
        trial.validate_constraints()
    except ValidationError as exc:
        raise Conflict(" ".join(exc.messages)) from exc
    proposal = ActionProposal.objects.create(
        action=action, changes=diff, previous=previous, note=note,
        proposed_by=actor or audit.actor_label(by))
    audit.record("plan.propose", city=action.plan.city, user=by, actor=actor, obj=proposal,
                 action_code=action.code, changes=diff)
    return proposal


@transaction.atomic
def publish_proposal(proposal: ActionProposal, *, by: Person | None = None,
                     actor: str = "") -> Action:
    """Apply a proposal to its action. Refused when the action changed since it was proposed
    (someone published another change to the same fields): the office reviews it again."""
    proposal = ActionProposal.objects.select_for_update().select_related(
        "action__plan__city").get(pk=proposal.pk)
    if proposal.state != ProposalState.PROPOSED:
        _still_open(proposal)
    action = Action.objects.select_for_update().get(pk=proposal.action_id)
    stale = [name for name, value in proposal.previous.items()
             if _plain(getattr(action, name)) != value]
    if stale:
        raise Conflict(gettext("The action has changed since this proposal was made (%(fields)s); "
                               "ask the department for a new proposal.")
                       % {"fields": ", ".join(_field_name(name) for name in stale)})
    for name, value in proposal.changes.items():
        field = Action._meta.get_field(name)
        setattr(action, name, field.to_python(value))  # type: ignore[union-attr]
    action.last_update_at = timezone.now()
    action.save()
    proposal.state = ProposalState.PUBLISHED
    proposal.decided_by = actor or audit.actor_label(by)
    proposal.decided_at = timezone.now()
    proposal.save()
    audit.record("plan.publish", city=action.plan.city, user=by, actor=actor, obj=action,
                 proposal=proposal.pk, changes=proposal.changes, previous=proposal.previous)
    return action


@transaction.atomic
def submit_change(action: Action, changes: dict[str, Any], *, note: str = "",
                  publish: bool = False, by: Person | None = None,
                  actor: str = "") -> ActionProposal | None:
    """What the action editor sends: the change is proposed (``propose_change``) and, when
    ``publish`` (the caller has checked that the climate office sends it), published at once,
    both or neither. None when nothing changed; else the proposal, in its final state."""
    proposal = propose_change(action, changes, note=note, by=by, actor=actor)
    if proposal is not None and publish:
        publish_proposal(proposal, by=by, actor=actor)
        proposal.refresh_from_db()
    return proposal


@transaction.atomic
def reject_proposal(proposal: ActionProposal, *, reason: str, by: Person | None = None,
                    actor: str = "") -> ActionProposal:
    if not reason.strip():
        raise Conflict(gettext("Give a reason for the rejection that the department can act on."))
    proposal = ActionProposal.objects.select_for_update().select_related(
        "action__plan__city").get(pk=proposal.pk)
    if proposal.state != ProposalState.PROPOSED:
        _still_open(proposal)
    proposal.state = ProposalState.REJECTED
    proposal.decision_reason = reason
    proposal.decided_by = actor or audit.actor_label(by)
    proposal.decided_at = timezone.now()
    proposal.save()
    audit.record("plan.reject", city=proposal.action.plan.city, user=by, actor=actor,
                 obj=proposal, action_code=proposal.action.code, reason=reason)
    return proposal
