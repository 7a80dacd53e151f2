"""Contracts per institution, deliveries, and what they show: the outcome indicators of the
research note §7.5 — never award criteria.

- Shares are by value, net of VAT, per institution and year: organic (legal minimum 15 %),
  quality schemes (legal minimum 20 %; both minimums are the national profile's, ``law``),
  local (primary production in the city's NUTS-3 region, ``City.nuts3``), national origin
  (produced in the city's country), short supply chain (at most one intermediary).
- Food-miles: tonne-km (mass x distance) and vehicle-km.
- Transport CO2e of each delivery by the method its data allows (§7.1): a dedicated trip
  (this delivery alone, back empty) by vehicle-km, twice the distance x the vehicle's factor
  per km; any other by tonne-km with the average-laden factor. Every result names its method
  and the factor's source and year.
- Production CO2e by food group: kg delivered x the group's footprint per kg (§7.3), the main
  climate lever of a menu; lines of a group without a factor are counted as not covered.
- ``publish`` hands the monthly totals per institution to the data platform as the open
  dataset ``food-deliveries``, from which the plan's indicators are fed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.food import law
from zerocity.food.errors import FormRejected
from zerocity.food.factors import production_factors
from zerocity.food.models import (
    Contract,
    Delivery,
    DeliveryLine,
    FoodGroup,
    FreightFactor,
    Institution,
    ProcurementStatus,
    SpecificProcurement,
)
from zerocity.food.text import money, parse_decimal

SHORT_CHAIN_MAX = 1  # intermediaries


@transaction.atomic
def sign_contracts(sp: SpecificProcurement, values: dict[Institution, Decimal | str], *,
                   at: datetime, by: Person | None = None, actor: str = "") -> list[Contract]:
    """One contract per institution with the winner, within the procurement's value."""
    sp = SpecificProcurement.objects.select_for_update(of=("self",)).select_related(
        "awarded_tender__operator", "dps").get(pk=sp.pk)
    if sp.status != ProcurementStatus.AWARDED or sp.awarded_tender is None:
        raise Conflict(_("Contracts are signed after the award."))
    amounts = {i: Decimal(str(v)) for i, v in values.items()}
    if not amounts or any(v <= 0 for v in amounts.values()):
        raise FormRejected([(i.name, _("enter the contract's value, above 0 EUR."))
                            for i, v in amounts.items() if v <= 0]
                           or [(_("Contracts"), _("enter at least one institution's "
                                                  "contract value."))])
    if any(i.city_id != sp.dps.city_id for i in amounts):
        raise Conflict(_("Only the city's own institutions sign contracts here."))
    if sum(amounts.values()) > sp.estimated_value:
        raise Conflict(_("The contracts add up to %(sum)s, more than the procurement's "
                         "%(value)s; lower them.") % {"sum": money(sum(amounts.values())),
                                                       "value": money(sp.estimated_value)})
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
        raise Conflict(_("There is no emission factor for this vehicle on this kind of "
                         "trip; choose another vehicle (no freight factor %(key)s in "
                         "%(unit)s).") % {"key": key, "unit": unit})
    return found


def vehicles() -> list[tuple[str, str]]:
    """The vehicles a delivery can name: each freight factor's key and label."""
    return sorted({(f.key, f.label) for f in FreightFactor.objects.all()})


def estimate_transport(vehicle: str, distance_km: Decimal | str, kg: Decimal | str, *,
                       dedicated: bool = False) -> Transport:
    """Transport CO2e of one delivery before it is made, for a supplier filling in a tender
    or a kitchen checking a delivery: distance x vehicle (x mass), by the method of
    ``transport`` and with the same DESNZ/DEFRA factors (research note §7.1, §7.2; its worked
    example: 40 kg by diesel van from 15 km on a shared round is 0.36 kg, on a dedicated trip
    7.5 kg). Every mistake is refused at once."""
    errors: list[tuple[str, str]] = []
    distance = parse_decimal(str(distance_km))
    mass = parse_decimal(str(kg))
    if distance is None or distance < 0:
        errors.append((_("Distance (km)"), _("enter a distance of 0 km or more.")))
    if mass is None or mass <= 0:
        errors.append((_("Food per delivery (kg)"), _("enter the kilograms of one "
                                                      "delivery, above 0.")))
    unit = "kgCO2e/vkm" if dedicated else "kgCO2e/tkm"
    if not FreightFactor.objects.filter(key=vehicle, unit=unit).exists():
        errors.append((_("Vehicle"), _("choose one of the vehicles listed") + (
            _(" (for a trip made for this delivery alone: a diesel van or car)")
            if dedicated else "") + "."))
    if errors:
        raise FormRejected(errors)
    assert distance is not None and mass is not None
    return _transport(vehicle, distance, dedicated, mass, None)


