"""The citizen platform on the site: the city's home page with its climate status, news,
participatory processes, proposals with their comments, surveys, participatory budgets,
pledges and the footprint calculator (public to read); the person's own page (verification,
inbox, their data, deleting the account); the staff's moderation and answers.

Reading is public; every action needs the level its process sets, checked by the services
(``zerocity.engage``), which also keep blocked people out. Pages read through
``engage.selectors``; a refusal of a service is shown by ``web.refusals`` as a message on the
page the form was on (each form names it in its ``next`` field).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.timezone import now
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zerocity.core.access import city_staff, public, signed_in
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.core.selectors import get_city, personal_data
from zerocity.core.services import delete_person
from zerocity.engage import selectors
from zerocity.engage.models import Alignment, ProposalState, Question, ReportReason
from zerocity.engage.services import (
    awareness,
    budgets,
    news,
    notify,
    participation,
    surveys,
    verification,
)
from zerocity.web.forms import SignUpForm
from zerocity.web.http import form_datetime, personal_download, private
from zerocity.web.page_cache import shared_page
from zerocity.web.posted import BallotForm, CommentForm, PaperBallotForm, posted


def _language() -> str:
    return get_language() or "en"


# -- the city's home page ---------------------------------------------------------------------

@public
@shared_page
@require_GET
def city_home(request: HttpRequest, city: str) -> HttpResponse:
    found = get_city(city)
    return render(request, "web/engage/home.html", {
        "city": found, **selectors.home_page(found, request.user, _language())})


@public
@require_GET
def article(request: HttpRequest, city: str, slug: str) -> HttpResponse:
    found = get_city(city)
    return render(request, "web/engage/article.html", {
        "city": found, **selectors.article_page(found, slug, _language())})


@public
@require_GET
def accessibility(request: HttpRequest, city: str) -> HttpResponse:
    return render(request, "web/engage/accessibility.html", {"city": get_city(city)})


# -- processes and proposals ------------------------------------------------------------------

@public
@require_GET
def processes(request: HttpRequest, city: str) -> HttpResponse:
    found = get_city(city)
    return render(request, "web/engage/processes.html", {
        "city": found, "processes": selectors.processes(found)})


@public
@shared_page
@require_GET
def process_detail(request: HttpRequest, city: str, slug: str) -> HttpResponse:
    found = get_city(city)
    return render(request, "web/engage/process.html", {
        "city": found, "states": ProposalState.choices,
        **selectors.process_page(found, slug, request.user, request.GET.get("state", ""))})


@signed_in
@require_POST
def proposal_new(request: HttpRequest, city: City, slug: str) -> HttpResponse:
    proposal = participation.submit_proposal(
        selectors.public_process(city, slug), request.user, request.POST.get("title", ""),
        request.POST.get("body", ""),
        district=selectors.district(city, request.POST.get("district", "")),
        honeypot=request.POST.get("website", ""))
    messages.success(request, _("Your proposal is published. You follow it."))
    return redirect("engage_proposal", city=city.slug, pk=proposal.pk)


@public
@shared_page
@require_GET
def proposal_detail(request: HttpRequest, city: str, pk: int) -> HttpResponse:
    found = get_city(city)
    return render(request, "web/engage/proposal.html", {
        "city": found, "reasons": ReportReason.choices, "alignments": Alignment.choices,
        **selectors.proposal_page(found, pk, request.user)})


@signed_in
@require_POST
def proposal_support(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    participation.support(selectors.proposal(city, pk), request.user)
    messages.success(request, _("Thank you for your support. You follow the proposal."))
    return redirect("engage_proposal", city=city.slug, pk=pk)


@signed_in
@require_POST
def follow(request: HttpRequest, city: City) -> HttpResponse:
    target = request.POST.get("target", "")
    if request.POST.get("stop"):
        notify.unfollow(request.user, city, target)
        messages.success(request, _("You no longer follow %(name)s.") % {
            "name": selectors.follow_label(city, target)})
    else:
        notify.follow(request.user, city, target)
        messages.success(request, _("You follow %(name)s. You will hear of its news in your "
                                    "inbox and by mail, as your mail settings say.") % {
            "name": selectors.follow_label(city, target)})
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith(f"/{get_language()}/{city.slug}/") else
                    reverse("engage_me", kwargs={"city": city.slug}))


@signed_in
@require_POST
def comment_new(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    proposal = selectors.proposal(city, pk)
    form = posted(request, CommentForm)
    participation.comment(proposal, request.user, form["body"], alignment=form["alignment"],
                          parent=selectors.reply_to(proposal, form["parent"]),
                          honeypot=form["website"])
    return redirect(reverse("engage_proposal", kwargs={"city": city.slug, "pk": pk})
                    + "#comments")


@signed_in
@require_POST
def comment_report(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    found = selectors.comment(city, pk)
    participation.report(found, request.user, request.POST.get("reason", ""),
                         request.POST.get("details", ""))
    messages.success(request, _("Thank you: the moderators will look at the comment."))
    return redirect(reverse("engage_proposal", kwargs={"city": city.slug,
                                                       "pk": found.proposal_id})
                    + "#comments")


# -- surveys and budgets -----------------------------------------------------------------------

@public
@require_GET
def survey_detail(request: HttpRequest, city: str, pk: int) -> HttpResponse:
    found = get_city(city)
    return render(request, "web/engage/survey.html", {
        "city": found, **selectors.survey_page(found, pk, request.user)})


def _survey_answers(request: HttpRequest, questions: list[Question]) -> dict[str, Any]:
    """The answers as ``surveys.answer`` takes them, from the survey form's fields."""
    out: dict[str, Any] = {}
    for q in questions:
        key = str(q.position)
        if q.kind == "multiple":
            out[key] = request.POST.getlist(f"q{key}")
        elif q.kind == "ranking":
            ranks = {o: request.POST.get(f"q{key}_{i}", "") for i, o in enumerate(q.options)}
            if any(ranks.values()):
                given = [r.strip() for r in ranks.values()]
                if all(r.isdigit() for r in given) and len(set(map(int, given))) == len(given):
                    out[key] = sorted(ranks, key=lambda o: int(ranks[o]))
                else:  # a rank missing, twice or no number: the service names the question
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
    survey = selectors.survey(city, pk)
    surveys.answer(survey, request.user, _survey_answers(request, selectors.questions(survey)))
    messages.success(request, _("Thank you: your answers are recorded."))
    return redirect("engage_survey", city=city.slug, pk=pk)


