"""The social-work workforce: who is in post, who is leaving, and how much of the work agency staff carry.

Definitions follow the DfE children's social work workforce census (definitions.md), computed for any date or
period and by team, service and council rather than only at 30 September:
- agency rate = agency FTE / (agency FTE + directly employed FTE);
- vacancy rate = FTE vacancies / (FTE vacancies + directly employed FTE in post), where a team's vacancies are
  its funded establishment less its directly employed FTE (posts covered by agency staff are vacancies);
- turnover rate = FTE of directly employed leavers in the period / directly employed FTE in post at its end;
  beside England's annual figure a period other than a year is annualised (x 365 / days), the raw rate shown
  too; DfE's own figure is the year to 30 September (`census_year`), compared with England's for that year.
A leaver belongs to the period holding their last day of service (the worker's end date, schema: last day).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from clearsight.metrics.intervals import current, posts_on
from clearsight.metrics.lazy import ibis
from clearsight.metrics.levels import LEVEL_KEYS, Level, join_at_level, ratio, teams, with_council
from clearsight.metrics.registry import Scope, metric

if TYPE_CHECKING:
    import ibis.expr.types as ir

_POST_FIELDS = (
    "worker_post.worker_id", "worker_post.team_id", "worker_post.role", "worker_post.fte",
    "worker_post.start_date", "worker_post.end_date", "worker.employment", "team.service",
)


def social_work_posts(s: Scope) -> ir.Table:
    """Social-work posts held on the as-at date, with employment type and team."""
    posts = posts_on(s.table("worker_post"), s.as_at)
    posts = posts.filter(posts.role.isin(s.config.workforce.social_work_roles))
    w = s.table("worker")
    t = teams(s)
    return (
        posts.join(w, posts.worker_id == w.worker_id)
        .join(t, posts.team_id == t.team_id)
        .select(
            posts.worker_id, posts.team_id, t.team, t.service, posts.role, posts.fte, w.employment,
            years_with_council=s.day.delta(w.start_date, unit="day") / 365.25,
            years_qualified=s.day.delta(w.qualification_date, unit="day") / 365.25,
        )
    )


def _long_term_absent(s: Scope) -> ir.Table:
    """Workers whose current spell of absence has lasted, or is booked to last, the long-term threshold."""
    a = s.table("absence")
    a = a.filter(a.start_date <= s.as_at, a.end_date.isnull() | (a.end_date >= s.as_at))
    span = ibis.coalesce(a.end_date, s.day).delta(a.start_date, unit="day") + 1
    long_term = a.filter(span >= s.config.workforce.long_term_absence_days)
    return long_term.select("worker_id").distinct().mutate(long_term_absent=True)


def in_post_columns(j: ir.Table) -> dict[str, ir.Value]:
    """In-post figures of a group from its summed parts (headcount, fte, employed_fte, agency_fte,
    funded_fte, vacancy_fte), with the DfE agency and vacancy rates worked out after summing."""
    employed = j.employed_fte.fill_null(0)
    agency = j.agency_fte.fill_null(0)
    vacancy = j.vacancy_fte.fill_null(0)
    return {
        "headcount": j.headcount.fill_null(0),
        "fte": j.fte.fill_null(0).round(2),
        "employed_fte": employed.round(2),
        "agency_fte": agency.round(2),
        "agency_rate": ratio(agency, agency + employed).round(3),
        "funded_fte": j.funded_fte.round(2),
        "vacancy_fte": vacancy.round(2),
        "vacancy_rate": ratio(vacancy, vacancy + employed).round(3),
    }


def workforce_in_post(s: Scope, level: Level) -> ir.Table:
    keys = list(LEVEL_KEYS[level])
    posts = social_work_posts(s)
    absent = _long_term_absent(s)
    posts = posts.left_join(absent, "worker_id").drop("worker_id_right")
    in_post = with_council(s, posts).group_by(keys).agg(
        headcount=lambda t: t.worker_id.nunique(),
        fte=lambda t: t.fte.sum(),
        employed_fte=lambda t: ibis.ifelse(t.employment != "agency", t.fte, 0).sum(),
        agency_fte=lambda t: ibis.ifelse(t.employment == "agency", t.fte, 0).sum(),
        practitioners=lambda t: t.role.isin(("social_worker", "asye", "senior_practitioner")).sum(),
        asye=lambda t: (t.role == "asye").sum(),
        new_to_council=lambda t: (t.years_with_council < 2).sum(),
        experienced=lambda t: (t.years_qualified >= 5).sum(),
        qualification_known=lambda t: t.years_qualified.notnull().sum(),
        long_term_absent=lambda t: t.long_term_absent.fill_null(False).sum(),
    )
    est = current(s.table("establishment"), s.as_at)
    est = est.filter(est.role.isin(s.config.workforce.social_work_roles))
    funded_by_team = est.group_by("team_id").agg(funded_fte=lambda t: t.funded_fte.sum())
    employed_by_team = posts.filter(posts.employment != "agency").group_by("team_id").agg(
        employed=lambda t: t.fte.sum()
    )
    vac = funded_by_team.left_join(employed_by_team, "team_id").drop("team_id_right")
    vac = vac.mutate(vacancy_fte=ibis.greatest(vac.funded_fte - vac.employed.fill_null(0), 0))
    t = with_council(s, teams(s))
    vac = vac.join(t, vac.team_id == t.team_id).select(vac.funded_fte, vac.vacancy_fte, *[t[k] for k in keys])
    vacancies = vac.group_by(keys).agg(
        funded_fte=lambda x: x.funded_fte.sum(), vacancy_fte=lambda x: x.vacancy_fte.sum()
    )
    j = join_at_level(s, level, in_post, vacancies)
    out = j.select(
        *keys,
        **in_post_columns(j),
        agency_target=ibis.literal(s.config.workforce.agency_target),
        asye_share=ratio(j.asye, j.practitioners).round(3),
        new_to_council_share=ratio(j.new_to_council, j.headcount).round(3),
        qualified_5_years_share=ratio(j.experienced, j.qualification_known).round(3),
        long_term_absent=j.long_term_absent.fill_null(0),
    )
    return out.filter((out.headcount > 0) | out.funded_fte.notnull())


_IN_POST_DEFINITION = (
    "Social-work headcount and FTE in post, directly employed and agency FTE, agency rate (agency / (agency + "
    "employed) FTE) against the target, funded establishment, vacancies (establishment less directly employed "
    "FTE) and vacancy rate, share of practitioners who are ASYE, tenure and experience (share with the council "
    "under 2 years; share qualified 5 years or more, of those whose qualification date is known), and workers on "
    "long-term absence."
)


@metric("workforce_by_team", title="Workforce in post by team", definition=_IN_POST_DEFINITION, unit="FTE",
        polarity="neutral", reads=_POST_FIELDS + ("establishment.funded_fte", "absence.start_date"),
        order_by=("service", "team"))
def workforce_by_team(s: Scope) -> ir.Table:
    return workforce_in_post(s, "team")


@metric("workforce_by_service", title="Workforce in post by service", definition=_IN_POST_DEFINITION,
        unit="FTE", polarity="neutral", reads=_POST_FIELDS + ("establishment.funded_fte",), order_by=("service",))
def workforce_by_service(s: Scope) -> ir.Table:
    return workforce_in_post(s, "service")


@metric("workforce_council", title="Workforce in post, whole council", definition=_IN_POST_DEFINITION,
        unit="FTE", polarity="neutral", reads=_POST_FIELDS + ("establishment.funded_fte",))
def workforce_council(s: Scope) -> ir.Table:
    return workforce_in_post(s, "council")


def _edge_posts(s: Scope, *, last: bool) -> ir.Table:
    """Each worker's first or last social-work post: the team, role and FTE they joined into or left from."""
    p = s.table("worker_post")
    p = p.filter(p.role.isin(s.config.workforce.social_work_roles))
    order = [p.start_date.desc(), p.post_id.desc()] if last else [p.start_date.asc(), p.post_id.asc()]
    first_in_order = ibis.row_number().over(group_by=p.worker_id, order_by=order)
    return p.mutate(_n=first_in_order).filter(lambda t: t._n == 0).select("worker_id", "team_id", "role", "fte")


