"""Workforce and capacity benchmark: every workforce and capacity metric for 72 monthly periods.

Not part of the test run. Usage (on a loaded database, e.g. from bench_core.py --work DIR or `clearsight load`):
    .venv/bin/python bench/bench_workforce.py --db DB [--first 2019-04 --months 72] [--monthly-only]
Target (issue 3): under 2 s warm at scale 10.

Two lines: first the one-query monthly metrics (`workforce_monthly`, `capacity_monthly`: every month of the
period in one call each), then every per-date metric run once per month (skipped with --monthly-only).
The database is written to on the first compute (the working-day calendar table): run it on a copy.
"""

from __future__ import annotations

import argparse
import calendar
import time
from datetime import date

from clearsight.metrics.figures import clear_result_cache, compute
from clearsight.store.database import connect
from clearsight.store.snapshots import get_snapshot

MONTHLY_METRICS = ("workforce_monthly", "capacity_monthly")
AS_AT_METRICS = ("workforce_by_team", "workforce_council", "capacity")
PERIOD_METRICS = ("turnover_by_team", "turnover_council", "leavers_by_reason", "staff_cost_by_team")


def month_ends(first: date, months: int) -> list[tuple[date, date]]:
    periods = []
    year, month = first.year, first.month
    for _ in range(months):
        start = date(year, month, 1)
        periods.append((start, date(year, month, calendar.monthrange(year, month)[1])))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--first", default="2019-04")
    parser.add_argument("--months", type=int, default=72)
    parser.add_argument("--monthly-only", action="store_true", help="Time only the one-query monthly metrics.")
    args = parser.parse_args()
    con = connect(args.db)
    snapshot = get_snapshot(con)
    periods = month_ends(date.fromisoformat(args.first + "-01"), args.months)
    first, last = periods[0][0], periods[-1][1]

    def run_monthly() -> tuple[int, dict[str, float]]:
        n, each = 0, {}
        for name in MONTHLY_METRICS:
            started = time.perf_counter()
            n += compute(con, snapshot, name, last, period_start=first).rows.num_rows
            each[name] = time.perf_counter() - started
        return n, each

    started = time.perf_counter()
    monthly_rows, cold_each = run_monthly()  # cold: compiles both metrics, builds the calendar if missing
    monthly_cold = time.perf_counter() - started
    warm_runs = []
    for _ in range(3):
        clear_result_cache()
        started = time.perf_counter()
        _, warm_each = run_monthly()
        warm_runs.append((time.perf_counter() - started, warm_each))
    monthly_warm, warm_each = min(warm_runs, key=lambda r: r[0])
    detail = ", ".join(f"{m} {warm_each[m]:.2f} s" for m in MONTHLY_METRICS)
    print(f"monthly metrics, {len(periods)} months ({first}..{last}) in one query each: {monthly_rows:,} rows; "
          f"cold {monthly_cold:.2f} s; warm (best of 3, recomputed) {monthly_warm:.2f} s ({detail})")
    if args.monthly_only:
        return
    clear_result_cache()

    def run_all() -> int:
        n = 0
        for start, end in periods:
            for name in AS_AT_METRICS:
                n += compute(con, snapshot, name, end).rows.num_rows
            for name in PERIOD_METRICS:
                n += compute(con, snapshot, name, end, period_start=start).rows.num_rows
        return n

    started = time.perf_counter()
    rows = run_all()  # cold: compiles each metric once, then runs every query
    cold = time.perf_counter() - started
    clear_result_cache()
    started = time.perf_counter()
    run_all()  # warm: compiled SQL and DuckDB's caches reused, every figure computed again
    warm = time.perf_counter() - started
    started = time.perf_counter()
    run_all()  # cached: the figures themselves reused (snapshots never change)
    cached = time.perf_counter() - started
    queries = len(periods) * (len(AS_AT_METRICS) + len(PERIOD_METRICS))
    print(f"{queries} figures ({len(periods)} months x {len(AS_AT_METRICS) + len(PERIOD_METRICS)} metrics), "
          f"{rows:,} rows")
    print(f"cold {cold:.2f} s; warm (recomputed) {warm:.2f} s = {warm / queries * 1000:.1f} ms a figure; "
          f"cached {cached:.3f} s")


if __name__ == "__main__":
    main()
