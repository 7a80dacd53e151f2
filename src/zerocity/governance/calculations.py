"""Pure rules of the bodies' procedure: how many members make a quorum, how many are eligible
on an item once declarations of interest recuse some, whether a vote carries and when minutes
are due (check 21 and 22 of research/green-budget-governance.md §6)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice


def needed(eligible: int, rule: str) -> int:
    """Members needed for a quorum (and for a majority of the eligible): more than half, or
    two thirds rounded up. 27 -> 14, 26 -> 14 (check 21)."""
    if eligible <= 0:
        return 0
    if rule == "two_thirds":
        return math.ceil(eligible * 2 / 3)
    return eligible // 2 + 1


@dataclass(frozen=True)
class ItemCount:
    """An item's count: the body's members less those recused by a declaration of interest,
    the quorum of those, how many of them are present, and whether the quorum is present."""

    members: int
    recused: int
    eligible: int
    majority: int
    present: int
    quorate: bool


def item_count(members: set[int], present: set[int], recused: set[int], rule: str
               ) -> ItemCount:
    eligible = members - recused
    majority = needed(len(eligible), rule)
    here = len(eligible & present)
    return ItemCount(members=len(members), recused=len(recused & members),
                     eligible=len(eligible), majority=majority, present=here,
                     quorate=here >= majority)


def carried(votes_for: int, votes_against: int) -> bool:
    """A motion carries when more of the eligible members present vote for than against."""
    return votes_for > votes_against


def minutes_due(held: date, working_days: int,
                working_days_after: Callable[[date], Iterator[date]]) -> date:
    """The last day for a meeting's minutes: the ``working_days``-th working day after the
    meeting (15 by default: on the 16th they are late, check 22)."""
    return next(islice(working_days_after(held), working_days - 1, None))
