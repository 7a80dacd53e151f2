"""The city's open data: monthly aggregates of the published sources, with licence and metadata,
downloadable as CSV, JSON and Parquet and described by a DCAT-AP catalogue.

Never personal data. Readings are never published, only monthly aggregates, and only of sources
whose ``publication`` allows it. For a source published as ``aggregated`` (households' and
firms' meters) a figure that rests on fewer meters than ``settings.OPEN_DATA_MIN_METERS`` is
withheld: its row stays, marked ``withheld``, with no value (the minimum-frequency rule of
statistical disclosure control).

Each dataset is computed by the pipelines once per state of the store (the city's latest batch
and the files of its sources) and kept as a Parquet file under ``DATA_DIR/opendata/<city>/``;
a new batch makes the next request compute it again.

Other apps publish their aggregates here too (the mobility app its timetable's service and its
accessibility): they register datasets through ``core.hooks.open_data`` with their own part of
the state, and are downloaded, described and shown exactly as the platform's own.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db.models import Max
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zerocity.core import hooks
from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.core.open_datasets import Column, Dataset
from zerocity.core.spreadsheet import safe_cell
from zerocity.data import store
from zerocity.data.models import Batch, DataSource, Publication
from zerocity.data.outputs import CARRIERS, city_scope, readings_path
from zerocity.data.pipelines import gpc_activity, monthly_activity, nowcast
from zerocity.inventory import calculations as calc
from zerocity.inventory import gwp as gwp_mod
from zerocity.inventory.models import GpcCategory
from zerocity.inventory.services import FactorResolver

FORMATS = {"csv": "text/csv", "json": "application/json",
           "parquet": "application/vnd.apache.parquet"}
EU_FILE_TYPE = {"csv": "CSV", "json": "JSON", "parquet": "PARQUET"}
EU = "http://publications.europa.eu/resource/authority/"
LANGUAGES = ("sl", "en")


# -- what each dataset holds ---------------------------------------------------------------

def _sources(city: City) -> dict[str, DataSource]:
    return {s.key: s for s in DataSource.objects.filter(city=city)
            .exclude(publication=Publication.PRIVATE)}


def _withhold(df: pd.DataFrame, sources: dict[str, DataSource], source_col: str,
              values: list[str]) -> pd.DataFrame:
    """Blank ``values`` (and coverage) where an 'aggregated' source's figure rests on too few
    meters; ``withheld`` says which rows."""
    floor = settings.OPEN_DATA_MIN_METERS

    def private(row: Any) -> bool:
        names = row[source_col] if isinstance(row[source_col], list | tuple) else [row[source_col]]
        guarded = any(sources[n].publication == Publication.AGGREGATED for n in names)
        return bool(guarded and row["meters"] < floor)

    df = df.copy()
    df["withheld"] = df.apply(private, axis=1) if len(df) else pd.Series(dtype=bool)
    for col in values + ["coverage"]:
        df[col] = df[col].astype("float64").where(~df["withheld"])
    return df


def build_energy_use(city: City) -> pd.DataFrame:
    sources = _sources(city)
    df = gpc_activity(readings_path(), per="month", **city_scope(city))
    published = df["sources"].map(lambda names: bool(len(names)) and set(names) <= set(sources))
    df = df.loc[published.astype(bool)]
    df = _withhold(df, sources, "sources", ["mwh"])
    names = dict(GpcCategory.objects.values_list("ref", "subsector_name"))
    df["subsector"] = df["gpc_ref"].map(names)
    df["sources"] = df["sources"].map(lambda names: ";".join(names))
    df["ccc_sector"] = df["ccc_sector"].fillna("")
    return df[["year", "month", "gpc_ref", "subsector", "carrier", "ccc_sector", "mwh", "meters",
               "coverage", "withheld", "sources"]]


def build_monthly_series(city: City) -> pd.DataFrame:
    sources = _sources(city)
    df = monthly_activity(readings_path(), **city_scope(city))
    df = df[df["source"].isin(list(sources))]
    keys = ["source", "quantity", "unit", "year", "month"]
    if len(df):
        df = df.assign(expected_readings=df["expected_readings"].astype("float64"))
        df = df.groupby(keys, as_index=False, sort=True).agg(
            total=("value", "sum"), readings=("readings", "sum"), meters=("meters", "sum"),
            expected=("expected_readings", lambda s: s.sum(min_count=len(s))))
        df["mean"] = df["total"] / df["readings"]
        df["coverage"] = df["readings"] / df["expected"]
    else:
        df = df.assign(total=[], mean=[], expected=[])
    df = _withhold(df, sources, "source", ["total", "mean"])
    return df[[*keys, "total", "mean", "readings", "meters", "coverage", "withheld"]]


def carrier_factors(city: City, year: int) -> dict[str, float]:
    """t CO2e per MWh of each metered carrier, from the city's factor library for ``year`` (the
    latest published inventory's GWP set, AR5 otherwise)."""
    latest = city.inventories.filter(status="published").order_by("-year").first()
    gwp = gwp_mod.parse(latest.gwp if latest else "AR5")
    resolver = FactorResolver(city, year)
    out = {}
    for carrier in CARRIERS:
        factor = resolver.resolve(carrier)
        if factor is not None:
            gases = calc.emissions_from_activity(1.0, "MWh", factor.values())
            out[carrier] = calc.co2e(gases, gwp)
    return out


