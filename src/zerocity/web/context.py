"""What every page's template may show besides its own content."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def demo_loading(request: HttpRequest) -> dict[str, Any]:
    """The demo's stages still loading after the server started (demo.stages): the pages say
    so until the whole demo is there. Nothing when the demo was loaded in one go."""
    from zerocity.demo.stages import loading

    waiting, failed = loading()
    return {"demo_waiting": waiting, "demo_failed": failed}
