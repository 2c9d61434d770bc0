"""Monthly metrics in one query equal the per-date metrics month by month, and compile for every dialect."""

from __future__ import annotations

from datetime import date

import pytest
from council_builder import CouncilBuilder

from clearsight.config import CouncilConfig
from clearsight.metrics.figures import compute, compute_monthly
from clearsight.store import figure_store
from clearsight.metrics.registry import Scope, get_metric
from clearsight.metrics.sql import DIALECTS, metric_sql

# 15 May to 20 Aug 2023: a partial first month, two whole ones and a partial last month.
START, END = date(2023, 5, 15), date(2023, 8, 20)
MONTHS = [
    (date(2023, 5, 15), date(2023, 5, 31)), (date(2023, 6, 1), date(2023, 6, 30)),
    (date(2023, 7, 1), date(2023, 7, 31)), (date(2023, 8, 1), date(2023, 8, 20)),
]
LEVELS = {
    "team": ("workforce_by_team", "turnover_by_team", "team_capacity"),
    "service": ("workforce_by_service", "turnover_by_service", "service_capacity"),
    "council": ("workforce_council", "turnover_council", "council_capacity"),
}
WORKFORCE_COLUMNS = (
    "headcount", "fte", "employed_fte", "agency_fte", "agency_rate", "funded_fte", "vacancy_fte", "vacancy_rate",
    "starters", "starters_fte", "leavers", "leavers_fte", "agency_leavers", "employed_leavers_fte", "turnover_rate",
    "turnover_rate_annualised",
)
_NULL_WHEN_ABSENT = ("agency_rate", "funded_fte", "vacancy_rate", "turnover_rate", "turnover_rate_annualised")
CAPACITY_COLUMNS = (
    "workers", "fte", "workers_holding_cases", "fte_holding_cases", "cases", "caseload_per_fte_holding",
    "caseload_per_head", "caseload_status", "cases_over_capacity", "posts_needed_over_capacity",
)


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    """Team A (cin) and B (cp), C (cp) funded but empty. A mover goes from A to B on 16 Jun; a permanent A worker
    leaves on 10 Jul (0.5 FTE); an agency B worker leaves on 5 Aug; a new A worker starts on 20 May. Cases move
    with them: allocations start and end across the month ends."""
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("A", "Alpha", service="cin")
    b.team("B", "Beta", service="cp")
    b.team("C", "Gamma", service="cp")
    b.establishment("A", 5.0)
    b.establishment("B", 3.0)
    b.establishment("B", 1.0, start=date(2023, 7, 1))
    b.establishment("C", 2.0)
    stay_a = b.worker("A")
    part = b.worker("A", fte=0.5, last_day=date(2023, 7, 9), leave_reason="relocation")
    b.worker("A", employment="agency")
    new = b.worker("A", role="asye", start=date(2023, 5, 20), start_origin="newly_qualified")
    mover = b.worker("A", last_day=date(2023, 6, 15), worker_id="MOVER")
    b.rows["worker"][-1]["end_date"] = None  # a move, not a leaver
    b.post(mover, "B", "social_worker", start=date(2023, 6, 16))
    stay_b = b.worker("B")
    agency_b = b.worker("B", employment="agency", last_day=date(2023, 8, 4), leave_reason="end_of_contract")
    b.worker("B", "team_manager")
    # Caseloads: the part-timer holds 14 (over 0.5 x 20), the mover 25 throughout (A then B), stay_b 22.
    holders = [(part, "A", 14, date(2023, 1, 1), date(2023, 7, 10)), (mover, "A", 25, date(2023, 1, 1), None),
               (stay_b, "B", 22, date(2023, 1, 1), None), (stay_a, "A", 18, date(2023, 6, 1), date(2023, 8, 1)),
               (new, "A", 8, date(2023, 6, 30), None), (agency_b, "B", 30, date(2023, 1, 1), date(2023, 8, 5))]
    for worker, team, n, start, end in holders:
        for _ in range(n):
            child, _episode = b.case(team, date(2022, 12, 1))
            b.allocate(child, worker, team, start, end)
    return b.load(tmp_path_factory.mktemp("monthly"))


def _key(row):
    return row.get("service"), row.get("team_id")


def test_month_spine_clips_the_first_and_last_month(council):
    rows = compute(council.con, council.snapshot, "workforce_monthly", END, period_start=START).records()
    assert sorted({(r["month_start"], r["month_end"]) for r in rows}) == MONTHS


