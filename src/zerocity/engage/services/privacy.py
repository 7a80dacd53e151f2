"""The citizen platform's part of a person's data (``core.hooks.personal_data``).

Download: the account, its verification, proposals, supports, comments, follows, inbox and
pledges. Deletion: follows, inbox, mail settings, verification and pledges are deleted; the
person's proposals and comments stay, without their name, so the debate keeps its sense;
supports, survey answers and ballots stay counted (the last two were never linked to the
account). The account itself is emptied by core (``core.services.delete_person``).
"""

from __future__ import annotations

from typing import Any

from zerocity.core.models import City
from zerocity.engage.models import (
    Comment,
    Follow,
    Level,
    MailPreference,
    Notification,
    PledgeTaken,
    Proposal,
    Support,
    Verification,
)
from zerocity.engage.services import notify, verification


def export(user: Any, city: City) -> dict[str, Any]:
    found = verification.verification(user, city)
    return {
        "account": {"username": user.get_username(), "email": user.email,
                    "joined": user.date_joined.isoformat()},
        "verification": {"level": str(Level(found.level).label),
                         "email_confirmed_at": found.email_confirmed_at and
                         found.email_confirmed_at.isoformat(),
                         "resident_at": found.resident_at and found.resident_at.isoformat(),
                         "district": found.district.name if found.district else None},
        "proposals": [{"title": p.title, "body": p.body, "state": p.state,
                       "created_at": p.created_at.isoformat()}
                      for p in user.proposals.filter(process__city=city)],
        "supports": [s.proposal.title for s in Support.objects.filter(
            user=user, proposal__process__city=city).select_related("proposal")],
        "comments": [{"proposal": c.proposal.title, "body": c.body,
                      "created_at": c.created_at.isoformat()}
                     for c in Comment.objects.filter(author=user, proposal__process__city=city)
                     .select_related("proposal")],
        "follows": list(user.follows.filter(city=city).values_list("target", flat=True)),
        "notifications": [{"subject": n.subject, "created_at": n.created_at.isoformat()}
                          for n in notify.inbox(user, city)],
        "pledges": list(user.pledges.filter(pledge__city=city).values_list("pledge__title",
                                                                           flat=True)),
        "note": "Survey answers and ballots are kept under a keyed hash, not linked to your "
                "account, so they cannot be listed here.",
    }


def erase(user: Any, city: City) -> None:
    Proposal.objects.filter(author=user).update(author=None)
    Comment.objects.filter(author=user).update(author=None)
    for model in (Follow, Notification, MailPreference, PledgeTaken, Verification):
        model.objects.filter(user=user).delete()
