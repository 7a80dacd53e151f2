"""What the data platform hands on: measured lines fed into an inventory year (with their
provenance, superseding the estimates), the plan's indicators computed from readings, and the
open data (withheld where too few meters, never private sources, DCAT-AP metadata)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pandas as pd
import pyarrow.parquet as pq
import pytest
from rdflib import RDF, Graph, Namespace, URIRef

from zerocity.core.errors import Conflict
from zerocity.data import opendata, outputs, services
from zerocity.data.models import InventoryFeed
from zerocity.inventory.models import Inventory, RejectedImport
from zerocity.inventory.parsing import ImportRejected
from zerocity.inventory.selectors import summary
from zerocity.inventory.services import add_factor, import_activity_file, publish_inventory
from zerocity.plan.models import Indicator, Observation, Plan

pytestmark = pytest.mark.django_db
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")

# Kranj's 2018 factors (Action Plan table, research note ghg-standards.md 7): t CO2/MWh
FACTORS = {"electricity": 0.358, "district_heat": 0.320, "diesel": 0.267}
ESTIMATES = """gpc_ref,activity,amount,unit,fuel,data_quality,source
I.1.2,"Electricity, residential buildings",100,MWh,electricity,M,estimate
I.1.1,"District heat, residential buildings",50,MWh,district_heat,M,estimate
II.1.1,"Diesel, road transport",200,MWh,diesel,M,fuel sales
"""


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.OPEN_DATA_MIN_METERS = 3
    return tmp_path


def daily(meters: int, first: date, days: int, quantity: str, value: float,
          customer_class: str | None = None, prefix: str = "M") -> list[dict[str, object]]:
    """``meters`` meters x ``days`` local days of one reading each (local midnight)."""
    out = []
    for m in range(meters):
        for d in range(days):
            day = first + timedelta(days=d)
            rec: dict[str, object] = {"meter": f"{prefix}{m}", "time": f"{day}T00:00:00",
                                      "quantity": quantity, "value": value, "unit": "kWh"}
            if customer_class:
                rec["customer_class"] = customer_class
            out.append(rec)
    return out


def source(city, key, kind, quantities, publication="aggregated"):  # type: ignore[no-untyped-def]
    return services.add_source(city, key, name=key, kind=kind, frequency="daily",
                               schema={q: {"unit": "kWh", "min": 0} for q in quantities},
                               publication=publication)


@pytest.fixture
def metered(city):  # type: ignore[no-untyped-def]
    """Testville's 2025: three household electricity meters at 10 kWh a day and three heat
    meters at 20 kWh a day, all year; and a draft inventory of estimates."""
    for key, co2 in FACTORS.items():
        add_factor(city=city, source="test", key=key, year=2018, unit="MWh", co2=co2)
    el = source(city, "el", "electricity_meters", ["active_energy"])
    heat = source(city, "heat", "heat_meters", ["heat_energy"])
    services.ingest_records(el, daily(3, date(2025, 1, 1), 365, "active_energy", 10.0,
                                      "household"))
    services.ingest_records(heat, daily(3, date(2025, 1, 1), 365, "heat_energy", 20.0,
                                        "household", prefix="H"))
    import_activity_file(city, 2025, ESTIMATES.encode(), "estimates.csv", actor="test")
    return city, el, heat


def test_measured_lines_carry_their_provenance(metered):
    city, el, _ = metered
    lines = {(m.gpc_ref, m.carrier): m for m in outputs.measured_lines(city, 2025)}
    electricity = lines[("I.1.2", "electricity")]
    assert electricity.mwh == pytest.approx(3 * 365 * 10 / 1000)
    assert (electricity.readings, electricity.meters, electricity.coverage) == (1095, 3, 1.0)
    assert electricity.sources == ("el",) and electricity.batches == (el.batches.get().pk,)
    assert electricity.data_quality == "H"
    # heat is grid-supplied energy: GPC puts it under I.1.2, as the mapping says
    assert lines[("I.1.2", "district_heat")].mwh == pytest.approx(21.9)
    assert outputs.quality(0.9) == "M" and outputs.quality(0.5) == "L"
    assert outputs.quality(None) == "L"


def test_the_pipeline_output_feeds_an_inventory_year(metered):
    city, el, _ = metered
    result = outputs.feed_inventory(city, 2025, actor="test")
    inventory = Inventory.objects.get(city=city, year=2025)
    lines = {ln.activity: ln for ln in inventory.lines.all()}
    # the measured lines stand where the estimates of the same carrier and sub-sector stood:
    # Kranj-style district heat under I.1.1 is superseded by the metered heat under I.1.2
    assert [ln.activity for ln in inventory.lines.order_by("position")] == [
        "Electricity, metered", "District heat, metered", "Diesel, road transport"]
    assert lines["Electricity, metered"].amount == pytest.approx(10.95)
    assert lines["Electricity, metered"].data_quality == "H"
    assert "el; batches " in lines["Electricity, metered"].source
    assert "1,095 readings of 3 meters; 100.0% of the readings owed" in \
        lines["Electricity, metered"].source
    # emissions are the inventory's: MWh x the city's factor, as for any imported line
    totals = summary(inventory)["totals"]
    assert totals["basic"] == pytest.approx(10.95 * 0.358 + 21.9 * 0.320 + 200 * 0.267,
                                            rel=1e-9)
    # the superseded estimates are kept, as they were, with what the feed rested on
    feed = result.feed
    assert feed is not None and feed.import_batch is not None
    assert sorted((s["activity"], s["amount"], s["superseded_by"]) for s in feed.superseded) == [
        ("District heat, residential buildings", "50.0", "District heat, metered"),
        ("Electricity, residential buildings", "100.0", "Electricity, metered")]
    assert {ln["sources"][0] for ln in feed.lines} == {"el", "heat"}
    # the same readings again change nothing
    again = outputs.feed_inventory(city, 2025, actor="test")
    assert again.unchanged and InventoryFeed.objects.count() == 1
    # a late reading updates the measured line in place, never adds a second one
    services.ingest_records(el, [{"meter": "M9", "time": "2025-12-31T00:00:00",
                                  "quantity": "active_energy", "value": 50.0, "unit": "kWh",
                                  "customer_class": "household"}])
    outputs.feed_inventory(city, 2025, actor="test")
    electricity = inventory.lines.get(activity="Electricity, metered")
    assert electricity.amount == pytest.approx(11.0)
    assert inventory.lines.count() == 3


def test_a_year_without_an_inventory_gets_a_draft_and_a_published_one_is_refused(metered):
    city, *_ = metered
    Inventory.objects.filter(city=city, year=2025).delete()
    outputs.feed_inventory(city, 2025, actor="test")
    inventory = Inventory.objects.get(city=city, year=2025)
    assert not inventory.is_published and inventory.lines.count() == 2
    publish_inventory(inventory, actor="test")
    with pytest.raises(Conflict, match="published"):
        outputs.feed_inventory(city, 2025, actor="test")
    with pytest.raises(Conflict, match="no metered energy readings of 2019"):
        outputs.feed_inventory(city, 2019, actor="test")


def test_a_carrier_without_a_factor_is_refused_whole_and_the_file_kept(city):
    # district heat has no default factor: the city must state its network's
    heat = source(city, "heat", "heat_meters", ["heat_energy"])
    services.ingest_records(heat, daily(3, date(2025, 1, 1), 10, "heat_energy", 1.0,
                                        "household"))
    with pytest.raises(ImportRejected, match="column fuel: no emission factor 'district_heat'"):
        outputs.feed_inventory(city, 2025, actor="test")
    assert not Inventory.objects.filter(city=city, year=2025, lines__isnull=False).exists()
    assert RejectedImport.objects.get(city=city, year=2025).filename == \
        "data-platform-testville-2025.csv"


# -- the plan's indicators -----------------------------------------------------------------

@pytest.fixture
def plan(city):  # type: ignore[no-untyped-def]
    baseline = import_activity_file(city, 2018, b"gpc_ref,activity,amount,unit,fuel\n"
                                    b"I.1.2,Electricity,100,MWh,electricity\n", "b.csv",
                                    actor="t")
    plan = Plan.objects.create(city=city, title="Plan", baseline=baseline.inventory)
    pv = Indicator.objects.create(plan=plan, code="OI 1.2", name="Green electricity",
                                  unit="MWh")
    share = Indicator.objects.create(plan=plan, code="OI 1.1", name="Renewable heat",
                                     unit="%")
    return plan, pv, share


def test_indicators_are_computed_from_readings_and_recorded_for_complete_years(city, plan):
    _, pv, share = plan
    pv_source = source(city, "pv", "pv_production", ["pv_energy"])
    plants = source(city, "plants", "heat_meters",
                    ["heat_production", "heat_production_renewable"], publication="open")
    services.ingest_records(pv_source, daily(2, date(2025, 1, 1), 365 + 31, "pv_energy",
                                             1000.0))
    services.ingest_records(plants, daily(1, date(2025, 1, 1), 365, "heat_production", 100.0)
                            + daily(1, date(2025, 1, 1), 365, "heat_production_renewable",
                                    45.0, prefix="R"))
    outputs.set_indicator_feed(pv, pv_source, "pv_energy", actor="t")
    outputs.set_indicator_feed(share, plants, "heat_production_renewable",
                               share_of="heat_production", actor="t")
    values = {(v.feed.indicator.code, v.year): v for v in outputs.indicator_values(city)}
    assert values[("OI 1.2", 2025)].value == pytest.approx(730.0)  # 2 x 365 x 1 MWh
    assert values[("OI 1.1", 2025)].value == pytest.approx(45.0)
    january = values[("OI 1.2", 2026)]
    assert january.value == pytest.approx(62.0) and january.coverage == pytest.approx(31 / 365)
    assert not january.complete
    observed = outputs.feed_indicators(city, actor="t")
    assert sorted((o.indicator.code, o.year, o.value) for o in observed) == [
        ("OI 1.1", 2025, pytest.approx(45.0)), ("OI 1.2", 2025, pytest.approx(730.0))]
    assert "pv pv_energy; 730 readings; coverage 100.0%" in Observation.objects.get(
        indicator=pv, year=2025).source
    assert not Observation.objects.filter(indicator=pv, year=2026).exists()
    before = list(Observation.objects.values_list("pk", "at"))
    outputs.feed_indicators(city, actor="t")
    assert list(Observation.objects.values_list("pk", "at")) == before


def test_an_indicator_feed_must_name_the_source_s_quantities_in_a_convertible_unit(city, plan):
    _, pv, share = plan
    gas = services.add_source(city, "gas", name="gas", kind="gas_meters", frequency="daily",
                              schema={"gas_volume": {"unit": "m3", "min": 0}})
    with pytest.raises(Conflict, match="no quantity 'pv_energy'"):
        outputs.set_indicator_feed(pv, gas, "pv_energy")
    with pytest.raises(Conflict, match="OI 1.2: unit 'm3'"):
        outputs.set_indicator_feed(pv, gas, "gas_volume")
    with pytest.raises(Conflict, match="between 0 and 1"):
        outputs.set_indicator_feed(share, gas, "gas_volume", share_of="gas_volume",
                                   min_coverage=2)


# -- open data -----------------------------------------------------------------------------

@pytest.fixture
def published(city):  # type: ignore[no-untyped-def]
    """Two household electricity meters (too few to publish), three heat meters, one air
    station (open: a sensor in public space) and a private source."""
    el = source(city, "el", "electricity_meters", ["active_energy"])
    heat = source(city, "heat", "heat_meters", ["heat_energy"])
    air = services.add_source(city, "air", name="Air", kind="air_quality", frequency="daily",
                              schema={"no2": {"unit": "ug/m3", "min": 0}}, publication="open")
    secret = source(city, "secret", "gas_meters", ["gas_energy"], publication="private")
    services.ingest_records(el, daily(2, date(2026, 1, 1), 31, "active_energy", 10.0,
                                      "household"))
    services.ingest_records(heat, daily(3, date(2026, 1, 1), 31, "heat_energy", 20.0,
                                        "household", prefix="H"))
    services.ingest_records(air, [{"meter": "station-1", "time": f"2026-01-{d:02d}T00:00:00",
                                   "quantity": "no2", "value": float(d), "unit": "ug/m3"}
                                  for d in range(1, 32)])
    services.ingest_records(secret, daily(5, date(2026, 1, 1), 31, "gas_energy", 99.0,
                                          "household", prefix="G"))
    return city, heat


def test_open_data_withholds_figures_of_too_few_meters_and_never_shows_private_sources(
        published):
    city, _ = published
    energy = opendata.frame(city, "energy-use").set_index("carrier")
    assert list(energy.columns[:3]) == ["year", "month", "gpc_ref"]
    assert bool(energy.loc["electricity", "withheld"])
    assert pd.isna(energy.loc["electricity", "mwh"])
    assert not bool(energy.loc["district_heat", "withheld"])
    assert energy.loc["district_heat", "mwh"] == pytest.approx(3 * 31 * 20 / 1000)
    assert "natural_gas" not in energy.index  # the private source
    series = opendata.frame(city, "monthly-series").set_index("quantity")
    assert "gas_energy" not in series.index
    # one air station is published (open), its monthly mean is the mean of the readings
    assert series.loc["no2", "mean"] == pytest.approx(16.0)
    assert series.loc["no2", "meters"] == 1 and not bool(series.loc["no2", "withheld"])


def test_downloads_carry_licence_and_metadata_and_follow_new_batches(published):
    city, heat = published
    csv = opendata.download(city, "energy-use", "csv").decode()
    assert csv.splitlines()[0] == ("year,month,gpc_ref,subsector,carrier,ccc_sector,mwh,"
                                   "meters,coverage,withheld,sources")
    body = json.loads(opendata.download(city, "energy-use", "json"))
    assert body["licence"] == "CC BY 4.0" and body["publisher"] == "Testville"
    assert {c["name"]: c["unit"] for c in body["columns"]}["mwh"] == "MWh"
    assert len(body["rows"]) == 2
    table = pq.read_table(io.BytesIO(opendata.download(city, "energy-use", "parquet")))
    meta = json.loads(table.schema.metadata[b"zerocity"])
    assert meta["licence_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert table.num_rows == 2
    # a new batch is in the next download
    services.ingest_records(heat, daily(3, date(2026, 2, 1), 28, "heat_energy", 20.0,
                                        "household", prefix="H"))
    assert len(opendata.frame(city, "energy-use")) == 3


def test_the_catalogue_is_dcat_ap_json_ld(published, client):
    city, _ = published
    response = client.get(f"/api/v1/cities/{city.slug}/datasets")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    graph = Graph().parse(data=response.content, format="json-ld")
    catalogs = list(graph.subjects(RDF.type, DCAT.Catalog))
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    # the platform's three and the two the mobility app registers (test_mobility_open_data)
    assert len(catalogs) == 1 and len(datasets) == len(opendata.datasets()) == 5
    assert set(graph.objects(catalogs[0], DCAT.dataset)) == datasets
    for prop in (DCT.title, DCT.description, DCT.publisher):
        assert graph.value(catalogs[0], prop) is not None, prop
    energy = URIRef("http://testserver/api/v1/cities/testville/datasets/energy-use")
    assert energy in datasets
    titles = {t.language: str(t) for t in graph.objects(energy, DCT.title)}
    assert titles["en"] == "Metered energy use by sector and carrier, monthly"
    assert set(titles) == {"sl", "en"}
    distributions = list(graph.objects(energy, DCAT.distribution))
    assert len(distributions) == 3
    for dist in distributions:  # DCAT-AP: accessURL is mandatory; licence recommended
        assert graph.value(dist, DCAT.accessURL) is not None
        assert str(graph.value(dist, DCT.license)) == \
            "https://creativecommons.org/licenses/by/4.0/"
    csv_url = "http://testserver/api/v1/cities/testville/datasets/energy-use.csv"
    assert URIRef(csv_url) in distributions
    download = client.get(csv_url)
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert 'filename="testville-energy-use.csv"' in download["Content-Disposition"]
    temporal = graph.value(energy, DCT.temporal)
    assert str(graph.value(temporal, DCAT.startDate)) == "2026-01-01"
    assert str(graph.value(temporal, DCAT.endDate)) == "2026-01-31"
    # an app's dataset is described the same way, even before it has rows
    bus = URIRef("http://testserver/api/v1/cities/testville/datasets/bus-service")
    assert bus in datasets and len(list(graph.objects(bus, DCAT.distribution))) == 3
    assert {str(t) for t in graph.objects(bus, DCAT.theme)} == {
        "http://publications.europa.eu/resource/authority/data-theme/TRAN"}
    assert graph.value(bus, DCT.temporal) is None
    one = client.get(f"/api/v1/cities/{city.slug}/datasets/energy-use")
    assert json.loads(one.content)["dct:identifier"] == "testville/energy-use"


def test_unknown_datasets_formats_and_cities_are_404(published, client):
    city, _ = published
    for url in (f"/api/v1/cities/{city.slug}/datasets/nope",
                f"/api/v1/cities/{city.slug}/datasets/energy-use.xml",
                f"/api/v1/cities/{city.slug}/datasets/nope.csv",
                "/api/v1/cities/atlantis/datasets"):
        assert client.get(url).status_code == 404, url


def test_the_command_line_feeds_and_exports(metered, tmp_path):
    from click.testing import CliRunner

    from zerocity.cli import main

    run = CliRunner().invoke
    fed = run(main, ["data", "feed-inventory", "--city", "testville", "--year", "2025"])
    assert fed.exit_code == 0, fed.output
    assert "I.1.2\tElectricity, metered\t10.950 MWh\tcoverage 100.0%\tquality H\tel" in fed.output
    assert "2 estimates superseded" in fed.output
    again = run(main, ["data", "feed-inventory", "--city", "testville", "--year", "2025"])
    assert "already holds these figures: unchanged" in again.output
    refused = run(main, ["data", "feed-inventory", "--city", "testville", "--year", "2019"])
    assert refused.exit_code != 0 and "no metered energy readings of 2019" in refused.output
    out = tmp_path / "open" / "energy.json"
    exported = run(main, ["data", "open-data", "--city", "testville", "--dataset",
                          "energy-use", "--format", "json", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert json.loads(out.read_text())["dataset"] == "energy-use"
    indicators = run(main, ["data", "feed-indicators", "--city", "testville"])
    assert indicators.exit_code == 0 and "0 observations" in indicators.output
