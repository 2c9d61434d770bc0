"""Timeliness KPIs against a hand-built council whose answers were counted on a calendar by hand.

Bank holidays in play: Christmas and Boxing Day 2023, New Year's Day 2024; 29 February 2024 (leap day); and
children whose case moves from team A to team B mid-period.
"""

from __future__ import annotations

from datetime import date

import pytest
from council_builder import CouncilBuilder

from clearsight.canonical.calendar import add_working_days
from clearsight.metrics.figures import compute

JANUARY = (date(2024, 1, 1), date(2024, 1, 31))


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    b = CouncilBuilder(extract_date=date(2024, 6, 30))
    b.team("A", "Alpha", service="cin")
    b.team("B", "Beta", service="cp")
    wa = b.worker("A", worker_id="WA")
    wb = b.worker("B", worker_id="WB")
    asye = b.worker("A", "asye", worker_id="WQ", start=date(2024, 1, 8))

    def assessment(child, episode, start, authorised=None, team="A"):
        b.add("assessment", assessment_id=f"AS{child}", child_id=child, episode_id=episode, start_date=start,
              authorised_date=authorised, team_id=team)

    # 1: referred Mon 20 Nov 2023, authorised on working day 45 (Thu 25 Jan 2024), in team B since 10 Jan.
    c1, e1 = b.case("A", date(2023, 11, 20), child_id=None)
    b.allocate(c1, wa, "A", date(2023, 11, 20), date(2024, 1, 10), change_reason="case_transfer")
    b.allocate(c1, wb, "B", date(2024, 1, 10))
    assessment(c1, e1, date(2023, 11, 22), date(2024, 1, 25))
    # 2: same referral, authorised a day later: working day 46, late; team A throughout.
    c2, e2 = b.case("A", date(2023, 11, 20))
    b.allocate(c2, wa, "A", date(2023, 11, 20))
    assessment(c2, e2, date(2023, 11, 20), date(2024, 1, 26))
    # 3: open, due 25 Jan 2024; held by A until 1 Feb, then B (the episode records B, its team at extract).
    c3, e3 = b.case("B", date(2023, 11, 20))
    b.allocate(c3, wa, "A", date(2023, 11, 21), date(2024, 2, 1), change_reason="case_transfer")
    b.allocate(c3, wb, "B", date(2024, 2, 1))
    assessment(c3, e3, date(2023, 11, 21))
    # 4: referred Fri 22 Dec 2023, open, due Wed 28 Feb 2024 (the day before the leap day).
    c4, e4 = b.case("A", date(2023, 12, 22))
    assessment(c4, e4, date(2023, 12, 27))

    # ICPCs: strategy discussions Mon 11 Dec 2023; conferences on working day 14 (3 Jan) and 16 (5 Jan).
    for n, conference in ((5, date(2024, 1, 3)), (6, date(2024, 1, 5))):
        child, episode = b.case("B", date(2023, 12, 1))
        b.add("s47", s47_id=f"S{n}", child_id=child, episode_id=episode, strategy_date=date(2023, 12, 11))
        b.add("icpc", icpc_id=f"I{n}", s47_id=f"S{n}", child_id=child, conference_date=conference)
        if n == 5:
            b.cp_plan(child, episode, date(2024, 1, 3))  # plan two days old on 5 Jan: not yet due a visit
            cp_new = child

    # CP visits, as at Fri 5 Jan 2024.
    c7, e7 = b.case("B", date(2023, 9, 1))
    b.cp_plan(c7, e7, date(2023, 10, 1))
    b.add("visit", visit_id="V1", child_id=c7, kind="CP", visit_date=date(2023, 12, 18), seen=True,
          seen_alone=True)  # 11 working days before 5 Jan: late
    b.add("visit", visit_id="V2", child_id=c7, kind="CP", visit_date=date(2024, 1, 4), seen=False)
    c8, e8 = b.case("B", date(2023, 9, 1))
    b.cp_plan(c8, e8, date(2023, 10, 1))
    b.add("visit", visit_id="V3", child_id=c8, kind="CP", visit_date=date(2023, 12, 19), seen=True,
          seen_alone=False)  # 10 working days: in time
    b.add("visit", visit_id="V4", child_id=c8, kind="CP", visit_date=date(2023, 11, 1), seen=True, seen_alone=True)
    c9, e9 = b.case("B", date(2023, 8, 1))
    b.cp_plan(c9, e9, date(2023, 9, 1), date(2023, 12, 1))  # plan ended: not counted

    # CLA reviews: looked after from Tue 2 Jan 2024; first review due 30 Jan (20 working days), held then;
    # second due 30 Apr (3 months), held 1 May: late.
    c10, _ = b.case("B", date(2023, 12, 1))
    b.looked_after(c10, date(2024, 1, 2))
    period = b.rows["cla_episode"][-1]["period_id"]
    for n, held in ((1, date(2024, 1, 30)), (2, date(2024, 5, 1))):
        b.add("review", review_id=f"R{n}", child_id=c10, kind="CLA", plan_id=period, held_date=held)

    # Supervision: the ASYE (from 8 Jan 2024: weekly for 6 weeks) last supervised Mon 29 Jan; WA monthly, last
    # on 31 Jan (due 29 Feb in a leap year).
    b.add("supervision", supervision_id="SU1", supervisee_id=asye, supervision_date=date(2024, 1, 29),
          kind="one_to_one")
    b.add("supervision", supervision_id="SU2", supervisee_id=wa, supervision_date=date(2024, 1, 31),
          kind="one_to_one")
    # Contacts over Christmas 2023, period 20 Dec 2023 - 2 Jan 2024 (as at Tue 2 Jan): K1 decided on the first
    # working day after (Wed 27 Dec); K2 a day later; K3 (Fri 29 Dec) due Tue 2 Jan, decided after the as-at
    # date, so still awaiting and not yet late; K4 (Thu 28 Dec) awaiting and late since Fri 29 Dec; K5 about
    # c1, whose case team A held that day, decided the same day; K6 before the period.
    b.team("F", "Front Door", service="front_door")
    for n, (received, decided, child) in enumerate((
        (date(2023, 12, 22), date(2023, 12, 27), None), (date(2023, 12, 22), date(2023, 12, 28), None),
        (date(2023, 12, 29), date(2024, 1, 3), None), (date(2023, 12, 28), None, None),
        (date(2023, 12, 20), date(2023, 12, 20), c1), (date(2023, 12, 19), date(2023, 12, 19), None),
    ), start=1):
        if child is None:
            child = f"K{n}"
            b.add("child", child_id=child, sex="M", dob=date(2015, 3, 1))
        b.add("contact", contact_id=f"K{n}", child_id=child, contact_date=received, decision_date=decided,
              outcome="nfa" if decided else None)
    loaded = b.load(tmp_path_factory.mktemp("timeliness"))
    loaded.ids = {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "cp_new": cp_new, "c7": c7, "c8": c8}
    return loaded


