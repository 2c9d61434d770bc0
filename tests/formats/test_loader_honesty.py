"""The loader says what it did not read and why, and never prints a child's date of birth (issue 15 item 5)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from clearsight.formats.detect import read_sources
from clearsight.formats.errors import ReaderError
from clearsight.store.database import connect
from clearsight.store.load import load

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"


def test_a_directory_load_names_every_file_it_did_not_read(tmp_path):
    (tmp_path / "header.csv").write_text(f"{HEADER}\n1,1,01/01/2010,WBRI,,,\n")
    (tmp_path / "notes.txt").write_text("sent by the performance team\n")
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    (tmp_path / "2022").mkdir()
    extract = read_sources([tmp_path], "auto", None, date(2023, 3, 31))
    assert [n for n in extract.notes if n.startswith("not read")] == [
        "not read: .DS_Store (a hidden or Office lock file)",
        "not read: 2022 (a folder: folders inside the one given are not read)",
        "not read: notes.txt (not in a format Clearsight reads)",
    ]


def test_an_ssda903_table_with_the_wrong_separator_is_an_error_not_a_skipped_file(tmp_path):
    (tmp_path / "header.csv").write_text(f"{HEADER}\n1,1,01/01/2010,WBRI,,,\n")
    (tmp_path / "episodes.csv").write_text("CHILD;DECOM;RNE;LS;PLACE\n1;01/05/2022;S;C2;U1\n")
    with pytest.raises(ReaderError, match=r"episodes.csv, row 1: is an SSDA903 episodes table separated by ';'"):
        read_sources([tmp_path], "auto", None, date(2023, 3, 31))


def test_a_file_name_holding_a_pattern_character_is_read_as_itself(tmp_path):
    """DuckDB would read 'header*.csv' as every file it matches: here also 'header 2.csv', child 2 twice."""
    starred = tmp_path / "header*.csv"
    starred.write_text(f"{HEADER}\n1,1,01/01/2010,WBRI,,,\n")
    (tmp_path / "header 2.csv").write_text(f"{HEADER}\n2,1,01/01/2010,WBRI,,,\n")
    extract = read_sources([starred], "ssda903", None, date(2023, 3, 31))
    assert extract.tables["child"].column("child_id__v").to_pylist() == ["1"]


def test_rejections_name_the_record_not_its_date_of_birth(tmp_path):
    (tmp_path / "header.csv").write_text(f"{HEADER}\n7,1,31/02/2010,WBRI,,,\n8,2,01/01/2011,WBRI,,,\n")
    con = connect(tmp_path / "cs.duckdb")
    report = load(con, read_sources([tmp_path / "header.csv"], "ssda903", con, date(2023, 3, 31)))
    [problem] = report.rejected
    assert problem.column == "DOB (dob)" and problem.rows == (2,) and problem.records == ("7",)
    assert str(problem) == ("header.csv: row 2, column 'DOB (dob)': expected a date (YYYY-MM-DD, dd/mm/yyyy or an "
                            "Excel serial number) (records 7)")
    assert "31/02" not in json.dumps(report.as_dict())  # `load --json` reports the same


def test_an_extract_with_nothing_to_load_is_refused(tmp_path):
    """Never the latest snapshot with confidence A: no rows, or no table Clearsight holds, loads nothing."""
    from clearsight.canonical.manifest import Manifest
    from clearsight.store.load import load_extract

    con = connect(tmp_path / "cs.duckdb")
    (tmp_path / "header.csv").write_text(f"{HEADER}\n")
    empty = load(con, read_sources([tmp_path / "header.csv"], "ssda903", con, date(2023, 3, 31)))
    assert (empty.status, empty.exit_code) == ("rejected", 2)
    assert "the extract has no rows in any table: there is nothing to load" in str(empty.problems[0])
    (tmp_path / "oc2.csv").write_text("CHILD,DOB,CONVICTED,HEALTH_CHECK\n1,01/01/2010,0,1\n")
    unheld = load(con, read_sources([tmp_path / "oc2.csv"], "ssda903", con, date(2023, 3, 31)))
    assert "the extract has no table Clearsight holds" in str(unheld.problems[0])
    bare = tmp_path / "bare"
    bare.mkdir()
    Manifest("Testshire", date(2023, 3, 31), {}, created_by="tests").write(bare)
    assert load_extract(con, bare).status == "rejected"
    assert con.execute("SELECT count(*) FROM snapshot").fetchone() == (0,)


def test_many_blank_lines_are_skipped_quickly_and_lines_stay_true(tmp_path):
    """Lines are numbered with the blank ones counted (at a cost linear in them: a million took minutes when each
    row counted the blanks before it)."""
    import time

    from clearsight.store.staging import scratch_connection, stage_file

    path = tmp_path / "header.csv"
    path.write_text(f"{HEADER}\n1,1,01/01/2010,WBRI,,,\n" + "\n" * 300_000 + "2,1,01/01/2010,WBRI,,,\n\n"
                    "3,1,01/01/2010\n4,2,01/01/2010,WBRI,,,\n")
    con = scratch_connection()
    started = time.perf_counter()
    staged = stage_file(con, "h", path, "header.csv")
    assert time.perf_counter() - started < 60  # generous for a shared machine; seconds when idle
    assert con.execute("SELECT source_row, child FROM stage_h").fetchall() == [
        (2, "1"), (300_003, "2"), (300_006, "4")]
    assert [(p.rows, p.message) for p in staged.problems] == [((300_005,), "has 3 fields, the header has 7")]


def test_a_few_outlying_future_dates_do_not_move_the_extract_date(tmp_path):
    """200 episodes through 2022 and one keyed as starting in 2052: the extract date is the bulk's latest date,
    and the 2052 row is named as after it."""
    episodes = ["CHILD,DECOM,RNE,LS,PLACE"] + [f"{n},{1 + n % 28:02d}/{1 + n % 12:02d}/2022,S,C2,U1" for n in range(200)]
    episodes.append("200,01/01/2052,S,C2,U1")
    (tmp_path / "episodes.csv").write_text("\n".join(episodes) + "\n")
    extract = read_sources([tmp_path], "auto")
    assert extract.extract_date == date(2022, 12, 28)  # child 83 (83 % 28 = 27, 83 % 12 = 11): the latest of the 200
    [basis] = [n for n in extract.notes if n.startswith("extract date")]
    assert "1 later dates lie more than 31 days beyond 99% of the others" in basis and "(2052-01-01)" in basis
    [late] = [p for p in extract.rejected if "after the extract date" in p.message]
    assert late.rows == (202,) and late.column == "DECOM (start_date)"


def test_a_utf16_file_is_named_not_skipped(tmp_path):
    (tmp_path / "header.csv").write_text(f"{HEADER}\n1,1,01/01/2010,WBRI,,,\n", encoding="utf-16")
    with pytest.raises(ReaderError, match=r"header.csv: is UTF-16 text"):
        read_sources([tmp_path], "auto", None, date(2023, 3, 31))
