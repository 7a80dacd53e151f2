"""Reads of the budget: versions, untagged lines, and the report of shares by tag per axis
(research/green-budget-governance.md §2.4 and §6, checks 1-9)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext

from zerocity.budget.breakdown import axis_table, by_department, by_policy_area, participatory
from zerocity.budget.calculations import (
    INVESTMENT_GROUPS,
    TAGS,
    in_tag_order,
    share,
    split_amount,
)
from zerocity.budget.models import AXES, BudgetLine, BudgetVersion, Stage, TagChange
from zerocity.core.errors import NotFound

STAGE_ORDER = [s.value for s in Stage]  # adopted, revised, final


def budget_version(city_slug: str, year: int, stage: str | None = None, *,
                   published: bool = False) -> BudgetVersion:
    """One stage of a year's budget; without ``stage``, the latest one there is. With
    ``published``, only a published one (what the public sees)."""
    qs = BudgetVersion.objects.select_related("city").filter(city__slug=city_slug, year=year)
    if published:
        qs = qs.exclude(published_at=None)
    if stage is not None:
        qs = qs.filter(stage=stage)
    found = sorted(qs, key=lambda v: STAGE_ORDER.index(v.stage))
    if not found:
        if stage is None:
            raise NotFound(gettext("No budget of %(year)s in %(city)s.")
                           % {"year": year, "city": city_slug})
        raise NotFound(gettext("No budget of %(year)s in %(city)s at the stage %(stage)s.")
                       % {"stage": str(Stage(stage).label).lower(), "year": year,
                          "city": city_slug})
    return found[-1]


def lines(version: BudgetVersion) -> QuerySet[BudgetLine]:
    return version.lines.all()


def untagged_lines(version: BudgetVersion) -> list[BudgetLine]:
    """In-scope lines lacking a tag on an axis. "undefined" is a tag: a line tagged so is
    tagged (check 3)."""
    return [line for line in version.lines.filter(in_scope=True)
            if not line.mitigation or not line.adaptation]


def _euros(amount: Decimal) -> str:
    text = f"{amount:,.2f}"
    return "€" + (text[:-3] if text.endswith(".00") else text)


def line_label(line: BudgetLine) -> str:
    """``4000/130206/4201 €2,000,000``: PU, PP, konto and the amount."""
    return f"{line.pu_code}/{line.pp_code}/{line.konto} {_euros(line.amount)}"


def tag_history(line: BudgetLine) -> QuerySet[TagChange]:
    """Every change of a line's tags, oldest first: who, when, old, new, reason, decision."""
    return TagChange.objects.filter(version=line.version_id, line_key=line.key).order_by("pk")


Tally = tuple[Decimal, Decimal, Decimal, dict[str, dict[str, Decimal]], dict[str, Decimal]]


def _tally(version: BudgetVersion) -> Tally:
    """The version's total, in-scope base, investment (groups 42 and 43), the amount of each
    tag per axis (a split line's parts to the cent) and the untagged amount per axis."""
    total = in_scope = investment = Decimal(0)
    per_axis = {axis: dict.fromkeys(TAGS, Decimal(0)) for axis in AXES}
    untagged = dict.fromkeys(AXES, Decimal(0))
    for line in version.lines.all():
        total += line.amount
        if line.group in INVESTMENT_GROUPS:
            investment += line.amount
        if not line.in_scope:
            continue
        in_scope += line.amount
        for axis in AXES:
            split = getattr(line, axis)
            if not split:
                untagged[axis] += line.amount
                continue
            for tag, part in split_amount(line.amount, {t: Decimal(p) for t, p in split.items()}
                                          ).items():
                per_axis[axis][tag] += part
    return total, in_scope, investment, per_axis, untagged


def _green(per_axis: dict[str, dict[str, Decimal]], in_scope: Decimal,
           decimals: int) -> Decimal | None:
    """Very favourable plus favourable for mitigation, percent of the in-scope base."""
    m = per_axis["mitigation"]
    return share(m["very_favourable"] + m["favourable"], in_scope, decimals)


