"""`make bench`: run every benchmark in bench/, each printing its ratios against a reference
measured in the same run. Benchmarks measure; they never pass or fail on a time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = ["inventory_bench.py"]


def main() -> int:
    here = Path(__file__).parent
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        code = subprocess.call([sys.executable, str(here / name), *sys.argv[1:]])
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
