"""What it takes to bring caseloads within standard: seed 002's budget-bid table by team, service and council.

Posts needed and what they would cost as permanent or agency posts, and the team managers needed to keep the
span of control within 8-10. The target (upper, lower or middle of each standard) is the council's choice.
"""

from __future__ import annotations

from dataclasses import replace

from clearsight.metrics.figures import compute
from clearsight.metrics.registry import get_metric
from clearsight.render.values import clip, long_date
from clearsight.reports.position import CAPACITY_COLUMNS, LEVEL_SECTIONS
from clearsight.reports.request import BadRequest, Request
from clearsight.reports.sections import council_row, plural, section
from clearsight.reports.view import Column, View, col

COST_COLUMNS = (
    col("annual_cost_permanent", "Annual cost as permanent posts", "money"),
    col("annual_cost_agency", "Annual cost as agency posts", "money"),
    col("managers_needed", "Team managers needed", "count"),
)
# On a terminal the budget bid's own columns (posts and their cost) come before the workings behind them.
WORKINGS = ("cases_over_capacity", "posts_needed")
KEYS = {"team": (col("team", "Team"), col("service", "Service", vocabulary="service")),
        "service": (col("service", "Service", vocabulary="service"),), "council": (col("council", "Council"),)}


TARGETS = ("upper", "lower", "mid")  # the end of each caseload standard the posts are worked out to


def build(req: Request, target: str = "upper") -> View:
    if target not in TARGETS:
        raise BadRequest(f"--target {clip(target, 40)!r}: expected {', '.join(TARGETS)}")
    config = req.config.model_copy(update={"capacity_target": target})
    every_level = compute(req.con, req.snapshot, "capacity", req.as_at, config)
    figures = {}
    for key, (level, metric) in LEVEL_SECTIONS.items():
        figures[key] = every_level.where(get_metric(metric), level=level)
    c = council_row(every_level)
    aim = {r: s.target(target) for r, s in config.caseload_standards.items()}
    headline = (
        f"{req.council}: {plural(c.get('posts_needed_rounded_up'), 'post')} needed to bring every team within the "
        f"{target} end of its standard and allocate the children waiting (whole posts by team): "
        f"£{c.get('annual_cost_permanent') or 0:,.0f} a year as permanent posts, "
        f"£{c.get('annual_cost_agency') or 0:,.0f} as agency.",
        f"Aiming at social worker {aim['social_worker']:g}, ASYE {aim['asye']:g}, IRO {aim['iro']:g} cases; "
        f"{plural(c.get('unallocated'), 'child', 'children')} waiting across {req.council}.",
    )
    sections = tuple(
        section(key, title, figures[key].records(), (*KEYS[level], *_terse(CAPACITY_COLUMNS), *COST_COLUMNS),
                notes=(get_metric("capacity").definition,) if level == "team" else ())
        for key, title, level in (("teams", "By team", "team"), ("services", "By service", "service"),
                                  ("council", "Council", "council"))
    )
    return View("capacity", "Capacity and posts needed", f"{req.council}, as at {long_date(req.as_at)}",
                headline, sections, req.provenance(every_level.provenance), figures, req.warnings)


def _terse(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    return tuple(replace(c, detail=True) if c.key in WORKINGS else c for c in columns)
