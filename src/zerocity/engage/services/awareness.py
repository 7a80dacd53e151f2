"""Raising awareness: pledges with their estimated savings, and a personal footprint calculator
compared with the city's inventory per person. Every factor is shown with its source.

Factors (kg CO2e):
- electricity: Slovenia's grid, 0.25 kg/kWh (ARSO/Borzen residual-mix order of magnitude;
  the inventory's own electricity factor is used where the city has one);
- natural gas 0.202 kg/kWh, heating oil 0.267 kg/kWh (IPCC 2006 defaults, as the inventory);
- district heat: the city's factor where the inventory has one, else 0.25 kg/kWh;
- car: 0.17 kg/km (DEFRA 2023 average car, as the card's ridership), bus 0.10 kg/passenger-km
  (DEFRA 2023 local bus);
- food: by diet, per year (Scarborough et al. 2014, Climatic Change 125:179, UK diets scaled to
  a year: high meat 2,630 kg, medium 2,050, low 1,710, vegetarian 1,390, vegan 1,060).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.core.translations import per_language
from zerocity.engage.models import Pledge, PledgeTaken

FACTORS: dict[str, tuple[Decimal, StrOrPromise]] = {
    "electricity_kwh": (Decimal("0.25"), _("Slovenian grid electricity, kg CO2e/kWh")),
    "gas_kwh": (Decimal("0.202"), _("natural gas, IPCC 2006 default, kg CO2e/kWh")),
    "oil_kwh": (Decimal("0.267"), _("heating oil, IPCC 2006 default, kg CO2e/kWh")),
    "district_heat_kwh": (Decimal("0.25"), _("district heat, kg CO2e/kWh")),
    "car_km": (Decimal("0.17"), _("average car, DEFRA 2023, kg CO2e/km")),
    "bus_km": (Decimal("0.10"), _("local bus, DEFRA 2023, kg CO2e/passenger-km")),
}
# The calculator's fields as its form names them, for the messages about a wrong answer.
FIELD_LABELS: dict[str, StrOrPromise] = {
    "household": _("People in your household"),
    "electricity_kwh": _("Electricity a year (kWh)"),
    "gas_kwh": _("Natural gas a year (kWh)"),
    "oil_kwh": _("Heating oil a year (kWh)"),
    "district_heat_kwh": _("District heat a year (kWh)"),
    "car_km": _("Car a year (km)"),
    "bus_km": _("Bus a year (km)"),
    "diet": _("Your diet"),
}
DIETS: dict[str, Decimal] = {  # kg CO2e a year, Scarborough et al. 2014 (x 365)
    "high_meat": Decimal("2630"), "medium_meat": Decimal("2050"), "low_meat": Decimal("1710"),
    "vegetarian": Decimal("1390"), "vegan": Decimal("1060")}
# The study's diet groups in words a person recognises (its meat-eaters by grams a day).
DIET_LABELS: dict[str, StrOrPromise] = {
    "high_meat": _("A lot of meat (100 g a day or more)"),
    "medium_meat": _("Some meat (50 to 99 g a day)"),
    "low_meat": _("Little meat (under 50 g a day)"),
    "vegetarian": _("Vegetarian"),
    "vegan": _("Vegan"),
}
DIETS_SOURCE = _("Scarborough et al. 2014, Climatic Change 125:179 (UK diets, per person)")

PLEDGES = [  # key, title, kg CO2e a year, method (English; Slovenian in PLEDGES_SL)
    ("car-free-week", "A car-free week each month",
     Decimal("0.17") * 150 * 12,
     "150 km a week not driven, 12 weeks a year, x 0.17 kg CO2e/km (DEFRA 2023 average car)"),
    ("bus-to-work", "Take the bus to work",
     (Decimal("0.17") - Decimal("0.10")) * 20 * 220,
     "20 km a day on 220 working days by bus instead of car: (0.17 - 0.10) kg CO2e/km "
     "(DEFRA 2023 car and local bus)"),
    ("district-heating", "Switch from a gas boiler to district heating",
     (Decimal("0.202") - Decimal("0.25") * Decimal("0.6")) * 12000,
     "12,000 kWh of heat a year: gas 0.202 kg/kWh (IPCC) against district heat at 60 % of "
     "0.25 kg/kWh as Kranj's network takes in renewable heat (assumption, to be replaced by "
     "the network's own factor)"),
    ("meat-free-days", "Three meat-free days a week",
     (DIETS["medium_meat"] - DIETS["low_meat"]),
     "from a medium-meat to a low-meat diet (Scarborough et al. 2014)"),
]


PLEDGES_SL = {  # key: (title, method)
    "car-free-week": ("En teden na mesec brez avtomobila",
                      "150 km na teden manj z avtomobilom, 12 tednov na leto, x 0,17 kg "
                      "CO2e/km (DEFRA 2023, povprečni avtomobil)"),
    "bus-to-work": ("Na delo z avtobusom",
                    "20 km na dan v 220 delovnih dneh z avtobusom namesto z avtomobilom: "
                    "(0,17 - 0,10) kg CO2e/km (DEFRA 2023, avtomobil in mestni avtobus)"),
    "district-heating": ("Namesto plinskega kotla daljinsko ogrevanje",
                         "12.000 kWh toplote na leto: plin 0,202 kg/kWh (IPCC) proti "
                         "daljinski toploti s 60 % od 0,25 kg/kWh, ko kranjsko omrežje "
                         "prevzema obnovljivo toploto (predpostavka, dokler omrežje ne objavi "
                         "svojega faktorja)"),
    "meat-free-days": ("Trije dnevi na teden brez mesa",
                       "s prehrane z zmerno količino mesa na prehrano z malo mesa "
                       "(Scarborough idr. 2014)"),
}


@transaction.atomic
def ensure_pledges(city: City) -> list[Pledge]:
    out = []
    for key, title, kg, method in PLEDGES:
        title_sl, method_sl = PLEDGES_SL[key]
        found, _ = Pledge.objects.get_or_create(
            city=city, key=key, defaults={
                "kg_co2e_year": kg.quantize(Decimal("0.1")),
                **per_language("title", {"en": title, "sl": title_sl}),
                **per_language("method", {"en": method, "sl": method_sl})})
        out.append(found)
    return out


def take(pledge: Pledge, user: Any) -> PledgeTaken:
    if not getattr(user, "is_authenticated", False):
        raise Conflict("log in to pledge")
    try:
        with transaction.atomic():
            return PledgeTaken.objects.create(pledge=pledge, user=user)
    except IntegrityError:
        raise Conflict("you took this pledge already") from None


def totals(city: City) -> dict[str, Any]:
    """The city's pledges: people per pledge and the estimated yearly saving in all."""
    rows = list(Pledge.objects.filter(city=city).annotate(people=Count("taken")))
    saving = sum((p.kg_co2e_year * p.people for p in rows), Decimal(0))
    return {"pledges": rows, "people": PledgeTaken.objects.filter(pledge__city=city).values(
        "user").distinct().count(), "kg_co2e_year": saving}


