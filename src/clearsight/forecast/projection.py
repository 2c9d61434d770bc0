"""Projecting the looked-after population day by day from fitted rates, with a band.

Each day every child independently stays, moves or leaves care with the fitted daily probabilities (a
multinomial draw per state) and new children arrive in each state as Poisson counts. The mean follows
m' = m P + lambda; the covariance follows exactly, by the law of total covariance,
C' = P'CP + diag(mP) - P' diag(m) P + diag(lambda), so the band needs no simulation. The band is the central
interval at the settings' level of a count with that mean and variance: the normal interval for 50 children and
more, the quantiles of a count distribution below (`count_band`).

Besides the chance in moves and entries at the fitted rates, the band carries the uncertainty of the rates
themselves (with `ForecastSettings.rate_uncertainty`). Moves and entries counted over the reference period are
Poisson: with a flat Gamma prior the posterior of a daily rate n / E (n moves of one kind out of E child-days, or
n entries in the reference days) is Gamma(n, E), variance n / E^2, the rates independent of one another
(competing risks). That reaches the stock to first order (the delta method): an entry rate through
B = I + P + ... + P^(t-1), as B' diag(var) B; a move from s to t through A_s = sum_j m_j[s] P^(t-1-j) (the
children in s on each earlier day, carried forward), as A_s' M_s A_s where M_s = sum_t var(s->t) u u' and
u = e_t - e_s (e_s alone for leaving care: the child goes nowhere in care). A change in the rates beyond that
is not in the band (the backtest measures how far that holds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import NormalDist
from typing import Any

import numpy as np

from clearsight.canonical.calendar import month_end
from clearsight.forecast.rates import Rates
from clearsight.forecast.segments import day_number
from clearsight.forecast.states import StateSpace


def month_ends_after(day: date, months: int) -> list[date]:
    """The last days of the `months` calendar months ending after `day`."""
    out: list[date] = []
    year, month = day.year, day.month
    while len(out) < months:
        end = month_end(year, month)
        if end > day:
            out.append(end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


SMALL_COUNT = 50.0  # below this expected count a band is read from a count distribution, not the normal curve


def count_band(mean: np.ndarray, sd: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The central `level` interval of a count with this mean and standard deviation. From SMALL_COUNT up, the
    normal interval mean +/- z sd (never below 0). Below it, where the normal curve puts the band between whole
    numbers and misses a child too many, the quantiles of the count distribution with that mean and variance:
    negative binomial when the variance exceeds the mean (r = m^2 / (v - m), p = r / (r + m)), else Poisson
    (a little wider than the binomial a thinning makes): lower = the smallest k with P(X <= k) >= (1 - level) / 2,
    upper = the smallest k with P(X <= k) >= (1 + level) / 2."""
    mean, sd = np.asarray(mean, float), np.asarray(sd, float)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    lower, upper = np.maximum(mean - z * sd, 0.0), mean + z * sd
    small = (mean < SMALL_COUNT) & (mean > 0)
    if not small.any():
        return lower, upper
    m, v = mean[small], np.maximum(sd[small] ** 2, mean[small])
    over = v > m * (1 + 1e-9)
    r = np.where(over, m * m / np.where(over, v - m, 1.0), 1.0)  # (1.0: unused where Poisson)
    q = np.where(over, m / (r + m), 0.0)  # 1 - p
    log_pmf = np.where(over, r * np.log1p(-q), -m)
    steps = int(np.ceil((m + 12 * np.sqrt(v)).max())) + 12
    k = np.arange(steps)[:, None]
    # pmf(k+1) / pmf(k): (k + r) q / (k + 1) for the negative binomial, m / (k + 1) for Poisson.
    ratio = np.where(over, (k + r) * q, m) / (k + 1)
    log_pmf = log_pmf + np.vstack([np.zeros((1, len(m))), np.cumsum(np.log(ratio[:-1]), axis=0)])
    cdf = np.cumsum(np.exp(log_pmf), axis=0)
    lower[small] = np.argmax(cdf >= (1 - level) / 2, axis=0)
    upper[small] = np.argmax(cdf >= (1 + level) / 2 - 1e-12, axis=0)
    return lower, upper


