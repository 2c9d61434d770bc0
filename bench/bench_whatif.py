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

Measured 4 Dec 2026, after the response to pressure was read against each team's own normal caseload, felt
over three months and capped at the most load its evidence has seen (CPU is the figure): forecast 1.04 s,
backtest 0.87 s, whatif 1.48 s CPU. Cuts alone, the response the configured default on every council (none has
enough worker-months with children waiting before April 2023), children waiting on 30 Nov 2023 projected/recorded,
half scale seeds 1-5: 309/246, 290/245, 204/284, 269/379, 189/217; scale 1 seed 1 268/307, seed 3 216/369 (31
Dec: 344/267, 327/303, 235/249, 301/304, 211/289; 298/300, 247/402). The depleted teams 25.4-27.0 per FTE
projected (records 16.4-28.6), the base case holding them at 17.8-22.5. Seed 3 at scale 1 runs low: its depleted
teams drained faster than the default response has them (FTE 5.2 projected, 4.0-4.4 recorded). As it turned
out, most waiting Oct-Jan: 415/324, 361/365, 177/284, 290/379, 242/289 (scale 1: 301/307, 365/402). Backtest
MAPE 1.8-7.8%, the 95% band holding the total 42-100% of months: 42% on seed 3 at half scale, whose reference
year (April 2023 to March 2024) had 94 children entering care against 108-128 in each of the four years before
and 127 after (the crisis held them at the front door), so the model fitted on it projects a fall; a two-year
reference period (ForecastSettings.reference_days = 730) holds 83% of months there.

Measured again 4 Dec 2026 at 5f14d72, after Eastmere's drain was made to follow from the restructure by its rules
(fuller teams, the deleted posts' staff leaving over the weeks after it, crisis leaving) and the what-if taught the
same restructure (ForecastSettings.felt_rise; CPU at load 3, one run): forecast 0.86 s, backtest 0.63 s, whatif
1.51 s CPU. Cuts alone, children waiting on 30 Nov 2023 projected/recorded, half scale seeds 1-5: 173/258,
197/220, 203/302, 167/191, 195/237; scale 1 seed 1 315/287 (31 Dec: 200/303, 227/327, 235/279, 193/215, 224/262;
365/284). The depleted teams 25.4-27.0 per FTE projected at their highest (records 0.0-29.6 on 31 Dec 2023: seed 1
at half scale has nobody holding cases left in one), the base case holding them at 13.6-17.1. As it turned out,
most waiting Oct-Jan: 321/303, 313/327, 395/373, 297/324, 225/289 (scale 1: 384/382). Backtest MAPE 2.1-3.6%, the
95% band holding the total in every month at half scale and 75% at scale 1.
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
RESTRUCTURE, NOVEMBER, DECEMBER = date(2023, 4, 1), date(2023, 11, 30), date(2023, 12, 31)
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
    alone_run = run_whatif(con, snapshot, turned.model_copy(update={"staffing": ()}), config)
    alone, rows = (as_recorded(con, snapshot, result, config)
                   for result in (alone_run, run_whatif(con, snapshot, turned, config)))
    # the teams the cut left with the smallest share of their FTE in post (April, cuts alone against the base)
    april = {(case, r["team_id"]): r["fte"] for case, staffing in (("base", alone_run.base), ("cut", alone_run.changed))
             for r in staffing.rows.to_pylist() if r["month_end"] == alone_run.base.month_ends[0]}
    depleted = sorted({r["team_id"] for r in rows if r["service"] == "cin"},
                      key=lambda t: april["cut", t] / april["base", t] if april["base", t] else 1.0)[:2]
    december = [r for r in alone if r["month_end"] == DECEMBER]
    base_december = {r["team_id"]: r for r in alone_run.base.rows.to_pylist() if r["month_end"] == DECEMBER}
    loads = ", ".join(f"{r['caseload_per_fte']:.1f}/{r['recorded_caseload_per_fte'] or 0:.1f} "
                      f"(base {base_december[r['team_id']]['caseload_per_fte']:.1f})"
                      for r in december if r["team_id"] in depleted)
    november = [r for r in alone if r["month_end"] == NOVEMBER]
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
    pressure = "default" if not alone_run.workforce.fitted else "the council's own"
    return (f"cuts alone (response to pressure: {pressure}), 31 Dec 2023: depleted teams {loads} per FTE, waiting "
            f"{sum(r['unallocated'] for r in december):.0f}/{sum(r['recorded_unallocated'] for r in december):.0f} "
            f"(projected/recorded; 30 Nov {sum(r['unallocated'] for r in november):.0f}/"
            f"{sum(r['recorded_unallocated'] for r in november):.0f}), other teams' children per FTE Apr-Jan off by {statistics.mean(others):.1%} on "
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
