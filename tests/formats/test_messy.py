"""Files as real systems write them: merged title rows, renamed headers, serial dates, BOMs, CRLF, stray spaces."""

from __future__ import annotations

from datetime import date

import pytest
import xlsxwriter

from clearsight.formats.detect import read_sources
from clearsight.formats.errors import ReaderError
from clearsight.store.database import connect
from clearsight.store.load import load


def _workbook(path, sheets: dict[str, list[list[object]]], merged_title: bool = False):
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        start = 0
        if merged_title:
            ws.merge_range(0, 0, 0, 4, f"{name}: extract for inspection")
            start = 2  # a blank row between title and header
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(start + r, c, v)
    wb.close()
    return path


LIST6 = ["  child unique id ", "SEX", "Ethnicity", "Date of birth", "CIN start date", "Primary need code",
         "CIN Closure Date", "Allocated  Team", "allocated worker", "Local Notes"]


def test_messy_annex_a_loads(tmp_path):
    rows6 = [LIST6,
             [101, "a) Male", "a) WBRI", 40000, "01/09/2023", "N1 - Abuse or neglect", None, "CIN Team 1", "Sam  Smith", "x"],
             ["102 ", "b) female", "WBRI ", "2015-05-05", 45170, "n2", "", " CIN Team 1 ", "Sam Smith", None],
             [103, "c) Not stated/recorded", "", "", "2023-10-01", "N3", "", "CIN Team 1", "", None],
             [None] * 10, [None] * 10]
    rows8 = [["Child Unique ID", "Gender", "Date Started to be Looked After", "Child's Legal Status",
              "Date Ceased to be Looked After", "Placement Type", "Allocated Team", "Allocated Worker"],
             [101, "Male", "2023-09-15", "C2: Full care order", "", "u4 ", "Children in Care", "Ana Lee"]]
    path = _workbook(tmp_path / "aa.xlsx", {"LIST 6": rows6, "list8": rows8, "List 9 ": [["Child Unique ID", "Gender"]]},
                     merged_title=True)
    con = connect(tmp_path / "cs.duckdb")
    report = load(con, read_sources([path], "annex-a", con, date(2023, 12, 1)))
    assert report.status == "loaded", [str(p) for p in report.rejected]
    assert con.execute("SELECT child_id, sex, ethnicity, dob FROM child ORDER BY 1").fetchall() == [
        ("101", "M", "WBRI", date(2009, 7, 6)), ("102", "F", "WBRI", date(2015, 5, 5)), ("103", "U", None, None)]
    assert con.execute("SELECT child_id, referral_date, primary_need FROM episode ORDER BY 1").fetchall() == [
        ("101", date(2023, 9, 1), "N1"), ("102", date(2023, 9, 1), "N2"), ("103", date(2023, 10, 1), "N3")]
    # one current allocation per open case: List 8 wins for child 101; 'Sam  Smith' and 'Sam Smith' are one name
    allocs = con.execute("SELECT a.child_id, w.name, t.name, t.service FROM allocation a LEFT JOIN worker w "
                         "USING (worker_id) JOIN team t USING (team_id) ORDER BY 1").fetchall()
    assert allocs == [("101", "Ana Lee", "Children in Care", "cla"), ("102", "Sam Smith", "CIN Team 1", "cin"),
                      ("103", None, "CIN Team 1", "cin")]
    assert con.execute("SELECT legal_status, placement_type FROM cla_episode").fetchall() == [("C2", "U4")]
    assert any("columns not used: Local Notes" in n for n in report.notes)


