"""Standard Safeguarding Dataset tables: Eastmere exported as SSD and read back keeps its position; hand-made
messy SSD files load with exact figures and every row left out is named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from clearsight.formats.detect import detect, read_sources
from clearsight.formats.errors import ReaderError
from clearsight.formats.ssd_writer import write_ssd
from clearsight.metrics.figures import compute
from clearsight.store.database import connect
from clearsight.store.load import load, load_extract
from clearsight.store.snapshots import get_snapshot

FIXTURES = Path(__file__).parent / "fixtures" / "ssd"
AS_AT = date(2023, 12, 15)  # in the 2023 drain: children waiting


@pytest.fixture(scope="module")
def eastmere(tmp_path_factory, small_eastmere):
    root = tmp_path_factory.mktemp("eastmere_ssd")
    con = connect(root / "cs.duckdb")
    assert load_extract(con, small_eastmere).status == "loaded"
    canonical = get_snapshot(con)
    counts = write_ssd(con, canonical, root / "ssd")
    report = load(con, read_sources([root / "ssd"], "auto", con, canonical.extract_date))
    return con, canonical, counts, report


def _caseloads(con, snap, day):
    return {r["worker_id"]: r["caseload"] for r in compute(con, snap, "caseload_by_worker", day).records()}


def test_ssd_export_reads_back_whole(eastmere):
    con, canonical, counts, report = eastmere
    assert counts["ssd_involvements"] > 1000 and counts["ssd_cin_episodes"] > 1000
    assert report.status == "loaded", [str(p) for p in report.rejected + report.problems][:5]
    for table in ("child", "episode", "allocation", "cla_episode", "cp_plan", "assessment", "review"):
        assert report.tables[table]["rows"] == canonical.rows(table), table
    # the SSD has no table for personal advisers' visits to care leavers
    (visits,) = con.execute("SELECT count(*) FROM visit WHERE snapshot_id = ? AND kind <> 'PA'",
                            [canonical.snapshot_id]).fetchone()
    assert report.tables["visit"]["rows"] == visits < canonical.rows("visit")


@pytest.mark.parametrize("day", [AS_AT, None], ids=["2023-12-15", "extract-date"])
def test_ssd_round_trip_keeps_position(eastmere, day):
    con, canonical, _, report = eastmere
    day = day or canonical.extract_date
    back = get_snapshot(con, report.snapshot_id)
    before = compute(con, canonical, "unallocated_cases", day).records()
    after = compute(con, back, "unallocated_cases", day).records()
    assert {(r["child_id"], r["reason"]) for r in after} == {(r["child_id"], r["reason"]) for r in before}
    if day == AS_AT:
        assert len(before) >= 10  # not vacuous
    was, now = _caseloads(con, canonical, day), _caseloads(con, back, day)
    held = {w: n for w, n in was.items() if n}
    assert len(held) >= 10 and {w: now.get(w) for w in held} == held
    # The SSD has no start or leaving dates: a worker with no involvement yet is placed from the extract date,
    # and a leaver stays; the only other caseloads are leavers' (cases still allocated to them in the records).
    left = {w for (w,) in con.execute("SELECT worker_id FROM worker WHERE snapshot_id = ? AND end_date <= ?",
                                      [canonical.snapshot_id, day]).fetchall()}
    assert all(not now[w] or w in left for w in set(now) - set(held))  # 0, or None: IROs not recorded


def test_ssd_round_trip_keeps_looked_after_episodes(eastmere):
    con, canonical, _, report = eastmere
    q = ("SELECT child_id, start_date, legal_status, placement_type, placement_provider, end_date, end_reason "
         "FROM cla_episode WHERE snapshot_id = ? ORDER BY ALL")
    assert con.execute(q, [report.snapshot_id]).fetchall() == con.execute(q, [canonical.snapshot_id]).fetchall()


# --- hand-made SSD files: BOM, CRLF, file names in any case, y/N/No, stray spaces, dd/mm/yyyy, ISO and Excel
# serial dates, labelled codes, a team named rather than given by id, unknown codes, a child with no person row.

DAY = date(2024, 3, 31)


@pytest.fixture()
def messy(tmp_path):
    con = connect(tmp_path / "cs.duckdb")
    report = load(con, read_sources([FIXTURES], "auto", con, DAY))
    return con, report


def _rows(con, sql):
    return con.execute(sql).fetchall()


def test_ssd_directory_is_detected():
    found = detect([FIXTURES])
    assert list(found) == ["ssd"] and len(found["ssd"]) == len(list(FIXTURES.iterdir()))


def test_messy_ssd_loads_exact_figures(messy):
    con, report = messy
    assert report.status == "loaded_with_rejections" and report.exit_code == 1
    assert _rows(con, "SELECT child_id, sex, ethnicity, dob, disability FROM child ORDER BY 1") == [
        ("P1", "M", "WBRI", date(2015, 3, 14), False), ("P2", "F", "WBRI", date(2012, 6, 1), None),
        ("P3", "U", "MOTH", date(2012, 4, 1), True), ("P4", "F", "AIND", date(2010, 1, 1), None),
        ("P5", "M", "BAFR", date(2009, 9, 9), None)]
    assert _rows(con, "SELECT episode_id, referral_date, primary_need, referral_nfa, close_date, team_id "
                      "FROM episode ORDER BY 1") == [
        ("R1", date(2023, 9, 1), "N1", False, None, "T1"), ("R2", date(2023, 10, 1), "N2", False, None, "T1"),
        ("R3", date(2023, 10, 15), "N4", False, None, "T1"),
        ("R4", date(2023, 6, 1), "N1", False, date(2024, 1, 15), "T1"),
        ("R5", date(2023, 10, 20), "N1", False, None, "T2")]
    assert _rows(con, "SELECT w.worker_id, w.role, w.employment, p.team_id, p.fte FROM worker w "
                      "JOIN worker_post p USING (worker_id) ORDER BY 1") == [
        ("W1", "social_worker", "permanent", "T1", 1.0), ("W2", "senior_practitioner", "agency", "T1", 0.8),
        ("W3", "team_manager", "permanent", "T1", 1.0), ("W4", "social_worker", "permanent", "T2", 1.0)]
    assert _rows(con, "SELECT allocation_id, worker_id, team_id, role, end_date, change_reason FROM allocation "
                      "ORDER BY 1") == [
        ("I1", "W1", "T1", "allocated_social_worker", None, "new_allocation"),
        ("I2", "W3", "ssd:duty-and-assessment", "allocated_social_worker", None, None),
        ("I3", "W2", "T1", "allocated_social_worker", date(2024, 2, 1), "worker_left"),
        ("I4", "W1", "T1", "allocated_social_worker", date(2024, 1, 15), "other"),
        ("I5", "W4", "T2", "allocated_social_worker", None, "new_allocation")]
    assert _rows(con, "SELECT team_id, name, service FROM team ORDER BY 1") == [
        ("T1", "Children in Need Team 1", "cin"), ("T2", "Children in Care Team", "cla"),
        ("ssd:duty-and-assessment", "Duty and Assessment", "front_door")]
    assert _rows(con, "SELECT child_id, start_date, start_reason, legal_status, placement_type, placement_provider "
                      "FROM cla_episode") == [("P5", date(2023, 11, 1), "S", "C2", "U4", "PR1")]
    assert _rows(con, "SELECT initial_category, latest_category FROM cp_plan") == [("NEG", "MUL")]
    assert _rows(con, "SELECT visit_id, visit_date, seen, seen_alone FROM visit ORDER BY 1") == [
        ("CIN:V1", date(2024, 2, 1), True, False), ("CIN:V2", date(2024, 1, 9), True, False)]
    assert any("columns not used: local_notes" in n for n in report.notes)
    assert any("not in ssd_department" in n and "Duty and Assessment" in n for n in report.notes)


def test_messy_ssd_names_every_row_left_out(messy):
    _, report = messy
    left_out = sorted((p.file, p.rows, p.column, p.values) for p in report.rejected)
    job = "prof_professional_job_title (role)"
    assert left_out == sorted([
        ("SSD_Involvements.CSV", (7,), "invo_person_id (child_id)", ("P6",)),  # the child has no person row
        ("SSD_Involvements.CSV", (8,), "invo_professional_id (worker_id)", ("W5",)),  # its worker was left out
        ("SSD_Involvements.CSV", (9,), "invo_professional_role_id (role)", ("Befriender",)),
        ("ssd_cin_episodes.csv", (7,), "cine_person_id (child_id)", ("P6",)),
        ("ssd_cin_visits.csv", (4,), "cinv_person_id (child_id)", ("P6",)),
        ("ssd_cla_episodes.csv", (3,), "lega_legal_status in ssd_legal_status (legal_status)", ("X9",)),
        ("ssd_professionals.csv", (6,), job, ("Family Support Worker",)),  # worker
        ("ssd_professionals.csv", (6,), job, ("Family Support Worker",)),  # and their post
    ])


def test_messy_ssd_position(messy):
    con, report = messy
    snap = get_snapshot(con, report.snapshot_id)
    records = compute(con, snap, "unallocated_cases", DAY).records()
    waiting = {r["child_id"]: (r["reason"], r["held_by"]) for r in records}
    assert waiting == {"P2": ("new work awaiting allocation", "Tom Jones"), "P3": ("awaiting re-allocation", None)}
    assert _caseloads(con, snap, DAY) == {"W1": 1, "W2": 0, "W4": 1}


def test_ssd_extract_date_is_inferred_from_the_latest_event():
    extract = read_sources([FIXTURES], "ssd")
    assert extract.extract_date == date(2024, 2, 2)  # the latest visit
    assert any("inferred from the SSD tables" in n for n in extract.notes)


def _as_parquet(src: Path, out: Path) -> None:
    import duckdb

    out.mkdir()
    con = duckdb.connect()
    for f in src.iterdir():
        con.execute(f"COPY (SELECT * FROM read_csv('{f}', all_varchar = true)) TO '{out / (f.stem + '.parquet')}'")


def _as_database(src: Path, path: Path) -> None:
    import duckdb

    con = duckdb.connect(str(path))
    for f in src.iterdir():
        con.execute(f"CREATE TABLE {f.stem.lower()} AS SELECT * FROM read_csv('{f}', all_varchar = true)")
    con.close()


@pytest.mark.parametrize("form", ["parquet", "duckdb"])
def test_ssd_as_parquet_or_a_database_reads_the_same(tmp_path, messy, form):
    con, csv_report = messy
    if form == "parquet":
        _as_parquet(FIXTURES, tmp_path / "pq")
        source = tmp_path / "pq"
    else:
        _as_database(FIXTURES, tmp_path / "ssd.duckdb")
        source = tmp_path / "ssd.duckdb"
    report = load(con, read_sources([source], "auto", con, DAY))
    assert report.status == "loaded_with_rejections"
    assert sum(p.count for p in report.rejected) == sum(p.count for p in csv_report.rejected) == 8
    q = ("SELECT allocation_id, child_id, worker_id, team_id, start_date, end_date FROM allocation "
         "WHERE snapshot_id = ? ORDER BY 1")
    assert con.execute(q, [report.snapshot_id]).fetchall() == con.execute(q, [csv_report.snapshot_id]).fetchall()


def test_ssd_unreadable_inputs_are_clear_errors(tmp_path):
    (tmp_path / "ssd_person.csv").write_bytes(b"\x00\xff\xfe garbage \x00")
    with pytest.raises(ReaderError, match=r"ssd_person.csv.*cannot be read"):
        read_sources([tmp_path], "ssd", None, DAY)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ReaderError, match=r"notes.csv.*not an SSD table"):
        read_sources([other], "ssd", None, DAY)


def test_cli_load_and_export_ssd(tmp_path):
    from typer.testing import CliRunner

    from clearsight.cli import app

    runner = CliRunner()
    db = tmp_path / "cs.duckdb"
    loaded = runner.invoke(app, ["--db", str(db), "load", str(FIXTURES), "--format", "ssd", "--extract-date",
                                 "2024-03-31"], catch_exceptions=False)
    assert loaded.exit_code == 1, loaded.output  # loaded, with the rows it could not map named
    exported = runner.invoke(app, ["--db", str(db), "export", "--format", "ssd", str(tmp_path / "out")],
                             catch_exceptions=False)
    assert exported.exit_code == 0 and "ssd_person 5" in exported.output
    again = runner.invoke(app, ["--db", str(db), "load", str(tmp_path / "out"), "--extract-date", "2024-03-31"],
                          catch_exceptions=False)
    assert again.exit_code == 0, again.output  # what was loaded writes out and reads back with nothing left out
    twice = runner.invoke(app, ["--db", str(db), "load", str(tmp_path / "out"), "--extract-date", "2024-03-31"],
                          catch_exceptions=False)
    assert twice.exit_code == 0 and "Already loaded as snapshot 2" in twice.output
    con = connect(db)
    q = "SELECT child_id, worker_id, start_date, end_date FROM allocation WHERE snapshot_id = ? ORDER BY ALL"
    assert con.execute(q, [2]).fetchall() == con.execute(q, [1]).fetchall()


def test_ssd_table_recognised_by_its_id_column_when_the_file_has_another_name(tmp_path):
    import shutil

    for f in FIXTURES.iterdir():
        shutil.copy(f, tmp_path / ("referrals 2024.csv" if f.name == "ssd_cin_episodes.csv" else f.name))
    assert detect([tmp_path]).keys() == {"ssd"}
    con = connect(tmp_path / "cs.duckdb")
    load(con, read_sources([tmp_path], "auto", con, DAY))
    assert _rows(con, "SELECT count(*) FROM episode") == [(5,)]  # R6's child has no person row


# Canonical columns the SSD carries, per table; what it cannot carry is said in formats/ssd_writer.py.
CARRIED = {
    "child": ("child_id", "sex", "ethnicity", "dob", "expected_dob", "death_date", "disability", "uasc"),
    "team": ("team_id", "name", "parent_team_id"),
    "worker": ("worker_id", "staff_id", "swe_no", "name", "role", "employment"),
    "episode": None, "assessment": None, "s47": None, "icpc": None, "cp_plan": None, "cin_plan": None,
    "cla_episode": ("cla_episode_id", "child_id", "period_id", "start_date", "start_reason", "legal_status",
                    "placement_type", "placement_provider", "end_date", "end_reason"),  # not the 903's own fields
    "care_leaver": None,
    "allocation": ("allocation_id", "child_id", "episode_id", "worker_id", "team_id", "role", "start_date",
                   "end_date", "replace(change_reason, 'case_closed', 'other')"),
    "contact": ("contact_id", "child_id", "contact_date", "source", "nullif(outcome, 'early_help')"),
    "review": ("child_id", "kind", "plan_id", "due_date", "held_date"),
    "visit": ("child_id", "kind", "visit_date", "seen", "seen_alone"),
}


@pytest.mark.parametrize("table", sorted(CARRIED))
def test_ssd_round_trip_keeps_every_field_it_carries(eastmere, table):
    from clearsight.canonical import schema

    con, canonical, _, report = eastmere
    cols = ", ".join(CARRIED[table] or schema.table(table).column_names)
    where = "AND kind <> 'PA'" if table == "visit" else ""
    q = f'SELECT {cols} FROM "{table}" WHERE snapshot_id = ? {where} ORDER BY ALL'
    before = con.execute(q, [canonical.snapshot_id]).fetchall()
    assert before and con.execute(q, [report.snapshot_id]).fetchall() == before


def test_ssd_ids_written_as_floats_still_join(tmp_path):
    con = connect(tmp_path / "cs.duckdb")  # beside the SSD files: not read as one
    (tmp_path / "ssd_person.csv").write_text("pers_person_id,pers_sex,pers_dob\n101,M,2015-01-01\n")
    (tmp_path / "ssd_cin_episodes.csv").write_text(
        "cine_referral_id,cine_person_id,cine_referral_date,cine_referral_team\n5001.0,101.0,2024-01-02,T1\n")
    report = load(con, read_sources([tmp_path], "ssd", con, DAY))
    assert report.status == "loaded", [str(p) for p in report.rejected]
    assert _rows(con, "SELECT episode_id, child_id, team_id FROM episode") == [("5001", "101", "ssd:t1")]


def test_ssd_local_codes_map_a_councils_own_titles_and_roles(tmp_path):
    import shutil

    shutil.copytree(FIXTURES, tmp_path / "ssd")
    (tmp_path / "ssd" / "ssd_local_codes.csv").write_text(
        "field,written,code\n"
        "prof_professional_job_title,Family Support Worker,social_work_assistant\n"
        "invo_professional_role_id,befriender,co_worker\n")
    con = connect(tmp_path / "cs.duckdb")
    report = load(con, read_sources([tmp_path / "ssd"], "auto", con, DAY))
    assert sum(p.count for p in report.rejected) == 4  # the child with no person row (3 rows) and legal status X9
    assert _rows(con, "SELECT role FROM worker WHERE worker_id = 'W5'") == [("social_work_assistant",)]
    assert _rows(con, "SELECT role FROM allocation WHERE allocation_id = 'I8'") == [("co_worker",)]
    (tmp_path / "ssd" / "ssd_local_codes.csv").write_text("field,written,code\ninvo_professional_role_id,Key Worker,"
                                                          "keyworker\n")
    with pytest.raises(ReaderError, match=r"ssd_local_codes.csv, row 2, column 'code': expected one of"):
        read_sources([tmp_path / "ssd"], "auto", con, DAY)


def test_ssd_reviews_and_visits_find_their_child_through_the_plan_or_episode(tmp_path):
    """The 2023 spec's reviews and visits name only the plan or episode, not the person."""
    import shutil

    shutil.copytree(FIXTURES, tmp_path / "ssd")
    (tmp_path / "ssd" / "ssd_cp_reviews.csv").write_text(
        "cppr_cp_review_id,cppr_cp_plan_id,cppr_cp_review_due,cppr_cp_review_date\nRV1,CP1,2024-01-20,2024-01-18\n")
    (tmp_path / "ssd" / "ssd_cla_reviews.csv").write_text(
        "clar_cla_review_id,clar_cla_episode_id,clar_cla_review_due_date,clar_cla_review_date\n"
        "RV2,E1,2023-11-29,2023-11-28\n")
    (tmp_path / "ssd" / "ssd_cp_visits.csv").write_text(
        "cppv_visit_id,cppv_cp_plan_id,cppv_cp_visit_date,cppv_cp_visit_seen,cppv_cp_visit_seen_alone\n"
        "PV1,CP1,2024-02-05,Y,Y\n")
    con = connect(tmp_path / "cs.duckdb")
    load(con, read_sources([tmp_path / "ssd"], "auto", con, DAY))
    assert _rows(con, "SELECT review_id, child_id, kind, plan_id, held_date FROM review ORDER BY 1") == [
        ("CLA:RV2", "P5", "CLA", "CLA1", date(2023, 11, 28)), ("CP:RV1", "P2", "CP", "CP1", date(2024, 1, 18))]
    assert _rows(con, "SELECT visit_id, child_id, kind FROM visit WHERE kind = 'CP'") == [("CP:PV1", "P2", "CP")]
