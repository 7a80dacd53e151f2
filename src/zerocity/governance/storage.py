"""Where the bodies' uploaded papers are kept: once each, named by its SHA-256, under the data
directory (written by ``services.add_item`` after its transaction commits)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def papers_dir() -> Path:
    return Path(settings.DATA_DIR) / "governance" / "papers"
