"""Forecast views: looked-after children ahead with the model's own backtest beside it, demand beyond care,
and a what-if scenario against the base case (issue 19).

The question a director asks first is "how many, by when, and how sure are we": the headline gives the
projected number with its band, then how far the same model missed when it was tried on the past.
Charts are Vega-Lite specifications built from the sections' rows (aggregates only, never a child's record).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np

from clearsight.config import CouncilConfig
from clearsight.forecast.backtest import Backtest, backtest
from clearsight.forecast.demand import SERIES, DemandForecast, children_in_population, forecast_demand
from clearsight.forecast.looked_after import forecast_from_segments
from clearsight.forecast.projection import month_ends_after
from clearsight.forecast.scenario_store import SavedScenario
from clearsight.forecast.segments import CareSegments, care_segments, day_number
from clearsight.forecast.workforce_history import WorkforceRates
from clearsight.forecast.whatif import Scenario, as_recorded, footing, run_whatif
from clearsight.metrics.figures import Provenance
from clearsight.render.values import long_date
from clearsight.reports.request import Request
from clearsight.reports.sections import plural, section
from clearsight.reports.view import View, col
from clearsight.store.benchmarks import benchmark_for

_READS = ("cla_episode.start_date", "cla_episode.placement_type", "child.dob")


def _provenance(req: Request, reads: tuple[str, ...] = _READS) -> Provenance:
    """Where the forecast's figures come from: the snapshot, the records read and their completeness."""
    snap = req.snapshot
    tables = tuple(dict.fromkeys(f.split(".")[0] for f in reads))
    warnings = () if req.as_at <= snap.extract_date else (
        f"as-at date {req.as_at} is after the extract date {snap.extract_date}",)
    return req.provenance(Provenance(
        snapshot_id=snap.snapshot_id, council=snap.council, extract_date=snap.extract_date,
        content_hash=snap.content_hash, as_at=req.as_at, records={t: snap.rows(t) for t in tables},
        completeness={f: snap.completeness(*f.split(".", 1)) for f in reads}, warnings=warnings,
        thresholds=(req.config.confidence.grade_a, req.config.confidence.grade_b, req.config.confidence.grade_c),
    ))


def default_cutoff(extract_date: date, months: int = 12) -> date:
    """The month end `months` before the extract's: the backtest tries the model on the last year."""
    year, month = divmod(extract_date.year * 12 + extract_date.month - 1 - months, 12)
    return month_ends_after(date(year, month + 1, 1), 1)[0]


def _backtest_line(result: Backtest, level: float) -> str:
    return (f"Tried on the past: the forecast made as at {long_date(result.cutoff)} missed the number in care by "
            f"{result.mape:.1%} a month on average over {result.months} months (MAPE); its {level:.0%} band held "
            f"the actual total in {result.coverage:.0%} of months and each group's count in "
            f"{result.state_coverage:.0%} of month-groups.")


_COMPARED = (col("england_per_10k", "England per 10,000", "number"),
             col("region_per_10k", "Region per 10,000", "number"),
             col("neighbours_per_10k", "Neighbours per 10,000 (median)", "number"))
_BAND_COLUMNS = (col("forecast", "Forecast", "number"), col("lower", "Band, low", "number"),
                 col("upper", "Band, high", "number"))


