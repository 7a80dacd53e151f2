"""`make bench`: run every benchmark in bench/ (each ``*_bench.py``), each in its own process.

Each benchmark prints its measurements and its ratios to a reference measured in the same run on
the same machine; this runner adds each one's wall time and peak memory (the largest resident
set of its process tree), and gathers at the end every measurement a benchmark prints against
the goal an issue set for it (its ``GOAL`` lines), all from the same run. Benchmarks measure;
they never pass or fail on a time. The exit status is non-zero only when a benchmark crashed
or found that it computed something wrong.

    python bench/run.py [--lines N]      (arguments go to every benchmark)
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(path: Path, args: list[str], goals: list[str]) -> tuple[int, float, float]:
    """Exit code, wall seconds and peak RSS in MiB of one benchmark's process tree; its output
    is shown as it comes and its ``GOAL`` lines (``timing.goal``) added to ``goals``."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(path), *args], stdout=subprocess.PIPE,
                            text=True, bufsize=1)
    assert proc.stdout is not None
    for line in proc.stdout:
        print(line, end="", flush=True)
        if line.lstrip().startswith("GOAL "):
            goals.append(f"{path.stem}: {line.strip().removeprefix('GOAL ')}")
    # wait4 gives this child's own resource use; on Linux its ru_maxrss covers the children
    # it waited for too, so it is the peak of the benchmark's own process tree.
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.perf_counter() - t0, usage.ru_maxrss / 1024


def main() -> int:
    args = sys.argv[1:]
    benchmarks = sorted(HERE.glob("*_bench.py"))
    print(f"ZeroCity benchmarks: Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs; {len(benchmarks)} benchmark(s)", flush=True)
    results = []
    goals: list[str] = []
    for path in benchmarks:
        print(f"\n== {path.stem}", flush=True)
        code, wall, peak = run(path, args, goals)
        results.append((path.stem, code, wall, peak))
    print("\n== summary")
    for name, code, wall, peak in results:
        state = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"  {name:<24}{wall:8.1f} s wall  {peak:8.0f} MiB peak RSS  {state}")
    print("\n== goals (each measured against its reference in this run)")
    for line in goals:
        print(f"  {line}")
    return 0 if all(code == 0 for _, code, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
