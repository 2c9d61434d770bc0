"""The forecast, backtest and what-if views on a small Eastmere: their headlines agree with their own rows,
every renderer takes them, and their charts carry aggregates only."""

from __future__ import annotations

import json
from datetime import date

import pytest

from clearsight.config import CouncilConfig
from clearsight.forecast.whatif import restructure_scenario
from clearsight.render.files import section_csv, view_json
from clearsight.reports.forecast import (
    backtest_chart, build_backtest, build_forecast, build_whatif, default_cutoff, forecast_chart, whatif_chart,
)
from clearsight.reports.request import make_request

CONFIG = CouncilConfig()


@pytest.fixture(scope="module")
def views(small_eastmere_db):
    con, snapshot = small_eastmere_db
    req = make_request(con, snapshot, CONFIG)
    before = make_request(con, snapshot, CONFIG, as_at="2023-03-31")
    scenario = restructure_scenario(con, snapshot, date(2023, 4, 1), CONFIG)
    return build_forecast(req), build_backtest(req), build_whatif(before, scenario)


def test_forecast_headline_is_the_rows(views):
    forecast, _, _ = views
    total = forecast.section("total").rows
    now = next(r for r in reversed(total) if r["actual"] is not None)
    assert now["month_end"] == date(2025, 3, 31)
    assert forecast.headline[0].startswith(f"{now['actual']:,.0f} children looked after on 31 Mar 2025")
    ahead = [r for r in total if r["forecast"] is not None]
    assert len(ahead) == CONFIG.forecast.horizon_months
    assert f"{ahead[11]['forecast']:,.0f} expected by 31 Mar 2026" in forecast.headline[0]
    assert sum(r["now"] for r in forecast.section("by_group").rows) == now["actual"]
    assert "Tried on the past" in forecast.headline[2]


def test_backtest_view_scores_the_last_year(views):
    _, backtest, _ = views
    assert default_cutoff(date(2025, 3, 31)) == date(2024, 3, 31)
    months = backtest.section("by_month").rows
    assert len(months) == 12
    inside = sum(r["inside_band"] for r in months) / 12
    assert f"in {inside:.0%} of months" in backtest.headline[0]


def test_whatif_view_compares_with_the_base_case(views):
    _, _, whatif = views
    teams = whatif.section("by_team").rows
    assert teams and all(r["risk"] in ("red", "amber", "green") for r in teams)
    assert any(r["fte"] < r["base_fte"] for r in teams)
    assert "restructure 2023-04-01" in whatif.headline[0]


def test_every_view_renders_and_charts_hold_aggregates(views):
    for view, chart in zip(views, (forecast_chart, backtest_chart, whatif_chart)):
        json.loads(view_json(view))
        for section in view.sections:
            section_csv(section)
        spec = json.loads(json.dumps(chart(view)))
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert 0 < len(spec["data"]["values"]) <= 5000