def build_forecast(req: Request) -> View:
    """Looked-after children by age band and placement for up to three years, with the band and the backtest;
    then contacts, referrals, assessments, enquiries and plans by trend and season."""
    config = req.config
    settings = config.forecast
    segments = care_segments(req.con, req.snapshot.snapshot_id, settings)
    forecast = forecast_from_segments(segments, req.as_at, config)
    p = forecast.projection
    rates = forecast.rates
    cutoff = default_cutoff(req.snapshot.extract_date)
    trial = backtest(segments, cutoff, req.snapshot.extract_date, config) if cutoff < req.snapshot.extract_date else None
    lower, upper = p.total_band()
    ahead = {m: m - 1 for m in (12, 36) if m <= len(p.month_ends)}
    headline = [f"{plural(p.start.sum(), 'child', 'children')} looked after on {long_date(req.as_at)}; "
                + "; ".join(f"{p.total[i]:,.0f} expected by {long_date(p.month_ends[i])} ({settings.band_level:.0%} "
                            f"band {lower[i]:,.0f}-{upper[i]:,.0f})" for i in ahead.values()) + "."]
    per_10k = _looked_after_rate(req, float(p.start.sum()))
    if per_10k:
        headline[0] += " " + per_10k
    leaving = rates.moves[:, -1].sum()
    headline.append(
        f"Rates from the {settings.reference_days} days to {long_date(req.as_at)}: {rates.entries.sum():,.0f} "
        f"children came into care, {leaving:,.0f} left (18th birthdays included), "
        f"{rates.moves[:, :-1].sum():,.0f} moved group (placement or age band).")
    if trial is not None:
        headline.append(_backtest_line(trial, settings.band_level))
    history = _history(segments, req.as_at, 12)
    total_rows = history + [
        {"month_end": d, "actual": None, "forecast": float(p.total[i]), "lower": float(lower[i]),
         "upper": float(upper[i])}
        for i, d in enumerate(p.month_ends)]
    states = p.rows()
    summary = _state_summary(p, ahead)
    demand = forecast_demand(req.con, req.snapshot.snapshot_id, req.as_at, config)
    sections = (
        section("total", "Children looked after, actual and forecast, by month end", total_rows,
                (col("month_end", "Month end", "date"), col("actual", "Actual", "count"), *_BAND_COLUMNS),
                notes=(_METHOD, _band_note(settings.rate_uncertainty))),
        section("by_group", "By age band and placement: now and ahead", summary, (
            col("age_band", "Age band"), col("placement", "Placement"), col("now", "Now", "count"),
            *(c for m in ahead for c in (col(f"in_{m}", f"In {m} months", "number"),
                                         col(f"in_{m}_band", f"Band, {m} months")))),
                notes=("Age unknown: children whose date of birth is missing (no SSDA903 header row) are kept, "
                       "not dropped.",)),
        section("by_group_monthly", "By age band and placement, every month end", states, (
            col("month_end", "Month end", "date"), col("age_band", "Age band"), col("placement", "Placement"),
            *_BAND_COLUMNS), terminal=False),
        section("rates", "Daily rates fitted", _rate_rows(forecast.rates), (
            col("age_band", "Age band"), col("placement", "Placement"),
            col("child_days", "Child-days in the reference period", "count"),
            col("leaving_a_year", "Leaving care per child-year (leavers / child-days x 365)", "number"),
            col("moving_a_year", "Moves to another group per child-year", "number"),
            col("entries_a_year", "Entries a year", "number"))),
        section("demand", "Demand beyond care: actual and forecast by month end", demand.rows, (
            col("title", "Series"), col("month_end", "Month end", "date"), col("kind", "Actual or forecast"),
            col("value", "Count", "number"), col("lower", "Band, low", "number"), col("upper", "Band, high", "number"),
            col("rate_per_10k", "Per 10,000 children (a year, for flows)", "number"),
            *_COMPARED), notes=(_DEMAND_METHOD,), terminal=False),
        section("demand_ahead", "Demand beyond care: the last 12 months and the next 12", _demand_summary(demand), (
            col("title", "Series"), col("last_12", "Last 12 months (plans: at the end)", "number"),
            col("next_12", "Next 12 months, forecast (plans: at the end)", "number"),
            col("next_12_band", "Band"),
            col("rate_per_10k", "Forecast per 10,000 children", "number"),
            *_COMPARED), notes=(_DEMAND_METHOD,)),
    )
    return View("forecast", "Forecast", f"{req.council}, from {long_date(req.as_at)}", tuple(headline), sections,
                _provenance(req), {}, req.warnings)