def contract_items(contract: Contract) -> list[dict[str, Any]]:
    """The rows a delivery note starts from: each item the procurement bought, with what the
    winner's catalogue says of the product of that name (food group, organic, quality scheme,
    where it was produced, intermediaries); without items, the winner's products in the
    category's food groups."""
    sp = contract.procurement
    offered = {i.product.casefold(): i for i in contract.operator.catalogue.filter(active=True)}
    rows: list[dict[str, Any]] = []
    names = [str(i.get("product", "")) for i in sp.items] or [
        i.product for i in offered.values()]
    for name in names:
        item = offered.get(name.casefold())
        rows.append({"product": name,
                     "food_group": item.food_group if item else "",
                     "organic": item.organic if item else False,
                     "quality_scheme": item.quality_scheme if item else "",
                     "production_region": item.production_region if item else "",
                     "production_country": item.production_country if item else "",
                     "intermediaries": item.intermediaries if item else 0,
                     "price": item.price if item else None})
    return rows


# A mistake of a delivery note: the input it is about (``delivered_on``, ``kg_3`` for the
# grid's fourth row), what the person calls that field, and what to enter.
Problem = tuple[str, str, str]


def check_delivery(contract: Contract, *, delivered_on: Any, vehicle: str,
                   distance_km: Decimal | str, lines: list[dict[str, Any]],
                   dedicated: bool = False) -> tuple[date | None, Decimal | None,
                                                      list[dict[str, Any]], list[Problem]]:
    """A delivery note read and checked, every mistake of the note and of each line at once:
    the day, the distance, the clean lines and the problems (none when it can be kept). A
    line may say which ``row`` of the page's grid it came from, so that its mistakes are
    shown beside its fields."""
    errors: list[Problem] = []
    if not lines:
        errors.append(("", _("Lines"), _("a delivery has at least one line with a product.")))
    day: date | None = delivered_on if isinstance(delivered_on, date) else None
    if isinstance(delivered_on, str):
        try:
            day = date.fromisoformat(delivered_on)
        except ValueError:
            errors.append(("delivered_on", _("Delivered on"),
                           _("enter the day of the delivery.")))
    if day is not None and day < contract.institution.city.calendar.local_date(
            contract.signed_at):
        errors.append(("delivered_on", _("Delivered on"),
                       _("a delivery is not dated before the contract was signed.")))
    distance = (distance_km if isinstance(distance_km, Decimal)
                else parse_decimal(str(distance_km)))
    if distance is None or distance < 0:
        errors.append(("distance_km", _("Distance (km)"),
                       _("enter the distance, 0 km or more.")))
    unit = "kgCO2e/vkm" if dedicated else "kgCO2e/tkm"
    if not FreightFactor.objects.filter(key=vehicle, unit=unit).exists():
        errors.append(("vehicle", _("Vehicle"), _(
            "there is no emission factor for this vehicle on this kind of trip (no freight "
            "factor %(key)s); choose another.") % {"key": vehicle}))
    clean: list[dict[str, Any]] = []
    for n, line in enumerate(lines, start=1):
        where = _("Line %(n)s (%(product)s)") % {"n": n, "product": line.get("product", "")}
        row = line.get("row", n - 1)
        qty = _number(line.get("quantity_kg"))
        value = _number(line.get("value"))
        if qty is None or qty <= 0:
            errors.append((f"kg_{row}", f"{where}, kg",
                           _("enter the kilograms delivered, above 0.")))
        if value is None or value < 0:
            errors.append((f"value_{row}", f"{where}, EUR",
                           _("enter the value net of VAT, 0 or more.")))
        if line.get("food_group") not in FoodGroup.values:
            errors.append((f"group_{row}", f"{where}, {_('food group')}",
                           _("choose a food group.")))
        try:
            intermediaries = int(line.get("intermediaries") or 0)
            if intermediaries < 0:
                raise ValueError
        except (TypeError, ValueError):
            intermediaries = 0
            errors.append((f"intermediaries_{row}", f"{where}, {_('intermediaries')}",
                           _("enter a whole number, 0 or more.")))
        clean.append({**line, "quantity_kg": qty, "value": value,
                      "intermediaries": intermediaries})
    return day, distance, clean, errors


