"""``flush`` wipes every table, the append-only ledger included (tests between transactional
test cases, a developer resetting a database). PostgreSQL truncates, which row triggers do not
see; SQLite deletes row by row, so the ledger's DELETE triggers are lifted for the flush and put
back afterwards, in the same connection."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from zerocity.card import triggers as append_only


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with connection.cursor() as cursor:
            for table in append_only.ALL_TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                for table in append_only.ALL_TABLES:
                    cursor.execute(append_only.sqlite_trigger(table, "DELETE"))
