"""Team capacity: the seed 002 budget-bid table, by team, service and council.

Per group: case-holding workers and FTE in post, cases held, average caseload (DfE: cases / workers holding
at least one case), caseload per FTE, cases over capacity, posts needed at the standard (unrounded and rounded
up; seed 002: 10 workers at 27 against 20 is 70 over capacity, 3.5 posts), unallocated cases, and team
managers' span of control against 8-10. Every level is aggregated from the same worker and case rows, so the
council figure is the sum of its teams, never an average of averages.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from clearsight.metrics.allocation import unallocated_cases
from clearsight.metrics.caseload import caseload_by_worker
from clearsight.metrics.intervals import posts_on
from clearsight.metrics.levels import LEVEL_KEYS, LEVELS, Level, join_at_level, ratio, teams, with_council
from clearsight.metrics.registry import Scope, metric

_READS = (
    "worker_post.worker_id", "worker_post.team_id", "worker_post.role", "worker_post.fte",
    "worker_post.manager_id", "worker_post.start_date", "worker_post.end_date", "allocation.worker_id",
    "allocation.child_id", "allocation.start_date", "allocation.end_date", "episode.team_id", "team.service",
)


def _span_of_control(s: Scope) -> ir.Table:
    """Direct reports of each team manager in post, with the manager's team."""
    posts = posts_on(s.table("worker_post"), s.as_at)
    managers = posts.filter(posts.role == "team_manager").select("worker_id", "team_id")
    reports = posts.group_by(posts.manager_id).agg(direct_reports=lambda t: t.count())
    j = managers.left_join(reports, managers.worker_id == reports.manager_id)
    spans = j.select(managers.team_id, direct_reports=reports.direct_reports.fill_null(0))
    t = teams(s)
    return spans.join(t, spans.team_id == t.team_id).select(spans.direct_reports, t.team_id, t.team, t.service)


def _capacity_base(
    s: Scope, inputs: dict[str, ir.Table] | None = None
) -> tuple[ir.Table, ir.Table, ir.Table]:
    """The rows every level aggregates: workers' caseloads, waiting cases, managers' spans."""
    inputs = inputs or {}
    workers = inputs.get("caseload_by_worker")
    waiting = inputs.get("unallocated_cases")
    return (
        with_council(s, caseload_by_worker(s) if workers is None else workers),
        with_council(s, unallocated_cases(s) if waiting is None else waiting),
        with_council(s, _span_of_control(s)),
    )


def caseload_columns(j: ir.Table) -> dict[str, ir.Value]:
    """Caseload figures of a group from its summed parts (workers, fte, cases, workers_holding_cases,
    cases_over_capacity, posts_needed): ratios are worked out after summing, never averaged."""
    cases = j.cases.fill_null(0)
    fte = j.fte.fill_null(0)
    posts = j.posts_needed.fill_null(0)
    return {
        "workers": j.workers.fill_null(0),
        "fte": fte.round(2),
        "cases": cases,
        "average_caseload": ratio(cases, j.workers_holding_cases).round(1),
        "fte_caseload": ratio(cases, fte).round(1),
        "cases_over_capacity": j.cases_over_capacity.fill_null(0).round(1),
        "posts_needed": posts.round(2),
        "posts_needed_rounded_up": posts.round(6).ceil().cast("int64"),
    }


# The sums over caseload rows (one per worker) behind every capacity figure, as at a date or a month's end.
WORKER_SUMS = {
    "workers": lambda t: t.count(),
    "fte": lambda t: t.fte.sum(),
    "cases": lambda t: t.caseload.sum(),
    "workers_holding_cases": lambda t: (t.caseload > 0).sum(),
    "cases_over_capacity": lambda t: t.cases_over_capacity.sum(),
    "posts_needed": lambda t: t.posts_needed.sum(),
}


