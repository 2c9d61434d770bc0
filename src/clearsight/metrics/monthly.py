"""Monthly series in one query: every month of a period, by team, service and council.

The per-date metrics (`workforce_by_team`, `turnover_by_team`, `team_capacity`...) answer for one day or one
period; a 72-month series of them is 72 queries each. These metrics compute every month at once by joining the
dated records to a spine of month ends taken from the `working_calendar` table (one row per day):

- a month's *end* is its last day, or the as-at date for a final partial month; its *start* is its first day,
  or the period's first day for a first partial month;
- in-post figures (posts, establishment, allocations) are as at the month end: a range join of the records
  with the spine on start_date <= month_end AND open_ended(end_date) > month_end, the as-at rule of
  `clearsight.metrics.intervals` with no OR, so DuckDB can use an inequality join;
- flows (starters, leavers) are those whose date falls in month_start..month_end inclusive.

Rows carry `level` (team, service or council), the team keys (null above the team level), `month_start` and
`month_end`. Each level is aggregated from the same row-level records (a service's headcount counts its workers,
never sums of averages); vacancies are worked out per team and summed, as `workforce_by_service` does. Every
column equals the per-date metric for that month: `workforce_by_team`/`_by_service`/`_council` as at the month
end and `turnover_by_team`/`_by_service`/`_council` over the month; `team_capacity` etc. as at the month end for
the capacity columns here (unallocated cases and managers' span of control are left to the per-date metric).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.caseload import (
    CASELOAD_COLUMNS, CASELOAD_SUMS, SOCIAL_WORK, caseload_columns, worker_caseloads,
)
from clearsight.metrics.intervals import open_ended
from clearsight.metrics.kpi import working_calendar_table
from clearsight.metrics.lazy import ibis
from clearsight.metrics.levels import (
    LEVEL_KEYS, LEVELS, Level, level_keys, ratio, teams, union_levels, with_council,
)
from clearsight.metrics.registry import Scope, metric
from clearsight.metrics.workforce import (
    _MOVER_FIELDS, _POST_FIELDS, _edge_posts, in_post_columns, turnover_rates,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

MONTH_KEYS = ("month_start", "month_end")


def month_spine(s: Scope) -> ir.Table:
    """One row per calendar month of the period: (month_start, month_end), clipped to first_day..day."""
    cal = working_calendar_table()
    days = cal.filter(cal.day >= s.first_day, cal.day <= s.day)
    last_of_month = (days.day + ibis.interval(days=1)).day() == 1
    ends = days.filter(last_of_month | (days.day == s.day))
    first_of_month = ibis.date(ends.day.year(), ends.day.month(), 1)
    return ends.select(month_start=ibis.greatest(first_of_month, s.first_day), month_end=ends.day)


def _current_at_month_end(records: ir.Table, months: ir.Table) -> ir.Table:
    """`records` x the months at whose end each is in force (start <= end < open_ended(end_date))."""
    j = records.join(
        months,
        [records.start_date <= months.month_end, open_ended(records.end_date) > months.month_end],
    )
    return j.select(*[records[c] for c in records.columns], months.month_start, months.month_end)


def _by_level(s: Scope, level: Level, months: ir.Table, *parts: ir.Table) -> ir.Table:
    """Every month x every key of `level`, with the aggregates `parts` (keyed by month and level) left-joined."""
    keys = [*MONTH_KEYS, *LEVEL_KEYS[level]]
    joined = months.cross_join(level_keys(s, level))
    for part in parts:
        joined = joined.left_join(part, keys).drop(*(f"{k}_right" for k in keys))
    return joined


def _group(rows: ir.Table, level: Level, **aggregates) -> ir.Table:
    return rows.group_by([*MONTH_KEYS, *LEVEL_KEYS[level]]).agg(**aggregates)


# --- workforce -------------------------------------------------------------------------------------------------


def _posts_monthly(s: Scope, months: ir.Table) -> ir.Table:
    """Social-work posts held at each month end (as `social_work_posts`), with employment type and team keys."""
    p = s.table("worker_post")
    p = p.filter(p.role.isin(s.config.workforce.social_work_roles))
    held = _current_at_month_end(p.select("worker_id", "team_id", "fte", "start_date", "end_date"), months)
    held = held.drop("start_date", "end_date")
    w = s.table("worker").select("worker_id", "employment")
    rows = held.join(w, "worker_id").join(teams(s), "team_id")
    return with_council(s, rows)


def _movers_monthly(s: Scope, months: ir.Table, date_column: str) -> ir.Table:
    """Starters (`start_date`) or leavers (`end_date`) in each month, with the post they joined or left."""
    posts = _edge_posts(s, last=date_column == "end_date")
    w = s.table("worker")
    moved = w.join(months, [w[date_column] >= months.month_start, w[date_column] <= months.month_end])
    moved = moved.select(months.month_start, months.month_end, w.worker_id, w.employment)
    rows = moved.join(posts.select("worker_id", "team_id", "fte"), "worker_id").join(teams(s), "team_id")
    return with_council(s, rows.drop("worker_id"))


def _vacancies_monthly(s: Scope, months: ir.Table, posts: ir.Table) -> ir.Table:
    """Each team's funded establishment and vacancies (funded less directly employed FTE) at each month end."""
    est = s.table("establishment")
    est = est.filter(est.role.isin(s.config.workforce.social_work_roles))
    funded = _current_at_month_end(est, months).group_by([*MONTH_KEYS, "team_id"]).agg(
        funded_fte=lambda t: t.funded_fte.sum()
    )
    employed = posts.filter(posts.employment != "agency").group_by([*MONTH_KEYS, "team_id"]).agg(
        employed=lambda t: t.fte.sum()
    )
    keys = [*MONTH_KEYS, "team_id"]
    vac = funded.left_join(employed, keys).drop(*(f"{k}_right" for k in keys))
    vac = vac.mutate(vacancy_fte=ibis.greatest(vac.funded_fte - vac.employed.fill_null(0), 0))
    t = with_council(s, teams(s))
    return vac.join(t, vac.team_id == t.team_id).select(
        vac.month_start, vac.month_end, vac.funded_fte, vac.vacancy_fte, t.council, t.service, t.team_id, t.team,
    )