def report(version: BudgetVersion, *, decimals: int = 2) -> dict[str, Any]:
    """The share of each tag per axis on the in-scope base, in percent with largest-remainder
    rounding (they add up to 100 with the untagged share). The two axes are separate tables
    and never added (check 6). The investment share (groups 42 and 43) of the total stands
    beside the green share (check 9); a revision and the final account carry their
    execution rate against the adopted budget (check 8)."""
    total, in_scope, investment, per_axis, untagged = _tally(version)
    out: dict[str, Any] = {
        "city": version.city.slug, "year": version.year, "stage": version.stage,
        "published": version.published_at is not None,
        "total": f"{total:.2f}", "in_scope": f"{in_scope:.2f}",
        "out_of_scope": f"{total - in_scope:.2f}",
    }
    untagged_out = {}
    for axis in AXES:
        out[axis], untagged_out[axis] = axis_table(per_axis[axis], untagged[axis], in_scope,
                                                   decimals)
    out["untagged"] = untagged_out
    out["green_share"] = _pct(_green(per_axis, in_scope, decimals))
    out["investment"] = {"amount": f"{investment:.2f}",
                         "share": _pct(share(investment, total, decimals))}
    out["execution"] = _execution(version, total, decimals)
    out["trend"] = _trend(version, out["green_share"], decimals)
    out["actions"] = action_coverage(version, decimals)
    out["illustrative"] = version.illustrative
    out["by_policy_area"] = by_policy_area(version, decimals)
    out["by_department"] = by_department(version, decimals)
    out["participatory"] = participatory(version)
    return out


def _trend(version: BudgetVersion, green: str | None, decimals: int) -> dict[str, Any] | None:
    """The green share against the year before's, in percentage points (check 10: 45.0 %
    then 52.3 % is +7.3 points): the same stage of that year, else its latest."""
    earlier = BudgetVersion.objects.filter(city=version.city_id, year=version.year - 1)
    before = (earlier.filter(stage=version.stage).first()
              or max(earlier, key=lambda v: STAGE_ORDER.index(v.stage), default=None))
    if before is None or green is None:
        return None
    _total, base, _investment, per_axis, _untagged = _tally(before)
    then = _green(per_axis, base, decimals)
    if then is None:
        return None
    change = Decimal(green) - then
    return {"against_year": before.year, "against_stage": before.stage,
            "green_share_then": f"{then}", "change_pp": f"{change:+}"}


def action_coverage(version: BudgetVersion, decimals: int = 1) -> list[dict[str, Any]]:
    """Each plan action the budget's lines name (``ccc_action_id``): what the lines give it,
    its planned cost that year (capital and operating, the plan's cost table), the share
    covered and the gap (check 11: EUR 1.2 M of 3.4 M is 35.3 %, a gap of 2.2 M). An action
    the city's plan does not have is listed with no plan figures; one with no cost planned
    that year has no share covered."""
    from django.db.models import Sum

    from zerocity.plan.models import Action, ActionCost

    linked: dict[str, Decimal] = {}
    for line in version.lines.exclude(ccc_action_id=""):
        linked[line.ccc_action_id] = linked.get(line.ccc_action_id, Decimal(0)) + line.amount
    known = set(Action.objects.filter(plan__city=version.city_id, code__in=linked)
                .values_list("code", flat=True))
    out = []
    for code, amount in sorted(linked.items()):
        if code not in known:
            out.append({"action": code, "linked": f"{amount:.2f}", "planned": None,
                        "covered": None, "gap": None})
            continue
        costs = ActionCost.objects.filter(action__plan__city=version.city_id,
                                          action__code=code, year=version.year).aggregate(
            capex=Sum("capex_eur"), opex=Sum("opex_eur"))
        planned = (costs["capex"] or Decimal(0)) + (costs["opex"] or Decimal(0))
        out.append({"action": code, "linked": f"{amount:.2f}", "planned": f"{planned:.2f}",
                    "covered": _pct(share(amount, planned, decimals)),
                    "gap": f"{max(planned - amount, Decimal(0)):.2f}"})
    return out


def _pct(value: Decimal | None) -> str | None:
    return None if value is None else f"{value}"


def _execution(version: BudgetVersion, total: Decimal, decimals: int) -> dict[str, Any] | None:
    """This stage's total against the adopted budget's (None for the adopted budget itself or
    when the year has none)."""
    if version.stage == Stage.ADOPTED:
        return None
    adopted = BudgetVersion.objects.filter(city=version.city_id, year=version.year,
                                           stage=Stage.ADOPTED).first()
    if adopted is None:
        return None
    planned = sum((line.amount for line in adopted.lines.all()), Decimal(0))
    return {"against": Stage.ADOPTED.value, "planned": f"{planned:.2f}",
            "amount": f"{total:.2f}", "rate": _pct(share(total, planned, decimals))}


