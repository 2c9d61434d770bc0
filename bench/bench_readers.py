"""Reader throughput (issue 5): Annex A (target >= 50,000 rows/s) and SSDA903 CSV (>= 500,000 rows/s).

Generates Eastmere at --scale (default 10), loads it canonically, writes it out as an Annex A workbook and an
SSDA903 set with the writers, then times, per reader, on a fresh copy of that database each time:
  parse      the reader alone: files -> canonical rows with provenance (no screening)
  read       files -> screened Extract (what `clearsight load` builds before writing)
  load       the Extract written as a snapshot
  read+load  the whole of `clearsight load` for those files
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
from collections.abc import Callable
from pathlib import Path

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


def _timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _fresh(work: Path) -> object:
    db = work / "run.duckdb"
    db.unlink(missing_ok=True)
    shutil.copyfile(work / "base.duckdb", db)
    con = connect(db)
    con.execute("SET enable_progress_bar = false")
    return con


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
    print(f"{'reader':<9} {'step':<10} {'rows':>9} {'seconds':>8} {'rows/s':>10}")
    verdicts = []
    for fmt, paths in inputs.items():
        n = rows[fmt]

        def show(step: str, seconds: float, n: int = n, fmt: str = fmt) -> None:
            print(f"{fmt:<9} {step:<10} {n:>9,} {seconds:>8.2f} {n / seconds:>10,.0f}")

        if fmt == "annex-a":
            show("calamine", _timed(lambda: _calamine_only(paths[0]), args.repeat)[0])

        parse_s = []
        for _ in range(args.repeat):
            con = _fresh(work)  # the Annex A reader resolves worker names against the workers loaded
            started = time.perf_counter()
            annex_a.read(paths[0], con, extract_date) if fmt == "annex-a" else ssda903.read(paths)
            parse_s.append(time.perf_counter() - started)
            con.close()
        show("parse", statistics.median(parse_s))
        read_s, load_s, statuses = [], [], set()
        for _ in range(args.repeat):
            con = _fresh(work)
            started = time.perf_counter()
            extract = read_sources(paths, fmt, con, extract_date)
            middle = time.perf_counter()
            report = load(con, extract)
            ended = time.perf_counter()
            con.close()
            read_s.append(middle - started)
            load_s.append(ended - middle)
            statuses.add(f"{report.status}: {report.rows_loaded:,} canonical rows, "
                         f"{sum(p.count for p in report.rejected):,} source rows left out")
        show("read", statistics.median(read_s))
        show("load", statistics.median(load_s))
        total = statistics.median([r + w for r, w in zip(read_s, load_s, strict=True)])
        show("read+load", total)
        print(f"{'':<9} {'':<10} {'; '.join(sorted(statuses))}")
        rate = n / total
        verdicts.append(f"{fmt}: read+load {rate:,.0f} rows/s against a target of {TARGETS[fmt]:,} rows/s: "
                        + ("met" if rate >= TARGETS[fmt] else f"NOT met ({rate / TARGETS[fmt]:.0%} of it)"))
    print()
    for line in verdicts:
        print(line)
    (work / "run.duckdb").unlink(missing_ok=True)
    if args.work is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
