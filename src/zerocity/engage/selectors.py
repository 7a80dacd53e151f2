"""Reads of the citizen platform, with the visibility rules of its public pages applied here,
so that the site and the API show an anonymous visitor the same things:

- every process of the city (a process has no draft state; the list page shows them all);
- a process's proposals except the withdrawn ones, which the site shows to their author only;
- a proposal's title, description, state, supports and district; the city's answer and the
  plan action that carries it out only once the city has answered (``answered_at``);
- never who supported; who proposed or commented only by the display name the site shows
  (``display_name``: the first name and the surname's initial the person gave, else "a
  citizen"), never by the user name or the e-mail; the API shows no author at all.

The site's pages read through the page functions below (one per page), and the home page's
climate status is gathered and cached here (``climate_status``).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.core.cache import cache
from django.db.models import Case, Count, F, Max, QuerySet, When
from django.utils.timezone import now
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from zerocity.core.actors import Person, signed_in
from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.core.translations import in_reader_language
from zerocity.engage.models import (
    Article,
    Ballot,
    Budget,
    Comment,
    District,
    Follow,
    Level,
    MailPreference,
    Phase,
    Pledge,
    PledgeTaken,
    Process,
    Project,
    Proposal,
    ProposalState,
    Question,
    Survey,
    Verification,
    VotingStyle,
)
from zerocity.engage.services import (
    awareness,
    budgets,
    news,
    notify,
    participation,
    surveys,
    verification,
)

if TYPE_CHECKING:
    from zerocity.plan.models import Action

PUBLIC_STATES = tuple(s for s in ProposalState.values if s != ProposalState.WITHDRAWN)
PROCESS_FIELDS = ("slug", "title", "summary", "phase", "support_threshold")


def _answered(value: Any) -> Case:
    """``value`` once the city has answered the proposal, None before."""
    return Case(When(answered_at__isnull=False, then=value), default=None)


def public_processes(city: City) -> QuerySet[Process, dict[str, Any]]:
    """The city's participatory processes, the newest first, with their public fields only."""
    rows: QuerySet[Process, dict[str, Any]] = (
        Process.objects.filter(city=city).order_by("-created_at", "-pk").values(*PROCESS_FIELDS))
    return rows


def public_process(city: City, slug: str) -> Process:
    """The city's process with this slug, or NotFound."""
    found = Process.objects.filter(city=city, slug=slug).first()
    if found is None:
        raise NotFound(_("There is no participatory process %(slug)s in %(city)s.")
                       % {"slug": slug, "city": city.name})
    return found


def public_proposals(city: City, process_slug: str, *, state: str | None = None
                     ) -> QuerySet[Proposal, Any]:
    """The proposals of one of the city's processes that anyone may read, the newest first
    (NotFound for an unknown process), narrowed to one state when given: their public
    fields only, the city's answer and its plan action once given. A withdrawn proposal is
    never among them, even when asked for by its state."""
    process = public_process(city, process_slug)
    proposals = Proposal.objects.filter(process=process, state__in=PUBLIC_STATES)
    if state is not None:
        proposals = proposals.filter(state=state)
    return proposals.order_by("-created_at", "-pk").values(
        "id", "title", "body", "state", "supports",
        district_code=F("district__code"), district_name=F("district__name"),
        city_answer=_answered(F("answer")), action_code=_answered(F("action__code")),
        action_name=_answered(in_reader_language("action__name")))


# -- the site's pages -----------------------------------------------------------------------------
# Each page of the citizen platform reads through one function here, which gathers what the
# page shows with the same visibility rules as above: the view only renders it.

