"""Demand beyond care: contacts, referrals, assessments, section 47 enquiries, and children on CIN and CP
plans, each projected from its own monthly history by trend and season, with a band.

The model for each series is log(count) = level + trend x month + an effect for each calendar month, fitted by
least squares over the history before the as-at date; the band is the prediction interval of that fit
(residual spread plus the uncertainty of the fitted line) at the forecast settings' level. Rates per 10,000
children use the latest population estimate before the year (definitions.md) and sit beside England's, the
region's and the statistical neighbours' (their median) where the benchmarks hold the indicator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

import numpy as np

from clearsight.canonical.calendar import month_end
from clearsight.config import CouncilConfig
from clearsight.forecast.projection import month_ends_after
from clearsight.store.benchmarks import benchmark_for
from clearsight.store.database import Connection, fetch_rows, parameter_list


@dataclass(frozen=True)
class DemandSeries:
    """A monthly series: a flow counts records dated in the month; a stock counts records open at its end."""

    name: str
    title: str
    table: str
    start: str  # date column: the record's date (flow) or start (stock)
    end: str | None = None  # stock: the column ending the record (open while null)
    where: str = "TRUE"
    benchmark: str | None = None  # benchmark indicator, per 10,000 children (a year, for flows)


SERIES: tuple[DemandSeries, ...] = (
    DemandSeries("contacts", "Contacts", "contact", "contact_date"),
    DemandSeries("referrals", "Referrals", "episode", "referral_date", benchmark="referral_rate"),
    DemandSeries("assessments", "Assessments started", "assessment", "start_date"),
    DemandSeries("s47_enquiries", "Section 47 enquiries", "s47", "strategy_date"),
    DemandSeries("cin_plans", "Children on CIN plans", "cin_plan", "start_date", "end_date"),
    DemandSeries("cp_plans", "Children on CP plans", "cp_plan", "start_date", "end_date",
                 benchmark="cp_rate"),
)


def _month_starts(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s up to `last` (a month starting on `last` left out)."""
    out, year, month = [], first.year, first.month
    while (day := date(year, month, 1)) < last:
        out.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def monthly_history(
    con: Connection, snapshot_id: int, series: DemandSeries, first: date, last: date
) -> tuple[list[date], np.ndarray]:
    """The series for each month from `first`'s to `last`'s (month ends; a flow counts the whole month)."""
    starts = _month_starts(first, last)
    ends = [month_end(start.year, start.month) for start in starts]
    if series.end is None:
        # Counted by month in SQL, then set on the months: a join of each month to the records between its ends
        # took half a second of CPU on 1.3 million contacts. (A date less its day of the month is the last day
        # of the month before, in either back end's SQL.)
        rows = fetch_rows(con, f"""
            SELECT t.{series.start} - CAST(extract(day FROM t.{series.start}) AS INTEGER) AS month_before,
                   count(*) AS n
            FROM {series.table} t
            WHERE t.snapshot_id = $snapshot_id AND {series.where} AND t.{series.start} >= $since
            GROUP BY 1""", {"snapshot_id": int(snapshot_id), "since": starts[0] if starts else last})
        counted = {month_before + timedelta(days=1): n for month_before, n in rows}
        return ends, np.array([counted.get(start, 0) for start in starts], float)
    placeholders, parameters = parameter_list("month_end", ends)
    rows = fetch_rows(con, f"""
        SELECT m.month_end, count(DISTINCT t.child_id) AS n
        FROM (VALUES {", ".join(f"({p})" for p in placeholders)}) m(month_end) LEFT JOIN {series.table} t
          ON t.snapshot_id = $snapshot_id AND {series.where} AND t.{series.start} <= m.month_end
         AND (t.{series.end} IS NULL OR t.{series.end} > m.month_end)
        GROUP BY m.month_end""", {"snapshot_id": int(snapshot_id), **parameters}) if ends else []
    counted = dict(rows)
    return ends, np.array([counted.get(end, 0) for end in ends], float)


