"""The forecast, backtest and restructure what-if on Eastmere: the commands' time at scale 1, and the what-if and
the backtest against the records seed by seed.

Not part of the test run. Usage:
    .venv/bin/python bench/bench_whatif.py --work DIR [--runs 3] [--seeds 1-5] [--scale 0.5]
Setup (not timed): each Eastmere is generated and loaded once into DIR (kept for the next run).
Timed, on seed 1 at scale 1: a fresh `clearsight` process for each of `forecast`, `forecast backtest` and
`whatif --restructure 2023-04-01` (set the day before the April 2023 restructure with the FTE it cut), wall and CPU
time (user + system, DuckDB's threads included), the median of the runs. CPU time is the figure to compare on a
shared machine.
Accuracy, on each seed at --scale (and seed 1 at scale 1): the what-if set on 31 March 2023
 - with the restructure's cuts alone (leaving and filling fitted from the history before it; the rise of leaving
   with caseload the council's own or, where its history has too few worker-months at 1.25 times the standard,
   the configured default): the two depleted child-in-need teams' children per FTE and the council's children
   waiting at 31 December 2023, projected and recorded, and the other teams' children per FTE April 2023 to
   January 2024 (mean absolute % error);
 - as it turned out (each team's FTE in post each month from the records): the depleted teams' children per FTE
   in the months children wait in them, and the council's most children waiting October 2023 to January 2024
   (before the inspection's recovery teams), projected and recorded;
and the looked-after forecast's backtest over the last year: MAPE and the 95% band's coverage.
The depleted teams are the two child-in-need teams the restructure cut deepest (their establishment; the
generator's crisis follows from it: synth/scenario.py).

Measured 4 Dec 2026 (machine at load 12-14 on 2 cores; CPU is the figure): forecast 1.14 s, backtest 0.75 s, whatif
1.38 s CPU. Cuts alone, waiting on 31 Dec 2023 projected/recorded, half scale seeds 1-5: 361/267, 301/303,
178/249, 231/304, 276/289 (seed 1 at scale 1: 394/300), the depleted teams 25.2-27.0 per FTE projected (records
20.2-28.6); before the drain came from caseloads (a dated morale shock the history could not show), seeds 1-3:
0/211, 17/271, 1/89 (seed 1 at scale 1: 76/322). As it turned out, most waiting Oct-Jan: 421/324, 361/365,
177/284, 287/379, 246/289 (305/307). Backtest MAPE 1.8-7.8%, the 95% band holding the total 42-100% of months.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

COMMANDS = (("forecast",), ("forecast", "backtest"), ("whatif", "--restructure", "2023-04-01"))
RESTRUCTURE, DECEMBER = date(2023, 4, 1), date(2023, 12, 31)
WINTER = (date(2023, 10, 1), date(2024, 1, 31))


def build(work: Path, seed: int, scale: float) -> Path:
    from clearsight.store.database import connect
    from clearsight.store.load import load_extract
    from clearsight.synth import generate_council

    db = work / f"eastmere-{seed}-{scale:g}.duckdb"
    if db.exists():
        return db
    extract = work / f"extract-{seed}-{scale:g}"
    if not (extract / "manifest.json").exists():
        generate_council(extract, seed=seed, scale=scale)
    con = connect(db)
    assert load_extract(con, extract).status == "loaded"
    con.close()
    return db


def timed(db: Path, command: tuple[str, ...]) -> tuple[float, float]:
    """(wall, CPU seconds) of one `clearsight --db DB COMMAND` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("clearsight")), "--db", str(db), *command],
                   check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def accuracy(db: Path) -> str:
    """One line: the what-if (cuts alone, and as it turned out) and the backtest against the records."""
    from clearsight.config import CouncilConfig
    from clearsight.forecast.backtest import backtest
    from clearsight.forecast.segments import care_segments
    from clearsight.forecast.whatif import as_recorded, restructure_scenario, run_whatif
    from clearsight.reports.forecast import default_cutoff
    from clearsight.store.database import connect
    from clearsight.store.snapshots import get_snapshot

    config = CouncilConfig()
    con = connect(db)
    snapshot = get_snapshot(con)
    turned = restructure_scenario(con, snapshot, RESTRUCTURE, config, months=10, as_it_turned_out=True)
    cut: dict[str, float] = {}
    for change in turned.fte_changes:
        cut[change.team] = min(cut.get(change.team, 0.0), change.share)
    alone_run = run_whatif(con, snapshot, turned.model_copy(update={"staffing": ()}), config)
    alone, rows = (as_recorded(con, snapshot, result, config)
                   for result in (alone_run, run_whatif(con, snapshot, turned, config)))
    depleted = sorted({r["team_id"] for r in rows if r["service"] == "cin"}, key=lambda t: cut.get(t, 0.0))[:2]
    december = [r for r in alone if r["month_end"] == DECEMBER]
    loads = ", ".join(f"{r['caseload_per_fte']:.1f}/{r['recorded_caseload_per_fte'] or 0:.1f}"
                      for r in december if r["team_id"] in depleted)
    others = [abs(r["caseload_per_fte"] / r["recorded_caseload_per_fte"] - 1) for r in alone
              if r["team_id"] not in depleted and r["month_end"] <= WINTER[1] and r["caseload_per_fte"]
              and r["recorded_caseload_per_fte"]]
    waiting = [r for r in rows if r["team_id"] in depleted and r["unallocated"] > 1 and r["fte"] > 0]
    months = sorted({r["month_end"] for r in rows if WINTER[0] <= r["month_end"] <= WINTER[1]})
    most = [max(sum(r[k] for r in rows if r["month_end"] == m) for m in months)
            for k in ("unallocated", "recorded_unallocated")]
    trial = backtest(care_segments(con, snapshot.snapshot_id, config.forecast), default_cutoff(snapshot.extract_date),
                     snapshot.extract_date, config)
    con.close()
    per_fte = (f"{min(r['caseload_per_fte'] for r in waiting):.1f}-{max(r['caseload_per_fte'] for r in waiting):.1f}"
               if waiting else "none waiting")
    pressure = "default" if not alone_run.workforce.fitted else f"fitted {alone_run.workforce.pressure:g}"
    return (f"cuts alone (leaving pressure {pressure}), 31 Dec 2023: depleted teams {loads} per FTE, waiting "
            f"{sum(r['unallocated'] for r in december):.0f}/{sum(r['recorded_unallocated'] for r in december):.0f} "
            f"(projected/recorded), other teams' children per FTE Apr-Jan off by {statistics.mean(others):.1%} on "
            f"average | as it turned out: depleted teams {per_fte} per FTE while children wait, most "
            f"waiting Oct-Jan {most[0]:.0f}/{most[1]:.0f} | backtest MAPE {trial.mape:.1%}, 95% band held the "
            f"total {trial.coverage:.0%} of months, groups {trial.state_coverage:.0%}")


def seeds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seeds", type=seeds, default=seeds("1-5"), help="Seeds for the accuracy, e.g. 1-5.")
    parser.add_argument("--scale", type=float, default=0.5, help="Scale of the accuracy seeds.")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    db = build(args.work, 1, 1.0)
    for command in COMMANDS:
        runs = [timed(db, command) for _ in range(args.runs)]
        print(f"clearsight {' '.join(command)}: wall {statistics.median(r[0] for r in runs):.2f} s, "
              f"CPU {statistics.median(r[1] for r in runs):.2f} s (median of {args.runs})")
    for seed, scale in [(s, args.scale) for s in args.seeds] + [(1, 1.0)]:
        print(f"seed {seed} scale {scale:g}: {accuracy(build(args.work, seed, scale))}", flush=True)


if __name__ == "__main__":
    main()
