"""What a service did, typed: the record it made or found, and whether the call repeated one
already done. Idempotent services (top-ups by payment reference, taps by device and sequence,
readings by payload, redemptions by receipt) say so themselves, so an edge answers 200 for a
replay and 201 for something new without guessing from ids or timestamps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Done(Generic[T]):
    value: T
    replayed: bool  # the same call was made before: this is its record, nothing was written