@dataclass(frozen=True)
class TrendSeason:
    """A fitted log-linear trend with a calendar-month effect."""

    coef: np.ndarray
    xtx_inv: np.ndarray
    sigma: float
    origin: int  # month index of the first history month

    @staticmethod
    def design(index: np.ndarray, calendar_month: np.ndarray) -> np.ndarray:
        x = np.zeros((len(index), 13))
        x[:, 0] = 1.0
        x[:, 1] = index
        later = calendar_month > 0  # February to December, each against January
        x[np.flatnonzero(later), 1 + calendar_month[later]] = 1.0
        return x

    def predict(self, index: np.ndarray, calendar_month: np.ndarray, level: float) -> tuple[np.ndarray, ...]:
        x = self.design(index - self.origin, calendar_month)
        mean = x @ self.coef
        spread = self.sigma * np.sqrt(1 + np.einsum("ij,jk,ik->i", x, self.xtx_inv, x))
        z = NormalDist().inv_cdf(0.5 + level / 2)
        return np.exp(mean), np.exp(mean - z * spread), np.exp(mean + z * spread)


    def total_band(self, index: np.ndarray, calendar_month: np.ndarray, level: float, draws: int = 4000,
                   seed: int = 0) -> tuple[float, float]:
        """The central `level` interval of the counts' total over these months. The months share the fitted
        line's uncertainty (covariance sigma^2 (I + X V X')), so their band is not the sum of theirs: the total
        is drawn (seeded, so the same history gives the same band)."""
        x = self.design(index - self.origin, calendar_month)
        cov = self.sigma ** 2 * (np.eye(len(x)) + x @ self.xtx_inv @ x.T)
        logs = np.random.default_rng(seed).multivariate_normal(x @ self.coef, cov, size=draws)
        low, high = np.quantile((np.exp(logs) - 1.0).sum(axis=1), [(1 - level) / 2, (1 + level) / 2])
        return max(0.0, float(low)), float(high)


@dataclass(frozen=True)
class DemandForecast:
    """Each series' monthly rows, actual and forecast, and for a flow the band of its next 12 months' total."""

    rows: list[dict[str, Any]]
    year_ahead: dict[str, tuple[float, float]]


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def fit_trend_season(month_ends: list[date], counts: np.ndarray) -> TrendSeason:
    """Least squares on log(count + 1) (a month with none stays finite)."""
    index = np.array([_month_index(d) for d in month_ends])
    x = TrendSeason.design(index - index[0], np.array([d.month - 1 for d in month_ends]))
    y = np.log(counts + 1.0)
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    residual = y - x @ coef
    dof = max(1, len(y) - x.shape[1])
    return TrendSeason(coef, np.linalg.pinv(x.T @ x), float(np.sqrt(residual @ residual / dof)), int(index[0]))


def children_in_population(con: Connection, year: int) -> float | None:
    """Children aged 0-17 in the latest population estimate for `year` or before (all bands summed)."""
    rows = fetch_rows(con, "SELECT sum(children) AS n FROM population WHERE year = (SELECT max(year) "
                      "FROM population WHERE year <= $year)", {"year": int(year)})
    return float(rows[0][0]) if rows and rows[0][0] else None


def forecast_demand(
    con: Connection, snapshot_id: int, as_at: date, config: CouncilConfig,
    history_months: int = 48, months: int | None = None,
) -> DemandForecast:
    """Each series' history (the `history_months` complete months to `as_at`) and forecast, monthly, with
    the band and the rate per 10,000 children (a year's worth, for flows) beside England's, the region's and the
    neighbours' for the year holding the as-at date."""
    settings = config.forecast
    months = settings.horizon_months if months is None else months
    last_complete = as_at if (as_at + timedelta(days=1)).day == 1 else date(as_at.year, as_at.month, 1)
    first = date(last_complete.year - history_months // 12, last_complete.month, 1)
    future = month_ends_after(as_at, months)
    children = children_in_population(con, as_at.year - 1)
    out: list[dict[str, Any]] = []
    year_ahead: dict[str, tuple[float, float]] = {}
    for series in SERIES:
        ends, counts = monthly_history(con, snapshot_id, series, first, last_complete)
        ends, counts = ends[-history_months:], counts[-history_months:]
        if len(ends) < 24:
            continue  # a season needs two years of history
        fit = fit_trend_season(ends, counts)
        index = np.array([_month_index(d) for d in future])
        calendar_month = np.array([d.month - 1 for d in future])
        mean, lower, upper = fit.predict(index, calendar_month, settings.band_level)
        if series.end is None:
            year_ahead[series.name] = fit.total_band(index[:12], calendar_month[:12], settings.band_level)
        bench = benchmark_for(con, series.benchmark, as_at, config=config) if series.benchmark else None
        compared = {"england_per_10k": bench.england if bench else None,
                    "region_per_10k": bench.region if bench else None,
                    "neighbours_per_10k": bench.neighbours if bench else None}
        per_year = 12 if series.end is None else 1
        rows = [(d, "actual", v, None, None) for d, v in zip(ends, counts.tolist())]
        rows += [(d, "forecast", m - 1, max(0.0, lo - 1), hi - 1)
                 for d, m, lo, hi in zip(future, mean.tolist(), lower.tolist(), upper.tolist())]
        out += [{"series": series.name, "title": series.title, "month_end": d, "kind": kind, "value": value,
                 "lower": lo, "upper": hi, "rate_per_10k": value * per_year / children * 10_000 if children else None,
                 **compared}
                for d, kind, value, lo, hi in rows]
    return DemandForecast(out, year_ahead)
