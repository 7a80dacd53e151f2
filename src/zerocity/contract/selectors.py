"""Reads of the contract: the commitments with their versions, signatories and status, and
the investment plan's financing (research/green-budget-governance.md §4; docs/contract.md).

A commitment's status comes from the actions it covers (the plan's monitoring: milestones and
overrides): *at risk* when one of them is late, *done* when every one is completed (or
cancelled, with at least one completed), *on track* otherwise, *no actions* when it covers
none.

The financing of an action in a year is what its published budget lines give it (the latest
published stage of that year; the line's ``funding_source`` read as a kind) and the funding
rows staff entered. Own-budget lines are secured by the budget decree itself; outside money
on a budget line is secured only by a recorded decision with its reference, applied for when
so recorded, and planned otherwise (check 13). Only secured money closes the gap:
gap = planned cost (capital and operating, the plan's cost table) − secured, never below zero.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from zerocity.budget.calculations import share
from zerocity.budget.models import BudgetLine, BudgetVersion, Stage
from zerocity.contract.models import (
    FundingDecision,
    FundingKind,
    FundingSource,
    FundingStatus,
    Signatory,
)
from zerocity.core.errors import NotFound
from zerocity.plan.models import Action, ActionCost, Commitment, Plan
from zerocity.plan.selectors import action_overview, plan_for_city

ZERO = Decimal(0)
STAGE_ORDER = [s.value for s in Stage]
KINDS = [k.value for k in FundingKind]
STATUSES = [s.value for s in FundingStatus]
# how a budget line's free-text funding source reads as a kind (lower case, prefix)
KIND_WORDS = {
    FundingKind.EU: ("eu", "ekp", "esrr", "esrr", "kohezij", "cohesion", "erdf", "interreg",
                     "life", "horizon", "cef", "rrf", "nooo"),
    FundingKind.NATIONAL: ("national", "državn", "drzavn", "ministr", "eko sklad", "ekosklad",
                           "republi"),
    FundingKind.LOAN: ("loan", "kredit", "posojil", "eib", "ceb", "sid"),
    FundingKind.PRIVATE: ("private", "zasebn", "ppp", "javno-zasebn", "concession",
                          "koncesij"),
}
CRITERION = "I4CE climate budget tagging: mitigation very favourable and favourable"


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _pct(value: Decimal | None) -> str | None:
    return None if value is None else f"{value}"


def kind_of(funding_source: str) -> str:
    """A budget line's funding source as a kind; a line that names none is the city's own
    budget."""
    text = funding_source.strip().lower()
    for kind, words in KIND_WORDS.items():
        if any(text == w or text.startswith(w) for w in words):
            return kind.value
    return FundingKind.OWN.value


# -- commitments ---------------------------------------------------------------------------

def commitment_status(statuses: list[str]) -> str:
    if not statuses:
        return "no_actions"
    if "late" in statuses:
        return "at_risk"
    if all(s in ("completed", "cancelled") for s in statuses) and "completed" in statuses:
        return "done"
    return "on_track"


def commitments(city_slug: str, *, today: date | None = None) -> dict[str, Any]:
    """Every commitment of the city's plan with its current wording, its earlier versions,
    the signatories of each version (organisation, representative, role, date, SHA-256) and
    its status from the actions it covers."""
    plan = plan_for_city(city_slug)
    today = today or plan.city.calendar.today()
    status = {a["code"]: a["status"] for a in action_overview(plan, today=today)}
    out = []
    rows = (Commitment.objects.filter(plan=plan).prefetch_related("actions", "versions")
            .select_related("department"))
    signed: dict[int, list[Signatory]] = defaultdict(list)
    for s in Signatory.objects.filter(version__commitment__plan=plan).order_by(
            "signed_on", "organisation", "pk"):
        signed[s.version_id].append(s)
    for c in rows:
        versions = sorted(c.versions.all(), key=lambda v: v.number)
        actions = sorted(c.actions.all(), key=lambda a: a.code)
        statuses = [status[a.code] for a in actions if a.code in status]
        out.append({
            "id": c.pk, "organisation": c.organisation, "partner": c.partner,
            "group": c.group, "text": versions[-1].text if versions else c.text,
            "version": versions[-1].number if versions else 1,
            "versions": [{"number": v.number, "text": v.text, "note": v.note,
                          "created_at": v.created_at.isoformat(),
                          "signed": bool(signed.get(v.pk)),
                          "signatories": [_signatory(s) for s in signed.get(v.pk, [])]}
                         for v in versions],
            "signatories": [_signatory(s) for v in versions for s in signed.get(v.pk, [])],
            "actions": [{"code": a.code, "name": a.name, "status": status.get(a.code, "")}
                        for a in actions],
            "status": commitment_status(statuses),
        })
    return {"city": plan.city.slug, "commitments": out}


def public_commitments(city_slug: str) -> dict[str, Any]:
    """What the public reads: the commitments without the record's internal keys."""
    data = commitments(city_slug)
    for c in data["commitments"]:
        c.pop("id")
        for v in c["versions"]:
            v.pop("created_at")
    return data


