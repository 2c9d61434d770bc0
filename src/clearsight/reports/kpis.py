"""The weekly performance meeting's table: every practice KPI beside its benchmark and data-confidence grade.

Seed 000's council put in "a weekly performance meeting to look at a range of performance indicators"; its
monthly reports had "used unreliable data manually collected from teams". Here each line is computed from the
records: rate, numerator and denominator, England's figure and the statistical neighbours' median with the gap,
and the grade saying how far the data behind it can be trusted. The same rows feed the terminal, CSV, JSON and
Excel, and a monthly series of the same figures (one row per KPI and month).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from clearsight.config import CouncilConfig
from clearsight.metrics.figures import Figure, compute, compute_monthly
from clearsight.metrics.kpi import KPIS, Kpi
from clearsight.metrics.registry import all_metrics
from clearsight.store.benchmarks import Benchmark, benchmark
from clearsight.store.snapshots import Snapshot


@dataclass(frozen=True)
class KpiTable:
    """The rows of one KPI run, and the figures (with provenance) they were read from."""

    start: date
    end: date
    rows: list[dict[str, Any]]
    figures: dict[str, Figure]


def practice_kpis() -> list[Kpi]:
    all_metrics()
    return list(KPIS.values())


def _kpis(names: list[str] | None) -> list[Kpi]:
    kpis = practice_kpis()
    if names is None:
        return kpis
    unknown = sorted(set(names) - {k.name for k in kpis})
    if unknown:
        raise KeyError(f"no KPI named {', '.join(unknown)}; known KPIs: {', '.join(sorted(KPIS))}")
    return [k for k in kpis if k.name in names]


def _line(k: Kpi, r: dict[str, Any], figure: Figure, bench: Benchmark) -> dict[str, Any]:
    least = figure.provenance.least_complete
    implausible = figure.provenance.least_plausible
    rate = r["rate"]
    return {
        "kpi": k.name, "title": k.title, "service": r["service"], "team": r["team"],
        "denominator": r["denominator"], "numerator": r["numerator"], "kpi_rate": rate,
        "england_rate": bench.england, "neighbours_rate": bench.neighbours,
        "gap_to_england": None if rate is None or bench.england is None else round(rate - bench.england, 3),
        "confidence": figure.provenance.confidence,
        "least_complete": f"{least[0]} {least[1]:.0%}" if least else None,
        "least_plausible": f"{implausible[0]}: {1 - implausible[1]:.2%} fail" if implausible else None,
    }


def kpi_table(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, start: date, end: date, config: CouncilConfig, *,
    team: str | None = None, level: str = "council", names: list[str] | None = None,
) -> KpiTable:
    """Every KPI (or those `names`) at one level: event KPIs over start..end, the others as at `end`."""
    rows, figures = [], {}
    wanted = "team" if team else level
    for k in _kpis(names):
        figure = compute(con, snapshot, k.name, end, config, team, period_start=start if k.period else None)
        figures[k.name] = figure
        bench = benchmark(con, config, k.name)
        over = f"{start}..{end}" if k.period else f"on {end}"
        rows += [{**_line(k, r, figure, bench), "over": over} for r in figure.records() if r["level"] == wanted]
    return KpiTable(start, end, rows, figures)


def kpi_monthly(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, start: date, end: date, config: CouncilConfig, *,
    team: str | None = None, level: str = "council", names: list[str] | None = None,
) -> KpiTable:
    """The same lines for each calendar month from start to end: event KPIs over the month, the others as at
    its last day; one row per KPI, month and key of the level."""
    rows, figures = [], {}
    wanted = "team" if team else level
    for k in _kpis(names):
        figure = compute_monthly(con, snapshot, k.name, start, end, period=k.period, config=config, team=team)
        figures[k.name] = figure
        bench = benchmark(con, config, k.name)
        rows += [
            {"month": r["month_start"].strftime("%Y-%m"), **_line(k, r, figure, bench),
             "over": f"{r['month_start']}..{r['month_end']}" if k.period else f"on {r['month_end']}"}
            for r in figure.records() if r["level"] == wanted
        ]
    return KpiTable(start, end, rows, figures)


def rates_by_month(table: KpiTable) -> list[dict[str, Any]]:
    """The monthly rows pivoted for reading: one row per KPI (and team), a column of rates per month."""
    pivot: dict[tuple[str, Any, Any], dict[str, Any]] = {}
    for r in table.rows:
        line = pivot.setdefault((r["kpi"], r["service"], r["team"]),
                                {"kpi": r["kpi"], "service": r["service"], "team": r["team"]})
        line[r["month"]] = r["kpi_rate"]
    return list(pivot.values())
