"""Reads of the city card with the rule in one place: a person sees and acts on their own
accounts and those of the minors they are guardian of; nothing else (not found)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from zerocity.card.accounts import token_hash
from zerocity.card.models import CardAccount, LedgerEntry, Medium
from zerocity.core.errors import NotFound
from zerocity.core.models import City


def accounts_for_user(user: Any, city: City) -> QuerySet[CardAccount]:
    if not getattr(user, "is_authenticated", False):
        return CardAccount.objects.none()
    return (CardAccount.objects.filter(city=city, closed_at__isnull=True)
            .filter(Q(holder=user) | Q(guardian__holder=user))
            .select_related("wallet", "holder").order_by("id"))


def access_account_for_user(user: Any, city: City, pk: int) -> CardAccount:
    account = accounts_for_user(user, city).filter(pk=pk).first()
    if account is None:
        raise NotFound("no such card account")
    return account


def access_medium_for_user(user: Any, city: City, pk: int) -> Medium:
    medium = Medium.objects.filter(pk=pk, account__in=accounts_for_user(user, city)).first()
    if medium is None:
        raise NotFound("no such card")
    return medium


def history(account: CardAccount, limit: int = 50) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(account=account.wallet)
                .select_related("transaction").order_by("-id")[:limit])


# -- the service desk: the city's staff find any account of their city --------------------

def desk_search(city: City, query: str, limit: int = 50) -> list[CardAccount]:
    """Accounts by number, holder's user name or e-mail, a card's printed digits, or what a
    card reader gives (its token, compared by hash)."""
    query = query.strip()
    if not query:
        return []
    cond = (Q(holder__username__iexact=query) | Q(holder__email__iexact=query)
            | Q(media__label=query))
    if query.isdigit():
        cond |= Q(pk=int(query))
    if 4 <= len(query) <= 200:
        cond |= Q(media__token_hash=token_hash(query))
    return list(CardAccount.objects.filter(city=city).filter(cond).distinct()
                .select_related("holder", "wallet").order_by("id")[:limit])


def desk_account(city: City, pk: int) -> CardAccount:
    account = (CardAccount.objects.filter(city=city, pk=pk)
               .select_related("holder", "wallet", "guardian").first())
    if account is None:
        raise NotFound("no such card account")
    return account


def desk_medium(city: City, pk: int) -> Medium:
    medium = Medium.objects.filter(city=city, pk=pk).select_related("account").first()
    if medium is None:
        raise NotFound("no such card")
    return medium


def local_time_data(city: City) -> str | None:
    """What of the city's card data was counted in its local days (``core.hooks``)."""
    from zerocity.card.models import Tap

    taps = Tap.objects.filter(validator__city=city).count()
    noun = "card tap" if taps == 1 else "card taps"
    return f"{taps:,} {noun} under its day and month caps" if taps else None


def rules_document(city: City) -> tuple[int, dict[str, Any]]:
    """The fare rules in force, as published: their version and their JSON document."""
    from zerocity.card.accounts import current_rules
    from zerocity.card.models import FareRuleSet

    version, _ = current_rules(city)
    return version, FareRuleSet.objects.get(city=city, version=version).data


def access_own_account(user: Any, pk: int) -> CardAccount:
    """An account by its id, if it is the person's own or their minor's; not found otherwise
    (the app knows the id, not the city)."""
    found = CardAccount.objects.filter(pk=pk).select_related("city").first()
    if found is None:
        raise NotFound("no such card account")
    return access_account_for_user(user, found.city, pk)
