"""The errors a service raises for the caller to show to a person.

``str()`` of one is a translated sentence that says what to do. A refusal that enforces a
named rule (a rate limit, a spam guard, an idempotency key used twice) carries that rule as
``code``: it is written to the log when the refusal is raised, and the audit trail and the
logs name it, while the page and the API answer show only the sentence.
"""

import logging

log = logging.getLogger("zerocity.refusals")


class ZeroCityError(Exception):
    """Base of the errors a service raises for the caller to show to a person."""

    code: str = ""

    def __init__(self, *args: object, code: str = "") -> None:
        super().__init__(*args)
        if code:
            self.code = code
            log.info("refusal %s: %s", code, args[0] if args else "")


class NotFound(ZeroCityError):
    pass


class PermissionDenied(ZeroCityError):
    pass


class Conflict(ZeroCityError):
    """The request is valid but the object is not in a state that allows it."""


class Unreadable(ZeroCityError):
    """What was sent cannot be read as what it claims to be (a body that is no message of its
    format): the API answers 400."""
