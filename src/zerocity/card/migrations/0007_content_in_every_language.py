"""Texts people write are stored per language (modeltranslation). What was written so far
is kept: the single text the city had becomes the English one (the language the demo and the
forms used); the Slovenian texts some models kept by hand (``title_sl``) stay where they were,
now as the Slovenian translation, with an empty one read as missing."""

from django.db import migrations, models


FIELDS = {'challenge': ('title', 'description')}
HAND_ROLLED = {'challenge': ('title',)}


def keep_existing_texts(apps, schema_editor):
    for model, fields in FIELDS.items():
        Model = apps.get_model('card', model)
        for obj in Model.objects.all():
            for field in fields:
                setattr(obj, f"{field}_en", getattr(obj, field))
            for field in HAND_ROLLED.get(model, ()):
                if not getattr(obj, f"{field}_sl"):
                    setattr(obj, f"{field}_sl", None)
            obj.save(update_fields=[f"{f}_{lang}" for f in fields for lang in ("en", "sl")])


def restore_single_texts(apps, schema_editor):
    for model, fields in FIELDS.items():
        Model = apps.get_model('card', model)
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
        ('card', '0006_ridership_challenges'),
    ]

    operations = [
        migrations.AddField(
            model_name='challenge',
            name='description_en',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='challenge',
            name='description_sl',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='challenge',
            name='title_en',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AlterField(
            model_name='challenge',
            name='title_sl',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.RunPython(keep_existing_texts, restore_single_texts),
    ]
