from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "zerocity.governance"
    label = "governance"
    verbose_name = "The Green Transition Group: bodies, meetings, minutes and decisions"

    def ready(self) -> None:
        from zerocity.core.hooks import reminders
        from zerocity.governance.reminders import due_items

        reminders("governance", due_items)
