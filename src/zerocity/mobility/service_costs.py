"""What a timetable's service costs and emits, and how ridership answers a change of it: pure
arithmetic on bus-hours and bus-km (``service_stats``), money in ``Decimal``, unit conversions
by pint (docs/mobility-stats.md).

- Operating cost = bus-hours x EUR per bus-hour + bus-km x EUR per bus-km (city parameters).
- Fleet energy and CO2: a share of the bus-km run by battery buses (the fleet mix); diesel
  buses' litres x energy per litre x the inventory's diesel factor go to GPC II.1.1 (scope 1,
  fuel burnt in the city), battery buses' kWh at the charger x the grid factor to II.1.2
  (scope 2, grid electricity) — research mobility-upscale.md §5, Kranj CCC Table A-1.2.
- Ridership: dQ/Q = (1 + dS/S)^e - 1 with the service elasticity e short and long run (§4).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from zerocity.core.money import Money
from zerocity.core.units import UNITS

DIESEL_ROW = "II.1.1"  # GPC: on-road transport, fuel combusted in the city (scope 1)
GRID_ROW = "II.1.2"  # GPC: on-road transport, grid energy consumed in the city (scope 2)
CENT = Decimal("0.01")


@lru_cache(maxsize=32)
def _factor(unit: str, to: str) -> Decimal:
    """pint's factor from ``unit`` to ``to``, as a Decimal (exact for decimal prefixes)."""
    return Decimal(repr(float(UNITS.Quantity(1.0, unit).to(to).magnitude)))


