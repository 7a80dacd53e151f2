"""Deleting a citizen's account.

The person's follows, inbox, mail settings, verification and pledges are deleted; their
proposals and comments stay, without their name, so the debate keeps its sense; supports,
survey answers and ballots stay counted (the last two were never linked to the account).
The account itself cannot be removed outright, because the audit trail refers to it: it is
emptied instead (no name, no e-mail, no password, inactive, a random user name). Staff
accounts are closed by the city's administrators.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from zerocity.core import audit
from zerocity.core.errors import Conflict
from zerocity.core.models import City, Role
from zerocity.engage.models import (
    Comment,
    Follow,
    MailPreference,
    Notification,
    PledgeTaken,
    Proposal,
    Verification,
)


@transaction.atomic
def delete_account(user: Any, city: City) -> None:
    if user.is_staff or user.is_superuser or user.memberships.exclude(
            role=Role.CITIZEN).exists():
        raise Conflict("staff accounts are closed by the city's administrators")
    audit.record("engage.account_deleted", city=city, user=user)
    Proposal.objects.filter(author=user).update(author=None)
    Comment.objects.filter(author=user).update(author=None)
    for model in (Follow, Notification, MailPreference, PledgeTaken, Verification):
        model.objects.filter(user=user).delete()
    user.username = f"deleted-{uuid.uuid4().hex[:20]}"
    user.email = user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.is_active = False
    user.save()
