"""Largest-remainder shares and splits to the cent, for any amounts (property-based)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from zerocity.budget.calculations import largest_remainder, split_amount

cents = st.integers(min_value=0, max_value=10**11).map(lambda c: Decimal(c) / 100)


@given(st.lists(cents, min_size=1, max_size=8), st.integers(min_value=0, max_value=3))
def test_shares_of_a_whole_add_up_to_exactly_100(values, decimals):
    total = sum(values, Decimal(0))
    shares = largest_remainder(values, total, decimals)
    if total:
        assert sum(shares) == 100
        unit = Decimal(1).scaleb(-decimals)
        # each share is within one unit of its exact value
        assert all(abs(s - v * 100 / total) < unit for s, v in zip(shares, values, strict=True))


@given(cents, st.lists(st.integers(min_value=1, max_value=99), min_size=1, max_size=4))
def test_a_split_adds_up_to_the_line_to_the_cent(amount, weights):
    pcts = [Decimal(w) for w in weights]
    pcts[-1] += 100 - sum(pcts)  # make them add up to 100 (the last may go to or below 0)
    if pcts[-1] <= 0:
        return
    split = {f"t{i}": p for i, p in enumerate(pcts)}
    parts = split_amount(amount, split)
    assert sum(parts.values()) == amount
    assert all(p == p.quantize(Decimal("0.01")) for p in parts.values())
