"""Daily rates of the looked-after-children model, fitted over a reference period (cs-demand-model method).

Over the reference window of days [first, last): child-days in each state (exposure), moves from each state to
each other state or out of care on the following day, and entries into care. The daily probability of a move
from s to s' is moves / child-days in s; entries into s arrive at entries / days a day. Birthdays that move a
child up a band and leaving care at 18 are moves like any other, so ageing is fitted from the children's own
ages, not assumed uniform within a band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clearsight.forecast.segments import OUT_OF_CARE, CareSegments
from clearsight.forecast.states import StateSpace


@dataclass(frozen=True)
class Rates:
    """A fitted model: `moves[s, t]` (t = states.size: out of care) and `exposure[s]` over `days` days."""

    states: StateSpace
    first_day: int
    days: int
    exposure: np.ndarray  # child-days in each state
    moves: np.ndarray  # (S, S + 1): moves between states, the last column out of care
    entries: np.ndarray  # (S,): children entering care into each state

    @property
    def transition(self) -> np.ndarray:
        """Daily probabilities between in-care states (S x S); each row's shortfall from 1 is leaving care."""
        size = self.states.size
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(self.exposure[:, None] > 0, self.moves / self.exposure[:, None], 0.0)
        out = p[:, :size].copy()
        np.fill_diagonal(out, 0.0)
        np.fill_diagonal(out, 1.0 - out.sum(axis=1) - p[:, size])
        return out

    @property
    def leaving(self) -> np.ndarray:
        """Daily probability of leaving care from each state."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.exposure > 0, self.moves[:, -1] / self.exposure, 0.0)

    @property
    def entry_rate(self) -> np.ndarray:
        """Children entering care into each state a day."""
        return self.entries / self.days


def fit_rates(segments: CareSegments, last_day: int, days: int) -> Rates:
    """Rates from the `days` days before `last_day` (day numbers): steps from each day d in
    [last_day - days, last_day) to d + 1."""
    first = last_day - days
    size = segments.states.size
    s, e = segments.start, segments.end
    overlap = np.clip(np.minimum(e, last_day) - np.maximum(s, first), 0, None)
    exposure = np.bincount(segments.state, weights=overlap, minlength=size)
    ends = (e > first) & (e <= last_day) & (segments.next_state != segments.state)
    to = np.where(segments.next_state[ends] == OUT_OF_CARE, size, segments.next_state[ends])
    moves = np.bincount(segments.state[ends] * (size + 1) + to, minlength=size * (size + 1)).reshape(size, size + 1)
    starts = segments.entry & (s > first) & (s <= last_day)
    entries = np.bincount(segments.state[starts], minlength=size)
    return Rates(segments.states, first, days, exposure.astype(float), moves.astype(float), entries.astype(float))
