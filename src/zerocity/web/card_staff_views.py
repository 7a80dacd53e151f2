"""The city card's staff pages: the service desk (find an account, open one, issue and replace
cards, refund and correct with a reason, record concessions, sell passes, close), the
validators with their last contact, the reconciliation report, ridership for the transport
operator, the city's challenges, and the fare rules editor (administrators).

Everything a desk clerk does goes through the card's services, so the ledger's rules, the
deny list and the audit trail are the same as everywhere else; every account a clerk opens
is recorded in the audit trail too.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zerocity.card import accounts, challenges, rewards, ridership, selectors, services
from zerocity.card.models import (
    AccountKind,
    CardAccount,
    Challenge,
    ChallengeMeasure,
    FareRuleSet,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    MediumKind,
    Tap,
    Validator,
)
from zerocity.core import audit
from zerocity.core.access import city_admin, city_staff
from zerocity.core.errors import Conflict, NotFound
from zerocity.core.models import City
from zerocity.core.permissions import is_city_admin
from zerocity.web import charts
from zerocity.web.http import private
from zerocity.web.open_data_views import fmt_number

SILENT_AFTER = timedelta(hours=24)  # a validator not heard from for this long is flagged
REPORT_DAYS = 31



def _account(city: City, pk: int) -> CardAccount:
    try:
        return selectors.desk_account(city, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _medium(city: City, pk: int) -> Any:
    try:
        return selectors.desk_medium(city, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _back(account: CardAccount) -> HttpResponse:
    return redirect("card_desk_account", city=account.city.slug, pk=account.pk)


# -- the service desk -------------------------------------------------------------------------

@city_staff
@require_GET
def desk(request: HttpRequest, city: City) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    found = selectors.desk_search(city, query)
    if query:
        audit.record("card.desk_search", city=city, user=request.user, results=len(found))
    return private(render(request, "web/card/desk.html", {
        "city": city, "q": query, "found": found, "searched": bool(query.strip())}))


@city_staff
@require_POST
def desk_open(request: HttpRequest, city: City) -> HttpResponse:
    """A new account: a person's (by their user name) or an anonymous stored-value one; a
    minor's names the guardian's account."""
    username = request.POST.get("username", "").strip()
    holder = None
    if username:
        holder = get_user_model().objects.filter(username=username).first()
        if holder is None:
            messages.error(request, _("No user %(name)s.") % {"name": username})
            return redirect("card_desk", city=city.slug)
    guardian = None
    if request.POST.get("guardian", "").strip():
        try:
            guardian = selectors.desk_account(city, int(request.POST["guardian"]))
        except (ValueError, NotFound):
            messages.error(request, _("No such guardian account."))
            return redirect("card_desk", city=city.slug)
    try:
        account = accounts.open_account(city, holder=holder, guardian=guardian,
                                        by=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("card_desk", city=city.slug)
    messages.success(request, _("Account %(pk)s is open.") % {"pk": account.pk})
    return _back(account)


@city_staff
@require_GET
def desk_account(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    account = _account(city, pk)
    audit.record("card.desk_view", city=city, user=request.user, obj=account)
    at = now()
    _, rules = accounts.current_rules(city)
    entries = selectors.history(account, limit=100)
    reversed_ids = set(LedgerTransaction.objects.filter(
        reverses__in=[e.transaction_id for e in entries]).values_list("reverses_id", flat=True))
    return private(render(request, "web/card/desk_account.html", {
        "city": city, "account": account, "balance": accounts.balance(account),
        "points": rewards.balance(account), "media": account.media.order_by("id"),
        "passes": account.entitlements.order_by("-valid_from")[:20],
        "concessions": account.eligibilities.all(), "history": entries,
        "reversed": reversed_ids, "kinds": MediumKind.choices,
        "categories": accounts.CONCESSIONS,
        "pass_products": [p for p in rules.products if p.kind == "pass"],
        "dependants": account.dependants.all(), "today": at.date()}))


def _staff_action(request: HttpRequest, account: CardAccount, action: Any,
                  success: str) -> HttpResponse:
    try:
        action()
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return _back(account)


@city_staff
@require_POST
def desk_issue(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    account = _account(city, pk)
    token = request.POST.get("token", "")
    kind = request.POST.get("kind", MediumKind.CITY_CARD)
    return _staff_action(request, account, lambda: accounts.issue_medium(
        account, token, kind=kind, label=request.POST.get("label", "").strip()[:40],
        by=request.user), _("The card is issued."))


@city_staff
@require_POST
def desk_replace(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """A new card for a lost, stolen or broken one: balance and passes stay on the account."""
    medium = _medium(city, pk)
    return _staff_action(request, medium.account, lambda: accounts.replace_medium(
        medium, request.POST.get("token", ""), by=request.user),
        _("The new card replaces the old one; balance and passes are on it."))


@city_staff
@require_POST
def desk_block(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    medium = _medium(city, pk)
    reason = request.POST.get("reason", "").strip() or "lost"
    return _staff_action(request, medium.account, lambda: accounts.block_medium(
        medium, reason=reason, by=request.user), _("The card is blocked."))


@city_staff
@require_POST
def desk_refund(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    account = _account(city, pk)
    try:
        amount = Decimal(request.POST.get("amount", "").replace(",", "."))
    except InvalidOperation:
        messages.error(request, _("Enter an amount in euros."))
        return _back(account)
    receipt = request.POST.get("receipt", "").strip()
    if not receipt:
        messages.error(request, _("Enter the desk's receipt number."))
        return _back(account)
    return _staff_action(request, account, lambda: services.refund(
        account.wallet, amount, reason=request.POST.get("reason", ""),
        key=f"{account.pk}:{receipt}", by=request.user),
        _("%(amount)s EUR refunded.") % {"amount": amount})


@city_staff
@require_POST
def desk_reverse(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """A correction: the transaction is reversed by a new one, with the reason and the clerk."""
    entry = (LedgerEntry.objects.filter(transaction_id=pk, account__card__city=city)
             .select_related("account__card").first())
    if entry is None:
        raise Http404("no such transaction of a card account")
    account = entry.account.card
    tx = entry.transaction
    return _staff_action(request, account, lambda: services.reverse(
        tx, reason=request.POST.get("reason", ""), by=request.user),
        _("Transaction %(pk)s is reversed.") % {"pk": pk})


@city_staff
@require_POST
def desk_concession(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    account = _account(city, pk)
    start, end = (parse_date(request.POST.get(k, "") or "") for k in ("valid_from", "expires"))
    if start is None or end is None:
        messages.error(request, _("Enter the dates the concession is valid."))
        return _back(account)
    return _staff_action(request, account, lambda: accounts.add_eligibility(
        account, request.POST.get("category", ""),
        valid_from=city.calendar.day_start(start), expires_at=city.calendar.day_start(end),
        verified_by=audit.actor_label(request.user),
        evidence_ref=request.POST.get("evidence", ""), by=request.user),
        _("The concession is recorded."))


@city_staff
@require_POST
def desk_sell_pass(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    account = _account(city, pk)
    key = request.POST.get("receipt", "").strip()
    return _staff_action(request, account, lambda: accounts.sell_pass(
        account, request.POST.get("product", ""),
        payment_key=f"desk:{account.pk}:{key}" if key else None, by=request.user),
        _("The pass is sold."))


@city_staff
@require_POST
def desk_personalise(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """An anonymous card's account given to its holder (by their user name)."""
    account = _account(city, pk)
    username = request.POST.get("username", "").strip()
    holder = get_user_model().objects.filter(username=username).first() if username else None
    if holder is None:
        messages.error(request, _("No user %(name)s.") % {"name": username})
        return _back(account)
    return _staff_action(request, account, lambda: accounts.personalise(
        account, holder, by=request.user), _("The account is now %(name)s's.") % {
        "name": username})


