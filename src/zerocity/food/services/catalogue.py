"""The suppliers' product catalogue (the city's "katalog živil"): each admitted operator keeps
its own products, with food group, unit, price, quality schemes, organic, place of production,
intermediaries and delivery days. Buyers read the whole catalogue to plan procurements and
menus; what a supplier offers never scores a tender by where it comes from (SI-04).
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from zerocity.core import audit, spreadsheet
from zerocity.core.actors import Person
from zerocity.core.models import City
from zerocity.food.errors import FormRejected
from zerocity.food.models import CatalogueItem, FoodGroup, Operator
from zerocity.food.text import number, parse_decimal

NUTS3 = re.compile(r"^[A-Z]{2}[0-9A-Z]{3}$")
COLUMNS = ("operator", "product", "food_group", "unit", "price", "quality_scheme", "organic",
           "production_place", "production_region", "production_country", "intermediaries",
           "delivery_days")


class CatalogueRejected(FormRejected):
    """A product refused, with every field's mistake as (what the field is called, what to
    enter): a supplier fixes them all at once instead of meeting them one by one."""


def _price(raw: Any) -> Decimal | None:
    """A price as given: a number from code, or text typed in the page's language."""
    if isinstance(raw, Decimal | int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(str(raw))
    return parse_decimal(str(raw or ""))


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    # Every field is checked whatever the others hold, so that one refusal names them all.
    errors: list[tuple[str, str]] = []
    product = str(fields.get("product", "")).strip()
    if not product or len(product) > 200:
        errors.append((_("Product"), _("enter its name, 1 to 200 characters.")))
    group = str(fields.get("food_group", ""))
    if group not in FoodGroup.values:
        errors.append((_("Food group"), _("choose one of the food groups listed.")))
    price = _price(fields.get("price"))
    if price is None:
        errors.append((_("Price"), _("enter the price in EUR as a number, such as "
                                     "%(example)s.") % {"example": number("1.20")}))
    elif not price.is_finite() or price <= 0 or price >= Decimal("1e8"):
        errors.append((_("Price"), _("enter a price above 0 EUR.")))
    region = str(fields.get("production_region", "")).strip().upper()
    if region and not NUTS3.match(region):
        errors.append((_("Region"), _("enter the region's NUTS-3 code, such as SI042, or "
                                      "leave it empty.")))
    country = str(fields.get("production_country", "")).strip().upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        errors.append((_("Country"), _("enter the two-letter country code, such as SI, or "
                                       "leave it empty.")))
    try:
        intermediaries = int(fields.get("intermediaries") or 0)
        counted = 0 <= intermediaries <= 20
    except (TypeError, ValueError):
        intermediaries, counted = 0, False
    if not counted:
        errors.append((_("Intermediaries"), _("enter a whole number from 0 to 20.")))
    try:
        days = sorted({int(d) for d in fields.get("delivery_days") or []})
        weekdays = all(1 <= d <= 7 for d in days)
    except (TypeError, ValueError):
        days, weekdays = [], False
    if not weekdays:
        errors.append((_("Delivery days"), _("choose days of the week, Monday to Sunday.")))
    if errors:
        raise CatalogueRejected(errors)
    return {"product": product, "food_group": group,
            "unit": str(fields.get("unit") or "kg").strip()[:20], "price": price,
            "quality_scheme": str(fields.get("quality_scheme", "")).strip()[:100],
            "organic": bool(fields.get("organic")),
            "production_place": str(fields.get("production_place", "")).strip()[:200],
            "production_region": region, "production_country": country,
            "intermediaries": intermediaries, "delivery_days": days}


@transaction.atomic
def save_item(operator: Operator, fields: dict[str, Any], *, by: Person | None = None,
              actor: str = "") -> CatalogueItem:
    """Add a product, or change the operator's product of that name."""
    clean = _clean(fields)
    item, created = CatalogueItem.objects.update_or_create(
        operator=operator, product=clean.pop("product"), defaults={**clean, "active": True})
    audit.record("food.catalogue_saved", city=operator.city, user=by, actor=actor, obj=item,
                 operator=operator.pk, created=created, price=str(item.price))
    return item


@transaction.atomic
def retire(item: CatalogueItem, *, by: Person | None = None, actor: str = "") -> CatalogueItem:
    """Take a product off the catalogue; it stays on record for the deliveries that named it."""
    item.active = False
    item.save(update_fields=["active", "updated_at"])
    audit.record("food.catalogue_retired", city=item.operator.city, user=by, actor=actor,
                 obj=item, operator=item.operator_id)
    return item


def offered(city: City, food_group: str = "") -> QuerySet[CatalogueItem]:
    items = CatalogueItem.objects.filter(operator__city=city, active=True).select_related(
        "operator")
    return items.filter(food_group=food_group) if food_group else items


def to_csv(items: QuerySet[CatalogueItem]) -> str:
    out = io.StringIO()
    writer = spreadsheet.writer(out)
    writer.writerow(COLUMNS)
    for i in items.order_by("food_group", "product", "operator__name"):
        writer.writerow([i.operator.name, i.product, i.food_group, i.unit, i.price,
                         i.quality_scheme, "yes" if i.organic else "no", i.production_place,
                         i.production_region, i.production_country, i.intermediaries,
                         " ".join(str(d) for d in i.delivery_days)])
    return out.getvalue()
