"""Reads of the city card with the rule in one place: a person sees and acts on their own
accounts and those of the minors they are guardian of; nothing else (not found). The city's
staff reach every account of their city at the service desk, and each look at a person's
account there is written to the audit trail (the ``logged_`` reads)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils.timezone import now
from django.utils.translation import gettext

from zerocity.card import challenges, rewards
from zerocity.card.accounts import balance, current_rules, token_hash
from zerocity.card.fares import FareProduct, RulesError, load_rules
from zerocity.card.models import (
    AccountKind,
    CardAccount,
    Challenge,
    FareRuleSet,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Medium,
    Tap,
    Validator,
)
from zerocity.card.services import CENT, REVENUE, SYSTEM_ACCOUNTS, is_fare_revenue, reconcile
from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import NotFound
from zerocity.core.models import City

SILENT_AFTER = timedelta(hours=24)  # a validator not heard from for this long is flagged
REPORT_DAYS = 31  # the reconciliation page's daily totals go back this far


def accounts_for_user(user: Any, city: City) -> QuerySet[CardAccount]:
    if not getattr(user, "is_authenticated", False):
        return CardAccount.objects.none()
    return (CardAccount.objects.filter(city=city, closed_at__isnull=True)
            .filter(Q(holder=user) | Q(guardian__holder=user))
            .select_related("wallet", "holder").order_by("id"))


def access_account_for_user(user: Any, city: City, pk: int) -> CardAccount:
    account = accounts_for_user(user, city).filter(pk=pk).first()
    if account is None:
        raise NotFound(gettext("There is no such card account."))
    return account


def access_medium_for_user(user: Any, city: City, pk: int) -> Medium:
    medium = Medium.objects.filter(pk=pk, account__in=accounts_for_user(user, city)).first()
    if medium is None:
        raise NotFound(gettext("There is no such card."))
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
        raise NotFound(gettext("There is no such card account."))
    return account


def desk_medium(city: City, pk: int) -> Medium:
    medium = Medium.objects.filter(city=city, pk=pk).select_related("account").first()
    if medium is None:
        raise NotFound(gettext("There is no such card."))
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
        raise NotFound(gettext("There is no such card account."))
    return access_account_for_user(user, found.city, pk)


# -- the citizen's card page ------------------------------------------------------------------

def pass_products(city: City) -> list[FareProduct]:
    """The passes on sale under the fare rules in force; none while the city has no rules."""
    try:
        _, rules = current_rules(city)
    except NotFound:
        return []
    return [p for p in rules.products if p.kind == "pass"]


def card_home(user: Any, city: City) -> dict[str, Any]:
    """What a person's card page shows: each of their accounts (and their minors') with its
    balance, cards, valid passes, running concessions, history, eco-points, challenges and
    last walks; the passes on sale; the city's today and the moment it was read."""
    at = now()
    items = [{
        "account": account, "balance": balance(account),
        "media": list(account.media.order_by("id")),
        "passes": list(account.entitlements.filter(revoked_at__isnull=True, valid_to__gt=at)
                       .order_by("valid_from")),
        "concessions": list(account.eligibilities.filter(expires_at__gt=at)),
        "history": history(account),
        "points": rewards.balance(account),
        "minor": account.holder_id != user.pk,
        "challenges": challenges.standings(account),
        "walks": list(account.walks.order_by("-day")[:7]),
    } for account in accounts_for_user(user, city)]
    return {"items": items, "products": pass_products(city),
            "today": city.calendar.local_date(at), "now": at}


def city_challenge(city: City, pk: int) -> Challenge:
    challenge = Challenge.objects.filter(city=city, pk=pk).first()
    if challenge is None:
        raise NotFound(gettext("There is no such challenge."))
    return challenge


# -- the service desk's pages -----------------------------------------------------------------
# Searching for a person and opening their account are accesses to personal data that the city
# must be able to account for (GDPR Art. 5(2)), so these reads write the access to the audit
# trail themselves: a page cannot show an account without the record.

def logged_desk_search(city: City, query: str, *, by: Person | None) -> list[CardAccount]:
    """``desk_search``, with the search and its number of results in the audit trail (the
    query itself is not kept: it may be a person's e-mail address)."""
    found = desk_search(city, query)
    if query.strip():
        audit.record("card.desk_search", city=city, user=by, results=len(found))
    return found


def logged_desk_account(city: City, pk: int, *, by: Person | None) -> dict[str, Any]:
    """An account as the desk's page shows it (balance, eco-points, cards, the last passes,
    concessions, the last 100 entries with the transactions already reversed, the passes on
    sale, the minors on it), with the clerk's look at it in the audit trail."""
    account = desk_account(city, pk)
    audit.record("card.desk_view", city=city, user=by, obj=account)
    entries = history(account, limit=100)
    reversed_ids = set(LedgerTransaction.objects.filter(
        reverses__in=[e.transaction_id for e in entries]).values_list("reverses_id", flat=True))
    return {"account": account, "balance": balance(account),
            "points": rewards.balance(account), "media": list(account.media.order_by("id")),
            "passes": list(account.entitlements.order_by("-valid_from")[:20]),
            "concessions": list(account.eligibilities.all()), "history": entries,
            "reversed": reversed_ids, "pass_products": pass_products(city),
            "dependants": list(account.dependants.all())}


