"""The city card's fare engine: pure functions from fare rules and a medium's state to a
decision, with no database (validators run the same rules offline).

The rules are data in the vocabulary of GTFS-Fares v2: ``rider_categories``,
``fare_products`` (a single fare, a pass, a per-minute or per-hour rate, an entry), transfer
rules (``fare_transfer_rules``: ``duration_limit``, ``duration_limit_type``,
``transfer_count``, the fare of the transfer) and caps per local day, week or month. Money is
Decimal; times are aware and read in the rules' time zone.

Order of a decision: a blocked medium is denied; a tap on the same vehicle within
``same_vehicle_minutes`` of an accepted one is "already validated"; a valid pass for the
service is used; a transfer inside its window is charged the transfer's fare; otherwise the
product of the rider's category for the service, capped so that the period's fares never pass
the cap; a balance that would fall below the floor denies the tap.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

SERVICES = ("bus", "bike", "parking", "library", "pool", "sport", "culture")
KINDS = ("single", "pass", "per_minute", "per_hour", "entry")
VALIDITIES = ("purchase_day_to_month_end", "to_end_of_same_month_next_year",
              "month_to_5th_of_next")
LIMIT_TYPES = ("from_journey_start", "from_previous_tap")
PERIODS = ("day", "week", "month")
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


class RulesError(ValueError):
    """Fare rules that cannot be used: a sentence for the staff member editing them, naming
    the path of the bad field (``fare_products[2].amount``) and what to write there."""


def _shown(value: Any) -> str:
    """A value as the rules' JSON text writes it ("abc" in quotes, null, 1.3)."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


@dataclass(frozen=True)
class RiderCategory:
    id: str
    name: str
    requires: str | None  # the concession it needs; None: anyone
    is_default: bool = False


@dataclass(frozen=True)
class FareProduct:
    id: str
    name: str
    service: str
    kind: str
    amount: Decimal
    rider_category: str
    validity: str | None = None  # passes: one of VALIDITIES or "days:N"
    free_units: int = 0
    names: tuple[tuple[str, str], ...] = ()  # (language, name): fare_product_name_<language>

    @property
    def label(self) -> str:
        """The product's name in the active language, else its ``fare_product_name``."""
        from django.utils.translation import get_language

        code = (get_language() or "").split("-")[0]
        return dict(self.names).get(code) or self.name


@dataclass(frozen=True)
class TransferRule:
    service: str
    duration_limit_minutes: int
    duration_limit_type: str
    transfer_count: int | None
    fare: Decimal


@dataclass(frozen=True)
class CapRule:
    service: str
    period: str
    amount: Decimal
    rider_category: str | None = None


@dataclass(frozen=True)
class FareRules:
    version: str
    tz: str
    categories: tuple[RiderCategory, ...]
    products: tuple[FareProduct, ...]
    transfers: tuple[TransferRule, ...]
    caps: tuple[CapRule, ...]
    same_vehicle_minutes: int


@dataclass(frozen=True)
class Pass:
    product_id: str
    valid_from: datetime
    valid_to: datetime


@dataclass(frozen=True)
class Eligibility:
    category: str
    valid_from: datetime
    expires_at: datetime


@dataclass(frozen=True)
class PriorTap:
    at: datetime
    service: str
    vehicle: str | None
    fare: Decimal
    reason: str
    journey_start: datetime


@dataclass(frozen=True)
class Tap:
    at: datetime
    service: str
    vehicle: str | None = None
    units: int | None = None


@dataclass(frozen=True)
class Decision:
    accept: bool
    reason: str
    fare: Decimal
    product: str | None
    category: str
    journey_start: datetime | None


# -- reading the rules ------------------------------------------------------------------------

