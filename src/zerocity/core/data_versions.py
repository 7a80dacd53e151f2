"""Which apps' data changed: every statement that writes to a ZeroCity table (INSERT, UPDATE or
DELETE, through the ORM or raw SQL on Django's connections) sets a new random token for the
table's app in ``core_dataversion``, right after the write and inside its transaction. A page
cached for anonymous visitors (zerocity.web.page_cache) is keyed on the tokens it was computed
under, so a publish shows at once, in every worker process.

The card's taps and the platform's job records are left out: they are written many times a
second and no cached page reads them, so they cost nothing extra. Data held outside the
database (the readings store in DuckDB) is not seen here: pages that read it are not cached.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper

UNTRACKED_APPS = frozenset({"card", "ops"})
TABLE = "core_dataversion"
_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?',
                    re.IGNORECASE)


@lru_cache(maxsize=1)
def _apps_by_table() -> dict[str, str]:
    """Each ZeroCity table (models and their many-to-many tables) -> its app's label."""
    found: dict[str, str] = {}
    for model in apps.get_models(include_auto_created=True):
        config = model._meta.app_config
        if config is None or not config.name.startswith("zerocity."):
            continue
        if model._meta.app_label in UNTRACKED_APPS or model._meta.db_table == TABLE:
            continue
        found[model._meta.db_table] = model._meta.app_label
    return found


@lru_cache(maxsize=4096)
def written_app(sql: str) -> str | None:
    """The app whose table ``sql`` writes to, None for reads and untracked tables."""
    match = _WRITE.match(sql)
    return _apps_by_table().get(match.group(1)) if match else None


def bump(connection: BaseDatabaseWrapper, app: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (app, token) VALUES (%s, %s) "
            "ON CONFLICT (app) DO UPDATE SET token = excluded.token",
            [app, secrets.randbits(62)])


_migrating = False


def track(execute: Callable[..., Any], sql: str, params: Any, many: bool,
          context: dict[str, Any]) -> Any:
    """An execute wrapper (Django's database instrumentation)."""
    result = execute(sql, params, many, context)
    if not _migrating and (app := written_app(sql)):
        bump(context["connection"], app)  # after the write: a reader never pairs an old
    return result                         # token with the new data under a new key


def install(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Receiver of ``connection_created``: a connection is wrapped once, however often it
    reconnects."""
    if track not in connection.execute_wrappers:
        connection.execute_wrappers.append(track)


def pause(sender: Any, **kwargs: Any) -> None:
    """Receiver of ``pre_migrate``: while migrations run, the table may not exist yet."""
    global _migrating
    _migrating = True


def bump_all(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """Receiver of ``post_migrate`` (after migrations and after a flush): whatever the
    migrations wrote, every app gets a new token."""
    global _migrating
    _migrating = False
    from django.db import connections

    for app in sorted(set(_apps_by_table().values())):
        bump(connections[using], app)


def tokens(connection: BaseDatabaseWrapper) -> str:
    """The tokens of every app, as one text (a cache key's part)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, token FROM {TABLE} ORDER BY app")
        return ";".join(f"{app}={token}" for app, token in cursor.fetchall())
