"""Reads of the city card with the rule in one place: a person sees and acts on their own
accounts and those of the minors they are guardian of; nothing else (not found)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

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
