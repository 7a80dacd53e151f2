"""The citizen platform on the site: the city's home page with its climate status, news,
participatory processes, proposals with their comments, surveys, participatory budgets,
pledges and the footprint calculator (public to read); the person's own page (verification,
inbox, their data, deleting the account); the staff's moderation and answers.

Reading is public; every action needs the level its process sets, checked by the services
(``zerocity.engage``), which also keep blocked people out.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.mail import send_mail
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.timezone import now
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zerocity.core.access import city_staff, public, signed_in
from zerocity.core.errors import Conflict, PermissionDenied
from zerocity.core.models import City
from zerocity.core.selectors import personal_data
from zerocity.core.services import delete_person
from zerocity.engage import (
    awareness,
    budgets,
    news,
    notify,
    participation,
    surveys,
    verification,
)
from zerocity.engage.models import (
    Alignment,
    Article,
    Budget,
    Comment,
    District,
    Level,
    Phase,
    Pledge,
    Process,
    Proposal,
    ProposalState,
    ReportReason,
    Survey,
)
from zerocity.web.http import form_datetime, personal_download, private


def _city(slug: str) -> City:
    return get_object_or_404(City, slug=slug)


def _refused(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, str(exc))


# -- the city's home page ---------------------------------------------------------------------

def _status(city: City) -> dict[str, Any]:
    """The climate status at a glance: the latest published inventory, the gap to the target,
    the plan's progress and this year's nowcast where the data platform has one."""
    from zerocity.inventory.selectors import trend

    out: dict[str, Any] = {}
    years = trend(city, AnonymousUser())
    if years:
        out["latest"] = years[-1]
        out["baseline"] = years[0]
    plan = getattr(city, "plan", None)
    if plan is not None:
        from zerocity.plan.models import ActionStatus
        from zerocity.plan.selectors import action_overview, gap_table

        gap = gap_table(plan)
        out["target"] = {"year": plan.target_year, "share": plan.reduction_target,
                         "baseline": gap.total.baseline, "target": gap.total.target}
        if "latest" in out and gap.total.baseline:
            out["target"]["done"] = 1 - out["latest"]["mission"] / gap.total.baseline
        actions = action_overview(plan, today=city.calendar.today())
        counts = Counter(a["status"] for a in actions)
        out["actions"] = len(actions)
        out["counts"] = [(value, str(label), counts[value])
                         for value, label in ActionStatus.choices if counts.get(value)]
    out["nowcast"] = cache.get_or_set(f"zerocity:nowcast:{city.pk}", lambda: _nowcast(city),
                                      600)
    return out


def _nowcast(city: City) -> dict[str, Any] | None:
    try:
        from zerocity.data.opendata import build_nowcast

        df = build_nowcast(city)
    except Exception:  # noqa: BLE001 - the home page shows what it can; the data page explains
        return None
    if df.empty:
        return None
    last = df.sort_values(["year", "month"]).iloc[-1]
    return {"year": int(last["year"]), "month": int(last["month"]),
            "estimate": float(last["tco2e_estimate"]),
            "previous": float(last["tco2e_previous_year"]),
            "coverage": None if last["coverage"] != last["coverage"] else float(
                last["coverage"])}


def _cached_status(city: City) -> dict[str, Any]:
    """The status, kept for a minute per version of the city's inventories (a plan action
    turning late shows within the minute): the home page is the most visited page."""
    from django.db.models import Count, Max

    from zerocity.inventory.models import Inventory

    version = Inventory.objects.filter(city=city).aggregate(n=Count("pk"),
                                                            at=Max("updated_at"))
    stamp = version["at"].timestamp() if version["at"] else 0
    key = f"zerocity:home-status:{city.pk}:{version['n']}:{stamp}"
    found: dict[str, Any] = cache.get_or_set(key, lambda: _status(city), 60)
    return found


@public
@require_GET
def city_home(request: HttpRequest, city: str) -> HttpResponse:
    found = _city(city)
    language = get_language() or "en"
    articles = [(a, news.localised(a, "title", language), news.localised(a, "summary", language))
                for a in news.published(found)[:4]]
    return render(request, "web/engage/home.html", {
        "city": found, "status": _cached_status(found), "articles": articles,
        "events": news.upcoming(found)[:4],
        "processes": Process.objects.filter(city=found).exclude(phase="follow_up")[:4],
        "pledges": awareness.totals(found), "topics": news.topics(found),
        "followed": set(request.user.follows.filter(city=found).values_list(
            "target", flat=True)) if request.user.is_authenticated else set()})


@public
@require_GET
def article(request: HttpRequest, city: str, slug: str) -> HttpResponse:
    found = get_object_or_404(Article, city__slug=city, slug=slug, publish_at__lte=now())
    language = get_language() or "en"
    return render(request, "web/engage/article.html", {
        "city": found.city, "article": found, "title": news.localised(found, "title", language),
        "body": news.localised(found, "body", language)})


@public
@require_GET
def accessibility(request: HttpRequest, city: str) -> HttpResponse:
    return render(request, "web/engage/accessibility.html", {"city": _city(city)})


# -- processes and proposals ------------------------------------------------------------------

@public
@require_GET
def processes(request: HttpRequest, city: str) -> HttpResponse:
    found = _city(city)
    return render(request, "web/engage/processes.html", {
        "city": found, "processes": Process.objects.filter(city=found)})


@public
@require_GET
def process_detail(request: HttpRequest, city: str, slug: str) -> HttpResponse:
    process = get_object_or_404(Process, city__slug=city, slug=slug)
    state = request.GET.get("state", "")
    proposals = process.proposals.select_related("district").exclude(
        state=ProposalState.WITHDRAWN)
    if state in ProposalState.values:
        proposals = proposals.filter(state=state)
    return render(request, "web/engage/process.html", {
        "city": process.city, "process": process, "proposals": proposals[:200],
        "states": ProposalState.choices, "state": state, "phases": Phase.choices,
        "districts": District.objects.filter(city=process.city),
        "surveys": process.surveys.all(), "budgets": process.budgets.all(),
        "level": verification.level(request.user, process.city),
        "following": request.user.is_authenticated and notify.following(
            request.user, process.city, f"process:{process.pk}")})


@signed_in
@require_POST
def proposal_new(request: HttpRequest, city: City, slug: str) -> HttpResponse:
    process = get_object_or_404(Process, city=city, slug=slug)
    district = District.objects.filter(city=city, code=request.POST.get("district", "")).first()
    try:
        proposal = participation.submit_proposal(
            process, request.user, request.POST.get("title", ""), request.POST.get("body", ""),
            district=district, honeypot=request.POST.get("website", ""))
    except (Conflict, PermissionDenied) as exc:
        _refused(request, exc)
        return redirect("engage_process", city=city.slug, slug=slug)
    messages.success(request, _("Your proposal is published. You follow it."))
    return redirect("engage_proposal", city=city.slug, pk=proposal.pk)


def _proposal(city: Any, pk: int) -> Proposal:
    slug = city if isinstance(city, str) else city.slug
    return get_object_or_404(Proposal.objects.select_related("process__city", "action",
                                                             "district", "author"),
                             process__city__slug=slug, pk=pk)


@public
@require_GET
def proposal_detail(request: HttpRequest, city: str, pk: int) -> HttpResponse:
    proposal = _proposal(city, pk)
    if proposal.state == ProposalState.WITHDRAWN and proposal.author_id != request.user.pk:
        raise Http404("withdrawn")
    target = f"proposal:{proposal.pk}"
    user = request.user
    return render(request, "web/engage/proposal.html", {
        "city": proposal.process.city, "proposal": proposal,
        "comments": participation.thread(proposal, user), "reasons": ReportReason.choices,
        "alignments": Alignment.choices,
        "supported": user.is_authenticated and proposal.support_set.filter(user=user).exists(),
        "following": user.is_authenticated and notify.following(user, proposal.process.city,
                                                                target),
        "threshold": proposal.process.support_threshold})


@signed_in
@require_POST
def proposal_support(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    proposal = _proposal(city, pk)
    try:
        participation.support(proposal, request.user)
    except (Conflict, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Thank you for your support. You follow the proposal."))
    return redirect("engage_proposal", city=city.slug, pk=pk)


@signed_in
@require_POST
def follow(request: HttpRequest, city: City) -> HttpResponse:
    target = request.POST.get("target", "")
    try:
        if request.POST.get("stop"):
            notify.unfollow(request.user, city, target)
        else:
            notify.follow(request.user, city, target)
    except Conflict as exc:
        _refused(request, exc)
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith(f"/{get_language()}/{city.slug}/") else
                    reverse("engage_me", kwargs={"city": city.slug}))


@signed_in
@require_POST
def comment_new(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    proposal = _proposal(city, pk)
    parent = Comment.objects.filter(proposal=proposal, pk=request.POST.get("parent") or 0).first()
    try:
        alignment = int(request.POST.get("alignment", "0"))
        participation.comment(proposal, request.user, request.POST.get("body", ""),
                              alignment=alignment, parent=parent,
                              honeypot=request.POST.get("website", ""))
    except ValueError:
        messages.error(request, _("Choose for, neutral or against."))
    except (Conflict, PermissionDenied) as exc:
        _refused(request, exc)
    return redirect(reverse("engage_proposal", kwargs={"city": city.slug, "pk": pk})
                    + "#comments")


@signed_in
@require_POST
def comment_report(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    found = get_object_or_404(Comment, proposal__process__city=city, pk=pk)
    try:
        participation.report(found, request.user, request.POST.get("reason", ""),
                             request.POST.get("details", ""))
    except (Conflict, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Thank you: the moderators will look at the comment."))
    return redirect(reverse("engage_proposal", kwargs={"city": city.slug,
                                                       "pk": found.proposal_id})
                    + "#comments")


# -- surveys and budgets -----------------------------------------------------------------------

@public
@require_GET
def survey_detail(request: HttpRequest, city: str, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey.objects.select_related("process__city"),
                               process__city__slug=city, pk=pk)
    at = now()
    answered = request.user.is_authenticated and survey.responses.filter(
        respondent=verification.keyed("survey", str(survey.pk), str(request.user.pk))).exists()
    return render(request, "web/engage/survey.html", {
        "city": survey.process.city, "survey": survey, "questions": survey.questions.all(),
        "open": survey.opens_at <= at < survey.closes_at, "answered": answered,
        "results": surveys.results(survey) if answered or at >= survey.closes_at else None,
        "level": Level(survey.level).label})


def _survey_answers(request: HttpRequest, survey: Survey) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for q in survey.questions.all():
        key = str(q.position)
        if q.kind == "multiple":
            out[key] = request.POST.getlist(f"q{key}")
        elif q.kind == "ranking":
            ranks = {o: request.POST.get(f"q{key}_{i}", "") for i, o in enumerate(q.options)}
            if any(ranks.values()):
                try:
                    out[key] = sorted(ranks, key=lambda o: int(ranks[o]))
                except ValueError:
                    out[key] = ["?"]
        elif q.kind == "matrix":
            rows = {r: request.POST.get(f"q{key}_{i}", "") for i, r in enumerate(q.rows)}
            out[key] = {r: v for r, v in rows.items() if v}
        else:
            out[key] = request.POST.get(f"q{key}", "")
    return out


@signed_in
@require_POST
def survey_answer(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey, process__city=city, pk=pk)
    try:
        surveys.answer(survey, request.user, _survey_answers(request, survey))
    except (Conflict, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Thank you: your answers are recorded."))
    return redirect("engage_survey", city=city.slug, pk=pk)


@public
@require_GET
def budget_detail(request: HttpRequest, city: str, pk: int) -> HttpResponse:
    budget = get_object_or_404(Budget.objects.select_related("process__city", "district"),
                               process__city__slug=city, pk=pk)
    at = now()
    return render(request, "web/engage/budget.html", {
        "city": budget.process.city, "budget": budget, "projects": budget.projects.all(),
        "open": budget.opens_at <= at < budget.closes_at,
        "results": budgets.results(budget) if at >= budget.closes_at
        or budget.process.phase in ("decide", "follow_up") else None,
        "ballots": budget.ballots.count()})


@signed_in
@require_POST
def budget_vote(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    budget = get_object_or_404(Budget, process__city=city, pk=pk)
    chosen = list(budget.projects.filter(pk__in=request.POST.getlist("projects")))
    try:
        budgets.vote(budget, request.user, chosen)
    except (Conflict, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Your vote is counted. Thank you."))
    return redirect("engage_budget", city=city.slug, pk=pk)


# -- awareness --------------------------------------------------------------------------------

@public
@require_GET
def pledges(request: HttpRequest, city: str) -> HttpResponse:
    found = _city(city)
    mine = set()
    if request.user.is_authenticated:
        mine = set(request.user.pledges.filter(pledge__city=found).values_list("pledge_id",
                                                                               flat=True))
    return render(request, "web/engage/pledges.html", {
        "city": found, "totals": awareness.totals(found), "mine": mine})


@signed_in
@require_POST
def pledge_take(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    pledge = get_object_or_404(Pledge, city=city, pk=pk)
    try:
        awareness.take(pledge, request.user)
    except Conflict as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Thank you for your pledge."))
    return redirect("engage_pledges", city=city.slug)


@public
@require_GET
def footprint(request: HttpRequest, city: str) -> HttpResponse:
    found = _city(city)
    result, error = None, ""
    if request.GET.get("diet"):
        try:
            result = awareness.footprint(request.GET.dict(),
                                         household=int(request.GET.get("household") or 1))
        except (Conflict, ValueError) as exc:
            error = str(exc)
    return render(request, "web/engage/footprint.html", {
        "city": found, "result": result, "error": error, "values": request.GET,
        "factors": awareness.FACTORS, "diets": awareness.DIETS,
        "diets_source": awareness.DIETS_SOURCE, "city_kg": awareness.city_per_person(found)})


# -- the person's own page ------------------------------------------------------------------

@public
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest, city: str) -> HttpResponse:
    """A citizen signs up: the account, the citizen's role in this city, and a mail with the
    link that confirms the address."""
    from django.contrib.auth import login

    from zerocity.core.models import Role
    from zerocity.core.services import grant_role
    from zerocity.web.forms import SignUpForm

    found = _city(city)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not form.cleaned_data["website"]:
        user = grant_role(found, form.cleaned_data["username"], Role.CITIZEN,
                          email=form.cleaned_data["email"],
                          password=form.cleaned_data["password"], actor="sign-up").user
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        _send_confirmation(request, found)
        return redirect("engage_me", city=found.slug)
    return render(request, "web/engage/signup.html", {"city": found, "form": form},
                  status=400 if request.method == "POST" else 200)


def _send_confirmation(request: HttpRequest, city: City) -> None:
    link = request.build_absolute_uri(reverse("engage_confirm", kwargs={
        "city": city.slug, "token": verification.email_token(request.user, city)}))
    send_mail(_("Confirm your e-mail address"),
              _("Open this link to confirm your address: %(link)s") % {"link": link},
              None, [request.user.email])
    messages.success(request, _("We sent a link to %(email)s.") % {
        "email": request.user.email})


@signed_in
@require_GET
def me(request: HttpRequest, city: City) -> HttpResponse:
    found = verification.verification(request.user, city)
    return private(render(request, "web/engage/me.html", {
        "city": city, "verification": found, "level": Level(found.level).label,
        "inbox": notify.inbox(request.user, city),
        "follows": request.user.follows.filter(city=city),
        "preference": notify.preference(request.user),
        "card": awareness.card_summary(request.user, city)}))


@signed_in
@require_POST
def me_read(request: HttpRequest, city: City) -> HttpResponse:
    notify.mark_read(request.user, city)
    return redirect("engage_me", city=city.slug)


@signed_in
@require_POST
def me_send_confirmation(request: HttpRequest, city: City) -> HttpResponse:
    if not request.user.email:
        messages.error(request, _("Your account has no e-mail address."))
    else:
        _send_confirmation(request, city)
    return redirect("engage_me", city=city.slug)


@signed_in
@require_GET
def me_confirm(request: HttpRequest, city: City, token: str) -> HttpResponse:
    try:
        verification.confirm_email(request.user, city, token)
    except Conflict as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Your e-mail address is confirmed."))
    return redirect("engage_me", city=city.slug)


@signed_in
@require_POST
def me_resident(request: HttpRequest, city: City) -> HttpResponse:
    try:
        verification.verify_resident(request.user, city, {
            "resident_number": request.POST.get("resident_number", ""),
            "birth_date": request.POST.get("birth_date", "")})
    except Conflict as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("You are verified as a resident."))
    return redirect("engage_me", city=city.slug)


@signed_in
@require_POST
def me_mail(request: HttpRequest, city: City) -> HttpResponse:
    pref = notify.preference(request.user)
    pref.immediate = request.POST.get("immediate") == "on"
    pref.digest = request.POST.get("digest") == "on"
    if pref.immediate or pref.digest:
        pref.unsubscribed_at = None
    pref.save()
    messages.success(request, _("Your mail settings are saved."))
    return redirect("engage_me", city=city.slug)


@signed_in
@require_GET
def me_data(request: HttpRequest, city: City) -> HttpResponse:
    """Everything the city holds about the person, every app's part, as JSON."""
    return personal_download(personal_data(request.user, city), f"{city.slug}-my-data.json")


