"""Caseloads and capacity against hand-computed teams, including seed 002's 70 over capacity = 3.5 posts."""

from __future__ import annotations

from datetime import date

import pytest
from council_builder import CouncilBuilder

from clearsight.config import CaseloadStandard, CouncilConfig
from clearsight.metrics.figures import compute

AS_AT = date(2017, 7, 1)


def _team_at(b: CouncilBuilder, team: str, caseloads: list[int], role: str = "social_worker", fte: float = 1.0,
             manager: str | None = None) -> list[str]:
    workers = []
    for n in caseloads:
        w = b.worker(team, role, fte, manager_id=manager)
        for _ in range(n):
            child, _ep = b.case(team, date(2017, 1, 1))
            b.allocate(child, w, team, date(2017, 1, 2))
        workers.append(w)
    return workers


def test_seed_002_team_of_ten_at_27_is_70_over_capacity_and_3_5_posts(tmp_path):
    b = CouncilBuilder(extract_date=date(2017, 7, 31))
    b.team("SF3", "Strengthening Families 3")
    manager = b.worker("SF3", "team_manager")
    _team_at(b, "SF3", [27] * 10, manager=manager)
    loaded = b.load(tmp_path)

    [team] = compute(loaded.con, loaded.snapshot, "team_capacity", AS_AT).records()
    assert team["workers"] == 10 and team["cases"] == 270
    assert team["average_caseload"] == 27.0
    assert team["cases_over_capacity"] == 70
    assert team["posts_needed"] == 3.5
    assert team["posts_needed_rounded_up"] == 4
    assert team["team_managers"] == 1 and team["span_of_control"] == 10.0
    workers = compute(loaded.con, loaded.snapshot, "caseload_by_worker", AS_AT).records()
    assert {w["rag"] for w in workers} == {"red"}
    assert {w["cases_over_capacity"] for w in workers} == {7}


def test_fte_and_role_standards(tmp_path):
    """A 0.5 FTE social worker with 12 cases is at 24 per FTE: 2 over (12 - 20 x 0.5). An ASYE with 14 is
    amber against 12-15. A senior practitioner with 16 is 1 over, worth 1/20 of a social-worker post."""
    b = CouncilBuilder(extract_date=date(2017, 7, 31))
    b.team("T")
    [part_time] = _team_at(b, "T", [12], fte=0.5)
    [asye] = _team_at(b, "T", [14], role="asye")
    [senior] = _team_at(b, "T", [16], role="senior_practitioner")
    [idle] = _team_at(b, "T", [0])
    loaded = b.load(tmp_path)

    by_worker = {
        w["worker_id"]: w for w in compute(loaded.con, loaded.snapshot, "caseload_by_worker", AS_AT).records()
    }
    assert by_worker[part_time]["fte_caseload"] == 24.0 and by_worker[part_time]["rag"] == "red"
    assert by_worker[part_time]["cases_over_capacity"] == 2
    assert by_worker[asye]["rag"] == "amber" and by_worker[asye]["cases_over_capacity"] == 0
    assert by_worker[senior]["cases_over_capacity"] == 1
    assert by_worker[idle]["rag"] == "green" and by_worker[idle]["caseload"] == 0

    [team] = compute(loaded.con, loaded.snapshot, "team_capacity", AS_AT).records()
    assert team["workers"] == 4 and team["fte"] == 3.5 and team["cases"] == 42
    assert team["average_caseload"] == 14.0  # DfE: 42 cases / 3 workers holding a case
    assert team["fte_caseload"] == 12.0
    assert team["cases_over_capacity"] == 3
    assert team["posts_needed"] == pytest.approx(0.15)
    assert team["posts_needed_rounded_up"] == 1


