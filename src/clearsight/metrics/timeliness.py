"""Timeliness of front-door decisions, assessments and initial child protection conferences, in working days.

- Assessments: DfE's published figure (CIN census; England 2025 about 85.7%) counts the assessment's duration,
  from its start to its authorisation, within 45 working days: that is `assessment_timeliness`, the figure set
  beside England's. Working Together 2023 (ch. 2) sets the 45 working days from the referral:
  `assessment_timeliness_from_referral`, which England does not publish, so it has a comparator of its own
  (a benchmark loaded under its name) and none built in. Open assessments past the 45th working day after the
  referral are overdue.
- Contacts (Working Together 2023, ch. 2): the front door decides what to do within 1 working day.
- ICPC (Working Together 2023, ch. 2): the initial child protection conference is held within 15 working days
  of the strategy discussion that started the section 47 enquiry.

Working days are counted by `clearsight.canonical.calendar` (weekends, England and Wales bank holidays and the
council's closure days are not working days): "within n working days of d" means at most n working days in
(d, completion].
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.intervals import current
from clearsight.metrics.kpi import (
    kpi, with_case_team, with_overdue, with_team_on, with_working_days_after, with_working_days_between,
)
from clearsight.metrics.lazy import ibis
from clearsight.metrics.registry import Scope

if TYPE_CHECKING:
    import ibis.expr.types as ir

_ASSESSMENT_FIELDS = (
    "assessment.start_date", "assessment.authorised_date", "assessment.episode_id", "assessment.team_id",
    "episode.referral_date", "episode.close_date", "allocation.team_id", "allocation.start_date",
    "allocation.end_date", "team.service",
)


def _assessments_with_referral(s: Scope) -> ir.Table:
    a = s.table("assessment")
    e = s.table("episode")
    return a.join(e, a.episode_id == e.episode_id).select(
        a.assessment_id, a.child_id, a.episode_id, e.referral_date, a.start_date, a.authorised_date,
        e.close_date, a.worker_id, _own_team=a.team_id,
    )


_ASSESSMENT_ROWS = (
    "Assessments authorised in the period, with the working days from the assessment's start and from the "
    "referral to authorisation. The team is the one holding the case on the day the assessment was authorised."
)


@kpi(
    "assessment_timeliness",
    title="Assessments completed within 45 working days of their start (DfE's measure)",
    definition=f"{_ASSESSMENT_ROWS} Headline: authorised within the timescale (default 45 working days) of the "
    "assessment's start, as the DfE counts it in the CIN census (England 2025: about 85.7%, the comparator); "
    "beside it, within the timescale of the referral (Working Together 2023), which England does not publish.",
    polarity="higher_is_better", reads=_ASSESSMENT_FIELDS, period=True,
    measures={"within_timescale_from_start": "within_timescale_from_start",
              "within_timescale_from_referral": "within_timescale_from_referral"},
    order_by=("within_timescale_from_start", "working_days_from_start desc", "assessment_id"), unit="assessments",
)
def assessment_timeliness_children(s: Scope) -> ir.Table:
    limit = s.config.timescales.assessment_working_days
    a = _assessments_with_referral(s)
    a = a.filter(a.authorised_date >= s.start, a.authorised_date <= s.as_at).drop("close_date")
    a = with_working_days_between(a, "referral_date", "authorised_date", "working_days_from_referral")
    a = with_working_days_between(a, "start_date", "authorised_date", "working_days_from_start")
    a = a.mutate(
        within_timescale_from_start=a.working_days_from_start <= limit,
        within_timescale_from_referral=a.working_days_from_referral <= limit,
    )
    return with_team_on(s, a, "assessment_id", "authorised_date", fallback="_own_team")


# The same assessments counted from the referral: its own KPI, so its own comparator.
kpi(
    "assessment_timeliness_from_referral",
    title="Assessments completed within 45 working days of the referral (Working Together)",
    definition=f"{_ASSESSMENT_ROWS} Headline: authorised within the timescale (default 45 working days) of the "
    "referral, as Working Together 2023 sets it; England publishes no such figure (its 85.7% counts from the "
    "assessment's start), so none is built in: a benchmark for it is loaded under this KPI's name. Beside it, "
    "within the timescale of the assessment's start (DfE's measure).",
    polarity="higher_is_better", reads=_ASSESSMENT_FIELDS, period=True,
    measures={"within_timescale_from_referral": "within_timescale_from_referral",
              "within_timescale_from_start": "within_timescale_from_start"},
    order_by=("within_timescale_from_referral", "working_days_from_referral desc", "assessment_id"),
    unit="assessments", rows_of="assessment_timeliness",
)(assessment_timeliness_children)


@kpi(
    "assessments_overdue",
    title="Open assessments overdue",
    definition="Assessments open on the date (started, not yet authorised, episode not closed) and those "
    "already past the timescale (default 45 working days after the referral), with the due date and the "
    "working and calendar days overdue. The team is the case's team on the date.",
    polarity="lower_is_better", reads=_ASSESSMENT_FIELDS, period=False, measures={"overdue": "overdue"},
    order_by=("working_days_overdue desc", "assessment_id"), unit="assessments",
)
def assessments_overdue_children(s: Scope) -> ir.Table:
    limit = s.config.timescales.assessment_working_days
    a = _assessments_with_referral(s)
    a = current(a, s.as_at, "start_date", "authorised_date")
    a = a.filter(a.close_date.isnull() | (a.close_date > s.as_at)).drop("close_date", "authorised_date")
    a = with_working_days_after(a, "referral_date", limit, "due_date")
    a = a.mutate(_as_at=s.day)
    a = with_working_days_between(a, "referral_date", "_as_at", "working_days_open").drop("_as_at")
    return with_case_team(s, with_overdue(s, a, "due_date"), fallback="_own_team")


_ICPC_FIELDS = (
    "icpc.conference_date", "icpc.s47_id", "s47.strategy_date", "s47.episode_id", "episode.team_id",
    "allocation.team_id", "allocation.start_date", "allocation.end_date", "team.service",
)


@kpi(
    "icpc_timeliness",
    title="ICPCs within 15 working days of the strategy discussion",
    definition="Initial child protection conferences held in the period, and whether within the timescale "
    "(default 15 working days) of the strategy discussion that started the section 47 enquiry (Working "
    "Together 2023). The team is the one holding the case on the day of the conference.",
    polarity="higher_is_better", reads=_ICPC_FIELDS, period=True, measures={"within_timescale": "within_timescale"},
    order_by=("within_timescale", "working_days desc", "icpc_id"), unit="conferences",
)
def icpc_timeliness_children(s: Scope) -> ir.Table:
    i = s.table("icpc")
    q = s.table("s47")
    e = s.table("episode")
    held = i.filter(i.conference_date >= s.start, i.conference_date <= s.as_at)
    j = held.join(q, held.s47_id == q.s47_id).left_join(e, q.episode_id == e.episode_id)
    rows = j.select(
        held.icpc_id, held.s47_id, held.child_id, q.strategy_date, held.conference_date, held.resulted_in_plan,
        _own_team=e.team_id,
    )
    rows = with_working_days_between(rows, "strategy_date", "conference_date", "working_days")
    rows = rows.mutate(within_timescale=rows.working_days <= s.config.timescales.icpc_working_days)
    return with_team_on(s, rows, "icpc_id", "conference_date", fallback="_own_team")


_CONTACT_FIELDS = (
    "contact.contact_date", "contact.decision_date", "contact.outcome", "allocation.team_id",
    "allocation.start_date", "allocation.end_date", "team.service",
)


@kpi(
    "referral_decisions",
    title="Contacts decided within 1 working day",
    definition="Contacts received in the period, and whether the front door decided what to do within the "
    "timescale (default 1 working day, Working Together 2023): decided in time, or not yet due on the as-at "
    "date; contacts still awaiting a decision are the second measure. Contacts about a child whose case is "
    "held by a team count in that team; the rest in the front-door team (when the council has one; else in the "
    "front_door service with no team).",
    polarity="higher_is_better", reads=_CONTACT_FIELDS, period=True,
    measures={"in_time": "in_time", "awaiting_decision": "awaiting_decision"},
    order_by=("in_time", "working_days_to_decision desc", "contact_id"), unit="contacts",
)
def referral_decisions_children(s: Scope) -> ir.Table:
    c = s.table("contact")
    c = c.filter(c.contact_date >= s.start, c.contact_date <= s.as_at)
    rows = c.select("contact_id", "child_id", "contact_date", "outcome", decided=c.decision_date)
    # A decision recorded after the as-at date had not been made on it.
    rows = rows.mutate(decision_date=ibis.ifelse(rows.decided <= s.as_at, rows.decided, ibis.null("date")))
    rows = with_working_days_after(rows.drop("decided"), "contact_date",
                                   s.config.timescales.referral_decision_working_days, "due_date")
    rows = with_working_days_between(rows, "contact_date", "decision_date", "working_days_to_decision")
    rows = with_overdue(s, rows, "due_date", "_late", detail=False)
    awaiting = rows.decision_date.isnull()
    rows = rows.mutate(
        awaiting_decision=awaiting,
        in_time=ibis.ifelse(awaiting, ~rows._late, rows.decision_date <= rows.due_date),
        days_overdue=ibis.ifelse(awaiting & rows._late, s.day.delta(rows.due_date, unit="day"), ibis.null("int64")),
    ).drop("_late")
    rows = with_team_on(s, rows.cross_join(_front_door_team(s)), "contact_id", "contact_date", "_front_door")
    return rows.mutate(service=rows.service.fill_null("front_door"))


def _front_door_team(s: Scope) -> ir.Table:
    """One row: the council's front-door team, when exactly one team is in the front_door service (else null)."""
    t = s.table("team")
    fd = t.filter(t.service == "front_door").aggregate(_id=t.team_id.min(), _teams=t.team_id.count())
    return fd.select(_front_door=ibis.ifelse(fd._teams == 1, fd._id, ibis.null("string")))
