"""Workforce: who is leaving, from which teams and why; agency, vacancies and the early-warning signals (the
workforce alert rules).

Seed 000: 30 social workers left two teams and "no specific alert was given". The headline is the council's
turnover against England's for the matching year, then the agency and vacancy rates; the teams with signals
come before the tables.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from clearsight.alerts.rules import Readings, evaluate_rule
from clearsight.metrics.figures import compute
from clearsight.metrics.parallel import each_at_once
from clearsight.metrics.registry import get_metric
from clearsight.metrics.workforce import census_year
from clearsight.render.values import long_date, percent
from clearsight.reports.alerts import reading_words
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
    # the leavers' FTE, keyed apart from staff in post's "fte" (which names no one): it gives a small count back
    col("leavers_fte", "FTE", "number"),
)
IN_POST_COLUMNS = (
    *TEAM, col("headcount", "Headcount", "count"), col("employed_fte", "Employed FTE", "number"),
    col("agency_fte", "Agency FTE", "number"), col("agency_rate", "Agency (agency FTE / all FTE)", "rate"),
    col("funded_fte", "Funded FTE", "number"), col("vacancy_fte", "Vacant FTE", "number"),
    col("vacancy_rate", "Vacancy (vacant FTE / vacant + in post)", "rate"),
    col("asye_share", "Newly qualified (ASYE)", "rate"), col("long_term_absent", "Long-term absent", "count"),
)
SIGNAL_COLUMNS = (
    col("whose", "Whose"), col("signal", "Signal"), col("figure", "Figure"), col("severity", "Severity"),
    col("rule", "Rule", detail=True),
)
MONTHLY_COLUMNS = (
    col("month", "Month"), col("headcount", "Headcount", "count"), col("fte", "FTE", "number"),
    col("agency_rate", "Agency", "rate"), col("vacancy_rate", "Vacancy", "rate"), col("starters", "Starters", "count"),
    col("leavers", "Leavers", "count"), col("turnover_rate", "Turnover in the month", "rate"),
)


WORKFORCE_FAMILIES = ("clearsight.metrics.workforce", "clearsight.metrics.caseload")


def workforce_signals(req: Request) -> list[dict[str, Any]]:
    """The alert rules reading the workforce and caseload metrics whose condition holds on the as-at date, for the
    council and each team: the same rules `clearsight alerts` raises, read here without raising."""
    readings = Readings(req.con, req.snapshot, req.config)
    rows = []
    for name, rule in req.config.alerts.active.items():
        if rule.scope not in ("council", "team") or get_metric(rule.metric).build.__module__ not in WORKFORCE_FAMILIES:
            continue
        for holds, reading in evaluate_rule(rule, readings, req.as_at).values():
            if holds and (req.team is None or reading.name == req.team or rule.scope == "council"):
                rows.append({"whose": reading.name, "signal": rule.title, "severity": rule.severity, "rule": name,
                             "figure": reading_words(rule, reading)})
    return sorted(rows, key=lambda r: (r["whose"] != req.council, r["whose"], r["signal"]))


def build(req: Request, monthly: bool = False) -> View:
    con, snap, config, team = req.con, req.snapshot, req.config, req.team
    start, end = req.start or req.as_at, req.as_at
    census_start, census_end = census_year(end)
    figures = each_at_once({
        "in_post": partial(compute, con, snap, "workforce_by_team", end, config, team),
        "turnover": partial(compute, con, snap, "turnover_by_team", end, config, team, period_start=start),
        "reasons": partial(compute, con, snap, "leavers_by_reason", end, config, period_start=start),
        "council": partial(compute, con, snap, "turnover_council", end, config, period_start=start),
        "census": partial(compute, con, snap, "turnover_council", census_end, config, period_start=census_start),
        "council_in_post": partial(compute, con, snap, "workforce_council", end, config),
        "absence": partial(compute, con, snap, "absence", end, config, period_start=start),
    })
    c = council_row(figures["council"]) or next(iter(figures["council"].records()), {})
    census = next(iter(figures["census"].records()), {})
    p = next(iter(figures["council_in_post"].records()), {})
    signals = workforce_signals(req)
    absence = council_row(figures["absence"])
    # A team's own figures lead its view, the council's beside them; the council's alone otherwise.
    mine = next(iter(figures["turnover"].records()), {}) if team else c
    mine_in_post = next(iter(figures["in_post"].records()), {}) if team else p
    beside = f"{req.council} {percent(c.get('turnover_rate_annualised'))}; " if team else ""
    headline = [
        (f"{team}: " if team else "")
        + f"{plural(mine.get('leavers'), 'leaver')} and {plural(mine.get('starters'), 'starter')} from "
        f"{long_date(start)} to {long_date(end)}; turnover {percent(mine.get('turnover_rate'))} over the "
        f"{c.get('period_days')} days, {percent(mine.get('turnover_rate_annualised'))} annualised ({beside}"
        f"{england_text(req, 'turnover_rate', end, start)}).",
        (f"{req.council}: " if team else "")
        + f"DfE's turnover for the year to {long_date(census_end)}: {percent(census.get('turnover_rate'))} "
        f"({england_text(req, 'turnover_rate', census_end, census_start)}).",
        f"Agency {percent(mine_in_post.get('agency_rate'))} of FTE against a target of "
        f"{config.workforce.agency_target:.0%} ("
        + (f"{req.council} {percent(p.get('agency_rate'))}; " if team else "")
        + f"{england_text(req, 'agency_rate', end)}); vacancies {percent(mine_in_post.get('vacancy_rate'))} ("
        + (f"{req.council} {percent(p.get('vacancy_rate'))}; " if team else "")
        + f"{england_text(req, 'vacancy_rate', end)}).",
        (f"{plural(len(signals), 'early-warning signal')}: "
         + "; ".join(f"{r['whose']} ({r['signal'].lower()}: {r['figure']})" for r in signals[:4])
         + ("…" if len(signals) > 4 else ""))
        if signals else "No early-warning signal in the workforce.",
    ]
    if absence:
        headline.append((f"{req.council}: " if team else "")
                        + f"Sickness absence {percent(absence.get('sickness_rate'))} of working days available "
                        f"({england_text(req, 'absence_rate', end, start)}).")
    sections = [
        section("signals", f"Early-warning signals on {long_date(end)}", signals, SIGNAL_COLUMNS,
                notes=("The alert rules on the workforce and caseload figures (`alerts.rules` in the "
                       "settings), as `clearsight alerts` raises them.",)),
        section("turnover", f"Starters, leavers and turnover, {long_date(start)} to {long_date(end)}", figures["turnover"].records(),
                TURNOVER_COLUMNS, notes=(figures["turnover"].metric.definition,)),
        section("reasons", f"Why they left, {long_date(start)} to {long_date(end)}", _leavers_fte(figures["reasons"].records()),
                REASON_COLUMNS),
        section("in_post", f"In post on {long_date(end)}", figures["in_post"].records(), IN_POST_COLUMNS,
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


def _leavers_fte(rows: list[dict]) -> list[dict]:
    """The reasons' rows with their FTE as `leavers_fte`: withheld for members beside a withheld count."""
    return [{**{k: v for k, v in r.items() if k != "fte"}, "leavers_fte": r.get("fte")} for r in rows]
