"""Walking on the city's own network (issue 19): an OpenStreetMap extract the city uploads
replaces the straight line x 1.3 for access, egress, transfers and the walk-only answer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from click.testing import CliRunner
from django.conf import settings

from mobility_feeds import FEEDS
from zerocity.cli import main
from zerocity.core.errors import Conflict
from zerocity.core.models import AuditLog
from zerocity.mobility import walking
from zerocity.mobility.models import WalkNetwork
from zerocity.mobility.planner import osm
from zerocity.mobility.planner import transfers as tr
from zerocity.mobility.planner.query import Query, plan, walked_to_stops
from zerocity.mobility.planner.timetable import compile_timetable, timetable_for
from zerocity.mobility.planner.walking import WalkNetwork as Network

OSM = Path(__file__).resolve().parent / "fixtures" / "osm" / "kranj-walk.osm"
ZONE = "Europe/Ljubljana"
STATION, TRG = (46.2437, 14.3496), (46.2386, 14.3557)  # nodes 1 and 4, the stops' places


def by_road() -> float:
    """Node 1 -> 2 -> 3 -> 4 of the fixture, great-circle metres added up (about 1.7 km)."""
    pts = [(46.2437, 14.3496), (46.2437, 14.3600), (46.2386, 14.3600), (46.2386, 14.3557)]
    return float(sum(tr.haversine_m(*a, *b) for a, b in zip(pts, pts[1:], strict=False)))


def tables() -> dict:
    import pandas as pd

    return {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
            for p in sorted((FEEDS / "kranj-mini").glob("*.txt"))}


def test_the_extract_gives_the_walkable_ways_only():
    net = osm.read(OSM)
    # the motorway (node 5) and the foot=no service road (node 6) are left out
    assert net.n_nodes == 4 and len(net.edge_m) == 3
    assert 1650 < by_road() < 1750
    assert net.edge_m.sum() == pytest.approx(by_road(), abs=0.01)


def test_stops_walk_the_streets_not_the_straight_line():
    net = osm.read(OSM)
    day = datetime(2026, 1, 12).date()
    straight = float(tr.haversine_m(*STATION, *TRG))
    assert straight * tr.DETOUR < 1000 < by_road()
    # given the network, the station and Glavni trg are the road's length apart, both ways
    tt = compile_timetable(tables(), ZONE, day, closure_m=2000, walk=net)
    a, b = tt.stop_index("kolodvor-1"), tt.stop_index("glavni-trg")
    to = tt.fp_to[tt.fp_ptr[a]:tt.fp_ptr[a + 1]]
    metres = tt.fp_m[tt.fp_ptr[a]:tt.fp_ptr[a + 1]]
    assert metres[list(to).index(b)] == pytest.approx(by_road(), abs=0.01)
    assert walked_to_stops(tt, STATION, 3000)[b] == pytest.approx(by_road(), abs=0.01)
    # and beyond the limit a stop is out of reach on foot
    assert walked_to_stops(tt, STATION, 1000)[b] == np.inf
    # without it, the straight line x 1.3
    plain = compile_timetable(tables(), ZONE, day, closure_m=2000)
    assert walked_to_stops(plain, STATION, 3000)[b] == pytest.approx(straight * tr.DETOUR)
    # a stop far from every node (Planina) keeps the straight line x 1.3 on the network too
    p = tt.stop_index("planina")
    assert walked_to_stops(tt, STATION, 9000)[p] == pytest.approx(
        float(tr.haversine_m(*STATION, tt.lat[p], tt.lon[p])) * tr.DETOUR)


def test_a_walk_only_answer_follows_the_network_and_the_cache_keeps_them_apart(tmp_path):
    net = osm.read(OSM)
    when = datetime(2026, 1, 12, 12, 0, tzinfo=ZoneInfo(ZONE))  # no bus at noon
    q = Query(STATION, TRG, when, max_walk_m=2500)
    on_net = plan(timetable_for(tables(), ZONE, when.date(), tmp_path, walk=net), q)
    plain = plan(timetable_for(tables(), ZONE, when.date(), tmp_path), q)
    (walk,) = [i for i in on_net.itineraries if i.vehicles == 0]
    assert walk.legs[0].distance_m == pytest.approx(by_road(), abs=0.01)
    assert walk.arrive - walk.depart == (walk.legs[0].arrive - walk.legs[0].depart)
    assert (walk.arrive - walk.depart).total_seconds() == tr.walk_seconds(walk.walk_m)
    (straight,) = [i for i in plain.itineraries if i.vehicles == 0]
    assert straight.walk_m == pytest.approx(float(tr.haversine_m(*STATION, *TRG)) * tr.DETOUR)
    assert len(list(tmp_path.glob("*.npz"))) == 2  # one compiled timetable each


def test_a_network_saved_and_loaded_is_the_same():
    net = osm.read(OSM)
    path = Path(settings.DATA_DIR) / "walk-test.npz"
    net.save(path)
    back = Network.load(path)
    assert back.digest == net.digest and np.array_equal(back.edge_m, net.edge_m)


@pytest.mark.django_db
@pytest.mark.usefixtures("in_english")
def test_a_city_imports_its_network_once_and_the_planner_gets_it(city):
    # when the extract is imported twice from the command line
    runner = CliRunner()
    first = runner.invoke(main, ["mobility", "walk", "import", str(OSM), "--city", city.slug])
    again = runner.invoke(main, ["mobility", "walk", "import", str(OSM), "--city", city.slug])
    # then one network is kept, with OpenStreetMap's licence and attribution
    assert first.exit_code == 0, first.output
    assert "4 nodes, 3 edges; ODbL-1.0, © OpenStreetMap contributors" in first.output
    assert again.exit_code == 0 and "nothing changed" in again.output
    (version,) = WalkNetwork.objects.filter(city=city)
    assert AuditLog.objects.filter(action="mobility.walk_network_imported").count() == 1
    folder = Path(settings.DATA_DIR) / version.path
    assert (folder / "network.npz").is_file() and (folder / "source.osm").read_bytes() == \
        OSM.read_bytes()
    # and the planner's network is the file's
    assert walking.network_of(city).digest == osm.read(OSM).digest


@pytest.mark.django_db
@pytest.mark.usefixtures("in_english")
def test_a_file_that_is_no_walking_network_is_refused_and_nothing_kept(city, tmp_path):
    folders = Path(settings.DATA_DIR) / "gtfs"
    before = set(folders.glob(f"{city.slug}/walk-*"))
    bad = tmp_path / "kranj.osm"
    bad.write_text("<osm version='0.6'><node id='1' lat='46' lon='14'/></osm>")
    with pytest.raises(Conflict) as refused:
        walking.import_network(city, bad, filename=bad.name)
    assert refused.value.code == "osm-unreadable"
    assert "export the city's area from OpenStreetMap again" in str(refused.value)
    with pytest.raises(Conflict) as wrong:
        walking.import_network(city, b"x", filename="kranj.geojson")
    assert wrong.value.code == "osm-file-type"
    garbage = tmp_path / "kranj.osm.pbf"
    garbage.write_bytes(b"\x00\x01not a pbf")
    with pytest.raises(Conflict):
        walking.import_network(city, garbage, filename=garbage.name)
    assert not WalkNetwork.objects.exists()
    assert set(folders.glob(f"{city.slug}/walk-*")) == before


@pytest.mark.django_db
def test_a_backup_takes_the_walking_network_with_the_feeds(city):
    from django.db import connection

    from zerocity.ops.backup import _feed_versions_to_copy

    version = walking.import_network(city, OSM, filename=OSM.name).value

    class Snapshot:  # the backup's view of the database: here, the test's own transaction
        @staticmethod
        def rows(sql):  # type: ignore[no-untyped-def]
            with connection.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()

    names = sorted(name for name, _ in _feed_versions_to_copy(Snapshot()))
    assert names == [f"{version.path}/network.npz", f"{version.path}/source.osm"]


@pytest.mark.django_db
@pytest.mark.usefixtures("in_english")
def test_a_journey_walks_the_citys_network_and_names_openstreetmap(city):
    import json

    from journey_feeds import import_journey_feed
    from zerocity.mobility import timetables

    import_journey_feed(city)
    ask = ["mobility", "plan", "--city", city.slug, "--from", "46.2437,14.3496", "--to",
           "46.2386,14.3557", "--depart", "2026-10-20T12:00", "--max-walk-m", "2500",
           "--format", "json"]
    before = json.loads(CliRunner().invoke(main, ask).output)
    walking.import_network(city, OSM, filename=OSM.name)
    timetables.forget()
    after = json.loads(CliRunner().invoke(main, ask).output)
    # the walk-only answer at noon (no bus) walked the straight line, then the streets
    walk_only = [i for i in before["itineraries"] if i["transfers"] == 0 and all(
        leg["mode"] == "walk" for leg in i["legs"])]
    assert walk_only[0]["walk_m"] == pytest.approx(
        float(tr.haversine_m(*STATION, *TRG)) * tr.DETOUR, abs=0.5)
    walk_only = [i for i in after["itineraries"] if all(
        leg["mode"] == "walk" for leg in i["legs"])]
    assert walk_only[0]["walk_m"] == pytest.approx(by_road(), abs=0.5)
    # and the answer names OpenStreetMap beside the timetable's own attribution
    assert after["attribution"][-1] == {"walking_network": "kranj-walk.osm",
                                        "licence": "ODbL-1.0",
                                        "attribution": "© OpenStreetMap contributors"}
    assert len(before["attribution"]) == 1
