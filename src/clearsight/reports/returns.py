"""Team returns reconciled with the records, for every measure Clearsight can recompute.

Seed 000's monthly reports "used unreliable data manually collected from teams that gave an overly optimistic
view". A council still collecting team returns loads them as `team_reported` (team, date, measure, value); each
is set beside the same figure from the records for that team on that date:

- `unallocated_cases`: recomputed in SQL by the `reported_vs_records` metric;
- a practice KPI's name (`assessments_overdue`, `cp_visits`...): the team's headline count (overdue
  assessments; children seen within the standard), and `<name>_rate` its rate as a fraction (0.85). KPIs
  counted over a period cover the calendar month up to the return's date.

A return of a measure Clearsight has no figure for is listed with the reason, never dropped.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from clearsight.config import CouncilConfig
from clearsight.metrics.figures import compute
from clearsight.reports.kpis import practice_kpis
from clearsight.store.snapshots import Snapshot

TOLERANCE = 0.0005  # rates are compared at the precision they are shown (0.1%)


def _from_kpi(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, config: CouncilConfig, measure: str, day: date,
) -> dict[str, float | None] | None:
    """The KPI behind `measure` by team id on `day` (None when `measure` names no KPI)."""
    kpis = {k.name: k for k in practice_kpis()}
    name, rate = (measure[: -len("_rate")], True) if measure.endswith("_rate") else (measure, False)
    k = kpis.get(name)
    if k is None:
        return None
    start = date(day.year, day.month, 1) if k.period else None
    rows = compute(con, snapshot, k.name, day, config, period_start=start).records()
    return {r["team_id"]: r["rate"] if rate else float(r["numerator"]) for r in rows if r["level"] == "team"}


def reconciled_returns(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, as_at: date, config: CouncilConfig,
) -> list[dict[str, Any]]:
    """The latest team returns on or before `as_at`, each with the records' figure, the difference and whether
    they disagree (`discrepancy`); `note` says why a return could not be checked."""
    rows = compute(con, snapshot, "reported_vs_records", as_at, config).records()
    by_measure: dict[tuple[str, date], dict[str, float | None] | None] = {}
    out = []
    for r in rows:
        note = None
        if r["from_records"] is None:
            key = (r["measure"], r["report_date"])
            if key not in by_measure:
                by_measure[key] = _from_kpi(con, snapshot, config, *key)
            figures = by_measure[key]
            if figures is None:
                note = f"Clearsight has no figure named {r['measure']!r} to check it against"
            else:
                is_rate = r["measure"].endswith("_rate")
                r["from_records"] = figures.get(r["team_id"], None if is_rate else 0.0)
                if r["from_records"] is None:
                    note = "the records have nothing to count for this team on that date"
        checked = r["from_records"] is not None
        r["difference"] = round(r["from_records"] - r["reported"], 3) if checked else None
        r["discrepancy"] = abs(r["difference"]) > TOLERANCE if checked else None
        out.append({**r, "note": note})
    return out
