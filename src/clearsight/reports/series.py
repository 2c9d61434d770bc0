"""Monthly series of registered figures: the same metric on each month of a period, one row a month.

A series is the metric run once per month (a month's period for period metrics, its last day for as-at ones);
each run is cached by snapshot, so a dashboard or pack asking again costs nothing.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date
from typing import Any

import duckdb

from clearsight.config import CouncilConfig
from clearsight.metrics.figures import compute
from clearsight.store.snapshots import Snapshot


def months(start: date, end: date) -> Iterator[tuple[date, date]]:
    """(first day, last day) of each calendar month from `start`'s month to `end`'s, clipped to the period."""
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        first = max(date(year, month, 1), start)
        last = min(date(year, month, calendar.monthrange(year, month)[1]), end)
        yield first, last
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def monthly_series(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, start: date, end: date, *,
    as_at_metric: str, period_metric: str, config: CouncilConfig | None = None,
) -> list[dict[str, Any]]:
    """One row a month joining an as-at metric (at the month's last day) and a period metric (over the month),
    each a single-row (council-level) figure."""
    rows = []
    for first, last in months(start, end):
        [at] = compute(con, snapshot, as_at_metric, last, config).records() or [{}]
        [over] = compute(con, snapshot, period_metric, last, config, period_start=first).records() or [{}]
        rows.append({"month": first.strftime("%Y-%m"), **at, **over})
    return rows
