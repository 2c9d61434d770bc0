"""Flow and outcomes (DfE definitions) against small councils counted by hand."""

from __future__ import annotations

import json
from datetime import date

import pytest
from council_builder import CouncilBuilder
from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.config import CouncilConfig
from clearsight.metrics.figures import compute
from clearsight.metrics.registry import Scope, get_metric
from clearsight.metrics.sql import DIALECTS, metric_sql

# Each summary builds on its `_children` rows, so compiling the summaries compiles those too.
FLOW_METRICS = (
    "flow_funnel", "re_referrals", "repeat_cp_plans", "cp_plans_two_years", "placement_stability",
    "care_leavers_outcomes", "rates_per_10000",
)


def council_row(figure, **match):
    return next(r for r in figure.records() if r["level"] == "council" and all(r[k] == v for k, v in match.items()))


def team_row(figure, team):
    return next(r for r in figure.records() if r["level"] == "team" and r["team"] == team)


def test_every_flow_metric_compiles_for_each_engine():
    """The same definitions run on a council's PostgreSQL, SQL Server or Spark (DuckDB: every test below)."""
    scope = Scope(1, date(2024, 3, 31), CouncilConfig(), period_start=date(2023, 4, 1))
    for name in FLOW_METRICS:
        expr = get_metric(name).build(scope)
        for dialect in DIALECTS:
            if dialect != "duckdb":
                assert metric_sql(expr, dialect), (name, dialect)


# --- the funnel ------------------------------------------------------------------------------------------------

FUNNEL_START, FUNNEL_END = date(2023, 4, 1), date(2024, 3, 31)


@pytest.fixture(scope="module")
def funnel(tmp_path_factory):
    """Child A goes all the way to a CP plan; B's contact goes nowhere; C is referred (team U) and not assessed;
    D is assessed, no S47; E has an S47 and an ICPC with no plan. F comes into care, G leaves. A contact before
    the period does not count."""
    b = CouncilBuilder(extract_date=date(2024, 6, 30))
    b.team("T", "Tango")
    b.team("U", "Uniform", service="assessment")
    a, ea = b.case("T", date(2023, 5, 2))
    b.add("contact", contact_id="K1", child_id=a, contact_date=date(2023, 5, 1), outcome="referral")
    b.add("contact", contact_id="K0", child_id=a, contact_date=date(2023, 3, 1), outcome="referral")
    b.add("assessment", assessment_id="AS1", child_id=a, episode_id=ea, start_date=date(2023, 5, 3), team_id="T")
    b.add("s47", s47_id="Q1", child_id=a, episode_id=ea, strategy_date=date(2023, 5, 10))
    b.add("icpc", icpc_id="I1", s47_id="Q1", child_id=a, conference_date=date(2023, 5, 25), resulted_in_plan=True)
    b.cp_plan(a, ea, date(2023, 5, 25))
    c, _ = b.case("U", date(2023, 7, 2))
    b.add("contact", contact_id="K2", child_id=c, contact_date=date(2023, 6, 1), outcome="nfa")
    b.add("contact", contact_id="K3", child_id=c, contact_date=date(2023, 7, 1), outcome="referral")
    d, ed = b.case("T", date(2023, 8, 1))
    b.add("assessment", assessment_id="AS2", child_id=d, episode_id=ed, start_date=date(2023, 8, 2), team_id="T")
    e, ee = b.case("T", date(2023, 8, 20))
    b.add("assessment", assessment_id="AS3", child_id=e, episode_id=ee, start_date=date(2023, 8, 21), team_id="T")
    b.add("s47", s47_id="Q2", child_id=e, episode_id=ee, strategy_date=date(2023, 9, 1))
    b.add("icpc", icpc_id="I2", s47_id="Q2", child_id=e, conference_date=date(2023, 9, 20), resulted_in_plan=False)
    f, _ = b.case("T", date(2023, 9, 1))  # a referral too: five in all
    b.looked_after(f, date(2023, 10, 1))
    g, _ = b.case("T", date(2021, 1, 1))
    b.looked_after(g, date(2022, 1, 1), date(2023, 11, 1))
    return b.load(tmp_path_factory.mktemp("funnel"))


