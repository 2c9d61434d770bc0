"""Flow and outcomes (DfE definitions): the funnel from contacts to plans, re-referrals, repeat and long CP
plans, placement stability, care leavers and rates per 10,000 children, each beside England's figure."""

from __future__ import annotations

from functools import partial

from clearsight.metrics.figures import compute, compute_monthly
from clearsight.metrics.flow import FUNNEL_TEAM_RULE
from clearsight.metrics.parallel import each_at_once
from clearsight.render.values import long_date, percent
from clearsight.reports.comparators import comparator, no_england_note
from clearsight.reports.request import Request
from clearsight.reports.sections import section
from clearsight.reports.view import View, col

# (label, metric, column, England indicator or None, unit)
INDICATORS: tuple[tuple[str, str, str, str | None, str], ...] = (
    ("Contacts", "flow_funnel", "contacts", None, "count"),
    ("Referrals", "flow_funnel", "referrals", None, "count"),
    ("Contacts leading to a referral", "flow_funnel", "contact_to_referral_rate", None, "rate"),
    ("Referrals leading to an assessment", "flow_funnel", "referral_to_assessment_rate", None, "rate"),
    ("Assessments leading to a section 47", "flow_funnel", "assessment_to_s47_rate", None, "rate"),
    ("Section 47s leading to an ICPC", "flow_funnel", "s47_to_icpc_rate", None, "rate"),
    ("ICPCs leading to a CP plan", "flow_funnel", "icpc_to_cp_plan_rate", None, "rate"),
    ("CP plans started", "flow_funnel", "cp_plans", None, "count"),
    ("Periods of care started", "flow_funnel", "cla_periods_started", None, "count"),
    ("Periods of care ended", "flow_funnel", "cla_periods_ended", None, "count"),
    ("Re-referrals within 12 months", "re_referrals", "rate", "re_referral_rate", "rate"),
    ("Repeat CP plans", "repeat_cp_plans", "rate", "repeat_cp_plan_rate", "rate"),
    ("CP plans open 2 years or more", "cp_plans_two_years", "rate", "cp_two_years", "rate"),
    ("Looked after with 3+ placements in the year", "placement_stability", "three_or_more_rate",
     "placement_3plus", "rate"),
    ("Long-term placement stability", "placement_stability", "long_term_stability_rate", "long_term_stability",
     "rate"),
    ("Looked-after children missing from placement", "cla_missing", "missing_rate", None, "rate"),
    ("Looked-after children away from placement without authorisation", "cla_missing", "away_rate", None, "rate"),
    ("Unaccompanied asylum-seeking children looked after", "uasc_looked_after", "uasc", None, "count"),
    ("Care leavers in touch", "care_leavers_outcomes", "in_touch_rate", None, "rate"),
    ("Care leavers in suitable accommodation", "care_leavers_outcomes", "suitable_accommodation_rate", None, "rate"),
    ("Care leavers in education, employment or training", "care_leavers_outcomes", "eet_rate", None, "rate"),
    ("Children in need per 10,000", "rates_per_10000", "children_in_need_rate", "cin_rate", "number"),
    ("CP plans per 10,000", "rates_per_10000", "cp_plans_rate", "cp_rate", "number"),
    ("Looked after per 10,000", "rates_per_10000", "looked_after_rate", "cla_rate", "number"),
    ("Referrals in the period per 10,000", "rates_per_10000", "referrals_rate", "referral_rate", "number"),
)
# Figures that need years of records before the period (repeat plans, long-term stability): when the data
# starts too late the figure says so instead of standing beside England's.
HISTORY_COLUMNS = ("rate", "long_term_stability_rate")
PERIOD_METRICS = ("flow_funnel", "re_referrals", "repeat_cp_plans", "rates_per_10000", "cla_missing")
AS_AT_METRICS = ("cp_plans_two_years", "placement_stability", "care_leavers_outcomes", "uasc_looked_after")
FUNNEL_COLUMNS = (
    col("referrals", "Referrals", "count"), col("referral_to_assessment_rate", "to assessment", "rate"),
    col("assessments", "Assessments", "count"), col("assessment_to_s47_rate", "to S47", "rate"),
    col("s47s", "S47 enquiries", "count"), col("s47_to_icpc_rate", "to ICPC", "rate"), col("icpcs", "ICPCs", "count"),
    col("icpc_to_cp_plan_rate", "to CP plan", "rate"), col("cp_plans", "CP plans", "count"),
)


