"""Reading a feed a city publishes elsewhere: over HTTP(S), or from this machine (``file://``
URLs and plain paths, for the demo and for feeds copied in by hand).

A file larger than ``MOBILITY_PULL_MAX`` bytes is refused after reading at most that much; a
server that does not answer within ``TIMEOUT_S`` is refused too. Every refusal is a sentence
naming the URL.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from zerocity.core.errors import Conflict

TIMEOUT_S = 30
USER_AGENT = "ZeroCity (public transport feeds)"


def is_local(url: str) -> bool:
    return url.startswith("file://") or "://" not in url


def local_path(url: str) -> Path:
    if url.startswith("file://"):
        return Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
    return Path(url)


def fetch(url: str, *, limit: int | None = None) -> bytes:
    """The bytes at ``url`` (http, https, file, or a path)."""
    limit = limit or int(settings.MOBILITY_PULL_MAX)
    scheme = urllib.parse.urlparse(url).scheme
    if is_local(url):
        path = local_path(url)
        try:
            with path.open("rb") as f:
                data = f.read(limit + 1)
        except OSError as exc:
            raise Conflict(_("%(url)s could not be read: %(reason)s.")
                           % {"url": url, "reason": exc.strerror or exc},
                           code="mobility-fetch") from None
    elif scheme in ("http", "https"):
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
                data = response.read(limit + 1)
        except urllib.error.HTTPError as exc:
            raise Conflict(_("%(url)s answered %(status)s: check the address with the feed's "
                             "publisher.") % {"url": url, "status": exc.code},
                           code="mobility-fetch") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Conflict(_("%(url)s could not be reached: %(reason)s.")
                           % {"url": url, "reason": reason}, code="mobility-fetch") from None
    else:
        raise Conflict(_("%(url)s is not an http, https or file address.") % {"url": url},
                       code="mobility-fetch")
    if len(data) > limit:
        raise Conflict(_("%(url)s is larger than %(mb)s MB, the most a feed file may be "
                         "(ZEROCITY_MOBILITY_PULL_MAX).") % {"url": url, "mb": limit // 2**20},
                       code="mobility-fetch")
    return data
