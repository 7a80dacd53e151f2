"""Payment providers for top-ups. A provider takes an amount and the caller's idempotency key
and returns the provider's payment reference once the money is secured; the top-up is then
booked in the ledger under that reference, so a retried request never credits twice.

The built-in ``TestProvider`` (the demo's) accepts every payment at once. A real provider
(a bank's card acquiring, a PSP) is a class with the same ``pay`` method, named in
``ZEROCITY_PAYMENT_PROVIDER`` (a dotted path); it must itself be idempotent by ``key`` (PSPs
take an idempotency key for exactly this) and raise ``PaymentDeclined`` with a reason the
citizen can read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from zerocity.core.errors import ZeroCityError

TOP_UP_MIN, TOP_UP_MAX = Decimal("1.00"), Decimal("150.00")  # per top-up, site and app


class PaymentDeclined(ZeroCityError):
    """The provider refused the payment; its reason is for the card holder to read."""


@dataclass(frozen=True)
class Payment:
    reference: str
    amount: Decimal


class PaymentProvider(Protocol):
    def pay(self, amount: Decimal, *, key: str, description: str) -> Payment: ...


class TestProvider:
    """Accepts every payment; the reference is derived from the key, so the same request
    sent twice is the same payment."""

    def pay(self, amount: Decimal, *, key: str, description: str) -> Payment:
        if amount <= 0:
            raise PaymentDeclined("the amount must be positive")
        return Payment(reference=f"test-{key}", amount=amount)


def provider() -> PaymentProvider:
    path = getattr(settings, "PAYMENT_PROVIDER", "zerocity.card.payments.TestProvider")
    made: PaymentProvider = import_string(path)()  # the class settings.PAYMENT_PROVIDER names
    return made