def build_nowcast(city: City) -> pd.DataFrame:
    """This year's metered energy emissions, month by month: measured to date and the estimate
    for the whole year, city totals (no figure rests on one customer)."""
    sources = _sources(city)
    year = city.calendar.today().year
    df = nowcast(readings_path(), factors=carrier_factors(city, year),
                 **city_scope(city), year=None)
    columns = ["year", "month", "mwh_to_date", "mwh_estimate", "tco2e_to_date",
               "tco2e_estimate", "tco2e_previous_year", "coverage", "year_share", "method"]
    if df.empty or not sources:
        return pd.DataFrame({c: [] for c in columns})
    df = df.assign(tco2e_previous_year=df["mwh_previous_year"] * df["tco2e_per_mwh"],
                   expected=df["expected_readings"])
    out = df.groupby(["year", "month"], as_index=False, sort=True).agg(
        mwh_to_date=("mwh_to_date", "sum"), mwh_estimate=("mwh_estimate", "sum"),
        tco2e_to_date=("tco2e_to_date", "sum"), tco2e_estimate=("tco2e_estimate", "sum"),
        tco2e_previous_year=("tco2e_previous_year", "sum"), readings=("readings", "sum"),
        expected=("expected", lambda s: s.sum(min_count=len(s))),
        year_share=("year_share", "first"),
        method=("method", lambda s: ";".join(sorted(set(s)))))
    out["coverage"] = out["readings"] / out["expected"]
    return out[columns]