def _movers(s: Scope, date_column: str, posts: ir.Table) -> ir.Table:
    """Workers whose council start date or last day of service falls in the period, with the post they joined
    or left."""
    w = s.table("worker")
    moved = w.filter(w[date_column] >= s.start, w[date_column] <= s.as_at)
    t = teams(s)
    return (
        moved.join(posts, moved.worker_id == posts.worker_id)
        .join(t, posts.team_id == t.team_id)
        .select(
            moved.worker_id, worker=moved["name"], team_id=posts.team_id, team=t.team, service=t.service,
            role=posts.role, fte=posts.fte, employment=moved.employment, start_date=moved.start_date,
            end_date=moved.end_date, leave_reason=moved.leave_reason,
            leaver_destination=moved.leaver_destination, start_origin=moved.start_origin,
        )
    )


_MOVER_FIELDS = (
    "worker.start_date", "worker.end_date", "worker.employment", "worker.leave_reason",
    "worker.leaver_destination", "worker_post.team_id", "worker_post.fte",
)


@metric("leavers", title="Leavers", unit="workers", polarity="lower_is_better",
        definition="Social workers whose last day of service with the council fell in the period, with the "
        "team, role and FTE they left from, their reason for leaving and destination (the collated exit "
        "reasons).",
        reads=_MOVER_FIELDS, order_by=("end_date", "worker_id"))
def leavers(s: Scope) -> ir.Table:
    return _movers(s, "end_date", _edge_posts(s, last=True))


@metric("starters", title="Starters", unit="workers", polarity="higher_is_better",
        definition="Social workers who started with the council in the period, with their first team, role, "
        "FTE and where they came from.",
        reads=_MOVER_FIELDS, order_by=("start_date", "worker_id"))
def starters(s: Scope) -> ir.Table:
    return _movers(s, "start_date", _edge_posts(s, last=False))


