from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "zerocity.plan"
    label = "plan"
    verbose_name = "Climate neutrality action plan"

    def ready(self) -> None:
        from zerocity.core import hooks
        from zerocity.plan import reminders

        hooks.reminders("plan", reminders.due)
