"""Team capacity: the seed 002 budget-bid table, by team, service and council.

Per group, for social workers (social worker, ASYE, senior practitioner; agency included; personal advisers
and IROs are in `caseloads`, never mixed in): workers and FTE in post, cases held, the average caseload by the
DfE workforce census method (cases / FTE of the workers holding at least one case) and per head, cases over
capacity and the posts needed to bring caseloads within standard (seed 002: 10 workers at 27 against 20 is
70 over capacity, 3.5 posts), the children waiting for allocation and the posts needed to allocate them
(unallocated cases / a social worker's upper standard), the total posts needed, and team managers' span of
control against 8-10. A post cannot be split across teams: the rounded-up posts of a service or the council
are the sum of its teams' rounded-up posts, shown beside the unrounded sum. Every level is summed from the
same team figures, never an average of averages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.allocation import waiting_in_teams
from clearsight.metrics.caseload import (
    CASELOAD_COLUMNS, CASELOAD_SUMS, SOCIAL_WORK, caseload_by_worker, caseload_columns, rounded_up_posts,
)
from clearsight.metrics.intervals import posts_on
from clearsight.metrics.lazy import ibis
from clearsight.metrics.levels import (
    LEVEL_KEYS, LEVELS, Level, join_at_level, ratio, roll_up, teams, union_levels, with_council,
)
from clearsight.metrics.registry import Scope, metric

if TYPE_CHECKING:
    import ibis.expr.types as ir

_READS = (
    "worker_post.worker_id", "worker_post.team_id", "worker_post.role", "worker_post.fte",
    "worker_post.manager_id", "worker_post.start_date", "worker_post.end_date", "allocation.worker_id",
    "allocation.child_id", "allocation.role", "allocation.start_date", "allocation.end_date", "episode.team_id",
    "team.service",
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


def social_worker_post_size(s: Scope) -> float:
    """Caseload of one social-worker post: the upper standard (or the council's chosen `capacity_target`)."""
    return s.config.caseload_standards[s.config.posts_standard_role].target(s.config.capacity_target)


def _team_rows(s: Scope, inputs: dict[str, ir.Table] | None = None) -> ir.Table:
    """Each team's sums: social workers' caseloads, children waiting, managers' spans, and its posts needed
    rounded up (the team's own whole posts, which every higher level sums)."""
    inputs = inputs or {}
    workers = inputs.get("caseload_by_worker")
    waiting = inputs.get("unallocated_cases")
    workers = with_council(s, caseload_by_worker(s) if workers is None else workers)
    # Only counted here: the waiting children's rows alone, when not given (`waiting_in_teams`).
    waiting = with_council(s, waiting_in_teams(s) if waiting is None else waiting)
    spans = with_council(s, _span_of_control(s))
    keys = list(LEVEL_KEYS["team"])
    social_workers = workers.filter(workers.caseload_group == SOCIAL_WORK)
    by_workers = social_workers.group_by(keys).agg(**CASELOAD_SUMS)
    by_waiting = waiting.group_by(keys).agg(unallocated=lambda t: t.count())
    by_spans = spans.group_by(keys).agg(
        team_managers=lambda t: t.count(),
        direct_reports=lambda t: t.direct_reports.sum(),
        max_span=lambda t: t.direct_reports.max(),
    )
    j = join_at_level(s, "team", by_workers, by_waiting, by_spans)
    unallocated = j.unallocated.fill_null(0)
    waiting_posts = unallocated / social_worker_post_size(s)
    return j.mutate(
        unallocated=unallocated,
        posts_needed_waiting=waiting_posts,
        posts_rounded_up=rounded_up_posts(j.posts_needed_over_capacity.fill_null(0) + waiting_posts),
    )


def _capacity_at(s: Scope, level: Level, team_rows: ir.Table) -> ir.Table:
    j = roll_up(team_rows, level, maxima=("max_span",))
    columns = caseload_columns(j)
    posts = j.posts_needed_over_capacity.fill_null(0) + j.posts_needed_waiting
    rounded = j.posts_rounded_up
    managers = j.team_managers.fill_null(0)
    costs = s.config.costs
    post_year = costs.paid_hours_per_fte_year
    # Managers needed keep every team within the span of control: direct reports / upper span, rounded up.
    managers_needed = ibis.greatest(
        (j.direct_reports.fill_null(0) / s.config.span_of_control.upper).ceil() - managers, 0
    )
    out = j.select(
        *LEVEL_KEYS[level],
        **columns,
        unallocated=j.unallocated,
        posts_needed_waiting=j.posts_needed_waiting.round(2),
        posts_needed=posts.round(2),
        posts_needed_rounded_up=rounded,
        annual_cost_permanent=(rounded * post_year * costs.rate("social_worker", "permanent")).round(0),
        annual_cost_agency=(rounded * post_year * costs.rate("social_worker", "agency")).round(0),
        team_managers=managers,
        span_of_control=ratio(j.direct_reports, managers).round(1),
        max_span=j.max_span,
        managers_needed=managers_needed.cast("int64"),
    )
    return out.filter((out.workers > 0) | (out.unallocated > 0) | (out.team_managers > 0))


def capacity(s: Scope, level: Level) -> ir.Table:
    """The capacity table at `level`: one row per team, per service, or one for the council."""
    return _capacity_at(s, level, _team_rows(s))


def capacity_all_levels(s: Scope, inputs: dict[str, ir.Table] | None = None) -> ir.Table:
    """Team, service and council rows in one relation, summed from one computation of the team rows."""
    team_rows = _team_rows(s, inputs)
    return union_levels({level: _capacity_at(s, level, team_rows) for level in LEVELS})


_DEFINITION = (
    "Social workers (social worker, ASYE, senior practitioner; agency included; personal advisers and IROs are "
    "reported apart in 'caseloads'): workers and FTE in post, cases held, the average caseload by the DfE "
    "children's social work workforce census method (cases / FTE of the workers holding at least one case) "
    "and per head (labelled so); cases over capacity (sum over workers of caseload above their role's upper "
    "standard pro rata FTE) and the posts needed to bring caseloads within standard (cases over capacity / a "
    "social worker's upper standard; seed 002 / LGA standard); the children waiting (unallocated cases) and "
    "the posts needed to allocate them (unallocated / a social worker's upper standard, or the council's "
    "`capacity_target`); the total posts "
    "needed, unrounded and rounded up per team (a service's and the council's rounded figure is the sum of "
    "its teams', as a post cannot be split across teams); the annual cost of those whole posts if filled by "
    "permanent or by agency staff; team managers' span of control and the managers needed to keep it within "
    "standard."
)

_COLUMNS = {
    **CASELOAD_COLUMNS,
    "workers": "Social workers in post (social worker, ASYE, senior practitioner; head count of posts; agency "
    "included).",
    "unallocated": "Children waiting: open cases with no current allocation to a social worker (cases held by "
    "a manager included).",
    "posts_needed_over_capacity": "Social-worker posts needed to bring caseloads within standard: cases over "
    "capacity / a social worker's upper standard (seed 002 / LGA standard), unrounded.",
    "posts_needed_waiting": "Social-worker posts needed to allocate the children waiting: unallocated cases / a "
    "social worker's upper standard (or the end of it the council aims at, `capacity_target`), unrounded.",
    "posts_needed": "Total social-worker posts needed (over capacity + to allocate the waiting), unrounded; "
    "for a service or the council the sum of its teams'.",
    "posts_needed_rounded_up": "Total posts needed in whole posts: each team's total rounded up; a service's "
    "and the council's are the sum of their teams' (a post cannot be split across teams).",
    "annual_cost_permanent": "A year's cost of the whole posts needed at the permanent hourly rate x paid hours "
    "a year.",
    "annual_cost_agency": "A year's cost of the whole posts needed at the agency hourly rate x paid hours a "
    "year.",
    "team_managers": "Team managers in post.",
    "span_of_control": "Direct reports per team manager (standard 8-10, seed 002).",
    "max_span": "Most direct reports of any one team manager.",
    "managers_needed": "More team managers needed to keep direct reports within the upper span of control.",
}


@metric(
    "capacity", title="Capacity by team, service and council", definition=_DEFINITION, unit="posts",
    polarity="lower_is_better", reads=_READS, order_by=("level", "service", "team"),
    inputs=("caseload_by_worker", "unallocated_cases"), columns=_COLUMNS,
)
def capacity_by_level(s: Scope, inputs: dict[str, ir.Table] | None = None) -> ir.Table:
    return capacity_all_levels(s, inputs)


@metric(
    "team_capacity", title="Capacity by team", definition=_DEFINITION, unit="posts",
    polarity="lower_is_better", reads=_READS, order_by=("service", "team"), columns=_COLUMNS,
)
def team_capacity(s: Scope) -> ir.Table:
    return capacity(s, "team")


@metric(
    "service_capacity", title="Capacity by service", definition=_DEFINITION, unit="posts",
    polarity="lower_is_better", reads=_READS, order_by=("service",), columns=_COLUMNS,
)
def service_capacity(s: Scope) -> ir.Table:
    return capacity(s, "service")


@metric(
    "council_capacity", title="Capacity, whole council", definition=_DEFINITION, unit="posts",
    polarity="lower_is_better", reads=_READS, columns=_COLUMNS,
)
def council_capacity(s: Scope) -> ir.Table:
    return capacity(s, "council")