def test_annex_a_bad_date_names_sheet_row_and_column(tmp_path):
    rows = [LIST6, [101, "Male", "WBRI", "2010-01-01", "31/02/2023", "N1", "", "T", "W", None],
            [102, "Male", "WBRI", "2010-01-01", "2023-02-01", "N1", "", "T", "W", None]]
    path = _workbook(tmp_path / "aa.xlsx", {"List 6": rows, "List 7": [], "List 8": []})
    con = connect(tmp_path / "cs.duckdb")
    report = load(con, read_sources([path], "auto", con, date(2023, 12, 1)))
    assert report.status == "loaded_with_rejections"
    problem, *knock_on = report.rejected  # then the row's allocation, whose episode was left out
    assert all(p.rows == (2,) and "refers to a episode" in p.message for p in knock_on)
    assert str(problem).startswith("aa.xlsx, List 6: row 2, column 'CIN start date (referral_date)': expected a date")
    assert con.execute("SELECT child_id FROM episode").fetchall() == [("102",)]


def test_annex_a_without_child_id_column_is_a_clear_error(tmp_path):
    path = _workbook(tmp_path / "aa.xlsx", {"List 6": [["Gender", "CIN Start Date", "Primary Need Code"]],
                                            "List 7": [], "List 8": []})
    with pytest.raises(ReaderError, match=r"aa.xlsx, List 6, row 1, column 'Child Unique ID'"):
        read_sources([path], "annex-a", None, date(2023, 12, 1))


def test_ssda903_bom_crlf_spaces_and_repeated_years(tmp_path):
    header = "\ufeffCHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\n 1 ,1,01/01/2010, wbri ,,,\r\n2,2,2011-02-02,WBRI,,,\r\n\r\n"
    (tmp_path / "header_2023.csv").write_bytes(header.encode())
    (tmp_path / "header_2024.csv").write_bytes(header.encode())  # the same rows again next year
    eps = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN,EXTRA\r\n"
    eps += "1,01/03/2023,s,c2 ,N1,U1,PR1,,,,,,,x\r\n2,45000,S,J2,N1,U4,PR1,,,,,,,\r\n2,02/05/2023,p,J2,N1,U4,PR1,,,,,,,\r\n"
    (tmp_path / "episodes.csv").write_bytes(eps.encode())
    sw = "CHILD,SW_ID,SW_DECOM,SW_REASON\n1,SW1,01/03/2023,\n1,SW2,01/06/2023,CHCAS\n"
    (tmp_path / "social_worker.csv").write_text(sw)
    con = connect(tmp_path / "cs.duckdb")
    report = load(con, read_sources([tmp_path], "auto", con, date(2023, 12, 1)))
    assert report.status == "loaded", [str(p) for p in report.rejected]
    assert con.execute("SELECT child_id, ethnicity FROM child ORDER BY 1").fetchall() == [("1", "WBRI"), ("2", "WBRI")]
    assert any("header: 2 rows repeat a record (same CHILD) of a later year's return" in n for n in report.notes)
    assert con.execute("SELECT child_id, start_date, start_reason, legal_status, period_id FROM cla_episode "
                       "ORDER BY 1, 2").fetchall() == [
        ("1", date(2023, 3, 1), "S", "C2", "1:2023-03-01"), ("2", date(2023, 3, 15), "S", "J2", "2:2023-03-15"),
        ("2", date(2023, 5, 2), "P", "J2", "2:2023-03-15")]
    assert con.execute("SELECT worker_id, start_date, end_date FROM allocation ORDER BY start_date").fetchall() == [
        ("SW1", date(2023, 3, 1), date(2023, 6, 1)), ("SW2", date(2023, 6, 1), None)]


def test_ssda903_malformed_line_is_reported_with_its_line(tmp_path):
    (tmp_path / "h.csv").write_text("CHILD,SEX,DOB,ETHNIC\n1,1,01/01/2010,WBRI\n2,1,01/01/2010\n")
    con = connect(tmp_path / "cs.duckdb")
    report = load(con, read_sources([tmp_path / "h.csv"], "ssda903", con, date(2023, 12, 1)))
    assert any(p.file == "h.csv" and p.rows == (3,) for p in report.rejected)
    assert con.execute("SELECT child_id FROM child").fetchall() == [("1",)]


