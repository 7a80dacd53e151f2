from django.apps import AppConfig


class CardConfig(AppConfig):
    name = "zerocity.card"
    label = "card"
    verbose_name = "City card"

    def ready(self) -> None:
        from zerocity.card import challenges, privacy, selectors
        from zerocity.card.signals import walk_recorded
        from zerocity.core import hooks

        walk_recorded.connect(challenges.after_walk, dispatch_uid="card.challenges.after_walk")

        hooks.local_time_data("card", selectors.local_time_data)
        hooks.personal_data(hooks.PersonalDataPart("card", privacy.export, privacy.erase,
                                                   order=20))
