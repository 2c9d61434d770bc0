"""Looked-after-children forecast benchmark: fit + 3-year forecast with band + backtest, whole process.

Not part of the test run. Usage:
    .venv/bin/python bench/bench_forecast.py --work DIR [--episodes 500000]
Target (issue 19): under 3 s on 2 cores for a 500k-episode SSDA903 history (the open peer, cs-demand-model,
takes about 22 s for the forecast alone).

Setup (not timed): Eastmere at scale 1 is generated once, and its children and CLA episodes are copied (as a 903 history holds them: a header row for each looked-after child; new
ids, dates shifted back 0-29 days a copy) into DIR/bench.duckdb until the history holds the episodes asked
for. Timed: a fresh Python process that imports Clearsight, reads the episodes from the store, fits the rates
as at the extract date, projects 36 months with the band, and backtests from a year before the extract date.
"""

from __future__ import annotations

import argparse
import math
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

EXTRACT_DATE = date(2025, 3, 31)
CUTOFF = date(2024, 3, 31)


def build(work: Path, episodes: int) -> Path:
    from clearsight.store.database import connect
    from clearsight.synth import generate_council

    db = work / f"bench-{episodes}.duckdb"
    if db.exists():
        return db
    extract = work / "extract"
    if not (extract / "manifest.json").exists():
        generate_council(extract, seed=1, scale=1.0)
    con = connect(db)
    per_copy = con.execute(f"SELECT count(*) FROM read_csv('{extract / 'cla_episode.csv'}')").fetchone()[0]
    copies = math.ceil(episodes / per_copy)
    shift = "INTERVAL (k % 30) DAY"
    con.execute(
        f"""INSERT INTO child (child_id, sex, dob, snapshot_id, source_file, source_row)
            SELECT child_id || '-' || k, sex, CAST(dob - {shift} AS DATE), 1, 'child.csv', 0
            FROM read_csv('{extract / 'child.csv'}'), range({copies}) r(k)
            WHERE child_id IN (SELECT child_id FROM read_csv('{extract / 'cla_episode.csv'}'))"""
    )
    con.execute(
        f"""INSERT INTO cla_episode (cla_episode_id, child_id, period_id, start_date, legal_status, placement_type,
                                     end_date, snapshot_id, source_file, source_row)
            SELECT cla_episode_id || '-' || k, child_id || '-' || k, period_id || '-' || k,
                   CAST(start_date - {shift} AS DATE), legal_status, placement_type,
                   CAST(end_date - {shift} AS DATE), 1, 'cla_episode.csv', 0
            FROM read_csv('{extract / 'cla_episode.csv'}'), range({copies}) r(k)
            LIMIT {episodes}"""
    )
    con.execute("CHECKPOINT")
    con.close()
    return db


def run(db: str) -> None:
    """The timed work, in its own process."""
    started = time.perf_counter()
    import duckdb

    from clearsight.config import CouncilConfig
    from clearsight.forecast.backtest import backtest
    from clearsight.forecast.looked_after import forecast_from_segments
    from clearsight.forecast.segments import care_segments

    imported = time.perf_counter()
    config = CouncilConfig()
    con = duckdb.connect(db, read_only=True)  # the forecast reads one query: DuckDB alone
    segments = care_segments(con, 1, config.forecast)
    read = time.perf_counter()
    forecast = forecast_from_segments(segments, EXTRACT_DATE, config)
    forecasted = time.perf_counter()
    result = backtest(segments, CUTOFF, EXTRACT_DATE, config)
    done = time.perf_counter()
    print(
        f"spells {len(segments.state):,}; in care {forecast.projection.start.sum():,.0f} -> "
        f"{forecast.projection.total[-1]:,.0f} in 36 months; backtest MAPE {result.mape:.1%}, "
        f"coverage {result.coverage:.0%}\n"
        f"import {imported - started:.2f}s, read+spells {read - imported:.2f}s, fit+forecast "
        f"{forecasted - read:.2f}s, backtest {done - forecasted:.2f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--episodes", type=int, default=500_000)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run(args.run)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    db = build(args.work, args.episodes)
    from clearsight.store.database import connect

    con = connect(db, read_only=True)
    n = con.execute("SELECT count(*) FROM cla_episode").fetchone()[0]
    con.close()
    times = []
    cpu = []
    for _ in range(3):
        started = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, __file__, "--run", str(db)], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(time.perf_counter() - started)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    print(f"{n:,} episodes: whole process {min(times):.2f}s best of 3 ({', '.join(f'{t:.2f}' for t in times)}); "
          f"CPU {min(cpu):.2f}s (user + system, all threads) -- target < 3 s on 2 cores")


if __name__ == "__main__":
    main()
