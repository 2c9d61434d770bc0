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
from functools import partial
from typing import Any

import duckdb

from clearsight.config import CouncilConfig
from clearsight.metrics.figures import Figure, compute, compute_monthly
from clearsight.metrics.kpi import KPIS, Kpi
from clearsight.metrics.parallel import at_once
from clearsight.metrics.registry import all_metrics
from clearsight.render.values import clip, long_date, percent
from clearsight.reports.comparators import no_england_note
from clearsight.reports.kpi_columns import kpi_column, records_order
from clearsight.reports.request import BadRequest, Request, months_back, quarter_ending, unknown
from clearsight.reports.sections import section
from clearsight.reports.view import Column, View, col
from clearsight.store.benchmarks import Benchmark, benchmark_for, loaded_figures
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
    missing = sorted(set(names) - {k.name for k in kpis})
    if missing:
        raise unknown_kpi(missing[0])
    return [k for k in kpis if k.name in names]


def kpi_rag(rate: float | None, target: float | None, flag_is_good: bool, margin: float) -> str | None:
    """Green when the rate meets the council's target, amber within `margin` of it on the wrong side, red
    beyond; for a KPI counting failures the target is a ceiling. None without a target or a rate."""
    if rate is None or target is None:
        return None
    short = (target - rate) if flag_is_good else (rate - target)
    return "green" if short <= 0 else "amber" if short <= margin + 1e-9 else "red"