def _capacity_at(s: Scope, level: Level, workers: ir.Table, waiting: ir.Table, spans: ir.Table) -> ir.Table:
    keys = list(LEVEL_KEYS[level])
    by_workers = workers.group_by(keys).agg(**WORKER_SUMS)
    by_waiting = waiting.group_by(keys).agg(unallocated=lambda t: t.count())
    by_spans = spans.group_by(keys).agg(
        team_managers=lambda t: t.count(),
        direct_reports=lambda t: t.direct_reports.sum(),
        max_span=lambda t: t.direct_reports.max(),
    )
    j = join_at_level(s, level, by_workers, by_waiting, by_spans)
    posts = j.posts_needed.fill_null(0)
    managers = j.team_managers.fill_null(0)
    costs = s.config.costs
    post_year = costs.paid_hours_per_fte_year
    rounded = posts.round(6).ceil()
    # Managers needed keep every team within the span of control: direct reports / upper span, rounded up.
    managers_needed = ibis.greatest(
        (j.direct_reports.fill_null(0) / s.config.span_of_control.upper).ceil() - managers, 0
    )
    out = j.select(
        *keys,
        **caseload_columns(j),
        annual_cost_permanent=(rounded * post_year * costs.rate("social_worker", "permanent")).round(0),
        annual_cost_agency=(rounded * post_year * costs.rate("social_worker", "agency")).round(0),
        unallocated=j.unallocated.fill_null(0),
        team_managers=managers,
        span_of_control=ratio(j.direct_reports, managers).round(1),
        max_span=j.max_span,
        managers_needed=managers_needed.cast("int64"),
    )
    return out.filter((out.workers > 0) | (out.unallocated > 0) | (out.team_managers > 0))


def capacity(s: Scope, level: Level) -> ir.Table:
    """The capacity table at `level`: one row per team, per service, or one for the council."""
    return _capacity_at(s, level, *_capacity_base(s))


def capacity_all_levels(s: Scope, inputs: dict[str, ir.Table] | None = None) -> ir.Table:
    """Team, service and council rows in one relation, aggregated from one computation of the base rows."""
    base = _capacity_base(s, inputs)
    parts = []
    for level in LEVELS:
        part = _capacity_at(s, level, *base)
        missing = {k: ibis.null("string") for k in LEVEL_KEYS["team"] if k not in part.columns}
        parts.append(part.mutate(level=ibis.literal(level), **missing))
    keys = ["level", *LEVEL_KEYS["team"]]
    columns = [*keys, *[c for c in parts[0].columns if c not in keys]]
    return ibis.union(*(p.select(*columns) for p in parts))


_DEFINITION = (
    "Case-holding workers and FTE in post, cases held, average caseload (cases / workers holding a case), "
    "caseload per FTE, cases over capacity (sum over workers of caseload above their role's upper standard "
    "pro rata FTE), posts needed at the social-worker upper standard (unrounded and rounded up), unallocated "
    "cases, team managers' span of control and the managers needed to keep it within standard, and the annual "
    "cost of the posts needed if filled by permanent or by agency staff."
)


@metric(
    "capacity", title="Capacity by team, service and council", definition=_DEFINITION, unit="posts",
    polarity="lower_is_better", reads=_READS, order_by=("level", "service", "team"),
    inputs=("caseload_by_worker", "unallocated_cases"),
)
def capacity_by_level(s: Scope, inputs: dict[str, ir.Table] | None = None) -> ir.Table:
    return capacity_all_levels(s, inputs)


@metric(
    "team_capacity", title="Capacity by team", definition=_DEFINITION, unit="posts",
    polarity="lower_is_better", reads=_READS, order_by=("service", "team"),
)
def team_capacity(s: Scope) -> ir.Table:
    return capacity(s, "team")


@metric(
    "service_capacity", title="Capacity by service", definition=_DEFINITION, unit="posts",
    polarity="lower_is_better", reads=_READS, order_by=("service",),
)
def service_capacity(s: Scope) -> ir.Table:
    return capacity(s, "service")


@metric(
    "council_capacity", title="Capacity, whole council", definition=_DEFINITION, unit="posts",
    polarity="lower_is_better", reads=_READS,
)
def council_capacity(s: Scope) -> ir.Table:
    return capacity(s, "council")