MONTH = Column("month", "int", _("Month of the year (the city's local time)"))
YEAR = Column("year", "int", _("Year"))
COVERAGE = Column("coverage", "float", _("Share of the readings owed that arrived"), "1")
WITHHELD = Column("withheld", "bool", _("The figure rests on too few meters to be published"))

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        key="energy-use",
        title=_("Metered energy use by sector and carrier, monthly"),
        description=_("Electricity, natural gas and district heat delivered in the city each "
                      "month, from the distribution operators' meters, summed per GPC "
                      "sub-sector and carrier as the emission inventory uses them."),
        themes=("ENER", "ENVI"),
        keywords=(_("energy"), _("electricity"), _("natural gas"), _("district heat"),
                  _("greenhouse gas inventory")),
        columns=(YEAR, MONTH,
                 Column("gpc_ref", "str", _("GPC reference of the inventory row")),
                 Column("subsector", "str", _("GPC sub-sector")),
                 Column("carrier", "str", _("Energy carrier")),
                 Column("ccc_sector", "str", _("Sector of the Climate City Contract tables "
                                               "where it differs from the GPC one")),
                 Column("mwh", "float", _("Energy delivered"), "MWh"),
                 Column("meters", "int", _("Meters that reported")),
                 COVERAGE, WITHHELD,
                 Column("sources", "str", _("The city's data sources behind the figure"))),
        build=build_energy_use, chart="mwh"),
    Dataset(
        key="monthly-series",
        title=_("Monthly series of the city's sensors and meters"),
        description=_("Every published source's quantities per month: the total, the mean "
                      "reading, how many readings and devices, and the coverage (air quality, "
                      "traffic, heat production, PV production, energy)."),
        themes=("ENVI", "TRAN", "ENER"),
        keywords=(_("air quality"), _("traffic"), _("sensors"), _("renewable energy")),
        columns=(Column("source", "str", _("Data source")),
                 Column("quantity", "str", _("Quantity measured")),
                 Column("unit", "str", _("Unit of total and mean")),
                 YEAR, MONTH,
                 Column("total", "float", _("Sum of the readings")),
                 Column("mean", "float", _("Mean reading")),
                 Column("readings", "int", _("Readings")),
                 Column("meters", "int", _("Devices that reported")),
                 COVERAGE, WITHHELD),
        build=build_monthly_series, chart="total"),
    Dataset(
        key="emissions-nowcast",
        title=_("Nowcast of this year's emissions from metered energy"),
        description=_("Emissions of the metered energy use of the current year, month by "
                      "month: measured so far and estimated for the whole year (scaled by last "
                      "year's seasonality where last year is complete), with the coverage it "
                      "rests on. Emission factors from the city's inventory."),
        themes=("ENVI", "ENER"),
        keywords=(_("greenhouse gas"), _("nowcast"), _("climate neutrality")),
        columns=(YEAR, MONTH,
                 Column("mwh_to_date", "float", _("Energy metered this year so far"), "MWh"),
                 Column("mwh_estimate", "float", _("Energy estimated for the whole year"),
                        "MWh"),
                 Column("tco2e_to_date", "float", _("Emissions this year so far"), "t CO2e"),
                 Column("tco2e_estimate", "float", _("Emissions estimated for the whole year"),
                        "t CO2e"),
                 Column("tco2e_previous_year", "float",
                        _("The same rows' emissions over the whole previous year"), "t CO2e"),
                 COVERAGE,
                 Column("year_share", "float", _("Share of the year elapsed"), "1"),
                 Column("method", "str", _("previous_year or share_of_year"))),
        build=build_nowcast, chart="tco2e_estimate"),
)
OWN = "data"  # the part of the state of the platform's own datasets


def datasets() -> tuple[Dataset, ...]:
    """The platform's datasets, then those the apps registered (by app)."""
    return DATASETS + tuple(d for part in hooks.open_data_parts() for d in part.datasets)


def _owner(key: str) -> hooks.OpenDataPart | None:
    """The app that registered dataset ``key``; None for the platform's own."""
    return next((part for part in hooks.open_data_parts()
                 if any(d.key == key for d in part.datasets)), None)


def get_dataset(key: str) -> Dataset:
    found = next((d for d in datasets() if d.key == key), None)
    if found is None:
        raise NotFound(f"no dataset {key!r}")
    return found


# -- computed once per state of the store --------------------------------------------------

Stamps = dict[str, str]  # a part of the state ("data", or an app) -> its stamp


def state(city: City) -> Stamps:
    """Each part's stamp: ``data`` for the platform's own datasets (:func:`own_state`) and one
    per app that registered datasets (its ``state``). A dataset is computed again when its
    part's stamp changes, and only then."""
    stamps = {OWN: own_state(city)}
    for part in hooks.open_data_parts():
        raw = json.dumps([part.app, part.state(city), 1])
        stamps[part.app] = hashlib.sha256(raw.encode()).hexdigest()[:16]
    return stamps


