"""Climate checks of new NRP projects and council items (research/green-budget-governance.md
§3; acceptance checks 14, 15 and 16 of §6): the writes (each one transaction with its audit
record) and the reads (the item's printed header, yearly statistics, flags).

Relevance is derived from the estimated effect ``t`` (tCO2e a year, + emits, - saves) and the
city's threshold ``T`` (100 t/yr unless the city sets another):

* ``|t| >= T``: high relevance; ``T/10 <= |t| < T``: low relevance; below ``T/10``: none;
* direction: an effect that emits is negative, one that saves is positive.

A highly relevant item goes forward (is published) only with the climate office's opinion; an
item of no relevance only with a one-sentence justification.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from zerocity.budget.access import is_budget_office, may_propose
from zerocity.budget.calculations import largest_remainder
from zerocity.budget.models import (
    BudgetLine,
    ClimateCheckSetting,
    EffectType,
    Proposal,
    ProposalKind,
    Relevance,
    Tag,
)
from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict, NotFound, PermissionDenied
from zerocity.core.models import City, Department

DEFAULT_THRESHOLD = Decimal(100)
LOW_FRACTION = Decimal("0.1")
RELEVANT = (Relevance.POSITIVE_HIGH, Relevance.POSITIVE_LOW, Relevance.NEGATIVE_LOW,
            Relevance.NEGATIVE_HIGH)
FAVOURABLE_TAGS = ("very_favourable", "favourable")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")


class NotReady(Conflict):
    """Publishing refused: ``missing`` names what the item's climate check lacks."""

    def __init__(self, proposal: Proposal, missing: list[str]):
        self.missing = missing
        super().__init__(gettext("%(ref)s cannot be published without: %(missing)s.")
                         % {"ref": proposal.reference, "missing": "; ".join(missing)})


# -- pure rules ------------------------------------------------------------------------------

def rate(estimate_t: Decimal, threshold_t: Decimal) -> str:
    """The relevance of an effect of ``estimate_t`` tCO2e/yr against the threshold (check 14:
    +250 with a threshold of 100 is negative, high relevance)."""
    size = abs(estimate_t)
    if size >= threshold_t:
        strength = "high"
    elif size >= threshold_t * LOW_FRACTION:
        strength = "low"
    else:
        return Relevance.NONE.value
    return f"{'negative' if estimate_t > 0 else 'positive'}_{strength}"


def is_one_sentence(text: str) -> bool:
    """A justification of one sentence: some words, at most one full stop (check 15)."""
    text = text.strip()
    if len(text.split()) < 3:
        return False
    return len(_SENTENCE_END.findall(text)) <= 1


def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise Conflict(gettext("%(what)s is not a number: %(value)s")
                       % {"what": what, "value": value})
    return number


# -- reads ------------------------------------------------------------------------------------

def threshold(city: City) -> Decimal:
    setting = ClimateCheckSetting.objects.filter(city=city).first()
    return setting.threshold_t if setting is not None else DEFAULT_THRESHOLD


def get_proposal(city: City, reference: str) -> Proposal:
    proposal = Proposal.objects.filter(city=city, reference=reference).first()
    if proposal is None:
        raise NotFound(gettext("No proposal %(ref)s.") % {"ref": reference})
    return proposal


def proposal_at(city: City, pk: int) -> Proposal:
    proposal = Proposal.objects.filter(city=city, pk=pk).select_related("department").first()
    if proposal is None:
        raise NotFound(gettext("No such proposal."))
    return proposal


def years(city: City, *, published: bool = False) -> list[int]:
    """The years that have proposals (or published items), latest first."""
    found = Proposal.objects.filter(city=city)
    if published:
        found = found.exclude(published_at=None)
    return sorted(set(found.values_list("year", flat=True)), reverse=True)


def departments(city: City) -> list[Department]:
    """The departments a proposal may name, by name."""
    return list(Department.objects.filter(city=city).order_by("name"))


def year_proposals(city: City, year: int) -> list[Proposal]:
    return list(Proposal.objects.filter(city=city, year=year).select_related("department"))


def published_items(city: City, year: int) -> list[dict[str, Any]]:
    """What the public reads: the year's published items, each as ``describe`` gives it."""
    return [{**describe(p), "published_at": p.published_at}
            for p in Proposal.objects.filter(city=city, year=year).exclude(published_at=None)
            .select_related("department")]