@city_staff
@require_POST
def desk_move_balance(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """The whole balance moved to another account, with the reason."""
    account = _account(city, pk)
    try:
        target = selectors.desk_account(city, int(request.POST.get("target", "")))
    except (ValueError, NotFound):
        messages.error(request, _("No such receiving account."))
        return _back(account)
    return _staff_action(request, account, lambda: accounts.move_balance(
        account, target, reason=request.POST.get("reason", "").strip(), by=request.user),
        _("The balance is moved to account %(pk)s.") % {"pk": target.pk})


@city_staff
@require_POST
def desk_close(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    account = _account(city, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm closing the account."))
        return _back(account)
    return _staff_action(request, account, lambda: accounts.close_account(
        account, refund_reference=request.POST.get("receipt", "").strip(), by=request.user),
        _("The account is closed and its balance refunded."))


# -- validators, reconciliation, fares ------------------------------------------------------

@city_staff
@require_GET
def validators(request: HttpRequest, city: City) -> HttpResponse:
    at = now()
    day = at - timedelta(hours=24)
    counts = {r["validator"]: r for r in Tap.objects.filter(
        validator__city=city, received_at__gte=day).values("validator").annotate(
        n=Count("id"), offline=Count("id", filter=Q(offline=True)),
        denied=Count("id", filter=Q(accepted=False)))}
    rows = []
    for v in Validator.objects.filter(city=city).order_by("service", "device_id"):
        c = counts.get(v.pk, {})
        rows.append({"v": v, "taps": c.get("n", 0), "offline": c.get("offline", 0),
                     "denied": c.get("denied", 0),
                     "silent": v.revoked_at is None and (
                         v.last_seen_at is None or at - v.last_seen_at > SILENT_AFTER)})
    return private(render(request, "web/card/validators.html", {
        "city": city, "rows": rows, "silent_hours": int(SILENT_AFTER.total_seconds() // 3600),
        "silent": sum(r["silent"] for r in rows)}))


@city_staff
@require_GET
def reconciliation(request: HttpRequest, city: City) -> HttpResponse:
    result = services.reconcile(city)
    system = LedgerAccount.objects.filter(city=city, kind=AccountKind.SYSTEM).order_by("code")
    wallets = LedgerAccount.objects.filter(city=city, kind=AccountKind.WALLET).aggregate(
        n=Count("id"), total=Sum("balance"))
    since = now() - timedelta(days=REPORT_DAYS)
    daily: dict[Any, dict[str, Decimal]] = {}
    for row in (LedgerEntry.objects.filter(account__city=city, account__kind=AccountKind.SYSTEM,
                                           transaction__created_at__gte=since)
                .annotate(day=TruncDate("transaction__created_at", tzinfo=city.calendar.zone))
                .values("day", "account__code").annotate(total=Sum("amount"))):
        daily.setdefault(row["day"], {})[row["account__code"]] = Decimal(
            row["total"]).quantize(Decimal("0.01"))
    codes = [a.code for a in system]
    days = [{"day": d, "totals": [daily[d].get(c, Decimal(0)) for c in codes]}
            for d in sorted(daily, reverse=True)]
    return private(render(request, "web/card/reconciliation.html", {
        "city": city, "result": result, "system": system, "wallets": wallets,
        "codes": codes, "days": days, "report_days": REPORT_DAYS}))


@city_admin
@require_http_methods(["GET", "POST"])
def fare_rules(request: HttpRequest, city: City) -> HttpResponse:
    """The products and fares as data: a new version is checked by the fare engine before it
    is saved, and validators pick it up by its version."""
    text, error = None, None
    if request.method == "POST":
        text = request.POST.get("rules", "")
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise Conflict(_("The rules are one JSON object."))
            saved = accounts.set_rules(city, data, by=request.user)
        except json.JSONDecodeError as exc:
            error = _("Line %(line)s, column %(col)s: %(msg)s") % {
                "line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        except Conflict as exc:
            error = str(exc)
        else:
            messages.success(request, _("Fare rules version %(v)s is in force.")
                             % {"v": saved.version})
            return redirect("card_fares", city=city.slug)
    try:
        version, rules = accounts.current_rules(city)
    except NotFound:
        version, rules = None, None
    current = FareRuleSet.objects.filter(city=city, version=version).first()
    if text is None:
        text = json.dumps(current.data, indent=2, ensure_ascii=False) if current else "{}"
    return private(render(request, "web/card/fares.html", {
        "city": city, "rules": rules, "version": version, "text": text, "error": error,
        "versions": FareRuleSet.objects.filter(city=city).order_by("-version")[:20],
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
        p = request.POST
        try:
            starts, ends = date.fromisoformat(p.get("starts", "")), date.fromisoformat(
                p.get("ends", ""))
            challenges.create_challenge(
                city, p.get("code", "").strip(), title=p.get("title", "").strip(),
                title_sl=p.get("title_sl", "").strip(), measure=p.get("measure", ""),
                target=int(p.get("target", "0")), bonus_points=int(p.get("bonus", "0")),
                starts=starts, ends=ends, description=p.get("description", "").strip(),
                by=request.user)
        except ValueError:
            messages.error(request, _("Enter the dates, the target and the bonus."))
        except Conflict as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The challenge is open."))
        return redirect("card_challenges_manage", city=city.slug)
    rows = (Challenge.objects.filter(city=city).annotate(
        joined=Count("entries"), completed=Count("entries", filter=Q(
            entries__completed_at__isnull=False))).order_by("-starts", "code"))
    return private(render(request, "web/card/challenges.html", {
        "city": city, "rows": rows, "measures": ChallengeMeasure.choices,
        "is_admin": is_city_admin(request.user, city)}))
