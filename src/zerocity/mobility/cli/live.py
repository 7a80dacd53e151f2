"""``zerocity mobility realtime`` and ``zerocity mobility bikes``: the live feeds beside the
timetable (GTFS-Realtime and GBFS)."""

from __future__ import annotations

from typing import Any

import click

from zerocity.core.cli import ACTOR, city_opt, handles_errors

SHOWN_PROBLEMS = 50


@click.group()
def realtime() -> None:
    """GTFS-Realtime TripUpdates and VehiclePositions: pulled from a URL or pushed to the API."""


@realtime.command("configure")
@city_opt
@click.option("--url", default=None, help="Where the worker pulls the feed every minute "
              "(https://... or file://...); '' for a feed that is only pushed.")
@click.option("--stale-after", "stale_after", type=int, default=None,
              help="Seconds after a message's timestamp when the planner falls back to the "
              "timetable [default: 300].")
@handles_errors
def realtime_configure(city_slug: str, url: str | None, stale_after: int | None) -> None:
    """Set up the city's real-time feed; its data source `gtfs-realtime` is made with it, and
    `zerocity data token issue --source gtfs-realtime` gives the token that pushes."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.realtime import configure_feed

    feed = configure_feed(get_city(city_slug), url=url, stale_after_s=stale_after, actor=ACTOR)
    click.echo(f"real time for {city_slug}: {'pulled from ' + feed.url if feed.url else 'pushed'}"
               f"; stale after {feed.stale_after_s} s; push with a token of source "
               f"{feed.source.key} to /api/v1/cities/{city_slug}/mobility/realtime")


def _received(done: Any) -> str:
    got = done.value
    if done.replayed:
        return f"the same message as the one held ({got.timestamp:%Y-%m-%d %H:%M:%S} UTC): " \
               "nothing changed"
    text = (f"message of {got.timestamp:%Y-%m-%d %H:%M:%S} UTC: {got.trip_updates} trip "
            f"update(s), {got.vehicles} vehicle(s); replaced: "
            f"{', '.join(got.replaced) or 'nothing'}")
    if got.older:
        text += f"; a newer message is held for {', '.join(got.older)}"
    if got.left_out:
        text += f"; {got.left_out} entit(y/ies) left out (quarantined)"
    return text


@realtime.command("pull")
@city_opt
@click.option("--url", default="", help="The feed's URL (https://..., file://... or a path) "
              "[default: the one configured].")
@handles_errors
def realtime_pull(city_slug: str, url: str) -> None:
    """Fetch the city's GTFS-Realtime feed once and keep it as the latest snapshot."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.realtime import pull

    done = pull(get_city(city_slug), url=url, actor=ACTOR)
    click.echo(_received(done))
    for p in done.value.problems[:SHOWN_PROBLEMS]:
        click.echo(f"left out {p.entity}: {p.reason}")


@realtime.command("status")
@city_opt
@handles_errors
def realtime_status(city_slug: str) -> None:
    """The snapshots held, their age, and the messages in quarantine."""
    from django.utils import timezone

    from zerocity.core.selectors import get_city
    from zerocity.mobility.selectors import quarantined_messages, realtime_snapshots

    city = get_city(city_slug)
    now = timezone.now()
    for s in realtime_snapshots(city):
        age = int((now - s.timestamp).total_seconds())
        click.echo(f"{s.kind}\t{s.timestamp:%Y-%m-%d %H:%M:%S} UTC\t{age} s old\t"
                   f"{s.entities} entities\t{s.problems} left out\t{s.origin}\t{s.sha256[:12]}")
    for q in quarantined_messages(city)[:SHOWN_PROBLEMS]:
        state = "refused" if q.refused else "partly taken"
        reason = q.reason or "; ".join(f"{p['entity']}: {p['reason']}" for p in q.problems[:3])
        click.echo(f"quarantine\t{q.last_received_at:%Y-%m-%d %H:%M:%S} UTC\t{state}\t"
                   f"x{q.times}\t{reason}")


# -- bike-share -------------------------------------------------------------------------------

@click.group()
def bikes() -> None:
    """Bike-share stations from the city's GBFS feed (2.3 or 3.x)."""


@bikes.command("configure")
@city_opt
@click.option("--url", required=True, help="gbfs.json or manifest.json (https://..., "
              "file://... or a folder holding the files).")
@click.option("--system", "system_id", default="", help="The system's id, when a manifest "
              "lists several.")
@handles_errors
def bikes_configure(city_slug: str, url: str, system_id: str) -> None:
    """Set the address the worker pulls the city's GBFS feed from every minute."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.bikes import configure

    system = configure(get_city(city_slug), url, system_id=system_id, actor=ACTOR)
    click.echo(f"bike-share for {city_slug}: {system.url}")


@bikes.command("pull")
@city_opt
@click.option("--url", default="", help="gbfs.json or manifest.json (https://..., file://... "
              "or a folder holding the files) [default: the one configured].")
@click.option("--system", "system_id", default="", help="The system's id, when a manifest "
              "lists several.")
@handles_errors
def bikes_pull(city_slug: str, url: str, system_id: str) -> None:
    """Read the GBFS feed once and keep its stations (a city without a system gets one with
    this address)."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.bikes import pull

    done = pull(get_city(city_slug), url=url, system_id=system_id, actor=ACTOR)
    s = done.value
    if done.replayed:
        click.echo(f"no newer data than the stations held ({s.last_updated:%Y-%m-%d %H:%M:%S} "
                   "UTC): nothing changed")
        return
    click.echo(f"{s.name or s.url} (GBFS {s.version}): {len(s.stations)} stations, "
               f"{sum(int(x['bikes']) for x in s.stations)} bikes, updated "
               f"{s.last_updated:%Y-%m-%d %H:%M:%S} UTC, ttl {s.ttl} s")
    for p in s.problems[:SHOWN_PROBLEMS]:
        click.echo(f"left out: {p}")


@bikes.command("show")
@city_opt
@handles_errors
def bikes_show(city_slug: str) -> None:
    """The stations held and how old they are."""
    from django.utils import timezone

    from zerocity.core.selectors import get_city
    from zerocity.mobility.bikes import bike_share, state

    city = get_city(city_slug)
    now = timezone.now()
    st = state(city, now)
    if st is None:
        click.echo(f"{city_slug} has no bike-share system")
        return
    when = f"{st.last_updated:%Y-%m-%d %H:%M:%S} UTC, {st.age_s} s old" if st.last_updated \
        else "never read"
    click.echo(f"{st.name or st.url} (GBFS {st.version or '-'}): {st.stations} stations, "
               f"{st.bikes} bikes; {when}, ttl {st.ttl} s"
               + ("; STALE: bike legs are left out" if st.stale else ""))
    share = bike_share(city, now)
    for b in share.stations if share else ():
        flags = ("" if b.renting else " not renting") + ("" if b.returning else " not returning")
        click.echo(f"{b.id}\t{b.name}\t{b.bikes} bikes\t{b.docks} docks{flags}")
