"""The forecast, backtest and restructure what-if commands on Eastmere at scale 1, each as a whole process.

Not part of the test run. Usage:
    .venv/bin/python bench/bench_whatif.py --work DIR [--runs 3]
Setup (not timed): Eastmere seed 1 at scale 1 is generated and loaded once into DIR/eastmere.duckdb. Timed: a
fresh `clearsight` process for each of `forecast`, `forecast backtest` and `whatif --restructure 2023-04-01`
(set the day before the April 2023 restructure with the FTE it cut), its wall time and its CPU time (user +
system, DuckDB's threads included), the median of the runs. CPU time is the figure to compare on a shared
machine; the backtest's MAPE and band coverage are printed from its own output.
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = (("forecast",), ("forecast", "backtest"), ("whatif", "--restructure", "2023-04-01"))


def build(work: Path) -> Path:
    from clearsight.store.database import connect
    from clearsight.store.load import load_extract
    from clearsight.synth import generate_council

    db = work / "eastmere.duckdb"
    if db.exists():
        return db
    extract = work / "extract"
    if not (extract / "manifest.json").exists():
        generate_council(extract, seed=1, scale=1.0)
    con = connect(db)
    assert load_extract(con, extract).status == "loaded"
    con.close()
    return db


def timed(db: Path, command: tuple[str, ...]) -> tuple[float, float, str]:
    """(wall, CPU seconds, output) of one `clearsight --db DB COMMAND` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).with_name("clearsight")), "--db", str(db), *command],
                          check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    db = build(args.work)
    for command in COMMANDS:
        runs = [timed(db, command) for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(f"clearsight {' '.join(command)}: wall {wall:.2f} s, CPU {cpu:.2f} s (median of {args.runs})")
        if command == ("forecast", "backtest"):
            found = re.search(r"by ([\d.]+)% a month on average.*?held the actual total in ([\d.]+)% of months "
                              r"and each group's count in ([\d.]+)%", " ".join(runs[0][2].split()))
            if found:
                print(f"  backtest MAPE {found[1]}%, 95% band coverage: total {found[2]}% of months, "
                      f"groups {found[3]}% of month-groups")


if __name__ == "__main__":
    main()
