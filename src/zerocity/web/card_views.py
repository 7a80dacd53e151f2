"""The citizen's city card: balance, history, top-up, buying passes, concessions, blocking a
lost card at once, eco-points, challenges and walks, downloading all their data and closing
the account. Only the person's own accounts (and their minors'); others are not found.

A refused action (a ``Conflict`` from the card's services, a declined payment) is answered by
``web.refusals``: its reason as a message, back on the card page (each form's ``next``)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.card import accounts, challenges, rewards, selectors, services
from zerocity.card.payments import TOP_UP_MAX, TOP_UP_MIN
from zerocity.core.access import signed_in
from zerocity.core.models import City
from zerocity.core.selectors import personal_data
from zerocity.web.http import personal_download, private
from zerocity.web.posted import TopUpForm, WalkForm, posted


def _form_key(key: str) -> bool:
    """A form's one-time key as the page made it: a re-sent form is the same request."""
    return 16 <= len(key) <= 64 and key.isalnum()


@signed_in
@require_GET
def card_home(request: HttpRequest, city: City) -> HttpResponse:
    page = selectors.card_home(request.user, city)
    # one top-up form, one payment, however often it is sent
    items = [{**item, "key": uuid.uuid4().hex} for item in page["items"]]
    return private(render(request, "web/card/home.html", {
        "city": city, **page, "items": items, "min": TOP_UP_MIN, "max": TOP_UP_MAX}))


@signed_in
@require_POST
def card_buy_pass(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """A pass paid from the balance; the form's key makes a re-sent form buy it once."""
    account = selectors.access_account_for_user(request.user, city, pk)
    key = request.POST.get("key", "")
    if not _form_key(key):
        messages.error(request, _("The form has expired; please try again."))
        return redirect("card_home", city=city.slug)
    sold = accounts.sell_pass(account, request.POST.get("product", ""),
                              payment_key=f"web:{account.pk}:{key}", by=request.user)
    messages.success(request, _("Your pass is valid until %(end)s.") % {
        "end": city.calendar.local(sold.valid_to).strftime("%d. %m. %Y %H:%M")})
    return redirect("card_home", city=city.slug)


@signed_in
@require_POST
def card_walk(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    account = selectors.access_account_for_user(request.user, city, pk)
    form = posted(request, WalkForm)
    rewards.record_walk(account, form["day"], form["km"], by=request.user)
    messages.success(request, _("Your walk is recorded."))
    return redirect("card_home", city=city.slug)


@signed_in
@require_POST
def card_join_challenge(request: HttpRequest, city: City, pk: int,
                        challenge: int) -> HttpResponse:
    account = selectors.access_account_for_user(request.user, city, pk)
    found = selectors.city_challenge(city, challenge)
    challenges.join(account, found, by=request.user)
    messages.success(request, _("You take part in “%(title)s”.") % {"title": found.title})
    return redirect("card_home", city=city.slug)


@signed_in
@require_POST
def card_close(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """The holder closes their account: cards blocked, balance refunded, the person unlinked
    from the money records (which the ledger keeps)."""
    account = selectors.access_account_for_user(request.user, city, pk)
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
    account = selectors.access_account_for_user(request.user, city, pk)
    form = posted(request, TopUpForm, low=TOP_UP_MIN, high=TOP_UP_MAX)
    amount, key = form["amount"], form["key"]
    if not _form_key(key):
        messages.error(request, _("The form has expired; please try again."))
    else:
        services.top_up_online(account, amount, key=key, by=request.user)
        messages.success(request, _("%(amount)s EUR added. Balance: %(balance)s EUR.")
                         % {"amount": amount, "balance": accounts.balance(account)})
    return redirect("card_home", city=city.slug)


@signed_in
@require_POST
def card_block(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """Block a lost or stolen card at once (self-service)."""
    medium = selectors.access_medium_for_user(request.user, city, pk)
    reason = request.POST.get("reason", "lost")
    medium = accounts.block_medium(medium, reason=reason if reason in ("lost", "stolen")
                                   else "lost", by=request.user)
    messages.success(request, _("The card ending %(label)s is blocked. The balance and passes "
                                "stay on your account; ask for a new card at the city's "
                                "service desk.") % {"label": medium.label})
    return redirect("card_home", city=city.slug)
