"""The team engine under the what-if: leaving under caseload pressure, the queue of cases over capacity and
staff leaving and being replaced, each against figures worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from clearsight.forecast.team_flow import WorkforceRates, case_flow, fit_pressure, simulate


def test_pressure_is_read_from_the_history():
    # 1,000 worker-months at or under the standard with 10 leavers (1% a month) and 100 at 1.5 x the standard
    # with 5 (5% a month): the two-group model fits exactly, h0 = 0.01 and e^(0.5 beta) = 5, beta = 2 ln 5.
    h0, beta = fit_pressure(np.array([0.8, 1.0, 1.5]), np.array([600, 400, 100]), np.array([6, 4, 5]))
    assert beta == pytest.approx(2 * math.log(5), abs=0.005)
    assert h0 == pytest.approx(0.01, rel=0.01)


def test_no_pressure_unless_the_history_shows_it():
    # Nobody ever worked over the standard: leaving is the plain rate and beta stays 0.
    h0, beta = fit_pressure(np.array([0.5, 0.9]), np.array([300, 700]), np.array([3, 9]))
    assert beta == 0 and h0 == pytest.approx(12 / 1000)
    assert fit_pressure(np.array([1.2]), np.array([50]), np.array([0])) == (0.0, 0.0)


def test_a_case_flow_balances_the_books():
    # 30 closed in 3,000 held case-days; 40 open a year ago, 50 now: 30 + 10 arrived over 365 days.
    flow = case_flow(30, 3000, open_now=50, open_then=40, days=365)
    assert flow.closing == pytest.approx(0.01) and flow.arrivals == pytest.approx(40 / 365)


def _one_team(open_cases, fte, funded, arrivals, closing, days, workforce=None, ceiling=30.0):
    return simulate(days, np.array([open_cases]), np.array([fte]), np.array([funded]), np.array([ceiling]),
                    np.array([20.0]), np.array([arrivals]), np.array([closing]), np.ones((len(days), 1)),
                    workforce)


def test_cases_over_capacity_queue_and_the_queue_grows():
    # 2 FTE hold at most 60. From 50 open, 1 a day arriving and 1% of held cases closing a day: open cases follow
    # 100 - 50 x 0.99^k while all are held; day 23 is the first over 60 (100 - 50 x 0.99^23 = 60.3). From then
    # 60 are held, 0.6 close a day and 1 arrives: the waiting list grows by 0.4 a day.
    path = _one_team(50, 2, 2, 1.0, 0.01, [10, 40])
    assert path.open_cases[0, 0] == pytest.approx(100 - 50 * 0.99 ** 10)
    assert path.held[0, 0] == pytest.approx(path.open_cases[0, 0])
    after = 100 - 50 * 0.99 ** 23 + 17 * 0.4
    assert path.open_cases[1, 0] == pytest.approx(after)
    assert path.held[1, 0] == pytest.approx(60) and path.fte[1, 0] == 2


def test_staff_leave_faster_under_pressure_and_vacancies_fill():
    # 10 FTE, 10 funded, leaving 36.5% a year (0.1% a day) at or under the standard, vacancies filled at 36.5 a
    # year (10% of the vacant FTE a day). Held 150 of 20 x 10: ratio 0.75, day one loses 0.01 FTE and fills
    # none; held 300 (ratio 1.5) with beta = 2: leaving x e, day one loses 0.01 e.
    rates = WorkforceRates(leaving=0.365, pressure=2.0, filling=36.5, worker_months=0, leavers=0)
    calm = _one_team(150, 10, 10, 0.0, 0.0, [1, 2], rates)
    assert calm.fte[0, 0] == pytest.approx(9.99)
    assert calm.fte[1, 0] == pytest.approx(9.99 - 9.99 * 0.001 + 0.1 * 0.01)
    pressed = _one_team(300, 10, 10, 0.0, 0.0, [1], rates)
    assert pressed.fte[0, 0] == pytest.approx(10 - 0.01 * math.e)
    # In the long run, leaving 0.001 F a day meets filling 0.1 (10 - F): F = 10 x 0.1 / 0.101.
    settled = _one_team(150, 10, 10, 0.0, 0.0, [2000], rates)
    assert settled.fte[0, 0] == pytest.approx(10 * 0.1 / 0.101, rel=1e-3)


def test_a_stated_pressure_fits_only_the_leaving_rate():
    # The same history with beta stated as 2: h0 = 15 leavers / (1,000 + 100 e^(2 x 0.5)) worker-months.
    h0, beta = fit_pressure(np.array([0.8, 1.0, 1.5]), np.array([600, 400, 100]), np.array([6, 4, 5]), 2.0)
    assert beta == 2.0 and h0 == pytest.approx(15 / (1000 + 100 * math.e))


def test_a_team_with_children_waiting_covers_vacancies_with_agency():
    # 8 of 10 funded FTE in post, nobody leaving, the council filling 3.65 a year (1% of the vacancy a day). With
    # 100 open and room for 8 x 30 = 240 nobody waits: day one fills 0.02. With 300 open, 60 wait: cover at 36.5 a
    # year (10% a day) fills 0.2.
    rates = WorkforceRates(leaving=0.0, pressure=0.0, filling=3.65, worker_months=0, leavers=0)

    def day_one(open_cases: float) -> float:
        return simulate([1], np.array([open_cases]), np.array([8.0]), np.array([10.0]), np.array([30.0]),
                        np.array([20.0]), np.array([0.0]), np.array([0.0]), np.ones((1, 1)), rates,
                        cover=36.5).fte[0, 0]

    assert day_one(100) == pytest.approx(8.02)
    assert day_one(300) == pytest.approx(8.2)


def test_staffing_given_replaces_leaving_and_filling():
    # 2 FTE hold at most 30 each; 50 open, nothing arriving or closing, staff leaving fast. Given 1 FTE through the
    # first month and none given for the second: 30 held and 20 wait in month one; in month two the FTE moves on
    # from 1 by the rates (here, nobody fills and half leave a year: 1 x (1 - 0.5 / 365)^days).
    rates = WorkforceRates(leaving=0.5, pressure=0.0, filling=0.0, worker_months=0, leavers=0)
    path = simulate([30, 61], np.array([50.0]), np.array([2.0]), np.array([2.0]), np.array([30.0]),
                    np.array([20.0]), np.array([0.0]), np.array([0.0]), np.ones((2, 1)), rates,
                    given_fte=np.array([[1.0], [np.nan]]))
    assert path.fte[0, 0] == 1 and path.held[0, 0] == 30
    assert path.fte[1, 0] == pytest.approx((1 - 0.5 / 365) ** 31)
