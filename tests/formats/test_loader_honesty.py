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
    con = scratch_connection([path])
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


# --- inputs read as data only, and refused before they can hurt (issue 15 item 5, part 2) ----------------------

SSD_FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures" / "ssd"


def test_a_supplied_duckdb_database_is_read_as_data_only(tmp_path):
    """Only stored tables are read: a view (a query that could read any file on the machine) is named, never run,
    and the reader's DuckDB reaches no file but its inputs and loads no extension."""
    import duckdb

    from clearsight.store.staging import scratch_connection

    secret = tmp_path / "secret.csv"
    secret.write_text("line\nSECRET-1\n")
    path = tmp_path / "ssd.duckdb"
    con = duckdb.connect(str(path))
    for f in SSD_FIXTURES.iterdir():
        if f.stem.lower() != "ssd_disability":
            con.execute(f"CREATE TABLE {f.stem.lower()} AS SELECT * FROM read_csv('{f}', all_varchar = true)")
    con.execute(f"CREATE VIEW ssd_disability AS SELECT 'D1' AS disa_table_id, 'P2' AS disa_person_id, "
                f"line AS disa_disability_code FROM read_csv('{secret}')")
    con.close()
    extract = read_sources([path], "auto", None, date(2024, 2, 2))
    assert any("ssd_disability are views, not read" in n for n in extract.notes)
    assert "SECRET" not in json.dumps(extract.notes) + str([t.to_pylist() for t in extract.tables.values()])

    scratch = scratch_connection([path])
    with pytest.raises(duckdb.PermissionException):
        scratch.execute(f"SELECT * FROM read_csv('{secret}')")
    assert scratch.execute("SELECT current_setting('autoload_known_extensions'), "
                           "current_setting('autoinstall_known_extensions')").fetchone() == (False, False)


def test_every_duckdb_connection_the_product_opens_loads_no_extension(tmp_path):
    """Every `duckdb.connect` in Clearsight's source passes a config (its own database's turns extension
    auto-loading and installing off; a reader's or replay's scratch connection also reaches no file but its
    inputs), and the database connection has those settings."""
    import ast
    from pathlib import Path

    import clearsight
    from clearsight.store.database import open_database

    unconfigured = []
    for path in Path(clearsight.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "connect"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "duckdb"
                    and not any(k.arg == "config" for k in node.keywords)):
                unconfigured.append(f"{path.name}:{node.lineno}")
    assert unconfigured == []
    con = open_database(tmp_path / "cs.duckdb", write=True, create=True)
    assert con.execute("SELECT current_setting('autoload_known_extensions'), "
                       "current_setting('autoinstall_known_extensions')").fetchone() == (False, False)


def test_a_database_holding_only_views_is_refused_unread(tmp_path):
    import duckdb

    (tmp_path / "anything.csv").write_text("pers_person_id\nP1\n")
    path = tmp_path / "ssd.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"CREATE VIEW ssd_person AS SELECT * FROM read_csv('{tmp_path / 'anything.csv'}')")
    con.close()
    with pytest.raises(ReaderError, match="holds no SSD table"):
        read_sources([path], "auto", None, date(2024, 2, 2))


def test_binary_files_in_a_directory_are_named_not_opened_as_databases(tmp_path):
    (tmp_path / "random.duckdb").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "sqlite.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 4000)
    (tmp_path / "SSDA903_header.csv").write_text(f"{HEADER}\n1,1,01/01/2010,WBRI,,,\n")
    extract = read_sources([tmp_path], "auto", None, date(2024, 1, 1))
    assert {"not read: random.duckdb (not in a format Clearsight reads)",
            "not read: sqlite.db (not in a format Clearsight reads)"} <= set(extract.notes)


def _workbook(path, cells: list[tuple[int, int]]):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    for n in (1, 3, 4):
        sheet = wb.add_worksheet(f"List {n}")
        sheet.write(0, 0, "Child Unique ID")
        for row, col in cells if n == 3 else []:
            sheet.write(row, col, "x")
    wb.close()
    return path


def test_a_workbook_declaring_an_absurd_used_range_is_refused_before_reading(tmp_path):
    import time

    path = _workbook(tmp_path / "annex_a.xlsx", [(1_048_575, 16_383)])  # one cell at XFD1048576
    started = time.perf_counter()
    with pytest.raises(ReaderError, match=r"annex_a.xlsx, List 3: declares its used range as 1,048,576 rows x "
                                          r"16,384 columns"):
        read_sources([path], "auto", None, date(2024, 1, 31))
    assert time.perf_counter() - started < 5


def test_a_workbook_whose_shared_strings_would_unpack_too_large_is_refused(tmp_path, monkeypatch):
    import zipfile

    from clearsight.formats import workbook

    path = _workbook(tmp_path / "annex_a.xlsx", [])
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/sharedStrings.xml":
                data = data.replace(b"</sst>", b"<si><t>" + b"a" * 3_000_000 + b"</t></si></sst>")
            out.writestr(item.filename, data)
    monkeypatch.setattr(workbook, "MAX_PART_BYTES", 2_000_000)
    with pytest.raises(ReaderError, match=r"bomb.xlsx: its shared strings would unpack to"):
        read_sources([bomb], "auto", None, date(2024, 1, 31))


