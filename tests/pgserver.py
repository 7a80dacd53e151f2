"""A throw-away PostgreSQL server for the test suite.

Starts Debian's PostgreSQL (``initdb`` + ``pg_ctl``) in a temporary directory on a free
loopback port, yields its ``DATABASE_URL`` and removes everything afterwards. As root (CI runs
as root) the server runs as the ``postgres`` system user, since PostgreSQL refuses root.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(str(Path(found).resolve().parent))
    for c in candidates:
        if (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (install Debian's 'postgresql' package)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def temporary_postgres() -> Iterator[str]:
    bindir = find_bindir()
    as_root = os.geteuid() == 0
    tmp = Path(tempfile.mkdtemp(prefix="zerocity-pg-"))
    prefix: list[str] = []
    if as_root:
        try:
            pg = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise PostgresUnavailable("running as root but there is no 'postgres' user") \
                from exc
        os.chown(tmp, pg.pw_uid, pg.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = tmp / "data", _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, env=env, cwd=tmp,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "zerocity", "-A", "trust",
            "-E", "UTF8", "--no-sync")
        opts = (f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(tmp / "log"),
            "-w", "start")
        try:
            yield f"postgres://zerocity@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                            "-w", "stop"], env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    except subprocess.CalledProcessError as exc:
        log = (tmp / "log").read_text() if (tmp / "log").exists() else ""
        raise PostgresUnavailable(
            f"could not start PostgreSQL: {exc.stderr.decode(errors='replace')}{log}"
        ) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
