"""Staff spend this financial year, the agency premium, and the year-end forecast against the budget.

Seed 000's council overspent £375k on a £3.7m staffing budget while agency cover grew: the headline is the
forecast variance, then spend by service and team.
"""

from __future__ import annotations

from functools import partial

from clearsight.metrics.figures import compute
from clearsight.metrics.parallel import each_at_once
from clearsight.render.values import long_date
from clearsight.reports.request import Request
from clearsight.reports.sections import section
from clearsight.reports.view import View, col

COST_COLUMNS = (
    col("average_fte", "Average FTE", "number"), col("cost", "Spend", "money"),
    col("employed_cost", "Directly employed", "money"), col("agency_cost", "Agency", "money"),
    col("agency_premium", "Agency premium (over permanent rates)", "money"),
)


def _totals(rows: list[dict], label_key: str, council: dict) -> list[dict]:
    """The rows with a total line, the whole council's figure: a reader checks a money table by its total, and
    both tables' totals and the spend to date are one figure (the rows are each rounded to the pound, so they may
    add up to a pound or two more or less)."""
    if not rows:
        return rows
    return [*rows, {label_key: "Total", **{c.key: council.get(c.key) or 0 for c in COST_COLUMNS}}]


def build(req: Request) -> View:
    start, end = req.start or req.as_at, req.as_at
    label = f"{start.year}-{str(start.year + 1)[2:]}"
    con, snap, config = req.con, req.snapshot, req.config
    figures = each_at_once({
        "by_team": partial(compute, con, snap, "staff_cost_by_team", end, config, period_start=start),
        "by_service": partial(compute, con, snap, "staff_cost_by_service", end, config, period_start=start),
        "council": partial(compute, con, snap, "staff_cost_council", end, config, period_start=start),
        "forecast": partial(compute, con, snap, "spend_forecast", end, config, period_start=start),
    })
    budget = config.costs.budgets.get(label)
    f = next(iter(figures["forecast"].records()), {})
    headline = []
    if f:
        headline.append(
            f"Spend to date £{f['spend_to_date']:,.0f} ({f['days_elapsed']} of {f['days_in_year']} days of "
            f"{label}); year-end forecast £{f['run_rate']:,.0f} at the current run rate, "
            f"£{f['straight_line']:,.0f} straight line.")
        headline.append(
            f"Budget £{budget:,.0f}: forecast variance £{f['run_rate'] - budget:+,.0f} at the run rate, "
            f"£{f['straight_line'] - budget:+,.0f} straight line." if budget else
            f"No budget set for {label} (costs.budgets in the council config).")
    council = next(iter(figures["council"].records()), {})
    services = _totals(figures["by_service"].records(), "service", council)
    premium = services[-1].get("agency_premium") if services else 0
    headline.append(f"Agency premium so far: £{premium or 0:,.0f}.")
    forecast = [{**f, "budget": budget}] if f else []
    sections = (
        section("forecast", f"Forecast for {label}", forecast, (
            col("spend_to_date", "Spend to date", "money"), col("days_elapsed", "Days elapsed", "days"),
            col("days_in_year", "Days in the year", "days"), col("straight_line", "Year end, straight line", "money"),
            col("run_rate", "Year end, run rate", "money"), col("budget", "Budget", "money"))),
        section("by_service", "By service", services, (col("service", "Service", vocabulary="service"), *COST_COLUMNS)),
        section("by_team", "By team", _totals(figures["by_team"].records(), "team", council),
                (col("team", "Team"), col("service", "Service", vocabulary="service"), *COST_COLUMNS),
                notes=(figures["by_team"].metric.definition,)),
    )
    return View("cost", "Staff cost", f"{req.council}, financial year {label} to {long_date(end)}",
                tuple(headline), sections, req.provenance(figures["forecast"].provenance), figures, req.warnings)
