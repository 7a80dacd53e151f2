"""Who keeps a body's records: city staff who sit on it as its secretary, chair or co-chair,
and the city's administrators."""

from __future__ import annotations

from typing import Any

from zerocity.core.actors import signed_in
from zerocity.core.permissions import is_city_admin, is_city_staff
from zerocity.governance.models import Body, Member, MemberRole

KEEPERS = (MemberRole.SECRETARY, MemberRole.CHAIR, MemberRole.CO_CHAIR)


def may_keep(person: Any, body: Body) -> bool:
    if is_city_admin(person, body.city):
        return True
    user = signed_in(person)
    if user is None or not is_city_staff(user, body.city):
        return False
    return Member.objects.filter(body=body, user=user, role__in=KEEPERS, end=None).exists()
