"""Shared test setup: factories, the real-component rule and markers.

A test that needs a real component (PostgreSQL, Chromium, Spark) skips with a clear message on
a laptop that lacks it, and fails when CI=true: a green CI must have run everything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("ZEROCITY_DATA_DIR", tempfile.mkdtemp(prefix="zerocity-test-"))


def pytest_configure(config: pytest.Config) -> None:
    # pytest-django may have read the settings before this file set the variable: the store,
    # the open-data cache and the generated demo data of a test run never go to ./var
    from django.conf import settings

    settings.DATA_DIR = Path(os.environ["ZEROCITY_DATA_DIR"]).resolve()
    # A password is hashed with a cheap hasher in tests (Django's advice for test speed): the
    # Kranj demo alone hashes six, at about 0.6 s each with the production hasher. Hashes
    # written by a `zerocity` subprocess (tests/test_proxy.py) use the production settings,
    # which the list still accepts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 *settings.PASSWORD_HASHERS]


def require_component(available: bool, message: str) -> None:
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (required when CI=true)")
    pytest.skip(message)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every test that touches the database also runs on PostgreSQL (marker 'db').
    for item in items:
        if item.get_closest_marker("django_db") and not item.get_closest_marker("db"):
            item.add_marker(pytest.mark.db)


def _pages_computed_again(**kwargs):  # type: ignore[no-untyped-def]
    """A test that changes a setting (``override_settings``) gets pages computed under it: a
    running site's settings never change, so they are no part of a kept page's key."""
    from django.conf import settings
    from django.core.cache import caches

    caches[settings.PAGE_CACHE].clear()


@pytest.fixture(autouse=True, scope="session")
def _pages_follow_settings():  # type: ignore[no-untyped-def]
    from django.test.signals import setting_changed

    setting_changed.connect(_pages_computed_again)
    yield
    setting_changed.disconnect(_pages_computed_again)


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    """Each test starts with an empty cache: the database is rolled back after a test, and a
    page cached by one test must not be served to the next from rows that no longer exist."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:  # the pages kept for visitors too (web.page_cache)
        caches[alias].clear()
    yield


@pytest.fixture
def in_english():  # type: ignore[no-untyped-def]
    """Service refusals read in English (``pytestmark = pytest.mark.usefixtures(...)``); the
    Slovenian of the same messages is tested on the pages and in test_languages."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def city(db):  # type: ignore[no-untyped-def]
    from zerocity.core.services import create_city

    return create_city("testville", name="Testville", country="SI", population=10000,
                       nuts3="SI042")


@pytest.fixture
def helsinki(db):  # type: ignore[no-untyped-def]
    """A city on another clock with another country's holidays: every computation that counts
    local days, months or working days must follow it, not Kranj's (the zone is Finland's
    only one, so it is not named)."""
    from zerocity.core.services import create_city

    return create_city("helsinki", name="Helsinki", country="FI", population=674500,
                       nuts3="FI1B1")


@pytest.fixture
def kranj(db):  # type: ignore[no-untyped-def]
    """Kranj with its 2018 baseline (and the illustrative years) loaded as the demo does."""
    import demo_snapshot
    from zerocity.core.models import City
    from zerocity.demo.kranj import load_demo

    demo_snapshot.load(lambda: load_demo(actor="test", readings=False), "kranj")
    return City.objects.get(slug="kranj")


@pytest.fixture
def kranj_data(db):  # type: ignore[no-untyped-def]
    """The whole Kranj demo, with its synthetic meter readings (written once per test run into
    the run's data directory) and the indicator observations computed from them."""
    import demo_snapshot
    from zerocity.core.models import City
    from zerocity.demo.kranj import load_demo

    demo_snapshot.load(lambda: load_demo(actor="test"), "kranj with readings")
    return City.objects.get(slug="kranj")


# -- Spark (the pipelines' second engine) -------------------------------------------------------

def _java_ok() -> bool:
    java = shutil.which("java")
    if java is None:
        return False
    return subprocess.run([java, "-version"], capture_output=True).returncode == 0


@pytest.fixture(scope="session")
def spark():  # type: ignore[no-untyped-def]
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pyspark_ok = False
    else:
        pyspark_ok = True
    require_component(pyspark_ok and _java_ok(),
                      "Spark parity needs pyspark and a Java runtime (apt-get install "
                      "default-jre-headless)")
    import ibis
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("zerocity-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.default.parallelism", "2")
               .config("spark.driver.memory", "1g")
               .config("spark.ui.showConsoleProgress", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield ibis.pyspark.connect(session)
    session.stop()
