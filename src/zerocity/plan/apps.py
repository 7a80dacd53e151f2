from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "zerocity.plan"
    label = "plan"
    verbose_name = "Climate neutrality action plan"
