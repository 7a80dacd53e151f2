from django.apps import AppConfig


class ContractConfig(AppConfig):
    name = "zerocity.contract"
    label = "contract"
    verbose_name = "Climate City Contract: commitments and investment plan"
