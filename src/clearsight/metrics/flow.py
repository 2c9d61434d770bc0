"""Flow and outcomes: how children move through the system, by the DfE definitions (definitions.md).

The funnel (contacts, referrals, assessments, section 47 enquiries, ICPCs, CP plans, periods of care) counts
events in a period; re-referrals, repeat CP plans, long CP plans and placement stability are the DfE's
children in need and looked-after indicators, each with the list of children behind it; care leavers'
outcomes and the rates per 10,000 children are council figures, as the DfE publishes them. In the funnel, all of
a child's events in the period count in one team (`FUNNEL_TEAM_RULE`), so a team's stages follow the same
children; the other figures take the team holding the case on the day of each record (`with_team_on`). Records
with no team (contacts, care leavers, population) are counted at council level only.

Repeat CP plans ("ever") and long-term placement stability (2.5 years in care) look back years: where the
records start too late for that (`HistorySettings`), the figure says so in `history_status` and a
`data_warning` that lowers its confidence grade, rather than set an understated rate beside England's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.allocation import open_case_teams
from clearsight.metrics.intervals import current, open_ended
from clearsight.metrics.kpi import kpi, plus, with_case_team, with_team_on
from clearsight.metrics.lazy import ibis
from clearsight.metrics.levels import all_levels, ratio, with_council
from clearsight.metrics.placements import PLACEMENT_FIELDS, current_placements, placement_episodes
from clearsight.metrics.registry import Scope, metric

if TYPE_CHECKING:
    import ibis.expr.types as ir

_TEAM_FIELDS = ("episode.team_id", "allocation.team_id", "allocation.start_date", "allocation.end_date", "team.service")


def _in_period(s: Scope, day: ir.DateValue) -> ir.BooleanValue:
    return (day >= s.first_day) & (day <= s.day)


def _flag(condition: ir.BooleanValue) -> ir.IntegerValue:
    """1 where `condition` holds, else 0 (null counts as not): sums portably on every engine."""
    return ibis.ifelse(condition.fill_null(False), 1, 0)


# --- the funnel ----------------------------------------------------------------------------------------------

# Each stage: its events in the period and whether each went on to the next stage by the as-at date.
STAGES = ("contact", "referral", "assessment", "s47", "icpc", "cp_plan", "cla_start", "cla_end")
# Output names: (count, converted count, conversion rate) per stage that converts.
_CONVERSIONS = {
    "contact": ("contacts", "contacts_to_referral", "contact_to_referral_rate"),
    "referral": ("referrals", "referrals_to_assessment", "referral_to_assessment_rate"),
    "assessment": ("assessments", "assessments_to_s47", "assessment_to_s47_rate"),
    "s47": ("s47s", "s47s_to_icpc", "s47_to_icpc_rate"),
    "icpc": ("icpcs", "icpcs_to_cp_plan", "icpc_to_cp_plan_rate"),
}
_FUNNEL_FIELDS = (
    "contact.contact_date", "contact.outcome", "episode.referral_date", "assessment.start_date",
    "s47.strategy_date", "icpc.conference_date", "icpc.resulted_in_plan", "cp_plan.start_date",
    "cla_episode.period_id", "cla_episode.start_date", "cla_episode.end_date", *_TEAM_FIELDS,
)
_COUNTS = {"cp_plan": "cp_plans", "cla_start": "cla_periods_started", "cla_end": "cla_periods_ended"}


FUNNEL_TEAM_RULE = (
    "Every event of a child in the period counts in one team: the team holding the child's case on the day of "
    "their first event in the period (the team of the latest allocation current that day, else the team the "
    "record names; events on one day in funnel order), so each team's funnel follows the children whose work "
    "in the period began with it, and no stage counts a child whom the stage before counted elsewhere."
)


def _event(event: str, record_id: ir.StringValue, child_id: ir.StringValue, day: ir.DateValue,
           converted: ir.BooleanValue, own_team: ir.StringValue) -> dict[str, ir.Value]:
    return {
        "event": ibis.literal(event), "record_id": record_id.cast("string"), "child_id": child_id,
        "event_date": day, "converted": converted.fill_null(False), "_own_team": own_team.cast("string"),
    }


def _episodes_with(s: Scope, table: str, day: str) -> ir.Table:
    """Episodes with a `table` record (assessment, s47) starting on or before the as-at date."""
    t = s.table(table)
    return t.filter(t[day] <= s.day).select(_ep=t.episode_id).distinct()


def _periods_of_care(s: Scope) -> ir.Table:
    """One row per period of care: its first day and, once every episode in it has ended, its last."""
    c = s.table("cla_episode")
    g = c.group_by(["period_id", "child_id"]).agg(
        period_start=c.start_date.min(), _last=c.end_date.max(), _open=c.count() - c.end_date.count()
    )
    return g.select("period_id", "child_id", "period_start",
                    period_end=ibis.ifelse(g._open == 0, g._last, ibis.null("date")))


def _in_one_team(events: ir.Table) -> ir.Table:
    """`events` (with their team on the day) moved to the team of each child's first event (FUNNEL_TEAM_RULE)."""
    stage = ibis.cases(*((events.event == name, i) for i, name in enumerate(STAGES)), else_=len(STAGES))
    first = ibis.row_number().over(group_by=events.child_id, order_by=[events.event_date, stage, events.record_id])
    ranked = events.mutate(_n=first)
    lead = ranked.filter(ranked._n == 0).select(
        _child=ranked.child_id, _team_id=ranked.team_id, _team=ranked.team, _service=ranked.service).view()
    j = events.left_join(lead, events.child_id == lead._child)
    own = [events[c] for c in events.columns if c not in ("team_id", "team", "service")]
    return j.select(*own, team_id=lead._team_id, team=lead._team, service=lead._service)