def run(council, name, as_at, start=None):
    return compute(council.con, council.snapshot, name, as_at, period_start=start).records()


def level(rows, which="council"):
    return {r["team"] if which == "team" else which: r for r in rows if r["level"] == which}


def test_assessments_within_45_working_days_counted_where_the_case_was(council):
    rows = {r["child_id"]: r for r in run(council, "assessment_timeliness_children", JANUARY[1], JANUARY[0])}
    one, two = rows[council.ids["c1"]], rows[council.ids["c2"]]
    assert (one["working_days_from_referral"], one["working_days_from_start"], one["within_timescale_from_referral"]
            ) == (45, 43, True)
    assert (two["working_days_from_referral"], two["within_timescale_from_referral"],
            two["within_timescale_from_start"]) == (46, False, False)
    assert (one["team"], two["team"]) == ("Beta", "Alpha")  # c1 moved to B before it was authorised
    summary = run(council, "assessment_timeliness", JANUARY[1], JANUARY[0])
    teams = level(summary, "team")
    assert (teams["Beta"]["numerator"], teams["Beta"]["denominator"]) == (1, 1)
    assert (teams["Alpha"]["numerator"], teams["Alpha"]["denominator"], teams["Alpha"]["rate"]) == (0, 1, 0.0)
    c = level(summary)["council"]
    assert (c["numerator"], c["denominator"], c["rate"], c["within_timescale_from_referral"]) == (1, 2, 0.5, 1)


