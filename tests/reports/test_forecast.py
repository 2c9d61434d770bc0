"""The forecast, backtest and what-if views on a small Eastmere: their headlines agree with their own rows,
every renderer takes them, and their charts carry aggregates only."""

from __future__ import annotations

import json
from datetime import date

import pytest

from clearsight.config import CouncilConfig
from clearsight.forecast.whatif import FteChange, Scenario, restructure_scenario, run_whatif
from clearsight.render.charts import view_chart
from clearsight.render.files import section_csv, view_json
from clearsight.render.values import long_date
from clearsight.reports.forecast import (
    build_backtest,
    build_forecast,
    build_scenario_comparison,
    build_whatif,
    default_cutoff,
    whatif_chart,
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


def test_forecast_headline_is_the_rows(views, small_eastmere_db):
    forecast, backtest, _ = views
    total = forecast.section("total").rows
    now = next(r for r in reversed(total) if r["actual"] is not None)
    assert now["month_end"] == date(2025, 3, 31)
    assert forecast.headline[0].startswith(f"{now['actual']:,.0f} children looked after on 31 Mar 2025")
    ahead = [r for r in total if r["forecast"] is not None]
    assert len(ahead) == CONFIG.forecast.horizon_months
    assert f"{ahead[11]['forecast']:,.0f} expected by 31 Mar 2026" in forecast.headline[0]
    assert sum(r["now"] for r in forecast.section("by_group").rows) == now["actual"]
    assert "Tried on the past" in forecast.headline[2] and forecast.headline[2] == backtest.headline[0]
    # Per 10,000 children aged 0-17 in the 2024 estimate, beside England's built-in 2025 figure (67).
    population = small_eastmere_db[0].execute("SELECT sum(children) FROM population WHERE year = 2024").fetchone()[0]
    assert forecast.headline[0].endswith(f"That is {now['actual'] / population * 10_000:,.0f} per 10,000 children "
                                         "(England 67).")


def test_backtest_view_scores_the_last_year(views):
    _, backtest, _ = views
    assert default_cutoff(date(2025, 3, 31)) == date(2024, 3, 31)
    months = backtest.section("by_month").rows
    assert len(months) == 12
    inside = sum(r["inside_band"] for r in months) / 12
    mape = sum(r["abs_pct_error"] for r in months) / 12
    assert f"missed the number in care by {mape:.1%} a month on average over 12 months (MAPE); its 95% band held " \
           f"the actual total in {inside:.0%} of months" in backtest.headline[0]
    groups = backtest.section("by_group").rows
    assert all(0 <= r["coverage"] <= 1 for r in groups) and any(r["mape"] is not None for r in groups)


def test_whatif_view_compares_with_the_base_case(views):
    _, _, whatif = views
    teams = whatif.section("by_team").rows
    assert teams and all(r["risk"] in ("red", "amber", "green") for r in teams)
    assert any(r["fte"] < r["base_fte"] for r in teams)
    assert "restructure of 1 Apr 2023" in whatif.headline[0]


def test_whatif_headline_says_what_the_change_does(views):
    # In words, from the view's own rows: FTE and staff cost against the base case at the end, the highest
    # children per FTE, and the most children waiting and when.
    _, _, whatif = views
    months = whatif.section("by_month").rows
    end = max(r["month_end"] for r in months)
    base, changed = (next(r for r in months if r["month_end"] == end and r["case"] == c) for c in ("base", "scenario"))
    fewer, saving = base["fte"] - changed["fte"], base["staff_cost"] - changed["staff_cost"]
    assert fewer > 0 and saving > 0
    assert whatif.headline[0].startswith(f"'restructure of 1 Apr 2023' from 31 Mar 2023: {fewer:,.1f} fewer "
                                         f"practitioner FTE than the base case by 31 Mar 2024, saving £{saving:,.0f} "
                                         "a month; children per FTE reach ")
    worst = max(whatif.section("by_team").rows, key=lambda r: r["caseload_per_fte"])
    assert f"reach {worst['caseload_per_fte']:.1f} in {worst['team']}" in whatif.headline[0]
    peak = max((r for r in months if r["case"] == "scenario"), key=lambda r: r["unallocated"])
    if peak["unallocated"] >= 0.5:
        assert f"wait for a worker at the most, {long_date(peak['month_end'])}" in whatif.headline[0]


def test_whatif_as_it_turned_out_sits_beside_the_records(small_eastmere_db):
    con, snapshot = small_eastmere_db
    before = make_request(con, snapshot, CONFIG, as_at="2023-03-31")
    scenario = restructure_scenario(con, snapshot, date(2023, 4, 1), CONFIG, months=10, as_it_turned_out=True)
    view = build_whatif(before, scenario)
    rows = view.section("as_recorded").rows
    by_month: dict[date, list[float]] = {}
    for r in rows:
        got = by_month.setdefault(r["month_end"], [0.0, 0.0])
        got[0], got[1] = got[0] + r["unallocated"], got[1] + r["recorded_unallocated"]
    projected = max(by_month, key=lambda m: by_month[m][0])
    assert view.headline[-1].startswith(f"Beside the records: children waiting peak at {by_month[projected][0]:,.0f} "
                                        f"projected ({long_date(projected)}")
    json.loads(view_json(view))


def test_every_view_renders_and_charts_hold_aggregates(views):
    for view in views:
        for section in view.sections:
            section_csv(section)
    forecast, backtest, whatif = views
    for view, key in ((forecast, "total"), (backtest, "by_month")):
        spec = json.loads(view_json(view))["charts"][key]  # the view's JSON carries its chart's spec
        assert spec == json.loads(json.dumps(view_chart(view.name, view.section(key)), default=str))
        rows = view.section(key).rows
        assert len(spec["data"]["values"]) == len(rows)
        assert spec["data"]["values"][-1]["lower"] == rows[-1]["lower"]
        assert str(rows[0]["month_end"]) in spec["description"]
    bars = json.loads(json.dumps(whatif_chart(whatif)))
    assert 0 < len(bars["data"]["values"]) <= 5000
    for spec in (*json.loads(view_json(forecast))["charts"].values(), bars):
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_scenarios_side_by_side_are_each_scenario_s_own_figures(small_eastmere_db):
    # One column per scenario beside the base case, each the figure that scenario's own what-if gives at the end
    # of the shortest horizon.
    con, snapshot = small_eastmere_db
    before = make_request(con, snapshot, CONFIG, as_at="2023-03-31")
    restructure = restructure_scenario(con, snapshot, date(2023, 4, 1), CONFIG, months=6)
    cut = Scenario(name="a tenth fewer", as_at=date(2023, 3, 31), months=9, fte_changes=(FteChange(share=-0.1),))
    view = build_scenario_comparison(before, [restructure, cut])
    council = {r["measure"]: r for r in view.section("council").rows}
    assert [c.title for c in view.section("council").columns] == ["Measure", "Base case", restructure.name,
                                                                  "a tenth fewer"]
    for key, scenario in (("scenario_1", restructure), ("scenario_2", cut)):
        own = run_whatif(con, snapshot, scenario.model_copy(update={"months": 6}), CONFIG)
        end = next(r for r in own.totals().to_pylist() if r["case"] == "scenario" and r["month_end"] == date(2023, 9, 30))
        assert council["Children waiting for a worker"][key] == pytest.approx(end["unallocated"])
        assert council["Staff cost a month (£)"][key] == pytest.approx(end["staff_cost"])
        assert council["Posts needed (whole posts by team)"][key] == end["posts_needed"]
    assert "30 Sep 2023" in view.headline[0]
    teams = view.section("caseloads").rows
    assert teams and all({"base", "scenario_1", "scenario_2"} <= set(r) for r in teams)
    json.loads(view_json(view))
    with pytest.raises(LookupError, match="same date"):
        build_scenario_comparison(before, [restructure, cut.model_copy(update={"as_at": date(2023, 6, 30)})])


def test_demand_ahead_gives_each_series_a_band_and_a_year_s_rate(views, small_eastmere_db):
    forecast, _, _ = views
    population = small_eastmere_db[0].execute("SELECT sum(children) FROM population WHERE year = 2024").fetchone()[0]
    monthly = forecast.section("demand").rows
    for row in forecast.section("demand_ahead").rows:
        low, high = (float(v.replace(",", "")) for v in row["next_12_band"].split("-"))
        assert low <= row["next_12"] <= high
        ahead = [r for r in monthly if r["title"] == row["title"] and r["kind"] == "forecast"][:12]
        if row["title"] == "Referrals":  # a flow: the 12 months' total, per 10,000 children a year
            assert row["next_12"] == pytest.approx(sum(r["value"] for r in ahead))
            assert row["rate_per_10k"] == pytest.approx(row["next_12"] / population * 10_000)
        if row["title"] == "Children on CP plans":  # a stock: the level at the end, with that month's band
            assert row["next_12_band"] == f"{ahead[-1]['lower']:,.0f}-{ahead[-1]['upper']:,.0f}"
