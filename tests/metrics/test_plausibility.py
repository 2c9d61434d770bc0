"""Plausibility rules on a hand-built council: records that load but cannot be true, counted and named, and
carried into the data-confidence grade of every figure reading their fields."""

from __future__ import annotations

from datetime import date

import pytest
from council_builder import CouncilBuilder

from clearsight.metrics.figures import compute
from clearsight.metrics.plausibility import RULES_BY_NAME, rules_for
from clearsight.render.values import provenance_line

AS_AT = date(2024, 1, 31)


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    b = CouncilBuilder(extract_date=AS_AT)
    b.team("A", "Alpha", service="cp")
    wa = b.worker("A", worker_id="WA", start=date(2022, 1, 1))
    b.worker("A", worker_id="WL", start=date(2020, 1, 1), last_day=date(2023, 6, 30))
    child, episode = b.case("A", date(2023, 1, 2))  # born 1 May 2012 (the builder's default)
    b.allocate(child, wa, "A", date(2023, 1, 2))
    b.allocate(child, "WL", "A", date(2023, 7, 1), date(2023, 8, 1))  # WL had left on 30 June
    b.allocate(child, wa, "A", date(2021, 6, 1), date(2021, 7, 1))  # before WA joined
    b.cp_plan(child, episode, date(2022, 12, 1))  # before the referral of 2 January 2023
    for n, day in enumerate((date(2011, 3, 1), date(2024, 1, 10), date(2024, 1, 20)), start=1):
        b.add("visit", visit_id=f"V{n}", child_id=child, kind="CP", visit_date=day, seen=True, seen_alone=True)
    closed, closed_episode = b.case("A", date(2023, 2, 1), close=date(2023, 3, 1))
    b.add("allocation", allocation_id="AC", child_id=closed, episode_id=closed_episode, worker_id=wa, team_id="A",
          role="allocated_social_worker", start_date=date(2023, 3, 1), end_date=date(2023, 3, 2))  # on closing
    b.add("child", child_id="ADULT", sex="M", dob=date(2005, 1, 15))
    b.add("episode", episode_id="EA", child_id="ADULT", referral_date=date(2023, 1, 15), team_id="A")
    return b.load(tmp_path_factory.mktemp("plausibility"))


def test_each_rule_counts_and_names_its_records(council):
    rows = {r["rule"]: r for r in compute(council.con, council.snapshot, "implausible_records").records()}
    assert set(rows) == set(RULES_BY_NAME)
    failing = {rule: r["failing"] for rule, r in rows.items() if r["failing"]}
    assert failing == {"visit_before_birth": 1, "allocated_outside_employment": 2, "cp_plan_before_referral": 1,
                       "allocation_after_close": 1, "adult_at_referral": 1}
    assert (rows["visit_before_birth"]["checked"], rows["visit_before_birth"]["plausible_share"]) == (3, 0.6667)
    records = compute(council.con, council.snapshot, "implausible_records_children").records()
    visit = next(r for r in records if r["rule"] == "visit_before_birth")
    assert (visit["record_id"], visit["recorded"], visit["against"]) == ("V1", date(2011, 3, 1), date(2012, 5, 1))
    adult = next(r for r in records if r["rule"] == "adult_at_referral")
    assert (adult["child_id"], adult["against"]) == ("ADULT", date(2023, 1, 15))  # the 18th birthday
    outside = sorted((r["recorded"], r["against"]) for r in records if r["rule"] == "allocated_outside_employment")
    assert outside == [(date(2021, 6, 1), date(2022, 1, 1)), (date(2023, 7, 1), date(2023, 6, 30))]


def test_a_figure_reading_implausible_fields_says_so_in_its_grade(council):
    figure = compute(council.con, council.snapshot, "cp_visits", AS_AT)
    assert figure.provenance.plausibility == {
        "visit_before_birth": pytest.approx(0.6667), "visit_after_death": 1.0, "cp_plan_before_referral": 0.0}
    assert figure.provenance.least_plausible == ("cp_plan_before_referral", 0.0)  # the one plan cannot be true
    assert figure.provenance.least_complete[1] == 1.0  # every field is filled in, and still:
    assert figure.provenance.confidence == "D"
    assert "100.0% of records fail plausibility rule cp_plan_before_referral" in provenance_line(figure.provenance, verbose=True)
    supervision = compute(council.con, council.snapshot, "supervision", AS_AT)  # reads no field a rule checks
    assert supervision.provenance.plausibility == {}


def test_rules_apply_to_the_figures_reading_their_fields():
    assert [r.name for r in rules_for(("visit.visit_date",))] == ["visit_before_birth", "visit_after_death"]
    assert rules_for(("supervision.supervision_date",)) == ()


def test_confidence_command_shows_rules_grades_and_records(council, tmp_path):
    import json

    from typer.testing import CliRunner

    from clearsight.cli import app

    db = str(council.location)
    runner = CliRunner()
    table = runner.invoke(app, ["--db", db, "confidence", "--as-at", "2024-01-31"], catch_exceptions=False)
    assert table.exit_code == 0, table.output
    assert "visit_before_birth" in table.output
    data = json.loads(runner.invoke(app, ["--db", db, "confidence", "--as-at", "2024-01-31", "--format", "json"],
                                    catch_exceptions=False).output)
    assert "cp_plan_before_referral: 100.00% fail" in {r["least_plausible"] for r in data["sections"]["kpis"]["rows"]}
    listed = runner.invoke(app, ["--db", db, "confidence", "--records", "--format", "json"], catch_exceptions=False)
    rules = sorted(r["rule"] for r in json.loads(listed.output)["sections"]["records"]["rows"])
    assert rules == ["adult_at_referral", "allocated_outside_employment", "allocated_outside_employment",
                     "allocation_after_close", "cp_plan_before_referral", "visit_before_birth"]
