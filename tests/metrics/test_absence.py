"""Absence days lost and the sickness rate, counted in working days with bank holidays."""

from __future__ import annotations

from datetime import date

from council_builder import CouncilBuilder

from clearsight.metrics.figures import compute


def test_sickness_rate_over_april_2023(tmp_path):
    """April 2023 has 18 working days (Good Friday 7th and Easter Monday 10th are bank holidays). Two full-time
    workers: 36 days available. One is off sick 3-14 April (8 working days: 3-6 and 11-14), the other on
    training 28 April to 2 May (1 working day in April). A 0.5 FTE worker gone from 15 April (last day the
    14th) adds 0.5 x 8."""
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("A", "Alpha")
    sick = b.worker("A")
    trainee = b.worker("A")
    b.worker("A", fte=0.5, end=date(2023, 4, 15))
    b.absence(sick, date(2023, 4, 3), date(2023, 4, 14), "sickness")
    b.absence(trainee, date(2023, 4, 28), date(2023, 5, 2), "training")
    loaded = b.load(tmp_path)
    rows = compute(loaded.con, loaded.snapshot, "absence", date(2023, 4, 30), period_start=date(2023, 4, 1))
    council = next(r for r in rows.records() if r["level"] == "council")
    available = 18 + 18 + 0.5 * 8
    assert council["sickness_days"] == 8 and council["training_days"] == 1
    assert council["days_lost"] == 9
    assert council["available_days"] == available
    assert council["sickness_rate"] == round(8 / available, 4)
