"""The projection's mean and band against the binomial and Poisson answers worked out by hand, and the
uncertainty of the fitted rates by the delta method on the same tiny populations."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from clearsight.config import CouncilConfig
from clearsight.forecast.projection import count_band, month_ends_after, project
from clearsight.forecast.rates import Rates
from clearsight.forecast.states import StateSpace

STATES = StateSpace.from_settings(CouncilConfig().forecast)
AS_AT = date(2024, 1, 31)
F = STATES.index("10-16", "fostering")
R = STATES.index("10-16", "residential")


def _rates(moves: dict[tuple[int, int], float], exposure: dict[int, float], entries: dict[int, float] | None = None,
           days: int = 100) -> Rates:
    size = STATES.size
    m, e, n = np.zeros((size, size + 1)), np.zeros(size), np.zeros(size)
    for (a, b), v in moves.items():
        m[a, b] = v
    for s, v in exposure.items():
        e[s] = v
    for s, v in (entries or {}).items():
        n[s] = v
    return Rates(STATES, 0, days, e, m, n)


def _stock(**by_state: float) -> np.ndarray:
    out = np.zeros(STATES.size)
    for s, v in by_state.items():
        out[int(s[1:])] = v
    return out


def test_month_ends():
    assert month_ends_after(AS_AT, 3) == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]
    assert month_ends_after(date(2024, 2, 10), 1) == [date(2024, 2, 29)]


def test_nine_children_leaving_at_one_in_a_thousand_a_day():
    # Each of 9 children stays each day with probability 0.999, independently: after k days the count is
    # Binomial(9, 0.999^k), mean 9 q and variance 9 q (1 - q).
    rates = _rates({(F, STATES.size): 1}, {F: 1000})
    p = project(rates, _stock(**{f"s{F}": 9}), AS_AT, 12, 0.95, rate_uncertainty=False)
    for i, month_end in enumerate(p.month_ends):
        q = 0.999 ** (month_end - AS_AT).days
        assert p.mean[i, F] == pytest.approx(9 * q)
        assert p.sd[i, F] == pytest.approx((9 * q * (1 - q)) ** 0.5)
        assert p.total_sd[i] == pytest.approx((9 * q * (1 - q)) ** 0.5)


def test_the_leaving_rate_is_itself_uncertain():
    # The rate 0.001 a day comes from 1 leaver in 1,000 child-days: Gamma(1, 1000), variance 1 / 1000^2. The mean
    # after k days is 9 (1 - r)^k, whose slope in r is -9 k (1 - r)^(k - 1): to first order the rate adds
    # 81 k^2 0.999^(2k - 2) / 10^6 to the binomial variance. The mean does not move.
    rates = _rates({(F, STATES.size): 1}, {F: 1000})
    p = project(rates, _stock(**{f"s{F}": 9}), AS_AT, 12, 0.95)
    for i, month_end in enumerate(p.month_ends):
        k = (month_end - AS_AT).days
        q = 0.999 ** k
        assert p.mean[i, F] == pytest.approx(9 * q)
        expected = 9 * q * (1 - q) + 81 * k * k * 0.999 ** (2 * k - 2) / 1e6
        assert p.sd[i, F] == pytest.approx(expected ** 0.5)
        assert p.total_sd[i] == pytest.approx(expected ** 0.5)


def test_poisson_entries_add_their_mean_and_variance():
    # Two children who never leave, and 2 entries in 100 days (0.02 a day) who never leave: after k days the
    # stock is 2 + Poisson(0.02 k) at the fitted rate, variance 0.02 k; the rate itself, 2 Poisson entries in
    # 100 days, has variance 0.02 / 100, which over k days adds k^2 x 0.0002.
    rates = _rates({}, {F: 200}, {F: 2})
    p = project(rates, _stock(**{f"s{F}": 2}), AS_AT, 3, 0.9)
    for i, month_end in enumerate(p.month_ends):
        k = (month_end - AS_AT).days
        assert p.mean[i, F] == pytest.approx(2 + 0.02 * k)
        assert p.sd[i, F] == pytest.approx((0.02 * k + k * k * 0.0002) ** 0.5)
    fixed = project(rates, _stock(**{f"s{F}": 2}), AS_AT, 3, 0.9, rate_uncertainty=False)
    k = (fixed.month_ends[-1] - AS_AT).days
    assert fixed.sd[-1, F] == pytest.approx((0.02 * k) ** 0.5)


def test_moves_between_states_keep_the_total_exact():
    # Ten children move from fostering to residential at 1/100 a day and never leave: the total is always 10
    # with no spread; the residential count is Binomial(10, 1 - 0.99^k).
    # The rate 1/100 is 1 move in 100 child-days, variance 1 / 100^2; the residential mean 10 (1 - (1 - r)^k)
    # has slope 10 k (1 - r)^(k - 1) in r, so the rate adds 100 k^2 0.99^(2k - 2) / 10^4 to each group's
    # variance and nothing to the total's (a move within care leaves the total as it is).
    rates = _rates({(F, R): 1}, {F: 100})
    p = project(rates, _stock(**{f"s{F}": 10}), AS_AT, 2, 0.95)
    k = (p.month_ends[1] - AS_AT).days
    moved = 1 - 0.99 ** k
    assert p.total[1] == pytest.approx(10)
    assert p.total_sd[1] == pytest.approx(0, abs=1e-6)
    assert p.mean[1, R] == pytest.approx(10 * moved)
    assert p.sd[1, R] == pytest.approx((10 * moved * (1 - moved) + 100 * k * k * 0.99 ** (2 * k - 2) / 1e4) ** 0.5)
    assert p.sd[1, F] == pytest.approx(p.sd[1, R])
    fixed = project(rates, _stock(**{f"s{F}": 10}), AS_AT, 2, 0.95, rate_uncertainty=False)
    assert fixed.sd[1, R] == pytest.approx((10 * moved * (1 - moved)) ** 0.5)


def test_rows_carry_states_and_the_total():
    rates = _rates({(F, STATES.size): 1}, {F: 1000})
    p = project(rates, _stock(**{f"s{F}": 9}), AS_AT, 2, 0.95)
    rows = p.rows()
    assert list(rows[0]) == ["month_end", "age_band", "placement", "forecast", "lower", "upper"]
    assert len(rows) == 4  # one state with children and the total, for two months
    assert [r["age_band"] for r in rows] == ["10-16", "all", "10-16", "all"]
    assert [r["month_end"] for r in rows] == [date(2024, 2, 29)] * 2 + [date(2024, 3, 31)] * 2
    assert rows[2]["forecast"] == pytest.approx(9 * 0.999 ** 60) and type(rows[2]["forecast"]) is float
    assert (rows[3]["lower"], rows[3]["upper"]) == tuple(float(b[1]) for b in p.total_band())


def test_bands_of_small_counts_are_read_from_a_count_distribution():
    # Poisson(1) (variance = mean): P(X <= k) = .368, .736, .920, .981 for k = 0..3, so the 95% band is 0 to 3
    # (the normal curve's 1 +/- 1.96 would miss a count of 3). Mean 2, variance 4: negative binomial r = 4 / 2 = 2,
    # p = 1/2, P(X = k) = (k + 1) / 2^(k + 2): P(X <= k) = .25, .5, .6875, .8125, .8906, .9375, .9648, .9805 for
    # k = 0..7, so 0 to 7. From 50 children up the normal interval: 100 +/- 1.96 x 10.
    lower, upper = count_band(np.array([1.0, 2.0, 100.0, 0.0]), np.array([1.0, 2.0, 10.0, 0.0]), 0.95)
    assert lower.tolist()[:2] == [0, 0] and upper.tolist()[:2] == [3, 7]
    assert lower[2] == pytest.approx(100 - 1.959964 * 10) and upper[2] == pytest.approx(100 + 1.959964 * 10)
    assert (lower[3], upper[3]) == (0, 0)
    # Mean 10, variance 8 (fewer than Poisson): Poisson(10)'s quantiles, 4 to 17 (P(X <= 3) = .0103,
    # P(X <= 4) = .0293; P(X <= 16) = .9730, P(X <= 17) = .9857).
    lower, upper = count_band(np.array([10.0]), np.array([8 ** 0.5]), 0.95)
    assert (lower[0], upper[0]) == (4, 17)