@transaction.atomic
def record_delivery(contract: Contract, *, delivered_on: Any, vehicle: str,
                    distance_km: Decimal | str, lines: list[dict[str, Any]],
                    dedicated: bool = False, by: Person | None = None, actor: str = "") -> Delivery:
    """Keep a delivery note. Every mistake, of the note and of each line, is refused at once,
    each naming its line and field (``FormRejected``, from ``check_delivery``)."""
    day, distance, clean, errors = check_delivery(
        contract, delivered_on=delivered_on, vehicle=vehicle, distance_km=distance_km,
        lines=lines, dedicated=dedicated)
    if errors:
        raise FormRejected([(label, problem) for _input, label, problem in errors])
    assert day is not None and distance is not None
    delivery = Delivery.objects.create(contract=contract, delivered_on=day,
                                       vehicle=vehicle, distance_km=distance,
                                       dedicated=dedicated)
    for line in clean:
        qty, value, intermediaries = line["quantity_kg"], line["value"], line["intermediaries"]
        DeliveryLine.objects.create(
            delivery=delivery, product=str(line.get("product", ""))[:200],
            food_group=str(line.get("food_group", ""))[:60], quantity_kg=qty, value=value,
            organic=bool(line.get("organic")),
            quality_scheme=str(line.get("quality_scheme", ""))[:100],
            production_region=str(line.get("production_region", ""))[:10],
            production_country=str(line.get("production_country", ""))[:2].upper(),
            intermediaries=intermediaries)
    audit.record("food.delivery", city=contract.institution.city, user=by, actor=actor,
                 obj=delivery, lines=len(lines))
    return delivery


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, int | float):
        return Decimal(str(raw))
    return parse_decimal(str(raw or ""))


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
    kg = sum((line.quantity_kg for line in delivery.lines.all()), Decimal(0))
    return _transport(delivery.vehicle, delivery.distance_km, delivery.dedicated, kg, factors)


def _transport(vehicle: str, distance_km: Decimal, dedicated: bool, kg: Decimal,
               factors: dict[tuple[str, str], FreightFactor] | None) -> Transport:
    def get(key: str, unit: str) -> FreightFactor:
        return factors[(key, unit)] if factors and (key, unit) in factors else factor(key, unit)

    tkm = kg / 1000 * distance_km
    if dedicated:
        f = get(vehicle, "kgCO2e/vkm")
        vkm = 2 * distance_km
        co2e = vkm * f.value
        method = "vehicle-km"
    else:
        f = get(vehicle, "kgCO2e/tkm")
        vkm = Decimal(0)
        co2e = tkm * f.value
        method = "tonne-km"
    return Transport(method, tkm, vkm, co2e, f"{f.label}: {f.value} {f.unit}, {f.source} "
                                             f"{f.year}")


@dataclass
class Outcomes:
    value: Decimal = Decimal(0)
    kg: Decimal = Decimal(0)
    organic: Decimal = Decimal(0)
    quality: Decimal = Decimal(0)
    local: Decimal = Decimal(0)
    national: Decimal = Decimal(0)
    short_chain: Decimal = Decimal(0)
    tonne_km: Decimal = Decimal(0)
    vehicle_km: Decimal = Decimal(0)
    transport_kg_co2e: Decimal = Decimal(0)
    methods: dict[str, int] = field(default_factory=dict)
    production_kg_co2e: Decimal = Decimal(0)
    production_by_group: dict[str, Decimal] = field(default_factory=dict)
    kg_by_group: dict[str, Decimal] = field(default_factory=dict)
    kg_without_factor: Decimal = Decimal(0)
    # the legal minimum shares of the city's national profile (None: no profile)
    organic_min: Decimal | None = None
    quality_min: Decimal | None = None

    def share(self, part: Decimal) -> Decimal | None:
        return None if not self.value else (100 * part / self.value).quantize(Decimal("0.1"))

    @property
    def organic_ok(self) -> bool | None:
        s = self.share(self.organic)
        return None if s is None or self.organic_min is None else s >= self.organic_min

    @property
    def quality_ok(self) -> bool | None:
        s = self.share(self.quality)
        return None if s is None or self.quality_min is None else s >= self.quality_min

    @property
    def co2e_per_kg(self) -> Decimal | None:
        return None if not self.kg else self.transport_kg_co2e / self.kg

    def kpis(self) -> dict[str, Any]:
        """The figures a page shows, by name."""
        return {"value": self.value, "kg": self.kg, "organic": self.share(self.organic),
                "quality": self.share(self.quality), "local": self.share(self.local),
                "national": self.share(self.national),
                "short_chain": self.share(self.short_chain), "organic_ok": self.organic_ok,
                "quality_ok": self.quality_ok, "organic_min": self.organic_min,
                "quality_min": self.quality_min, "tonne_km": self.tonne_km,
                "vehicle_km": self.vehicle_km, "transport": self.transport_kg_co2e,
                "transport_per_kg": self.co2e_per_kg, "production": self.production_kg_co2e,
                "production_per_kg": self.production_per_kg,
                "by_group": sorted(self.production_by_group.items(), key=lambda kv: -kv[1]),
                "methods": self.methods}

    @property
    def production_per_kg(self) -> Decimal | None:
        covered = self.kg - self.kg_without_factor
        return None if not covered else self.production_kg_co2e / covered


