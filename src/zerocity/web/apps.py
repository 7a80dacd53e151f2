from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "zerocity.web"
    label = "web"
    verbose_name = "Public and staff pages"