@metric(
    "flow_events", title="The funnel: the records behind each stage", unit="events", polarity="neutral",
    reads=_FUNNEL_FIELDS,
    definition="One row per event in the period: contacts (and whether the front door's outcome was a "
    "referral), referrals (episodes; whether an assessment started by the as-at date), assessments started "
    "(whether their episode had a section 47 enquiry), section 47 enquiries (whether an ICPC was held), ICPCs "
    "held (whether a CP plan resulted), CP plans started, and periods of care started and ended. Team: "
    f"{FUNNEL_TEAM_RULE} Contacts have none.",
    order_by=("event", "event_date", "record_id"),
)
def flow_events(s: Scope) -> ir.Table:
    c, e, a, q, i, p = (s.table(n) for n in ("contact", "episode", "assessment", "s47", "icpc", "cp_plan"))
    contacts = c.filter(_in_period(s, c.contact_date))
    contacts = contacts.select(**_event("contact", contacts.contact_id, contacts.child_id, contacts.contact_date,
                                        contacts.outcome == "referral", ibis.null("string")))

    referrals = e.filter(_in_period(s, e.referral_date))
    assessed = _episodes_with(s, "assessment", "start_date")
    referrals = referrals.left_join(assessed, referrals.episode_id == assessed._ep).select(**_event(
        "referral", referrals.episode_id, referrals.child_id, referrals.referral_date, assessed._ep.notnull(),
        referrals.team_id))

    started = a.filter(_in_period(s, a.start_date))
    enquired = _episodes_with(s, "s47", "strategy_date")
    started = started.left_join(enquired, started.episode_id == enquired._ep).select(**_event(
        "assessment", started.assessment_id, started.child_id, started.start_date, enquired._ep.notnull(),
        started.team_id))

    held = i.filter(i.conference_date <= s.day).select(_s47=i.s47_id).distinct()
    s47s = q.filter(_in_period(s, q.strategy_date))
    s47s = s47s.left_join(held, s47s.s47_id == held._s47).left_join(e, s47s.episode_id == e.episode_id).select(
        **_event("s47", s47s.s47_id, s47s.child_id, s47s.strategy_date, held._s47.notnull(), e.team_id))

    icpcs = i.filter(_in_period(s, i.conference_date))
    icpcs = icpcs.left_join(q, icpcs.s47_id == q.s47_id).left_join(e, q.episode_id == e.episode_id).select(
        **_event("icpc", icpcs.icpc_id, icpcs.child_id, icpcs.conference_date, icpcs.resulted_in_plan, e.team_id))

    plans = p.filter(_in_period(s, p.start_date))
    plans = plans.left_join(e, plans.episode_id == e.episode_id).select(**_event(
        "cp_plan", plans.cp_plan_id, plans.child_id, plans.start_date, ibis.literal(False), e.team_id))

    periods = _periods_of_care(s)
    no_team = ibis.null("string")
    starts = periods.filter(_in_period(s, periods.period_start))
    starts = starts.select(**_event("cla_start", starts.period_id, starts.child_id, starts.period_start,
                                    ibis.literal(False), no_team))
    ends = periods.filter(_in_period(s, periods.period_end))
    ends = ends.select(**_event("cla_end", ends.period_id, ends.child_id, ends.period_end, ibis.literal(False),
                                no_team))

    casework = ibis.union(referrals, started, s47s, icpcs, plans, starts, ends)
    casework = casework.mutate(_key=casework.event.concat(":", casework.record_id))
    casework = _in_one_team(with_team_on(s, casework, "_key", "event_date", fallback="_own_team").drop("_key"))
    # The front door's contacts belong to no team: counted at council level only.
    contacts = contacts.drop("_own_team").mutate(
        team_id=ibis.null("string"), team=ibis.null("string"), service=ibis.null("string"))
    return ibis.union(casework.select(*contacts.columns), contacts)


