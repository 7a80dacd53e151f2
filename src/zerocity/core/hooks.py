"""Hooks the domain apps register at start-up (``AppConfig.ready``), so that core and the
edges can gather what every app holds without importing any of them.

- ``local_time_data``: what a city holds whose local days depend on its time zone (taps,
  readings, deadlines...). A city's zone cannot change while any app reports such data.
- ``personal_data``: each app's part of a person's data download (GDPR Art. 15 and 20) and
  of deleting their account (Art. 17).
- ``health_check``: what ``/healthz`` asks (the database, the readings store).
- ``transit_network``: the city's public-transport network on a service date (its stops and
  routes), which the mobility app holds and the card asks: a tap's ``route`` and ``stop``
  must be the feed's, and ridership places stops where the feed puts them.
- ``open_data``: an app's open datasets (aggregates only), which the data platform publishes
  next to its own (downloads, DCAT-AP catalogue, pages), with the app's part of their state:
  a text that changes whenever what they are computed from changes, so the cached files are
  computed again.
- ``reminders``: what people owe the transition work on a day (a milestone due soon or late,
  an indicator not updated, minutes overdue, a decision past its deadline), which the
  reminder digest gathers from every app and mails at intervals that do not nag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import date, datetime

    from zerocity.core.actors import Person
    from zerocity.core.models import City
    from zerocity.core.open_datasets import Dataset

# A check returns a few words on the data it found ("1,204 card taps"), or None.
LocalTimeCheck = Callable[["City"], "str | None"]
_local_time_checks: dict[str, LocalTimeCheck] = {}


def local_time_data(app: str, check: LocalTimeCheck) -> None:
    _local_time_checks[app] = check


def data_on_local_time(city: City) -> list[str]:
    """What the city holds that was counted in its local days, app by app."""
    found = (check(city) for _app, check in sorted(_local_time_checks.items()))
    return [what for what in found if what]


@dataclass(frozen=True)
class PersonalDataPart:
    """One app's part of a person's data. ``export`` returns plain JSON-able data; ``erase``
    deletes or anonymises what the app holds, inside the deletion's transaction, and raises
    ``Conflict`` when the account cannot be deleted yet (a card with money on it)."""

    app: str
    export: Callable[[Person, City], dict[str, Any]]
    erase: Callable[[Person, City], None] | None = None
    order: int = 50


_personal_data: dict[str, PersonalDataPart] = {}


def personal_data(part: PersonalDataPart) -> None:
    _personal_data[part.app] = part


def personal_data_parts() -> Iterator[PersonalDataPart]:
    yield from sorted(_personal_data.values(), key=lambda p: (p.order, p.app))


# A health check returns None when all is well, else a few words on what is wrong, for an
# operator and without secrets ("not writable"); an exception counts as failing too.
HealthCheck = Callable[[], "str | None"]
_health_checks: dict[str, HealthCheck] = {}


def health_check(name: str, check: HealthCheck) -> None:
    _health_checks[name] = check


def health() -> dict[str, str]:
    """Each check's name and "ok" or "failing: <why>"."""
    found = {}
    for name, check in sorted(_health_checks.items()):
        try:
            problem = check()
        except Exception as exc:  # noqa: BLE001 - whatever broke, the answer is "failing"
            problem = type(exc).__name__  # the class only: a message may name hosts or paths
        found[name] = "ok" if problem is None else f"failing: {problem}"
    return found


@dataclass(frozen=True)
class TransitNetwork:
    """What the timetable says of a city's network on a service date. ``unknown(city, day,
    route, stop)`` names which of a route id and a stop id (either may be "") the feed in force
    does not have, empty when both are known or when the city has no feed yet;
    ``stop_positions(city, day)`` maps each stop id that has a position to (name, lat, lon),
    empty without a feed."""

    unknown: Callable[[City, date, str, str], list[str]]
    stop_positions: Callable[[City, date], dict[str, tuple[str, float, float]]]


_transit: list[TransitNetwork] = []


def transit_network(network: TransitNetwork) -> None:
    _transit[:] = [network]


def transit() -> TransitNetwork | None:
    """The registered network, or None when no app holds one."""
    return _transit[0] if _transit else None


@dataclass(frozen=True)
class OpenDataPart:
    """One app's open datasets. ``state(city)`` changes whenever what they are computed from
    changes (a new timetable, a new result); ``modified(city)`` is when that last happened,
    None when the app holds nothing for the city yet."""

    app: str
    datasets: tuple[Dataset, ...]
    state: Callable[[City], str]
    modified: Callable[[City], datetime | None]


_open_data: dict[str, OpenDataPart] = {}


def open_data(part: OpenDataPart) -> None:
    """Register an app's datasets; a key another app registered is refused (the platform's
    own keys are held apart by the tests of ``data.opendata``)."""
    taken = {d.key for other in _open_data.values() if other.app != part.app
             for d in other.datasets}
    if clash := sorted(taken & {d.key for d in part.datasets}):
        raise ValueError(f"open datasets registered twice: {', '.join(clash)}")
    _open_data[part.app] = part


def open_data_parts() -> list[OpenDataPart]:
    """The registered parts, by app name (the platform's own datasets come first)."""
    return [part for _app, part in sorted(_open_data.items())]


@dataclass(frozen=True)
class Due:
    """One thing a person owes on a day. ``key`` is stable across days ("plan.milestone:42"):
    the reminder digest remembers per key and person what it last sent. ``kind`` is "due_soon",
    "late" or "not_updated"; ``due`` is the day it is or was due (for "not_updated", the day of
    the last update). ``text`` is one line of the digest, written in the language active when
    the provider is called (the digest calls it under the city's language)."""

    key: str
    recipient: int  # the person's user id
    kind: str
    due: date
    text: str
    url: str = ""


DueProvider = Callable[["City", "date"], "Iterable[Due]"]
_reminders: dict[str, DueProvider] = {}


def reminders(app: str, provider: DueProvider) -> None:
    _reminders[app] = provider


def due(city: City, today: date) -> list[Due]:
    """What every app says people owe on ``today``, app by app."""
    return [item for _app, provider in sorted(_reminders.items())
            for item in provider(city, today)]
