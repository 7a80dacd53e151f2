"""`make demo` on a fresh data directory: seconds from the start of ``zerocity demo`` to the
first 200 of the site's front page and of Kranj's home page, and to the whole demo loaded (its
background stages done, demo/stages.py). There is no reference program to race: the ratio is
the first page's time to the goal (within 15 s, issue 22). The check: the demo ends with every
stage done and its budget page (loaded by a late stage) answering.

    python bench/demo_bench.py [--timeout 900]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from timing import goal

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 15.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # follows the redirect
            return bool(response.status == 200)
    except OSError:
        return False


def _progress(data_dir: Path) -> dict[str, str]:
    try:
        return dict(json.loads((data_dir / "demo-progress.json").read_text())["stages"])
    except (OSError, ValueError, KeyError):
        return {}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=900)
    args, _ = parser.parse_known_args()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="zerocity-demo-bench-") as tmp:
        data_dir = Path(tmp)
        env = {**os.environ, "ZEROCITY_DATA_DIR": tmp, "PORT": str(port),
               "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
        env.pop("DATABASE_URL", None)
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "zerocity", "demo"], env=env, cwd=tmp,
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                start_new_session=True)
        marks: dict[str, float] = {}
        try:
            while time.perf_counter() - t0 < args.timeout and proc.poll() is None:
                now = time.perf_counter() - t0
                if "front" not in marks and _answers(base + "/"):
                    marks["front"] = time.perf_counter() - t0
                if "front" in marks and "home" not in marks and _answers(base + "/en/kranj/"):
                    marks["home"] = time.perf_counter() - t0
                states = _progress(data_dir)
                if "home" in marks and states and set(states.values()) == {"done"}:
                    marks["full"] = now
                    break
                if "failed" in states.values():
                    break
                time.sleep(0.2)
            whole = "full" in marks and _answers(base + "/en/kranj/budget/")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        states = _progress(data_dir)
    print(f"fresh data directory, SQLite, {os.cpu_count()} CPUs")
    for key, what in (("front", "first 200 of /"), ("home", "first 200 of /en/kranj/"),
                      ("full", "every stage loaded")):
        shown = f"{marks[key]:8.1f} s" if key in marks else "     n/a"
        print(f"  {what:<28}{shown}")
    if "home" in marks:
        print(f"  first page / goal ({GOAL_S:.0f} s): {marks['home'] / GOAL_S:.2f}x")
        goal("the demo's first page", marks["home"], GOAL_S, unit=" s", at_most=True)
    if not whole:
        print(f"FAILED: the demo did not load whole: {states}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