@signed_in
@require_POST
def me_delete(request: HttpRequest, city: City) -> HttpResponse:
    """Delete the account (``core.services.delete_person``)."""
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm."))
        return redirect("engage_me", city=city.slug)
    try:
        delete_person(request.user, city)
    except Conflict as exc:
        _refused(request, exc)
        return redirect("engage_me", city=city.slug)
    logout(request)
    messages.success(request, _("Your account is deleted."))
    return redirect("city_home", city=city.slug)


@public
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click (RFC 8058): a POST unsubscribes; a GET shows the button."""
    if request.method == "POST":
        try:
            notify.unsubscribe(token)
        except Conflict as exc:
            return render(request, "web/engage/unsubscribe.html", {"error": str(exc)},
                          status=400)
        return render(request, "web/engage/unsubscribe.html", {"done": True})
    return render(request, "web/engage/unsubscribe.html", {"token": token})


# -- staff ---------------------------------------------------------------------------------------

@city_staff
@require_GET
def manage(request: HttpRequest, city: City) -> HttpResponse:
    return private(render(request, "web/engage/manage.html", {
        "city": city, "queue": participation.moderation_queue(city),
        "to_answer": Proposal.objects.filter(process__city=city, state__in=(
            ProposalState.PUBLISHED, ProposalState.EVALUATING)).order_by("-supports")[:100],
        "states": [(v, label) for v, label in ProposalState.choices
                   if v in ("evaluating", "accepted", "rejected")],
        "budgets": Budget.objects.filter(process__city=city),
        "scheduled": Article.objects.filter(city=city, publish_at__gt=now()),
        "topics": news.topics(city)}))


@city_staff
@require_POST
def manage_article(request: HttpRequest, city: City) -> HttpResponse:
    """The communication office writes an article, published now or at a later time."""
    raw = request.POST.get("publish_at", "").strip()
    try:
        at = form_datetime(raw) if raw else now()
        article = news.write(city, request.POST.get("title", ""), request.POST.get("body", ""),
                             publish_at=at, summary=request.POST.get("summary", ""),
                             title_sl=request.POST.get("title_sl", ""),
                             summary_sl=request.POST.get("summary_sl", ""),
                             body_sl=request.POST.get("body_sl", ""),
                             topic=request.POST.get("topic", ""), by=request.user)
    except Conflict as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The article “%(title)s” appears on %(at)s.") % {
            "title": article.title,
            "at": city.calendar.local(article.publish_at).strftime("%d. %m. %Y %H:%M")})
    return redirect("engage_manage", city=city.slug)


@city_staff
@require_POST
def manage_event(request: HttpRequest, city: City) -> HttpResponse:
    try:
        starts = form_datetime(request.POST.get("starts_at", ""))
        news.add_event(city, request.POST.get("title", ""), starts,
                       request.POST.get("place", ""), title_sl=request.POST.get("title_sl", ""),
                       by=request.user)
    except Conflict as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The event is on the home page."))
    return redirect("engage_manage", city=city.slug)


@city_staff
@require_POST
def manage_answer(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    proposal = _proposal(city, pk)
    action = None
    code = request.POST.get("action", "").strip()
    if code:
        from zerocity.plan.models import Action

        action = Action.objects.filter(plan__city=city, code=code).first()
        if action is None:
            messages.error(request, _("No plan action %(code)s.") % {"code": code})
            return redirect("engage_manage", city=city.slug)
    try:
        participation.answer(proposal, request.POST.get("state", ""),
                             request.POST.get("answer", ""), action=action, by=request.user)
    except Conflict as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The answer is published and the followers are told."))
    return redirect("engage_manage", city=city.slug)


@city_staff
@require_POST
def manage_moderate(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    found = get_object_or_404(Comment, proposal__process__city=city, pk=pk)
    try:
        participation.moderate(found, keep=request.POST.get("decision") == "keep",
                               reason=request.POST.get("reason", ""), by=request.user)
        if request.POST.get("block") == "on" and found.author is not None:
            participation.block(city, found.author, request.POST.get("reason", ""),
                                by=request.user)
    except Conflict as exc:
        _refused(request, exc)
    return redirect("engage_manage", city=city.slug)


@city_staff
@require_POST
def manage_paper_ballot(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    budget = get_object_or_404(Budget, process__city=city, pk=pk)
    chosen = list(budget.projects.filter(pk__in=request.POST.getlist("projects")))
    try:
        budgets.enter_paper_ballot(budget, request.POST.get("number", ""), chosen,
                                   by=request.user)
    except Conflict as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The paper ballot is counted."))
    return redirect("engage_manage", city=city.slug)
