"""Joint food procurement through a Dynamic Purchasing System (DPS), first stage: the system
with its categories and award criteria, the economic operators, their requests to participate
and the memberships admission gives, and every procedural message.

The rule IDs (DPS-nn, SI-nn) are those of ``shared/research/dps-food-procurement.md`` §2; the
states follow its §3.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zerocity.core.models import City
from zerocity.core.money import MONEY_DIGITS

MONEY = MONEY_DIGITS


class DpsStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    INITIAL_EVALUATION = "initial_evaluation", _("Initial evaluation")
    ACTIVE = "active", _("Active")
    TERMINATED = "terminated", _("Terminated")
    CANCELLED = "cancelled", _("Cancelled")


class Dps(models.Model):
    """A dynamic purchasing system of the city (the contracting authority)."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="dps")
    reference = models.SlugField(max_length=60)
    title = models.CharField(max_length=300)
    justification = models.TextField(blank=True, help_text="DPS-01: why the purchases are "
                                     "commonly used ones the market meets")
    purchases = models.TextField(blank=True, help_text="DPS-05: nature and estimated quantity")
    operation = models.TextField(blank=True, help_text="DPS-05: how the system operates")
    equipment = models.TextField(blank=True, help_text="DPS-05: electronic equipment and "
                                 "technical connection")
    estimated_value = models.DecimalField(null=True, blank=True, **MONEY,
                                          help_text="DPS-11: all envisaged contracts, EUR")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True, help_text="last day of validity")
    status = models.CharField(max_length=20, choices=DpsStatus.choices,
                              default=DpsStatus.DRAFT)
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    initial_deadline = models.DateTimeField(null=True, blank=True)
    initial_extension_wd = models.PositiveSmallIntegerField(
        default=0, help_text="DPS-24: extra working days to evaluate initial requests, as "
        "published in the procurement documents")
    award_criteria = models.JSONField(default=list, blank=True)
    first_invitation_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "reference"]
        verbose_name = "DPS"
        verbose_name_plural = "DPS"
        constraints = [
            models.UniqueConstraint(fields=["city", "reference"], name="dps_unique_reference"),
            models.CheckConstraint(condition=models.Q(status__in=DpsStatus.values),
                                   name="dps_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id}/{self.reference}"


class Category(models.Model):
    """A category of the DPS (a food group, optionally a delivery area or a maximum contract
    size), with its own selection criteria (DPS-06)."""

    dps = models.ForeignKey(Dps, on_delete=models.PROTECT, related_name="categories")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    definition = models.TextField()
    selection_criteria = models.JSONField(default=list)
    max_contract_value = models.DecimalField(**MONEY)
    min_turnover = models.DecimalField(null=True, blank=True, **MONEY)
    delivery_area = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["dps", "code"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["dps", "code"], name="category_unique_code"),
            # DPS-27: a turnover requirement at most twice the largest specific contract
            models.CheckConstraint(
                condition=models.Q(min_turnover__isnull=True)
                | models.Q(min_turnover__lte=models.F("max_contract_value") * 2),
                name="category_turnover_proportionate"),
        ]

    def __str__(self) -> str:
        return f"{self.dps_id}/{self.code}"


class Operator(models.Model):
    """An economic operator: a farm, a cooperative, a wholesaler, or a group of them (DPS-30),
    with the people who act for it."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="food_operators")
    name = models.CharField(max_length=300)
    registration = models.CharField(max_length=40, help_text="registration or VAT number")
    group_members = models.JSONField(default=list, blank=True,
                                     help_text="DPS-30: the members of a group, if it is one")
    people = models.ManyToManyField("auth.User", blank=True, related_name="food_operators")
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "registration"],
                                    name="operator_unique_registration"),
        ]

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    SEALED = "sealed", _("Sealed until the initial deadline")
    UNDER_EVALUATION = "under_evaluation", _("Under evaluation")
    ADMITTED = "admitted", _("Admitted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(models.Model):
    """A request to participate, for one or more categories."""

    dps = models.ForeignKey(Dps, on_delete=models.PROTECT, related_name="applications")
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT,
                                 related_name="applications")
    categories = models.ManyToManyField(Category, related_name="applications")
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices)
    received_at = models.DateTimeField()
    initial = models.BooleanField(default=False,
                                  help_text="received before the initial deadline")
    decision_due = models.DateTimeField()
    extension_reason = models.CharField(max_length=500, blank=True,
                                        help_text="DPS-23: why 15 working days, not 10")
    exclusion_checks = models.JSONField(default=dict, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    late = models.BooleanField(default=False, help_text="decided after it was due")
    reasons = models.TextField(blank=True)

    class Meta:
        ordering = ["dps", "received_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ApplicationStatus.values),
                                   name="application_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.operator} → {self.dps_id}"


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Admitted")
    REDECLARATION_PENDING = "redeclaration_pending", _("Renewed self-declaration asked")
    EXCLUDED = "excluded", _("Excluded")
    LEFT = "left", _("Left")
    ENDED = "ended", _("Ended with the DPS")


class Membership(models.Model):
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="memberships")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="memberships")
    application = models.ForeignKey(Application, on_delete=models.PROTECT,
                                    related_name="memberships")
    status = models.CharField(max_length=24, choices=MembershipStatus.choices,
                              default=MembershipStatus.ACTIVE)
    since = models.DateTimeField()
    redeclaration_due = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["category", "operator"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "category"],
                                    name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.operator} in {self.category}"


class Message(models.Model):
    """A procedural communication (DPS-02, INV-9): sender, recipients, time and the SHA-256
    of its content, never changed."""

    dps = models.ForeignKey(Dps, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(max_length=40)
    sender = models.CharField(max_length=200)
    recipients = models.JSONField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    sent_at = models.DateTimeField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["dps", "sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.sent_at:%Y-%m-%d}"


# -- specific procurements and sealed tenders ----------------------------------------------

class ProcurementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    TENDERING = "tendering", _("Open for tenders")
    OPENING = "opening", _("Waiting to be opened")
    EVALUATION = "evaluation", _("Evaluation")
    AWARDED = "awarded", _("Award decided")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")
    CANCELLED = "cancelled", _("Cancelled")


class SpecificProcurement(models.Model):
    """A specific procurement ("povpraševanje") in one category of a DPS: every member of the
    category at the moment the invitation is sent is invited (``invitees``, a snapshot)."""

    dps = models.ForeignKey(Dps, on_delete=models.PROTECT, related_name="procurements")
    category = models.ForeignKey(Category, on_delete=models.PROTECT,
                                 related_name="procurements")
    reference = models.SlugField(max_length=60)
    title = models.CharField(max_length=300)
    estimated_value = models.DecimalField(**MONEY)
    criteria = models.JSONField(default=list, help_text="DPS-09: the notice's criteria, "
                                "at most formulated more precisely")
    lots = models.JSONField(default=list, blank=True)
    items = models.JSONField(default=list, blank=True,
                             help_text="what is bought: product, quantity, unit, "
                                       "specification and lot of each item")
    no_lots_reason = models.TextField(blank=True, help_text="DPS-47")
    status = models.CharField(max_length=14, choices=ProcurementStatus.choices,
                              default=ProcurementStatus.DRAFT)
    invitation_sent_at = models.DateTimeField(null=True, blank=True)
    tender_deadline = models.DateTimeField(null=True, blank=True)
    invitees = models.ManyToManyField(Operator, blank=True, related_name="invitations")
    public_key = models.BinaryField(blank=True, help_text="X25519: tenders are encrypted "
                                    "to it on arrival")
    opened_at = models.DateTimeField(null=True, blank=True)
    scores = models.JSONField(default=list, blank=True)
    awarded_tender = models.OneToOneField("Tender", on_delete=models.PROTECT, null=True,
                                          blank=True, related_name="+")
    awarded_at = models.DateTimeField(null=True, blank=True)
    award_notice_due = models.DateTimeField(null=True, blank=True, help_text="DPS-62")
    award_notice_sent_at = models.DateTimeField(null=True, blank=True, help_text="INV-7")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dps", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["dps", "reference"], name="procurement_unique"),
            models.CheckConstraint(condition=models.Q(status__in=ProcurementStatus.values),
                                   name="procurement_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.dps_id}/{self.reference}"


class Opener(models.Model):
    """One of the two people who open the tenders together (DPS-51's dual control): holds
    one share of the procedure's private key, encrypted with a key derived from their own
    passphrase, which the platform never stores."""

    procurement = models.ForeignKey(SpecificProcurement, on_delete=models.PROTECT,
                                    related_name="openers")
    user = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    salt = models.BinaryField()
    nonce = models.BinaryField()
    sealed_share = models.BinaryField()
    approved_at = models.DateTimeField(null=True, blank=True)
    share = models.BinaryField(null=True, blank=True,
                               help_text="the share, after the deadline, until the second "
                                         "opener approves")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["procurement", "user"], name="opener_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.procurement_id} opener {self.user_id}"


class TenderStatus(models.TextChoices):
    SEALED = "sealed", _("Sealed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    OPENED = "opened", _("Opened")


class LowPrice(models.TextChoices):
    """The abnormally-low-tender procedure (Art. 69, DPS-43): a flagged tender is explained
    before it is kept or rejected."""

    NOT_FLAGGED = "", _("Not flagged")
    ASKED = "asked", _("Explanation asked")
    ACCEPTED = "accepted", _("Explanation accepted")
    REJECTED = "rejected", _("Rejected as abnormally low")


class Tender(models.Model):
    """A tender, encrypted on arrival to the procedure's public key: nobody can read it
    before the deadline and the two openers' approval."""

    procurement = models.ForeignKey(SpecificProcurement, on_delete=models.PROTECT,
                                    related_name="tenders")
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="tenders")
    received_at = models.DateTimeField()
    ephemeral_key = models.BinaryField()
    nonce = models.BinaryField()
    ciphertext = models.BinaryField()
    sha256 = models.CharField(max_length=64, help_text="of the ciphertext: the receipt")
    status = models.CharField(max_length=10, choices=TenderStatus.choices,
                              default=TenderStatus.SEALED)
    content = models.JSONField(null=True, blank=True, help_text="only once opened")
    low_price = models.CharField(max_length=10, choices=LowPrice.choices, blank=True,
                                 default=LowPrice.NOT_FLAGGED)
    low_price_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["procurement", "received_at", "id"]

    def __str__(self) -> str:
        return f"{self.procurement_id} tender {self.pk}"


# -- contracts, deliveries and what they show ---------------------------------------------

class Institution(models.Model):
    """A participating institution: a school or kindergarten with its own budget."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="food_institutions")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, default="school")
    buyers = models.ManyToManyField("auth.User", blank=True, related_name="food_institutions")

    class Meta:
        ordering = ["city", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="institution_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """The contract of one institution with the procurement's winner."""

    procurement = models.ForeignKey(SpecificProcurement, on_delete=models.PROTECT,
                                    related_name="contracts")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="contracts")
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="contracts")
    value = models.DecimalField(**MONEY)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["procurement", "institution"]
        constraints = [
            models.UniqueConstraint(fields=["procurement", "institution"],
                                    name="contract_unique_institution"),
        ]

    def __str__(self) -> str:
        return f"{self.procurement_id} → {self.institution_id}"


