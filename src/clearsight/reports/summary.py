"""The one-page summary: the allocation position and capacity, and every practice KPI for the three months to
the date with its rate in each of the last twelve months. Aggregates only: no child or worker is listed."""

from __future__ import annotations

from clearsight.reports import kpis, position
from clearsight.reports.request import Request, months_back, quarter_ending
from clearsight.reports.view import View


def build(req: Request) -> View:
    pos = position.build(req).without_personal()
    practice = kpis.build(req.with_period(quarter_ending(req.as_at)))
    trend = kpis.build(req.with_period(months_back(req.as_at, 11)), monthly=True)
    return View("summary", "Summary", pos.subtitle, (*pos.headline, *practice.headline),
                (*pos.sections, *practice.sections, *trend.sections), pos.provenance,
                {**pos.figures, **practice.figures}, pos.warnings)