@pytest.fixture(scope="module")
def referred_together(tmp_path_factory):
    """Three children referred Mon 20 Nov 2023. X: started that day, authorised Thu 25 Jan 2024 (45 working days
    from both). Y: started Mon 4 Dec, authorised Fri 26 Jan: 46 from the referral (late) but, counted by hand
    from the start, 4 + 5 + 5 + 3 (25, 26 Dec off) + 4 (1 Jan off) + 5 + 5 + 5 = 36 (in time, DfE's measure).
    Z: started Tue 21 Nov, authorised Fri 2 Feb: 51 from the referral, 50 from the start (late both ways)."""
    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("A", "Alpha")
    for name, started, authorised in (("X", date(2023, 11, 20), date(2024, 1, 25)),
                                      ("Y", date(2023, 12, 4), date(2024, 1, 26)),
                                      ("Z", date(2023, 11, 21), date(2024, 2, 2))):
        child, episode = b.case("A", date(2023, 11, 20))
        b.add("assessment", assessment_id=name, child_id=child, episode_id=episode, start_date=started,
              authorised_date=authorised, team_id="A")
    return b.load(tmp_path_factory.mktemp("referred_together"))


def test_assessment_timeliness_from_the_start_and_from_the_referral_each_with_its_comparator(referred_together):
    from clearsight.metrics.kpi import KPIS
    from clearsight.store.benchmarks import benchmark_for

    loaded = referred_together
    rows = {r["assessment_id"]: r for r in run(loaded, "assessment_timeliness_children", date(2024, 2, 29),
                                                 date(2024, 1, 1))}
    got = {k: (r["working_days_from_referral"], r["working_days_from_start"]) for k, r in rows.items()}
    assert got == {"X": (45, 45), "Y": (46, 36), "Z": (51, 50)}
    dfe = level(run(loaded, "assessment_timeliness", date(2024, 2, 29), date(2024, 1, 1)))["council"]
    assert (dfe["numerator"], dfe["denominator"], dfe["rate"]) == (2, 3, 0.667)  # X, Y from the start
    assert (dfe["within_timescale_from_referral"], dfe["within_timescale_from_referral_rate"]) == (1, 0.333)
    wt = level(run(loaded, "assessment_timeliness_from_referral", date(2024, 2, 29), date(2024, 1, 1)))["council"]
    assert (wt["numerator"], wt["denominator"], wt["rate"], wt["within_timescale_from_start"]) == (1, 3, 0.333, 2)
    # Each headline with its own comparator: England's 85.7% counts from the start; none is published from the
    # referral, so none is built in for it.
    # 2025 is England's year to 31 March 2025 (benchmarks of the matching year).
    assert benchmark_for(loaded.con, "assessment_timeliness", date(2025, 3, 31)).england == 0.857
    assert benchmark_for(loaded.con, "assessment_timeliness_from_referral", date(2025, 3, 31)) is None
    assert KPIS["assessment_timeliness_from_referral"].children == "assessment_timeliness_children"


def test_the_figure_from_the_referral_is_the_dfe_figure_relabelled_as_its_own_sql_counts_it(referred_together,
                                                                                             monkeypatch):
    """One query gives both figures: the one from the referral is read from the DfE figure's rows (numerator and
    rate swapped with the second measure's), the same table, column for column, as its own SQL gives, for a
    period, a team and a monthly series."""
    from dataclasses import replace

    from clearsight.metrics.figures import clear_result_cache, compute_monthly
    from clearsight.metrics.registry import REGISTRY, get_metric

    name = "assessment_timeliness_from_referral"
    assert get_metric(name).relabels is not None

    def figures():
        clear_result_cache()
        con, snapshot = referred_together.con, referred_together.snapshot
        return [compute(con, snapshot, name, date(2024, 2, 29), period_start=date(2024, 1, 1)).rows,
                compute(con, snapshot, name, date(2024, 2, 29), team="Alpha", period_start=date(2024, 1, 1)).rows,
                compute_monthly(con, snapshot, name, date(2023, 11, 1), date(2024, 2, 29), period=True).rows]

    relabelled = figures()
    monkeypatch.setitem(REGISTRY, name, replace(get_metric(name), relabels=None))
    own = figures()
    clear_result_cache()
    assert own[0].column_names[6:8] == ["numerator", "rate"]
    for mine, theirs in zip(relabelled, own):
        assert mine.equals(theirs, check_metadata=True)
    # X, Y and Z: 1 in time from the referral, 2 from the start (counted by hand above); January holds X and Y.
    council_line = level(own[0].to_pylist())["council"]
    assert (council_line["numerator"], council_line["within_timescale_from_start"]) == (1, 2)
    january = [r for r in own[2].to_pylist() if r["level"] == "council" and r["month_start"] == date(2024, 1, 1)]
    assert [(r["numerator"], r["denominator"], r["within_timescale_from_start"]) for r in january] == [(1, 2, 2)]


