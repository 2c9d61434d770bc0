"""Working days for England and Wales: Monday to Friday, less bank holidays and the council's closure days.

Every statutory timescale counted in working days (Working Together 2023: assessments in 45, ICPC in 15; SI
2010/959 reg 33: first CLA review in 20) uses this one calendar. Days are numbered: a day's *working-day number*
is the count of working days from the calendar's first day up to and including it, so

- working days between a and b = number(b) - number(a) (the working days in (a, b]);
- n working days after d = the working day whose number is number(d) + n.

The same numbering is materialised in the database as `working_calendar(day, is_working, working_day_number)`
(see `clearsight.store.calendar`) so metrics do the same arithmetic in SQL with joins, on any engine.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

CALENDAR_FIRST = date(1980, 1, 1)  # early enough for the synthetic council's staff histories
CALENDAR_LAST = date(2040, 12, 31)
CALENDAR_TABLE = "working_calendar"


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days from CALENDAR_FIRST to CALENDAR_LAST under one set of holidays and closures."""

    is_working: tuple[bool, ...]  # by day offset from CALENDAR_FIRST
    numbers: tuple[int, ...]  # working-day number by day offset
    working_days: tuple[date, ...]  # working_days[k - 1] is the day numbered k

    def _offset(self, day: date) -> int:
        if not CALENDAR_FIRST <= day <= CALENDAR_LAST:
            raise ValueError(f"{day} is outside the working-day calendar ({CALENDAR_FIRST} to {CALENDAR_LAST})")
        return (day - CALENDAR_FIRST).days

    def working(self, day: date) -> bool:
        return self.is_working[self._offset(day)]

    def number(self, day: date) -> int:
        return self.numbers[self._offset(day)]

    def day_numbered(self, k: int) -> date:
        if not 1 <= k <= len(self.working_days):
            raise ValueError(f"working day number {k} is outside the calendar")
        return self.working_days[k - 1]

    def rows(self) -> list[tuple[date, bool, int]]:
        """(day, is_working, working_day_number) for every day: the SQL table's content."""
        return [
            (CALENDAR_FIRST + timedelta(days=i), w, n) for i, (w, n) in enumerate(zip(self.is_working, self.numbers))
        ]


def bank_holidays(country: str = "GB", subdivision: str = "ENG") -> frozenset[date]:
    """Bank holidays (substitute days included) over the calendar's years: England and Wales's from the list
    kept in `bank_holidays`, any other country's from the `holidays` package (imported here: a command reading
    a calendar already built never needs it)."""
    if (country, subdivision) == ("GB", "ENG"):
        from clearsight.canonical.bank_holidays import ENGLAND_AND_WALES

        return frozenset(date.fromisoformat(d) for d in ENGLAND_AND_WALES.split())
    import holidays

    years = range(CALENDAR_FIRST.year, CALENDAR_LAST.year + 1)
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=years))


@lru_cache(maxsize=16)
def _build(closures: frozenset[date], country: str, subdivision: str) -> WorkingCalendar:
    off = bank_holidays(country, subdivision) | closures
    flags: list[bool] = []
    numbers: list[int] = []
    working_days: list[date] = []
    day = CALENDAR_FIRST
    while day <= CALENDAR_LAST:
        working = day.weekday() < 5 and day not in off
        if working:
            working_days.append(day)
        flags.append(working)
        numbers.append(len(working_days))
        day += timedelta(days=1)
    return WorkingCalendar(tuple(flags), tuple(numbers), tuple(working_days))


def working_calendar(
    closure_days: Iterable[date] = (), country: str = "GB", subdivision: str = "ENG"
) -> WorkingCalendar:
    """The calendar with these closure days (cached)."""
    return _build(frozenset(closure_days), country, subdivision)


def is_working_day(day: date, closure_days: Iterable[date] = ()) -> bool:
    return working_calendar(closure_days).working(day)


def working_days_between(start: date, end: date, closure_days: Iterable[date] = ()) -> int:
    """Working days in (start, end]; negative when end is before start. Additive: (a, b) + (b, c) = (a, c)."""
    cal = working_calendar(closure_days)
    return cal.number(end) - cal.number(start)


def add_working_days(day: date, n: int, closure_days: Iterable[date] = ()) -> date:
    """The working day n working days after `day` (before it when n < 0); n = 0 gives `day` itself.

    From a non-working day, the first working day after it is 1 working day on (a referral on Saturday is due
    in 45 working days counting Monday as day 1).
    """
    if n == 0:
        return day
    cal = working_calendar(closure_days)
    return cal.day_numbered(cal.number(day) + n)


def next_working_day_on_or_after(day: date, closure_days: Iterable[date] = ()) -> date:
    cal = working_calendar(closure_days)
    return day if cal.working(day) else add_working_days(day, 1, closure_days)


__all__ = [
    "CALENDAR_FIRST", "CALENDAR_LAST", "WorkingCalendar", "add_working_days", "bank_holidays",
    "is_working_day", "months", "next_working_day_on_or_after", "working_calendar",
    "working_days_between",
]


def month_end(year: int, month: int) -> date:
    """The last day of a calendar month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def months(start: date, end: date) -> Iterator[tuple[date, date]]:
    """(first day, last day) of each calendar month from `start`'s month to `end`'s, clipped to the period."""
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        first = max(date(year, month, 1), start)
        last = min(month_end(year, month), end)
        yield first, last
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
