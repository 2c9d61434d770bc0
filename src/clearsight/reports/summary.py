"""The one-page summary: the allocation position and capacity, and every practice KPI for the three months to
the date with its rate in each of the last twelve months. Aggregates only: no child or worker is listed."""

from __future__ import annotations

from functools import partial

from clearsight.metrics.parallel import at_once
from clearsight.reports import kpis, position
from clearsight.reports.request import Request, months_back, quarter_ending
from clearsight.reports.view import View


def build(req: Request) -> View:
    # The position and the trend at once; the trend before the quarter, as its last month's figures of the KPIs
    # counted as at a date are the quarter's (kept by compute_monthly: no query).
    pos, trend = at_once([partial(position.build, req),
                          partial(kpis.build, req.with_period(months_back(req.as_at, 11)), monthly=True)])
    pos = pos.without_personal()
    practice = kpis.build(req.with_period(quarter_ending(req.as_at)))
    return View("summary", "Summary", pos.subtitle, (*pos.headline, *practice.headline),
                (*pos.sections, *practice.sections, *trend.sections), pos.provenance,
                {**pos.figures, **practice.figures}, pos.warnings)
