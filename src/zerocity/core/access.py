"""Every page and endpoint declares its permission rule with one of these decorators.

The rule is stored on the view (``view.permission_rule``) so a test can walk the URL
configuration and prove no view was left without one. City-scoped rules read the city from
the ``city`` URL argument (its slug) and hand the City object to the view.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404

from zerocity.core.actors import Person
from zerocity.core.models import City
from zerocity.core.permissions import is_city_admin, is_city_staff

View = Callable[..., HttpResponse]
AnyView = TypeVar("AnyView", bound=Callable[..., HttpResponseBase])
# a page behind a city rule: (request, city, ...) -> a response of any kind
AnyPage = Callable[..., HttpResponseBase]

PUBLIC = "public"
CITY_STAFF = "city_staff"
CITY_ADMIN = "city_admin"
SIGNED_IN = "signed_in; own records only"


def public(view: AnyView) -> AnyView:
    """Anyone, logged in or not. The view still filters what it shows (e.g. drafts)."""
    view.permission_rule = PUBLIC  # type: ignore[attr-defined]  # a mark on the function
    return view


def _city_rule(rule: str, check: Callable[[Person, City], bool]
               ) -> Callable[[AnyPage], AnyPage]:
    def decorator(view: AnyPage) -> AnyPage:
        @wraps(view)
        def wrapper(request: HttpRequest, city: str, *args: Any,
                    **kwargs: Any) -> HttpResponseBase:
            obj = get_object_or_404(City, slug=city)
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not check(request.user, obj):
                # 404, not 403: outsiders learn nothing about what exists behind the rule.
                raise Http404("not found")
            return view(request, obj, *args, **kwargs)

        wrapper.permission_rule = rule  # type: ignore[attr-defined]  # a mark on the function
        return wrapper

    return decorator


city_staff = _city_rule(CITY_STAFF, is_city_staff)
city_admin = _city_rule(CITY_ADMIN, is_city_admin)


# Anyone logged in; the view shows and changes only the user's own records (404 for others').
signed_in = _city_rule(SIGNED_IN, lambda user, city: True)


# Anyone logged in, outside any city: the pages of the person's own account (docs/accounts.md).
OWN_ACCOUNT = "logged_in; own account only"


def own_account(view: AnyPage) -> AnyPage:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.permission_rule = OWN_ACCOUNT  # type: ignore[attr-defined]  # a mark on the function
    return wrapper
