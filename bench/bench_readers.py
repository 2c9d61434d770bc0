"""Reader throughput (issue 5): Annex A (target >= 50,000 rows/s) and SSDA903 CSV (>= 500,000 rows/s).

Generates Eastmere at --scale (default 10), loads it canonically, writes it out as an Annex A workbook and an
SSDA903 set with the writers, then times, per reader, on a fresh copy of that database each time:
  parse      the reader alone: files -> canonical rows with provenance (no screening)
  read       files -> screened Extract (what `clearsight load` builds before writing)
  load       the Extract written as a snapshot
  read+load  the whole of `clearsight load` for those files
and, as floors no reader code can go below: `calamine` (the workbook's sheets parsed into Python cells, which
the Annex A reader starts from) and `commit` (the load's COMMIT, where DuckDB checkpoints the new rows to disk).
Wall seconds on a shared machine include waiting for a core, so CPU seconds (all threads) are shown too.
Rows are source rows: data rows of the workbook's lists, data lines of the CSVs. Not part of the test run.
    .venv/bin/python bench/bench_readers.py [--scale 10] [--work DIR] [--repeat 1] [--readers annex-a ssda903]
--work keeps the generated files and database in DIR and reuses them on the next run with the same scale.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
from python_calamine import CalamineWorkbook

from clearsight.formats import annex_a, ssda903
from clearsight.formats.annex_a_writer import write_annex_a
from clearsight.formats.detect import read_sources
from clearsight.formats.ssda903_writer import write_ssda903
from clearsight.store.database import connect
from clearsight.store.load import load, load_extract
from clearsight.store.snapshots import get_snapshot
from clearsight.synth import generate_council

TARGETS = {"annex-a": 50_000, "ssda903": 500_000}


def _setup(work: Path, scale: float) -> dict[str, int]:
    marker = work / "bench.json"
    if marker.is_file() and json.loads(marker.read_text()).get("scale") == scale:
        return json.loads(marker.read_text())["rows"]
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    started = time.perf_counter()
    generate_council(work / "extract", seed=1, scale=scale)
    con = connect(work / "base.duckdb")
    assert load_extract(con, work / "extract").status == "loaded"
    snap = get_snapshot(con)
    rows = {
        "annex-a": sum(write_annex_a(con, snap, work / "annex_a.xlsx").values()),
        "ssda903": sum(write_ssda903(con, snap, work / "ssda903").values()),
    }
    con.close()
    marker.write_text(json.dumps({"scale": scale, "rows": rows}))
    print(f"setup (synth + canonical load + writers) at scale {scale:g}: {time.perf_counter() - started:.1f}s")
    return rows


class _Clock:
    """Wall seconds, and this process's CPU seconds (all threads): on a shared machine the wall clock includes
    waiting for a core, so both are shown."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        lap = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return lap


def _median(laps: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in laps), statistics.median(c for _, c in laps)


def _fresh(work: Path) -> duckdb.DuckDBPyConnection:
    db = work / "run.duckdb"
    db.unlink(missing_ok=True)
    shutil.copyfile(work / "base.duckdb", db)
    con = connect(db)
    con.execute("SET enable_progress_bar = false")
    return con


class _Timed:
    """A connection that times its COMMIT statements (the load's checkpoint), passing everything else on."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.commit = con, (0.0, 0.0)

    def execute(self, sql: str, *args: object) -> object:
        if sql.strip().upper() != "COMMIT":
            return self.con.execute(sql, *args)
        clock = _Clock()
        result = self.con.execute(sql, *args)
        self.commit = clock.lap()
        return result

    def __getattr__(self, name: str) -> object:
        return getattr(self.con, name)


def _calamine_only(path: Path) -> None:
    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--work", type=Path, default=None, help="keep and reuse generated files here")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure (the median is shown)")
    parser.add_argument("--readers", nargs="+", choices=sorted(TARGETS), default=sorted(TARGETS))
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_readers_"))
    rows = _setup(work, args.scale)
    base = connect(work / "base.duckdb")
    snap = get_snapshot(base)
    extract_date = snap.extract_date
    base.close()

    inputs = {"annex-a": [work / "annex_a.xlsx"], "ssda903": sorted((work / "ssda903").glob("*.csv"))}
    inputs = {fmt: paths for fmt, paths in inputs.items() if fmt in args.readers}
    print(f"\nscale {args.scale:g}, median of {args.repeat} run(s) each; rows are source rows")
    print(f"{'reader':<9} {'step':<10} {'rows':>9} {'seconds':>8} {'rows/s':>10} {'cpu s':>8}")
    verdicts = []
    for fmt, paths in inputs.items():
        n = rows[fmt]

        def show(step: str, lap: tuple[float, float], n: int = n, fmt: str = fmt) -> None:
            wall, cpu = lap
            print(f"{fmt:<9} {step:<10} {n:>9,} {wall:>8.2f} {n / wall:>10,.0f} {cpu:>8.2f}")

        if fmt == "annex-a":
            laps = []
            for _ in range(args.repeat):
                clock = _Clock()
                _calamine_only(paths[0])
                laps.append(clock.lap())
            show("calamine", _median(laps))

        laps = []
        for _ in range(args.repeat):
            con = _fresh(work)  # the Annex A reader resolves worker names against the workers loaded
            clock = _Clock()
            annex_a.read(paths[0], con, extract_date) if fmt == "annex-a" else ssda903.read(paths)
            laps.append(clock.lap())
            con.close()
        show("parse", _median(laps))
        read_laps, load_laps, commit_laps, statuses = [], [], [], set()
        for _ in range(args.repeat):
            con = _fresh(work)
            clock = _Clock()
            extract = read_sources(paths, fmt, con, extract_date)
            read_laps.append(clock.lap())
            timed = _Timed(con)
            report = load(timed, extract)  # type: ignore[arg-type]
            load_laps.append(clock.lap())
            commit_laps.append(timed.commit)
            con.close()
            statuses.add(f"{report.status}: {report.rows_loaded:,} canonical rows, "
                         f"{sum(p.count for p in report.rejected):,} source rows left out")
        show("read", _median(read_laps))
        show("load", _median(load_laps))
        show("commit", _median(commit_laps))
        total = _median([(r[0] + w[0], r[1] + w[1]) for r, w in zip(read_laps, load_laps, strict=True)])
        show("read+load", total)
        print(f"{'':<9} {'':<10} {'; '.join(sorted(statuses))}")
        rate = n / total[0]
        verdicts.append(f"{fmt}: read+load {rate:,.0f} rows/s ({n / total[1]:,.0f} per CPU second) against a "
                        f"target of {TARGETS[fmt]:,} rows/s: "
                        + ("met" if rate >= TARGETS[fmt] else f"NOT met ({rate / TARGETS[fmt]:.0%} of it)"))
    print()
    for line in verdicts:
        print(line)
    (work / "run.duckdb").unlink(missing_ok=True)
    if args.work is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
