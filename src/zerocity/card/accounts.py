"""Card accounts and their media: open an account (with a guardian for a minor, or anonymous),
issue media, block one at once (it goes on the deny list), replace it with the balance and the
passes kept (they belong to the account), sell passes, record concessions, close an account.
Every service is one transaction and is audited."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils.timezone import now
from django.utils.translation import gettext, gettext_lazy

from zerocity.card import fares
from zerocity.card.models import (
    CardAccount,
    DenyListChange,
    Eligibility,
    Entitlement,
    FareRuleSet,
    LedgerAccount,
    Medium,
    MediumKind,
    MediumStatus,
    TransactionKind,
)
from zerocity.card.services import Leg, charge, open_wallet, post, system_account
from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict, NotFound
from zerocity.core.formats import day, number
from zerocity.core.models import City

CONCESSIONS = ("pupil", "student", "senior", "unemployed", "disabled")
# who a concession is for, as a sentence names it (the staff pages' labels, ``web.labels``)
CONCESSION_NAMES = {
    "pupil": gettext_lazy("pupil"),
    "student": gettext_lazy("student"),
    "senior": gettext_lazy("senior"),
    "unemployed": gettext_lazy("unemployed person"),
    "disabled": gettext_lazy("person with a disability"),
}


def concession_name(category: str) -> str:
    return str(CONCESSION_NAMES.get(category, category))


def token_hash(token: str) -> str:
    """What is stored of a medium's token, and what validators compare: its SHA-256."""
    token = token.strip()
    if not 4 <= len(token) <= 200:
        raise Conflict(gettext("A card's number has %(low)s to %(high)s characters; check what "
                               "was read or typed.") % {"low": number(4), "high": number(200)})
    return hashlib.sha256(token.encode()).hexdigest()


# -- accounts ---------------------------------------------------------------------------------

@transaction.atomic
def open_account(city: City, *, holder: Any = None, guardian: CardAccount | None = None,
                 by: Person | None = None, actor: str = "") -> CardAccount:
    """A city account with its wallet; no holder makes an anonymous stored-value account. A
    minor's account names its guardian's account, which must be a personal one."""
    if guardian is not None and (guardian.anonymous or guardian.city_id != city.pk):
        raise Conflict(gettext("A guardian's account must be a personal account of this city."))
    pseudonym = uuid.uuid4()
    wallet = open_wallet(city, f"wallet-{pseudonym.hex[:16]}", "Card account wallet", by=by,
                         actor=actor)
    account = CardAccount.objects.create(city=city, holder=holder, guardian=guardian,
                                         wallet=wallet, pseudonym=pseudonym)
    audit.record("card.account_opened", city=city, user=by, actor=actor, obj=account,
                 anonymous=holder is None, guardian=guardian.pk if guardian else None)
    return account


@transaction.atomic
def personalise(account: CardAccount, holder: Any, *, by: Person | None = None,
                actor: str = "") -> CardAccount:
    """Give an anonymous stored-value account its holder: from then on the balance and
    passes are theirs, a lost card can be blocked and replaced, and concessions recorded."""
    account = CardAccount.objects.select_for_update().get(pk=account.pk)
    if account.closed_at is not None:
        raise Conflict(gettext("This card account is closed."))
    if account.holder_id == getattr(holder, "pk", None):
        return account
    if account.holder_id is not None:
        raise Conflict(gettext("This card account already has a holder."))
    account.holder = holder
    account.save(update_fields=["holder"])
    audit.record("card.personalised", city=account.city, user=by, actor=actor, obj=account)
    return account


