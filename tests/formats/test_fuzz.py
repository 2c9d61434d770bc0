"""Readers fed garbage: only a clear ReaderError or a report of rows left out, never a crash or a half load."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearsight.formats.detect import read_sources
from clearsight.formats.errors import ReaderError
from clearsight.store.database import connect
from clearsight.store.load import load

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "external"  # ../shared beside the checkout
assert SAMPLES.is_dir(), f"the shared sample extracts are missing: expected ../shared beside the checkout ({SAMPLES})"
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SUFFIX = {"annex-a": ".xlsx", "ssda903": ".csv", "cin": ".xml", "csww": ".xml"}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return connect(tmp_path_factory.mktemp("fuzz") / "cs.duckdb")


def _rows(con) -> int:
    return con.execute("SELECT count(*) FROM snapshot").fetchone()[0] + con.execute(
        "SELECT count(*) FROM child").fetchone()[0]


def _try(con, path: Path, fmt: str) -> None:
    before = _rows(con)
    try:
        extract = read_sources([path], fmt, con, date(2024, 1, 1))
    except ReaderError as exc:
        assert path.name in str(exc)
        assert _rows(con) == before
        return
    report = load(con, extract)
    if report.status == "rejected":
        assert _rows(con) == before


@FUZZ
@given(data=st.binary(max_size=2000), fmt=st.sampled_from(sorted(SUFFIX)))
def test_random_bytes(con, tmp_path, data, fmt):
    path = tmp_path / f"f{SUFFIX[fmt]}"
    path.write_bytes(data)
    _try(con, path, fmt)


def _sample(fmt: str) -> Path:
    return {"annex-a": SAMPLES / "annex_a/Annex_A_2024_Jan.xlsx", "ssda903": SAMPLES / "ssda903/SSDA903_2020_episodes.csv",
            "cin": SAMPLES / "cin_census/BAR_cin_2022.xml", "csww": SAMPLES / "csww/social_work_workforce_2022.xml"}[fmt]


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not present")
@FUZZ
@given(fmt=st.sampled_from(sorted(SUFFIX)), cut=st.floats(0, 1), flip=st.integers(0, 10**6))
def test_truncated_and_corrupted_samples(con, tmp_path, fmt, cut, flip):
    data = bytearray(_sample(fmt).read_bytes())
    data = data[: int(len(data) * cut)]
    if data:
        data[flip % len(data)] ^= 0x5A
    path = tmp_path / f"f{SUFFIX[fmt]}"
    path.write_bytes(bytes(data))
    _try(con, path, fmt)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.lists(st.one_of(st.text(max_size=12), st.integers(), st.floats(allow_nan=False),
                                         st.booleans(), st.none()), min_size=1, max_size=8), max_size=6))
def test_wrong_types_in_annex_a_cells(con, tmp_path, cells):
    import xlsxwriter

    path = tmp_path / "aa.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    for n in (6, 7, 8):
        ws = wb.add_worksheet(f"List {n}")
        ws.write_row(0, 0, ["Child Unique ID", "Gender", "CIN Start Date", "Child Protection Plan Start Date",
                            "Date Started to be Looked After", "Child's Legal Status", "Allocated Team",
                            "Allocated Worker"])
        for r, row in enumerate(cells, 1):
            for c, v in enumerate(row):
                if v is not None and not (isinstance(v, float) and abs(v) == float("inf")):
                    ws.write(r, c, v)
    wb.close()
    _try(con, path, "annex-a")


SSD_FIXTURES = Path(__file__).parent / "fixtures" / "ssd"


@FUZZ
@given(name=st.sampled_from(sorted(p.name for p in SSD_FIXTURES.iterdir())), cut=st.floats(0, 1),
       flip=st.integers(0, 10**6), garbage=st.binary(max_size=300))
def test_ssd_tables_truncated_corrupted_or_random(con, tmp_path, name, cut, flip, garbage):
    """One SSD table of a directory cut short, a byte flipped, random bytes appended (or the whole file random)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    for f in SSD_FIXTURES.iterdir():
        shutil.copy(f, folder / f.name)
    data = bytearray((SSD_FIXTURES / name).read_bytes())
    data = data[: int(len(data) * cut)]
    if data:
        data[flip % len(data)] ^= 0x5A
    (folder / name).write_bytes(bytes(data) + garbage if cut > 0.1 else garbage)
    before = _rows(con)
    try:
        extract = read_sources([folder], "ssd", con, date(2024, 3, 31))
    except ReaderError as exc:
        assert any(f.name in str(exc) for f in folder.iterdir())
        assert _rows(con) == before
        return
    report = load(con, extract)
    if report.status == "rejected":
        assert _rows(con) == before
    else:
        assert report.snapshot_id is not None


HR_HEADER = b"worker_id,name,role,qualified,employment,start_date,end_date\n"


@FUZZ
@given(data=st.binary(max_size=2000), header=st.booleans())
def test_hr_file_of_random_bytes(con, tmp_path, data, header):
    """An HR file (worker.csv) of garbage, with or without a good header: an error or rows left out."""
    path = tmp_path / "worker.csv"
    path.write_bytes((HR_HEADER if header else b"") + data)
    _try(con, path, "hr")