def _workforce_level(s: Scope, level: Level, months: ir.Table, posts: ir.Table, starters: ir.Table,
                     leavers: ir.Table, vacancies: ir.Table) -> ir.Table:
    in_post = _group(
        posts, level,
        headcount=lambda t: t.worker_id.nunique(),
        fte=lambda t: t.fte.sum(),
        employed_fte=lambda t: ibis.ifelse(t.employment != "agency", t.fte, 0).sum(),
        agency_fte=lambda t: ibis.ifelse(t.employment == "agency", t.fte, 0).sum(),
    )
    vac = _group(
        vacancies, level, funded_fte=lambda t: t.funded_fte.sum(), vacancy_fte=lambda t: t.vacancy_fte.sum()
    )
    started = _group(starters, level, starters=lambda t: t.count(), starters_fte=lambda t: t.fte.sum())
    left = _group(
        leavers, level,
        leavers=lambda t: t.count(),
        leavers_fte=lambda t: t.fte.sum(),
        agency_leavers=lambda t: (t.employment == "agency").sum(),
        employed_leavers_fte=lambda t: ibis.ifelse(t.employment != "agency", t.fte, 0).sum(),
    )
    j = _by_level(s, level, months, in_post, vac, started, left)
    employed_leavers = j.employed_leavers_fte.fill_null(0)
    out = j.select(
        *LEVEL_KEYS[level], *MONTH_KEYS,
        **in_post_columns(j),
        starters=j.starters.fill_null(0),
        starters_fte=j.starters_fte.fill_null(0).round(2),
        leavers=j.leavers.fill_null(0),
        leavers_fte=j.leavers_fte.fill_null(0).round(2),
        agency_leavers=j.agency_leavers.fill_null(0),
        employed_leavers_fte=employed_leavers.round(2),
        **turnover_rates(employed_leavers, j.employed_fte, j.month_start, j.month_end),
    )
    return out.filter(
        (out.headcount > 0) | out.funded_fte.notnull() | (out.starters > 0) | (out.leavers > 0)
    )