def _pk(raw: str | int | None) -> int:
    """A primary key sent in a form; 0 (matching nothing) for anything but ASCII digits a
    database key can hold ("²" is a digit to ``isdigit`` and no number to ``int``)."""
    text = str(raw or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else 0


def climate_status(city: City) -> dict[str, Any]:
    """The climate status at a glance (``_climate_status``), kept a minute per version of the
    city's inventories (a plan action turning late shows within the minute): the home page is
    the most visited page. It holds numbers and codes only, never a translated word, and is
    kept per language all the same, so that a page in one language never shows another's."""
    from zerocity.inventory.models import Inventory

    version = Inventory.objects.filter(city=city).aggregate(n=Count("pk"),
                                                            at=Max("updated_at"))
    stamp = version["at"].timestamp() if version["at"] else 0
    language = get_language() or "en"
    key = f"zerocity:home-status:{city.pk}:{language}:{version['n']}:{stamp}"
    return cast(dict[str, Any], cache.get_or_set(key, lambda: _climate_status(city), 60))


def _climate_status(city: City) -> dict[str, Any]:
    """The latest published inventory, the plan's headline figures (``plan.figures``: the
    allowed level, the declared and the modelled results), the path to the target for the
    chart, the plan's progress and this year's nowcast where the data platform has one."""
    from django.contrib.auth.models import AnonymousUser

    from zerocity.inventory.selectors import trend

    out: dict[str, Any] = {}
    years = trend(city, AnonymousUser())  # what anyone may see: the published inventories
    if years:
        out["latest"] = years[-1]
        out["baseline"] = years[0]
    plan = getattr(city, "plan", None)
    if plan is not None:
        from zerocity.plan.figures import plan_figures, target_path
        from zerocity.plan.models import ActionStatus
        from zerocity.plan.selectors import action_overview

        figures = plan_figures(plan)
        out["figures"] = figures.as_dict()
        out["path"] = target_path(city, figures)
        if "latest" in out and figures.baseline:
            out["done"] = 1 - out["latest"]["mission"] / figures.baseline
        actions = action_overview(plan, today=city.calendar.today())
        counts = Counter(a["status"] for a in actions)
        out["actions"] = len(actions)
        # codes, not labels: the template names them in the reader's language
        out["counts"] = [(value, counts[value]) for value in ActionStatus.values
                         if counts.get(value)]
    out["nowcast"] = cache.get_or_set(f"zerocity:nowcast:{city.pk}", lambda: _nowcast(city),
                                      600)
    if out["nowcast"] and "latest" in out and out["latest"]["mission"]:
        # metered energy is part of the inventory only: say how large a part
        out["nowcast"] = {**out["nowcast"], "share_of_inventory":
                          out["nowcast"]["estimate"] / out["latest"]["mission"]}
    return out


def _nowcast(city: City) -> dict[str, Any] | None:
    """This year's nowcast of metered energy (``data.opendata``), its latest month; None
    where the data platform has none."""
    try:
        from zerocity.data.opendata import build_nowcast

        df = build_nowcast(city)
    except Exception:  # noqa: BLE001 - the home page shows what it can; the data page explains
        return None
    if df.empty:
        return None
    last = df.sort_values(["year", "month"]).iloc[-1]
    coverage = last["coverage"]
    return {"year": int(last["year"]), "month": int(last["month"]),
            "estimate": float(last["tco2e_estimate"]),
            "previous": float(last["tco2e_previous_year"]),
            "coverage": None if coverage != coverage else float(coverage)}  # NaN: unknown


def followed(person: Person | None, city: City) -> set[str]:
    """What the person follows in the city (``kind:id``); nothing for a visitor."""
    user = signed_in(person)
    if user is None:
        return set()
    return set(Follow.objects.filter(user=user, city=city).values_list("target", flat=True))


def home_page(city: City, person: Person | None, language: str) -> dict[str, Any]:
    """The city's home page: the climate status, the four latest articles in the reader's
    language (title and summary), the next events, the processes not yet over, the pledges,
    the topics to follow and those the person follows."""
    articles = [(a, news.localised(a, "title", language), news.localised(a, "summary", language))
                for a in news.published(city)[:4]]
    return {"status": climate_status(city), "articles": articles,
            "events": news.upcoming(city)[:4],
            "processes": Process.objects.filter(city=city).exclude(phase=Phase.FOLLOW_UP)[:4],
            "pledges": awareness.totals(city), "topics": news.topics(city),
            "followed": followed(person, city)}


def article_page(city: City, slug: str, language: str) -> dict[str, Any]:
    """A published article in the reader's language; NotFound before its publication time."""
    found = Article.objects.filter(city=city, slug=slug, publish_at__lte=now()).first()
    if found is None:
        raise NotFound(_("There is no article %(slug)s.") % {"slug": slug})
    return {"article": found, "title": news.localised(found, "title", language),
            "body": news.localised(found, "body", language)}


def processes(city: City) -> QuerySet[Process]:
    """Every participatory process of the city, for its list page."""
    return Process.objects.filter(city=city)


def process_page(city: City, slug: str, person: Person | None, state: str = ""
                 ) -> dict[str, Any]:
    """A process with its proposals (the withdrawn left out; narrowed to ``state`` when it is
    one), the districts to propose for, its surveys and budgets, and the person's level and
    whether they follow it."""
    process = public_process(city, slug)
    proposals = process.proposals.select_related("district", "author").exclude(
        state=ProposalState.WITHDRAWN)
    if state in ProposalState.values:
        proposals = proposals.filter(state=state)
    user = signed_in(person)
    return {"process": process, "state": state,
            "proposals": [{"proposal": p, "author": display_name(p.author)}
                          for p in proposals[:200]],
            "phases": phases(process),
            "districts": District.objects.filter(city=city),
            "surveys": process.surveys.all(), "budgets": process.budgets.all(),
            "level": verification.level(user, city),
            "following": user is not None and notify.following(user, city,
                                                               f"process:{process.pk}")}


def phases(process: Process) -> list[dict[str, Any]]:
    """A process's phases in their order, each with its name and whether it is the current
    one (marked on the page, ``aria-current="step"``) or already over."""
    values = list(Phase.values)
    here = values.index(process.phase)
    return [{"value": value, "label": label, "current": n == here, "done": n < here}
            for n, (value, label) in enumerate(Phase.choices)]


def display_name(user: Any) -> str:
    """How the site names the author of a proposal or a comment: the first name and the
    initial of the surname when the person gave them ("Maja K."), else "a citizen"; "a
    deleted account" once the account is deleted. Never the user name or the e-mail, which
    a person did not choose to publish."""
    if user is None or not user.is_active:
        return _("a deleted account")
    first, last = user.first_name.strip(), user.last_name.strip()
    if not first:
        return _("a citizen")
    return f"{first} {last[0]}." if last else first


def district(city: City, code: str) -> District | None:
    """The city's district with this code; None for the whole city (or an unknown code)."""
    return District.objects.filter(city=city, code=code).first() if code else None


def proposal(city: City, pk: int) -> Proposal:
    """The city's proposal ``pk`` (whatever its state: the services refuse what its state does
    not allow), or NotFound."""
    found = (Proposal.objects.select_related("process__city", "action", "district", "author")
             .filter(process__city=city, pk=pk).first())
    if found is None:
        raise NotFound(_("There is no proposal %(pk)s in %(city)s.")
                       % {"pk": pk, "city": city.name})
    return found


def proposal_page(city: City, pk: int, person: Person | None) -> dict[str, Any]:
    """A proposal as the person sees it: a withdrawn one is its author's only (NotFound for
    everyone else), the comments in reading order (a hidden one shows to its author only),
    whether the person supports and follows it."""
    found = proposal(city, pk)
    user = signed_in(person)
    if found.state == ProposalState.WITHDRAWN and (user is None or found.author_id != user.pk):
        raise NotFound(_("This proposal was withdrawn by its author."))
    comments = participation.thread(found, user)
    for c in comments:
        c.author_name = display_name(c.author)  # type: ignore[attr-defined]
    return {"proposal": found, "comments": comments, "author": display_name(found.author),
            "mine": user is not None and found.author_id == user.pk,
            "supported": user is not None and found.support_set.filter(user=user).exists(),
            "following": user is not None and notify.following(user, city,
                                                               f"proposal:{found.pk}"),
            "threshold": found.process.support_threshold}


def reply_to(target: Proposal, pk: str | int | None) -> Comment | None:
    """The comment of this proposal a reply answers; None for a comment of its own."""
    return Comment.objects.filter(proposal=target, pk=_pk(pk)).first()


def comment(city: City, pk: int) -> Comment:
    """A comment on one of the city's proposals, or NotFound."""
    found = (Comment.objects.select_related("proposal__process__city", "author")
             .filter(proposal__process__city=city, pk=pk).first())
    if found is None:
        raise NotFound(_("There is no comment %(pk)s in %(city)s.")
                       % {"pk": pk, "city": city.name})
    return found


def survey(city: City, pk: int) -> Survey:
    """The survey ``pk`` of one of the city's processes, with its questions, or NotFound."""
    found = (Survey.objects.select_related("process__city").prefetch_related("questions")
             .filter(process__city=city, pk=pk).first())
    if found is None:
        raise NotFound(_("There is no survey %(pk)s in %(city)s.") % {"pk": pk, "city": city.name})
    return found


def questions(target: Survey) -> list[Question]:
    """A survey's questions in their order."""
    return list(target.questions.all())


def survey_page(city: City, pk: int, person: Person | None) -> dict[str, Any]:
    """A survey: its questions, whether it is open and whether the person answered it (their
    answer is found by its keyed hash, never by the account), and the results once they have
    answered or it has closed."""
    found = survey(city, pk)
    at = now()
    user = signed_in(person)
    answered = user is not None and found.responses.filter(
        respondent=verification.keyed("survey", str(found.pk), str(user.pk))).exists()
    asked = questions(found)
    numbers = surveys.numbering(asked, {})
    by_position = {q.position: q for q in asked}
    items = []
    for q in asked:
        show_if = q.show_if or {}
        condition = by_position.get(show_if["question"]) if show_if else None
        items.append({"question": q, "number": numbers[q.position], "condition": condition,
                      # the answer that shows it, in the words the reader sees and sends
                      "shows_when": surveys.label(condition, "options", show_if["equals"])
                      if condition is not None else None,
                      "places": range(1, len(q.options) + 1)})
    return {"survey": found, "questions": items,
            "open": found.opens_at <= at < found.closes_at, "answered": answered,
            "results": surveys.results(found) if answered or at >= found.closes_at else None,
            "level": Level(found.level).label}


def budget(city: City, pk: int) -> Budget:
    """The participatory budget ``pk`` of one of the city's processes, or NotFound."""
    found = (Budget.objects.select_related("process__city", "district")
             .filter(process__city=city, pk=pk).first())
    if found is None:
        raise NotFound(_("There is no participatory budget %(pk)s in %(city)s.")
                       % {"pk": pk, "city": city.name})
    return found


def projects(target: Budget, pks: list[str] | list[int]) -> list[Project]:
    """The budget's projects among ``pks`` (a ballot's choice; another budget's are not)."""
    return list(target.projects.filter(pk__in=[_pk(p) for p in pks]))


def budget_page(city: City, pk: int, person: Person | None = None) -> dict[str, Any]:
    """A budget: its projects, whether voting is open, how many ballots came, the person's
    own ballot with its receipt once they voted (``my_ballot``), and the results once voting
    has closed or the process decides."""
    found = budget(city, pk)
    at = now()
    decided = at >= found.closes_at or found.process.phase in (Phase.DECIDE, Phase.FOLLOW_UP)
    return {"budget": found, "projects": found.projects.all(),
            "open": found.opens_at <= at < found.closes_at,
            "results": budgets.results(found) if decided else None,
            "ballots": found.ballots.count(), "mine": my_ballot(found, person),
            "knapsack": found.style == VotingStyle.KNAPSACK}


def my_ballot(target: Budget, person: Person | None) -> dict[str, Any] | None:
    """The person's online ballot in the budget, found by its keyed hash as the vote stored
    it: the projects they chose, what those cost together, when they voted and the ballot's
    receipt code. None for a visitor or someone who has not voted."""
    user = signed_in(person)
    if user is None:
        return None
    found = Verification.objects.filter(city=target.process.city, user=user).first()
    key = budgets.voter_key(target, user, found.resident_key if found else "")
    ballot = (Ballot.objects.filter(budget=target, voter=key, in_person=False)
              .prefetch_related("projects").first())
    if ballot is None:
        return None
    chosen = sorted(ballot.projects.all(), key=lambda p: p.title)
    return {"ballot": ballot, "projects": chosen, "receipt": budgets.receipt(ballot),
            "spent": sum((p.cost for p in chosen), Decimal(0)), "cast_at": ballot.cast_at}


def ballot_for_receipt(target: Budget, code: str) -> Ballot | None:
    """The budget's ballot a voter's receipt code names (spaces, dashes and case ignored), for
    the city to confirm a quoted receipt; None when no ballot has it. It computes each
    ballot's code: a few milliseconds for the thousands of ballots of a city's budget."""
    wanted = "".join(c for c in code.upper() if c.isalnum())
    if len(wanted) != budgets.RECEIPT_LENGTH:
        return None
    for ballot in target.ballots.all():
        if budgets.receipt(ballot).replace("-", "") == wanted:
            return ballot
    return None


def receipt_check(target: Budget, code: str) -> dict[str, Any]:
    """What the city tells a voter who quotes a receipt: whether a ballot of the budget has
    that code (then it is counted: a ballot is cast once and never changed), the projects it
    chose with what they cost together, the day it was cast and whether online or on paper.
    Never who cast it: no voter key, account, paper number or the clerk who entered it."""
    ballot = ballot_for_receipt(target, code) if code.strip() else None
    if ballot is None:
        return {"asked": code.strip(), "found": False}
    chosen = sorted(ballot.projects.all(), key=lambda p: p.title)
    return {"asked": code.strip(), "found": True, "receipt": budgets.receipt(ballot),
            "projects": chosen, "spent": sum((p.cost for p in chosen), Decimal(0)),
            "cast_on": target.process.city.calendar.local_date(ballot.cast_at),
            "on_paper": ballot.in_person}


def pledge(city: City, pk: int) -> Pledge:
    """The city's pledge ``pk``, or NotFound."""
    found = Pledge.objects.filter(city=city, pk=pk).first()
    if found is None:
        raise NotFound(_("There is no pledge %(pk)s in %(city)s.") % {"pk": pk, "city": city.name})
    return found


def pledges_page(city: City, person: Person | None) -> dict[str, Any]:
    """The city's pledges with their totals, and those the person took."""
    user = signed_in(person)
    mine = set() if user is None else set(
        PledgeTaken.objects.filter(user=user, pledge__city=city).values_list("pledge_id",
                                                                           flat=True))
    return {"totals": awareness.totals(city), "mine": mine}


def me_page(person: Person, city: City) -> dict[str, Any]:
    """The person's own page: their verification and level, inbox, follows, mail settings and,
    for a card holder, the card's summary. Only read: someone who never changed a setting
    sees the defaults, nothing is stored for them."""
    user = signed_in(person)
    if user is None:
        raise NotFound(_("Log in to see your page."))
    found = (Verification.objects.select_related("district").filter(city=city, user=user)
             .first() or Verification(city=city, user=user))
    return {"verification": found, "level": Level(found.level).label,
            "inbox": notify.inbox(user, city),
            "follows": follow_labels(city, list(Follow.objects.filter(user=user, city=city)
                                                .order_by("created_at", "pk")
                                                .values_list("target", flat=True))),
            "preference": MailPreference.objects.filter(user=user).first()
            or MailPreference(user=user),
            "card": awareness.card_summary(user, city)}


def follow_labels(city: City, targets: list[str]) -> list[dict[str, str]]:
    """What a person follows, as the site names it: "Process: Zeleni Kranj 2030",
    "Topic: Mobility", with the page's address (without the language prefix); something
    since removed is named by its kind ("A proposal that no longer exists")."""
    from zerocity.plan.models import Action

    ids: dict[str, list[str]] = {}
    for target in targets:
        kind, _sep, ident = target.partition(":")
        ids.setdefault(kind, []).append(ident)
    numbers = {kind: [int(i) for i in found if i.isdigit()] for kind, found in ids.items()}
    names: dict[str, tuple[str, str]] = {}
    for pk, title, slug in Process.objects.filter(
            city=city, pk__in=numbers.get("process", [])).values_list("pk", "title", "slug"):
        names[f"process:{pk}"] = (_("Process: %(name)s") % {"name": title},
                                  f"/{city.slug}/participate/{slug}/")
    for pk, title in Proposal.objects.filter(
            process__city=city, pk__in=numbers.get("proposal", []),
            state__in=PUBLIC_STATES).values_list("pk", "title"):
        names[f"proposal:{pk}"] = (_("Proposal: %(name)s") % {"name": title},
                                   f"/{city.slug}/participate/proposals/{pk}/")
    for code, title in Action.objects.filter(plan__city=city, code__in=ids.get("action", [])
                                             ).values_list("code", "name"):
        names[f"action:{code}"] = (_("Plan action: %(code)s %(name)s") % {
            "code": code, "name": title}, f"/{city.slug}/plan/actions/{code}/")
    for code, title in District.objects.filter(city=city, code__in=ids.get("district", [])
                                               ).values_list("code", "name"):
        names[f"district:{code}"] = (_("District: %(name)s") % {"name": title}, "")
    topics = news.topics(city) if "topic" in ids else {}
    for slug in ids.get("topic", []):
        if slug in topics:
            names[f"topic:{slug}"] = (_("Topic: %(name)s") % {"name": topics[slug]}, "")
    gone = {"process": _("A process that no longer exists"),
            "proposal": _("A proposal that is no longer public"),
            "action": _("A plan action that no longer exists"),
            "district": _("A district that no longer exists"),
            "topic": _("A topic that no longer exists")}
    out = []
    for target in targets:
        label, url = names.get(target, (gone.get(target.partition(":")[0],
                                                 _("Something that no longer exists")), ""))
        out.append({"target": target, "label": label, "url": url})
    return out


def follow_label(city: City, target: str) -> str:
    """One followed thing's name as ``follow_labels`` gives it, for the message that
    confirms following it."""
    return follow_labels(city, [target])[0]["label"]


def plan_action(city: City, code: str) -> Action | None:
    """The action of the city's plan with this code (an accepted proposal links to it)."""
    from zerocity.plan.models import Action

    return Action.objects.filter(plan__city=city, code=code).first()


def manage_page(city: City) -> dict[str, Any]:
    """The staff's page: the moderation queue, the proposals to answer (the most supported
    first), the budgets for paper ballots, the scheduled articles and the topics."""
    return {"queue": participation.moderation_queue(city),
            "to_answer": Proposal.objects.filter(process__city=city, state__in=(
                ProposalState.PUBLISHED, ProposalState.EVALUATING)).order_by("-supports")[:100],
            "budgets": Budget.objects.filter(process__city=city).prefetch_related("projects"),
            "scheduled": Article.objects.filter(city=city, publish_at__gt=now()),
            "topics": news.topics(city)}
