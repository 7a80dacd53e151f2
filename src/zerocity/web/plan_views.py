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
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.contract.selectors import action_funding
from zerocity.core.access import city_admin, city_staff, public
from zerocity.core.models import City
from zerocity.plan import selectors, services
from zerocity.plan.access import can_edit_action, is_climate_office
from zerocity.plan.models import Action, ActionProposal, ActionStatus, Plan, ProposalState
from zerocity.plan.scenario import scenario_result
from zerocity.web import labels
from zerocity.web.forms import (
    ActionEditForm,
    MilestoneForm,
    ObservationForm,
    PlanImportForm,
    StatusOverrideForm,
)
from zerocity.web.http import form_errors, private
from zerocity.web.page_cache import shared_page
from zerocity.web.posted import PeriodForm, posted

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A plan or an action that does not exist is a 404 (``selectors`` raise NotFound), and a
# refused change is its reason as a message, back on the form's page (``web.refusals``).
# Another department's action is a 403 here: the person may see it, not change it.


def _status_counts(actions: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    counts = Counter(a["status"] for a in actions)
    return [(value, str(label), counts.get(value, 0)) for value, label in ActionStatus.choices]


def _gap_rows(gap: Any) -> list[tuple[str, Any]]:
    return [(str(labels.CCC_ROWS.get(k, k)), row) for k, row in gap.sectors.items()]


# -- public ------------------------------------------------------------------------------------

@public
@shared_page
@require_GET
def plan_overview(request: HttpRequest, city: str) -> HttpResponse:
    plan = selectors.plan_for_city(city)
    page = selectors.overview_page(plan, today=plan.city.calendar.today())
    return render(request, "web/plan/overview.html", {
        "city": plan.city, "plan": plan, **page, "gap_rows": _gap_rows(page["gap"]),
        "status_counts": _status_counts(page["actions"]),
    })


@public
@shared_page
@require_GET
def action_detail(request: HttpRequest, city: str, code: str) -> HttpResponse:
    plan = selectors.plan_for_city(city)
    page = selectors.action_page(plan, code, today=plan.city.calendar.today())
    return render(request, "web/plan/action.html", {
        "city": plan.city, "plan": plan, **page,
        "funding_years": action_funding(plan.city.slug, code),
        "can_edit": can_edit_action(request.user, page["action"]),
    })


@public
@require_GET
def indicators(request: HttpRequest, city: str) -> HttpResponse:
    plan = selectors.plan_for_city(city)
    return render(request, "web/plan/indicators.html", {
        "city": plan.city, "plan": plan, "indicators": selectors.indicator_years(plan)})


@public
@require_GET
def investment(request: HttpRequest, city: str) -> HttpResponse:
    from zerocity.plan.investment import investment_plan

    plan = selectors.plan_for_city(city)
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
    plan = selectors.plan_for_city(city)
    try:
        page = selectors.explorer_page(plan, _chosen(request))
    except ValueError as exc:  # an action code the plan does not have, in the address
        return render(request, "web/plan/explorer.html",
                      {"city": plan.city, "plan": plan, "error": str(exc)}, status=400)
    return render(request, "web/plan/explorer.html", {"city": plan.city, "plan": plan, **page})


@public
@require_GET
def explorer_data(request: HttpRequest, city: str) -> JsonResponse:
    plan = selectors.plan_for_city(city)
    try:
        return JsonResponse(scenario_result(plan, _chosen(request)))
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)


# -- staff -------------------------------------------------------------------------------------

def _staff_context(request: HttpRequest, plan: Plan, **extra: Any) -> dict[str, Any]:
    return {"city": plan.city, "plan": plan, "is_office": is_climate_office(request.user, plan),
            "pending": selectors.pending_proposals(plan), **extra}


@city_staff
@require_GET
def dashboard(request: HttpRequest, city: City) -> HttpResponse:
    plan = selectors.plan_for_city(city.slug)
    page = selectors.dashboard_page(plan, today=city.calendar.today())
    return private(render(request, "web/plan/manage/dashboard.html", _staff_context(
        request, plan, gap=page["gap"], status_counts=_status_counts(page["actions"]),
        overdue=page["overdue"], freshness=page["freshness"],
        freshness_labels=labels.FRESHNESS, off_track=page["off_track"],
        snapshots=page["snapshots"],
    )))


@city_staff
@require_GET
def action_list(request: HttpRequest, city: City) -> HttpResponse:
    plan = selectors.plan_for_city(city.slug)
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
    """The action, if this person may report on it: not found when it does not exist,
    forbidden when it is another department's."""
    action = selectors.plan_action(selectors.plan_for_city(city.slug), code)
    if not can_edit_action(request.user, action):
        raise Forbidden("action of another department")
    return action