def published_report(city_slug: str, year: int, stage: str | None = None) -> dict[str, Any]:
    """What the public reads: the report of a published version only."""
    return report(budget_version(city_slug, year, stage, published=True))


EXPORT_COLUMNS = ("pu_code", "pu_name", "ppp", "gpr", "ppr", "pp_code", "pp_name", "konto",
                  "cofog", "nrp_code", "nrp_name", "amount_eur", "funding_source", "mitig_tag",
                  "adapt_tag", "ccc_action_id", "rationale", "scope_override")


def _tags_text(split: dict[str, str]) -> str:
    if len(split) == 1 and next(iter(split.values())) == "100":
        return next(iter(split))
    return ";".join(f"{tag}:{pct}" for tag, pct in in_tag_order(split))


def export_rows(version: BudgetVersion) -> list[dict[str, str]]:
    """The version's lines in the import's columns, a split written ``tag:60;tag:40``: the
    export imports again to the same totals and tags (check 19)."""
    return [{**{c: getattr(line, c) for c in EXPORT_COLUMNS
                if c not in ("amount_eur", "mitig_tag", "adapt_tag", "scope_override")},
             "scope_override": line.scope_reason,
             "amount_eur": f"{line.amount:.2f}", "mitig_tag": _tags_text(line.mitigation),
             "adapt_tag": _tags_text(line.adaptation)}
            for line in version.lines.all()]


def export_csv(version: BudgetVersion) -> str:
    import io

    from zerocity.core.spreadsheet import writer

    out = io.StringIO()
    w = writer(out, lineterminator="\n")
    w.writerow(EXPORT_COLUMNS)
    for r in export_rows(version):
        w.writerow([r[c] for c in EXPORT_COLUMNS])
    return out.getvalue()


def tags_at(line: BudgetLine, when: Any) -> dict[str, Any]:
    """The line's tags as they stood at ``when`` (a publication date): the last change
    approved by then (check 17)."""
    last = (tag_history(line).filter(state="approved", decided_at__lte=when)
            .order_by("decided_at", "pk").last())
    return last.new if last is not None else {"mitigation": {}, "adaptation": {}}


def line_at(version: BudgetVersion, row: int) -> BudgetLine:
    """A line by its row in the imported file."""
    line = version.lines.filter(row=row).first()
    if line is None:
        raise NotFound(gettext("The budget has no line %(row)s.") % {"row": row})
    return line


def proposal(version: BudgetVersion, pk: int) -> TagChange:
    change = TagChange.objects.filter(line__version=version, pk=pk).first()
    if change is None:
        raise NotFound(gettext("The budget has no proposal %(pk)s.") % {"pk": pk})
    return change


def person(username: str) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(gettext("No user %(name)s.") % {"name": username})
    return user


def published_page(city_slug: str, year: int | None = None,
                   stage: str | None = None) -> dict[str, Any] | None:
    """The public budget page: the report of the latest published year (or ``year``, at its
    latest published stage or ``stage``) and the published years. None when the city has
    published no budget."""
    published = BudgetVersion.objects.filter(city__slug=city_slug).exclude(published_at=None)
    years = sorted(set(published.values_list("year", flat=True)), reverse=True)
    if not years:
        return None
    version = budget_version(city_slug, year if year is not None else years[0], stage,
                             published=True)
    stages = sorted(published.filter(year=version.year).values_list("stage", flat=True),
                    key=STAGE_ORDER.index)
    return {"version": version, "report": report(version, decimals=1), "years": years,
            "stages": stages}


def pending_proposals(city_slug: str) -> list[TagChange]:
    """The tag proposals waiting for the climate office's decision, oldest first, with their
    lines."""
    return list(TagChange.objects.filter(version__city__slug=city_slug, state="proposed")
                .select_related("line", "version").order_by("proposed_at", "pk"))


def pending_proposal(city_slug: str, pk: int) -> TagChange:
    change = TagChange.objects.filter(version__city__slug=city_slug, pk=pk).first()
    if change is None:
        raise NotFound(gettext("The budget has no proposal %(pk)s.") % {"pk": pk})
    return change


def decision_refusal(change: TagChange, user: Any) -> str | None:
    """Why ``user`` may not decide on ``change``, said before the service is asked, which
    refuses the same (``access.decision_refusal``). None when they may."""
    from zerocity.budget.access import decision_refusal as refusal

    return refusal(change, user)
