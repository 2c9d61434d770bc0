"""Absence days lost and the sickness rate, counted in working days with bank holidays."""

from __future__ import annotations

from datetime import date

import pytest
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
    b.worker("A", fte=0.5, last_day=date(2023, 4, 14))
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


def test_days_lost_and_available_cover_the_same_fte_weighted_workers(tmp_path):
    """April 2023, 18 working days. A 0.5 FTE social worker off sick 3-6 April (4 working days) loses
    0.5 x 4 = 2 FTE days of 0.5 x 18 = 9 available. A full-time worker who goes from 1.0 to 0.6 FTE on
    17 April and is off sick 12-21 April loses 1.0 x 3 (12-14) + 0.6 x 5 (17-21) = 6 FTE days of
    1.0 x 8 (3-14 April, less Good Friday and Easter Monday) + 0.6 x 10 (17-28) = 14 available. A social
    work assistant (not a social-work role) off sick all month counts in neither."""
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("A", "Alpha")
    half = b.worker("A", fte=0.5)
    changed = b.worker("A", last_day=date(2023, 4, 16))  # first post ends 17 April
    b.rows["worker"][-1]["end_date"] = None  # a change of hours, not a leaver
    b.post(changed, "A", "social_worker", 0.6, start=date(2023, 4, 17))
    support = b.worker("A", role="social_work_assistant")
    b.absence(half, date(2023, 4, 3), date(2023, 4, 6), "sickness")
    b.absence(changed, date(2023, 4, 12), date(2023, 4, 21), "sickness")
    b.absence(support, date(2023, 4, 1), date(2023, 4, 30), "sickness")
    loaded = b.load(tmp_path)
    rows = compute(loaded.con, loaded.snapshot, "absence", date(2023, 4, 30), period_start=date(2023, 4, 1))
    council = next(r for r in rows.records() if r["level"] == "council")
    working_days_to_14th, working_days_from_17th = 8, 10  # 3-6, 11-14 | 17-21, 24-28
    assert working_days_to_14th + working_days_from_17th == 18
    lost = 0.5 * 4 + 1.0 * 3 + 0.6 * 5
    available = 0.5 * 18 + 1.0 * working_days_to_14th + 0.6 * working_days_from_17th
    assert council["sickness_days"] == pytest.approx(lost)
    assert council["available_days"] == available
    assert council["sickness_rate"] == round(lost / available, 4)