@transaction.atomic
def move_balance(source: CardAccount, target: CardAccount, *, reason: str, by: Person | None = None,
                 actor: str = "") -> Any:
    """Move the whole balance of one account to another of the same city (an anonymous card
    handed in for a personal one, a minor's card merged into the guardian's); a ledger
    transfer with its reason, once: the balance is then zero."""
    if source.pk == target.pk or source.city_id != target.city_id:
        raise Conflict(gettext("A balance can be moved only to another account of this city."))
    if target.closed_at is not None:
        raise Conflict(gettext("The account that would receive the balance is closed."))
    wallet = LedgerAccount.objects.select_for_update().get(pk=source.wallet_id)
    if wallet.balance <= 0:
        raise Conflict(gettext("There is no balance to move."))
    return post(source.city, TransactionKind.TRANSFER,
                [Leg(wallet, -wallet.balance), Leg(target.wallet, wallet.balance)],
                reason=reason or f"moved to account {target.pk}", by=by, actor=actor).value


# -- the same, as the service desk asks for them ------------------------------------------
# A clerk names the holder by their user name and other accounts by their number; what names
# nobody is refused with a reason the clerk can act on.

def _holder(username: str) -> Any:
    holder = get_user_model().objects.filter(username=username.strip()).first()
    if holder is None:
        raise Conflict(gettext("No user %(name)s.") % {"name": username.strip()})
    return holder


def _numbered(city: City, number: str, refusal: str) -> CardAccount:
    number = number.strip()
    found = CardAccount.objects.filter(city=city, pk=int(number)).first() \
        if number.isdigit() else None
    if found is None:
        raise Conflict(refusal)
    return found


@transaction.atomic
def open_account_at_desk(city: City, *, username: str = "", guardian: str = "",
                         by: Person | None = None,
                         actor: str = "") -> CardAccount:
    """``open_account`` for the holder with this user name (none: an anonymous account) and,
    for a minor, the guardian's account of this number."""
    return open_account(
        city, holder=_holder(username) if username.strip() else None,
        guardian=_numbered(city, guardian, gettext("No such guardian account."))
        if guardian.strip() else None, by=by, actor=actor)


def personalise_at_desk(account: CardAccount, username: str, *, by: Person | None = None,
                        actor: str = "") -> CardAccount:
    """``personalise`` for the person with this user name."""
    return personalise(account, _holder(username), by=by, actor=actor)


def move_balance_at_desk(source: CardAccount, target: str, *, reason: str, by: Person | None = None,
                         actor: str = "") -> tuple[CardAccount, Any]:
    """``move_balance`` to the account of this number; the receiving account and the
    transfer."""
    receiving = _numbered(source.city, target, gettext("No such receiving account."))
    return receiving, move_balance(source, receiving, reason=reason, by=by, actor=actor)


def _deny_list(city: City, token: str, *, added: bool, reason: str) -> DenyListChange:
    last = DenyListChange.objects.select_for_update().filter(city=city).aggregate(
        v=Max("version"))["v"] or 0
    return DenyListChange.objects.create(city=city, version=last + 1, token_hash=token,
                                         added=added, reason=reason)


@transaction.atomic
def issue_medium(account: CardAccount, token: str, *, kind: str = MediumKind.CITY_CARD,
                 label: str = "", by: Person | None = None, actor: str = "") -> Medium:
    if account.closed_at is not None:
        raise Conflict(gettext("This card account is closed; open a new one to issue a card."))
    if kind not in MediumKind.values:
        raise Conflict(gettext("Choose a kind of card: %(kinds)s.")
                       % {"kinds": ", ".join(str(label) for label in MediumKind.labels)})
    digest = token_hash(token)
    if Medium.objects.filter(city=account.city, token_hash=digest).exists():
        raise Conflict(gettext("This card is already issued to an account."))
    medium = Medium.objects.create(city=account.city, account=account, kind=kind,
                                   token_hash=digest, label=label or token.strip()[-4:])
    audit.record("card.medium_issued", city=account.city, user=by, actor=actor, obj=medium,
                 kind=kind, account=account.pk)
    return medium


@transaction.atomic
def block_medium(medium: Medium, *, reason: str = "lost", by: Person | None = None,
                 actor: str = "") -> Medium:
    """Block a medium at once: taps are denied online from now and, once validators fetch the
    deny list, offline too. Blocking it again changes nothing."""
    medium = Medium.objects.select_for_update().get(pk=medium.pk)
    if medium.status != MediumStatus.ACTIVE:
        return medium
    medium.status, medium.status_reason, medium.changed_at = (MediumStatus.BLOCKED,
                                                              reason[:200], now())
    medium.save(update_fields=["status", "status_reason", "changed_at"])
    _deny_list(medium.city, medium.token_hash, added=True, reason="blocked")
    audit.record("card.medium_blocked", city=medium.city, user=by, actor=actor, obj=medium,
                 reason=reason)
    return medium


