"""Texts people write are stored per language (modeltranslation). What was written so far
is kept: the single text the city had becomes the English one (the language the demo and the
forms used); the Slovenian texts some models kept by hand (``title_sl``) stay where they were,
now as the Slovenian translation, with an empty one read as missing."""

from django.db import migrations, models


FIELDS = {'process': ('title', 'summary'), 'survey': ('title',), 'question': ('text', 'options', 'rows'), 'budget': ('title',), 'project': ('title', 'description'), 'pledge': ('title', 'method'), 'article': ('title', 'summary', 'body'), 'event': ('title', 'description')}
HAND_ROLLED = {'article': ('title', 'summary', 'body'), 'event': ('title',)}


def keep_existing_texts(apps, schema_editor):
    for model, fields in FIELDS.items():
        Model = apps.get_model('engage', model)
        for obj in Model.objects.all():
            for field in fields:
                setattr(obj, f"{field}_en", getattr(obj, field))
            for field in HAND_ROLLED.get(model, ()):
                if not getattr(obj, f"{field}_sl"):
                    setattr(obj, f"{field}_sl", None)
            obj.save(update_fields=[f"{f}_{lang}" for f in fields for lang in ("en", "sl")])


def restore_single_texts(apps, schema_editor):
    for model, fields in FIELDS.items():
        Model = apps.get_model('engage', model)
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
        ('engage', '0004_vote_level'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='body_en',
            field=models.TextField(null=True),
        ),
        migrations.AddField(
            model_name='article',
            name='summary_en',
            field=models.CharField(blank=True, max_length=400, null=True),
        ),
        migrations.AddField(
            model_name='article',
            name='title_en',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name='budget',
            name='title_en',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='budget',
            name='title_sl',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='event',
            name='description_en',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='event',
            name='description_sl',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='event',
            name='title_en',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name='pledge',
            name='method_en',
            field=models.TextField(help_text='the factors and assumptions, with sources', null=True),
        ),
        migrations.AddField(
            model_name='pledge',
            name='method_sl',
            field=models.TextField(help_text='the factors and assumptions, with sources', null=True),
        ),
        migrations.AddField(
            model_name='pledge',
            name='title_en',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name='pledge',
            name='title_sl',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name='process',
            name='summary_en',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='process',
            name='summary_sl',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='process',
            name='title_en',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='process',
            name='title_sl',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='project',
            name='description_en',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='project',
            name='description_sl',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='project',
            name='title_en',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='project',
            name='title_sl',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='question',
            name='options_en',
            field=models.JSONField(blank=True, default=list, null=True),
        ),
        migrations.AddField(
            model_name='question',
            name='options_sl',
            field=models.JSONField(blank=True, default=list, null=True),
        ),
        migrations.AddField(
            model_name='question',
            name='rows_en',
            field=models.JSONField(blank=True, default=list, help_text="a matrix's rows", null=True),
        ),
        migrations.AddField(
            model_name='question',
            name='rows_sl',
            field=models.JSONField(blank=True, default=list, help_text="a matrix's rows", null=True),
        ),
        migrations.AddField(
            model_name='question',
            name='text_en',
            field=models.CharField(max_length=500, null=True),
        ),
        migrations.AddField(
            model_name='question',
            name='text_sl',
            field=models.CharField(max_length=500, null=True),
        ),
        migrations.AddField(
            model_name='survey',
            name='title_en',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AddField(
            model_name='survey',
            name='title_sl',
            field=models.CharField(max_length=300, null=True),
        ),
        migrations.AlterField(
            model_name='article',
            name='body_sl',
            field=models.TextField(null=True),
        ),
        migrations.AlterField(
            model_name='article',
            name='summary_sl',
            field=models.CharField(blank=True, max_length=400, null=True),
        ),
        migrations.AlterField(
            model_name='article',
            name='title_sl',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AlterField(
            model_name='event',
            name='title_sl',
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.RunPython(keep_existing_texts, restore_single_texts),
    ]