def _money(value: Any, path: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RulesError(_("In %(where)s, %(value)s is not an amount of money; write it in euros, "
                           "e.g. \"1.30\".") % {"where": path, "value": _shown(value)}) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        raise RulesError(_("In %(where)s, %(value)s is not an amount of 0 or more in whole cents; "
                           "write it in euros with at most two decimals.")
                         % {"where": path, "value": _shown(value)})
    return amount.quantize(CENT)


def _text(item: Mapping[str, Any], key: str, path: str, choices: Sequence[str] = ()) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RulesError(_("Fill in %(where)s: it is required text.") % {"where": f"{path}.{key}"})
    if choices and value not in choices:
        raise RulesError(_("In %(where)s, %(value)s is not allowed; use one of %(choices)s.")
                         % {"where": f"{path}.{key}", "value": _shown(value),
                            "choices": ", ".join(choices)})
    return value


def _int(item: Mapping[str, Any], key: str, path: str, default: int | None = None) -> int:
    value = item.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RulesError(_("In %(where)s, give a whole number of 0 or more.")
                         % {"where": f"{path}.{key}"})
    return value


def _list(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise RulesError(_("Write %(where)s as a list of objects, [{...}, {...}].")
                         % {"where": key})
    return items


def load_rules(data: Mapping[str, Any], timezone: str) -> FareRules:
    """Fare rules from their JSON form, for a city keeping ``timezone`` (day and month caps,
    passes run on its local days); every problem names its path. Rules may name their zone
    (GTFS's ``agency_timezone``); it must then be the city's."""
    if not isinstance(data, Mapping):
        raise RulesError(_("The rules are one JSON object."))
    tz = data.get("timezone", timezone)
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        raise RulesError(_("The time zone %(zone)s is unknown; give an IANA name such as "
                           "Europe/Ljubljana.") % {"zone": _shown(tz)}) from None
    if tz != timezone:
        raise RulesError(_("The rules keep the time zone %(rules)s but the city keeps %(city)s; "
                           "use the city's zone or leave timezone out.")
                         % {"rules": tz, "city": timezone})
    categories = []
    for i, c in enumerate(_list(data, "rider_categories")):
        path = f"rider_categories[{i}]"
        requires = c.get("requires")
        if requires is not None and not isinstance(requires, str):
            raise RulesError(_("In %(where)s, give the name of a concession, or null.")
                             % {"where": f"{path}.requires"})
        categories.append(RiderCategory(_text(c, "rider_category_id", path),
                                        _text(c, "rider_category_name", path), requires,
                                        bool(c.get("is_default_fare_category", False))))
    ids = {c.id for c in categories}
    if sum(c.is_default for c in categories) != 1:
        raise RulesError(_("Exactly one of the rider_categories must have "
                           "is_default_fare_category set to true."))
    products = []
    for i, p in enumerate(_list(data, "fare_products")):
        path = f"fare_products[{i}]"
        kind = _text(p, "kind", path, KINDS)
        category = _text(p, "rider_category_id", path)
        if category not in ids:
            raise RulesError(_("In %(where)s, there is no rider category %(value)s; use an id "
                             "from rider_categories.")
                           % {"where": f"{path}.rider_category_id", "value": _shown(category)})
        validity = p.get("validity")
        if kind == "pass":
            if not isinstance(validity, str) or not (
                    validity in VALIDITIES or (validity.startswith("days:")
                                               and validity[5:].isdigit()
                                               and int(validity[5:]) > 0)):
                raise RulesError(_("In %(where)s, give one of %(choices)s, or days:N for a pass "
                                   "valid N days.")
                                 % {"where": f"{path}.validity",
                                    "choices": ", ".join(VALIDITIES)})
        products.append(FareProduct(
            _text(p, "fare_product_id", path), _text(p, "fare_product_name", path),
            _text(p, "service", path, SERVICES), kind, _money(p.get("amount"), f"{path}.amount"),
            category, validity if kind == "pass" else None,
            _int(p, "free_units", path, 0),
            tuple(sorted((k.removeprefix("fare_product_name_"), str(v)) for k, v in p.items()
                         if k.startswith("fare_product_name_") and v))))
    if len({p.id for p in products}) != len(products):
        raise RulesError(_("Two fare_products have the same fare_product_id; give each its own."))
    transfers = []
    for i, t in enumerate(_list(data, "fare_transfer_rules")):
        path = f"fare_transfer_rules[{i}]"
        count = t.get("transfer_count")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise RulesError(_("In %(where)s, give 1 or more, or null for no limit.")
                             % {"where": f"{path}.transfer_count"})
        transfers.append(TransferRule(
            _text(t, "service", path, SERVICES), _int(t, "duration_limit", path),
            _text(t, "duration_limit_type", path, LIMIT_TYPES), count,
            _money(t.get("fare", "0"), f"{path}.fare")))
    caps = []
    for i, c in enumerate(_list(data, "fare_caps")):
        path = f"fare_caps[{i}]"
        cap_category = c.get("rider_category_id")
        if cap_category is not None and cap_category not in ids:
            raise RulesError(_("In %(where)s, there is no rider category %(value)s; use an id "
                             "from rider_categories.")
                           % {"where": f"{path}.rider_category_id",
                              "value": _shown(cap_category)})
        caps.append(CapRule(_text(c, "service", path, SERVICES),
                            _text(c, "period", path, PERIODS),
                            _money(c.get("amount"), f"{path}.amount"), cap_category))
    return FareRules(str(data.get("version", "1")), str(tz), tuple(categories), tuple(products),
                     tuple(transfers), tuple(caps),
                     _int(data, "same_vehicle_minutes", "same_vehicle_minutes", 30))


# -- passes and categories --------------------------------------------------------------------

def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} needs a time zone")
    return moment


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def pass_validity(product: FareProduct, purchased_at: datetime,
                  tz: str) -> tuple[datetime, datetime]:
    """[from, to) of a pass bought at ``purchased_at``, in the local calendar.

    purchase_day_to_month_end: from the purchase day to the end of its month (Kranj monthly);
    to_end_of_same_month_next_year: to the end of the same month a year later (Kranj annual);
    month_to_5th_of_next: the purchase month and the first five days of the next (Urbana);
    days:N: N local days from the purchase day."""
    zone = ZoneInfo(tz)
    local = _aware(purchased_at, "the purchase time").astimezone(zone).date()
    start = _midnight(local, zone)
    first = local.replace(day=1)
    if product.validity == "purchase_day_to_month_end":
        end = _add_months(first, 1)
    elif product.validity == "to_end_of_same_month_next_year":
        end = _add_months(first, 13)
    elif product.validity == "month_to_5th_of_next":
        start = _midnight(first, zone)
        end = _add_months(first, 1) + timedelta(days=5)
    elif product.validity and product.validity.startswith("days:"):
        end = local + timedelta(days=int(product.validity[5:]))
    else:
        raise ValueError(f"{product.id} is not a pass")
    return start, _midnight(end, zone)


def _held(rules: FareRules, eligibilities: Sequence[Eligibility],
          at: datetime) -> list[RiderCategory]:
    valid = {e.category for e in eligibilities if e.valid_from <= at < e.expires_at}
    return [c for c in rules.categories if c.requires is None or c.requires in valid]


def category_for(rules: FareRules, eligibilities: Sequence[Eligibility], at: datetime,
                 service: str = "bus") -> RiderCategory:
    """The rider's category at ``at``: among those they hold (an expired concession no longer
    counts), the one whose product for the service is cheapest; the default otherwise."""
    default = next(c for c in rules.categories if c.is_default)
    best, best_price = default, _product_price(rules, service, default.id)
    for c in _held(rules, eligibilities, at):
        price = _product_price(rules, service, c.id)
        if price is not None and (best_price is None or price < best_price):
            best, best_price = c, price
    return best


def _product_price(rules: FareRules, service: str, category: str) -> Decimal | None:
    p = _product(rules, service, category)
    return p.amount if p is not None else None


def _product(rules: FareRules, service: str, category: str) -> FareProduct | None:
    return next((p for p in rules.products if p.service == service and p.kind != "pass"
                 and p.rider_category == category), None)


# -- deciding a tap ---------------------------------------------------------------------------

def _period(at: datetime, period: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the local day, week (Monday to Sunday) or month of ``at``."""
    local = at.astimezone(zone).date()
    if period == "week":
        first = local - timedelta(days=local.weekday())
        after = first + timedelta(days=7)
    elif period == "month":
        first = local.replace(day=1)
        after = _add_months(first, 1)
    else:
        first, after = local, local + timedelta(days=1)
    return _midnight(first, zone), _midnight(after, zone)


def decide(rules: FareRules, tap: Tap, *, history: Sequence[PriorTap], passes: Sequence[Pass],
           eligibilities: Sequence[Eligibility], balance: Decimal,
           floor: Decimal = ZERO, blocked: bool = False) -> Decision:
    """The decision on one tap; ``history`` is the medium's accepted taps (any order)."""
    at = _aware(tap.at, "the tap's time")
    zone = ZoneInfo(rules.tz)
    held = _held(rules, eligibilities, at)
    category = category_for(rules, eligibilities, at, tap.service)

    def deny(reason: str) -> Decision:
        return Decision(False, reason, ZERO, None, category.id, None)

    if blocked:
        return deny("blocked")
    before = sorted((p for p in history if p.at <= at), key=lambda p: p.at)
    same_service = [p for p in before if p.service == tap.service]
    last = same_service[-1] if same_service else None
    if (last is not None and tap.vehicle and last.vehicle == tap.vehicle
            and at - last.at <= timedelta(minutes=rules.same_vehicle_minutes)):
        return Decision(True, "already_validated", ZERO, None, category.id, last.journey_start)

    held_ids = {c.id for c in held}
    products = {p.id: p for p in rules.products}
    for p in passes:
        product = products.get(p.product_id)
        if (product is not None and product.service == tap.service
                and product.rider_category in held_ids and p.valid_from <= at < p.valid_to):
            return Decision(True, "pass", ZERO, product.id, product.rider_category, at)

    if last is not None and tap.vehicle != last.vehicle:
        journey = [p for p in same_service if p.journey_start == last.journey_start]
        transfers_made = sum(1 for p in journey if p.reason == "transfer")
        for rule in rules.transfers:
            if rule.service != tap.service:
                continue
            since = last.journey_start if rule.duration_limit_type == "from_journey_start" \
                else last.at
            inside = at - since <= timedelta(minutes=rule.duration_limit_minutes)
            allowed = rule.transfer_count is None or transfers_made < rule.transfer_count
            if inside and allowed:
                return _charge(rules, tap.service, "transfer", rule.fare, None, category,
                               at, last.journey_start, history, balance, floor, zone)

    product = _product(rules, tap.service, category.id)
    if product is None:
        return deny("no_product")
    if product.kind in ("per_minute", "per_hour"):
        if tap.units is None:
            return deny("units_missing")
        fare = max(0, tap.units - product.free_units) * product.amount
    else:
        fare = product.amount
    if fare == 0:
        return Decision(True, "free", ZERO, product.id, category.id, at)
    return _charge(rules, tap.service, "fare", fare, product.id, category, at, at, history,
                   balance, floor, zone)


def _charge(rules: FareRules, service: str, reason: str, fare: Decimal, product: str | None,
            category: RiderCategory, at: datetime, journey_start: datetime,
            history: Sequence[PriorTap], balance: Decimal, floor: Decimal,
            zone: ZoneInfo) -> Decision:
    """Apply the caps, then the balance. A cap counts every fare of its period, also those of
    taps after this one: a late offline tap never takes the period past its cap."""
    for cap in rules.caps:
        if cap.service != service or cap.rider_category not in (None, category.id):
            continue
        start, end = _period(at, cap.period, zone)
        paid = sum((p.fare for p in history
                    if p.service == cap.service and start <= p.at < end), ZERO)
        room = max(ZERO, cap.amount - paid)
        if fare > room:
            fare, reason = room, "capped"
    fare = fare.quantize(CENT)
    if fare and balance - fare < floor:
        return Decision(False, "insufficient_balance", ZERO, product, category.id, None)
    return Decision(True, reason, fare, product, category.id, journey_start)