def own_state(city: City) -> str:
    """Changes whenever what the platform's datasets are computed from changes: the city's
    batches, the files of its sources, their publication, the withholding floor, the current
    month."""
    sources = list(DataSource.objects.filter(city=city).order_by("key")
                   .values_list("key", "publication", "frequency"))
    latest = Batch.objects.filter(source__city=city).aggregate(m=Max("pk"))["m"]
    files = [[key, *_files(key)] for key, _pub, _freq in sources]
    month = city.calendar.today().strftime("%Y-%m")
    raw = json.dumps([sources, latest, files, settings.OPEN_DATA_MIN_METERS, month, 1])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _files(key: str) -> tuple[int, int]:
    """How many Parquet files a source has in the store and the newest one's mtime (ns)."""
    root = store.source_dir(key)
    stats = [p.stat() for p in root.rglob("*.parquet")] if root.is_dir() else []
    return len(stats), max((st.st_mtime_ns for st in stats), default=0)


def _cache_dir(city: City) -> Path:
    return Path(settings.DATA_DIR) / "opendata" / city.slug


STAMPED = re.compile(r"[0-9a-f]{16}\.parquet")
TYPES = {"int": pa.int64(), "float": pa.float64(), "str": pa.string(), "bool": pa.bool_()}


def _schema(dataset: Dataset) -> pa.Schema:
    return pa.schema([(c.name, TYPES[c.kind]) for c in dataset.columns])


def cached(city: City, name: str, build: Callable[[City], pd.DataFrame],
           schema: pa.Schema, stamp: str | None = None) -> pa.Table:
    """``build(city)`` as an Arrow table, computed once per ``stamp`` (the platform's own
    :func:`own_state` when none is given) and kept as
    ``DATA_DIR/opendata/<city>/<name>-<stamp>.parquet``."""
    stamp = stamp or own_state(city)
    folder = _cache_dir(city)
    path = folder / f"{name}-{stamp}.parquet"
    if path.exists():
        return pq.read_table(path)
    t = pa.Table.from_pandas(build(city).reset_index(drop=True), schema=schema,
                             preserve_index=False)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}-{stamp}-{os.getpid()}.tmp"
    pq.write_table(t, tmp, compression="zstd")
    os.replace(tmp, path)  # atomic: a reader sees the old file or the whole new one
    for old in folder.glob(f"{name}-*.parquet"):
        # only this dataset's older stamps: "bus-service-<stamp>" is not "bus-<stamp>"'s
        if old != path and STAMPED.fullmatch(old.name.removeprefix(f"{name}-")):
            old.unlink(missing_ok=True)
    return t


def _stamp(city: City, key: str, stamps: Stamps | None) -> str:
    owner = _owner(key)
    if stamps is not None:
        return stamps[owner.app if owner else OWN]
    if owner is None:
        return own_state(city)
    return state(city)[owner.app]


def table(city: City, key: str, stamps: Stamps | None = None) -> pa.Table:
    """The dataset's rows as an Arrow table with the dataset's schema. A caller reading several
    datasets passes the :func:`state` it took once, so the store is walked once per request."""
    dataset = get_dataset(key)
    return cached(city, key, dataset.build, _schema(dataset), _stamp(city, key, stamps))


def frame(city: City, key: str, stamps: Stamps | None = None) -> pd.DataFrame:
    return table(city, key, stamps).to_pandas()


def modified(city: City, key: str | None = None) -> datetime | None:
    """When what dataset ``key`` is computed from last changed: for the platform's own (and
    without a key), when the published sources last received data (a batch, or a file in the
    store); for an app's, what the app says."""
    owner = _owner(key) if key is not None else None
    if owner is not None:
        return owner.modified(city)
    latest = Batch.objects.filter(source__city=city).aggregate(m=Max("created_at"))["m"]
    newest = max((_files(key)[1] for key in _sources(city)), default=0)
    moments = [m for m in (latest, datetime.fromtimestamp(newest / 1e9, UTC) if newest
                           else None) if m is not None]
    return max(moments) if moments else None


# -- downloads -----------------------------------------------------------------------------