def outcomes(city: City, year: int, institution: Institution | None = None, *,
             month: int | None = None) -> Outcomes:
    """The year's (or one month's) outcome indicators for one institution, or for the whole
    city."""
    deliveries = Delivery.objects.filter(contract__institution__city=city,
                                         delivered_on__year=year)
    if month is not None:
        deliveries = deliveries.filter(delivered_on__month=month)
    if institution is not None:
        deliveries = deliveries.filter(contract__institution=institution)
    return _add_up(city, deliveries)[None]


def by_institution(city: City, year: int) -> tuple[Outcomes, dict[int, Outcomes]]:
    """The year's outcomes for the city and for each institution (by id), in one pass."""
    totals = _add_up(city, Delivery.objects.filter(contract__institution__city=city,
                                                   delivered_on__year=year),
                     group=lambda d: d["contract__institution_id"])
    city_wide = totals.pop(None)
    return city_wide, {k: v for k, v in totals.items() if k is not None}


LINE_FIELDS = ("delivery_id", "value", "quantity_kg", "organic", "quality_scheme",
               "production_region", "production_country", "intermediaries", "food_group")


def _add_up(city: City, deliveries: Any, group: Callable[[dict[str, Any]], Any] | None = None
            ) -> dict[Any, Outcomes]:
    """The outcomes of ``deliveries`` under the key None, and per ``group(delivery)`` when
    given; two queries whatever the number of deliveries: the deliveries, then their lines."""
    national = law.profile(city)
    origin = Origin(city.country, city.nuts3)
    factors: dict[tuple[str, str], FreightFactor] = {}
    for f in FreightFactor.objects.order_by("year"):  # the newest of a key and unit wins
        factors[(f.key, f.unit)] = f
    footprints = production_factors()
    found = {d["id"]: d for d in deliveries.values(
        "id", "contract__institution_id", "contract__institution__code", "delivered_on",
        "vehicle", "distance_km", "dedicated")}
    lines: dict[int, list[dict[str, Any]]] = {pk: [] for pk in found}
    for line in DeliveryLine.objects.filter(delivery__in=deliveries).values(*LINE_FIELDS):
        lines[line["delivery_id"]].append(line)
    def fresh() -> Outcomes:
        return Outcomes(organic_min=national.organic_min if national else None,
                        quality_min=national.quality_min if national else None)

    out: dict[Any, Outcomes] = {None: fresh()}
    for pk, d in found.items():
        kg = sum((line["quantity_kg"] for line in lines[pk]), Decimal(0))
        t = _transport(d["vehicle"], d["distance_km"], d["dedicated"], kg, factors)
        targets = [out[None]]
        if group is not None:
            targets.append(out.setdefault(group(d), fresh()))
        for o in targets:
            _add_delivery(o, lines[pk], t, footprints, origin)
    return out


@dataclass(frozen=True)
class Origin:
    """What counts as national and as local for the city: its country and NUTS-3 region."""

    country: str
    region: str


