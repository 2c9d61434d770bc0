"""Demand beyond care: monthly counts from the records and the trend-and-season fit, checked by hand."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from council_builder import CouncilBuilder

from clearsight.config import CouncilConfig
from clearsight.forecast.demand import SERIES, fit_trend_season, forecast_demand, monthly_history
from clearsight.forecast.projection import month_ends_after
from clearsight.store.benchmarks import load_benchmarks

AS_AT = date(2024, 3, 31)


def _series(name):
    return next(s for s in SERIES if s.name == name)


def test_flows_count_the_month_and_stocks_the_month_end(backend, tmp_path):
    b = CouncilBuilder(extract_date=AS_AT)
    b.team("T")
    child, episode = b.case("T", date(2024, 1, 10))
    for day in (date(2024, 1, 1), date(2024, 1, 31), date(2024, 3, 15)):
        b.add("contact", contact_id=f"K{day}", child_id=child, contact_date=day)
    b.cp_plan(child, episode, date(2024, 1, 31), date(2024, 3, 1))  # open at the ends of January and February
    loaded = b.load(tmp_path)
    sid = loaded.snapshot.snapshot_id
    ends, contacts = monthly_history(loaded.con, sid, _series("contacts"), date(2024, 1, 1), AS_AT)
    assert ends == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]
    assert contacts.tolist() == [2, 0, 1]
    _, plans = monthly_history(loaded.con, sid, _series("cp_plans"), date(2024, 1, 1), AS_AT)
    assert plans.tolist() == [1, 1, 0]


def test_an_exact_trend_and_season_is_recovered_with_no_spread():
    # 36 months of log(count + 1) = 4 + 0.01 t + 0.2 in December: the fit is exact and so is the forecast.
    ends = month_ends_after(date(2020, 12, 31), 36)
    t = np.arange(36)
    december = np.array([d.month == 12 for d in ends])
    counts = np.exp(4 + 0.01 * t + 0.2 * december) - 1
    fit = fit_trend_season(ends, counts)
    assert fit.sigma == pytest.approx(0, abs=1e-9)
    future = month_ends_after(ends[-1], 12)
    index = np.array([d.year * 12 + d.month - 1 for d in future])
    mean, lower, upper = fit.predict(index, np.array([d.month - 1 for d in future]), 0.95)
    assert mean[-1] - 1 == pytest.approx(math.exp(4 + 0.01 * 47 + 0.2) - 1)  # December 2024 is month 47
    assert mean[0] - 1 == pytest.approx(math.exp(4 + 0.01 * 36) - 1)
    assert lower == pytest.approx(mean) and upper == pytest.approx(mean)
    # The year's total: exactly the months' sum, with no spread either.
    total = sum(math.exp(4 + 0.01 * (36 + k) + 0.2 * (k == 11)) - 1 for k in range(12))
    assert fit.total_band(index, np.array([d.month - 1 for d in future]), 0.95) == pytest.approx((total, total))


def test_a_year_s_total_shares_the_fitted_line_s_uncertainty():
    # 24 months with noise: the total's band holds the months' median forecasts' sum, and is drawn the same
    # each time (seeded). Residuals of separate months partly cancel in a total, the line's error does not: the
    # total's band is narrower than the months' bands added end to end, wider than if the months were independent.
    ends = month_ends_after(date(2021, 12, 31), 24)
    counts = np.exp(5 + np.random.default_rng(7).normal(0, 0.2, 24)) - 1
    fit = fit_trend_season(ends, counts)
    future = month_ends_after(ends[-1], 12)
    index, months = np.array([d.year * 12 + d.month - 1 for d in future]), np.array([d.month - 1 for d in future])
    mean, lower, upper = fit.predict(index, months, 0.95)
    low, high = fit.total_band(index, months, 0.95)
    assert low < (mean - 1).sum() < high and (low, high) == fit.total_band(index, months, 0.95)
    assert high - low < (upper - lower).sum()
    assert high - low > np.sqrt(((upper - lower) ** 2).sum())


def test_forecast_on_eastmere_has_every_series_with_bands(small_eastmere_db):
    con, snapshot = small_eastmere_db
    demand = forecast_demand(con, snapshot.snapshot_id, snapshot.extract_date, CouncilConfig(), months=12)
    rows = demand.rows
    assert set(demand.year_ahead) == {s.name for s in SERIES if s.end is None}
    assert {r["series"] for r in rows} == {s.name for s in SERIES}
    future = [r for r in rows if r["kind"] == "forecast"]
    assert len(future) == 12 * len(SERIES)
    assert all(0 <= r["lower"] <= r["value"] <= r["upper"] for r in future)
    actual = [r for r in rows if r["kind"] == "actual" and r["series"] == "referrals"]
    assert len(actual) == 48 and actual[-1]["month_end"] == snapshot.extract_date


def test_rates_per_10000_sit_beside_england_the_region_and_the_neighbours(backend, tmp_path):
    # 20,000 children aged 0-17 in 2023; two referrals in March 2024: 2 x 12 / 20,000 x 10,000 = 12 a year per
    # 10,000. Benchmarks for the year to 31 March 2024: England 500, the region 450, neighbours 400 and 600
    # (median 500). Nothing is loaded for CP plans, and the built-in England figure is 2025's: none beside them.
    b = CouncilBuilder(extract_date=AS_AT)
    b.team("T")
    for day in (date(2024, 3, 4), date(2024, 3, 20)):
        b.case("T", day)
    for band, n in (("0-4", 5_000), ("5-9", 5_000), ("10-17", 10_000)):
        b.add("population", area="Eastmere", age_band=band, year=2023, children=n)
    loaded = b.load(tmp_path)
    benchmarks = tmp_path / "benchmarks.csv"
    benchmarks.write_text("indicator,area,area_type,period,value\nreferral_rate,England,england,2024,500\n"
                          "referral_rate,East,region,2024,450\nreferral_rate,A,neighbour,2024,400\n"
                          "referral_rate,B,neighbour,2024,600\n")
    assert load_benchmarks(loaded.con, benchmarks) == (4, [])
    rows = forecast_demand(loaded.con, loaded.snapshot.snapshot_id, AS_AT, CouncilConfig(), months=12).rows
    march = next(r for r in rows if r["series"] == "referrals" and r["month_end"] == AS_AT)
    assert (march["kind"], march["value"], march["rate_per_10k"]) == ("actual", 2, pytest.approx(12))
    assert (march["england_per_10k"], march["region_per_10k"], march["neighbours_per_10k"]) == (500, 450, 500)
    plans = next(r for r in rows if r["series"] == "cp_plans")
    assert plans["england_per_10k"] is plans["region_per_10k"] is plans["neighbours_per_10k"] is None
