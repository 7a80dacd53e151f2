"""The eco-points ledger is append-only in the database too (the function comes from 0002)."""

from django.db import migrations

from zerocity.card.triggers import sqlite_trigger

TABLE = "card_pointsentry"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION card_ledger_append_only()", params=None)
    else:
        for op in ("UPDATE", "DELETE"):
            schema_editor.execute(sqlite_trigger(TABLE, op))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
    else:
        for op in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{op}")


class Migration(migrations.Migration):
    dependencies = [("card", "0004_points")]
    operations = [migrations.RunPython(forwards, backwards)]
