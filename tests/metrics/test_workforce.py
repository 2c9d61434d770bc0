"""Workforce figures against hand-computed teams: the DfE census formulas over any date or period."""

from __future__ import annotations

from datetime import date

import pytest
from council_builder import CouncilBuilder

from clearsight.metrics.figures import compute

SEP_30 = date(2023, 9, 30)
YEAR_START = date(2022, 10, 1)


@pytest.fixture()
def council(tmp_path):
    """Team A: 4 permanent (one 0.5 FTE), 1 agency, funded 6 FTE. Team B: 2 permanent, 2 agency, funded 4.
    In the year to 30 Sep 2023: one permanent A worker left (relocation), one agency B worker left, one A worker
    started, and one worker moved from A to B in June (a move, not a leaver)."""
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("A", "Alpha", service="cin")
    b.team("B", "Beta", service="cp")
    b.establishment("A", 6.0)
    b.establishment("B", 4.0)
    b.establishment("B", 1.0, role="social_worker", start=date(2024, 1, 1))  # funded later: not yet counted
    for _ in range(2):
        b.worker("A")
    b.worker("A", fte=0.5)
    b.worker("A", employment="agency")
    b.worker("A", start=date(2023, 2, 1), start_origin="newly_qualified", role="asye")
    b.worker("A", last_day=date(2023, 4, 30), leave_reason="relocation", leaver_destination="other_la")
    mover = b.worker("A", last_day=date(2023, 5, 31), worker_id="MOVER")
    # the worker table's end_date must be empty for a mover: rewrite the generated row
    b.rows["worker"][-1]["end_date"] = None
    b.post(mover, "B", "social_worker", start=date(2023, 6, 1))
    b.worker("B")
    b.worker("B", employment="agency")
    b.worker("B", employment="agency")
    b.worker("B", employment="agency", last_day=date(2023, 7, 31), leave_reason="end_of_contract",
             leaver_destination="agency")
    b.worker("B", "team_manager")
    return b.load(tmp_path)


def by_team(figure):
    return {r["team"]: r for r in figure.records()}


def test_in_post_agency_and_vacancy_rates(council):
    teams = by_team(compute(council.con, council.snapshot, "workforce_by_team", SEP_30))
    a, b = teams["Alpha"], teams["Beta"]
    # Alpha: permanent 1 + 1 + 0.5 + ASYE 1 = 3.5 employed FTE, 1 agency.
    assert (a["headcount"], a["employed_fte"], a["agency_fte"]) == (5, 3.5, 1.0)
    assert a["agency_rate"] == round(1 / 4.5, 3)
    assert (a["funded_fte"], a["vacancy_fte"]) == (6.0, 2.5)
    assert a["vacancy_rate"] == round(2.5 / (2.5 + 3.5), 3)
    assert a["asye_share"] == round(1 / 5, 3)  # 1 ASYE of 5 practitioners
    # Beta: mover + 1 permanent + team manager = 3 employed; 2 agency; funded 4 -> 1 vacancy.
    assert (b["headcount"], b["employed_fte"], b["agency_fte"], b["vacancy_fte"]) == (5, 3.0, 2.0, 1.0)
    assert b["agency_rate"] == 0.4
    [council_row] = compute(council.con, council.snapshot, "workforce_council", SEP_30).records()
    # Council vacancies are the sum of team vacancies, not establishment less all employed.
    assert council_row["vacancy_fte"] == 3.5
    assert council_row["agency_rate"] == round(3 / 9.5, 3)


def test_turnover_dfe_formula_and_movers(council):
    figure = compute(council.con, council.snapshot, "turnover_by_team", SEP_30, period_start=YEAR_START)
    teams = by_team(figure)
    a, b = teams["Alpha"], teams["Beta"]
    assert (a["leavers"], a["employed_leavers_fte"], a["starters"]) == (1, 1.0, 1)
    assert a["turnover_rate"] == round(1.0 / 3.5, 3)
    # The agency leaver is a leaver but not in the DfE turnover of directly employed staff; the mover is neither.
    assert (b["leavers"], b["agency_leavers"], b["employed_leavers_fte"], b["turnover_rate"]) == (1, 1, 0, 0)
    [c] = compute(council.con, council.snapshot, "turnover_council", SEP_30, period_start=YEAR_START).records()
    assert (c["leavers"], c["starters"], c["turnover_rate"]) == (2, 1, round(1 / 6.5, 3))
    gone = compute(council.con, council.snapshot, "leavers", SEP_30, period_start=YEAR_START).records()
    assert [(r["team"], r["leave_reason"]) for r in gone] == [("Alpha", "relocation"), ("Beta", "end_of_contract")]
    reasons = compute(council.con, council.snapshot, "leavers_by_reason", SEP_30, period_start=YEAR_START)
    assert {(r["service"], r["reason"], r["leavers"]) for r in reasons.records()} == {
        ("cin", "relocation", 1), ("cp", "end_of_contract", 1)
    }


def test_period_boundaries_are_inclusive(council):
    april = compute(council.con, council.snapshot, "leavers", date(2023, 4, 30), period_start=date(2023, 4, 1))
    assert [r["leave_reason"] for r in april.records()] == ["relocation"]  # last day 30 April
    may = compute(council.con, council.snapshot, "leavers", date(2023, 5, 31), period_start=date(2023, 5, 1))
    assert may.records() == []  # the mover's post ended on 31 May but they did not leave


