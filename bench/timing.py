"""What the benchmarks share: the best of a few timed runs (the least disturbed by the rest of
the machine)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def best(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The shortest of ``repeat`` runs of ``fn`` in seconds, and its last answer."""
    times = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def goal(what: str, measured: float, target: float, *, unit: str = "", at_most: bool = False,
         ) -> bool:
    """Print one measurement against the goal an issue set for it, on a line `make bench`
    gathers into its summary (``GOAL ...``); whether it is met. A goal is never a pass or a
    fail of the benchmark: the numbers are the machine's, the ratios the code's."""
    met = measured <= target if at_most else measured >= target
    print(f"  GOAL {what}: {measured:,.3g}{unit} ({'at most' if at_most else 'at least'} "
          f"{target:g}{unit}) {'met' if met else 'SHORT'}", flush=True)
    return met
