"""Caseloads and capacity against hand-computed teams, including seed 002's 70 over capacity = 3.5 posts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from council_builder import CouncilBuilder

from clearsight.config import CaseloadStandard, CouncilConfig
from clearsight.metrics.figures import compute
from clearsight.store.database import connect
from clearsight.store.load import load_extract
from clearsight.store.snapshots import get_snapshot

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
    assert team["caseload_per_fte_holding"] == 270 / 10.0 == 27.0
    assert team["cases_over_capacity"] == 70
    assert team["posts_needed_over_capacity"] == 70 / 20 == 3.5
    assert team["posts_needed"] == 3.5  # nobody waiting
    assert team["posts_needed_rounded_up"] == 4
    assert team["team_managers"] == 1 and team["span_of_control"] == 10.0
    workers = compute(loaded.con, loaded.snapshot, "caseload_by_worker", AS_AT).records()
    assert {w["rag"] for w in workers} == {"red"}
    assert {w["cases_over_capacity"] for w in workers} == {7}
    assert {w["posts_needed_over_capacity"] for w in workers} == {7 / 20}


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
    assert by_worker[part_time]["caseload_per_fte"] == 12 / 0.5 and by_worker[part_time]["rag"] == "red"
    assert by_worker[part_time]["cases_over_capacity"] == 2
    assert by_worker[asye]["rag"] == "amber" and by_worker[asye]["cases_over_capacity"] == 0
    assert by_worker[senior]["cases_over_capacity"] == 1
    assert by_worker[idle]["rag"] == "green" and by_worker[idle]["caseload"] == 0

    [team] = compute(loaded.con, loaded.snapshot, "team_capacity", AS_AT).records()
    assert team["workers"] == 4 and team["fte"] == 3.5 and team["cases"] == 42
    # DfE: 42 cases / the FTE of the three holding a case (0.5 + 1 + 1); the idle worker is in neither.
    assert (team["workers_holding_cases"], team["fte_holding_cases"]) == (3, 2.5)
    assert team["caseload_per_fte_holding"] == round(42 / 2.5, 1) == 16.8
    assert team["caseload_per_head"] == 42 / 3
    assert team["cases_over_capacity"] == 3
    assert team["posts_needed_over_capacity"] == pytest.approx(3 / 20)
    assert team["posts_needed_rounded_up"] == 1


def test_rollup_sums_teams_not_averages_them(tmp_path):
    """Seed 002's locality table: averages 18, 21 and 22 against 18-20 in one service."""
    b = CouncilBuilder(extract_date=date(2017, 7, 31))
    for team, caseloads in {"A": [18] * 5, "B": [21] * 14, "C": [22] * 8}.items():
        b.team(team, service="cin")
        _team_at(b, team, caseloads)
    b.team("IRO", service="iro")
    children = [row["child_id"] for row in b.rows["child"]]
    for first in (0, 85):  # seed 002: IROs at 85 against 50-70, reviewing the teams' children
        iro = b.worker("IRO", "iro")
        for child in children[first:first + 85]:
            b.allocate(child, iro, "IRO", date(2017, 1, 2), role="iro")
    loaded = b.load(tmp_path)

    teams = {t["team"]: t for t in compute(loaded.con, loaded.snapshot, "team_capacity", AS_AT).records()}
    assert [teams[t]["cases_over_capacity"] for t in "ABC"] == [0, 14, 16]  # seed 002 figures for B and C
    assert "IRO" not in teams  # IROs are reported apart, in `caseloads`
    services = {
        s["service"]: s for s in compute(loaded.con, loaded.snapshot, "service_capacity", AS_AT).records()
    }
    cin = services["cin"]
    assert cin["workers"] == 27 and cin["cases"] == 18 * 5 + 21 * 14 + 22 * 8
    assert cin["caseload_per_fte_holding"] == round((18 * 5 + 21 * 14 + 22 * 8) / 27.0, 1)
    assert cin["cases_over_capacity"] == 30 and cin["posts_needed"] == 30 / 20
    # B needs 14 / 20 of a post and C 16 / 20: a post cannot be split across teams, so one each.
    assert cin["posts_needed_rounded_up"] == 1 + 1
    [council] = compute(loaded.con, loaded.snapshot, "council_capacity", AS_AT).records()
    assert council["cases_over_capacity"] == 30 and council["posts_needed_rounded_up"] == 2
    iro = {(r["level"], r["caseload_group"]): r
           for r in compute(loaded.con, loaded.snapshot, "caseloads", AS_AT).records()}[("council", "iro")]
    assert (iro["caseload_per_fte_holding"], iro["standard_upper"], iro["rag"]) == (85.0, 70, "red")
    assert iro["cases_over_capacity"] == 2 * (85 - 70)
    assert iro["posts_needed_over_capacity"] == round(30 / 70, 2)  # in IRO posts of 70 children


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


