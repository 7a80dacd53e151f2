"""Each city keeps its own time zone (and, where its holidays differ, a subdivision)."""

from django.db import migrations, models

import zerocity.core.models


def zones_from_countries(apps, schema_editor):
    from zerocity.core.calendar import CalendarError, country_zones, default_zone

    City = apps.get_model("core", "City")
    for city in City.objects.all():
        try:
            city.timezone = default_zone(city.country)
        except CalendarError:  # a country of several clocks: its main zone, to be checked
            city.timezone = (country_zones(city.country) or ("UTC",))[0]
        city.save(update_fields=["timezone"])


class Migration(migrations.Migration):

    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="city", name="timezone",
            field=models.CharField(default="UTC", max_length=64,
                                   help_text="IANA time zone, e.g. Europe/Ljubljana",
                                   validators=[zerocity.core.models.validate_zone]),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="city", name="subdivision",
            field=models.CharField(blank=True, max_length=10),
        ),
        migrations.AddField(
            model_name="city", name="nuts3",
            field=models.CharField(blank=True, max_length=5, verbose_name="NUTS-3 region"),
        ),
        migrations.RunPython(zones_from_countries, migrations.RunPython.noop),
    ]
