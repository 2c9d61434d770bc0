"""Many councils in one SSDA903 stack (an LA column, as regional alliances hold them): one snapshot per council,
each under its own name, and a figure is never silently some other council's."""

from __future__ import annotations

from datetime import date

import pytest

from clearsight.formats.detect import read_councils, read_sources
from clearsight.formats.errors import ReaderError
from clearsight.store.database import connect
from clearsight.store.load import load
from clearsight.store.snapshots import SnapshotNotFound, latest_snapshot

EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN,LA,YEAR"
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB,LA,YEAR"


@pytest.fixture
def stacked(tmp_path):
    """Child 'A' in Alpha and child 'A' in Beta are different children; Alpha's is returned in two years."""
    (tmp_path / "episodes.csv").write_text("\n".join([
        EPISODES,
        "A,01/06/2020,S,C2,N1,U1,PR1,,,,,,,Alpha,2021",
        "A,01/06/2020,S,C2,N1,U1,PR1,10/10/2021,E11,,,,,Alpha,2022",
        "A,03/03/2021,S,J2,N1,U4,PR1,,,,,,,Beta,2021",
        "B,04/04/2021,S,C2,N1,U1,PR1,,,,,,, Gamma ,2022",
    ]) + "\n")
    (tmp_path / "header.csv").write_text("\n".join([
        HEADER, "A,1,01/01/2010,WBRI,,,,Alpha,2022", "A,2,02/02/2012,WBRI,,,,Beta,2021",
        "B,1,03/03/2013,WBRI,,,,Gamma,2022",
    ]) + "\n")
    return tmp_path


def test_one_snapshot_per_council(stacked, tmp_path):
    con = connect(tmp_path / "cs.duckdb")
    extracts = read_councils([stacked], "auto", con, date(2022, 3, 31))
    assert [e.council for e in extracts] == ["Alpha", "Beta", "Gamma"]  # ' Gamma ' trimmed
    reports = [load(con, e) for e in extracts]
    assert [r.status for r in reports] == ["loaded"] * 3
    alpha, beta = latest_snapshot(con, "alpha"), latest_snapshot(con, " BETA ")
    assert (alpha.council, beta.council) == ("Alpha", "Beta")
    episodes = "SELECT child_id, start_date, end_reason FROM cla_episode WHERE snapshot_id = ?"
    assert con.execute(episodes, [alpha.snapshot_id]).fetchall() == [("A", date(2020, 6, 1), "E11")]
    assert con.execute(episodes, [beta.snapshot_id]).fetchall() == [("A", date(2021, 3, 3), None)]
    assert con.execute("SELECT sex FROM child WHERE snapshot_id = ?", [beta.snapshot_id]).fetchall() == [("F",)]
    # Alpha's repeat is merged in Alpha's report only; each council's report says the stack was split
    assert any("1 rows repeat a record" in n for n in alpha.report["notes"])
    assert not any("repeat a record" in n for n in beta.report["notes"])
    assert any("names 3 councils, each loaded as its own snapshot" in n for n in beta.report["notes"])


def test_extract_date_is_each_councils_own(stacked):
    extracts = read_councils([stacked], "auto")
    assert {e.council: e.extract_date for e in extracts} == {
        "Alpha": date(2021, 10, 10), "Beta": date(2021, 3, 3), "Gamma": date(2021, 4, 4)}


def test_one_snapshot_call_chooses_a_council_or_says_which_there_are(stacked, tmp_path):
    with pytest.raises(ReaderError, match=r"names 3 councils \(Alpha, Beta, Gamma\): give --council NAME"):
        read_sources([stacked], "auto", None, date(2022, 3, 31))
    with pytest.raises(ReaderError, match=r"names no council 'Delta'; it names Alpha, Beta, Gamma"):
        read_sources([stacked], "auto", None, date(2022, 3, 31), council="Delta")
    gamma = read_sources([stacked], "auto", None, date(2022, 3, 31), council="gamma")
    assert gamma.council == "Gamma"


def test_latest_snapshot_needs_a_council_when_the_database_holds_several(stacked, tmp_path):
    con = connect(tmp_path / "cs.duckdb")
    with pytest.raises(SnapshotNotFound, match="holds no snapshot yet"):
        latest_snapshot(con)
    load(con, read_sources([stacked], "auto", con, date(2022, 3, 31), council="Beta"))
    assert latest_snapshot(con).council == "Beta"  # one council: no need to name it
    for extract in read_councils([stacked], "auto", con, date(2022, 3, 31)):
        load(con, extract)  # Beta's is already loaded: recognised by its content, not loaded twice
    assert con.execute("SELECT count(*) FROM snapshot").fetchone() == (3,)
    with pytest.raises(SnapshotNotFound, match="holds 3 councils; choose one with --council: Alpha, Beta, Gamma"):
        latest_snapshot(con)
    with pytest.raises(SnapshotNotFound, match="no snapshot of council 'Delta'; the database holds Alpha, Beta"):
        latest_snapshot(con, "Delta")
