"""Refusals of the food services, written for the person who meets them.

A refusal's text is a translated sentence saying what to do; the rule it enforces (``DPS-41``,
``SI-04``, ``INV-1`` of ``shared/research/dps-food-procurement.md``) is kept apart on the
exception as ``code``, and written to the log when it is raised, so that the audit trail and
the logs name the rule while the page does not show a code to the supplier or the buyer.
"""

from __future__ import annotations

import logging

from zerocity.core.errors import Conflict, PermissionDenied

log = logging.getLogger("zerocity.food")


class RuleConflict(Conflict):
    """A request the law refuses: ``str()`` is the sentence for the person, ``code`` the
    rule."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        log.info("food refusal %s: %s", code, message)


class RulePermissionDenied(PermissionDenied):
    """Someone may not do this now (reading a sealed tender, opening early): ``code`` is the
    rule."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        log.info("food refusal %s: %s", code, message)


class FormRejected(Conflict):
    """Input refused with every mistake at once, each as (what the field is called, what to
    enter), so that a person fixes them all in one go."""

    code = ""  # the rule, when a rule of the law is what the input breaks

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in errors))
