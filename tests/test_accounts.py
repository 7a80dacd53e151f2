"""Accounts that are hard to take over (issue 18, docs/accounts.md): log-in throttling per
account and per address, the password reset by e-mail, no account enumeration at sign-up or
reset, and the second factor a city can require of the roles that move money, open tenders or
publish figures."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from zerocity.core import second_factor
from zerocity.core.errors import Conflict
from zerocity.core.models import AuditLog, Role
from zerocity.core.services import ensure_department, grant_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

LOGIN = "/en/accounts/login/"
PASSWORD = "a-long-staff-passphrase-2026"
STAFF_PAGE = "/en/testville/inventory/import/"
LIMIT = settings.AXES_FAILURE_LIMIT
LOCKED = "Too many failed log-ins for this account or from this address."


def _log_in(client: Client, username: str, password: str, address: str = "10.0.0.1",
            **headers: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password, "next": "/en/"},
                       REMOTE_ADDR=address, **headers)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def staff(city):  # type: ignore[no-untyped-def]
    finance = ensure_department(city, "finance", "Finance")
    ensure_department(city, "culture", "Culture")
    return grant_role(city, "ana", Role.STAFF, department=finance, email="ana@example.org",
                      password=PASSWORD).user


def _code(device: TOTPDevice, steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


# -- throttling -----------------------------------------------------------------------------------

def test_after_the_limit_of_wrong_passwords_the_right_one_is_refused_with_the_message(staff):
    # given LIMIT wrong passwords for the account, each from another address
    for n in range(LIMIT):
        assert _log_in(Client(), "ana", "wrong", address=f"10.1.0.{n}").status_code in (200,
                                                                                        429)
    # when the right password comes from yet another address
    client = Client()
    refused = _log_in(client, "ana", PASSWORD, address="10.9.9.9")
    # then it is refused, and the page says why and what to do
    assert refused.status_code == 429 and not _logged_in(client)
    page = refused.content.decode()
    assert LOCKED in page and f"{int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} min" \
        in page and 'href="/en/accounts/password-reset/"' in page


def test_one_failure_short_of_the_limit_the_right_password_logs_in(staff):
    for _ in range(LIMIT - 1):
        _log_in(Client(), "ana", "wrong")
    client = Client()
    assert _log_in(client, "ana", PASSWORD).status_code == 302 and _logged_in(client)


def test_failures_from_one_address_lock_that_address_for_every_account(staff, city):
    grant_role(city, "eva", Role.CITIZEN, password=PASSWORD)
    # given LIMIT failures from one address, each on another (even unknown) user name
    for n in range(LIMIT):
        _log_in(Client(), f"guess{n}", "wrong", address="10.2.0.1")
    # then a right password from that address is refused, and from another one it is not
    client = Client()
    assert _log_in(client, "eva", PASSWORD, address="10.2.0.1").status_code == 429
    assert not _logged_in(client)
    assert _log_in(client, "eva", PASSWORD, address="10.2.0.2").status_code == 302


def test_a_forwarded_for_header_does_not_make_a_new_address(staff, city):
    grant_role(city, "eva", Role.CITIZEN, password=PASSWORD)
    for n in range(LIMIT):
        _log_in(Client(), f"guess{n}", "wrong", address="10.3.0.1",
                HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    refused = _log_in(Client(), "eva", PASSWORD, address="10.3.0.1",
                      HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert refused.status_code == 429


def test_a_success_forgives_that_accounts_failures_from_that_address_only(staff, city):
    grant_role(city, "mallory", Role.CITIZEN, password="mallory-own-passphrase-1")
    # the account's own mistakes are forgiven by its own log-in from the same address
    for _ in range(LIMIT - 1):
        _log_in(Client(), "ana", "wrong")
    assert _log_in(Client(), "ana", PASSWORD).status_code == 302
    for _ in range(LIMIT - 1):
        _log_in(Client(), "ana", "wrong")
    assert _log_in(Client(), "ana", PASSWORD).status_code == 302
    # but someone guessing ana's password cannot reset the count with their own account
    for _ in range(LIMIT - 1):
        _log_in(Client(), "ana", "wrong", address="10.4.0.1")
    assert _log_in(Client(), "mallory", "mallory-own-passphrase-1",
                   address="10.4.0.1").status_code == 302
    _log_in(Client(), "ana", "wrong", address="10.4.0.1")
    assert _log_in(Client(), "ana", PASSWORD, address="10.4.0.1").status_code == 429


def test_the_lock_ends_once_its_time_has_passed_since_the_last_failure(staff):
    for _ in range(LIMIT):
        _log_in(Client(), "ana", "wrong")
    assert _log_in(Client(), "ana", PASSWORD).status_code == 429
    # when the last failure is as old as the lock lasts
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time
                                 - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    client = Client()
    assert _log_in(client, "ana", PASSWORD).status_code == 302 and _logged_in(client)


def test_the_lock_message_is_in_slovenian_on_the_slovenian_page(staff):
    for _ in range(LIMIT):
        _log_in(Client(), "ana", "wrong")
    page = Client().post("/sl/accounts/login/", {"username": "ana", "password": PASSWORD},
                         REMOTE_ADDR="10.0.0.1")
    assert page.status_code == 429
    assert "Preveč neuspešnih prijav" in page.content.decode()


# -- password reset and no enumeration ------------------------------------------------------------

def _reset(address: str, lang: str = "en"):  # type: ignore[no-untyped-def]
    return Client().post(f"/{lang}/accounts/password-reset/", {"email": address})


def test_the_reset_page_answers_the_same_for_a_known_and_an_unknown_address(staff):
    known, unknown = _reset("ana@example.org"), _reset("nobody@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code,
                                                         unknown["Location"])
    assert known["Location"] == "/en/accounts/password-reset/sent/"
    # and each address gets one mail, alike from outside: same sender and subject
    to_known, to_unknown = mail.outbox
    assert to_known.to == ["ana@example.org"] and to_unknown.to == ["nobody@example.org"]
    assert to_known.subject == to_unknown.subject == "A new password for your ZeroCity account"
    assert to_known.from_email == to_unknown.from_email
    assert "/en/accounts/password-reset/" in to_known.body
    assert "No account has this address" in to_unknown.body
    assert "password-reset/" not in to_unknown.body.replace("password-reset/sent", "")


def test_a_password_reset_link_sets_a_new_password_once_and_lifts_a_lock(staff):
    for _ in range(LIMIT):
        _log_in(Client(), "ana", "wrong")
    _reset("ana@example.org")
    link = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body).group(1)
    client = Client()
    form = client.get(link, follow=True)
    assert 'name="new_password1"' in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {
        "new_password1": "a-brand-new-passphrase-7", "new_password2": "a-brand-new-passphrase-7"})
    assert done.status_code == 302 and done["Location"] == "/en/accounts/password-reset/done/"
    assert _log_in(Client(), "ana", "a-brand-new-passphrase-7").status_code == 302
    again = Client().get(link, follow=True).content.decode()
    assert "This link does not work any more" in again


def test_the_reset_mail_goes_to_the_addresss_owner_only(staff, city):
    # someone signs up later with ana's address: the reset is still ana's alone
    grant_role(city, "squatter", Role.CITIZEN, email="ANA@example.org", password=PASSWORD)
    _reset("ana@example.org")
    (sent,) = mail.outbox
    assert "account ana " in sent.body and "squatter" not in sent.body


def test_resets_are_throttled_per_address_silently_and_per_connection_with_a_message(staff):
    """Without a bound the reset page floods a person's mailbox: an address gets at most
    RESETS_PER_ADDRESS mails an hour (the page answers as always: saying more would tell that
    someone asked before), and one connection may ask RESETS_PER_CLIENT times."""
    from zerocity.core.login_throttle import RESETS_PER_ADDRESS, RESETS_PER_CLIENT

    answers = [_reset("ana@example.org") for _ in range(RESETS_PER_ADDRESS + 2)]
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, "/en/accounts/password-reset/sent/")}
    assert [m.to for m in mail.outbox] == [["ana@example.org"]] * RESETS_PER_ADDRESS
    for n in range(RESETS_PER_CLIENT - RESETS_PER_ADDRESS - 2):
        assert _reset(f"someone{n}@example.org").status_code == 302
    refused = _reset("another@example.org")
    assert refused.status_code == 200
    assert "Too many password resets were asked for from your connection" in \
        refused.content.decode()
    assert "another@example.org" not in [m.to[0] for m in mail.outbox]
    sl = Client().post("/sl/accounts/password-reset/", {"email": "x@example.org"})
    assert "Iz vaše povezave je bilo zahtevanih preveč" in sl.content.decode()


def test_the_reset_page_and_mail_are_in_slovenian(staff):
    page = Client().get("/sl/accounts/password-reset/").content.decode()
    assert "Novo geslo" in page
    _reset("ana@example.org", lang="sl")
    assert mail.outbox[0].subject == "Novo geslo za vaš račun ZeroCity"
    assert "/sl/accounts/password-reset/" in mail.outbox[0].body


def test_signing_up_answers_the_same_for_a_known_and_an_unknown_address(
        staff, city, django_capture_on_commit_callbacks):
    def sign_up(name: str, address: str):  # type: ignore[no-untyped-def]
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post("/en/testville/signup/", {
                "username": name, "email": address, "password": "a-long-citizen-passphrase-26"})
        page = client.get(answer["Location"]).content.decode()
        page = re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "CSRF", page)
        return answer, page.replace(address, "ADDRESS").replace(name, "NAME")

    new, new_page = sign_up("novak", "novak@example.org")
    known, known_page = sign_up("mallory", "ana@example.org")
    # then the answers and the next page are the same but for the address and name typed
    assert (new.status_code, new["Location"]) == (known.status_code,
                                                 known["Location"].replace("mallory", "novak"))
    assert new_page == known_page and "We sent a link to ADDRESS" in new_page
    # and each address gets one mail with the same subject; only the new one holds a link
    to_new, to_known = mail.outbox
    assert to_new.to == ["novak@example.org"] and to_known.to == ["ana@example.org"]
    assert to_new.subject == to_known.subject
    assert "/testville/me/confirm/" in to_new.body
    assert "/me/confirm/" not in to_known.body and "already belongs to an account" in \
        to_known.body
    # and the later account never gets ana's reset mails
    mail.outbox.clear()
    _reset("ana@example.org")
    assert "account ana " in mail.outbox[0].body


# -- the second factor ----------------------------------------------------------------------------

def _enrol(client: Client) -> tuple[TOTPDevice, list[str]]:
    page = client.get("/en/accounts/second-factor/")
    body = page.content.decode()
    secret = re.search(r'data-figure="secret">([A-Z2-7 ]+)<', body).group(1)
    device = TOTPDevice.objects.get(confirmed=False)
    assert second_factor.secret_text(device) == secret
    done = client.post("/en/accounts/second-factor/", {"action": "confirm",
                                                       "code": _code(device)})
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())
    device.refresh_from_db()
    return device, codes


def test_the_enrolment_page_shows_the_secret_as_text_an_otpauth_address_and_a_qr_code(staff):
    client = Client()
    client.force_login(staff)
    body = client.get("/en/accounts/second-factor/").content.decode()
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert f'data-figure="secret">{second_factor.secret_text(device)}<' in body
    assert "otpauth://totp/ZeroCity%3Aana?secret=" in body and "issuer=ZeroCity" in body
    assert "<svg" in body
    # reloading keeps the same secret (the app may already hold it)
    assert second_factor.secret_text(device) in client.get(
        "/en/accounts/second-factor/").content.decode()
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_a_wrong_code_does_not_add_the_authenticator(staff):
    client = Client()
    client.force_login(staff)
    client.get("/en/accounts/second-factor/")
    device = TOTPDevice.objects.get(user=staff)
    wrong = f"{(int(_code(device)) + 1) % 10**6:06d}"
    refused = client.post("/en/accounts/second-factor/", {"action": "confirm", "code": wrong},
                          follow=True)
    assert "This code is not the one your authenticator shows now" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and not second_factor.has_one(staff)


def test_adding_an_authenticator_shows_ten_recovery_codes_once(staff):
    client = Client()
    client.force_login(staff)
    device, codes = _enrol(client)
    assert device.confirmed and len(set(codes)) == second_factor.RECOVERY_CODES == 10
    later = client.get("/en/accounts/second-factor/").content.decode()
    assert "10 recovery codes are left." in later and not any(c in later for c in codes)
    assert AuditLog.objects.filter(action="account.second_factor_added", actor=staff).exists()


@pytest.fixture
def with_app(staff):  # type: ignore[no-untyped-def]
    """ana, with a confirmed authenticator and ten recovery codes."""
    device = TOTPDevice.objects.create(user=staff, name=second_factor.APP, confirmed=True)
    codes = second_factor.new_recovery_codes(staff)
    return staff, device, codes


def test_a_log_in_is_held_until_the_code_is_given(with_app, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # this test types a wrong code, then the right one
    user, device, _ = with_app
    client = Client()
    assert _log_in(client, "ana", PASSWORD).status_code == 302 and _logged_in(client)
    held = client.get(STAFF_PAGE)
    assert held.status_code == 302 and held["Location"].startswith("/en/accounts/verify/?next=")
    assert client.get("/api/v1/card/accounts/1/top-ups").status_code == 403
    wrong = f"{(int(_code(device)) + 1) % 10**6:06d}"
    refused = client.post(held["Location"], {"code": wrong, "next": STAFF_PAGE})
    assert refused.status_code == 400 and "This code does not confirm the log-in" in \
        refused.content.decode()
    assert client.get(STAFF_PAGE).status_code == 302
    ok = client.post("/en/accounts/verify/", {"code": _code(device), "next": STAFF_PAGE})
    assert ok.status_code == 302 and ok["Location"] == STAFF_PAGE
    assert client.get(STAFF_PAGE).status_code == 200


def test_wrong_codes_make_the_next_one_wait(with_app, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 3600  # an hour after one wrong code: no race here
    user, device, _ = with_app
    client = Client()
    _log_in(client, "ana", PASSWORD)
    client.post("/en/accounts/verify/", {"code": "000000"})
    waited = client.post("/en/accounts/verify/", {"code": _code(device)})
    assert waited.status_code == 400 and "Too many wrong codes" in waited.content.decode()
    assert client.get(STAFF_PAGE).status_code == 302


def test_a_recovery_code_confirms_one_log_in_only(with_app, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0  # a used code is typed, then a good one
    user, _, codes = with_app
    first = Client()
    _log_in(first, "ana", PASSWORD)
    used = first.post("/en/accounts/verify/", {"code": codes[0].upper(), "next": STAFF_PAGE},
                      follow=True)
    assert used.status_code == 200 and "9 are left" in used.content.decode()
    second = Client()
    _log_in(second, "ana", PASSWORD)
    assert second.post("/en/accounts/verify/", {"code": codes[0]}).status_code == 400
    assert second.post("/en/accounts/verify/", {"code": codes[1]}).status_code == 302
    assert second.get(STAFF_PAGE).status_code == 200


def test_new_recovery_codes_replace_the_old_ones(with_app, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    user, _, old = with_app
    new = second_factor.new_recovery_codes(user)
    assert second_factor.verify(user, old[0]) is None
    assert second_factor.verify(user, new[0]) is not None


def test_the_database_keeps_no_recovery_code_anyone_could_type(with_app, settings):
    """A copy of the database (a backup, a leak) must not hand out second factors: only a hash
    of each code is kept, and the codes carry 80 random bits, too many to try them all."""
    from django_otp.plugins.otp_static.models import StaticToken

    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    user, _, codes = with_app
    kept = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(kept) == 10 and not kept & set(codes)
    assert all(len(c) == 16 and c.isalnum() for c in codes)  # base32 of 10 random bytes
    assert second_factor.verify(user, sorted(kept)[0]) is None  # the kept hash is no code
    spaced = f"{codes[2][:4]}-{codes[2][4:8]} {codes[2][8:]}"  # as a person copies it out
    assert second_factor.verify(user, spaced) is not None


def test_a_city_can_require_a_second_factor_of_a_role(staff, city):
    citizen = grant_role(city, "eva", Role.CITIZEN, password=PASSWORD).user
    client = Client()
    _log_in(client, "ana", PASSWORD)
    assert client.get(STAFF_PAGE).status_code == 200
    # when the city requires it of its staff, the open session is held back too
    second_factor.require_for(city, ["staff"], actor="test")
    held = client.get(STAFF_PAGE)
    assert held.status_code == 302 and held["Location"].startswith(
        "/en/accounts/second-factor/?next=")
    assert client.get("/en/").status_code == 302
    assert client.get("/api/v1/card/accounts/1/top-ups").status_code == 403
    # and once ana adds an authenticator, the pages work again in this session
    _enrol(client)
    assert client.get(STAFF_PAGE).status_code == 200
    # a citizen of the same city is not held
    eva = Client()
    eva.force_login(citizen)
    assert eva.get("/en/testville/").status_code == 200
    assert AuditLog.objects.filter(action="city.second_factor_roles").get().data["new"] == [
        "staff"]


def test_a_requirement_can_name_one_departments_staff(staff, city):
    second_factor.require_for(city, ["staff:culture"])
    assert not second_factor.required(staff)
    second_factor.require_for(city, ["staff:finance"])
    assert second_factor.required(staff)
    city.refresh_from_db()
    assert city.second_factor_roles == ["staff:finance"]


def test_a_requirement_names_real_roles_and_departments(city):
    with pytest.raises(Conflict, match="citizen is not a role a second factor can be required"):
        second_factor.require_for(city, ["citizen"])
    with pytest.raises(Conflict, match="Testville has no department cashiers"):
        second_factor.require_for(city, ["staff:cashiers"])


def test_a_required_second_factor_cannot_be_removed_by_its_holder(with_app, city):
    user, _, _ = with_app
    second_factor.require_for(city, ["staff"])
    with pytest.raises(Conflict, match="Your role requires a second factor"):
        second_factor.remove(user, by=user)
    # an operator removes it for a person who lost their phone: they add a new one next time
    second_factor.remove(user, actor="cli:operator")
    assert not second_factor.has_one(user)


def test_the_platforms_operators_need_it_when_the_platform_says_so(db, settings):
    root = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    settings.SECOND_FACTOR_FOR_OPERATORS = False
    assert not second_factor.required(root)
    settings.SECOND_FACTOR_FOR_OPERATORS = True
    client = Client()
    _log_in(client, "root", PASSWORD)
    assert client.get("/en/admin/").status_code == 302


def test_the_command_line_sets_the_requirement_and_resets_a_lost_second_factor(with_app, city):
    from click.testing import CliRunner

    from zerocity.cli import main

    set_it = CliRunner().invoke(main, ["city", "second-factor", "testville", "--role", "staff",
                                       "--role", "admin"])
    assert set_it.exit_code == 0 and "required of admin, staff" in set_it.output
    bad = CliRunner().invoke(main, ["city", "second-factor", "testville", "--role", "mayor"])
    assert bad.exit_code == 1 and "mayor is not a role" in bad.output
    reset = CliRunner().invoke(main, ["user", "reset-second-factor", "ana"])
    assert reset.exit_code == 0 and not second_factor.has_one(with_app[0])


def test_the_account_pages_are_in_slovenian(with_app):
    client = Client()
    _log_in(client, "ana", PASSWORD)
    page = client.get("/sl/accounts/verify/").content.decode()
    assert "Potrdite prijavo" in page