@metric(
    "flow_funnel", title="The funnel: contacts to CP plans, and periods of care", unit="events",
    polarity="neutral", reads=_FUNNEL_FIELDS,
    definition="Events in the period (DfE CIN census and SSDA903 counts) by team, service and council, and "
    "the conversion from each stage to the next: contacts whose outcome was a referral / contacts; referrals "
    "(all, no further action included) with an assessment started by the as-at date / referrals; assessments "
    "started whose episode had a section 47 enquiry / assessments; section 47 enquiries followed by an ICPC / "
    "enquiries; ICPCs resulting in a CP plan / ICPCs. Also CP plans started and periods of care started and "
    f"ended. {FUNNEL_TEAM_RULE} Contacts belong to no team and are shown at council level only.",
    order_by=("level", "service", "team"),
)
def flow_funnel(s: Scope) -> ir.Table:
    rows = with_council(s, flow_events(s))
    counts: dict[str, ir.Value] = {}
    for stage in STAGES:
        this = rows.event == stage
        if stage in _CONVERSIONS:
            total, converted, _rate = _CONVERSIONS[stage]
            counts[total] = _flag(this).sum()
            counts[converted] = _flag(this & rows.converted).sum()
        else:
            counts[_COUNTS[stage]] = _flag(this).sum()
    out = all_levels(s, rows, **counts)
    council = out.level == "council"
    columns: dict[str, ir.Value] = {}
    for stage in STAGES:
        names = _CONVERSIONS.get(stage, (_COUNTS.get(stage),))
        for name in names[:2]:
            value = out[name].fill_null(0)
            columns[name] = ibis.ifelse(council, value, ibis.null("int64")) if stage == "contact" else value
        if len(names) == 3:
            columns[names[2]] = ratio(columns[names[1]], columns[names[0]]).round(3)
    out = out.select("level", "council", "service", "team_id", "team", **columns)
    active = sum((out[n] for n in ("referrals", "assessments", "s47s", "icpcs", "cp_plans")), ibis.literal(0))
    return out.filter((out.level == "council") | (active > 0))


# --- re-referrals and repeat plans: a record measured against the same child's earlier ones -----------------