def _signatory(s: Signatory) -> dict[str, Any]:
    return {"organisation": s.organisation, "representative": s.representative,
            "role": s.role, "signed_on": s.signed_on.isoformat(),
            "document_sha256": s.document_sha256}


def commitment(city_slug: str, organisation: str, group: str | None = None) -> Commitment:
    qs = Commitment.objects.select_related("plan__city").filter(
        plan__city__slug=city_slug, organisation=organisation)
    if group:
        qs = qs.filter(group=group)
    found = list(qs[:2])
    if len(found) != 1:
        raise NotFound((gettext("No commitment of %(org)s in %(city)s.") if not found else
                        gettext("%(org)s has more than one commitment: name the group."))
                       % {"org": organisation, "city": city_slug})
    return found[0]


def action(city_slug: str, code: str) -> Action:
    found = Action.objects.select_related("plan__city", "field").filter(
        plan__city__slug=city_slug, code=code).first()
    if found is None:
        raise NotFound(gettext("No action %(code)s in %(city)s.")
                       % {"code": code, "city": city_slug})
    return found


# -- the investment plan's financing ---------------------------------------------------------

def budget_versions(city_id: int) -> dict[int, BudgetVersion]:
    """The latest published stage of each year's budget: what the investment plan reads."""
    out: dict[int, BudgetVersion] = {}
    for v in BudgetVersion.objects.filter(city=city_id).exclude(published_at=None):
        held = out.get(v.year)
        if held is None or STAGE_ORDER.index(v.stage) > STAGE_ORDER.index(held.stage):
            out[v.year] = v
    return dict(sorted(out.items()))


def _line_sources(plan: Plan, versions: dict[int, BudgetVersion]) -> list[dict[str, Any]]:
    decisions = {(d.nrp_code, d.kind): d for d in FundingDecision.objects.filter(
        city=plan.city_id)}
    codes = set(Action.objects.filter(plan=plan).values_list("code", flat=True))
    out = []
    lines = (BudgetLine.objects.filter(version__in=list(versions.values()))
             .exclude(ccc_action_id="").select_related("version").order_by("version", "row"))
    for line in lines:
        if line.ccc_action_id not in codes:
            continue
        kind = kind_of(line.funding_source)
        decision = decisions.get((line.nrp_code, kind)) if line.nrp_code else None
        if kind == FundingKind.OWN:
            status, reference = FundingStatus.SECURED.value, (
                f"{line.version.source or 'budget'} {line.version.year} {line.version.stage}")
        elif decision is not None:
            status, reference = decision.status, decision.decision_reference
        else:
            status, reference = FundingStatus.PLANNED.value, ""
        out.append({"origin": "budget", "action": line.ccc_action_id,
                    "year": line.version.year, "kind": kind, "status": status,
                    "name": line.nrp_name or line.pp_name, "nrp_code": line.nrp_code,
                    "line": line.key, "amount": line.amount, "decision_reference": reference})
    return out


