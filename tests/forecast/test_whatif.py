"""Staffing and what-if on a tiny council, against caseloads, posts and costs worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest
from council_builder import CouncilBuilder

from clearsight.config import CaseloadStandard, CouncilConfig
from clearsight.forecast.whatif import (
    CaseMove, FteChange, Scenario, establishment_changes, load_scenario, restructure_scenario, run_whatif,
    save_scenario,
)

AS_AT = date(2024, 1, 31)
CONFIG = CouncilConfig()
HOURS_A_MONTH = 1924 / 12  # paid hours per FTE a year (37 x 52) / 12


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    # Team A: two full-time permanent social workers holding 20 children each. Team B: one social worker
    # holding 10, and 2 children waiting. The establishment funded 2 social workers in A until AS_AT, 1 after.
    b = CouncilBuilder(extract_date=AS_AT)
    b.team("A", "Team A")
    b.team("B", "Team B")
    for team, workers, held in (("A", 2, 20), ("B", 1, 10)):
        for _ in range(workers):
            worker = b.worker(team)
            for _ in range(held):
                child, _ = b.case(team, date(2023, 6, 1))
                b.allocate(child, worker, team, date(2023, 6, 1))
    for _ in range(2):
        b.case("B", date(2024, 1, 20))
    b.team("I", "IRO Unit", service="iro")  # one IRO reviewing 80 children against 50-70
    iro = b.worker("I", role="iro")
    for i in range(80):
        b.add("child", child_id=f"R{i}", sex="F", dob=date(2012, 5, 1))
        b.allocate(f"R{i}", iro, "I", date(2023, 6, 1), role="iro")
    b.establishment("A", 2.0, end=AS_AT)
    b.establishment("A", 1.0, start=AS_AT)
    loaded = b.load(tmp_path_factory.mktemp("whatif"))
    return loaded.con, loaded.snapshot


def _team(table, team):
    return next(r for r in table.to_pylist() if r["team"] == team)


def test_base_case_holds_things_as_they_are(council):
    con, snapshot = council
    result = run_whatif(con, snapshot, Scenario(name="base", months=3), CONFIG)
    a = _team(result.comparison(), "Team A")
    assert a["base_caseload_per_fte"] == a["caseload_per_fte"] == 20
    assert a["unallocated"] == 0 and a["posts_needed"] == 0
    assert a["risk"] == "amber"  # above the lower standard (18), within the upper (20)
    assert a["staff_cost"] == pytest.approx(2 * HOURS_A_MONTH * 24)
    b = _team(result.comparison(), "Team B")
    # 10 held by one worker (within standard), 2 waiting: 2 / 12 of the team's cases wait, above 5%: red.
    assert b["caseload_per_fte"] == 10 and b["unallocated"] == 2 and b["risk"] == "red"


def test_reviewing_officers_are_counted_in_reviewing_officer_posts(council):
    # 80 children against the IRO upper standard of 70: 10 over, 10 / 70 of an IRO post, rounded up to 1.
    con, snapshot = council
    iro = _team(run_whatif(con, snapshot, Scenario(name="base", months=1), CONFIG).comparison(), "IRO Unit")
    assert iro["caseload_per_fte"] == 80 and iro["posts_needed"] == 1 and iro["risk"] == "red"


def test_halving_a_team_puts_caseloads_at_the_ceiling_and_children_waiting(council):
    # Team A at 1 FTE: it holds at most 1.5 x 20 = 30 of its 40 children; 10 wait. Cases over capacity 30 - 20 =
    # 10 -> 0.5 post, and the waiting 10 -> 0.5 post: 1 post. Staff cost halves.
    con, snapshot = council
    scenario = Scenario(name="halve A", months=3, fte_changes=(FteChange(team="Team A", share=-0.5),))
    a = _team(run_whatif(con, snapshot, scenario, CONFIG).comparison(), "Team A")
    assert a["fte"] == 1 and a["caseload_per_fte"] == 30 and a["unallocated"] == 10
    assert a["posts_needed"] == 1 and a["base_posts_needed"] == 0
    assert a["staff_cost"] == pytest.approx(HOURS_A_MONTH * 24)
    assert a["risk"] == "red"


def test_demand_growth_agency_share_and_standards(council):
    con, snapshot = council
    scenario = Scenario(
        name="growth", months=12, demand_change_per_year=0.08, agency_share=0.5,
        caseload_standards={"social_worker": CaseloadStandard(lower=14, upper=17)},
    )
    result = run_whatif(con, snapshot, scenario, CONFIG)
    a = _team(result.comparison(), "Team A")
    # A year on: 40 x 1.08 = 43.2 children on 2 FTE = 21.6 each, above the new upper standard 17:
    # over capacity 43.2 - 2 x 17 = 9.2 -> 9.2 / 17 posts, rounded up to 1. Half the FTE at £39, half at £24.
    assert a["month_end"] == date(2025, 1, 31)
    assert a["caseload_per_fte"] == pytest.approx(21.6)
    assert a["posts_needed"] == 1
    assert a["staff_cost"] == pytest.approx(2 * HOURS_A_MONTH * (0.5 * 39 + 0.5 * 24))


def test_moving_cases_between_teams(council):
    con, snapshot = council
    scenario = Scenario(name="move", months=1, case_moves=(CaseMove(from_team="A", to_team="B", cases=10),))
    table = run_whatif(con, snapshot, scenario, CONFIG).comparison()
    assert _team(table, "Team A")["caseload_per_fte"] == 15  # 30 children on 2 FTE
    assert _team(table, "Team B")["caseload_per_fte"] == 20  # 10 + 10 held, the 2 still waiting


def test_restructure_from_the_establishment(council):
    con, snapshot = council
    changes = establishment_changes(con, snapshot.snapshot_id, AS_AT, ("social_worker",), ("A", "B"))
    assert changes == (FteChange(team="A", role="social_worker", share=-0.5),)


def test_restructure_scenario_is_set_the_day_before(council):
    con, snapshot = council
    scenario = restructure_scenario(con, snapshot, AS_AT, CONFIG)
    assert scenario.as_at == date(2024, 1, 30)
    assert scenario.fte_changes == (FteChange(team="A", role="social_worker", share=-0.5),)


def test_unknown_team_is_an_error(council):
    con, snapshot = council
    scenario = Scenario(name="typo", fte_changes=(FteChange(team="Team Z", fte=-1),))
    with pytest.raises(ValueError, match="Team Z"):
        run_whatif(con, snapshot, scenario, CONFIG)


def test_scenarios_saved_as_toml_read_back_the_same(tmp_path):
    scenario = Scenario(
        name="2023 restructure", description='Cut 15% "as planned"', as_at=date(2023, 3, 31), months=9,
        fte_changes=(FteChange(team="T1", role="social_worker", share=-0.15), FteChange(fte=2.5)),
        case_moves=(CaseMove(from_team="T1", to_team="T2", cases=12),), demand_change_per_year=0.08,
        agency_share=0.3, caseload_standards={"asye": CaseloadStandard(lower=10, upper=12)},
    )
    path = save_scenario(scenario, tmp_path)
    assert path.name == "2023-restructure.toml"
    assert load_scenario(path) == scenario


def test_eastmere_restructure_raises_caseloads_where_it_cut(small_eastmere_db):
    # Set before the April 2023 restructure with the FTE cuts it made (from the establishment): every team it
    # cut carries more per FTE than the base case, and the council needs more posts at less staff cost.
    con, snapshot = small_eastmere_db
    scenario = restructure_scenario(con, snapshot, date(2023, 4, 1), CONFIG)
    cuts = scenario.fte_changes
    assert scenario.as_at == date(2023, 3, 31) and cuts and all(c.share < 0 for c in cuts)
    result = run_whatif(con, snapshot, scenario, CONFIG)
    cut_teams = {c.team for c in cuts}
    for row in result.comparison().to_pylist():
        if row["team_id"] in cut_teams and row["fte"] < row["base_fte"]:
            assert row["caseload_per_fte"] > row["base_caseload_per_fte"]
    totals = [r for r in result.totals().to_pylist() if r["month_end"] == date(2024, 3, 31)]
    base, changed = (next(r for r in totals if r["case"] == c) for c in ("base", "scenario"))
    assert changed["posts_needed"] > base["posts_needed"] and changed["staff_cost"] < base["staff_cost"]
