"""What `zerocity serve` does around the WSGI application: private files, a clean start, and
proxy headers believed only from the configured proxies.

Behind a TLS proxy the server sees every request arrive over plain HTTP from the proxy's
address; the proxy says what the visitor used in ``X-Forwarded-Proto`` and who they are in
``X-Forwarded-For``. Those headers are taken from the addresses in
``settings.TRUSTED_PROXIES`` (addresses or networks) and removed from every other request,
so nobody can claim HTTPS or another address by sending them. The parsing is waitress's own
(``proxy_headers_middleware``); waitress itself accepts only one proxy address, so the choice
of which peers to trust is made here.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import os
import signal
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import get_resolver

from zerocity.core import workdirs

log = logging.getLogger("zerocity.server")
WSGIApp = Callable[..., Iterable[bytes]]
# files and folders the server and the commands create are readable by their owner alone
UMASK = 0o077


def private_files() -> None:
    """Everything created from here on is 0600 (files) or 0700 (folders): the SQLite file and
    its journal, the readings store, uploads, exports written under the data directory."""
    os.umask(UMASK)


def behind_proxies(app: WSGIApp, proxies: list[str], headers: list[str]) -> WSGIApp:
    """``app`` with the proxy headers of ``headers`` applied from ``proxies`` and removed
    from everyone else (all proxy headers are removed when ``proxies`` is empty)."""
    from waitress.proxy_headers import proxy_headers_middleware

    networks = [ipaddress.ip_network(p, strict=False) for p in proxies]
    untrusted = proxy_headers_middleware(app, trusted_proxy=None, clear_untrusted=True)
    if not networks:
        return untrusted  # type: ignore[no-any-return]
    trusted = proxy_headers_middleware(app, trusted_proxy="*", trusted_proxy_count=1,
                                       trusted_proxy_headers=set(headers),
                                       clear_untrusted=True)

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            peer = ipaddress.ip_address(environ.get("REMOTE_ADDR", ""))
        except ValueError:  # a unix socket or no address: not a configured proxy
            peer = None
        chosen = trusted if peer is not None and any(peer in n for n in networks) else untrusted
        return chosen(environ, start_response)

    return dispatch


def prepare() -> None:
    """Before the first request: the data directory private, and the working folders that a
    killed server or ingest left removed (core.workdirs)."""
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    data_dir.chmod(0o700)  # also when an earlier version made it with the default mode
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        for suffix in ("", "-wal", "-shm"):
            path = Path(f"{db['NAME']}{suffix}")
            if path.exists():
                path.chmod(0o600)
    for folder in workdirs.sweep():
        log.warning("removed a working folder left by a stopped process: %s", folder.name,
                    extra={"folder": str(folder)})


def settle() -> None:
    """Load every view's module (the URLconf imports them), then move everything loaded so
    far out of the cycle collector's reach (``gc.freeze``): the code, the translations and
    the libraries live as long as the process, and a full collection walking them stalled
    every request in flight for about 0.2 s every few seconds under load."""
    get_resolver().url_patterns  # noqa: B018  # importing the views is the point
    gc.collect()
    gc.freeze()


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)  # waitress finishes its loop; the upload folder is removed below


def serve(host: str, port: int, threads: int, announce: Callable[[str], None]) -> None:
    """Serve the site with waitress until stopped (Ctrl+C, or SIGTERM from systemd). Large
    uploads wait in a working folder of this process (held while it runs, swept after a
    crash). ``announce`` is told each address the server listens on, once it does."""
    from waitress import create_server

    from zerocity.wsgi import application

    prepare()
    uploads = workdirs.WorkDir(workdirs.UPLOADS)
    try:
        settings.FILE_UPLOAD_TEMP_DIR = str(uploads.path)  # read by Django at each large upload
        app = behind_proxies(application, settings.TRUSTED_PROXIES,
                             settings.TRUSTED_PROXY_HEADERS)
        # waitress's own proxy handling is off (no trusted_proxy, nothing cleared twice):
        # behind_proxies decides
        server = create_server(app, host=host, port=port, threads=threads, ident="zerocity",
                               clear_untrusted_proxy_headers=False)
        listening = getattr(server, "effective_listen", None) or [
            (server.effective_host, server.effective_port)]
        for address, bound in listening:
            announce(f"http://[{address}]:{bound}/" if ":" in address
                     else f"http://{address}:{bound}/")
        signal.signal(signal.SIGTERM, _stop)
        settle()
        server.run()
    finally:
        uploads.remove()
