"""The city card's staff pages: the service desk (find an account, open one, issue and replace
cards, refund and correct with a reason, record concessions, sell passes, close), the
validators with their last contact, the reconciliation report, ridership for the transport
operator, the city's challenges, and the fare rules editor (administrators).

Everything a desk clerk does goes through the card's services, so the ledger's rules, the
deny list and the audit trail are the same as everywhere else; every search and every account
a clerk opens is recorded in the audit trail too, by the card's ``logged_`` selectors.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zerocity.card import accounts, challenges, ridership, selectors, services
from zerocity.card.models import CardAccount, ChallengeMeasure, MediumKind
from zerocity.core.access import city_admin, city_staff
from zerocity.core.models import City
from zerocity.core.permissions import is_city_admin
from zerocity.web import charts
from zerocity.web.http import private
from zerocity.web.open_data_views import fmt_number
from zerocity.web.posted import ChallengeForm, DeskOpenForm, MoveBalanceForm, RefundForm, posted

# A refused action (a ``Conflict`` from the card's services) is answered by
# ``web.refusals``: the reason as a message, back on the page the form was on (its ``next``).


def _back(account: CardAccount) -> HttpResponse:
    return redirect("card_desk_account", city=account.city.slug, pk=account.pk)


# -- the service desk -------------------------------------------------------------------------

@city_staff
@require_GET
def desk(request: HttpRequest, city: City) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    found = selectors.logged_desk_search(city, query, by=request.user)
    return private(render(request, "web/card/desk.html", {
        "city": city, "q": query, "found": found, "searched": bool(query.strip())}))


@city_staff
@require_POST
def desk_open(request: HttpRequest, city: City) -> HttpResponse:
    """A new account: a person's (by their user name) or an anonymous stored-value one; a
    minor's names the guardian's account."""
    form = posted(request, DeskOpenForm)
    account = accounts.open_account_at_desk(
        city, username=form["username"],
        guardian=str(form["guardian"]) if form["guardian"] else "", by=request.user)
    messages.success(request, _("Account %(pk)s is open.") % {"pk": account.pk})
    return _back(account)


@city_staff
@require_GET
def desk_account(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    page = selectors.logged_desk_account(city, pk, by=request.user)
    return private(render(request, "web/card/desk_account.html", {
        "city": city, **page, "kinds": MediumKind.choices, "categories": accounts.CONCESSIONS,
        "today": city.calendar.today()}))


@city_staff
@require_POST
def desk_issue(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    account = selectors.desk_account(city, pk)
    accounts.issue_medium(account, request.POST.get("token", ""),
                          kind=request.POST.get("kind", MediumKind.CITY_CARD),
                          label=request.POST.get("label", "").strip()[:40], by=request.user)
    messages.success(request, _("The card is issued."))
    return _back(account)


@city_staff
@require_POST
def desk_replace(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """A new card for a lost, stolen or broken one: balance and passes stay on the account."""
    medium = selectors.desk_medium(city, pk)
    accounts.replace_medium(medium, request.POST.get("token", ""), by=request.user)
    messages.success(request, _("The new card replaces the old one; balance and passes are on "
                                "it."))
    return _back(medium.account)


@city_staff
@require_POST
def desk_block(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    medium = selectors.desk_medium(city, pk)
    accounts.block_medium(medium, reason=request.POST.get("reason", "").strip() or "lost",
                          by=request.user)
    messages.success(request, _("The card is blocked."))
    return _back(medium.account)


@city_staff
@require_POST
def desk_refund(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    account = selectors.desk_account(city, pk)
    form = posted(request, RefundForm)
    amount = form["amount"]
    services.refund(account.wallet, amount, reason=form["reason"],
                    key=f"{account.pk}:{form['receipt']}", by=request.user)
    messages.success(request, _("%(amount)s EUR refunded.") % {"amount": amount})
    return _back(account)


@city_staff
@require_POST
def desk_reverse(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """A correction: the transaction is reversed by a new one, with the reason and the clerk."""
    tx, account = selectors.desk_transaction(city, pk)
    services.reverse(tx, reason=request.POST.get("reason", ""), by=request.user)
    messages.success(request, _("Transaction %(pk)s is reversed.") % {"pk": pk})
    return _back(account)


@city_staff
@require_POST
def desk_concession(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    account = selectors.desk_account(city, pk)
    start, end = (parse_date(request.POST.get(k, "") or "") for k in ("valid_from", "expires"))
    if start is None or end is None:
        messages.error(request, _("Enter the dates the concession is valid."))
        return _back(account)
    accounts.add_eligibility(
        account, request.POST.get("category", ""),
        valid_from=city.calendar.day_start(start), expires_at=city.calendar.day_start(end),
        verified_by=request.user.get_username(),  # the clerk who saw the evidence
        evidence_ref=request.POST.get("evidence", ""), by=request.user)
    messages.success(request, _("The concession is recorded."))
    return _back(account)


@city_staff
@require_POST
def desk_sell_pass(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    account = selectors.desk_account(city, pk)
    key = request.POST.get("receipt", "").strip()
    accounts.sell_pass(account, request.POST.get("product", ""),
                       payment_key=f"desk:{account.pk}:{key}" if key else None, by=request.user)
    messages.success(request, _("The pass is sold."))
    return _back(account)


@city_staff
@require_POST
def desk_personalise(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """An anonymous card's account given to its holder (by their user name)."""
    account = selectors.desk_account(city, pk)
    username = request.POST.get("username", "").strip()
    accounts.personalise_at_desk(account, username, by=request.user)
    messages.success(request, _("The account is now %(name)s's.") % {"name": username})
    return _back(account)