def test_open_assessments_overdue_with_days_and_case_team(council):
    rows = {r["child_id"]: r for r in run(council, "assessments_overdue_children", date(2024, 1, 26))}
    assert set(rows) == {council.ids["c3"], council.ids["c4"]}  # 1 and 2 were authorised by then
    three, four = rows[council.ids["c3"]], rows[council.ids["c4"]]
    assert (three["due_date"], three["overdue"], three["working_days_overdue"], three["days_overdue"]) == (
        date(2024, 1, 25), True, 1, 1)
    assert three["team"] == "Alpha"
    assert (four["due_date"], four["overdue"], four["days_overdue"]) == (date(2024, 2, 28), False, None)
    for r in rows.values():  # the SQL calendar agrees with the Python one
        assert r["due_date"] == add_working_days(r["referral_date"], 45)
    c = level(run(council, "assessments_overdue", date(2024, 1, 26)))["council"]
    assert (c["numerator"], c["denominator"]) == (1, 2)
    # 1 March 2024: 4 is overdue by the leap day and 1 March; 3 now sits with team B.
    rows = {r["child_id"]: r for r in run(council, "assessments_overdue_children", date(2024, 3, 1))}
    assert (rows[council.ids["c4"]]["working_days_overdue"], rows[council.ids["c4"]]["days_overdue"]) == (2, 2)
    assert rows[council.ids["c3"]]["team"] == "Beta"


def test_icpc_within_15_working_days_over_christmas(council):
    rows = sorted(run(council, "icpc_timeliness_children", JANUARY[1], JANUARY[0]), key=lambda r: r["icpc_id"])
    assert [(r["icpc_id"], r["working_days"], r["within_timescale"]) for r in rows] == [
        ("I5", 14, True), ("I6", 16, False)]
    c = level(run(council, "icpc_timeliness", JANUARY[1], JANUARY[0]))["council"]
    assert (c["numerator"], c["denominator"], c["rate"]) == (1, 2, 0.5)


def test_cp_visits_within_10_working_days_and_seen_alone(council):
    as_at = date(2024, 1, 5)
    rows = {r["child_id"]: r for r in run(council, "cp_visits_children", as_at)}
    assert set(rows) == {council.ids["cp_new"], council.ids["c7"], council.ids["c8"]}
    late, ok, new = rows[council.ids["c7"]], rows[council.ids["c8"]], rows[council.ids["cp_new"]]
    assert (late["working_days_since_seen"], late["in_time"], late["working_days_overdue"]) == (11, False, 1)
    assert (ok["working_days_since_seen"], ok["in_time"], ok["seen_alone_in_time"]) == (10, True, False)
    assert (new["last_seen"], new["in_time"], new["seen_alone_in_time"]) == (None, True, True)
    c = level(run(council, "cp_visits", as_at))["council"]
    assert (c["denominator"], c["numerator"], c["seen_alone_in_time"]) == (3, 2, 1)


def test_cla_reviews_on_the_regulation_33_schedule(council):
    rows = run(council, "cla_reviews_children", date(2024, 6, 30), date(2024, 1, 1))
    assert [(r["review_number"], r["due_date"], r["on_time"]) for r in sorted(rows, key=lambda r: r["held_date"])] == [
        (1, date(2024, 1, 30), True), (2, date(2024, 4, 30), False)]
    [r] = run(council, "cla_reviews_overdue_children", date(2024, 2, 15))
    assert (r["reviews_held"], r["next_due"], r["overdue"]) == (1, date(2024, 4, 30), False)
    [r] = run(council, "cla_reviews_overdue_children", date(2024, 1, 29))
    assert (r["reviews_held"], r["next_due"], r["overdue"]) == (0, date(2024, 1, 30), False)


