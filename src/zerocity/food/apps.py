from django.apps import AppConfig


class FoodConfig(AppConfig):
    name = "zerocity.food"
    label = "food"
    verbose_name = "Local food procurement (DPS)"
