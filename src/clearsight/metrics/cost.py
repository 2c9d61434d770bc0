"""What the social-work workforce costs, and what agency cover adds (seed 000: £39 an hour against £24).

Spend is counted from the posts people held: FTE x days in post in the period x the hourly rate of their role
and employment type (council settings) x paid hours per FTE-day. The agency premium is what agency hours cost
over the same hours at the permanent rate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.lazy import ibis
from clearsight.metrics.levels import LEVEL_KEYS, Level, join_at_level, teams, with_council
from clearsight.metrics.registry import Scope, metric

if TYPE_CHECKING:
    import ibis.expr.types as ir

_DAYS_A_YEAR = 365.25

_READS = (
    "worker_post.worker_id", "worker_post.team_id", "worker_post.role", "worker_post.fte",
    "worker_post.start_date", "worker_post.end_date", "worker.employment",
)


def _hourly_rate(s: Scope, role: ir.StringValue, employment: ir.StringValue) -> ir.FloatingValue:
    costs = s.config.costs
    by_role = [
        ((role == r) & (employment == e), rate)
        for r, rates in costs.role_hourly_rate.items()
        for e, rate in rates.items()
    ]
    by_employment = [(employment == e, rate) for e, rate in costs.hourly_rate.items()]
    return ibis.cases(*by_role, *by_employment, else_=ibis.null("float64"))


def post_days(s: Scope, first_day: ir.DateValue | None = None) -> ir.Table:
    """Each post's days from `first_day` (default: the period start) to the as-at date inclusive, with its FTE
    and cost at its rates."""
    first = s.first_day if first_day is None else first_day
    p = s.table("worker_post")
    w = s.table("worker")
    end_excl = s.day + ibis.interval(days=1)
    start = ibis.greatest(p.start_date, first)
    stop = ibis.least(p.end_date.fill_null(end_excl), end_excl)
    posts = p.filter(p.start_date < end_excl, p.end_date.isnull() | (p.end_date > first))
    posts = posts.join(w, posts.worker_id == w.worker_id)
    hours_a_day = s.config.costs.paid_hours_per_fte_year / _DAYS_A_YEAR
    permanent_rate = s.config.costs.hourly_rate.get("permanent", 0.0)
    rate = _hourly_rate(s, posts.role, w.employment)
    days = stop.delta(start, unit="day")
    t = teams(s)
    return posts.join(t, posts.team_id == t.team_id).select(
        posts.worker_id, posts.team_id, t.team, t.service, posts.role, w.employment, posts.fte,
        fte_days=posts.fte * days,
        cost=posts.fte * days * hours_a_day * rate,
        agency_premium=ibis.ifelse(
            w.employment == "agency", posts.fte * days * hours_a_day * (rate - permanent_rate), 0.0
        ),
    )


def staff_cost(s: Scope, level: Level) -> ir.Table:
    keys = list(LEVEL_KEYS[level])
    days = with_council(s, post_days(s))
    spend = days.group_by(keys).agg(
        fte_days=lambda t: t.fte_days.sum(),
        cost=lambda t: t.cost.sum(),
        employed_cost=lambda t: ibis.ifelse(t.employment != "agency", t.cost, 0.0).sum(),
        agency_cost=lambda t: ibis.ifelse(t.employment == "agency", t.cost, 0.0).sum(),
        agency_premium=lambda t: t.agency_premium.sum(),
    )
    j = join_at_level(s, level, spend)
    days_in_period = s.day.delta(s.first_day, unit="day") + 1
    out = j.select(
        *keys,
        average_fte=(j.fte_days.fill_null(0) / days_in_period).round(2),
        cost=j.cost.fill_null(0).round(0),
        employed_cost=j.employed_cost.fill_null(0).round(0),
        agency_cost=j.agency_cost.fill_null(0).round(0),
        agency_premium=j.agency_premium.fill_null(0).round(0),
    )
    return out.filter(out.cost > 0)


_DEFINITION = (
    "Staff cost in the period from posts held: FTE x days x hourly rate (by role and employment type) x paid "
    "hours a day; directly employed and agency cost; agency premium = agency hours' cost over the permanent rate."
)


@metric("staff_cost_by_team", title="Staff cost by team", definition=_DEFINITION, unit="£",
        polarity="lower_is_better", reads=_READS, order_by=("service", "team"))
def staff_cost_by_team(s: Scope) -> ir.Table:
    return staff_cost(s, "team")


@metric("staff_cost_by_service", title="Staff cost by service", definition=_DEFINITION, unit="£",
        polarity="lower_is_better", reads=_READS, order_by=("service",))
def staff_cost_by_service(s: Scope) -> ir.Table:
    return staff_cost(s, "service")


@metric("staff_cost_council", title="Staff cost, whole council", definition=_DEFINITION, unit="£",
        polarity="lower_is_better", reads=_READS)
def staff_cost_council(s: Scope) -> ir.Table:
    return staff_cost(s, "council")


@metric(
    "spend_forecast", title="Staff spend forecast to the end of the financial year", unit="£",
    polarity="lower_is_better", reads=_READS,
    definition="From the start of the financial year (the period start) to the as-at date: spend to date, then "
    "two forecasts for the whole year: straight line (spend to date / days elapsed x days in the year) and run "
    "rate (spend to date + the last 28 days' daily spend x days remaining).",
)
def spend_forecast(s: Scope) -> ir.Table:
    year_end = s.first_day + ibis.interval(years=1)
    elapsed = s.day.delta(s.first_day, unit="day") + 1
    in_year = year_end.delta(s.first_day, unit="day")
    remaining = in_year - elapsed
    spend = with_council(s, post_days(s)).group_by("council").agg(to_date=lambda t: t.cost.sum())
    last_28 = post_days(s, s.day - ibis.interval(days=27))
    recent_spend = with_council(s, last_28).group_by("council").agg(last_28_days=lambda t: t.cost.sum())
    j = spend.left_join(recent_spend, "council")
    return j.select(
        spend.council,
        spend_to_date=j.to_date.round(0),
        days_elapsed=elapsed,
        days_in_year=in_year,
        straight_line=(j.to_date / elapsed * in_year).round(0),
        run_rate=(j.to_date + j.last_28_days.fill_null(0) / 28 * remaining).round(0),
    )
