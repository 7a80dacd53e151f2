"""The ledger is append-only in the database itself: updating or deleting an entry or a
transaction raises, whoever asks (the ORM, raw SQL, an administrator's console)."""

from django.db import migrations

from zerocity.card.triggers import TABLES, sqlite_trigger


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION card_ledger_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'the card ledger is append-only: % on % refused', "
            "TG_OP, TG_TABLE_NAME; END; $$ LANGUAGE plpgsql", params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION card_ledger_append_only()")
    elif vendor == "sqlite":
        for table in TABLES:
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(sqlite_trigger(table, op))
    else:  # pragma: no cover - ZeroCity runs on SQLite and PostgreSQL
        raise RuntimeError(f"no append-only triggers for {vendor}")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS card_ledger_append_only()")


class Migration(migrations.Migration):
    dependencies = [("card", "0001_ledger")]
    operations = [migrations.RunPython(forwards, backwards)]
