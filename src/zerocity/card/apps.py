from django.apps import AppConfig


class CardConfig(AppConfig):
    name = "zerocity.card"
    label = "card"
    verbose_name = "City card"
