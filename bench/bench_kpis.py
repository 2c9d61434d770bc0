"""Practice KPI benchmark (issue 4): the full KPI suite for one as-at date, and for every month of six years.

Target: the suite for one date under 3 s warm at scale 10. "Warm" means the metrics are compiled and DuckDB's
caches are filled, but every figure is computed afresh (the result cache is cleared before each run). Not part
of the test run. Usage:
    .venv/bin/python bench/bench_kpis.py [--scale 10] [--db FILE] [--as-at 2023-12-15] [--repeat 5] [--no-series]
With --db, an already loaded database is used instead of generating and loading Eastmere.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from clearsight.config import CouncilConfig
from clearsight.metrics.figures import clear_result_cache, compute
from clearsight.reports.kpis import kpi_monthly, kpi_table, practice_kpis
from clearsight.store.database import connect
from clearsight.store.load import load_extract
from clearsight.store.snapshots import get_snapshot
from clearsight.synth import generate_council

SERIES = (date(2019, 4, 1), date(2025, 3, 31))  # Eastmere's six years: 72 months


def _database(args: argparse.Namespace) -> Path:
    if args.db:
        return args.db
    work = Path(tempfile.mkdtemp(prefix="clearsight-bench-kpis-"))
    started = time.perf_counter()
    generate_council(work / "extract", seed=1, scale=args.scale)
    con = connect(work / "kpis.duckdb")
    report = load_extract(con, work / "extract")
    assert report.status == "loaded", [str(p) for p in report.problems]
    con.close()
    print(f"setup: synth + load at scale {args.scale:g} in {time.perf_counter() - started:.1f} s")
    return work / "kpis.duckdb"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--as-at", type=date.fromisoformat, default=date(2023, 12, 15))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--series", action=argparse.BooleanOptionalAction, default=True,
                        help="Also time the 72-month series (minutes at scale 10).")
    args = parser.parse_args()
    con = connect(_database(args))
    snapshot = get_snapshot(con)
    config = CouncilConfig()
    start = date(args.as_at.year, args.as_at.month, 1)
    kpis = practice_kpis()
    rows = sum(snapshot.rows(t) for t in snapshot.report.get("tables", {}))
    print(f"{len(kpis)} KPIs on snapshot {snapshot.snapshot_id} ({snapshot.council}, {rows:,} rows)")

    started = time.perf_counter()
    kpi_table(con, snapshot, start, args.as_at, config)
    print(f"one date, cold (compile + first run): {time.perf_counter() - started:6.2f} s")
    times = []
    for _ in range(args.repeat):
        clear_result_cache()
        started = time.perf_counter()
        kpi_table(con, snapshot, start, args.as_at, config)
        times.append(time.perf_counter() - started)
    under = "yes" if statistics.median(times) < 3 else "no"
    print(f"one date, warm: median {statistics.median(times):6.2f} s, best {min(times):6.2f} s "
          f"(under the 3 s target, which is for scale 10: {under})")
    clear_result_cache()
    slowest = []
    for k in kpis:
        started = time.perf_counter()
        compute(con, snapshot, k.name, args.as_at, config, period_start=start if k.period else None)
        slowest.append((time.perf_counter() - started, k.name))
    print("  slowest: " + ", ".join(f"{name} {s * 1000:.0f} ms" for s, name in sorted(slowest, reverse=True)[:4]))

    if not args.series:
        return
    clear_result_cache()
    started = time.perf_counter()
    series = kpi_monthly(con, snapshot, *SERIES, config)
    months = len({r["month"] for r in series.rows})
    seconds = time.perf_counter() - started
    print(f"{months} months x {len(kpis)} KPIs, computed: {seconds:6.1f} s ({seconds / months:.2f} s a month)")
    started = time.perf_counter()
    kpi_monthly(con, snapshot, *SERIES, config)
    print(f"the same series again (cached):   {time.perf_counter() - started:6.2f} s")


if __name__ == "__main__":
    main()
