"""Absence: working days lost, by reason, and the sickness absence rate (DfE workforce census method).

Absence rate = working days lost to sickness / working days available, both over the period, by team, service
and council, and both over the same workers: those in social-work roles (`WorkforceSettings.social_work_roles`),
each day weighted by the FTE of the post held that day (a 0.5 FTE worker off sick for a day loses 0.5 of an
FTE day, of the 0.5 they had available). Working days come from the England and Wales calendar with the
council's closure days. An absence's end date is its last day absent; a post's end date is its first day gone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.canonical.codes import ABSENCE_REASON
from clearsight.metrics.intervals import open_ended
from clearsight.metrics.kpi import with_working_days_between
from clearsight.metrics.lazy import ibis
from clearsight.metrics.levels import all_levels, ratio, teams, with_council
from clearsight.metrics.registry import Scope, metric

if TYPE_CHECKING:
    import ibis.expr.types as ir

_COLUMNS = ("worker_id", "team_id", "reason", "days_lost", "available")


def _working_days_in_period(s: Scope, t: ir.Table) -> ir.Table:
    """`t`'s rows (start_date..last_day) that overlap the period, with `days` = their working days inside it."""
    t = t.filter(t.start_date <= s.day, t.last_day >= s.first_day)
    from_day = ibis.greatest(t.start_date, s.first_day)
    t = t.mutate(_before=from_day - ibis.interval(days=1), _to=ibis.least(t.last_day, s.day))
    return with_working_days_between(t, "_before", "_to", "days").drop("_before", "_to")


def _social_work_posts(s: Scope) -> ir.Table:
    """Posts in social-work roles, with their last day in post (`last_day`)."""
    p = s.table("worker_post")
    p = p.filter(p.role.isin(s.config.workforce.social_work_roles))
    return p.mutate(last_day=open_ended(p.end_date) - ibis.interval(days=1))


def _absence_rows(s: Scope) -> ir.Table:
    """Days lost: each absence's working days in the period while the worker held a social-work post, times
    that post's FTE, in the post's team."""
    a = s.table("absence")
    p = _social_work_posts(s)
    a_last = a.end_date.fill_null(s.day)
    j = a.join(p, (a.worker_id == p.worker_id) & (a.start_date <= p.last_day) & (a_last >= p.start_date))
    spells = j.select(
        a.worker_id, p.team_id, a.reason, p.fte,
        start_date=ibis.greatest(a.start_date, p.start_date), last_day=ibis.least(a_last, p.last_day),
    )
    days = _working_days_in_period(s, spells)
    return days.select(
        "worker_id", "team_id", "reason", days_lost=days.fte * days.days, available=ibis.literal(0.0)
    )


def _available_rows(s: Scope) -> ir.Table:
    """Days available: each social-work post's working days in the period times its FTE."""
    p = _social_work_posts(s)
    days = _working_days_in_period(s, p)
    return days.select(
        "worker_id", "team_id", reason=ibis.null("string"), days_lost=ibis.literal(0.0),
        available=days.fte * days.days,
    )


@metric(
    "absence", title="Absence by team, service and council", unit="working days", polarity="lower_is_better",
    reads=("absence.worker_id", "absence.start_date", "absence.end_date", "absence.reason", "worker_post.fte",
           "worker_post.team_id", "worker_post.role", "worker_post.start_date", "worker_post.end_date"),
    definition="Working days lost in the period by reason and working days available, both FTE-weighted "
    "(working days x the FTE of the post held) and both over the same workers, those in social-work roles; "
    "sickness absence rate = FTE days lost to sickness / FTE days available (DfE children's social work "
    "workforce census method).",
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
        days_lost=out.days_lost.round(1),
        **{column: out[column].round(1) for column in by_reason},
        sickness_rate=ratio(out.sickness_days, out.available_days).round(4),
    ).filter(lambda x: (x.level != "team") | (x.available_days > 0) | (x.days_lost > 0))
