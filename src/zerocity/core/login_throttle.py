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