def _shown(value: float | int | None, unit: str) -> str:
    if value is None:
        return "–"
    return percent(value) if unit == "rate" else f"{value:,.1f}" if unit == "number" else f"{round(value):,}"


def build(req: Request, monthly: bool = False) -> View:
    con, snap, config = req.con, req.snapshot, req.config
    start, end = req.start or req.as_at, req.as_at
    subtitle = f"{req.council}, events {long_date(start)} to {long_date(end)}"
    if monthly:
        series = compute_monthly(con, snap, "flow_funnel", start, end, period=True, config=config)
        series = series.where(series.metric, level="council")
        rows = series.records()
        total = sum(r.get("referrals") or 0 for r in rows)
        return View("flow", "The funnel by month", subtitle,
                    (f"{total:,} referrals in {len(rows)} months.",),
                    (section("monthly", "Council, month by month", rows,
                             (col("month_start", "Month", "date"), col("contacts", "Contacts", "count"),
                              col("contact_to_referral_rate", "to referral", "rate"), *FUNNEL_COLUMNS,
                              col("cla_periods_started", "Care started", "count"),
                              col("cla_periods_ended", "Care ended", "count"))),),
                    req.provenance(series.provenance), {"flow_funnel": series}, req.warnings)
    figures = each_at_once({name: partial(compute, con, snap, name, end, config,
                                          period_start=start if name in PERIOD_METRICS else None)
                            for name in (*PERIOD_METRICS, *AS_AT_METRICS)})
    council = {name: next((r for r in f.records() if r["level"] == "council" and r.get("age_group", "all") == "all"),
                          {}) for name, f in figures.items()}
    rows = []
    for label, name, column, indicator, unit in INDICATORS:
        over_period = name in PERIOD_METRICS and (name != "rates_per_10000" or column == "referrals_rate")
        b = comparator(req, indicator, end, start if over_period else None) if indicator else None
        line = council[name]
        short = line.get("history_status") == "too_short" and column in HISTORY_COLUMNS
        value, england = line.get(column), b.england if b and not short else None
        over = f"{start} to {end}" if over_period else f"on {end}"
        rows.append({"indicator": label, "value": value, "england": england, "unit": unit, "over": over,
                     "council_shown": _shown(value, unit), "england_shown": _shown(england, unit)
                     if not short else "not comparable: history too short",
                     "confidence": figures[name].provenance.confidence,
                     "history_from": line.get("history_from") if column in HISTORY_COLUMNS else None,
                     "metric": name, "column": column,
                     "england_year": b.period if b else None, "england_note": b.note if b else None})
    funnel = [r for r in figures["flow_funnel"].records() if r["level"] != "council"]
    c = council["flow_funnel"]
    headline = [f"{c.get('contacts') or 0:,} contacts led to {c.get('referrals') or 0:,} referrals, "
                f"{c.get('assessments') or 0:,} assessments, {c.get('s47s') or 0:,} section 47 enquiries and "
                f"{c.get('cp_plans') or 0:,} child protection plans."]
    population = council["rates_per_10000"]
    notes = [f"Rates per 10,000 use {population['population']:,} children aged 0-17 (mid-"
             f"{population['population_year']} estimate); referrals are for the period, not annualised."] \
        if population.get("population_year") is not None else []
    sections = (
        section("indicators", "Council", rows,
                (col("indicator", "Indicator"), col("value", "Value", detail=True),
                 col("england", "England value", detail=True), col("unit", "Unit", detail=True), col("over", "Over"),
                 col("council_shown", "Council", "figure"), col("england_shown", "England", "figure"),
                 col("confidence", "Confidence", "grade"), col("history_from", "Records from", "date", detail=True),
                 col("england_year", "England's year", detail=True),
                 col("england_note", "England: why none", detail=True)),
                notes=(*notes, *no_england_note(rows, "england"))),
        section("funnel", "Funnel by service and team (contacts belong to no team)", funnel,
                (col("level", "Level", vocabulary="level"), col("service", "Service", vocabulary="service"),
                 col("team", "Team"), *FUNNEL_COLUMNS), notes=(FUNNEL_TEAM_RULE,)),
    )
    figure_warnings = tuple(w for f in figures.values() for w in f.provenance.warnings)
    return View("flow", "Flow and outcomes", subtitle, tuple(headline), sections,
                req.provenance(figures["flow_funnel"].provenance), figures, (*req.warnings, *figure_warnings))
