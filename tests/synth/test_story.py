"""Eastmere's story (../shared/design/scenario.md) holds for every seed, by the generator's rules and not by the
luck of one seed, seen through Clearsight's own figures on the loaded extract (never the generator's internals):

- 2019-2022, steady years: few children wait for a social worker;
- from April 2023: the restructure cuts the two child-in-need teams deepest (about a third of their posts); with
  children waiting weeks for a worker they go into crisis and lose staff far faster than they used to (no date
  starts it: the caseloads do), their caseloads reach 25-28, and the waiting list climbs, by the day and not in
  jumps, to a backlog the size of the scenario's (291 children at scale 1, seed 000's figure) between the autumn
  and the February 2024 inspection;
- 2024-25: recovery, few children waiting again;
- and the flow figures sit near England's: repeat child protection plans 24.5%, CP plans open two years 2.3%,
  looked-after children with three or more placements in a year 10%, long-term placement stability 69% (DfE
  Children in need and SSDA903 statistics, 2025; ../shared/domain/definitions.md).

Five seeds at half scale (a council of about 37,500 children, two localities whose child-in-need teams of eight
are the depleted ones); each council is generated, loaded and read once for all the tests of its seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from clearsight.canonical.calendar import months
from clearsight.metrics.figures import compute
from clearsight.store.database import connect
from clearsight.store.snapshots import get_snapshot

pytestmark = pytest.mark.slow  # five whole councils, a few minutes

SEEDS = (1, 2, 3, 4, 5)
SCALE = 0.5  # the half_eastmere fixture's (tests/conftest.py HALF_SCALE)
SCENARIO_BACKLOG = 291  # children waiting in mid-December at scale 1 (scenario.md; seed 000, 17 Dec 2014)
# The backlog builds in the two depleted teams, which at half scale hold 16 practitioner posts against 20 at scale 1
# (tests/synth council sizes): the scenario's backlog scales with them, not with the council.
DEPLETED_POSTS = 16 / 20
DEPLETED = ("North Child in Need Team", "South Child in Need Team")
STEADY = (date(2019, 10, 1), date(2023, 2, 28))  # before the restructure is announced
SHOCK = (date(2023, 4, 1), date(2023, 12, 31))  # the restructure, then the drain
PEAK_WINDOW = (date(2023, 10, 1), date(2024, 2, 18))  # autumn 2023 to the recovery teams after the inspection
RECOVERED = (date(2024, 9, 1), date(2025, 3, 31))
DAILY = (date(2023, 8, 1), date(2023, 9, 30))  # day by day through the climb (31 Aug and 4 Sep 2023 included)


@dataclass
class Story:
    seed: int
    waiting: dict[date, int]  # children waiting for a social worker (unallocated_cases) by day
    depleted_caseload: dict[date, float]  # the depleted teams' DfE average caseload by month
    leavers: dict[str, int]  # leavers from the depleted teams: 'baseline' (2019-04..2022-12), 'shock'
    fte: dict[str, float]  # the depleted teams' FTE holding cases, mean of the months: 'before' (Jan-Mar 2023), 'shock'
    repeat_cp: tuple[int, int]  # repeat plans, plans starting (2021-22 to 2024-25)
    cp_two_years: tuple[int, int]  # plans open two years or more, plans open (each 31 March 2022-2025)
    three_or_more: tuple[int, int]  # children with 3+ placements in the year, children looked after
    long_term: tuple[int, int]  # same placement 2+ years, under 16 looked after 2.5+ years

    def peak(self, start: date, end: date) -> tuple[date, int]:
        day = max((d for d in self.waiting if start <= d <= end), key=lambda d: (self.waiting[d], d))
        return day, self.waiting[day]

    def most(self, start: date, end: date) -> int:
        return self.peak(start, end)[1]


def _days(start: date, end: date, step: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(0, (end - start).days + 1, step)]


def _read(con, snapshot, seed: int) -> Story:
    def rows(name: str, as_at: date, start: date | None = None) -> list[dict]:
        return compute(con, snapshot, name, as_at, period_start=start).records()

    def council(name: str, as_at: date, start: date | None = None) -> dict:
        return next(r for r in rows(name, as_at, start) if r["level"] == "council")

    mid_months = [first + timedelta(days=14) for first, _ in months(date(2019, 4, 1), date(2025, 3, 31))]
    days = sorted(set(mid_months) | set(_days(*DAILY, 1)) | set(_days(*PEAK_WINDOW, 7)) | {PEAK_WINDOW[1]})
    waiting = {d: compute(con, snapshot, "unallocated_cases", d).rows.num_rows for d in days}
    caseload, holding = {}, {}
    for d in (d for d in mid_months if date(2023, 1, 1) <= d <= date(2024, 6, 30)):
        teams = [r for r in rows("caseloads", d) if r["level"] == "team" and r["team"] in DEPLETED
                 and r["caseload_group"] == "social_work"]
        holding[d] = sum(r["fte_holding_cases"] for r in teams)
        caseload[d] = sum(r["cases"] for r in teams) / holding[d]
    fte = {name: sum(f for d, f in holding.items() if start <= d <= end) / sum(start <= d <= end for d in holding)
           for name, (start, end) in {"before": (date(2023, 1, 1), date(2023, 3, 31)), "shock": SHOCK}.items()}
    gone = {name: sum(r["team"] in DEPLETED for r in rows("leavers", end, start))
            for name, (start, end) in {"baseline": (date(2019, 4, 1), date(2022, 12, 31)), "shock": SHOCK}.items()}
    years = [(date(y, 4, 1), date(y + 1, 3, 31)) for y in range(2021, 2025)]
    repeat = [council("repeat_cp_plans", end, start) for start, end in years]
    two_years = [council("cp_plans_two_years", end) for _, end in years]
    stability = [council("placement_stability", end) for _, end in years]
    return Story(
        seed, waiting, caseload, gone, fte,
        (sum(r["numerator"] for r in repeat), sum(r["denominator"] for r in repeat)),
        (sum(r["numerator"] for r in two_years), sum(r["denominator"] for r in two_years)),
        (sum(r["three_or_more"] for r in stability), sum(r["looked_after"] for r in stability)),
        (sum(r["long_term_stable"] for r in stability), sum(r["long_term_eligible"] for r in stability)),
    )


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def story(request: pytest.FixtureRequest, half_eastmere: Callable[[int], Path]) -> Story:
    con = connect(half_eastmere(request.param) / "clearsight.duckdb", read_only=True)
    story = _read(con, get_snapshot(con), request.param)
    con.close()
    peak_day, peak = story.peak(*PEAK_WINDOW)
    print(f"seed {story.seed}: waiting steady at most "
          f"{story.most(*STEADY)}, 15 Aug 2023 {story.waiting[date(2023, 8, 15)]}, peak {peak} on {peak_day}, recovered at most "
          f"{story.most(*RECOVERED)}; depleted-team caseload at worst {max(story.depleted_caseload.values()):.1f}; "
          f"leavers from the depleted teams {story.leavers}; repeat CP {story.repeat_cp}, CP 2 years "
          f"{story.cp_two_years}, 3+ placements {story.three_or_more}, long-term stable {story.long_term}")
    return story


def _few_wait(story: Story, start: date, end: date) -> None:
    """Most months nobody waits; a team short of staff for a while has a few dozen (at half scale) waiting."""
    waiting = sorted(n for d, n in story.waiting.items() if start <= d <= end)
    assert waiting[len(waiting) // 2] <= 15 * SCALE
    assert waiting[-1] <= 120 * SCALE


def test_few_children_wait_in_the_steady_years(story: Story) -> None:
    _few_wait(story, *STEADY)


def test_the_waiting_list_moves_by_the_day_not_in_jumps(story: Story) -> None:
    """31 Aug 2023 to 4 Sep 2023 once went from 0 to 62: a list built child by child never moves like that."""
    days = _days(*DAILY, 1)
    for before, after in pairwise(days):
        level = max(story.waiting[before], story.waiting[after])
        assert abs(story.waiting[after] - story.waiting[before]) <= max(12, 0.35 * level), (before, after)


def test_the_depleted_teams_lose_staff_far_faster_in_2023(story: Story) -> None:
    """Four times the steady years' rate for the staff they have: the restructure left them about two thirds."""
    baseline_per_shock_period = story.leavers["baseline"] * (SHOCK[1] - SHOCK[0]).days / (
        date(2022, 12, 31) - date(2019, 4, 1)).days * story.fte["shock"] / story.fte["before"]
    assert story.leavers["shock"] >= max(4 * baseline_per_shock_period, 20 * SCALE)


