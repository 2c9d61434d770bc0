"""The web pages as lists of the views the CLI builds (clearsight.reports): which view, over which window, and
which of its sections each page shows. No figure is computed here.

Each page leads with its views' headline lines (audiences.md: the reader's first question on top), then the
trend where one exists, then the tables. A part marked `team_scoped` is built for the team asked for (and, for a
team manager, always for their own team); the others cover the council.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from clearsight.reports import audits, capacity, confidence, flow, kpis, position, workforce
from clearsight.reports.request import Request, months_back
from clearsight.reports.view import View

TREND_MONTHS = 13  # the practice page's trend: this month and the twelve before (issue 16)


def _kpi_trend(req: Request) -> View:
    """Every KPI month by month over the thirteen months to the as-at date."""
    return kpis.build(req.with_period(months_back(req.as_at, TREND_MONTHS - 1)), monthly=True)


@dataclass(frozen=True)
class Part:
    key: str  # unique within the page; names the cached view
    build: Callable[[Request], View]
    window: str = "as_at"  # make_request's default_window
    sections: tuple[str, ...] | None = None  # shown on the page (None: all); the API gives every section
    team_scoped: bool = False  # the builder takes the request's team
    chart: str | None = None  # a section drawn as a chart (clearsight.render.charts.view_chart) above the tables


@dataclass(frozen=True)
class Page:
    name: str
    title: str
    question: str  # what the page answers, under its title
    parts: tuple[Part, ...]


PAGES: dict[str, Page] = {p.name: p for p in (
    Page("today", "Today", "Who is waiting for a social worker, and for how long; what changed since last week.", (
        Part("position", position.build, sections=("waiting", "unallocated"), team_scoped=True),)),
    Page("teams", "Teams", "Caseloads per worker against their role's standard; capacity and posts needed.", (
        # The capacity view holds the position's team, service and council tables with posts and cost beside
        # them, so the position gives only what capacity lacks: other caseload groups and the workers.
        Part("position", position.build, sections=("other_caseloads", "workers"), team_scoped=True),
        Part("capacity", capacity.build))),
    Page("workforce", "Workforce", "Who is leaving, from which teams and why; agency, vacancies and signals.", (
        Part("workforce", partial(workforce.build, monthly=True), window="year", team_scoped=True,
             chart="monthly"),)),
    Page("practice", "Practice", "Every practice KPI against England, neighbours and the council's targets.", (
        Part("kpis", kpis.build, window="quarter", team_scoped=True),
        Part("trend", _kpi_trend, sections=("rates_by_month",), team_scoped=True, chart="monthly"))),
    Page("flow", "Flow", "From contacts to plans: conversion, re-referrals, repeat plans, stability, care leavers.", (
        Part("flow", flow.build, window="year"),)),
    Page("quality", "Quality", "Case audits against target, and how much rosier managers' grades are.", (
        Part("audits", audits.build, window="year"),)),
    Page("confidence", "Data confidence", "Is the data complete and plausible; do teams' returns agree?", (
        Part("confidence", confidence.build),)),
)}

# Drill-through targets: the personal section of a view behind a count, and the columns a link may narrow it by.
DRILLS: dict[str, tuple[Part, str, tuple[str, ...]]] = {
    "waiting": (PAGES["today"].parts[0], "unallocated", ("team", "reason", "legal_status", "service")),
    "workers": (PAGES["today"].parts[0], "workers", ("team", "role", "rag", "service")),
    "implausible": (Part("implausible", partial(confidence.build, implausible=True)), "records", ("rule",)),
}


def kpi_records(name: str, failing: bool) -> Part:
    """The records behind one KPI (its children, or the workers for supervision)."""
    return Part(f"kpi:{name}:{failing}", partial(kpis.build_one, name=name, children=True, failing=failing),
                window="quarter", team_scoped=True)
