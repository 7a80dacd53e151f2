"""Cities, roles, the audit log and the production settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import IntegrityError, transaction

from zerocity.core import audit
from zerocity.core.errors import Conflict
from zerocity.core.models import AuditLog, Membership, Role
from zerocity.core.money import Money
from zerocity.core.permissions import is_city_admin, is_city_staff, role_in
from zerocity.core.services import create_city, ensure_department, grant_role


@pytest.mark.django_db
def test_roles_are_per_city(city):
    other = create_city("drugo", name="Drugo", country="SI")
    dept = ensure_department(city, "climate-office", "Climate office")
    staff = grant_role(city, "ana", Role.STAFF, department=dept).user
    admin = grant_role(city, "marko", Role.ADMIN).user
    citizen = grant_role(city, "janez", Role.CITIZEN).user
    assert (is_city_staff(staff, city), is_city_admin(staff, city)) == (True, False)
    assert (is_city_staff(admin, city), is_city_admin(admin, city)) == (True, True)
    assert (is_city_staff(citizen, city), role_in(citizen, city)) == (False, "citizen")
    assert role_in(staff, other) is None and not is_city_staff(staff, other)


@pytest.mark.django_db
def test_staff_need_a_department_in_the_service_and_in_the_database(city):
    with pytest.raises(Conflict, match="department"):
        grant_role(city, "ana", Role.STAFF)
    user = grant_role(city, "ana", Role.CITIZEN).user
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(user=user).update(role="staff")


@pytest.mark.django_db
def test_city_create_validates_the_country_code():
    with pytest.raises(Conflict, match="country"):
        create_city("x", name="X", country="Slovenia")


@pytest.mark.django_db
def test_the_audit_log_is_append_only(city):
    entry = audit.record("test.action", city=city, actor="tester", detail=1)
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditLog.objects.filter(pk=entry.pk).update(action="changed")
    with pytest.raises(TypeError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.get(pk=entry.pk).action == "test.action"


@pytest.mark.django_db
def test_services_write_who_did_what(city):
    from zerocity.inventory.services import import_activity_file, publish_inventory

    result = import_activity_file(city, 2022, b"gpc_ref,activity,co2\nI.1.1,Gas,1\n", "a.csv",
                                  actor="cli:ana")
    publish_inventory(result.inventory, actor="cli:ana")
    actions = list(AuditLog.objects.filter(city=city).order_by("id")
                   .values_list("action", "actor_label"))
    assert actions == [("city.create", "system"), ("inventory.create", "cli:ana"),
                       ("inventory.import", "cli:ana"), ("inventory.publish", "cli:ana")]


@pytest.mark.django_db
def test_a_user_name_is_taken_whatever_its_case(city):
    from zerocity.core.selectors import username_taken

    grant_role(city, "Ana.Novak", Role.CITIZEN)
    assert [username_taken(n) for n in ("Ana.Novak", "ana.novak", "ANA.NOVAK", "ana")] == [
        True, True, True, False]


def test_money_is_decimal_with_a_currency():
    from decimal import Decimal

    assert Money(Decimal("1.10")) + Money(Decimal("2.205")) == Money(Decimal("3.305"))
    assert Money(Decimal("3.305")).quantize().amount == Decimal("3.30")
    with pytest.raises(TypeError):
        Money(1.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot combine"):
        Money(Decimal(1)) + Money(Decimal(1), "USD")


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {**os.environ, "ZEROCITY_ENV": "production", "ZEROCITY_SECRET_KEY": "x" * 64
           + "-production-secret-for-the-check-only-9f3a7c", "ZEROCITY_ALLOWED_HOSTS":
           "zerocity.example.org", "ZEROCITY_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "zerocity.settings"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-m", "django", "check", "--deploy",
                          "--fail-level", "WARNING"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "ZEROCITY_ENV": "production", "ZEROCITY_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "zerocity.settings"}
    env.pop("ZEROCITY_SECRET_KEY", None)
    out = subprocess.run([sys.executable, "-m", "django", "check"], env=env,
                         capture_output=True, text=True)
    assert out.returncode != 0 and "ZEROCITY_SECRET_KEY must be set" in out.stderr



def test_a_process_that_loses_the_race_for_a_fresh_secret_key_takes_the_winners(
        tmp_path, monkeypatch):
    """`make test` starts its two suites side by side on a fresh clone, and a server starts its
    workers together: each makes a key where none is yet (a start of the PostgreSQL suite once
    failed on two writers racing). Here another process writes its key just after this one
    drew its own: this one must take the key on disk, leave it as it is and leave no file."""
    from zerocity import settings as module

    monkeypatch.setattr(module, "DATA_DIR", tmp_path / "var")
    stored = tmp_path / "var" / "secret_key"
    drawn = module.secrets.token_urlsafe

    def draw_while_another_process_writes(n: int) -> str:
        stored.write_text("the-key-the-other-process-wrote\n")
        return drawn(n)

    monkeypatch.setattr(module.secrets, "token_urlsafe", draw_while_another_process_writes)
    assert module._secret_key() == "the-key-the-other-process-wrote"
    assert stored.read_text() == "the-key-the-other-process-wrote\n"
    assert [p.name for p in stored.parent.iterdir()] == ["secret_key"]

    monkeypatch.setattr(module.secrets, "token_urlsafe", drawn)
    stored.unlink()
    key = module._secret_key()
    assert len(key) >= 50 and stored.read_text() == key and module._secret_key() == key
    assert stored.stat().st_mode & 0o777 == 0o600
