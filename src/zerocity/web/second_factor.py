"""The rule that holds a log-in back until its second factor is given (docs/accounts.md).

A session logged in with a password whose person has an authenticator is asked for a code
(the ``account_verify`` page); one whose person's role requires a second factor and who has
none yet is sent to add one (``account_second_factor``). Until then every other page and API
operation of the session is refused; only that page, logging out and choosing the language
work (a person with an authenticator cannot change it before giving a code). The person's
role is read on every request, so a city that starts requiring a second factor holds back
sessions already open.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from zerocity.core import second_factor
from zerocity.core.middleware import API_PATHS

# the pages a held-back session may still open, besides the one it is sent to
OPEN = {"logout", "set_language", "login"}


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or request.path.startswith(settings.STATIC_URL) \
                or user.is_verified():  # type: ignore[attr-defined]  # django-otp sets it

            return self.get_response(request)
        if second_factor.has_one(user):
            page = "account_verify"
        elif second_factor.required(user):
            page = "account_second_factor"
        else:
            return self.get_response(request)
        try:
            if resolve(request.path_info).url_name in OPEN | {page}:
                return self.get_response(request)
        except Resolver404:
            pass
        if request.path.startswith(API_PATHS):
            return JsonResponse({"detail": _("Confirm your log-in with your second factor "
                                             "first.")}, status=403)
        return redirect_to_login(request.get_full_path(), reverse(page), "next")