def public_stats(city: City, year: int) -> dict[str, Any]:
    """The year's statistics as the public reads them: ``stats`` without the references of
    items not yet published (counted instead) and without the flags, which name them."""
    figures = stats(city, year)
    return {**{k: v for k, v in figures.items() if k not in ("unchecked", "flagged")},
            "unchecked": len(figures["unchecked"]),
            "flagged": sum(1 for f in figures["flagged"]
                           if Proposal.objects.filter(city=city, reference=f["reference"])
                           .exclude(published_at=None).exists())}


def missing(proposal: Proposal) -> list[str]:
    """What the item's climate check lacks before it may go forward."""
    if proposal.estimate_t is None:
        return [gettext("a climate check (estimated tCO2e per year)")]
    out = []
    if proposal.relevance == Relevance.NONE and not proposal.justification:
        out.append(gettext("a justification of no relevance"))
    if proposal.relevance in (Relevance.NEGATIVE_HIGH, Relevance.POSITIVE_HIGH) \
            and not proposal.opinion:
        out.append(gettext("the climate office's opinion"))
    return out


def header(proposal: Proposal) -> str:
    """The climate check as printed at the head of the item."""
    if proposal.estimate_t is None:
        return gettext("Climate check: not done.")
    text = gettext("Climate check: %(t)s tCO2e per year, %(rating)s (threshold %(T)s "
                   "tCO2e per year).") % {"t": f"{proposal.estimate_t:+}",
                                           "rating": proposal.get_relevance_display(),
                                           "T": f"{proposal.threshold_t}"}
    if proposal.effect_type:
        text += " " + gettext("Effect: %(type)s.") % {"type": proposal.get_effect_type_display()}
    if proposal.justification:
        text += " " + gettext("Justification: %(text)s") % {"text": proposal.justification}
    if proposal.opinion and proposal.opinion_at is not None:
        text += " " + gettext("Opinion of the climate office (%(who)s, %(date)s): %(text)s") \
            % {"who": proposal.opinion_by, "date": f"{proposal.opinion_at:%Y-%m-%d}",
               "text": proposal.opinion}
    return text


def describe(proposal: Proposal) -> dict[str, Any]:
    return {
        "reference": proposal.reference,
        "kind": proposal.kind,
        "title": proposal.title,
        "year": proposal.year,
        "estimated_cost": (f"{proposal.estimated_cost:.2f}"
                           if proposal.estimated_cost is not None else None),
        "department": proposal.department.slug if proposal.department else None,
        "nrp_code": proposal.nrp_code,
        "estimate_t": f"{proposal.estimate_t}" if proposal.estimate_t is not None else None,
        "threshold_t": f"{proposal.threshold_t}" if proposal.threshold_t is not None else None,
        "relevance": proposal.relevance or None,
        "effect_type": proposal.effect_type or None,
        "justification": proposal.justification,
        "opinion": proposal.opinion,
        "opinion_by": proposal.opinion_by,
        "published": proposal.published_at is not None,
        "missing": missing(proposal),
        "header": header(proposal),
    }


def flagged(city: City, year: int) -> list[dict[str, Any]]:
    """Proposals of ``year`` rated negative, high whose budget line (by NRP code), in that
    year's budget or a later one, is tagged very favourable or favourable for mitigation
    (check 16): each with the line and the proposal named."""
    out = []
    harmful = Proposal.objects.filter(city=city, year=year,
                                      relevance=Relevance.NEGATIVE_HIGH).exclude(nrp_code="")
    for proposal in harmful:
        lines = (BudgetLine.objects.filter(version__city=city, version__year__gte=year,
                                           nrp_code=proposal.nrp_code)
                 .select_related("version").order_by("version__year", "version__stage", "row"))
        for line in lines:
            tags = sorted(t for t in FAVOURABLE_TAGS if t in line.mitigation)
            if not tags:
                continue
            out.append({
                "reference": proposal.reference,
                "title": proposal.title,
                "relevance": proposal.relevance,
                "estimate_t": f"{proposal.estimate_t}",
                "nrp_code": proposal.nrp_code,
                "budget": f"{line.version.year} {line.version.stage}",
                "row": line.row,
                "line": line.key,
                "line_name": line.pp_name or line.nrp_name,
                "mitigation": line.mitigation,
                "message": gettext("%(ref)s was rated negative, high relevance, but its budget "
                                   "line %(line)s (%(budget)s, row %(row)s) is tagged "
                                   "%(tags)s.") % {"ref": proposal.reference, "line": line.key,
                                                   "budget": f"{line.version.year} "
                                                             f"{line.version.stage}",
                                                   "row": line.row,
                                                   "tags": ", ".join(str(Tag(t).label)
                                                                     for t in tags)},
            })
    return out