def turnover_rates(
    employed_leavers_fte: ir.NumericValue, employed_fte_at_end: ir.NumericValue, first_day: ir.DateValue,
    last_day: ir.DateValue,
) -> dict[str, ir.Value]:
    """The DfE turnover rate over first_day..last_day (leavers FTE / FTE in post at the end) as it is, and
    annualised to set beside England's annual figure: x 365 / days, except over exactly a year (definitions.md,
    Workforce)."""
    days = last_day.delta(first_day, unit="day") + 1
    raw = ratio(employed_leavers_fte, employed_fte_at_end)
    a_year = (first_day + ibis.interval(years=1)) == (last_day + ibis.interval(days=1))
    return {
        "period_days": days,
        "turnover_rate": raw.round(3),
        "turnover_rate_annualised": ibis.ifelse(a_year, raw, raw * 365 / days).round(3),
    }


def census_year(day: date) -> tuple[date, date]:
    """The workforce census year ending on the latest 30 September on or before `day`: 1 October to 30
    September, over which DfE counts leavers (and in post at whose end)."""
    end = date(day.year if (day.month, day.day) >= (9, 30) else day.year - 1, 9, 30)
    return date(end.year - 1, 10, 1), end


def turnover(s: Scope, level: Level) -> ir.Table:
    keys = list(LEVEL_KEYS[level])

    def counts(t: ir.Table, prefix: str) -> ir.Table:
        return with_council(s, t).group_by(keys).agg(
            **{
                f"{prefix}": lambda x: x.count(),
                f"{prefix}_fte": lambda x: x.fte.sum(),
                f"{prefix}_employed_fte": lambda x: ibis.ifelse(x.employment != "agency", x.fte, 0).sum(),
                f"{prefix}_agency": lambda x: (x.employment == "agency").sum(),
            }
        )

    in_post = with_council(s, social_work_posts(s)).group_by(keys).agg(
        employed_fte_at_end=lambda t: ibis.ifelse(t.employment != "agency", t.fte, 0).sum()
    )
    j = join_at_level(s, level, counts(leavers(s), "leavers"), counts(starters(s), "starters"), in_post)
    out = j.select(
        *keys,
        starters=j.starters.fill_null(0),
        starters_fte=j.starters_fte.fill_null(0).round(2),
        leavers=j.leavers.fill_null(0),
        leavers_fte=j.leavers_fte.fill_null(0).round(2),
        agency_leavers=j.leavers_agency.fill_null(0),
        employed_leavers_fte=j.leavers_employed_fte.fill_null(0).round(2),
        employed_fte_at_end=j.employed_fte_at_end.fill_null(0).round(2),
        **turnover_rates(j.leavers_employed_fte.fill_null(0), j.employed_fte_at_end, s.first_day, s.day),
    )
    return out.filter((out.starters > 0) | (out.leavers > 0) | (out.employed_fte_at_end > 0))


_TURNOVER_DEFINITION = (
    "Starters and leavers in the period (headcount and FTE, agency leavers shown apart; a leaver counts in the "
    "period holding their last day of service) and the turnover rate: FTE of directly employed leavers / "
    "directly employed FTE in post at the end of the period (DfE census method, over any period), as it is "
    "for the period's days (turnover_rate) and annualised, x 365 / days, to set beside England's annual figure "
    "(turnover_rate_annualised; the same over exactly a year, as DfE's year to 30 September is)."
)


@metric("turnover_by_team", title="Starters, leavers and turnover by team", definition=_TURNOVER_DEFINITION,
        unit="rate", polarity="lower_is_better", reads=_MOVER_FIELDS, order_by=("service", "team"))
def turnover_by_team(s: Scope) -> ir.Table:
    return turnover(s, "team")


@metric("turnover_by_service", title="Starters, leavers and turnover by service",
        definition=_TURNOVER_DEFINITION, unit="rate", polarity="lower_is_better", reads=_MOVER_FIELDS,
        order_by=("service",))
def turnover_by_service(s: Scope) -> ir.Table:
    return turnover(s, "service")


@metric("turnover_council", title="Starters, leavers and turnover, whole council",
        definition=_TURNOVER_DEFINITION, unit="rate", polarity="lower_is_better", reads=_MOVER_FIELDS)
def turnover_council(s: Scope) -> ir.Table:
    return turnover(s, "council")


@metric("leavers_by_reason", title="Why social workers left", unit="workers", polarity="neutral",
        definition="Leavers in the period by service, reason for leaving and destination, with FTE: the exit "
        "reasons collated, as seed 000 found they never were.",
        reads=_MOVER_FIELDS, order_by=("service", "leavers desc", "reason", "destination"))
def leavers_by_reason(s: Scope) -> ir.Table:
    gone = leavers(s)
    return gone.group_by(
        "service",
        reason=gone.leave_reason.fill_null("not recorded"),
        destination=gone.leaver_destination.fill_null("not recorded"),
    ).agg(leavers=lambda t: t.count(), fte=lambda t: t.fte.sum().round(2))

