"""Statutory visits against tiny councils worked out by hand on a calendar.

CP visits (10 working days): a child is out of time only once MORE than 10 working days have passed since they
were last seen, so a Saturday month-end (30 September 2023) or a bank holiday (Monday 28 August 2023) shows the
same children out of time as the working day before it, not more.

CLA visits (SI 2010/959 reg 28(2)): within 1 week of the start of any placement, then at most 6 weeks apart in
the placement's first year, then at most 3 months apart only where the placement is intended to last until 18
(SSDA903 U1/U4, long-term fostering), else still 6-weekly; a change of legal status alone is not a new placement.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from council_builder import CouncilBuilder

from clearsight.canonical.calendar import add_working_days, working_days_between
from clearsight.metrics.figures import compute

SIX_WEEKS = timedelta(weeks=6)
ONE_WEEK = timedelta(weeks=1)


def rows(loaded, name, as_at):
    return {r["child_id"]: r for r in compute(loaded.con, loaded.snapshot, name, as_at).records()}


def council(loaded, name, as_at):
    return next(r for r in compute(loaded.con, loaded.snapshot, name, as_at).records() if r["level"] == "council")


# --- CP visits at a weekend and a bank holiday ----------------------------------------------------------------


@pytest.fixture(scope="module")
def cp(tmp_path_factory):
    """A last seen Fri 15 Sep 2023, B Thu 14 Sep, C Fri 29 Sep; D (plan ended 1 Sep) last seen Fri 11 Aug."""
    b = CouncilBuilder(extract_date=date(2023, 12, 31))
    b.team("T", "Tango", service="cp")
    w = b.worker("T")
    ids = {}
    for name, seen in (("A", date(2023, 9, 15)), ("B", date(2023, 9, 14)), ("C", date(2023, 9, 29))):
        ids[name], _ = b.cp_child("T", w, date(2023, 6, 1), date(2023, 6, 15), seen_on=(seen,))
    d, ed = b.case("T", date(2023, 6, 1))
    b.cp_plan(d, ed, date(2023, 6, 15), date(2023, 9, 1))
    b.add("visit", visit_id="VD", child_id=d, kind="CP", visit_date=date(2023, 8, 11), seen=True, seen_alone=True)
    ids["D"] = d
    loaded = b.load(tmp_path_factory.mktemp("cp_visits"))
    loaded.ids = ids
    return loaded


def test_calendar_facts_the_cp_test_relies_on():
    # Working days in (last seen, as-at]: the weekend adds none, the August bank holiday adds none.
    assert working_days_between(date(2023, 9, 15), date(2023, 9, 29)) == 10
    assert working_days_between(date(2023, 9, 15), date(2023, 9, 30)) == 10  # Saturday
    assert working_days_between(date(2023, 9, 15), date(2023, 10, 2)) == 11  # Monday
    assert working_days_between(date(2023, 8, 11), date(2023, 8, 28)) == 10  # Summer bank holiday
    assert working_days_between(date(2023, 8, 11), date(2023, 8, 29)) == 11


def test_a_saturday_month_end_makes_nobody_overdue(cp):
    a, b_, c = (cp.ids[k] for k in "ABC")
    # Friday 29 Sep: A 10 working days since seen (in time), B 11 (out), C 0.  Saturday 30 Sep: the same.
    # Monday 2 Oct: A 11 (out, 1 working day and 3 calendar days past its due date, Fri 29 Sep), B 12, C 1.
    expected = {
        date(2023, 9, 29): {a: True, b_: False, c: True},
        date(2023, 9, 30): {a: True, b_: False, c: True},
        date(2023, 10, 2): {a: False, b_: False, c: True},
    }
    for as_at, in_time in expected.items():
        got = rows(cp, "cp_visits_children", as_at)
        assert {k: got[k]["in_time"] for k in in_time} == in_time, as_at
        line = council(cp, "cp_visits", as_at)
        assert (line["numerator"], line["denominator"]) == (sum(in_time.values()), 3), as_at
    saturday = rows(cp, "cp_visits_children", date(2023, 9, 30))
    assert saturday[a]["due_date"] == add_working_days(date(2023, 9, 15), 10) == date(2023, 9, 29)
    assert (saturday[a]["working_days_overdue"], saturday[a]["days_overdue"]) == (0, None)
    assert (saturday[b_]["due_date"], saturday[b_]["working_days_overdue"], saturday[b_]["days_overdue"]) == (
        date(2023, 9, 28), 1, 2)  # 11 working days since Thu 14 Sep; Thu 28 Sep to Sat 30 Sep
    monday = rows(cp, "cp_visits_children", date(2023, 10, 2))
    past_due = (date(2023, 10, 2) - date(2023, 9, 29)).days  # Friday's due date to Monday
    assert (monday[a]["working_days_overdue"], monday[a]["days_overdue"]) == (1, past_due)


def test_a_bank_holiday_makes_nobody_overdue(cp):
    d = cp.ids["D"]
    assert rows(cp, "cp_visits_children", date(2023, 8, 28))[d]["in_time"] is True  # 10 working days
    assert rows(cp, "cp_visits_children", date(2023, 8, 29))[d]["in_time"] is False  # 11


# --- CLA visits under regulation 28 ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cla(tmp_path_factory):
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("T", "Tango", service="cla")
    ids: dict[str, str] = {}

    def child(name: str, *episodes: tuple[date, date | None, str | None, str, str], seen: tuple[date, ...] = ()):
        """episodes: (start, end, 903 reason, legal status, placement type), one period of care."""
        cid, _ = b.case("T", date(2022, 12, 1))
        for n, (start, end, reason, legal, place) in enumerate(episodes):
            b.add("cla_episode", cla_episode_id=f"{name}{n}", child_id=cid, period_id=f"PER{name}", start_date=start,
                  end_date=end, start_reason=reason, legal_status=legal, placement_type=place,
                  placement_provider="PR1")
        for day in seen:
            b.add("visit", visit_id=f"V{name}{day:%Y%m%d}", child_id=cid, kind="CLA", visit_date=day, seen=True,
                  seen_alone=True)
        ids[name] = cid

    # Placed 2 Jan 2023 (first year to 1 Jan 2024), last seen 1 Dec 2023, in long-term fostering (U4) or not (U3).
    child("long_term", (date(2023, 1, 2), None, "S", "C2", "U4"), seen=(date(2023, 1, 6), date(2023, 12, 1)))
    child("short_term", (date(2023, 1, 2), None, "S", "C2", "U3"), seen=(date(2023, 1, 6), date(2023, 12, 1)))
    # Long-term fostering, but last seen 1 Nov 2023: six weeks on is still inside the first year.
    child("long_term_early", (date(2023, 1, 2), None, "S", "C2", "U1"), seen=(date(2023, 1, 6), date(2023, 11, 1)))
    # Placed 1 Jun 2023, last seen 21 Aug; on 1 Sep a new episode: a legal status change only (L), the same with
    # no reason recorded (Annex A), or a move to a new placement (P).
    for name, reason, place in (("legal", "L", "U3"), ("unrecorded", None, "U3"), ("moved", "P", "U6")):
        child(name, (date(2023, 6, 1), date(2023, 9, 1), "S" if reason else None, "C2", "U3"),
              (date(2023, 9, 1), None, reason, "C1", place), seen=(date(2023, 6, 5), date(2023, 8, 21)))
    # Placed Fri 8 Sep 2023, not yet visited: due within a week, Fri 15 Sep.
    child("new", (date(2023, 9, 8), None, "S", "V2", "U3"))
    loaded = b.load(tmp_path_factory.mktemp("cla_visits"))
    loaded.ids = ids
    return loaded


def test_three_monthly_visits_only_for_placements_meant_to_last_until_18(cla):
    got = rows(cla, "cla_visits_children", date(2024, 2, 15))
    long_term, short_term = got[cla.ids["long_term"]], got[cla.ids["short_term"]]
    last = date(2023, 12, 1)
    # Six weeks after 1 Dec is 12 Jan 2024, after the first year ends (2 Jan 2024): the long-term placement's next
    # interval is 3 months (due 1 Mar 2024); the other placement stays 6-weekly (due 12 Jan 2024).
    assert last + SIX_WEEKS == date(2024, 1, 12)
    assert (long_term["long_term_placement"], long_term["visit_interval"], long_term["due_date"],
            long_term["in_time"]) == (True, "3 months", date(2024, 3, 1), True)
    assert (short_term["long_term_placement"], short_term["visit_interval"], short_term["due_date"],
            short_term["in_time"], short_term["days_overdue"]) == (
        False, "6 weeks", last + SIX_WEEKS, False, (date(2024, 2, 15) - (last + SIX_WEEKS)).days)


def test_the_first_year_is_six_weekly_even_in_long_term_fostering(cla):
    got = rows(cla, "cla_visits_children", date(2024, 1, 10))[cla.ids["long_term_early"]]
    # Last seen 1 Nov 2023: six weeks on (13 Dec 2023) is inside the first year, so due then; overdue on 10 Jan.
    assert (got["visit_interval"], got["due_date"], got["in_time"]) == (
        "6 weeks", date(2023, 11, 1) + SIX_WEEKS, False)


def test_a_change_of_legal_status_alone_does_not_restart_the_visit_clock(cla):
    got = rows(cla, "cla_visits_children", date(2023, 9, 15))
    last = date(2023, 8, 21)
    for name in ("legal", "unrecorded"):  # one placement since 1 Jun: next visit 6 weeks after 21 Aug (2 Oct)
        r = got[cla.ids[name]]
        assert (r["placement_start"], r["due_date"], r["in_time"]) == (date(2023, 6, 1), last + SIX_WEEKS, True), name
    moved = got[cla.ids["moved"]]  # a new placement on 1 Sep, not visited within the week (due 8 Sep)
    assert (moved["placement_start"], moved["visit_interval"], moved["due_date"], moved["in_time"],
            moved["days_overdue"]) == (date(2023, 9, 1), "1 week", date(2023, 9, 1) + ONE_WEEK, False, 7)


def test_the_first_week_and_the_weekend_after_it(cla):
    new = cla.ids["new"]
    due = date(2023, 9, 8) + ONE_WEEK  # Fri 15 Sep
    for as_at, in_time in ((date(2023, 9, 15), True), (date(2023, 9, 16), True), (date(2023, 9, 18), False)):
        r = rows(cla, "cla_visits_children", as_at)[new]
        assert (r["due_date"], r["in_time"]) == (due, in_time), as_at  # Saturday: no working day has passed
    line = council(cla, "cla_visits", date(2023, 9, 15))
    # In care on 15 Sep, seven children: the three placed in January were last seen by then on 6 Jan 2023, due
    # again 6 weeks later (17 Feb 2023): out of time; legal and unrecorded in time, moved out of time, new in time.
    assert (line["denominator"], line["numerator"]) == (7, 3)