def test_funnel_counts_and_conversions(funnel):
    figure = compute(funnel.con, funnel.snapshot, "flow_funnel", FUNNEL_END, period_start=FUNNEL_START)
    row = council_row(figure)
    assert (row["contacts"], row["contacts_to_referral"], row["contact_to_referral_rate"]) == (3, 2, 0.667)
    assert (row["referrals"], row["referrals_to_assessment"], row["referral_to_assessment_rate"]) == (5, 3, 0.6)
    assert (row["assessments"], row["assessments_to_s47"], row["assessment_to_s47_rate"]) == (3, 2, 0.667)
    assert (row["s47s"], row["s47s_to_icpc"], row["s47_to_icpc_rate"]) == (2, 2, 1.0)
    assert (row["icpcs"], row["icpcs_to_cp_plan"], row["icpc_to_cp_plan_rate"]) == (2, 1, 0.5)
    assert (row["cp_plans"], row["cla_periods_started"], row["cla_periods_ended"]) == (1, 1, 1)
    tango, uniform = team_row(figure, "Tango"), team_row(figure, "Uniform")
    assert (tango["referrals"], uniform["referrals"], uniform["referral_to_assessment_rate"]) == (4, 1, 0.0)
    assert tango["contacts"] is None  # the front door's contacts belong to no team
    events = compute(funnel.con, funnel.snapshot, "flow_events", FUNNEL_END, period_start=FUNNEL_START)
    assert len(events.rows) == 3 + 5 + 3 + 2 + 2 + 1 + 1 + 1


def test_a_childs_funnel_counts_in_the_team_of_their_first_event(tmp_path):
    """Child 1 is referred to Uniform (1 Jun 2023), assessed there (2 Jun), has a strategy discussion there (10
    Jun), moves to Tango on 15 Jun and has the ICPC and plan there (30 Jun). Counted on each event's day, Tango
    would show an ICPC with no section 47 and Uniform a section 47 with no ICPC; by the rule, all five events
    count in Uniform, the team of the child's first event. Child 2 is referred straight to Tango (1 Jul)."""
    b = CouncilBuilder(extract_date=date(2024, 6, 30))
    b.team("T", "Tango", service="cp")
    b.team("U", "Uniform", service="assessment")
    wu, wt = b.worker("U"), b.worker("T")
    one, e1 = b.case("T", date(2023, 6, 1))  # the episode names its team now: Tango
    b.allocate(one, wu, "U", date(2023, 6, 1), date(2023, 6, 15), change_reason="case_transfer")
    b.allocate(one, wt, "T", date(2023, 6, 15))
    b.add("assessment", assessment_id="AS1", child_id=one, episode_id=e1, start_date=date(2023, 6, 2), team_id="U")
    b.add("s47", s47_id="Q1", child_id=one, episode_id=e1, strategy_date=date(2023, 6, 10))
    b.add("icpc", icpc_id="I1", s47_id="Q1", child_id=one, conference_date=date(2023, 6, 30), resulted_in_plan=True)
    b.cp_plan(one, e1, date(2023, 6, 30))
    two, _ = b.case("T", date(2023, 7, 1))
    b.allocate(two, wt, "T", date(2023, 7, 1))
    loaded = b.load(tmp_path)
    figure = compute(loaded.con, loaded.snapshot, "flow_funnel", FUNNEL_END, period_start=FUNNEL_START)
    stages = ("referrals", "assessments", "s47s", "icpcs", "cp_plans")
    assert tuple(team_row(figure, "Uniform")[k] for k in stages) == (1, 1, 1, 1, 1)
    assert tuple(team_row(figure, "Tango")[k] for k in stages) == (1, 0, 0, 0, 0)
    assert tuple(council_row(figure)[k] for k in stages) == (2, 1, 1, 1, 1)
    events = compute(loaded.con, loaded.snapshot, "flow_events", FUNNEL_END, period_start=FUNNEL_START).records()
    assert {r["team"] for r in events if r["child_id"] == one} == {"Uniform"}
    assert "first event in the period" in get_metric("flow_funnel").definition


