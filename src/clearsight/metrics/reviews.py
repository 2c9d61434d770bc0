"""Statutory reviews: held by the date they fall due.

- CLA reviews, SI 2010/959 reg 33: the first within 20 working days of the child becoming looked after (the
  start of the period of care), the second within 3 months of the first, later ones within 6 months of the
  previous.
- CP review conferences (Working Together 2023, ch. 2): the first within 3 months of the initial conference
  (Clearsight counts from the plan's start, the ICPC's date), later ones within 6 months of the previous.

Each review's due date is computed from the record (not the case system's own `due_date`): from the start of
the plan or period of care for the first, from the previous review held for the later ones. A review belongs to
the plan or period of care named in `review.plan_id`. A review not yet held is overdue once a working day has
passed since its due date (`with_overdue`), so a weekend or bank-holiday as-at date makes none overdue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.intervals import current
from clearsight.metrics.kpi import (
    kpi, plus, with_case_team, with_overdue, with_team_on, with_working_days_after,
)
from clearsight.metrics.lazy import ibis
from clearsight.metrics.registry import Scope

if TYPE_CHECKING:
    import ibis.expr.types as ir

_REVIEW_FIELDS = (
    "review.kind", "review.plan_id", "review.held_date", "allocation.team_id", "episode.team_id", "team.service",
)


def _cla_periods(s: Scope) -> ir.Table:
    """Periods of care: child, period, start (first episode's start), end (empty while any episode is open),
    and the first review's due date, 20 working days after the start (reg 33(1))."""
    e = s.table("cla_episode")
    p = e.group_by("child_id", "period_id").agg(
        span_start=e.start_date.min(),
        span_end=ibis.ifelse(e.end_date.count() == e.count(), e.end_date.max(), ibis.null("date")),
    )
    p = p.rename(span_id="period_id")
    return with_working_days_after(p, "span_start", s.config.timescales.cla_review_first_working_days, "first_due")


def _cp_plans(s: Scope) -> ir.Table:
    """CP plans with the first review conference due 3 months after the plan starts."""
    p = s.table("cp_plan")
    return p.select(
        "child_id", span_id=p.cp_plan_id, span_start=p.start_date, span_end=p.end_date,
        first_due=plus(p.start_date, months=s.config.timescales.cp_review_first_months),
    )


def _due(n_before: ir.IntegerValue, previous: ir.DateValue, first_due: ir.DateValue, second: int, later: int
         ) -> ir.DateValue:
    """Due date of the review that follows `n_before` held reviews, the last of them on `previous`."""
    return ibis.cases(
        (n_before == 0, first_due),
        (n_before == 1, plus(previous, months=second)),
        else_=plus(previous, months=later),
    )


def _held_against_schedule(s: Scope, kind: str, spans: ir.Table, second: int, later: int) -> ir.Table:
    """Every review of `kind` held up to the date, with its number in the plan or period, due date and
    whether it was held by then. The reviews held by a date come first in the order they are numbered in, so
    each is numbered among all those held and the date tested after: the same numbers, and a monthly series
    numbers the reviews once rather than each month's again."""
    r = s.table("review")
    r = r.filter(r.kind == kind, r.held_date.notnull())
    j = r.join(spans, (r.plan_id == spans.span_id) & (r.child_id == spans.child_id)).select(
        r.review_id, r.child_id, spans.span_id, spans.span_start, spans.first_due, r.held_date
    )
    w = ibis.window(group_by=j.span_id, order_by=[j.held_date, j.review_id])
    j = j.mutate(_n=ibis.row_number().over(w), previous_review=j.held_date.lag().over(w))
    j = j.filter(j.held_date <= s.as_at)
    j = j.mutate(review_number=j._n + 1, due_date=_due(j._n, j.previous_review, j.first_due, second, later))
    return j.mutate(on_time=j.held_date <= j.due_date).drop("_n", "first_due")


def _held_in_period(s: Scope, kind: str, spans: ir.Table, second: int, later: int) -> ir.Table:
    held = _held_against_schedule(s, kind, spans, second, later)
    held = held.filter(held.held_date >= s.start)
    return with_team_on(s, held, "review_id", "held_date")


def _up_to_date(s: Scope, kind: str, spans: ir.Table, second: int, later: int) -> ir.Table:
    """Plans or periods open on the date, with the next review's due date and whether it is past."""
    open_spans = current(spans, s.as_at, "span_start", "span_end")
    held = _held_against_schedule(s, kind, spans, second, later)
    done = held.group_by("span_id").agg(reviews_held=held.count(), last_review=held.held_date.max())
    j = open_spans.left_join(done, "span_id").drop("span_id_right")
    n = j.reviews_held.fill_null(0)
    j = j.mutate(reviews_held=n, next_due=_due(n, j.last_review, j.first_due, second, later))
    return with_case_team(s, with_overdue(s, j.drop("first_due"), "next_due"))


_CLA_READS = _REVIEW_FIELDS + ("cla_episode.start_date", "cla_episode.end_date", "cla_episode.period_id")
_CP_READS = _REVIEW_FIELDS + ("cp_plan.start_date", "cp_plan.end_date")


@kpi(
    "cla_reviews",
    title="CLA reviews held on time",
    definition="Looked-after children's reviews held in the period, and whether each was held by its due date "
    "under SI 2010/959 reg 33: the first within 20 working days of the period of care starting, the second "
    "within 3 months of the first, later ones within 6 months of the previous.",
    polarity="higher_is_better", reads=_CLA_READS, period=True, measures={"on_time": "on_time"},
    order_by=("on_time", "held_date", "review_id"), unit="reviews",
)
def cla_reviews_children(s: Scope) -> ir.Table:
    ts = s.config.timescales
    return _held_in_period(s, "CLA", _cla_periods(s), ts.cla_review_second_months, ts.cla_review_later_months)


@kpi(
    "cla_reviews_overdue",
    title="Looked-after children with a review overdue",
    definition="Children looked after on the date (period of care open) whose next review (reg 33 schedule "
    "from the start of care and the reviews held) is past due, with the due date and days overdue.",
    polarity="lower_is_better", reads=_CLA_READS, period=False, measures={"overdue": "overdue"},
    order_by=("days_overdue desc", "child_id"),
)
def cla_reviews_overdue_children(s: Scope) -> ir.Table:
    ts = s.config.timescales
    return _up_to_date(s, "CLA", _cla_periods(s), ts.cla_review_second_months, ts.cla_review_later_months)


@kpi(
    "cp_reviews",
    title="CP review conferences held on time",
    definition="Child protection review conferences held in the period, and whether each was held by its due "
    "date: the first within 3 months of the plan starting, later ones within 6 months of the previous "
    "(Working Together 2023).",
    polarity="higher_is_better", reads=_CP_READS, period=True, measures={"on_time": "on_time"},
    order_by=("on_time", "held_date", "review_id"), unit="reviews",
)
def cp_reviews_children(s: Scope) -> ir.Table:
    ts = s.config.timescales
    return _held_in_period(s, "CP", _cp_plans(s), ts.cp_review_later_months, ts.cp_review_later_months)
