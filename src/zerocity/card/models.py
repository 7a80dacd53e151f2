"""The city card's money ledger: double-entry and append-only.

Every movement of money is a ``LedgerTransaction`` of two or more ``LedgerEntry`` rows whose
amounts add up to zero. Entries and transactions are never updated or deleted — the database
refuses it (triggers, see migration 0002) — and a correction is a reversing transaction with a
reason and who made it. ``LedgerAccount.balance`` is a cache of the sum of its entries, kept
under a database CHECK that it never goes below the account's ``floor``; ``reconcile`` proves
the cache equals the sums.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from zerocity.core.models import City

MONEY = {"max_digits": 14, "decimal_places": 2}


class AccountKind(models.TextChoices):
    WALLET = "wallet", _("Card holder's stored value")
    SYSTEM = "system", _("City's own account")


class LedgerAccount(models.Model):
    """An account of the ledger: a card holder's wallet, or one of the city's system accounts
    (payments received, fare revenue, refunds). ``floor`` is the lowest balance the product
    rules allow (0 for a wallet; system accounts may go negative)."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="ledger_accounts")
    code = models.SlugField(max_length=60)
    kind = models.CharField(max_length=10, choices=AccountKind.choices)
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, default="EUR")
    balance = models.DecimalField(default=Decimal("0.00"), **MONEY)
    floor = models.DecimalField(null=True, blank=True, **MONEY,
                                help_text="Lowest balance allowed; empty: no limit")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="ledgeraccount_unique_code"),
            models.CheckConstraint(condition=models.Q(kind__in=AccountKind.values),
                                   name="ledgeraccount_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(floor__isnull=True) | models.Q(balance__gte=models.F("floor")),
                name="ledgeraccount_balance_above_floor"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id}/{self.code}"


class TransactionKind(models.TextChoices):
    TOPUP = "topup", _("Top-up")
    FARE = "fare", _("Fare")
    PASS_SALE = "pass_sale", _("Pass sale")
    REFUND = "refund", _("Refund")
    TRANSFER = "transfer", _("Transfer between media")
    CORRECTION = "correction", _("Correction")
    REVERSAL = "reversal", _("Reversal")


class LedgerTransaction(models.Model):
    """One movement of money: its entries add up to zero. ``idempotency_key`` (a payment
    reference, a device and its sequence number, an Idempotency-Key header) makes a retried
    request return the transaction it already made."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=TransactionKind.choices)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversed_by")
    reason = models.CharField(max_length=500, blank=True)
    by_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "idempotency_key"],
                                    name="ledgertransaction_unique_key"),
            models.CheckConstraint(condition=models.Q(kind__in=TransactionKind.values),
                                   name="ledgertransaction_kind_valid"),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["correction", "reversal"]) | ~models.Q(reason=""),
                name="ledgertransaction_correction_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT,
                                    related_name="entries")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.DecimalField(**MONEY)
    balance_after = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledgerentry_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+}"