# --- re-referrals, repeat plans, long plans ----------------------------------------------------------------------

SPRING_START, SPRING_END = date(2024, 4, 1), date(2024, 6, 30)


@pytest.fixture(scope="module")
def returning(tmp_path_factory):
    """Referrals in April-June 2024: P exactly 12 months after the last (a re-referral), Q 12 months and a day
    after (not), R a first referral, S twice: 2024-04-15 (last referral 2022) and 2024-06-01 (a re-referral).
    CP plans starting then: P's second, R's first, Q's second (the first in 2021). Open on 30 June 2024 as
    well: T's plan from 30 June 2022 (exactly two years) and V's from 1 July 2022."""
    b = CouncilBuilder(extract_date=date(2024, 7, 31))
    b.team("T", "Tango")
    p, p1 = b.case("T", date(2023, 5, 1), close=date(2023, 10, 1))
    _, p2 = b.case("T", date(2024, 5, 1), child_id=p)
    q, q0 = b.case("T", date(2021, 1, 1), close=date(2021, 7, 1))
    b.case("T", date(2023, 5, 1), child_id=q, close=date(2023, 6, 1))
    _, q2 = b.case("T", date(2024, 5, 2), child_id=q)
    r, r1 = b.case("T", date(2024, 5, 10))
    s, _ = b.case("T", date(2022, 1, 1), close=date(2022, 3, 1))
    b.case("T", date(2024, 4, 15), child_id=s, close=date(2024, 5, 1))
    b.case("T", date(2024, 6, 1), child_id=s)
    b.cp_plan(p, p1, date(2023, 5, 5), date(2023, 9, 1))
    b.cp_plan(p, p2, date(2024, 5, 10))
    b.cp_plan(r, r1, date(2024, 5, 15))
    b.cp_plan(q, q0, date(2021, 1, 1), date(2021, 6, 1))
    b.cp_plan(q, q2, date(2024, 6, 1))
    t, t1 = b.case("T", date(2022, 6, 1))
    b.cp_plan(t, t1, date(2022, 6, 30))
    v, v1 = b.case("T", date(2022, 6, 1))
    b.cp_plan(v, v1, date(2022, 7, 1))
    return b.load(tmp_path_factory.mktemp("returning")), {"P": p, "Q": q, "R": r, "S": s, "T": t, "V": v}


def test_re_referrals_within_12_months_include_the_anniversary(returning):
    loaded, child = returning
    row = council_row(compute(loaded.con, loaded.snapshot, "re_referrals", SPRING_END, period_start=SPRING_START))
    assert (row["denominator"], row["numerator"], row["rate"]) == (5, 2, 0.4)
    rows = compute(loaded.con, loaded.snapshot, "re_referrals_children", SPRING_END,
                   period_start=SPRING_START).records()
    flagged = {(r["child_id"], r["referral_date"]) for r in rows if r["re_referral"]}
    assert flagged == {(child["P"], date(2024, 5, 1)), (child["S"], date(2024, 6, 1))}
    q = next(r for r in rows if r["child_id"] == child["Q"])
    assert (q["previous_referral_date"], q["earlier_referrals"], q["team"]) == (date(2023, 5, 1), 2, "Tango")


def test_a_second_cp_plan_is_a_repeat_however_long_after(returning):
    loaded, child = returning
    row = council_row(compute(loaded.con, loaded.snapshot, "repeat_cp_plans", SPRING_END, period_start=SPRING_START))
    assert (row["denominator"], row["numerator"], row["rate"]) == (3, 2, 0.667)
    rows = compute(loaded.con, loaded.snapshot, "repeat_cp_plans_children", SPRING_END,
                   period_start=SPRING_START).records()
    assert {r["child_id"] for r in rows if r["repeat_plan"]} == {child["P"], child["Q"]}


