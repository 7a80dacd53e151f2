"""The action plan's pages. Public: the plan at a glance, each action, the indicators, the
investment plan and the scenario explorer. Staff: the dashboard, the action list, the action
editor (a department proposes, the climate office publishes), indicator data entry, the
overdue list, the climate budget, the Excel round trip and the reporting periods.

Each view parses, authorises (a rule from ``core.access`` plus ``plan.access``), calls
selectors or one service and renders."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.core.access import city_admin, city_staff, public
from zerocity.core.errors import Conflict, NotFound, PermissionDenied
from zerocity.core.models import City
from zerocity.plan import selectors, services
from zerocity.plan.access import can_edit_action, is_climate_office
from zerocity.plan.models import (
    Action,
    ActionProposal,
    ActionStatus,
    Indicator,
    Plan,
    ProposalState,
)
from zerocity.plan.scenario import pathway_charts, progress
from zerocity.web import labels
from zerocity.web.forms import (
    ActionEditForm,
    MilestoneForm,
    ObservationForm,
    PlanImportForm,
    StatusOverrideForm,
)
from zerocity.web.http import private

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plan(city: str | City) -> Plan:
    try:
        return selectors.plan_for_city(city.slug if isinstance(city, City) else city)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _status_counts(actions: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    counts = Counter(a["status"] for a in actions)
    return [(value, str(label), counts.get(value, 0)) for value, label in ActionStatus.choices]


def _gap_rows(plan: Plan) -> tuple[Any, list[tuple[str, Any]]]:
    gap = selectors.gap_table(plan)
    rows = [(str(labels.CCC_ROWS.get(k, k)), row) for k, row in gap.sectors.items()]
    return gap, rows


# -- public ------------------------------------------------------------------------------------

@public
@require_GET
def plan_overview(request: HttpRequest, city: str) -> HttpResponse:
    plan = _plan(city)
    today = plan.city.calendar.today()
    actions = selectors.action_overview(plan, today=today)
    gap, gap_rows = _gap_rows(plan)
    by_field: dict[str, list[dict[str, Any]]] = {}
    for a in actions:
        by_field.setdefault(a["field"], []).append(a)
    indicators = selectors.indicator_overview(plan)
    return render(request, "web/plan/overview.html", {
        "city": plan.city, "plan": plan, "gap": gap, "gap_rows": gap_rows,
        "status_counts": _status_counts(actions), "by_field": by_field,
        "headline": next((i for i in indicators if i["code"] == "OI 0.1"), None),
        "charts": pathway_charts(plan),
        "progress": progress(plan),
    })


@public
@require_GET
def action_detail(request: HttpRequest, city: str, code: str) -> HttpResponse:
    plan = _plan(city)
    action = get_object_or_404(
        Action.objects.select_related("field", "lever", "department"), plan=plan, code=code)
    [row] = selectors.action_overview(plan, today=plan.city.calendar.today(), code=code)
    detail = selectors.action_detail(action)
    return render(request, "web/plan/action.html", {
        "city": plan.city, "plan": plan, "action": action, "row": row, "d": detail,
        "can_edit": can_edit_action(request.user, action),
    })


@public
@require_GET
def indicators(request: HttpRequest, city: str) -> HttpResponse:
    plan = _plan(city)
    rows = selectors.indicator_overview(plan)
    for i in rows:  # targets and observations side by side, year by year
        years = sorted({*i["targets"], *i["observations"]})
        i["years"] = [(y, {"target": i["targets"].get(y), "observed": i["observations"].get(y)})
                      for y in years]
    return render(request, "web/plan/indicators.html", {
        "city": plan.city, "plan": plan, "indicators": rows})


@public
@require_GET
def investment(request: HttpRequest, city: str) -> HttpResponse:
    from zerocity.plan.investment import investment_plan

    plan = _plan(city)
    return render(request, "web/plan/investment.html", {
        "city": plan.city, "plan": plan, "inv": investment_plan(plan)})


def _chosen(request: HttpRequest) -> list[str] | None:
    """The actions the visitor switched on (``?a=1.1&a=1.3``), all when none is given."""
    if "a" not in request.GET and "none" not in request.GET:
        return None
    return request.GET.getlist("a")


@public
@require_GET
def explorer(request: HttpRequest, city: str) -> HttpResponse:
    """Works without JavaScript (the form submits, the server answers); the script updates the
    result in place from ``explorer.json`` as boxes are ticked."""
    from zerocity.plan.scenario import scenario_result

    plan = _plan(city)
    chosen = _chosen(request)
    try:
        result = scenario_result(plan, chosen)
    except ValueError as exc:
        return render(request, "web/plan/explorer.html",
                      {"city": plan.city, "plan": plan, "error": str(exc)}, status=400)
    on = set(result["actions"])
    return render(request, "web/plan/explorer.html", {
        "city": plan.city, "plan": plan, "r": result, "on": on,
        "actions": plan.actions.select_related("field").prefetch_related("reductions"),
    })


@public
@require_GET
def explorer_data(request: HttpRequest, city: str) -> JsonResponse:
    from zerocity.plan.scenario import scenario_result

    plan = _plan(city)
    try:
        return JsonResponse(scenario_result(plan, _chosen(request)))
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)


# -- staff -------------------------------------------------------------------------------------

def _staff_context(request: HttpRequest, plan: Plan, **extra: Any) -> dict[str, Any]:
    return {"city": plan.city, "plan": plan, "is_office": is_climate_office(request.user, plan),
            "pending": ActionProposal.objects.filter(
                action__plan=plan, state=ProposalState.PROPOSED).count(), **extra}



@city_staff
@require_GET
def dashboard(request: HttpRequest, city: City) -> HttpResponse:
    plan = _plan(city)
    today = city.calendar.today()
    actions = selectors.action_overview(plan, today=today)
    gap, gap_rows = _gap_rows(plan)
    indicators = selectors.indicator_overview(plan)
    return private(render(request, "web/plan/manage/dashboard.html", _staff_context(
        request, plan, gap=gap, status_counts=_status_counts(actions),
        overdue=selectors.overdue_by_department(plan, today=today),
        freshness=Counter(a["freshness"] for a in actions),
        freshness_labels=labels.FRESHNESS,
        off_track=[i for i in indicators if i["status"] in ("off_track", "deviating")],
        snapshots=plan.snapshots.all(),
    )))


@city_staff
@require_GET
def action_list(request: HttpRequest, city: City) -> HttpResponse:
    plan = _plan(city)
    actions = selectors.action_overview(plan, today=city.calendar.today())
    chosen = {k: request.GET.get(k, "") for k in ("field", "department", "status")}
    shown = [a for a in actions
             if (not chosen["field"] or a["field_slug"] == chosen["field"])
             and (not chosen["department"] or (a["department"] or "-") == chosen["department"])
             and (not chosen["status"] or a["status"] == chosen["status"])]
    board = request.GET.get("view") == "board"
    columns = [(value, label, [a for a in shown if a["status"] == value])
               for value, label in ActionStatus.choices]
    return private(render(request, "web/plan/manage/actions.html", _staff_context(
        request, plan, actions=shown, total=len(actions), board=board, columns=columns,
        chosen=chosen,
        fields=sorted({(a["field_slug"], a["field"]) for a in actions}),
        departments=sorted({(a["department"] or "-", a["department_name"] or _("none"))
                            for a in actions}),
        statuses=ActionStatus.choices,
        query=request.GET.urlencode(),
    )))


def _editable(request: HttpRequest, city: City, code: str) -> Action:
    from zerocity.plan.access import access_action_for_edit

    try:
        return access_action_for_edit(request.user, city.slug, code)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except PermissionDenied as exc:
        raise Forbidden(str(exc)) from exc


@city_staff
def action_edit(request: HttpRequest, city: City, code: str) -> HttpResponse:
    """The department's editor: changes become a proposal; the climate office may publish at
    once. Milestones and status overrides are progress reports, saved directly."""
    plan = _plan(city)
    action = get_object_or_404(Action, plan=plan, code=code)
    allowed = can_edit_action(request.user, action)
    form = ActionEditForm(request.POST or None, instance=Action.objects.get(pk=action.pk))
    status = 200
    if request.method == "POST":
        if not allowed:
            raise Forbidden("action of another department")
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.changed_data
                       if name != "note"}
            try:
                proposal = services.propose_change(action, changes,
                                                   note=form.cleaned_data["note"],
                                                   by=request.user)
                if proposal is None:
                    messages.info(request, _("Nothing changed."))
                elif "publish" in request.POST and is_climate_office(request.user, plan):
                    services.publish_proposal(proposal, by=request.user)
                    messages.success(request, _("The change is published."))
                else:
                    messages.success(request, _(
                        "Your change is proposed; the climate office will review it."))
                return redirect("plan_action_edit", city=city.slug, code=code)
            except Conflict as exc:
                form.add_error(None, str(exc))
        status = 400
    return private(render(request, "web/plan/manage/action_edit.html", _staff_context(
        request, plan, action=action, form=form, allowed=allowed,
        milestone_form=MilestoneForm(), override_form=StatusOverrideForm(),
        milestones=action.milestones.all(), overrides=action.overrides.all()[:10],
        proposals=action.proposals.all()[:20],
        row=selectors.action_overview(plan, today=city.calendar.today(), code=code)[0],
    ), status=status))


@city_staff
@require_POST
def action_milestone(request: HttpRequest, city: City, code: str) -> HttpResponse:
    action = _editable(request, city, code)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        services.set_milestone(action, form.cleaned_data["name"], form.cleaned_data["due"],
                               done=form.cleaned_data["done"], by=request.user)
        messages.success(request, _("Milestone saved."))
    else:
        messages.error(request, _("The milestone was not saved: %(errors)s")
                       % {"errors": "; ".join(f"{k}: {' '.join(v)}"
                                              for k, v in form.errors.items())})
    return redirect("plan_action_edit", city=city.slug, code=code)


@city_staff
@require_POST
def action_status(request: HttpRequest, city: City, code: str) -> HttpResponse:
    action = _editable(request, city, code)
    form = StatusOverrideForm(request.POST)
    if form.is_valid():
        try:
            services.override_status(action, form.cleaned_data["status"],
                                     reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, _("Status saved."))
        except Conflict as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("A status change needs a reason."))
    return redirect("plan_action_edit", city=city.slug, code=code)


@city_staff
@require_GET
def proposals(request: HttpRequest, city: City) -> HttpResponse:
    plan = _plan(city)
    items = (ActionProposal.objects.filter(action__plan=plan)
             .select_related("action", "action__department"))
    return private(render(request, "web/plan/manage/proposals.html", _staff_context(
        request, plan, open=items.filter(state=ProposalState.PROPOSED),
        decided=items.exclude(state=ProposalState.PROPOSED)[:50])))


def _decide(request: HttpRequest, city: City, pk: int) -> tuple[Plan, ActionProposal]:
    plan = _plan(city)
    proposal = get_object_or_404(ActionProposal, pk=pk, action__plan=plan)
    if not is_climate_office(request.user, plan):
        raise Forbidden("only the climate office decides on proposals")
    return plan, proposal


@city_staff
@require_POST
def proposal_publish(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    proposal = _decide(request, city, pk)[1]
    try:
        services.publish_proposal(proposal, by=request.user)
        messages.success(request, _("Published."))
    except Conflict as exc:
        messages.error(request, str(exc))
    return redirect("plan_proposals", city=city.slug)


@city_staff
@require_POST
def proposal_reject(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    proposal = _decide(request, city, pk)[1]
    try:
        services.reject_proposal(proposal, reason=request.POST.get("reason", ""),
                                 by=request.user)
        messages.success(request, _("Rejected; the department sees your reason."))
    except Conflict as exc:
        messages.error(request, str(exc))
    return redirect("plan_proposals", city=city.slug)


@city_staff
@require_GET
def indicator_entry(request: HttpRequest, city: City) -> HttpResponse:
    plan = _plan(city)
    return private(render(request, "web/plan/manage/indicators.html", _staff_context(
        request, plan, indicators=selectors.indicator_overview(plan),
        ids={i.code: i.pk for i in plan.indicators.all()}, form=ObservationForm())))


@city_staff
@require_POST
def indicator_observe(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    plan = _plan(city)
    indicator = get_object_or_404(Indicator, pk=pk, plan=plan)
    form = ObservationForm(request.POST)
    if form.is_valid():
        services.record_observation(indicator, form.cleaned_data["year"],
                                    form.cleaned_data["value"],
                                    source=form.cleaned_data["source"], by=request.user)
        messages.success(request, _("%(code)s: value for %(year)s saved.")
                         % {"code": indicator.code, "year": form.cleaned_data["year"]})
    else:
        messages.error(request, _("%(code)s: not saved: %(errors)s") % {
            "code": indicator.code,
            "errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())})
    return redirect("plan_indicator_entry", city=city.slug)


@city_staff
@require_GET
def overdue(request: HttpRequest, city: City) -> HttpResponse:
    plan = _plan(city)
    return private(render(request, "web/plan/manage/overdue.html", _staff_context(
        request, plan,
        overdue=sorted(selectors.overdue_by_department(plan,
                                                       today=city.calendar.today()).items()))))


@city_staff
@require_GET
def budget(request: HttpRequest, city: City) -> HttpResponse:
    from zerocity.plan.budget import climate_budget

    plan = _plan(city)
    return private(render(request, "web/plan/manage/budget.html", _staff_context(
        request, plan, b=climate_budget(plan))))


@city_staff
def excel(request: HttpRequest, city: City) -> HttpResponse:
    """Download the plan as a workbook (GET ?download=1) or send an edited one back."""
    from zerocity.inventory.parsing import ImportRejected
    from zerocity.plan import excel as plan_excel

    plan = _plan(city)
    if request.method == "GET" and request.GET.get("download"):
        response = HttpResponse(plan_excel.export_plan(plan), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{city.slug}-plan.xlsx"'
        return private(response)
    form = PlanImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not is_climate_office(request.user, plan):
            raise Forbidden("only the climate office imports the whole plan")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = plan_excel.import_plan(plan, upload.read(), filename=upload.name,
                                                by=request.user)
            except ImportRejected as exc:
                errors, status = exc.errors, 400
            else:
                messages.success(request, str(result))
                return redirect("plan_excel", city=city.slug)
        else:
            status = 400
    return private(render(request, "web/plan/manage/excel.html", _staff_context(
        request, plan, form=form, errors=errors), status=status))


@city_admin
@require_POST
def close_period(request: HttpRequest, city: City) -> HttpResponse:
    plan = _plan(city)
    period = request.POST.get("period", "").strip()
    if not period:
        messages.error(request, _("Name the reporting period, e.g. 2026."))
    else:
        snap = services.close_period(plan, period, by=request.user)
        messages.success(request, _("Reporting period %(period)s is closed (%(sha)s).")
                         % {"period": snap.period, "sha": snap.sha256[:12]})
    return redirect("plan_dashboard", city=city.slug)


@city_staff
@require_GET
def snapshot_download(request: HttpRequest, city: City, period: str) -> HttpResponse:
    plan = _plan(city)
    snap = get_object_or_404(plan.snapshots, period=period)
    response = JsonResponse(snap.data, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = (
        f'attachment; filename="{city.slug}-plan-report-{snap.period}.json"')
    return private(response)