@pytest.mark.parametrize("doctype", [
    ('<!DOCTYPE Message [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
     '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'),  # billion laughs, shortened
    '<!DOCTYPE Message [<!ENTITY ext SYSTEM "file:///etc/passwd">]>',  # an external entity
    '<!DOCTYPE Message SYSTEM "http://example.invalid/census.dtd">',  # a DTD to fetch
])
def test_census_xml_declaring_a_dtd_is_refused_unread(tmp_path, doctype):
    path = tmp_path / "cin.xml"
    path.write_text(f'<?xml version="1.0"?>\n{doctype}\n<Message><Header><CollectionDetails><Collection>CIN'
                    "</Collection><ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails></Header><Children>"
                    "<Child><ChildIdentifiers><LAchildID>&c;</LAchildID></ChildIdentifiers></Child></Children>"
                    "</Message>")
    for fmt in ("auto", "cin"):
        with pytest.raises(ReaderError, match=r"cin.xml, row 2: declares a DTD or entities"):
            read_sources([path], fmt, None)


CIN = ('<Message><Header><CollectionDetails><Collection>CIN</Collection>\n<ReferenceDate>{ref}</ReferenceDate>'
       "</CollectionDetails><Source><LEA>{lea}</LEA></Source></Header><Children><Child><ChildIdentifiers>"
       "<LAchildID>C{lea}</LAchildID><GenderCurrent>1</GenderCurrent></ChildIdentifiers><CINdetails>"
       "<CINreferralDate>2024-01-05</CINreferralDate></CINdetails></Child></Children></Message>")


CSWW = ("<Message><Header><CollectionDetails><Collection>CSWW</Collection>\n<ReferenceDate>{ref}</ReferenceDate>"
        "</CollectionDetails><Source><LEA>{lea}</LEA></Source></Header><CSWWWorker><AgencyWorker>0</AgencyWorker>"
        "<SWENumber>SW1</SWENumber></CSWWWorker></Message>")


@pytest.mark.parametrize("census", [CIN, CSWW], ids=["cin", "workforce"])
@pytest.mark.parametrize("ref", ["31/13/2024", "", "soon"])
def test_a_census_reference_date_that_is_not_a_date_is_named(tmp_path, ref, census):
    from typer.testing import CliRunner

    from clearsight.cli import app

    path = tmp_path / "cin_2024.xml"
    path.write_text(census.format(ref=ref, lea="201"))
    with pytest.raises(ReaderError, match=r"cin_2024.xml, row 2, column 'ReferenceDate': (census reference date "
                                          r".* is not a date|has no census reference date)"):
        read_sources([path], "auto", None)
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "cs.duckdb"), "load", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output


def test_census_files_of_several_councils_load_as_one_snapshot_each(tmp_path):
    from clearsight.formats.detect import read_councils

    for lea in ("201", "301"):
        (tmp_path / f"cin_{lea}.xml").write_text(CIN.format(ref="2024-03-31", lea=lea))
    extracts = read_councils([tmp_path])
    assert sorted(e.council for e in extracts) == ["LA 201", "LA 301"]
    with pytest.raises(ReaderError, match=r"names 2 councils \(LA 201, LA 301\): give --council"):
        read_sources([tmp_path])
    assert read_sources([tmp_path], council="LA 301").council == "LA 301"


@pytest.mark.parametrize("change, message", [
    ({"schema_version": 99}, "field 'schema_version' = '99' is not a manifest version this release reads"),
    ({"schema_version": "one"}, "field 'schema_version' = 'one' is not a manifest version"),
    ({"extract_date": "31/03/2025"}, "field 'extract_date' = '31/03/2025', expected an ISO date"),
    ({"council": None}, "field 'council' must be the council's name"),
    ({"format": "other"}, "field 'format' = 'other', expected 'clearsight-canonical'"),
    ({"tables": {"child": {"file": "child.csv", "rows": "many"}}}, "tables.child.rows = 'many', expected a whole"),
])
def test_a_manifest_field_that_does_not_parse_is_named_and_refused(tmp_path, change, message):
    from typer.testing import CliRunner

    from clearsight.cli import app

    extract = tmp_path / "extract"
    extract.mkdir()
    (extract / "child.csv").write_text("child_id\nC1\n")
    manifest = {"format": "clearsight-canonical", "schema_version": 1, "council": "Testshire",
                "extract_date": "2025-03-31", "tables": {"child": {"file": "child.csv"}}} | change
    (extract / "manifest.json").write_text(json.dumps(manifest))
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "cs.duckdb"), "load", str(extract)])
    assert result.exit_code == 2, result.output
    assert "manifest.json" in result.output and message in " ".join(result.output.split()), result.output


def test_an_unknown_code_in_an_optional_column_is_loaded_as_blank_and_named(tmp_path):
    """A local placement provider code and sex 'X': the rows load, those values blank, and the note names the
    file, the column as the file heads it, how many, the first row and what was found."""
    (tmp_path / "header.csv").write_text(f"{HEADER}\nA,1,01/01/2010,WBRI,,,\nB,X,02/02/2012,WBRI,,,\n")
    (tmp_path / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,PLACE,PLACE_PROVIDER\nA,01/05/2022,S,C2,U1, PR9 \nB,01/06/2022,S,C2,U1,PR9\n"
        "B,01/07/2022,P,C2,U1,PR1\n")
    con = connect(tmp_path / "cs.duckdb")
    report = load(con, read_sources([tmp_path], "auto", con, date(2023, 3, 31)))
    assert report.status == "loaded"
    blanked = [n for n in report.notes if "loaded as blank" in n]
    assert blanked == [
        "header.csv, column 'SEX' (sex): 1 values are not known sex codes and were loaded as blank (first at row "
        "3; found 'X')",
        "episodes.csv, column 'PLACE_PROVIDER' (placement_provider): 2 values are not known placement_provider "
        "codes and were loaded as blank (first at row 2; found 'PR9')",
    ]
    assert con.execute("SELECT child_id, placement_provider FROM cla_episode ORDER BY start_date").fetchall() == [
        ("A", None), ("B", None), ("B", "PR1")]
    assert con.execute("SELECT child_id, sex FROM child ORDER BY 1").fetchall() == [("A", "M"), ("B", None)]
