"""Eastmere loaded canonically vs exported as Annex A (and SSDA903) and read back: same allocation position."""

from __future__ import annotations

from datetime import date

import pytest

from clearsight.formats.annex_a_writer import write_annex_a
from clearsight.formats.detect import read_sources
from clearsight.formats.ssda903_writer import write_ssda903
from clearsight.metrics.figures import compute
from clearsight.store.database import connect
from clearsight.store.load import load, load_extract
from clearsight.store.snapshots import get_snapshot

AS_AT = date(2023, 12, 15)  # in the 2023 drain: many children waiting


@pytest.fixture(scope="module")
def eastmere(tmp_path_factory, small_eastmere):
    root = tmp_path_factory.mktemp("round_trip")
    con = connect(root / "cs.duckdb")
    assert load_extract(con, small_eastmere).status == "loaded"
    return root, con, get_snapshot(con)


def _by_worker(con, snap, day):
    return {r["worker_id"]: r["caseload"] for r in compute(con, snap, "caseload_by_worker", day).records()}


@pytest.mark.parametrize("day", [AS_AT, None], ids=["2023-12-15", "extract-date"])
def test_annex_a_round_trip_keeps_position(eastmere, day):
    root, con, canonical = eastmere
    day = day or canonical.extract_date
    path = root / f"annex_a_{day}.xlsx"
    counts = write_annex_a(con, canonical, path, day)
    assert counts[6] > 100
    report = load(con, read_sources([path], "auto", con, day))
    assert report.status == "loaded", [str(p) for p in report.rejected][:5]
    assert any("0 not matched" in n for n in report.notes)
    back = get_snapshot(con, report.snapshot_id)
    before = compute(con, canonical, "unallocated_cases", day).records()
    after = compute(con, back, "unallocated_cases", day).records()
    assert {r["child_id"] for r in after} == {r["child_id"] for r in before}
    if day == AS_AT:
        assert len(before) > 50
    assert _by_worker(con, back, day) == _by_worker(con, canonical, day)


def test_ssda903_round_trip_keeps_looked_after_children(eastmere):
    root, con, canonical = eastmere
    counts = write_ssda903(con, canonical, root / "ssda903")
    assert counts["episodes"] > 100
    report = load(con, read_sources([root / "ssda903"], "auto", con, canonical.extract_date))
    assert report.status in ("loaded", "loaded_with_rejections")
    back = report.snapshot_id
    q = ("SELECT child_id, start_date, legal_status, placement_type, end_date FROM cla_episode WHERE snapshot_id = ? "
         "ORDER BY ALL")
    assert con.execute(q, [back]).fetchall() == con.execute(q, [canonical.snapshot_id]).fetchall()


def test_annex_a_and_hr_files_load_as_one_snapshot(eastmere, small_eastmere, tmp_path):
    """A council with Annex A from its case system and the workforce from its HR system: both in one load,
    the workbook's worker names resolved against the HR workers (not an earlier snapshot), and the position
    the same as the canonical load's, in a database holding nothing before."""
    import json
    import shutil

    from clearsight.formats.hr import HR_TABLES
    from clearsight.canonical.manifest import MANIFEST_NAME

    root, con, canonical = eastmere
    day = canonical.extract_date  # the HR files run to it: rows past an earlier date would be rejected
    workbook = root / "annex_a_hr.xlsx"
    write_annex_a(con, canonical, workbook, day)
    hr = tmp_path / "hr"
    hr.mkdir()
    manifest = json.loads((small_eastmere / MANIFEST_NAME).read_text())
    manifest["tables"] = {t: v for t, v in manifest["tables"].items() if t in HR_TABLES}
    for entry in manifest["tables"].values():
        shutil.copy(small_eastmere / entry["file"], hr / entry["file"])
    (hr / MANIFEST_NAME).write_text(json.dumps(manifest))
    before = {p.name: p.read_bytes() for p in hr.iterdir()}

    fresh = connect(tmp_path / "fresh.duckdb")
    extract = read_sources([workbook, hr], "auto", fresh, day)
    report = load(fresh, extract)
    assert report.status == "loaded", [str(p) for p in report.rejected][:5]
    assert any("resolved against the HR files loaded with it" in n and "0 not matched" in n for n in report.notes)
    [snapshot] = [get_snapshot(fresh)]
    assert snapshot.snapshot_id == 1 and snapshot.rows("worker") == canonical.rows("worker")
    assert _by_worker(fresh, snapshot, day) == _by_worker(con, canonical, day)
    waiting = {r["child_id"] for r in compute(fresh, snapshot, "unallocated_cases", day).records()}
    assert waiting == {r["child_id"] for r in compute(con, canonical, "unallocated_cases", day).records()}
    # The HR figures come from the HR files: agency workers and leavers are there, not provisional workers.
    [council] = [r for r in compute(fresh, snapshot, "workforce_council", day).records()]
    [expected] = [r for r in compute(con, canonical, "workforce_council", day).records()]
    assert council == expected
    assert {p.name: p.read_bytes() for p in hr.iterdir()} == before  # inputs are only read


def test_ssda903_social_worker_episodes_skip_allocations_never_held(tmp_path):
    """An allocation that ended the day it began (re-allocated the same day) was never in force: written as an
    SSDA903 social-worker episode it would repeat the child's SW_DECOM, and the reader would reject both."""
    from council_builder import CouncilBuilder

    b = CouncilBuilder(extract_date=date(2024, 3, 31))
    b.team("T", "Tango", service="cla")
    first, second = b.worker("T", worker_id="W1"), b.worker("T", worker_id="W2")
    child, _ = b.case("T", date(2023, 1, 2))
    b.looked_after(child, date(2023, 1, 10))
    b.allocate(child, first, "T", date(2023, 1, 10), date(2023, 1, 10), change_reason="case_transfer")
    b.allocate(child, second, "T", date(2023, 1, 10))
    loaded = b.load(tmp_path)
    counts = write_ssda903(loaded.con, loaded.snapshot, tmp_path / "ssda903")
    assert counts["social_worker"] == 1
    report = load(loaded.con, read_sources([tmp_path / "ssda903"], "auto", loaded.con, date(2024, 3, 31)))
    assert not report.rejected, [str(p) for p in report.rejected]