_METHOD = ("Daily stock-and-flow model (the public cs-demand-model method): children move between age band x "
           "placement groups, leave care and enter it at the daily rates of the reference period; birthdays move "
           "them up a band and 18th birthdays out of care.")


def _band_note(rate_uncertainty: bool) -> str:
    return ("The band covers chance in moves and entries" + (" and the uncertainty of the fitted rates themselves"
            if rate_uncertainty else " at the fitted rates") + ", not a change in the rates.")
_DEMAND_METHOD = ("Each series: log(count) = level + trend + calendar-month effect, fitted on 48 months to the "
                  "as-at date; band = prediction interval (a flow's year total: drawn from the months' joint "
                  "prediction, which share the fitted line's error). Stocks (plans) are counted at month end, flows "
                  "in the month; rates per 10,000 children use the latest population estimate before the year.")


def _looked_after_rate(req: Request, children: float) -> str | None:
    """Children looked after per 10,000 aged 0-17 (the latest population estimate before the year), beside
    England's, the region's and the neighbours' (median) for the year holding the date, as held."""
    population = children_in_population(req.con, req.as_at.year - 1)
    if not population:
        return None
    bench = benchmark_for(req.con, "cla_rate", req.as_at, config=req.config)
    beside = [f"{name} {value:,.0f}" for name, value in (
        ("England", bench.england if bench else None), ("region", bench.region if bench else None),
        ("neighbours", bench.neighbours if bench else None)) if value is not None]
    return (f"That is {children / population * 10_000:,.0f} per 10,000 children"
            + (f" ({', '.join(beside)})." if beside else "."))


