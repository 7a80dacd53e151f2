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
        # the receiver that forgives a successful log-in's own failures (docs/accounts.md)
        from zerocity.core import hooks, login_throttle  # noqa: F401

        hooks.health_check("database", database_health)
