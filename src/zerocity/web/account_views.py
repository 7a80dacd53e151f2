"""The pages of a person's own account (docs/accounts.md): the log-in page while a lock holds,
the second factor (adding an authenticator, confirming a log-in with its code, recovery codes)
and the password reset by e-mail. The rules live in ``core.login_throttle`` and
``core.second_factor``; these views only read the form, call them and render."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from zerocity.core import login_throttle, second_factor
from zerocity.core.access import own_account
from zerocity.web.http import private


def _next(request: HttpRequest) -> str:
    """Where the person goes once done: a page of this site (a path: ``redirect`` would take
    a bare word for a view's name), else the home page."""
    wanted = request.POST.get("next") or request.GET.get("next", "")
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(wanted, {request.get_host()},
                                                  require_https=request.is_secure()):
        return wanted
    return reverse("home")


def locked_out(request: HttpRequest, response: HttpResponse | None = None,
               credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The log-in page while too many failed log-ins lock the account or the address
    (django-axes calls this in place of its own answer): 429, with what to do."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = (credentials or {}).get("username", "")
    return render(request, "web/login.html", {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": _next(request), "locked": _(
            "Too many failed log-ins for this account or from this address. Log-ins are "
            "refused for %(minutes)s min after the last failure, even with the right "
            "password. If you forgot your password, ask for a new one below.") % {
            "minutes": minutes}}, status=429)


@own_account
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponseBase:
    """The second step of a log-in: a code from the authenticator, or a recovery code."""
    user = request.user
    nxt = _next(request)
    if user.is_verified() or not second_factor.has_one(user):  # type: ignore[union-attr]
        return redirect(nxt)
    error = ""
    if request.method == "POST":
        device = second_factor.verify(user, request.POST.get("code", ""))
        if device is not None:
            otp_login(request, device)
            request.session.cycle_key()
            if device.name == second_factor.RECOVERY:
                messages.warning(request, _(
                    "You used a recovery code; %(left)s are left. Make new ones on the page "
                    "of your second factor.") % {"left": second_factor.recovery_codes_left(
                        user)})
            return redirect(nxt)
        error = (_("Too many wrong codes: wait a minute and try again.")
                 if second_factor.throttled(user)
                 else _("This code does not confirm the log-in: type the six digits your "
                        "authenticator shows now, or one of your recovery codes."))
    return private(render(request, "web/accounts/verify.html",
                          {"next": nxt, "error": error}, status=400 if error else 200))


@own_account
@require_http_methods(["GET", "POST"])
def second_factor_page(request: HttpRequest) -> HttpResponseBase:
    """Add an authenticator (its secret as text, as an otpauth address and as a QR code),
    confirm it with its first code, and see the recovery codes once; later, make new recovery
    codes or remove it (when no role requires it)."""
    user = request.user
    nxt = _next(request)
    has_one = second_factor.has_one(user)
    action = request.POST.get("action", "")
    if request.method == "POST":
        if action == "confirm" and not has_one:
            codes = second_factor.confirm_app(user, request.POST.get("code", ""))
            otp_login(request, second_factor.confirmed_app(user))
            request.session.cycle_key()
            return _codes(request, codes, nxt)
        if action == "codes" and has_one:
            return _codes(request, second_factor.new_recovery_codes(user), nxt)
        if action == "remove" and has_one:
            second_factor.remove(user, by=user)
            messages.success(request, _("Your second factor is removed."))
        return redirect("account_second_factor")
    context: dict[str, Any] = {"has_one": has_one, "next": nxt,
                               "required": second_factor.required(user)}
    if has_one:
        context["left"] = second_factor.recovery_codes_left(user)
    else:
        device = second_factor.pending_app(user)
        uri = device.config_url
        context |= {"secret": second_factor.secret_text(device), "uri": uri,
                    "qr": mark_safe(segno.make(uri, error="m").svg_inline(  # noqa: S308
                        scale=4, title=_("QR code of the authenticator's secret")))}
    return private(render(request, "web/accounts/second_factor.html", context))


def _codes(request: HttpRequest, codes: list[str], nxt: str) -> HttpResponse:
    """The recovery codes, shown this once: nothing shows them again."""
    return private(render(request, "web/accounts/recovery_codes.html",
                          {"codes": codes, "next": nxt}))


class ResetView(auth_views.PasswordResetView):
    """Asks for the address and mails the link (``core.password_reset.ResetForm``); one
    connection (network address) may ask ``RESETS_PER_CLIENT`` times an hour, then the page
    says to wait (it names no account, so it tells nothing about who has one)."""

    template_name = "web/accounts/password_reset.html"
    subject_template_name = "web/accounts/password_reset_subject.txt"
    email_template_name = "web/accounts/password_reset_email.txt"

    def form_valid(self, form: Any) -> HttpResponse:
        client = self.request.META.get("REMOTE_ADDR") or "unknown"
        if not login_throttle.reset_allowed("client", client, login_throttle.RESETS_PER_CLIENT):
            form.add_error(None, _("Too many password resets were asked for from your "
                                   "connection. Try again in an hour."))
            return self.form_invalid(form)
        return super().form_valid(form)


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password from the mailed link; it also lifts a log-in lock on the account,
    since whoever reads its mail may reset it anyway."""

    template_name = "web/accounts/password_reset_confirm.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        login_throttle.forgive_account(form.user.get_username())
        return response