@dataclass(frozen=True)
class Projection:
    """Expected children in each state at each month end, with the standard deviation of each state's count
    and of the total (which includes the states' covariances)."""

    states: StateSpace
    as_at: date
    start: np.ndarray  # (S,): children in each state on the as-at date
    month_ends: tuple[date, ...]
    mean: np.ndarray  # (months, S)
    sd: np.ndarray  # (months, S)
    total_sd: np.ndarray  # (months,)
    level: float

    @property
    def z(self) -> float:
        return NormalDist().inv_cdf(0.5 + self.level / 2)

    @property
    def total(self) -> np.ndarray:
        return self.mean.sum(axis=1)

    def band(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of each state's count (months x S)."""
        return count_band(self.mean, self.sd, self.level)

    def total_band(self) -> tuple[np.ndarray, np.ndarray]:
        return count_band(self.total, self.total_sd, self.level)

    def rows(self) -> list[dict[str, Any]]:
        """One row per month end and state with children in it, then the total (band and placement 'all').
        Python rows, not an Arrow table: pyarrow converts Python values through pandas (half a second)."""
        lower, upper = self.band()
        t_lower, t_upper = self.total_band()
        seen = np.flatnonzero((self.mean.max(axis=0) > 0) | (self.start > 0))
        labels = [(self.states.band_of(s), self.states.category_of(s)) for s in seen] + [("all", "all")]
        columns = [np.column_stack([by_state[:, seen], total]).tolist()
                   for by_state, total in ((self.mean, self.total), (lower, t_lower), (upper, t_upper))]
        return [{"month_end": month_end, "age_band": band, "placement": category, "forecast": forecast[j],
                 "lower": low[j], "upper": high[j]}
                for month_end, forecast, low, high in zip(self.month_ends, *columns)
                for j, (band, category) in enumerate(labels)]


def _move_variance(rates: Rates) -> np.ndarray:
    """M_s for each state s (S x S x S): the covariance a unit of children in s adds through the uncertainty
    of its moves, sum over destinations t of var(rate s->t) u u' with u = e_t - e_s (-e_s for leaving care)."""
    size = rates.states.size
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(rates.exposure[:, None] > 0, rates.moves / rates.exposure[:, None] ** 2, 0.0)
    into = var[:, :size].copy()
    np.fill_diagonal(into, 0.0)  # a spell never moves into its own state
    m = np.zeros((size, size, size))
    states = np.arange(size)
    m[states[:, None], states[None, :], states[None, :]] = into  # (t, t): var(s->t)
    m[states, states, states] = into.sum(axis=1) + var[:, size]  # (s, s): every move's variance
    m[states[:, None], states[:, None], states[None, :]] -= into  # (s, t) and (t, s): -var(s->t)
    m[states[:, None], states[None, :], states[:, None]] -= into
    return m


def project(rates: Rates, start: np.ndarray, as_at: date, months: int, level: float,
            rate_uncertainty: bool = True) -> Projection:
    """Project `start` (children in each state on `as_at`) forward `months` month ends at `rates`; the band
    carries the uncertainty of the fitted rates when `rate_uncertainty` (see the module docstring)."""
    p = rates.transition
    lam = rates.entry_rate
    month_ends = month_ends_after(as_at, months)
    record = {day_number(d) - day_number(as_at): i for i, d in enumerate(month_ends)}
    size = rates.states.size
    mean = np.zeros((months, size))
    var = np.zeros((months, size))
    total_var = np.zeros(months)
    m = start.astype(float)
    cov = np.zeros((size, size))
    reach = np.zeros((size, size))  # B: how an extra entry a day into each state shows in each state
    carried = np.zeros((size, size, size))  # A_s: how a change in a move rate out of s shows in each state
    entry_var = lam / rates.days if rate_uncertainty else np.zeros(size)
    move_var = _move_variance(rates) if rate_uncertainty else None
    diagonal = np.arange(size)
    pt = p.T
    for day in range(1, max(record) + 1):
        if move_var is not None:
            carried = carried @ p
            carried[:, diagonal, diagonal] += m[:, None]
        mp = m @ p
        cov = pt @ cov @ p - pt @ (m[:, None] * p)
        cov[np.diag_indices(size)] += mp + lam
        m = mp + lam
        reach = reach @ p
        reach[np.diag_indices(size)] += 1.0
        i = record.get(day)
        if i is not None:
            full = cov + reach.T @ (entry_var[:, None] * reach)
            if move_var is not None:
                full = full + np.einsum("sai,sab,sbj->ij", carried, move_var, carried, optimize=True)
            mean[i], var[i], total_var[i] = m, np.diag(full), full.sum()
    sd = np.sqrt(np.clip(var, 0.0, None))
    total_sd = np.sqrt(np.clip(total_var, 0.0, None))
    return Projection(rates.states, as_at, start.astype(float), tuple(month_ends), mean, sd, total_sd, level)
