"""Private working folders that a killed process does not leave behind for good.

An ingest stages a payload in ``DATA_DIR/ingest-tmp/<id>`` and the server keeps large uploads
in ``DATA_DIR/upload-tmp/<id>`` while it runs: an *area* each, registered by the app that uses
it (``register``, in its ``AppConfig.ready``). Each folder has a lock file beside it
(``<id>.lock``) that its owner holds (``flock``) for as long as it lives; the kernel lets go of
the lock when the process ends, however it ends. ``sweep`` (run when ``zerocity serve`` starts)
removes every folder whose lock nobody holds: what a crash or ``kill -9`` left, never what a
running import next to it is still using.

Folders are 0700 and the lock files 0600: readings and uploads are the city's data.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from pathlib import Path

from django.conf import settings

UPLOADS = "upload-tmp"
_areas: set[str] = {UPLOADS}


def register(area: str) -> None:
    """``sweep`` looks after ``DATA_DIR/<area>`` too."""
    _areas.add(area)


class WorkDir:
    """A new private folder under ``DATA_DIR/<area>``, held until ``remove``."""

    def __init__(self, area: str) -> None:
        parent = Path(settings.DATA_DIR) / area
        parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        while True:
            name = uuid.uuid4().hex
            lock = parent / f"{name}.lock"
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            # A sweep may have taken and removed the lock file between open and flock: then
            # this lock guards nothing, and a new name is tried.
            try:
                if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        self._fd: int | None = fd
        self.lock = lock
        self.path = parent / name
        self.path.mkdir(mode=0o700)

    def remove(self) -> None:
        if self._fd is None:
            return
        shutil.rmtree(self.path, ignore_errors=True)
        self.lock.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


def _free(lock: Path) -> int | None:
    """The lock file's descriptor, locked by us, when no living process holds it."""
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def sweep() -> list[Path]:
    """Remove the working folders (and lock files) no living process holds. Returns what was
    removed, for the start-up log."""
    removed: list[Path] = []
    for name in sorted(_areas):
        area = Path(settings.DATA_DIR) / name
        if not area.is_dir():
            continue
        for entry in sorted(area.iterdir()):
            if entry.suffix == ".lock":
                fd = _free(entry)
                if fd is None:
                    continue
                try:  # the owner is gone: its folder, then the lock, while we hold it
                    folder = entry.with_suffix("")
                    if folder.exists():
                        shutil.rmtree(folder, ignore_errors=True)
                        removed.append(folder)
                    entry.unlink(missing_ok=True)
                finally:
                    os.close(fd)
            elif entry.is_dir() and not entry.with_suffix(".lock").exists():
                # A folder is made only after its lock is held, so one without a lock file
                # has no owner (its lock was removed by a sweep after the owner died).
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed
