"""API tokens for machines (a utility's data source, a validator): the secret is shown once;
only its SHA-256 digest and its first characters (to find it and to tell tokens apart) are
stored, and digests are compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX_LENGTH = 8


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str) -> tuple[str, str, str]:
    """(secret, its stored prefix, its stored digest)."""
    secret = prefix + secrets.token_urlsafe(32)
    return secret, secret[:PREFIX_LENGTH], digest(secret)


def plausible(secret: object) -> bool:
    return isinstance(secret, str) and 16 <= len(secret) <= 200


def matches(stored_digest: str, secret: str) -> bool:
    return hmac.compare_digest(stored_digest, digest(secret))