def _with_earlier(rows: ir.Table, history: ir.Table, key: str, day: str, count: str, latest: str) -> ir.Table:
    """`rows` plus, from `history` (the same table, all time), how many of the child's records started strictly
    before each row's `day` (`count`) and the latest of their start dates (`latest`)."""
    of = rows.select(_of=rows.child_id).distinct()
    # Only the children with a record in the period, by an inner join to them rather than a semi join, which
    # DuckDB cannot flatten into a monthly series (clearsight.metrics.figures.series_sql): the same rows.
    history = history.join(of, history.child_id == of._of).drop("_of")
    h = history.select(_child=history.child_id, _day=history[day], _id=history[key])
    # Window functions over the child's history, not a self-join: rank() counts the records on earlier days
    # (ties share a rank), and the previous distinct day is the latest of them.
    h = h.mutate(**{count: ibis.rank().over(group_by=h._child, order_by=h._day)})
    days = h.select("_child", "_day").distinct()
    days = days.mutate(**{latest: days._day.lag().over(group_by=days._child, order_by=days._day)})
    h = h.join(days, ["_child", "_day"]).select("_id", count, latest)
    j = rows.left_join(h, rows[key] == h._id)
    return j.select(*[rows[c] for c in rows.columns], j[count].fill_null(0).name(count), j[latest])


@kpi(
    "re_referrals", title="Re-referrals within 12 months", polarity="lower_is_better", period=True,
    reads=("episode.child_id", "episode.referral_date", *_TEAM_FIELDS),
    definition="Referrals in the period (every CIN episode's referral, no further action included) that came "
    "within 12 months of a previous referral for the same child (DfE CIN census; England 2025: 22.6%). "
    "'Within 12 months' includes the anniversary: a referral on 1 May 2024 after one on 1 May 2023 is a "
    "re-referral, one on 2 May 2024 is not. The team is the one holding the case on the referral date, else "
    "the episode's.",
    measures={"re_referral": "re_referral"}, order_by=("re_referral desc", "referral_date", "episode_id"),
    unit="referrals",
)
def re_referrals_children(s: Scope) -> ir.Table:
    e = s.table("episode")
    r = e.filter(_in_period(s, e.referral_date))
    r = r.select("episode_id", "child_id", "referral_date", "referral_nfa", _own_team=r.team_id)
    r = _with_earlier(r, e, "episode_id", "referral_date", "earlier_referrals", "previous_referral_date")
    r = r.mutate(re_referral=(r.previous_referral_date >= plus(r.referral_date, months=-12)).fill_null(False))
    return with_team_on(s, r, "episode_id", "referral_date", fallback="_own_team")


def _history(s: Scope, table: str, needed_from: ir.DateValue, figure: str, needs: str) -> ir.Table:
    """One row: when the records of `table` start (`history_from`: the council's `records_from` setting, else
    the earliest end date in the table, since extracts keep ended records only from their window's start),
    whether that reaches back to `needed_from` (`history_status`: sufficient or too_short), and, when it does
    not, a `data_warning` saying so (it lowers the figure's confidence grade)."""
    t = s.table(table)
    declared = s.config.history.records_from
    start = ibis.literal(declared) if declared else t.end_date.min()
    h = t.aggregate(history_from=start)
    enough = (h.history_from <= needed_from).fill_null(False)
    shown = h.history_from.cast("string").fill_null("no ended record")
    warning = ibis.literal(f"{figure}: the records start ").concat(
        shown, f", later than the {needs} the figure needs; the rate is understated, not comparable with England")
    return h.select(
        "history_from", history_status=ibis.ifelse(enough, "sufficient", "too_short"),
        data_warning=ibis.ifelse(enough, ibis.null("string"), warning),
    )


def _repeat_plan_history(s: Scope) -> ir.Table:
    years = s.config.history.repeat_cp_plan_years
    return _history(s, "cp_plan", plus(s.first_day, months=-12 * years), "repeat CP plans",
                    f"{years} years before the period")


