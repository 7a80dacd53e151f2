"""Persistence of the data platform: sources, their API tokens, and the batches of readings
received with the rows kept in quarantine.

The readings themselves are not here: they live in the partitioned Parquet store
(``zerocity.data.store``), which the database only describes — each batch records which files
it wrote.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zerocity.core.models import City


class SourceKind(models.TextChoices):
    ELECTRICITY_METERS = "electricity_meters", _("Electricity distribution meters")
    GAS_METERS = "gas_meters", _("Gas meters")
    HEAT_METERS = "heat_meters", _("District heat meters")
    FUEL_SALES = "fuel_sales", _("Fuel sales")
    TRAFFIC_COUNTERS = "traffic_counters", _("Traffic counters")
    AIR_QUALITY = "air_quality", _("Air-quality sensors")
    NOISE = "noise", _("Noise sensors")
    WASTE_WEIGHINGS = "waste_weighings", _("Waste weighings")
    BIKE_COUNTS = "bike_counts", _("Bike counts")
    BUS_COUNTS = "bus_counts", _("Bus passenger counts")
    CITY_CARD_USAGE = "city_card_usage", _("City-card usage")
    PV_PRODUCTION = "pv_production", _("PV production")
    FOOD_DELIVERIES = "food_deliveries", _("Public food deliveries")
    # not readings: GTFS-Realtime messages, pushed to the mobility API with the source's tokens
    TRANSIT_REALTIME = "transit_realtime", _("Public transport real time (GTFS-Realtime)")


# Kinds whose tokens send messages of their own format to their own endpoint: no quantities,
# no readings.
MESSAGE_KINDS = frozenset({SourceKind.TRANSIT_REALTIME.value})


class Publication(models.TextChoices):
    """What of a source's readings the open data may show. Readings themselves are never
    published: only the monthly aggregates of the open-data datasets."""

    PRIVATE = "private", _("Not published")
    AGGREGATED = "aggregated", _("Aggregates of enough meters")  # households, firms
    OPEN = "open", _("Aggregates, however few the devices")  # sensors in public space


class DataSource(models.Model):
    """Who sends which readings, how often, in which units and within which ranges.

    ``schema`` names the quantities the source may send, each with its canonical unit (what the
    store holds) and the accepted range in that unit::

        {"active_energy": {"unit": "kWh", "min": 0, "max": 100000}}
    """

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="data_sources")
    key = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=SourceKind.choices)
    owner = models.CharField(max_length=200, blank=True, help_text="The organisation that "
                             "supplies the data, e.g. Elektro Gorenjska d.d.")
    frequency = models.CharField(max_length=20, default="hourly",
                                 help_text="15min, hourly, daily, monthly or irregular")
    timezone = models.CharField(max_length=64, help_text="How times without a UTC offset are "
                                "read: the city's zone unless the source sends another")
    schema = models.JSONField(default=dict)
    licence = models.CharField(max_length=200, blank=True)
    publication = models.CharField(
        max_length=12, choices=Publication.choices, default=Publication.PRIVATE,
        help_text="Whether the open data shows this source's monthly aggregates; "
        "'aggregated' withholds any figure that rests on fewer meters than "
        "ZEROCITY_OPEN_DATA_MIN_METERS (a household's or a firm's consumption stays private)")
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "key"]
        constraints = [
            models.UniqueConstraint(fields=["city", "key"], name="datasource_unique_key"),
            models.CheckConstraint(condition=models.Q(kind__in=SourceKind.values),
                                   name="datasource_kind_valid"),
            models.CheckConstraint(condition=models.Q(publication__in=Publication.values),
                                   name="datasource_publication_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id}/{self.key}"


class SourceToken(models.Model):
    """An API token that lets a device or a utility push readings to one source.

    Only the SHA-256 digest of the secret is stored; the secret is shown once, when issued.
    ``prefix`` (its first characters) lets staff tell tokens apart.
    """

    source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["source", "created_at"]

    def __str__(self) -> str:
        return f"{self.source} token {self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class BatchOrigin(models.TextChoices):
    FILE = "file", _("File")
    API = "api", _("JSON API")
    NGSI = "ngsi", _("NGSI-LD")


class BatchStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")  # nothing rejected (duplicates are not rejections)
    PARTIAL = "partial", _("Partly accepted")
    REJECTED = "rejected", _("Rejected")  # nothing usable


class Batch(models.Model):
    """One payload received from a source: a file or an API request.

    The counts always add up: ``received == accepted + duplicates + rejected``. ``files`` are
    the Parquet files (relative to the readings store) holding exactly the ``accepted``
    readings, each with this batch's id in its ``batch`` column.
    """

    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="batches")
    origin = models.CharField(max_length=10, choices=BatchOrigin.choices)
    filename = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=10, choices=BatchStatus.choices)
    received = models.PositiveBigIntegerField(default=0)
    accepted = models.PositiveBigIntegerField(default=0)
    duplicates = models.PositiveBigIntegerField(default=0)
    rejected = models.PositiveBigIntegerField(default=0)
    first_reading = models.DateTimeField(null=True, blank=True)
    last_reading = models.DateTimeField(null=True, blank=True)
    chunks = models.PositiveIntegerField(default=0, help_text="How many chunks the payload "
                                         "was read in (memory stays bounded by one chunk)")
    files = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)  # gaps, ambiguous local times, ...
    created_at = models.DateTimeField(auto_now_add=True)
    by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "batches"
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=BatchStatus.values),
                                   name="batch_status_valid"),
            models.CheckConstraint(
                condition=models.Q(received=models.F("accepted") + models.F("duplicates")
                                   + models.F("rejected")),
                name="batch_counts_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"batch {self.pk} of {self.source} ({self.status})"


class QuarantinedRow(models.Model):
    """A rejected row, kept with its reason: ``line N, column C: reason``. ``raw`` is what was
    sent (the row's cells, the record, or the unreadable text)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="quarantine")
    line = models.PositiveBigIntegerField()
    column = models.CharField(max_length=100)
    reason = models.TextField()
    raw = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "line", "id"]

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


