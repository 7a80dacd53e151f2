from __future__ import annotations

from typing import Any

from django.db import models

from zerocity.core.models import AuditLog, City


def actor_label(user: Any | None, fallback: str = "system") -> str:
    if user is not None and getattr(user, "is_authenticated", False):
        return str(user.get_username())
    return fallback


def record(
    action: str,
    *,
    city: City | None,
    user: Any | None = None,
    actor: str = "",
    obj: models.Model | None = None,
    **data: Any,
) -> AuditLog:
    """Append one audit record. Call it inside the transaction of the change it describes."""
    real_user = user if user is not None and getattr(user, "is_authenticated", False) else None
    return AuditLog.objects.create(
        city=city,
        actor=real_user,
        actor_label=actor or actor_label(user),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data,
    )
