"""Caseloads per worker against the standard of their role (definitions.md, "Caseload standards").

Caseload = children allocated to the worker on the date (children, not families); FTE-adjusted caseload =
caseload / FTE. RAG: green at or under the role's lower standard, amber up to the upper, red above it.
Cases over capacity = max(0, caseload - target x FTE), the seed 002 method, where the target is the upper end
of the standard unless the council aims at the lower end or the middle (`capacity_target`).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from clearsight.config import CouncilConfig
from clearsight.metrics.intervals import current, posts_on
from clearsight.metrics.levels import teams
from clearsight.metrics.registry import Scope, metric

_PRACTITIONER_FAMILY = ("social_worker", "asye", "senior_practitioner")


def _by_role(role: ir.StringValue, values: dict[str, float]) -> ir.FloatingValue:
    return role.cases(*values.items(), else_=ibis.null("float64"))


def capacity_targets(cfg: CouncilConfig, role: ir.StringValue) -> tuple[ir.FloatingValue, ir.FloatingValue]:
    """The caseload a worker in `role` is measured against, and the size of the post their cases over it are
    counted in: practitioners in social-worker posts (seed 002), IROs in IRO posts, personal advisers in PA
    posts; each at the council's chosen end of the standard (`capacity_target`)."""
    standards, aim = cfg.caseload_standards, cfg.capacity_target
    target = _by_role(role, {r: v.target(aim) for r, v in standards.items()})
    post_target = _by_role(
        role,
        {
            r: (standards[cfg.posts_standard_role].target(aim) if r in _PRACTITIONER_FAMILY else v.target(aim))
            for r, v in standards.items()
        },
    )
    return target, post_target


@metric(
    "caseload_by_worker",
    title="Caseload by worker",
    definition="For each worker in post in a case-holding role: children allocated to them on the date, "
    "their FTE, caseload per FTE, their role's standard and RAG, and cases over the upper standard.",
    unit="children per FTE", polarity="lower_is_better",
    reads=(
        "worker_post.worker_id", "worker_post.team_id", "worker_post.role", "worker_post.fte",
        "worker_post.start_date", "worker_post.end_date", "allocation.worker_id", "allocation.child_id",
        "allocation.role", "allocation.start_date", "allocation.end_date", "worker.name", "worker.employment",
    ),
    order_by=("fte_caseload desc", "worker"),
)
def caseload_by_worker(s: Scope) -> ir.Table:
    cfg = s.config
    standards = cfg.caseload_standards
    posts = posts_on(s.table("worker_post"), s.as_at)
    posts = posts.filter(posts.role.isin(tuple(standards)))
    a = current(s.table("allocation"), s.as_at)
    a = a.filter(a.role.isin(cfg.allocation.caseload_roles), a.worker_id.notnull())
    held = a.group_by("worker_id").agg(caseload=lambda t: t.child_id.nunique())
    w = s.table("worker")
    t = teams(s)
    j = (
        posts.left_join(held, posts.worker_id == held.worker_id)
        .join(w, posts.worker_id == w.worker_id)
        .left_join(t, posts.team_id == t.team_id)
    )
    lower = _by_role(posts.role, {r: v.lower for r, v in standards.items()})
    upper = _by_role(posts.role, {r: v.upper for r, v in standards.items()})
    target, post_target = capacity_targets(cfg, posts.role)
    caseload = held.caseload.fill_null(0)
    fte_caseload = caseload / posts.fte
    over = ibis.greatest(caseload - target * posts.fte, 0)
    return j.select(
        worker_id=posts.worker_id,
        worker=w["name"],
        team_id=posts.team_id,
        team=t.team,
        service=t.service,
        role=posts.role,
        employment=w.employment,
        fte=posts.fte,
        caseload=caseload,
        fte_caseload=fte_caseload.round(2),
        standard_lower=lower,
        standard_upper=upper,
        rag=ibis.cases((fte_caseload <= lower, "green"), (fte_caseload <= upper, "amber"), else_="red"),
        cases_over_capacity=over,
        posts_needed=over / post_target,
    )
