from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zerocity.core"
    label = "core"
    verbose_name = "ZeroCity core"

    def ready(self) -> None:
        # the receiver that forgives a successful log-in's own failures (docs/accounts.md)
        from zerocity.core import login_throttle  # noqa: F401
