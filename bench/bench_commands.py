"""Whole-command benchmark (issue 14 item 3): each report command as a user runs it, a process of its own, with
the compiled-SQL cache cold (first run after an upgrade) and warm (every run after); the import time of
`clearsight.cli`; and the position computed on a warm connection (what a server does per request). Each warm
command runs twice over: with its queries run (figures computed afresh, the figure store off) and as a user
repeating it meets it, reading the figures kept beside the database (store/figure_store.py).

Targets at scale 1, warm disk and warm cache: every command under 1 s, `summary` under 2 s; at scale 10 the
position on a warm connection under 100 ms. Wall time is what a user waits; CPU time (user + system of the
command's process) is the same work without the waits of a shared machine, and is the figure to compare when
other processes compete for the cores (the load average is printed first). "Warm disk" includes Python's bytecode
cache, as a user's installed copy has it: each process may write `__pycache__` even where
PYTHONDONTWRITEBYTECODE is set (else every command compiles Clearsight's own sources afresh, about a sixth of a
second). Not part of the test run. Usage:
    .venv/bin/python bench/bench_commands.py [--db FILE] [--db10 FILE] [--repeat 3] [--position-repeat 20]
                                             [--commands position kpis]
Measured at scale 1 (session 15, 2 cores shared by five sessions, load 7-27; CPU seconds, queries run / figures
kept), before -> after this session's change (pyarrow.compute no longer imported by a report command; the
position counts its waiting children): import of clearsight.cli 0.59 -> 0.59; position 1.09/0.98 -> 1.13/0.85;
capacity 1.03/0.83 -> 0.99/0.82; workforce 1.64/1.01 -> 1.76/0.98; cost 1.10/1.00 -> 0.93/0.87; kpis 1.93/1.03
-> 1.93/0.84; kpi 0.93/0.81 -> 0.79/0.88; flow 1.36/0.88 -> 1.53/0.99; audits 1.02/0.96 -> 1.10/0.95;
confidence 2.24/0.96 -> 1.77/0.76; snapshots 0.82/0.79 -> 0.69/0.72; metrics 0.87/0.84 -> 0.74/0.79; summary
5.98/1.17 before (not rerun). Every command meets its target in CPU with its figures kept; with every query
run, position, workforce, kpis, flow, audits, confidence and summary do not; wall time at this load is 2-9 s.
Differences under 0.1 s are within the noise of the load.
Session 16, the fresh path (figures not kept, `CLEARSIGHT_FIGURE_STORE=off`; compiled SQL cached), scale 1, CPU
seconds, alternate runs of main before and after this session's change at load 5-6: position 0.89-1.21 ->
1.02-1.23; capacity 0.70 -> 0.81; workforce 1.11-1.87 -> 1.29-1.67; kpis 1.34-1.61 -> 1.24-2.01; flow 1.01 ->
0.99; cost 0.68 -> 0.65; audits 0.75 -> 0.70; summary 3.62-4.49 -> 3.41-5.76 (its queries 40 -> 31: the quarter's
KPIs counted as at a date are read from the trend's last month). Figures of a view now run at once
(clearsight.metrics.parallel): `kpis` with CLEARSIGHT_QUERY_THREADS=1 against 2, load 6: CPU 1.54-1.62 against
1.56-1.87, wall 2.5-3.1 against 3.1-3.8 s (both cores busy with other sessions); run at `nice -20` (the cores
then nearly ours): wall 2.3-2.6 against 1.5-2.3 s, position 1.7-2.0 against 0.9-2.0, summary 4.4-7.1 against
5.2-5.7. Still over target with every query run: position (about 1.0 CPU, 0.6 of it the process's start),
workforce, kpis, flow and summary (3.4-4.5 CPU against 2 s; its twelve-month trends of 17 KPIs are 2.5 s of CPU,
each month's work repeated in the flattened series, and the 17 quarter and position queries 1.3 s). Since then
the case-note and chronology series group only the month's open cases' notes: 270 -> 180-200 and 165-185 ->
160-175 ms CPU at scale 1, 5.9 -> 1.8-2.7 s and 2.9 -> 1.3 s at scale 10.
Session 17, the fresh path as above, main at c9421d2 against the change, alternate runs at load 5-6 (CPU seconds,
median of 3; ranges noisy by 0.1-0.3 s): summary 3.84 -> 3.58; kpis 1.66 -> 1.64; workforce 1.31 -> 1.26; flow 1.50
-> 1.47; confidence 1.86 -> 1.74; position 0.98 -> 0.98; --version 0.66 -> 0.60. In the process, one query at a
time: summary 2.67 -> 2.44 s (32 queries: the twelve-month series of 17 KPIs 1.8 s of it, the visits and case
recording series 140-220 ms each; open cases by team no longer read the looked-after episodes and plans for a
legal status no KPI shows), kpis 0.63, workforce 0.24, flow 0.33. The floor of every command is Python with
DuckDB, pyarrow and NumPy (0.2 s of CPU), Clearsight's pydantic settings (0.17) and typer and rich (0.09): 0.45 s
before any query, so kpis, workforce, flow, confidence and summary stay over target with every query run.
Session 18, the fresh path, main at a036822 against the change (em1: Eastmere seed 1 scale 1 from c9421d2), CPU
seconds, median of 7 alternate runs, 2 cores shared with three other sessions at load 3.4-4.5 (inflated and noisy
by 0.1-0.3 s; the lead re-measures wall time idle): position 0.92 -> 0.85, workforce 1.11 -> 0.99, kpis 1.23 ->
1.08, flow 1.10 -> 0.97, confidence 1.35 -> 1.20, summary 2.81 -> 2.43; in the process, a second build: kpis
522-541 -> 470-473 ms, confidence 647-667 -> 493-543, summary 1686-1688 -> 1293-1296. Where it came from: a
reader's queries run on one DuckDB thread each on 2 cores (store.database.threads_per_query: their CPU a fifth to
a quarter lower, two still run at once); no report imports pyarrow.compute (a DECIMAL setting read from its
buffers); visits, case recording and current placements work out their children once; reviews are numbered once
in a series (cla_reviews' 12 months 91-101 -> 28 ms); a reader checks its calendar once; Typer builds only the
command run (another session's change). Still over target with every query run, in CPU at this load: kpis,
confidence and summary (its 12-month series of 17 KPIs 1.1 s, case notes 0.18 of it: 615k note-month pairs). The
floor of a command is Python with DuckDB, pyarrow and NumPy (0.23 s), pydantic's models and rich and Typer.
Later in session 18, the fresh path, main at ae6fbee against the change, em1, CPU seconds of the whole process, median of 7
alternate runs at load 1.4-3 (and again at 3-4): kpis 1.01 -> 0.97 (1.01 -> 1.02), confidence 1.06 -> 1.05 (1.08 ->
1.05), summary 1.96 -> 1.90 (2.13 -> 2.06); wall at load 1.4, summary 1.29 -> 1.24. The two assessment-timeliness
figures come from one query (metrics.registry Metric.relabels: 17 -> 16 queries in kpis, 32 -> 30 in summary) and
summary runs the quarter's event KPIs beside its trend. Tried and left: case notes filtered to the month's date
before their group (in the join or the scan: DuckDB decorrelates it into 2.5 and 1.7 times the series' CPU); a
calendar cut to 2012-2027 (20-50 ms of kpis' 0.4 s of queries, within the noise); counting each KPI's rows once by
team and adding teams up to services and the council (the 17 KPI series 4-5% less CPU, the 16 as-at and quarter
queries 7 ms more). kpis' 16 queries are 0.40-0.42 s of CPU (DuckDB's planning about a sixth of each), the rest
of the command its start (--version 0.42 s: Python, DuckDB, pyarrow, NumPy, pydantic's settings) and imports;
still at or over target in CPU at this load: kpis and confidence (by 0-0.05 s), summary at 1.9-2.1.
Re-measured idle at the end of session 18 (main at 75e7efb, load 0.3; em1 from c9421d2; median of 5 whole
processes, wall seconds, every query run): position 0.62, capacity 0.74, workforce 0.79, cost 0.50, kpis 0.87,
kpi 0.54, flow 0.70, audits 0.53, confidence 0.86, summary 1.59, --version 0.55: every command within its target
in wall time (in CPU, two queries at once on two cores, kpis 1.24, confidence 1.16, summary 2.37). Figures kept:
0.44-0.83. Scale 10, the position on a warm connection: figures 99 ms (best 88), the whole view 137 ms (best 109),
over the 100 ms target.
Session 19, idle 2 cores (load 0.1-0.3), Eastmere seed 1 scale 1 and scale 10 from main's generator, median of 5
whole processes, wall / CPU seconds with every query run: position 0.52/0.65, capacity 0.47/0.58, workforce
0.61/0.77, cost 0.46/0.59, kpis 0.69/0.97, kpi 0.47/0.57, flow 0.58/0.81, audits 0.45/0.57, confidence 0.72/1.00,
summary 1.19/1.86, --version 0.38/0.49: every target met in wall and in CPU. Scale 10, the position on a warm
connection: figures 75 ms, whole view 81 ms (best 78, 142 ms CPU), against 137 ms last session (the waiting
children found before their cases are ranked; bench_position.py has the detail).
Without --db, Eastmere at scale 1 is generated and loaded into a temporary directory; without --db10 the
scale-10 position is skipped (generating it takes minutes: `clearsight synth DIR --scale 10` then `load`).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from clearsight.cli import state
from clearsight.metrics.figures import COMPILES, clear_result_cache
from clearsight.reports import position
from clearsight.reports.request import make_request
from clearsight.store.cache import CACHE_ENV
from clearsight.store.figure_store import STORE_ENV
from clearsight.store.database import open_database
from clearsight.store.snapshots import get_snapshot

CLI = Path(sys.executable).with_name("clearsight")
COMMANDS: dict[str, tuple[str, ...]] = {
    "--version": ("--version",),  # the floor: starting Python and importing the CLI, no query
    "position": ("position",), "capacity": ("capacity",), "workforce": ("workforce",), "cost": ("cost",),
    "kpis": ("kpis",), "kpi NAME": ("kpi", "assessment_timeliness"), "flow": ("flow",), "audits": ("audits",),
    "confidence": ("confidence",), "snapshots": ("snapshots",), "metrics": ("metrics", "list"),
    "summary": ("summary", "--out", "{work}/summary.html"),
}
TARGET_S = {"summary": 2.0}  # every other command: 1 s


def _environment(**extra: str) -> dict[str, str]:
    """This process's environment with Python's bytecode cache allowed (see the module's docstring)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | extra


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_command(db: Path, args: tuple[str, ...], cache: Path, work: Path, store: bool) -> tuple[float, float]:
    """Wall and CPU seconds of one whole `clearsight` process; `store`: reading and keeping figures beside the
    database, else running every query."""
    env = _environment(**{CACHE_ENV: str(cache), STORE_ENV: "on" if store else "off"})
    argv = [str(CLI), "--db", str(db), *(a.format(work=work) for a in args)]
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, _children_cpu() - cpu


def bench_import(repeat: int) -> dict[str, float]:
    """Seconds to start Python and import `clearsight.cli` (median wall and CPU of `repeat` fresh processes),
    and Python's own start-up, the part no change to Clearsight can remove."""
    def median_run(code: str) -> tuple[float, float]:
        runs = []
        for _ in range(repeat):
            cpu, started = _children_cpu(), time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=_environment())
            runs.append((time.perf_counter() - started, _children_cpu() - cpu))
        return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)

    cli, bare = median_run("import clearsight.cli"), median_run("pass")
    return {"wall": cli[0], "cpu": cli[1], "python wall": bare[0], "python cpu": bare[1]}


