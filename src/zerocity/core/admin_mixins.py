from django.db import models
from django.http import HttpRequest


class ReadOnlyAdmin:
    """Admin pages that show but never write: changes go through the services, which lock,
    check and audit."""

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest,
                              obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest,
                              obj: models.Model | None = None) -> bool:
        return False


class RecordedByAdmin:
    """Admin pages whose rows keep who recorded them (``recorded_by``): the admin's name, set
    on every save from the admin."""

    def save_model(self, request: HttpRequest, obj: models.Model, form: object,
                   change: bool) -> None:
        obj.recorded_by = f"admin:{getattr(request, 'user', '')}"  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)  # type: ignore[misc]