def stats(city: City, year: int, decimals: int = 1) -> dict[str, Any]:
    """Outcomes of the year's checks: count and share per rating, the share relevant (check
    15), the items still unchecked, and the flags of check 16."""
    proposals = list(Proposal.objects.filter(city=city, year=year))
    checked = [p for p in proposals if p.relevance]
    counts = [sum(1 for p in checked if p.relevance == r) for r in Relevance.values]
    shares = largest_remainder([Decimal(c) for c in counts], Decimal(len(checked)), decimals)
    relevant = sum(c for r, c in zip(Relevance.values, counts, strict=True) if r != "none")
    rel_share = largest_remainder([Decimal(relevant)], Decimal(len(checked)), decimals)[0]
    return {
        "city": city.slug,
        "year": year,
        "threshold_t": f"{threshold(city)}",
        "proposals": len(proposals),
        "checked": len(checked),
        "unchecked": [p.reference for p in proposals if not p.relevance],
        "ratings": {r: {"count": c, "share": f"{s}"}
                    for r, c, s in zip(Relevance.values, counts, shares, strict=True)},
        "relevant": {"count": relevant, "share": f"{rel_share}"},
        "with_opinion": sum(1 for p in checked if p.opinion),
        "published": sum(1 for p in proposals if p.published_at is not None),
        "flagged": flagged(city, year),
    }


# -- writes -----------------------------------------------------------------------------------

def _may_write(proposal_city: City, by: Person | None) -> None:
    if by is not None and not may_propose(by, proposal_city):
        raise PermissionDenied(gettext("Only the city's staff record climate checks."))


def _locked(proposal: Proposal) -> Proposal:
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.published_at is not None:
        raise Conflict(gettext("%(ref)s is published; its climate check does not change.")
                       % {"ref": locked.reference})
    return locked


@transaction.atomic
def set_threshold(city: City, tonnes: Any, *, by: Person | None = None,
                  actor: str = "") -> ClimateCheckSetting:
    """The city's threshold of high relevance in tCO2e a year; checks already done keep
    theirs."""
    if by is not None and not is_budget_office(by, city):
        raise PermissionDenied(gettext("Only the climate office sets the threshold."))
    value = _decimal(tonnes, gettext("The threshold"))
    if value <= 0:
        raise Conflict(gettext("The threshold must be above zero."))
    setting, _ = ClimateCheckSetting.objects.select_for_update().get_or_create(city=city)
    old = setting.threshold_t
    if old != value or _:
        setting.threshold_t = value
        setting.save()
        audit.record("budget.check_threshold", city=city, user=by, actor=actor, obj=setting,
                     old=f"{old}", new=f"{value}")
    return setting


@dataclass(frozen=True)
class Registered:
    proposal: Proposal
    created: bool


@transaction.atomic
def register_proposal(city: City, *, kind: str, reference: str, title: str, year: int,
                      estimated_cost: Any = None, department_slug: str = "",
                      nrp_code: str = "", by: Person | None = None,
                      actor: str = "") -> Registered:
    """A new NRP project or council item; the same again changes nothing, another with the
    same reference is refused."""
    _may_write(city, by)
    if kind not in ProposalKind.values:
        raise Conflict(gettext("Choose a kind: %(kinds)s.")
                       % {"kinds": ", ".join(ProposalKind.values)})
    reference, title = reference.strip(), title.strip()
    if not reference or not title:
        raise Conflict(gettext("A proposal needs a reference and a title."))
    cost = _decimal(estimated_cost, gettext("The estimated cost")).quantize(Decimal("0.01")) \
        if estimated_cost not in (None, "") else None
    department = None
    if department_slug:
        department = Department.objects.filter(city=city, slug=department_slug).first()
        if department is None:
            raise NotFound(gettext("No department %(slug)s in this city.")
                           % {"slug": department_slug})
    fields = {"kind": kind, "title": title, "year": year, "estimated_cost": cost,
              "department": department, "nrp_code": nrp_code.strip()}
    same = Proposal.objects.select_for_update().filter(city=city, reference=reference).first()
    if same is not None:
        if all(getattr(same, k) == v for k, v in fields.items()):
            return Registered(same, False)
        raise Conflict(gettext("A proposal %(ref)s exists already.") % {"ref": reference})
    proposal = Proposal.objects.create(city=city, reference=reference,
                                       created_by=actor or audit.actor_label(by), **fields)
    audit.record("budget.proposal", city=city, user=by, actor=actor, obj=proposal,
                 reference=reference, kind=kind, year=year)
    return Registered(proposal, True)


