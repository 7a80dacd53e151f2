"""Bike-share from GBFS 2.3 and 3.x (research §2.3, §6 check 12): the same system written in both
versions gives the same stations; bike legs start only at renting stations with bikes and end
only at returning stations with free docks; a feed older than its ttl plus five minutes
disables them, and the answer says so. Read from folders and file:// URLs (the demo's way),
by the command line and the worker; a feed that cannot be read is refused and the stations
held stay."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from rt_messages import MONDAY, ZONE, local, stop_at, tables
from zerocity.cli import main
from zerocity.core.errors import Conflict
from zerocity.core.services import create_city
from zerocity.mobility import bikes
from zerocity.mobility.planner import BikeShare, BikeStation, Query, compile_timetable, plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
GBFS = Path(__file__).resolve().parent / "fixtures" / "gbfs"
FEED = tables()
ORIGIN = (46.2700, 14.3950)  # 2 km from any stop: only a bike reaches one
UPDATED = datetime(2026, 3, 2, 5, 59, 30, tzinfo=UTC)  # 06:59:30 in Kranj


@pytest.fixture
def city(db):  # type: ignore[no-untyped-def]
    return create_city("kranjmini", name="Kranj (mini)", country="SI", language="sl")


def pulled(city, folder: str = "2.3"):  # type: ignore[no-untyped-def]
    return bikes.pull(city, url=str(GBFS / folder), actor="test")


def station(share: BikeShare, sid: str) -> BikeStation:
    return next(s for s in share.stations if s.id == sid)


# -- the model ------------------------------------------------------------------------------------

def test_gbfs_2_3_and_3_0_of_the_same_system_give_the_same_bike_share(city):
    other = create_city("kranjmini3", name="Kranj (mini, 3.0)", country="SI", language="sl")
    assert pulled(city, "2.3").value.version == "2.3"
    assert pulled(other, "3.0").value.version == "3.0"
    v2 = bikes.bike_share(city, local(7))
    v3 = bikes.bike_share(other, local(7))
    assert v2 == v3 and v2 is not None and not v2.stale
    assert [s.id for s in v2.stations] == ["kr-knjiznica", "kr-planina", "kr-planina-polna",
                                           "kr-planina-zaprta", "kr-prazna", "kr-servis"]
    assert station(v2, "kr-knjiznica") == BikeStation("kr-knjiznica", "Mestna knjižnica",
                                                      46.2705, 14.395, bikes=5, docks=7)
    assert station(v2, "kr-servis").renting is False
    assert station(v2, "kr-planina-zaprta").returning is False
    # what each version calls them: num_bikes_available / num_vehicles_available, POSIX /
    # RFC 3339, text / localized names
    read2 = bikes.read_feed(str(GBFS / "2.3"), language="sl")
    read3 = bikes.read_feed(str(GBFS / "3.0"), language="sl")
    assert (read2.last_updated, read2.ttl, read2.name, read2.system_id) == (
        UPDATED, 60, "KRsKOLESOM (illustrative)", "krskolesom")
    assert (read3.last_updated, read3.ttl, read3.stations) == (UPDATED, 60, read2.stations)
    assert read2.problems == read3.problems == []


def test_names_come_in_the_citys_language_when_the_feed_has_it():
    english = bikes.read_feed(str(GBFS / "3.0"), language="en")
    assert english.stations[0]["name"] == "City library"
    assert bikes.read_feed(str(GBFS / "3.0"), language="de").stations[0]["name"] == \
        "Mestna knjižnica"  # not there: the feed's first
    assert bikes.read_feed(str(GBFS / "2.3"), language="en").stations[0]["name"] == \
        "Mestna knjižnica"  # a 2.3 feed in Slovenian only


def test_a_manifest_leads_to_the_newest_version_and_a_file_url_reads_like_a_folder():
    assert bikes.read_feed(str(GBFS)).version == "3.0"  # manifest.json lists 2.3 and 3.0
    assert bikes.read_feed((GBFS / "manifest.json").as_uri(), system_id="krskolesom").version \
        == "3.0"
    with pytest.raises(bikes.FeedError, match="krskolesom: name one"):
        bikes.read_feed(str(GBFS), system_id="gorenjska")
    assert bikes.read_feed((GBFS / "2.3" / "gbfs.json").as_uri()) == bikes.read_feed(
        str(GBFS / "2.3"))


def test_a_city_without_bike_share_has_none_and_one_never_read_is_stale(city):
    assert bikes.bike_share(city, local(7)) is None
    bikes.configure(city, "https://example.org/gbfs.json", actor="test")
    assert bikes.bike_share(city, local(7)) == BikeShare(stations=(), stale=True)


# -- bike legs (research §6 check 12) ---------------------------------------------------------------

def ask(share: BikeShare | None):  # type: ignore[no-untyped-def]
    tt = compile_timetable(FEED, ZONE, MONDAY)
    return plan(tt, Query(ORIGIN, stop_at(FEED, "kolodvor-1"), local(7, 10)), bikes=share)


def test_bike_legs_rent_only_where_bikes_are_and_return_only_where_docks_are_free(city):
    pulled(city)
    got = ask(bikes.bike_share(city, local(7, 5)))
    assert len(got.itineraries) == 1
    legs = got.itineraries[0].legs
    assert [leg.mode for leg in legs] == ["walk", "bike", "walk", "bus"]
    # the stations 4 m from the origin (no bike; not renting) and from Planina (no dock; not
    # returning) are nearer, and are not used
    assert (legs[1].origin.stop_id, legs[1].destination.stop_id) == ("kr-knjiznica",
                                                                     "kr-planina")
    assert (legs[3].trip, legs[3].depart, got.itineraries[0].arrive) == (
        "1-0730", local(7, 30), local(7, 50))
    assert ask(None).no_journey  # on foot the stops are out of reach


def test_without_a_usable_station_there_is_no_bike_leg(city):
    pulled(city)
    share = bikes.bike_share(city, local(7, 5))
    assert share is not None
    no_bikes = BikeShare(tuple(BikeStation(s.id, s.name, s.lat, s.lon, 0 if s.id ==
                                           "kr-knjiznica" else s.bikes, s.docks, s.renting,
                                           s.returning) for s in share.stations))
    assert ask(no_bikes).no_journey
    no_docks = BikeShare(tuple(BikeStation(s.id, s.name, s.lat, s.lon, s.bikes, 0 if s.id ==
                                           "kr-planina" else s.docks, s.renting, s.returning)
                               for s in share.stations))
    assert ask(no_docks).no_journey


def test_a_stale_feed_disables_bike_legs_and_says_so(city):
    pulled(city)
    # station_status of 06:59:30 with a ttl of 60 s is usable until 07:05:30
    assert not bikes.bike_share(city, local(7, 5, 30)).stale
    stale = bikes.bike_share(city, local(7, 5, 31))
    assert stale is not None and stale.stale and len(stale.stations) == 6
    got = ask(stale)
    assert got.no_journey
    assert "shared bikes left out: the bike-share feed is stale" in got.notes
    state = bikes.state(city, local(7, 5, 31))
    assert state is not None and (state.stale, state.age_s, state.ttl) == (True, 361, 60)


# -- pulling ---------------------------------------------------------------------------------------

def test_the_command_line_pulls_a_folder_and_pulling_again_changes_nothing(city):
    run = CliRunner().invoke
    result = run(main, ["mobility", "bikes", "pull", "--city", "kranjmini", "--url",
                        str(GBFS / "2.3")])
    assert result.exit_code == 0, result.output
    assert result.output == ("KRsKOLESOM (illustrative) (GBFS 2.3): 6 stations, 22 bikes, "
                             "updated 2026-03-02 05:59:30 UTC, ttl 60 s\n")
    held = bikes.bike_share(city, local(7))
    again = run(main, ["mobility", "bikes", "pull", "--city", "kranjmini"])  # the same URL
    assert again.exit_code == 0 and "nothing changed" in again.output
    # the same moment written as 3.0 is the same data: nothing changes either
    assert bikes.pull(city, url=str(GBFS / "3.0"), actor="test").replayed
    assert bikes.bike_share(city, local(7)) == held
    shown = run(main, ["mobility", "bikes", "show", "--city", "kranjmini"])
    assert "kr-servis\tStražišče, servis\t4 bikes\t6 docks not renting" in shown.output


def copy_of(tmp_path: Path, folder: str = "2.3") -> Path:
    return Path(shutil.copytree(GBFS / folder, tmp_path / folder))


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def test_a_newer_status_replaces_the_stations_and_an_older_one_does_not(city, tmp_path):
    folder = copy_of(tmp_path)
    pulled(city)
    later = int((UPDATED + timedelta(minutes=1)).timestamp())

    def newer(doc):  # type: ignore[no-untyped-def]
        doc["last_updated"] = later
        doc["data"]["stations"][0]["num_bikes_available"] = 4
    edit(folder / "station_status.json", newer)
    assert not bikes.pull(city, url=str(folder), actor="test").replayed
    assert station(bikes.bike_share(city, local(7)), "kr-knjiznica").bikes == 4
    assert bikes.pull(city, url=str(GBFS / "2.3"), actor="test").replayed  # older: kept
    assert station(bikes.bike_share(city, local(7)), "kr-knjiznica").bikes == 4


def test_a_feed_that_cannot_be_read_is_refused_and_the_stations_held_stay(city, tmp_path):
    pulled(city)
    held = bikes.bike_share(city, local(7))
    folder = copy_of(tmp_path)
    (folder / "station_status.json").write_text("{not json")
    with pytest.raises(Conflict) as refused:
        bikes.pull(city, url=str(folder), actor="test")
    assert str(refused.value).startswith("The bike-share feed could not be read: ")
    assert "station_status.json is not JSON" in str(refused.value)
    assert str(refused.value).endswith("The stations read before are kept.")
    edit(folder / "gbfs.json", lambda doc: doc.pop("version"))
    with pytest.raises(Conflict, match=r"GBFS version not given \(1.x\); 2.3 and 3.x are read"):
        bikes.pull(city, url=str(folder), actor="test")
    with pytest.raises(Conflict, match="could not be read"):
        bikes.pull(city, url=(tmp_path / "nowhere").as_uri(), actor="test")
    assert bikes.bike_share(city, local(7)) == held


def test_a_station_with_a_bad_value_is_left_out_and_named(city, tmp_path):
    folder = copy_of(tmp_path, "3.0")

    def negative(doc):  # type: ignore[no-untyped-def]
        doc["data"]["stations"][1]["num_vehicles_available"] = -2
    edit(folder / "station_status.json", negative)
    system = bikes.pull(city, url=str(folder), actor="test").value
    assert [s["id"] for s in system.stations if s["id"] == "kr-prazna"] == []
    assert system.problems == [f"{folder / 'station_status.json'} station kr-prazna: -2 is not "
                               "a count"]


def test_the_worker_pulls_the_configured_feed(city):
    from zerocity.ops.jobs import run

    bikes.configure(city, (GBFS / "3.0" / "gbfs.json").as_uri(), actor="test")
    assert run("mobility-pull", request="test") == {"kranjmini": "bike-share: 6 stations"}
    assert run("mobility-pull", request="test") == {"kranjmini": "bike-share: unchanged"}
