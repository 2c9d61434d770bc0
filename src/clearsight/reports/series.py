"""Monthly series of registered figures: the same metric on each month of a period, one row a month.

A series is the metric for each month (a month's period for period metrics, its last day for as-at ones). Where
a one-query monthly metric covers the pair (`clearsight.metrics.monthly`: workforce in post and turnover), the
whole series is that one query; otherwise each month is its own run. Either way results are cached by snapshot,
so a dashboard or pack asking again costs nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from clearsight.config import CouncilConfig
from clearsight.canonical.calendar import months
from clearsight.metrics.figures import compute
from clearsight.store.snapshots import Snapshot


# (as-at metric, period metric) -> (the monthly metric computing both for every month, the level of its rows)
ONE_QUERY: dict[tuple[str, str], tuple[str, str]] = {
    ("workforce_council", "turnover_council"): ("workforce_monthly", "council"),
}
_SPINE_COLUMNS = ("level", "service", "team_id", "team", "month_start", "month_end")


def monthly_series(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, start: date, end: date, *,
    as_at_metric: str, period_metric: str, config: CouncilConfig | None = None,
) -> list[dict[str, Any]]:
    """One row a month joining an as-at metric (at the month's last day) and a period metric (over the month),
    each a single-row (council-level) figure. Pairs in `ONE_QUERY` are computed for every month at once."""
    if (as_at_metric, period_metric) in ONE_QUERY:
        name, level = ONE_QUERY[(as_at_metric, period_metric)]
        figure = compute(con, snapshot, name, end, config, period_start=start)
        by_month = {
            r["month_start"]: {k: v for k, v in r.items() if k not in _SPINE_COLUMNS}
            for r in figure.records() if r["level"] == level
        }
        return [{"month": first.strftime("%Y-%m"), **by_month.get(first, {})} for first, _ in months(start, end)]
    rows = []
    for first, last in months(start, end):
        [at] = compute(con, snapshot, as_at_metric, last, config).records() or [{}]
        [over] = compute(con, snapshot, period_metric, last, config, period_start=first).records() or [{}]
        rows.append({"month": first.strftime("%Y-%m"), **at, **over})
    return rows
