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