class NgsiEntity(models.Model):
    """An NGSI-LD entity a source has created (``POST /ngsi-ld/v1/entities``), so a second
    create of the same id is answered 409 AlreadyExists as the specification says. Its
    readings are in the store like any other source's."""

    source = models.ForeignKey(DataSource, on_delete=models.CASCADE,
                               related_name="ngsi_entities")
    entity_id = models.CharField(max_length=300)
    type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "entity_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "entity_id"], name="ngsientity_unique_id"),
        ]

    def __str__(self) -> str:
        return self.entity_id


class IndicatorFeed(models.Model):
    """How one of the plan's indicators is computed from a source's readings, year by year:
    the year's total of ``quantity`` in the indicator's unit or, with ``share_of``, 100 x that
    total / the total of ``share_of`` (a share in %). A year is recorded only once the readings
    cover at least ``min_coverage`` of it."""

    indicator = models.OneToOneField("plan.Indicator", on_delete=models.CASCADE,
                                     related_name="data_feed")
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT,
                               related_name="indicator_feeds")
    quantity = models.CharField(max_length=63)
    share_of = models.CharField(max_length=63, blank=True)
    min_coverage = models.FloatField(default=0.95)

    class Meta:
        ordering = ["indicator"]
        constraints = [
            models.CheckConstraint(condition=models.Q(min_coverage__gte=0, min_coverage__lte=1),
                                   name="indicatorfeed_coverage_share"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} <- {self.source.key}:{self.quantity}"


class InventoryFeed(models.Model):
    """Measured lines the data platform put into an inventory year: what each line rests on
    (sources, batches, readings, coverage) and the lines it superseded, as they were."""

    inventory = models.ForeignKey("inventory.Inventory", on_delete=models.CASCADE,
                                  related_name="data_feeds")
    import_batch = models.ForeignKey("inventory.ImportBatch", on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    lines = models.JSONField(default=list)
    superseded = models.JSONField(default=list)
    at = models.DateTimeField(auto_now_add=True)
    by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.inventory} <- data platform ({len(self.lines)} lines)"
