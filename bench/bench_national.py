"""A national SSDA903 set in one load (issue 15 item 2): 153 councils' stacked yearly returns, one snapshot each.

Builds a small Eastmere (--scale, default 0.3) once, exports its SSDA903 history with the writer, and from it a
national set as regional teams stack returns: for each of 153 councils, Eastmere's children relabelled and
resampled to a relative size drawn from a lognormal spread (median 1, sigma --spread; England's councils look
after from a few dozen to a few thousand children), cut into the yearly returns a council submits (1 April to
31 March, --years of them): an episode open at 31 March has no end in that year's return and is returned again
the next year. All councils and years in one CSV per table, with LA and YEAR columns. Then times:
  read      files -> one screened Extract per council (formats.detect.read_councils)
  load      the extracts written, one snapshot per council
  metrics   per council: open_cases and unallocated_cases (the allocation position) and caseload_by_worker
Rows are source rows (data lines of the CSVs). Not part of the test run:
    .venv/bin/python bench/bench_national.py [--scale 0.3] [--councils 153] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

from clearsight.formats.detect import read_councils
from clearsight.formats.ssda903_writer import write_ssda903
from clearsight.metrics.figures import compute
from clearsight.store.database import connect
from clearsight.store.load import load, load_extract
from clearsight.store.snapshots import get_snapshot, latest_snapshot
from clearsight.synth import generate_council

TABLES = ("header", "episodes", "reviews", "oc3", "social_worker")
METRICS = ("open_cases", "unallocated_cases", "caseload_by_worker")


def _base(work: Path, scale: float) -> Path:
    """Eastmere's SSDA903 history at `scale`, generated once per work directory."""
    out = work / f"eastmere-{scale:g}"
    if (out / "SSDA903_episodes.csv").is_file():
        return out
    started = time.perf_counter()
    generate_council(work / "extract", seed=1, scale=scale)
    con = connect(work / "base.duckdb")
    assert load_extract(con, work / "extract").status == "loaded"
    write_ssda903(con, get_snapshot(con), out)
    con.close()
    shutil.rmtree(work / "extract")
    print(f"setup (synth + canonical load + 903 writer) at scale {scale:g}: {time.perf_counter() - started:.1f}s")
    return out


