"""Where the position's time goes on a warm connection (issue 14 item 3): each of its queries' CPU time, and the
whole of its figures and of its view, every figure computed afresh (the figure store off, the result cache
cleared). CPU time of this process, DuckDB's threads included: the figure to compare on a shared machine (the
load average is printed). Not part of the test run. Usage:
    .venv/bin/python bench/bench_position.py --db FILE [--as-at 2023-12-15] [--repeat 10]
Target: at scale 10 the position computed on a warm connection under 100 ms.

Measured (session 15, Eastmere seed 1 scale 1, as at 15 Dec 2023: 310 children waiting; 2 cores at load 5-6,
three alternate runs of main and the change, median of 5 each): figures 194 -> 169 ms CPU, view 305 -> 242 ms.
The team returns' recount (reported_vs_records) 66 -> 51 ms and the week before's count 53 -> 33 ms once they
count the waiting children (allocation.waiting_children) instead of listing why and how long each waits. Every
query of the position costs 20-60 ms of CPU at scale 1 (DuckDB's fixed cost of a plan of 30-100 operators; the
records are 38k allocations), so a tenfold cut at scale 10 is not in SQL rewrites of this kind.

Measured (session 16, Eastmere seed 1 scale 10, as at 31 Mar 2025: 92 children waiting, 374k allocations, 282k
episodes; 2 cores shared, load 6-12; median of 5, CPU ms, queries one at a time). Before -> after this session's
change: view 367-552 -> 311-379 (wall at load 6: 533-639 -> 326-546). Its queries after: unallocated_cases 79-88,
reported_vs_records 85-92, children_waiting a week before 52-57, caseload_by_worker 32, capacity (from the worker
and waiting rows) 31-34, caseloads 19-20 (65 before, from the records: now from the worker rows as capacity);
Python (records, sections) 30-50. Run at once (clearsight.metrics.parallel) the view took the same CPU and, with
the two cores busy with other sessions, no less wall; on an idle machine its critical path is about half its
CPU. Where the time goes, each query: DuckDB's planning 8-60 ms (EXPLAIN of the cached SQL: capacity 60,
reported_vs_records 30, unallocated_cases 19, children_waiting 8; re-done at every EXECUTE of a statement with
parameters, so keeping prepared statements saves nothing), then scans of the FSST-compressed string ids of
allocation and episode (7-30 ms each, three scans a waiting-children count) and hash joins and groups of ~18k
current rows (5-15 ms each). reported_vs_records recounts the waiting children as at the latest team return
(28 Feb 2025), a date DuckDB only learns from a scalar subquery, so its scans are not filtered by date. A
hand-written count of the children waiting on one date runs in 37-54 ms against the metric's 62-77: the position
counts them on three dates (now, a week before, the last return), so 100 ms at scale 10 is out of reach of
faster SQL of the same figures on this machine; it takes counting on fewer dates or keeping figures by snapshot.

Measured (session 17, Eastmere seed 1 scale 10 regenerated from main at c9421d2, as at 31 Mar 2025: 27 children
waiting; 2 cores at load 7-8, three alternate runs of c9421d2 and the change, median of 5 each, CPU ms), before ->
after: figures 330-365 -> 233-252; view one query at a time 380-456 -> 274-291, at once 402-440 -> 288-334. Its
queries: reported_vs_records 110-122 -> 48-51 (computed as at the return's date, found first by a one-row query:
Metric.as_at_of, so its scans are filtered by a known date), children_waiting a week before 72-77 -> 42-47 (the
waiting children counted without their legal status, and current allocations read once for the holding team and
the allocated children), unallocated_cases 95-116 -> 83-88, capacity 40-49 -> 31-36, caseload_by_worker 39-46 ->
35-37, caseloads 22-29 -> 21-25 (parameters bound as the cursor's variables: a prepared statement was planned at
PREPARE and again at EXECUTE). DuckDB's planning (EXPLAIN of each query) is still 70 of the view's ~270 ms: capacity
18 of its 30 (binding its 22k characters of nested subqueries), caseloads 13, unallocated_cases 14; sqlglot's
qualify and projection pushdown at compile time cut it only a tenth (all 73 metrics, same rows) and its subquery
merging gave wrong rows. The 100 ms target is not met: the view's ~280 ms of CPU takes at least 140 ms of wall
time on an idle 2-core machine (not measured idle this session).

Measured (session 18, the same database, as at 31 Mar 2025; 2 cores at load 6, median of 7, CPU ms), a036822 ->
the change (a reader's queries on one DuckDB thread each, two at once): figures 270 -> 215, view one query at a
time 304 -> 251, at once 329 -> 251; unallocated_cases 91 -> 73, reported_vs_records 55 -> 45, children_waiting a
week before 56 -> 45, caseload_by_worker 41 -> 28, capacity 40 -> 31, caseloads 25 -> 19. The 100 ms target is
still not met.

Measured (session 19, Eastmere seed 1 scale 10 from main's generator, as at 31 Mar 2025; idle 2 cores, load
0.5-1.1, CPU ms, median of 20), 0440007 -> the change: view at once 141 wall (227 CPU) -> 84-115 wall (150-198
CPU; bench_commands' median of 20: 90, best 82); unallocated_cases 60 -> 46, reported_vs_records 33 -> 22,
children_waiting a week before 32 -> 23, caseload_by_worker 22 -> 20. The waiting children are found first
(open children less those allocated to a practitioner: no ranking) and only their cases ranked for the latest
episode and holding team and named, where every open case was (two windows over 18k rows each query); Ibis makes
the open episodes and current allocations CTEs read once (a second reference through a view of the relation:
Ibis shares one join reference between two joins and then inlines the relation twice); a worker's allocations
are grouped once. The view's figures run in two lanes of about 75 ms each on two cores, so capacity (from the
waiting and worker rows) starts as soon as those are ready. The target is met on an idle machine; at load 1-2
the wall time is 90-118 ms. A semi join (`isin`) instead of the inner join on the waiting children ran as fast
but gave wrong rows in the flattened series over dates (DuckDB's decorrelation), so it is not used; sorting the
tables by end date at load gained under 5%, so the load keeps source order."""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clearsight.config import CouncilConfig
from clearsight.metrics import figures, parallel
from clearsight.metrics.parallel import THREADS_ENV
from clearsight.reports import position
from clearsight.reports.request import make_request
from clearsight.store.database import open_database
from clearsight.store.figure_store import STORE_ENV
from clearsight.store.snapshots import get_snapshot