def test_repeat_plans_say_when_the_records_hold_too_little_history(returning):
    """The earliest plan end in the records is Q's, 1 Jun 2021 (extracts keep ended plans only from their window's
    start). 'Ever' needs 10 years before the period (1 Apr 2014 for April 2024): too short, said in the status
    column and a warning that lowers the grade. Needing 2 years (1 Apr 2022), or told the records run from 2010,
    it is sufficient."""
    from clearsight.config import CouncilConfig
    from clearsight.config.settings import HistorySettings

    loaded, _ = returning

    def figure(**history):
        config = CouncilConfig(history=HistorySettings(**history))
        return compute(loaded.con, loaded.snapshot, "repeat_cp_plans", SPRING_END, config, period_start=SPRING_START)

    short = figure()
    row = council_row(short)
    assert (row["history_from"], row["history_status"], row["rate"]) == (date(2021, 6, 1), "too_short", 0.667)
    assert all(r["history_status"] == "too_short" for r in short.records())  # every level says so
    assert row["data_warning"] in short.provenance.warnings and "2021-06-01" in row["data_warning"]
    two_years = figure(repeat_cp_plan_years=2)
    assert (council_row(two_years)["history_status"], council_row(two_years)["data_warning"]) == ("sufficient", None)
    declared = council_row(figure(records_from=date(2010, 1, 1)))
    assert (declared["history_from"], declared["history_status"]) == (date(2010, 1, 1), "sufficient")
    grades = "ABCD"
    assert grades.index(short.provenance.confidence) == min(grades.index(two_years.provenance.confidence) + 1, 3)
    assert row["data_warning"] not in two_years.provenance.warnings


def test_cp_plans_open_two_years(returning):
    loaded, child = returning
    row = council_row(compute(loaded.con, loaded.snapshot, "cp_plans_two_years", SPRING_END))
    # Open on 30 June 2024: P, R, Q (2024), T (30 June 2022: exactly two years), V (1 July 2022: not yet).
    assert (row["denominator"], row["numerator"], row["rate"]) == (5, 1, 0.2)
    rows = compute(loaded.con, loaded.snapshot, "cp_plans_two_years_children", SPRING_END).records()
    assert [r["child_id"] for r in rows if r["two_years_or_more"]] == [child["T"]]


# --- placement stability -----------------------------------------------------------------------------------------

STABILITY_AS_AT = date(2024, 3, 31)  # the year: 2 April 2023 to 31 March 2024


def test_placement_stability(tmp_path):
    """K (aged 11): placed 1 Jan 2023, moved 1 Jun, legal status changed 1 Sep (same placement), moved 1 Dec:
    three placements in the year. L (11): in care since 2020, a legal-status change in 2021, same placement
    since 2020: long-term stable. M (11): in care since June 2020, moved January 2023: not. N (17): too old for
    the long-term measure. O left care in January 2024."""
    b = CouncilBuilder(extract_date=STABILITY_AS_AT)
    b.team("T", "Tango")
    for cid, dob in (("K", date(2012, 5, 1)), ("L", date(2012, 5, 1)), ("M", date(2012, 5, 1)),
                     ("N", date(2007, 1, 1)), ("O", date(2012, 5, 1))):
        b.add("child", child_id=cid, dob=dob)

    def episode(child: str, period: str, start: date, reason: str, end: date | None = None) -> None:
        b.add("cla_episode", cla_episode_id=f"{child}{start:%Y%m%d}", child_id=child, period_id=period,
              start_date=start, start_reason=reason, legal_status="C2", end_date=end)

    episode("K", "PK", date(2023, 1, 1), "S", date(2023, 6, 1))
    episode("K", "PK", date(2023, 6, 1), "P", date(2023, 9, 1))
    episode("K", "PK", date(2023, 9, 1), "L", date(2023, 12, 1))
    episode("K", "PK", date(2023, 12, 1), "P")
    episode("L", "PL", date(2020, 1, 1), "S", date(2021, 1, 1))
    episode("L", "PL", date(2021, 1, 1), "L")
    episode("M", "PM", date(2020, 6, 1), "S", date(2023, 1, 1))
    episode("M", "PM", date(2023, 1, 1), "P")
    episode("N", "PN", date(2015, 1, 1), "S")
    episode("O", "PO", date(2022, 1, 1), "S", date(2024, 1, 1))
    loaded = b.load(tmp_path)
    row = council_row(compute(loaded.con, loaded.snapshot, "placement_stability", STABILITY_AS_AT))
    assert (row["looked_after"], row["three_or_more"], row["three_or_more_rate"]) == (4, 1, 0.25)
    assert (row["long_term_eligible"], row["long_term_stable"], row["long_term_stability_rate"]) == (2, 1, 0.5)
    rows = {r["child_id"]: r for r in compute(loaded.con, loaded.snapshot, "placement_stability_children",
                                              STABILITY_AS_AT).records()}
    assert {c: r["placements_in_year"] for c, r in rows.items()} == {"K": 3, "L": 1, "M": 1, "N": 1}
    assert rows["L"]["placement_start"] == date(2020, 1, 1) and rows["M"]["placement_start"] == date(2023, 1, 1)
    # History: the earliest episode end is L's, 1 Jan 2021, before the 30 months the long-term measure needs
    # (30 Sep 2021). Records said to start on 1 Jan 2023 would be too short.
    assert (row["history_from"], row["history_status"], row["data_warning"]) == (date(2021, 1, 1), "sufficient", None)
    from clearsight.config import CouncilConfig
    from clearsight.config.settings import HistorySettings

    late = compute(loaded.con, loaded.snapshot, "placement_stability", STABILITY_AS_AT,
                   CouncilConfig(history=HistorySettings(records_from=date(2023, 1, 1))))
    assert council_row(late)["history_status"] == "too_short"
    assert any("long-term placement stability" in w for w in late.provenance.warnings)


