"""The UP-SCALE demo: line 1's buses twice as often, all day, as a timetable scenario on the
demo feed, attached to a plan action of its own (``UP-1``), so that the plan's 2030 result, its
waterfall and the explorer show what the timetable change is worth (issue 20).

The figures are the scenario engine's (docs/mobility-scenarios.md) on the demo's illustrative
timetable and synthetic riders: the buses' energy (diesel in GPC II.1.1, the battery buses'
electricity in II.1.2) and the car-km the new riders leave, by the ridership elasticity's long
run. Kranj runs 8 battery buses (MAN Lion's City E, research mobility-upscale.md §1) of the 19
its timetable needs at its peak: a battery share of 0.42, set as the city's parameter
(``mobility.parameters``) with its source. Loading again changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zerocity.core.models import City

SCENARIO = "Line 1 twice as often"
DOUBLE_LINE_1 = [{"type": "adjust_frequency", "route_id": "1", "start": "00:00:00",
                  "end": "30:00:00", "factor": 2}]
BATTERY_SHARE = Decimal("0.42")  # 8 battery buses of the 19 at the peak
PARAMETERS_SOURCE = ("Battery share: Kranj's 8 MAN Lion's City E 12 m (80 riders: 35 seats + "
                     "45 standing) of the 19 buses the demo timetable needs at its peak "
                     "(research mobility-upscale.md §1); unit costs: ZeroCity's defaults, "
                     "assumptions not sourced")
CODE = "UP-1"
ACTION: dict[str, object] = {
    "code": CODE,
    "name": "UP-SCALE: city bus line 1 twice as often",
    "name_sl": "UP-SCALE: mestna avtobusna linija 1 dvakrat pogosteje",
    "field": "mobility-transport",
    "lever": "technology-infrastructure",
    "department": "transport",
    "description": "A bus on line 1 (the station to Planina by the health centre) twice as "
                   "often all day, from the UP-SCALE public-transport optimisation. Its effects "
                   "are the timetable scenario's: the buses' extra energy and the car journeys "
                   "the new riders leave (illustrative demo timetable and riders).",
    "description_sl": "Avtobus na liniji 1 (od železniške postaje do Planine mimo "
                      "zdravstvenega doma) dvakrat pogosteje ves dan, iz optimizacije javnega "
                      "prevoza UP-SCALE. Njeni učinki so učinki scenarija voznega reda: dodatna "
                      "energija avtobusov in vožnje z avtomobilom, ki jih opustijo novi potniki "
                      "(ponazoritveni demo vozni red in potniki).",
    "start_year": 2027,
    "end_year": 2030,
}


def load(city: City, *, actor: str = "demo") -> str:
    """The scenario (the version saved before when it is there) and the action with its
    effects; effects already attached from the same scenario change nothing."""
    from zerocity.mobility.parameters import set_parameters
    from zerocity.mobility.scenarios.services import create_scenario
    from zerocity.mobility.scenarios.worth import attach_to_action
    from zerocity.mobility.selectors import version_in_force
    from zerocity.plan.models import Plan
    from zerocity.plan.services import add_action

    base = version_in_force(city, city.calendar.today())
    plan = Plan.objects.filter(city=city).first()
    if base is None or plan is None:
        return "kranj UP-SCALE scenario: no timetable or plan to put it on"
    saved = create_scenario(city, name=SCENARIO, edits=DOUBLE_LINE_1, base=base,
                            description="Demo: line 1 twice as often all day (UP-SCALE).",
                            actor=actor).value
    set_parameters(city, {"battery_share": BATTERY_SHARE, "capacity": 80,
                          "source": PARAMETERS_SOURCE}, actor=actor)
    add_action(plan, ACTION, actor=actor)
    comparison, _effects, changed = attach_to_action(
        saved.scenario, CODE, number=saved.number, actor=actor)
    return (f"kranj UP-SCALE scenario #{saved.scenario.pk} {SCENARIO!r}: bus-km "
            f"{comparison.service_change * 100:+.1f} %, attached to action {CODE}"
            + ("" if changed else " (already there)"))
