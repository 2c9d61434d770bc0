"""Caseloads per worker and per team, service and council, against the standard of each role (definitions.md,
"Caseload" and "Caseload standards").

A worker's caseload = children allocated to them on the date (children, not families), counting the kinds of
involvement of their caseload group: social workers (social worker, ASYE, senior practitioner; agency included)
count their case allocations, personal advisers their care leavers, IROs the children they review. The groups
are reported apart and never averaged together. Where the data holds no allocation of a group's kind on the
date (many councils record no IRO allocations), that group's caseloads are "not recorded": null, never 0 and
never green.

The headline average is the DfE children's social work workforce census one: cases held / FTE of the workers
holding at least one case. The head-count average (cases / workers holding a case) is shown only as such.
RAG: green at or under the role's lower standard, amber up to the upper, red above it. Cases over capacity =
max(0, caseload - target x FTE), the seed 002 method, where the target is the upper end of the standard
unless the council aims at the lower end or the middle (`capacity_target`); posts needed over capacity =
cases over capacity / the target of the group's post (a social worker's for all social workers, seed 002).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clearsight.config import CouncilConfig
from clearsight.metrics.intervals import current, posts_on
from clearsight.metrics.lazy import ibis
from clearsight.metrics.levels import LEVEL_KEYS, LEVELS, ratio, roll_up, teams, union_levels, with_council
from clearsight.metrics.registry import Scope, metric

if TYPE_CHECKING:
    import ibis.expr.types as ir

SOCIAL_WORK = "social_work"
RECORDED = "recorded"
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class CaseloadGroup:
    """Workers whose caseloads are averaged together, against the standard of `standard_role`."""

    name: str
    roles: tuple[str, ...]  # worker post roles
    allocation_roles: tuple[str, ...]  # kinds of involvement counted as their cases
    standard_role: str


def caseload_groups(cfg: CouncilConfig) -> tuple[CaseloadGroup, ...]:
    """Social workers (the roles and allocations that make a case allocated), then the separately reported
    groups (personal advisers and IROs by default)."""
    rules = cfg.allocation
    social_work = CaseloadGroup(
        SOCIAL_WORK, rules.case_holding_roles, rules.allocation_roles, cfg.posts_standard_role
    )
    separate = (
        CaseloadGroup(name, g.roles, g.allocation_roles, g.standard_role)
        for name, g in cfg.separate_caseloads.items()
    )
    return (social_work, *separate)


def _lookup(key: ir.StringValue, values: dict[str, Any], type_: str) -> ir.Value:
    return key.cases(*values.items(), else_=ibis.null(type_)) if values else ibis.null(type_)


def worker_caseloads(
    cfg: CouncilConfig, posts: ir.Table, allocations: ir.Table, keys: Sequence[str] = ()
) -> ir.Table:
    """Each post (`keys`, worker_id, team_id, role, fte) in a caseload group's role, with its group, caseload
    from the `allocations` (`keys`, worker_id, child_id, role) in force, whether the group's caseloads are
    recorded at all, and its cases and posts over capacity. `keys` are extra keys both share (a month end)."""
    keys = list(keys)
    groups = caseload_groups(cfg)
    group_of_role = {r: g.name for g in groups for r in g.roles}
    group_of_kind = {k: g.name for g in groups for k in g.allocation_roles}
    aim, standards = cfg.capacity_target, cfg.caseload_standards
    posts = posts.filter(posts.role.isin(tuple(group_of_role)))
    posts = posts.mutate(caseload_group=_lookup(posts.role, group_of_role, "string"))
    a = allocations.filter(allocations.role.isin(tuple(group_of_kind)))
    a = a.mutate(caseload_group=_lookup(a.role, group_of_kind, "string"))
    # Both group `a` itself (allocations to no one fall in a group of their own, which joins no post), so
    # Ibis makes it one CTE and the engine reads the allocations once.
    recorded = a.group_by([*keys, "caseload_group"]).agg(recorded=lambda t: ibis.literal(True))
    held = a.group_by([*keys, "worker_id", "caseload_group"]).agg(caseload=lambda t: t.child_id.nunique())
    on_worker = [*keys, "worker_id", "caseload_group"]
    j = posts.left_join(held, on_worker).drop(*(f"{k}_right" for k in on_worker))
    j = j.left_join(recorded, [*keys, "caseload_group"]).drop(*(f"{k}_right" for k in (*keys, "caseload_group")))
    is_recorded = j.recorded.fill_null(False)
    caseload = j.caseload.fill_null(0)
    target = _lookup(j.role, {r: v.target(aim) for r, v in standards.items()}, "float64")
    post_size = _lookup(
        j.caseload_group,
        {g.name: standards[g.standard_role].target(aim) for g in groups if g.standard_role in standards},
        "float64",
    )
    over = ibis.greatest(caseload - target * j.fte, 0)
    return j.select(
        *keys, "worker_id", "team_id", "role", "fte", "caseload_group",
        caseload_status=ibis.ifelse(is_recorded, RECORDED, NOT_RECORDED),
        caseload=ibis.ifelse(is_recorded, caseload, ibis.null("int64")),
        cases_over_capacity=ibis.ifelse(is_recorded, over, ibis.null("float64")),
        posts_needed_over_capacity=ibis.ifelse(is_recorded, over / post_size, ibis.null("float64")),
    )


def _rag(value: ir.FloatingValue, lower: ir.FloatingValue, upper: ir.FloatingValue,
         status: ir.StringValue) -> ir.StringValue:
    return ibis.cases(
        (status == NOT_RECORDED, NOT_RECORDED), (value.isnull(), ibis.null("string")),
        (value <= lower, "green"), (value <= upper, "amber"), else_="red",
    )


_WORKER_COLUMNS = {
    "caseload_group": "Caseload group: social_work (social worker, ASYE, senior practitioner), personal_adviser "
    "or iro; groups are never averaged together.",
    "caseload": "Children allocated to the worker on the date (null where the group's allocations are not "
    "recorded).",
    "caseload_per_fte": "Children allocated per FTE of this worker (caseload / the worker's FTE).",
    "rag": "Caseload per FTE against the role's standard: green at or under the lower, amber to the upper, red "
    "above; 'not recorded' where the group's allocations are not recorded.",
    "caseload_status": "'recorded', or 'not recorded' where the data holds no allocation of the group's kind on "
    "the date (the caseload is unknown, not 0).",
    "cases_over_capacity": "max(0, caseload - the role's target x FTE) (seed 002 method).",
    "posts_needed_over_capacity": "Cases over capacity / the target caseload of the group's post (a social "
    "worker's for all social workers; seed 002).",
}


@metric(
    "caseload_by_worker",
    title="Caseload by worker",
    definition="For each worker in post in a caseload group (social workers incl. ASYE and senior "
    "practitioners; personal advisers; IROs): children allocated to them on the date, their FTE, caseload per "
    "FTE, their role's standard and RAG, and cases over the standard (seed 002 method). A group whose "
    "allocations are not in the data is 'not recorded', never 0.",
    unit="children per FTE", polarity="lower_is_better",
    reads=(
        "worker_post.worker_id", "worker_post.team_id", "worker_post.role", "worker_post.fte",
        "worker_post.start_date", "worker_post.end_date", "allocation.worker_id", "allocation.child_id",
        "allocation.role", "allocation.start_date", "allocation.end_date", "worker.name", "worker.employment",
    ),
    order_by=("caseload_per_fte desc", "worker"),
    columns=_WORKER_COLUMNS,
)
def caseload_by_worker(s: Scope) -> ir.Table:
    standards = s.config.caseload_standards
    posts = posts_on(s.table("worker_post"), s.as_at)
    rows = worker_caseloads(s.config, posts, current(s.table("allocation"), s.as_at))
    w = s.table("worker")
    t = teams(s)
    j = rows.join(w, rows.worker_id == w.worker_id).left_join(t, rows.team_id == t.team_id)
    lower = _lookup(rows.role, {r: v.lower for r, v in standards.items()}, "float64")
    upper = _lookup(rows.role, {r: v.upper for r, v in standards.items()}, "float64")
    per_fte = rows.caseload / rows.fte
    return j.select(
        worker_id=rows.worker_id,
        worker=w["name"],
        team_id=rows.team_id,
        team=t.team,
        service=t.service,
        role=rows.role,
        caseload_group=rows.caseload_group,
        employment=w.employment,
        fte=rows.fte,
        caseload=rows.caseload,
        caseload_per_fte=per_fte.round(2),
        standard_lower=lower,
        standard_upper=upper,
        rag=_rag(per_fte, lower, upper, rows.caseload_status),
        caseload_status=rows.caseload_status,
        cases_over_capacity=rows.cases_over_capacity,
        posts_needed_over_capacity=rows.posts_needed_over_capacity,
    )


# The sums over caseload rows (one per post) behind every caseload figure of a team, service or council.
CASELOAD_SUMS = {
    "workers": lambda t: t.count(),
    "fte": lambda t: t.fte.sum(),
    "workers_not_recorded": lambda t: (t.caseload_status == NOT_RECORDED).sum(),
    "workers_holding_cases": lambda t: (t.caseload.fill_null(0) > 0).sum(),
    "fte_holding_cases": lambda t: ibis.ifelse(t.caseload.fill_null(0) > 0, t.fte, 0).sum(),
    "cases": lambda t: t.caseload.sum(),
    "cases_over_capacity": lambda t: t.cases_over_capacity.sum(),
    "posts_needed_over_capacity": lambda t: t.posts_needed_over_capacity.sum(),
}


def caseload_columns(j: ir.Table) -> dict[str, ir.Value]:
    """Caseload figures of a group of workers from its summed parts (`CASELOAD_SUMS`): ratios are worked out
    after summing, never averaged; null, with the status 'not recorded', where the allocations are not in the
    data."""
    recorded = j.workers_not_recorded.fill_null(0) == 0

    def known(value: ir.NumericValue) -> ir.NumericValue:
        return ibis.ifelse(recorded, value.fill_null(0), ibis.null(value.type()))

    cases = known(j.cases)
    return {
        "workers": j.workers.fill_null(0),
        "fte": j.fte.fill_null(0).round(2),
        "workers_holding_cases": j.workers_holding_cases.fill_null(0),
        "fte_holding_cases": j.fte_holding_cases.fill_null(0).round(2),
        "cases": cases,
        "caseload_per_fte_holding": ratio(cases, j.fte_holding_cases).round(1),
        "caseload_per_head": ratio(cases, j.workers_holding_cases).round(1),
        "caseload_status": ibis.ifelse(recorded, RECORDED, NOT_RECORDED),
        "cases_over_capacity": known(j.cases_over_capacity).round(1),
        "posts_needed_over_capacity": known(j.posts_needed_over_capacity).round(2),
    }


def rounded_up_posts(posts: ir.NumericValue) -> ir.IntegerValue:
    """Whole posts: a team's unrounded need rounded up (to 6 decimals first, so 3.0000000001 is 3)."""
    return posts.round(6).ceil().cast("int64")


