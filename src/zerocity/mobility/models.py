"""Persistence of the mobility module: the versions of a city's GTFS timetable, and the stops
and routes of each version that the rest of the site looks up (the card's validators name
them, ridership places them on the map).

The timetable itself is not here: each version's tables are Parquet files under
``DATA_DIR/gtfs/<city>/<sha256>/`` (``zerocity.mobility.store``), which a version only points
to. Versions are never changed or deleted; a newer one takes over from its start date.
"""

from __future__ import annotations

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
