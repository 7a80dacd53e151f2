"""Persistence of the mobility module: the versions of a city's GTFS timetable, and the stops
and routes of each version that the rest of the site looks up (the card's validators name
them, ridership places them on the map).

The timetable itself is not here: each version's tables are Parquet files under
``DATA_DIR/gtfs/<city>/<sha256>/`` (``zerocity.mobility.store``), which a version only points
to. Versions are never changed or deleted; a newer one takes over from its start date.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from zerocity.core.models import City


class FeedVersion(models.Model):
    """One GTFS Schedule feed as a city imported it. The version in force on a service date is
    the one imported last among those that start on or before that date
    (``selectors.version_in_force``), so a new version replaces the older ones from its start
    date and leaves their earlier dates to them."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="feed_versions")
    name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the zip as imported")
    filename = models.CharField(max_length=300, blank=True)
    feed_version = models.CharField(max_length=200, blank=True,
                                    help_text="feed_info.feed_version, when the feed has one")
    publisher = models.CharField(max_length=200, blank=True)
    publisher_url = models.CharField(max_length=500, blank=True)
    start_date = models.DateField(help_text="first service date: feed_info.feed_start_date, "
                                  "else the first day any service runs")
    end_date = models.DateField(help_text="last service date, the same way")
    licence = models.CharField(max_length=200, blank=True)
    attribution = models.TextField(blank=True, help_text="who must be named wherever the "
                                   "feed's data is shown or published")
    counts = models.JSONField(default=dict, help_text="rows per file")
    warning_counts = models.JSONField(default=dict, help_text="notices kept, per code")
    warnings = models.JSONField(default=list, help_text="the validator's warnings and "
                                "information notices: code, severity, file, line, column, "
                                "reason (at most WARNINGS_KEPT of each code)")
    path = models.CharField(max_length=300, help_text="the tables' folder under DATA_DIR")
    imported_at = models.DateTimeField(auto_now_add=True)
    by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["city", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "sha256"], name="feedversion_unique_bytes"),
            models.CheckConstraint(condition=models.Q(start_date__lte=models.F("end_date")),
                                   name="feedversion_dates_in_order"),
        ]
        indexes = [models.Index(fields=["city", "start_date"], name="feedversion_city_start")]

    def __str__(self) -> str:
        return f"{self.city_id} feed #{self.pk} {self.name}"

    @property
    def warning_total(self) -> int:
        """Warnings and information notices found, the ones not kept word for word too."""
        return sum(int(n) for n in self.warning_counts.values())


class FeedStop(models.Model):
    """A row of the version's stops.txt: what a validator's ``stop`` must name."""

    version = models.ForeignKey(FeedVersion, on_delete=models.PROTECT, related_name="stops")
    stop_id = models.CharField(max_length=200)
    name = models.CharField(max_length=300, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    location_type = models.PositiveSmallIntegerField(default=0)
    parent_station = models.CharField(max_length=200, blank=True)
    wheelchair_boarding = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "stop_id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "stop_id"], name="feedstop_unique_id"),
        ]

    def __str__(self) -> str:
        return f"{self.stop_id} {self.name}"


class FeedRoute(models.Model):
    """A row of the version's routes.txt: what a validator's ``route`` must name."""

    version = models.ForeignKey(FeedVersion, on_delete=models.PROTECT, related_name="routes")
    route_id = models.CharField(max_length=200)
    agency_id = models.CharField(max_length=200, blank=True)
    short_name = models.CharField(max_length=100, blank=True)
    long_name = models.CharField(max_length=300, blank=True)
    route_type = models.PositiveIntegerField(default=3)
    color = models.CharField(max_length=6, blank=True)

    class Meta:
        ordering = ["version", "route_id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "route_id"], name="feedroute_unique_id"),
        ]

    def __str__(self) -> str:
        return f"{self.route_id} {self.short_name or self.long_name}"


