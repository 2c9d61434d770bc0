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

AS_AT = date(2024, 3, 31)


def _series(name):
    return next(s for s in SERIES if s.name == name)


def test_flows_count_the_month_and_stocks_the_month_end(tmp_path):
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


def test_forecast_on_eastmere_has_every_series_with_bands(small_eastmere_db):
    con, snapshot = small_eastmere_db
    rows = forecast_demand(con, snapshot.snapshot_id, snapshot.extract_date, CouncilConfig(), months=12)
    assert {r["series"] for r in rows} == {s.name for s in SERIES}
    future = [r for r in rows if r["kind"] == "forecast"]
    assert len(future) == 12 * len(SERIES)
    assert all(0 <= r["lower"] <= r["value"] <= r["upper"] for r in future)
    actual = [r for r in rows if r["kind"] == "actual" and r["series"] == "referrals"]
    assert len(actual) == 48 and actual[-1]["month_end"] == snapshot.extract_date
