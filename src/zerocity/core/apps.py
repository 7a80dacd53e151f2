from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zerocity.core"
    label = "core"
    verbose_name = "ZeroCity core"