def _history(segments: CareSegments, as_at: date, months: int) -> list[dict[str, Any]]:
    ends = [d for d in month_ends_after(date(as_at.year - months // 12 - 1, as_at.month, 1), months + 13)
            if d <= as_at][-months:]
    stock = segments.stock_series(np.array([day_number(d) for d in ends])).sum(axis=1)
    return [{"month_end": d, "actual": float(n), "forecast": None, "lower": None, "upper": None}
            for d, n in zip(ends, stock)]


def _state_summary(p, ahead: dict[int, int]) -> list[dict[str, Any]]:
    lower, upper = p.band()
    rows = []
    for s in np.flatnonzero((p.start > 0) | (p.mean.max(axis=0) > 0.5)):
        row: dict[str, Any] = {"age_band": p.states.band_of(s), "placement": p.states.category_of(s),
                               "now": float(p.start[s])}
        for m, i in ahead.items():
            row[f"in_{m}"] = float(p.mean[i, s])
            row[f"in_{m}_band"] = f"{lower[i, s]:,.0f}-{upper[i, s]:,.0f}"
        rows.append(row)
    return rows


def _rate_rows(rates) -> list[dict[str, Any]]:
    rows = []
    for s in np.flatnonzero((rates.exposure > 0) | (rates.entries > 0)):
        days = float(rates.exposure[s])
        rows.append({
            "age_band": rates.states.band_of(s), "placement": rates.states.category_of(s), "child_days": days,
            "leaving_a_year": float(rates.moves[s, -1]) / days * 365 if days else None,
            "moving_a_year": float(rates.moves[s, :-1].sum()) / days * 365 if days else None,
            "entries_a_year": float(rates.entries[s]) / rates.days * 365,
        })
    return rows


def _demand_summary(demand: DemandForecast) -> list[dict[str, Any]]:
    """Each series' last 12 months and next 12: a stock (plans) as its level at the end, with that month's band
    and rate; a flow as the 12 months' total, with the total's own band and its rate for the year."""
    out = []
    for title in dict.fromkeys(r["title"] for r in demand.rows):
        mine = [r for r in demand.rows if r["title"] == title]
        actual = [r for r in mine if r["kind"] == "actual"][-12:]
        ahead = [r for r in mine if r["kind"] == "forecast"][:12]
        series = next(s for s in SERIES if s.title == title)
        if series.end is not None:
            last, next_12, (lower, upper) = actual[-1]["value"], ahead[-1]["value"], (ahead[-1]["lower"],
                                                                                    ahead[-1]["upper"])
            rate = ahead[-1]["rate_per_10k"]
        else:
            last, next_12 = sum(r["value"] for r in actual), sum(r["value"] for r in ahead)
            lower, upper = demand.year_ahead[series.name]
            # Each month's rate is a year's worth (x 12): the year's is their mean.
            rate = sum(r["rate_per_10k"] for r in ahead) / len(ahead) if ahead[0]["rate_per_10k"] is not None \
                else None
        out.append({"title": title, "last_12": last, "next_12": next_12, "next_12_band": f"{lower:,.0f}-{upper:,.0f}",
                    "rate_per_10k": rate, **{c.key: ahead[-1][c.key] for c in _COMPARED}})
    return out


def build_backtest(req: Request, cutoff: date | None = None) -> View:
    """The model fitted as at `cutoff` (default: a year before the extract) against what happened after."""
    config = req.config
    cutoff = cutoff or default_cutoff(req.snapshot.extract_date)
    segments = care_segments(req.con, req.snapshot.snapshot_id, config.forecast)
    result = backtest(segments, cutoff, req.snapshot.extract_date, config)
    headline = (_backtest_line(result, config.forecast.band_level),
                "A band that holds the actual much less often than its level is too narrow: read the forecast's "
                "band as the least uncertainty there is.")
    sections = (
        section("by_month", "Total by month end: forecast, band and actual", result.by_month(), (
            col("month_end", "Month end", "date"), col("actual", "Actual", "count"), *_BAND_COLUMNS,
            col("abs_pct_error", "Error (|forecast - actual| / actual)", "rate"),
            col("inside_band", "Inside the band"))),
        section("by_group", "By age band and placement", result.by_state(), (
            col("age_band", "Age band"), col("placement", "Placement"),
            col("mean_actual", "Average actual", "number"), col("mean_forecast", "Average forecast", "number"),
            col("mape", "MAPE (months with children)", "rate"), col("coverage", "Months inside the band", "rate"))),
    )
    as_of = replace(req, as_at=cutoff)
    return View("backtest", "Forecast backtest", f"{req.council}, forecast as at {long_date(cutoff)} against "
                f"the records to {long_date(req.snapshot.extract_date)}", headline, sections, _provenance(as_of),
                {}, req.warnings)


_WHATIF_READS = ("worker_post.fte", "worker_post.role", "allocation.worker_id", "episode.team_id",
                 "establishment.funded_fte", "cla_episode.start_date")


def build_whatif(req: Request, scenario: Scenario) -> View:
    """A scenario against the base case: caseloads, children waiting, posts and cost by team, with risk."""
    config: CouncilConfig = req.config
    scenario = scenario if scenario.as_at else scenario.model_copy(update={"as_at": req.as_at})
    result = run_whatif(req.con, req.snapshot, scenario, config)
    teams = result.comparison().to_pylist()
    totals = result.totals().to_pylist()
    last = result.changed.month_ends[-1]
    base_end, changed_end = (next(r for r in totals if r["month_end"] == last and r["case"] == c)
                             for c in ("base", "scenario"))
    red = [t for t in teams if t["risk"] == "red"]
    headline = [_whatif_headline(scenario, result.as_at, teams, totals),
                f"What changes: {scenario.description or scenario.name}; {plural(len(red), 'team')} rated red at "
                "their highest caseload."]
    headline.append(_staff_line(result.workforce, config.forecast.pressure_waiting_share,
                                 config.forecast.pressure_evidence_months))
    headline.append(
        f"By {long_date(last)}: {changed_end['unallocated']:,.0f} children waiting for a worker (base case "
        f"{base_end['unallocated']:,.0f}); {changed_end['posts_needed']:,.0f} posts needed to bring caseloads "
        f"within standard and allocate the waiting (base {base_end['posts_needed']:,.0f}); staff cost "
        f"£{changed_end['staff_cost']:,.0f} a month (base £{base_end['staff_cost']:,.0f}).")
    sections = (
        section("by_team", "By team, at its highest caseload under the scenario", teams, (
            col("team", "Team"), col("service", "Service", vocabulary="service", detail=True),
            col("month_end", "Month", "date"), col("base_fte", "FTE, base", "number", detail=True),
            col("fte", "FTE", "number"), col("base_caseload_per_fte", "Children per FTE, base", "number"),
            col("caseload_per_fte", "Children per FTE (held / practitioner FTE)", "number"),
            col("base_unallocated", "Waiting, base", "count"), col("unallocated", "Waiting", "count"),
            col("base_posts_needed", "Posts needed, base", "count", detail=True),
            col("posts_needed", "Posts needed", "count"),
            col("base_staff_cost", "Staff cost a month, base", "money", detail=True),
            col("staff_cost", "Staff cost a month", "money", detail=True), col("risk", "Risk", "rag")),
            notes=(_WHATIF_METHOD,)),
        section("by_month", "Whole council by month end, base and scenario", totals, (
            col("month_end", "Month end", "date"), col("case", "Case"), col("open_cases", "Open cases", "count"),
            col("unallocated", "Waiting", "count"), col("fte", "Practitioner FTE", "number"),
            col("posts_needed", "Posts needed", "count"), col("staff_cost", "Staff cost a month", "money"))),
        section("by_team_monthly", "By team and month end, scenario", result.changed.rows.to_pylist(), (
            col("month_end", "Month end", "date"), col("team", "Team"), col("open_cases", "Open cases", "count"),
            col("fte", "FTE", "number"), col("held", "Held", "count"), col("unallocated", "Waiting", "count"),
            col("caseload_per_fte", "Children per FTE", "number"),
            col("posts_for_caseloads", "Posts for caseloads", "number"),
            col("posts_for_waiting", "Posts to allocate the waiting", "number"),
            col("posts_needed_rounded_up", "Posts needed, rounded up", "count"),
            col("staff_cost", "Staff cost a month", "money"),
            col("posts_cost_permanent", "Posts' cost a month, permanent", "money"),
            col("posts_cost_agency", "Posts' cost a month, agency", "money"), col("risk", "Risk", "rag")),
            terminal=False),
    )
    if scenario.staffing or result.as_at < req.snapshot.extract_date:  # set in the past: beside the records
        recorded = as_recorded(req.con, req.snapshot, result, config)
        if recorded:
            headline.append(_recorded_line(recorded))
            sections += (section(
                "as_recorded", ("Projected with the staffing given" if scenario.staffing else "Projected")
                + ", beside the records, by team and month end",
                recorded, (
                    col("month_end", "Month end", "date"), col("team", "Team"),
                    col("fte", "FTE given" if scenario.staffing else "FTE, projected", "number"),
                    col("recorded_fte", "FTE recorded (holding cases)", "number"),
                    col("caseload_per_fte", "Children per FTE, projected", "number"),
                    col("recorded_caseload_per_fte", "Children per FTE, recorded", "number"),
                    col("unallocated", "Waiting, projected", "number"),
                    col("recorded_unallocated", "Waiting, recorded", "count")),
                notes=("FTE given or projected is in post; FTE recorded counts the practitioners holding cases that day (DfE), "
                       "so it is lower where a worker is away or has not yet been given cases. Teams set up after "
                       "the date are not projected, and their records are left out.",)),)
    as_of = replace(req, as_at=result.as_at)
    return View("whatif", "What if", f"{req.council}: {scenario.name}", tuple(headline), sections,
                _provenance(as_of, _WHATIF_READS), {}, req.warnings)


def _staff_line(rates: WorkforceRates, waiting_share: float, needed: int) -> str:
    """How the projection's staff leave and are replaced, at a team's normal load and with children waiting, and
    whether the response to pressure is the council's own fit or the configured default, in words."""
    filled = (f"vacancies filled in {12 / rates.filling:.1f} months on average, {rates.agency_share:.0%} of them "
              f"by agency staff" if rates.filling else "no vacancy filled")
    pressed_filling = rates.filling if rates.pressed_filling is None else rates.pressed_filling
    pressed_share = rates.agency_share if rates.pressed_agency_share is None else rates.pressed_agency_share
    pressed_leaving = rates.agency_leaving if rates.pressed_agency_leaving is None else rates.pressed_agency_leaving
    stay = f"staying {365 / pressed_leaving:.0f} days on average" if pressed_leaving else "staying"
    response = (f"permanent staff leave x{math.exp(rates.pressure * 0.25):.1f} as often at a quarter over the "
                f"team's normal caseload, vacancies are filled in {365 / pressed_filling:.0f} days, "
                f"{pressed_share:.0%} by agency staff {stay}" if pressed_filling else "no vacancy is filled")
    if rates.fitted:
        source = (f"the council's own fit: its history holds {rates.pressure_worker_months:,} worker-months in "
                  f"teams with {waiting_share:.0%} or more of their children waiting")
    else:
        source = (f"the configured default, not the council's own: its history holds {rates.pressure_worker_months:,} "
                  f"worker-months in teams with {waiting_share:.0%} or more of their children waiting, fewer than "
                  f"the {needed:,} needed to fit its own")
    return (f"Staff, from the council's history: {rates.leaving:.0%} of permanent practitioners leave a year at "
            f"their team's normal caseload ({rates.leavers:,} leavers in {rates.worker_months:,} worker-months); "
            f"{filled}. With children waiting ({source}): {response}.")


def _recorded_line(rows: list[dict[str, Any]]) -> str:
    """Children waiting across the council, projected against the records, at the month each peaked."""
    months: dict[date, list[float]] = {}
    for r in rows:
        got = months.setdefault(r["month_end"], [0.0, 0.0])
        got[0], got[1] = got[0] + r["unallocated"], got[1] + r["recorded_unallocated"]
    projected = max(months, key=lambda m: months[m][0])
    recorded = max(months, key=lambda m: months[m][1])
    return (f"Beside the records: children waiting peak at {months[projected][0]:,.0f} projected "
            f"({long_date(projected)}; recorded then {months[projected][1]:,.0f}) against {months[recorded][1]:,.0f} "
            f"recorded ({long_date(recorded)}; projected then {months[recorded][0]:,.0f}).")


def _whatif_headline(scenario: Scenario, as_at: date, teams: list[dict[str, Any]],
                     totals: list[dict[str, Any]]) -> str:
    """The what-if in one sentence of words: what the change does to staff, cost, caseloads and children
    waiting against the base case (at the end, at the highest caseload, at the most waiting)."""
    rows = {(r["month_end"], r["case"]): r for r in totals}
    ends = sorted({r["month_end"] for r in totals})
    base, changed = rows[ends[-1], "base"], rows[ends[-1], "scenario"]
    fte, cost = changed["fte"] - base["fte"], changed["staff_cost"] - base["staff_cost"]
    staff = (f"{abs(fte):,.1f} {'fewer' if fte < 0 else 'more'} practitioner FTE than the base case by "
             f"{long_date(ends[-1])}, {'saving' if cost < 0 else 'costing'} £{abs(cost):,.0f} a month"
             if abs(fte) >= 0.05 else f"practitioner FTE as the base case, staff cost £{changed['staff_cost']:,.0f} "
             f"a month by {long_date(ends[-1])}")
    peak = max(ends, key=lambda m: (rows[m, "scenario"]["unallocated"], -m.toordinal()))
    waiting, waiting_base = rows[peak, "scenario"]["unallocated"], rows[peak, "base"]["unallocated"]
    worst = max(teams, key=lambda t: t["caseload_per_fte"] or 0, default=None)
    loads = (f"children per FTE reach {worst['caseload_per_fte']:.1f} in {worst['team']} by "
             f"{long_date(worst['month_end'])} (base case {worst['base_caseload_per_fte'] or 0:.1f})"
             if worst and worst["caseload_per_fte"] is not None else "no team holds cases")
    wait = (f"{plural(waiting, 'child', 'children')} wait for a worker at the most, {long_date(peak)} (base case "
            f"{waiting_base:,.0f})" if waiting >= 0.5 else "no child waits for a worker")
    return (f"'{scenario.name}' from {long_date(as_at)}: {staff}; {loads}; {wait}.")


_WHATIF_METHOD = (
    "Each team moves day by day from its position on the date. Cases arrive at the team's own rate of the last "
    "year (closures + the change in open cases) and held cases close at its own rate (closed or moved on / held "
    "case-days); a case waiting for a worker does not close. Practitioners hold up to the allocation ceiling "
    "(the config's multiple of each role's upper standard) and the rest wait, so a team short of staff builds "
    "a backlog month on month. Practitioners leave and vacancies against the establishment fill at the council's "
    "own rates (restructure leavers left out). A team with children waiting is under pressure: its permanent "
    "staff leave faster the further its caseload is over its own normal level, and it buys cover, mostly agency "
    "staff on short stays, as the council's history of teams under pressure shows, or by the configured default "
    "where it has too little (the headline says which). Demand changes scale arrivals; "
    "children-in-care teams' arrivals follow the looked-after forecast. Children per FTE: cases held / FTE of "
    "practitioners holding cases (DfE; in the projection every practitioner in post holds cases). Posts needed = cases over the standard / the social-worker standard + "
    "waiting / the standard, rounded up by team. Risk: red above the upper standard or with the configured "
    "share waiting, amber above the lower standard.")


def whatif_chart(view: View) -> dict[str, Any]:
    """Vega-Lite: children per FTE by team, base case against the scenario, coloured by the scenario's risk."""
    rows = [{"team": r["team"], "case": case, "caseload": r[key], "risk": r["risk"]}
            for r in view.section("by_team").rows
            for case, key in (("base", "base_caseload_per_fte"), ("scenario", "caseload_per_fte"))]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": "Children per FTE by team: base case and scenario", "data": {"values": rows},
        "mark": "bar",
        "encoding": {
            "y": {"field": "team", "type": "nominal", "title": None},
            "yOffset": {"field": "case"},
            "x": {"field": "caseload", "type": "quantitative", "title": "Children per practitioner FTE"},
            "color": {"field": "case", "type": "nominal", "title": None},
        },
    }


def _case_key(i: int) -> str:
    return f"scenario_{i + 1}"


def build_scenario_comparison(req: Request, scenarios: list[Scenario]) -> View:
    """Scenarios side by side, one column each beside the base case: the council's open cases, children waiting,
    FTE, posts needed, staff cost and teams rated red at the end of the shortest horizon, then each team's
    children per FTE and children waiting. Every scenario starts from the same date (the first one's)."""
    config: CouncilConfig = req.config
    if not scenarios:
        raise LookupError("name at least one scenario to compare")
    as_at = scenarios[0].as_at or req.as_at
    if any((s.as_at or req.as_at) != as_at for s in scenarios):
        raise LookupError("scenarios compared side by side must start on the same date: "
                          + ", ".join(f"{s.name} {s.as_at or req.as_at}" for s in scenarios))
    months = min(s.months for s in scenarios)
    ground = footing(req.con, req.snapshot, as_at, months, config)
    results = [ground.project(s) for s in scenarios]
    last = ground.month_ends[months - 1]
    cases = [("base", results[0].base)] + [(_case_key(i), r.changed) for i, r in enumerate(results)]
    at_end = {key: [r for r in staffing.rows.to_pylist() if r["month_end"] == last] for key, staffing in cases}
    measures = (
        ("Open cases", lambda rows: sum(r["open_cases"] for r in rows)),
        ("Children waiting for a worker", lambda rows: sum(r["unallocated"] for r in rows)),
        ("Practitioner FTE", lambda rows: sum(r["fte"] for r in rows)),
        ("Posts needed (whole posts by team)", lambda rows: sum(r["posts_needed_rounded_up"] for r in rows)),
        ("Staff cost a month (£)", lambda rows: sum(r["staff_cost"] for r in rows)),
        ("Teams rated red", lambda rows: sum(r["risk"] == "red" for r in rows)),
        ("Highest children per FTE in a team", lambda rows: max((r["caseload_per_fte"] or 0 for r in rows),
                                                                 default=0)),
    )
    council = [{"measure": title, **{key: measure(rows) for key, rows in at_end.items()}}
               for title, measure in measures]

    def by_team(field: str) -> list[dict[str, Any]]:
        teams = {r["team_id"]: r for r in at_end["base"]}
        return [{"team": t["team"], "service": t["service"],
                 **{key: next(r[field] for r in rows if r["team_id"] == team_id) for key, rows in at_end.items()}}
                for team_id, t in teams.items()]

    case_columns = (col("base", "Base case", "number"),
                    *(col(_case_key(i), s.name, "number") for i, s in enumerate(scenarios)))
    team_columns = (col("team", "Team"), col("service", "Service", vocabulary="service"), *case_columns)
    waiting = {key: council[1][key] for key, _ in cases}
    order = sorted(range(len(scenarios)), key=lambda i: -waiting[_case_key(i)])
    headline = (
        (f"{plural(len(scenarios), 'scenario')} from {long_date(as_at)}, side by side at {long_date(last)} "
         f"against the base case ({waiting['base']:,.0f} children waiting)."),
        "Children waiting: " + "; ".join(f"'{scenarios[i].name}' {waiting[_case_key(i)]:,.0f}" for i in order) + ".",
    )
    sections = (
        section("council", f"Whole council at {long_date(last)}", council,
                (col("measure", "Measure"), *case_columns), notes=(_WHATIF_METHOD,)),
        section("caseloads", f"Children per FTE by team at {long_date(last)} (held / practitioner FTE holding "
                "cases)", by_team("caseload_per_fte"), team_columns),
        section("waiting", f"Children waiting by team at {long_date(last)}", by_team("unallocated"), team_columns),
    )
    return View("scenarios", "Scenarios compared", f"{req.council}: {', '.join(s.name for s in scenarios)}",
                headline, sections, _provenance(replace(req, as_at=as_at), _WHATIF_READS), {}, req.warnings)


def build_scenario_list(req: Request, saved: list[SavedScenario]) -> View:
    """The council's saved scenarios: what each changes, from when, and the service change it assesses."""
    rows = [{"name": s.scenario.name, "description": s.scenario.description, "as_at": s.scenario.as_at,
             "months": s.scenario.months, "change_id": s.change_id, "saved_at": s.saved_at} for s in saved]
    headline = (f"{plural(len(rows), 'scenario')} saved for {req.council}."
                + (" `clearsight scenarios compare NAME NAME...` sets them side by side." if rows else ""),)
    return View("scenarios", "Saved scenarios", req.council, headline, (
        section("scenarios", "Saved scenarios", rows, (
            col("name", "Name"), col("description", "What it changes"), col("as_at", "From", "date"),
            col("months", "Months", "count"), col("change_id", "Service change (register id)", "count"),
            col("saved_at", "Saved (UTC)"))),), None, {}, req.warnings)
