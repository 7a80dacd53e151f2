"""Writing the card ledger. A service is one database transaction: it locks the accounts it
moves (in id order, so two services never wait on each other crosswise), checks, writes the
entries with the balances after them, and records who did it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext

from zerocity.card.models import (
    AccountKind,
    CardAccount,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
)
from zerocity.card.payments import TOP_UP_MAX, TOP_UP_MIN, provider
from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.formats import money
from zerocity.core.models import City
from zerocity.core.results import Done

CENT = Decimal("0.01")
# The city's own accounts, created with the first wallet: money received through the payment
# provider, fares and passes earned, refunds paid out.
SYSTEM_ACCOUNTS = {
    "payments": "Payments received (payment provider clearing)",
    "fare-revenue": "Fare and pass revenue",
    "refunds": "Refunds paid out",
}
# A validator's fares are credited to its own revenue account (``fare-revenue-v<validator>``),
# so the fares of different validators never wait on one row; passes sold at the desk and in
# the app go to ``fare-revenue``. The city's fare revenue is the sum of them all.
REVENUE = "fare-revenue"


class InsufficientBalance(Conflict):
    """The movement would take an account below what the product rules allow."""


def cents(value: Decimal | str | int) -> Decimal:
    """A money amount in euros with at most two decimals; anything else is refused."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise Conflict(gettext("%(value)s is not an amount of money; write it in euros, e.g. "
                               "%(example)s.") % {"value": value, "example": money("10")}
                       ) from exc
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise Conflict(gettext("%(value)s is not an amount in whole cents; write it in euros "
                               "with at most two decimals, e.g. %(example)s.")
                       % {"value": value, "example": money("10.50")})
    return amount.quantize(CENT)


def system_account(city: City, code: str) -> LedgerAccount:
    account, _ = LedgerAccount.objects.get_or_create(
        city=city, code=code,
        defaults={"kind": AccountKind.SYSTEM, "name": SYSTEM_ACCOUNTS[code], "floor": None})
    return account


def revenue_code(validator_pk: int) -> str:
    """The code of a validator's own fare-revenue account."""
    return f"{REVENUE}-v{validator_pk}"


def is_fare_revenue(code: str) -> bool:
    return code == REVENUE or code.startswith(f"{REVENUE}-v")


def fare_revenue(city: City) -> Decimal:
    """The city's fare and pass revenue: its revenue account and every validator's."""
    total = Decimal("0.00")
    for code, balance in LedgerAccount.objects.filter(
            city=city, kind=AccountKind.SYSTEM, code__startswith=REVENUE).values_list(
            "code", "balance"):
        if is_fare_revenue(code):
            total += balance
    return total


def open_wallet(city: City, code: str, name: str, *, floor: Decimal = Decimal("0.00"),
                by: Person | None = None, actor: str = "") -> LedgerAccount:
    """A stored-value account; opening it again returns it."""
    wallet, created = LedgerAccount.objects.get_or_create(
        city=city, code=code,
        defaults={"kind": AccountKind.WALLET, "name": name, "floor": cents(floor)})
    if created:
        for system in SYSTEM_ACCOUNTS:
            system_account(city, system)
        audit.record("card.wallet_opened", city=city, user=by, actor=actor, obj=wallet,
                     code=code)
    return wallet


@dataclass(frozen=True)
class Leg:
    account: LedgerAccount
    amount: Decimal


