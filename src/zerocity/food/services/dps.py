"""The DPS's first stage: setting it up, publishing it, registering the economic operators,
requests to participate and their decisions, memberships and renewed self-declarations, and
the timer that moves everything on when its time limit passes.

Every refusal is a translated sentence saying what to do, with the rule it enforces on the
exception's ``code`` (``RuleConflict("DPS-20", ...)``, ``food.errors``); every decision and
notification is a procedural ``Message`` with the SHA-256 of its content; every step is in the
audit trail.
Time limits come from ``zerocity.food.deadlines`` only.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from zerocity.core import audit
from zerocity.core.actors import Person, signed_in
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.core.translations import given, languages
from zerocity.food import deadlines, law
from zerocity.food.errors import FormRejected, RuleConflict
from zerocity.food.models import (
    Application,
    ApplicationStatus,
    Category,
    Dps,
    DpsStatus,
    Membership,
    MembershipStatus,
    Message,
    Operator,
    ProcurementStatus,
    SpecificProcurement,
)
from zerocity.food.text import money, number

INITIAL_DAYS = 30  # DPS-20
DECISION_WD, EXTENDED_DECISION_WD = 10, 15  # DPS-23
REDECLARATION_WD = 5  # DPS-29
OPEN_FOR_REQUESTS = (DpsStatus.PUBLISHED, DpsStatus.INITIAL_EVALUATION, DpsStatus.ACTIVE)

# Award criteria the law allows and the city wants (research note §4.4, ZJN-3 Art. 84(8)).
CRITERIA = ("price", "freshness", "delivery_frequency", "lead_time", "seasonal",
            "quality_schemes", "organic", "short_supply_chain", "transport_emissions")
# SI-04: origin and the supplier's location are never scored.
FORBIDDEN_CRITERIA = ("origin", "local", "supplier_location", "supplier_distance",
                      "national_origin")
# DPS-10 and DPS-22: settings the law does not allow a DPS to have, with the rule and why.
_NO_CAP = gettext_lazy("Every operator that meets the criteria is admitted: the number of "
                       "participants may not be limited. Leave the limit out.")
_NO_FEE = gettext_lazy("Economic operators may not be charged for taking part in the "
                       "purchasing system. Leave the fee out.")
FORBIDDEN_SETTINGS = {
    "max_participants": ("DPS-22", _NO_CAP),
    "participant_cap": ("DPS-22", _NO_CAP),
    "supplier_fee": ("DPS-10", _NO_FEE),
    "application_fee": ("DPS-10", _NO_FEE),
}
# DPS-26: what is checked and recorded before a request is decided.
EXCLUSION_CHECKS = ("espd_received", "exclusion_grounds_art57", "selection_criteria")
# ... and how the buyers' page names them
CHECK_LABELS = {
    "espd_received": gettext_lazy("The self-declaration (ESPD) is received and complete"),
    "exclusion_grounds_art57": gettext_lazy(
        "No ground for exclusion applies (criminal convictions, unpaid taxes or social "
        "security, insolvency, grave misconduct)"),
    "selection_criteria": gettext_lazy("The category's selection criteria are met"),
}


def _record(event: str, dps: Dps, by: Person | None, actor: str, obj: Any = None,
            **data: Any) -> None:
    audit.record(event, city=dps.city, user=by, actor=actor, obj=obj or dps, **data)


# -- setting up -----------------------------------------------------------------------------

def check_settings(settings: dict[str, Any]) -> None:
    for key in settings:
        if key in FORBIDDEN_SETTINGS:
            code, why = FORBIDDEN_SETTINGS[key]
            raise RuleConflict(code, str(why))


# The texts of a DPS and of its categories a person reads, stored per language (translation.py)
DPS_TEXTS = ("justification", "purchases", "operation", "equipment")


@transaction.atomic
def create_dps(city: City, reference: str, title: str, *, by: Person | None = None, actor: str = "",
               translations: Mapping[str, Mapping[str, Any]] | None = None,
               **fields: Any) -> Dps:
    """A draft DPS. Its title and documents are given in the active language, and in others
    as ``translations`` (``{"sl": {"title": ..., "purchases": ...}}``)."""
    check_settings(fields)
    texts = {"title": title, **{k: fields.pop(k) for k in DPS_TEXTS if k in fields}}
    columns = {f"{name}_{code}" for name in texts for code in languages()}
    allowed = {f.name for f in Dps._meta.get_fields()} - {
        "id", "city", "reference", "title", "status", "award_criteria", *columns}
    unknown = set(fields) - allowed
    if unknown:
        raise Conflict(gettext("A purchasing system has no setting called %(names)s; check "
                               "the spelling.") % {"names": ", ".join(sorted(unknown))})
    dps = Dps.objects.create(city=city, reference=reference,
                             **given({**dict.fromkeys(DPS_TEXTS, ""), **texts}, translations),
                             **fields)
    _record("food.dps_created", dps, by, actor, reference=reference)
    return dps


def _draft(dps: Dps) -> None:
    if dps.status != DpsStatus.DRAFT:
        raise Conflict(gettext("The purchasing system is published and its terms are fixed; a "
                               "change needs a change notice."))


@transaction.atomic
def add_category(dps: Dps, code: str, name: str, *, definition: str,
                 selection_criteria: list[str], max_contract_value: Decimal | str,
                 min_turnover: Decimal | str | None = None, delivery_area: str = "",
                 translations: Mapping[str, Mapping[str, Any]] | None = None,
                 by: Person | None = None, actor: str = "") -> Category:
    """A category of a draft DPS; its name, definition and selection criteria given in the
    active language, and in others as ``translations`` (``{"sl": {"name": ...}}``)."""
    _draft(dps)
    if not definition.strip():
        raise RuleConflict("DPS-06", gettext(
            "Describe the category by the characteristics of what is bought in it."))
    if not [c for c in selection_criteria if str(c).strip()]:
        raise RuleConflict("DPS-06", gettext(
            "Give the category at least one selection criterion."))
    max_value = Decimal(str(max_contract_value))
    if max_value <= 0:
        raise RuleConflict("DPS-27", gettext(
            "State the largest value a specific contract of the category is expected to have, "
            "above 0 EUR."))
    turnover = None if min_turnover in (None, "") else Decimal(str(min_turnover))
    if turnover is not None and turnover > 2 * max_value:
        raise RuleConflict("DPS-27", gettext(
            "A yearly turnover of at most %(limit)s may be asked, twice the largest specific "
            "contract (%(largest)s); lower the turnover asked.") % {
                "limit": money(2 * max_value), "largest": money(max_value)})
    def listed(criteria: Any) -> list[str]:
        return [str(c).strip() for c in criteria or [] if str(c).strip()]

    category = Category.objects.create(
        dps=dps, code=code, **given(
            {"name": name, "definition": definition,
             "selection_criteria": listed(selection_criteria)},
            {code_: {**more, **({"selection_criteria": listed(more["selection_criteria"])}
                                if "selection_criteria" in more else {})}
             for code_, more in (translations or {}).items()}),
        max_contract_value=max_value, min_turnover=turnover, delivery_area=delivery_area)
    _record("food.category_added", dps, by, actor, obj=category, code=code)
    return category


@dataclass
class CriteriaCheck:
    criteria: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)


def check_award_criteria(criteria: list[dict[str, Any]],
                         local_words: re.Pattern[str] | None = None) -> CriteriaCheck:
    """Award criteria with their weights, fixed in the notice (DPS-09). Types the law forbids
    are refused (SI-04); a name or description that speaks of origin, locality or distance is
    a warning to review (the law forbids scoring the supplier's location, not transport
    emissions measured the same way for everyone). ``local_words`` are the city's national
    profile's (``law``); without one, the EU's English words are looked for."""
    local_words = local_words or re.compile(law.EU_LOCAL_WORDS, re.IGNORECASE)
    if not criteria:
        raise RuleConflict("DPS-09", gettext(
            "Set the award criteria and their weights: the notice fixes them."))
    seen, total, warnings = set(), Decimal(0), []
    out = []
    for i, c in enumerate(criteria):
        kind = str(c.get("type", "")).strip()
        ident = str(c.get("id", "")).strip()
        which = ident or str(i + 1)
        if kind in FORBIDDEN_CRITERIA:
            raise RuleConflict("SI-04", gettext(
                "Criterion %(criterion)s scores where the food comes from or where the "
                "supplier is, which the law forbids (ZJN-3 Art. 18(1) and 42(4), TFEU Art. "
                "34); score what is measured the same way for everyone, such as transport "
                "emissions, instead.") % {"criterion": which})
        if kind not in CRITERIA:
            raise Conflict(gettext(
                "Criterion %(criterion)s: the type %(type)s is not one the purchasing system "
                "scores; choose one of %(types)s.") % {
                    "criterion": which, "type": kind or "-", "types": ", ".join(CRITERIA)})
        if not ident or ident in seen:
            raise Conflict(gettext("Criterion %(n)s: give it an id no other criterion "
                                   "has.") % {"n": i + 1})
        seen.add(ident)
        try:
            weight = Decimal(str(c.get("weight")))
        except ArithmeticError:
            raise Conflict(gettext("Criterion %(criterion)s: enter its weight as a "
                                   "number.") % {"criterion": ident}) from None
        if not weight.is_finite() or weight <= 0:
            raise Conflict(gettext("Criterion %(criterion)s: give it a weight above "
                                   "0.") % {"criterion": ident})
        total += weight
        text = f"{c.get('name', '')} {c.get('description', '')}"
        if local_words.search(text):
            warnings.append(gettext(
                "Criterion %(criterion)s (%(name)s) speaks of origin, locality or distance; "
                "check that it does not favour local suppliers.") % {
                    "criterion": ident, "name": c.get("name", "")})
        out.append({"id": ident, "type": kind, "name": str(c.get("name", kind)),
                    "description": str(c.get("description", "")), "weight": str(weight),
                    # the name in each language, when given (shown with ``tr``)
                    **{f"{key}_{code}": str(c[f"{key}_{code}"]) for key in ("name",
                                                                          "description")
                       for code in languages() if c.get(f"{key}_{code}")}})
    if total != 100:
        raise RuleConflict("DPS-09", gettext(
            "The weights add up to %(total)s; make them add up to 100.") % {
                "total": number(total, _places(total))})
    return CriteriaCheck(out, warnings)


@transaction.atomic
def set_award_criteria(dps: Dps, criteria: list[dict[str, Any]], *, by: Person | None = None,
                       actor: str = "") -> CriteriaCheck:
    _draft(dps)
    national = law.profile(dps.city)
    checked = check_award_criteria(criteria, national.local_words_re if national else None)
    dps.award_criteria = checked.criteria
    dps.save(update_fields=["award_criteria"])
    _record("food.award_criteria", dps, by, actor, criteria=[c["id"] for c in checked.criteria],
            warnings=checked.warnings)
    return checked


@transaction.atomic
def publish(dps: Dps, *, sent_at: datetime, initial_deadline: datetime, by: Person | None = None,
            actor: str = "") -> Dps:
    """Dispatch the notice: every BLOCK rule of the set-up is checked first."""
    dps = Dps.objects.select_for_update(of=("self",)).select_related("city").get(pk=dps.pk)
    _draft(dps)
    law.require_profile(dps.city)
    cal = dps.city.calendar
    missing = [(rule, what) for rule, what, ok in (
        ("DPS-01", gettext("why a purchasing system is used"), dps.justification.strip()),
        ("DPS-05", gettext("the nature and estimated quantity of the purchases"),
         dps.purchases.strip()),
        ("DPS-05", gettext("how the purchasing system operates"), dps.operation.strip()),
        ("DPS-05", gettext("the electronic equipment and how to connect"),
         dps.equipment.strip()),
        ("DPS-08", gettext("the period of validity"), dps.valid_from and dps.valid_to),
        ("DPS-11", gettext("the estimated value"), dps.estimated_value),
        ("DPS-09", gettext("the award criteria"), dps.award_criteria),
        ("DPS-06", gettext("at least one category"), dps.categories.exists()),
    ) if not ok]
    if missing:
        # every rule missing is named for the audit trail, the sentence lists what to add
        raise RuleConflict(" ".join(dict.fromkeys(rule for rule, _ in missing)), gettext(
            "Before publishing, fill in %(missing)s.") % {
                "missing": "; ".join(what for _, what in missing)})
    assert dps.valid_from is not None and dps.valid_to is not None
    if dps.valid_to < dps.valid_from:
        raise RuleConflict("DPS-08", gettext(
            "The period of validity ends before it starts; correct its dates."))
    earliest = deadlines.in_days(cal, sent_at, INITIAL_DAYS)
    if initial_deadline < earliest:
        raise RuleConflict("DPS-20", gettext(
            "Requests to participate get at least %(days)s days from the notice's dispatch; "
            "set the initial deadline at %(earliest)s or later.") % {
                "days": INITIAL_DAYS, "earliest": local_time(dps, earliest)})
    if cal.local_date(initial_deadline) > dps.valid_to:
        raise RuleConflict("DPS-20", gettext(
            "The initial deadline falls after the purchasing system ends; set it within the "
            "period of validity."))
    dps.status, dps.notice_sent_at, dps.initial_deadline = (DpsStatus.PUBLISHED, sent_at,
                                                            initial_deadline)
    dps.save(update_fields=["status", "notice_sent_at", "initial_deadline"])
    _record("food.dps_published", dps, by, actor, sent_at=sent_at.isoformat(),
            initial_deadline=initial_deadline.isoformat())
    return dps


def _places(value: Decimal) -> int:
    """Decimals a figure is shown with: none for a whole number, else its own."""
    exponent = value.normalize().as_tuple().exponent
    return 0 if not isinstance(exponent, int) or exponent >= 0 else -exponent


def titled(obj: Dps | SpecificProcurement) -> dict[str, str]:
    """A title for a procedural message's data: as read now, and in each language it has, so
    that every recipient reads the message in their own (``letters``)."""
    return {"title": obj.title, **{f"title_{code}": value for code in languages()
                                   if (value := getattr(obj, f"title_{code}", None))}}


def local_time(dps: Dps, moment: datetime) -> str:
    """A time limit as the city's procedural messages show it: local, with its zone."""
    return dps.city.calendar.local(moment).strftime("%Y-%m-%d %H:%M %Z")


