"""Alerts benchmark: the default rules evaluated once (as after a load), and a replay of history.

Not part of the test run. Usage, on a COPY of a loaded database (the run writes alerts to it):
    .venv/bin/python bench/bench_alerts.py --db COPY.duckdb [--as-at 2023-12-15]
        [--from 2021-04-01 --to 2024-03-31 --step 7]
Targets (issue 17): the default rules after a load at scale 10 under 2 s; a 3-year daily replay under 60 s.
Measured (CPU, 2 cores at load 5-13, 4 Dec 2026): `alerts run` on /work/data/em10 (2025-03-31, 718 raised) in a
new process with the SQL compiled 1.3 s (0.9-1.0 s again; 2.9-5.2 s before that day's changes); the 3-year daily
replay (2021-04-01 to 2024-03-31, --step 1) at scale 1 74.5 s (99.5 s before), 51 s of it the figures' queries
(reported_vs_records 16 s: it recounts the children waiting at the latest return's date for every day); weekly
(--step 7) 16.7 s. Since then reported_vs_records is computed once per return date (Metric.as_at_of): its 1,096
days of that replay at scale 1 in 0.87 s of CPU, against 25.3 s before at load 5-8 (the same figures). The whole
3-year daily replay at scale 1 then (main at 7da4bf2, /work/data/em1 of seed 1, SQL compiled, load 3.7-4.5):
52.0 s, 49.8 s user + 3.3 s system CPU (13,455 figures, 380 alerts): under the 60 s aimed at.

Prints: the first run (metric SQL compiled unless the per-user cache holds it), a second run of the same day
(every figure recomputed, nothing raised again), and the replay with the figures it computed.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from clearsight.alerts.lifecycle import replay, run
from clearsight.config import CouncilConfig
from clearsight.metrics.figures import clear_result_cache
from clearsight.store.database import connect
from clearsight.store.snapshots import get_snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--as-at", type=date.fromisoformat, default=None)
    parser.add_argument("--from", dest="start", type=date.fromisoformat, default=date(2021, 4, 1))
    parser.add_argument("--to", dest="end", type=date.fromisoformat, default=date(2024, 3, 31))
    parser.add_argument("--step", type=int, default=None, help="Days between readings (default: settings').")
    parser.add_argument("--no-replay", action="store_true")
    args = parser.parse_args()
    con = connect(args.db)
    snapshot = get_snapshot(con)
    config = CouncilConfig()
    day = args.as_at or snapshot.extract_date
    rules = len(config.alerts.active)

    started = time.perf_counter()
    first = run(con, snapshot, config, day)
    cold = time.perf_counter() - started
    clear_result_cache()
    started = time.perf_counter()
    second = run(con, snapshot, config, day)
    warm = time.perf_counter() - started
    print(f"alerts run, {rules} rules as at {day}: first {cold:.2f}s ({len(first.raised)} raised), "
          f"again {warm:.2f}s ({len(second.raised)} raised, {second.holding} holding)")
    if args.no_replay:
        return
    clear_result_cache()
    started = time.perf_counter()
    result = replay(con, snapshot, config, args.start, args.end, args.step, entries=[])
    seconds = time.perf_counter() - started
    days = (args.end - args.start).days + 1
    print(f"alerts replay {args.start}..{args.end} ({days} days, rules read every {result.step} days): "
          f"{seconds:.1f}s, {result.readings} figures, {len(result.store.alerts())} alerts")


if __name__ == "__main__":
    main()