def post(city: City, kind: str, legs: Sequence[Leg], *, idempotency_key: str | None = None,
         reason: str = "", reverses: LedgerTransaction | None = None, by: Person | None = None,
         actor: str = "") -> Done[LedgerTransaction]:
    """Write one balanced movement. With an ``idempotency_key`` already used, the transaction
    made then is returned (``replayed``) if it moved the same amounts, and refused otherwise;
    nothing is written twice."""
    if kind not in TransactionKind.values:
        raise Conflict(f"unknown kind of transaction {kind!r}")
    amounts: dict[int, Decimal] = {}
    accounts = {}
    for leg in legs:
        if leg.account.city_id != city.pk:
            raise Conflict("every account of a transaction belongs to its city")
        amounts[leg.account.pk] = amounts.get(leg.account.pk, Decimal(0)) + cents(leg.amount)
        accounts[leg.account.pk] = leg.account
    amounts = {pk: a for pk, a in amounts.items() if a}
    if len(amounts) < 2:
        raise Conflict("a transaction moves money between at least two accounts")
    if sum(amounts.values()) != 0:
        raise Conflict(f"the entries add up to {sum(amounts.values())}, not 0")
    if kind in (TransactionKind.CORRECTION, TransactionKind.REVERSAL) and not reason.strip():
        raise Conflict(gettext("Say why the transaction is corrected."))
    try:
        with transaction.atomic():
            return _post(city, kind, amounts, idempotency_key=idempotency_key, reason=reason,
                         reverses=reverses, by=by, actor=actor)
    except IntegrityError as exc:
        # two requests with the same key at once: the loser returns the winner's transaction
        if idempotency_key and LedgerTransaction.objects.filter(
                city=city, idempotency_key=idempotency_key).exists():
            return Done(_replayed(city, idempotency_key, amounts), True)
        if "balance_above_floor" in str(exc):  # the database's own guard
            raise InsufficientBalance(gettext("The balance is too low for this; top up the card "
                                              "first.")) from exc
        raise


def _replayed(city: City, key: str, amounts: dict[int, Decimal]) -> LedgerTransaction:
    done = LedgerTransaction.objects.get(city=city, idempotency_key=key)
    moved = {e.account_id: e.amount for e in done.entries.all()}
    if moved != amounts:
        raise Conflict(gettext("This request was already made once for another amount; send a "
                               "new request for the new amount."), code="idempotency-key-reused")
    return done


def _post(city: City, kind: str, amounts: dict[int, Decimal], *, idempotency_key: str | None,
          reason: str, reverses: LedgerTransaction | None, by: Person | None,
          actor: str) -> Done[LedgerTransaction]:
    if idempotency_key:
        if LedgerTransaction.objects.filter(city=city, idempotency_key=idempotency_key).exists():
            return Done(_replayed(city, idempotency_key, amounts), True)
    locked = _lock_accounts(sorted(amounts))
    for pk, amount in amounts.items():
        account = locked[pk]
        after = account.balance + amount
        if account.floor is not None and after < account.floor:
            raise InsufficientBalance(
                gettext("The balance is %(balance)s and %(asked)s is asked, but at least "
                        "%(floor)s must remain; top up the card first.")
                % {"balance": money(account.balance), "asked": money(-amount),
                   "floor": money(account.floor)})
    tx = LedgerTransaction.objects.create(city=city, kind=kind, idempotency_key=idempotency_key,
                                          reason=reason, reverses=reverses,
                                          by_label=actor or audit.actor_label(by))
    entries = []
    for pk in sorted(amounts):
        account = locked[pk]
        account.balance += amounts[pk]
        account.save(update_fields=["balance"])
        entries.append(LedgerEntry(transaction=tx, account=account, amount=amounts[pk],
                                   balance_after=account.balance))
    LedgerEntry.objects.bulk_create(entries)
    if kind != TransactionKind.FARE:  # a fare's record is its tap and this transaction
        audit.record(f"card.{kind}", city=city, user=by, actor=actor, obj=tx,
                     amounts={locked[pk].code: str(a) for pk, a in sorted(amounts.items())},
                     key=idempotency_key or "", reason=reason)
    return Done(tx, False)


def _lock_accounts(pks: list[int]) -> dict[int, LedgerAccount]:
    """The accounts, row-locked until the transaction ends: wallets first, then the city's
    system accounts, each in id order (a tap locks its wallet, then its revenue account)."""
    return {a.pk: a for a in LedgerAccount.objects.select_for_update().filter(pk__in=pks)
            .order_by("-kind", "pk")}  # "wallet" > "system"


