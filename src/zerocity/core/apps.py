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

        # the reminders sent to a person are part of their data download (docs/reminders.md)
        from zerocity.core import reminders

        hooks.personal_data(hooks.PersonalDataPart("reminders", reminders.export, order=90))

        # every write to a ZeroCity table changes its app's data version (cached pages)
        from django.db import connections
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate, pre_migrate

        from zerocity.core import data_versions

        connection_created.connect(data_versions.install,
                                   dispatch_uid="zerocity.core.data_versions")
        pre_migrate.connect(data_versions.pause, sender=self)
        post_migrate.connect(data_versions.bump_all, sender=self)
        for connection in connections.all(initialized_only=True):
            data_versions.install(None, connection)