def financing(city_slug: str) -> dict[str, Any]:
    """The investment plan's financing: each action's need per year (capital and operating),
    its sources (budget lines and entered rows) by kind and status, and the gap per action
    and year, per field of action and year, per year, and in all; money as decimal strings."""
    plan = plan_for_city(city_slug)
    versions = budget_versions(plan.city_id)
    actions = {a.code: a for a in Action.objects.filter(plan=plan).select_related("field")}
    need: dict[tuple[str, int], dict[str, Decimal]] = defaultdict(
        lambda: {"capex": ZERO, "opex": ZERO})
    for c in ActionCost.objects.filter(action__plan=plan).select_related("action"):
        need[(c.action.code, c.year)]["capex"] += c.capex_eur
        need[(c.action.code, c.year)]["opex"] += c.opex_eur
    sources = _line_sources(plan, versions)
    for f in FundingSource.objects.filter(action__plan=plan).select_related("action"):
        sources.append({"origin": "entered", "action": f.action.code, "year": f.year,
                        "kind": f.kind, "status": f.status, "name": f.name, "nrp_code": "",
                        "line": "", "amount": f.amount,
                        "decision_reference": f.decision_reference,
                        "illustrative": f.illustrative})
    money: dict[tuple[str, int], dict[tuple[str, str], Decimal]] = defaultdict(
        lambda: defaultdict(Decimal))
    for s in sources:
        money[(s["action"], s["year"])][(s["kind"], s["status"])] += s["amount"]

    rows = []
    for code, year in sorted(set(need) | set(money), key=lambda k: (k[0], k[1])):
        a = actions[code]
        n = need.get((code, year), {"capex": ZERO, "opex": ZERO})
        total = n["capex"] + n["opex"]
        got = money.get((code, year), {})
        by_status = {st: sum((v for (_k, s), v in got.items() if s == st), ZERO)
                     for st in STATUSES}
        outside = sum((v for (k, s), v in got.items()
                       if s == FundingStatus.SECURED and k in ("eu", "national", "private")),
                      ZERO)
        rows.append({
            "action": code, "name": a.name, "field": a.field.slug, "field_name": a.field.name,
            "year": year, "capex": n["capex"], "opex": n["opex"], "need": total,
            **{st: by_status[st] for st in STATUSES},
            "by_kind": {k: {st: got.get((k, st), ZERO) for st in STATUSES} for k in KINDS},
            "cost_to_others": outside, "cost_to_municipality": max(total - outside, ZERO),
            "gap": max(total - by_status["secured"], ZERO),
        })
    return {"city": plan.city.slug, "plan": plan, "versions": versions, "rows": rows,
            "sources": sources}


def _sum(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Decimal]:
    return {k: sum((r[k] for r in rows), ZERO) for k in keys}


FIGURES = ("capex", "opex", "need", "secured", "applied", "planned", "cost_to_others",
           "cost_to_municipality", "gap")


def _out(values: dict[str, Decimal]) -> dict[str, Any]:
    out: dict[str, Any] = {k: _money(values[k]) for k in FIGURES}
    # money beyond the need covers it fully, not more
    out["covered"] = _pct(share(min(values["secured"], values["need"]), values["need"], 1))
    return out


def investment_plan(city_slug: str) -> dict[str, Any]:
    """The investment plan as the API, the command line and the page give it: the gap per
    action and year, per field and year, per year and in all; the money by kind and status;
    and every source."""
    data = financing(city_slug)
    rows = data["rows"]
    years = sorted({r["year"] for r in rows})
    by_field: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_field[r["field"]].append(r)
    kinds = {k: {st: _money(sum((r["by_kind"][k][st] for r in rows), ZERO)) for st in STATUSES}
             for k in KINDS}
    return {
        "city": data["city"],
        "years": [str(y) for y in years],
        "actions": [{"action": r["action"], "name": r["name"], "field": r["field"],
                     "year": r["year"], **_out(r)} for r in rows],
        "fields": {slug: {"name": fr[0]["field_name"],
                          "years": {str(y): _out(_sum([r for r in fr if r["year"] == y],
                                                      FIGURES))
                                    for y in years if any(r["year"] == y for r in fr)},
                          "total": _out(_sum(fr, FIGURES))}
                   for slug, fr in sorted(by_field.items())},
        "years_total": {str(y): _out(_sum([r for r in rows if r["year"] == y], FIGURES))
                        for y in years},
        "sources_by_kind": kinds,
        "total": _out(_sum(rows, FIGURES)),
        "sources": [{**{k: v for k, v in s.items() if k != "amount"},
                     "amount": _money(s["amount"])} for s in data["sources"]],
        "budget_versions": {str(y): v.stage for y, v in data["versions"].items()},
        "illustrative": any(v.illustrative for v in data["versions"].values())
        or any(s.get("illustrative") for s in data["sources"]),
    }



def action_funding(city_slug: str, code: str) -> list[dict[str, Any]]:
    """One action's years in the financing, for its page: planned cost, money secured (the
    published budget's lines and secured outside sources), applied for and planned, the share
    covered and the gap, as the investment plan gives them (check 11: EUR 1.2 M of 3.4 M is
    35.3 % covered, a gap of 2.2 M)."""
    return [{"year": r["year"], **_out(r)} for r in financing(city_slug)["rows"]
            if r["action"] == code]
