"""Working-day arithmetic on day numbers (days since 1970-01-01) for the generator's vectorised simulation.

The working days are the product's one calendar (`clearsight.canonical.calendar`: weekends and England and
Wales bank holidays), held here as NumPy arrays so the simulation can step thousands of cases at once.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from clearsight.canonical.calendar import CALENDAR_FIRST, working_calendar

EPOCH = date(1970, 1, 1)


def day(d: date) -> int:
    """Day number of a date."""
    return (d - EPOCH).days


class Calendar:
    """Working days between two dates, precomputed so each lookup is O(1)."""

    def __init__(self, first: date, last: date) -> None:
        self.d0 = day(first)
        n = day(last) - self.d0 + 1
        offset = (first - CALENDAR_FIRST).days
        wd = np.array(working_calendar().is_working[offset:offset + n], dtype=bool)
        days = np.arange(self.d0, self.d0 + n)
        self.is_wd = wd
        self.cum = np.cumsum(wd)  # working days up to and including index
        self.wd_days = days[wd]
        self.n = n

    def working(self, d: int) -> bool:
        return bool(self.is_wd[d - self.d0])

    def add_wd(self, d: int, n: int) -> int:
        """The n-th working day after day d (n >= 0; n = 0 gives d itself if working, else the next)."""
        k = self.cum[min(max(d - self.d0, 0), self.n - 1)]
        if n == 0 and not self.is_wd[d - self.d0]:
            n = 1
        j = min(int(k) + n - 1, len(self.wd_days) - 1)
        return int(self.wd_days[j])

    def add_wd_vec(self, d: np.ndarray, n: np.ndarray) -> np.ndarray:
        idx = np.clip(d - self.d0, 0, self.n - 1)
        k = self.cum[idx] + np.asarray(n) - 1
        return self.wd_days[np.clip(k, 0, len(self.wd_days) - 1)]

    def wd_between(self, a: int, b: int) -> int:
        """Working days in (a, b]."""
        return int(self.cum[b - self.d0] - self.cum[a - self.d0])

    def wd_between_vec(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.cum[np.clip(b - self.d0, 0, self.n - 1)] - self.cum[np.clip(a - self.d0, 0, self.n - 1)]
