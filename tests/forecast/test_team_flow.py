"""The team engine under the what-if: leaving under caseload pressure, the queue of cases over capacity and
staff leaving and being replaced, each against figures worked out by hand."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from clearsight.forecast.team_flow import FELT, case_flow, simulate
from clearsight.config import CouncilConfig
from clearsight.config.settings import ForecastSettings
from clearsight.forecast.workforce_history import TeamMonths, WorkforceRates, fit_pressure, fit_workforce


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


def _one_team(open_cases, fte, funded, arrivals, closing, days, workforce=None, ceiling=30.0, agency=0.0,
              normal=None):
    return simulate(days, np.array([open_cases]), np.array([fte]), np.array([funded]), np.array([ceiling]),
                    np.array([20.0]), np.array([arrivals]), np.array([closing]), np.ones((len(days), 1)),
                    workforce, agency_fte=np.array([agency]),
                    normal=None if normal is None else np.array([normal]))


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
    # 10 FTE, 10 funded, leaving 36.5% a year (0.1% a day) at or under the team's normal load, vacancies filled
    # at 36.5 a year (10% of the vacant FTE a day). Held 150 of 20 x 10: ratio 0.75, day one loses 0.01 FTE and
    # fills none.
    rates = WorkforceRates(leaving=0.365, pressure=2.0, filling=36.5, worker_months=0, leavers=0)
    calm = _one_team(150, 10, 10, 0.0, 0.0, [1, 2], rates)
    assert calm.fte[0, 0] == pytest.approx(9.99)
    assert calm.fte[1, 0] == pytest.approx(9.99 - 9.99 * 0.001 + 0.1 * 0.01)
    # With room for 14 each (ceiling), 300 open: 140 held, 160 wait, load 140 / 200 / 0.5 (the team's normal
    # ratio) = 1.4. Staff feel it as the moving mean of three months (a day's weight FELT): on day one a load of
    # 1 + 0.4 FELT, and the permanent staff leave x e^(2 x 0.4 FELT).
    pressed = _one_team(300, 10, 10, 0.0, 0.0, [1], rates, ceiling=14.0, normal=0.5)
    assert pressed.fte[0, 0] == pytest.approx(10 - 0.01 * math.exp(0.8 * FELT))
    # A year on they feel nearly all of it (1.4 - 0.4 (1 - FELT)^400), and the rise stops at the most load the
    # evidence has seen (here 1.25): with nothing filled, the team loses 0.1% x e^(2 x 0.25) of its staff a day.
    steep = WorkforceRates(leaving=0.365, pressure=2.0, filling=0.0, worker_months=0, leavers=0, most_load=1.25)
    felt = _one_team(300, 10, 10, 0.0, 0.0, [400, 401], steep, ceiling=14.0, normal=0.5)
    assert felt.fte[1, 0] == pytest.approx(felt.fte[0, 0] * (1 - 0.001 * math.exp(0.5)), rel=1e-6)
    # In the long run, leaving 0.001 F a day meets filling 0.1 (10 - F): F = 10 x 0.1 / 0.101.
    settled = _one_team(150, 10, 10, 0.0, 0.0, [2000], rates)
    assert settled.fte[0, 0] == pytest.approx(10 * 0.1 / 0.101, rel=1e-3)


def test_a_team_over_the_standard_at_its_normal_load_holds_its_staff():
    # The drift the base case must not show: a team normally at 23 children per FTE (ratio 1.15 of the standard
    # of 20) with nobody waiting is at its normal load, so its staff leave at the usual rate (here none, nothing
    # filled), however steep the rise with pressure: a year on it has lost only its usual 10% a year, 9 x
    # (1 - 0.1 / 365)^365 FTE, and its 207 children are held at 23 x e^0.1 per FTE.
    rates = WorkforceRates(leaving=0.1, pressure=8.0, filling=0.0, worker_months=0, leavers=0)
    held = _one_team(9 * 23, 9, 9, 0.0, 0.0, [365], rates, normal=1.15)
    assert held.fte[0, 0] == pytest.approx(9 * (1 - 0.1 / 365) ** 365)
    assert held.held[0, 0] / held.fte[0, 0] == pytest.approx(23 * math.exp(0.1), abs=0.05)
    # And while every child is allocated, a team over its normal level (cases up a fifth) holds its staff too:
    # leaving rises only once children wait.
    busier = _one_team(9 * 23 * 1.2, 9, 9, 0.0, 0.0, [1], rates, normal=1.15)
    assert busier.fte[0, 0] == pytest.approx(9 * (1 - 0.1 / 365))


def test_a_stated_pressure_fits_only_the_leaving_rate():
    # The same history with beta stated as 2: h0 = 15 leavers / (1,000 + 100 e^(2 x 0.5)) worker-months.
    h0, beta = fit_pressure(np.array([0.8, 1.0, 1.5]), np.array([600, 400, 100]), np.array([6, 4, 5]), 2.0)
    assert beta == 2.0 and h0 == pytest.approx(15 / (1000 + 100 * math.e))


def test_a_team_with_children_waiting_covers_vacancies_with_agency_staff_who_do_not_stay():
    # 8 of 10 funded FTE in post (2 of them agency), no permanent leaving; the council fills 3.65 a year (1% of
    # the vacancy a day), half by agency, and its agency staff leave 36.5% a year (0.1% a day). With children
    # waiting (pressed) it fills 36.5 a year (10% a day), 90% by agency staff who leave 365% a year (1% a day).
    rates = WorkforceRates(leaving=0.0, pressure=0.0, filling=3.65, worker_months=0, leavers=0,
                           agency_leaving=0.365, agency_share=0.5, pressed_filling=36.5, pressed_agency_share=0.9,
                           pressed_agency_leaving=3.65)

    def day_one(open_cases: float) -> float:
        return simulate([1], np.array([open_cases]), np.array([8.0]), np.array([10.0]), np.array([30.0]),
                        np.array([20.0]), np.array([0.0]), np.array([0.0]), np.ones((1, 1)), rates,
                        agency_fte=np.array([2.0])).fte[0, 0]

    # 100 open, room for 240: nobody waits. Fills 0.02, 2 agency lose 0.002.
    assert day_one(100) == pytest.approx(8 + 0.02 - 0.002)
    # 300 open, 60 wait: fills 0.2, the 2 agency lose 0.02.
    assert day_one(300) == pytest.approx(8 + 0.2 - 0.02)


def test_staffing_given_replaces_leaving_and_filling():
    # 2 FTE hold at most 30 each; 50 open, nothing arriving or closing, staff leaving fast. Given 1 FTE through the
    # first month and none given for the second: 30 held and 20 wait in month one; in month two the FTE moves on
    # from 1 by the rates (here, nobody fills and half leave a year: 1 x (1 - 0.5 / 365)^days).
    rates = WorkforceRates(leaving=0.5, pressure=0.0, filling=0.0, worker_months=0, leavers=0)
    path = simulate([30, 61], np.array([50.0]), np.array([2.0]), np.array([2.0]), np.array([30.0]),
                    np.array([20.0]), np.array([0.0]), np.array([0.0]), np.ones((2, 1)), rates,
                    given_fte=np.array([[1.0], [np.nan]]))
    assert path.fte[0, 0] == pytest.approx(1) and path.held[0, 0] == pytest.approx(30)
    assert path.fte[1, 0] == pytest.approx((1 - 0.5 / 365) ** 31)


def _months(load, waiting, permanent, permanent_left, agency, agency_left, funded, in_post, starters_p, starters_a,
            teams=None):
    n = len(load)
    return TeamMonths(
        team_id=np.array(teams or ["A"] * n, object), month_end=np.array([date(2023, 1, 31)] * n, object),
        ratio=np.array(load, float), load=np.array(load, float), funded=np.array(funded, float),
        held=np.full(n, 100.0), waiting=np.array(waiting, float),
        permanent_fte=np.array(in_post, float), agency_fte=np.zeros(n), permanent=np.array(permanent, float),
        agency=np.array(agency, float), permanent_left=np.array(permanent_left, float),
        agency_left=np.array(agency_left, float), permanent_starters=np.array(starters_p, float),
        agency_starters=np.array(starters_a, float), complete=np.ones(n, bool))


def test_the_response_to_pressure_is_the_councils_own_where_its_history_shows_it():
    # Two kinds of team-month: at normal load, 500 permanent and 100 agency worker-months, 5 and 10 leaving,
    # 10 vacant FTE-months (10 funded, 9 in post, ten rows) filled by 2 permanent and 2 agency FTE; under pressure
    # (10 of 110 open cases waiting, 9%, at two month ends running: the last calm month has them too, but not the
    # month before it), at load 1.5, 500 permanent (10 leaving: twice the rate, e^(0.5 beta) = 2) and 100 agency
    # worker-months (50 leaving), 20 vacant FTE-months filled by 1 permanent and 9 agency FTE.
    calm = [(1.0, 0, 50, 0.5, 10, 1, 10, 9, 0.2, 0.2)] * 9 + [(1.0, 10, 50, 0.5, 10, 1, 10, 9, 0.2, 0.2)]
    pressed = [(1.5, 10, 50, 1, 10, 5, 10, 8, 0.1, 0.9)] * 10
    months = _months(*map(list, zip(*(calm + pressed))))
    config = CouncilConfig(forecast=ForecastSettings(pressure_evidence_months=600))
    rates = fit_workforce(months, date(2023, 3, 31), config)
    assert rates.fitted and rates.pressure_worker_months == 600 and rates.most_load == 1.5
    assert rates.pressure == pytest.approx(2 * math.log(2), abs=0.01)
    assert rates.leaving == pytest.approx(12 * 15 / (500 + 500 * 2), rel=0.01)
    assert rates.filling == pytest.approx(12 * 4 / 10) and rates.agency_share == pytest.approx(0.5)
    assert rates.agency_leaving == pytest.approx(12 * 10 / 100)
    assert rates.pressed_filling == pytest.approx(12 * 10 / 20) and rates.pressed_agency_share == pytest.approx(0.9)
    assert rates.pressed_agency_leaving == pytest.approx(12 * 50 / 100)
    # Needing 601 worker-months under pressure, the same history takes the configured defaults, and the usual
    # leaving rate is the months' at normal load (5 in 500 a month).
    config = CouncilConfig(forecast=ForecastSettings(pressure_evidence_months=601, cover_days=20,
                                                     pressed_agency_share=0.8, pressed_agency_stay_days=73))
    rates = fit_workforce(months, date(2023, 3, 31), config)
    assert not rates.fitted and rates.pressure == config.forecast.leaving_pressure
    assert rates.most_load == config.forecast.leaving_pressure_most_load
    assert rates.leaving == pytest.approx(12 * 5 / 500)
    assert rates.pressed_filling == pytest.approx(365 / 20) and rates.pressed_agency_share == 0.8
    assert rates.pressed_agency_leaving == pytest.approx(5)


def test_a_team_is_under_pressure_where_children_wait_two_month_ends_running():
    # 5% of open cases waiting is pressure: 6 waiting beside 100 held (5.7%) is, 5 (4.8%) is not; a month alone
    # is not, nor a month after another team's.
    months = _months([1.0] * 5, [6, 6, 5, 6, 6], *([[0] * 5] * 8), teams=["A", "A", "A", "B", "B"])
    assert months.pressed(0.05).tolist() == [False, True, False, False, True]


def test_staff_whose_posts_a_restructure_deleted_hold_cases_until_they_go():
    # 10 FTE stay and 2 whose posts went leave evenly over days 10-19 (0.2 FTE a day), nobody else leaving or
    # filling; 1,000 open, at most 30 each. Day 5: all 12 in post, 360 held. After day 15 (six days of exits,
    # days 10-15): 10.8, 324 held. After day 30: the 10 who stay, 300 held.
    path = simulate([5, 16, 30], np.array([1000.0]), np.array([10.0]), np.array([10.0]), np.array([30.0]),
                    np.array([20.0]), np.array([0.0]), np.array([0.0]), np.ones((3, 1)), None,
                    departing=np.array([2.0]), exit_days=(10, 19))
    assert path.fte[:, 0] == pytest.approx([12.0, 10.8, 10.0])
    assert path.held[:, 0] == pytest.approx([360.0, 324.0, 300.0])
