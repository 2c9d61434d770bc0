"""Monthly series: months clipped to the period, one row each, figures equal to the single-month metric."""

from __future__ import annotations

from datetime import date

from council_builder import CouncilBuilder

from clearsight.metrics.figures import compute
from clearsight.reports.series import monthly_series, months


def test_months_are_clipped_to_the_period():
    assert list(months(date(2023, 11, 15), date(2024, 2, 10))) == [
        (date(2023, 11, 15), date(2023, 11, 30)), (date(2023, 12, 1), date(2023, 12, 31)),
        (date(2024, 1, 1), date(2024, 1, 31)), (date(2024, 2, 1), date(2024, 2, 10)),
    ]


def test_series_rows_match_the_monthly_figures(tmp_path):
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("A")
    b.worker("A")
    b.worker("A", last_day=date(2023, 12, 4), leave_reason="relocation")
    b.worker("A", start=date(2024, 1, 8))
    loaded = b.load(tmp_path)
    rows = monthly_series(loaded.con, loaded.snapshot, date(2023, 11, 1), date(2024, 1, 31),
                          as_at_metric="workforce_council", period_metric="turnover_council")
    assert [(r["month"], r["headcount"], r["leavers"], r["starters"]) for r in rows] == [
        ("2023-11", 2, 0, 0), ("2023-12", 1, 1, 0), ("2024-01", 2, 0, 1)]
    [december] = compute(loaded.con, loaded.snapshot, "turnover_council", date(2023, 12, 31),
                         period_start=date(2023, 12, 1)).records()
    assert rows[1]["turnover_rate"] == december["turnover_rate"] == 1.0
    # The series is one query (workforce_monthly); each month still equals the per-month figures.
    for row, (first, last) in zip(rows, months(date(2023, 11, 1), date(2024, 1, 31))):
        [at] = compute(loaded.con, loaded.snapshot, "workforce_council", last).records()
        [over] = compute(loaded.con, loaded.snapshot, "turnover_council", last, period_start=first).records()
        for column in ("headcount", "fte", "agency_rate", "vacancy_rate", "starters", "leavers",
                       "employed_leavers_fte", "turnover_rate"):
            assert row[column] == {**at, **over}[column], (row["month"], column)