@kpi(
    "repeat_cp_plans", title="Repeat child protection plans", polarity="lower_is_better", period=True,
    reads=("cp_plan.child_id", "cp_plan.start_date", "cp_plan.episode_id", *_TEAM_FIELDS),
    definition="CP plans starting in the period that are the child's second or subsequent plan ever, i.e. the "
    "records hold an earlier plan for the child however long ago (DfE CIN census; England 2025: 24.5%). The "
    "team is the one holding the case on the plan's start date, else the episode's. 'Ever' needs history: "
    "history_from is when the plan records start (the council's records_from setting, else the earliest end "
    "date of a plan) and history_status is too_short, with a data warning lowering the confidence grade, when "
    "that is less than the required years (default 10) before the period.",
    measures={"repeat_plan": "repeat_plan"}, order_by=("repeat_plan desc", "start_date", "cp_plan_id"),
    unit="plans", context=_repeat_plan_history,
)
def repeat_cp_plans_children(s: Scope) -> ir.Table:
    p, e = s.table("cp_plan"), s.table("episode")
    plans = p.filter(_in_period(s, p.start_date))
    plans = plans.left_join(e, plans.episode_id == e.episode_id).select(
        plans.cp_plan_id, plans.child_id, plans.start_date, plans.initial_category, _own_team=e.team_id)
    plans = _with_earlier(plans, p, "cp_plan_id", "start_date", "earlier_plans", "previous_plan_start")
    plans = plans.mutate(repeat_plan=plans.earlier_plans > 0)
    return with_team_on(s, plans, "cp_plan_id", "start_date", fallback="_own_team")


@kpi(
    "cp_plans_two_years", title="CP plans open two years or more", polarity="lower_is_better", period=False,
    reads=("cp_plan.child_id", "cp_plan.start_date", "cp_plan.end_date", *_TEAM_FIELDS),
    definition="CP plans open on the as-at date, and those open two years or more, i.e. started on or before "
    "the date two years earlier (DfE CIN census, at 31 March; England 2025: 2.3%). The team is the case's "
    "team on the date, else the episode's.",
    measures={"two_years_or_more": "two_years_or_more"}, order_by=("days_open desc", "cp_plan_id"),
    unit="plans",
)
def cp_plans_two_years_children(s: Scope) -> ir.Table:
    p, e = s.table("cp_plan"), s.table("episode")
    plans = current(p, s.day)
    plans = plans.left_join(e, plans.episode_id == e.episode_id).select(
        plans.cp_plan_id, plans.child_id, plans.start_date, _own_team=e.team_id)
    plans = plans.mutate(
        days_open=s.day.delta(plans.start_date, unit="day"),
        two_years_or_more=plans.start_date <= plus(s.day, months=-24),
    )
    return with_case_team(s, plans, fallback="_own_team")


# --- placement stability ------------------------------------------------------------------------------------

_PLACEMENT_FIELDS = (*PLACEMENT_FIELDS, "child.dob", *_TEAM_FIELDS)


@metric(
    "placement_stability_children", title="Placement stability: the children behind the figures",
    unit="children", polarity="neutral",
    reads=_PLACEMENT_FIELDS,
    definition="Children looked after on the as-at date, one row each: placements in the 365 days to the date "
    "(the placement held on the first day, plus every episode starting after it that starts a placement: not "
    "a change of legal status only, 903 reason L), the start of the current period of care and of the current "
    "placement (the latest episode in the period starting a placement: an approximation of 'same placement', "
    "which the 903 records only as episodes), and the DfE tests (3+ placements; under 16, looked after 2.5+ "
    "years, same placement 2+ years). The team is the case's team on the date.",
    order_by=("placements_in_year desc", "child_id"),
)
def placement_stability_children(s: Scope) -> ir.Table:
    now = current_placements(s).select("child_id", "period_id", "period_start", "placement_start")
    year_start = plus(s.day, days=-364)
    c = placement_episodes(s)
    in_year = c.filter(c.start_date <= s.day, open_ended(c.end_date) > year_start)
    counted = (in_year.start_date <= year_start) | in_year.new_placement
    placements = in_year.group_by(_pc=in_year.child_id).agg(placements_in_year=_flag(counted).sum())
    child = s.table("child").select(_cc="child_id", dob="dob")
    rows = now.left_join(placements, now.child_id == placements._pc).left_join(child, now.child_id == child._cc)
    rows = rows.select(
        now.child_id, now.period_id, rows.dob, now.period_start, now.placement_start,
        placements_in_year=rows.placements_in_year.fill_null(1),
    )
    rows = rows.mutate(
        three_or_more=rows.placements_in_year >= 3,
        long_term_eligible=(rows.dob > plus(s.day, months=-12 * 16)).fill_null(False)
        & (rows.period_start <= plus(s.day, months=-30)),
        same_placement_two_years=rows.placement_start <= plus(s.day, months=-24),
    )
    return with_case_team(s, rows)


