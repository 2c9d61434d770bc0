"""Case audits: how many were done, what they found, and how much rosier managers' grades are.

Seed 000: the council relied on case audits "carried out by other managers"; Ofsted found them "overly
optimistic". Seed 003 set a target of 25 independent audits a month. The optimism gap compares the grades
managers gave with independent auditors' grades on the same cases where both exist (within a window), with a
95% confidence interval so a handful of pairs is not over-read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.metrics.lazy import ibis
from clearsight.metrics.levels import LEVEL_KEYS, LEVELS, all_levels, ratio, teams, with_council
from clearsight.metrics.registry import Scope, metric

if TYPE_CHECKING:
    import ibis.expr.types as ir

# Higher is worse, as Ofsted's scale reads: outstanding 1 ... inadequate 4.
GRADE_SCORE = {"outstanding": 1, "good": 2, "requires_improvement": 3, "inadequate": 4}

_READS = ("case_audit.child_id", "case_audit.audit_date", "case_audit.auditor_kind", "case_audit.grade",
          "case_audit.team_id")


def _audits_in_period(s: Scope) -> ir.Table:
    a = s.table("case_audit")
    a = a.filter(a.audit_date >= s.first_day, a.audit_date <= s.day)
    score = a.grade.cases(*GRADE_SCORE.items(), else_=ibis.null("int64"))
    t = teams(s)
    return with_council(s, a.left_join(t, a.team_id == t.team_id).select(
        a.audit_id, a.child_id, a.audit_date, a.auditor_kind, a.grade, score=score, team_id=a.team_id,
        team=t.team, service=t.service,
    ))


@metric(
    "case_audits", title="Case audits by auditor and grade", unit="audits", polarity="neutral", reads=_READS,
    definition="Audits in the period by team, service and council: how many by managers and by independent "
    "auditors, the independent audits against the monthly target, and the share graded good or better and "
    "inadequate by each kind of auditor.",
    order_by=("level", "service", "team"),
)
def case_audits(s: Scope) -> ir.Table:
    rows = _audits_in_period(s)
    good = rows.score <= GRADE_SCORE["good"]
    bad = rows.score == GRADE_SCORE["inadequate"]
    manager, independent = rows.auditor_kind == "manager", rows.auditor_kind == "independent"
    months = (s.day.delta(s.first_day, unit="day") + 1) / 30.4375
    out = all_levels(
        s, rows,
        audits=rows.count(),
        manager_audits=manager.sum(),
        independent_audits=independent.sum(),
        manager_good=(manager & good).sum(),
        independent_good=(independent & good).sum(),
        manager_inadequate=(manager & bad).sum(),
        independent_inadequate=(independent & bad).sum(),
    )
    target = s.config.quality.independent_audits_a_month
    return out.select(
        "level", "council", "service", "team_id", "team",
        audits=out.audits.fill_null(0),
        manager_audits=out.manager_audits.fill_null(0),
        independent_audits=out.independent_audits.fill_null(0),
        # The monthly target is the council's, not each team's.
        independent_target=ibis.ifelse(out.level == "council", (months * target).round(0), ibis.null("float64")),
        manager_good_share=ratio(out.manager_good, out.manager_audits).round(3),
        independent_good_share=ratio(out.independent_good, out.independent_audits).round(3),
        manager_inadequate_share=ratio(out.manager_inadequate, out.manager_audits).round(3),
        independent_inadequate_share=ratio(out.independent_inadequate, out.independent_audits).round(3),
    ).filter(lambda t: (t.level != "team") | (t.audits > 0))


def _pairs(s: Scope) -> ir.Table:
    """Each manager audit in the period with the independent audit of the same child nearest in time within the
    pairing window, and diff = independent grade - manager grade (positive: the manager rosier)."""
    rows = _audits_in_period(s)
    manager = rows.filter(rows.auditor_kind == "manager")
    a = s.table("case_audit")
    independent = a.filter(a.auditor_kind == "independent").select(
        "child_id", i_id="audit_id", i_date="audit_date", i_grade="grade",
        i_score=a.grade.cases(*GRADE_SCORE.items(), else_=ibis.null("int64")),
    )
    window = s.config.quality.pairing_window_days
    pairs = manager.join(
        independent,
        (manager.child_id == independent.child_id)
        & (independent.i_date >= manager.audit_date - ibis.interval(days=window))
        & (independent.i_date <= manager.audit_date + ibis.interval(days=window)),
    )
    # One independent audit per manager audit: the nearest in time (two on one day: the first recorded, so the
    # figure does not depend on the order the engine reads them in).
    nearest = ibis.row_number().over(
        group_by=pairs.audit_id,
        order_by=[pairs.i_date.delta(pairs.audit_date, unit="day").abs(), pairs.i_date, pairs.i_id],
    )
    pairs = pairs.mutate(_n=nearest).filter(lambda t: t._n == 0)
    return pairs.mutate(diff=(pairs.i_score - pairs.score).cast("float64"))


@metric(
    "optimism_gap_pairs", title="Case audits paired: manager's grade beside the independent auditor's",
    unit="audits", polarity="neutral", reads=_READS,
    definition="The pairs the optimism gap is measured on: each manager audit in the period with the same "
    "child's independent audit nearest in time within the pairing window, both grades and the difference "
    "(independent - manager on outstanding 1 .. inadequate 4; positive: the manager rosier).",
    order_by=("audit_date", "audit_id"),
)
def optimism_gap_pairs(s: Scope) -> ir.Table:
    p = _pairs(s)
    return p.select("child_id", "team_id", "team", "service", "audit_id", "audit_date", manager_grade=p.grade,
                    independent_audit_id=p.i_id, independent_date=p.i_date, independent_grade=p.i_grade,
                    gap=p["diff"])


@metric(
    "optimism_gap", title="Managers' audit grades against independent auditors'", unit="grades",
    polarity="lower_is_better", reads=_READS,
    definition="Cases audited by a manager and by an independent auditor within the pairing window, the "
    "manager's audit in the period: pairs, the mean of (independent grade - manager grade) on the scale "
    "outstanding 1 .. inadequate 4 (positive: managers rosier), its 95% confidence interval, and the share of "
    "pairs where the manager graded better.",
    order_by=("level", "service", "team"),
)
def optimism_gap(s: Scope) -> ir.Table:
    pairs = _pairs(s)
    out = all_levels(
        s, pairs,
        pairs=pairs.count(),
        mean_gap=pairs["diff"].mean(),
        sd=pairs["diff"].std(),
        manager_better=(pairs["diff"] > 0).sum(),
    )
    half_width = 1.96 * out.sd / out.pairs.cast("float64").sqrt()
    return out.select(
        "level", "council", "service", "team_id", "team",
        pairs=out.pairs.fill_null(0),
        mean_gap=out.mean_gap.round(2),
        ci_low=(out.mean_gap - half_width).round(2),
        ci_high=(out.mean_gap + half_width).round(2),
        manager_better_share=ratio(out.manager_better, out.pairs).round(3),
    ).filter(lambda t: (t.level != "team") | (t.pairs > 0))


@metric(
    "optimism_gap_by_quarter", title="Managers' audit grades against independent auditors', team by quarter",
    unit="grades", polarity="lower_is_better", reads=_READS,
    definition="Where the same cases were not audited by both, the comparison definitions.md falls back on: "
    "for each team, service and the council in each calendar quarter of the period, the managers' and the "
    "independent auditors' audits and mean grades (outstanding 1 .. inadequate 4), the gap (independent mean - "
    "manager mean; positive: managers rosier) and its 95% confidence interval (Welch), left empty with fewer "
    "than two audits of either kind.",
    order_by=("quarter", "level", "service", "team"),
)
def optimism_gap_by_quarter(s: Scope) -> ir.Table:
    rows = _audits_in_period(s)
    rows = rows.mutate(quarter=rows.audit_date.year().cast("string") + "-Q" + rows.audit_date.quarter().cast("string"))
    rows = rows.mutate(score=rows.score.cast("float64"))
    manager, independent = rows.auditor_kind == "manager", rows.auditor_kind == "independent"
    team_keys = LEVEL_KEYS["team"]
    parts = []
    for level in LEVELS:
        keys = ["quarter", *LEVEL_KEYS[level]]
        part = rows.group_by(keys).agg(
            manager_audits=manager.sum(),
            independent_audits=independent.sum(),
            manager_mean=rows.score.mean(where=manager),
            independent_mean=rows.score.mean(where=independent),
            _manager_var=rows.score.var(where=manager),
            _independent_var=rows.score.var(where=independent),
        )
        missing = {k: ibis.null("string") for k in team_keys if k not in part.columns}
        parts.append(part.mutate(level=ibis.literal(level), **missing))
    out = ibis.union(*(p.select("quarter", "level", *team_keys, *[c for c in p.columns if c not in (
        "quarter", "level", *team_keys)]) for p in parts))
    gap = out.independent_mean - out.manager_mean
    enough = (out.manager_audits >= 2) & (out.independent_audits >= 2)
    half_width = 1.96 * (out._manager_var / out.manager_audits + out._independent_var / out.independent_audits).sqrt()
    return out.select(
        "quarter", "level", *team_keys, "manager_audits", "independent_audits",
        manager_mean=out.manager_mean.round(2), independent_mean=out.independent_mean.round(2),
        gap=gap.round(2),
        ci_low=ibis.ifelse(enough, gap - half_width, ibis.null("float64")).round(2),
        ci_high=ibis.ifelse(enough, gap + half_width, ibis.null("float64")).round(2),
    )