def _metadata(city: City, dataset: Dataset) -> dict[str, Any]:
    return {"dataset": dataset.key, "city": city.slug, "title": str(dataset.title),
            "description": str(dataset.description), "licence": settings.OPEN_DATA_LICENCE,
            "licence_url": settings.OPEN_DATA_LICENCE_URL,
            "publisher": city.name,
            "columns": [{"name": c.name, "type": c.kind, "unit": c.unit,
                         "description": str(c.description)} for c in dataset.columns]}


def download(city: City, key: str, fmt: str) -> bytes:
    """The dataset as CSV (UTF-8, a header row), JSON (metadata and rows) or Parquet (with the
    metadata in the file's key-value metadata)."""
    if fmt not in FORMATS:
        raise NotFound(f"no format {fmt!r} ({', '.join(FORMATS)})")
    dataset = get_dataset(key)
    t = table(city, key)
    meta = _metadata(city, dataset)
    if fmt == "parquet":
        t = t.replace_schema_metadata({"zerocity": json.dumps(meta, ensure_ascii=False)})
        buf = io.BytesIO()
        pq.write_table(t, buf, compression="zstd")
        return buf.getvalue()
    df = t.to_pandas()
    if fmt == "csv":
        for column in df.select_dtypes(include=["object", "str"]).columns:  # text: no formula
            df[column] = df[column].map(safe_cell)
        text: str = df.to_csv(index=False, lineterminator="\n")  # pandas is untyped here
        return text.encode("utf-8")
    rows = json.loads(df.to_json(orient="records", double_precision=15))
    return json.dumps({**meta, "rows": rows}, ensure_ascii=False, indent=1).encode("utf-8")


def filename(city: City, key: str, fmt: str) -> str:
    return f"{city.slug}-{key}.{fmt}"


# -- DCAT-AP -------------------------------------------------------------------------------

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}


def _texts(text: Promise | str, **params: str) -> list[dict[str, str]]:
    """The text in each language of the site, as JSON-LD language-tagged values."""
    out = []
    for lang in LANGUAGES:
        with translation.override(lang):
            value = str(text) % params if params else str(text)
            out.append({"@language": lang, "@value": value})
    return out


def _date(value: date) -> dict[str, str]:
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def time_span(df: pd.DataFrame) -> tuple[date, date] | None:
    """The first and last day a dataset's rows cover: its months (``year`` and ``month``) or
    its service dates (``service_date``, ISO text); None when it has neither or no rows."""
    if df.empty:
        return None
    if "year" in df and "month" in df:
        periods = sorted(set(zip(df["year"], df["month"], strict=True)))
        (y0, m0), (y1, m1) = periods[0], periods[-1]
        return date(y0, m0, 1), date(y1 + (m1 == 12), m1 % 12 + 1, 1) - date.resolution
    if "service_date" in df:
        days = sorted({date.fromisoformat(str(d)) for d in df["service_date"]})
        return days[0], days[-1]
    return None


def _period(city: City, key: str, stamps: Stamps | None) -> dict[str, Any] | None:
    span = time_span(frame(city, key, stamps))
    if span is None:
        return None
    return {"@type": "dct:PeriodOfTime", "dcat:startDate": _date(span[0]),
            "dcat:endDate": _date(span[1])}


def _publisher(city: City, home: str) -> dict[str, Any]:
    return {"@id": home, "@type": "foaf:Agent", "foaf:name": city.name}