@metric(
    "placement_stability", title="Placement stability of looked-after children", unit="rate",
    polarity="neutral", reads=_PLACEMENT_FIELDS,
    definition="DfE SSDA903 stability indicators as at the date (the DfE takes 31 March and the year before it; "
    "here the as-at date and the 365 days to it), by team, service and council: children looked after, the "
    "share with 3 or more placements in the year (England 2025: 10%, lower is better), and of those under 16 "
    "looked after 2.5 years or more, the share in the same placement for 2 years or more (England 2025: 69%, "
    "higher is better; 'same placement' approximated from 903 episodes, adoption placements not joined to "
    "the placement before them). Long-term stability needs history: history_from is when the looked-after "
    "records start (the council's records_from setting, else the earliest episode end date) and "
    "history_status is too_short, with a data warning lowering the confidence grade, when that is less than "
    "the required months (default 30) before the date.",
    order_by=("level", "service", "team"),
)
def placement_stability(s: Scope) -> ir.Table:
    rows = with_council(s, placement_stability_children(s))
    out = all_levels(
        s, rows,
        looked_after=rows.count(),
        three_or_more=_flag(rows.three_or_more).sum(),
        long_term_eligible=_flag(rows.long_term_eligible).sum(),
        long_term_stable=_flag(rows.long_term_eligible & rows.same_placement_two_years).sum(),
    )
    counts = {n: out[n].fill_null(0) for n in ("looked_after", "three_or_more", "long_term_eligible",
                                               "long_term_stable")}
    months = s.config.history.long_term_stability_months
    history = _history(s, "cla_episode", plus(s.day, months=-months), "long-term placement stability",
                       f"{months} months before the date")
    out = out.select(
        "level", "council", "service", "team_id", "team", **counts,
        three_or_more_rate=ratio(counts["three_or_more"], counts["looked_after"]).round(3),
        long_term_stability_rate=ratio(counts["long_term_stable"], counts["long_term_eligible"]).round(3),
    ).filter(lambda t: (t.level != "team") | (t.looked_after > 0))
    return out.cross_join(history)


# --- council figures: care leavers and rates per 10,000 children -------------------------------------------

# SSDA903 care leaver activity: F* full-time and P* part-time education, training or employment; G* not.
_EET_PREFIXES = ("F", "P")


def _single_row(s: Scope, t: ir.Table) -> ir.Table:
    """A one-row council table: level and council name beside `t`'s columns."""
    return t.mutate(level=ibis.literal("council"), council=ibis.literal(s.council)).select(
        "level", "council", *t.columns)


