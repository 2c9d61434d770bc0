"""A looked-after history drawn from known, constant daily rates: children who move independently of each other.

What the band is for: a forecast's band is honest when, on a history made by the process the model describes,
it holds the outcome about as often as its level says. Copies of one council's children are no such history
(every copy moves together, so the spread of the total grows with the copies, not their square root); a history
simulated here is. Each child enters care (Poisson counts a day in each age band x placement) at an age drawn
evenly within the band, stays in a placement category a geometric number of days at that state's daily rates
of leaving care and of moving category, moves up a band on the birthday (the SSDA903 date of birth decides it,
as it does for the fitted model) and leaves care at 18. A move of category starts a new episode; a birthday
does not. Seeded: the same seed draws the same history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from clearsight.config.settings import ForecastSettings
from clearsight.forecast.rates import Rates
from clearsight.forecast.segments import OPEN_END, CareSegments, birthdays, day_number, spells

YEAR_DAYS = 365.25


@dataclass(frozen=True)
class CareProcess:
    """Daily rates by age band x placement category: `leaving[b, c]`, `moving[b, c, c2]` (to category c2 in the
    same band) and `entering[b, c]` (children a day)."""

    leaving: np.ndarray
    moving: np.ndarray
    entering: np.ndarray

    @classmethod
    def from_rates(cls, rates: Rates, scale: float = 1.0) -> CareProcess:
        """A fitted model's rates between categories of a band (a change of band is a birthday here, and "age
        unknown" is left out), with entries `scale` times as many. Leaving the oldest band includes the 18th
        birthdays the fit counted, so children of that band leave a little sooner than the fit's council."""
        bands = sum(band != "age unknown" for band in rates.states.bands)
        cats = len(rates.states.categories)
        size = rates.states.size
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(rates.exposure[:, None] > 0, rates.moves / rates.exposure[:, None], 0.0)
        block = p[: bands * cats, :size].reshape(bands, cats, bands, cats)
        moving = block[np.arange(bands), :, np.arange(bands), :].copy()
        moving[:, np.arange(cats), np.arange(cats)] = 0.0
        leaving = p[: bands * cats, size].reshape(bands, cats)
        entering = rates.entry_rate[: bands * cats].reshape(bands, cats) * scale
        return cls(leaving, moving, entering)


@dataclass(frozen=True)
class SimulatedCare:
    """Children (number = index: `dob`) and their episodes (day numbers; `OPEN_END`'s for one still open)."""

    dob: np.ndarray
    child: np.ndarray
    start: np.ndarray
    end: np.ndarray
    category: np.ndarray

    def segments(self, settings: ForecastSettings) -> CareSegments:
        known = np.ones(len(self.child), bool)
        return spells(self.child, self.start, self.end, self.dob[self.child], known, self.category, settings)


def simulate(process: CareProcess, settings: ForecastSettings, first: date, last: date, seed: int) -> SimulatedCare:
    """Children entering care from `first` to `last` and what befell them up to `last` (still in care: open)."""
    rng = np.random.default_rng(seed)
    bands, cats = process.leaving.shape
    lo, hi = day_number(first), day_number(last)
    counts = rng.poisson(process.entering * (hi - lo + 1))
    state = np.repeat(np.arange(bands * cats), counts.ravel())
    band, cat = state // cats, state % cats
    entry = rng.integers(lo, hi + 1, len(state))
    lower = np.array([b.lower for b in settings.age_bands])[band] * YEAR_DAYS
    upper = np.array([b.upper for b in settings.age_bands])[band] * YEAR_DAYS
    dob = entry - np.floor(lower + rng.random(len(state)) * (upper - lower)).astype(np.int64)
    turning = birthdays(dob, (*(b.lower for b in settings.age_bands), 18))
    young = turning[:, -1] > entry  # (an age drawn a day short of 18 may have been 18 by the calendar)
    dob, entry, cat, turning = dob[young], entry[young], cat[young], turning[young]
    band = (turning[:, 1:-1] <= entry[:, None]).sum(axis=1)  # the band the birthdays put each child in that day
    # Each pass moves every child still in care to its next event: a birthday, a move, leaving, or the end.
    hazard = process.leaving + process.moving.sum(axis=2)
    child, day, start = np.arange(len(entry)), entry.copy(), entry.copy()
    episodes: list[tuple[np.ndarray, ...]] = []
    while len(child):
        h = hazard[band, cat]
        wait = np.where(h > 0, rng.geometric(np.clip(h, 1e-12, 1.0)), np.iinfo(np.int64).max // 4)
        birthday = turning[child, band + 1]
        when = np.minimum(birthday, day + wait)
        open_ = when > hi
        aged = ~open_ & (birthday <= day + wait)
        at_18 = aged & (band + 1 == bands)
        event = ~open_ & ~aged
        u = rng.random(len(child)) * h
        leaves = event & (u < process.leaving[band, cat])
        moves = event & ~leaves
        ended = open_ | at_18 | event
        episodes.append((child[ended], start[ended], np.where(open_, day_number(OPEN_END), when)[ended],
                         cat[ended]))
        # A move's category: the first whose running total of move rates passes the draw beyond leaving.
        running = process.leaving[band, cat][:, None] + np.cumsum(process.moving[band, cat], axis=1)
        to = np.minimum((running <= u[:, None]).sum(axis=1), cats - 1)
        cat = np.where(moves, to, cat)
        start = np.where(moves, when, start)
        band = np.where(aged & ~at_18, band + 1, band)
        day = when
        stay = ~(open_ | at_18 | leaves)
        child, day, start, band, cat = (x[stay] for x in (child, day, start, band, cat))
    out = [np.concatenate(parts) for parts in zip(*episodes)] if episodes else [np.zeros(0, np.int64)] * 4
    return SimulatedCare(dob, *out)
