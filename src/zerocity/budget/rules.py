"""Which tag rule speaks for a budget line (research §7: rules on Slovenian classification
pairs, PPR × konto, rather than a translated M57 table). Pure: rules and lines are read by
their attributes only.

A rule matches a line when each code it names matches: the programme code and the COFOG
function and the account by prefix, the budget item (PP) exactly. Of several, the most
specific speaks: a named PP first, then the longest codes, then the oldest rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar


class RuleLike(Protocol):
    pk: Any
    ppr: str
    pp_code: str
    cofog: str
    konto: str


def matches(rule: RuleLike, line: Any) -> bool:
    return (line.ppr.startswith(rule.ppr) and line.cofog.startswith(rule.cofog)
            and line.konto.startswith(rule.konto)
            and (not rule.pp_code or line.pp_code == rule.pp_code))


def specificity(rule: RuleLike) -> tuple[int, int]:
    return (1 if rule.pp_code else 0, len(rule.ppr) + len(rule.cofog) + len(rule.konto))


R = TypeVar("R", bound=RuleLike)


def best_rule(rules: Iterable[R], line: Any) -> R | None:
    """The most specific rule matching ``line``; None when none does."""
    found = [r for r in rules if matches(r, line)]
    if not found:
        return None
    return max(found, key=lambda r: (specificity(r), -r.pk))
