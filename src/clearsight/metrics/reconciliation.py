"""Figures teams reported upward by hand, set beside the same figure computed from the records.

Seed 000: leaders were told "no unallocated cases" while 291 children waited; monthly reports "used
unreliable data manually collected from teams". A council that still collects team returns loads them as
`team_reported`; Clearsight recomputes each figure from the records for the same team and date and flags any
difference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.allocation import waiting_in_teams
from clearsight.metrics.lazy import ibis
from clearsight.metrics.levels import teams
from clearsight.metrics.registry import Scope, metric

if TYPE_CHECKING:
    import ibis.expr.types as ir

# Reported measures Clearsight can recompute, each as a count by team of the rows of a registered list metric
# (unallocated_cases: counted from `waiting_in_teams`, its rows without why and how long or legal status).
RECOMPUTABLE = {"unallocated_cases": waiting_in_teams}


def latest_return_date(s: Scope) -> ir.DateScalar:
    """The date of the latest team returns on or before the as-at date (null when there is none)."""
    reported = s.table("team_reported")
    return reported.filter(reported.report_date <= s.day).report_date.max()


@metric(
    "reported_vs_records", title="Team-reported figures against the records", unit="children",
    polarity="neutral",
    reads=("team_reported.team_id", "team_reported.report_date", "team_reported.measure", "team_reported.value"),
    definition="For the latest team returns on or before the date: each team's reported figure, the same "
    "figure computed from the records as at the return's date, and the difference; `discrepancy` is true where "
    "they differ. Unallocated cases are recomputed here; returns of other measures are listed with no figure "
    "from the records (the practice KPIs are filled in by clearsight.reports.returns).",
    order_by=("difference desc", "team"), as_at_of=latest_return_date,
)
def reported_vs_records(s: Scope) -> ir.Table:
    """As at the returns' own date (`latest_return_date`): the returns of that date against the records then."""
    reported = s.table("team_reported")
    latest = reported.filter(reported.report_date == s.day)
    parts = []
    for measure, figure in RECOMPUTABLE.items():
        computed = figure(s).group_by("team_id").agg(from_records=lambda t: t.count().cast("float64"))
        rows = latest.filter(latest.measure == measure)
        joined = rows.left_join(computed, "team_id").drop("team_id_right")
        parts.append(joined.mutate(from_records=joined.from_records.fill_null(0)))
    # Returns of other measures are listed too, not dropped: the figure from the records is left for the
    # caller to fill (`clearsight.reports.returns` does, for the practice KPIs) or to say it has none.
    others = latest.filter(~latest.measure.isin(tuple(RECOMPUTABLE)))
    parts.append(others.mutate(from_records=ibis.null("float64")))
    both = ibis.union(*parts)
    t = teams(s)
    named = both.left_join(t, both.team_id == t.team_id)
    difference = named.from_records - named.value
    return named.select(
        both.team_id, t.team, t.service, both.report_date, both.measure,
        reported=both.value, from_records=both.from_records, difference=difference,
        discrepancy=difference != 0,
    )
