from django.apps import AppConfig


def database_health() -> str | None:
    """The database answers a query."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return None if cursor.fetchone() == (1,) else "unexpected answer"


class CoreConfig(AppConfig):
    name = "zerocity.core"
    label = "core"
    verbose_name = "ZeroCity core"

    def ready(self) -> None:
        from zerocity.core import hooks

        hooks.health_check("database", database_health)