def test_workforce_monthly_equals_the_per_date_figures(council):
    rows = compute(council.con, council.snapshot, "workforce_monthly", END, period_start=START).records()
    compared = 0
    for first, last in MONTHS:
        for level, (in_post, turnover, _) in LEVELS.items():
            mine = {_key(r): r for r in rows if r["level"] == level and r["month_end"] == last}
            at = {_key(r): r for r in compute(council.con, council.snapshot, in_post, last).records()}
            over = {_key(r): r for r in compute(council.con, council.snapshot, turnover, last,
                                                 period_start=first).records()}
            assert set(mine) == set(at) | set(over), (level, last)
            for key, row in mine.items():
                # A side with no row for the key has zero people and flows, and no rates or establishment.
                expected = {**{c: 0 for c in WORKFORCE_COLUMNS if c not in _NULL_WHEN_ABSENT},
                            **at.get(key, {}), **over.get(key, {})}
                for column in WORKFORCE_COLUMNS:
                    assert row[column] == expected.get(column), (level, last, key, column)
                    compared += 1
    assert compared > 200
    # Hand-checked: July, Alpha lost the 0.5 FTE part-timer; employed in post at 31 Jul = stay_a + ASYE = 2.0.
    [july_a] = [r for r in rows if r["team"] == "Alpha" and r["month_end"] == date(2023, 7, 31)]
    assert (july_a["leavers"], july_a["employed_leavers_fte"], july_a["turnover_rate"]) == (1, 0.5, 0.25)
    assert (july_a["headcount"], july_a["agency_rate"], july_a["vacancy_fte"]) == (3, round(1 / 3, 3), 3.0)
    # The mover is neither a leaver nor a starter in June; Beta has them in post at 30 Jun.
    june = {r["team"]: r for r in rows if r["level"] == "team" and r["month_end"] == date(2023, 6, 30)}
    assert (june["Alpha"]["leavers"], june["Beta"]["starters"], june["Beta"]["headcount"]) == (0, 0, 4)
    # Gamma: funded, nobody in post, so all vacancy.
    assert (june["Gamma"]["headcount"], june["Gamma"]["vacancy_rate"]) == (0, 1.0)
    # May: the ASYE started on 20 May, inside the clipped first month.
    [may_council] = [r for r in rows if r["level"] == "council" and r["month_end"] == date(2023, 5, 31)]
    assert (may_council["starters"], may_council["headcount"]) == (1, 8)


def test_capacity_monthly_equals_team_capacity(council):
    rows = compute(council.con, council.snapshot, "capacity_monthly", END, period_start=START).records()
    compared = 0
    for _first, last in MONTHS:
        for level, (_, _, capacity) in LEVELS.items():
            mine = {_key(r): r for r in rows if r["level"] == level and r["month_end"] == last}
            theirs = {_key(r): r for r in compute(council.con, council.snapshot, capacity, last).records()
                      if r["workers"] > 0}
            assert set(mine) == set(theirs), (level, last)
            for key, row in mine.items():
                for column in CAPACITY_COLUMNS:
                    assert row[column] == theirs[key][column], (level, last, key, column)
                    compared += 1
    assert compared > 100
    # Hand-checked, 30 Jun at Alpha: part-timer 14 (0.5 FTE: 4 over 10), stay_a 18, ASYE 8 (from 30 Jun).
    [june_a] = [r for r in rows if r["team"] == "Alpha" and r["month_end"] == date(2023, 6, 30)]
    assert (june_a["cases"], june_a["cases_over_capacity"]) == (40, 4.0)
    # 31 Aug is past the period: the last month ends on 20 Aug, after the agency worker left Beta on 5 Aug.
    [aug_b] = [r for r in rows if r["team"] == "Beta" and r["month_start"] == date(2023, 8, 1)]
    assert aug_b["month_end"] == END and aug_b["cases"] == 25 + 22


@pytest.mark.parametrize("name", ["workforce_monthly", "capacity_monthly"])
@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_monthly_metrics_compile_for_every_dialect(name, dialect):
    scope = Scope(1, date(2025, 3, 31), CouncilConfig(), period_start=date(2019, 4, 1))
    sql = metric_sql(get_metric(name).build(scope), dialect)
    assert "working_calendar" in sql


@pytest.mark.parametrize(("name", "period"), [("turnover_by_team", True), ("team_capacity", False)])
def test_a_series_holds_each_month_as_compute_gives_it(council, monkeypatch, name, period):
    """After a series, `compute` for one of its months answers from it with no query, and the answer is the
    one a fresh query gives (over the month for a period metric, as at its last day otherwise)."""
    from clearsight.metrics import figures

    monkeypatch.setenv(figure_store.STORE_ENV, "0")
    figures.clear_result_cache()
    compute_monthly(council.con, council.snapshot, name, START, END, period=period)
    monkeypatch.setattr(figures, "query_arrow", lambda *a, **k: pytest.fail("queried"))
    held = {last: compute(council.con, council.snapshot, name, last, period_start=first if period else None).rows
            for first, last in MONTHS}
    monkeypatch.undo()
    monkeypatch.setenv(figure_store.STORE_ENV, "0")
    assert sum(t.num_rows for t in held.values()) > 0
    for first, last in MONTHS:
        figures.clear_result_cache()
        fresh = compute(council.con, council.snapshot, name, last, period_start=first if period else None).rows
        assert held[last].equals(fresh), (name, last)