@dataclass
class Footprint:
    parts: dict[str, Decimal] = field(default_factory=dict)
    lines: list[tuple[str, Decimal, str]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum(self.parts.values(), Decimal(0))


def footprint(answers: dict[str, Any], *, household: int = 1) -> Footprint:
    """A person's yearly footprint from home energy (shared by the household), mobility and
    diet; every line names its factor."""
    out = Footprint()
    people = max(1, int(household))

    def amount(key: str) -> Decimal:
        wrong = gettext("%(field)s: a number of 0 or more") % {"field": FIELD_LABELS[key]}
        try:
            value = Decimal(str(answers.get(key) or 0))
        except ArithmeticError:
            raise Conflict(wrong) from None
        if not value.is_finite() or value < 0 or value > 10**7:
            raise Conflict(wrong)
        return value

    home = Decimal(0)
    for key in ("electricity_kwh", "gas_kwh", "oil_kwh", "district_heat_kwh"):
        factor, label = FACTORS[key]
        kg = amount(key) * factor / people
        home += kg
        if kg:
            out.lines.append((str(label), kg, key))
    out.parts["home"] = home
    mobility = Decimal(0)
    for key in ("car_km", "bus_km"):
        factor, label = FACTORS[key]
        kg = amount(key) * factor
        mobility += kg
        if kg:
            out.lines.append((str(label), kg, key))
    out.parts["mobility"] = mobility
    diet = str(answers.get("diet") or "medium_meat")
    if diet not in DIETS:
        raise Conflict(gettext("%(field)s: one of %(choices)s") % {
            "field": FIELD_LABELS["diet"],
            "choices": ", ".join(str(label) for label in DIET_LABELS.values())})
    out.parts["food"] = DIETS[diet]
    out.lines.append((f"{DIET_LABELS[diet]} ({DIETS_SOURCE})", DIETS[diet], "diet"))
    return out


def calculate(answers: dict[str, Any]) -> tuple[Footprint | None, str]:
    """The calculator form's outcome: the footprint of its answers and no complaint, or no
    footprint and what is wrong with an answer, shown beside the form (the form is only read,
    so a wrong number is not a refusal of anything). Nothing before a diet is chosen: the
    form has not been sent yet."""
    if not answers.get("diet"):
        return None, ""
    household = str(answers.get("household") or 1).strip()
    if not household.isdigit():
        return None, gettext("%(field)s: a whole number") % {
            "field": FIELD_LABELS["household"]}
    try:
        return footprint(answers, household=int(household)), ""
    except Conflict as exc:
        return None, str(exc)


def city_per_person(city: City) -> dict[str, Any] | None:
    """The latest published inventory's emissions per resident (kg CO2e), with its year and
    whether it is illustrative."""
    from django.contrib.auth.models import AnonymousUser

    from zerocity.inventory.selectors import trend

    years = [t for t in trend(city, AnonymousUser()) if t["per_capita"] is not None]
    if not years:
        return None
    last = years[-1]
    return {"year": last["year"], "kg": Decimal(str(last["per_capita"])) * 1000,
            "illustrative": last["illustrative"]}


def card_summary(user: Any, city: City) -> dict[str, Any] | None:
    """For a card holder: eco-points, this month's trips by mode, the car emissions they
    avoided (the trips x the city's avoided emissions per trip of last month, from the card's
    ridership analysis, kept an hour), and the challenges they are in."""
    from datetime import timedelta

    from django.core.cache import cache

    from zerocity.card import challenges, rewards, ridership, selectors
    from zerocity.card.models import Tap

    accounts = list(selectors.accounts_for_user(user, city))
    if not accounts:
        return None
    cal = city.calendar
    month = cal.today().replace(day=1)
    last = (month - timedelta(days=1)).replace(day=1)
    per_leg: dict[str, float] = cast(dict[str, float], cache.get_or_set(
        f"zerocity:avoided-per-leg:{city.pk}:{ridership.period_of(last)}",
        lambda: _avoided_per_leg(city, last), 3600))
    trips = dict(Tap.objects.filter(medium__account__in=accounts, accepted=True,
                                    at__gte=cal.day_start(month)).values_list("service")
                 .annotate(n=Count("pk")).values_list("service", "n"))
    avoided = sum(trips.get(mode, 0) * per_leg.get(mode, 0.0) for mode in ridership.MODES)
    return {"points": sum(rewards.balance(a) for a in accounts), "trips": trips,
            "avoided_kg": avoided,
            "challenges": [s for a in accounts for s in challenges.standings(a)]}


def _avoided_per_leg(city: City, month: Any) -> dict[str, float]:
    from zerocity.card import ridership

    r = ridership.analyse(city, month)
    return {m: r.avoided_kg[m] / r.legs_by_mode[m] for m in ridership.MODES
            if r.legs_by_mode.get(m)}
