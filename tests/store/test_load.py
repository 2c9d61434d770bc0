"""Loading canonical extracts: every defect rejected with file, row and column; the database untouched;
loads atomic and idempotent; inputs never written; tolerable messiness accepted."""

from __future__ import annotations

import filecmp
import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from broken_extracts import DEFECTS, VALID, Defect, append_line, make_broken, set_cell, write_valid

from clearsight.canonical import schema
from clearsight.store.database import Connection, connect
from clearsight.store.load import load_extract


def db_state(con: Connection) -> tuple[int, dict[str, int]]:
    """Snapshot count and row count of every canonical table."""
    snapshots = con.execute("SELECT count(*) FROM snapshot").fetchone()[0]
    rows = {t.name: con.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0] for t in schema.TABLES}
    return snapshots, rows


def files_state(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory) -> Path:
    """A database holding one snapshot of the valid base extract (copied per test: loads are the slow part)."""
    tmp = tmp_path_factory.mktemp("template")
    con = connect(tmp / "template.duckdb")
    report = load_extract(con, write_valid(tmp / "valid"))
    assert report.status == "loaded", [str(p) for p in report.problems]
    con.close()
    return tmp / "template.duckdb"


@pytest.fixture
def con(backend, tmp_path, request):
    """A database holding the valid base extract: a copy of the template on DuckDB, loaded afresh on PostgreSQL."""
    if backend.name == "duckdb":
        path = tmp_path / "db.duckdb"
        shutil.copy(request.getfixturevalue("loaded_db"), path)
        c = connect(path)
    else:
        c = connect(backend.location())
        assert load_extract(c, VALID).status == "loaded"
    yield c
    c.close()


# ---------------------------------------------------------------------------------------------------------
# Broken extracts: one defect each


CASES = [pytest.param(d, id=d.id) for d in DEFECTS]


@pytest.mark.parametrize("defect", CASES)
def test_broken_extract_is_rejected_and_the_database_untouched(con, tmp_path, defect: Defect):
    extract = make_broken(defect, tmp_path / "broken")
    before = db_state(con)
    inputs = files_state(extract)

    report = load_extract(con, extract)

    assert report.status == "rejected"
    assert report.exit_code == 2
    assert report.snapshot_id is None
    texts = [str(p) for p in report.problems]
    expected = defect.expected.replace("{dir}", str(extract))
    if defect.id == "binary-garbage":
        assert len(texts) == 1 and texts[0].startswith(expected), texts
    else:
        assert texts == [expected]
    assert db_state(con) == before
    assert files_state(extract) == inputs
    assert report.as_dict()["problems"][0]["file"] == texts[0].split(":")[0].split(",")[0]


def test_every_defect_has_its_own_id():
    assert len({d.id for d in DEFECTS}) == len(DEFECTS)


def test_all_problems_of_a_file_are_reported_together(con, tmp_path):
    extract = write_valid(tmp_path / "x")
    set_cell(extract, "worker.csv", 2, "role", "wizard")
    set_cell(extract, "worker.csv", 3, "name", "")
    set_cell(extract, "worker.csv", 4, "start_date", "30/02/2010")
    set_cell(extract, "allocation.csv", 5, "worker_id", "W42")  # and another file's at the same time
    before = db_state(con)
    report = load_extract(con, extract)
    assert report.status == "rejected"
    got = sorted((p.file, p.column, p.rows) for p in report.problems)
    assert got == [
        ("allocation.csv", "worker_id", (5,)),
        ("worker.csv", "name", (3,)),
        ("worker.csv", "role", (2,)),
        ("worker.csv", "start_date", (4,)),
    ]
    assert db_state(con) == before


def test_many_bad_rows_are_counted_and_the_first_twenty_listed(con, tmp_path):
    extract = write_valid(tmp_path / "x")
    for i in range(30):
        append_line(extract, "child.csv", f"X{i},F,,not-a-date,,,,,,,")
    report = load_extract(con, extract)
    [problem] = report.problems
    assert problem.count == 30 and problem.rows == tuple(range(6, 26))
    assert str(problem).startswith("child.csv: rows 6, 7, 8, ")
    assert ", 25 and 10 more, column 'dob': expected a date" in str(problem)


# ---------------------------------------------------------------------------------------------------------
# Idempotent, atomic, read-only


