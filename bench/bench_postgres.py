"""The two back ends side by side: load and position-query times on DuckDB and on PostgreSQL.

Not part of the test run. Usage:
    .venv/bin/python bench/bench_postgres.py [--scale 1] [--as-at 2023-12-15] [--repeat 5] [--work DIR] [--url URL]
Without --url it starts a throwaway PostgreSQL server as the tests do (tests/postgres_server.py), loopback only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from clearsight.config import CouncilConfig
from clearsight.metrics.figures import clear_result_cache
from clearsight.reports.position import position_figures
from clearsight.reports.request import make_request
from clearsight.store.database import connect
from clearsight.store.load import load_extract
from clearsight.store.snapshots import get_snapshot
from clearsight.synth import generate_council

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bench(db: Path | str, extract: Path, as_at: date, repeat: int) -> tuple[float, float, float]:
    """Seconds to load; milliseconds for the position's figures, first (compiling) and warm (queries only)."""
    con = connect(db)
    started = time.perf_counter()
    report = load_extract(con, extract)
    load_s = time.perf_counter() - started
    assert report.status == "loaded", [str(p) for p in report.problems]
    request = make_request(con, get_snapshot(con), CouncilConfig(), as_at=str(as_at))
    clear_result_cache()
    started = time.perf_counter()
    position_figures(request)
    first_ms = (time.perf_counter() - started) * 1000

    def warm() -> None:
        clear_result_cache()
        position_figures(request)

    return load_s, first_ms, _median_ms(warm, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--as-at", type=date.fromisoformat, default=date(2023, 12, 15))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--url", help="an empty PostgreSQL database (default: start a throwaway server)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="clearsight-bench-pg-"))
    extract = work / f"eastmere-{args.scale:g}"
    if not extract.exists():
        generate_council(extract, seed=1, scale=args.scale)
    server = None
    url = args.url
    if url is None:
        from postgres_server import Server

        server = Server()
        url = server.database()
    try:
        duck_db = work / f"bench-{args.scale:g}.duckdb"
        duck_db.unlink(missing_ok=True)
        print(f"Eastmere scale {args.scale:g}, position as at {args.as_at}, warm median of {args.repeat}")
        print(f"{'back end':<12}{'load s':>10}{'position first ms':>20}{'position warm ms':>19}")
        for name, db in (("duckdb", duck_db), ("postgresql", url)):
            load_s, first_ms, warm_ms = bench(db, extract, args.as_at, args.repeat)
            print(f"{name:<12}{load_s:>10.1f}{first_ms:>20.0f}{warm_ms:>19.0f}")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
