"""What a file must be before anything reads it (docs/limits.md): a workbook (.xlsx is a zip
of XML parts) is checked from its zip directory, which costs a few kilobytes however large the
workbook claims to be once unpacked. A zip bomb, a workbook of a million parts or a file that
is no zip at all is refused here, before openpyxl spends minutes and gigabytes on it.

Python's zip reader stops at each part's declared size, so a part cannot unpack to more than
the directory says.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from django.conf import settings


class UnsafeUpload(ValueError):
    """A file refused for its shape before it was read; the message says what and the limit."""


def check_workbook(data: bytes | Path) -> None:
    """Refuse a workbook whose parts unpack to more than ``UPLOAD_MAX_UNPACKED`` bytes or that
    has more than ``UPLOAD_MAX_PARTS`` parts; a file that is not a zip is left to the reader,
    which says it is no workbook."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as zf:
            parts = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    max_parts: int = settings.UPLOAD_MAX_PARTS
    if len(parts) > max_parts:
        raise UnsafeUpload(f"the workbook has {len(parts):,} parts, more than the "
                           f"{max_parts:,} a workbook may have")
    unpacked = sum(p.file_size for p in parts)
    limit: int = settings.UPLOAD_MAX_UNPACKED
    if unpacked > limit:
        raise UnsafeUpload(f"the workbook unpacks to {unpacked // 2**20:,} MB, more than the "
                           f"{limit // 2**20:,} MB a workbook may hold; save it as CSV or "
                           "send it in parts")