# -- operating cost ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CostRates:
    """A city's unit costs of bus service. The defaults are assumptions of this module with no
    source (the issue leaves them to the city; research §4 names the terms, not the values):
    EUR 45 per bus-hour for the driver's time with its overheads, EUR 0.90 per bus-km for
    energy, tyres, maintenance and the vehicle's wear. Replace them with the operator's. The
    frequency optimiser prices its headways with the same defaults (``frequency.Costs``)."""

    per_bus_hour: Decimal = Decimal("45.00")
    per_bus_km: Decimal = Decimal("0.90")
    currency: str = "EUR"

    def __post_init__(self) -> None:
        for name in ("per_bus_hour", "per_bus_km"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or value < 0:
                raise ValueError(f"{name} must be a Decimal of at least 0, not {value!r}")


@dataclass(frozen=True)
class OperatingCost:
    hours: Money  # bus-hours x rate
    distance: Money  # bus-km x rate

    @property
    def total(self) -> Money:
        return self.hours + self.distance


def operating_cost(bus_hours: Decimal, bus_km: Decimal,
                   rates: CostRates = CostRates()) -> OperatingCost:
    """The cost of ``bus_hours`` and ``bus_km`` at ``rates``, each part to the cent."""
    if bus_hours < 0 or bus_km < 0:
        raise ValueError("bus-hours and bus-km cannot be negative")
    return OperatingCost(Money(bus_hours * rates.per_bus_hour, rates.currency).quantize(),
                         Money(bus_km * rates.per_bus_km, rates.currency).quantize())


# -- fleet energy and CO2 ----------------------------------------------------------------------

@dataclass(frozen=True)
class FleetAssumptions:
    """How a 12 m bus uses energy, and the inventory's factors. Central values of research
    mobility-upscale.md §5: diesel 35-45 l/100 km [unverified assumption] at about 10 kWh per
    litre; a battery bus 1.0-1.5 kWh/km at the charger, heating included, more in winter
    [unverified assumption; cf. the Tampere and Cluj-Napoca fleet studies]; Kranj's inventory
    factors, diesel 0.267 and grid electricity 0.358 t CO2/MWh (CCC Table A-1.2, verified).
    Metered fuel and charger data should replace the consumptions."""

    diesel_l_per_100km: Decimal = Decimal("40")
    diesel_kwh_per_l: Decimal = Decimal("10")
    battery_kwh_per_km: Decimal = Decimal("1.25")
    diesel_t_per_mwh: Decimal = Decimal("0.267")
    grid_t_per_mwh: Decimal = Decimal("0.358")


CENTRAL = FleetAssumptions()
LOW = FleetAssumptions(diesel_l_per_100km=Decimal("35"), battery_kwh_per_km=Decimal("1.0"))
HIGH = FleetAssumptions(diesel_l_per_100km=Decimal("45"), battery_kwh_per_km=Decimal("1.5"))


@dataclass(frozen=True)
class FleetEnergy:
    diesel_km: Decimal
    battery_km: Decimal
    diesel_litres: Decimal
    diesel_mwh: Decimal
    battery_mwh: Decimal  # at the charger
    diesel_t_co2: Decimal  # GPC II.1.1
    battery_t_co2: Decimal  # GPC II.1.2

    @property
    def t_co2(self) -> Decimal:
        return self.diesel_t_co2 + self.battery_t_co2

    @property
    def gpc(self) -> dict[str, Decimal]:
        """Tonnes of CO2 per GPC row."""
        return {DIESEL_ROW: self.diesel_t_co2, GRID_ROW: self.battery_t_co2}


def fleet_energy(bus_km: Decimal, battery_share: Decimal,
                 assumptions: FleetAssumptions = CENTRAL) -> FleetEnergy:
    """The energy and CO2 of ``bus_km``, ``battery_share`` (0 to 1) of them run by battery
    buses and the rest by diesel buses."""
    if not Decimal(0) <= battery_share <= Decimal(1):
        raise ValueError(f"the battery buses' share of bus-km is a fraction from 0 to 1, not "
                         f"{battery_share}")
    if bus_km < 0:
        raise ValueError("bus-km cannot be negative")
    a = assumptions
    battery_km = bus_km * battery_share
    diesel_km = bus_km - battery_km
    litres = diesel_km * a.diesel_l_per_100km / 100
    to_mwh = _factor("kWh", "MWh")
    diesel_mwh = litres * a.diesel_kwh_per_l * to_mwh
    battery_mwh = battery_km * a.battery_kwh_per_km * to_mwh
    return FleetEnergy(diesel_km, battery_km, litres, diesel_mwh, battery_mwh,
                       diesel_mwh * a.diesel_t_per_mwh, battery_mwh * a.grid_t_per_mwh)


def fleet_energy_range(bus_km: Decimal, battery_share: Decimal
                       ) -> tuple[FleetEnergy, FleetEnergy, FleetEnergy]:
    """(low, central, high) over research §5's consumption ranges."""
    return (fleet_energy(bus_km, battery_share, LOW),
            fleet_energy(bus_km, battery_share, CENTRAL),
            fleet_energy(bus_km, battery_share, HIGH))


# -- ridership ---------------------------------------------------------------------------------

SERVICE_ELASTICITY_SOURCE = (
    "Service (vehicle-km) elasticity of bus ridership +0.4 short run, +0.7 long run: TRL593 "
    "'The demand for public transport: a practical guide' (Balcombe et al. 2004) and Paulley "
    "et al., Transport Policy 13(4) 2006, as cited in research mobility-upscale.md §4 (the "
    "values recalled from the 2006 abstract, not seen in its text)")


@dataclass(frozen=True)
class RidershipResponse:
    service_change: Decimal  # dS/S, e.g. 0.20 for +20 % vehicle-km
    short_run: Decimal  # dQ/Q
    long_run: Decimal
    short_elasticity: Decimal
    long_elasticity: Decimal
    source: str


def ridership_response(service_change: Decimal, *, short: Decimal = Decimal("0.4"),
                       long: Decimal = Decimal("0.7"),
                       source: str = SERVICE_ELASTICITY_SOURCE) -> RidershipResponse:
    """The relative change of ridership after a relative change ``service_change`` of service
    (vehicle-km), dQ/Q = (1 + dS/S)^e - 1, for the short- and the long-run elasticity."""
    if service_change <= -1:
        raise ValueError("service cannot fall by 100 % or more")
    base = 1 + service_change
    return RidershipResponse(service_change, base ** short - 1, base ** long - 1, short, long,
                             source)


def percent(x: Decimal, places: str = "0.1") -> Decimal:
    """A fraction as a percentage, rounded half to even."""
    return (x * 100).quantize(Decimal(places), ROUND_HALF_EVEN)
