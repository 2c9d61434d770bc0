"""The charts the web pages and packs share (clearsight.render.charts): what they draw, gaps for withheld values,
dashes for black and white, and specs Vega-Lite itself accepts (rendered through vl-convert)."""

from __future__ import annotations

import json

from clearsight.render.charts import DASHES, spec_json, svg, view_chart
from clearsight.reports.view import Section, col

KPI_ROWS = [
    {"kpi": "cp_visits", "title": "CP visits in timescale", "month": "2023-11", "kpi_rate": 0.8,
     "england_rate": 0.85, "target_rate": 0.9},
    {"kpi": "cp_visits", "title": "CP visits in timescale", "month": "2023-12", "kpi_rate": "[c]",
     "england_rate": 0.85, "target_rate": 0.9},
    {"kpi": "reviews", "title": "Reviews on time", "month": "2023-12", "kpi_rate": 0.5, "england_rate": None,
     "target_rate": None},
]
KPI_SECTION = Section("monthly", "KPIs by month", (col("month", "Month"), col("title", "KPI"),
                                                   col("kpi_rate", "Rate", "rate")), KPI_ROWS)


def test_kpi_trend_draws_council_england_and_target_with_a_gap_for_a_withheld_rate():
    spec = view_chart("kpis", KPI_SECTION)
    data = spec["data"]["values"]
    visits = [d for d in data if d["kpi"] == "CP visits in timescale"]
    assert {d["series"] for d in visits} == {"council", "England", "target"}
    assert [d["value"] for d in visits if d["series"] == "council"] == [0.8, None]  # "[c]" is a gap, not a zero
    assert {d["series"] for d in data if d["kpi"] == "Reviews on time"} == {"council"}  # no England figure: no line
    dash = spec["spec"]["encoding"]["strokeDash"]["scale"]
    assert dash == {"domain": ["council", "England", "target"], "range": DASHES[:3]}
    assert svg(spec).lstrip().startswith("<svg")


def test_the_workforce_page_draws_leavers_and_starters_by_month():
    rows = [{"month": "2023-06", "leavers": 3, "starters": 2}, {"month": "2023-07", "leavers": 14, "starters": "<5"}]
    section = Section("monthly", "Month by month", (col("month", "Month"), col("leavers", "Leavers", "count"),
                                                    col("starters", "Starters", "count")), rows)
    spec = view_chart("workforce", section)
    assert [(d["series"], d["value"]) for d in spec["data"]["values"]] == [
        ("Leavers", 3), ("Starters", 2), ("Leavers", 14), ("Starters", None)]
    assert "Leavers 3 to 14" in spec["description"]
    assert svg(spec).lstrip().startswith("<svg")


def test_a_section_with_no_chart_of_its_own_has_none():
    assert view_chart("workforce", Section("reasons", "Why they left", (col("reason", "Reason"),), [{"reason": "x"}])) is None


def test_a_section_sharing_a_charted_key_without_its_x_column_has_no_chart():
    """The CLI summary's "waiting" (by reason) shares its view and section name with page one's monthly trend:
    its JSON once failed for want of a "day" column."""
    rows = [{"reason": "new work awaiting allocation", "status": "child in need", "children": 12}]
    section = Section("waiting", "Children waiting, by reason and status", (
        col("reason", "Why waiting"), col("status", "Status"), col("children", "Children", "count")), rows)
    assert view_chart("summary", section) is None
    trend = Section("waiting", "Children waiting, month by month", (
        col("day", "Day"), col("waiting", "Waiting", "count"), col("reallocation", "Re-allocation", "count"),
        col("new_work", "New work", "count")), [{"day": "2023-12-31", "waiting": 9, "reallocation": 4,
                                                "new_work": 5}])
    assert view_chart("summary", trend)["data"]["values"]


def test_spec_json_cannot_close_its_script_element():
    text = spec_json({"description": "</script><script>alert(1)</script> & more"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["description"].startswith("</script>")


def test_leavers_by_quarter_are_bars_labelled_as_printed_a_withheld_one_on_the_axis():
    rows = [{"quarter": "Jul to Sep 2023", "leavers": 8, "teams": "[c]", "others": "<5"},
            {"quarter": "Oct to Dec 2023", "leavers": 18, "teams": 13, "others": 5}]
    section = Section("quarterly", "Leavers by quarter", (
        col("quarter", "Three months"), col("leavers", "Council", "count"), col("teams", "Two teams", "count"),
        col("others", "Other teams", "count")), rows)
    spec = view_chart("workforce", section)
    values = [(d["x"], d["series"], d["value"], d["at"], d["label"]) for d in spec["data"]["values"]]
    assert values == [("Jul to Sep 2023", "Council", 8, 8, "8"), ("Jul to Sep 2023", "Two teams", None, 0, "[c]"),
                      ("Oct to Dec 2023", "Council", 18, 18, "18"), ("Oct to Dec 2023", "Two teams", 13, 13, "13")]
    assert spec["layer"][0]["encoding"]["fill"]["scale"]["range"] == ["white", "#1d1d1d"]  # black and white
    assert "Jul to Sep 2023: Council 8, Two teams [c]" in spec["description"]
    assert spec["layer"][0]["encoding"]["y"]["axis"] is None  # no ticks 1, 2, 3 beside the withheld counts
    image = svg(spec)
    assert image.lstrip().startswith("<svg") and "[c]" in image


def test_a_forecast_is_drawn_against_the_actual_with_its_band_shaded():
    from datetime import date

    rows = [{"month_end": date(2025, 2, 28), "actual": 570.0, "forecast": None, "lower": None, "upper": None},
            {"month_end": date(2025, 3, 31), "actual": 576.0, "forecast": None, "lower": None, "upper": None},
            {"month_end": date(2025, 4, 30), "actual": None, "forecast": 579.5, "lower": 560.0, "upper": 599.0}]
    section = Section("total", "Children looked after", (
        col("month_end", "Month end", "date"), col("actual", "Actual", "count"), col("forecast", "Forecast", "number"),
        col("lower", "Band, low", "number"), col("upper", "Band, high", "number")), rows)
    spec = view_chart("forecast", section)
    assert spec["data"]["values"] == [
        {"x": "2025-02-28", "Actual": 570.0, "Forecast": None, "lower": None, "upper": None},
        {"x": "2025-03-31", "Actual": 576.0, "Forecast": None, "lower": None, "upper": None},
        {"x": "2025-04-30", "Actual": None, "Forecast": 579.5, "lower": 560.0, "upper": 599.0}]
    lines = spec["layer"][1]["encoding"]["strokeDash"]["scale"]
    assert lines == {"domain": ["Actual", "Forecast"], "range": [DASHES[0], DASHES[1]]}  # told apart by dash
    assert spec["description"].startswith("Line chart with a shaded band, Children looked after, 2025-02-28 to "
                                          "2025-04-30: actual 570 to 576; forecast 580 at 2025-04-30 (band 560 to 599)")
    assert view_chart("backtest", Section("by_month", "x", section.columns, rows))["layer"][0]["mark"]["type"] == "area"
    assert svg(spec).lstrip().startswith("<svg")
