"""Statutory visits: are the children on plans and in care being seen as often as the standard says?

- CP visits: local standard, default every 10 working days (definitions.md; seed 003 counts "within the last
  2 weeks"); whether the child was seen alone is reported beside it (Working Together 2023, ch. 2).
- CIN visits: local standard, default every 20 working days, for children on a CIN plan who are neither on a
  CP plan nor looked after (those have their own standards).
- CLA visits, SI 2010/959 reg 28(2): within 1 week of the start of any placement, then at intervals of not more
  than 6 weeks for the placement's first year, and thereafter at most 3 months apart where the placement is
  intended to last until the child is 18 (SSDA903 placement types U1 and U4, long-term fostering; settable), 6
  weeks apart otherwise. A change of legal status alone does not start a placement (`clearsight.metrics.
  placements`).

A visit counts when the child was seen. The clock runs from the later of the last such visit and the start of
the plan or placement, so a child whose plan began yesterday is not yet out of time. A child is out of time
once a working day has passed since the due date (`with_overdue`): for a working-day standard, once more
working days than the standard have passed; a weekend or bank-holiday as-at date makes nobody overdue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.intervals import current
from clearsight.metrics.kpi import (
    kpi, plus, with_case_team, with_overdue, with_working_days_after, with_working_days_between,
)
from clearsight.metrics.lazy import ibis
from clearsight.metrics.placements import PLACEMENT_FIELDS, current_placements
from clearsight.metrics.registry import Scope

if TYPE_CHECKING:
    import ibis.expr.types as ir

_VISIT_FIELDS = (
    "visit.child_id", "visit.kind", "visit.visit_date", "visit.seen", "visit.seen_alone",
    "allocation.team_id", "episode.team_id", "team.service",
)


def _latest_per_child(t: ir.Table, start: str, key: str) -> ir.Table:
    """One row per child: the record in force that started last."""
    order = ibis.row_number().over(group_by=t.child_id, order_by=[t[start].desc(), t[key].desc()])
    return t.mutate(_n=order).filter(ibis._._n == 0).drop("_n")


def _with_last_seen(s: Scope, kind: str, children: ir.Table) -> ir.Table:
    """`children` (one row per child) with each one's latest visit of `kind` on or before the date where they
    were seen, and seen alone. Each child is joined to its own visits (the visit table holds every child's, all
    years), so a monthly series matches each month's children to their visits rather than every visit to every
    month first; then grouped by the child alone, its other columns (one value each) carried by max, so the
    children are worked out once (a join to their ids, then back to them, worked them out twice)."""
    v = s.table("visit")
    v = v.filter(v.kind == kind, v.seen.fill_null(False))
    v = v.select(_child=v.child_id, _seen=v.visit_date, _alone=v.seen_alone.fill_null(False))
    j = children.left_join(v, children.child_id == v._child)
    by_then = j._seen <= s.as_at
    last = j.group_by("child_id").agg(
        **{c: j[c].max() for c in children.columns if c != "child_id"},
        last_seen=ibis.ifelse(by_then, j._seen, ibis.null("date")).max(),
        last_seen_alone=ibis.ifelse(by_then & j._alone, j._seen, ibis.null("date")).max(),
    )
    return last.select(*children.columns, "last_seen", "last_seen_alone")


def _since(last: ir.DateValue, start: ir.DateValue) -> ir.DateValue:
    """Where the clock runs from: the last visit, unless there is none since the plan or placement began."""
    return ibis.ifelse(last.notnull() & (last >= start), last, start)


def _working_day_standard(s: Scope, children: ir.Table, kind: str, working_days: int) -> ir.Table:
    """`children` (child_id, start_date of the plan) with last visits, due dates, and whether in time: out of
    time only once more than `working_days` working days have passed since the clock started."""
    j = _with_last_seen(s, kind, children)
    j = j.mutate(_clock=_since(j.last_seen, j.start_date), _alone_clock=_since(j.last_seen_alone, j.start_date))
    j = with_working_days_after(j, "_clock", working_days, "due_date")
    j = with_working_days_after(j, "_alone_clock", working_days, "_alone_due")
    j = j.mutate(_as_at=s.day)
    j = with_working_days_between(j, "last_seen", "_as_at", "working_days_since_seen").drop("_as_at")
    j = with_overdue(s, j, "due_date")
    j = with_overdue(s, j, "_alone_due", "_alone_late", detail=False)
    j = j.mutate(in_time=~j.overdue, seen_alone_in_time=~j._alone_late)
    return with_case_team(s, j.drop("_clock", "_alone_clock", "_alone_due", "_alone_late", "overdue"))


@kpi(
    "cp_visits",
    title="Children on a CP plan seen within the standard",
    definition="Children on a child protection plan on the date whose last visit where they were seen (visit "
    "kind CP) is within the local standard (default 10 working days), the clock starting at the plan's start "
    "when there has been no visit since; and, as a second measure, seen alone within the standard.",
    polarity="higher_is_better", reads=_VISIT_FIELDS + ("cp_plan.start_date", "cp_plan.end_date"), period=False,
    measures={"in_time": "in_time", "seen_alone_in_time": "seen_alone_in_time"},
    order_by=("in_time", "working_days_overdue desc", "child_id"),
)
def cp_visits_children(s: Scope) -> ir.Table:
    plans = _latest_per_child(current(s.table("cp_plan"), s.as_at), "start_date", "cp_plan_id")
    plans = plans.select("child_id", "cp_plan_id", "start_date")
    return _working_day_standard(s, plans, "CP", s.config.timescales.cp_visit_working_days)


@kpi(
    "cin_visits",
    title="Children on a CIN plan seen within the standard",
    definition="Children on a child-in-need plan on the date, not on a CP plan and not looked after, whose last "
    "visit where they were seen (visit kind CIN) is within the local standard (default 20 working days), the "
    "clock starting at the plan's start when there has been no visit since; seen alone as a second measure.",
    polarity="higher_is_better",
    reads=_VISIT_FIELDS + ("cin_plan.start_date", "cin_plan.end_date", "cp_plan.start_date", "cla_episode.start_date"),
    period=False, measures={"in_time": "in_time", "seen_alone_in_time": "seen_alone_in_time"},
    order_by=("in_time", "working_days_overdue desc", "child_id"),
)
def cin_visits_children(s: Scope) -> ir.Table:
    plans = _latest_per_child(current(s.table("cin_plan"), s.as_at), "start_date", "cin_plan_id")
    plans = plans.select("child_id", "cin_plan_id", "start_date")
    other = (
        current(s.table("cp_plan"), s.as_at).select("child_id")
        .union(current(s.table("cla_episode"), s.as_at).select("child_id"))
    )
    other = other.distinct().select(_other=other.child_id)
    # a left join, not an anti join, which DuckDB cannot flatten into a monthly series
    plans = plans.left_join(other, plans.child_id == other._other)
    plans = plans.filter(plans._other.isnull()).drop("_other")
    return _working_day_standard(s, plans, "CIN", s.config.timescales.cin_visit_working_days)


@kpi(
    "cla_visits",
    title="Looked-after children visited within regulation 28",
    definition="Children looked after on the date whose last visit where they were seen (visit kind CLA) keeps "
    "to SI 2010/959 reg 28: within 1 week of the placement starting, then at most 6 weeks apart in its first "
    "year, then at most 3 months apart if the placement is intended to last until 18 (long-term fostering, "
    "SSDA903 placement types U1 and U4 by default) and 6 weeks apart otherwise. A change of legal status alone "
    "does not start a new placement. Out of time once a working day has passed since the due date; seen alone "
    "beside it.",
    polarity="higher_is_better",
    reads=_VISIT_FIELDS + PLACEMENT_FIELDS, period=False,
    measures={"in_time": "in_time", "seen_alone_in_time": "seen_alone_in_time"},
    order_by=("in_time", "days_overdue desc", "child_id"),
)
def cla_visits_children(s: Scope) -> ir.Table:
    ts = s.config.timescales
    placed = _with_last_seen(s, "CLA", current_placements(s).drop("period_id", "legal_status", "period_start"))
    j = placed.mutate(
        long_term_placement=placed.placement_type.isin(ts.cla_visit_long_term_placement_types).fill_null(False)
    ).relocate("long_term_placement", after="placement_start")
    first_year_ends = plus(j.placement_start, months=12)

    def interval(last: ir.DateValue) -> ir.StringValue:
        """Which of reg 28's intervals runs from `last`: the first visit, 6 weeks, or 3 months (long-term
        placements, when 6 weeks from the last visit would fall after the placement's first year)."""
        return ibis.cases(
            (~(last.notnull() & (last >= j.placement_start)), "1 week"),
            (j.long_term_placement & (plus(last, days=ts.cla_visit_first_year_days) >= first_year_ends),
             "3 months"),
            else_="6 weeks",
        )

    def due(last: ir.DateValue, every: ir.StringValue) -> ir.DateValue:
        return ibis.cases(
            (every == "1 week", plus(j.placement_start, days=ts.cla_visit_first_days)),
            (every == "3 months", plus(last, months=ts.cla_visit_long_term_months)),
            else_=plus(last, days=ts.cla_visit_first_year_days),
        )

    j = j.mutate(visit_interval=interval(j.last_seen), _alone_interval=interval(j.last_seen_alone))
    j = j.mutate(due_date=due(j.last_seen, j.visit_interval), _alone_due=due(j.last_seen_alone, j._alone_interval))
    j = with_overdue(s, j, "due_date")
    j = with_overdue(s, j, "_alone_due", "_alone_late", detail=False)
    j = j.mutate(
        in_time=~j.overdue, seen_alone_in_time=~j._alone_late, days_since_seen=s.day.delta(j.last_seen, unit="day"),
    )
    return with_case_team(s, j.drop("_alone_interval", "_alone_due", "_alone_late", "overdue"))