# -- messages ---------------------------------------------------------------------------------

def _digest(kind: str, sender: str, recipients: list[str], subject: str, body: str,
            at: datetime) -> str:
    content = json.dumps({"kind": kind, "sender": sender, "recipients": recipients,
                          "subject": subject, "body": body,
                          "sent_at": at.astimezone(UTC).isoformat()},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


def send(dps: Dps, kind: str, *, sender: str, recipients: list[str], subject: str, body: str,
         at: datetime) -> Message:
    """Store a procedural communication with the hash of what was sent (INV-9)."""
    return Message.objects.create(dps=dps, kind=kind, sender=sender, recipients=recipients,
                                  subject=subject, body=body, sent_at=at,
                                  sha256=_digest(kind, sender, recipients, subject, body, at))


def message_intact(message: Message) -> bool:
    return message.sha256 == _digest(message.kind, message.sender, message.recipients,
                                     message.subject, message.body, message.sent_at)


def address(operator: Operator) -> str:
    """How a procedural message names an operator among its recipients."""
    return f"operator:{operator.pk}"


# -- economic operators ---------------------------------------------------------------------

@transaction.atomic
def register_operator(city: City, name: str, registration: str, *, email: str = "",
                      by: Person | None = None, actor: str = "") -> Operator:
    """Register an economic operator with the city, free of charge (DPS-10); the person who
    registers it acts for it. A registration number is registered once per city, also when
    two people send it at the same moment: a second one is refused, and its people add
    whoever else acts for the operator."""
    name, registration = name.strip()[:300], registration.strip()[:40]
    if not name or not registration:
        raise Conflict(gettext("Give the operator's name and its registration number."))
    taken = Conflict(gettext("An operator with this registration number is registered; ask "
                             "its people to add you."))
    if Operator.objects.filter(city=city, registration=registration).exists():
        raise taken
    try:
        with transaction.atomic():
            operator = Operator.objects.create(city=city, name=name, registration=registration,
                                               email=email.strip()[:254])
            person = signed_in(by)
            if person is not None:
                operator.people.add(person)
            audit.record("food.operator_registered", city=city, user=by, actor=actor,
                         obj=operator)
    except IntegrityError:
        raise taken from None
    return operator


# -- requests to participate ---------------------------------------------------------------

def open_for_requests(dps: Dps, at: datetime) -> bool:
    """DPS-21, INV-5: open from the notice to the end of the last day of validity."""
    return (dps.status in OPEN_FOR_REQUESTS and dps.valid_to is not None
            and dps.notice_sent_at is not None and dps.notice_sent_at <= at
            and at < dps.city.calendar.day_end(dps.valid_to))


@transaction.atomic
def submit(dps: Dps, operator: Operator, categories: list[Category], *, at: datetime,
           by: Person | None = None, actor: str = "") -> Application:
    """A request to participate. One received before the initial deadline stays sealed until
    it (DPS-31); the decision is due 10 working days after receipt, or after the initial
    deadline for a sealed one, plus the published initial extension (DPS-23, DPS-24)."""
    dps = Dps.objects.select_for_update().get(pk=dps.pk)
    if operator.city_id != dps.city_id:
        raise Conflict(gettext("The operator is registered with another city."))
    if not open_for_requests(dps, at):
        raise RuleConflict("DPS-21", gettext(
            "Requests to participate are taken from the notice to the last day of the "
            "purchasing system's validity; it does not take them now."))
    if not categories or any(c.dps_id != dps.pk for c in categories):
        raise FormRejected([(gettext("Categories"),
                             gettext("choose one or more categories."))])
    taken = set(Membership.objects.filter(operator=operator, category__in=categories,
                                          status__in=(MembershipStatus.ACTIVE,
                                                      MembershipStatus.REDECLARATION_PENDING))
                .values_list("category__code", flat=True))
    pending = set(Application.objects.filter(
        operator=operator, categories__in=categories,
        status__in=(ApplicationStatus.SEALED, ApplicationStatus.UNDER_EVALUATION))
        .values_list("categories__code", flat=True))
    if taken | pending:
        names = sorted(c.name for c in categories if c.code in taken | pending)
        raise Conflict(gettext("You are admitted to, or have asked for, %(names)s already; "
                               "choose other categories.") % {"names": ", ".join(names)})
    assert dps.initial_deadline is not None
    initial = at < dps.initial_deadline
    due = deadlines.in_working_days(dps.city.calendar, _decision_start(dps, at),
                                    DECISION_WD + (dps.initial_extension_wd if initial else 0))
    application = Application.objects.create(
        dps=dps, operator=operator, received_at=at, initial=initial, decision_due=due,
        status=ApplicationStatus.SEALED if initial else ApplicationStatus.UNDER_EVALUATION)
    application.categories.set(categories)
    send(dps, "request_received", sender="platform", recipients=[address(operator)],
         subject=f"{dps.title}: request received",
         body=json.dumps({**titled(dps), "received": at.isoformat(),
                          "categories": sorted(c.name for c in categories),
                          "due": due.isoformat()}, ensure_ascii=False), at=at)
    _record("food.request", dps, by, actor, obj=application, operator=operator.pk,
            initial=initial)
    return application


def _decision_start(dps: Dps, received: datetime) -> datetime:
    """The event the decision period counts from: the receipt, or for a request sealed until
    the initial deadline, that deadline's last day (the deadline instant is the next day's
    00:00, so the day after the deadline is day 1)."""
    assert dps.initial_deadline is not None
    if received < dps.initial_deadline:
        return dps.initial_deadline - timedelta(microseconds=1)
    return received


@transaction.atomic
def extend(application: Application, reason: str, *, by: Person | None = None,
           actor: str = "") -> Application:
    """DPS-23: 15 working days instead of 10, in a justified case."""
    if application.status not in (ApplicationStatus.SEALED, ApplicationStatus.UNDER_EVALUATION):
        raise Conflict(gettext("Only a request not yet decided is given more time."))
    if not reason.strip():
        raise RuleConflict("DPS-23", gettext(
            "Give the reason for taking 15 working days instead of 10."))
    if application.extension_reason:
        return application
    dps = application.dps
    application.decision_due = deadlines.in_working_days(
        dps.city.calendar, _decision_start(dps, application.received_at),
        EXTENDED_DECISION_WD + (application.dps.initial_extension_wd
                                if application.initial else 0))
    application.extension_reason = reason[:500]
    application.save(update_fields=["decision_due", "extension_reason"])
    _record("food.request_extended", application.dps, by, actor, obj=application,
            reason=reason)
    return application


@transaction.atomic
def decide(application: Application, *, admitted: list[Category], checks: dict[str, bool],
           at: datetime, reasons: str = "", by: Person | None = None,
           actor: str = "") -> Application:
    """Admit the operator to the categories whose criteria it meets, or reject it with the
    reasons. Sealed requests wait for the initial deadline (DPS-31); every exclusion and
    selection check is recorded first (DPS-26); the operator is notified (DPS-25)."""
    application = Application.objects.select_for_update().select_related(
        "dps", "operator").get(pk=application.pk)
    if application.status == ApplicationStatus.SEALED:
        raise RuleConflict("DPS-31", gettext(
            "Requests received before the initial deadline are examined only after it."))
    if application.status != ApplicationStatus.UNDER_EVALUATION:
        raise Conflict(gettext("The request is decided or withdrawn already."))
    missing = [c for c in EXCLUSION_CHECKS if c not in checks]
    if missing:
        raise RuleConflict("DPS-26", gettext("Record every check first: %(checks)s.") % {
            "checks": "; ".join(str(CHECK_LABELS[c]) for c in missing)})
    asked = set(application.categories.values_list("pk", flat=True))
    if any(c.pk not in asked for c in admitted):
        raise Conflict(gettext("Admit only to the categories the operator asked for."))
    problems: list[tuple[str, str]] = []
    if admitted and not all(checks[c] for c in EXCLUSION_CHECKS):
        problems += [(str(CHECK_LABELS[c]), gettext(
            "an operator is admitted only when this check is passed; tick it, or admit to "
            "no category and give the reasons.")) for c in EXCLUSION_CHECKS if not checks[c]]
    if not admitted and not reasons.strip():
        problems.append((gettext("Reasons"), gettext(
            "a rejection states its reasons, which the operator is told.")))
    if problems:
        error = FormRejected(problems)
        error.code = "DPS-26" if admitted else "DPS-25"
        raise error
    application.status = (ApplicationStatus.ADMITTED if admitted
                          else ApplicationStatus.REJECTED)
    application.exclusion_checks = {c: bool(checks[c]) for c in EXCLUSION_CHECKS}
    application.decided_at, application.decided_by = at, actor or audit.actor_label(by)
    application.late = at >= application.decision_due
    application.reasons = reasons
    application.save()
    for category in admitted:
        Membership.objects.update_or_create(
            operator=application.operator, category=category,
            defaults={"application": application, "status": MembershipStatus.ACTIVE,
                      "since": at, "redeclaration_due": None, "changed_at": at, "reason": ""})
    send(application.dps, "admission_decision", sender=application.decided_by or "buyer",
         recipients=[address(application.operator)],
         subject=f"{application.dps.title}: "
                 + ("admitted" if admitted else "not admitted"),
         body=json.dumps({**titled(application.dps),
                          "admitted": sorted(c.name for c in admitted),
                          "reasons": reasons}, ensure_ascii=False),
         at=at)
    _record("food.request_decided", application.dps, by, actor, obj=application,
            admitted=[c.code for c in admitted], late=application.late)
    return application


@transaction.atomic
def withdraw(application: Application, *, at: datetime, by: Person | None = None,
             actor: str = "") -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status not in (ApplicationStatus.SEALED, ApplicationStatus.UNDER_EVALUATION):
        raise Conflict(gettext("The request is decided already; only a request not yet "
                               "decided can be withdrawn."))
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status"])
    _record("food.request_withdrawn", application.dps, by, actor, obj=application)
    return application


# -- memberships -------------------------------------------------------------------------------

@transaction.atomic
def request_redeclaration(membership: Membership, *, at: datetime, by: Person | None = None,
                          actor: str = "") -> Membership:
    """DPS-29: a renewed self-declaration (ESPD) within 5 working days. The member keeps
    being invited meanwhile (the research note's safe default)."""
    membership = Membership.objects.select_for_update().select_related(
        "category__dps", "operator").get(pk=membership.pk)
    if membership.status != MembershipStatus.ACTIVE:
        raise Conflict(gettext("Only an active member is asked for a renewed "
                               "self-declaration."))
    membership.status = MembershipStatus.REDECLARATION_PENDING
    dps = membership.category.dps
    membership.redeclaration_due = deadlines.in_working_days(dps.city.calendar, at,
                                                             REDECLARATION_WD)
    membership.changed_at = at
    membership.save()
    send(dps, "redeclaration_request", sender=actor or audit.actor_label(by) or "buyer",
         recipients=[address(membership.operator)],
         subject=f"{dps.title}: renewed self-declaration",
         body=json.dumps({**titled(dps),
                          "due": membership.redeclaration_due.isoformat()}), at=at)
    _record("food.redeclaration_asked", dps, by, actor, obj=membership)
    return membership


@transaction.atomic
def receive_redeclaration(membership: Membership, *, at: datetime, by: Person | None = None,
                          actor: str = "") -> Membership:
    membership = Membership.objects.select_for_update().select_related(
        "category__dps").get(pk=membership.pk)
    if membership.status != MembershipStatus.REDECLARATION_PENDING:
        raise Conflict(gettext("No renewed self-declaration was asked."))
    assert membership.redeclaration_due is not None
    if at >= membership.redeclaration_due:
        raise RuleConflict("DPS-29", gettext(
            "The renewed self-declaration came after its deadline."))
    membership.status, membership.redeclaration_due, membership.changed_at = (
        MembershipStatus.ACTIVE, None, at)
    membership.save()
    _record("food.redeclaration_received", membership.category.dps, by, actor, obj=membership)
    return membership


def members(category: Category, at: datetime) -> list[Operator]:
    """The operators a specific procurement of the category sent at ``at`` invites (INV-2):
    admitted by then, and still active or asked for a renewed self-declaration."""
    rows = Membership.objects.filter(
        category=category, since__lte=at,
        status__in=(MembershipStatus.ACTIVE, MembershipStatus.REDECLARATION_PENDING))
    return [m.operator for m in rows.select_related("operator").order_by("operator__name")]


# -- the timer ---------------------------------------------------------------------------------

@dataclass
class Tick:
    unsealed: int = 0
    activated: list[str] = field(default_factory=list)
    terminated: list[str] = field(default_factory=list)
    excluded: int = 0
    overdue: list[int] = field(default_factory=list)
    closed_for_tenders: list[str] = field(default_factory=list)
    notices_overdue: list[str] = field(default_factory=list)


@transaction.atomic
def tick(city: City, now: datetime) -> Tick:
    """Move every DPS of the city on to where its time limits put it; running it again at the
    same moment changes nothing. Returns what moved, and the requests whose decision is
    overdue (DPS-23's breach flag)."""
    out = Tick()
    for dps in Dps.objects.select_for_update().filter(city=city).exclude(
            status__in=(DpsStatus.DRAFT, DpsStatus.TERMINATED, DpsStatus.CANCELLED)):
        assert dps.initial_deadline is not None and dps.valid_to is not None
        if dps.status == DpsStatus.PUBLISHED and now >= dps.initial_deadline:
            out.unsealed += Application.objects.filter(
                dps=dps, status=ApplicationStatus.SEALED).update(
                status=ApplicationStatus.UNDER_EVALUATION)
            dps.status = DpsStatus.INITIAL_EVALUATION
            dps.save(update_fields=["status"])
            _record("food.dps_initial_evaluation", dps, None, "timer")
        if dps.status == DpsStatus.INITIAL_EVALUATION and not Application.objects.filter(
                dps=dps, initial=True, status__in=(ApplicationStatus.SEALED,
                                                   ApplicationStatus.UNDER_EVALUATION)).exists():
            dps.status = DpsStatus.ACTIVE
            dps.save(update_fields=["status"])
            out.activated.append(dps.reference)
            _record("food.dps_active", dps, None, "timer")
        if now >= city.calendar.day_end(dps.valid_to):
            dps.status = DpsStatus.TERMINATED
            dps.save(update_fields=["status"])
            Membership.objects.filter(category__dps=dps).filter(
                Q(status=MembershipStatus.ACTIVE)
                | Q(status=MembershipStatus.REDECLARATION_PENDING)).update(
                status=MembershipStatus.ENDED, changed_at=now)
            out.terminated.append(dps.reference)
            _record("food.dps_terminated", dps, None, "timer")
            continue
        for m in Membership.objects.select_related("operator").filter(
                category__dps=dps, status=MembershipStatus.REDECLARATION_PENDING,
                redeclaration_due__lte=now):
            m.status, m.changed_at = MembershipStatus.EXCLUDED, now
            m.reason = "DPS-29: no renewed self-declaration within 5 working days"
            m.save()
            send(dps, "exclusion", sender="platform",
                 recipients=[address(m.operator)],
                 subject=f"{dps.title}: excluded from {m.category.code}",
                 body=json.dumps({**titled(dps), "category": m.category.name,
                                  "reason": "redeclaration_late"}, ensure_ascii=False),
                 at=now)
            out.excluded += 1
        out.overdue += list(Application.objects.filter(
            dps=dps, status=ApplicationStatus.UNDER_EVALUATION, decision_due__lte=now)
            .values_list("pk", flat=True))
        closing = SpecificProcurement.objects.filter(
            dps=dps, status=ProcurementStatus.TENDERING, tender_deadline__lte=now)
        out.closed_for_tenders += list(closing.values_list("reference", flat=True))
        closing.update(status=ProcurementStatus.OPENING)
        out.notices_overdue += list(SpecificProcurement.objects.filter(
            dps=dps, status=ProcurementStatus.AWARDED, award_notice_sent_at__isnull=True,
            award_notice_due__lte=now).values_list("reference", flat=True))
    return out