def bench_commands(db: Path, names: list[str], repeat: int, work: Path) -> list[dict[str, object]]:
    rows = []
    for name in names:
        cache = work / f"cache-{name}"
        shutil.rmtree(cache, ignore_errors=True)
        cold = run_command(db, COMMANDS[name], cache, work, store=False)
        queries = [run_command(db, COMMANDS[name], cache, work, store=False) for _ in range(repeat)]
        run_command(db, COMMANDS[name], cache, work, store=True)  # keeps its figures if none were kept
        kept = [run_command(db, COMMANDS[name], cache, work, store=True) for _ in range(repeat)]
        target = TARGET_S.get(name, 1.0)
        row: dict[str, object] = {"command": name, "cold wall": cold[0], "cold cpu": cold[1]}
        for label, runs in (("queries", queries), ("kept", kept)):
            row[f"{label} wall"] = statistics.median(w for w, _ in runs)
            row[f"{label} cpu"] = statistics.median(c for _, c in runs)
        rows.append(row | {"target": target, "met (cpu, queries)": "yes" if row["queries cpu"] < target else "NO",
                           "met (cpu, kept)": "yes" if row["kept cpu"] < target else "NO"})
        print(f"  {name}: cold {cold[0]:.2f} s, queries run {row['queries wall']:.2f} s (cpu "
              f"{row['queries cpu']:.2f}), figures kept {row['kept wall']:.2f} s (cpu {row['kept cpu']:.2f})",
              flush=True)
    return rows