CASELOAD_COLUMNS = {
    "workers": "Workers in post in the group's roles (head count of posts; agency included).",
    "fte": "FTE of those workers.",
    "workers_holding_cases": "Workers holding at least one case (head count).",
    "fte_holding_cases": "FTE of the workers holding at least one case (the DfE denominator).",
    "cases": "Cases held: children allocated to the workers, summed over workers (null where not recorded).",
    "caseload_per_fte_holding": "Average caseload, DfE children's social work workforce census method: cases "
    "per FTE of the workers holding at least one case (cases / fte_holding_cases).",
    "caseload_per_head": "Average caseload per head: cases / workers holding at least one case (head count, "
    "not FTE; not the DfE figure).",
    "caseload_status": "'recorded', or 'not recorded' where the data holds no allocation of the group's kind on "
    "the date: the caseload is then unknown (null), not 0.",
    "cases_over_capacity": "Sum over workers of max(0, caseload - their role's target x FTE) (seed 002 method).",
    "posts_needed_over_capacity": "Posts needed to bring caseloads within standard: cases over capacity / the "
    "target caseload of the group's post (seed 002 / LGA standard), unrounded.",
}


def _group_standard(s: Scope, group: ir.StringValue, bound: str) -> ir.FloatingValue:
    standards = s.config.caseload_standards
    return _lookup(group, {
        g.name: getattr(standards[g.standard_role], bound) for g in caseload_groups(s.config)
        if g.standard_role in standards
    }, "float64")


