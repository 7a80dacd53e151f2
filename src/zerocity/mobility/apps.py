from django.apps import AppConfig


class MobilityConfig(AppConfig):
    name = "zerocity.mobility"
    label = "mobility"
    verbose_name = "Mobility"

    def ready(self) -> None:
        from zerocity.core import hooks, workdirs
        from zerocity.mobility import open_data, selectors, store

        workdirs.register(store.WORK_AREA)
        # the card asks the network through core, so it never imports this app
        hooks.transit_network(hooks.TransitNetwork(unknown=selectors.unknown_codes,
                                                   stop_positions=selectors.stop_positions))
        # the data platform publishes the timetable's aggregates without importing this app
        hooks.open_data(open_data.PART)
