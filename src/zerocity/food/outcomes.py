"""Contracts per institution, deliveries, and what they show: the outcome indicators of the
research note §7.5 — never award criteria.

- Shares are by value, net of VAT, per institution and year: organic (legal minimum 15 %),
  quality schemes (legal minimum 20 %), local (primary production in the target region,
  ``LOCAL_REGION``), Slovenian origin, short supply chain (at most one intermediary).
- Food-miles: tonne-km (mass x distance) and vehicle-km.
- Transport CO2e of each delivery by the method its data allows (§7.1): a dedicated trip
  (this delivery alone, back empty) by vehicle-km, twice the distance x the vehicle's factor
  per km; any other by tonne-km with the average-laden factor. Every result names its method
  and the factor's source and year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from zerocity.core import audit
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.food.models import (
    Contract,
    Delivery,
    DeliveryLine,
    FreightFactor,
    Institution,
    ProcurementStatus,
    SpecificProcurement,
)

ORGANIC_MIN, QUALITY_MIN = Decimal("15"), Decimal("20")  # SI-01, % by value
LOCAL_REGION = "SI042"  # Gorenjska (NUTS-3); the research note asks to confirm the code
SHORT_CHAIN_MAX = 1  # intermediaries


@transaction.atomic
def sign_contracts(sp: SpecificProcurement, values: dict[Institution, Decimal | str], *,
                   at: datetime, by: Any = None, actor: str = "") -> list[Contract]:
    """One contract per institution with the winner, within the procurement's value."""
    sp = SpecificProcurement.objects.select_for_update(of=("self",)).select_related(
        "awarded_tender__operator", "dps").get(pk=sp.pk)
    if sp.status != ProcurementStatus.AWARDED or sp.awarded_tender is None:
        raise Conflict("contracts follow an award")
    amounts = {i: Decimal(str(v)) for i, v in values.items()}
    if not amounts or any(v <= 0 for v in amounts.values()):
        raise Conflict("each institution's contract has a value above 0")
    if any(i.city_id != sp.dps.city_id for i in amounts):
        raise Conflict("the institutions take part in this city's DPS")
    if sum(amounts.values()) > sp.estimated_value:
        raise Conflict(f"the contracts add up to more than the procurement's "
                       f"{sp.estimated_value} EUR")
    contracts = [Contract.objects.create(procurement=sp, institution=i,
                                         operator=sp.awarded_tender.operator, value=v,
                                         signed_at=at)
                 for i, v in sorted(amounts.items(), key=lambda kv: kv[0].code)]
    audit.record("food.contracts_signed", city=sp.dps.city, user=by, actor=actor, obj=sp,
                 institutions=[c.institution.code for c in contracts])
    return contracts


def factor(key: str, unit: str) -> FreightFactor:
    found = FreightFactor.objects.filter(key=key, unit=unit).order_by("-year").first()
    if found is None:
        raise Conflict(f"no freight factor {key!r} in {unit}")
    return found


@transaction.atomic
def record_delivery(contract: Contract, *, delivered_on: Any, vehicle: str,
                    distance_km: Decimal | str, lines: list[dict[str, Any]],
                    dedicated: bool = False, by: Any = None, actor: str = "") -> Delivery:
    if not lines:
        raise Conflict("a delivery has at least one line")
    distance = Decimal(str(distance_km))
    if distance < 0:
        raise Conflict("the distance is 0 km or more")
    factor(vehicle, "kgCO2e/vkm" if dedicated else "kgCO2e/tkm")  # known before it is kept
    delivery = Delivery.objects.create(contract=contract, delivered_on=delivered_on,
                                       vehicle=vehicle, distance_km=distance,
                                       dedicated=dedicated)
    for n, line in enumerate(lines, start=1):
        try:
            qty, value = Decimal(str(line["quantity_kg"])), Decimal(str(line["value"]))
        except (KeyError, ArithmeticError):
            raise Conflict(f"line {n}: quantity_kg and value are numbers") from None
        if qty <= 0 or value < 0:
            raise Conflict(f"line {n}: a positive quantity and a value of 0 or more")
        DeliveryLine.objects.create(
            delivery=delivery, product=str(line.get("product", ""))[:200],
            food_group=str(line.get("food_group", ""))[:60], quantity_kg=qty, value=value,
            organic=bool(line.get("organic")),
            quality_scheme=str(line.get("quality_scheme", ""))[:100],
            production_region=str(line.get("production_region", ""))[:10],
            production_country=str(line.get("production_country", ""))[:2].upper(),
            intermediaries=int(line.get("intermediaries", 0)))
    audit.record("food.delivery", city=contract.institution.city, user=by, actor=actor,
                 obj=delivery, lines=len(lines))
    return delivery