# --- care leavers and rates per 10,000 ---------------------------------------------------------------------------

COUNCIL_AS_AT = date(2024, 3, 31)


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    """Care leavers aged 17, 19, 21 and 23; two open cases (one on a CP plan, one looked after) and a closed one;
    population estimates for 2022 (40,000 in two bands), 2023 (20,000) and 2024 (80,000)."""
    b = CouncilBuilder(extract_date=COUNCIL_AS_AT)
    b.team("T", "Tango")
    leavers = [
        ("CL1", date(2006, 6, 1), True, True, "F2"),   # 17: EET full-time
        ("CL2", date(2005, 1, 1), True, False, "G4"),  # 19
        ("CL3", date(2003, 1, 1), False, False, "P1"),  # 21: EET part-time
        ("CL4", date(2001, 1, 1), True, True, "G5"),   # 23
    ]
    for cid, dob, in_touch, suitable, activity in leavers:
        b.add("child", child_id=cid, dob=dob)
        b.add("care_leaver", child_id=cid, in_touch=in_touch, suitable=suitable, activity=activity)
    x, ex = b.case("T", date(2023, 6, 1))
    b.cp_plan(x, ex, date(2023, 7, 1))
    y, _ = b.case("T", date(2022, 1, 1))
    b.looked_after(y, date(2022, 2, 1))
    b.case("T", date(2023, 2, 1), close=date(2023, 3, 1))
    for year, bands in ((2022, {"0-4": 10_000, "5-17": 30_000}), (2023, {"0-4": 5_000, "5-17": 15_000}),
                        (2024, {"0-17": 80_000})):
        for band, children in bands.items():
            b.add("population", area="Testshire", age_band=band, year=year, children=children)
    return b.load(tmp_path_factory.mktemp("council"))


def test_care_leavers_outcomes_by_age_group(council):
    figure = compute(council.con, council.snapshot, "care_leavers_outcomes", COUNCIL_AS_AT)
    everyone = council_row(figure, age_group="all")
    assert (everyone["care_leavers"], everyone["in_touch_rate"], everyone["suitable_accommodation_rate"],
            everyone["eet_rate"]) == (4, 0.75, 0.5, 0.5)
    young = council_row(figure, age_group="17-18")
    assert (young["care_leavers"], young["in_touch"], young["eet"]) == (1, 1, 1)
    older = council_row(figure, age_group="19-21")
    assert (older["care_leavers"], older["in_touch_rate"], older["suitable_accommodation"], older["eet_rate"]) == (
        2, 0.5, 0, 0.5)


