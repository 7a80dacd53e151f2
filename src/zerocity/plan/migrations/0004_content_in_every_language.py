"""Texts people write are stored per language (modeltranslation). What was written so far
is kept: the single text the city had becomes the English one (the language the demo and the
forms used); the Slovenian texts some models kept by hand (``title_sl``) stay where they were,
now as the Slovenian translation, with an empty one read as missing."""

from django.db import migrations, models


FIELDS = {'plan': ('title',), 'fieldofaction': ('name',), 'systemiclever': ('name',), 'action': ('name', 'description', 'outcome'), 'indicator': ('name', 'definition', 'calculation'), 'milestone': ('name',)}
HAND_ROLLED: dict[str, tuple[str, ...]] = {}


def keep_existing_texts(apps, schema_editor):
    for model, fields in FIELDS.items():
        Model = apps.get_model('plan', model)
        for obj in Model.objects.all():
            for field in fields:
                setattr(obj, f"{field}_en", getattr(obj, field))
            for field in HAND_ROLLED.get(model, ()):
                if not getattr(obj, f"{field}_sl"):
                    setattr(obj, f"{field}_sl", None)
            obj.save(update_fields=[f"{f}_{lang}" for f in fields for lang in ("en", "sl")])


def restore_single_texts(apps, schema_editor):
    for model, fields in FIELDS.items():
        Model = apps.get_model('plan', model)
        for obj in Model.objects.all():
            for field in fields:
                english = getattr(obj, f"{field}_en")
                if english is not None:
                    setattr(obj, field, english)
                if field in HAND_ROLLED.get(model, ()) and getattr(obj, f"{field}_sl") is None:
                    setattr(obj, f"{field}_sl", "")
            obj.save()


class Migration(migrations.Migration):

    dependencies = [
        ('plan', '0003_effects_office_commitments_proposals'),
    ]

    operations = [
        migrations.AddField(
            model_name='action',
            name='description_en',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='action',
            name='description_sl',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='action',
            name='name_en',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='action',
            name='name_sl',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='action',
            name='outcome_en',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='action',
            name='outcome_sl',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='fieldofaction',
            name='name_en',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name='fieldofaction',
            name='name_sl',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name='indicator',
            name='calculation_en',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='indicator',
            name='calculation_sl',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='indicator',
            name='definition_en',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='indicator',
            name='definition_sl',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='indicator',
            name='name_en',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='indicator',
            name='name_sl',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='milestone',
            name='name_en',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='milestone',
            name='name_sl',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='plan',
            name='title_en',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='plan',
            name='title_sl',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='systemiclever',
            name='name_en',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name='systemiclever',
            name='name_sl',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddConstraint(
            model_name='milestone',
            constraint=models.UniqueConstraint(fields=('action', 'name_sl'), name='milestone_unique_name-sl'),
        ),
        migrations.AddConstraint(
            model_name='milestone',
            constraint=models.UniqueConstraint(fields=('action', 'name_en'), name='milestone_unique_name-en'),
        ),
        migrations.RunPython(keep_existing_texts, restore_single_texts),
    ]