class FreightFactor(models.Model):
    """An emission factor for deliveries, with where it comes from (research note §7.4):
    per tonne-km (average laden) or per vehicle-km."""

    key = models.SlugField(max_length=60)
    label = models.CharField(max_length=200)
    unit = models.CharField(max_length=12, choices=[("kgCO2e/tkm", "kg CO2e per tonne-km"),
                                                    ("kgCO2e/vkm", "kg CO2e per vehicle-km")])
    value = models.DecimalField(max_digits=10, decimal_places=4)
    source = models.CharField(max_length=300)
    year = models.PositiveSmallIntegerField()
    scope = models.CharField(max_length=4, default="TTW")

    class Meta:
        ordering = ["key", "unit", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["key", "unit", "year", "source"],
                                    name="freightfactor_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.value} {self.unit} ({self.source} {self.year})"


class Delivery(models.Model):
    """A delivery note under a contract: how it came (vehicle, distance from the dispatch
    point, whether the vehicle made the trip for this delivery alone and drove back empty)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = models.DateField()
    vehicle = models.SlugField(max_length=60, help_text="a FreightFactor key")
    distance_km = models.DecimalField(max_digits=8, decimal_places=1)
    dedicated = models.BooleanField(default=False, help_text="a trip for this delivery alone, "
                                    "back empty: counted by vehicle-km")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract", "delivered_on", "id"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.contract_id} {self.delivered_on}"


class DeliveryLine(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="lines")
    product = models.CharField(max_length=200)
    food_group = models.CharField(max_length=60)
    quantity_kg = models.DecimalField(max_digits=12, decimal_places=3)
    value = models.DecimalField(help_text="EUR, net of VAT", **MONEY)
    organic = models.BooleanField(default=False)
    quality_scheme = models.CharField(max_length=100, blank=True)
    production_region = models.CharField(max_length=10, blank=True,
                                         help_text="NUTS-3 code of the primary production")
    production_country = models.CharField(max_length=2, blank=True)
    intermediaries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "id"]

    def __str__(self) -> str:
        return f"{self.product} {self.quantity_kg} kg"


class Clarification(models.Model):
    """A question an invitee asks about a specific procurement, and the answer every invitee
    receives (without who asked)."""

    procurement = models.ForeignKey(SpecificProcurement, on_delete=models.PROTECT,
                                    related_name="clarifications")
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="+")
    question = models.TextField()
    asked_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["procurement", "asked_at", "id"]

    def __str__(self) -> str:
        return f"{self.procurement_id} question {self.pk}"


class FoodGroup(models.TextChoices):
    """The food groups of the catalogue and the deliveries, each with a production footprint
    (``ProductionFactor``)."""

    BEEF = "beef", _("Beef")
    PORK = "pork", _("Pork")
    POULTRY = "poultry", _("Poultry")
    FISH = "fish", _("Fish (farmed)")
    EGGS = "eggs", _("Eggs")
    MILK = "milk", _("Milk and yoghurt")
    CHEESE = "cheese", _("Cheese")
    BREAD = "bread", _("Bread and cereals")
    RICE = "rice", _("Rice")
    PULSES = "pulses", _("Pulses")
    POTATOES = "potatoes", _("Potatoes")
    ROOTS = "roots", _("Root vegetables")
    BRASSICAS = "brassicas", _("Cabbages and brassicas")
    TOMATOES = "tomatoes", _("Tomatoes")
    VEGETABLES = "vegetables", _("Other vegetables")
    APPLES = "apples", _("Apples")
    BERRIES = "berries", _("Berries and grapes")
    CITRUS = "citrus", _("Citrus")
    FRUIT = "fruit", _("Other fruit")


class ProductionFactor(models.Model):
    """The production footprint of a food group, farm to retail, with where it comes from
    (research note §7.3, §7.4)."""

    food_group = models.CharField(max_length=20, choices=FoodGroup.choices)
    value = models.DecimalField(max_digits=10, decimal_places=3, help_text="kg CO2e per kg")
    source = models.CharField(max_length=300)
    year = models.PositiveSmallIntegerField()
    statistic = models.CharField(max_length=10, default="mean")
    checked = models.BooleanField(default=True, help_text="seen in the source; false: a "
                                  "remembered value still to be checked")

    class Meta:
        ordering = ["food_group", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["food_group", "year", "source"],
                                    name="productionfactor_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.food_group} {self.value} kg CO2e/kg ({self.source} {self.year})"


class CatalogueItem(models.Model):
    """A product in a supplier's catalogue (the city's "katalog živil")."""

    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="catalogue")
    product = models.CharField(max_length=200)
    food_group = models.CharField(max_length=20, choices=FoodGroup.choices)
    unit = models.CharField(max_length=20, default="kg")
    price = models.DecimalField(max_digits=10, decimal_places=2, help_text="EUR per unit, "
                                "net of VAT")
    quality_scheme = models.CharField(max_length=100, blank=True,
                                      help_text="e.g. 'izbrana kakovost', 'PDO' (SI-01)")
    organic = models.BooleanField(default=False)
    production_place = models.CharField(max_length=200, blank=True)
    production_region = models.CharField(max_length=10, blank=True,
                                         help_text="NUTS-3 code of the primary production")
    production_country = models.CharField(max_length=2, blank=True)
    intermediaries = models.PositiveSmallIntegerField(default=0)
    delivery_days = models.JSONField(default=list, blank=True,
                                     help_text="ISO weekdays, 1 = Monday")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operator", "food_group", "product"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "product"],
                                    name="catalogue_unique_product"),
        ]

    def __str__(self) -> str:
        return f"{self.operator}: {self.product}"