class WalkNetwork(models.Model):
    """A walking network a city uploaded (an OpenStreetMap extract): the planner walks on it
    instead of the straight line x 1.3. The newest one is used; older ones stay readable.
    Its nodes and edges are ``network.npz`` under ``DATA_DIR/<path>``, beside the file as
    uploaded."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="walk_networks")
    name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the file as uploaded")
    filename = models.CharField(max_length=300, blank=True)
    licence = models.CharField(max_length=200, default="ODbL-1.0")
    attribution = models.TextField(default="© OpenStreetMap contributors")
    nodes = models.PositiveIntegerField()
    edges = models.PositiveIntegerField()
    path = models.CharField(max_length=300, help_text="the network's folder under DATA_DIR")
    imported_at = models.DateTimeField(auto_now_add=True)
    by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["city", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "sha256"], name="walknetwork_unique_bytes"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id} walking network #{self.pk} {self.name}"


# -- real time ----------------------------------------------------------------------------------

class RealtimeFeed(models.Model):
    """A city's GTFS-Realtime feed: the URL the worker pulls it from (none: pushed only), the
    data source whose tokens may push it, and how old its data may be before the planner falls
    back to the timetable."""

    city = models.OneToOneField(City, on_delete=models.PROTECT, related_name="realtime_feed")
    url = models.CharField(max_length=500, blank=True, help_text="pulled by the worker every "
                           "minute when set (https://..., or file:// for a local file)")
    source = models.OneToOneField("data.DataSource", on_delete=models.PROTECT,
                                  related_name="realtime_feed",
                                  help_text="its tokens push messages to the API")
    stale_after_s = models.PositiveIntegerField(default=300, help_text="seconds after the "
                                                "message's own timestamp")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.city_id} real time"


class SnapshotKind(models.TextChoices):
    TRIP_UPDATES = "trip_updates", "TripUpdates"
    VEHICLE_POSITIONS = "vehicle_positions", "VehiclePositions"


class RealtimeSnapshot(models.Model):
    """The latest message of a city for one kind of entity, as received (protobuf bytes). A
    newer message replaces it in one transaction; the very same bytes change nothing; an
    older one (by its header's timestamp) does not replace it."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="realtime_snapshots")
    kind = models.CharField(max_length=20, choices=SnapshotKind.choices)
    sha256 = models.CharField(max_length=64)
    message = models.BinaryField()
    timestamp = models.DateTimeField(help_text="the message header's timestamp")
    received_at = models.DateTimeField()
    origin = models.CharField(max_length=10, help_text="push or pull")
    by_label = models.CharField(max_length=150, blank=True)
    feed_version = models.ForeignKey(FeedVersion, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+",
                                     help_text="the timetable version its trips refer to: the "
                                     "one in force on the day it was received")
    entities = models.PositiveIntegerField(default=0)
    problems = models.PositiveIntegerField(default=0, help_text="entities left out (kept in "
                                           "quarantine)")

    class Meta:
        ordering = ["city", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["city", "kind"], name="rtsnapshot_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id} {self.kind} {self.timestamp:%Y-%m-%d %H:%M:%S}"


class VehiclePosition(models.Model):
    """Where a vehicle was in the latest VehiclePositions message of its city."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="vehicle_positions")
    vehicle_id = models.CharField(max_length=200)
    label = models.CharField(max_length=200, blank=True)
    trip_id = models.CharField(max_length=200, blank=True)
    route_id = models.CharField(max_length=200, blank=True)
    start_date = models.DateField(null=True, blank=True)
    lat = models.FloatField()
    lon = models.FloatField()
    bearing = models.FloatField(null=True, blank=True)
    speed = models.FloatField(null=True, blank=True, help_text="m/s")
    status = models.CharField(max_length=20, blank=True,
                              help_text="INCOMING_AT, STOPPED_AT or IN_TRANSIT_TO")
    stop_id = models.CharField(max_length=200, blank=True)
    timestamp = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["city", "vehicle_id"]
        indexes = [models.Index(fields=["city", "trip_id"], name="vehiclepos_city_trip")]

    def __str__(self) -> str:
        return f"{self.vehicle_id} at {self.lat:.5f}, {self.lon:.5f}"


class QuarantinedMessage(models.Model):
    """A real-time message refused whole (``refused``: its bytes kept), or the entities of an
    accepted one that were left out (``problems``: each with its reason and bytes, base64).
    The same bytes again add to ``times`` only."""

    city = models.ForeignKey(City, on_delete=models.PROTECT,
                             related_name="quarantined_messages")
    sha256 = models.CharField(max_length=64)
    refused = models.BooleanField()
    reason = models.TextField(blank=True)
    problems = models.JSONField(default=list, blank=True)
    message = models.BinaryField(blank=True)
    origin = models.CharField(max_length=10)
    by_label = models.CharField(max_length=150, blank=True)
    received_at = models.DateTimeField()
    last_received_at = models.DateTimeField()
    times = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["city", "-last_received_at"]
        constraints = [
            models.UniqueConstraint(fields=["city", "sha256"], name="rtquarantine_unique"),
        ]

    def __str__(self) -> str:
        state = "refused" if self.refused else "partly used"
        return f"{self.city_id} message {self.sha256[:12]} ({state})"


# -- bike-share ---------------------------------------------------------------------------------

class BikeShareSystem(models.Model):
    """A city's bike-share system as its GBFS feed last described it: the stations with
    their bikes and free docks, when the feed says it was updated and its ttl."""

    city = models.OneToOneField(City, on_delete=models.PROTECT, related_name="bike_share")
    url = models.CharField(max_length=500, help_text="gbfs.json or manifest.json (https://..., "
                           "file://... or a folder holding the files)")
    system_id = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=300, blank=True)
    version = models.CharField(max_length=10, blank=True)
    ttl = models.PositiveIntegerField(default=0, help_text="station_status's ttl (s)")
    last_updated = models.DateTimeField(null=True, blank=True,
                                        help_text="station_status's last_updated")
    fetched_at = models.DateTimeField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="of the stations read")
    stations = models.JSONField(default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.city_id} bike-share {self.name or self.url}"


class OpportunitySet(models.Model):
    """A city's opportunities file (docs/mobility-access.md): points with counts of residents,
    jobs, schools and health centres, as imported. Each import of new bytes under a name is
    that name's next version; the same bytes again change nothing."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="opportunity_sets")
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the file as imported")
    filename = models.CharField(max_length=300, blank=True)
    kinds = models.JSONField(default=list, help_text="the count columns, in order")
    totals = models.JSONField(default=dict, help_text="sum per kind")
    notes = models.JSONField(default=list, help_text="the file's # lines")
    synthetic = models.BooleanField(default=False, help_text="the notes say SYNTHETIC: made "
                                    "up, labelled so wherever its numbers are shown")
    points = models.JSONField(default=list, help_text="[lat, lon, count per kind] per row")
    imported_at = models.DateTimeField(auto_now_add=True)
    by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["city", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "sha256"], name="opportunities_unique_bytes"),
            models.UniqueConstraint(fields=["city", "name", "version"],
                                    name="opportunities_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id} opportunities {self.name} v{self.version}"


class AccessibilityResult(models.Model):
    """Accessibility computed for a service date on the feed version in force, an opportunity
    set and the settings in ``settings``; ``key`` is a digest of all of them, so the same
    computation asked again finds this one."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="accessibility")
    key = models.CharField(max_length=64)
    feed_version = models.ForeignKey(FeedVersion, on_delete=models.PROTECT,
                                     related_name="accessibility")
    opportunities = models.ForeignKey(OpportunitySet, on_delete=models.PROTECT,
                                      related_name="results")
    walk_network = models.ForeignKey(WalkNetwork, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="accessibility")
    service_date = models.DateField()
    settings = models.JSONField(default=dict)
    draws = models.PositiveIntegerField(default=1, help_text="phase draws (1: no "
                                        "frequency-based route)")
    grid = models.JSONField(default=dict, help_text="lat0, lon0, cell_m, rows, cols")
    summary = models.JSONField(default=dict, help_text="residents-weighted percentiles")
    cells = models.JSONField(default=list, help_text="per cell: id, centre, percentiles")
    seconds = models.FloatField(default=0.0, help_text="how long the computation took")
    computed_at = models.DateTimeField(auto_now_add=True)
    by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["city", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "key"], name="accessibility_unique_key"),
        ]
        indexes = [models.Index(fields=["city", "service_date"],
                                name="accessibility_city_date")]

    def __str__(self) -> str:
        return f"{self.city_id} accessibility {self.service_date} #{self.pk}"


# -- timetable scenarios ------------------------------------------------------------------------

class ScenarioStatus(models.TextChoices):
    DRAFT = "draft", "draft"
    PUBLISHED = "published", "published"


class Scenario(models.Model):
    """A change to a city's timetable under study: a list of edits on one feed version
    (``scenarios.edits``), kept as numbered versions (``ScenarioVersion``)."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="scenarios")
    base = models.ForeignKey(FeedVersion, on_delete=models.PROTECT, related_name="scenarios",
                             help_text="the feed version the edits apply to")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ScenarioStatus.choices,
                              default=ScenarioStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["city", "-id"]

    def __str__(self) -> str:
        return f"{self.city_id} scenario #{self.pk} {self.name}"


class ScenarioVersion(models.Model):
    """One edit list of a scenario and the feed it derives, never changed: a new edit list is
    a new version. Its tables are stored as a feed version's are (``store``, under
    ``path``), so whatever reads a feed version reads it too (``path``, ``sha256``)."""

    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    edits = models.JSONField(help_text="the edit list as saved")
    edits_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the edits' canonical "
                                    "JSON (keys sorted, no spaces)")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the derived GTFS zip")
    path = models.CharField(max_length=300, help_text="the derived tables' folder under "
                            "DATA_DIR")
    counts = models.JSONField(default=dict, help_text="rows per file of the derived feed")
    warning_counts = models.JSONField(default=dict, help_text="the validator's notices on the "
                                      "derived feed, per code")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["scenario", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "number"],
                                    name="scenarioversion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"scenario #{self.scenario_id} v{self.number}"


class TransitParameters(models.Model):
    """A city's own figures for costing and planning its bus service, used wherever a command,
    the API or a page is not given others (docs/mobility-scenarios.md, "City parameters").
    Without a row the defaults of ``mobility.parameters`` apply (assumptions, not sourced)."""

    city = models.OneToOneField(City, on_delete=models.CASCADE,
                                related_name="transit_parameters")
    eur_per_bus_hour = models.DecimalField(max_digits=10, decimal_places=2)
    eur_per_bus_km = models.DecimalField(max_digits=10, decimal_places=2)
    value_of_time_eur_per_hour = models.DecimalField(max_digits=10, decimal_places=2)
    battery_share = models.DecimalField(max_digits=5, decimal_places=4, help_text="of bus-km "
                                        "run by battery buses")
    capacity = models.PositiveIntegerField(help_text="riders per bus, seated and standing")
    periods = models.CharField(max_length=500, help_text="the periods of the day "
                               "(mobility.periods), e.g. 05-07,07-09*,09-14,14-17*,17-22")
    source = models.TextField(blank=True, help_text="where the figures come from")
    updated_at = models.DateTimeField(auto_now=True)
    by_label = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.city}: bus service parameters"