@public
@require_GET
def budget_detail(request: HttpRequest, city: str, pk: int) -> HttpResponse:
    found = get_city(city)
    return render(request, "web/engage/budget.html", {
        "city": found, **selectors.budget_page(found, pk, request.user)})


@signed_in
@require_POST
def budget_vote(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    budget = selectors.budget(city, pk)
    budgets.vote(budget, request.user,
                 selectors.projects(budget, posted(request, BallotForm)["projects"]))
    messages.success(request, _("Your vote is counted. Thank you. Your ballot and its receipt "
                                "are below."))
    return redirect("engage_budget", city=city.slug, pk=pk)


# -- awareness --------------------------------------------------------------------------------

@public
@require_GET
def pledges(request: HttpRequest, city: str) -> HttpResponse:
    found = get_city(city)
    return render(request, "web/engage/pledges.html", {
        "city": found, **selectors.pledges_page(found, request.user)})


@signed_in
@require_POST
def pledge_take(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    awareness.take(selectors.pledge(city, pk), request.user)
    messages.success(request, _("Thank you for your pledge."))
    return redirect("engage_pledges", city=city.slug)


@public
@require_GET
def footprint(request: HttpRequest, city: str) -> HttpResponse:
    found = get_city(city)
    result, error = awareness.calculate(request.GET.dict())
    return render(request, "web/engage/footprint.html", {
        "city": found, "result": result, "error": error, "values": request.GET,
        "factors": awareness.FACTORS, "diets": awareness.DIET_LABELS,
        "diets_source": awareness.DIETS_SOURCE, "city_kg": awareness.city_per_person(found)})


# -- the person's own page ------------------------------------------------------------------

def _confirmation_link(request: HttpRequest, city: City) -> Callable[[str], str]:
    """The page's address for a confirmation token, as the mail gives it."""
    return lambda token: request.build_absolute_uri(reverse("engage_confirm", kwargs={
        "city": city.slug, "token": token}))


@public
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest, city: str) -> HttpResponse:
    """A citizen signs up (``verification.sign_up``) and is logged in; the mail with the
    confirmation link is on its way."""
    found = get_city(city)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not form.cleaned_data["website"]:
        user = verification.sign_up(found, form.cleaned_data["username"],
                                    form.cleaned_data["email"], form.cleaned_data["password"],
                                    link=_confirmation_link(request, found))
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("We sent a link to %(email)s.") % {"email": user.email})
        return redirect("engage_me", city=found.slug)
    return render(request, "web/engage/signup.html", {"city": found, "form": form},
                  status=400 if request.method == "POST" else 200)


@signed_in
@require_GET
def me(request: HttpRequest, city: City) -> HttpResponse:
    return private(render(request, "web/engage/me.html", {
        "city": city, **selectors.me_page(request.user, city)}))


@signed_in
@require_POST
def me_read(request: HttpRequest, city: City) -> HttpResponse:
    notify.mark_read(request.user, city)
    return redirect("engage_me", city=city.slug)


@signed_in
@require_POST
def me_send_confirmation(request: HttpRequest, city: City) -> HttpResponse:
    sent_to = verification.send_email_confirmation(request.user, city,
                                                   link=_confirmation_link(request, city))
    messages.success(request, _("We sent a link to %(email)s.") % {"email": sent_to})
    return redirect("engage_me", city=city.slug)


@signed_in
@require_GET
def me_confirm(request: HttpRequest, city: City, token: str) -> HttpResponse:
    """The link from the mail: a page only opened, so a link that does not confirm is told on
    the person's page (where a new one is asked for), not refused as a form would be."""
    problem = verification.email_link_problem(request.user, city, token)
    if problem is not None:
        messages.error(request, problem)
    else:
        verification.confirm_email(request.user, city, token)
        messages.success(request, _("Your e-mail address is confirmed."))
    return redirect("engage_me", city=city.slug)


