"""Independent figures computed at once.

A report's queries each keep about one core busy (DuckDB parallelises a query by blocks of rows, and Clearsight's
tables are small), and DuckDB lets go of Python's lock while a query runs, so a view whose figures do not depend on
one another waits for its slowest queries rather than for all of them in turn when the machine has cores to
spare. Each query runs on a cursor of its own (`clearsight.store.database.query_arrow`), and the caches figures
pass through lock what they share (`clearsight.metrics.figures`), so the figures are the same either way.

`CLEARSIGHT_QUERY_THREADS` sets how many run at once (1: one after another); by default as many as there are
cores, at most `MOST_AT_ONCE` (clearsight.store.database, which shares the cores among them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from clearsight.store.database import MOST_AT_ONCE, THREADS_ENV, queries_at_once

__all__ = ["MOST_AT_ONCE", "THREADS_ENV", "at_once", "each_at_once", "threads"]

K = TypeVar("K")
T = TypeVar("T")


def threads() -> int:
    """How many computations may run at once (each query then gets DuckDB threads of its own on a reader:
    `clearsight.store.database.threads_per_query`)."""
    return queries_at_once()


def at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """The result of each call, in order, the calls run at once (up to `threads()`); the first error raised is
    raised here."""
    workers = min(threads(), len(calls))
    if workers <= 1:
        return [call() for call in calls]
    with ThreadPoolExecutor(workers, thread_name_prefix="clearsight-figure") as pool:
        return list(pool.map(lambda call: call(), calls))


def each_at_once(calls: Mapping[K, Callable[[], T]]) -> dict[K, T]:
    """`at_once` for named calls: each name with its call's result, in the same order."""
    return dict(zip(calls, at_once(list(calls.values()))))