def test_loading_the_same_extract_twice_gives_one_snapshot(backend, tmp_path):
    con = connect(backend.location())
    extract = write_valid(tmp_path / "x")
    first = load_extract(con, extract)
    assert (first.status, first.exit_code) == ("loaded", 0)
    state = db_state(con)
    assert state[0] == 1 and state[1]["allocation"] == 4 and state[1]["worker"] == 4

    again = load_extract(con, extract)
    assert (again.status, again.exit_code, again.snapshot_id) == ("already_loaded", 0, first.snapshot_id)
    moved = shutil.copytree(extract, tmp_path / "elsewhere" / "copy")
    elsewhere = load_extract(con, moved)
    assert (elsewhere.status, elsewhere.snapshot_id) == ("already_loaded", first.snapshot_id)
    assert elsewhere.tables["worker"]["rows"] == 4
    assert db_state(con) == state


def test_changed_content_is_a_new_snapshot(backend, tmp_path):
    con = connect(backend.location())
    extract = write_valid(tmp_path / "x")
    first = load_extract(con, extract)
    set_cell(extract, "worker.csv", 3, "name", "Sam Renamed")
    second = load_extract(con, extract)
    assert second.status == "loaded" and second.snapshot_id != first.snapshot_id
    snapshots, rows = db_state(con)
    assert snapshots == 2 and rows["worker"] == 8


