from __future__ import annotations

from typing import Any

from django.db import models

from zerocity.core.actors import Person, signed_in
from zerocity.core.actors import actor_label as actor_label
from zerocity.core.models import AuditLog, City


def record(
    action: str,
    *,
    city: City | None,
    user: Person | None = None,
    actor: str = "",
    obj: models.Model | None = None,
    **data: Any,
) -> AuditLog:
    """Append one audit record. Call it inside the transaction of the change it describes."""
    return AuditLog.objects.create(
        city=city,
        actor=signed_in(user),
        actor_label=actor or actor_label(user),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data,
    )
