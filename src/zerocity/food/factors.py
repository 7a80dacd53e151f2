"""The reference emission factors of food procurement, each with its source and year
(research note §7.2 to §7.4): freight per tonne-km or vehicle-km (DESNZ/DEFRA, tank-to-wheel),
and production per kg by food group (Poore & Nemecek 2018 as published by Our World in Data,
farm to retail, global means).

``ensure()`` stores them; running it again changes nothing. A city replaces a factor by adding
a newer year of it (the newest year wins), never by editing a stored one: results already
reported keep the factor they were computed with.
"""

from __future__ import annotations

from decimal import Decimal

from zerocity.food.models import FoodGroup, FreightFactor, ProductionFactor

DEFRA = "DESNZ/DEFRA freight conversion factors as copied in the research note §7.2"
OWID = "Poore & Nemecek 2018 (Science 360:987), via Our World in Data; research note §7.3"

# key, label, unit, value
FREIGHT: list[tuple[str, str, str, str]] = [
    ("van-diesel", "Van up to 3.5 t, diesel", "kgCO2e/tkm", "0.60"),
    ("van-petrol", "Van up to 3.5 t, petrol", "kgCO2e/tkm", "0.72"),
    ("van-electric", "Van up to 3.5 t, battery electric", "kgCO2e/tkm", "0.25"),
    ("hgv-rigid-3-7t", "HGV rigid 3.5-7.5 t, diesel", "kgCO2e/tkm", "0.49"),
    ("hgv-rigid-7-17t", "HGV rigid 7.5-17 t, diesel", "kgCO2e/tkm", "0.34"),
    ("hgv-refrigerated-3-7t", "HGV refrigerated rigid 3.5-7.5 t", "kgCO2e/tkm", "0.58"),
    ("hgv-refrigerated-7-17t", "HGV refrigerated rigid 7.5-17 t", "kgCO2e/tkm", "0.40"),
    # per vehicle-km, for a dedicated trip; the note marks the van's value to be checked
    ("van-diesel", "Van up to 3.5 t, diesel", "kgCO2e/vkm", "0.25"),
    ("car-diesel", "Car, diesel (a farmer's own car)", "kgCO2e/vkm", "0.17"),
]
FREIGHT_YEAR = 2023

# food group -> (kg CO2e per kg, seen in the source (True) or remembered, to be checked)
PRODUCTION: dict[str, tuple[str, bool]] = {
    FoodGroup.BEEF: ("99.48", True), FoodGroup.PORK: ("12.31", True),
    FoodGroup.POULTRY: ("9.87", True), FoodGroup.FISH: ("13.63", True),
    FoodGroup.EGGS: ("4.67", True), FoodGroup.MILK: ("3.15", True),
    FoodGroup.CHEESE: ("23.88", True), FoodGroup.BREAD: ("1.57", True),
    FoodGroup.RICE: ("4.45", True), FoodGroup.PULSES: ("1.79", True),
    FoodGroup.POTATOES: ("0.46", True), FoodGroup.ROOTS: ("0.43", True),
    FoodGroup.BRASSICAS: ("0.51", True), FoodGroup.TOMATOES: ("2.09", True),
    FoodGroup.VEGETABLES: ("0.53", False), FoodGroup.APPLES: ("0.43", True),
    FoodGroup.BERRIES: ("1.53", True), FoodGroup.CITRUS: ("0.39", True),
    FoodGroup.FRUIT: ("1.05", False),
}
PRODUCTION_YEAR = 2018


def ensure() -> tuple[int, int]:
    """Store the reference factors; returns how many freight and production factors were
    added (0, 0 when they were all there)."""
    freight = production = 0
    for key, label, unit, value in FREIGHT:
        _, made = FreightFactor.objects.get_or_create(
            key=key, unit=unit, year=FREIGHT_YEAR, source=DEFRA,
            defaults={"label": label, "value": Decimal(value)})
        freight += made
    for group, (value, checked) in PRODUCTION.items():
        _, made = ProductionFactor.objects.get_or_create(
            food_group=group, year=PRODUCTION_YEAR, source=OWID,
            defaults={"value": Decimal(value), "checked": checked})
        production += made
    return freight, production


def production_factors() -> dict[str, ProductionFactor]:
    """food group -> its newest production factor."""
    out: dict[str, ProductionFactor] = {}
    for f in ProductionFactor.objects.order_by("year"):
        out[f.food_group] = f
    return out
