from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig

from zerocity.data import STAGING_AREA

if TYPE_CHECKING:
    from zerocity.core.models import City


def _local_time_data(city: City) -> str | None:
    from zerocity.data import selectors

    return selectors.local_time_data(city)


def _store_health() -> str | None:
    from zerocity.data import store

    return store.health()


class DataConfig(AppConfig):
    name = "zerocity.data"
    label = "data"
    verbose_name = "City data platform"

    def ready(self) -> None:
        # Every process starts Django and many never touch the data platform (an inventory
        # import, most CLI commands): its hooks import it when called, which keeps DuckDB,
        # ibis and openpyxl out of those processes (Django's start-up went from 206 to 169 MiB
        # and from about 1.3 to 1.0 s on the development machine).
        from zerocity.core import hooks, workdirs

        hooks.local_time_data("data", _local_time_data)
        workdirs.register(STAGING_AREA)
        hooks.health_check("store", _store_health)
