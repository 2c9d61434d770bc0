"""Case audits and the optimism gap against hand-computed audits (seed 000: managers' audits too rosy)."""

from __future__ import annotations

from datetime import date

import pytest
from council_builder import CouncilBuilder

from clearsight.metrics.figures import compute

START, END = date(2023, 4, 1), date(2023, 6, 30)


@pytest.fixture()
def audited(tmp_path):
    """Four children. Managers: good, good, outstanding, good. Independent auditors within 90 days: inadequate,
    requires improvement, good (child 3); child 4's independent audit is 200 days later, so not paired."""
    b = CouncilBuilder()
    b.team("T", "Tango")
    auditor = b.worker("T", "team_manager")
    children = [b.case("T", date(2023, 1, 1))[0] for _ in range(4)]
    manager = ["good", "good", "outstanding", "good"]
    independent = [("inadequate", 10), ("requires_improvement", -20), ("good", 30), ("inadequate", 200)]
    for i, (child, m, (g, offset)) in enumerate(zip(children, manager, independent, strict=True)):
        day = date(2023, 5, 1)
        b.add("case_audit", audit_id=f"M{i}", child_id=child, audit_date=day, auditor_kind="manager", grade=m,
              team_id="T", auditor_id=auditor)
        b.add("case_audit", audit_id=f"I{i}", child_id=child, audit_date=date.fromordinal(day.toordinal() + offset),
              auditor_kind="independent", grade=g, team_id="T")
    return b.load(tmp_path)


def council_row(figure):
    return next(r for r in figure.records() if r["level"] == "council")


def test_audit_counts_and_shares(audited):
    row = council_row(compute(audited.con, audited.snapshot, "case_audits", END, period_start=START))
    # In the quarter: 4 manager audits and 3 independent ones (the fourth falls in November).
    assert (row["manager_audits"], row["independent_audits"]) == (4, 3)
    assert row["independent_target"] == 75  # 25 a month for three months
    assert (row["manager_good_share"], row["independent_good_share"]) == (1.0, round(1 / 3, 3))
    assert row["independent_inadequate_share"] == round(1 / 3, 3)


def test_optimism_gap_pairs_the_same_children(audited):
    row = council_row(compute(audited.con, audited.snapshot, "optimism_gap", END, period_start=START))
    # Differences (independent - manager): inadequate 4 - good 2 = 2; RI 3 - good 2 = 1; good 2 - outstanding 1 = 1.
    gaps = [2, 1, 1]
    mean = sum(gaps) / 3
    sd = (sum((g - mean) ** 2 for g in gaps) / 2) ** 0.5
    assert row["pairs"] == 3 and row["mean_gap"] == round(mean, 2)
    assert row["ci_low"] == round(mean - 1.96 * sd / 3 ** 0.5, 2)
    assert row["manager_better_share"] == 1.0


def test_optimism_gap_pairs_lists_each_pair_the_gap_is_measured_on(audited):
    rows = compute(audited.con, audited.snapshot, "optimism_gap_pairs", END, period_start=START).records()
    # Children 1-3 paired (the gaps above); child 4's independent audit is 200 days on, outside the window.
    assert [(r["audit_id"], r["independent_audit_id"], r["manager_grade"], r["independent_grade"], r["gap"])
            for r in rows] == [("M0", "I0", "good", "inadequate", 2.0), ("M1", "I1", "good", "requires_improvement",
                                                                         1.0), ("M2", "I2", "outstanding", "good", 1.0)]
    assert {r["team"] for r in rows} == {"Tango"}


def test_optimism_gap_by_team_and_quarter_where_cases_are_not_paired(audited):
    rows = compute(audited.con, audited.snapshot, "optimism_gap_by_quarter", END, period_start=START).records()
    [team] = [r for r in rows if r["level"] == "team"]
    # Q2 2023: managers 2, 2, 1, 2 (mean 1.75, sample variance 0.25); independent 4, 3, 2 (mean 3, variance 1).
    assert (team["quarter"], team["team"], team["manager_audits"], team["independent_audits"]) == ("2023-Q2", "Tango", 4, 3)
    assert (team["manager_mean"], team["independent_mean"], team["gap"]) == (1.75, 3.0, 1.25)
    half = 1.96 * (0.25 / 4 + 1 / 3) ** 0.5
    assert (team["ci_low"], team["ci_high"]) == (round(1.25 - half, 2), round(1.25 + half, 2))
    [council] = [r for r in rows if r["level"] == "council"]
    assert council["gap"] == team["gap"]
    # Too few to say: one audit of a kind leaves the interval empty rather than pretending.
    one = compute(audited.con, audited.snapshot, "optimism_gap_by_quarter", date(2023, 11, 30),
                  period_start=date(2023, 10, 1)).records()
    assert [(r["independent_audits"], r["manager_audits"], r["ci_low"]) for r in one if r["level"] == "team"] == [
        (1, 0, None)]
