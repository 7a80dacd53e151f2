from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "zerocity.inventory"
    label = "inventory"
    verbose_name = "GHG inventory"
