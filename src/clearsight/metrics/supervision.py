"""Supervision up to date, by worker (LGA Standards for employers of social workers; Skills for Care ASYE).

Everyone in a monitored role (default: social workers, ASYE, senior practitioners) is supervised at least
monthly. An ASYE is supervised weekly for the first 6 weeks, fortnightly until 6 months, then monthly.

Simplification: a worker is up to date on the date when their latest counted session (default one-to-one) is
no older than the interval that applies on that date (7 days, 14 days, or one calendar month), the clock
starting when they joined the council if they have never been supervised; they fall behind once a working day
has passed since the due date (a weekend as-at date makes nobody late). The ASYE year starts at the start of
the worker's first ASYE post.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.intervals import posts_on
from clearsight.metrics.kpi import kpi, plus, with_overdue
from clearsight.metrics.lazy import ibis
from clearsight.metrics.levels import teams
from clearsight.metrics.registry import Scope

if TYPE_CHECKING:
    import ibis.expr.types as ir

_READS = (
    "supervision.supervisee_id", "supervision.supervision_date", "supervision.kind", "worker_post.worker_id",
    "worker_post.role", "worker_post.team_id", "worker_post.start_date", "worker_post.end_date",
    "worker.start_date", "team.service",
)


@kpi(
    "supervision",
    title="Workers with supervision up to date",
    definition="Workers in a monitored role on the date whose latest supervision is within the interval that "
    "applies to them: one month, or for an ASYE weekly for 6 weeks and fortnightly to 6 months from the start "
    "of the ASYE. The team is the team of the worker's post on the date.",
    polarity="higher_is_better", reads=_READS, period=False, measures={"up_to_date": "up_to_date"},
    order_by=("up_to_date", "days_overdue desc", "worker_id"), unit="workers",
)
def supervision_children(s: Scope) -> ir.Table:
    ts = s.config.timescales
    posts = posts_on(s.table("worker_post"), s.as_at)
    posts = posts.filter(posts.role.isin(ts.supervision_roles))
    all_posts = s.table("worker_post")
    asye = all_posts.filter(all_posts.role == "asye").group_by("worker_id").agg(asye_start=ibis._.start_date.min())
    sv = s.table("supervision")
    sv = sv.filter(sv.kind.isin(ts.supervision_kinds), sv.supervision_date <= s.as_at)
    last = sv.group_by(worker_id=sv.supervisee_id).agg(last_supervision=sv.supervision_date.max())
    w = s.table("worker")
    t = teams(s)
    j = (
        posts.join(w, posts.worker_id == w.worker_id)
        .join(t, posts.team_id == t.team_id)
        .left_join(asye, posts.worker_id == asye.worker_id)
        .left_join(last, posts.worker_id == last.worker_id)
        .select(
            posts.worker_id, posts.role, posts.team_id, t.team, t.service, worker=w["name"],
            joined=w.start_date, asye_start=asye.asye_start, last_supervision=last.last_supervision,
        )
    )
    as_at = s.day
    is_asye = j.role == "asye"
    clock = ibis.coalesce(j.last_supervision, j.joined)
    weekly = is_asye & (as_at < plus(j.asye_start, days=7 * ts.asye_weekly_weeks))
    fortnightly = is_asye & (as_at < plus(j.asye_start, months=ts.asye_fortnightly_months))
    due = ibis.cases(
        (weekly, plus(clock, days=7)),
        (fortnightly, plus(clock, days=14)),
        else_=plus(clock, months=ts.supervision_months),
    )
    j = j.mutate(
        schedule=ibis.cases((weekly, "weekly"), (fortnightly, "fortnightly"), else_="monthly"), due_date=due
    )
    j = with_overdue(s, j, "due_date")  # late once a working day has passed since the due date
    return j.mutate(up_to_date=~j.overdue).drop("overdue")