def _line(k: Kpi, r: dict[str, Any], figure: Figure, bench: Benchmark | None, config: CouncilConfig) -> dict[str, Any]:
    least = figure.provenance.least_complete
    implausible = figure.provenance.least_plausible
    rate = r["rate"]
    target = config.kpi_targets.get(k.name)
    return {
        "kpi": k.name, "title": k.title, "service": r["service"], "team": r["team"],
        "denominator": r["denominator"], "numerator": r["numerator"], "kpi_rate": rate,
        "england_rate": bench and bench.england, "england_year": bench and bench.period,
        "neighbours_rate": bench and bench.neighbours, "target_rate": target,
        "rag": kpi_rag(rate, target, k.flag_is_good, config.kpi_amber_margin),
        "gap_to_england": None if rate is None or not bench or bench.england is None
        else round(rate - bench.england, 3),
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
    loaded = loaded_figures(con)
    chosen = _kpis(names)
    found = at_once([partial(compute, con, snapshot, k.name, end, config, team,
                             period_start=start if k.period else None) for k in chosen])
    for k, figure in zip(chosen, found):
        figures[k.name] = figure
        bench = benchmark_for(con, k.name, end, period_start=start if k.period else None, config=config,
                              loaded=loaded)
        over = f"{start} to {end}" if k.period else f"on {end}"  # as the flow view writes a period
        rows += [{**_line(k, r, figure, bench, config), "over": over} for r in figure.records()
                 if r["level"] == wanted]
    return KpiTable(start, end, rows, figures)


def kpi_monthly(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, start: date, end: date, config: CouncilConfig, *,
    team: str | None = None, level: str = "council", names: list[str] | None = None,
) -> KpiTable:
    """The same lines for each calendar month from start to end: event KPIs over the month, the others as at
    its last day; one row per KPI, month and key of the level."""
    rows, figures = [], {}
    wanted = "team" if team else level
    loaded = loaded_figures(con)
    chosen = _kpis(names)
    found = at_once([partial(compute_monthly, con, snapshot, k.name, start, end, period=k.period, config=config,
                             team=team) for k in chosen])
    for k, figure in zip(chosen, found):
        figures[k.name] = figure
        months = {(r["month_start"], r["month_end"]) for r in figure.records()}
        bench = {m: benchmark_for(con, k.name, m[1], period_start=m[0] if k.period else None, config=config,
                                  loaded=loaded) for m in months}
        rows += [
            {"month": r["month_start"].strftime("%Y-%m"),
             **_line(k, r, figure, bench[(r["month_start"], r["month_end"])], config),
             "over": f"{r['month_start']} to {r['month_end']}" if k.period else f"on {r['month_end']}"}
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


def unknown_kpi(name: str) -> Exception:
    return unknown("KPI", name, list(KPIS))


LEVEL_COLUMNS = (col("service", "Service", vocabulary="service"), col("team", "Team"))
KPI_COLUMNS = (
    col("kpi", "KPI name", detail=True), col("title", "KPI"), col("over", "Over"), col("denominator", "Counted", "count"),
    col("numerator", "Meeting it / failing", "count"), col("kpi_rate", "Rate", "rate"),
    col("england_rate", "England", "rate"), col("neighbours_rate", "Neighbours", "rate"),
    col("gap_to_england", "Gap to England (points)", "rate"), col("target_rate", "Council target", "rate", detail=True),
    col("rag", "Against target", "rag"), col("confidence", "Confidence", "grade"),
    col("least_complete", "Least complete field"),
)
TARGET_NOTE = ("Against target: green meeting the council's target (config kpi_targets), amber within "
               "kpi_amber_margin of it, red beyond; none where the council has set no target.")
TERMINAL_MONTHS = 6  # the months of a series that fit a terminal; files carry them all
# The KPIs a manager reads first (seed 003's improvement measures), in this order.
HEADLINE_KPIS = ("assessments_overdue", "assessment_timeliness", "cp_visits", "cla_visits", "supervision")


def _kpi_sentence(row: dict[str, Any]) -> str:
    k = KPIS[row["kpi"]]
    if not k.flag_is_good:
        return f"{row['title']}: {row['numerator']:,} of {row['denominator']:,}"
    england = f" (England {percent(row['england_rate'])})" if row["england_rate"] is not None else ""
    return f"{row['title']}: {percent(row['kpi_rate'])}{england}"


def build(req: Request, *, level: str = "council", monthly: bool = False) -> View:
    """Every practice KPI at one level (or for the team asked for), or with `monthly` each month's rate."""
    if level not in ("council", "service", "team"):
        raise BadRequest(f"--level {clip(level, 40)!r}: expected council, service or team")
    if req.team and level != "council":
        raise BadRequest("--team and --level both given: a team's figures are at team level")
    start, end = req.start or req.as_at, req.as_at
    if monthly and req.start is None:
        start = months_back(end, 11)
    run = kpi_monthly if monthly else kpi_table
    table = run(req.con, req.snapshot, start, end, req.config, team=req.team, level=level)
    keys = () if level == "council" and not req.team else LEVEL_COLUMNS
    head = table if not monthly and not keys else kpi_table(
        req.con, req.snapshot, quarter_ending(end) if monthly else start, end, req.config, team=req.team)
    council = {r["kpi"]: r for r in head.rows}
    headline = ["; ".join(_kpi_sentence(council[n]) for n in HEADLINE_KPIS[:3] if n in council) + ".",
                "; ".join(_kpi_sentence(council[n]) for n in HEADLINE_KPIS[3:] if n in council) + "."]
    if monthly:
        pivot = rates_by_month(table)
        months = sorted({r["month"] for r in table.rows})
        titles = {k.name: k.title for k in practice_kpis()}
        rows = [{**r, "title": titles[r["kpi"]]} for r in pivot]
        sections = (section("rates_by_month", "Rate by month", rows,
                            (col("title", "KPI"), *keys, *(Column(m, m, "rate", detail=i < len(months) - TERMINAL_MONTHS)
                                                            for i, m in enumerate(months)))),
                    section("monthly", "KPIs by month", table.rows,
                            (col("month", "Month"), *KPI_COLUMNS[:2], *keys, *KPI_COLUMNS[2:]), terminal=False))
    else:
        sections = (section("kpis", "Practice KPIs", table.rows, (*KPI_COLUMNS[:2], *keys, *KPI_COLUMNS[2:]),
                            notes=("Event KPIs count the period; the others are as at its last day. For KPIs "
                                   "counting failures (overdue), the rate is the share failing.", TARGET_NOTE,
                                   *no_england_note(table.rows, "england_rate"))),)
    first = next(iter(table.figures.values()))
    return View("kpis", "Practice KPIs", f"{req.council}" + (f", {req.team}" if req.team else "")
                + f", events {long_date(start)} to {long_date(end)}", tuple(h for h in headline if h != "."),
                sections, req.provenance(first.provenance), table.figures, req.warnings)


def build_one(req: Request, name: str, *, children: bool = False, failing: bool = False,
              monthly: bool = False) -> View:
    """One KPI by team, service and council; with `children` the records behind it; with `monthly` its series."""
    if monthly and children:
        raise BadRequest("--monthly and --children: list one month's records with --period or --as-at")
    if failing and not children:
        raise BadRequest("--failing lists records: give --children too")
    all_metrics()
    if name not in KPIS:
        raise unknown_kpi(name)
    k = KPIS[name]
    start, end = req.start or req.as_at, req.as_at
    if monthly:
        start = req.start or months_back(end, 11)
        figure = compute_monthly(req.con, req.snapshot, k.name, start, end, period=k.period, config=req.config,
                                 team=req.team)
        figure = figure.where(figure.metric, level="team" if req.team else "council")
        when = f"each month {long_date(start)} to {long_date(end)}"
    else:
        figure = compute(req.con, req.snapshot, k.children if children else k.name, end, req.config, req.team,
                         period_start=start if k.period else None)
        when = f"{long_date(start)} to {long_date(end)}" if k.period else f"as at {long_date(end)}"
    if children and failing:
        import pyarrow.compute as pc  # here alone: its import is a twentieth of a second of every kpi command

        flag = figure.rows[k.flag]  # no flag is not met: failing where the flag is good, else dropped as null
        figure = figure.subset(figure.metric, pc.or_kleene(pc.invert(flag), pc.is_null(flag)) if k.flag_is_good
                               else flag)
    names = [c for c in figure.rows.column_names if not c.endswith("_id") or c == "child_id"]
    columns = tuple(kpi_column(c, figure.rows.schema.field(c).type, k.flag)
                    for c in (records_order(names, k.flag) if children else names))
    rows = figure.records()
    council = next((r for r in rows if r.get("level") == "council"), None)
    headline = (f"{k.title}: {percent(council['rate'])} ({council['numerator']:,} of {council['denominator']:,})."
                if council and not children and not monthly else
                f"{len(rows):,} records" + (" outside the standard" if failing else "") + "." if children else
                f"{k.title}, month by month.",)
    return View("kpi", k.title, f"{req.council}" + (f", {req.team}" if req.team else "") + f", {when}", headline,
                (section("records" if children else "rates", figure.metric.title, rows, columns, personal=children,
                         limit=50 if children else None, notes=(figure.metric.definition,)),),
                req.provenance(figure.provenance), {k.name: figure}, req.warnings)