@transaction.atomic
def replace_medium(old: Medium, token: str, *, by: Person | None = None, actor: str = "") -> Medium:
    """A new medium for the same account. Balance and passes belong to the account, so they
    are there at once; the old medium is blocked (if it was not) and marked replaced."""
    old = Medium.objects.select_for_update().get(pk=old.pk)
    if old.status in (MediumStatus.REPLACED, MediumStatus.CLOSED):
        raise Conflict(gettext("This card was already replaced or closed."))
    if old.status == MediumStatus.ACTIVE:
        _deny_list(old.city, old.token_hash, added=True, reason="replaced")
    new = issue_medium(old.account, token, kind=old.kind, by=by, actor=actor)
    old.status, old.replaced_by, old.changed_at = MediumStatus.REPLACED, new, now()
    old.save(update_fields=["status", "replaced_by", "changed_at"])
    audit.record("card.medium_replaced", city=old.city, user=by, actor=actor, obj=new,
                 replaces=old.pk)
    return new


@transaction.atomic
def close_account(account: CardAccount, *, refund_reference: str = "", by: Person | None = None,
                  actor: str = "") -> CardAccount:
    """Close an account: its media are blocked, any balance is refunded (a ledger
    transaction), and the holder is unlinked; the money records stay, without the person."""
    account = CardAccount.objects.select_for_update().get(pk=account.pk)
    if account.closed_at is not None:
        return account
    for medium in account.media.filter(status=MediumStatus.ACTIVE):
        block_medium(medium, reason="account closed", by=by, actor=actor)
        Medium.objects.filter(pk=medium.pk).update(status=MediumStatus.CLOSED)
    balance = LedgerAccount.objects.get(pk=account.wallet_id).balance
    if balance > 0:
        post(account.city, TransactionKind.REFUND,
             [Leg(account.wallet, -balance), Leg(system_account(account.city, "refunds"),
                                                 balance)],
             idempotency_key=f"close:{account.pk}", reason=refund_reference or "account closed",
             by=by, actor=actor)
    account.closed_at, account.holder = now(), None
    account.save(update_fields=["closed_at", "holder"])
    audit.record("card.account_closed", city=account.city, user=by, actor=actor, obj=account,
                 refunded=str(balance))
    return account


# -- fare rules, passes, concessions ----------------------------------------------------------

_PARSED: dict[tuple[int, int, str], fares.FareRules] = {}


def current_rules(city: City) -> tuple[int, fares.FareRules]:
    """The fare rules in force and their version."""
    latest = FareRuleSet.objects.filter(city=city).order_by("-version").values_list(
        "version", flat=True).first()
    rules = rules_of(city, latest)
    assert latest is not None
    return latest, rules


def rules_of(city: City, version: int | None) -> fares.FareRules:
    """Version ``version`` of the city's fare rules (None: the city has none yet, a 404),
    parsed once per process (rule sets are never changed, only superseded)."""
    if version is None:
        raise NotFound(gettext("%(city)s has no fare rules yet.") % {"city": city.name})
    key = (city.pk, version, city.timezone)
    if key not in _PARSED:
        data = FareRuleSet.objects.get(city=city, version=version).data
        _PARSED[key] = fares.load_rules(data, city.timezone)
    return _PARSED[key]


@transaction.atomic
def set_rules(city: City, data: dict[str, Any], *, by: Person | None = None,
              actor: str = "") -> FareRuleSet:
    """A new version of the fare rules (checked first); the same rules again change nothing."""
    try:
        fares.load_rules(data, city.timezone)
    except fares.RulesError as exc:
        raise Conflict(str(exc)) from exc
    latest = FareRuleSet.objects.select_for_update().filter(city=city).order_by(
        "-version").first()
    if latest is not None and latest.data == data:
        return latest
    rules = FareRuleSet.objects.create(city=city, version=(latest.version + 1) if latest else 1,
                                       data=data, by_label=actor or audit.actor_label(by))
    audit.record("card.rules", city=city, user=by, actor=actor, obj=rules,
                 version=rules.version)
    return rules