@signed_in
@require_POST
def me_resident(request: HttpRequest, city: City) -> HttpResponse:
    verification.verify_resident(request.user, city, {
        "resident_number": request.POST.get("resident_number", ""),
        "birth_date": request.POST.get("birth_date", "")})
    messages.success(request, _("You are verified as a resident."))
    return redirect("engage_me", city=city.slug)


@signed_in
@require_POST
def me_mail(request: HttpRequest, city: City) -> HttpResponse:
    notify.set_mail_preferences(request.user, city,
                                immediate=request.POST.get("immediate") == "on",
                                digest=request.POST.get("digest") == "on")
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
    delete_person(request.user, city)
    logout(request)
    messages.success(request, _("Your account is deleted."))
    return redirect("city_home", city=city.slug)


@public
@csrf_exempt  # the mail program's POST has no CSRF token; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click (RFC 8058): a POST unsubscribes; a GET shows the button. A mail program
    sends the POST itself (body ``List-Unsubscribe=One-Click``) to the mail's address, which
    carries no language and no CSRF token: the signed token in the address is what
    authenticates it. So a link that is not valid is a 400 with the reason, not a message
    for a person to read on another page."""
    if request.method == "GET":
        return render(request, "web/engage/unsubscribe.html", {"token": token})
    problem = notify.unsubscribe_link_problem(token)
    if problem is not None:
        return render(request, "web/engage/unsubscribe.html", {"error": problem}, status=400)
    notify.unsubscribe(token)
    return render(request, "web/engage/unsubscribe.html", {"done": True})


# -- staff ---------------------------------------------------------------------------------------

@city_staff
@require_GET
def manage(request: HttpRequest, city: City) -> HttpResponse:
    return private(render(request, "web/engage/manage.html", {
        "city": city, "states": [(v, label) for v, label in ProposalState.choices
                                 if v in ("evaluating", "accepted", "rejected")],
        **selectors.manage_page(city)}))


@city_staff
@require_POST
def manage_article(request: HttpRequest, city: City) -> HttpResponse:
    """The communication office writes an article, published now or at a later time."""
    raw = request.POST.get("publish_at", "").strip()
    article = news.write(city, request.POST.get("title", ""), request.POST.get("body", ""),
                         publish_at=form_datetime(raw) if raw else now(),
                         summary=request.POST.get("summary", ""),
                         title_sl=request.POST.get("title_sl", ""),
                         summary_sl=request.POST.get("summary_sl", ""),
                         body_sl=request.POST.get("body_sl", ""),
                         topic=request.POST.get("topic", ""), by=request.user)
    messages.success(request, _("The article “%(title)s” appears on %(at)s.") % {
        "title": article.title,
        "at": city.calendar.local(article.publish_at).strftime("%d. %m. %Y %H:%M")})
    return redirect("engage_manage", city=city.slug)


@city_staff
@require_POST
def manage_event(request: HttpRequest, city: City) -> HttpResponse:
    news.add_event(city, request.POST.get("title", ""),
                   form_datetime(request.POST.get("starts_at", "")),
                   request.POST.get("place", ""), title_sl=request.POST.get("title_sl", ""),
                   by=request.user)
    messages.success(request, _("The event is on the home page."))
    return redirect("engage_manage", city=city.slug)


@city_staff
@require_POST
def manage_answer(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    code = request.POST.get("action", "").strip()
    action = selectors.plan_action(city, code) if code else None
    if code and action is None:
        raise Conflict(_("No plan action %(code)s.") % {"code": code})
    participation.answer(selectors.proposal(city, pk), request.POST.get("state", ""),
                         request.POST.get("answer", ""), action=action, by=request.user)
    messages.success(request, _("The answer is published and the followers are told."))
    return redirect("engage_manage", city=city.slug)


@city_staff
@require_POST
def manage_moderate(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    participation.moderate(selectors.comment(city, pk),
                           keep=request.POST.get("decision") == "keep",
                           reason=request.POST.get("reason", ""),
                           block_author=request.POST.get("block") == "on", by=request.user)
    return redirect("engage_manage", city=city.slug)


@city_staff
@require_POST
def manage_paper_ballot(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    budget = selectors.budget(city, pk)
    form = posted(request, PaperBallotForm)
    budgets.enter_paper_ballot(budget, form["number"],
                               selectors.projects(budget, form["projects"]), by=request.user)
    messages.success(request, _("The paper ballot is counted."))
    return redirect("engage_manage", city=city.slug)


@city_staff
@require_GET
def manage_receipt(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """A voter quotes their receipt; the staff see whether that ballot is counted and for
    which projects, never who cast it."""
    budget = selectors.budget(city, pk)
    code = request.GET.get("code", "")
    return private(render(request, "web/engage/receipt.html", {
        "city": city, "budget": budget,
        "check": selectors.receipt_check(budget, code) if code.strip() else None}))

