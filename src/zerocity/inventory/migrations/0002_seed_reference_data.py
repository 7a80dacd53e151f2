"""Seed the GPC v1.1 reference table and the shared emission factor library."""

import csv
from importlib import resources

from django.db import migrations


def _rows(name):
    text = resources.files("zerocity.inventory").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def seed(apps, schema_editor):
    GpcCategory = apps.get_model("inventory", "GpcCategory")
    for r in _rows("gpc_v1_1.csv"):
        GpcCategory.objects.update_or_create(
            ref=r["ref"],
            defaults=dict(sector=r["sector"], subsector=r["subsector"],
                          subsector_name=r["subsector_name"], scope=int(r["scope"]),
                          level=r["level"], name=r["name"]),
        )
    EmissionFactor = apps.get_model("inventory", "EmissionFactor")
    for r in _rows("emission_factors.csv"):
        EmissionFactor.objects.update_or_create(
            city=None, country=r["country"], source=r["source"], key=r["key"],
            year=int(r["year"]), version=int(r["version"]),
            defaults=dict(
                source_name=r["source_name"], label=r["label"], unit=r["unit"],
                co2=float(r["co2"]), ch4=float(r["ch4"]), n2o=float(r["n2o"]),
                co2_biogenic=float(r["co2_biogenic"]), fossil=r["fossil"] == "yes",
                method=r["method"], reference=r["reference"],
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