@dataclass(frozen=True)
class Transport:
    method: str  # "tonne-km" or "vehicle-km"
    tonne_km: Decimal
    vehicle_km: Decimal
    kg_co2e: Decimal
    factor: str


def transport(delivery: Delivery, factors: dict[tuple[str, str], FreightFactor] | None = None
              ) -> Transport:
    """Transport CO2e of one delivery (research note §7.1); ``factors`` (key, unit) -> factor
    saves a query per delivery when many are computed."""
    def get(key: str, unit: str) -> FreightFactor:
        return factors[(key, unit)] if factors and (key, unit) in factors else factor(key, unit)

    tonnes = sum((line.quantity_kg for line in delivery.lines.all()), Decimal(0)) / 1000
    tkm = tonnes * delivery.distance_km
    if delivery.dedicated:
        f = get(delivery.vehicle, "kgCO2e/vkm")
        vkm = 2 * delivery.distance_km
        kg = vkm * f.value
        method = "vehicle-km"
    else:
        f = get(delivery.vehicle, "kgCO2e/tkm")
        vkm = Decimal(0)
        kg = tkm * f.value
        method = "tonne-km"
    return Transport(method, tkm, vkm, kg, f"{f.label}: {f.value} {f.unit}, {f.source} "
                                           f"{f.year}")


@dataclass
class Outcomes:
    value: Decimal = Decimal(0)
    kg: Decimal = Decimal(0)
    organic: Decimal = Decimal(0)
    quality: Decimal = Decimal(0)
    local: Decimal = Decimal(0)
    slovenian: Decimal = Decimal(0)
    short_chain: Decimal = Decimal(0)
    tonne_km: Decimal = Decimal(0)
    vehicle_km: Decimal = Decimal(0)
    transport_kg_co2e: Decimal = Decimal(0)
    methods: dict[str, int] = field(default_factory=dict)

    def share(self, part: Decimal) -> Decimal | None:
        return None if not self.value else (100 * part / self.value).quantize(Decimal("0.1"))

    @property
    def organic_ok(self) -> bool | None:
        s = self.share(self.organic)
        return None if s is None else s >= ORGANIC_MIN

    @property
    def quality_ok(self) -> bool | None:
        s = self.share(self.quality)
        return None if s is None else s >= QUALITY_MIN

    @property
    def co2e_per_kg(self) -> Decimal | None:
        return None if not self.kg else self.transport_kg_co2e / self.kg


def outcomes(city: City, year: int, institution: Institution | None = None) -> Outcomes:
    """The year's outcome indicators for one institution, or for the whole city."""
    deliveries = Delivery.objects.filter(contract__institution__city=city,
                                         delivered_on__year=year)
    if institution is not None:
        deliveries = deliveries.filter(contract__institution=institution)
    out = Outcomes()
    factors: dict[tuple[str, str], FreightFactor] = {}
    for f in FreightFactor.objects.order_by("year"):  # the newest of a key and unit wins
        factors[(f.key, f.unit)] = f
    for d in deliveries.prefetch_related("lines"):
        for line in d.lines.all():
            out.value += line.value
            out.kg += line.quantity_kg
            out.organic += line.value if line.organic else 0
            out.quality += line.value if line.quality_scheme else 0
            out.local += line.value if line.production_region == LOCAL_REGION else 0
            out.slovenian += line.value if line.production_country == "SI" else 0
            out.short_chain += line.value if line.intermediaries <= SHORT_CHAIN_MAX else 0
        t = transport(d, factors)
        out.tonne_km += t.tonne_km
        out.vehicle_km += t.vehicle_km
        out.transport_kg_co2e += t.kg_co2e
        out.methods[t.method] = out.methods.get(t.method, 0) + 1
    return out
