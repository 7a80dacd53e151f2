from django.apps import AppConfig


class EngageConfig(AppConfig):
    name = "zerocity.engage"
    label = "engage"
    verbose_name = "Citizen participation"

    def ready(self) -> None:
        from zerocity.core import hooks
        from zerocity.engage.services import notify, privacy
        from zerocity.plan.signals import action_changed

        action_changed.connect(notify.tell_action_followers,
                               dispatch_uid="engage.tell_action_followers")

        hooks.personal_data(hooks.PersonalDataPart("engage", privacy.export, privacy.erase,
                                                   order=10))
