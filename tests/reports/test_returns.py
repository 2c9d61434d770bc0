"""Team returns of every kind reconciled with the records: unallocated cases, KPI counts and rates, and a
measure Clearsight cannot check (listed with the reason, not dropped)."""

from __future__ import annotations

from datetime import date

from council_builder import CouncilBuilder

from clearsight.config import CouncilConfig
from clearsight.reports.returns import reconciled_returns


def test_each_return_beside_the_records_figure_on_its_date(tmp_path):
    b = CouncilBuilder(extract_date=date(2024, 1, 31))
    b.team("A", "Alpha", service="cp")
    worker = b.worker("A", worker_id="WA")
    # Two CP children: one seen on 10 January (in time on the 12th), one never seen since its plan of 1 December.
    b.cp_child("A", worker, date(2023, 11, 1), date(2023, 12, 1), seen_on=(date(2024, 1, 10),))
    child, episode = b.cp_child("A", worker, date(2023, 11, 1), date(2023, 12, 1))
    # An open assessment referred 1 November 2023: due 4 January 2024 (45 working days), overdue on the 12th.
    b.add("assessment", assessment_id="AS1", child_id=child, episode_id=episode, start_date=date(2023, 11, 2),
          team_id="A")
    unallocated, _ = b.case("A", date(2024, 1, 2))
    returns = {"unallocated_cases": 0, "assessments_overdue": 0, "cp_visits_rate": 1.0, "cp_visits": 1,
               "caseload_happiness": 7}
    for n, (measure, value) in enumerate(returns.items()):
        b.add("team_reported", report_id=f"R{n}", team_id="A", report_date=date(2024, 1, 12), measure=measure,
              value=value)
    b.add("team_reported", report_id="OLD", team_id="A", report_date=date(2023, 12, 29),
          measure="unallocated_cases", value=5)  # superseded by the return of the 12th
    loaded = b.load(tmp_path)
    rows = {r["measure"]: r for r in reconciled_returns(loaded.con, loaded.snapshot, date(2024, 1, 31),
                                                         CouncilConfig())}
    got = {m: (r["reported"], r["from_records"], r["discrepancy"]) for m, r in rows.items()}
    assert got == {
        "unallocated_cases": (0, 1, True),  # the child referred on 2 January has no worker
        "assessments_overdue": (0, 1, True),
        "cp_visits_rate": (1.0, 0.5, True),
        "cp_visits": (1, 1, False),
        "caseload_happiness": (7, None, None),
    }
    assert "no figure named 'caseload_happiness'" in rows["caseload_happiness"]["note"]
    assert all(r["report_date"] == date(2024, 1, 12) for r in rows.values())
