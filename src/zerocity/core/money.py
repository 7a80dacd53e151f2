"""Money is a Decimal amount with a currency, never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final, TypedDict


class DecimalDigits(TypedDict):
    """The digits of a ``DecimalField``, passed as ``models.DecimalField(**MONEY_DIGITS)``."""

    max_digits: int
    decimal_places: int


# Amounts of money in the database: up to a trillion with cents.
MONEY_DIGITS: Final[DecimalDigits] = {"max_digits": 14, "decimal_places": 2}


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money needs a Decimal amount, not " + type(self.amount).__name__)
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def quantize(self) -> Money:
        return Money(self.amount.quantize(Decimal("0.01"), ROUND_HALF_EVEN), self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")
