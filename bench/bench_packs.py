"""Committee pack benchmark (issue 18): the monthly scrutiny pack as PDF at scale 10, target under 15 s.

Times building the pack's views (member-safe), rendering the charts and HTML, and printing the PDF, each cold
(first run: metrics compiled) and warm. Not part of the test run. Usage:
    .venv/bin/python bench/bench_packs.py [--scale 10] [--db FILE] [--as-at 2023-12-31] [--kind monthly]
With --db, an already loaded database is used instead of generating and loading Eastmere.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from clearsight.config import CouncilConfig
from clearsight.metrics.figures import clear_result_cache
from clearsight.packs.render import pack_html, write_pack
from clearsight.reports.packs import build
from clearsight.reports.request import make_request
from clearsight.store.database import connect, open_database
from clearsight.store.load import load_extract
from clearsight.store.snapshots import latest_snapshot
from clearsight.synth import generate_council

TARGET_SECONDS = 15.0


def _database(args: argparse.Namespace) -> Path:
    if args.db:
        return args.db
    work = Path(tempfile.mkdtemp(prefix="clearsight-bench-packs-"))
    started = time.perf_counter()
    generate_council(work / "extract", seed=1, scale=args.scale)
    con = connect(work / "packs.duckdb")
    report = load_extract(con, work / "extract")
    assert report.status == "loaded", [str(p) for p in report.problems]
    con.close()
    print(f"setup: synth + load at scale {args.scale:g} in {time.perf_counter() - started:.1f} s")
    return work / "packs.duckdb"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--as-at", default="2023-12-31")
    parser.add_argument("--kind", default="monthly", choices=("daily", "weekly", "monthly", "quarterly"))
    args = parser.parse_args()
    path = _database(args)
    con = open_database(path)
    config = CouncilConfig()
    out = Path(tempfile.mkdtemp(prefix="clearsight-bench-pack-out-"))
    for run in ("cold", "warm"):
        clear_result_cache()
        started = time.perf_counter()
        req = make_request(con, latest_snapshot(con), config, as_at=args.as_at)
        pack = build(req, args.kind, today=date.today())
        built = time.perf_counter()
        pack_html(pack, config)
        html = time.perf_counter()
        pdf = write_pack(pack, config, out, "pdf")
        done = time.perf_counter()
        total = done - started
        print(f"{run}: views {built - started:.1f} s, charts + HTML {html - built:.1f} s, "
              f"charts + HTML + PDF {done - html:.1f} s; total {total:.1f} s "
              f"({'within' if total < TARGET_SECONDS else 'over'} the {TARGET_SECONDS:g} s target) -> {pdf}")


if __name__ == "__main__":
    main()
