"""The kranj-mini fixture feed (tests/fixtures/gtfs/kranj-mini) with three more weekday trips
on route 2, so that journeys change buses, and one more stop, for the journey planner's tests:

- ``2-weekday`` kolodvor-2 07:40, glavni-trg 07:46, primskovo 07:55: from route 1's
  ``1-0730`` (glavni-trg 07:44) a change of two minutes, under the feed's timed rule (route 1
  to 2 at glavni-trg);
- ``2-inbound`` primskovo 06:55, glavni-trg 07:07, kolodvor-2 07:12: onto ``1-0700``, which
  leaves glavni-trg at 07:07, only with no transfer slack (the feed's rule there is type 0);
- ``2-express`` kolodvor-2 07:56 to ``labore`` 08:06, reached from ``1-0730`` (kolodvor-1
  07:50) only by the feed's own transfer kolodvor-1 to kolodvor-2 (type 2, 120 s).
"""

from __future__ import annotations

from datetime import date

from mobility_feeds import FEEDS, feed_zip

TODAY = date(2026, 1, 10)  # the day the feed is imported: its checks are as of then
TRIPS = """2,WD,2-weekday,Primskovo,0,,,1,0
2,WD,2-inbound,Kolodvor,1,,,1,0
2,WD,2-express,Labore,0,,,1,0
"""
STOP_TIMES = """2-weekday,07:40:00,07:40:00,kolodvor-2,1,0,1,,1
2-weekday,07:46:00,07:46:00,glavni-trg,2,0,0,,1
2-weekday,07:55:00,07:55:00,primskovo,3,1,0,,1
2-inbound,06:55:00,06:55:00,primskovo,1,0,1,,1
2-inbound,07:07:00,07:07:00,glavni-trg,2,0,0,,1
2-inbound,07:12:00,07:12:00,kolodvor-2,3,1,0,,1
2-express,07:56:00,07:56:00,kolodvor-2,1,0,1,,1
2-express,08:06:00,08:06:00,labore,2,1,0,,1
"""
STOPS = "labore,Labore,46.2610,14.3450,0,,1,\n"

# points (lat, lon): the stops' own, and a little off them
ZLATO_POLJE = (46.2472, 14.3612)
NEAR_ZLATO_POLJE = (46.2481, 14.3612)  # 0.0009 deg north: 100.1 m, walked 130.1 m
PRIMSKOVO = (46.2568, 14.3700)
NEAR_PRIMSKOVO = (46.2568, 14.3712)  # 0.0012 deg east: 92.3 m, walked 120.0 m
PLANINA = (46.2530, 14.3808)
LABORE = (46.2610, 14.3450)
NEAR_LABORE = (46.2619, 14.3450)  # 100.1 m north


def journey_feed() -> bytes:
    folder = FEEDS / "kranj-mini"
    return feed_zip("kranj-mini", files={
        "trips.txt": (folder / "trips.txt").read_text() + TRIPS,
        "stop_times.txt": (folder / "stop_times.txt").read_text() + STOP_TIMES,
        "stops.txt": (folder / "stops.txt").read_text() + STOPS})


def import_journey_feed(city):  # type: ignore[no-untyped-def]
    """The feed imported as the city's timetable (licence and attribution given), and the
    Kranj fare rules on the city's card."""
    from zerocity.card import accounts
    from zerocity.card.demo import kranj_fares
    from zerocity.mobility import services

    accounts.set_rules(city, kranj_fares(), actor="test")
    return services.import_feed(city, journey_feed(), filename="kranj-mini.zip", today=TODAY,
                                licence="CC-BY-SA-4.0",
                                attribution="Arriva Kranj (illustrative); ZeroCity",
                                actor="test").value


def point(p: tuple[float, float]) -> str:
    return f"{p[0]},{p[1]}"
