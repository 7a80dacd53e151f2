"""The food texts people read are stored per language (modeltranslation). What was written
so far is kept: the single text becomes the English one, the language the services and the
forms took it in until now (as the plan, citizen platform and card migrations did); an empty
one is read as missing."""

from django.db import migrations, models

FIELDS = {"dps": ("title", "justification", "purchases", "operation", "equipment"),
          "category": ("name", "definition", "selection_criteria"),
          "specificprocurement": ("title", "no_lots_reason")}


def keep_existing_texts(apps, schema_editor):
    for model, fields in FIELDS.items():
        Model = apps.get_model("food", model)
        for obj in Model.objects.all():
            for field in fields:
                value = getattr(obj, field)
                setattr(obj, f"{field}_en", value if value not in ("", []) else None)
            obj.save(update_fields=[f"{f}_en" for f in fields])


def restore_single_texts(apps, schema_editor):
    for model, fields in FIELDS.items():
        Model = apps.get_model("food", model)
        for obj in Model.objects.all():
            for field in fields:
                english = getattr(obj, f"{field}_en")
                if english is not None:
                    setattr(obj, field, english)
            obj.save(update_fields=list(fields))


class Migration(migrations.Migration):

    dependencies = [
        ('food', '0007_procurement_items'),
    ]

    operations = [
        migrations.AddField(
            model_name='category',
            name='definition_en',
            field=models.TextField(null=True),
        ),
        migrations.AddField(
            model_name='category',
            name='definition_sl',
            field=models.TextField(null=True),
        ),
        migrations.AddField(
            model_name='category',
            name='name_en',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name='category',
            name='name_sl',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name='category',
            name='selection_criteria_en',
            field=models.JSONField(default=list, null=True),
        ),
        migrations.AddField(
            model_name='category',
            name='selection_criteria_sl',
            field=models.JSONField(default=list, null=True),
        ),
        migrations.AddField(
            model_name='dps',
            name='equipment_en',
            field=models.TextField(blank=True, help_text='DPS-05: electronic equipment and technical connection', null=True),
        ),
        migrations.AddField(
            model_name='dps',
            name='equipment_sl',
            field=models.TextField(blank=True, help_text='DPS-05: electronic equipment and technical connection', null=True),
        ),
        migrations.AddField(
            model_name='dps',
            name='justification_en',
            field=models.TextField(blank=True, help_text='DPS-01: why the purchases are commonly used ones the market meets', null=True),
        ),
        migrations.AddField(
            model_name='dps',
            name='justification_sl',
            field=models.TextField(blank=True, help_text='DPS-01: why the purchases are commonly used ones the market meets', null=True),
        ),
        migrations.AddField(
            model_name='dps',
            name='operation_en',
            field=models.TextField(blank=True, help_text='DPS-05: how the system operates', null=True),
        ),
        migrations.AddField(
            model_name='dps',
            name='operation_sl',
            field=models.TextField(blank=True, help_text='DPS-05: how the system operates', null=True),
        ),
        migrations.AddField(
            model_name='dps',
            name='purchases_en',
            field=models.TextField(blank=True, help_text='DPS-05: nature and estimated quantity', null=True),
        ),
        migrations.AddField(
            model_name='dps',
            name='purchases_sl',
            field=models.TextField(blank=True, help_text='DPS-05: nature and estimated quantity', null=True),
        ),
        migrations.AddField(
            model_name='dps',
            name='title_en',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='dps',
            name='title_sl',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='specificprocurement',
            name='no_lots_reason_en',
            field=models.TextField(blank=True, help_text='DPS-47', null=True),
        ),
        migrations.AddField(
            model_name='specificprocurement',
            name='no_lots_reason_sl',
            field=models.TextField(blank=True, help_text='DPS-47', null=True),
        ),
        migrations.AddField(
            model_name='specificprocurement',
            name='title_en',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='specificprocurement',
            name='title_sl',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.RunPython(keep_existing_texts, restore_single_texts),
    ]
