"""The CIN census writer: Eastmere's children in need in the census year, written as DfE's XML and read back by
the CIN census reader, are the same children (UPN or UPNunknown too), episodes, assessments, plans, enquiries and
conferences."""

from __future__ import annotations

from datetime import date

import pytest

from clearsight.formats.cin_census_writer import reference_date, write_cin_census
from clearsight.formats.detect import read_sources
from clearsight.store.database import connect
from clearsight.store.load import load, load_extract
from clearsight.store.snapshots import get_snapshot


@pytest.mark.parametrize("day, expected", [
    (date(2025, 3, 31), date(2025, 3, 31)), (date(2025, 3, 30), date(2024, 3, 31)),
    (date(2024, 12, 15), date(2024, 3, 31)), (date(2025, 4, 1), date(2025, 3, 31))])
def test_the_reference_date_is_the_31_march_ending_the_census_year(day, expected):
    assert reference_date(day) == expected


@pytest.fixture(scope="module")
def eastmere(tmp_path_factory, small_eastmere):
    root = tmp_path_factory.mktemp("cin_writer")
    con = connect(root / "cs.duckdb")
    assert load_extract(con, small_eastmere).status == "loaded"
    return root, con, get_snapshot(con)


def _known(column: str) -> str:
    """An end date as the census knows it: blank when after the reference date."""
    return f"CASE WHEN {column} <= $ref THEN {column} END"


# What the census carries, as the reader names records (child and date, not the case system's ids); IN_YEAR keeps
# the episodes open in the census year, and the dates after the reference date are not yet known to it; the
# records written are those open at some time in the year.
IN_YEAR = ("(SELECT * FROM episode WHERE snapshot_id = $s AND referral_date <= $ref "
           "AND (close_date IS NULL OR close_date >= $first))")
CARRIED = {
    "episode": f"""SELECT child_id, referral_date, referral_source, primary_need, referral_nfa,
        CASE WHEN close_date <= $ref THEN close_date END, CASE WHEN close_date <= $ref THEN close_reason END
        FROM {IN_YEAR} e""",
    "child": f"SELECT child_id, sex, dob, ethnicity, upn FROM child WHERE snapshot_id = $s "
             f"AND child_id IN (SELECT child_id FROM {IN_YEAR})",
    "assessment": f"SELECT a.child_id, e.referral_date, a.start_date, {_known('a.authorised_date')} FROM assessment a "
                  f"JOIN {IN_YEAR} e USING (episode_id) WHERE a.snapshot_id = $s AND a.start_date <= $ref "
                  "AND (a.authorised_date IS NULL OR a.authorised_date >= $first)",
    "cp_plan": f"SELECT p.child_id, e.referral_date, p.start_date, {_known('p.end_date')}, p.initial_category, "
               f"p.latest_category FROM cp_plan p JOIN {IN_YEAR} e USING (episode_id) "
               "WHERE p.snapshot_id = $s AND p.start_date <= $ref AND (p.end_date IS NULL OR p.end_date >= $first)",
    # an enquiry is the census's when its conference is in the year, else when it is open in the year
    "s47": f"SELECT s.child_id, e.referral_date, s.strategy_date, s.icpc_required FROM s47 s "
           f"JOIN {IN_YEAR} e USING (episode_id) LEFT JOIN icpc i ON i.snapshot_id = $s AND i.s47_id = s.s47_id "
           "WHERE s.snapshot_id = $s AND s.strategy_date <= $ref AND CASE WHEN i.conference_date IS NOT NULL "
           "THEN i.conference_date BETWEEN $first AND $ref ELSE s.end_date IS NULL OR s.end_date >= $first END",
}
BACK = {  # the same, read back (episode dates found through the reader's episode ids)
    "episode": "SELECT child_id, referral_date, referral_source, primary_need, referral_nfa, close_date, close_reason "
               "FROM episode WHERE snapshot_id = $s",
    "child": "SELECT child_id, sex, dob, ethnicity, upn FROM child WHERE snapshot_id = $s",
    "assessment": "SELECT a.child_id, e.referral_date, a.start_date, a.authorised_date FROM assessment a JOIN "
                  "episode e USING (episode_id, snapshot_id) WHERE a.snapshot_id = $s",
    "cp_plan": "SELECT p.child_id, e.referral_date, p.start_date, p.end_date, p.initial_category, p.latest_category "
               "FROM cp_plan p JOIN episode e USING (episode_id, snapshot_id) WHERE p.snapshot_id = $s",
    "s47": "SELECT s.child_id, e.referral_date, s.strategy_date, s.icpc_required FROM s47 s JOIN episode e "
           "USING (episode_id, snapshot_id) WHERE s.snapshot_id = $s",
}


@pytest.mark.parametrize("as_at", [None, date(2024, 3, 31)], ids=["extract-date", "2023-24"])
def test_eastmere_round_trips_through_the_cin_census(eastmere, as_at):
    root, con, canonical = eastmere
    ref = reference_date(as_at or canonical.extract_date)
    counts = write_cin_census(con, canonical, root / "cin", as_at)
    assert counts["episodes"] > 100 and counts["cp_plans"] > 10
    report = load(con, read_sources([root / "cin" / f"cin_census_{ref}.xml"], "auto", con))
    assert report.status == "loaded", [str(p) for p in report.rejected][:5]
    back = get_snapshot(con, report.snapshot_id)
    assert back.extract_date == ref
    params = {"s": canonical.snapshot_id, "ref": ref, "first": date(ref.year - 1, 4, 1)}
    for table, sql in CARRIED.items():
        before = sorted(con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).fetchall())
        after = sorted(con.execute(BACK[table], {"s": back.snapshot_id}).fetchall())
        assert before and after == before, table
