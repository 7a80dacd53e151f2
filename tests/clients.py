"""The test client of a person: logged in as ``user``, or anonymous for None."""

from __future__ import annotations

from typing import Any

from django.test import Client


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
