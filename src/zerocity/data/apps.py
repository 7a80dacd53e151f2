from django.apps import AppConfig


class DataConfig(AppConfig):
    name = "zerocity.data"
    label = "data"
    verbose_name = "City data platform"
