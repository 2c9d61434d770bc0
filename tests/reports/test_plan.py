"""The improvement plan: read from CSV, each action rated from the figure it is linked to, never typed."""

from __future__ import annotations

from datetime import date

import pytest

from clearsight.reports.plan import build, read_plan
from clearsight.reports.request import BadRequest

PLAN = """theme,recommendation,action,owner,milestone,due_date,kpi,target
Workforce,R1,Bring caseloads to the DfE average of 16,Head of Service,Recruit 10 posts,2025-03-31,caseload,16
Practice,R2,Assessments within 45 working days,Service Manager,,2023-11-30,assessment_timeliness,0.85
Practice,R3,No child waiting,Service Manager,,2024-06-30,waiting,0
Practice,R4,Visits on time,Service Manager,,2023-12-31,cp_visits,0.8
Leadership,R5,Chair the improvement board,DCS,,2023-12-31,,
"""


def test_actions_are_rated_from_the_data_and_the_plan_on_a_page_counts_them(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text(PLAN)
    view = build(read_plan(path), date(2023, 12, 31),
                 {"caseload": 28.3, "assessment_timeliness": 0.376, "waiting": 265, "cp_visits": 0.9})
    rags = [r["rag"] for r in view.section("actions").rows]
    # Caseload 28.3 > 16 but due in 2025: amber; assessments 37.6% < 85% and due in November: red; 265 waiting
    # against 0, due mid-2024: amber; CP visits 90% >= 80%: green; the board has no measure.
    assert rags == ["amber", "red", "amber", "green", "not measured"]
    assert [r["current"] for r in view.section("actions").rows][:2] == ["28.3", "37.6%"]
    page = {r["theme"]: r for r in view.section("plan_on_a_page").rows}
    assert (page["Practice"]["actions"], page["Practice"]["red"], page["Practice"]["amber"],
            page["Practice"]["green"]) == (3, 1, 1, 1)
    assert page["Leadership"]["not_measured"] == 1
    assert view.headline[0].startswith("5 actions under 3 themes: 1 green, 2 amber, 1 red")


def test_in_a_member_pack_a_small_count_of_children_is_withheld_and_the_action_counts_are_kept(tmp_path):
    """3 children waiting is a small count of children (shown "<5"); 1 green and 2 amber are counts of actions,
    so the headline saying them stays in the member pack, as do the rates and the caseload."""
    from clearsight.reports.disclosure import member_safe

    path = tmp_path / "plan.csv"
    path.write_text(PLAN)
    view = build(read_plan(path), date(2023, 12, 31),
                 {"caseload": 28.3, "assessment_timeliness": 0.376, "waiting": 3, "cp_visits": 0.9})
    safe = member_safe(view, 5)
    assert [r["current"] for r in safe.section("actions").rows][:4] == ["28.3", "37.6%", "<5", "90.0%"]
    assert safe.headline == view.headline and safe.headline[0].startswith("5 actions under 3 themes: 1 green")
    assert member_safe(view, 5).section("plan_on_a_page").rows == view.section("plan_on_a_page").rows


def test_a_bad_plan_row_is_named(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("theme,action,due_date,kpi,target\nT,A,31/03/2025,,\n")
    with pytest.raises(BadRequest, match="row 2"):
        read_plan(path)
    path.write_text("theme,action,due_date,kpi,target\nT,A,2025-03-31,caseloads,16\n")
    with pytest.raises(BadRequest, match="caseloads"):
        read_plan(path)


def test_each_month_is_kept_as_rated_then_and_shown_month_by_month(tmp_path):
    """Record November against a 0.85 target, then lower the target to 0.6: November stays red as recorded,
    December (not yet recorded) is rated now against 0.6, and both months show in the history."""
    from clearsight.store.database import connect
    from clearsight.store.improvement_plan import edit_action, progress, read_actions, record_progress, save_actions
    from clearsight.reports.plan import rate

    path = tmp_path / "plan.csv"
    path.write_text(PLAN)
    con = connect(tmp_path / "cs.duckdb")
    assert save_actions(con, "Testshire", read_plan(path)) == 5
    actions = read_actions(con, "Testshire")
    assert [a["action_id"] for a in actions] == ["A1", "A2", "A3", "A4", "A5"]
    november = rate(actions, date(2023, 11, 30), {"assessment_timeliness": 0.7, "caseload": 20.0, "waiting": 9})
    record_progress(con, "Testshire", "2023-11", november, None)
    assert edit_action(con, "Testshire", "A2", {"target": 0.6})
    assert not edit_action(con, "Testshire", "A9", {"target": 0.6})
    history = progress(con, "Testshire", "2022-12", "2023-12")
    view = build(read_actions(con, "Testshire"), date(2023, 12, 31), {"assessment_timeliness": 0.7}, history)
    months = {r["month"]: r for r in view.section("progress").rows}
    assert (months["Nov 2023"]["red"], months["Dec 2023"]["red"]) == (1, 0)
    a2 = next(r for r in view.section("history").rows if r["action_id"] == "A2")
    assert (a2["m2023-11"], a2["m2023-12"]) == ("red", "green")
    assert next(h for h in history if h["action_id"] == "A2")["target"] == 0.85  # as rated then
    assert "not yet recorded" in view.section("progress").notes[0]
    assert view.headline[1] == "Recorded monthly since Nov 2023: Nov 2023 1 red, Dec 2023 0 red."
    fresh = build(read_actions(con, "Testshire"), date(2023, 12, 31), {"assessment_timeliness": 0.7}, [])
    assert fresh.headline[1].startswith("No month recorded yet")  # rated now, but nothing kept
