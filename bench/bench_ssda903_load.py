"""SSDA903 load speed on a peer-sized input (issue 15 item 7): one council's stacked yearly returns of about
504,000 rows (the size of the open demand model's 903 input) read, validated and loaded by `clearsight load`
as a whole process, against the target of 5 s and 1 GB.

Builds Eastmere's SSDA903 history once (bench_national's base, --scale), stacks it into --years yearly returns
of one council grown to --rows source rows (bench_national.build_national with one council of the needed
size), then runs `clearsight --db NEW load DIR` --repeat times on a fresh database, printing wall seconds, CPU
seconds of the process and its peak resident memory; each time again with the alerts evaluation that follows a
load left out, so the figures say what reading, validation and loading take and what the alerts add. Not part
of the test run:
    .venv/bin/python bench/bench_ssda903_load.py [--rows 504000] [--work DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_national import _base, build_national

TARGET_SECONDS, TARGET_MB = 5.0, 1024


# `clearsight load` with the alerts evaluation after it left out, to time reading, validation and loading alone
_WITHOUT_ALERTS = ("import sys; import clearsight.cli_alerts as a; a.after_load = lambda *_, **__: None; "
                   "from clearsight.cli import app; sys.argv[0] = 'clearsight'; app()")


def _load(work: Path, data: Path, n: int, alerts: bool = True) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB) of one `clearsight load` process; without `alerts`, the same process with the
    alerts evaluation that follows a load (issue 17) left out."""
    db = work / f"load-{n}.duckdb"
    db.unlink(missing_ok=True)
    shutil.rmtree(work / f"load-{n}.duckdb.figures", ignore_errors=True)
    command = [str(Path(sys.executable).parent / "clearsight")] if alerts else [sys.executable, "-c", _WITHOUT_ALERTS]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([*command, "--db", str(db), "load", str(data)], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"load failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=504_000)
    parser.add_argument("--scale", type=float, default=0.3, help="Eastmere scale of the base history")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench903-"))
    work.mkdir(parents=True, exist_ok=True)
    base = _base(work, args.scale)
    data = work / f"ssda903-{args.rows}"
    if not data.is_dir():
        one = build_national(base, work / "size1", 1, args.years, 0.0, size=1.0)
        rows = build_national(base, data, 1, args.years, 0.0, size=args.rows / one)
        print(f"built {rows:,} rows of SSDA903 (one council, {args.years} yearly returns) in {data}")
    rows = sum(len(f.read_bytes().splitlines()) - 1 for f in data.glob("*.csv"))
    for n in range(args.repeat):
        for alerts in (True, False):
            wall, cpu, peak = _load(work, data, n, alerts)
            what = "load" if alerts else "load without alerts"
            print(f"{what} {n + 1}: {rows:,} rows in {wall:.2f}s wall ({rows / wall:,.0f} rows/s), {cpu:.2f}s CPU, "
                  f"peak {peak:,.0f} MB  (target {TARGET_SECONDS:g}s, {TARGET_MB:,} MB)")

if __name__ == "__main__":
    main()
