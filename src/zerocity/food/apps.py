from django.apps import AppConfig


class FoodConfig(AppConfig):
    name = "zerocity.food"
    label = "food"
    verbose_name = "Local food procurement (DPS)"

    def ready(self) -> None:
        from zerocity.core import hooks
        from zerocity.food import selectors

        hooks.local_time_data("food", selectors.local_time_data)
