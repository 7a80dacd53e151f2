"""The demo in two steps (demo/stages.py): the essential part, then the heavy stages that
``zerocity demo`` loads in the background after the server answers. The staged load ends in
the database the one-shot load gives, loading again changes nothing, a stage that fails leaves
nothing behind and says so, and the pages say what is still loading (sl and en)."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction

import demo_snapshot
from clients import client_for
from zerocity.demo import stages
from zerocity.demo.fast_schema import current_dump, dump_database, migrations_key

TIME = re.compile(rb"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?(\+00(:00)?|Z)?")
# random values copied into other rows (the audit's payloads name the card's wallet accounts by
# their pseudonyms): long hexadecimal runs
HEX = re.compile(rb"[0-9a-f]{16,}|zcv_[A-Za-z0-9_-]{4}")  # and the validators' token prefixes
# what the demo draws from secrets.* on every load, by design: salted password hashes, the card's
# pseudonyms and device tokens, the engagement census keys, the tenders' encryption, the data
# version tokens; and the bike-share feed stamped with the moment it was written
RANDOM = {
    "auth_user": {"password"},
    "card_cardaccount": {"pseudonym"},
    "card_ledgeraccount": {"code"},
    "card_pseudonymkey": {"secret"},
    "card_validator": {"token_digest", "token_prefix"},
    "core_dataversion": {"token"},
    "engage_ballot": {"voter"},
    "engage_censusentry": {"key"},
    "engage_verification": {"resident_key"},
    "food_message": {"body", "sha256"},
    "food_opener": {"nonce", "salt", "sealed_share"},
    "food_specificprocurement": {"public_key"},
    "food_tender": {"ciphertext", "ephemeral_key", "nonce", "sha256"},
    "mobility_bikesharesystem": {"sha256"},
}


def _reset_sequences() -> None:
    """On PostgreSQL the ids a load takes follow the rows there, as SQLite's do after a
    rollback (sequences are not rolled back)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(
                include_auto_created=True)):
            cursor.execute(sql)


def _content() -> dict[str, list[bytes]]:
    """Every table's rows with the moments they were written and the values drawn at random
    (RANDOM) masked: what two loads on the same day must agree on."""
    from django.conf import settings

    here = str(settings.DATA_DIR).encode()  # files the rows name, under the data directory
    out = {}
    for table, (columns, rows) in demo_snapshot._state()[1].items():
        masked = {i for i, c in enumerate(columns) if c in RANDOM.get(table, ())}
        lines = []
        for row in demo_snapshot._lines(rows):
            if isinstance(row, bytes):  # PostgreSQL's COPY text: tab-separated
                cells = row.split(b"\t")
                text = b"\t".join(b"<random>" if i in masked else c for i, c in enumerate(cells))
            else:
                text = repr(tuple("<random>" if i in masked else "<time>" if isinstance(
                    v, datetime) else v for i, v in enumerate(row))).encode()
            text = text.replace(here, b"<data>")
            lines.append(HEX.sub(b"<hex>", TIME.sub(b"<time>", text)))
        out[table] = sorted(lines)
    return out


def _differences(a: dict[str, list[bytes]], b: dict[str, list[bytes]]) -> dict[str, object]:
    return {t: (len(a.get(t, [])), len(b.get(t, [])),
                sorted(set(a.get(t, [])) ^ set(b.get(t, [])))[:4])
            for t in sorted(set(a) | set(b)) if a.get(t) != b.get(t)}


def _staged(actor: str = "test") -> None:
    from zerocity.core.models import City
    from zerocity.demo.kranj import load_essential

    load_essential(actor)
    stages.mark_pending()
    stages.run_stages(City.objects.get(slug="kranj"), actor)


@pytest.mark.django_db
def test_staged_load_gives_the_one_shot_database_and_loading_again_changes_nothing(
        settings, tmp_path):
    from zerocity.core.models import City
    from zerocity.demo.kranj import load_demo

    # given the whole demo loaded in one go, into a data directory of its own: the readings
    # store and the demo's files live outside the database, and another test's load may have
    # left them in the run's directory (its deliveries would then arrive as duplicates)
    before = transaction.savepoint()
    _reset_sequences()
    settings.DATA_DIR = tmp_path / "one-shot"
    settings.DATA_DIR.mkdir()
    load_demo(actor="test")
    one_shot = _content()
    transaction.savepoint_rollback(before)
    _reset_sequences()
    # when it is loaded in stages instead, into another fresh data directory
    settings.DATA_DIR = tmp_path / "staged"
    settings.DATA_DIR.mkdir()
    _staged()
    staged = _content()
    # then every table holds the same rows, and every stage is done
    assert _differences(one_shot, staged) == {}
    assert stages.read_progress() == {s.name: stages.DONE for s in stages.STAGES}
    assert stages.loading() == ([], [])
    # and loading every stage again changes nothing
    stages.run_stages(City.objects.get(slug="kranj"), "test")
    assert _differences(staged, _content()) == {}