@city_staff
@require_POST
def desk_move_balance(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """The whole balance moved to another account, with the reason."""
    account = selectors.desk_account(city, pk)
    form = posted(request, MoveBalanceForm)
    target, _tx = accounts.move_balance_at_desk(account, str(form["target"]),
                                                reason=form["reason"], by=request.user)
    messages.success(request, _("The balance is moved to account %(pk)s.") % {"pk": target.pk})
    return _back(account)


@city_staff
@require_POST
def desk_close(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    account = selectors.desk_account(city, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm closing the account."))
        return _back(account)
    accounts.close_account(account, refund_reference=request.POST.get("receipt", "").strip(),
                           by=request.user)
    messages.success(request, _("The account is closed and its balance refunded."))
    return _back(account)


# -- validators, reconciliation, fares ------------------------------------------------------

@city_staff
@require_GET
def validators(request: HttpRequest, city: City) -> HttpResponse:
    return private(render(request, "web/card/validators.html", {
        "city": city, **selectors.validator_status(city),
        "silent_hours": int(selectors.SILENT_AFTER.total_seconds() // 3600)}))


@city_staff
@require_GET
def reconciliation(request: HttpRequest, city: City) -> HttpResponse:
    return private(render(request, "web/card/reconciliation.html", {
        "city": city, **selectors.reconciliation_report(city),
        "report_days": selectors.REPORT_DAYS}))


def _typed_rules(city: City, text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The rules document typed in the editor, or why it is not one: where its JSON breaks, or
    what the fare engine finds wrong with it."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, _("Line %(line)s, column %(col)s: %(msg)s") % {
            "line": exc.lineno, "col": exc.colno, "msg": exc.msg}
    except ValueError:  # a number too long for Python to read (over 4,300 digits)
        return None, _("A number in the rules is too long.")
    if not isinstance(data, dict):
        return None, _("The rules are one JSON object.")
    return data, selectors.rules_problem(city, data)


@city_admin
@require_http_methods(["GET", "POST"])
def fare_rules(request: HttpRequest, city: City) -> HttpResponse:
    """The products and fares as data: a new version is checked by the fare engine before it
    is saved, and validators pick it up by its version. A version with a mistake is shown
    again in the editor with the reason."""
    text, error = None, None
    if request.method == "POST":
        text = request.POST.get("rules", "")
        data, error = _typed_rules(city, text)
        if data is not None and error is None:
            saved = accounts.set_rules(city, data, by=request.user)
            messages.success(request, _("Fare rules version %(v)s is in force.")
                             % {"v": saved.version})
            return redirect("card_fares", city=city.slug)
    page = selectors.fare_rules_page(city)
    if text is None:
        text = json.dumps(page["document"], indent=2, ensure_ascii=False) \
            if page["document"] is not None else "{}"
    return private(render(request, "web/card/fares.html", {
        "city": city, "rules": page["rules"], "version": page["version"], "text": text,
        "error": error, "versions": page["versions"],
        "is_admin": is_city_admin(request.user, city)}, status=400 if error else 200))


# -- ridership and challenges -------------------------------------------------------------

def _month(raw: str) -> date | None:
    try:
        year, month = (int(x) for x in raw.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


@city_staff
@require_GET
def ridership_page(request: HttpRequest, city: City) -> HttpResponse:
    """Boardings per route, stop and hour, transfers, inferred origin–destination flows and
    passenger-km with avoided emissions, for a month — all from pseudonymised legs."""
    this = city.calendar.today().replace(day=1)
    default = (this - timedelta(days=1)).replace(day=1)
    month = _month(request.GET.get("month", "")) or default
    result = ridership.analyse(city, month)
    chart = charts.columns(
        [f"{h}" for h in range(24)], [charts.Series(_("Boardings"), charts.PALETTE[0])],
        [[float(n)] for n in result.boardings_by_hour],
        label=_("Boardings by hour of the day"), unit=_("boardings"), fmt=fmt_number(), every=2)
    return private(render(request, "web/card/ridership.html", {
        "city": city, "r": result, "month": month, "chart": chart,
        "chained_pct": None if result.chained_share is None else round(
            100 * result.chained_share),
        "prev": (month - timedelta(days=1)).replace(day=1),
        "next": (month + timedelta(days=32)).replace(day=1) if month < this else None,
        "min_flow": ridership.MIN_FLOW, "is_admin": is_city_admin(request.user, city)}))


@city_admin
@require_POST
def ridership_publish(request: HttpRequest, city: City) -> HttpResponse:
    month = _month(request.POST.get("month", ""))
    if month is None or month >= city.calendar.today().replace(day=1):
        messages.error(request, _("Publish a month that is over."))
        return redirect("card_ridership", city=city.slug)
    batch = ridership.publish(city, month, by=request.user)
    messages.success(request, _("%(month)s handed to the data platform: batch %(batch)s, "
                                "%(status)s.") % {"month": ridership.period_of(month),
                                                  "batch": batch.pk,
                                                  "status": batch.get_status_display()})
    return redirect(f"{reverse('card_ridership', kwargs={'city': city.slug})}"
                    f"?month={ridership.period_of(month)}")


@city_staff
@require_http_methods(["GET", "POST"])
def challenges_manage(request: HttpRequest, city: City) -> HttpResponse:
    if request.method == "POST":
        if not is_city_admin(request.user, city):
            raise Http404("not found")
        p = posted(request, ChallengeForm)
        challenges.create_challenge(
            city, p["code"], title=p["title"], title_sl=p["title_sl"], measure=p["measure"],
            target=p["target"], bonus_points=p["bonus"], starts=p["starts"], ends=p["ends"],
            description=p["description"], by=request.user)
        messages.success(request, _("The challenge is open."))
        return redirect("card_challenges_manage", city=city.slug)
    return private(render(request, "web/card/challenges.html", {
        "city": city, "rows": selectors.challenges_with_counts(city),
        "measures": ChallengeMeasure.choices, "is_admin": is_city_admin(request.user, city)}))
