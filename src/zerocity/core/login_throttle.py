"""Failed log-ins counted per account and per address (django-axes), docs/accounts.md.

After ``AXES_FAILURE_LIMIT`` failed log-ins for one user name, or from one address, every
log-in for that name (from that address) is refused until ``AXES_COOLOFF_TIME`` has passed
since the last failure, the right password included: guessing cannot go on at the speed of a
script. The page says so (``web.account_views.locked_out``).

A successful log-in forgives only the failures of that account from that address. Forgiving
everything the address did (axes' ``AXES_RESET_ON_SUCCESS``) would let someone who holds any
account reset the count of the account they are guessing by logging in to their own between
guesses.
"""

from __future__ import annotations

import hashlib
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest


class LoginThrottle(AxesStandaloneBackend):  # type: ignore[misc]  # axes is untyped
    """Refuses every log-in of a locked account or address before any password is checked.

    A log-in without a request (the test client's ``login``, a Python shell) comes from no
    address and is not counted: every log-in from the web passes its request (Django's
    ``AuthenticationForm``, the admin's login)."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)  # type: ignore[no-any-return]


@receiver(user_logged_in)
def forgive(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """A successful log-in forgives that account's failures from that address, no others."""
    if request is None:
        return
    AccessAttempt.objects.filter(username=user.get_username(),
                                 ip_address=get_client_ip_address(request)).delete()


def forgive_account(username: str) -> None:
    """Lift the lock on an account (its password was just reset from its mailbox)."""
    AccessAttempt.objects.filter(username=username).delete()


# -- password resets ---------------------------------------------------------------------------
# A reset mails whoever owns the address typed: unthrottled, the page would let anyone flood
# a person's mailbox, or make the site a mail cannon. Counted in Django's cache, per window of
# an hour: one server process counts for itself (several processes allow that many times more,
# still a bound).
RESET_WINDOW_SECONDS = 3600
RESETS_PER_ADDRESS = 3  # mails to one address an hour; more are not sent (the page says nothing)
RESETS_PER_CLIENT = 10  # reset requests from one network address an hour; more are refused


def reset_allowed(kind: str, key: str, limit: int) -> bool:
    """Count one more reset of ``kind`` for ``key`` (an address, a client); False once the
    window's ``limit`` is used up. Keys are hashed: the cache never holds an e-mail address."""
    from django.core.cache import cache

    digest = hashlib.sha256(f"{kind}\0{key.strip().lower()}".encode()).hexdigest()
    name = f"zerocity:reset:{digest}"
    cache.add(name, 0, RESET_WINDOW_SECONDS)
    try:
        return cache.incr(name) <= limit
    except ValueError:  # expired between add and incr: a new window
        cache.add(name, 1, RESET_WINDOW_SECONDS)
        return True