def test_rates_per_10000_use_the_preceding_years_population(council):
    row = council_row(compute(council.con, council.snapshot, "rates_per_10000", COUNCIL_AS_AT,
                              period_start=date(2023, 4, 1)))
    # As at March 2024: the mid-2023 estimate, 20,000 children. Open cases X and Y; X on a plan, Y looked after;
    # one referral (X) in the year.
    assert (row["population_year"], row["population"]) == (2023, 20_000)
    assert (row["children_in_need"], row["cp_plans"], row["looked_after"], row["referrals"]) == (2, 1, 1, 1)
    assert (row["children_in_need_rate"], row["cp_plans_rate"], row["looked_after_rate"],
            row["referrals_rate"]) == (1.0, 0.5, 0.5, 0.5)
    # No estimate for 2021 yet: the nearest later year, 2022. In 2026 the latest before 2025: 2024.
    early = council_row(compute(council.con, council.snapshot, "rates_per_10000", date(2022, 6, 30)))
    assert (early["population_year"], early["population"]) == (2022, 40_000)
    late = council_row(compute(council.con, council.snapshot, "rates_per_10000", date(2026, 1, 1)))
    assert late["population_year"] == 2024


def test_flow_command_shows_england_beside_each_figure(council, tmp_path):
    runner = CliRunner()
    db = str(council.location)
    council.con.close()
    args = ["--db", db, "flow", "--as-at", "2024-03-31"]
    table = runner.invoke(app, args, catch_exceptions=False)
    assert table.exit_code == 0, table.output
    assert "Children in need per 10,000" in table.output and "mid-2023 estimate" in table.output
    data = json.loads(runner.invoke(app, [*args, "--format", "json"], catch_exceptions=False).output)
    by_name = {r["indicator"]: r for r in data["sections"]["indicators"]["rows"]}
    assert by_name["Children in need per 10,000"]["value"] == 1.0
    # England's figures are for the matching year, the year to 31 March 2024: none is built in (only 2025's).
    cin = by_name["Children in need per 10,000"]
    assert (cin["england"], cin["england_year"]) == (None, "2024")
    assert "published years held: 2025" in cin["england_note"]
    later = json.loads(runner.invoke(app, ["--db", db, "flow", "--as-at", "2025-03-31", "--format", "json"],
                                     catch_exceptions=False).output)
    by_name = {r["indicator"]: r for r in later["sections"]["indicators"]["rows"]}
    assert by_name["Children in need per 10,000"]["england"] == 330
    assert by_name["Re-referrals within 12 months"]["england"] == 0.226
    csv_out = runner.invoke(app, [*args[:3], "--format", "csv", "--period", "2023-04..2024-03"]).output
    assert csv_out.startswith("indicator,value,england,unit")


def test_funnel_by_month_adds_up_to_the_period(funnel):
    from clearsight.metrics.figures import compute_monthly

    series = compute_monthly(funnel.con, funnel.snapshot, "flow_funnel", FUNNEL_START, FUNNEL_END, period=True)
    months = [r for r in series.records() if r["level"] == "council"]
    by_month = {r["month_start"].strftime("%Y-%m"): (r["contacts"], r["referrals"], r["assessments"], r["s47s"],
                                                     r["icpcs"], r["cp_plans"]) for r in months}
    assert by_month["2023-05"] == (1, 1, 1, 1, 1, 1)  # A all the way in May
    assert by_month["2023-06"] == (1, 0, 0, 0, 0, 0)  # B's contact goes nowhere
    assert by_month["2023-08"] == (0, 2, 2, 0, 0, 0)
    assert by_month["2023-09"] == (0, 1, 0, 1, 1, 0)
    whole = council_row(compute(funnel.con, funnel.snapshot, "flow_funnel", FUNNEL_END, period_start=FUNNEL_START))
    for column in ("contacts", "referrals", "assessments", "s47s", "icpcs", "cp_plans", "cla_periods_started"):
        assert sum(r[column] or 0 for r in months) == whole[column]