@transaction.atomic
def record_check(proposal: Proposal, estimate_t: Any, *, justification: str = "",
                 effect_type: str = "", by: Person | None = None,
                 actor: str = "") -> Proposal:
    """The item's estimated effect in tCO2e a year (+ emits, - saves), rated against the
    city's threshold (check 14). No relevance needs a one-sentence justification (check 15).
    A changed estimate clears the opinion given on the former one. ``effect_type``: the
    pathway model's effect type the item works by, where one fits."""
    _may_write(proposal.city, by)
    if effect_type and effect_type not in EffectType.values:
        raise Conflict(gettext("Choose an effect type: %(types)s.")
                       % {"types": ", ".join(EffectType.values)})
    proposal = _locked(proposal)
    estimate = _decimal(estimate_t, gettext("The estimate")).quantize(Decimal("0.01"))
    limit = threshold(proposal.city)
    rating = rate(estimate, limit)
    justification = " ".join(justification.split())
    if rating == Relevance.NONE and not is_one_sentence(justification):
        raise Conflict(gettext("No relevance needs a justification of one sentence."))
    old = {"estimate_t": f"{proposal.estimate_t}" if proposal.estimate_t is not None else None,
           "relevance": proposal.relevance}
    if estimate != proposal.estimate_t or limit != proposal.threshold_t:
        proposal.opinion, proposal.opinion_by, proposal.opinion_at = "", "", None
    proposal.estimate_t, proposal.threshold_t, proposal.relevance = estimate, limit, rating
    proposal.justification, proposal.effect_type = justification, effect_type
    proposal.checked_by = actor or audit.actor_label(by)
    proposal.checked_at = timezone.now()
    proposal.save()
    audit.record("budget.check", city=proposal.city, user=by, actor=actor, obj=proposal,
                 old=old, new={"estimate_t": f"{estimate}", "relevance": rating,
                      "effect_type": effect_type},
                 justification=justification)
    return proposal


@transaction.atomic
def give_opinion(proposal: Proposal, text: str, *, by: Person) -> Proposal:
    """The climate office's opinion (a member of the budget office's department)."""
    if not is_budget_office(by, proposal.city):
        raise PermissionDenied(gettext("Only the climate office gives the opinion."))
    proposal = _locked(proposal)
    if proposal.estimate_t is None:
        raise Conflict(gettext("%(ref)s has no climate check yet.")
                       % {"ref": proposal.reference})
    text = " ".join(text.split())
    if not text:
        raise Conflict(gettext("The opinion is empty."))
    proposal.opinion, proposal.opinion_by = text, audit.actor_label(by)
    proposal.opinion_at = timezone.now()
    proposal.save()
    audit.record("budget.check_opinion", city=proposal.city, user=by, obj=proposal,
                 opinion=text)
    return proposal


@transaction.atomic
def publish_item(proposal: Proposal, *, by: Person | None = None,
                 actor: str = "") -> Proposal:
    """Put the item forward (on the agenda); refused, naming what is missing, while its climate
    check lacks the estimate, the opinion (high relevance) or the justification (none)."""
    _may_write(proposal.city, by)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.published_at is not None:
        return proposal
    lacking = missing(proposal)
    if lacking:
        raise NotReady(proposal, lacking)
    proposal.published_at = timezone.now()
    proposal.published_by = actor or audit.actor_label(by)
    proposal.save()
    audit.record("budget.proposal_publish", city=proposal.city, user=by, actor=actor,
                 obj=proposal, header=header(proposal))
    return proposal