@pytest.mark.django_db
def test_a_stage_that_fails_leaves_nothing_and_the_progress_says_where_it_stopped(
        monkeypatch, in_english):
    from zerocity.core.models import City
    from zerocity.demo.kranj import load_essential
    from zerocity.plan.models import ReportingRound

    load_essential("test")
    city = City.objects.get(slug="kranj")
    stages.mark_pending()
    real = stages.BY_NAME["round"]

    def crash(city, actor):
        real.load(city, actor)  # its rows are written, then the process fails mid-stage
        assert ReportingRound.objects.filter(plan__city=city).exists()
        raise RuntimeError("power cut")

    crashing = tuple(stages.Stage(s.name, s.label, crash) if s.name == "round" else s
                     for s in stages.STAGES)
    monkeypatch.setattr(stages, "STAGES", crashing)
    with pytest.raises(RuntimeError, match="power cut"):
        stages.run_stages(city, "test", names=["round", "governance"])
    # the failed stage left no row, it is marked failed, the next one still pending
    assert not ReportingRound.objects.filter(plan__city=city).exists()
    states = stages.read_progress()
    assert states["round"] == stages.FAILED
    assert states["governance"] == stages.PENDING
    assert set(states.values()) == {stages.PENDING, stages.FAILED}
    waiting, failed = stages.loading()
    assert failed == ["the reporting round"]
    assert "the council, the transition team, meetings and decisions" in waiting
    # a new start completes it, once
    monkeypatch.undo()
    stages.run_stages(city, "test", names=["round"])
    count = ReportingRound.objects.filter(plan__city=city).count()
    assert count == 1 and stages.read_progress()["round"] == stages.DONE
    stages.run_stages(city, "test", names=["round"])
    assert ReportingRound.objects.filter(plan__city=city).count() == count


NOTICE = {"en": "The demo is still loading:", "sl": "Demo se še nalaga:"}
FAILED = {"en": "Loading the demo stopped at:", "sl": "Nalaganje dema se je ustavilo pri:"}
BUDGET = {"en": "the 2025 city budget tagged for the climate",
          "sl": "proračun za leto 2025, označen glede na podnebje"}


@pytest.mark.parametrize("lang", ["sl", "en"])
def test_a_page_of_late_data_says_it_is_loading_until_its_stage_is_done(kranj, lang):
    page = f"/{lang}/kranj/budget/"
    anonymous, again = client_for(None), client_for(None)
    # no staged load: no notice (the tests' demo, a one-shot load)
    assert NOTICE[lang] not in anonymous.get(page).content.decode()
    # while the budget's stage is pending, the page says so, in the page's language
    stages.mark_pending()
    for client in (anonymous, again):  # the second is served from the page cache
        body = client.get(page).content.decode()
        assert NOTICE[lang] in body and BUDGET[lang] in body
    # a failed stage is named as such
    stages._record("budget", stages.FAILED)
    body = anonymous.get(page).content.decode()
    assert FAILED[lang] in body and BUDGET[lang] in body
    # once every stage is done, the notice goes, also from the page kept for visitors
    for stage in stages.STAGES:
        stages._record(stage.name, stages.DONE)
    body = anonymous.get(page).content.decode()
    assert NOTICE[lang] not in body and FAILED[lang] not in body
    stages.progress_path().unlink()


@pytest.fixture(autouse=True)
def _no_progress():
    stages.progress_path().unlink(missing_ok=True)
    yield
    stages.progress_path().unlink(missing_ok=True)


def test_the_schema_dump_is_current_and_replays_to_itself(tmp_path):
    sql = current_dump()
    assert sql is not None, (
        "the migrations changed: regenerate the demo's schema dump with "
        "`PYTHONPATH=src python -m zerocity.demo.fast_schema`")
    assert migrations_key()
    db = tmp_path / "replayed.sqlite3"
    with sqlite3.connect(db) as conn:  # Django's REGEXP, which the checks of some tables use
        conn.create_function("REGEXP", 2, lambda pattern, value: value is not None
                             and re.search(pattern, str(value)) is not None)
        conn.executescript(sql)
    assert dump_database(db) == sql