def desk_transaction(city: City, pk: int) -> tuple[LedgerTransaction, CardAccount]:
    """A transaction on a card account of the city, with that account (a correction is made
    from the account's page and goes back there)."""
    entry = (LedgerEntry.objects.filter(transaction_id=pk, account__card__city=city)
             .select_related("transaction", "account__card").first())
    if entry is None:
        raise NotFound(gettext("There is no such transaction of a card account."))
    return entry.transaction, entry.account.card


# -- the staff's reports ------------------------------------------------------------------------

def validator_status(city: City, *, at: datetime | None = None) -> dict[str, Any]:
    """Each validator of the city with its taps, offline taps and denials of the last 24
    hours, and whether it is silent (not revoked and not heard from for ``SILENT_AFTER``);
    ``silent`` counts those."""
    at = at or now()
    counts = {r["validator"]: (r["n"], r["offline"], r["denied"]) for r in Tap.objects.filter(
        validator__city=city, received_at__gte=at - timedelta(hours=24)).values(
        "validator").annotate(n=Count("id"), offline=Count("id", filter=Q(offline=True)),
                              denied=Count("id", filter=Q(accepted=False)))}
    rows: list[dict[str, Any]] = []
    for v in Validator.objects.filter(city=city).order_by("service", "device_id"):
        taps, offline, denied = counts.get(v.pk, (0, 0, 0))
        rows.append({"v": v, "taps": taps, "offline": offline, "denied": denied,
                     "silent": v.revoked_at is None and (
                         v.last_seen_at is None or at - v.last_seen_at > SILENT_AFTER)})
    return {"rows": rows, "silent": sum(r["silent"] for r in rows)}


def reconciliation_report(city: City, *, days: int = REPORT_DAYS) -> dict[str, Any]:
    """The ledger's reconciliation (``services.reconcile``), the system accounts, the card
    wallets' number and total, and the system accounts' totals per local day of the city for
    the last ``days`` days, newest first (``codes`` gives the order of each day's totals)."""
    system: dict[str, LedgerAccount] = {}
    for a in LedgerAccount.objects.filter(city=city, kind=AccountKind.SYSTEM).order_by("code"):
        code = _grouped(a.code)  # the validators' revenue accounts show as the city's revenue
        if code in system:
            system[code].balance += a.balance
        else:
            system[code] = LedgerAccount(city=city, code=code, kind=a.kind, balance=a.balance,
                                         name=SYSTEM_ACCOUNTS.get(code, a.name))
    wallets = LedgerAccount.objects.filter(city=city, kind=AccountKind.WALLET).aggregate(
        n=Count("id"), total=Sum("balance"))
    daily: dict[Any, dict[str, Decimal]] = {}
    for row in (LedgerEntry.objects.filter(account__city=city, account__kind=AccountKind.SYSTEM,
                                           transaction__created_at__gte=now() - timedelta(
                                               days=days))
                .annotate(day=TruncDate("transaction__created_at", tzinfo=city.calendar.zone))
                .values("day", "account__code").annotate(total=Sum("amount"))):
        # SQLite sums NUMERIC columns in floating point: back to cents (PostgreSQL is exact)
        totals = daily.setdefault(row["day"], {})
        code = _grouped(row["account__code"])
        totals[code] = totals.get(code, Decimal(0)) + Decimal(row["total"]).quantize(CENT)
    codes = sorted(system)
    return {"result": reconcile(city), "system": [system[c] for c in codes],
            "wallets": wallets, "codes": codes,
            "days": [{"day": d, "totals": [daily[d].get(c, Decimal(0)) for c in codes]}
                     for d in sorted(daily, reverse=True)]}


def _grouped(code: str) -> str:
    return REVENUE if is_fare_revenue(code) else code


def fare_rules_page(city: City) -> dict[str, Any]:
    """The fare rules in force (their version, parsed, and their JSON ``document``) and the
    last 20 versions, newest first; no version, rules or document while the city has none."""
    try:
        version, rules = current_rules(city)
    except NotFound:
        version, rules = None, None
    versions = list(FareRuleSet.objects.filter(city=city).order_by("-version")[:20])
    document = next((v.data for v in versions if v.version == version), None)
    return {"version": version, "rules": rules, "document": document, "versions": versions}


def rules_problem(city: City, data: dict[str, Any]) -> str | None:
    """What the fare engine finds wrong with a rules document, by its exact path (the reason
    ``accounts.set_rules`` refuses it with); None when the rules are sound. The editor shows
    it beside the text before anything is saved."""
    try:
        load_rules(data, city.timezone)
    except RulesError as exc:
        return str(exc)
    return None


def challenges_with_counts(city: City) -> QuerySet[Challenge]:
    """The city's challenges, newest first, each with the accounts that joined (``joined``)
    and completed it (``completed``)."""
    return (Challenge.objects.filter(city=city).annotate(
        joined=Count("entries"), completed=Count("entries", filter=Q(
            entries__completed_at__isnull=False))).order_by("-starts", "code"))