def bench_position_warm(db: Path, repeat: int) -> dict[str, float]:
    """Milliseconds (wall and CPU of this process, DuckDB's threads included) to compute the position on an
    open, warm connection, every figure computed afresh (the figure store off): its figures alone, and the
    whole view; then the whole view as a new process asking again meets it, its figures read from the store."""
    # A server pays pandas' import once, at start, and can then hand DuckDB the position's own rows to compute
    # capacity from (clearsight.store.database.arrow_tables_are_cheap); a command does not, and reads records.
    import pandas  # noqa: F401

    con = open_database(db)
    snapshot = get_snapshot(con)
    req = make_request(con, snapshot, state.config)
    position.build(req)  # warm: SQL from the cache (or compiled), DuckDB's buffers filled, figures kept
    runs: dict[str, list[tuple[float, float]]] = {"figures": [], "view": [], "kept view": []}
    for _ in range(repeat):
        for kind, build in (("figures", position.position_figures), ("view", position.build),
                            ("kept view", position.build)):
            os.environ[STORE_ENV] = "on" if kind == "kept view" else "off"
            clear_result_cache()
            cpu, started = time.process_time(), time.perf_counter()
            build(req)
            runs[kind].append(((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000))
    os.environ.pop(STORE_ENV)
    con.close()
    out = {}
    for kind, times in runs.items():
        out[f"{kind} median"] = statistics.median(w for w, _ in times)
        out[f"{kind} best"] = min(w for w, _ in times)
        out[f"{kind} cpu"] = statistics.median(c for _, c in times)
    return out


def _scale_one(work: Path) -> Path:
    extract, db = work / "eastmere-1", work / "bench-1.duckdb"
    for argv in (["synth", str(extract), "--scale", "1"], ["--db", str(db), "load", str(extract)]):
        subprocess.run([str(CLI), *argv], check=True, capture_output=True)
    return db


def _table(rows: list[dict[str, object]]) -> str:
    heads = list(rows[0])
    cells = [[f"{v:.2f}" if isinstance(v, float) else str(v) for v in r.values()] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="A loaded scale-1 database (default: generate one).")
    parser.add_argument("--db10", type=Path, help="A loaded scale-10 database for the warm-connection position.")
    parser.add_argument("--repeat", type=int, default=3, help="Warm runs of each command (median shown).")
    parser.add_argument("--position-repeat", type=int, default=20, help="Warm-connection runs of the position.")
    parser.add_argument("--commands", nargs="+", default=list(COMMANDS), choices=list(COMMANDS))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="clearsight-bench-commands-"))
    db = args.db or _scale_one(work)
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load average {load:.1f}; scale-1 database {db}", flush=True)
    floor = bench_import(args.repeat)
    print(f"import clearsight.cli: wall {floor['wall']:.2f} s, cpu {floor['cpu']:.2f} s (of which Python's own "
          f"start-up: wall {floor['python wall']:.2f} s, cpu {floor['python cpu']:.2f} s)", flush=True)
    rows = bench_commands(db, args.commands, args.repeat, work)
    print("\nWhole process, seconds (cold: empty compiled-SQL cache; queries: median of "
          f"{args.repeat} runs after it, every query run; kept: median of {args.repeat} runs reading the figures "
          "kept beside the database)\n" + _table(rows))
    if args.db10:
        os.environ[CACHE_ENV] = str(work / "cache-position")
        ms = bench_position_warm(args.db10, args.position_repeat)
        print(f"\nScale 10, position on a warm connection (median of {args.position_repeat}): figures "
              f"{ms['figures median']:.0f} ms (best {ms['figures best']:.0f}, cpu {ms['figures cpu']:.0f}), whole "
              f"view {ms['view median']:.0f} ms (best {ms['view best']:.0f}, cpu {ms['view cpu']:.0f}); target "
              f"100 ms; compiled here: {sum(COMPILES.values())}. Asked again, figures read from the store: "
              f"whole view {ms['kept view median']:.0f} ms (best {ms['kept view best']:.0f}, cpu "
              f"{ms['kept view cpu']:.0f})")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
