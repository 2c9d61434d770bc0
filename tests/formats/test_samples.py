"""The public sample files under ../shared/external/ load, and their figures are what the files say."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from clearsight.cli import app
from clearsight.formats.detect import detect, read_sources
from clearsight.store.database import connect
from clearsight.store.load import load

EXTERNAL = Path(__file__).resolve().parents[3] / "shared" / "external"
assert EXTERNAL.is_dir(), f"the shared sample extracts are missing: expected ../shared beside the checkout ({EXTERNAL})"
ANNEX_A = EXTERNAL / "annex_a" / "Annex_A_2024_Jan.xlsx"
CIN = EXTERNAL / "cin_census" / "BAR_cin_2022.xml"
CSWW = EXTERNAL / "csww" / "social_work_workforce_2022.xml"
SSDA903 = EXTERNAL / "ssda903"



def _load(tmp_path, *paths, **kw):
    con = connect(tmp_path / "cs.duckdb")
    report = load(con, read_sources(list(paths), "auto", con, **kw))
    return con, report


def _count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_detects_every_sample():
    found = detect([ANNEX_A, CIN, CSWW, SSDA903])
    assert found["annex-a"] == [ANNEX_A] and found["cin"] == [CIN] and found["csww"] == [CSWW]
    assert sorted(p.name for p in found["ssda903"]) == ["SSDA903_2020_episodes.csv", "SSDA903_2020_header.csv"]


def test_annex_a_sample(tmp_path):
    con, report = _load(tmp_path, ANNEX_A)
    assert report.status == "loaded_with_rejections"
    assert report.extract_date == date(2021, 3, 2)  # latest event date: List 7 visit/plan dates
    assert any("inferred" in n for n in report.notes)
    counts = {t: _count(con, t) for t in ("child", "contact", "episode", "cp_plan", "cla_episode", "care_leaver",
                                          "allocation", "worker", "team", "s47")}
    assert counts == {"child": 43, "contact": 5, "episode": 23, "cp_plan": 7, "cla_episode": 5, "care_leaver": 6,
                      "allocation": 6, "worker": 7, "team": 8, "s47": 1}
    # values read off the workbook
    assert con.execute("SELECT sex, dob FROM child WHERE child_id = '9212044'").fetchone() == ("F", date(2015, 1, 25))
    assert con.execute("SELECT source FROM contact WHERE child_id = '6217392'").fetchone() == ("1B",)
    assert con.execute("SELECT legal_status, placement_type, placement_provider FROM cla_episode "
                       "WHERE child_id = '1761444'").fetchone() == ("E1", "U6", "PR4")
    assert con.execute("SELECT initial_category FROM cp_plan WHERE child_id = '10721552'").fetchone() == ("PHY",)
    # the non-breaking space in 'Dustin\xa0Hazlett' is read as a space
    assert con.execute("SELECT count(*) FROM worker WHERE name = 'Eugene Swift'").fetchone() == (1,)
    # List 4's children have no episode in List 3 or 6: left out, each named by sheet, row and column
    [list4] = [p for p in report.rejected if p.file.endswith("List 4")]
    assert list4.rows == (2, 3, 4, 5, 6) and list4.column == "Child Unique ID"
    assert any("'Primary Need Code' (primary_need)" in n and "PSRMEM" in n for n in report.notes)
    assert any("List 10 (adoption): 5 rows read" in n for n in report.notes)


def test_ssda903_sample(tmp_path):
    con, report = _load(tmp_path, SSDA903)
    # the sample repeats CHILD 689661 three times with different birth dates: nothing can be trusted for it
    problems = {(p.file, p.column, p.message.split(":")[0]) for p in report.rejected}
    assert ("SSDA903_2020_header.csv", "CHILD (child_id)", "duplicate key") in problems
    assert ("SSDA903_2020_episodes.csv", "LS (legal_status)", "a value is required") in problems
    assert report.extract_date == date(2019, 9, 26)
    assert _count(con, "cla_episode") == 0 and _count(con, "child") == 0
    assert any("'*DUMMY*'" in n for n in report.notes)


def test_ssda903_sample_episodes_with_a_clean_header(tmp_path):
    header = tmp_path / "header.csv"
    header.write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n689661,1,11/07/2015,WBRI,,,\n249901,2,01/01/2010,WBRI,,,\n")
    con, report = _load(tmp_path, header, SSDA903 / "SSDA903_2020_episodes.csv")
    rows = con.execute("SELECT child_id, start_date, legal_status, period_id FROM cla_episode ORDER BY 1, 2").fetchall()
    # row 3 (RNE S, 02/12/2018) starts the period but has no legal status, so it is left out itself
    assert rows == [
        ("249901", date(2019, 3, 30), "J3", "249901:2019-03-30"),
        ("249901", date(2019, 4, 10), "V3", "249901:2019-03-30"),
        ("689661", date(2018, 12, 11), "V4", "689661:2018-12-02"),
        ("689661", date(2019, 5, 16), "J2", "689661:2019-05-16"),  # after an E15 end: a new period
    ]


def test_cin_census_sample(tmp_path):
    con, report = _load(tmp_path, CIN)
    assert report.status == "loaded" and report.extract_date == date(2022, 3, 31) and report.council == "LA 201"
    assert con.execute("SELECT child_id, sex, dob, death_date, disability FROM child").fetchall() == [
        ("DfEX0000001", "M", date(1966, 3, 24), date(1980, 10, 8), True)]
    assert con.execute("SELECT referral_date, referral_source, primary_need, close_reason, referral_nfa "
                       "FROM episode").fetchall() == [(date(1970, 10, 6), "1A", "N4", "RC1", False)]
    assert con.execute("SELECT start_date, authorised_date FROM assessment").fetchall() == [
        (date(1970, 6, 3), date(1971, 7, 18))]
    assert con.execute("SELECT target_date, conference_date FROM icpc").fetchall() == [
        (date(1970, 6, 23), date(1970, 2, 11))]
    assert con.execute("SELECT start_date, end_date, latest_category FROM cp_plan").fetchall() == [
        (date(1970, 2, 17), date(1971, 3, 14), "PHY")]
    assert con.execute("SELECT kind, held_date FROM review").fetchall() == [("CP", date(1971, 2, 15))]
    assert _count(con, "cin_plan") == 1 and _count(con, "s47") == 1


def test_workforce_census_sample(tmp_path):
    con, report = _load(tmp_path, CSWW)
    assert report.extract_date == date(2022, 9, 30) and report.council == "LA 301"
    assert report.status == "loaded_with_rejections"  # RoleStartDate missing or after the reference date
    assert _count(con, "worker") == 9 and _count(con, "worker_post") == 9
    assert con.execute("SELECT employment, fte FROM worker JOIN worker_post USING (worker_id) "
                       "WHERE worker_id = 'nH9419631053'").fetchone() == ("agency", 0.133587)
    starts = [p for p in report.rejected if p.column.startswith("RoleStartDate")]
    assert starts and all("row" in str(p) for p in starts)


def test_workforce_census_leaving_date_is_the_last_day_of_service(tmp_path):
    """RoleEndDate is the last day of service: the worker's end date (the schema's last day) as written, and
    the post's end the day after, so the leaver is in post on that day and not the next."""
    con, _report = _load(tmp_path, CSWW, extract_date=date(2023, 3, 31))
    row = con.execute("SELECT w.end_date, p.end_date FROM worker w JOIN worker_post p USING (worker_id) "
                      "WHERE worker_id = 'JJ3661684122'").fetchone()  # RoleEndDate 2023-03-28
    assert row == (date(2023, 3, 28), date(2023, 3, 29))


