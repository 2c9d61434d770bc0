"""Histories drawn from known daily rates: their episodes follow the rules by hand, and on them the backtest's band
holds close to its level (the check that a band too narrow, or a coverage counted wrong, would fail)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from clearsight.config import CouncilConfig
from clearsight.forecast.backtest import backtest
from clearsight.forecast.segments import OPEN_END, OUT_OF_CARE, birthdays, day_number
from clearsight.forecast.simulated import CareProcess, simulate

CONFIG = CouncilConfig()
SETTINGS = CONFIG.forecast
BANDS, CATS = len(SETTINGS.age_bands), len(SETTINGS.placement_categories) + 1
FIRST, LAST = date(2004, 4, 1), date(2025, 3, 31)


def _process(leaving: float = 0.0, moving: float = 0.0, entering: float = 0.0,
             into: tuple[int, int] | None = None) -> CareProcess:
    """The same daily rates in every band and category (entries into one state when `into` is given)."""
    move = np.full((BANDS, CATS, CATS), moving)
    move[:, np.arange(CATS), np.arange(CATS)] = 0.0
    enter = np.full((BANDS, CATS), entering)
    if into is not None:
        enter[:] = 0.0
        enter[into] = entering
    return CareProcess(np.full((BANDS, CATS), leaving), move, enter)


def test_children_who_never_leave_stay_to_18_in_one_episode():
    # Entries only into 16-18 fostering, nobody leaves or moves: one episode each, from the entry to the 18th
    # birthday (or open at the end), and on the entry day every child is 16 or 17.
    sim = simulate(_process(entering=0.5, into=(BANDS - 1, 0)), SETTINGS, FIRST, LAST, seed=3)
    assert len(sim.child) == len(sim.dob) == len(np.unique(sim.child)) > 3000
    sixteen, eighteen = birthdays(sim.dob[sim.child], (16, 18)).T
    assert np.all((sixteen <= sim.start) & (sim.start < eighteen)) and np.all(sim.category == 0)
    closed = eighteen <= day_number(LAST)
    assert np.array_equal(sim.end[closed], eighteen[closed])
    assert np.all(sim.end[~closed] == day_number(OPEN_END))


def test_a_move_of_placement_starts_the_next_episode_the_same_day():
    sim = simulate(_process(leaving=1 / 400, moving=1 / 200, entering=0.1), SETTINGS, FIRST, LAST, seed=4)
    order = np.lexsort((sim.start, sim.child))
    child, start, end, cat = (x[order] for x in (sim.child, sim.start, sim.end, sim.category))
    same = child[1:] == child[:-1]
    assert same.sum() > 1000  # children who moved
    assert np.array_equal(start[1:][same], end[:-1][same]) and np.all(cat[1:][same] != cat[:-1][same])
    # Birthdays start no episode: the spells cut at them, and the spell after a birthday follows on.
    segments = sim.segments(SETTINGS)
    assert len(segments.state) > len(sim.child)
    assert np.all(segments.next_state[~np.r_[segments.entry[1:], True]] != OUT_OF_CARE)


def test_the_same_seed_draws_the_same_history():
    a, b = (simulate(_process(leaving=1 / 700, entering=0.1), SETTINGS, FIRST, LAST, seed=5) for _ in range(2))
    assert np.array_equal(a.end, b.end) and np.array_equal(a.dob, b.dob)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_band_holds_close_to_its_level_on_independent_children(seed):
    # About 700 children in care, staying two years or so, moving placement now and then: each year's backtest
    # from 2020 to 2024 scores its 12 months; at a 95% band the total should be inside in most of them.
    process = _process(leaving=1 / 700, moving=1 / 1500, entering=0.05)
    segments = simulate(process, SETTINGS, FIRST, LAST, seed).segments(SETTINGS)
    results = [backtest(segments, date(year, 3, 31), LAST, CONFIG) for year in range(2020, 2025)]
    assert 500 < results[0].actual[0].sum() < 900
    assert np.mean([r.coverage for r in results]) >= 0.8
    assert np.mean([r.state_coverage for r in results]) >= 0.85
    assert max(r.mape for r in results) < 0.1
