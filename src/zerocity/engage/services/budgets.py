"""Participatory budgeting by district, in the two usual voting styles:

- ``knapsack`` (spend the budget): choose projects whose costs add up to no more than the
  budget;
- ``approval``: approve up to ``max_projects`` projects.

A ballot is checked before it counts: the voting period, the voter's level (the process's
``vote_level``; a verified resident of the district for a district's budget), the funds left
or the number of projects.
One ballot per person (kept under a keyed hash); staff enter paper ballots from polling
places with their number, each number once. The result funds projects in order of votes
while the money lasts (the greedy rule most cities publish), skipping one that no longer
fits.

Every ballot has a receipt (``receipt``): a short keyed hash of the ballot, shown to the
voter after voting and whenever they come back, which they can quote to the city and the
city can match to the ballot (``selectors.ballot_for_receipt``). It says nothing about the
voter; it is derived, not stored, so it needs no column of its own.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.formats import money, number
from zerocity.engage.models import Ballot, Budget, Level, Project, VotingStyle
from zerocity.engage.services.verification import keyed, require


def _check(budget: Budget, projects: list[Project]) -> None:
    if not projects:
        raise Conflict(_("Choose at least one project."))
    if len({p.pk for p in projects}) != len(projects):
        raise Conflict(_("Choose each project only once."))
    if any(p.budget_id != budget.pk for p in projects):
        raise Conflict(_("Choose projects of this budget only."))
    if budget.style == VotingStyle.KNAPSACK:
        spent = sum((p.cost for p in projects), Decimal(0))
        if spent > budget.amount:
            raise Conflict(_("The projects you chose cost %(spent)s, more than the %(amount)s "
                             "to spend; leave out a project.")
                           % {"spent": money(spent), "amount": money(budget.amount)})
    elif budget.max_projects and len(projects) > budget.max_projects:
        raise Conflict(ngettext("Choose at most %(n)s project.", "Choose at most %(n)s projects.",
                                budget.max_projects) % {"n": number(budget.max_projects)})


def _open(budget: Budget, at: datetime) -> None:
    if not budget.opens_at <= at < budget.closes_at:
        raise Conflict(_("Voting is not open now."))


def vote(budget: Budget, user: Any, projects: list[Project], *,
         at: datetime | None = None) -> Ballot:
    at = at or now()
    needed = Level.RESIDENT if budget.district_id else budget.process.vote_level
    found = require(user, budget.process.city, needed, "vote")
    if budget.district_id and found.district_id != budget.district_id:
        raise Conflict(_("Only residents of the budget's district can vote in it."))
    _open(budget, at)
    _check(budget, projects)
    return _cast(budget, voter_key(budget, user, found.resident_key), projects, at=at,
                 in_person=False)


def voter_key(budget: Budget, user: Any, resident_key: str = "") -> str:
    """The key an online ballot is kept under: a keyed hash of the register entry that
    verified the person (one ballot per resident, whatever the account), or of the account
    where the process lets any account vote."""
    return keyed("ballot", str(budget.pk), resident_key or str(user.pk))


RECEIPT_LENGTH = 12


def receipt(ballot: Ballot) -> str:
    """The ballot's receipt code, e.g. ``7F3A-9C21-B04E``: the first 48 bits of an HMAC of the
    budget and the ballot with the site's secret, so nobody can make up a valid one, and the
    same ballot always gives the same code."""
    code = keyed("receipt", str(ballot.budget_id), str(ballot.pk))[:RECEIPT_LENGTH].upper()
    return "-".join(code[i:i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def enter_paper_ballot(budget: Budget, paper_number: str, projects: list[Project], *,
                       by: Person | None = None, actor: str = "",
                       at: datetime | None = None) -> Ballot:
    """A paper ballot from a polling place (where the voter's residence was checked)."""
    at = at or now()
    number = paper_number.strip()
    if not number:
        raise Conflict(_("Enter the number of the paper ballot."))
    _open(budget, at)
    _check(budget, projects)
    ballot = _cast(budget, keyed("paper", str(budget.pk), number), projects, at=at,
                   in_person=True, paper_number=number,
                   entered_by=actor or audit.actor_label(by))
    audit.record("engage.paper_ballot", city=budget.process.city, user=by, actor=actor,
                 obj=ballot, number=number)
    return ballot


def _cast(budget: Budget, voter: str, projects: list[Project], *, at: datetime,
          in_person: bool, paper_number: str = "", entered_by: str = "") -> Ballot:
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(budget=budget, voter=voter, cast_at=at,
                                           in_person=in_person, paper_number=paper_number,
                                           entered_by=entered_by)
            ballot.projects.set(projects)
    except IntegrityError:
        raise Conflict(_("This paper ballot has already been entered.") if in_person
                       else _("You have already voted in this budget.")) from None
    return ballot


def results(budget: Budget) -> list[dict[str, Any]]:
    """Projects by votes (ties: the cheaper first), each marked funded while the money lasts."""
    rows = (Project.objects.filter(budget=budget).annotate(votes=Count("ballots"))
            .order_by("-votes", "cost", "pk"))
    left = budget.amount
    out = []
    for p in rows:
        funded = p.votes > 0 and p.cost <= left
        if funded:
            left -= p.cost
        out.append({"project": p, "votes": p.votes, "funded": funded})
    return out
