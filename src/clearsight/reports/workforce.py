"""Workforce: who is leaving, from which teams and why; agency, vacancies and the early-warning signals.

Seed 000: 30 social workers left two teams and "no specific alert was given". The headline is the council's
turnover against England's for the matching year, then the agency and vacancy rates; the teams with signals
come before the tables.
"""

from __future__ import annotations

from clearsight.metrics.figures import compute
from clearsight.metrics.workforce import census_year
from clearsight.render.values import long_date, percent
from clearsight.reports.comparators import england_text
from clearsight.reports.request import Request
from clearsight.reports.sections import council_row, plural, section
from clearsight.reports.series import monthly_series
from clearsight.reports.view import View, col

TEAM = (col("team", "Team"), col("service", "Service", vocabulary="service"))
TURNOVER_COLUMNS = (
    *TEAM, col("starters", "Starters", "count"), col("leavers", "Leavers", "count"),
    col("agency_leavers", "Agency leavers", "count"), col("employed_leavers_fte", "Employed leavers (FTE)", "number"),
    col("employed_fte_at_end", "Employed FTE at end", "number"),
    col("turnover_rate", "Turnover in the period (employed leavers FTE / employed FTE at end)", "rate"),
    col("turnover_rate_annualised", "Turnover annualised (x 365 / days)", "rate"),
)
REASON_COLUMNS = (
    col("service", "Service", vocabulary="service"), col("reason", "Why they left", vocabulary="leave_reason"),
    col("destination", "Where they went", vocabulary="leaver_destination"), col("leavers", "Leavers", "count"),
    col("fte", "FTE", "number"),
)
IN_POST_COLUMNS = (
    *TEAM, col("headcount", "Headcount", "count"), col("employed_fte", "Employed FTE", "number"),
    col("agency_fte", "Agency FTE", "number"), col("agency_rate", "Agency (agency FTE / all FTE)", "rate"),
    col("funded_fte", "Funded FTE", "number"), col("vacancy_fte", "Vacant FTE", "number"),
    col("vacancy_rate", "Vacancy (vacant FTE / vacant + in post)", "rate"),
    col("asye_share", "Newly qualified (ASYE)", "rate"), col("long_term_absent", "Long-term absent", "count"),
)
SIGNAL_COLUMNS = (
    *TEAM, col("signals", "Signals"), col("leavers_in_window", "Leavers in window", "count"),
    col("vacancy_rate", "Vacancy", "rate"), col("agency_rate", "Agency", "rate"),
    col("asye_share", "Newly qualified", "rate"), col("weeks_caseload_above_standard", "Weeks over standard", "count"),
)
MONTHLY_COLUMNS = (
    col("month", "Month"), col("headcount", "Headcount", "count"), col("fte", "FTE", "number"),
    col("agency_rate", "Agency", "rate"), col("vacancy_rate", "Vacancy", "rate"), col("starters", "Starters", "count"),
    col("leavers", "Leavers", "count"), col("turnover_rate", "Turnover in the month", "rate"),
)


def _signal_words(row: dict) -> str:
    return ", ".join(k.removesuffix("_alert").replace("_", " ") for k in row if k.endswith("_alert") and row[k])


def build(req: Request, monthly: bool = False) -> View:
    con, snap, config, team = req.con, req.snapshot, req.config, req.team
    start, end = req.start or req.as_at, req.as_at
    census_start, census_end = census_year(end)
    figures = {
        "in_post": compute(con, snap, "workforce_by_team", end, config, team),
        "turnover": compute(con, snap, "turnover_by_team", end, config, team, period_start=start),
        "reasons": compute(con, snap, "leavers_by_reason", end, config, period_start=start),
        "council": compute(con, snap, "turnover_council", end, config, period_start=start),
        "census": compute(con, snap, "turnover_council", census_end, config, period_start=census_start),
        "council_in_post": compute(con, snap, "workforce_council", end, config),
        "signals": compute(con, snap, "workforce_signals", end, config, team),
        "absence": compute(con, snap, "absence", end, config, period_start=start),
    }
    c = council_row(figures["council"]) or next(iter(figures["council"].records()), {})
    census = next(iter(figures["census"].records()), {})
    p = next(iter(figures["council_in_post"].records()), {})
    signals = [{**r, "signals": _signal_words(r)} for r in figures["signals"].records()]
    signals = [r for r in signals if r["signals"]]
    absence = council_row(figures["absence"])
    headline = [
        f"{plural(c.get('leavers'), 'leaver')} and {plural(c.get('starters'), 'starter')} from {long_date(start)} "
        f"to {long_date(end)}; turnover {percent(c.get('turnover_rate'))} over the {c.get('period_days')} days, "
        f"{percent(c.get('turnover_rate_annualised'))} annualised ({england_text(req, 'turnover_rate', end, start)}).",
        f"DfE's turnover for the year to {long_date(census_end)}: {percent(census.get('turnover_rate'))} "
        f"({england_text(req, 'turnover_rate', census_end, census_start)}).",
        f"Agency {percent(p.get('agency_rate'))} of FTE against a target of {config.workforce.agency_target:.0%} "
        f"({england_text(req, 'agency_rate', end)}); vacancies {percent(p.get('vacancy_rate'))} "
        f"({england_text(req, 'vacancy_rate', end)}).",
        (f"Early-warning signals in {plural(len(signals), 'team')}: "
         + "; ".join(f"{r['team']} ({r['signals']})" for r in signals[:4]) + ("…" if len(signals) > 4 else ""))
        if signals else "No team shows an early-warning signal.",
    ]
    if absence:
        headline.append(f"Sickness absence {percent(absence.get('sickness_rate'))} of working days available "
                        f"({england_text(req, 'absence_rate', end, start)}).")
    sections = [
        section("signals", f"Early-warning signals on {long_date(end)}", signals, SIGNAL_COLUMNS),
        section("turnover", f"Starters, leavers and turnover, {start} to {end}", figures["turnover"].records(),
                TURNOVER_COLUMNS, notes=(figures["turnover"].metric.definition,)),
        section("reasons", f"Why they left, {start} to {end}", figures["reasons"].records(), REASON_COLUMNS),
        section("in_post", f"In post on {end}", figures["in_post"].records(), IN_POST_COLUMNS,
                notes=(figures["in_post"].metric.definition,)),
    ]
    if monthly:
        series = monthly_series(con, snap, start, end, as_at_metric="workforce_council",
                                period_metric="turnover_council", config=config)
        sections.append(section("monthly", "Month by month (in post at the month's end; leavers in the month)",
                                series, MONTHLY_COLUMNS))
    return View("workforce", "Workforce",
                f"{req.council}" + (f", {team}" if team else "") + f", {long_date(start)} to {long_date(end)}",
                tuple(headline), tuple(sections), req.provenance(figures["turnover"].provenance), figures,
                req.warnings)
