"""Who acts: the typed value every service takes as ``by``.

A change is made by a person, and the edges hand the services the person they know:
``request.user`` on the site and the API, nobody (``None``) on the command line and in the
demo, which name themselves in ``actor`` instead. ``Person`` is exactly what django-stubs
types ``request.user`` as: the project's user model (Django's ``auth.User``; settings keeps
the default ``AUTH_USER_MODEL``) or ``AnonymousUser`` for a visitor who is not signed in.
Services take ``by: Person | None = None``; the audit trail links the record to the user only
when the person is signed in (``signed_in``), and otherwise keeps the label alone.

The alias is a string so that importing this module never imports ``django.contrib.auth``
models, which need the app registry: domain modules import it at any time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

Person: TypeAlias = "User | AnonymousUser"
"""The person acting, as ``request.user`` gives it: a user, or an anonymous visitor."""

Account: TypeAlias = "User"
"""A person with an account, signed in: whose proposals, pledges, data and deletion it is."""


def signed_in(person: Person | None) -> User | None:
    """The user behind ``person`` when they are signed in; None for nobody or a visitor."""
    if person is None or not person.is_authenticated:
        return None
    return person  # narrowed: is_authenticated is Literal[True] on a user, False on a visitor


def actor_label(person: Person | None, fallback: str = "system") -> str:
    """The name an audit record shows for ``person``: their username, else ``fallback``."""
    user = signed_in(person)
    return user.get_username() if user is not None else fallback
