"""Core benchmark: synth, load and position-query times at scale 1 and 10, with rows per second.

Not part of the test run. Usage:
    .venv/bin/python bench/bench_core.py [--scales 1 10] [--as-at 2023-12-15] [--repeat 20] [--work DIR]
Targets (issue 2): position query under 100 ms at scale 10 on a warm database; load at scale 1 under 30 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from clearsight.config import CouncilConfig
from clearsight.metrics.figures import clear_result_cache, compute
from clearsight.reports.position import position_figures
from clearsight.reports.request import make_request
from clearsight.store.database import connect
from clearsight.store.load import load_extract
from clearsight.store.snapshots import get_snapshot
from clearsight.synth import generate_council


def _timed(fn, repeat: int) -> tuple[float, float]:
    """Median and best wall time of `repeat` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


def bench_scale(scale: float, work: Path, as_at: date, repeat: int) -> None:
    extract = work / f"eastmere-{scale:g}"
    started = time.perf_counter()
    manifest = generate_council(extract, seed=1, scale=scale)
    synth_s = time.perf_counter() - started
    rows = sum(t.rows or 0 for t in manifest.tables.values())
    size_mb = sum(p.stat().st_size for p in extract.iterdir()) / 1e6

    db = work / f"bench-{scale:g}.duckdb"
    con = connect(db)
    started = time.perf_counter()
    report = load_extract(con, extract)
    load_s = time.perf_counter() - started
    assert report.status == "loaded", [str(p) for p in report.problems]
    snapshot = get_snapshot(con)

    position_figures(make_request(con, snapshot, CouncilConfig(), as_at=str(as_at)))  # warm: compile the metrics, fill DuckDB's caches

    def uncached(fn):  # the queries themselves: every run computes afresh
        def run():
            clear_result_cache()
            fn()
        return run

    position_ms = _timed(uncached(lambda: position_figures(make_request(con, snapshot, CouncilConfig(), as_at=str(as_at)))), repeat)
    unallocated_ms = _timed(uncached(lambda: compute(con, snapshot, "unallocated_cases", as_at)), repeat)
    capacity_ms = _timed(uncached(lambda: compute(con, snapshot, "capacity", as_at)), repeat)
    cached_ms = _timed(lambda: position_figures(make_request(con, snapshot, CouncilConfig(), as_at=str(as_at))), repeat)
    pos = position_figures(make_request(con, snapshot, CouncilConfig(), as_at=str(as_at)))
    summary = pos.unallocated_summary()
    con.close()

    print(f"\n== scale {scale:g}: {rows:,} rows, {size_mb:,.0f} MB of CSV ==")
    print(f"synth    {synth_s:8.2f} s   {rows / synth_s:12,.0f} rows/s")
    print(f"load     {load_s:8.2f} s   {rows / load_s:12,.0f} rows/s")
    print(f"position, computed     median {position_ms[0]:7.1f} ms  best {position_ms[1]:7.1f} ms")
    print(f"  unallocated_cases    median {unallocated_ms[0]:7.1f} ms  best {unallocated_ms[1]:7.1f} ms")
    print(f"  capacity (3 levels)  median {capacity_ms[0]:7.1f} ms  best {capacity_ms[1]:7.1f} ms")
    print(f"position, cached       median {cached_ms[0]:7.1f} ms  best {cached_ms[1]:7.1f} ms")
    print(f"as at {as_at}: {summary['total']:,} unallocated {summary['by_reason']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--as-at", type=date.fromisoformat, default=date(2023, 12, 15))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--work", type=Path, default=None, help="Working directory (default: a temp dir).")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="clearsight-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for scale in args.scales:
            bench_scale(scale, work, args.as_at, args.repeat)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