@metric(
    "workforce_monthly", title="Workforce month by month", unit="FTE", polarity="neutral",
    definition="For each month of the period, by team, service and council: social-work headcount and FTE in "
    "post at the month's end (directly employed and agency), agency rate (agency / (agency + employed) FTE), "
    "funded establishment, vacancies and vacancy rate; starters and leavers in the month; and the month's "
    "turnover rate (DfE method: FTE of directly employed leavers in the month / directly employed FTE in post "
    "at its end), as it is and annualised (x 365 / the month's days). Each month equals the as-at and period "
    "figures for that month; computed in one query.",
    reads=_POST_FIELDS + _MOVER_FIELDS + ("establishment.funded_fte",),
    order_by=("month_end", "level", "service", "team"),
)
def workforce_monthly(s: Scope) -> ir.Table:
    months = month_spine(s)
    posts = _posts_monthly(s, months)
    starters = _movers_monthly(s, months, "start_date")
    leavers = _movers_monthly(s, months, "end_date")
    vacancies = _vacancies_monthly(s, months, posts)
    return union_levels({
        level: _workforce_level(s, level, months, posts, starters, leavers, vacancies) for level in LEVELS
    }, MONTH_KEYS)


# --- capacity --------------------------------------------------------------------------------------------------


def _caseloads_monthly(s: Scope, months: ir.Table) -> ir.Table:
    """Each social worker in post at each month end with their caseload, as `caseload_by_worker`."""
    p = s.table("worker_post")
    posts = _current_at_month_end(p, months).select(*MONTH_KEYS, "worker_id", "team_id", "role", "fte")
    a = s.table("allocation")
    held = _current_at_month_end(a, months).select(*MONTH_KEYS, "worker_id", "child_id", "role")
    rows = worker_caseloads(s.config, posts, held, MONTH_KEYS)
    rows = rows.filter(rows.caseload_group == SOCIAL_WORK)
    rows = rows.join(s.table("worker").select("worker_id"), "worker_id")
    t = teams(s)
    j = rows.left_join(t, rows.team_id == t.team_id)
    return with_council(s, j.select(rows, team=t.team, service=t.service))


def _capacity_level(s: Scope, level: Level, months: ir.Table, workers: ir.Table) -> ir.Table:
    by_workers = _group(workers, level, **CASELOAD_SUMS)
    j = _by_level(s, level, months, by_workers)
    out = j.select(*LEVEL_KEYS[level], *MONTH_KEYS, **caseload_columns(j))
    return out.filter(out.workers > 0)


@metric(
    "capacity_monthly", title="Capacity month by month", unit="posts", polarity="lower_is_better",
    definition="For each month end of the period, by team, service and council, for social workers (social "
    "worker, ASYE, senior practitioner; agency included): workers and FTE in post, cases held (children "
    "allocated with an allocation current at the month end), the average caseload by the DfE workforce census "
    "method (cases / FTE of the workers holding at least one case) and per head, cases over capacity and the "
    "posts needed to bring caseloads within standard (seed 002 method, unrounded), as the capacity table gives "
    "as at that day; computed in one query. The children waiting and the posts to allocate them are in the "
    "capacity table of each date.",
    reads=(
        "worker_post.worker_id", "worker_post.team_id", "worker_post.role", "worker_post.fte",
        "worker_post.start_date", "worker_post.end_date", "allocation.worker_id", "allocation.child_id",
        "allocation.role", "allocation.start_date", "allocation.end_date", "team.service",
    ),
    order_by=("month_end", "level", "service", "team"),
    columns=CASELOAD_COLUMNS,
)
def capacity_monthly(s: Scope) -> ir.Table:
    months = month_spine(s)
    workers = _caseloads_monthly(s, months)
    return union_levels({level: _capacity_level(s, level, months, workers) for level in LEVELS}, MONTH_KEYS)
