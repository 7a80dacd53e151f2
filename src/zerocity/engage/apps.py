from django.apps import AppConfig


class EngageConfig(AppConfig):
    name = "zerocity.engage"
    label = "engage"
    verbose_name = "Citizen participation"