@city_staff
def action_edit(request: HttpRequest, city: City, code: str) -> HttpResponse:
    """The department's editor: changes become a proposal; the climate office may publish at
    once. Milestones and status overrides are progress reports, saved directly."""
    plan = selectors.plan_for_city(city.slug)
    action = selectors.plan_action(plan, code)
    allowed = can_edit_action(request.user, action)
    # the form checks the change on its own copy (validation writes into its instance): the
    # page shows the action as it is beside it
    form = ActionEditForm(request.POST or None, instance=selectors.plan_action(plan, code))
    status = 200
    if request.method == "POST":
        if not allowed:
            raise Forbidden("action of another department")
        # the form checks the change as the model does (fields, constraints), so an invalid
        # one is shown again beside its fields; what the service still refuses (the action
        # changed meanwhile) is a message on this page (``web.refusals``)
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.changed_data
                       if name != "note"}
            proposal = services.submit_change(
                action, changes, note=form.cleaned_data["note"],
                publish="publish" in request.POST and is_climate_office(request.user, plan),
                by=request.user)
            if proposal is None:
                messages.info(request, _("Nothing changed."))
            elif proposal.state == ProposalState.PUBLISHED:
                messages.success(request, _("The change is published."))
            else:
                messages.success(request, _(
                    "Your change is proposed; the climate office will review it."))
            return redirect("plan_action_edit", city=city.slug, code=code)
        status = 400
    return private(render(request, "web/plan/manage/action_edit.html", _staff_context(
        request, plan, action=action, form=form, allowed=allowed,
        milestone_form=MilestoneForm(), override_form=StatusOverrideForm(),
        **selectors.action_edit_page(plan, action, today=city.calendar.today()),
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
                       % {"errors": form_errors(form)})
    return redirect("plan_action_edit", city=city.slug, code=code)


@city_staff
@require_POST
def action_status(request: HttpRequest, city: City, code: str) -> HttpResponse:
    action = _editable(request, city, code)
    form = StatusOverrideForm(request.POST)
    if form.is_valid():
        services.override_status(action, form.cleaned_data["status"],
                                 reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, _("Status saved."))
    else:
        messages.error(request, _("A status change needs a reason."))
    return redirect("plan_action_edit", city=city.slug, code=code)


@city_staff
@require_GET
def proposals(request: HttpRequest, city: City) -> HttpResponse:
    plan = selectors.plan_for_city(city.slug)
    return private(render(request, "web/plan/manage/proposals.html", _staff_context(
        request, plan, **selectors.proposals_page(plan))))


def _decide(request: HttpRequest, city: City, pk: int) -> ActionProposal:
    plan = selectors.plan_for_city(city.slug)
    proposal = selectors.plan_proposal(plan, pk)
    if not is_climate_office(request.user, plan):
        raise Forbidden("only the climate office decides on proposals")
    return proposal


@city_staff
@require_POST
def proposal_publish(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    services.publish_proposal(_decide(request, city, pk), by=request.user)
    messages.success(request, _("Published."))
    return redirect("plan_proposals", city=city.slug)


@city_staff
@require_POST
def proposal_reject(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    services.reject_proposal(_decide(request, city, pk), reason=request.POST.get("reason", ""),
                             by=request.user)
    messages.success(request, _("Rejected; the department sees your reason."))
    return redirect("plan_proposals", city=city.slug)


@city_staff
@require_GET
def indicator_entry(request: HttpRequest, city: City) -> HttpResponse:
    plan = selectors.plan_for_city(city.slug)
    return private(render(request, "web/plan/manage/indicators.html", _staff_context(
        request, plan, **selectors.indicator_entry_page(plan), form=ObservationForm())))


@city_staff
@require_POST
def indicator_observe(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    indicator = selectors.plan_indicator(selectors.plan_for_city(city.slug), pk)
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
            "errors": form_errors(form)})
    return redirect("plan_indicator_entry", city=city.slug)


@city_staff
@require_GET
def overdue(request: HttpRequest, city: City) -> HttpResponse:
    plan = selectors.plan_for_city(city.slug)
    return private(render(request, "web/plan/manage/overdue.html", _staff_context(
        request, plan,
        overdue=sorted(selectors.overdue_by_department(plan,
                                                       today=city.calendar.today()).items()))))


@city_staff
@require_GET
def budget(request: HttpRequest, city: City) -> HttpResponse:
    from zerocity.plan.budget import climate_budget

    plan = selectors.plan_for_city(city.slug)
    return private(render(request, "web/plan/manage/budget.html", _staff_context(
        request, plan, b=climate_budget(plan))))


@city_staff
def excel(request: HttpRequest, city: City) -> HttpResponse:
    """Download the plan as a workbook (GET ?download=1) or send an edited one back; a refused
    workbook is listed on the form again, every error with its place."""
    from zerocity.inventory.parsing import ImportRejected
    from zerocity.plan import excel as plan_excel

    plan = selectors.plan_for_city(city.slug)
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
            try:  # the form is shown again with every error of the workbook
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
    plan = selectors.plan_for_city(city.slug)
    snap = services.close_period(plan, posted(request, PeriodForm)["period"], by=request.user)
    messages.success(request, _("Reporting period %(period)s is closed (%(sha)s).")
                     % {"period": snap.period, "sha": snap.sha256[:12]})
    return redirect("plan_dashboard", city=city.slug)


@city_staff
@require_GET
def snapshot_download(request: HttpRequest, city: City, period: str) -> HttpResponse:
    snap = selectors.plan_snapshot(selectors.plan_for_city(city.slug), period)
    response = JsonResponse(snap.data, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = (
        f'attachment; filename="{city.slug}-plan-report-{snap.period}.json"')
    return private(response)
