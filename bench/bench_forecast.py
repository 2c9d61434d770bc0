"""Looked-after-children forecast benchmark: fit + 3-year forecast with band + backtest, whole process.

Not part of the test run. Usage:
    .venv/bin/python bench/bench_forecast.py --work DIR [--episodes 500000] [--seed 1]
Target (issue 19): under 3 s on 2 cores for a 500k-episode SSDA903 history (the open peer, cs-demand-model,
takes about 22 s for the forecast alone).

Setup (not timed): Eastmere at scale 1 is generated once (DIR/extract; a link to an existing extract will do)
and its looked-after model fitted over the three years to its extract date. A history of independent children
is drawn from those daily rates (clearsight.forecast.simulated: entries scaled up, from April 2004 so the
stock has settled by the backtest's year), random children dropped until it holds the episodes asked for, and
written to DIR/sim-EPISODES-SEED.duckdb (a header row for every child). Not copies of Eastmere: copies move
together, so their total strays from the forecast by the copies times Eastmere's miss while the band (made
for independent children) widens by only their square root, and the backtest's coverage read 0% for a
reason that is the history's, not the model's. On this history the band should hold close to its level.
Timed: a fresh Python process that imports Clearsight, reads the episodes from the store, fits the rates
as at the extract date, projects 36 months with the band, and backtests from a year before the extract date.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

EXTRACT_DATE = date(2025, 3, 31)
CUTOFF = date(2024, 3, 31)
HISTORY_FROM = date(2004, 4, 1)
FIT_DAYS = 3 * 365


def _eastmere_rates(extract: Path):
    """Eastmere's looked-after model fitted over the three years to its extract date, from the CSVs."""
    import duckdb

    from clearsight.config import CouncilConfig
    from clearsight.forecast.rates import fit_rates
    from clearsight.forecast.segments import care_segments, day_number

    con = duckdb.connect()
    for table in ("child", "cla_episode"):
        con.execute(f"CREATE VIEW {table} AS SELECT *, 1 AS snapshot_id FROM read_csv('{extract / table}.csv')")
    segments = care_segments(con, 1, CouncilConfig().forecast)
    return fit_rates(segments, day_number(EXTRACT_DATE), FIT_DAYS)


def build(work: Path, episodes: int, seed: int) -> Path:
    import duckdb
    import numpy as np
    import pyarrow as pa

    from clearsight.config import CouncilConfig
    from clearsight.forecast.segments import OPEN_END, day_number
    from clearsight.forecast.simulated import CareProcess, simulate
    from clearsight.store.database import connect
    from clearsight.synth import generate_council

    db = work / f"sim-{episodes}-{seed}.duckdb"
    if db.exists():
        return db
    extract = work / "extract"
    if not (extract / "manifest.json").exists():
        generate_council(extract, seed=1, scale=1.0)
    settings = CouncilConfig().forecast
    rates = _eastmere_rates(extract)
    pilot = simulate(CareProcess.from_rates(rates), settings, HISTORY_FROM, EXTRACT_DATE, seed)
    scale = episodes / len(pilot.child) * 1.02
    sim = simulate(CareProcess.from_rates(rates, scale), settings, HISTORY_FROM, EXTRACT_DATE, seed)
    # Independent children: a random subset of them is the same process with fewer entries.
    order = np.random.default_rng(seed).permutation(len(sim.dob))
    per_child = np.bincount(sim.child, minlength=len(sim.dob))
    kept = np.zeros(len(sim.dob), bool)
    kept[order[np.cumsum(per_child[order]) <= episodes]] = True
    rows = kept[sim.child]
    codes = [c[0] for c in settings.placement_categories.values()] + ["Z1"]  # Z1: other placements
    children = pa.table({"n": np.flatnonzero(kept), "dob": sim.dob[kept]})
    spells = pa.table({"n": sim.child[rows], "k": np.arange(rows.sum()), "start": sim.start[rows],
                       "end": sim.end[rows], "type": pa.array(np.array(codes)[sim.category[rows]])})
    connect(db).close()  # the store's tables
    con = duckdb.connect(str(db))
    con.register("children", children)
    con.register("spells", spells)
    con.execute(
        """INSERT INTO child (child_id, sex, dob, snapshot_id, source_file, source_row)
           SELECT 'S' || n, 'F', DATE '1970-01-01' + CAST(dob AS INTEGER), 1, 'child.csv', 0 FROM children"""
    )
    con.execute(
        f"""INSERT INTO cla_episode (cla_episode_id, child_id, period_id, start_date, legal_status, placement_type,
                                     end_date, snapshot_id, source_file, source_row)
            SELECT 'E' || k, 'S' || n, 'P' || n, DATE '1970-01-01' + CAST(start AS INTEGER), 'C2', type,
                   CASE WHEN "end" < {day_number(OPEN_END)} THEN DATE '1970-01-01' + CAST("end" AS INTEGER) END,
                   1, 'cla_episode.csv', 0
            FROM spells"""
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
        f"{config.forecast.band_level:.0%} band held the total in {result.coverage:.0%} of {result.months} months and "
        f"each group in {result.state_coverage:.0%} of month-groups\n"
        f"import {imported - started:.2f}s, read+spells {read - imported:.2f}s, fit+forecast "
        f"{forecasted - read:.2f}s, backtest {done - forecasted:.2f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--episodes", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1, help="Seed of the simulated history.")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run(args.run)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    db = build(args.work, args.episodes, args.seed)
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