def test_workforce_census_with_a_later_extract_date_loads_more(tmp_path):
    _con, report = _load(tmp_path, CSWW, extract_date=date(2023, 3, 31))
    assert report.tables["worker"]["rows"] == 26  # only the 4 with no RoleStartDate left out


def test_cli_loads_samples_together_and_once(tmp_path):
    runner = CliRunner()
    args = ["--db", str(tmp_path / "cs.duckdb"), "load", str(ANNEX_A), str(CIN), "--extract-date", "2022-03-31",
            "--council", "Sample"]
    first = runner.invoke(app, args)
    assert first.exit_code == 1, first.output  # loaded, with rows left out
    assert "Loaded snapshot 1: Sample, extract date 2022-03-31" in first.output
    assert "List 4: rows 2, 3, 4, 5, 6, column 'Child Unique ID'" in first.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "Already loaded as snapshot 1" in again.output


def test_cli_export_annex_a_and_ssda903(tmp_path):
    runner = CliRunner()
    db = ["--db", str(tmp_path / "cs.duckdb")]
    assert runner.invoke(app, [*db, "load", str(CIN)]).exit_code == 0
    result = runner.invoke(app, [*db, "export", str(tmp_path / "out.xlsx"), "--format", "annex-a"])
    assert result.exit_code == 0 and "List 6 0" in result.output  # its one episode closed in 1971
    result = runner.invoke(app, [*db, "export", str(tmp_path / "903"), "--format", "ssda903"])
    assert result.exit_code == 0 and (tmp_path / "903" / "SSDA903_episodes.csv").is_file()


def test_cli_unreadable_input_is_a_clear_error(tmp_path):
    bad = tmp_path / "broken.xml"
    bad.write_text("<Message><Children>")
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "cs.duckdb"), "load", str(bad), "--format", "cin"])
    assert result.exit_code == 2
    assert "broken.xml" in result.output and "not well-formed XML" in result.output and "unchanged" in result.output