def caseloads_all_levels(s: Scope, inputs: dict[str, ir.Table] | None = None) -> ir.Table:
    """Each caseload group's figures for every team, service and the council, summed from its teams."""
    workers = (inputs or {}).get("caseload_by_worker")
    rows = with_council(s, caseload_by_worker(s) if workers is None else workers)
    keys = ["caseload_group", *LEVEL_KEYS["team"]]
    team_sums = rows.group_by(keys).agg(**CASELOAD_SUMS)
    team_sums = team_sums.mutate(posts_rounded_up=rounded_up_posts(team_sums.posts_needed_over_capacity))
    parts = {}
    for level in LEVELS:
        j = roll_up(team_sums, level, ("caseload_group",))
        lower, upper = _group_standard(s, j.caseload_group, "lower"), _group_standard(s, j.caseload_group, "upper")
        columns = caseload_columns(j)
        parts[level] = j.select(
            *LEVEL_KEYS[level], "caseload_group", standard_lower=lower, standard_upper=upper, **columns,
            rag=_rag(columns["caseload_per_fte_holding"], lower, upper, columns["caseload_status"]),
            posts_needed_over_capacity_rounded_up=j.posts_rounded_up,
        )
    return union_levels(parts)


@metric(
    "caseloads",
    title="Caseloads by team, service and council: social workers, personal advisers and IROs apart",
    definition="For each caseload group (social workers incl. ASYE and senior practitioners, agency included; "
    "personal advisers; IROs), never averaged together: workers and FTE in post, cases held, the average "
    "caseload by the DfE children's social work workforce census method (cases / FTE of the workers holding at "
    "least one case) and per head, against the group's own standard (defaults: social worker 18-20, personal "
    "adviser 18-20 (seed 002), IRO 50-70 (IRO Handbook)), cases over capacity and the posts needed at the group's "
    "standard (seed 002 method; rounded up per team, a service's and the council's being the sum of its "
    "teams'). 'not recorded' (null) where the data holds no allocation of the group's kind on the date.",
    unit="children per FTE", polarity="lower_is_better",
    reads=(
        "worker_post.worker_id", "worker_post.team_id", "worker_post.role", "worker_post.fte",
        "worker_post.start_date", "worker_post.end_date", "allocation.worker_id", "allocation.child_id",
        "allocation.role", "allocation.start_date", "allocation.end_date", "team.service",
    ),
    order_by=("caseload_group", "level", "service", "team"),
    inputs=("caseload_by_worker",),
    columns={
        "caseload_group": _WORKER_COLUMNS["caseload_group"],
        "standard_lower": "Lower end of the group's caseload standard (children per FTE).",
        "standard_upper": "Upper end of the group's caseload standard (children per FTE).",
        **CASELOAD_COLUMNS,
        "rag": "The DfE average caseload (caseload_per_fte_holding) against the group's standard: green at or "
        "under the lower, amber to the upper, red above; 'not recorded' where the allocations are not recorded.",
        "posts_needed_over_capacity_rounded_up": "Whole posts needed over capacity: each team's rounded up; a "
        "service's and the council's are the sum of their teams' (a post cannot be split across teams).",
    },
)
def caseloads(s: Scope, inputs: dict[str, ir.Table] | None = None) -> ir.Table:
    return caseloads_all_levels(s, inputs)
