"""Persistence of inventories, their lines and the emission factor library."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zerocity.core.models import City
from zerocity.inventory import calculations as calc
from zerocity.inventory.gwp import DEFAULT, GwpSet


class GpcCategory(models.Model):
    """The GPC v1.1 reference table, seeded by migration from ``data/gpc_v1_1.csv``."""

    ref = models.CharField(max_length=10, primary_key=True)
    sector = models.CharField(max_length=3)
    subsector = models.CharField(max_length=6)
    subsector_name = models.CharField(max_length=200)
    scope = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=12)
    name = models.CharField(max_length=300)

    class Meta:
        verbose_name = "GPC sub-category"
        verbose_name_plural = "GPC sub-categories"

    def __str__(self) -> str:
        return f"{self.ref} {self.subsector_name}: {self.name}"


class EmissionFactor(models.Model):
    """One factor: tonnes of each gas per unit of activity, from a named source and year.

    A factor with no city belongs to the shared library (optionally limited to a country);
    a city's own factors override the library for that city. Factors are never edited in
    place: a correction is a new ``version``, so every line keeps pointing at what it used.
    """

    city = models.ForeignKey(
        City, on_delete=models.PROTECT, null=True, blank=True, related_name="emission_factors"
    )
    country = models.CharField(max_length=2, blank=True)
    source = models.SlugField(max_length=60)
    source_name = models.CharField(max_length=300)
    year = models.PositiveSmallIntegerField()
    version = models.PositiveSmallIntegerField(default=1)
    key = models.SlugField(max_length=60)
    label = models.CharField(max_length=200)
    unit = models.CharField(max_length=20)
    co2 = models.FloatField(default=0)
    ch4 = models.FloatField(default=0)
    n2o = models.FloatField(default=0)
    co2_biogenic = models.FloatField(default=0)
    fossil = models.BooleanField(default=True)
    method = models.CharField(max_length=500, blank=True)
    reference = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["city", "source", "key", "year", "version"],
                condition=models.Q(city__isnull=False),
                name="ef_unique_city",
            ),
            models.UniqueConstraint(
                fields=["country", "source", "key", "year", "version"],
                condition=models.Q(city__isnull=True),
                name="ef_unique_library",
            ),
        ]
        ordering = ["source", "key", "-year", "-version"]

    def __str__(self) -> str:
        return f"{self.source}:{self.key} {self.year} v{self.version}"

    def values(self) -> calc.FactorValues:
        return calc.FactorValues(
            unit=self.unit, co2=self.co2, ch4=self.ch4, n2o=self.n2o,
            co2_biogenic=self.co2_biogenic, fossil=self.fossil,
        )


class InventoryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Inventory(models.Model):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="inventories")
    year = models.PositiveSmallIntegerField()
    gwp = models.CharField(
        max_length=16, choices=[(g.value, g.value) for g in GwpSet], default=DEFAULT.value
    )
    status = models.CharField(
        max_length=10, choices=InventoryStatus.choices, default=InventoryStatus.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    illustrative = models.BooleanField(
        default=False, help_text="Figures made up for demonstration, labelled as such everywhere."
    )
    boundary = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    source = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "inventories"
        ordering = ["city", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="inventory_one_per_city_year"),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="inventory_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city.slug} {self.year}"

    @property
    def gwp_set(self) -> GwpSet:
        return GwpSet(self.gwp)

    @property
    def is_published(self) -> bool:
        return self.status == InventoryStatus.PUBLISHED


class ImportBatch(models.Model):
    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="imports")
    filename = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    fmt = models.CharField(max_length=10)
    mode = models.CharField(max_length=10)
    rows = models.PositiveIntegerField()
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.filename} -> {self.inventory}"


NOTATION_KEYS = [(k.value, k.value) for k in calc.NotationKey]
DATA_QUALITY = [("H", _("High")), ("M", _("Medium")), ("L", _("Low"))]
CCC_SECTORS = [(s.value, s.value) for s in calc.CccSector]


class InventoryLine(models.Model):
    """One activity (or one notation key) under a GPC sub-category, with the gases it emits.

    Gas amounts are stored in tonnes; CO2e is computed with the inventory's GWP set on read,
    so changing the set never touches the gases.
    """

    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    gpc = models.ForeignKey(GpcCategory, on_delete=models.PROTECT, related_name="+")
    activity = models.CharField(max_length=300)
    amount = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    fuel = models.CharField(max_length=130, blank=True)
    factor = models.ForeignKey(
        EmissionFactor, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The factor as applied (copied from the library or given inline), so the line explains
    # itself even if the library gains a new version later.
    ef_unit = models.CharField(max_length=20, blank=True)
    ef_co2 = models.FloatField(null=True, blank=True)
    ef_ch4 = models.FloatField(null=True, blank=True)
    ef_n2o = models.FloatField(null=True, blank=True)
    co2 = models.FloatField(default=0)
    ch4 = models.FloatField(default=0)
    n2o = models.FloatField(default=0)
    hfcs = models.FloatField(default=0)
    pfcs = models.FloatField(default=0)
    sf6 = models.FloatField(default=0)
    nf3 = models.FloatField(default=0)
    co2_biogenic = models.FloatField(default=0)
    co2e_direct = models.FloatField(default=0)
    ch4_fossil = models.BooleanField(default=False)
    notation_key = models.CharField(max_length=2, choices=NOTATION_KEYS, blank=True)
    explanation = models.TextField(blank=True)
    ie_ref = models.CharField(max_length=10, blank=True)
    data_quality = models.CharField(max_length=1, choices=DATA_QUALITY, blank=True)
    source = models.CharField(max_length=500, blank=True)
    ets = models.BooleanField(default=False)
    ccc_sector = models.CharField(max_length=10, choices=CCC_SECTORS, blank=True)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["inventory", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["inventory", "gpc", "activity"], name="line_unique_activity"
            ),
            models.CheckConstraint(
                condition=models.Q(notation_key="") | ~models.Q(explanation=""),
                name="line_notation_key_explained",
            ),
            models.CheckConstraint(
                condition=~models.Q(notation_key="IE") | ~models.Q(ie_ref=""),
                name="line_ie_points_somewhere",
            ),
            models.CheckConstraint(
                condition=models.Q(notation_key__in=["", "NO", "IE", "NE", "C"]),
                name="line_notation_key_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gpc_id} {self.activity}"

    def as_calc(self) -> calc.Line:
        return calc.Line(
            ref=self.gpc_id,
            gases=calc.Gases(
                co2=self.co2, ch4=self.ch4, n2o=self.n2o, sf6=self.sf6, nf3=self.nf3,
                hfcs=self.hfcs, pfcs=self.pfcs, co2_biogenic=self.co2_biogenic,
                co2e_direct=self.co2e_direct, ch4_fossil=self.ch4_fossil,
            ),
            notation_key=self.notation_key,
            ets=self.ets,
            ccc_sector=self.ccc_sector,
        )


class RejectedImport(models.Model):
    """Quarantine: a refused file is kept with its errors, so nothing sent is lost and staff can
    see what was refused and why."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    filename = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    errors = models.JSONField(default=list)
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.filename} refused for {self.city_id} {self.year}"
