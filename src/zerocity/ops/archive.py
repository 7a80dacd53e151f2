"""The backup archive: a plain tar file whose last member, ``manifest.json``, names every
other member with its size and SHA-256 (docs/backup.md).

Written to a temporary name and renamed when whole, so a backup that failed half-way leaves
no file that looks like a backup; read back member by member, so a truncated, damaged or
partial archive is refused before anything is restored from it."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.utils.translation import gettext as _

from zerocity.core.errors import Conflict

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK = 1 << 20
# Member names the archive may hold: the database, the readings store, the secret key and
# the tenders' public parts; nothing absolute, no "..".
SAFE_NAME = re.compile(r"^(database|data|secret_key|tenders\.json)(/[-\w.=]+)*$")


def safe_name(name: str) -> bool:
    return bool(SAFE_NAME.match(name)) and not {".", ".."} & set(name.split("/"))


class DamagedArchive(Conflict):
    """The archive is not a whole ZeroCity backup; nothing was restored from it."""


@dataclass
class Manifest:
    database: str  # "sqlite" or "postgresql"
    created_at: str
    zerocity: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    format: int = FORMAT

    def to_json(self) -> bytes:
        return json.dumps({"format": self.format, "zerocity": self.zerocity,
                           "created_at": self.created_at, "database": self.database,
                           "files": self.files}, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            manifest = cls(database=str(data["database"]), created_at=str(data["created_at"]),
                           zerocity=str(data["zerocity"]), files=dict(data["files"]),
                           format=int(data["format"]))
            for name, entry in manifest.files.items():
                if not safe_name(name):
                    raise ValueError(name)
                int(entry["size"]), str(entry["sha256"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DamagedArchive(_("The backup's manifest cannot be read ({problem}).")
                                 .format(problem=exc)) from None
        if manifest.format != FORMAT:
            raise DamagedArchive(_("This backup has format {found}; this version of ZeroCity "
                                   "reads format {wanted}.").format(found=manifest.format,
                                                                    wanted=FORMAT))
        return manifest


class _Hashing(io.RawIOBase):
    """A file read once, hashed and counted on the way into the archive."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha, self.size = raw, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


class Writer:
    """Adds members to a new archive and, on ``close``, the manifest and the rename."""

    def __init__(self, out: Path, manifest: Manifest) -> None:
        self.out, self.manifest = out, manifest
        out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = out.with_name(f".{out.name}.tmp")
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.file = os.fdopen(fd, "wb")
        self.tar = tarfile.open(fileobj=self.file, mode="w", format=tarfile.PAX_FORMAT)

    def add_file(self, name: str, source: IO[bytes], size: int) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode = size, 0o600
        hashing = _Hashing(source)
        self.tar.addfile(info, hashing)
        if hashing.size != size:  # the file grew or shrank while it was read
            raise Conflict(_("{name} changed while it was backed up; run the backup "
                             "again.").format(name=name))
        self.manifest.files[name] = {"size": size, "sha256": hashing.sha.hexdigest()}

    def add_path(self, name: str, path: Path) -> None:
        with path.open("rb") as f:
            self.add_file(name, f, os.fstat(f.fileno()).st_size)

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add_file(name, io.BytesIO(data), len(data))

    def close(self) -> None:
        raw = self.manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode = len(raw), 0o600
        self.tar.addfile(info, io.BytesIO(raw))
        self.tar.close()
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        self.tmp.replace(self.out)

    def abort(self) -> None:
        self.tar.close()
        self.file.close()
        self.tmp.unlink(missing_ok=True)


@contextmanager
def writing(out: Path, manifest: Manifest) -> Iterator[Writer]:
    writer = Writer(out, manifest)
    try:
        yield writer
    except BaseException:
        writer.abort()
        raise
    writer.close()


def read(path: Path, sink: Callable[[str], IO[bytes] | None] | None = None) -> Manifest:
    """Read the whole archive, check it against its manifest and return the manifest. With
    ``sink``, each member's bytes are also written to the file it returns for the member's
    name (closed here). Refuses, naming the first problem: a file that is not a tar archive,
    one cut short, a member the manifest does not name or names with another checksum or
    size, a member missing, or no manifest at the end."""
    seen: dict[str, tuple[int, str]] = {}
    manifest: Manifest | None = None
    try:
        with tarfile.open(path, mode="r:") as tar:
            for member in tar:
                if manifest is not None:
                    raise DamagedArchive(_("The backup holds {name} after its manifest.")
                                         .format(name=member.name))
                if not member.isfile():
                    raise DamagedArchive(_("The backup holds {name}, which is not a plain "
                                           "file.").format(name=member.name))
                source = tar.extractfile(member)
                assert source is not None  # a regular file
                if member.name == MANIFEST:
                    manifest = Manifest.from_json(source.read())
                    continue
                if not safe_name(member.name) or member.name in seen:
                    raise DamagedArchive(_("The backup holds an unexpected member {name}.")
                                         .format(name=member.name))
                out = sink(member.name) if sink else None
                sha, size = hashlib.sha256(), 0
                try:
                    while chunk := source.read(CHUNK):
                        sha.update(chunk)
                        size += len(chunk)
                        if out is not None:
                            out.write(chunk)
                finally:
                    if out is not None:
                        out.close()
                seen[member.name] = (size, sha.hexdigest())
    except (tarfile.TarError, EOFError) as exc:
        raise DamagedArchive(_("The backup is cut short or is not a backup archive "
                               "({problem}).").format(problem=exc)) from None
    except OSError as exc:
        raise DamagedArchive(_("The backup cannot be read ({problem}).")
                             .format(problem=exc.strerror or exc)) from None
    if manifest is None:
        raise DamagedArchive(_("The backup has no manifest at its end: it is partial or was "
                               "cut short."))
    for name, entry in sorted(manifest.files.items()):
        if name not in seen:
            raise DamagedArchive(_("The backup lacks {name}, which its manifest lists.")
                                 .format(name=name))
        size, digest = seen[name]
        if size != int(entry["size"]) or digest != entry["sha256"]:
            raise DamagedArchive(_("{name} in the backup does not match its checksum in the "
                                   "manifest: the archive is damaged.").format(name=name))
    extra = sorted(set(seen) - set(manifest.files))
    if extra:
        raise DamagedArchive(_("The backup holds {name}, which its manifest does not list.")
                             .format(name=extra[0]))
    return manifest


def member_path(root: Path, name: str) -> Path:
    """Where member NAME goes under ROOT (names were checked by ``safe_name``)."""
    return root.joinpath(*PurePosixPath(name).parts)
