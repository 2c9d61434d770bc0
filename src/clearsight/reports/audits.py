"""Case audits against the monthly target, and how much rosier managers' grades are than independent ones.

Seed 000: manager audits were "overly optimistic". The headline is the optimism gap on the same cases, with its
95% interval; then audits and grades by team and service, and the gap by quarter where cases were not audited by
both kinds.
"""

from __future__ import annotations

from functools import partial

from clearsight.metrics.figures import compute
from clearsight.metrics.parallel import each_at_once
from clearsight.render.values import long_date, percent
from clearsight.reports.request import Request
from clearsight.reports.sections import council_row, section
from clearsight.reports.view import View, col

KEYS = (col("level", "Level", vocabulary="level"), col("service", "Service", vocabulary="service"), col("team", "Team"))
AUDIT_COLUMNS = (
    *KEYS, col("manager_audits", "Manager audits", "count"), col("independent_audits", "Independent audits", "count"),
    col("independent_target", "Independent target", "count"),
    col("manager_good_share", "Managers: good or better", "rate"),
    col("independent_good_share", "Independent: good or better", "rate"),
    col("manager_inadequate_share", "Managers: inadequate", "rate"),
    col("independent_inadequate_share", "Independent: inadequate", "rate"),
)
GAP_COLUMNS = (
    *KEYS, col("pairs", "Cases audited by both", "count"), col("mean_gap", "Gap (grades)", "number"),
    col("ci_low", "95% low", "number"), col("ci_high", "95% high", "number"),
    col("manager_better_share", "Manager rosier", "rate"),
)
QUARTER_COLUMNS = (
    col("quarter", "Quarter"), col("level", "Level", vocabulary="level"), col("service", "Service", vocabulary="service"),
    col("manager_audits", "Manager audits", "count"), col("independent_audits", "Independent audits", "count"),
    col("manager_mean", "Managers' mean grade", "number"), col("independent_mean", "Independent mean grade", "number"),
    col("gap", "Gap (grades)", "number"), col("ci_low", "95% low", "number"), col("ci_high", "95% high", "number"),
)


def build(req: Request) -> View:
    start, end = req.start or req.as_at, req.as_at
    figures = each_at_once({name: partial(compute, req.con, req.snapshot, name, end, req.config, period_start=start)
                            for name in ("case_audits", "optimism_gap", "optimism_gap_by_quarter")})
    gap = council_row(figures["optimism_gap"])
    audits = council_row(figures["case_audits"])
    headline = []
    if gap.get("pairs"):
        headline.append(
            f"On the {gap['pairs']:,} cases audited by both, managers graded {gap['mean_gap']:.2f} grades better "
            f"than independent auditors (95% interval {gap['ci_low']:.2f} to {gap['ci_high']:.2f}; positive: "
            f"managers rosier).")
    else:
        headline.append("No case was audited by both a manager and an independent auditor in the period.")
    if audits:
        headline.append(
            f"Managers graded {percent(audits.get('manager_good_share'))} good or better; independent auditors "
            f"{percent(audits.get('independent_good_share'))}, and found "
            f"{percent(audits.get('independent_inadequate_share'))} inadequate.")
    sections = (
        section("optimism_gap", "Optimism gap: independent grade minus manager's on the same case",
                figures["optimism_gap"].records(), GAP_COLUMNS, notes=(figures["optimism_gap"].metric.definition,)),
        section("case_audits", "Audits and grades", figures["case_audits"].records(), AUDIT_COLUMNS),
        section("by_quarter", "Where cases were not audited by both: independent mean minus managers' mean",
                [r for r in figures["optimism_gap_by_quarter"].records() if r["level"] != "team"], QUARTER_COLUMNS),
    )
    return View("audits", "Case audits", f"{req.council}, {long_date(start)} to {long_date(end)}", tuple(headline),
                sections, req.provenance(figures["case_audits"].provenance), figures, req.warnings)