def _sizes(councils: int, spread: float, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    return [float(s) for s in np.clip(rng.lognormal(0.0, spread, councils), 0.05, 8.0)]


def build_national(base: Path, out: Path, councils: int, years: int, spread: float, seed: int = 1,
                   size: float | None = None) -> int:
    """Write the stacked national set to `out` (one CSV per table, LA and YEAR columns); returns data rows.
    `size` gives every council that relative size instead of drawing them."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("CREATE TABLE council (la VARCHAR, copies INTEGER, share DOUBLE)")
    # relative size s: ceil(s) copies of the base children, the last one keeping a share 1 - (ceil(s) - s) of them
    con.executemany("INSERT INTO council VALUES (?, ?, ?)",
                    [[f"Council {i + 1:03d}", int(np.ceil(s)), float(s - np.ceil(s) + 1)]
                     for i, s in enumerate([size] * councils if size else _sizes(councils, spread, seed))])
    for table in TABLES:  # every base table relabelled: child C0001 is C0001-0, C0001-1, ... in each council
        con.execute(f"""CREATE TABLE b_{table} AS SELECT b.* REPLACE (b.CHILD || '-' || k.copy AS CHILD), c.la AS LA
            FROM read_csv('{base}/SSDA903_{table}.csv', all_varchar = true) b, council c, range(c.copies) k(copy)
            WHERE k.copy < c.copies - 1 OR hash(b.CHILD, c.la) % 1000 < c.share * 1000""")
    d = "try_strptime({}, '%d/%m/%Y')::DATE"
    last = con.execute(f"SELECT max({d.format('DECOM')}) FROM b_episodes").fetchone()[0]
    end_year = last.year + (1 if last.month > 3 else 0)
    con.execute(f"CREATE TABLE year AS SELECT y AS YEAR, make_date(y - 1, 4, 1) AS first, make_date(y, 3, 31) AS last "
                f"FROM range({end_year - years + 1}, {end_year + 1}) t(y)")
    # a return holds the episodes open at some time in its year; one still open at 31 March has no end yet
    con.execute(f"""CREATE TABLE r_episodes AS SELECT e.* REPLACE (
            CASE WHEN {d.format('e.DEC')} > y.last THEN NULL ELSE e.DEC END AS DEC,
            CASE WHEN {d.format('e.DEC')} > y.last THEN NULL ELSE e.REC END AS REC), y.YEAR
        FROM b_episodes e JOIN year y ON {d.format('e.DECOM')} <= y.last
            AND coalesce({d.format('e.DEC')}, DATE '9999-12-31') >= y.first""")
    con.execute("CREATE TABLE in_year AS SELECT DISTINCT CHILD, LA, YEAR FROM r_episodes")
    for table, when in (("social_worker", "SW_DECOM"), ("reviews", "REVIEW")):  # the events of the year
        con.execute(f"CREATE TABLE r_{table} AS SELECT b.*, y.YEAR FROM b_{table} b JOIN year y "
                    f"ON {d.format('b.' + when)} BETWEEN y.first AND y.last")
    for table in ("header", "oc3"):  # a child's row in every year's return that holds them
        con.execute(f"CREATE TABLE r_{table} AS SELECT b.*, i.YEAR FROM b_{table} b JOIN in_year i USING (CHILD, LA)")
    rows = 0
    for table in TABLES:
        path = out / f"SSDA903_{table}.csv"
        con.execute(f"COPY (SELECT * FROM r_{table} ORDER BY LA, YEAR) TO '{path}' (HEADER)")
        rows += con.execute(f"SELECT count(*) FROM r_{table}").fetchone()[0]
    con.close()
    return rows


def _episodes_accounted(national: Path, reports: list) -> str:
    """Every episode row of the stack loaded, merged as a repeat of a later year's, or named in a rejection
    (issue 15: no episode lost), summed over the councils' snapshots."""
    rows_in = duckdb.sql(f"SELECT count(*) FROM read_csv('{national}/SSDA903_episodes.csv', all_varchar = true)"
                         ).fetchone()[0]
    loaded = sum(int(r.tables.get("cla_episode", {}).get("rows", 0)) for r in reports)
    merged = sum(int(m.group(1).replace(",", "")) for r in reports for n in r.notes
                 if (m := re.match(r"SSDA903 episodes: ([\d,]+) rows repeat", n)))
    named = sum(p.count for r in reports for p in r.rejected if p.file in ("SSDA903_episodes.csv", "cla_episode rows"))
    left = rows_in - loaded - merged - named
    return (f"episodes: {rows_in:,} rows in = {loaded:,} loaded + {merged:,} merged as repeats + {named:,} named "
            f"with a reason" + (f"; {left:,} unaccounted" if left else ""))

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.3, help="Eastmere scale of the base council")
    parser.add_argument("--councils", type=int, default=153)
    parser.add_argument("--years", type=int, default=5, help="yearly returns stacked per council")
    parser.add_argument("--spread", type=float, default=0.6, help="sigma of the councils' lognormal sizes")
    parser.add_argument("--work", type=Path, help="keep the generated base here and reuse it")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="clearsight-national-"))
    work.mkdir(parents=True, exist_ok=True)
    base = _base(work, args.scale)
    national = work / "national"
    shutil.rmtree(national, ignore_errors=True)
    started = time.perf_counter()
    rows = build_national(base, national, args.councils, args.years, args.spread)
    print(f"national set: {args.councils} councils, {args.years} years, {rows:,} rows in "
          f"{time.perf_counter() - started:.1f}s")
    db = work / "national.duckdb"
    db.unlink(missing_ok=True)
    con = connect(db)
    started, cpu = time.perf_counter(), time.process_time()
    extracts = read_councils([national], "ssda903", con)
    read_s, read_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    reports = [load(con, e) for e in extracts]
    load_s, load_cpu = time.perf_counter() - started, time.process_time() - cpu
    statuses = sorted({r.status for r in reports})
    print(f"read {read_s:.1f}s (CPU {read_cpu:.1f}s) + load {load_s:.1f}s (CPU {load_cpu:.1f}s) for {len(reports)} "
          f"snapshots ({', '.join(statuses)}): {rows / (read_s + load_s):,.0f} rows/s wall, "
          f"{rows / (read_cpu + load_cpu):,.0f} rows per CPU second (a shared machine's wall clock includes waiting)")
    print(_episodes_accounted(national, reports))
    per_council: dict[str, list[float]] = {m: [] for m in METRICS}
    for report in reports:
        snap = latest_snapshot(con, report.council)
        for name in METRICS:
            t = time.process_time()
            compute(con, snap, name)
            per_council[name].append(time.process_time() - t)
    for name, laps in per_council.items():
        print(f"{name}: median {statistics.median(laps) * 1000:.0f} ms CPU per council, max {max(laps) * 1000:.0f} ms")
    print(json.dumps({"rows": rows, "councils": len(reports), "read_s": round(read_s, 2), "load_s": round(load_s, 2),
                      "read_cpu_s": round(read_cpu, 2), "load_cpu_s": round(load_cpu, 2)}))
    con.close()
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