def _by_worker(loaded):
    return {w["worker_id"]: w for w in compute(loaded.con, loaded.snapshot, "caseload_by_worker", AS_AT).records()}


def _caseloads(loaded):
    rows = compute(loaded.con, loaded.snapshot, "caseloads", AS_AT).records()
    return {(r["level"], r["team"], r["caseload_group"]): r for r in rows}


def test_dfe_average_caseload_and_the_groups_reported_apart(tmp_path):
    """DfE (children's social work workforce census): cases held by case-holding social workers, agency
    included, / the FTE of those holding at least one case. Team T: a social worker (1.0 FTE) with 20 cases, an
    agency social worker (0.5 FTE) with 12, an ASYE (0.8 FTE) with 10, a new social worker (1.0 FTE) with none,
    a team manager holding 2 (unallocated, not a caseload) and a personal adviser with 25 care leavers (apart,
    against 18-20). The IRO has no allocations recorded: not recorded, never 0, never green."""
    b = CouncilBuilder(extract_date=date(2017, 7, 31))
    b.team("T")
    b.team("IRU", service="iro")
    _team_at(b, "T", [20])
    [agency] = _team_at(b, "T", [12], fte=0.5)
    b.rows["worker"][-1]["employment"] = "agency"
    _team_at(b, "T", [10], role="asye", fte=0.8)
    _team_at(b, "T", [0])
    manager = b.worker("T", "team_manager")
    for _ in range(2):
        child, _ep = b.case("T", date(2017, 6, 1))
        b.allocate(child, manager, "T", date(2017, 6, 2))
    adviser = b.worker("T", "personal_adviser")
    for _ in range(25):
        child = b.add("child", child_id=f"L{len(b.rows['child'])}", sex="M", dob=date(2000, 1, 1))["child_id"]
        b.allocate(child, adviser, "T", date(2017, 1, 2), role="personal_adviser")
    b.worker("IRU", "iro")
    loaded = b.load(tmp_path)

    cases, holding_fte = 20 + 12 + 10, 1.0 + 0.5 + 0.8
    [team] = compute(loaded.con, loaded.snapshot, "team_capacity", AS_AT).records()
    assert (team["workers"], team["fte"], team["cases"]) == (4, 3.3, cases)
    assert (team["workers_holding_cases"], team["fte_holding_cases"]) == (3, holding_fte)
    assert team["caseload_per_fte_holding"] == round(cases / holding_fte, 1) == 18.3
    assert team["caseload_per_head"] == round(cases / 3, 1) == 14.0
    assert team["unallocated"] == 2 and team["caseload_status"] == "recorded"

    groups = _caseloads(loaded)
    social_work = groups[("team", "T", "social_work")]
    assert social_work["caseload_per_fte_holding"] == team["caseload_per_fte_holding"]
    assert (social_work["standard_lower"], social_work["standard_upper"], social_work["rag"]) == (18, 20, "amber")
    adviser_row = groups[("council", None, "personal_adviser")]
    assert (adviser_row["cases"], adviser_row["caseload_per_fte_holding"], adviser_row["rag"]) == (25, 25.0, "red")
    assert adviser_row["cases_over_capacity"] == 25 - 20
    iro = groups[("council", None, "iro")]
    assert (iro["workers"], iro["caseload_status"], iro["rag"]) == (1, "not recorded", "not recorded")
    assert iro["cases"] is None and iro["caseload_per_fte_holding"] is None
    assert iro["cases_over_capacity"] is None and iro["posts_needed_over_capacity_rounded_up"] is None
    by_worker = _by_worker(loaded)
    assert by_worker[agency]["caseload_per_fte"] == 12 / 0.5
    [iro_worker] = [w for w in by_worker.values() if w["role"] == "iro"]
    assert (iro_worker["caseload"], iro_worker["rag"]) == (None, "not recorded")
    assert manager not in by_worker


def test_an_iro_with_no_children_is_0_once_iro_allocations_are_recorded(tmp_path):
    b = CouncilBuilder(extract_date=date(2017, 7, 31))
    b.team("IRU", service="iro")
    busy, idle = b.worker("IRU", "iro"), b.worker("IRU", "iro", fte=0.5)
    for _ in range(60):
        child, _ep = b.case("IRU", date(2017, 1, 1))
        b.allocate(child, busy, "IRU", date(2017, 1, 2), role="iro")
    loaded = b.load(tmp_path)
    iro = _caseloads(loaded)[("team", "IRU", "iro")]
    assert (iro["caseload_status"], iro["workers"], iro["workers_holding_cases"]) == ("recorded", 2, 1)
    assert iro["caseload_per_fte_holding"] == 60 / 1.0 and iro["rag"] == "amber"  # 50-70
    by_worker = _by_worker(loaded)
    assert (by_worker[idle]["caseload"], by_worker[idle]["rag"]) == (0, "green")


