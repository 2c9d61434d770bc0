"""`clearsight load` as a whole process (issue 15 item 7): pandas, which pyarrow and DuckDB import when handed
Python values or Arrow tables, is never imported, nor pyarrow.dataset, which DuckDB imports to scan a registered
Arrow table, and a load in a process that holds pandas already is the same load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

import clearsight
from clearsight.store.arrow_scan import register_once
from clearsight.store.without_pandas import without_pandas

EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"


def _ssda903(tmp_path: Path) -> Path:
    files = tmp_path / "903"
    files.mkdir()
    (files / "episodes.csv").write_text(EPISODES + "A,01/06/2020,S,C2,N1,U1,PR1,,,,,,\nB,05/05/2021,S,J2,N1,U4,PR1,,,,,,\n")
    (files / "header.csv").write_text(HEADER + "A,1,01/01/2010,WBRI,,,\nB,2,02/02/2012,WBRI,,,\n")
    return files


def _load(tmp_path: Path, files: Path, first: str = "") -> dict[str, object]:
    tmp_path.mkdir()
    code = (f"{first}\nimport json, sys\nfrom clearsight.cli import app\n"
            f"try:\n    app([{'--db'!r}, {str(tmp_path / 'cs.duckdb')!r}, 'load', '--json', {str(files)!r}])\n"
            "except SystemExit as done:\n    code = done.code\n"
            "print(json.dumps({'exit': code, 'pandas': 'pandas' in sys.modules, "
            "'dataset': 'pyarrow.dataset' in sys.modules, 'compute': 'pyarrow.compute' in sys.modules}))\n")
    env = {"PYTHONPATH": str(Path(clearsight.__file__).parents[1]), "CLEARSIGHT_CACHE_DIR": str(tmp_path.parent / "cache")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    lines = done.stdout.splitlines()
    return {**json.loads(lines[-1]), "report": json.loads("\n".join(lines[:-1]))}


def test_a_load_imports_no_pandas_and_loads_what_a_process_holding_pandas_loads(tmp_path):
    files = _ssda903(tmp_path)
    without = _load(tmp_path / "a", files)
    held = _load(tmp_path / "b", files, first="import pandas")
    assert (without["exit"], without["pandas"], without["dataset"]) == (0, False, False)
    assert (held["exit"], held["pandas"]) == (0, True)
    assert without["report"]["tables"] == held["report"]["tables"]  # type: ignore[index]
    assert without["report"]["tables"]["cla_episode"]["rows"] == 2  # type: ignore[index]


CIN = """<Message><Header><CollectionDetails><Collection>CIN</Collection><ReferenceDate>2023-03-31</ReferenceDate>
</CollectionDetails></Header><Children><Child><ChildIdentifiers><LAchildID>A1</LAchildID><GenderCurrent>2</GenderCurrent>
</ChildIdentifiers><CINdetails><CINreferralDate>2022-05-01</CINreferralDate><ReferralNFA>false</ReferralNFA>
</CINdetails></Child></Children></Message>"""


def test_a_cin_census_load_imports_neither_pyarrow_compute_nor_the_ssda903_reader(tmp_path):
    """pyarrow.compute takes 0.03 s to import, a thirtieth of a census's load: the census reader, the screen and
    the format detection (which reads no SSDA903 file here) do without it."""
    (tmp_path / "cin.xml").write_text(CIN)
    done = _load(tmp_path / "a", tmp_path / "cin.xml")
    assert (done["exit"], done["pandas"], done["dataset"], done["compute"]) == (0, False, False, False)
    assert done["report"]["tables"]["episode"]["rows"] == 1  # type: ignore[index]


def test_pandas_is_importable_again_after_the_load():
    with without_pandas():
        if "pandas" not in sys.modules:
            try:
                import pandas  # noqa: F401
            except ModuleNotFoundError as exc:
                assert "not used while loading" in str(exc)
            else:
                raise AssertionError("pandas was importable inside without_pandas()")
    assert not any(type(f).__name__ == "_Absent" for f in sys.meta_path)


def test_rows_registered_once_are_read_by_one_scan_and_a_second_is_refused():
    con = duckdb.connect()
    register_once(con, "rows", pa.table({"id": ["a", "b"], "n": [1, None]}))
    assert con.execute("SELECT id, n FROM rows").fetchall() == [("a", 1), ("b", None)]
    with pytest.raises(duckdb.InvalidInputException, match="consumed"):
        con.execute("SELECT count(*) FROM rows")
