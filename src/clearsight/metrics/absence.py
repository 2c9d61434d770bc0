"""Absence: working days lost, by reason, and the sickness absence rate (DfE workforce census method).

Absence rate = working days lost to sickness / working days available (FTE in post x working days), both over
the period, by team, service and council. Working days come from the England and Wales calendar with the
council's closure days. An absence's end date is its last day absent; a post's end date is its first day gone.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from clearsight.canonical.codes import ABSENCE_REASON
from clearsight.metrics.intervals import open_ended
from clearsight.metrics.kpi import with_working_days_between
from clearsight.metrics.levels import all_levels, ratio, teams, with_council
from clearsight.metrics.registry import Scope, metric

_COLUMNS = ("worker_id", "team_id", "reason", "days_lost", "available")


def _working_days_in_period(s: Scope, t: ir.Table, last_day: ir.DateValue) -> ir.Table:
    """`t`'s rows that overlap the period, with `days` = their working days inside it and `from_day`."""
    t = t.mutate(_last=last_day)
    t = t.filter(t.start_date <= s.day, t._last >= s.first_day)
    from_day = ibis.greatest(t.start_date, s.first_day)
    t = t.mutate(from_day=from_day, _before=from_day - ibis.interval(days=1), _to=ibis.least(t._last, s.day))
    return with_working_days_between(t, "_before", "_to", "days").drop("_last", "_before", "_to")


def _absence_rows(s: Scope) -> ir.Table:
    a = s.table("absence")
    days = _working_days_in_period(s, a, a.end_date.fill_null(s.day))
    p = s.table("worker_post")
    # The team of the post held when the counted days began.
    j = days.join(
        p, (days.worker_id == p.worker_id) & (p.start_date <= days.from_day) & (open_ended(p.end_date) > days.from_day)
    )
    return j.select(
        days.worker_id, p.team_id, days.reason, days_lost=days.days.cast("float64"), available=ibis.literal(0.0)
    )


def _available_rows(s: Scope) -> ir.Table:
    p = s.table("worker_post")
    p = p.filter(p.role.isin(s.config.workforce.social_work_roles))
    days = _working_days_in_period(s, p, open_ended(p.end_date) - ibis.interval(days=1))
    return days.select(
        "worker_id", "team_id", reason=ibis.null("string"), days_lost=ibis.literal(0.0),
        available=days.fte * days.days,
    )


@metric(
    "absence", title="Absence by team, service and council", unit="working days", polarity="lower_is_better",
    reads=("absence.worker_id", "absence.start_date", "absence.end_date", "absence.reason", "worker_post.fte",
           "worker_post.team_id"),
    definition="Working days lost in the period by reason, working days available (FTE in post x working "
    "days) and the sickness absence rate = sickness days lost / days available (DfE census method).",
    order_by=("level", "service", "team"),
)
def absence(s: Scope) -> ir.Table:
    both = ibis.union(_absence_rows(s).select(*_COLUMNS), _available_rows(s).select(*_COLUMNS))
    t = teams(s)
    rows = with_council(s, both.join(t, both.team_id == t.team_id).select(both, t.team, t.service))
    by_reason = {
        f"{reason}_days": ibis.ifelse(rows.reason == reason, rows.days_lost, 0.0).sum() for reason in ABSENCE_REASON
    }
    out = all_levels(s, rows, available_days=rows.available.sum(), days_lost=rows.days_lost.sum(), **by_reason)
    return out.mutate(
        available_days=out.available_days.round(1),
        sickness_rate=ratio(out.sickness_days, out.available_days).round(4),
    ).filter(lambda x: (x.level != "team") | (x.available_days > 0) | (x.days_lost > 0))
