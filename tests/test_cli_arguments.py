"""The defects a new user found (issue 14), each pinned: honest arguments, safe output, one unit convention."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pyarrow as pa
import pytest
from council_builder import CouncilBuilder
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from clearsight import __version__
from clearsight.canonical.words import words
from clearsight.cli import app
from clearsight.reports.kpi_columns import kpi_column

runner = CliRunner()
MARKUP_TEAM = "[/]"
FORMULA_TEAM = '=HYPERLINK("http://example.invalid","x")'


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """Two teams with hostile names and one ordinary one; each has a worker holding cases, one child waits."""
    tmp = tmp_path_factory.mktemp("arguments")
    b = CouncilBuilder(extract_date=date(2023, 12, 31))
    for team_id, name in (("T1", MARKUP_TEAM), ("T2", FORMULA_TEAM), ("T3", "North \x1b[31mChild\x1b[0m in Need")):
        b.team(team_id, name)
        worker = b.worker(team_id)
        for _ in range(3):
            child, _ep = b.case(team_id, date(2023, 6, 1))
            b.allocate(child, worker, team_id, date(2023, 6, 2))
    b.case("T3", date(2023, 12, 1))
    path = tmp / "cs.duckdb"
    assert run(path, "load", str(b.write(tmp / "extract"))).exit_code == 0
    return path


def run(db, *args):
    return runner.invoke(app, ["--db", str(db), *args], catch_exceptions=False)


def test_an_unknown_team_is_an_error_naming_the_near_matches(db):
    result = run(db, "position", "--team", "North Child in Ned")
    assert result.exit_code == 2
    assert "no team named 'North Child in Ned'" in result.output and "did you mean" in result.output
    assert "0 children" not in result.output


def test_an_unknown_kpi_or_section_lists_what_exists(db):
    kpi = run(db, "kpi", "cp_visit")
    assert kpi.exit_code == 2 and "'cp_visits'" in kpi.output
    section = run(db, "position", "--format", "csv", "--section", "nope")
    assert section.exit_code == 2 and "sections: waiting" in section.output


def test_names_from_the_data_are_printed_not_interpreted(db):
    result = run(db, "position", "--as-at", "2023-12-31", "--records")
    assert result.exit_code == 0, result.output
    assert MARKUP_TEAM in result.output
    i = result.output.find("\x1b")
    assert i < 0, repr(result.output[i - 300:i + 40])
    assert "North Child in Need" in result.output


def test_spreadsheet_cells_that_look_like_formulas_are_written_as_text(db, tmp_path):
    result = run(db, "position", "--as-at", "2023-12-31", "--format", "csv", "--section", "teams")
    teams = [r["team"] for r in csv.DictReader(io.StringIO(result.output))]
    assert "'" + FORMULA_TEAM in teams and FORMULA_TEAM not in teams
    out = tmp_path / "position.xlsx"
    assert run(db, "position", "--as-at", "2023-12-31", "--format", "xlsx", "--out", str(out)).exit_code == 0
    cells = [row[0] for row in CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Capacity by team").to_python()]
    assert "'" + FORMULA_TEAM in cells


def test_rates_are_percentages_with_one_decimal_and_counts_whole(db):
    result = run(db, "kpis", "--as-at", "2023-12-31", "--level", "team")
    assert result.exit_code == 0, result.output
    data = json.loads(run(db, "position", "--as-at", "2023-12-31", "--format", "json").output)
    assert data["headline"][0].startswith("1 child is waiting for a social worker")
    assert isinstance(data["sections"]["teams"]["rows"][0]["cases"], int)
    workforce = run(db, "workforce", "--period", "2023-01..2023-12")
    assert "turnover 0.0%" in workforce.output and "0.0 " not in workforce.output.split("turnover")[0]


def test_conflicting_options_are_refused(db):
    both = run(db, "workforce", "--period", "2023-01..2023-12", "--as-at", "2023-06-30")
    assert both.exit_code == 2 and "--period and --as-at" in both.output
    assert run(db, "position", "--out", "x.xlsx").exit_code == 2
    assert run(db, "kpis", "--team", MARKUP_TEAM, "--level", "service").exit_code == 2
    assert run(db, "kpi", "cp_visits", "--failing").exit_code == 2


def test_a_date_before_the_data_warns_and_lowers_the_grade(db):
    early = json.loads(run(db, "position", "--as-at", "2022-01-31", "--format", "json").output)
    later = json.loads(run(db, "position", "--as-at", "2023-12-31", "--format", "json").output)
    assert any("the data starts on" in w for w in early["warnings"])
    assert early["provenance"]["confidence"] > later["provenance"]["confidence"]  # "B" > "A": one grade lower


def test_bad_settings_and_paths_are_one_line_not_a_traceback(db, tmp_path):
    bad = tmp_path / "council.toml"
    bad.write_text("[caseload_standards.social_worker]\nlower = 'many'\n")
    result = runner.invoke(app, ["--db", str(db), "--config", str(bad), "position"])
    assert result.exit_code == 2 and "--config" in result.output and "Traceback" not in result.output
    missing = run(tmp_path / "nowhere" / "cs.duckdb", "position")
    assert missing.exit_code == 2 and "no Clearsight database here" in missing.output
    nodir = run(tmp_path / "nowhere" / "cs.duckdb", "load", str(tmp_path))
    assert nodir.exit_code == 2 and "directory does not exist" in nodir.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_a_database_of_several_councils_needs_council(tmp_path):
    path = tmp_path / "two.duckdb"
    for name, children in (("Northshire", 2), ("Southshire", 5)):
        b = CouncilBuilder(extract_date=date(2023, 12, 31), council=name)
        b.team("T", "Team")
        for _ in range(children):
            b.case("T", date(2023, 12, 1))
        assert run(path, "load", str(b.write(tmp_path / name))).exit_code == 0
    which = run(path, "position")
    assert which.exit_code == 2 and "choose one with --council: Northshire, Southshire" in which.output
    south = runner.invoke(app, ["--db", str(path), "--council", "southshire", "position", "--format", "json"])
    assert json.loads(south.output)["headline"][0].startswith("5 children are waiting")


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    """Two teams of one name: T4 with one child waiting, T5 with two."""
    tmp = tmp_path_factory.mktemp("twins")
    b = CouncilBuilder(extract_date=date(2023, 12, 31))
    for team_id, waiting in (("T4", 1), ("T5", 2)):
        b.team(team_id, "Twin Team")
        b.worker(team_id)
        for _ in range(waiting):
            b.case(team_id, date(2023, 12, 1))
    path = tmp / "cs.duckdb"
    assert run(path, "load", str(b.write(tmp / "extract"))).exit_code == 0
    return path


def test_a_team_name_two_teams_share_asks_for_the_id(twins):
    result = run(twins, "position", "--team", "Twin Team")
    assert result.exit_code == 2
    assert "2 teams are named 'Twin Team' (T4, T5): give the team id" in result.output


def test_a_team_id_narrows_to_that_team_alone_when_its_name_is_shared(twins):
    result = run(twins, "position", "--team", "T5", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "2 children are waiting" in json.loads(result.output)["headline"][0]


def test_one_kpi_is_shown_in_words_not_column_names(db, tmp_path):
    """`kpi cp_visits` headed its columns 'denominator', 'numerator', 'seen alone in time' (a count set left as
    text) and repeated the council on every row; its records 'placement type' held codes (U4, K2), and a
    worker's supervision records led with role, team and service, leaving the due date and whether it was up to
    date off the terminal."""
    result = run(db, "kpi", "supervision", "--as-at", "2023-12-31")
    assert result.exit_code == 0, result.output
    header = result.output.split("┡")[0]
    assert "Counted" in header and "Up to date" in header and "Level" in header
    assert "denominator" not in header and "numerator" not in header and "council" not in header
    out = tmp_path / "supervision.xlsx"
    assert run(db, "kpi", "supervision", "--as-at", "2023-12-31", "--children", "--format", "xlsx", "--out",
               str(out)).exit_code == 0
    sheet = [s for s in CalamineWorkbook.from_path(str(out)).sheet_names if s != "About these figures"][0]
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(sheet).to_python()
    titles = next(r for r in rows if "Worker" in r)
    assert titles[:5] == ["Worker", "Up to date", "Due", "Working days overdue", "Days overdue"]
    assert titles[-2:] == ["Team", "Service"] and "last_supervision" not in titles
    placement = kpi_column("placement_type", pa.string(), "in_time")
    assert (placement.title, words(placement.vocabulary, "U4")) == ("Placement", "foster care, long term")
    assert kpi_column("seen_alone_in_time", pa.int64(), "in_time").unit == "count"
    assert kpi_column("numerator", pa.int64(), "repeat_plan").title == "Repeat plans"


def test_an_unknown_name_lists_the_names_holding_it_and_says_how_many_more_exist(db):
    """`--team North` listed the first twelve teams alphabetically (no North team among them); `kpi nope` cut the
    KPI list at twelve without saying so."""
    team = run(db, "position", "--team", "north")
    assert team.exit_code == 2 and "did you mean 'North" in team.output
    kpi = run(db, "kpi", "nope")
    assert kpi.exit_code == 2 and "and 5 more" in kpi.output  # 17 KPIs, 12 named
    listed = run(db, "position", "--team", "zzz")
    assert listed.exit_code == 2 and "North Child in Need" in listed.output and "\x1b" not in listed.output


def test_an_unknown_capacity_target_is_one_line_exit_2(db):
    """`capacity --target middle` printed pydantic's validation error and its web address, exit code 1."""
    result = run(db, "capacity", "--target", "middle")
    assert result.exit_code == 2
    assert result.output.strip() == "error: --target 'middle': expected upper, lower, mid"