def test_inputs_are_never_written(backend, tmp_path):
    extract = write_valid(tmp_path / "x")
    os.utime(extract / "worker.csv", ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = files_state(extract)
    listing = sorted(os.listdir(extract))
    con = connect(backend.location())
    assert load_extract(con, extract).status == "loaded"
    assert load_extract(con, extract).status == "already_loaded"
    assert files_state(extract) == before
    assert sorted(os.listdir(extract)) == listing


def test_committed_valid_extract_is_what_the_builder_writes(tmp_path):
    """tests/store/fixtures/valid_extract is for people to read; regenerate it with
    `python tests/store/broken_extracts.py --fixtures` if the schema changes."""
    fresh = write_valid(tmp_path / "fresh")
    names = sorted(p.name for p in fresh.iterdir())
    assert sorted(p.name for p in VALID.iterdir()) == names
    match, mismatch, errors = filecmp.cmpfiles(VALID, fresh, names, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_committed_valid_extract_loads(backend, tmp_path):
    con = connect(backend.location())
    report = load_extract(con, VALID)
    assert report.status == "loaded", [str(p) for p in report.problems]
    assert report.tables["cp_plan"]["rows"] == 1
    assert report.tables["absence"]["note"] == "not supplied in this extract"


# ---------------------------------------------------------------------------------------------------------
# Tolerated messiness


def _messy(directory: Path) -> Path:
    extract = write_valid(directory)
    # Dates as spreadsheets write them: dd/mm/yyyy (episode) and Excel serials (allocation).
    set_cell(extract, "episode.csv", 2, "referral_date", "1/3/2023")
    set_cell(extract, "episode.csv", 3, "close_date", "01/12/2023")
    set_cell(extract, "allocation.csv", 2, "start_date", "44987")  # 2023-03-02
    set_cell(extract, "allocation.csv", 2, "end_date", "45139.0")
    set_cell(extract, "allocation.csv", 3, "start_date", "2023-08-01T09:30:00")
    # Booleans in any case, codes with stray spaces.
    for row, flag in ((2, "y"), (3, "Yes"), (4, "n"), (5, "TRUE")):
        set_cell(extract, "worker.csv", row, "qualified", flag)
    set_cell(extract, "worker.csv", 3, "role", "  social_worker ")
    set_cell(extract, "worker_post.csv", 3, "fte", " 0.8 ")
    # An extra column nobody asked for.
    child = extract / "child.csv"
    lines = child.read_text(encoding="utf-8").splitlines()
    child.write_text("\n".join([lines[0] + ",notes"] + [ln + ",met at school" for ln in lines[1:]]) + "\n")
    # Blank trailing lines, Windows line endings everywhere, a UTF-8 byte order mark on one file.
    team = extract / "team.csv"
    team.write_text(team.read_text(encoding="utf-8") + "\n\n,,,,,,\n", encoding="utf-8")
    for path in extract.glob("*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    worker = extract / "worker.csv"
    worker.write_bytes(b"\xef\xbb\xbf" + worker.read_bytes())
    return extract


def test_tolerated_messiness_loads_with_the_right_values(backend, tmp_path):
    extract = _messy(tmp_path / "messy")
    con = connect(backend.location())
    report = load_extract(con, extract)
    assert report.status == "loaded", [str(p) for p in report.problems]
    assert report.tables["child"]["extra_columns"] == ["notes"]
    assert report.tables["worker"]["extra_columns"] == []
    assert report.tables["team"]["rows"] == 2

    def q(sql):
        return con.execute(sql).fetchall()

    assert q("SELECT episode_id, referral_date, close_date FROM episode ORDER BY episode_id")[:2] == [
        ("E1", date(2023, 3, 1), None), ("E2", date(2023, 6, 1), date(2023, 12, 1)),
    ]
    assert q("SELECT allocation_id, start_date, end_date FROM allocation ORDER BY 1")[:2] == [
        ("A1", date(2023, 3, 2), date(2023, 8, 1)), ("A2", date(2023, 8, 1), None),
    ]
    assert q("SELECT worker_id, qualified, role FROM worker ORDER BY 1") == [
        ("W1", True, "team_manager"), ("W2", True, "social_worker"), ("W3", False, "asye"),
        ("W4", True, "senior_practitioner"),
    ]
    assert q("SELECT fte FROM worker_post WHERE post_id = 'P2'") == [(0.8,)]
    assert q("SELECT worker_id, source_file, source_row FROM worker ORDER BY 1")[0] == ("W1", "worker.csv", 2)
    assert q("SELECT count(*) FROM child WHERE child_id IS NULL OR sex IS NULL") == [(0,)]


def test_values_after_a_blank_line_keep_their_line_numbers(con, tmp_path):
    """A blank line in the middle of a file still counts as a line when a problem names a row."""
    extract = write_valid(tmp_path / "x")
    path = extract / "worker.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines[:3], "", *lines[3:]]) + "\n", encoding="utf-8")  # blank line 4
    set_cell(extract, "worker.csv", 5, "role", "wizard")  # W3, now on line 5
    [problem] = load_extract(con, extract).problems
    assert (problem.file, problem.rows, problem.column) == ("worker.csv", (5,), "role")


def test_short_rows_and_multi_line_fields(con, tmp_path):
    """A row with too few fields is named with its true line; a quoted line break inside a field is read."""
    extract = write_valid(tmp_path / "x")
    path = extract / "team.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("locality")] = '"North\nand East"'
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    report = load_extract(con, extract)
    assert report.status == "loaded", [str(p) for p in report.problems]
    assert con.execute("SELECT locality FROM team WHERE locality LIKE 'North%'").fetchone()[0] == "North\nand East"

    short = write_valid(tmp_path / "y")
    with open(short / "worker.csv", "a", encoding="utf-8") as fh:
        fh.write("\nW9,,\n")
    [problem] = load_extract(con, short).problems
    lines_in_file = (short / "worker.csv").read_text(encoding="utf-8").count("\n")
    assert str(problem) == f"worker.csv: row {lines_in_file}: has 3 fields, the header has 13"


def test_an_extract_written_before_the_added_columns_loads_them_empty(backend, tmp_path):
    """Columns added to the schema since extracts were first written (schema.ADDED_COLUMNS: the SSDA903 fields)
    may be missing from an extract's header: it loads, with them empty."""
    import csv

    from clearsight.canonical import schema

    extract = write_valid(tmp_path / "old")
    for table, added in schema.ADDED_COLUMNS.items():
        path = extract / f"{table}.csv"
        if path.exists():
            rows = list(csv.DictReader(path.open()))
            kept = [c for c in schema.table(table).column_names if c not in added]
            with path.open("w", newline="") as fh:
                writer = csv.DictWriter(fh, kept, extrasaction="ignore")
                writer.writeheader()
                writer.writerows(rows)
    con = connect(backend.location())
    report = load_extract(con, extract)
    assert report.status == "loaded", [str(p) for p in report.problems]
    assert con.execute("SELECT count(*) > 0, count(upn) FROM child").fetchone() == (True, 0)
