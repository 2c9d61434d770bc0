"""Early-warning signals about the workforce, by team, each a figure with its own history.

Seed 000: 30 social workers left two teams over seven months and "no specific alert was given". These are the
readings the alert rules watch; each can be computed for any date, so the history of a signal is the same
metric run on earlier dates. Thresholds are council settings (`WorkforceSettings`).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from clearsight.metrics.caseload import caseload_by_worker
from clearsight.metrics.levels import ratio
from clearsight.metrics.registry import Scope, metric
from clearsight.metrics.workforce import leavers, workforce_in_post


def _team_caseload_above_standard(s: Scope) -> ir.Table:
    """1 for a team whose practitioners' caseload per FTE is above the social-worker upper standard."""
    w = caseload_by_worker(s)
    w = w.filter(w.role.isin(s.config.allocation.case_holding_roles))
    upper = s.config.caseload_standards[s.config.posts_standard_role].upper
    by_team = w.group_by("team_id").agg(cases=lambda t: t.caseload.sum(), fte=lambda t: t.fte.sum())
    return by_team.select("team_id", above=ibis.ifelse(ratio(by_team.cases, by_team.fte) > upper, 1, 0))


@metric(
    "workforce_signals", title="Workforce early-warning signals by team", unit="signals",
    polarity="lower_is_better",
    reads=("worker.end_date", "worker_post.team_id", "worker_post.fte", "worker.employment",
           "establishment.funded_fte", "allocation.worker_id"),
    definition="Per team on the date: leavers in the rolling window (count and share of FTE) against the "
    "thresholds; vacancy rate now and at the start of the window (rising?); agency rate against the target; "
    "share of practitioners who are ASYE; consecutive weekly readings with caseload per FTE above standard. "
    "Each `*_alert` column is true when its threshold is crossed.",
    order_by=("service", "team"),
)
def workforce_signals(s: Scope) -> ir.Table:
    cfg = s.config.workforce
    window = cfg.leavers_window_days
    now = workforce_in_post(s, "team")
    before = workforce_in_post(s.days_before(window), "team").select(
        "team_id", vacancy_rate_before="vacancy_rate"
    )
    gone = leavers(s.period_of(window)).group_by("team_id").agg(
        leavers_in_window=lambda t: t.count(), leavers_fte=lambda t: t.fte.sum()
    )
    weeks = [_team_caseload_above_standard(s.days_before(7 * i)).rename(**{f"w{i}": "above"})
             for i in range(cfg.caseload_alert_weeks)]
    j = now.left_join(before, "team_id").drop("team_id_right").left_join(gone, "team_id").drop("team_id_right")
    for week in weeks:
        j = j.left_join(week, "team_id").drop("team_id_right")
    # Consecutive weeks above standard counting back from the as-at date: the sum over i of "weeks 0..i were
    # all above", which stops growing at the first week below.
    streak = ibis.literal(0)
    for i in range(cfg.caseload_alert_weeks):
        flags = [j[f"w{k}"].fill_null(0) for k in range(i + 1)]
        all_above = flags[0]
        for flag in flags[1:]:
            all_above = all_above * flag
        streak = streak + all_above
    leavers_n = j.leavers_in_window.fill_null(0)
    leaver_rate = ratio(j.leavers_fte.fill_null(0), j.fte)
    out = j.select(
        "council", "service", "team_id", "team",
        leavers_in_window=leavers_n,
        leaver_rate=leaver_rate.round(3),
        leavers_alert=(leavers_n >= cfg.leavers_alert_count) | (leaver_rate.fill_null(0) >= cfg.leavers_alert_rate),
        vacancy_rate="vacancy_rate",
        vacancy_rate_before="vacancy_rate_before",
        vacancy_rising_alert=(j.vacancy_rate.fill_null(0) - j.vacancy_rate_before.fill_null(0))
        >= cfg.vacancy_rise_alert,
        agency_rate="agency_rate",
        agency_alert=j.agency_rate.fill_null(0) > cfg.agency_target,
        asye_share="asye_share",
        newly_qualified_alert=j.asye_share.fill_null(0) >= cfg.newly_qualified_share_alert,
        weeks_caseload_above_standard=streak,
        caseload_alert=streak >= cfg.caseload_alert_weeks,
    )
    return out