def credit_revenue(city: City, code: str, amount: Decimal) -> tuple[int, Decimal]:
    """Add a run of fares to a revenue account (a validator's own, made on its first fare) in
    one UPDATE that takes its row lock until the transaction ends; its id and balance after.
    The caller writes the fares' transactions and entries (``card.recording``)."""
    credited = _credit(city, code, amount)
    if credited is None:
        system_account_for(city, code)
        credited = _credit(city, code, amount)
        assert credited is not None
    return credited


def _credit(city: City, code: str, amount: Decimal) -> tuple[int, Decimal] | None:
    """Add ``amount`` to a system account's balance in one statement (which row-locks it until
    the transaction ends); its id and balance after, or None when it does not exist yet."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {LedgerAccount._meta.db_table} SET balance = balance + %s "  # noqa: S608
            "WHERE city_id = %s AND code = %s AND kind = %s RETURNING id, balance",
            [amount, city.pk, code, AccountKind.SYSTEM])
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0], read_money(row[1])


def read_money(value: Decimal | float) -> Decimal:
    """A money column read with a plain cursor, as the ORM reads it: PostgreSQL's numeric as it
    is, SQLite's number to the cent."""
    return value if isinstance(value, Decimal) else Decimal(value).quantize(CENT)


def system_account_for(city: City, code: str) -> LedgerAccount:
    """A system account by code: one of ``SYSTEM_ACCOUNTS`` or a validator's revenue."""
    name = SYSTEM_ACCOUNTS.get(code) or (
        f"Fare revenue, validator {code.removeprefix(REVENUE + '-v')}")
    account, _ = LedgerAccount.objects.get_or_create(
        city=city, code=code, defaults={"kind": AccountKind.SYSTEM, "name": name, "floor": None})
    return account


def top_up(wallet: LedgerAccount, amount: Decimal | str, *, payment_reference: str,
           by: Person | None = None, actor: str = "") -> Done[LedgerTransaction]:
    """Money received for a wallet through the payment provider; idempotent by the
    provider's payment reference, so a retried request never credits twice."""
    amount = cents(amount)
    if amount <= 0:
        raise Conflict(gettext("A top-up must be more than zero."))
    city = wallet.city
    return post(city, TransactionKind.TOPUP,
                [Leg(wallet, amount), Leg(system_account(city, "payments"), -amount)],
                idempotency_key=f"payment:{payment_reference}", by=by, actor=actor)


def top_up_online(account: CardAccount, amount: Decimal | str, *, key: str,
                  by: Person | None = None,
                  actor: str = "") -> Done[LedgerTransaction]:
    """A card holder's own top-up, on the site or in the app: the amount (``TOP_UP_MIN`` to
    ``TOP_UP_MAX``, whole cents) is paid through the payment provider under the caller's
    idempotency ``key``, then booked under the provider's reference. The same key again is a
    replay, charged and credited once; the same key with another amount is refused."""
    amount = cents(amount)
    if not TOP_UP_MIN <= amount <= TOP_UP_MAX:
        raise Conflict(gettext("A top-up is %(low)s to %(high)s.")
                       % {"low": money(TOP_UP_MIN), "high": money(TOP_UP_MAX)})
    if account.closed_at is not None:
        raise Conflict(gettext("This card account is closed."))
    payment = provider().pay(amount, key=f"{account.pk}-{key}",
                             description=f"{account.city.name} city card top-up")
    return top_up(account.wallet, payment.amount, payment_reference=payment.reference, by=by,
                  actor=actor)


