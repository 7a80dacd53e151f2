from django.apps import AppConfig


class BudgetConfig(AppConfig):
    name = "zerocity.budget"
    label = "budget"
    verbose_name = "City budget tagged for the climate"