def test_cin_xml_mixed_case_booleans_and_bad_date(tmp_path):
    xml = """<Message><Header><CollectionDetails><Collection>CIN</Collection><ReferenceDate>2023-03-31</ReferenceDate>
    </CollectionDetails></Header><Children><Child><ChildIdentifiers><LAchildID> A1 </LAchildID>
    <GenderCurrent>2</GenderCurrent></ChildIdentifiers><CINdetails><CINreferralDate>2022-05-01</CINreferralDate>
    <ReferralNFA>FALSE</ReferralNFA></CINdetails><CINdetails><CINreferralDate>2022-13-01</CINreferralDate>
    </CINdetails></Child></Children></Message>"""
    (tmp_path / "cin.xml").write_text(xml)
    con = connect(tmp_path / "cs.duckdb")
    report = load(con, read_sources([tmp_path / "cin.xml"], "auto", con))
    assert con.execute("SELECT child_id, referral_nfa FROM episode").fetchall() == [("A1", False)]
    [bad] = report.rejected
    assert bad.file == "cin.xml" and bad.rows == (4,) and "expected a date" in bad.message


def test_annex_a_cells_equal_in_python_but_of_different_types_normalise_apart():
    """Columns are normalised once per distinct value; 1, 1.0 and True are one dict key but not one cell."""
    from datetime import date as day

    from clearsight.formats.annex_a import _normalise
    from clearsight.formats.cells import iso_date, text

    cells = [1, 1.0, True, "1", "", None, 45170, 45170.0, day(2023, 9, 1), " 7 "]
    assert _normalise(cells, text).to_pylist() == [text(c) or None for c in cells]
    assert _normalise(cells, iso_date).to_pylist() == [iso_date(c) or None for c in cells]


def test_screened_rows_reach_the_loader_parsed(tmp_path):
    """A reader's rows are checked once, by screening; the loader writes the parsed values it was handed."""
    rows6 = [LIST6, [101, "Male", "WBRI", "01/02/2010", "2023-09-01", "N1", "", "CIN Team 1", "Sam Smith", None]]
    path = _workbook(tmp_path / "aa.xlsx", {"List 6": rows6, "List 7": [], "List 8": []})
    con = connect(tmp_path / "cs.duckdb")
    extract = read_sources([path], "annex-a", con, date(2023, 12, 1))
    assert extract.screened
    child = extract.tables["child"]
    assert child["dob__v"].to_pylist() == [date(2010, 2, 1)]
    assert {"source_file", "source_row"} <= set(child.column_names)
    report = load(con, extract)
    assert report.status == "loaded"
    assert report.tables["child"]["completeness"]["dob"] == 1.0
    assert con.execute("SELECT dob, source_file, source_row FROM child").fetchall() == [
        (date(2010, 2, 1), "aa.xlsx, List 6", 2)]


def test_when_screening_does_not_settle_the_loader_checks_everything_itself(tmp_path, monkeypatch):
    """Screening hands over parsed rows only when its checks converged; otherwise canonical text, re-checked."""
    import clearsight.formats.screen as screen

    monkeypatch.setattr(screen, "_MAX_PASSES", 0)
    rows6 = [LIST6, [101, "Male", "WBRI", "01/02/2010", "2023-09-01", "N1", "", "CIN Team 1", "Sam Smith", None]]
    path = _workbook(tmp_path / "aa.xlsx", {"List 6": rows6, "List 7": [], "List 8": []})
    con = connect(tmp_path / "cs.duckdb")
    extract = read_sources([path], "annex-a", con, date(2023, 12, 1))
    assert not extract.screened and "dob" in extract.tables["child"].column_names
    report = load(con, extract)
    assert report.status == "loaded", [str(p) for p in report.problems]
    assert con.execute("SELECT dob FROM child").fetchall() == [(date(2010, 2, 1),)]
