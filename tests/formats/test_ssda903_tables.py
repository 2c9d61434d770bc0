"""The SSDA903 tables beyond episodes (missing, UASC, placed for adoption, AD1, previous permanence) are read into
canonical tables, written back by the 903 writer, and read again to the same rows."""

from __future__ import annotations

from datetime import date

from clearsight.formats.detect import read_sources
from clearsight.formats.ssda903_writer import write_ssda903
from clearsight.store.database import connect
from clearsight.store.load import load
from clearsight.store.snapshots import get_snapshot

FILES = {
    "header.csv": ["CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB", "1,1,01/01/2008,WBRI,,,", "2,2,02/02/2020,WBRI,,,"],
    "episodes.csv": ["CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN",
                     "1,01/05/2022,S,V2,N1,U1,PR1,,,,,,", "2,01/03/2021,S,C2,N1,A4,PR1,01/03/2023,E11,,,,"],
    "missing.csv": ["CHILD,DOB,MISSING,MIS_START,MIS_END", "1,01/01/2008,M,01/06/2022,03/06/2022",
                    "1,01/01/2008,a,01/07/2022,"],
    "uasc.csv": ["CHILD,SEX,DOB,DUC", "1,1,01/01/2008,01/01/2026"],
    "placed.csv": ["CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED", "2,02/02/2020,01/06/2021,,"],
    "ad1.csv": ["CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR",
                "2,02/02/2020,01/06/2021,01/09/2022,0,2,MF,L0"],
    "prev_perm.csv": ["CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM", "1,01/01/2008,P2,352,ZZ/ZZ/2015"],
}
TABLES = {
    "missing_episode": "SELECT child_id, kind, start_date, end_date FROM missing_episode WHERE snapshot_id = ? "
                       "ORDER BY ALL",
    "uasc": "SELECT child_id, ceased_date FROM uasc WHERE snapshot_id = ?",
    "adoption": "SELECT child_id, decision_date, decision_ceased_date, ceased_reason, matched_date, "
                "adopted_by_foster_carer, adopters, adopters_sex, adopters_legal_status FROM adoption "
                "WHERE snapshot_id = ?",
    "previous_permanence": "SELECT child_id, arrangement, order_date, council_code FROM previous_permanence "
                           "WHERE snapshot_id = ?",
    "child": "SELECT child_id, uasc FROM child WHERE snapshot_id = ? ORDER BY 1",
}


def test_read_write_and_read_again(tmp_path):
    source = tmp_path / "903"
    source.mkdir()
    for name, lines in FILES.items():
        (source / name).write_text("\n".join(lines) + "\n")
    con = connect(tmp_path / "cs.duckdb")
    first = load(con, read_sources([source], "auto", con, date(2023, 3, 31)))
    assert first.status == "loaded", [str(p) for p in first.rejected]
    read = {t: con.execute(sql, [first.snapshot_id]).fetchall() for t, sql in TABLES.items()}
    assert read == {
        "missing_episode": [("1", "A", date(2022, 7, 1), None), ("1", "M", date(2022, 6, 1), date(2022, 6, 3))],
        "uasc": [("1", date(2026, 1, 1))],  # DUC may lie after the extract date: the 18th birthday
        # the placed-for-adoption and AD1 rows of child 2's decision of 1 June 2021 are one adoption
        "adoption": [("2", date(2021, 6, 1), None, None, date(2022, 9, 1), False, 2, "MF", "L0")],
        "previous_permanence": [("1", "P2", "ZZ/ZZ/2015", "352")],  # a partly unknown date, as recorded
        "child": [("1", True), ("2", None)],
    }
    assert not any("no canonical table holds them" in n for n in first.notes)
    out = tmp_path / "written"
    counts = write_ssda903(con, get_snapshot(con, first.snapshot_id), out)
    assert {t: counts[t] for t in ("missing", "uasc", "placed_for_adoption", "ad1", "previous_permanence")} == {
        "missing": 2, "uasc": 1, "placed_for_adoption": 1, "ad1": 1, "previous_permanence": 1}
    again = load(con, read_sources([out], "auto", con, date(2023, 3, 31), council="again"))
    assert again.status == "loaded", [str(p) for p in again.rejected]
    assert {t: con.execute(sql, [again.snapshot_id]).fetchall() for t, sql in TABLES.items()} == read
