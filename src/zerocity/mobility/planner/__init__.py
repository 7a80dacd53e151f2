"""The journey planner core: GTFS tables of one feed version compiled into arrays for a
service date (:mod:`timetable`), round-based searches over them (:mod:`search`: RAPTOR, range
RAPTOR and McRAPTOR), the card's fare on the taps an itinerary makes (:mod:`pricing`), CO2e
against the car (:mod:`emissions`) and the query layer (:mod:`query`). Plain Python and numpy:
nothing here imports Django; the city's fare engine, zone and factors come in as values.
"""

from zerocity.mobility.planner.emissions import EmissionFactors
from zerocity.mobility.planner.pricing import CardFares, PlannedTap, price
from zerocity.mobility.planner.query import (
    BikeShare,
    BikeStation,
    Itinerary,
    Leg,
    Note,
    PlanResult,
    Query,
    plan,
)
from zerocity.mobility.planner.search import Offset, Params, range_search, search
from zerocity.mobility.planner.timetable import Timetable, compile_timetable, timetable_for

__all__ = ["BikeShare", "BikeStation", "CardFares", "EmissionFactors", "Itinerary", "Leg", "Note",
           "Offset", "Params", "PlanResult", "PlannedTap", "Query", "Timetable",
           "compile_timetable", "plan", "price", "range_search", "search", "timetable_for"]
