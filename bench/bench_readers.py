"""Reader throughput at scale 10: Annex A (target >= 50,000 rows/s) and SSDA903 CSV (>= 500,000 rows/s).

Generates Eastmere at --scale (default 10), loads it, writes Annex A and SSDA903 with the writers, then
times read (file -> screened Extract) and read + load separately. Not part of the test run.
    python bench/bench_readers.py [--scale 10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from clearsight.formats import annex_a, ssda903
from clearsight.formats.annex_a_writer import write_annex_a
from clearsight.formats.detect import read_sources
from clearsight.formats.ssda903_writer import write_ssda903
from clearsight.store.database import connect
from clearsight.store.load import load, load_extract
from clearsight.store.snapshots import get_snapshot
from clearsight.synth import generate_council


def _rate(rows: int, seconds: float) -> str:
    return f"{rows:,} rows in {seconds:.2f}s = {rows / seconds:,.0f} rows/s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=10.0)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench_readers_"))
    started = time.perf_counter()
    generate_council(root / "extract", seed=1, scale=args.scale)
    con = connect(root / "cs.duckdb")
    load_extract(con, root / "extract")
    snap = get_snapshot(con)
    print(f"setup (synth + canonical load) at scale {args.scale}: {time.perf_counter() - started:.1f}s")
    aa_rows = sum(write_annex_a(con, snap, root / "annex_a.xlsx").values())
    csv_rows = sum(write_ssda903(con, snap, root / "ssda903").values())
    csv_files = sorted((root / "ssda903").glob("*.csv"))

    t = time.perf_counter()
    annex_a.read_lists(root / "annex_a.xlsx")
    print(f"Annex A parse (calamine + header mapping): {_rate(aa_rows, time.perf_counter() - t)}")
    t = time.perf_counter()
    extract = read_sources([root / "annex_a.xlsx"], "annex-a", con, snap.extract_date)
    read_s = time.perf_counter() - t
    print(f"Annex A read (to canonical, screened):    {_rate(aa_rows, read_s)}")
    t = time.perf_counter()
    load(con, extract)
    print(f"Annex A read + load:                      {_rate(aa_rows, read_s + time.perf_counter() - t)}")

    t = time.perf_counter()
    ssda903.read(csv_files)
    print(f"SSDA903 parse (CSV staging + SQL mapping): {_rate(csv_rows, time.perf_counter() - t)}")
    t = time.perf_counter()
    extract = read_sources(csv_files, "ssda903", con, snap.extract_date)
    read_s = time.perf_counter() - t
    print(f"SSDA903 read (to canonical, screened):     {_rate(csv_rows, read_s)}")
    t = time.perf_counter()
    load(con, extract)
    print(f"SSDA903 read + load:                       {_rate(csv_rows, read_s + time.perf_counter() - t)}")


if __name__ == "__main__":
    main()