@transaction.atomic
def sell_pass(account: CardAccount, product_id: str, *, at: datetime | None = None,
              payment_key: str | None = None, by: Person | None = None,
              actor: str = "") -> Entitlement:
    """Sell a pass from the account's balance; the pass belongs to the account. The rider's
    category must allow the product (a child pass needs a valid pupil concession)."""
    at = at or now()
    _, rules = current_rules(account.city)
    product = next((p for p in rules.products if p.id == product_id), None)
    if product is None or product.kind != "pass":
        raise Conflict(gettext("There is no pass %(product)s; choose one from the list.")
                       % {"product": product_id})
    category = next(c for c in rules.categories if c.id == product.rider_category)
    if category.requires and not eligibilities(account, at, category.requires):
        raise Conflict(gettext("%(product)s needs a valid concession (%(concession)s); record "
                               "the concession first.")
                       % {"product": product.label,
                          "concession": concession_name(category.requires)})
    valid_from, valid_to = fares.pass_validity(product, at, rules.tz)
    sale = charge(account.wallet, product.amount, kind=TransactionKind.PASS_SALE,
                  idempotency_key=payment_key, by=by, actor=actor) if product.amount else None
    if sale is not None and hasattr(sale, "entitlement"):
        return sale.entitlement  # the same sale sent again
    entitlement = Entitlement.objects.create(account=account, product=product.id,
                                             valid_from=valid_from, valid_to=valid_to,
                                             sale=sale)
    audit.record("card.pass_sold", city=account.city, user=by, actor=actor, obj=entitlement,
                 product=product.id, amount=str(product.amount))
    return entitlement


def eligibilities(account: CardAccount, at: datetime, category: str | None = None) -> list[
        Eligibility]:
    qs = account.eligibilities.filter(valid_from__lte=at, expires_at__gt=at)
    return list(qs.filter(category=category) if category else qs)


@transaction.atomic
def add_eligibility(account: CardAccount, category: str, *, valid_from: datetime,
                    expires_at: datetime, verified_by: str, evidence_ref: str = "",
                    by: Person | None = None, actor: str = "") -> Eligibility:
    """Record a verified concession: who verified it and until when, never the evidence. A
    concession that is still running is renewed only in its re-enrolment window (the last
    ``RENEWAL_WINDOW`` before it expires)."""
    if category not in CONCESSIONS:
        raise Conflict(gettext("Choose a concession: %(names)s.")
                       % {"names": ", ".join(concession_name(c) for c in CONCESSIONS)})
    if expires_at <= valid_from:
        raise Conflict(gettext("A concession must end after it starts."))
    if not verified_by.strip():
        raise Conflict(gettext("Say who verified the concession."))
    current = account.eligibilities.filter(category=category, expires_at__gt=valid_from,
                                           valid_from__lte=valid_from).order_by(
        "-expires_at").first()
    if current is not None and now() < current.renewal_opens:
        raise Conflict(gettext("The concession (%(concession)s) runs until %(until)s; it can be "
                               "renewed from %(opens)s.")
                       % {"concession": concession_name(category),
                          "until": day(current.expires_at, account.city.timezone),
                          "opens": day(current.renewal_opens, account.city.timezone)})
    record = Eligibility.objects.create(account=account, category=category,
                                        verified_by=verified_by[:150],
                                        evidence_ref=evidence_ref[:100],
                                        valid_from=valid_from, expires_at=expires_at)
    audit.record("card.eligibility", city=account.city, user=by, actor=actor, obj=record,
                 category=category, expires=expires_at.isoformat())
    return record


def balance(account: CardAccount) -> Decimal:
    return LedgerAccount.objects.get(pk=account.wallet_id).balance