def test_rollup_sums_teams_not_averages_them(tmp_path):
    """Seed 002's locality table: averages 18, 21 and 22 against 18-20 in one service."""
    b = CouncilBuilder(extract_date=date(2017, 7, 31))
    for team, caseloads in {"A": [18] * 5, "B": [21] * 14, "C": [22] * 8}.items():
        b.team(team, service="cin")
        _team_at(b, team, caseloads)
    b.team("IRO", service="iro")
    _team_at(b, "IRO", [85, 85], role="iro")  # seed 002: IROs at 85 against 50-70
    loaded = b.load(tmp_path)

    teams = {t["team"]: t for t in compute(loaded.con, loaded.snapshot, "team_capacity", AS_AT).records()}
    assert [teams[t]["cases_over_capacity"] for t in "ABC"] == [0, 14, 16]  # seed 002 figures for B and C
    assert teams["IRO"]["cases_over_capacity"] == 30 and teams["IRO"]["posts_needed"] == round(30 / 70, 2)
    services = {
        s["service"]: s for s in compute(loaded.con, loaded.snapshot, "service_capacity", AS_AT).records()
    }
    cin = services["cin"]
    assert cin["workers"] == 27 and cin["cases"] == 18 * 5 + 21 * 14 + 22 * 8
    assert cin["average_caseload"] == round((18 * 5 + 21 * 14 + 22 * 8) / 27, 1)
    assert cin["cases_over_capacity"] == 30 and cin["posts_needed"] == 1.5
    [council] = compute(loaded.con, loaded.snapshot, "council_capacity", AS_AT).records()
    assert council["cases_over_capacity"] == 60
    assert council["posts_needed_rounded_up"] == 2  # 1.5 + 0.43


def test_council_config_overrides_standard(tmp_path):
    b = CouncilBuilder(extract_date=date(2017, 7, 31))
    b.team("T")
    _team_at(b, "T", [17])
    loaded = b.load(tmp_path)
    strict = CouncilConfig(caseload_standards={"social_worker": CaseloadStandard(lower=14, upper=17)})
    [w] = compute(loaded.con, loaded.snapshot, "caseload_by_worker", AS_AT, strict).records()
    assert (w["standard_upper"], w["rag"]) == (17, "amber")
    [w] = compute(loaded.con, loaded.snapshot, "caseload_by_worker", AS_AT).records()
    assert w["rag"] == "green"


def test_unallocated_counted_in_team_table(tmp_path):
    b = CouncilBuilder(extract_date=date(2017, 7, 31))
    b.team("T")
    _team_at(b, "T", [5])
    b.case("T", date(2017, 6, 1))
    b.case("T", date(2017, 6, 2))
    loaded = b.load(tmp_path)
    [team] = compute(loaded.con, loaded.snapshot, "team_capacity", AS_AT).records()
    assert team["unallocated"] == 2 and team["cases"] == 5


def test_cost_of_posts_and_managers_needed(tmp_path):
    """Seed 002's 3.5 posts round up to 4: at 1,924 paid hours a year, £24/h permanent or £39/h agency (seed
    000). Twelve direct reports under one manager against a span of 8-10 need a second manager."""
    b = CouncilBuilder(extract_date=date(2017, 7, 31))
    b.team("SF3")
    manager = b.worker("SF3", "team_manager")
    _team_at(b, "SF3", [27] * 10, manager=manager)
    _team_at(b, "SF3", [0, 0], manager=manager)
    loaded = b.load(tmp_path)
    [team] = compute(loaded.con, loaded.snapshot, "team_capacity", AS_AT).records()
    assert team["posts_needed_rounded_up"] == 4
    assert team["annual_cost_permanent"] == 4 * 1924 * 24 == 184_704
    assert team["annual_cost_agency"] == 4 * 1924 * 39
    assert (team["span_of_control"], team["managers_needed"]) == (12.0, 1)


@pytest.mark.parametrize(("target", "over", "posts"), [("upper", 70, 3.5), ("mid", 80, 80 / 19), ("lower", 90, 5.0)])
def test_capacity_target(tmp_path, target, over, posts):
    """Against 18-20: aiming at 20 leaves 70 over, at 19 (mid) 80, at 18 90 -- in posts of that size."""
    b = CouncilBuilder(extract_date=date(2017, 7, 31))
    b.team("SF3")
    _team_at(b, "SF3", [27] * 10)
    loaded = b.load(tmp_path)
    config = CouncilConfig(capacity_target=target)
    [team] = compute(loaded.con, loaded.snapshot, "team_capacity", AS_AT, config).records()
    assert team["cases_over_capacity"] == over
    assert team["posts_needed"] == round(posts, 2)
