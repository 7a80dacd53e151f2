"""The GTFS fixture feeds of tests/fixtures/gtfs, zipped for a test (see its README)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

FEEDS = Path(__file__).resolve().parent / "fixtures" / "gtfs"


def feed_zip(name: str, *, drop: tuple[str, ...] = (),
             files: dict[str, str | bytes] | None = None) -> bytes:
    """The folder's files as a zip; ``drop`` leaves files out, ``files`` adds or replaces
    some (file name -> text or bytes)."""
    contents = {p.name: p.read_bytes() for p in sorted((FEEDS / name).glob("*.txt"))
                if p.name not in drop}
    for file_name, text in (files or {}).items():
        contents[file_name] = text if isinstance(text, bytes) else text.encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for file_name, data in contents.items():  # a fixed time: the same feed, the same bytes
            zf.writestr(zipfile.ZipInfo(file_name, date_time=(2026, 1, 1, 0, 0, 0)), data,
                        compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()