def _add_delivery(out: Outcomes, lines: list[dict[str, Any]], t: Transport,
                  footprints: dict[str, Any], origin: Origin) -> None:
    for line in lines:
        value, kg = line["value"], line["quantity_kg"]
        out.value += value
        out.kg += kg
        out.organic += value if line["organic"] else 0
        out.quality += value if line["quality_scheme"] else 0
        out.local += value if origin.region and line["production_region"] == origin.region \
            else 0
        out.national += value if line["production_country"] == origin.country else 0
        out.short_chain += value if line["intermediaries"] <= SHORT_CHAIN_MAX else 0
        group = line["food_group"]
        out.kg_by_group[group] = out.kg_by_group.get(group, Decimal(0)) + kg
        if group in footprints:
            co2e = kg * footprints[group].value
            out.production_kg_co2e += co2e
            out.production_by_group[group] = out.production_by_group.get(
                group, Decimal(0)) + co2e
        else:
            out.kg_without_factor += kg
    out.tonne_km += t.tonne_km
    out.vehicle_km += t.vehicle_km
    out.transport_kg_co2e += t.kg_co2e
    out.methods[t.method] = out.methods.get(t.method, 0) + 1


# -- what leaves the module: the open dataset and the plan's indicators -----------------------

SOURCE_KEY = "food-deliveries"
SCHEMA = {q: {"unit": u, "min": 0} for q, u in (
    ("value", "EUR"), ("organic_value", "EUR"), ("quality_value", "EUR"),
    ("local_value", "EUR"), ("national_value", "EUR"), ("short_chain_value", "EUR"),
    ("kg", "kg"), ("tonne_km", "t*km"), ("transport_co2e", "kg"), ("production_co2e", "kg"))}


def source(city: City) -> Any:
    from zerocity.data.models import Publication, SourceKind
    from zerocity.data.services import add_source

    return add_source(
        city, SOURCE_KEY, name="Food for schools and kindergartens (deliveries)",
        kind=SourceKind.FOOD_DELIVERIES, schema=SCHEMA, owner=f"{city.name} joint food DPS",
        frequency="monthly", timezone=city.timezone, licence="CC-BY-4.0",
        publication=Publication.OPEN, actor="food",
        description="Per institution and month: value of food delivered (EUR, net of VAT), "
                    f"of it organic, quality-scheme, local ({city.region or city.nuts3}), "
                    f"of national origin ({city.country}) and short-chain; kg, tonne-km, "
                    "transport and production CO2e.")


def readings(city: City, year: int) -> list[dict[str, Any]]:
    """One reading per institution, month and quantity of the year's deliveries, for the
    months that have ended."""
    cal = city.calendar
    today = cal.today()
    whole = [m for m in range(1, 13)  # only months that have ended: the figures are final
             if date(year + m // 12, m % 12 + 1, 1) <= today]
    totals = _add_up(city, Delivery.objects.filter(contract__institution__city=city,
                                                   delivered_on__year=year,
                                                   delivered_on__month__in=whole),
                     group=lambda d: (d["contract__institution__code"], d["delivered_on"].month))
    totals.pop(None)
    out = []
    for (code, month), o in sorted(totals.items()):
        if not o.value and not o.kg:
            continue
        at = cal.month_start(year, month).isoformat()  # the city's month, whatever its zone
        figures = {"value": o.value, "organic_value": o.organic, "quality_value": o.quality,
                   "local_value": o.local, "national_value": o.national,
                   "short_chain_value": o.short_chain, "kg": o.kg, "tonne_km": o.tonne_km,
                   "transport_co2e": o.transport_kg_co2e,
                   "production_co2e": o.production_kg_co2e}
        out += [{"meter": code, "time": at, "quantity": q, "value": float(v),
                 "unit": SCHEMA[q]["unit"]} for q, v in figures.items()]
    return out


def publish(city: City, year: int, *, by: Person | None = None, actor: str = "") -> Any:
    """Hand the year's monthly totals per institution to the data platform (one batch); the
    same figures again change nothing there."""
    from zerocity.data.services import ingest_records

    rows = readings(city, year)
    if not rows:
        raise Conflict(_("No deliveries are recorded in %(year)s; there is nothing to "
                         "publish.") % {"year": year})
    done = ingest_records(source(city), rows, by=by, actor=actor or "food",
                          filename=f"food-deliveries-{year}.json")
    if not done.replayed:
        audit.record("food.outcomes_published", city=city, user=by, actor=actor, year=year,
                     batch=done.value.pk)
    return done.value
