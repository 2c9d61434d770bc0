"""Issue 4's "Done when", through Clearsight's own metrics on the loaded Eastmere: practice deteriorates in 2023
and recovers after the February 2024 inspection (seed 003: overdue assessments 223 -> 39, CP visits within two
weeks 66% -> 93%), and managers' audit grades stay rosy while independent audits find a third inadequate
(seed 000: "overly optimistic"). Slow: it uses the session's scale-1 council."""

from __future__ import annotations

from datetime import date
from statistics import mean

import pytest

from clearsight.metrics.figures import compute


def council_row(loaded, name: str, as_at: date, start: date | None = None) -> dict:
    con, snapshot = loaded
    [row] = [r for r in compute(con, snapshot, name, as_at, period_start=start).records() if r["level"] == "council"]
    return row


@pytest.mark.slow
def test_assessments_fall_behind_in_2023_and_catch_up_after_the_inspection(eastmere_loaded) -> None:
    months = [date(y, m, 15) for y, m in [(2023, 6), (2023, 8), (2023, 10), (2023, 11), (2023, 12), (2024, 1),
                                           (2024, 2), (2024, 3), (2024, 4), (2024, 5), (2024, 7)]]
    months.insert(months.index(date(2024, 2, 15)), date(2024, 2, 1))
    overdue = {d: council_row(eastmere_loaded, "assessments_overdue", d)["numerator"] for d in months}
    peak_day = max(overdue, key=overdue.get)
    # Within 45 working days of the referral (Working Together), the figure the story was told in; England's
    # 85.7% counts from the assessment's start (`assessment_timeliness`), a point or two higher here.
    timely = "assessment_timeliness_from_referral"
    steady = [council_row(eastmere_loaded, timely, date(y + 1, 3, 31), date(y, 4, 1))["rate"] for y in (2021, 2022)]
    late_2023 = council_row(eastmere_loaded, timely, date(2023, 12, 31), date(2023, 10, 1))["rate"]
    before_inspection = council_row(eastmere_loaded, timely, date(2024, 1, 31), date(2023, 11, 1))["rate"]
    print(f"overdue assessments: {', '.join(f'{d:%Y-%m-%d} {n}' for d, n in overdue.items())}; within 45 working "
          f"days 2021-22 {steady[0]:.1%}, 2022-23 {steady[1]:.1%}, Oct-Dec 2023 {late_2023:.1%}, Nov 2023-Jan "
          f"2024 {before_inspection:.1%}")
    assert 140 <= overdue[peak_day] <= 260  # seed 003: 223; Eastmere seed 1 at scale 1: 155
    assert date(2023, 12, 15) <= peak_day <= date(2024, 2, 15)
    assert overdue[date(2023, 6, 15)] < overdue[peak_day] / 2  # it builds through 2023
    assert max(overdue[date(2024, 4, 15)], overdue[date(2024, 5, 15)]) <= 60  # ~40 within two months or so
    # England 2025: 85.7%. Eastmere's fuller practice teams (13 child-in-need practitioners at scale 1) hold the
    # steady years' child-in-need caseloads at 13-16 a worker, under the standard of 18: 91-92% here (seed 1 at
    # scale 1).
    assert all(0.80 <= r <= 0.93 for r in steady)
    assert late_2023 <= min(steady) - 0.04  # falling by the end of 2023 ...
    assert before_inspection <= min(steady) - 0.10  # ... and well down in the three months before the inspection


@pytest.mark.slow
def test_cp_visits_slip_in_2023_and_recover_by_2025(eastmere_loaded) -> None:
    def rate(d: date) -> float:
        return council_row(eastmere_loaded, "cp_visits", d)["rate"]

    steady = mean(rate(d) for d in (date(2021, 6, 15), date(2022, 6, 15)))
    late_2023 = mean(rate(d) for d in (date(2023, 11, 15), date(2023, 12, 15)))
    early_2025 = mean(rate(d) for d in (date(2025, 1, 15), date(2025, 2, 14), date(2025, 3, 14)))
    print(f"CP visits within 10 working days: 2021-22 {steady:.0%}, Nov-Dec 2023 {late_2023:.0%}, "
          f"Jan-Mar 2025 {early_2025:.0%}")
    assert late_2023 <= 0.70
    assert early_2025 >= 0.90
    assert steady >= 0.90


@pytest.mark.slow
def test_manager_audits_rosier_than_independent_ones_in_2023(eastmere_loaded) -> None:
    start, end = date(2023, 4, 1), date(2023, 12, 31)
    gap = council_row(eastmere_loaded, "optimism_gap", end, start)
    audits = council_row(eastmere_loaded, "case_audits", end, start)
    before = council_row(eastmere_loaded, "case_audits", date(2022, 3, 31), date(2021, 4, 1))
    print(f"2023-04..2023-12: optimism gap {gap['mean_gap']} [{gap['ci_low']}, {gap['ci_high']}] on {gap['pairs']} "
          f"pairs; managers good or better {audits['manager_good_share']:.0%}, independent inadequate "
          f"{audits['independent_inadequate_share']:.0%} (2021-22: {before['independent_inadequate_share']:.0%})")
    assert gap["pairs"] >= 30
    assert gap["mean_gap"] >= 0.5 and gap["ci_low"] > 0
    assert audits["manager_good_share"] >= 0.75
    assert 0.25 <= audits["independent_inadequate_share"] <= 0.50
    assert audits["independent_inadequate_share"] >= before["independent_inadequate_share"] + 0.05
