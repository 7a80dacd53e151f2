"""The citizen's city card: balance, history, top-up, buying passes, concessions, blocking a
lost card at once, eco-points, challenges and walks, downloading all their data and closing
the account. Only the person's own accounts (and their minors'); others are not found."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.card import accounts, challenges, rewards, selectors, services
from zerocity.card.models import Challenge
from zerocity.card.payments import TOP_UP_MAX, TOP_UP_MIN, PaymentDeclined
from zerocity.core.access import signed_in
from zerocity.core.errors import Conflict, NotFound
from zerocity.core.models import City
from zerocity.core.selectors import personal_data
from zerocity.web.http import personal_download, private


@signed_in
@require_GET
def card_home(request: HttpRequest, city: City) -> HttpResponse:
    at = now()
    items = []
    try:
        _, rules = accounts.current_rules(city)
        products = [p for p in rules.products if p.kind == "pass"]
    except NotFound:
        products = []
    for account in selectors.accounts_for_user(request.user, city):
        items.append({
            "account": account, "balance": accounts.balance(account),
            "media": account.media.order_by("id"),
            "passes": account.entitlements.filter(revoked_at__isnull=True, valid_to__gt=at)
            .order_by("valid_from"),
            "concessions": account.eligibilities.filter(expires_at__gt=at),
            "history": selectors.history(account),
            "points": rewards.balance(account),
            "key": uuid.uuid4().hex,  # one top-up form, one payment, however often it is sent
            "minor": account.holder_id != request.user.pk,
            "challenges": challenges.standings(account),
            "walks": account.walks.order_by("-day")[:7],
        })
    return private(render(request, "web/card/home.html", {
        "city": city, "items": items, "min": TOP_UP_MIN, "max": TOP_UP_MAX,
        "products": products, "today": city.calendar.local_date(at), "now": at}))


def _own_account(request: HttpRequest, city: City, pk: int) -> Any:
    try:
        return selectors.access_account_for_user(request.user, city, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@signed_in
@require_POST
def card_buy_pass(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """A pass paid from the balance; the form's key makes a re-sent form buy it once."""
    account = _own_account(request, city, pk)
    key = request.POST.get("key", "")
    if not (16 <= len(key) <= 64 and key.isalnum()):
        messages.error(request, _("The form has expired; please try again."))
        return redirect("card_home", city=city.slug)
    try:
        sold = accounts.sell_pass(account, request.POST.get("product", ""),
                                  payment_key=f"web:{account.pk}:{key}", by=request.user)
    except Conflict as exc:
        messages.error(request, _("The pass was not bought: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("Your pass is valid until %(end)s.") % {
            "end": city.calendar.local(sold.valid_to).strftime("%d. %m. %Y %H:%M")})
    return redirect("card_home", city=city.slug)


@signed_in
@require_POST
def card_walk(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    account = _own_account(request, city, pk)
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
        rewards.record_walk(account, day, request.POST.get("km", "").replace(",", "."),
                            by=request.user)
    except ValueError:
        messages.error(request, _("Enter the day of the walk."))
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your walk is recorded."))
    return redirect("card_home", city=city.slug)


@signed_in
@require_POST
def card_join_challenge(request: HttpRequest, city: City, pk: int,
                        challenge: int) -> HttpResponse:
    account = _own_account(request, city, pk)
    found = Challenge.objects.filter(city=city, pk=challenge).first()
    if found is None:
        raise Http404("no such challenge")
    try:
        challenges.join(account, found, by=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You take part in “%(title)s”.") % {"title": found.title})
    return redirect("card_home", city=city.slug)


@signed_in
@require_POST
def card_close(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """The holder closes their account: cards blocked, balance refunded, the person unlinked
    from the money records (which the ledger keeps)."""
    account = _own_account(request, city, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm closing the account."))
        return redirect("card_home", city=city.slug)
    refunded = accounts.balance(account)
    accounts.close_account(account, refund_reference="closed by the holder", by=request.user)
    messages.success(request, _("Your account is closed. %(amount)s EUR will be paid back to "
                                "you.") % {"amount": refunded})
    return redirect("card_home", city=city.slug)


@signed_in
@require_GET
def card_my_data(request: HttpRequest, city: City) -> HttpResponse:
    """Everything the city card holds about the person, as JSON."""
    return personal_download(personal_data(request.user, city, apps=["card"]),
                             f"{city.slug}-city-card-{request.user.get_username()}.json")


@signed_in
@require_POST
def card_top_up(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    try:
        account = selectors.access_account_for_user(request.user, city, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    key = request.POST.get("key", "")
    try:
        amount = Decimal(request.POST.get("amount", "").replace(",", "."))
    except InvalidOperation:
        amount = Decimal(-1)
    if not (TOP_UP_MIN <= amount <= TOP_UP_MAX) or amount != amount.quantize(Decimal("0.01")):
        messages.error(request, _("Enter an amount between %(min)s and %(max)s EUR.")
                       % {"min": TOP_UP_MIN, "max": TOP_UP_MAX})
    elif not (16 <= len(key) <= 64 and key.isalnum()):
        messages.error(request, _("The form has expired; please try again."))
    else:
        try:
            services.top_up_online(account, amount, key=key, by=request.user)
        except (PaymentDeclined, Conflict) as exc:
            messages.error(request, _("The top-up did not go through: %(reason)s")
                           % {"reason": exc})
        else:
            messages.success(request, _("%(amount)s EUR added. Balance: %(balance)s EUR.")
                             % {"amount": amount, "balance": accounts.balance(account)})
    return redirect("card_home", city=city.slug)


@signed_in
@require_POST
def card_block(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """Block a lost or stolen card at once (self-service)."""
    try:
        medium = selectors.access_medium_for_user(request.user, city, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    reason = request.POST.get("reason", "lost")
    medium = accounts.block_medium(medium, reason=reason if reason in ("lost", "stolen")
                                   else "lost", by=request.user)
    messages.success(request, _("The card ending %(label)s is blocked. The balance and passes "
                                "stay on your account; ask for a new card at the city's "
                                "service desk.") % {"label": medium.label})
    return redirect("card_home", city=city.slug)