def dcat_dataset(city: City, key: str, urls: Callable[[str], str], home: str, *,
                 stamps: Stamps | None = None,
                 changed: datetime | None = None) -> dict[str, Any]:
    """One dataset as DCAT-AP JSON-LD. ``urls(kind)`` gives the absolute address of the
    dataset's ``page``, ``metadata`` or a download format. The catalogue passes the
    ``stamps`` it read once for all its datasets, and ``changed`` for the platform's own."""
    dataset = get_dataset(key)
    stamps = stamps or state(city)
    changed = changed or modified(city, key)
    entry: dict[str, Any] = {
        "@id": urls("metadata"), "@type": "dcat:Dataset",
        "dct:identifier": f"{city.slug}/{key}",
        "dct:title": _texts(dataset.title),
        "dct:description": _texts(dataset.description),
        "dcat:keyword": [t for k in dataset.keywords for t in _texts(k)],
        "dcat:theme": [{"@id": f"{EU}data-theme/{t}"} for t in dataset.themes],
        "dct:publisher": _publisher(city, home),
        "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": city.name,
                              "vcard:hasURL": {"@id": home}},
        "dct:accrualPeriodicity": {"@id": f"{EU}frequency/{dataset.frequency}"},
        "dct:spatial": {"@type": "dct:Location", "skos:prefLabel": city.name},
        "dct:language": [{"@id": f"{EU}language/SLV"}, {"@id": f"{EU}language/ENG"}],
        "dcat:landingPage": {"@id": urls("page")},
        "dct:accessRights": {"@id": f"{EU}access-right/PUBLIC"},
        "dcat:distribution": [
            {"@id": urls(fmt), "@type": "dcat:Distribution",
             "dct:title": f"{key}.{fmt}",
             "dcat:accessURL": {"@id": urls(fmt)}, "dcat:downloadURL": {"@id": urls(fmt)},
             "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{mt}"},
             "dct:format": {"@id": f"{EU}file-type/{EU_FILE_TYPE[fmt]}"},
             "dct:license": {"@id": settings.OPEN_DATA_LICENCE_URL}}
            for fmt, mt in FORMATS.items()],
    }
    if changed is not None:
        entry["dct:modified"] = {"@value": changed.isoformat(timespec="seconds"),
                                 "@type": "xsd:dateTime"}
    if (period := _period(city, key, stamps)) is not None:
        entry["dct:temporal"] = period
    return entry


def dcat_catalog(city: City, dataset_urls: Callable[[str, str], str], catalog_url: str,
                 home: str) -> dict[str, Any]:
    """The city's catalogue as DCAT-AP JSON-LD, every dataset in full."""
    stamps, own_changed = state(city), modified(city)  # the store walked once
    return {
        "@context": CONTEXT, "@id": catalog_url, "@type": "dcat:Catalog",
        "dct:title": _texts(_("Open data of %(city)s"), city=city.name),
        "dct:description": _texts(_("Aggregated data of the city's meters, sensors and "
                                    "public transport, published by ZeroCity; never personal "
                                    "data.")),
        "dct:publisher": _publisher(city, home),
        "foaf:homepage": {"@id": home},
        "dct:language": [{"@id": f"{EU}language/SLV"}, {"@id": f"{EU}language/ENG"}],
        "dct:license": {"@id": settings.OPEN_DATA_LICENCE_URL},
        "dcat:dataset": [dcat_dataset(city, d.key, partial(dataset_urls, d.key), home,
                                      stamps=stamps,
                                      changed=None if _owner(d.key) else own_changed)
                         for d in datasets()],
    }


def with_context(entry: dict[str, Any]) -> dict[str, Any]:
    return {"@context": CONTEXT, **entry}


# -- for the city's staff: coverage of every source, published or not ----------------------

COVERAGE_SCHEMA = pa.schema([("source", pa.string()), ("year", pa.int64()),
                             ("month", pa.int64()), ("readings", pa.int64()),
                             ("meters", pa.int64()), ("expected", pa.float64()),
                             ("coverage", pa.float64())])


def _build_coverage(city: City) -> pd.DataFrame:
    df = monthly_activity(readings_path(), **city_scope(city))
    if df.empty:
        return pd.DataFrame({f.name: [] for f in COVERAGE_SCHEMA})
    df = df.assign(expected=df["expected_readings"].astype("float64"))
    out = df.groupby(["source", "year", "month"], as_index=False, sort=True).agg(
        readings=("readings", "sum"), meters=("meters", "sum"),
        expected=("expected", lambda s: s.sum(min_count=len(s))))
    out["coverage"] = out["readings"] / out["expected"]
    return out


def coverage(city: City) -> pd.DataFrame:
    """Per source and local month: readings, meters, readings owed and coverage. Staff only:
    it covers sources that are not published."""
    return cached(city, "staff-coverage", _build_coverage, COVERAGE_SCHEMA).to_pandas()