def test_a_leaver_belongs_to_the_month_of_their_last_day_of_service(tmp_path):
    """Eastmere's restructure leavers: last day 31 March 2023. They are March leavers (the 2022-23 year), in
    post on 31 March and not on 1 April (definitions.md: a leaver belongs to the period holding their last day
    of service; the worker table's end date is that last day)."""
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("A", "Alpha")
    b.worker("A")
    b.worker("A", last_day=date(2023, 3, 31), leave_reason="restructure")

    def leavers(start: date, end: date) -> int:
        return len(compute(loaded.con, loaded.snapshot, "leavers", end, period_start=start).records())

    def headcount(day: date) -> int:
        return compute(loaded.con, loaded.snapshot, "workforce_council", day).records()[0]["headcount"]

    loaded = b.load(tmp_path)
    assert (leavers(date(2023, 3, 1), date(2023, 3, 31)), leavers(date(2023, 4, 1), date(2023, 4, 30))) == (1, 0)
    assert (leavers(date(2022, 4, 1), date(2023, 3, 31)), leavers(date(2023, 4, 1), date(2024, 3, 31))) == (1, 0)
    assert (headcount(date(2023, 3, 31)), headcount(date(2023, 4, 1))) == (2, 1)
    [march] = compute(loaded.con, loaded.snapshot, "turnover_council", date(2023, 3, 31),
                      period_start=date(2023, 3, 1)).records()
    assert march["turnover_rate"] == 0.5  # 1 FTE leaver / 2 FTE in post on 31 March, the leaver's last day


def test_long_term_absence(tmp_path):
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("A")
    sick = b.worker("A")
    short = b.worker("A")
    b.absence(sick, date(2024, 1, 1), None)
    b.absence(short, date(2024, 2, 1), date(2024, 2, 5))
    loaded = b.load(tmp_path)
    [team] = compute(loaded.con, loaded.snapshot, "workforce_by_team", date(2024, 2, 3)).records()
    assert team["long_term_absent"] == 1
    [team] = compute(loaded.con, loaded.snapshot, "workforce_by_team", date(2024, 1, 10)).records()
    assert team["long_term_absent"] == 0


def test_tenure_and_experience_mix(tmp_path):
    """On 30 Sep 2023: two of four with the council under 2 years; of the three with a known qualification
    date, one qualified 5 or more years ago."""
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("A", "Alpha")
    b.worker("A", start=date(2015, 1, 1), qualification_date=date(2010, 6, 1))
    b.worker("A", start=date(2020, 1, 1), qualification_date=date(2019, 7, 1))
    b.worker("A", start=date(2022, 10, 1), qualification_date=date(2022, 7, 1), role="asye")
    b.worker("A", start=date(2023, 9, 1))
    loaded = b.load(tmp_path)
    [team] = compute(loaded.con, loaded.snapshot, "workforce_by_team", SEP_30).records()
    assert team["new_to_council_share"] == 0.5
    assert team["qualified_5_years_share"] == round(1 / 3, 3)


@pytest.fixture()
def thirty(tmp_path):
    """30 directly employed FTE in post throughout; 3 more, 1 FTE each, whose last days are in May, June and
    July 2023; an agency worker who leaves in June (not in DfE's turnover of directly employed staff)."""
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("A", "Alpha")
    for _ in range(30):
        b.worker("A")
    for last in (date(2023, 5, 12), date(2023, 6, 30), date(2023, 7, 3)):
        b.worker("A", last_day=last, leave_reason="workload")
    b.worker("A", employment="agency", last_day=date(2023, 6, 1), leave_reason="end_of_contract")
    return b.load(tmp_path)


def test_turnover_over_six_months_is_annualised_beside_the_annual_figure(thirty):
    """definitions.md: turnover = FTE leavers / FTE in post at the end; a period other than a year is
    annualised x 365 / days when set beside England's annual figure, the raw rate shown too."""
    start, end = date(2023, 4, 1), date(2023, 9, 30)
    days = (end - start).days + 1  # 183
    [c] = compute(thirty.con, thirty.snapshot, "turnover_council", end, period_start=start).records()
    assert (c["period_days"], c["employed_leavers_fte"], c["employed_fte_at_end"]) == (days, 3.0, 30.0)
    assert c["turnover_rate"] == round(3 / 30, 3) == 0.1
    assert c["turnover_rate_annualised"] == round(3 / 30 * 365 / days, 3) == 0.199
    # Over exactly a year (DfE's year to 30 September) the annual rate is the rate itself.
    [y] = compute(thirty.con, thirty.snapshot, "turnover_council", end, period_start=date(2022, 10, 1)).records()
    assert y["turnover_rate"] == y["turnover_rate_annualised"] == 0.1


def test_turnover_is_set_beside_england_of_the_matching_year(thirty):
    """DfE's census year to 30 September 2023 beside England's 2023 figure (15.9%), never the latest (2025:
    11.8%); a period in the census year 2024, for which no England figure is held, says so."""
    from clearsight.store.benchmarks import benchmark_for
    from clearsight.metrics.workforce import census_year

    assert census_year(date(2023, 12, 31)) == census_year(SEP_30) == (YEAR_START, SEP_30)
    assert census_year(date(2023, 9, 29)) == (date(2021, 10, 1), date(2022, 9, 30))
    [census] = compute(thirty.con, thirty.snapshot, "turnover_council", SEP_30, period_start=YEAR_START).records()
    england = benchmark_for(thirty.con, "turnover_rate", SEP_30, period_start=YEAR_START)
    assert (census["turnover_rate"], england.england, england.period) == (0.1, 0.159, "2023")
    six_months = benchmark_for(thirty.con, "turnover_rate", SEP_30, period_start=date(2023, 4, 1))
    assert (six_months.england, six_months.period) == (0.159, "2023")
    later = benchmark_for(thirty.con, "turnover_rate", date(2024, 3, 31), period_start=date(2023, 10, 1))
    assert later.england is None and later.period == "2024"
    assert "no figure for 2024" in later.note and "2023, 2025" in later.note
