"""A small Eastmere loaded once for the forecast tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearsight.store.database import connect
from clearsight.store.load import load_extract
from clearsight.store.snapshots import get_snapshot


@pytest.fixture(scope="session")
def eastmere_db(small_eastmere: Path, tmp_path_factory: pytest.TempPathFactory):
    """(connection, snapshot) of the session's small Eastmere (scale 0.2)."""
    con = connect(tmp_path_factory.mktemp("forecast_eastmere") / "eastmere.duckdb")
    report = load_extract(con, small_eastmere)
    assert report.status == "loaded"
    return con, get_snapshot(con)