def charge(wallet: LedgerAccount, amount: Decimal | str, *, kind: str = TransactionKind.FARE,
           idempotency_key: str | None = None, by: Person | None = None,
           actor: str = "") -> LedgerTransaction:
    """A fare or a pass paid from a wallet."""
    amount = cents(amount)
    if amount <= 0:
        raise Conflict(gettext("A charge must be more than zero."))
    city = wallet.city
    return post(city, kind, [Leg(wallet, -amount),
                             Leg(system_account(city, "fare-revenue"), amount)],
                idempotency_key=idempotency_key, by=by, actor=actor).value


def refund(wallet: LedgerAccount, amount: Decimal | str, *, reason: str, key: str,
           by: Person | None = None, actor: str = "") -> LedgerTransaction:
    """Money paid back to a card holder out of their balance (at the service desk, in cash or
    to their bank), with the reason; idempotent by ``key`` (the desk's receipt number)."""
    amount = cents(amount)
    if amount <= 0:
        raise Conflict(gettext("A refund must be more than zero."))
    if not reason.strip():
        raise Conflict(gettext("Say why the money is refunded."))
    city = wallet.city
    return post(city, TransactionKind.REFUND,
                [Leg(wallet, -amount), Leg(system_account(city, "refunds"), amount)],
                idempotency_key=f"refund:{key}", reason=reason[:500], by=by, actor=actor).value


def reverse(tx: LedgerTransaction, *, reason: str, by: Person | None = None,
            actor: str = "") -> LedgerTransaction:
    """Undo a transaction with a new one that moves every amount back; once only."""
    if tx.kind == TransactionKind.REVERSAL:
        raise Conflict(gettext("A reversal cannot be reversed; post a correction instead."))
    if LedgerTransaction.objects.filter(reverses=tx).exists():
        raise Conflict(gettext("Transaction %(pk)s has already been reversed.") % {"pk": tx.pk})
    legs = [Leg(e.account, -e.amount) for e in tx.entries.select_related("account")]
    return post(tx.city, TransactionKind.REVERSAL, legs, reason=reason, reverses=tx,
                idempotency_key=f"reversal:{tx.pk}", by=by, actor=actor).value


@dataclass(frozen=True)
class Reconciliation:
    accounts: int
    transactions: int
    problems: list[str]

    @property
    def clean(self) -> bool:
        return not self.problems


def reconcile(city: City) -> Reconciliation:
    """Prove the cached balances equal the sums of the entries, every transaction is balanced
    and every entry's balance_after follows from the one before."""
    problems: list[str] = []
    sums = dict(LedgerEntry.objects.filter(account__city=city).values("account_id")
                .annotate(s=Sum("amount")).values_list("account_id", "s"))
    accounts = list(LedgerAccount.objects.filter(city=city).order_by("code"))
    for a in accounts:
        # SQLite sums NUMERIC columns in floating point: back to cents (PostgreSQL is exact)
        total = Decimal(sums.get(a.pk) or 0).quantize(CENT)
        if total != a.balance:
            problems.append(f"{a.code}: cached balance {a.balance}, entries add up to {total}")
    unbalanced = (LedgerTransaction.objects.filter(city=city).annotate(
        s=Sum("entries__amount"), n=Count("entries")).filter(
        Q(s__gt=CENT / 2) | Q(s__lt=-CENT / 2) | Q(n__lt=2)))
    problems += [f"transaction #{t.pk} ({t.kind}): entries add up to {t.s} over {t.n} entries"
                 for t in unbalanced]
    for a in accounts:
        running = Decimal("0.00")
        for pk, amount, after in _entries(a):
            running += amount
            if running != after:
                problems.append(f"{a.code}: entry #{pk} says {after} after, the sum is "
                                f"{running}")
                break
    return Reconciliation(len(accounts), LedgerTransaction.objects.filter(city=city).count(),
                          problems)


def _entries(account: LedgerAccount) -> Iterable[tuple[int, Decimal, Decimal]]:
    return (LedgerEntry.objects.filter(account=account).order_by("pk")
            .values_list("pk", "amount", "balance_after").iterator(chunk_size=5000))
