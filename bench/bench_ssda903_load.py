"""SSDA903 load speed on a peer-sized input (issue 15 item 7): one council's stacked yearly returns of about
504,000 rows (the size of the open demand model's 903 input) read, validated and loaded by `clearsight load`
as a whole process, against the target of 5 s and 1 GB.

Builds Eastmere's SSDA903 history once (bench_national's base, --scale), stacks it into --years yearly returns
of one council grown to --rows source rows (bench_national.build_national with one council of the needed
size), then runs `clearsight --db NEW load DIR` --repeat times on a fresh database, printing the median wall
seconds, CPU seconds (user + system, all threads) of that process and its peak resident memory: first the
target's read+validate+load (the process with the alerts evaluation that follows a load left out), then the
whole `clearsight load` with it, so the figures say what the alerts add. Not part of the test run:
    .venv/bin/python bench/bench_ssda903_load.py [--rows 504000] [--work DIR] [--repeat 3]

Measured 4 Dec 2026 on the shared 2-core machine under load (load average 7: wall 1.5-2.5x CPU, and CPU
seconds inflated against an idle machine), CPU seconds, the least of runs interleaved with main before issue 15's
speed work (c9421d2): read+validate+load 5.89 -> 4.65 s (median 6.05 -> 4.88), peak 547 -> 505 MB; with the
alerts evaluation 6.49 -> 4.88 s. Half an hour later, the same interleaved pairs: 6.63 -> 5.39 s and 7.20 -> 6.33 s
and at 17:38 6.44 -> 5.37 s (this script's median then: 6.18 s; the shared host's CPU seconds moved by a fifth
between runs minutes apart: compare interleaved runs, and measure the target idle). What went: pandas (no longer imported by a load: store/without_pandas.py),
the 903 reader's second copy and triple scan of every stacked table (years, council, child and dates worked
out as each file is staged), results materialised before their Arrow conversion.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_national import _base, build_national

TARGET_SECONDS, TARGET_MB = 5.0, 1024
# What a run times: the target's read, validation and load, or the whole `clearsight load` with the alerts
# evaluation after it (issue 17), which reads the new snapshot's figures once it has committed.
WHAT = {False: "read+validate+load", True: "the same, then the alerts evaluation"}


# `clearsight load` with the alerts evaluation after it left out, to time reading, validation and loading alone
_WITHOUT_ALERTS = ("import sys; import clearsight.cli_alerts as a; a.after_load = lambda *_, **__: None; "
                   "from clearsight.cli import app; sys.argv[0] = 'clearsight'; app()")


def _environment(work: Path) -> dict[str, str]:
    """The environment of a measured process: Python's bytecode kept between runs (under `work`, leaving the
    source tree alone), as an installed package has it, whatever PYTHONDONTWRITEBYTECODE says; the unmeasured
    first run writes it. Without it each run compiled the 60 Clearsight modules of a load again: 0.13 s of CPU,
    an eighth of a small load."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(work / "bytecode")}


def _load(work: Path, data: Path, n: int, alerts: bool = True) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB) of one `clearsight load` process; without `alerts`, the same process with the
    alerts evaluation that follows a load (issue 17) left out."""
    db = work / f"load-{n}.duckdb"
    db.unlink(missing_ok=True)
    shutil.rmtree(work / f"load-{n}.duckdb.figures", ignore_errors=True)
    command = [str(Path(sys.executable).parent / "clearsight")] if alerts else [sys.executable, "-c", _WITHOUT_ALERTS]
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen([*command, "--db", str(db), "load", str(data)], stdout=out, stderr=out,
                                   env=_environment(work))
        _, status, usage = os.wait4(process.pid, 0)  # this process's own CPU and peak memory
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in (0, 1):
            out.seek(0)
            sys.exit(f"load failed ({process.returncode}): {out.read()[-4000:].decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


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
    data = work / f"ssda903-{args.rows}"
    if not data.is_dir():
        base = _base(work, args.scale)
        one = build_national(base, work / "size1", 1, args.years, 0.0, size=1.0)
        rows = build_national(base, data, 1, args.years, 0.0, size=args.rows / one)
        print(f"built {rows:,} rows of SSDA903 (one council, {args.years} yearly returns) in {data}")
    rows = sum(len(f.read_bytes().splitlines()) - 1 for f in data.glob("*.csv"))
    _load(work, data, 0, True)  # once unmeasured: the first run after a change of code compiles the metrics' SQL
    for alerts in (False, True):
        runs = [_load(work, data, n, alerts) for n in range(args.repeat)]
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        print(f"{WHAT[alerts]}: {rows:,} rows in {wall:.2f}s wall ({rows / wall:,.0f} rows/s), {cpu:.2f}s CPU "
              f"(median of {args.repeat}), peak {max(r[2] for r in runs):,.0f} MB  (target {TARGET_SECONDS:g}s, "
              f"{TARGET_MB:,} MB)")

if __name__ == "__main__":
    main()