def test_a_date_before_the_allocations_begin_warns(tmp_path):
    """Eastmere carries cases referred in 2004 while its allocations begin in October 2018: `position --as-at
    2010-01-01` showed 100 children waiting, longest 1,924 days, at confidence A with no warning."""
    b = CouncilBuilder(extract_date=date(2023, 12, 31))
    b.team("T1", "Alpha")
    worker = b.worker("T1")
    child, _ep = b.case("T1", date(2010, 1, 4))
    b.allocate(child, worker, "T1", date(2023, 1, 2))
    db = tmp_path / "cs.duckdb"
    assert run(db, "load", str(b.write(tmp_path / "extract"))).exit_code == 0
    early = json.loads(run(db, "position", "--as-at", "2015-01-01", "--format", "json").output)
    assert "the data starts on 2 Jan 2023: figures before then are incomplete" in early["warnings"]
    assert early["provenance"]["confidence"] == "B"


def test_one_team_disagreeing_is_one_team_in_words(tmp_path):
    """The team manager's position read 'on 30 Nov 2023 1 teams reported 0 unallocated cases; ... (1 teams
    differ)'."""
    b = CouncilBuilder(extract_date=date(2023, 12, 31))
    b.team("T", "Tango")
    b.case("T", date(2023, 11, 1))
    b.add("team_reported", report_id="R1", team_id="T", report_date=date(2023, 11, 30),
          measure="unallocated_cases", value=0)
    db = tmp_path / "cs.duckdb"
    assert run(db, "load", str(b.write(tmp_path / "extract"))).exit_code == 0
    result = run(db, "position", "--as-at", "2023-12-15", "--format", "json")
    assert ("Team returns disagree with the records: on 30 Nov 2023 1 team reported 0 unallocated cases; the "
            "records show 1 (1 team differs).") in json.loads(result.output)["headline"]
