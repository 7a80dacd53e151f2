"""Inventory benchmark: import and total a city with 100,000 activity lines.

Reference, measured in the same run on the same CSV: pandas reads it, applies the same factors
and groups by GPC reference. Each phase runs in its own process so its peak memory is its own.

    python bench/inventory_bench.py [--lines N]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FUELS = {  # the library factors the generated lines use (t CO2 per MWh)
    "natural_gas": 0.20196, "gas_diesel_oil": 0.26676, "motor_gasoline": 0.24948,
    "lpg": 0.22716,
}
FUEL_REFS = ["I.1.1", "I.2.1", "I.3.1", "II.1.1", "I.5.1"]
GRID_REFS = ["I.1.2", "I.2.2", "I.3.2", "II.1.2"]
TO_MWH = {"MWh": 1.0, "GJ": 1 / 3.6, "kWh": 1e-3}


def make_csv(n: int, seed: int = 2018) -> bytes:
    rnd = random.Random(seed)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["gpc_ref", "activity", "amount", "unit", "fuel", "ef_co2", "ef_unit", "ch4",
                "notation_key", "explanation", "data_quality", "source"])
    for i in range(n):
        kind = rnd.random()
        dq = rnd.choice("HML")
        if kind < 0.6:
            unit = rnd.choice(["MWh", "MWh", "GJ", "kWh"])
            w.writerow([rnd.choice(FUEL_REFS), f"meter {i}", round(rnd.uniform(1, 5e4), 3), unit,
                        rnd.choice(list(FUELS)), "", "", "", "", "", dq, "utility export"])
        elif kind < 0.9:
            w.writerow([rnd.choice(GRID_REFS), f"meter {i}", round(rnd.uniform(1, 5e4), 3),
                        "MWh", "", 0.358, "MWh", "", "", "", dq, "DSO"])
        elif kind < 0.995:
            w.writerow([rnd.choice(["III.1.1", "V.1", "V.3"]), f"site {i}", "", "", "", "", "",
                        round(rnd.uniform(0.1, 50), 4), "", "", dq, "measured"])
        else:
            w.writerow(["I.7.1", f"mine {i}", "", "", "", "", "", "", "NO", "no coal mines",
                        "", ""])
    return out.getvalue().encode()


def phase_zerocity(path: Path) -> dict[str, float]:
    data_dir = tempfile.mkdtemp(prefix="zerocity-bench-")
    os.environ["ZEROCITY_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "zerocity.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from zerocity.core.services import create_city
    from zerocity.inventory.selectors import summary
    from zerocity.inventory.services import import_activity_file

    call_command("migrate", verbosity=0)
    city = create_city("benchtown", name="Benchtown", country="SI", population=100_000)
    data = path.read_bytes()
    t0 = time.perf_counter()
    result = import_activity_file(city, 2024, data, path.name)
    t1 = time.perf_counter()
    totals = summary(result.inventory)["totals"]
    t2 = time.perf_counter()
    again = import_activity_file(city, 2024, data, path.name)
    t3 = time.perf_counter()
    assert again.unchanged
    from django.db.models import Sum

    co2 = result.inventory.lines.aggregate(co2=Sum("co2"))["co2"]
    return {"import_s": t1 - t0, "total_s": t2 - t1, "reimport_s": t3 - t2,
            "basic": totals["basic"], "lines": float(result.rows), "co2": co2}


def phase_pandas(path: Path) -> dict[str, float]:
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_csv(path)
    mwh = df["amount"] * df["unit"].map(TO_MWH)
    factor = df["fuel"].map(FUELS).fillna(df["ef_co2"])
    df["co2"] = (mwh * factor).fillna(0.0)
    by_ref = df.groupby("gpc_ref")["co2"].sum()
    t1 = time.perf_counter()
    return {"pandas_s": t1 - t0, "co2": float(by_ref.sum())}


def run_phase(name: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--csv", str(path)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--phase", choices=["zerocity", "pandas"])
    parser.add_argument("--csv", type=Path)
    args = parser.parse_args()
    if args.phase:
        result = (phase_zerocity if args.phase == "zerocity" else phase_pandas)(args.csv)
        result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"activity-{args.lines}.csv"
        path.write_bytes(make_csv(args.lines))
        size = path.stat().st_size / 2**20
        zc = run_phase("zerocity", path)
        pd_ = run_phase("pandas", path)
    n = args.lines
    total = zc["import_s"] + zc["total_s"]
    print(f"inventory: {n:,} activity lines ({size:.1f} MiB CSV), SQLite under a temp dir")
    print(f"  ZeroCity import (parse, check, factors, units, write)  {zc['import_s']:8.2f} s"
          f"  {n / zc['import_s']:10,.0f} lines/s")
    print(f"  ZeroCity totals (read lines, GPC totals, CCC table)    {zc['total_s']:8.2f} s")
    print(f"  ZeroCity re-import of the same file (no writes)       {zc['reimport_s']:8.2f} s"
          f"  {n / zc['reimport_s']:10,.0f} lines/s")
    print(f"  ZeroCity peak memory                                 {zc['peak_rss_mib']:8.0f} MiB")
    print(f"  reference: pandas read_csv + factors + groupby        {pd_['pandas_s']:8.2f} s"
          f"  {n / pd_['pandas_s']:10,.0f} lines/s")
    print(f"  reference peak memory                                {pd_['peak_rss_mib']:8.0f} MiB")
    print(f"  CO2 sum, ZeroCity vs pandas: {zc['co2']:,.1f} t vs {pd_['co2']:,.1f} t")
    ratio = total / pd_["pandas_s"]
    print(f"  ratio ZeroCity import+totals / pandas                 {ratio:8.1f} x")


if __name__ == "__main__":
    main()
