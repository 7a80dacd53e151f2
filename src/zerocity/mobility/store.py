"""Where each feed version's tables live: ``DATA_DIR/gtfs/<city>/<sha256>/<file>.parquet``, one
Parquet file per GTFS file (every column a string, as written), and ``feed.zip``, the archive
as imported (its other files, and what a share-alike licence asks to pass on).

A version is written whole in a private folder (``DATA_DIR/gtfs-tmp/<id>``, on the same disk)
and renamed into place in one step, so no reader ever sees half a version; a folder a crash
left behind is swept at the next start (``core.workdirs``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from zerocity.core import workdirs

WORK_AREA = "gtfs-tmp"
ARCHIVE = "feed.zip"


def root() -> Path:
    return Path(settings.DATA_DIR) / "gtfs"


def version_path(city_slug: str, sha256: str) -> str:
    """The version's folder, relative to DATA_DIR (what FeedVersion.path keeps)."""
    return f"gtfs/{city_slug}/{sha256}"


class Written:
    """A version's tables written in a private folder, until ``publish`` renames it into
    place or ``discard`` removes it."""

    def __init__(self, tables: dict[str, pd.DataFrame], archive: bytes | Path) -> None:
        self._work: workdirs.WorkDir | None = workdirs.WorkDir(WORK_AREA)
        self.folder = self._work.path / "version"
        self.folder.mkdir()
        try:
            for name, frame in tables.items():
                table = pa.Table.from_arrays(
                    [pa.array(frame[c].to_numpy(dtype=object), type=pa.string())
                     for c in frame.columns],
                    names=[str(c) for c in frame.columns])
                pq.write_table(table, self.folder / f"{name}.parquet", compression="zstd")
            if isinstance(archive, bytes):
                (self.folder / ARCHIVE).write_bytes(archive)
            else:
                shutil.copyfile(archive, self.folder / ARCHIVE)
            for path in self.folder.iterdir():
                _fsync(path)
        except BaseException:
            self.discard()
            raise

    def publish(self, relative: str) -> None:
        """Rename the folder to DATA_DIR/<relative>. A folder already there holds the same
        bytes' tables left by an import that did not commit: it is replaced."""
        assert self._work is not None
        final = Path(settings.DATA_DIR) / relative
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if final.exists():
            shutil.rmtree(final)
        os.replace(self.folder, final)
        _fsync(final.parent)
        self.discard()

    def discard(self) -> None:
        if self._work is not None:
            self._work.remove()
            self._work = None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # not every platform syncs a directory
        pass
    finally:
        os.close(fd)


def read_tables(relative: str) -> dict[str, pd.DataFrame]:
    """Every table of a version: file name without .txt -> its rows, every column a str."""
    folder = Path(settings.DATA_DIR) / relative
    return {path.stem: pd.read_parquet(path).astype(str)
            for path in sorted(folder.glob("*.parquet"))}


def read_table(relative: str, name: str, columns: list[str] | None = None
               ) -> pd.DataFrame | None:
    """One table of a version (only ``columns`` of it, those the file has); None when the
    feed has no such file."""
    path = Path(settings.DATA_DIR) / relative / f"{name}.parquet"
    if not path.exists():
        return None
    if columns is not None:
        have = set(pq.read_schema(path).names)
        columns = [c for c in columns if c in have]
    return pd.read_parquet(path, columns=columns).astype(str)


def archive_path(relative: str) -> Path:
    return Path(settings.DATA_DIR) / relative / ARCHIVE


def remove(relative: str) -> None:
    shutil.rmtree(Path(settings.DATA_DIR) / relative, ignore_errors=True)

