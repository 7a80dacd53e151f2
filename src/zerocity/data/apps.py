from django.apps import AppConfig


class DataConfig(AppConfig):
    name = "zerocity.data"
    label = "data"
    verbose_name = "City data platform"

    def ready(self) -> None:
        from zerocity.core import hooks, workdirs
        from zerocity.data import selectors, store

        hooks.local_time_data("data", selectors.local_time_data)
        workdirs.register(store.STAGING_AREA)
        hooks.health_check("store", store.health)