def _timed(run: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU milliseconds of one run."""
    cpu, started = time.process_time(), time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="A loaded database.")
    parser.add_argument("--as-at", default=None, help="Date of the position (default: the extract date).")
    parser.add_argument("--repeat", type=int, default=10, help="Runs of each (median shown).")
    args = parser.parse_args()
    # A server pays pandas' import once: capacity is then computed from the position's own rows.
    import pandas  # noqa: F401

    os.environ[STORE_ENV] = "off"
    threads = parallel.threads()
    con = open_database(args.db)
    snapshot = get_snapshot(con)
    req = make_request(con, snapshot, CouncilConfig(), as_at=args.as_at)
    position.build(req)  # warm: SQL compiled or read from the cache, DuckDB's buffers filled
    queries: dict[str, list[tuple[float, float]]] = {}
    query = figures._query

    def timed_query(con_: Any, snap: Any, metric: Any, as_at: Any, *rest: Any, **options: Any) -> Any:
        out: list[Any] = []
        queries.setdefault(f"{metric.name} as at {as_at}", []).append(
            _timed(lambda: out.append(query(con_, snap, metric, as_at, *rest, **options))))
        return out[0]

    runs: dict[str, list[tuple[float, float]]] = {"figures": [], "view": [], "view at once": []}
    for _ in range(args.repeat):
        for kind, build in (("figures", position.position_figures), ("view", position.build),
                            ("view at once", position.build)):
            # Each query's CPU is this process's, so they are timed one at a time (CLEARSIGHT_QUERY_THREADS=1);
            # then the view as it runs, its independent figures at once (clearsight.metrics.parallel).
            os.environ[THREADS_ENV] = str(threads) if kind == "view at once" else "1"
            figures._query = query if kind == "view at once" else timed_query
            figures.clear_result_cache()
            runs[kind].append(_timed(lambda: build(req)))
    figures._query = query
    con.close()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {args.db}, as at {req.as_at}; "
          f"median of {args.repeat}, milliseconds")
    for name, times in (("position figures, one query at a time", runs["figures"]),
                        ("position view, one query at a time", runs["view"]),
                        (f"position view, up to {threads} queries at once", runs["view at once"]),
                        *((f"  {q}", t) for q, t in queries.items())):
        print(f"{name:52} cpu {statistics.median(c for _, c in times):7.1f}   wall "
              f"{statistics.median(w for w, _ in times):7.1f}")


if __name__ == "__main__":
    main()
