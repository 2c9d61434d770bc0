"""Several years of SSDA903 stacked together, as regional teams and the sector's demand model hold them: a record
repeated in a later year's return is one record (the latest year's version), and no episode is lost silently."""

from __future__ import annotations

from datetime import date

from clearsight.formats.detect import read_sources
from clearsight.formats.ssda903 import year_of_name
from clearsight.store.database import connect
from clearsight.store.load import load
from clearsight.store.snapshots import get_snapshot

EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"

# (year, episode row): A's episode is open at 31 March 2021 and returned again in 2022 with its end; B's second
# episode is returned in 2022 and 2023; C has no header row in any year; D's episode has no legal status.
STACKED_EPISODES = [
    (2021, "A,01/06/2020,S,C2,N1,U1,PR1,,,,,,"),
    (2022, "A,01/06/2020,S,C2,N1,U1,PR1,10/10/2021,E11,,,,"),
    (2022, "B,05/05/2021,S,J2,N1,U4,PR1,01/07/2021,X1,,,,"),
    (2022, "B,01/07/2021,P,J2,N1,U4,PR1,,,,,,"),
    (2023, "B,01/07/2021,P,J2,N1,U4,PR1,,,,,,"),
    (2022, "C,02/02/2022,S,C2,N1,U1,PR1,,,,,,"),
    (2023, "C,02/02/2022,S,C2,N1,U1,PR1,,,,,,"),
    (2023, "D,03/03/2023,S,,N1,U1,PR1,,,,,,"),
]
STACKED_HEADER = [
    (2021, "A,1,01/01/2010,WBRI,,,"),
    (2022, "A,1,01/01/2010,WBRI,,,"),
    (2022, "B,2,02/02/2012,WBRI,,,"),
    (2023, "B,2,02/02/2012,WIRI,,,"),  # recorded differently in the later year: the later one is kept
    (2023, "D,1,03/03/2015,WBRI,,,"),
]


def _stacked(path, columns: str, rows: list[tuple[int, str]]):
    path.write_text("\n".join([columns + ",YEAR", *(f"{row},{year}" for year, row in rows)]) + "\n")
    return path


def _load(tmp_path, paths):
    con = connect(tmp_path / "cs.duckdb")
    report = load(con, read_sources(paths, "auto", con, date(2023, 3, 31)))
    return con, report


def test_year_column_merges_repeated_episodes_and_keeps_children_without_a_header(tmp_path):
    episodes = _stacked(tmp_path / "episodes.csv", EPISODES, STACKED_EPISODES)
    header = _stacked(tmp_path / "header.csv", HEADER, STACKED_HEADER)
    con, report = _load(tmp_path, [episodes, header])
    rows = con.execute("SELECT child_id, start_date, period_id, end_reason, end_date IS NOT NULL FROM cla_episode "
                       "ORDER BY 1, 2").fetchall()
    assert rows == [
        ("A", date(2020, 6, 1), "A:2020-06-01", "E11", True),  # the 2022 version, with its end
        ("B", date(2021, 5, 5), "B:2021-05-05", "X1", True),
        ("B", date(2021, 7, 1), "B:2021-05-05", None, False),  # after an X1: the same period of care
        ("C", date(2022, 2, 2), "C:2022-02-02", None, False),  # kept, though C has no header row
    ]
    # 8 episode rows in: 4 loaded, 3 merged as repeats (A 2021, B 2022, C 2022), 1 named with its reason (D)
    assert any("episodes: 3 rows repeat a record (same CHILD and DECOM) of a later year's return" in n
               for n in report.notes)
    rejected = [p for p in report.rejected if p.file == "episodes.csv"]
    assert [(p.column, p.rows, p.count) for p in rejected] == [("LS (legal_status)", (9,), 1)]
    assert 4 + 3 + sum(p.count for p in rejected) == len(STACKED_EPISODES)
    # the header: 2 rows merged (A 2021, B 2022), B's 2023 ethnicity kept; C kept with sex and birth date unknown
    assert any("header: 2 rows repeat a record (same CHILD)" in n for n in report.notes)
    assert con.execute("SELECT child_id, sex, ethnicity, dob FROM child ORDER BY 1").fetchall() == [
        ("A", "M", "WBRI", date(2010, 1, 1)), ("B", "F", "WIRI", date(2012, 2, 2)), ("C", None, None, None),
        ("D", "M", "WBRI", date(2015, 3, 3))]
    assert any("1 children have episodes, reviews or other rows but no header row" in n and "(CHILD C)" in n
               for n in report.notes)
    # 3 of the 4 children have a date of birth: figures using it grade from that completeness
    assert get_snapshot(con, report.snapshot_id).completeness("child", "dob") == 0.75


def test_files_named_by_year_merge_the_same_way(tmp_path):
    for year in (2021, 2022, 2023):
        rows = [row for y, row in STACKED_EPISODES if y == year]
        (tmp_path / f"SSDA903_{year - 1}-{year % 100}_episodes.csv").write_text("\n".join([EPISODES, *rows]) + "\n")
    con, report = _load(tmp_path, [tmp_path])
    assert any("episodes: 3 rows repeat a record" in n for n in report.notes)
    assert con.execute("SELECT child_id, end_reason FROM cla_episode ORDER BY child_id, start_date").fetchall() == [
        ("A", "E11"), ("B", "X1"), ("B", None), ("C", None)]
    # no header table at all: every child is kept, with sex and date of birth unknown
    assert con.execute("SELECT count(*), count(dob) FROM child").fetchone() == (4, 0)


def test_the_same_year_twice_is_still_a_duplicate_not_a_repeat(tmp_path):
    """Two copies of one return with no year say nothing about which is later: identical rows are kept once,
    and rows of one year sharing a key are named as duplicates, never silently merged."""
    rows = ["A,01/06/2020,S,C2,N1,U1,PR1,,,,,,", "A,01/06/2020,S,C2,N1,U1,PR1,10/10/2021,E11,,,,"]
    (tmp_path / "episodes.csv").write_text(f"{EPISODES}\n{rows[0]}\n")
    (tmp_path / "episodes copy.csv").write_text(f"{EPISODES}\n{rows[0]}\n{rows[1]}\n")
    con, report = _load(tmp_path, [tmp_path])
    assert any("repeated an identical earlier row" in n for n in report.notes)
    assert [p.message.split(":")[0] for p in report.rejected] == ["duplicate key"]
    assert con.execute("SELECT count(*) FROM cla_episode").fetchone() == (0,)


def test_year_of_a_file_name():
    assert year_of_name("SSDA903_2020_episodes") == 2020
    assert year_of_name("episodes_2019-20") == 2020
    assert year_of_name("episodes 2019_2020") == 2020
    assert year_of_name("header") is None
    assert year_of_name("extract_903_v12") is None
