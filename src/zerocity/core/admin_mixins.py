from typing import Any


class ReadOnlyAdmin:
    """Admin pages that show but never write: changes go through the services, which lock,
    check and audit."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
