"""The one-page summary: the allocation position and capacity, and every practice KPI for the three months to
the date with its rate in each of the last twelve months. Aggregates only: no child or worker is listed."""

from __future__ import annotations

from functools import partial

from clearsight.metrics.parallel import at_once
from clearsight.reports import kpis, position
from clearsight.reports.request import Request, months_back, quarter_ending
from clearsight.reports.view import View


def build(req: Request) -> View:
    # The position, the trend and the quarter's event KPIs at once; the quarter's view after them, as its KPIs
    # counted as at a date are the trend's last month's figures (kept by compute_monthly: no query) and its event
    # KPIs those just computed.
    quarter = req.with_period(quarter_ending(req.as_at))
    events = [k.name for k in kpis.practice_kpis() if k.period]
    pos, trend, _ = at_once([
        partial(position.build, req), partial(kpis.build, req.with_period(months_back(req.as_at, 11)), monthly=True),
        partial(kpis.kpi_table, req.con, req.snapshot, quarter.start, req.as_at, req.config, team=req.team,
                names=events),
    ])
    pos = pos.without_personal()
    practice = kpis.build(quarter)
    return View("summary", "Summary", pos.subtitle, (*pos.headline, *practice.headline),
                (*pos.sections, *practice.sections, *trend.sections), pos.provenance,
                {**pos.figures, **practice.figures}, pos.warnings)