def test_supervision_asye_weekly_and_monthly_over_the_leap_day(council):
    def worker(as_at, worker_id):
        return next(r for r in run(council, "supervision_children", as_at) if r["worker_id"] == worker_id)

    assert (worker(date(2024, 2, 5), "WQ")["schedule"], worker(date(2024, 2, 5), "WQ")["up_to_date"]) == ("weekly", True)
    assert (worker(date(2024, 2, 6), "WQ")["up_to_date"], worker(date(2024, 2, 6), "WQ")["days_overdue"]) == (False, 1)
    assert worker(date(2024, 2, 29), "WA")["due_date"] == date(2024, 2, 29)
    assert worker(date(2024, 2, 29), "WA")["up_to_date"] is True
    assert worker(date(2024, 3, 1), "WA")["up_to_date"] is False
    teams = level(run(council, "supervision", date(2024, 2, 5)), "team")
    assert (teams["Alpha"]["numerator"], teams["Alpha"]["denominator"]) == (2, 2)
    assert (teams["Beta"]["numerator"], teams["Beta"]["denominator"]) == (0, 1)  # WB never supervised


def test_contacts_decided_within_1_working_day_over_christmas(council):
    as_at, start = date(2024, 1, 2), date(2023, 12, 20)
    rows = {r["contact_id"]: r for r in run(council, "referral_decisions_children", as_at, start)}
    assert set(rows) == {"K1", "K2", "K3", "K4", "K5"}
    got = {k: (r["due_date"], r["working_days_to_decision"], r["in_time"], r["awaiting_decision"], r["days_overdue"])
           for k, r in rows.items()}
    assert got == {
        "K1": (date(2023, 12, 27), 1, True, False, None),
        "K2": (date(2023, 12, 27), 2, False, False, None),
        "K3": (date(2024, 1, 2), None, True, True, None),  # decided on 3 Jan: not yet on the as-at date
        "K4": (date(2023, 12, 29), None, False, True, 4),
        "K5": (date(2023, 12, 21), 0, True, False, None),
    }
    assert {k: r["team"] for k, r in rows.items()} == {
        "K1": "Front Door", "K2": "Front Door", "K3": "Front Door", "K4": "Front Door", "K5": "Alpha"}
    summary = run(council, "referral_decisions", as_at, start)
    c = level(summary)["council"]
    assert (c["denominator"], c["numerator"], c["rate"], c["awaiting_decision"]) == (5, 3, 0.6, 2)
    teams = level(summary, "team")
    assert (teams["Front Door"]["denominator"], teams["Front Door"]["numerator"]) == (4, 2)
    assert (teams["Alpha"]["denominator"], teams["Alpha"]["numerator"]) == (1, 1)


def test_monthly_series_is_each_month_computed_alone(council):
    from clearsight.metrics.figures import clear_result_cache, compute_monthly

    series = compute_monthly(council.con, council.snapshot, "assessments_overdue", date(2024, 1, 10),
                             date(2024, 3, 31), period=False)
    clear_result_cache()  # each month computed afresh below, not the series' own months kept by compute_monthly
    ends = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]
    by_month = {}
    for r in series.records():
        by_month.setdefault(r.pop("month_end"), []).append(r)
    assert sorted(by_month) == ends
    assert {r["month_start"] for r in by_month[ends[0]]} == {date(2024, 1, 10)}  # the first month is clipped
    for end in ends:
        assert [{k: v for k, v in r.items() if k != "month_start"} for r in by_month[end]] == run(
            council, "assessments_overdue", end)
    councils = [(r["numerator"], r["denominator"]) for r in series.records() if r["level"] == "council"]
    assert councils == [(1, 2), (2, 2), (2, 2)]  # c4 falls due on 28 February
    # A period KPI counts each month's events: December's contacts; none yet in January, which says 0 of 0.
    contacts = compute_monthly(council.con, council.snapshot, "referral_decisions", date(2023, 12, 20),
                               date(2024, 1, 2), period=True)
    december, january = [r for r in contacts.records() if r["level"] == "council"]
    assert (december["month_start"], december["month_end"]) == (date(2023, 12, 20), date(2023, 12, 31))
    # As at Sunday 31 December, K4 (received Thu 28 Dec, due Fri 29 Dec) is not yet late: no working day has
    # passed since its due date (it is by Tuesday 2 January, above). So 4 in time, not 3.
    assert (december["denominator"], december["numerator"], december["awaiting_decision"]) == (5, 4, 2)
    assert (january["month_start"], january["denominator"], january["rate"]) == (date(2024, 1, 1), 0, None)

