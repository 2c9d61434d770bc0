"""Open cases and the children waiting for a social worker (definitions.md, "Cases, allocation").

No national standard defines "unallocated"; Clearsight's rule, configurable in `AllocationRules`: an open
case is allocated only when a case-holding practitioner (social worker, ASYE, senior practitioner) holds a
current allocation. A case "held by" a team manager is unallocated: that is how 291 children were reported as
"no unallocated cases" (seed 000).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.intervals import current, open_ended, posts_on
from clearsight.metrics.lazy import ibis
from clearsight.metrics.levels import teams
from clearsight.metrics.registry import Scope, metric

if TYPE_CHECKING:
    import ibis.expr.types as ir

REALLOCATION = "awaiting re-allocation"
NEW_WORK = "new work awaiting allocation"

_CASE_FIELDS = (
    "episode.child_id", "episode.referral_date", "episode.close_date", "episode.referral_nfa", "episode.team_id",
    "cla_episode.start_date", "cla_episode.end_date", "cp_plan.start_date", "cp_plan.end_date",
    "team.name", "team.service",
)
_ALLOCATION_FIELDS = (
    "allocation.child_id", "allocation.worker_id", "allocation.role", "allocation.start_date",
    "allocation.end_date", "worker_post.role", "worker_post.start_date", "worker_post.end_date",
)


@metric(
    "open_cases",
    title="Open cases",
    definition="Children with an open child-in-need episode (referral accepted, not closed) on the date, "
    "one row per child (latest referral), with legal status CLA, else CP, else CIN. The case's team is the "
    "team of its current allocation (a manager's holding included), else the episode's team.",
    unit="children", polarity="neutral", reads=_CASE_FIELDS, order_by=("team", "child_id"),
)
def open_cases(s: Scope) -> ir.Table:
    return _with_legal_status(s, _case_teams(s))


def _with_legal_status(s: Scope, cases: ir.Table) -> ir.Table:
    """`cases` (one row per child) with the child's legal status and their team's name and service: the rows of
    `open_cases`."""
    cla = current(s.table("cla_episode"), s.as_at).select("child_id").distinct().mutate(looked_after=True)
    cp = current(s.table("cp_plan"), s.as_at).select("child_id").distinct().mutate(on_cp_plan=True)
    joined = cases.left_join(cla, cases.child_id == cla.child_id).left_join(cp, cases.child_id == cp.child_id)
    cases = joined.select(
        cases.child_id, cases.episode_id, cases.team_id,
        legal_status=ibis.cases(
            (cla.looked_after.fill_null(False), "CLA"), (cp.on_cp_plan.fill_null(False), "CP"), else_="CIN"
        ),
        referral_date=cases.referral_date,
    ).view()  # a relation of its own: Ibis cannot join on a computed column of a join chain
    return _named_teams(s, cases).select(
        "child_id", "episode_id", "team_id", "team", "service", "legal_status", "referral_date"
    )


def open_case_teams(s: Scope) -> ir.Table:
    """The rows of `open_cases` without the legal status (child_id, episode_id, team_id, referral_date, team,
    service): what a count by team, or a figure on open cases by team, needs; reading the looked-after episodes
    and plans for the status costs such a figure a quarter of its time."""
    return _named_teams(s, _case_teams(s))


def _open_episodes(s: Scope) -> ir.Table:
    """Episodes open on the date whose referral was accepted (not "no further action")."""
    ep = current(s.table("episode"), s.as_at, "referral_date", "close_date")
    return ep.filter(~ep.referral_nfa.fill_null(False))


def _case_teams(s: Scope, among: ir.Table | None = None) -> ir.Table:
    """Each open case (a child's latest open episode) with the team holding it and its referral date: of every
    child, or of the children of `among` (distinct child ids), whose cases alone are then ranked."""
    ep = _open_episodes(s)
    allocations = _current_allocations(s)
    if among is not None:
        # Inner joins on distinct ids, not semi joins: DuckDB flattens a semi join into a series over dates
        # with wrong rows. A view of each relation for the second join lets Ibis make them CTEs, read once.
        ep = ep.join(among, "child_id").select(ep.columns)
        allocations = allocations.view()
        allocations = allocations.join(among.view(), "child_id").select(allocations.columns)
    latest = ibis.row_number().over(group_by=ep.child_id, order_by=[ep.referral_date.desc(), ep.episode_id.desc()])
    ep = ep.mutate(_rank=latest).filter(lambda t: t._rank == 0)
    holding = _holding_team(allocations)
    joined = ep.left_join(holding, ep.child_id == holding.child_id)
    return joined.select(
        child_id=ep.child_id,
        episode_id=ep.episode_id,
        team_id=ibis.coalesce(holding.holding_team_id, ep.team_id),
        referral_date=ep.referral_date,
    ).view()


def _named_teams(s: Scope, cases: ir.Table) -> ir.Table:
    """`cases` with their team's name and service."""
    t = teams(s)
    return cases.left_join(t, cases.team_id == t.team_id).drop("team_id_right")


def _holding_team(a: ir.Table) -> ir.Table:
    """The team holding each child's case on the date: the team of its latest current allocation (of `a`, the
    allocations in force on the date).

    An episode records the team responsible at the extract date; a case moved since then was held elsewhere
    on an earlier date, and the allocation history says where.
    """
    latest = ibis.row_number().over(group_by=a.child_id, order_by=[a.start_date.desc(), a.allocation_id.desc()])
    a = a.mutate(_rank=latest).filter(lambda t: t._rank == 0)
    return a.select("child_id", holding_team_id=a.team_id)


def _current_allocations(s: Scope) -> ir.Table:
    """The allocations in force on the date of the kinds that hold a case (`allocation_roles`): one relation for
    the holding team, the allocated children and the managers holding cases, which the engine then reads once."""
    a = current(s.table("allocation"), s.as_at)
    return a.filter(a.role.isin(s.config.allocation.allocation_roles))


def _allocations_with_post_role(s: Scope) -> ir.Table:
    """Current case allocations to a named worker (the join on the worker leaves out allocations to none), with
    the role that worker holds on the date."""
    a = _current_allocations(s)
    p = posts_on(s.table("worker_post"), s.as_at)
    return a.join(p, a.worker_id == p.worker_id).select(
        child_id=a.child_id, worker_id=a.worker_id, post_role=p.role
    )


def allocated_children(s: Scope) -> ir.Table:
    """Children with a current allocation to a case-holding practitioner."""
    a = _allocations_with_post_role(s)
    return a.filter(a.post_role.isin(s.config.allocation.case_holding_roles)).select("child_id").distinct()


def _held_by_manager(s: Scope) -> ir.Table:
    a = _allocations_with_post_role(s)
    a = a.filter(a.post_role.isin(s.config.allocation.manager_roles))
    w = s.table("worker")
    named = a.join(w, a.worker_id == w.worker_id).select(a.child_id, held_by=w["name"])
    return named.group_by("child_id").agg(held_by=lambda t: t.held_by.min())


def _with_last_practitioner_allocation_end(s: Scope, waiting: ir.Table) -> ir.Table:
    """`waiting` with when each child's last practitioner allocation in this episode ended (none: never
    allocated). Starting from the waiting children keeps the work proportional to them, not to all history."""
    rules = s.config.allocation
    a = s.table("allocation")
    a = a.filter(a.role.isin(rules.allocation_roles), a.worker_id.notnull(), a.end_date <= s.as_at)
    p = s.table("worker_post")
    p = p.filter(p.role.isin(rules.case_holding_roles))
    # The worker's role when the allocation began decides whether it was a practitioner allocation.
    j = waiting.left_join(a, (waiting.child_id == a.child_id) & (a.start_date >= waiting.referral_date)).left_join(
        p,
        (a.worker_id == p.worker_id) & (p.start_date <= a.start_date) & (open_ended(p.end_date) > a.start_date),
    )
    ended = j.select(
        *[waiting[c] for c in waiting.columns],
        practitioner_end=ibis.ifelse(p.worker_id.notnull(), a.end_date, ibis.null("date")),
    )
    return ended.group_by(list(waiting.columns)).agg(last_allocation_end=lambda t: t.practitioner_end.max())


@metric(
    "unallocated_cases",
    title="Unallocated cases",
    definition="Open cases with no current allocation to a case-holding practitioner; cases held by a "
    "manager count. Reason: 'awaiting re-allocation' when a practitioner's allocation in this episode ended, "
    "else 'new work awaiting allocation'. Days waiting since that allocation ended, else since referral.",
    unit="children", polarity="lower_is_better", reads=_CASE_FIELDS + _ALLOCATION_FIELDS,
    order_by=("days_waiting desc", "child_id"),
)
def unallocated_cases(s: Scope) -> ir.Table:
    j = _left_join_on_child(_with_last_practitioner_allocation_end(s, waiting_children(s)), _held_by_manager(s))
    since = ibis.coalesce(j.last_allocation_end, j.referral_date)
    return j.select(
        "child_id", "episode_id", "team_id", "team", "service", "legal_status", "referral_date",
        reason=ibis.ifelse(j.last_allocation_end.notnull(), REALLOCATION, NEW_WORK),
        waiting_since=since,
        days_waiting=s.day.delta(since, unit="day"),
        held_by=j.held_by,
    )


def waiting_children(s: Scope) -> ir.Table:
    """The children of `unallocated_cases` with `open_cases`' columns alone: one row per child (an open case is
    a child's latest episode, a team id is a team's key), so its rows by team are that metric's, counted without
    reading the allocation history twice more for why and how long each child waits."""
    return _with_legal_status(s, _case_teams(s, among=_waiting_ids(s)))


def waiting_in_teams(s: Scope) -> ir.Table:
    """The children of `waiting_children` without their legal status (child_id, episode_id, team_id,
    referral_date, team, service): all a count by team needs."""
    return _named_teams(s, _case_teams(s, among=_waiting_ids(s)))


def _waiting_ids(s: Scope) -> ir.Table:
    """The children with an open case and no current allocation to a case-holding practitioner, one row each.
    Found first, so that only their cases are ranked for the latest episode and holding team, and named: a
    third of the work of ranking every open case, for the same rows."""
    ep = _open_episodes(s)
    # A left join keeping the children with no allocation, not an anti join: DuckDB can then flatten the metric
    # into one query over a spine of dates (`compute_monthly`, the alerts' replay); the same rows.
    allocated = allocated_children(s).mutate(_allocated=True)
    children = ep.group_by("child_id").agg()  # not DISTINCT: so `ep` stays one relation, made a CTE and read once
    return children.left_join(allocated, "child_id").filter(lambda t: t._allocated.isnull()).select("child_id")


@metric(
    "children_waiting",
    title="Children waiting, by team",
    definition="The children of unallocated_cases counted by team: open cases with no current allocation to a "
    "case-holding practitioner (cases held by a manager count).",
    unit="children", polarity="lower_is_better", reads=_CASE_FIELDS + _ALLOCATION_FIELDS,
    order_by=("team", "team_id"),
)
def children_waiting(s: Scope) -> ir.Table:
    waiting = waiting_in_teams(s)
    return waiting.group_by(["team_id", "team", "service"]).agg(children=lambda t: t.count())


def _left_join_on_child(left: ir.Table, right: ir.Table) -> ir.Table:
    return left.left_join(right, "child_id").drop("child_id_right")
