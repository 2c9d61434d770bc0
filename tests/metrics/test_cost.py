"""Staff cost, agency premium and the year-end forecast against hand-computed posts (seed 000 rates)."""

from __future__ import annotations

from datetime import date

import pytest
from council_builder import CouncilBuilder

from clearsight.metrics.figures import compute

HOURS_A_DAY = 1924 / 365.25  # 37 hours x 52 weeks a year, per calendar day


@pytest.fixture()
def council(tmp_path):
    """In April 2023 (30 days): a permanent full-timer all month, an agency worker at 0.5 FTE all month, and
    a permanent worker who left on 16 April (in post 1-15 April)."""
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("A", "Alpha")
    b.worker("A")
    b.worker("A", fte=0.5, employment="agency")
    b.worker("A", last_day=date(2023, 4, 15))
    return b.load(tmp_path)


def test_cost_and_agency_premium_for_a_month(council):
    [c] = compute(council.con, council.snapshot, "staff_cost_council", date(2023, 4, 30),
                  period_start=date(2023, 4, 1)).records()
    employed = (30 + 15) * HOURS_A_DAY * 24
    agency = 0.5 * 30 * HOURS_A_DAY * 39
    assert c["employed_cost"] == round(employed)
    assert c["agency_cost"] == round(agency)
    assert c["cost"] == round(employed + agency)
    assert c["agency_premium"] == round(0.5 * 30 * HOURS_A_DAY * (39 - 24))
    assert c["average_fte"] == round((30 + 15 + 15) / 30, 2)


def test_year_end_forecasts(council):
    """Financial year from 1 April 2023; as at 30 April 2023: 30 of 366 days gone (2024 is a leap year)."""
    [f] = compute(council.con, council.snapshot, "spend_forecast", date(2023, 4, 30),
                  period_start=date(2023, 4, 1)).records()
    to_date = (45 * 24 + 15 * 39) * HOURS_A_DAY
    last_28 = (28 * 24 + 13 * 24 + 14 * 39) * HOURS_A_DAY  # 3-30 April; the leaver was in post 3-15 April
    assert (f["days_elapsed"], f["days_in_year"]) == (30, 366)
    assert f["spend_to_date"] == round(to_date)
    assert f["straight_line"] == round(to_date / 30 * 366)
    assert f["run_rate"] == round(to_date + last_28 / 28 * 336)
