"""The SSDA903 writer's collection-year return (DfE SSDA903 guidance 2023-24; the rules of DfE's 903 validator
named per test), on a tiny council worked out by hand."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from clearsight.formats.ssda903_writer import write_ssda903

from council_builder import CouncilBuilder

YEAR_END = date(2024, 3, 31)  # the 2023-24 return: 1 April 2023 to 31 March 2024


def _episode(b: CouncilBuilder, child: str, period: str, start: date, rne: str, end: date | None = None,
             rec: str | None = None, why: str | None = None) -> None:
    b.add("cla_episode", cla_episode_id=f"{child}-{start}", child_id=child, period_id=period, start_date=start,
          start_reason=rne, legal_status="C2", placement_type="U1", placement_provider="PR1", end_date=end,
          end_reason=rec, placement_change_reason=why, home_postcode="IP1 1FG", placement_postcode=f"IP3 {child}AA",
          placement_urn="SC123456")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("return903")
    b = CouncilBuilder(extract_date=date(2024, 6, 30))
    b.team("T", service="cla")
    w1, w2 = b.worker("T", worker_id="W1"), b.worker("T", worker_id="W2")
    for child, dob in (("A", date(2010, 1, 1)), ("B", date(2012, 5, 1)), ("C", date(2015, 1, 1)),
                       ("D", date(2021, 7, 1)), ("F", date(2006, 1, 15)), ("G", date(2000, 5, 5))):
        b.add("child", child_id=child, sex="M", dob=dob, upn="UN1" if child == "D" else "D935200022000")
    # two girls: H a mother since 2023 (looked after), E one whose child was born after the year (a care leaver)
    b.add("child", child_id="E", sex="F", dob=date(2005, 6, 10), mother=True, mother_child_dob=date(2024, 5, 1))
    b.add("child", child_id="H", sex="F", dob=date(2006, 9, 1), mother=True, mother_child_dob=date(2023, 2, 1))
    # B: referred N9 then N4 (the need at the start of care), later N2 (after it: not the period's need)
    for n, (referral, need) in enumerate(((date(2021, 1, 1), "N4"), (date(2022, 12, 1), "N9"),
                                          (date(2023, 8, 1), "N2"))):
        b.add("episode", episode_id=f"EB{n}", child_id="B", referral_date=referral, primary_need=need, team_id="T")
    _episode(b, "A", "PA", date(2022, 1, 1), "S", date(2023, 3, 1), "E11")  # ended before the year: not in it
    _episode(b, "B", "PB", date(2023, 2, 1), "S", date(2023, 6, 1), "X1", "CARPL")  # open on 1 April 2023
    _episode(b, "B", "PB", date(2023, 6, 1), "P", date(2024, 5, 1), "E11", "CHILD")  # ends after the year: open
    _episode(b, "C", "PC", date(2024, 4, 10), "S")  # starts after the year: not in it
    _episode(b, "D", "PD", date(2023, 5, 1), "S")  # starts care in the year, aged 1
    _episode(b, "E", "PE", date(2019, 1, 1), "S", date(2023, 1, 1), "E11")  # left at 17: care leaver turning 18
    _episode(b, "F", "PF", date(2020, 1, 1), "S", date(2024, 1, 15), "E11")  # in the year, and on their 18th birthday
    _episode(b, "H", "PH", date(2022, 1, 1), "S")
    for child in "EFG":
        b.add("care_leaver", child_id=child, in_touch=True, accommodation="S", suitable=True, activity="F2")
    for child, held in (("B", date(2023, 3, 15)), ("B", date(2023, 9, 1)), ("D", date(2023, 11, 1))):
        b.add("review", review_id=f"R{child}{held}", child_id=child, kind="CLA", held_date=held)
    b.allocate("B", w1, "T", date(2023, 1, 20), date(2023, 7, 1), change_reason="worker_left")
    b.allocate("B", w2, "T", date(2023, 7, 3))
    b.allocate("D", w2, "T", date(2022, 1, 1), date(2022, 6, 1), change_reason="case_closed")
    b.allocate("D", w1, "T", date(2023, 4, 20))  # from before care (in the year): the return's starts with it
    # F left care on 15 January 2024 with W1, who stayed to 1 February; W2, allocated after, is not the return's
    b.allocate("F", w1, "T", date(2023, 6, 1), date(2024, 2, 1), change_reason="worker_left")
    b.allocate("F", w2, "T", date(2024, 2, 1))
    loaded = b.load(tmp)
    counts = write_ssda903(loaded.con, loaded.snapshot, tmp / "903", YEAR_END)
    return tmp / "903", {t: list(csv.DictReader(open(tmp / "903" / f"SSDA903_{t}.csv"))) for t in counts}


def test_episodes_open_in_the_year_and_later_ends_left_open(written):
    """Rules 354 and 385: no DECOM or DEC after the year; an episode ending later has DEC and REC blank."""
    _, tables = written
    assert [(r["CHILD"], r["DECOM"], r["DEC"], r["REC"]) for r in tables["episodes"]] == [
        ("B", "01/02/2023", "01/06/2023", "X1"), ("B", "01/06/2023", "", ""), ("D", "01/05/2023", "", ""),
        ("F", "01/01/2020", "15/01/2024", "E11"), ("H", "01/01/2022", "", "")]
    # rule 504: CIN is the need at the start of the period of care (N9 has no 903 code), the same for the period
    assert [r["CIN"] for r in tables["episodes"]] == ["N4", "N4", "", "", ""]


def test_header_holds_the_years_children_and_the_care_leaver_cohort(written):
    """Rules 391, 1007 and 1016: the OC3 cohort turns 17 to 21 in the year, a 17- or 18-year-old only when no
    longer looked after on that birthday: E (18 in June 2023, left care at 17), not F (looked after on their 18th
    birthday) nor G (23)."""
    _, tables = written
    assert [r["CHILD"] for r in tables["oc3"]] == ["E"]
    assert [r["CHILD"] for r in tables["header"]] == ["B", "D", "E", "F", "H"]


def test_reviews_in_the_year_with_the_under_fours_code(written):
    """Rule 441: PN0 for a child under 4 at the review; reviews before the year are not in it."""
    _, tables = written
    assert [(r["CHILD"], r["REVIEW"], r["REVIEW_CODE"]) for r in tables["reviews"]] == [
        ("B", "01/09/2023", "PN1"), ("D", "01/11/2023", "PN0")]


def test_social_worker_episodes_carry_why_they_began(written):
    """Rules SW03, SW06, SW07, SW10-SW13: SW_REASON says why the episode began (the previous one's ending reason
    when it follows within 7 days, else FCONTA); episodes of the year only, an end after it blank; D, who came
    into care on 1 May 2023 with a social worker allocated on 20 April, has that worker from 1 May; F, who left
    care on 15 January 2024, has W1 (to 1 February) and not W2, allocated after."""
    _, tables = written
    assert [(r["CHILD"], r["SW_ID"], r["SW_DECOM"], r["SW_DEC"], r["SW_REASON"]) for r in tables["social_worker"]] \
        == [("B", "W1", "20/01/2023", "01/07/2023", "FCONTA"), ("B", "W2", "03/07/2023", "", "LEFTRL"),
            ("D", "W1", "01/05/2023", "", "FCONTA"), ("F", "W1", "01/06/2023", "01/02/2024", "FCONTA")]


def test_previous_permanence_for_each_child_starting_care_in_the_year(written):
    """Rule 630: a child starting a period of care in the year has a previous permanence row: Z1 when none is
    recorded (B's period began before the year)."""
    _, tables = written
    assert [(r["CHILD"], r["PREV_PERM"]) for r in tables["previous_permanence"]] == [("D", "Z1")]


def test_header_upn_and_motherhood(written):
    """Rules 442, 393, 607, 165 and 628: UPN (or its UN code) as held; a girl looked after in the year has MOTHER
    1 with MC_DOB when her child was born by 31 March, none for a care leaver not looked after in the year (E,
    whose child was born later anyway); boys none."""
    _, tables = written
    assert [(r["CHILD"], r["UPN"], r["MOTHER"], r["MC_DOB"]) for r in tables["header"]] == [
        ("B", "D935200022000", "", ""), ("D", "UN1", "", ""), ("E", "", "", ""), ("F", "D935200022000", "", ""),
        ("H", "", "1", "01/02/2023")]


def test_episode_postcodes_urn_and_why_the_placement_changed(written):
    """Rules 392a/b, 169, 218 and 225: postcodes and URN as held; REASON_PLACE_CHANGE on an episode that ended
    in the year (an end after it is not yet known)."""
    _, tables = written
    assert [(r["HOME_POST"], r["PL_POST"], r["URN"], r["REASON_PLACE_CHANGE"]) for r in tables["episodes"][:2]] == [
        ("IP1 1FG", "IP3 BAA", "SC123456", "CARPL"), ("IP1 1FG", "IP3 BAA", "SC123456", "")]


def test_the_return_reads_back(written, tmp_path_factory):
    """The SSDA903 reader takes the return's UPN, MOTHER, MC_DOB, postcodes, URN and reason back."""
    from clearsight.formats.detect import read_sources
    from clearsight.store.database import connect
    from clearsight.store.load import load

    out, _ = written
    con = connect(tmp_path_factory.mktemp("back") / "cs.duckdb")
    report = load(con, read_sources([out], "auto", con, YEAR_END))
    assert report.status == "loaded", [str(p) for p in report.rejected]
    assert con.execute("SELECT upn, mother, mother_child_dob FROM child WHERE child_id = 'H'").fetchall() == [
        (None, True, date(2023, 2, 1))]
    assert con.execute("SELECT placement_change_reason, home_postcode, placement_postcode, placement_urn "
                       "FROM cla_episode WHERE child_id = 'B' ORDER BY start_date").fetchall() == [
        ("CARPL", "IP1 1FG", "IP3 BAA", "SC123456"), (None, "IP1 1FG", "IP3 BAA", "SC123456")]


def test_upn_check_letter():
    """DfE's UPN guide: weights 2-13 on characters 2-13, remainder mod 23 indexes ABCDEFGHJKLMNPQRTUVWXYZ. For
    935 2000 22 000: 9x2 + 3x3 + 5x4 + 2x5 + 2x9 + 2x10 = 95 = 4 x 23 + 3, so D."""
    from clearsight.synth.returns import upn

    assert upn(0, 2022) == "D935200022000"


def test_a_year_must_end_on_31_march(tmp_path):
    with pytest.raises(ValueError, match="31 March"):
        write_ssda903(None, None, tmp_path, date(2024, 4, 30))  # type: ignore[arg-type]


def test_an_adoption_decision_of_an_earlier_period_is_not_the_years(tmp_path):
    """Rule 1003: J was adopted in 2020 (decision December 2019) and came back into care in March 2024: that
    decision is not this return's; K's, made in the care K is still in, is."""
    b = CouncilBuilder(extract_date=date(2024, 6, 30))
    b.team("T", service="cla")
    for child in "JK":
        b.add("child", child_id=child, sex="M", dob=date(2016, 7, 16), upn="D935200022000")
    _episode(b, "J", "PJ1", date(2018, 11, 1), "S", date(2020, 4, 17), "E11")
    _episode(b, "J", "PJ2", date(2024, 3, 4), "S")
    _episode(b, "K", "PK", date(2022, 5, 1), "S")
    b.add("adoption", adoption_id="AJ", child_id="J", decision_date=date(2019, 12, 26))
    b.add("adoption", adoption_id="AK", child_id="K", decision_date=date(2023, 1, 10))
    loaded = b.load(tmp_path)
    write_ssda903(loaded.con, loaded.snapshot, tmp_path / "903", YEAR_END)
    rows = list(csv.DictReader(open(tmp_path / "903" / "SSDA903_placed_for_adoption.csv")))
    assert [(r["CHILD"], r["DATE_PLACED"]) for r in rows] == [("K", "10/01/2023")]
