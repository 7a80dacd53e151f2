"""The refusal of a feed: every error the check found, each one ``file line N, column C: code:
reason``, for the command line to print and the upload page to list."""

from __future__ import annotations

from django.utils.translation import ngettext

from zerocity.core.errors import Conflict
from zerocity.mobility.gtfs.notices import Notice


class FeedRefused(Conflict):
    def __init__(self, notices: list[Notice]) -> None:
        self.notices = notices
        super().__init__(ngettext(
            "The feed was refused: %(n)s error. Correct it and send the feed again.",
            "The feed was refused: %(n)s errors. Correct them all and send the feed again.",
            len(notices)) % {"n": len(notices)}, code="gtfs-errors")
