"""Eastmere's recovery plan reads back through `clearsight plan import`'s reader as the plan it declares."""

from __future__ import annotations

from datetime import date

from clearsight.config import CouncilConfig
from clearsight.reports.plan import read_plan
from clearsight.synth.improvement_plan import recovery_plan, write_plan
from clearsight.synth.scenario import Scenario


def test_the_recovery_plan_reads_back_with_its_dates_and_targets(tmp_path):
    sc = Scenario()  # restructure 1 Apr 2023, inspection 5 Feb 2024
    actions = read_plan(write_plan(tmp_path, sc))
    assert [a["action_id"] for a in actions] == [f"P{n}" for n in range(1, 9)]
    assert {a["due_date"] for a in actions} == {date(2023, 12, 31), date(2024, 3, 31)}  # quarter ends
    measured = {a["kpi"]: a["target"] for a in actions if a["kpi"]}
    assert measured["waiting"] == 0 and measured["caseload"] == CouncilConfig().standard_for("social_worker").upper
    assert len(measured) == 6 and len({a["theme"] for a in actions}) == 4
    later = recovery_plan(Scenario(restructure_date=date(2023, 7, 1), inspection_date=date(2024, 6, 3)))
    assert {a.due_date for a in later} == {date(2024, 3, 31), date(2024, 9, 30)}  # the plan moves with the story