def test_posts_needed_include_the_children_waiting_in_whole_posts_per_team(tmp_path):
    """Seed 002 method, per team: posts over capacity = cases over capacity / 20; posts to allocate the
    waiting = unallocated cases / 20. SF3: ten at 27 (70 over, 3.5 posts) and 5 waiting (0.25): 3.75, so 4
    whole posts. SF4: one at 21 (1 over, 0.05) and 3 waiting (0.15): 0.2, so 1. The service needs 4 + 1 = 5
    whole posts (3.95 unrounded: a post cannot be split across the two teams), costed as 5."""
    b = CouncilBuilder(extract_date=date(2017, 7, 31))
    b.team("SF3", service="cin")
    b.team("SF4", service="cin")
    _team_at(b, "SF3", [27] * 10)
    _team_at(b, "SF4", [21])
    for team, waiting in (("SF3", 5), ("SF4", 3)):
        for _ in range(waiting):
            b.case(team, date(2017, 6, 1))
    loaded = b.load(tmp_path)
    teams = {t["team"]: t for t in compute(loaded.con, loaded.snapshot, "team_capacity", AS_AT).records()}
    sf3, sf4 = teams["SF3"], teams["SF4"]
    assert (sf3["posts_needed_over_capacity"], sf3["posts_needed_waiting"]) == (70 / 20, 5 / 20)
    assert (sf3["posts_needed"], sf3["posts_needed_rounded_up"]) == (3.75, 4)
    assert (sf4["posts_needed_over_capacity"], sf4["posts_needed_waiting"]) == (1 / 20, 3 / 20)
    assert (sf4["posts_needed"], sf4["posts_needed_rounded_up"]) == (0.2, 1)
    [service] = compute(loaded.con, loaded.snapshot, "service_capacity", AS_AT).records()
    assert service["unallocated"] == 8 and service["posts_needed_waiting"] == 8 / 20
    assert service["posts_needed"] == round(3.75 + 0.2, 2)
    assert service["posts_needed_rounded_up"] == 4 + 1
    assert service["annual_cost_permanent"] == 5 * 1924 * 24
    [council] = compute(loaded.con, loaded.snapshot, "council_capacity", AS_AT).records()
    assert (council["posts_needed"], council["posts_needed_rounded_up"]) == (3.95, 5)


def _dfe_caseloads_from_csv(extract: Path, day: date) -> tuple[float, dict[str, float]]:
    """The DfE average caseload worked out independently with pandas from the extract's CSV files: children
    allocated (allocated_social_worker, current on `day`) to workers in a social worker, ASYE or senior
    practitioner post on `day`, / the FTE of those posts holding at least one; council and by team."""
    def read(name: str) -> pd.DataFrame:
        frame = pd.read_csv(extract / f"{name}.csv", dtype=str)
        for column in ("start_date", "end_date"):
            frame[column] = pd.to_datetime(frame[column])
        return frame

    when = pd.Timestamp(day)

    def current(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[(frame.start_date <= when) & (frame.end_date.isna() | (frame.end_date > when))]

    posts = current(read("worker_post"))
    posts = posts[posts.role.isin(["social_worker", "asye", "senior_practitioner"])].astype({"fte": float})
    allocations = current(read("allocation"))
    allocations = allocations[allocations.worker_id.notna() & (allocations.role == "allocated_social_worker")]
    held = allocations.groupby("worker_id").child_id.nunique().rename("cases")
    holders = posts.merge(held, left_on="worker_id", right_index=True)
    by_team = holders.groupby("team_id")[["cases", "fte"]].sum()
    return holders.cases.sum() / holders.fte.sum(), (by_team.cases / by_team.fte).round(1).to_dict()


def test_dfe_caseload_on_eastmere_agrees_with_an_independent_computation(small_eastmere, tmp_path):
    day = date(2023, 12, 15)
    con = connect(tmp_path / "eastmere.duckdb")
    assert load_extract(con, small_eastmere).status == "loaded"
    council_dfe, teams_dfe = _dfe_caseloads_from_csv(small_eastmere, day)
    rows = compute(con, get_snapshot(con), "capacity", day).records()
    [council] = [r for r in rows if r["level"] == "council"]
    assert council["caseload_per_fte_holding"] == round(council_dfe, 1)
    mine = {r["team_id"]: r["caseload_per_fte_holding"] for r in rows
            if r["level"] == "team" and r["workers_holding_cases"]}
    assert mine == teams_dfe
