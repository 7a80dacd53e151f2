"""Pure figures of a tagged budget: scope by account, splits of a line's amount by tag,
shares with largest-remainder rounding (research/green-budget-governance.md §1.1, §2.4, §6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import TypeVar

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
TAGS = ("very_favourable", "favourable", "neutral", "unfavourable", "undefined")
# Interest (403), reserves (409) and debt repayment (55) carry no climate effect of their own
# (I4CE leaves financial charges out; research §1.1, check 4).
OUT_OF_SCOPE_PREFIXES = ("403", "409", "55")
INVESTMENT_GROUPS = ("42", "43")


def in_scope(konto: str) -> bool:
    return not konto.startswith(OUT_OF_SCOPE_PREFIXES)


def largest_remainder(values: Sequence[Decimal], total: Decimal, decimals: int,
                      ) -> list[Decimal]:
    """Each value's percent of ``total``, rounded to ``decimals`` so that they add up to
    exactly 100 when the values add up to the total (Hare's largest remainder). Ties go to
    the later value, so three equal thirds read 33.3, 33.3, 33.4."""
    if total == 0:
        return [Decimal(0).quantize(Decimal(1).scaleb(-decimals)) for _ in values]
    unit = Decimal(1).scaleb(-decimals)
    exact = [v * HUNDRED / total for v in values]
    floors = [e.quantize(unit, rounding=ROUND_FLOOR) for e in exact]
    target = (sum(values, Decimal(0)) * HUNDRED / total).quantize(unit)
    left = int((target - sum(floors, Decimal(0))) / unit)
    order = sorted(range(len(values)), key=lambda i: (exact[i] - floors[i], i), reverse=True)
    for i in order[:max(left, 0)]:
        floors[i] += unit
    return floors


V = TypeVar("V")


def in_tag_order(split: Mapping[str, V]) -> list[tuple[str, V]]:
    """A split's tags in the scale's order (very favourable first), whatever order the database
    gives its keys in (PostgreSQL's jsonb keeps none)."""
    return sorted(split.items(), key=lambda item: TAGS.index(item[0]) if item[0] in TAGS
                  else len(TAGS))


def split_amount(amount: Decimal, split: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """A line's amount shared by its tags' percentages, to the cent, adding up to the amount
    (the cents left by rounding go by largest remainder)."""
    tags = [t for t, _ in in_tag_order(split)]  # ties go the same way on every database
    exact = [amount * split[t] / HUNDRED for t in tags]
    parts = [e.quantize(CENT, rounding=ROUND_FLOOR) for e in exact]
    left = int((amount - sum(parts, Decimal(0))) / CENT)
    order = sorted(range(len(tags)), key=lambda i: (exact[i] - parts[i], i), reverse=True)
    for i in order[:max(left, 0)]:
        parts[i] += CENT
    return dict(zip(tags, parts, strict=True))


def share(part: Decimal, whole: Decimal, decimals: int = 1) -> Decimal | None:
    if whole == 0:
        return None
    return (part * HUNDRED / whole).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)