@metric(
    "care_leavers_outcomes", title="Care leavers: in touch, suitably housed, in education or work",
    unit="young people", polarity="higher_is_better",
    reads=("care_leaver.child_id", "care_leaver.in_touch", "care_leaver.suitable", "care_leaver.activity",
           "child.dob"),
    definition="Care leavers' latest status as the extract records it (SSDA903 care leaver fields; the table "
    "holds no history, so the as-at date only sets their ages), for the council only (care leavers have no "
    "team here), for all care leavers and for the DfE's age groups 17-18 and 19-21: the shares the council is "
    "in touch with, in suitable accommodation, and in education, employment or training (activity F* full-"
    "time or P* part-time; G* is not EET). Denominator: every care leaver in the group.",
    order_by=("age_group",),
)
def care_leavers_outcomes(s: Scope) -> ir.Table:
    cl = s.table("care_leaver")
    child = s.table("child")
    rows = cl.left_join(child, cl.child_id == child.child_id).select(
        cl.in_touch, cl.suitable, eet=cl.activity.substr(0, 1).isin(_EET_PREFIXES), dob=child.dob)

    def born(after_years: int, until_years: int) -> ir.BooleanValue:  # aged until_years..after_years - 1
        return (rows.dob > plus(s.day, months=-12 * after_years)) & (rows.dob <= plus(s.day, months=-12 * until_years))

    groups = [
        rows.mutate(age_group=ibis.literal("all")),
        rows.filter(born(19, 17)).mutate(age_group=ibis.literal("17-18")),
        rows.filter(born(22, 19)).mutate(age_group=ibis.literal("19-21")),
    ]
    g = ibis.union(*groups)
    out = g.group_by("age_group").agg(
        care_leavers=g.count(), in_touch=_flag(g.in_touch).sum(), suitable_accommodation=_flag(g.suitable).sum(),
        eet=_flag(g.eet).sum(),
    )
    out = out.mutate(
        in_touch_rate=ratio(out.in_touch, out.care_leavers).round(3),
        suitable_accommodation_rate=ratio(out.suitable_accommodation, out.care_leavers).round(3),
        eet_rate=ratio(out.eet, out.care_leavers).round(3),
    )
    return _single_row(s, out)


def _population(s: Scope) -> ir.Table:
    """Children aged 0-17 in the mid-year estimate for the year before the as-at date's year (DfE: the
    preceding year's estimate), else the nearest later year the table holds. One row: year, children."""
    pop = s.table("population")
    years = pop.group_by("year").agg(population=pop.children.sum())
    wanted = s.day.year() - 1
    later = years.year > wanted
    nearest = ibis.row_number().over(order_by=[
        _flag(later), ibis.ifelse(later, years.year, -years.year)])
    years = years.mutate(_n=nearest)
    return years.filter(years._n == 0).select(population_year=years.year, population=years.population, _k=1)


@metric(
    "rates_per_10000", title="Children in need, on CP plans, looked after and referred, per 10,000 children",
    unit="per 10,000", polarity="neutral",
    reads=("population.year", "population.children", "episode.referral_date", "episode.close_date",
           "cp_plan.start_date", "cp_plan.end_date", "cla_episode.start_date", "cla_episode.end_date"),
    definition="As at the date, for the council only (population estimates are by area, not team): children "
    "in need (open cases: an open CIN episode, CP and looked-after children included), children on CP plans, "
    "children looked after, and referrals in the period (not annualised: take a 12-month period to compare "
    "with England), each per 10,000 children aged 0-17 (DfE method: the ONS mid-year estimate for the year "
    "before the as-at date's year, summed over the age bands the population table holds; where the table has "
    "no such year, the nearest later one; `population_year` says which). England 2025: CIN 330, CP 40.6, "
    "looked after 67, referrals about 519.",
)
def rates_per_10000(s: Scope) -> ir.Table:
    e = s.table("episode")
    referred = e.filter(_in_period(s, e.referral_date))
    cases = open_case_teams(s)
    cp = current(s.table("cp_plan"), s.day)
    cla = current(s.table("cla_episode"), s.day)
    counts = {
        "children_in_need": cases.aggregate(n=cases.child_id.nunique()),
        "cp_plans": cp.aggregate(n=cp.child_id.nunique()),
        "looked_after": cla.aggregate(n=cla.child_id.nunique()),
        "referrals": referred.aggregate(n=referred.count()),
    }
    joined = None
    for name, t in counts.items():  # one-row tables side by side
        t = t.select(**{name: t.n, "_k": 1})
        joined = t if joined is None else joined.join(t, "_k")
    pop = _population(s)
    joined = joined.left_join(pop, "_k")
    per_10000 = {
        f"{name}_rate": ratio(joined[name] * 10_000, joined.population).round(1) for name in counts
    }
    return _single_row(s, joined.select("population_year", "population", *counts, **per_10000))
