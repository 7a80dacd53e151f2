"""A city's parameters of its bus service: unit costs (EUR per bus-hour and per bus-km, the
value of riders' waiting time), the share of bus-km its battery buses run, riders per bus and
the periods of its day. Stored per city (``TransitParameters``), set by the staff with
``zerocity mobility parameters``; the comparison of scenarios, the frequency optimiser and
their pages take them wherever they are not given others. A city that has set none gets the
defaults below, which are assumptions with no source (docs/mobility-scenarios.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Unreadable
from zerocity.core.models import City
from zerocity.core.results import Done
from zerocity.mobility.frequency import Costs
from zerocity.mobility.models import TransitParameters
from zerocity.mobility.periods import DEFAULT_PERIODS_TEXT, Period, PeriodError, parse_periods
from zerocity.mobility.service_costs import CostRates

DEFAULT_SOURCE = "ZeroCity's defaults: assumptions, not sourced"


@dataclass(frozen=True)
class Parameters:
    eur_per_bus_hour: Decimal = CostRates.per_bus_hour
    eur_per_bus_km: Decimal = CostRates.per_bus_km
    value_of_time_eur_per_hour: Decimal = Costs.value_of_time_eur_per_hour
    battery_share: Decimal = Decimal(0)
    capacity: int = 80
    periods: str = DEFAULT_PERIODS_TEXT
    source: str = DEFAULT_SOURCE

    @property
    def rates(self) -> CostRates:
        return CostRates(self.eur_per_bus_hour, self.eur_per_bus_km)

    @property
    def costs(self) -> Costs:
        return Costs(self.eur_per_bus_hour, self.eur_per_bus_km,
                     self.value_of_time_eur_per_hour)

    @property
    def day_periods(self) -> tuple[Period, ...]:
        return parse_periods(self.periods)

    def to_json(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(self).items()}


FIELDS = tuple(Parameters.__dataclass_fields__)


def city_parameters(city: City) -> Parameters:
    """The city's parameters, or the defaults where it has set none."""
    row = TransitParameters.objects.filter(city=city).first()
    if row is None:
        return Parameters()
    return Parameters(row.eur_per_bus_hour, row.eur_per_bus_km,
                      row.value_of_time_eur_per_hour, row.battery_share, row.capacity,
                      row.periods, row.source)


def _checked(p: Parameters) -> Parameters:
    problems = []
    for name in ("eur_per_bus_hour", "eur_per_bus_km", "value_of_time_eur_per_hour"):
        value = getattr(p, name)
        if not value.is_finite() or not 0 <= value < Decimal("100000000"):
            problems.append(_("%(name)s: %(value)s is not an amount from 0 to 99,999,999.99.")
                            % {"name": name, "value": value})
    if not p.battery_share.is_finite() or not 0 <= p.battery_share <= 1:
        problems.append(_("battery_share: %(value)s is not a share from 0 to 1.")
                        % {"value": p.battery_share})
    if not 1 <= p.capacity <= 1000:
        problems.append(_("capacity: %(value)s is not a number of riders from 1 to 1000.")
                        % {"value": p.capacity})
    try:
        parse_periods(p.periods)
    except PeriodError as exc:
        problems.append(f"periods: {exc}")
    if problems:
        raise Unreadable("; ".join(problems), code="transit-parameters")
    return replace(p, eur_per_bus_hour=p.eur_per_bus_hour.quantize(Decimal("0.01")),
                   eur_per_bus_km=p.eur_per_bus_km.quantize(Decimal("0.01")),
                   value_of_time_eur_per_hour=p.value_of_time_eur_per_hour.quantize(
                       Decimal("0.01")),
                   battery_share=p.battery_share.quantize(Decimal("0.0001")))


def decimal_of(text: str, name: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise Unreadable(_("%(name)s: %(value)r is not a number.")
                         % {"name": name, "value": text}, code="transit-parameters") from None


@transaction.atomic
def set_parameters(city: City, changes: dict[str, Any], *, by: Person | None = None,
                   actor: str = "") -> Done[Parameters]:
    """Change some of the city's parameters (the others kept); checked all together, nothing
    written when one is wrong. The same values again change nothing (``replayed``)."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise Unreadable(f"unknown parameter(s): {', '.join(unknown)}",
                         code="transit-parameters")
    City.objects.select_for_update().get(pk=city.pk)
    before = city_parameters(city)
    after = _checked(replace(before, **{k: v for k, v in changes.items() if v is not None}))
    if after == before and TransitParameters.objects.filter(city=city).exists():
        return Done(before, True)
    values = asdict(after)
    TransitParameters.objects.update_or_create(
        city=city, defaults={**values, "by_label": actor or audit.actor_label(by)})
    audit.record("mobility.parameters", city=city, user=by, actor=actor,
                 before=before.to_json(), after=after.to_json())
    return Done(after, False)