def test_the_backlog_climbs_through_2023_to_the_scenarios_size(story: Story) -> None:
    peak_day, peak = story.peak(*PEAK_WINDOW)
    expected = SCENARIO_BACKLOG * DEPLETED_POSTS  # the seeds at half scale: 1.2 to 1.6 times it
    assert 0.6 * expected <= peak <= 2.0 * expected
    assert story.peak(date(2023, 1, 1), date(2024, 12, 31))[0] == peak_day  # nothing later is higher
    assert peak >= 2 * max(story.most(*STEADY), story.most(*RECOVERED))
    autumn = [story.waiting[d] for d in sorted(story.waiting) if date(2023, 6, 1) <= d <= peak_day]
    assert sum(autumn[len(autumn) // 2:]) > sum(autumn[:len(autumn) // 2])  # it climbs towards the peak


def test_the_depleted_teams_carry_25_to_28_at_the_worst(story: Story) -> None:
    """Scenario ~25-27; the restructure leaves them at the allocation pace's settling point under the cap of 30
    (about 28) until staff start leaving."""
    assert 24 <= max(story.depleted_caseload.values()) <= 29


def test_recovery_by_2024_25(story: Story) -> None:
    _few_wait(story, *RECOVERED)


def test_flow_figures_near_englands(story: Story) -> None:
    def rate(pair: tuple[int, int]) -> float:
        return pair[0] / pair[1]

    assert 0.18 <= rate(story.repeat_cp) <= 0.31  # England 2025: 24.5%
    assert rate(story.cp_two_years) <= 0.06  # England 2025: 2.3%
    assert 0.06 <= rate(story.three_or_more) <= 0.15  # England 2025: 10%
    assert 0.55 <= rate(story.long_term) <= 0.83  # England 2025: 69%
