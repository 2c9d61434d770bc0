"""The working-day calendar: England and Wales bank holidays, closure days, and the SQL table agreeing with it."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from clearsight.config import CouncilConfig
from clearsight.canonical import bank_holidays as kept
from clearsight.canonical.calendar import (
    CALENDAR_FIRST, CALENDAR_LAST, add_working_days, bank_holidays, is_working_day, working_calendar,
    working_days_between,
)
from clearsight.store.calendar import ensure_calendar


def test_the_kept_england_and_wales_list_is_the_holidays_packages():
    import holidays

    assert (kept.FIRST_YEAR, kept.LAST_YEAR) == (CALENDAR_FIRST.year, CALENDAR_LAST.year)
    years = range(kept.FIRST_YEAR, kept.LAST_YEAR + 1)
    assert bank_holidays() == frozenset(holidays.country_holidays("GB", subdiv="ENG", years=years))
    # by hand: 2022's Platinum Jubilee and the Queen's funeral, 2023's coronation, 1999's millennium day
    assert {date(2022, 6, 3), date(2022, 9, 19), date(2023, 5, 8), date(1999, 12, 31)} <= bank_holidays()
    # another subdivision comes from the package: St Andrew's Day is Scotland's only
    assert date(2023, 11, 30) in bank_holidays("GB", "SCT") and date(2023, 11, 30) not in bank_holidays()


def test_christmas_2022_substitute_day_and_boxing_day():
    # 25 Dec 2022 was a Sunday: Boxing Day Mon 26th, Christmas substitute Tue 27th.
    assert not is_working_day(date(2022, 12, 26)) and not is_working_day(date(2022, 12, 27))
    assert add_working_days(date(2022, 12, 23), 1) == date(2022, 12, 28)
    assert working_days_between(date(2022, 12, 23), date(2022, 12, 30)) == 3


def test_christmas_and_easter_2023():
    assert working_days_between(date(2023, 12, 22), date(2023, 12, 27)) == 1  # 25, 26 Dec and a weekend
    assert working_days_between(date(2023, 4, 6), date(2023, 4, 11)) == 1  # Good Friday, weekend, Easter Monday
    # 45 working days after Monday 20 Nov 2023 (the 21st is day 1), by hand: 8 in Nov, 19 in Dec (25, 26 Dec
    # off), 1 Jan off, then Jan 2..25 holds 18 -> Thursday 25 Jan 2024.
    assert add_working_days(date(2023, 11, 20), 45) == date(2024, 1, 25)


def test_weekends_leap_day_and_closure_days():
    assert add_working_days(date(2023, 6, 3), 1) == date(2023, 6, 5)  # Saturday -> Monday is day 1
    assert working_days_between(date(2024, 2, 28), date(2024, 3, 1)) == 2  # 29 Feb 2024 is a Thursday
    assert add_working_days(date(2023, 12, 22), 45) == date(2024, 2, 28)
    closed = [date(2023, 12, 27), date(2023, 12, 28)]
    assert working_days_between(date(2023, 12, 22), date(2023, 12, 29), closed) == 1
    assert add_working_days(date(2023, 12, 22), 1, closed) == date(2023, 12, 29)


def _naive_between(a: date, b: date) -> int:
    cal = working_calendar()
    sign, (lo, hi) = (1, (a, b)) if a <= b else (-1, (b, a))
    return sign * sum(cal.working(lo + timedelta(days=i)) for i in range(1, (hi - lo).days + 1))


days = st.dates(min_value=date(2001, 1, 1), max_value=date(2039, 1, 1))


@settings(max_examples=300, deadline=None)
@given(days, st.integers(min_value=-300, max_value=300))
def test_adding_n_working_days_then_counting_back_gives_n(day, n):
    later = add_working_days(day, n)
    assert working_days_between(day, later) == n
    assert n == 0 or is_working_day(later)


@settings(max_examples=300, deadline=None)
@given(days, days, days)
def test_working_days_between_is_additive(a, b, c):
    assert working_days_between(a, b) + working_days_between(b, c) == working_days_between(a, c)


@settings(max_examples=100, deadline=None)
@given(days, st.integers(min_value=0, max_value=120))
def test_between_matches_counting_day_by_day(a, span):
    b = a + timedelta(days=span)
    assert working_days_between(a, b) == _naive_between(a, b) == -working_days_between(b, a)


def test_sql_calendar_agrees_and_rebuilds_only_when_closures_change():
    con = duckdb.connect()
    config = CouncilConfig()
    assert ensure_calendar(con, config) is True
    assert ensure_calendar(con, config) is False
    py = working_calendar().rows()
    sql = con.execute("SELECT day, is_working, working_day_number FROM working_calendar ORDER BY day").fetchall()
    assert sql == py
    closed = CouncilConfig.model_validate({"calendar": {"closure_days": ["2023-12-27"]}})
    assert ensure_calendar(con, closed) is True
    [(working, n_28, n_22)] = con.execute(
        "SELECT (SELECT is_working FROM working_calendar WHERE day = DATE '2023-12-27'),"
        " (SELECT working_day_number FROM working_calendar WHERE day = DATE '2023-12-28'),"
        " (SELECT working_day_number FROM working_calendar WHERE day = DATE '2023-12-22')"
    ).fetchall()
    assert not working and n_28 - n_22 == working_days_between(date(2023, 12, 22), date(2023, 12, 28), [date(2023, 12, 27)]) == 1
