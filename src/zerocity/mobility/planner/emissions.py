"""Grams of CO2e of a journey and of the same trip by car (research §5).

A transit leg: the vehicle's kg per vehicle-km divided by its average load, times the leg's
length along its stops. The car: ``car_kg_per_vkm`` / ``car_occupancy`` per passenger-km over
the straight line x ``detour`` — the figures ridership's avoided emissions use
(``zerocity.card.ridership.MobilityFactors``: DEFRA 2023 0.17 kg per car-km, 1.3 occupants,
detour 1.3). That module needs Django, so a city's figures come in as an
:class:`EmissionFactors` value; the defaults below are the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _vehicles() -> dict[str, float]:
    # diesel 12 m bus: 40 l/100 km x 10 kWh/l x 0.267 kg/kWh (Kranj inventory factor)
    return {"bus": 1.07, "trolleybus": 0.54, "tram": 0.9, "rail": 2.5, "subway": 2.0,
            "ferry": 4.0}


def _loads() -> dict[str, float]:
    # illustrative average loads until the city's taps give observed ones
    return {"bus": 10.0, "trolleybus": 12.0, "tram": 25.0, "rail": 60.0, "subway": 80.0,
            "ferry": 30.0}


@dataclass(frozen=True)
class EmissionFactors:
    car_kg_per_vkm: float = 0.17
    car_occupancy: float = 1.3
    detour: float = 1.3
    vehicle_kg_per_vkm: dict[str, float] = field(default_factory=_vehicles)
    average_load: dict[str, float] = field(default_factory=_loads)
    route_g_per_pkm: dict[str, float] = field(default_factory=dict)  # by route_id

    @property
    def car_g_per_pkm(self) -> float:
        return self.car_kg_per_vkm / self.car_occupancy * 1000

    def transit_g_per_pkm(self, mode: str, route_id: str | None = None) -> float:
        if route_id is not None and route_id in self.route_g_per_pkm:
            return self.route_g_per_pkm[route_id]
        kg = self.vehicle_kg_per_vkm.get(mode, self.vehicle_kg_per_vkm.get("bus", 1.07))
        load = max(1.0, self.average_load.get(mode, self.average_load.get("bus", 10.0)))
        return kg / load * 1000

    def car_g(self, straight_km: float) -> float:
        """The same trip by car: straight line x detour, per passenger."""
        return straight_km * self.detour * self.car_g_per_pkm
