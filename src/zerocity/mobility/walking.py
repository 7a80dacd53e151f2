"""A city's walking network: an OpenStreetMap extract (.osm or .osm.pbf) it uploads, read into
nodes and edges (``planner.osm``) and kept as a version, so that journeys walk the streets
instead of the straight line x 1.3 (docs/mobility.md, "Walking").

The file is read first, without a lock; one with no walkable way is refused in a sentence. The
network's arrays and the file as uploaded are written in a private folder, which is renamed to
``DATA_DIR/gtfs/<city>/walk-<sha256>/`` in the transaction that records the version (as feed
versions are). The same bytes again change nothing; the newest network is the one used.
"""

from __future__ import annotations

import os
import shutil
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from zerocity.core import audit, workdirs
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.core.results import Done
from zerocity.mobility import store
from zerocity.mobility.models import WalkNetwork
from zerocity.mobility.planner import osm
from zerocity.mobility.planner.walking import WalkNetwork as Network

SUFFIXES = {".osm.pbf": ".osm.pbf", ".pbf": ".osm.pbf", ".osm": ".osm", ".xml": ".osm",
            ".osm.bz2": ".osm.bz2", ".osm.gz": ".osm.gz"}
ARRAYS = "network.npz"


def _suffix(filename: str) -> str:
    name = filename.lower()
    for ending, suffix in SUFFIXES.items():
        if name.endswith(ending):
            return suffix
    raise Conflict(_("A walking network is an OpenStreetMap file ending in .osm or .osm.pbf."),
                   code="osm-file-type")


def import_network(city: City, data: bytes | Path, *, filename: str, name: str = "",
                   licence: str = "", attribution: str = "", by: Person | None = None,
                   actor: str = "") -> Done[WalkNetwork]:
    """Import an OpenStreetMap extract as the city's walking network (the newest is used);
    ``replayed`` when these bytes were imported before."""
    from zerocity.mobility.services import sha256_of

    suffix = _suffix(filename)
    sha = sha256_of(data)
    known = WalkNetwork.objects.filter(city=city, sha256=sha).first()
    if known is not None:
        return Done(known, True)
    work = workdirs.WorkDir(store.WORK_AREA)
    try:
        folder = work.path / "network"
        folder.mkdir()
        source = folder / f"source{suffix}"
        if isinstance(data, bytes):
            source.write_bytes(data)
        else:
            shutil.copyfile(data, source)
        try:
            network = osm.read(source)
        except osm.OsmUnreadable:
            raise Conflict(_("The file holds no street or path a person may walk on; export "
                             "the city's area from OpenStreetMap again (.osm or .osm.pbf)."),
                           code="osm-unreadable") from None
        network.save(folder / ARRAYS)
        rel = f"gtfs/{city.slug}/walk-{sha}"
        final = Path(settings.DATA_DIR) / rel
        with transaction.atomic(durable=True):
            City.objects.select_for_update().get(pk=city.pk)
            known = WalkNetwork.objects.filter(city=city, sha256=sha).first()
            if known is not None:  # the same bytes raced in on another connection
                return Done(known, True)
            version = WalkNetwork.objects.create(
                city=city, name=(name or filename)[:200], sha256=sha, filename=filename[:300],
                licence=licence or "ODbL-1.0",
                attribution=attribution or "© OpenStreetMap contributors",
                nodes=network.n_nodes, edges=len(network.edge_m), path=rel,
                by_label=actor or audit.actor_label(by))
            audit.record("mobility.walk_network_imported", city=city, user=by, actor=actor,
                         obj=version, sha256=sha, nodes=version.nodes, edges=version.edges)
            final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if final.exists():  # left by an import that did not commit
                shutil.rmtree(final)
            os.replace(folder, final)
        return Done(version, False)
    finally:
        work.remove()


def current(city: City) -> WalkNetwork | None:
    return WalkNetwork.objects.filter(city=city).order_by("-id").first()


def network_of(city: City) -> Network | None:
    """The planner's walking network of the city (its newest upload), or None."""
    return arrays(current(city))


def arrays(version: WalkNetwork | None) -> Network | None:
    """The planner's network of an imported version (None for none), loaded once a process."""
    return None if version is None else _load(str(Path(settings.DATA_DIR) / version.path))


@lru_cache(maxsize=8)
def _load(folder: str) -> Network:
    return Network.load(Path(folder) / ARRAYS)
